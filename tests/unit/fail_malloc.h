/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Make one malloc fail on demand, for tests of allocation-failure paths. A test linked
 * with sockeye_unit_fail_malloc() (tests/unit/CMakeLists.txt) gets malloc wrapped
 * (-Wl,--wrap=malloc): setting fail_next_malloc makes the next call return NULL, and the
 * flag is cleared by that call, so a test can check that the allocation it meant happened.
 */
#ifndef SOCKEYE_TEST_FAIL_MALLOC_H
#define SOCKEYE_TEST_FAIL_MALLOC_H

#include <stdbool.h>

extern bool fail_next_malloc;

#endif /* SOCKEYE_TEST_FAIL_MALLOC_H */
