/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One end of a connection, as the kernel reports it. Every layer that keeps an address keeps
 * this type, and every sink formats it with the functions below.
 */
#ifndef SOCKEYE_ENDPOINT_H
#define SOCKEYE_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

struct se_endpoint {
	uint16_t family;  /* AF_INET or AF_INET6; 0: unknown (an overflow group) */
	uint16_t port;	  /* host order; 0 where the port is not part of a key */
	uint8_t addr[16]; /* network order, IPv4 in the first four bytes */
};

/* Longest "[ipv6]:port" with its NUL. */
#define SE_ENDPOINT_STRLEN 56

/* The address alone: "1.2.3.4" or "::1"; a v4-mapped IPv6 address is shown as IPv4. Pure. */
void se_endpoint_format_addr(const struct se_endpoint *e, char *buf, size_t len);
/* "ip:port", with brackets for IPv6 ("[::1]:8080"). Pure. */
void se_endpoint_format(const struct se_endpoint *e, char *buf, size_t len);

/*
 * Parse "ip:port", "[ipv6]:port" or ":port" (every IPv4 address) into e, numeric only (no
 * name lookup), port 1-65535. 0 or -EINVAL. Pure.
 */
int se_endpoint_parse(const char *s, struct se_endpoint *e);

#endif /* SOCKEYE_ENDPOINT_H */
