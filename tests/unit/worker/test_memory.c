// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory bound of a configuration (src/worker/memory.c): its parts add up, each flag that
 * sets a limit moves the part it limits (so no limit is left out of the sum), and the
 * defaults give the figure docs/tuning.md states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "worker/memory.h"

#define MIB (1ull << 20)

static uint64_t sum(const struct se_memory_bound *m)
{
	return m->rings + m->kernel_maps + m->conn_state + m->buffers + m->windows + m->process;
}

static void test_parts_add_up(void **state)
{
	struct se_config cfg;
	struct se_memory_bound m;

	se_config_defaults(&cfg);
	se_memory_bound(&cfg, 2, 2, 2, &m);
	assert_int_equal(m.total, sum(&m));
	assert_int_equal(m.rings, 2 * cfg.ring_size);
	assert_true(m.buffers >= 2 * cfg.buffer_budget); /* and the allocator's rounding */
}

/* Doubling one limit grows the part it bounds, and only by what that part holds. */
static void test_every_limit_counts(void **state)
{
	struct se_config base, cfg;
	struct se_memory_bound a, b;

	se_config_defaults(&base);
	se_memory_bound(&base, 2, 2, 2, &a);

	cfg = base;
	cfg.max_connections *= 2;
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_true(b.conn_state > a.conn_state + a.conn_state / 2);
	assert_true(b.kernel_maps > a.kernel_maps + a.kernel_maps / 2);

	cfg = base;
	cfg.max_groups *= 2;
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_true(b.windows > a.windows);
	assert_int_equal(b.conn_state, a.conn_state);

	cfg = base;
	cfg.export_queue *= 2;
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_true(b.windows > a.windows);

	cfg = base;
	cfg.max_spans_per_second *= 2;
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_true(b.windows > a.windows);

	cfg = base;
	cfg.connections = true; /* a record per connection per window */
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_true(b.windows > a.windows);

	cfg = base;
	cfg.buffer_budget *= 2;
	se_memory_bound(&cfg, 2, 2, 2, &b);
	assert_int_equal(b.buffers, 2 * a.buffers);

	se_memory_bound(&base, 4, 4, 4, &b); /* workers: tables, budgets, shards; rings */
	assert_int_equal(b.rings, 2 * a.rings);
	assert_int_equal(b.buffers, 2 * a.buffers);
	assert_true(b.conn_state > a.conn_state + a.conn_state / 2);
	assert_true(b.windows > a.windows);
	assert_true(b.kernel_maps > a.kernel_maps); /* per-CPU scratch */
}

/* The figures of docs/tuning.md's "Memory" section (two workers, two rings). */
static void test_defaults_and_a_small_sidecar(void **state)
{
	struct se_config cfg;
	struct se_memory_bound m;

	se_config_defaults(&cfg);
	se_memory_bound(&cfg, 2, 2, 2, &m);
	print_message("default: %llu MiB\n", (unsigned long long)(m.total / MIB));
	assert_true(m.total > 300 * MIB && m.total < 500 * MIB);
	cfg.max_connections = 16384;
	cfg.buffer_budget = 16 * MIB;
	cfg.export_queue = 4;
	se_memory_bound(&cfg, 2, 2, 2, &m);
	print_message("--max-connections 16384 --buffer-budget 16M --export-queue 4: %llu MiB\n",
		      (unsigned long long)(m.total / MIB));
	assert_true(m.total < 200 * MIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_add_up),
		cmocka_unit_test(test_every_limit_counts),
		cmocka_unit_test(test_defaults_and_a_small_sidecar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
