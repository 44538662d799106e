/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What sockeye needs to know of the OTLP endpoint URL before libcurl sees it: the URL to show
 * in logs and errors (never its "user:password@"), and whether its host is this machine (so
 * that headers sent over plain http:// stay on it). The host is read from the authority, the
 * part after "scheme://" (or from the start when there is none) up to the first '/', '?' or
 * '#'. Pure.
 */
#ifndef SOCKEYE_URL_H
#define SOCKEYE_URL_H

#include <stdbool.h>
#include <stddef.h>

/* url without its userinfo into out (everything from the scheme to the last '@' of the URL:
 * see url.c), cut to outlen - 1 bytes, always NUL-terminated (outlen > 0). Returns out. */
const char *se_url_redact(const char *url, char *out, size_t outlen);
/* Whether url carries a userinfo ("user:password@host"), by the same rule. */
bool se_url_has_userinfo(const char *url);
/* Whether url starts with "http://" (case-insensitive): unencrypted. */
bool se_url_is_plain_http(const char *url);
/* Whether url's host is a loopback one: localhost or a name under .localhost (libcurl
 * resolves those to loopback itself), an IPv4 address in 127.0.0.0/8, ::1, or ::ffff:127.x.x.x. */
bool se_url_host_is_loopback(const char *url);

#endif /* SOCKEYE_URL_H */
