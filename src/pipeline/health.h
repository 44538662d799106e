/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether sockeye is ready, as Kubernetes' readiness probe asks it (GET /readyz): every hook
 * attached, the first window sealed and exported, and the OTLP exporter not failing for
 * SE_HEALTH_FAILING_WINDOWS windows in a row. Set once per window or per export attempt,
 * never per event; read by the endpoint's thread. Failing is measured in time (windows of
 * --window): an export to a dead collector retries for much longer than a window.
 */
#ifndef SOCKEYE_HEALTH_H
#define SOCKEYE_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SE_HEALTH_FAILING_WINDOWS 3

struct se_health {
	uint64_t window_ns; /* immutable after init */
	/* sync: each written by one thread (main, sender), read by any */
	_Atomic bool attached;
	_Atomic uint64_t windows_exported;
	_Atomic uint64_t failing_since_ns; /* CLOCK_MONOTONIC of the first failed export not
					    * followed by a delivered one; 0 = none */
};

void se_health_init(struct se_health *h, unsigned int window_s);
/* Every hook is attached. Context: main. */
void se_health_set_attached(struct se_health *h);
/* A window went to every sink. Context: sender. */
void se_health_window_exported(struct se_health *h);
/* An export attempt failed (now_ns: CLOCK_MONOTONIC), or one was delivered. Context: the
 * exporting sink, on the sender thread. */
void se_health_export_failed(struct se_health *h, uint64_t now_ns);
void se_health_export_delivered(struct se_health *h);
/* Ready at now_ns? When not, why says so in one line (no newline). */
bool se_health_ready(const struct se_health *h, uint64_t now_ns, char *why, size_t whylen);

#endif /* SOCKEYE_HEALTH_H */
