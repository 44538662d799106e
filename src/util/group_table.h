/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded table of groups for a protocol's aggregation: fixed-size entries in a dense array
 * (insertion order), each starting with its key's hash (uint64_t), found through an
 * open-addressing index. The protocol owns the entry layout, the key and its comparison; the
 * table owns memory, the bound and the index. Keys come from traffic (names, paths), so the
 * hash is keyed with a per-process secret (se_group_hash): no one can aim requests at one slot.
 *
 * Memory: at most max entries, grown geometrically until then; adding never allocates once
 * at the bound. Context: one owner at a time.
 */
#ifndef SOCKEYE_GROUP_TABLE_H
#define SOCKEYE_GROUP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SE_GROUP_TABLE_LIMIT (1u << 24) /* keeps index sizes far from uint32_t overflow */

struct se_group_table {
	uint8_t *entries; /* n entries of entry_size bytes, each beginning with its hash */
	uint32_t entry_size;
	uint32_t n;
	uint32_t cap;	 /* entries allocated */
	uint32_t max;	 /* the bound */
	uint32_t *index; /* slot -> entry index + 1, 0 = empty; load at most 1/2 */
	uint32_t index_mask;
};

/* entry_size: at least 8 (the hash), a multiple of 8. max: at most SE_GROUP_TABLE_LIMIT. */
void se_group_table_init(struct se_group_table *t, uint32_t entry_size, uint32_t max);
void se_group_table_fini(struct se_group_table *t);
/* The most a table of max entries of entry_size bytes holds, for the memory bound. */
uint64_t se_group_table_bytes_max(uint32_t entry_size, uint32_t max);

static inline void *se_group_table_at(const struct se_group_table *t, uint32_t i)
{
	return t->entries + (size_t)i * t->entry_size;
}

/* The entry with this hash for which equal(entry, key) holds, or NULL. */
void *se_group_table_find(const struct se_group_table *t, uint64_t hash,
			  bool (*equal)(const void *entry, const void *key), const void *key);
/* A new zeroed entry with its hash set, or NULL at the bound or out of memory
 * (se_group_table_full tells which). */
void *se_group_table_insert(struct se_group_table *t, uint64_t hash);
static inline bool se_group_table_full(const struct se_group_table *t)
{
	return t->n >= t->max;
}
/* Remove one entry (from find or insert): the last entry moves into its place, so entry
 * pointers and the insertion order are not kept. */
void se_group_table_remove(struct se_group_table *t, void *entry);
/* Keep the entries for which keep(entry, ctx) holds, in their order; returns how many went. */
uint32_t se_group_table_filter(struct se_group_table *t, bool (*keep)(const void *entry, void *ctx),
			       void *ctx);

/* A keyed hash of len bytes (the key's fields packed by the protocol). */
uint64_t se_group_hash(const void *key, size_t len);

/* For a protocol that hashes its key in its own way (HTTP/1, on the hot path): the secret,
 * valid once se_group_secret_ready returned (se_group_table_init calls it), and the mixing
 * step (a 64x64->128 multiply, folded). */
#define SE_GROUP_SECRET_WORDS 4
extern uint64_t se_group_secret[SE_GROUP_SECRET_WORDS];
void se_group_secret_ready(void);

static inline uint64_t se_group_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#endif /* SOCKEYE_GROUP_TABLE_H */
