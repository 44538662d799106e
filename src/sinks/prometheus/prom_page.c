// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The page GET /metrics shows (see src/sinks/prometheus/prom_page.h).
 */
#include "sinks/prometheus/prom_page.h"

#include <stdbool.h>
#include <stdlib.h>

struct se_prom_page *se_prom_page_new(void)
{
	struct se_prom_page *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	se_arena_init(&p->arena);
	p->refs = 1;
	return p;
}

static void se_prom_page_free(struct se_prom_page *p)
{
	se_arena_fini(&p->arena);
	free(p);
}

int se_prom_pages_init(struct se_prom_pages *ps)
{
	ps->current = NULL;
	return -pthread_mutex_init(&ps->lock, NULL);
}

void se_prom_pages_fini(struct se_prom_pages *ps)
{
	se_prom_pages_put(ps, ps->current);
	ps->current = NULL;
	pthread_mutex_destroy(&ps->lock);
}

void se_prom_pages_publish(struct se_prom_pages *ps, struct se_prom_page *page)
{
	struct se_prom_page *old;

	pthread_mutex_lock(&ps->lock);
	old = ps->current;
	ps->current = page;
	pthread_mutex_unlock(&ps->lock);
	se_prom_pages_put(ps, old);
}

struct se_prom_page *se_prom_pages_get(struct se_prom_pages *ps)
{
	struct se_prom_page *p;

	pthread_mutex_lock(&ps->lock);
	p = ps->current;
	if (p)
		p->refs++;
	pthread_mutex_unlock(&ps->lock);
	return p;
}

void se_prom_pages_put(struct se_prom_pages *ps, struct se_prom_page *page)
{
	bool last;

	if (!page)
		return;
	pthread_mutex_lock(&ps->lock);
	last = --page->refs == 0;
	pthread_mutex_unlock(&ps->lock);
	if (last)
		se_prom_page_free(page);
}
