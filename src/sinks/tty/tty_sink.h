/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal view as a sink: each window's metrics (delta, the model the exports share)
 * drawn as tty_view.h lays them out, with sockeye's own CPU over the window and its RSS,
 * from /proc/self. main chooses it when stdout is a terminal and no output was asked for
 * (so there is no OTLP export whose failures it could show).
 * A local sink: it never waits but for the terminal.
 */
#ifndef SOCKEYE_TTY_SINK_H
#define SOCKEYE_TTY_SINK_H

#include <stdio.h>

#include "config/config.h"
#include "pipeline/sink.h"
#include "sinks/otlp_metrics.h"

/* Draw on out (left open). NULL on ENOMEM. Context: main. */
struct se_sink *se_tty_sink_new(FILE *out, const struct se_config *cfg);

#endif /* SOCKEYE_TTY_SINK_H */
