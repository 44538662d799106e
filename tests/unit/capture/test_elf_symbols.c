// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the ELF function lookup (src/capture/elf_symbols.c), on this test's own
 * executable: it defines SSL_write (below), imports cmocka's functions and holds a data
 * object; and on files that are not ELF objects or are missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/elf_symbols.h"

/* What an executable with OpenSSL linked in defines; never called. */
__attribute__((used, noinline)) int SSL_write(void *ssl, const void *buf, int num);
__attribute__((used, noinline)) int SSL_write(void *ssl, const void *buf, int num)
{
	(void)ssl;
	(void)buf;
	return num;
}

__attribute__((used)) int se_test_data_object = 1;

static void test_defined_function(void **state)
{
	(void)state;
	assert_true(se_elf_defines_function("/proc/self/exe", "SSL_write"));
	assert_true(se_elf_defines_function("/proc/self/exe", "se_elf_defines_function"));
}

static void test_not_a_defined_function(void **state)
{
	(void)state;
	/* imported from libcmocka: an undefined entry of .dynsym */
	assert_false(se_elf_defines_function("/proc/self/exe", "_cmocka_run_group_tests"));
	assert_false(se_elf_defines_function("/proc/self/exe", "se_test_data_object"));
	assert_false(se_elf_defines_function("/proc/self/exe", "SSL_write_ex"));
	assert_false(se_elf_defines_function("/proc/self/exe", ""));
	/* an executable that calls no TLS library at all */
	assert_false(se_elf_defines_function("/bin/true", "SSL_write"));
}

static void test_not_elf(void **state)
{
	char path[64];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/sockeye-elf-symbols-%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\x7f"
	      "ELF but no more",
	      f);
	fclose(f);
	assert_false(se_elf_defines_function(path, "SSL_write"));
	unlink(path);
	assert_false(se_elf_defines_function(path, "SSL_write"));	  /* missing */
	assert_false(se_elf_defines_function("/proc/self", "SSL_write")); /* a directory */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defined_function),
		cmocka_unit_test(test_not_a_defined_function),
		cmocka_unit_test(test_not_elf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
