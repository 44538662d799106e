// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which allocator serves malloc(3) in this process. sockeye links jemalloc (not preloaded:
 * one binary) except in sanitizer builds, whose runtimes bring their own allocator. Linking
 * is not proof: the check asks jemalloc how much this thread allocated through it around one
 * malloc, so a build where libc's malloc still wins says so.
 */
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef SOCKEYE_JEMALLOC
#include <jemalloc/jemalloc.h>

static uint64_t se_alloc_thread_allocated(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	return mallctl("thread.allocated", &v, &len, NULL, 0) ? 0 : v;
}
#endif

const char *se_alloc_name(char *buf, size_t len)
{
#ifdef SOCKEYE_JEMALLOC
	const char *version = "?";
	size_t vlen = sizeof(version);
	uint64_t before = se_alloc_thread_allocated();
	void *volatile p = malloc(64);
	bool served = se_alloc_thread_allocated() > before;

	free(p);
	mallctl("version", &version, &vlen, NULL, 0);
	snprintf(buf, len, served ? "jemalloc %s" : "libc (jemalloc %s linked, not serving malloc)",
		 version);
	return buf;
#else
	snprintf(buf, len, "libc");
	return buf;
#endif
}
