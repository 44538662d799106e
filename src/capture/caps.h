/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dropping privileges once the capture is attached (docs/capture.md, "What it needs from the
 * kernel"). After attach, sockeye only reads its rings (mmap) and issues map commands on
 * descriptors it holds; on kernels from 6.5 on that needs no capability at all, before that
 * CAP_BPF.
 */
#ifndef SOCKEYE_CAPS_H
#define SOCKEYE_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* What the drop left, one bit per capability number. */
struct se_caps_left {
	uint64_t permitted; /* also effective: 0, or CAP_BPF where map access checks it */
	uint64_t bounding;  /* what an exec could regain but for no_new_privs */
};

/* What the TLS watcher keeps (tls_watch.h): attaching uprobes to libraries read through
 * other processes' /proc/PID/root (CAP_SYS_PTRACE). A uprobe perf event needs CAP_SYS_ADMIN,
 * not only CAP_PERFMON (measured on 6.18: EACCES without it), and its program CAP_BPF. */
#define SE_CAPS_TLS_WATCH (1ull << 19 | 1ull << 21 | 1ull << 38 | 1ull << 39)

/*
 * Set no_new_privs, then drop every capability but those in keep (and CAP_BPF if map_fd
 * cannot be used without it) from the effective, permitted, inheritable and ambient sets, and
 * from the bounding set as far as this process may (that needs CAP_SETPCAP). *left tells
 * what stayed. 0 or -errno with a one-line message in err.
 * Context: before any other thread exists (it forks a probe child).
 */
int se_caps_drop_after_attach(uint64_t keep, int map_fd, struct se_caps_left *left, char *err,
			      size_t errlen);

/* The permitted set now, one bit per capability number (0 if it cannot be read). */
uint64_t se_caps_permitted(void);

/*
 * The start-up line's account of *left, e.g. "no capabilities left; bounding set kept:
 * cap_sys_admin, cap_perfmon, cap_bpf (dropping it needs CAP_SETPCAP; no_new_privs stops an
 * exec from regaining them); no_new_privs". Capabilities by their names, in number order.
 */
void se_caps_describe(const struct se_caps_left *left, char *buf, size_t len);

#endif /* SOCKEYE_CAPS_H */
