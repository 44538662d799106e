/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Addresses as the kernel reports them: a family (AF_INET or AF_INET6) and 16 bytes, IPv4 in
 * the first four. One formatter for every sink.
 */
#ifndef SOCKEYE_ENDPOINT_H
#define SOCKEYE_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

/* "1.2.3.4" or "::1"; a v4-mapped IPv6 address is shown as IPv4. Pure. */
void se_endpoint_format_addr(uint16_t family, const uint8_t addr[16], char *buf, size_t len);
/* "ip:port", with brackets for IPv6 ("[::1]:8080"). Pure. */
void se_endpoint_format(uint16_t family, const uint8_t addr[16], uint16_t port, char *buf,
			size_t len);

#endif /* SOCKEYE_ENDPOINT_H */
