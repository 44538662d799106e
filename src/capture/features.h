/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What sockeye needs from the kernel and from its own privileges, checked before loading
 * anything, so each missing piece is reported as one line that says what to do.
 */
#ifndef SOCKEYE_FEATURES_H
#define SOCKEYE_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define SE_TRACEFS     "/sys/kernel/tracing"
#define SE_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

/* Capabilities and BTF. 0, or -errno with a one-line message in err. Context: main, at start. */
int se_features_check(char *err, size_t errlen);

/*
 * tracefs with the syscall tracepoints, mounted here when missing and allowed: needed by
 * the syscall tier only. 0, or -errno with a one-line message in err. Context: the probe,
 * once it has chosen the syscall tier.
 */
int se_features_check_tracefs(char *err, size_t errlen);

/* Inode of the network namespace the configuration selects (0 = all). 0 or -errno. */
int se_features_resolve_netns(const struct se_config *cfg, uint32_t *inode, char *err,
			      size_t errlen);

/*
 * The process --pid names, as the capture programs can recognise it (bpf/conn.bpf.h): the
 * number /proc gives (in sockeye's pid namespace, usually a container's) is not the
 * kernel's tgid, which numbers processes in the initial namespace.
 */
struct se_pid_target {
	uint32_t tgid;	    /* its process id in the namespace below; 0: no --pid */
	uint32_t pidns_ino; /* that namespace (the process's own); 0: the initial one */
	uint64_t pidns_dev; /* the device of that inode, as the kernel encodes it */
};

/* Resolve --pid through /proc (no --pid: all zero). 0, or -errno with a one-line message
 * naming --pid in err. Context: main, at start. */
int se_features_resolve_pid(const struct se_config *cfg, struct se_pid_target *out, char *err,
			    size_t errlen);

/* sockeye itself, named the same way (its own pid namespace's number). */
void se_features_self(struct se_pid_target *out);

#endif /* SOCKEYE_FEATURES_H */
