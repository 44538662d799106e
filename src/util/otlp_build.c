// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arena and attribute helpers for building OTLP messages (see src/util/otlp_build.h).
 */
#include "util/otlp_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SE_ARENA_CHUNK (64u << 10)

struct se_arena_chunk {
	struct se_arena_chunk *next;
	size_t cap;
	_Alignas(16) unsigned char data[];
};

void se_arena_init(struct se_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void se_arena_fini(struct se_arena *a)
{
	struct se_arena_chunk *c = a->head;

	while (c) {
		struct se_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	memset(a, 0, sizeof(*a));
}

void *se_arena_alloc(struct se_arena *a, size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->used + n > a->cap) {
		size_t cap = n > SE_ARENA_CHUNK ? n : SE_ARENA_CHUNK;
		struct se_arena_chunk *c = malloc(sizeof(*c) + cap);

		if (!c) {
			a->failed = 1;
			return NULL;
		}
		c->next = a->head;
		c->cap = cap;
		a->head = c;
		a->used = 0;
		a->cap = cap;
	}
	p = a->head->data + a->used;
	a->used += n;
	memset(p, 0, n);
	return p;
}

size_t se_arena_bytes(const struct se_arena *a)
{
	size_t n = 0;

	for (const struct se_arena_chunk *c = a->head; c; c = c->next)
		n += sizeof(*c) + c->cap;
	return n;
}

void *se_arena_memdup(struct se_arena *a, const void *src, size_t n)
{
	void *p = se_arena_alloc(a, n);

	if (p)
		memcpy(p, src, n);
	return p;
}

char *se_arena_strdup(struct se_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = se_arena_alloc(a, n);

	if (!p)
		return (char *)"";
	memcpy(p, s, n);
	return p;
}

static Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_kv(struct se_arena *a, const char *key)
{
	Opentelemetry__Proto__Common__V1__KeyValue *kv = se_arena_alloc(a, sizeof(*kv));
	Opentelemetry__Proto__Common__V1__AnyValue *v = se_arena_alloc(a, sizeof(*v));

	if (!kv || !v)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key = se_arena_strdup(a, key);
	kv->value = v;
	return kv;
}

Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_str(struct se_arena *a, const char *key,
							     const char *value)
{
	Opentelemetry__Proto__Common__V1__KeyValue *kv = se_otlp_kv(a, key);

	if (!kv)
		return NULL;
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	kv->value->string_value = se_arena_strdup(a, value);
	return kv;
}

Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_bool(struct se_arena *a, const char *key,
							      bool value)
{
	Opentelemetry__Proto__Common__V1__KeyValue *kv = se_otlp_attr_str(a, key, "");

	if (kv) {
		kv->value->value_case =
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		kv->value->bool_value = value;
	}
	return kv;
}

Opentelemetry__Proto__Common__V1__KeyValue *se_otlp_attr_int(struct se_arena *a, const char *key,
							     int64_t value)
{
	Opentelemetry__Proto__Common__V1__KeyValue *kv = se_otlp_kv(a, key);

	if (!kv)
		return NULL;
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	kv->value->int_value = value;
	return kv;
}

int se_otlp_attrs_init(struct se_arena *a, struct se_otlp_attrs *l, size_t cap)
{
	l->n = 0;
	l->cap = cap;
	l->v = cap ? se_arena_alloc(a, cap * sizeof(*l->v)) : NULL;
	return cap && !l->v ? -1 : 0;
}

void se_otlp_attrs_add(struct se_otlp_attrs *l, Opentelemetry__Proto__Common__V1__KeyValue *kv)
{
	if (kv && l->n < l->cap)
		l->v[l->n++] = kv;
}

int se_otlp_pack(const struct se_arena *a, const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	if (a->failed)
		return -ENOMEM;
	*len = protobuf_c_message_get_packed_size(m);
	*out = malloc(*len ? *len : 1);
	if (!*out)
		return -ENOMEM;
	protobuf_c_message_pack(m, *out);
	return 0;
}
