// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TLS watcher process (see tls_watch.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include "capture/tls_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "capture/caps.h"
#include "capture/seccomp.h"
#include "sockeye/abi.h"
#include "util/clock.h"
#include "util/log.h"

/* When a started program is looked at, from its exec: at once (its root's libraries), then
 * after the dynamic loader has mapped what it links (milliseconds), then twice more for a
 * slow start (a loaded machine). A library it loads later from outside its root's library
 * directories is seen only if another program maps it first. */
static const uint64_t se_tls_watch_after_ms[] = { 0, 50, 1000, 10000 };
#define SE_TLS_WATCH_LOOKS (sizeof(se_tls_watch_after_ms) / sizeof(se_tls_watch_after_ms[0]))
/* Programs waiting for their next look; more starts at once are looked at on arrival only. */
#define SE_TLS_WATCH_PENDING 256

struct se_tls_watch_look {
	int pid;
	unsigned int done; /* looks made */
	uint64_t due_ns;
};

struct se_tls_watch {
	struct se_tls_attach *t;
	const struct se_tls_progs *progs;
	struct se_tls_watch_look pending[SE_TLS_WATCH_PENDING];
	unsigned int npending;
	bool bios_full_said; /* the warning that no more memory BIOs are probed, given */
};

static void se_tls_watch_look(struct se_tls_watch *w, int pid)
{
	size_t named = strlen(w->t->names);

	if (se_tls_attach_process(w->t, w->progs, "/proc", pid))
		se_info("TLS: attached to %s (found through process %d)",
			named < sizeof(w->t->names) - 1 ? w->t->names + named + (named ? 2 : 0)
							: "more libraries",
			pid);
}

/* Look at the program again later, or now if too many wait. */
static void se_tls_watch_later(struct se_tls_watch *w, int pid, unsigned int done)
{
	if (done >= SE_TLS_WATCH_LOOKS)
		return;
	if (w->npending == SE_TLS_WATCH_PENDING) {
		se_tls_watch_look(w, pid);
		return;
	}
	w->pending[w->npending++] = (struct se_tls_watch_look){
		.pid = pid,
		.done = done,
		.due_ns = se_clock_mono_ns() + se_tls_watch_after_ms[done] * 1000000ull,
	};
}

/* A process that moves its TLS records itself: its BIO_write probed, in it alone. */
static void se_tls_watch_untied(struct se_tls_watch *w, int pid)
{
	char lib[4096];
	int ret = se_tls_attach_memory_bio(w->t, w->progs, "/proc", pid, lib, sizeof(lib));

	if (ret > 0)
		se_info("TLS: process %d sends its TLS records itself (memory BIOs): BIO_write "
			"of %s probed in it",
			pid, lib);
	else if (ret < 0 && !w->bios_full_said && w->t->nbios == SE_TLS_MEMORY_BIO_MAX) {
		w->bios_full_said = true;
		se_warn("TLS: %d processes with memory BIOs probed already: the calls of more "
			"stay untied",
			SE_TLS_MEMORY_BIO_MAX);
	}
}

static int se_tls_watch_on_exec(void *ctx, void *data, size_t size)
{
	struct se_tls_watch *w = ctx;
	const struct se_ev_exec *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->kind == SE_EXEC_MEMORY_BIO) {
		se_tls_watch_untied(w, (int)e->pid);
		return 0;
	}
	se_tls_watch_look(w, (int)e->pid);
	se_tls_watch_later(w, (int)e->pid, 1);
	return 0;
}

/* Make the looks that are due; returns ms until the next one, -1 if none. */
static int se_tls_watch_due(struct se_tls_watch *w)
{
	uint64_t now = se_clock_mono_ns(), next = UINT64_MAX;

	for (unsigned int i = 0; i < w->npending;) {
		struct se_tls_watch_look l = w->pending[i];

		if (l.due_ns > now) {
			next = l.due_ns < next ? l.due_ns : next;
			i++;
			continue;
		}
		w->pending[i] = w->pending[--w->npending];
		se_tls_watch_look(w, l.pid);
		se_tls_watch_later(w, l.pid, l.done + 1);
		now = se_clock_mono_ns();
		i = 0; /* the array changed: start over (it is short) */
		next = UINT64_MAX;
	}
	return next == UINT64_MAX ? -1 : (int)((next - now + 999999) / 1000000);
}

/* The watcher: the start's attachments, reported on report_fd, then the programs started. */
static void __attribute__((noreturn))
se_tls_watch_run(const struct se_tls_progs *progs, const struct se_tls_scope *scope, int execs_fd,
		 int map_fd, int report_fd)
{
	static struct se_tls_attach t;
	static struct se_tls_watch w;
	struct se_caps_left left;
	struct ring_buffer *rb;
	char err[256], privileges[384];

	se_tls_attach_scan(&t, progs, scope, "/proc");
	/* what the container did not grant cannot be kept: said below, not fatal */
	if (se_caps_drop_after_attach(SE_CAPS_TLS_WATCH & se_caps_permitted(), map_fd, &left, err,
				      sizeof(err)) ||
	    se_seccomp_install(true, err, sizeof(err))) {
		se_err("TLS watcher: %s; TLS plaintext is not seen", err);
		_exit(1);
	}
	/* sockeye waits for this report, privileges dropped, before it says it is capturing */
	if (write(report_fd, t.names, strlen(t.names)) < 0)
		se_warn("TLS watcher: cannot report its libraries: %s", strerror(errno));
	close(report_fd);
	se_caps_describe(&left, privileges, sizeof(privileges));
	se_info("TLS watcher (process %d, holds the TLS probes and attaches them to programs "
		"started later): %s; seccomp: %s",
		(int)getpid(), privileges, SE_SECCOMP_WATCH_SUMMARY);
	if ((left.permitted & SE_CAPS_TLS_WATCH) != SE_CAPS_TLS_WATCH)
		se_warn(
		    "TLS watcher: without CAP_SYS_ADMIN, CAP_PERFMON and CAP_BPF no TLS library "
		    "is attached, without CAP_SYS_PTRACE none in another container");
	w.t = &t;
	w.progs = progs;
	rb = ring_buffer__new(execs_fd, se_tls_watch_on_exec, &w, NULL);
	if (!rb) {
		se_err("TLS watcher: cannot read the exec ring: %s", strerror(errno));
		_exit(1);
	}
	for (;;) {
		int ret = ring_buffer__poll(rb, se_tls_watch_due(&w));

		if (ret < 0 && ret != -EINTR) {
			se_err("TLS watcher: reading the exec ring: %s", strerror(-ret));
			_exit(1);
		}
	}
}

/* What the watcher attached at start, as it reports it: read until it closes the pipe. */
static void se_tls_watch_report(int fd, char *names, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		ssize_t n = read(fd, names + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	names[got] = '\0';
}

pid_t se_tls_watch_start(const struct se_tls_progs *progs, const struct se_tls_scope *scope,
			 int execs_fd, int map_fd, char *names, size_t names_len, char *err,
			 size_t errlen)
{
	pid_t parent = getpid();
	int report[2];
	pid_t pid;

	if (pipe2(report, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot start the TLS watcher: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start the TLS watcher: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return -errno;
	}
	if (pid == 0) {
		close(report[0]);
		/* Gone with sockeye, even killed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
			_exit(0);
		prctl(PR_SET_NAME, "sockeye-tls", 0, 0, 0);
		se_tls_watch_run(progs, scope, execs_fd, map_fd, report[1]);
	}
	close(report[1]);
	se_tls_watch_report(report[0], names, names_len);
	close(report[0]);
	return pid;
}

void se_tls_watch_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	/* Not waited for: its exit removes the probes, and the kernel takes about 0.1 s per
	 * uprobe to remove one (it waits for a grace period); sockeye need not wait for that. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, WNOHANG);
}
