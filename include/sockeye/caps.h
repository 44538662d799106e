/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dropping privileges once the capture is attached (design.md section 5). After attach,
 * sockeye only reads its rings (mmap) and issues map commands on descriptors it holds; on
 * kernels from 6.5 on that needs no capability at all, before that CAP_BPF.
 */
#ifndef SOCKEYE_CAPS_H
#define SOCKEYE_CAPS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Drop every capability (keeping CAP_BPF only if map_fd cannot be used without it) from
 * the effective, permitted, inheritable, ambient and, when allowed, bounding sets.
 * *kept_bpf tells which. 0 or -errno with a one-line message in err.
 * Context: main, before any other thread exists (it forks a probe child).
 */
int se_caps_drop_after_attach(int map_fd, bool *kept_bpf, char *err, size_t errlen);

#endif /* SOCKEYE_CAPS_H */
