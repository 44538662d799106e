// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/endpoint.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t se_v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool se_endpoint_shows_v6(const struct se_endpoint *e)
{
	return e->family == AF_INET6 && memcmp(e->addr, se_v4_mapped_prefix, 12);
}

void se_endpoint_format_addr(const struct se_endpoint *e, char *buf, size_t len)
{
	if (se_endpoint_shows_v6(e))
		inet_ntop(AF_INET6, e->addr, buf, (socklen_t)len);
	else if (e->family == AF_INET6)
		inet_ntop(AF_INET, e->addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, e->addr, buf, (socklen_t)len);
}

void se_endpoint_format(const struct se_endpoint *e, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	se_endpoint_format_addr(e, ip, sizeof(ip));
	snprintf(buf, len, se_endpoint_shows_v6(e) ? "[%s]:%u" : "%s:%u", ip, e->port);
}
