/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sender thread: takes the shards the workers seal, merges the shards of each window
 * (waiting at most a grace time for a lagging worker), and exports windows in order. A
 * worker hands a shard over with one wait-free enqueue (liburcu wfcqueue) and never waits.
 */
#ifndef SOCKEYE_SENDER_H
#define SOCKEYE_SENDER_H

#include <stdint.h>
#include <stdio.h>

#include "sockeye/config.h"
#include "sockeye/window.h"

struct se_probe;
struct se_sender;

/* Context: main. NULL and errno on failure. */
struct se_sender *se_sender_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, FILE *out);
int se_sender_start(struct se_sender *s);
/* Stop is under way: from now on windows wait for every worker's shard. Context: main. */
void se_sender_stopping(struct se_sender *s);
/* Waits until every worker's final shard is exported, then returns. Context: main. */
int se_sender_join(struct se_sender *s);
void se_sender_free(struct se_sender *s);

/* Hand a sealed shard to the sender, which frees it. Context: worker; wait-free. */
void se_sender_submit(struct se_sender *s, struct se_shard *shard);

#endif /* SOCKEYE_SENDER_H */
