// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of TLS library discovery (src/capture/tls_attach.c) on a /proc of our own: which
 * files are TLS libraries, which processes are in scope, that each root and each file is
 * looked at once, and that a file that cannot be attached (not an ELF object) is skipped
 * without being tried again, as is an executable without OpenSSL linked in. Attaching for real is
 * the integration tests' (test_tls.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/tls_attach.h"

static char proc[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", proc, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", proc, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/*
 * /proc/12: maps naming a library that is not TLS, a deleted libssl and one its root lacks,
 * a root whose /usr/lib holds libssl.so.3 that is not an ELF object (and a directory of a
 * TLS library's name), and /bin/true as its executable. /proc/13 shares nothing with it and
 * has no executable (as a kernel thread); /proc/self and /proc/x are not processes.
 */
static int setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(proc, sizeof(proc), "/tmp/sockeye-tls-attach-%d", (int)getpid());
	assert_int_equal(mkdir(proc, 0755), 0);
	make_dir("12");
	make_dir("12/ns");
	write_file("12/ns/net", "");
	make_dir("12/root");
	snprintf(path, sizeof(path), "%s/12/exe", proc);
	assert_int_equal(symlink("/bin/true", path), 0);
	make_dir("12/root/usr");
	make_dir("12/root/usr/lib");
	make_dir("12/root/usr/lib/libgnutls.so.30");
	write_file("12/root/usr/lib/libssl.so.3", "not an ELF object");
	write_file("12/root/usr/lib/libc.so.6", "");
	write_file("12/maps", "55d0-55d1 r--p 00000000 08:01 1 /usr/bin/server\n"
			      "7f00-7f01 r-xp 00000000 08:01 2 /usr/lib/libc.so.6\n"
			      "7f02-7f03 r-xp 00000000 08:01 3 /usr/lib/libssl.so.1.1 (deleted)\n"
			      "7f04-7f05 r-xp 00000000 08:01 4 /opt/app/libssl.so.3\n"
			      "7f06-7f07 rw-p 00000000 00:00 0 [heap]\n");
	make_dir("13");
	make_dir("13/ns");
	write_file("13/ns/net", "");
	make_dir("13/root");
	write_file("13/maps", "");
	make_dir("x");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", proc);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct se_tls_progs no_progs;

static void test_library_kind(void **state)
{
	(void)state;
	assert_int_equal(se_tls_library_kind("/usr/lib/x86_64-linux-gnu/libssl.so.3"), 'o');
	assert_int_equal(se_tls_library_kind("/lib/libssl.so.1.1"), 'o');
	assert_int_equal(se_tls_library_kind("libssl.so"), 'o');
	assert_int_equal(se_tls_library_kind("/usr/lib/libgnutls.so.30.34.3"), 'g');
	assert_int_equal(se_tls_library_kind("/usr/lib/libcrypto.so.3"), 0);
	assert_int_equal(se_tls_library_kind("/usr/lib/libssl3.so"), 0); /* NSS's */
	assert_int_equal(se_tls_library_kind("/opt/libssl.so.3/libc.so.6"), 0);
	assert_int_equal(se_tls_library_kind(""), 0);
}

static void test_one_process_in_scope(void **state)
{
	struct se_tls_attach t = { 0 };
	const struct se_tls_scope scope = { .pid = 12 };

	(void)state;
	assert_int_equal(se_tls_attach_scan(&t, &no_progs, &scope, proc), 0);
	assert_int_equal(t.libraries, 0);
	assert_string_equal(t.names, "");
	assert_int_equal(t.nroots, 1);
	/* the root's libssl.so.3 and the executable, found wanting: not tried again */
	assert_int_equal(t.nfiles, 2);
	assert_int_equal(se_tls_attach_process(&t, &no_progs, proc, 12), 0);
	assert_int_equal(t.nroots, 1);
	assert_int_equal(t.nfiles, 2);
	se_tls_attach_free(&t);
}

static void test_scope_by_namespace(void **state)
{
	struct se_tls_attach t = { 0 };
	struct se_tls_scope scope = { 0 };
	struct stat st;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/13/ns/net", proc);
	assert_int_equal(stat(path, &st), 0);
	scope.netns = (uint32_t)st.st_ino;
	se_tls_attach_scan(&t, &no_progs, &scope, proc);
	assert_int_equal(t.nroots, 1); /* 13's root only */
	assert_int_equal(t.nfiles, 0);
	se_tls_attach_free(&t);
	/* every namespace: both roots */
	scope.netns = 0;
	se_tls_attach_scan(&t, &no_progs, &scope, proc);
	assert_int_equal(t.nroots, 2);
	assert_int_equal(t.nfiles, 2);
	se_tls_attach_free(&t);
	assert_null(t.files);
}

static void test_missing_proc(void **state)
{
	struct se_tls_attach t = { 0 };
	const struct se_tls_scope scope = { 0 };

	(void)state;
	assert_int_equal(se_tls_attach_scan(&t, &no_progs, &scope, "/nonexistent-sockeye"), 0);
	assert_int_equal(se_tls_attach_process(&t, &no_progs, proc, 99), 0);
	se_tls_attach_free(&t);
}

/* A process's start time, past a name that holds parentheses and spaces. */
static void test_process_start(void **state)
{
	(void)state;
	make_dir("20");
	write_file("20/stat", "20 (a) (b c) S 1 20 20 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			      "987654 1000 10 18446744073709551615\n");
	assert_int_equal(se_tls_process_start(proc, 20), 987654);
	write_file("20/stat", "20 (cut short) S 1 20\n");
	assert_int_equal(se_tls_process_start(proc, 20), 0);
	assert_int_equal(se_tls_process_start(proc, 21), 0); /* gone */
	assert_true(se_tls_process_start("/proc", (int)getpid()) > 0);
}

/* Memory BIOs: nothing to probe in a process that is gone or maps no libcrypto; one whose
 * libcrypto cannot be attached (not an ELF object here) is refused, and nothing kept. */
static void test_memory_bio(void **state)
{
	struct se_tls_attach t = { 0 };
	char lib[256] = "";

	(void)state;
	make_dir("30");
	write_file("30/stat", "30 (py) S 1 30 30 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0 0\n");
	write_file("30/maps", "7f00-7f01 r-xp 00000000 08:01 2 /usr/lib/libc.so.6\n");
	assert_int_equal(se_tls_attach_memory_bio(&t, &no_progs, proc, 31, lib, sizeof(lib)), 0);
	assert_int_equal(se_tls_attach_memory_bio(&t, &no_progs, proc, 30, lib, sizeof(lib)), 0);
	make_dir("30/root");
	make_dir("30/root/lib");
	write_file("30/root/lib/libcrypto.so.3", "not an ELF object");
	write_file("30/maps", "7f00-7f01 r-xp 00000000 08:01 2 /lib/libcrypto.so.3 (deleted)\n"
			      "7f02-7f03 r-xp 00000000 08:01 3 /lib/libcrypto.so.3\n");
	assert_int_equal(se_tls_attach_memory_bio(&t, &no_progs, proc, 30, lib, sizeof(lib)), -1);
	assert_string_equal(lib, "/lib/libcrypto.so.3");
	assert_int_equal(t.nbios, 0);
	se_tls_attach_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_library_kind),
		cmocka_unit_test(test_one_process_in_scope),
		cmocka_unit_test(test_scope_by_namespace),
		cmocka_unit_test(test_missing_proc),
		cmocka_unit_test(test_process_start),
		cmocka_unit_test(test_memory_bio),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
