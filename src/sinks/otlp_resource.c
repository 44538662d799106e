// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OTLP resource (see src/sinks/otlp_resource.h). OTEL_RESOURCE_ATTRIBUTES is
 * "key1=value1,key2=value2" with values percent-encoded (W3C Baggage octets), as the
 * OpenTelemetry SDK specification defines it.
 */
#include "sinks/otlp_resource.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "util/percent.h"
#include "util/utf8.h"

const char *se_otlp_resource_get(const struct se_otlp_resource *r, const char *key)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (!strcmp(r->attrs[i].key, key))
			return r->attrs[i].value;
	return NULL;
}

static bool se_otlp_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = se_utf8_seq_len((const uint8_t *)s + i, n - i, NULL)))
			return false;
	return true;
}

/*
 * Set key to value, replacing an earlier value; false when it does not fit or the key is not
 * UTF-8 (why: util/utf8.h). Values come from the environment and the host's name: a value is
 * repaired, a key, which names the attribute, is not guessed at.
 */
static bool se_otlp_resource_set(struct se_otlp_resource *r, const char *key, size_t key_len,
				 const char *value)
{
	char repaired[SE_OTLP_RESOURCE_VALUE_MAX];
	size_t value_len;
	bool cut;
	uint32_t i;

	if (!key_len || key_len >= SE_OTLP_RESOURCE_KEY_MAX || !se_otlp_utf8_valid(key, key_len))
		return false;
	value_len = se_utf8_sanitize(repaired, sizeof(repaired) - 1, (const uint8_t *)value,
				     strlen(value), &cut);
	if (cut)
		return false;
	for (i = 0; i < r->n; i++)
		if (strlen(r->attrs[i].key) == key_len && !memcmp(r->attrs[i].key, key, key_len))
			break;
	if (i == r->n) {
		if (r->n == SE_OTLP_RESOURCE_MAX)
			return false;
		r->n++;
	}
	memcpy(r->attrs[i].key, key, key_len);
	r->attrs[i].key[key_len] = '\0';
	memcpy(r->attrs[i].value, repaired, value_len);
	r->attrs[i].value[value_len] = '\0';
	return true;
}

/* Percent-decode [s, s+n) into out (cap bytes, NUL-terminated), trimming blanks. */
static bool se_otlp_decode_value(const char *s, size_t n, char *out, size_t cap)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return se_percent_decode(s, n, out, cap) == 0;
}

static unsigned int se_otlp_resource_parse(struct se_otlp_resource *r, const char *list)
{
	unsigned int skipped = 0;

	while (list && *list) {
		const char *end = strchr(list, ','), *eq;
		size_t len = end ? (size_t)(end - list) : strlen(list);
		char value[SE_OTLP_RESOURCE_VALUE_MAX];

		eq = memchr(list, '=', len);
		if (eq) {
			const char *k = list, *ke = eq;

			while (k < ke && isspace((unsigned char)*k))
				k++;
			while (ke > k && isspace((unsigned char)ke[-1]))
				ke--;
			if (!se_otlp_decode_value(eq + 1, len - (size_t)(eq + 1 - list), value,
						  sizeof(value)) ||
			    !se_otlp_resource_set(r, k, (size_t)(ke - k), value))
				skipped++;
		} else if (len) {
			skipped++;
		}
		list = end ? end + 1 : NULL;
	}
	return skipped;
}

unsigned int se_otlp_resource_init(struct se_otlp_resource *r, se_getenv_fn getenv_fn,
				   const char *host_name, int64_t pid)
{
	const char *v;
	unsigned int skipped;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	/* Lowest precedence first, later sets replace: what sockeye detects, then what the user
	 * says (OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME), as the SDKs merge them. */
	se_otlp_resource_set(r, "service.name", strlen("service.name"), "unknown_service:sockeye");
	if (host_name && *host_name)
		se_otlp_resource_set(r, "host.name", strlen("host.name"), host_name);
	if ((v = getenv_fn("POD_NAME")) && *v)
		se_otlp_resource_set(r, "k8s.pod.name", strlen("k8s.pod.name"), v);
	if ((v = getenv_fn("POD_NAMESPACE")) && *v)
		se_otlp_resource_set(r, "k8s.namespace.name", strlen("k8s.namespace.name"), v);
	skipped = se_otlp_resource_parse(r, getenv_fn("OTEL_RESOURCE_ATTRIBUTES"));
	if ((v = getenv_fn("OTEL_SERVICE_NAME")) && *v)
		se_otlp_resource_set(r, "service.name", strlen("service.name"), v);
	return skipped;
}

Opentelemetry__Proto__Resource__V1__Resource *
se_otlp_resource_msg(struct se_arena *a, const struct se_otlp_resource *res)
{
	Opentelemetry__Proto__Resource__V1__Resource *r = se_arena_alloc(a, sizeof(*r));
	struct se_otlp_attrs attrs;

	if (!r || se_otlp_attrs_init(a, &attrs, res->n + 1))
		return NULL;
	opentelemetry__proto__resource__v1__resource__init(r);
	for (uint32_t i = 0; i < res->n; i++)
		se_otlp_attrs_add(&attrs,
				  se_otlp_attr_str(a, res->attrs[i].key, res->attrs[i].value));
	se_otlp_attrs_add(&attrs, se_otlp_attr_int(a, "process.pid", res->pid));
	r->attributes = attrs.v;
	r->n_attributes = attrs.n;
	return r;
}

Opentelemetry__Proto__Common__V1__InstrumentationScope *se_otlp_scope_msg(struct se_arena *a)
{
	Opentelemetry__Proto__Common__V1__InstrumentationScope *s = se_arena_alloc(a, sizeof(*s));

	if (!s)
		return NULL;
	opentelemetry__proto__common__v1__instrumentation_scope__init(s);
	s->name = (char *)"sockeye";
	s->version = (char *)SOCKEYE_VERSION;
	return s;
}
