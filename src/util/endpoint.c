// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/endpoint.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t se_v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void se_endpoint_format_addr(uint16_t family, const uint8_t addr[16], char *buf, size_t len)
{
	if (family == AF_INET6 && !memcmp(addr, se_v4_mapped_prefix, 12)) {
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	} else if (family == AF_INET6) {
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
	} else {
		inet_ntop(AF_INET, addr, buf, (socklen_t)len);
	}
}

void se_endpoint_format(uint16_t family, const uint8_t addr[16], uint16_t port, char *buf,
			size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = family == AF_INET6 && memcmp(addr, se_v4_mapped_prefix, 12);

	se_endpoint_format_addr(family, addr, ip, sizeof(ip));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}
