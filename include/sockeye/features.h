/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What sockeye needs from the kernel and from its own privileges, checked before loading
 * anything, so each missing piece is reported as one line that says what to do.
 */
#ifndef SOCKEYE_FEATURES_H
#define SOCKEYE_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "sockeye/config.h"

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

#endif /* SOCKEYE_FEATURES_H */
