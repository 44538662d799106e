// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of readiness (src/pipeline/health.c): not ready while attaching, nor before the
 * first window is exported; ready after; not ready once the OTLP exports have failed for
 * SE_HEALTH_FAILING_WINDOWS windows, whatever the failures in between; ready again at the
 * first delivery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/health.h"
#include "util/clock.h"

#define S(x) ((uint64_t)(x)*SE_NS_PER_S)

static void test_readiness(void **state)
{
	struct se_health h;
	char why[128];

	(void)state;
	se_health_init(&h, 5);
	assert_false(se_health_ready(&h, S(100), why, sizeof(why)));
	assert_string_equal(why, "attaching");
	se_health_set_attached(&h);
	assert_false(se_health_ready(&h, S(100), why, sizeof(why)));
	assert_string_equal(why, "the first window is not sealed yet");
	se_health_window_exported(&h);
	assert_true(se_health_ready(&h, S(100), why, sizeof(why)));

	/* failing from 100 s: three 5 s windows later, not ready */
	se_health_export_failed(&h, S(100));
	se_health_export_failed(&h, S(110)); /* a retry: the run began at 100 */
	assert_true(se_health_ready(&h, S(114), why, sizeof(why)));
	assert_false(se_health_ready(&h, S(115), why, sizeof(why)));
	assert_string_equal(why, "OTLP exports failing for 15 s");
	se_health_export_delivered(&h);
	assert_true(se_health_ready(&h, S(116), why, sizeof(why)));
	/* a new run of failures starts its own clock */
	se_health_export_failed(&h, S(200));
	assert_true(se_health_ready(&h, S(214), why, sizeof(why)));
	assert_false(se_health_ready(&h, S(230), why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readiness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
