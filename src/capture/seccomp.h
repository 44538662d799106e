/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sockeye's own seccomp filter, on top of the runtime's profile (docs/capture.md). Once
 * the capture is attached, sockeye reads rings, looks up maps, parses and exports; a process
 * that could still exec, trace its neighbours, mount or load BPF would give whoever takes it
 * over (it parses hostile bytes) a way out of those few things.
 */
#ifndef SOCKEYE_SECCOMP_H
#define SOCKEYE_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * LeakSanitizer stops the process's threads with ptrace at exit to look for leaks: the
 * AddressSanitizer build, which is for tests and never shipped, lets ptrace through.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SE_SECCOMP_REFUSES_PTRACE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SE_SECCOMP_REFUSES_PTRACE 0
#endif
#endif
#ifndef SE_SECCOMP_REFUSES_PTRACE
#define SE_SECCOMP_REFUSES_PTRACE 1
#endif

/* What the filter refuses, in the words of the start-up line; the TLS watcher's filter
 * (se_seccomp_install with attaches) the same but for attaching. */
#if SE_SECCOMP_REFUSES_PTRACE
#define SE_SECCOMP_SUMMARY "exec, ptrace, mount, namespaces, module loading and BPF loading refused"
#define SE_SECCOMP_WATCH_SUMMARY                                                                   \
	"exec, ptrace, mount, namespaces and module loading refused; perf_event_open and bpf() "   \
	"allowed, to attach"
#else
#define SE_SECCOMP_SUMMARY                                                                         \
	"exec, mount, namespaces, module loading and BPF loading refused (ptrace allowed: "        \
	"AddressSanitizer build)"
#define SE_SECCOMP_WATCH_SUMMARY                                                                   \
	"exec, mount, namespaces and module loading refused; perf_event_open and bpf() allowed, "  \
	"to attach (ptrace allowed: AddressSanitizer build)"
#endif

/*
 * Set no_new_privs and install the filter in every thread (SECCOMP_FILTER_FLAG_TSYNC): from
 * then on the calls listed in seccomp.c, clone with a namespace flag and every bpf() command
 * seccomp.c does not allow fail with EPERM; clone3 fails with ENOSYS, so that glibc falls
 * back to clone, whose flags the filter can read. attaches (the TLS watcher only): perf_event_open
 * and every bpf() command stay allowed. No privilege needed. 0, or -errno with a one-line
 * message in err.
 * Context: main, after the capability drop and before the pipeline's threads start; the TLS
 * watcher process at its start.
 */
int se_seccomp_install(bool attaches, char *err, size_t errlen);

#endif /* SOCKEYE_SECCOMP_H */
