// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Request heads of sockeye's endpoint (see src/serve/http_request.h).
 */
#include "serve/http_request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SE_HTTP_OPENMETRICS "application/openmetrics-text"
#define SE_HTTP_TEXT	    "text/plain"

/* The end of the head ("\r\n\r\n", or "\n\n" from a lax client) within len: its length. */
static size_t se_http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static const char *se_http_skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The q of a media range's parameters [p, end) ("; q=0.5"): 1000ths, 1000 when absent. */
static int se_http_quality(const char *p, const char *end)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *param = se_http_skip_blanks(semi ? semi + 1 : end, end);

		if (!semi)
			break;
		if (end - param >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
			int q = 0, scale = 1000;

			param += 2;
			if (param < end && *param == '1')
				return 1000;
			if (param < end && *param == '0')
				param++;
			if (param < end && *param == '.')
				for (param++;
				     param < end && *param >= '0' && *param <= '9' && scale > 1;
				     param++) {
					scale /= 10;
					q += (*param - '0') * scale;
				}
			return q;
		}
		p = param;
	}
	return 1000;
}

static bool se_http_range_is(const char *p, const char *end, const char *type)
{
	size_t n = strlen(type);

	return (size_t)(end - p) >= n && !strncasecmp(p, type, n) &&
	       (p + n == end || p[n] == ';' || p[n] == ' ' || p[n] == '\t');
}

/* Whether the Accept value [p, end) prefers OpenMetrics to the text format: its q is higher
 * than text/plain's, or than that of a wildcard range when text/plain is not listed. */
static bool se_http_prefers_openmetrics(const char *p, const char *end)
{
	int om = -1, text = -1, any = -1;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		const char *range = se_http_skip_blanks(p, stop);
		int q = se_http_quality(range, stop);

		if (se_http_range_is(range, stop, SE_HTTP_OPENMETRICS) && q > om)
			om = q;
		else if (se_http_range_is(range, stop, SE_HTTP_TEXT) && q > text)
			text = q;
		else if ((se_http_range_is(range, stop, "*/*") ||
			  se_http_range_is(range, stop, "text/*")) &&
			 q > any)
			any = q;
		p = comma ? comma + 1 : end;
	}
	if (text < 0)
		text = any;
	return om > 0 && om > text;
}

/* The request line "METHOD SP target SP HTTP/1.x" in [p, end). */
static bool se_http_request_line(const char *p, const char *end, struct se_http_request *r)
{
	const char *sp1 = memchr(p, ' ', (size_t)(end - p));
	const char *target, *sp2, *path_end;
	size_t n;

	if (!sp1)
		return false;
	if (sp1 - p == 3 && !memcmp(p, "GET", 3))
		r->method = SE_HTTP_GET;
	else if (sp1 - p == 4 && !memcmp(p, "HEAD", 4))
		r->method = SE_HTTP_HEAD;
	else
		r->method = SE_HTTP_OTHER;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(end - target));
	if (!sp2 || sp2 == target || end - sp2 < 9 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return false;
	for (const char *t = target; t < sp2; t++)
		if ((unsigned char)*t < 0x21 || *t == 0x7f) /* a target has no control byte */
			return false;
	r->chunked_ok = sp2[8] != '0'; /* "HTTP/1." and a minor version past 0 */
	path_end = memchr(target, '?', (size_t)(sp2 - target));
	if (!path_end)
		path_end = sp2;
	n = (size_t)(path_end - target);
	if (n >= sizeof(r->path))
		n = sizeof(r->path) - 1;
	memcpy(r->path, target, n);
	r->path[n] = '\0';
	return true;
}

enum se_http_parse se_http_request_parse(const char *buf, size_t len, struct se_http_request *r)
{
	size_t head =
	    se_http_head_end(buf, len < SE_HTTP_REQUEST_HEAD_MAX ? len : SE_HTTP_REQUEST_HEAD_MAX);
	const char *p = buf, *end = buf + head;

	memset(r, 0, sizeof(*r));
	if (!head)
		return len >= SE_HTTP_REQUEST_HEAD_MAX ? SE_HTTP_PARSE_TOO_LONG
						       : SE_HTTP_PARSE_MORE;
	for (bool first = true; p < end; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;

		if (first && !se_http_request_line(p, line_end, r))
			return SE_HTTP_PARSE_MALFORMED;
		if (!first && (size_t)(line_end - p) > 7 && !strncasecmp(p, "accept:", 7))
			r->openmetrics =
			    r->openmetrics || se_http_prefers_openmetrics(p + 7, line_end);
		p = nl + 1;
	}
	return SE_HTTP_PARSE_DONE;
}
