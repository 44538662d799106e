/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stdout exporter: one JSON object per line (docs/output.md), flushed per window.
 * Context: sender thread.
 */
#ifndef SOCKEYE_EXPORT_STDOUT_H
#define SOCKEYE_EXPORT_STDOUT_H

#include <stdint.h>
#include <stdio.h>

#include "sockeye/abi.h"
#include "config/config.h"
#include "agg/window.h"
#include "pipeline/sink.h"

/* Write the conn lines (with --connections), one http line per group and the stats line
 * of w, then flush. */
int se_stdout_export(FILE *out, const struct se_config *cfg, const struct se_window *w,
		     const struct se_kernel_window *kw, uint32_t late_shards);

/* A sink writing to out (stdout, left open). Context: main. NULL on ENOMEM. */
struct se_sink *se_stdout_sink_new(FILE *out, const struct se_config *cfg);

#endif /* SOCKEYE_EXPORT_STDOUT_H */
