// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A bounded table of groups (see src/util/group_table.h). */
#include "util/group_table.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/hash.h"

#define SE_GROUP_TABLE_INITIAL 16

uint64_t se_group_secret[SE_GROUP_SECRET_WORDS]; /* written once, under se_group_once */
static pthread_once_t se_group_once = PTHREAD_ONCE_INIT;

static void se_group_secret_init(void)
{
	uint64_t s[SE_GROUP_SECRET_WORDS];

	if (getrandom(s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		/* No entropy yet (early boot): the clock and ASLR still differ per process. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)(uintptr_t)&ts;
		for (int i = 0; i < SE_GROUP_SECRET_WORDS; i++)
			s[i] = se_hash_u64(x + (uint64_t)i * 0x9e3779b97f4a7c15ull);
	}
	memcpy(se_group_secret, s, sizeof(s));
}

void se_group_secret_ready(void)
{
	pthread_once(&se_group_once, se_group_secret_init);
}

uint64_t se_group_hash(const void *key, size_t len)
{
	const uint64_t *s = se_group_secret;
	const uint8_t *p = key;
	uint64_t h = se_group_mum((uint64_t)len ^ s[0], s[1]), a, b;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = se_group_mum(a ^ s[1], b ^ h ^ s[2]);
	}
	if (len) {
		a = b = 0;
		if (len > 8) {
			memcpy(&a, p, 8);
			memcpy(&b, p + 8, len - 8);
		} else {
			memcpy(&a, p, len);
		}
		h = se_group_mum(a ^ s[1], b ^ h ^ s[3]);
	}
	return se_hash_u64(h);
}

void se_group_table_init(struct se_group_table *t, uint32_t entry_size, uint32_t max)
{
	se_group_secret_ready();
	memset(t, 0, sizeof(*t));
	t->entry_size = entry_size;
	t->max = max < SE_GROUP_TABLE_LIMIT ? max : SE_GROUP_TABLE_LIMIT;
}

void se_group_table_fini(struct se_group_table *t)
{
	free(t->entries);
	free(t->index);
	t->entries = NULL;
	t->index = NULL;
	t->n = t->cap = 0;
	t->index_mask = 0;
}

/* Index slots for cap entries: a power of two, at least twice as many (load <= 1/2). */
static uint32_t se_group_index_slots(uint32_t cap)
{
	uint32_t nslots = 1;

	while (nslots < 2 * cap)
		nslots <<= 1;
	return nslots;
}

uint64_t se_group_table_bytes_max(uint32_t entry_size, uint32_t max)
{
	if (!max)
		return 0;
	return (uint64_t)max * entry_size + (uint64_t)se_group_index_slots(max) * sizeof(uint32_t);
}

static uint64_t se_group_hash_at(const struct se_group_table *t, uint32_t i)
{
	uint64_t h;

	memcpy(&h, se_group_table_at(t, i), sizeof(h));
	return h;
}

void *se_group_table_find(const struct se_group_table *t, uint64_t hash,
			  bool (*equal)(const void *entry, const void *key), const void *key)
{
	if (!t->index)
		return NULL;
	/* Terminates: the load is at most 1/2, so there is always an empty slot. */
	for (uint32_t i = (uint32_t)hash & t->index_mask;; i = (i + 1) & t->index_mask) {
		uint32_t e = t->index[i];

		if (!e)
			return NULL;
		if (se_group_hash_at(t, e - 1) == hash && equal(se_group_table_at(t, e - 1), key))
			return se_group_table_at(t, e - 1);
	}
}

static void se_group_index_put(uint32_t *index, uint32_t mask, uint64_t hash, uint32_t entry)
{
	uint32_t i = (uint32_t)hash & mask;

	while (index[i])
		i = (i + 1) & mask;
	index[i] = entry;
}

static void se_group_index_rebuild(struct se_group_table *t)
{
	memset(t->index, 0, ((size_t)t->index_mask + 1) * sizeof(*t->index));
	for (uint32_t i = 0; i < t->n; i++)
		se_group_index_put(t->index, t->index_mask, se_group_hash_at(t, i), i + 1);
}

/* Room for one more entry (below the bound). 0 or -ENOMEM, table unchanged. */
static int se_group_reserve(struct se_group_table *t)
{
	uint32_t ncap, nslots;
	uint32_t *index = NULL;
	uint8_t *grown;

	if (t->n < t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : SE_GROUP_TABLE_INITIAL;
	if (ncap > t->max)
		ncap = t->max;
	nslots = se_group_index_slots(ncap);
	/* The index first: if the array then fails, the old index still fits the old array. */
	if (!t->index || nslots > t->index_mask + 1) {
		index = calloc(nslots, sizeof(*index));
		if (!index)
			return -ENOMEM;
	}
	grown = realloc(t->entries, (size_t)ncap * t->entry_size);
	if (!grown) {
		free(index);
		return -ENOMEM;
	}
	t->entries = grown;
	t->cap = ncap;
	if (index) {
		free(t->index);
		t->index = index;
		t->index_mask = nslots - 1;
		se_group_index_rebuild(t);
	}
	return 0;
}

void *se_group_table_insert(struct se_group_table *t, uint64_t hash)
{
	void *e;

	if (t->n >= t->max || se_group_reserve(t))
		return NULL;
	e = se_group_table_at(t, t->n);
	memset(e, 0, t->entry_size);
	memcpy(e, &hash, sizeof(hash));
	t->n++;
	se_group_index_put(t->index, t->index_mask, hash, t->n);
	return e;
}

/* The index slot holding entry number e (index + 1); the entry is in the table. */
static uint32_t se_group_slot_of(const struct se_group_table *t, uint32_t e)
{
	uint32_t i = (uint32_t)se_group_hash_at(t, e - 1) & t->index_mask;

	while (t->index[i] != e)
		i = (i + 1) & t->index_mask;
	return i;
}

/* Empty slot `hole` and shift back the entries of its run that may move there, so every
 * entry stays reachable from its home slot (deletion in linear probing, without tombstones). */
static void se_group_index_delete(struct se_group_table *t, uint32_t hole)
{
	uint32_t mask = t->index_mask;

	for (uint32_t j = (hole + 1) & mask; t->index[j]; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)se_group_hash_at(t, t->index[j] - 1) & mask;

		/* j's entry may fill the hole if the hole lies between its home and j */
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			t->index[hole] = t->index[j];
			hole = j;
		}
	}
	t->index[hole] = 0;
}

void se_group_table_remove(struct se_group_table *t, void *entry)
{
	uint32_t i = (uint32_t)(((uint8_t *)entry - t->entries) / t->entry_size);
	uint32_t last = t->n - 1;

	se_group_index_delete(t, se_group_slot_of(t, i + 1));
	if (i != last) {
		t->index[se_group_slot_of(t, last + 1)] = i + 1;
		memcpy(se_group_table_at(t, i), se_group_table_at(t, last), t->entry_size);
	}
	t->n--;
}

uint32_t se_group_table_filter(struct se_group_table *t, bool (*keep)(const void *entry, void *ctx),
			       void *ctx)
{
	uint32_t kept = 0, gone;

	for (uint32_t i = 0; i < t->n; i++) {
		if (!keep(se_group_table_at(t, i), ctx))
			continue;
		if (kept != i)
			memcpy(se_group_table_at(t, kept), se_group_table_at(t, i), t->entry_size);
		kept++;
	}
	gone = t->n - kept;
	t->n = kept;
	/* Linear probing cannot leave holes in a run: the index is built again. */
	if (gone)
		se_group_index_rebuild(t);
	return gone;
}
