// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* See fail_malloc.h. */
#include "fail_malloc.h"

#include <stddef.h>

bool fail_next_malloc;

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

void *__wrap_malloc(size_t size)
{
	if (fail_next_malloc) {
		fail_next_malloc = false;
		return NULL;
	}
	return __real_malloc(size);
}
