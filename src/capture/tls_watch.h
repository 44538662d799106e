/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS watcher: a small process of its own that holds every TLS probe: it attaches them to
 * the libraries of the processes in scope at start, and of programs started after sockeye (a
 * sidecar usually starts before its service). The kernel
 * tells it of each program started in the watched scope (the `execs` ring); it then reads the
 * new process's maps and its root's library directories (tls_attach.h), at once and again a
 * little later, when the dynamic loader has mapped the libraries.
 *
 * Why a process: attaching a uprobe needs CAP_SYS_ADMIN (the kernel's check on uprobe perf
 * events), CAP_PERFMON and CAP_BPF, and reading another container's files through
 * /proc/PID/root needs CAP_SYS_PTRACE. The watcher keeps those four and never reads network
 * bytes; sockeye itself, which parses what the network sends, keeps none. The
 * watcher has a seccomp filter of its own (no exec, ptrace, mount or namespaces) and dies
 * with sockeye (PR_SET_PDEATHSIG); its probes are removed when it exits.
 *
 * Context: main, before privileges are dropped and before any thread starts (it forks).
 */
#ifndef SOCKEYE_TLS_WATCH_H
#define SOCKEYE_TLS_WATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "capture/tls_attach.h"

/*
 * Fork the watcher, which attaches to the TLS libraries of the processes in scope now (it
 * holds every TLS probe), reports what it attached in names (comma-separated, "" for none),
 * then watches execs_fd (the ring). map_fd: a map of sockeye's, for the capability drop's
 * check. Returns once the report is in: its pid, or -errno with a one-line message in err.
 */
pid_t se_tls_watch_start(const struct se_tls_progs *progs, const struct se_tls_scope *scope,
			 int execs_fd, int map_fd, char *names, size_t names_len, char *err,
			 size_t errlen);

/* Stop it. Its exit removes the probes, about 0.1 s each, in the background: not waited. */
void se_tls_watch_stop(pid_t pid);

#endif /* SOCKEYE_TLS_WATCH_H */
