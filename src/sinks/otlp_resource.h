/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The OTLP resource: who the telemetry is about. service.name, host.name, process.pid,
 * k8s.pod.name and k8s.namespace.name (from the downward-API variables POD_NAME and
 * POD_NAMESPACE), plus OTEL_RESOURCE_ATTRIBUTES, whose entries win over what sockeye
 * detects. service.name is OTEL_SERVICE_NAME, else the service.name of
 * OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:sockeye" (as the OpenTelemetry SDKs do).
 * Values that are not valid UTF-8 have each bad sequence replaced by U+FFFD, as the request
 * paths (util/utf8.h); an entry whose key is not valid UTF-8 is skipped like a malformed
 * one. Pure: the environment comes through a lookup function.
 */
#ifndef SOCKEYE_OTLP_RESOURCE_H
#define SOCKEYE_OTLP_RESOURCE_H

#include <stdint.h>

#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "util/otlp_build.h"

#define SE_OTLP_RESOURCE_MAX	   32
#define SE_OTLP_RESOURCE_KEY_MAX   128
#define SE_OTLP_RESOURCE_VALUE_MAX 256

struct se_otlp_resource {
	uint32_t n; /* string attributes */
	struct {
		char key[SE_OTLP_RESOURCE_KEY_MAX];
		char value[SE_OTLP_RESOURCE_VALUE_MAX];
	} attrs[SE_OTLP_RESOURCE_MAX];
	int64_t pid; /* process.pid */
};

typedef const char *(*se_getenv_fn)(const char *name);

/* Entries of OTEL_RESOURCE_ATTRIBUTES that are malformed (no '=', empty key, bad percent
 * escape, a key not UTF-8) or do not fit (once repaired) are skipped; returns how many were
 * skipped. */
unsigned int se_otlp_resource_init(struct se_otlp_resource *r, se_getenv_fn getenv_fn,
				   const char *host_name, int64_t pid);
/* The value of key, or NULL. */
const char *se_otlp_resource_get(const struct se_otlp_resource *r, const char *key);

/* The Resource message of res (its attributes, then process.pid), from the arena. NULL on
 * ENOMEM. */
Opentelemetry__Proto__Resource__V1__Resource *
se_otlp_resource_msg(struct se_arena *a, const struct se_otlp_resource *res);
/* sockeye's InstrumentationScope (name "sockeye", its version), from the arena. */
Opentelemetry__Proto__Common__V1__InstrumentationScope *se_otlp_scope_msg(struct se_arena *a);

#endif /* SOCKEYE_OTLP_RESOURCE_H */
