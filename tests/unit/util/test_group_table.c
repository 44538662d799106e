// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The bounded group table: find, insert, remove and filter against a plain array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/group_table.h"

struct entry {
	uint64_t hash;
	uint32_t key;
	uint32_t value;
};

static bool key_equal(const void *entry, const void *key)
{
	return ((const struct entry *)entry)->key == *(const uint32_t *)key;
}

/* Few distinct hashes, so runs are long and removal must shift entries back. */
static uint64_t hash_of(uint32_t key)
{
	return (uint64_t)(key % 7) * 0x9e3779b97f4a7c15ull;
}

static struct entry *find(struct se_group_table *t, uint32_t key)
{
	return se_group_table_find(t, hash_of(key), key_equal, &key);
}

static struct entry *add(struct se_group_table *t, uint32_t key, uint32_t value)
{
	struct entry *e = se_group_table_insert(t, hash_of(key));

	if (e) {
		e->key = key;
		e->value = value;
	}
	return e;
}

static void test_insert_find_until_the_bound(void **state)
{
	struct se_group_table t;

	(void)state;
	se_group_table_init(&t, sizeof(struct entry), 100);
	for (uint32_t k = 0; k < 100; k++)
		assert_non_null(add(&t, k, k * 3));
	assert_true(se_group_table_full(&t));
	assert_null(add(&t, 1000, 0)); /* at the bound: refused, nothing allocated */
	assert_int_equal(t.n, 100);
	for (uint32_t k = 0; k < 100; k++) {
		struct entry *e = find(&t, k);

		assert_non_null(e);
		assert_int_equal(e->value, k * 3);
	}
	assert_null(find(&t, 100));
	assert_true(se_group_table_bytes_max(sizeof(struct entry), 100) >=
		    100 * sizeof(struct entry) + 200 * sizeof(uint32_t));
	se_group_table_fini(&t);
}

/* Random inserts and removals, checked against a reference after each step. */
static void test_remove_keeps_every_other_entry_reachable(void **state)
{
	enum { KEYS = 300, STEPS = 20000 };
	struct se_group_table t;
	bool present[KEYS] = { false };
	uint32_t value[KEYS] = { 0 };
	uint64_t x = 42;

	(void)state;
	se_group_table_init(&t, sizeof(struct entry), KEYS);
	for (int step = 0; step < STEPS; step++) {
		uint32_t k;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		k = (uint32_t)(x >> 33) % KEYS;
		if (present[k]) {
			struct entry *e = find(&t, k);

			assert_non_null(e);
			assert_int_equal(e->value, value[k]);
			se_group_table_remove(&t, e);
			present[k] = false;
		} else {
			value[k] = (uint32_t)step;
			assert_non_null(add(&t, k, value[k]));
			present[k] = true;
		}
		if (step % 97 == 0) {
			uint32_t n = 0;

			for (uint32_t j = 0; j < KEYS; j++) {
				struct entry *e = find(&t, j);

				n += present[j];
				if (present[j]) {
					assert_non_null(e);
					assert_int_equal(e->value, value[j]);
				} else {
					assert_null(e);
				}
			}
			assert_int_equal(t.n, n);
		}
	}
	se_group_table_fini(&t);
}

static bool keep_even(const void *entry, void *ctx)
{
	(*(int *)ctx)++;
	return ((const struct entry *)entry)->key % 2 == 0;
}

static void test_filter_keeps_order_and_index(void **state)
{
	struct se_group_table t;
	int calls = 0;

	(void)state;
	se_group_table_init(&t, sizeof(struct entry), 64);
	for (uint32_t k = 0; k < 50; k++)
		add(&t, k, k);
	assert_int_equal(se_group_table_filter(&t, keep_even, &calls), 25);
	assert_int_equal(calls, 50);
	assert_int_equal(t.n, 25);
	for (uint32_t i = 0; i < t.n; i++)
		assert_int_equal(((struct entry *)se_group_table_at(&t, i))->key, 2 * i);
	for (uint32_t k = 0; k < 50; k++)
		assert_true((find(&t, k) != NULL) == (k % 2 == 0));
	/* room again for what went */
	for (uint32_t k = 100; k < 139; k++)
		assert_non_null(add(&t, k, k));
	assert_null(add(&t, 200, 0));
	se_group_table_fini(&t);
}

static void test_hash_is_keyed_on_every_byte(void **state)
{
	uint8_t a[40] = { 0 }, b[40] = { 0 };

	(void)state;
	assert_true(se_group_hash(a, 40) == se_group_hash(b, 40));
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] = 1;
		assert_true(se_group_hash(a, 40) != se_group_hash(b, 40));
		b[i] = 0;
	}
	/* the length counts: zero padding does not collide */
	assert_true(se_group_hash(a, 39) != se_group_hash(a, 40));
	assert_true(se_group_hash(a, 0) != se_group_hash(a, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_until_the_bound),
		cmocka_unit_test(test_remove_keeps_every_other_entry_reachable),
		cmocka_unit_test(test_filter_keeps_order_and_index),
		cmocka_unit_test(test_hash_is_keyed_on_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
