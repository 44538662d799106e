/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of sockeye's threads, as top -H, ps -L and /proc/PID/task/TID/comm show them:
 * sockeye-w<N> (the workers), sockeye-merger, sockeye-sender, sockeye-http (--listen).
 */
#ifndef SOCKEYE_THREAD_H
#define SOCKEYE_THREAD_H

/* Name the calling thread (at most 15 bytes are kept, the kernel's limit). */
void se_thread_name(const char *name);

#endif /* SOCKEYE_THREAD_H */
