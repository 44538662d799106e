// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of ring ownership and CPU choice (src/util/cpu.c). Ownership is the property
 * that makes the workers lock-free, so it is checked exhaustively over small shapes: every ring
 * has exactly one owner, the owner lists agree with se_cpu_ring_owner, workers get counts that
 * differ by at most one, and `max` bounds what is written.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cpu.h"

#define WORKERS_TESTED 8
#define RINGS_TESTED   64
/* Written past the end of an output array to catch writes beyond `max`. */
#define SENTINEL 0xdeadbeefu

static void test_every_ring_one_owner(void **state)
{
	for (unsigned int workers = 1; workers <= WORKERS_TESTED; workers++) {
		for (unsigned int rings = 1; rings <= RINGS_TESTED; rings++) {
			unsigned int owners[RINGS_TESTED] = { 0 };
			unsigned int lo = RINGS_TESTED, hi = 0;

			for (unsigned int w = 0; w < workers; w++) {
				unsigned int out[RINGS_TESTED + 1];
				unsigned int n;

				out[RINGS_TESTED] = SENTINEL;
				n = se_cpu_rings_of_worker(w, workers, rings, out, RINGS_TESTED);
				assert_int_equal(out[RINGS_TESTED], SENTINEL);
				for (unsigned int k = 0; k < n; k++) {
					assert_true(out[k] < rings);
					assert_int_equal(se_cpu_ring_owner(out[k], workers), w);
					if (k)
						assert_true(out[k - 1] < out[k]);
					owners[out[k]]++;
				}
				lo = n < lo ? n : lo;
				hi = n > hi ? n : hi;
			}
			for (unsigned int r = 0; r < rings; r++) {
				assert_int_equal(owners[r], 1);
				assert_true(se_cpu_ring_owner(r, workers) < workers);
			}
			assert_true(hi - lo <= 1);
			/* Balanced means exactly floor or ceil of rings/workers each. */
			assert_int_equal(lo, rings / workers);
		}
	}
}

static void test_max_respected(void **state)
{
	for (unsigned int workers = 1; workers <= WORKERS_TESTED; workers++) {
		for (unsigned int rings = 1; rings <= RINGS_TESTED; rings++) {
			for (unsigned int w = 0; w < workers; w++) {
				unsigned int full[RINGS_TESTED];
				unsigned int total =
				    se_cpu_rings_of_worker(w, workers, rings, full, RINGS_TESTED);

				for (unsigned int max = 0; max <= total + 1; max++) {
					unsigned int out[RINGS_TESTED + 1];
					unsigned int n;

					for (unsigned int k = 0; k <= RINGS_TESTED; k++)
						out[k] = SENTINEL;
					n = se_cpu_rings_of_worker(w, workers, rings, out, max);
					assert_int_equal(n, max < total ? max : total);
					for (unsigned int k = n; k <= RINGS_TESTED; k++)
						assert_int_equal(out[k], SENTINEL);
					/* A bounded list is a prefix of the full one. */
					assert_memory_equal(out, full, n * sizeof(*out));
				}
			}
		}
	}
}

static void test_degenerate(void **state)
{
	unsigned int out[4] = { SENTINEL, SENTINEL, SENTINEL, SENTINEL };

	assert_int_equal(se_cpu_rings_of_worker(0, 0, 16, out, 4), 0); /* no workers */
	assert_int_equal(se_cpu_rings_of_worker(3, 3, 16, out, 4), 0); /* no such worker */
	assert_int_equal(se_cpu_rings_of_worker(0, 4, 0, out, 4), 0);  /* no rings */
	assert_int_equal(out[0], SENTINEL);
	/* More workers than rings: the extra workers own nothing. */
	assert_int_equal(se_cpu_rings_of_worker(5, 8, 3, out, 4), 0);
	assert_int_equal(se_cpu_rings_of_worker(2, 8, 3, out, 4), 1);
	assert_int_equal(out[0], 2);
}

static void test_nth_online_wraps(void **state)
{
	cpu_set_t set;
	int count;

	assert_true(se_cpu_online_count() >= 1);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	count = CPU_COUNT(&set);
	for (unsigned int n = 0; n < (unsigned int)count * 2 + 3; n++) {
		int cpu = se_cpu_nth_online(n);

		assert_true(cpu >= 0);
		assert_true(CPU_ISSET(cpu, &set));
		assert_int_equal(cpu, se_cpu_nth_online(n % (unsigned int)count));
		if (n && n < (unsigned int)count)
			assert_true(se_cpu_nth_online(n - 1) < cpu);
	}
}

static void *pin_thread(void *arg)
{
	int cpu = *(int *)arg;
	cpu_set_t set;

	if (se_cpu_pin_self(cpu))
		return (void *)1;
	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(cpu, &set) || sched_getcpu() != cpu)
		return (void *)2;
	return NULL;
}

/* In a thread of its own, so the test process keeps its affinity. */
static void test_pin_self(void **state)
{
	int cpu = se_cpu_nth_online(1);
	pthread_t th;
	void *ret;

	assert_true(cpu >= 0);
	assert_int_equal(pthread_create(&th, NULL, pin_thread, &cpu), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);
}

static void test_quota_parse(void **state)
{
	assert_int_equal(se_cpu_quota_parse("max 100000\n"), 0);
	assert_int_equal(se_cpu_quota_parse("50000 100000\n"), 1); /* half a CPU: one worker */
	assert_int_equal(se_cpu_quota_parse("200000 100000"), 2);
	assert_int_equal(se_cpu_quota_parse("250000 100000"), 3);
	assert_int_equal(se_cpu_quota_parse("0 100000"), 0);
	assert_int_equal(se_cpu_quota_parse("100000 0"), 0);
	assert_int_equal(se_cpu_quota_parse(""), 0);
	assert_int_equal(se_cpu_quota_parse("100000 100000 x"), 0);
}

/* A fake /proc/self/cgroup and cgroup tree under a temporary directory. */
static char tree[64];

static void put(const char *rel, const char *text)
{
	char path[256], cmd[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static unsigned int usable(unsigned int *quota)
{
	char proc[128], root[128];

	snprintf(proc, sizeof(proc), "%s/proc_cgroup", tree);
	snprintf(root, sizeof(root), "%s/cg", tree);
	return se_cpu_usable_count(proc, root, quota);
}

static void test_usable_follows_the_cgroup_limit(void **state)
{
	unsigned int affinity, quota = 99, n;
	cpu_set_t set;
	char cmd[96];

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	affinity = (unsigned int)CPU_COUNT(&set);
	snprintf(tree, sizeof(tree), "/tmp/sockeye-test-cpu-%d", (int)getpid());

	/* cgroup v2, no limit anywhere: the affinity mask */
	put("proc_cgroup", "0::/kubepods/pod1/c1\n");
	put("cg/kubepods/pod1/c1/cpu.max", "max 100000\n");
	assert_int_equal(usable(&quota), affinity);
	assert_int_equal(quota, 0);
	/* a limit on the pod (a parent): the smallest along the path counts */
	put("cg/kubepods/pod1/cpu.max", "150000 100000\n");
	put("cg/kubepods/cpu.max", "400000 100000\n");
	n = usable(&quota);
	assert_int_equal(quota, 2);
	assert_int_equal(n, affinity < 2 ? affinity : 2);
	/* a container that sees its own cgroup at the root (cgroup namespace) */
	put("proc_cgroup", "0::/\n");
	put("cg/cpu.max", "100000 100000\n");
	assert_int_equal(usable(&quota), 1);
	assert_int_equal(quota, 1);

	/* cgroup v1: cpu,cpuacct hierarchy; -1 is no limit */
	snprintf(cmd, sizeof(cmd), "rm -rf %s/cg", tree);
	assert_int_equal(system(cmd), 0);
	put("proc_cgroup", "4:memory:/x\n3:cpu,cpuacct:/docker/abc\n0::/\n");
	put("cg/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
	put("cg/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
	assert_int_equal(usable(&quota), affinity);
	assert_int_equal(quota, 0);
	put("cg/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "50000\n");
	assert_int_equal(usable(&quota), 1);
	assert_int_equal(quota, 1);
	/* the node's path, but the container's own cgroup mounted at the hierarchy's root */
	put("proc_cgroup", "3:cpuacct,cpu:/kubepods/pod2/c2\n");
	put("cg/cpuacct,cpu/cpu.cfs_quota_us", "100000\n");
	put("cg/cpuacct,cpu/cpu.cfs_period_us", "100000\n");
	assert_int_equal(usable(&quota), 1);
	/* no cgroup file at all */
	put("proc_cgroup", "");
	assert_int_equal(usable(&quota), affinity);
	assert_int_equal(quota, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tree);
	assert_int_equal(system(cmd), 0);
}

static void test_plan(void **state)
{
	static const struct {
		unsigned int usable, possible, want_workers, want_rings, workers, rings;
	} cases[] = {
		{ 2, 2, 0, 0, 2, 2 },				 /* this machine */
		{ 2, 96, 0, 0, 2, 2 },				 /* a 2-CPU pod on a 96-CPU node */
		{ 96, 96, 0, 0, 96, 96 }, { 2, 96, 4, 0, 4, 4 }, /* workers asked: a ring each */
		{ 2, 96, 0, 8, 2, 8 },				 /* rings asked */
		{ 2, 96, 8, 3, 3, 3 },	  /* more workers than rings: one per ring */
		{ 4, 2, 0, 0, 2, 2 },	  /* never more rings than possible CPUs */
		{ 2, 0, 0, 300, 2, 300 }, /* possible not known yet (before load): no cap */
		{ 1, 1, 0, 0, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int w = 0, r = 0;

		se_cpu_plan(cases[i].usable, cases[i].possible, cases[i].want_workers,
			    cases[i].want_rings, &w, &r);
		if (w != cases[i].workers || r != cases[i].rings)
			fail_msg("case %zu: %u workers, %u rings", i, w, r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_ring_one_owner),
		cmocka_unit_test(test_max_respected),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_nth_online_wraps),
		cmocka_unit_test(test_pin_self),
		cmocka_unit_test(test_quota_parse),
		cmocka_unit_test(test_usable_follows_the_cgroup_limit),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
