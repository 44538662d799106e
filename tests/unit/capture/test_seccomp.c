// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the run-time seccomp filter (src/capture/seccomp.c). Each check runs in a
 * forked child that installs the filter (no privilege needed) and makes one call; the child
 * exits with the errno it saw, 0 for success. Arguments are chosen so that without the filter
 * the call succeeds or fails with another errno, whoever runs the test: an EPERM then comes
 * from the filter, and an allowed bpf() command on a bad descriptor gets through to EBADF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/seccomp.h"

#define NOT_INSTALLED 255 /* the child's exit status when the filter could not be installed */
#define NONEXISTENT   "/nonexistent-sockeye-seccomp-test"

/* Fork; the child installs the filter (the TLS watcher's if attaches), runs call and exits
 * with what it returns. */
static int in_child_filtered(int (*call)(void), bool attaches)
{
	pid_t child = fork();
	int status;

	assert_true(child >= 0);
	if (child == 0) {
		char err[256];

		if (se_seccomp_install(attaches, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			_exit(NOT_INSTALLED);
		}
		_exit(call());
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int in_filtered_child(int (*call)(void))
{
	return in_child_filtered(call, false);
}

static int errno_of(long ret)
{
	return ret < 0 ? errno : 0;
}

static int call_execve(void)
{
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };

	return errno_of(execve("/bin/true", argv, envp));
}

static int call_execveat(void)
{
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };

	return errno_of(syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0));
}

static int call_ptrace(void)
{
	return errno_of(ptrace(PTRACE_TRACEME, 0, NULL, NULL)); /* succeeds unfiltered */
}

static int call_process_vm_readv(void)
{
	char from[8] = "sockeye", to[8];
	struct iovec local = { to, sizeof(to) }, remote = { from, sizeof(from) };

	return errno_of(process_vm_readv(getpid(), &local, 1, &remote, 1, 0)); /* our own */
}

static int call_mount(void)
{
	/* the target is looked up before privilege is checked: ENOENT unfiltered */
	return errno_of(mount("none", NONEXISTENT, "tmpfs", 0, NULL));
}

static int call_umount2(void)
{
	return errno_of(umount2(NONEXISTENT, 0));
}

static int call_unshare(void)
{
	return errno_of(unshare(0)); /* succeeds unfiltered */
}

static int call_clone_newuser(void)
{
	/* CLONE_NEWUSER with CLONE_FS is EINVAL unfiltered: no child either way */
	return errno_of(syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0));
}

static int call_clone3(void)
{
	return errno_of(syscall(SYS_clone3, NULL, 0)); /* EINVAL unfiltered */
}

#ifdef __x86_64__
static int call_x32_getpid(void)
{
	return errno_of(syscall(0x40000000 | SYS_getpid));
}
#endif

static int call_bpf(int cmd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (cmd == BPF_MAP_LOOKUP_BATCH)
		attr.batch.map_fd = (uint32_t)-1;
	else if (cmd == BPF_OBJ_GET_INFO_BY_FD)
		attr.info.bpf_fd = (uint32_t)-1;
	else /* the element commands' and map creation's first field */
		attr.map_fd = (uint32_t)-1;
	return errno_of(syscall(SYS_bpf, cmd, &attr, sizeof(attr)));
}

static int call_bpf_prog_load(void)
{
	return call_bpf(BPF_PROG_LOAD);
}

static int call_bpf_map_create(void)
{
	return call_bpf(BPF_MAP_CREATE);
}

static int call_bpf_map_update(void)
{
	return call_bpf(BPF_MAP_UPDATE_ELEM); /* EBADF unfiltered */
}

static int bpf_cmd; /* set before the fork: the command call_bpf_cmd makes */

static int call_bpf_cmd(void)
{
	return call_bpf(bpf_cmd);
}

static void *thread_noop(void *arg)
{
	return arg;
}

/* What the pipeline does: threads (glibc falls back from clone3), a fork, pipes, status. */
static int call_ordinary(void)
{
	char status[4096], byte = 'x';
	int fds[2], fd, child, wstatus;
	pthread_t thread;
	ssize_t n;

	if (getpid() <= 0 || pipe(fds) || write(fds[1], &byte, 1) != 1 ||
	    read(fds[0], &byte, 1) != 1)
		return 1;
	if ((errno = pthread_create(&thread, NULL, thread_noop, NULL)) ||
	    pthread_join(thread, NULL))
		return 2;
	child = fork();
	if (child == 0)
		_exit(7);
	if (child < 0 || waitpid(child, &wstatus, 0) != child || WEXITSTATUS(wstatus) != 7)
		return 3;
	fd = open("/proc/self/status", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);
	if (n <= 0)
		return 4;
	status[n] = '\0';
	if (!strstr(status, "NoNewPrivs:\t1\n") || !strstr(status, "Seccomp:\t2\n"))
		return 5;
	return 0;
}

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void *thread_execve_after_gate(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	*(int *)arg = call_execve();
	return NULL;
}

/* A thread that exists before the filter is installed is filtered too (TSYNC). */
static void test_thread_started_before_is_filtered(void **state)
{
	pid_t child = fork();
	int status;

	assert_true(child >= 0);
	if (child == 0) {
		pthread_t thread;
		char err[256];
		int seen = -1;

		if (pthread_create(&thread, NULL, thread_execve_after_gate, &seen))
			_exit(NOT_INSTALLED);
		if (se_seccomp_install(false, err, sizeof(err)))
			_exit(NOT_INSTALLED);
		pthread_mutex_lock(&gate_lock);
		gate_open = 1;
		pthread_cond_signal(&gate);
		pthread_mutex_unlock(&gate_lock);
		pthread_join(thread, NULL);
		_exit(seen);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EPERM);
}

static void test_exec_refused(void **state)
{
	assert_int_equal(in_filtered_child(call_execve), EPERM);
	assert_int_equal(in_filtered_child(call_execveat), EPERM);
}

static void test_tracing_refused(void **state)
{
	assert_int_equal(in_filtered_child(call_ptrace), SE_SECCOMP_REFUSES_PTRACE ? EPERM : 0);
	assert_int_equal(in_filtered_child(call_process_vm_readv), EPERM);
}

static void test_mount_and_namespaces_refused(void **state)
{
	assert_int_equal(in_filtered_child(call_mount), EPERM);
	assert_int_equal(in_filtered_child(call_umount2), EPERM);
	assert_int_equal(in_filtered_child(call_unshare), EPERM);
	assert_int_equal(in_filtered_child(call_clone_newuser), EPERM);
	assert_int_equal(in_filtered_child(call_clone3), ENOSYS);
}

static void test_other_abis_refused(void **state)
{
#ifdef __x86_64__
	assert_int_equal(in_filtered_child(call_x32_getpid), EPERM);
#endif
}

static void test_bpf_loading_refused(void **state)
{
	assert_int_equal(in_filtered_child(call_bpf_prog_load), EPERM);
	assert_int_equal(in_filtered_child(call_bpf_map_create), EPERM);
	assert_int_equal(in_filtered_child(call_bpf_map_update), EPERM);
}

/* An allowed command on a bad descriptor fails as it does unfiltered (EBADF, or EBADFD for
 * get-info on recent kernels): it got through. */
static void test_bpf_map_reading_allowed(void **state)
{
	static const int cmds[] = { BPF_MAP_LOOKUP_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
				    BPF_MAP_LOOKUP_BATCH, BPF_OBJ_GET_INFO_BY_FD };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int unfiltered;

		bpf_cmd = cmds[i];
		unfiltered = call_bpf_cmd();
		assert_true(unfiltered == EBADF || unfiltered == EBADFD);
		assert_int_equal(in_filtered_child(call_bpf_cmd), unfiltered);
	}
}

/* perf_event_open with no attributes: EFAULT unfiltered */
static int call_perf_event_open(void)
{
	return errno_of(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
}

/* The TLS watcher's filter: attaching gets through, the rest is refused as for sockeye. */
static void test_watcher_filter(void **state)
{
	int unfiltered = call_perf_event_open();

	assert_int_equal(unfiltered, EFAULT);
	assert_int_equal(in_filtered_child(call_perf_event_open), EPERM);
	assert_int_equal(in_child_filtered(call_perf_event_open, true), unfiltered);
	bpf_cmd = BPF_LINK_CREATE;
	unfiltered = call_bpf_cmd();
	assert_int_not_equal(unfiltered, EPERM);
	assert_int_equal(in_filtered_child(call_bpf_cmd), EPERM);
	assert_int_equal(in_child_filtered(call_bpf_cmd, true), unfiltered);
	assert_int_equal(in_child_filtered(call_execve, true), EPERM);
	assert_int_equal(in_child_filtered(call_mount, true), EPERM);
	assert_int_equal(in_child_filtered(call_unshare, true), EPERM);
	assert_int_equal(in_child_filtered(call_process_vm_readv, true), EPERM);
	assert_int_equal(in_child_filtered(call_ptrace, true),
			 SE_SECCOMP_REFUSES_PTRACE ? EPERM : 0);
}

static void test_ordinary_calls_work(void **state)
{
	assert_int_equal(in_filtered_child(call_ordinary), 0);
}

/* Without the filter the same calls give what the comments above say: the test can fail. */
static void test_unfiltered_calls_differ(void **state)
{
	assert_int_equal(call_mount(), ENOENT);
	assert_int_equal(call_umount2(), ENOENT);
	assert_int_equal(call_unshare(), 0);
	assert_int_equal(call_clone_newuser(), EINVAL);
	assert_int_equal(call_clone3(), EINVAL);
	assert_int_equal(call_bpf_map_update(), EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_refused),
		cmocka_unit_test(test_tracing_refused),
		cmocka_unit_test(test_mount_and_namespaces_refused),
		cmocka_unit_test(test_other_abis_refused),
		cmocka_unit_test(test_bpf_loading_refused),
		cmocka_unit_test(test_bpf_map_reading_allowed),
		cmocka_unit_test(test_ordinary_calls_work),
		cmocka_unit_test(test_watcher_filter),
		cmocka_unit_test(test_thread_started_before_is_filtered),
		cmocka_unit_test(test_unfiltered_calls_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
