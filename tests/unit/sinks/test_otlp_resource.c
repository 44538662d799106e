// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the OTLP resource (src/sinks/otlp_resource.c), with a fake environment:
 * service.name defaults to unknown_service:sockeye, OTEL_SERVICE_NAME wins over the
 * service.name of OTEL_RESOURCE_ATTRIBUTES, POD_NAME and POD_NAMESPACE become k8s.pod.name and
 * k8s.namespace.name, OTEL_RESOURCE_ATTRIBUTES wins over what is detected, values are
 * percent-decoded and keys and values trimmed, malformed entries (no '=', empty key, bad escape)
 * and those too long are skipped and counted, and the table never holds more than
 * SE_OTLP_RESOURCE_MAX attributes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_env.h"
#include "sinks/otlp_resource.h"

/* ---- fake environment ----------------------------------------------------------------- */

static int reset_env(void **state)
{
	nenv = 0;
	return 0;
}

/* The resource holds key = value. */
static void assert_attr(const struct se_otlp_resource *r, const char *key, const char *value)
{
	const char *v = se_otlp_resource_get(r, key);

	if (!v)
		fail_msg("%s missing", key);
	if (strcmp(v, value))
		fail_msg("%s = '%s', expected '%s'", key, v, value);
}

/* The resource has exactly one attribute named key (replacement never duplicates). */
static void assert_key_once(const struct se_otlp_resource *r, const char *key)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < r->n; i++)
		n += !strcmp(r->attrs[i].key, key);
	assert_int_equal(n, 1);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct se_otlp_resource r;

	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, "node-1", 4242), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.attrs[0].key, "service.name");
	assert_string_equal(r.attrs[0].value, "unknown_service:sockeye");
	assert_string_equal(r.attrs[1].key, "host.name");
	assert_string_equal(r.attrs[1].value, "node-1");
	assert_int_equal(r.pid, 4242);
	assert_null(se_otlp_resource_get(&r, "k8s.pod.name"));
	assert_null(se_otlp_resource_get(&r, "k8s.namespace.name"));
	assert_null(se_otlp_resource_get(&r, "nope"));

	/* no host name, or an empty one: no host.name */
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, "", 1), 0);
	assert_int_equal(r.n, 1);
	assert_null(se_otlp_resource_get(&r, "host.name"));
}

static void test_service_name_precedence(void **state)
{
	struct se_otlp_resource r;

	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,team=core");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "service.name", "from-attrs");
	assert_attr(&r, "team", "core");
	assert_int_equal(r.n, 2);

	setenv_fake("OTEL_SERVICE_NAME", "checkout");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "service.name", "checkout");
	assert_key_once(&r, "service.name");
	assert_attr(&r, "team", "core");
	assert_int_equal(r.n, 2);
}

static void test_empty_service_name_ignored(void **state)
{
	struct se_otlp_resource r;

	setenv_fake("OTEL_SERVICE_NAME", "");
	setenv_fake("POD_NAME", "");
	setenv_fake("POD_NAMESPACE", "");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "service.name", "unknown_service:sockeye");
	assert_int_equal(r.n, 1);
}

static void test_pod_variables(void **state)
{
	struct se_otlp_resource r;

	setenv_fake("POD_NAME", "web-7d9f-abcde");
	setenv_fake("POD_NAMESPACE", "shop");
	/* what the user says in OTEL_RESOURCE_ATTRIBUTES wins over what sockeye detects */
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", "k8s.pod.name=given,host.name=other");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, "node-2", 7), 0);
	assert_attr(&r, "k8s.pod.name", "given");
	assert_attr(&r, "k8s.namespace.name", "shop");
	assert_attr(&r, "host.name", "other");
	assert_attr(&r, "service.name", "unknown_service:sockeye");
	assert_key_once(&r, "k8s.pod.name");
	assert_key_once(&r, "host.name");
	assert_int_equal(r.n, 4);
}

static void test_percent_decoding_and_trimming(void **state)
{
	struct se_otlp_resource r;

	setenv_fake("OTEL_RESOURCE_ATTRIBUTES",
		    " deployment.environment = prod%20eu ,list=a%2Cb%2cc, pct=100%25,"
		    "eq=a=b,hex=%41%42%43,empty=, blank =   ,,");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "deployment.environment", "prod eu");
	assert_attr(&r, "list", "a,b,c");
	assert_attr(&r, "pct", "100%");
	assert_attr(&r, "eq", "a=b"); /* the first '=' splits */
	assert_attr(&r, "hex", "ABC");
	assert_attr(&r, "empty", "");
	assert_attr(&r, "blank", "");
	assert_int_equal(r.n, 8);
	/* an encoded blank at an edge is data, not trimmed */
	nenv = 0;
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", "k=%20x%20");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "k", " x ");
}

static void test_malformed_skipped(void **state)
{
	static const struct {
		const char *list;
		unsigned int skipped;
	} cases[] = {
		{ "noequals", 1 }, { "=value", 1 },	 { "   =value", 1 }, { "k=%4", 1 },
		{ "k=%", 1 },	   { "k=ab%", 1 },	 { "k=%zz", 1 },     { "k=%g0", 1 },
		{ "k=%0g", 1 },	   { "k=%4 ", 1 }, /* trimmed: the escape ends the value */
		{ "a,b,c", 3 },	   { "a,=b,c=%x1,", 3 },
	};
	struct se_otlp_resource r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int skipped;

		nenv = 0;
		setenv_fake("OTEL_RESOURCE_ATTRIBUTES", cases[i].list);
		skipped = se_otlp_resource_init(&r, fake_getenv, NULL, 1);
		if (skipped != cases[i].skipped)
			fail_msg("'%s': %u skipped, expected %u", cases[i].list, skipped,
				 cases[i].skipped);
		assert_int_equal(r.n, 1); /* service.name only */
		assert_attr(&r, "service.name", "unknown_service:sockeye");
	}

	/* good entries around bad ones are kept, in order */
	nenv = 0;
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", "a=1,broken,b=%2,c=3,=4,d=4");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 3);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.attrs[1].key, "a");
	assert_string_equal(r.attrs[2].key, "c");
	assert_string_equal(r.attrs[3].key, "d");
	assert_attr(&r, "d", "4");
}

static void test_too_long(void **state)
{
	static char list[4 * SE_OTLP_RESOURCE_VALUE_MAX + 16];
	struct se_otlp_resource r;
	int n;

	/* a value of VALUE_MAX - 1 bytes fits; VALUE_MAX does not */
	n = snprintf(list, sizeof(list), "fits=%0*d", SE_OTLP_RESOURCE_VALUE_MAX - 1, 0);
	assert_true(n > 0 && (size_t)n < sizeof(list));
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", list);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_int_equal(strlen(se_otlp_resource_get(&r, "fits")), SE_OTLP_RESOURCE_VALUE_MAX - 1);

	snprintf(list, sizeof(list), "long=%0*d,ok=1", SE_OTLP_RESOURCE_VALUE_MAX, 0);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 1);
	assert_null(se_otlp_resource_get(&r, "long"));
	assert_attr(&r, "ok", "1");

	/* escapes count once decoded: VALUE_MAX - 1 "%41" fit, VALUE_MAX do not */
	for (int extra = 0; extra <= 1; extra++) {
		size_t len = (size_t)snprintf(list, sizeof(list), "enc=");
		const char *v;

		for (int i = 0; i < SE_OTLP_RESOURCE_VALUE_MAX - 1 + extra; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%%41");
		assert_true(len < sizeof(list) - 1);
		assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), extra);
		v = se_otlp_resource_get(&r, "enc");
		if (extra) {
			assert_null(v);
			continue;
		}
		assert_non_null(v);
		assert_int_equal(strlen(v), SE_OTLP_RESOURCE_VALUE_MAX - 1);
		assert_int_equal(strspn(v, "A"), SE_OTLP_RESOURCE_VALUE_MAX - 1);
	}

	/* a key of KEY_MAX - 1 bytes fits; KEY_MAX does not */
	memset(list, 'k', SE_OTLP_RESOURCE_KEY_MAX - 1);
	strcpy(list + SE_OTLP_RESOURCE_KEY_MAX - 1, "=v");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(strlen(r.attrs[1].key), SE_OTLP_RESOURCE_KEY_MAX - 1);
	memset(list, 'k', SE_OTLP_RESOURCE_KEY_MAX);
	strcpy(list + SE_OTLP_RESOURCE_KEY_MAX, "=v");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 1);
	assert_int_equal(r.n, 1);

	/* OTEL_SERVICE_NAME too long: the default stays */
	snprintf(list, sizeof(list), "%0*d", SE_OTLP_RESOURCE_VALUE_MAX, 0);
	nenv = 0;
	setenv_fake("OTEL_SERVICE_NAME", list);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_attr(&r, "service.name", "unknown_service:sockeye");
}

/* Every OTLP string must be UTF-8, or a strict collector rejects every export: a value is
 * repaired (each bad sequence becomes U+FFFD), wherever it came from; a key that is not UTF-8
 * is skipped like a malformed entry; a value too long once repaired does not fit. */
static void test_utf8_values_repaired(void **state)
{
	static char list[3 * SE_OTLP_RESOURCE_VALUE_MAX + 16];
	struct se_otlp_resource r;
	size_t len;

	setenv_fake("OTEL_RESOURCE_ATTRIBUTES",
		    "team=caf%C3%A9,bytes=a%FF%FEb,cut=x%E2%82,k\xff=v,raw=\xc0\xaf,ok=1");
	setenv_fake("POD_NAME", "pod-\xed\xa0\x80");
	setenv_fake("OTEL_SERVICE_NAME", "svc\xf4\x90\x80\x80");
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, "host\x80", 1), 1);
	assert_attr(&r, "team", "caf\xc3\xa9"); /* valid: untouched */
	assert_attr(&r, "bytes", "a\xef\xbf\xbd\xef\xbf\xbd\x62");
	assert_attr(&r, "cut", "x\xef\xbf\xbd");
	assert_null(se_otlp_resource_get(&r, "k\xff"));
	assert_attr(&r, "raw", "\xef\xbf\xbd\xef\xbf\xbd");
	assert_attr(&r, "ok", "1");
	assert_attr(&r, "k8s.pod.name", "pod-\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_attr(&r, "service.name", "svc\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_attr(&r, "host.name", "host\xef\xbf\xbd");

	/* 100 bad bytes fit as bytes, not as 300 bytes of U+FFFD */
	nenv = 0;
	len = (size_t)snprintf(list, sizeof(list), "big=");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%%FF");
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", list);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 1);
	assert_null(se_otlp_resource_get(&r, "big"));
}

/* More than SE_OTLP_RESOURCE_MAX attributes: what sockeye detected (set first) and the first
 * entries that fit are kept, the rest counted; a later source still replaces a key already
 * there. */
static void test_too_many(void **state)
{
	static char list[64 * 16];
	struct se_otlp_resource r;
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sk%d=v%d", i ? "," : "", i, i);
	setenv_fake("OTEL_RESOURCE_ATTRIBUTES", list);
	/* service.name (the default) + k0..k30 fill the 32 slots; k31..k39 are skipped */
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 9);
	assert_int_equal(r.n, SE_OTLP_RESOURCE_MAX);
	assert_attr(&r, "k0", "v0");
	assert_attr(&r, "k30", "v30");
	assert_null(se_otlp_resource_get(&r, "k31"));
	assert_null(se_otlp_resource_get(&r, "k39"));

	/* a repeated key replaces, it takes no slot */
	n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sk=v%d", i ? "," : "", i);
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, NULL, 1), 0);
	assert_int_equal(r.n, 2);
	assert_attr(&r, "k", "v39");

	/* full table: OTEL_SERVICE_NAME still replaces service.name */
	n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sk%d=v%d", i ? "," : "", i, i);
	setenv_fake("OTEL_SERVICE_NAME", "svc");
	setenv_fake("POD_NAME", "pod-1");
	setenv_fake("POD_NAMESPACE", "ns-1");
	/* detected first: service.name, host.name, k8s.* + k0..k27; k28..k39 skipped */
	assert_int_equal(se_otlp_resource_init(&r, fake_getenv, "host-1", 1), 12);
	assert_int_equal(r.n, SE_OTLP_RESOURCE_MAX);
	assert_attr(&r, "host.name", "host-1");
	assert_attr(&r, "k8s.pod.name", "pod-1");
	assert_attr(&r, "k8s.namespace.name", "ns-1");
	assert_attr(&r, "service.name", "svc");
	assert_key_once(&r, "service.name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, reset_env),
		cmocka_unit_test_setup(test_service_name_precedence, reset_env),
		cmocka_unit_test_setup(test_empty_service_name_ignored, reset_env),
		cmocka_unit_test_setup(test_pod_variables, reset_env),
		cmocka_unit_test_setup(test_percent_decoding_and_trimming, reset_env),
		cmocka_unit_test_setup(test_malformed_skipped, reset_env),
		cmocka_unit_test_setup(test_too_long, reset_env),
		cmocka_unit_test_setup(test_too_many, reset_env),
		cmocka_unit_test_setup(test_utf8_values_repaired, reset_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
