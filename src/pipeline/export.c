// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The export side assembled (see src/pipeline/export.h). Shutdown goes downstream: the
 * merger ends once every worker's final shard is merged, then the queue is closed and the
 * sender ends once it has exported what the queue held.
 */
#include "pipeline/export.h"

#include <stdlib.h>

#include "pipeline/merger.h"
#include "pipeline/sender.h"
#include "pipeline/window_queue.h"

struct se_export {
	struct se_publish *pub;
	struct se_window_queue queue;
	bool queue_ready;
	struct se_merger *merger;
	struct se_sender *sender;
};

struct se_export *se_export_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, struct se_sink *const *sinks,
				unsigned int nsinks, struct se_health *health)
{
	struct se_export *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (se_window_queue_init(&e->queue, cfg->export_queue))
		goto fail;
	e->queue_ready = true;
	e->pub = se_publish_new(workers);
	e->merger = e->pub ? se_merger_new(cfg, workers, probe, e->pub, &e->queue) : NULL;
	e->sender = se_sender_new(&e->queue, sinks, nsinks, health);
	if (!e->merger || !e->sender)
		goto fail;
	return e;
fail:
	se_export_free(e);
	return NULL;
}

struct se_publish *se_export_publish(struct se_export *e)
{
	return e->pub;
}

int se_export_start(struct se_export *e)
{
	int ret = se_sender_start(e->sender);

	return ret ? ret : se_merger_start(e->merger);
}

void se_export_stopping(struct se_export *e)
{
	se_sender_stopping(e->sender);
	se_merger_stopping(e->merger);
}

int se_export_join(struct se_export *e)
{
	se_sender_stopping(e->sender); /* a no-op after se_export_stopping */
	se_merger_join(e->merger);
	se_window_queue_close(&e->queue);
	return se_sender_join(e->sender);
}

void se_export_free(struct se_export *e)
{
	if (!e)
		return;
	if (e->merger)
		se_merger_join(e->merger);
	if (e->queue_ready)
		se_window_queue_close(&e->queue);
	se_sender_free(e->sender);
	se_merger_free(e->merger);
	se_publish_free(e->pub);
	if (e->queue_ready)
		se_window_queue_fini(&e->queue);
	free(e);
}

void se_export_queue_counts(struct se_export *e, uint64_t *pushed, uint64_t *dropped)
{
	se_window_queue_counts(&e->queue, pushed, dropped);
}
