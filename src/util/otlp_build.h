/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Building protobuf-c OTLP messages. A message tree is a web of small structs pointing at
 * each other; they all come from one arena per export, freed at once after packing, so no
 * message needs its own free. Context: the sender thread (per window, never per event).
 * A format, like JSON: sinks and the protocols' encoders use it.
 */
#ifndef SOCKEYE_OTLP_BUILD_H
#define SOCKEYE_OTLP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/common/v1/common.pb-c.h"

struct se_arena_chunk;

struct se_arena {
	struct se_arena_chunk *head;
	size_t used; /* in head */
	size_t cap;  /* of head's data */
	int failed;  /* an allocation failed: the message is incomplete, do not send it */
};

void se_arena_init(struct se_arena *a);
void se_arena_fini(struct se_arena *a);
/* Zeroed, 16-aligned memory for n bytes; NULL (and a->failed set) on ENOMEM. */
void *se_arena_alloc(struct se_arena *a, size_t n);
/* Bytes the arena holds from the allocator (its chunks, headers included). */
size_t se_arena_bytes(const struct se_arena *a);
/* A copy of n bytes at src; NULL (and a->failed set) on ENOMEM. */
void *se_arena_memdup(struct se_arena *a, const void *src, size_t n);
/* A copy of s (NUL-terminated), or "" when out of memory (a->failed set). */
char *se_arena_strdup(struct se_arena *a, const char *s);

/* One attribute, from the arena. NULL on ENOMEM. */
Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_str(struct se_arena *a, const char *key,
							     const char *value);
Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_int(struct se_arena *a, const char *key,
							     int64_t value);
Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_bool(struct se_arena *a, const char *key,
							      bool value);

/* A list of up to cap attributes being filled in. */
struct se_otlp_attrs {
	Opentelemetry__Proto__Common__V1__KeyValue **v;
	size_t n;
	size_t cap;
};

int se_otlp_attrs_init(struct se_arena *a, struct se_otlp_attrs *l, size_t cap);
void se_otlp_attrs_add(struct se_otlp_attrs *l, Opentelemetry__Proto__Common__V1__KeyValue *kv);

/* Pack a finished message into a malloc'd buffer. 0, or -ENOMEM (also when the arena
 * failed while the message was built: it is incomplete). */
int se_otlp_pack(const struct se_arena *a, const ProtobufCMessage *m, uint8_t **out, size_t *len);

#endif /* SOCKEYE_OTLP_BUILD_H */
