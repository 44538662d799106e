// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the start-up line's account of the capability drop (se_caps_describe in
 * src/capture/caps.c): capabilities by their names, in number order, and the bounding set
 * said to be empty only when it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/caps.h"

#define CAP(n) (1ull << (n))

static void test_everything_dropped(void **state)
{
	struct se_caps_left left = { .permitted = 0, .bounding = 0 };
	char buf[256];

	se_caps_describe(&left, buf, sizeof(buf));
	assert_string_equal(buf, "no capabilities left (bounding set empty); no_new_privs");
}

static void test_bounding_set_kept_in_a_pod(void **state)
{
	/* the manifest's set: CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39 */
	struct se_caps_left left = { .permitted = 0, .bounding = CAP(21) | CAP(38) | CAP(39) };
	char buf[256];

	se_caps_describe(&left, buf, sizeof(buf));
	assert_string_equal(buf, "no capabilities left; bounding set kept: cap_sys_admin, "
				 "cap_perfmon, cap_bpf (dropping it needs CAP_SETPCAP; "
				 "no_new_privs stops an exec from regaining them); no_new_privs");
}

static void test_cap_bpf_kept_on_old_kernels(void **state)
{
	struct se_caps_left left = { .permitted = CAP(39), .bounding = 0 };
	char buf[256];

	se_caps_describe(&left, buf, sizeof(buf));
	assert_string_equal(buf, "only cap_bpf left (this kernel checks it on map access) "
				 "(bounding set empty); no_new_privs");
}

static void test_first_last_and_unnamed(void **state)
{
	struct se_caps_left left = { .permitted = 0, .bounding = CAP(0) | CAP(40) | CAP(41) };
	char buf[256];

	se_caps_describe(&left, buf, sizeof(buf));
	assert_non_null(strstr(buf, "bounding set kept: cap_chown, cap_checkpoint_restore, "
				    "cap_41 ("));
}

static void test_short_buffer_is_terminated(void **state)
{
	struct se_caps_left left = { .permitted = 0, .bounding = ~0ull };
	char buf[40];

	memset(buf, 'x', sizeof(buf));
	se_caps_describe(&left, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_string_equal(buf, "no capabilities left; bounding set kept");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything_dropped),
		cmocka_unit_test(test_bounding_set_kept_in_a_pod),
		cmocka_unit_test(test_cap_bpf_kept_on_old_kernels),
		cmocka_unit_test(test_first_last_and_unnamed),
		cmocka_unit_test(test_short_buffer_is_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
