// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trace context of a request: see src/proto/tracectx.h. Parsing follows W3C Trace
 * Context (level 1) and the B3 propagation spec (openzipkin/b3-propagation).
 *
 * Choices made here:
 *  - W3C requires lowercase hex: uppercase makes a traceparent invalid. B3 also specifies
 *    lowercase, but instrumentation that emits uppercase exists and nothing is ambiguous, so
 *    B3 ids are accepted in either case.
 *  - All-zero trace or span ids are invalid in both formats (neither can name a span).
 *  - W3C: `flags` keeps the whole trace-flags byte (bit 0 is sampled). B3: flags is 1 when
 *    sampled ("1", "true", or debug "d" / X-B3-Flags: 1), else 0, also when the sampling
 *    decision is deferred (absent). A malformed X-B3-Sampled is ignored as if absent; the ids
 *    are still used.
 *  - `b3: 0` (or 1, d) alone carries no ids: treated as absent so B3 multi or generation apply.
 *  - The first header of each name counts; later duplicates are ignored.
 */
#include "proto/tracectx.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SE_W3C_LEN	   55 /* "00-" 32 hex "-" 16 hex "-" 2 hex */
#define SE_W3C_TRACE_AT	   3
#define SE_W3C_SPAN_AT	   36
#define SE_W3C_FLAGS_AT	   53
#define SE_TRACE_HEX_LONG  32
#define SE_TRACE_HEX_SHORT 16
#define SE_SPAN_HEX	   16

static int se_trace_hexval(uint8_t c, bool upper_ok)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper_ok && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n (even) hex digits at p into n/2 bytes at out; false when one is not hex. */
static bool se_trace_hex(const char *p, size_t n, bool upper_ok, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = se_trace_hexval((uint8_t)p[i], upper_ok);
		int lo = se_trace_hexval((uint8_t)p[i + 1], upper_ok);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool se_trace_zero(const uint8_t *id, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (id[i])
			return false;
	return true;
}

static bool se_trace_eq_ci(const struct se_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && !strncasecmp(s->p, lit, n);
}

/* A trace id of 16 or 32 hex digits, right-aligned in 16 bytes; non-zero. */
static bool se_trace_id(const char *p, size_t n, uint8_t id[16])
{
	memset(id, 0, 16);
	if (n != SE_TRACE_HEX_LONG && n != SE_TRACE_HEX_SHORT)
		return false;
	return se_trace_hex(p, n, true, id + 16 - n / 2) && !se_trace_zero(id, 16);
}

static bool se_trace_span(const char *p, size_t n, uint8_t id[8])
{
	return n == SE_SPAN_HEX && se_trace_hex(p, n, true, id) && !se_trace_zero(id, 8);
}

static bool se_trace_w3c(const struct se_str *v, struct se_trace_ctx *out)
{
	const char *p = v->p;
	uint8_t version, flags;

	if (v->len < SE_W3C_LEN || !se_trace_hex(p, 2, false, &version) || version == 0xff)
		return false;
	/* Version 00 is exactly 55 characters; a later version may append fields after a '-'. */
	if (version == 0 ? v->len != SE_W3C_LEN : v->len > SE_W3C_LEN && p[SE_W3C_LEN] != '-')
		return false;
	if (p[2] != '-' || p[SE_W3C_SPAN_AT - 1] != '-' || p[SE_W3C_FLAGS_AT - 1] != '-')
		return false;
	if (!se_trace_hex(p + SE_W3C_TRACE_AT, SE_TRACE_HEX_LONG, false, out->trace_id) ||
	    !se_trace_hex(p + SE_W3C_SPAN_AT, SE_SPAN_HEX, false, out->span_id) ||
	    !se_trace_hex(p + SE_W3C_FLAGS_AT, 2, false, &flags))
		return false;
	if (se_trace_zero(out->trace_id, 16) || se_trace_zero(out->span_id, 8))
		return false;
	out->flags = flags;
	out->source = SE_TRACE_W3C;
	return true;
}

/* b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]] */
static bool se_trace_b3_single(const struct se_str *v, struct se_trace_ctx *out)
{
	const char *p = v->p, *e = v->p + v->len, *dash;
	uint8_t parent[8];

	dash = memchr(p, '-', (size_t)(e - p));
	if (!dash || !se_trace_id(p, (size_t)(dash - p), out->trace_id))
		return false; /* also `b3: 0`: a sampling state alone, no ids */
	p = dash + 1;
	dash = memchr(p, '-', (size_t)(e - p));
	if (!se_trace_span(p, (size_t)((dash ? dash : e) - p), out->span_id))
		return false;
	out->flags = 0;
	if (dash) {
		p = dash + 1;
		dash = memchr(p, '-', (size_t)(e - p));
		if ((dash ? dash : e) - p != 1)
			return false;
		if (*p == '1' || *p == 'd')
			out->flags = 1;
		else if (*p != '0')
			return false;
		if (dash && !se_trace_span(dash + 1, (size_t)(e - dash - 1), parent))
			return false;
	}
	out->source = SE_TRACE_B3_SINGLE;
	return true;
}

static bool se_trace_b3_multi(const struct se_str *tid, const struct se_str *sid,
			      const struct se_str *sampled, const struct se_str *flags,
			      struct se_trace_ctx *out)
{
	if (!se_trace_id(tid->p, tid->len, out->trace_id) ||
	    !se_trace_span(sid->p, sid->len, out->span_id))
		return false;
	out->flags = 0;
	if (sampled && (se_trace_eq_ci(sampled, "1") || se_trace_eq_ci(sampled, "true")))
		out->flags = 1;
	if (flags && se_trace_eq_ci(flags, "1")) /* debug implies sampled */
		out->flags = 1;
	out->source = SE_TRACE_B3_MULTI;
	return true;
}

static const char *const se_trace_hdr_names[SE_TH__COUNT] = {
	[SE_TH_TRACEPARENT] = "traceparent",  [SE_TH_B3] = "b3",
	[SE_TH_B3_TRACE_ID] = "x-b3-traceid", [SE_TH_B3_SPAN_ID] = "x-b3-spanid",
	[SE_TH_B3_SAMPLED] = "x-b3-sampled",  [SE_TH_B3_FLAGS] = "x-b3-flags",
};

enum se_trace_header se_tracectx_header(const struct se_str *name)
{
	/* Cheap filter: every name of interest starts with t, b or x (any case). */
	switch (name->len ? name->p[0] | 0x20 : 0) {
	case 't':
	case 'b':
	case 'x':
		break;
	default:
		return SE_TH_NONE;
	}
	for (unsigned int k = 0; k < SE_TH__COUNT; k++)
		if (se_trace_eq_ci(name, se_trace_hdr_names[k]))
			return (enum se_trace_header)k;
	return SE_TH_NONE;
}

bool se_tracectx_from(const struct se_str *const found[SE_TH__COUNT], struct se_trace_ctx *out)
{
	struct se_trace_ctx c;

	memset(&c, 0, sizeof(c));
	if (found[SE_TH_TRACEPARENT] && se_trace_w3c(found[SE_TH_TRACEPARENT], &c))
		goto ok;
	memset(&c, 0, sizeof(c));
	if (found[SE_TH_B3] && se_trace_b3_single(found[SE_TH_B3], &c))
		goto ok;
	memset(&c, 0, sizeof(c));
	if (found[SE_TH_B3_TRACE_ID] && found[SE_TH_B3_SPAN_ID] &&
	    se_trace_b3_multi(found[SE_TH_B3_TRACE_ID], found[SE_TH_B3_SPAN_ID],
			      found[SE_TH_B3_SAMPLED], found[SE_TH_B3_FLAGS], &c))
		goto ok;
	return false;
ok:
	*out = c;
	return true;
}

/* ---- generation ------------------------------------------------------------------------- */

static inline uint64_t se_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna, public domain). */
static uint64_t se_xoshiro_next(uint64_t s[4])
{
	uint64_t result = se_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = se_rotl(s[3], 45);
	return result;
}

/* splitmix64: spreads a poor seed over the state, as the xoshiro authors recommend. */
static uint64_t se_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void se_trace_seed_from(uint64_t rng[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng[i] = se_splitmix64(&seed);
}

static bool se_trace_state_zero(const uint64_t rng[4])
{
	return !(rng[0] | rng[1] | rng[2] | rng[3]);
}

void se_tracectx_generate(uint64_t rng[4], struct se_trace_ctx *out)
{
	uint64_t hi, lo;

	/* An all-zero state only ever yields zeros (never seeded): give it one. */
	if (se_trace_state_zero(rng))
		se_trace_seed_from(rng, 0);
	do {
		hi = se_xoshiro_next(rng);
		lo = se_xoshiro_next(rng);
	} while (!(hi | lo));
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 8; i++) {
		out->trace_id[i] = (uint8_t)(hi >> (56 - 8 * i));
		out->trace_id[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
	out->flags = 1;
	out->source = SE_TRACE_GENERATED;
}

void se_tracectx_span_id(uint64_t rng[4], uint8_t out[8])
{
	uint64_t v;

	if (se_trace_state_zero(rng))
		se_trace_seed_from(rng, 0);
	do
		v = se_xoshiro_next(rng);
	while (!v); /* an all-zero span id is invalid */
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

void se_tracectx_seed(uint64_t rng[4])
{
	size_t got = 0;

	while (got < sizeof(uint64_t) * 4) {
		ssize_t n =
		    getrandom((uint8_t *)rng + got, sizeof(uint64_t) * 4 - got, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(uint64_t) * 4 || se_trace_state_zero(rng)) {
		/* No entropy pool yet (early boot) or no getrandom: the clocks, the thread and
		 * the stack address differ enough between workers and runs for trace ids. */
		struct timespec rt = { 0 }, mono = { 0 };
		uint64_t seed;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		seed = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
		seed ^= se_rotl((uint64_t)mono.tv_nsec + (uint64_t)mono.tv_sec, 21);
		seed ^= se_rotl((uint64_t)getpid(), 42) ^ (uint64_t)pthread_self();
		seed ^= (uint64_t)(uintptr_t)&seed;
		se_trace_seed_from(rng, seed);
	}
}
