// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP request methods (see src/proto/http_method.h). */
#include "proto/http_method.h"

#include <string.h>

static const char *const se_http_method_names[SE_HTTP_METHOD__COUNT] = {
	[SE_HTTP_OTHER] = "_OTHER",    [SE_HTTP_GET] = "GET",	      [SE_HTTP_HEAD] = "HEAD",
	[SE_HTTP_POST] = "POST",       [SE_HTTP_PUT] = "PUT",	      [SE_HTTP_DELETE] = "DELETE",
	[SE_HTTP_CONNECT] = "CONNECT", [SE_HTTP_OPTIONS] = "OPTIONS", [SE_HTTP_TRACE] = "TRACE",
	[SE_HTTP_PATCH] = "PATCH",
};

const char *se_http_method_name(enum se_http_method m)
{
	if ((unsigned int)m >= SE_HTTP_METHOD__COUNT)
		m = SE_HTTP_OTHER;
	return se_http_method_names[m];
}

enum se_http_method se_http_method_of(const uint8_t *p, size_t n)
{
	for (unsigned int m = SE_HTTP_GET; m < SE_HTTP_METHOD__COUNT; m++) {
		const char *name = se_http_method_names[m];

		if (n && name[0] == (char)p[0] && strlen(name) == n && !memcmp(name, p, n))
			return (enum se_http_method)m;
	}
	return SE_HTTP_OTHER;
}
