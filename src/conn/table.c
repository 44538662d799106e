// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Worker-local connection table: see src/conn/table.h. */
#include "conn/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

#define SE_NO_INDEX UINT32_MAX

int se_conn_table_init(struct se_conn_table *t, uint32_t max_live)
{
	return se_conn_table_init_ext(t, max_live, 0);
}

int se_conn_table_init_ext(struct se_conn_table *t, uint32_t max_live, size_t ext_size)
{
	uint32_t cap = 16;

	memset(t, 0, sizeof(*t));
	if (!max_live || max_live > (1u << 30))
		return -EINVAL;
	while (cap < 2 * max_live)
		cap <<= 1;
	/* calloc: large tables come from fresh zero pages, so resident memory follows use. */
	t->slots = calloc(cap, sizeof(*t->slots));
	t->ext = ext_size ? calloc(cap, ext_size) : NULL;
	if (!t->slots || (ext_size && !t->ext)) {
		free(t->slots);
		free(t->ext);
		t->slots = NULL;
		t->ext = NULL;
		return -ENOMEM;
	}
	t->ext_size = ext_size;
	t->capacity = cap;
	t->max_live = max_live;
	t->active_head = SE_NO_INDEX;
	return 0;
}

void se_conn_table_fini(struct se_conn_table *t)
{
	if (!t->slots)
		return;
	for (uint32_t i = 0; i < t->capacity; i++) {
		if (!t->slots[i].id)
			continue;
		se_stream_fini(&t->slots[i].stream[SE_DIR_IN], t->budget);
		se_stream_fini(&t->slots[i].stream[SE_DIR_OUT], t->budget);
	}
	free(t->slots);
	free(t->ext);
	memset(t, 0, sizeof(*t));
}

static void se_conn_table_ext_clear(struct se_conn_table *t, struct se_conn *c)
{
	if (t->ext_size)
		memset(se_conn_table_ext(t, c), 0, t->ext_size);
}

static uint32_t se_conn_table_home(const struct se_conn_table *t, uint64_t id)
{
	return (uint32_t)se_hash_u64(id) & (t->capacity - 1);
}

struct se_conn *se_conn_table_lookup(struct se_conn_table *t, uint64_t id)
{
	uint32_t mask = t->capacity - 1;

	for (uint32_t i = se_conn_table_home(t, id);; i = (i + 1) & mask) {
		struct se_conn *c = &t->slots[i];

		if (c->id == id)
			return c;
		if (!c->id)
			return NULL; /* load factor <= 1/2 guarantees an empty slot */
	}
}

struct se_conn *se_conn_table_insert(struct se_conn_table *t, uint64_t id)
{
	uint32_t mask = t->capacity - 1;

	for (uint32_t i = se_conn_table_home(t, id);; i = (i + 1) & mask) {
		struct se_conn *c = &t->slots[i];

		if (c->id == id)
			return c;
		if (c->id)
			continue;
		if (t->live >= t->max_live)
			return NULL;
		memset(c, 0, sizeof(*c));
		se_conn_table_ext_clear(t, c);
		c->id = id;
		c->next_active = SE_NO_INDEX;
		c->sighted = t->pass;
		t->live++;
		return c;
	}
}

/* Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
void se_conn_table_remove(struct se_conn_table *t, struct se_conn *c)
{
	uint32_t mask = t->capacity - 1;
	uint32_t hole = (uint32_t)(c - t->slots);

	if (se_conn_table_unsighted(t, c))
		t->unsighted--;
	se_stream_fini(&c->stream[SE_DIR_IN], t->budget);
	se_stream_fini(&c->stream[SE_DIR_OUT], t->budget);
	for (uint32_t i = (hole + 1) & mask; t->slots[i].id; i = (i + 1) & mask) {
		uint32_t home = se_conn_table_home(t, t->slots[i].id);

		/* Move slot i into the hole when the hole lies on its probe path home..i. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->slots[hole] = t->slots[i];
			if (t->ext_size)
				memcpy(se_conn_table_ext(t, &t->slots[hole]),
				       se_conn_table_ext(t, &t->slots[i]), t->ext_size);
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	se_conn_table_ext_clear(t, &t->slots[hole]);
	t->live--;
}

void se_conn_table_mark_active(struct se_conn_table *t, struct se_conn *c)
{
	if (c->in_active_list)
		return;
	c->in_active_list = true;
	c->next_active = t->active_head;
	t->active_head = (uint32_t)(c - t->slots);
}

struct se_conn *se_conn_table_pop_active(struct se_conn_table *t)
{
	struct se_conn *c;

	if (t->active_head == SE_NO_INDEX)
		return NULL;
	c = &t->slots[t->active_head];
	t->active_head = c->next_active;
	c->next_active = SE_NO_INDEX;
	c->in_active_list = false;
	return c;
}

void se_conn_table_begin_pass(struct se_conn_table *t)
{
	t->pass++;
	t->unsighted = t->live;
}

void se_conn_table_sight(struct se_conn_table *t, struct se_conn *c)
{
	if (!se_conn_table_unsighted(t, c))
		return;
	c->sighted = t->pass;
	t->unsighted--;
}
