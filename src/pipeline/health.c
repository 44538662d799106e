// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Readiness (see src/pipeline/health.h).
 */
#include "pipeline/health.h"

#include <stdio.h>

#include "util/clock.h"

void se_health_init(struct se_health *h, unsigned int window_s)
{
	h->window_ns = (uint64_t)window_s * SE_NS_PER_S;
	atomic_init(&h->attached, false);
	atomic_init(&h->windows_exported, 0);
	atomic_init(&h->failing_since_ns, 0);
}

void se_health_set_attached(struct se_health *h)
{
	atomic_store_explicit(&h->attached, true, memory_order_release);
}

void se_health_window_exported(struct se_health *h)
{
	atomic_fetch_add_explicit(&h->windows_exported, 1, memory_order_release);
}

void se_health_export_failed(struct se_health *h, uint64_t now_ns)
{
	uint64_t none = 0;

	/* the first failure of a run counts; later ones keep its time */
	atomic_compare_exchange_strong(&h->failing_since_ns, &none, now_ns ? now_ns : 1);
}

void se_health_export_delivered(struct se_health *h)
{
	atomic_store_explicit(&h->failing_since_ns, 0, memory_order_release);
}

bool se_health_ready(const struct se_health *h, uint64_t now_ns, char *why, size_t whylen)
{
	uint64_t since = atomic_load_explicit(&h->failing_since_ns, memory_order_acquire);

	if (!atomic_load_explicit(&h->attached, memory_order_acquire)) {
		snprintf(why, whylen, "attaching");
		return false;
	}
	if (!atomic_load_explicit(&h->windows_exported, memory_order_acquire)) {
		snprintf(why, whylen, "the first window is not sealed yet");
		return false;
	}
	if (since && now_ns > since && now_ns - since >= SE_HEALTH_FAILING_WINDOWS * h->window_ns) {
		snprintf(why, whylen, "OTLP exports failing for %llu s",
			 (unsigned long long)((now_ns - since) / SE_NS_PER_S));
		return false;
	}
	return true;
}
