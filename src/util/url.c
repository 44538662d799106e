// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The endpoint URL's authority (see src/util/url.h).
 */
#include "util/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Where the authority starts in url, and its length. */
static const char *se_url_authority(const char *url, size_t *len)
{
	const char *sep = strstr(url, "://");
	const char *a = sep ? sep + 3 : url;

	*len = strcspn(a, "/?#");
	return a;
}

/* Where the host (with its port) starts in the authority a of length len: after the last
 * '@', as libcurl and browsers read it. */
static const char *se_url_hostport(const char *a, size_t *len)
{
	for (size_t i = *len; i > 0; i--) {
		if (a[i - 1] == '@') {
			*len -= i;
			return a + i;
		}
	}
	return a;
}

/*
 * Where what may be a secret ends: after the last '@' anywhere past the scheme, not only in
 * the authority. A password with an unencoded '/', '?' or '#' ("u:abc/d==@host", base64
 * tokens have '/') is not a valid userinfo, and libcurl reads it as a path; it must still
 * never reach a log. An '@' in an endpoint's path is rare, and hiding more costs nothing.
 */
static const char *se_url_after_secret(const char *url)
{
	const char *sep = strstr(url, "://");
	const char *a = sep ? sep + 3 : url;
	const char *at = strrchr(a, '@');

	return at ? at + 1 : a;
}

const char *se_url_redact(const char *url, char *out, size_t outlen)
{
	const char *sep = strstr(url, "://");
	const char *a = sep ? sep + 3 : url;

	snprintf(out, outlen, "%.*s%s", (int)(a - url), url, se_url_after_secret(url));
	return out;
}

bool se_url_has_userinfo(const char *url)
{
	const char *sep = strstr(url, "://");

	return se_url_after_secret(url) != (sep ? sep + 3 : url);
}

bool se_url_is_plain_http(const char *url)
{
	return !strncasecmp(url, "http://", 7);
}

bool se_url_host_is_loopback(const char *url)
{
	size_t alen;
	const char *a = se_url_authority(url, &alen);
	const char *h = se_url_hostport(a, &alen);
	char host[64];
	size_t n;
	struct in6_addr a6;
	struct in_addr a4;

	if (alen && h[0] == '[') { /* an IPv6 literal, "[::1]:4318" */
		const char *end = memchr(h, ']', alen);

		if (!end || (size_t)(end - h - 1) >= sizeof(host))
			return false;
		n = (size_t)(end - h - 1);
		memcpy(host, h + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return false;
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	}
	n = strcspn(h, ":");
	if (n > alen)
		n = alen;
	if (n && h[n - 1] == '.') /* "localhost." is the same name, fully qualified */
		n--;
	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return !strcasecmp(host, "localhost") ||
	       (n > 10 && !strcasecmp(host + n - 10, ".localhost"));
}
