/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A worker's connection table: every connection whose ring the worker owns, keyed by the
 * kernel's connection id. Open addressing with linear probing over a table allocated once
 * (capacity fixed by --max-connections), so lookups and inserts never allocate.
 *
 * Context: owned by one worker; no locking.
 */
#ifndef SOCKEYE_CONN_TABLE_H
#define SOCKEYE_CONN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn/stream.h"
#include "sockeye/abi.h"
#include "util/endpoint.h"

/* Per-direction activity within the current window. */
struct se_conn_activity {
	uint64_t bytes;
	uint64_t events;
	uint64_t captured;
};

struct se_conn {
	uint64_t id;	/* 0: free slot */
	uint32_t pid;	/* 0 until known: taken from the first data record if the open had none */
	uint8_t role;	/* enum se_role */
	uint8_t origin; /* enum se_origin */
	struct se_endpoint local;
	struct se_endpoint peer;
	bool closed;	      /* SE_EV_CLOSE seen: freed at the next window seal */
	bool in_active_list;  /* linked in the table's active list for this window */
	bool plaintext;	      /* TLS plaintext seen: `stream` is the plaintext's from then on,
			       * the ciphertext only counted (bpf/tls.bpf.h) */
	uint32_t next_active; /* index of the next active connection, or UINT32_MAX */
	uint32_t sighted;     /* the table's pass when inserted or last seen in the kernel */
	struct se_stream stream[SE_DIR__COUNT];
	struct se_conn_activity window[SE_DIR__COUNT];
	uint64_t digest[SE_DIR__COUNT]; /* FNV-1a of captured bytes in stream order, so far */
};

struct se_conn_table {
	struct se_conn *slots;
	/* What a later stage keeps per connection (the protocol session): ext_size bytes per
	 * slot, moved with its slot, zeroed on insert and removal. */
	uint8_t *ext;
	size_t ext_size;
	uint32_t capacity; /* power of two, at least twice max_live */
	uint32_t max_live; /* inserts beyond this fail: memory is bounded by configuration */
	uint32_t live;
	uint32_t active_head;	  /* first connection with activity or a close in this window */
	uint32_t pass;		  /* reconciliation pass (see se_conn_table_begin_pass) */
	uint32_t unsighted;	  /* entries older than the pass, neither sighted nor removed */
	struct se_budget *budget; /* where parked payload is given back; set by the owner */
};

int se_conn_table_init(struct se_conn_table *t, uint32_t max_live);
/* The same, with ext_size bytes beside each slot (se_conn_table_ext). 0, -EINVAL or -ENOMEM. */
int se_conn_table_init_ext(struct se_conn_table *t, uint32_t max_live, size_t ext_size);
void se_conn_table_fini(struct se_conn_table *t);

/* Ids are the kernel's connection ids, never 0 (0 marks a free slot). */
struct se_conn *se_conn_table_lookup(struct se_conn_table *t, uint64_t id);
/* Returns the existing entry or a fresh zeroed one with id set; NULL when full. */
struct se_conn *se_conn_table_insert(struct se_conn_table *t, uint64_t id);
/* Removal shifts other entries (no tombstones): pointers into the table and the active
 * list are invalid afterwards, so remove only when the active list is empty. */
void se_conn_table_remove(struct se_conn_table *t, struct se_conn *c);

/* The ext_size bytes kept beside c; moved by se_conn_table_remove like c itself. */
static inline void *se_conn_table_ext(const struct se_conn_table *t, const struct se_conn *c)
{
	return t->ext + (size_t)(c - t->slots) * t->ext_size;
}

/* Put c on the list walked at the window seal (idempotent within a window). */
void se_conn_table_mark_active(struct se_conn_table *t, struct se_conn *c);

/* Detach and return the first active connection, or NULL; used to walk at the seal. */
struct se_conn *se_conn_table_pop_active(struct se_conn_table *t);

/*
 * Reconciliation with the kernel's connection map (src/conn/reconcile.c). A pass starts
 * here: every entry present now is unsighted until se_conn_table_sight says the kernel
 * still has it; entries inserted later count as sighted (they cannot be judged by a walk
 * that may have started before the kernel created them). `unsighted` then counts the
 * older entries neither sighted nor removed, so a pass that finds it 0 need not look
 * through the table.
 */
void se_conn_table_begin_pass(struct se_conn_table *t);
void se_conn_table_sight(struct se_conn_table *t, struct se_conn *c);
/* Was c present when the pass began, and not sighted since? */
static inline bool se_conn_table_unsighted(const struct se_conn_table *t, const struct se_conn *c)
{
	return c->sighted != t->pass;
}

#endif /* SOCKEYE_CONN_TABLE_H */
