/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ThreadSanitizer annotations for hand-offs through liburcu. liburcu 0.13 (Debian 12) waits
 * for grace periods with membarrier, futexes and inline-assembly atomics, which TSan cannot
 * see, so a shard read by the merger and then freed by the call_rcu thread looks like a race.
 * The grace period orders them in fact; these macros state it to TSan (src/pipeline/publish.c).
 * They compile to nothing in every other build.
 */
#ifndef SOCKEYE_TSAN_H
#define SOCKEYE_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define SE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SE_TSAN 1
#endif
#endif

#ifdef SE_TSAN
#include <sanitizer/tsan_interface.h>
#define SE_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define SE_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define SE_TSAN_RELEASE(addr) ((void)(addr))
#define SE_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

#endif /* SOCKEYE_TSAN_H */
