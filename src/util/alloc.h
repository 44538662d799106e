/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The process's allocator, for the start-up log. */
#ifndef SOCKEYE_ALLOC_H
#define SOCKEYE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "jemalloc 5.3.0-...", or "libc": what actually serves malloc. Writes into buf. */
const char *se_alloc_name(char *buf, size_t len);

#endif /* SOCKEYE_ALLOC_H */
