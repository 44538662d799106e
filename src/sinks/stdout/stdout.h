/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stdout exporter: one JSON object per line (design.md section 4), flushed per window.
 * Context: sender thread.
 */
#ifndef SOCKEYE_EXPORT_STDOUT_H
#define SOCKEYE_EXPORT_STDOUT_H

#include <stdint.h>
#include <stdio.h>

#include "sockeye/abi.h"
#include "config/config.h"
#include "agg/window.h"

/* Format an address as "1.2.3.4" or "::1" (v4-mapped IPv6 shown as IPv4). Pure. */
void se_stdout_format_addr(uint16_t family, const uint8_t addr[16], char *buf, size_t len);

/* Write the conn lines (with --connections), one http line per group and the stats line
 * of w, then flush. */
int se_stdout_export(FILE *out, const struct se_config *cfg, const struct se_window *w,
		     const struct se_kernel_window *kw, uint32_t late_shards);

#endif /* SOCKEYE_EXPORT_STDOUT_H */
