/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sender thread: takes merged windows from the export queue, in order, and exports them
 * to every sink (sink.h). However slow an export is, only this thread waits: the queue drops
 * its oldest windows (counted) rather than hold up the merger or a worker. Once sockeye is
 * stopping, exports have SE_SENDER_STOP_BUDGET_S left, all of them together: Kubernetes
 * kills a pod 30 s after SIGTERM by default (terminationGracePeriodSeconds), and what the
 * budget leaves of that is a wide margin for the other steps of the stop.
 *
 * Local sinks are exported first, so that a slow collector never delays stdout. Once
 * stopping, remote sinks go first: the window's stats line then counts its own export's
 * failure too, as no line follows the last window's (otherwise a failure shows in the next
 * window, since a window is exported after it is printed).
 */
#ifndef SOCKEYE_SENDER_H
#define SOCKEYE_SENDER_H

#include <stdint.h>

#include "pipeline/health.h"
#include "pipeline/sink.h"
#include "pipeline/window_queue.h"

#define SE_SENDER_STOP_BUDGET_S 20

struct se_sender;

/* The sinks and health (may be NULL) are lent: they must outlive the sender. Each window
 * exported to every sink counts in health. Context: main. NULL on ENOMEM. */
struct se_sender *se_sender_new(struct se_window_queue *queue, struct se_sink *const *sinks,
				unsigned int nsinks, struct se_health *health);
int se_sender_start(struct se_sender *s);
/* sockeye is stopping: exports from now on end within SE_SENDER_STOP_BUDGET_S. Context: main. */
void se_sender_stopping(struct se_sender *s);
/* Returns once the queue is closed and every window in it exported. Context: main. */
int se_sender_join(struct se_sender *s);
void se_sender_free(struct se_sender *s);

#endif /* SOCKEYE_SENDER_H */
