/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small hashes: FNV-1a for stream digests, a 64-bit mixer for table slots. */
#ifndef SOCKEYE_HASH_H
#define SOCKEYE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SE_FNV1A64_INIT 0xcbf29ce484222325ull

static inline uint64_t se_fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* splitmix64 finaliser: spreads sequential ids over all bits. */
static inline uint64_t se_hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

#endif /* SOCKEYE_HASH_H */
