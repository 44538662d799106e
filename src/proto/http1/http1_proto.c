// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/1.x behind the protocol interface (see src/proto/http1/http1_proto.h). */
#include "proto/http1/http1_proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1/counters.h"
#include "proto/http_counters.h"
#include "proto/http1/http1_encode.h"
#include "proto/http1/http1.h"
#include "proto/tracectx.h"
#include "proto/session.h"

/* ---- detection ------------------------------------------------------------------------ */

/* RFC 9110 5.6.2. */
static bool se_http1_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * A request line with any method (WebDAV, custom ones): a token of 1 to
 * SE_HTTP1_DETECT_METHOD_MAX tchar, one SP, and the start of a request target: '/' (origin-form),
 * "* " (asterisk-form) or "http://" or "https://" (absolute-form, scheme in any case). The
 * known methods are matched by se_http1_looks_like_head already, CONNECT's authority-form
 * among them. "PRI * " is left to the HTTP/2 row: it is the start of the h2 preface. Decided
 * on the first SE_DETECT_PREFIX_MAX bytes: with the longest method, "https:/" is all of the
 * scheme that fits, and it is enough.
 */
#define SE_HTTP1_DETECT_METHOD_MAX 16

_Static_assert(SE_HTTP1_DETECT_METHOD_MAX + sizeof(" http://") - 1 <= SE_DETECT_PREFIX_MAX,
	       "a generic request line start must be decided within the kept prefix");

static enum se_parse_status se_http1_request_line(const uint8_t *buf, size_t len)
{
	static const char *const schemes[] = { "http://", "https://" };
	size_t n = len < SE_DETECT_PREFIX_MAX ? len : SE_DETECT_PREFIX_MAX, i = 0;
	const uint8_t *t;
	bool partial = false;

	while (i < n && i <= SE_HTTP1_DETECT_METHOD_MAX && se_http1_tchar(buf[i]))
		i++;
	if (i > SE_HTTP1_DETECT_METHOD_MAX)
		return SE_PARSE_INVALID;
	if (i == n)
		return SE_PARSE_NEED_MORE;
	if (!i || buf[i] != ' ')
		return SE_PARSE_INVALID;
	t = buf + ++i;
	n -= i;
	if (!n)
		return SE_PARSE_NEED_MORE;
	if (t[0] == '/')
		return SE_PARSE_OK;
	if (t[0] == '*') {
		if (n == 1)
			return SE_PARSE_NEED_MORE;
		if (t[1] != ' ' || (i == 4 && !memcmp(buf, "PRI", 3)))
			return SE_PARSE_INVALID;
		return SE_PARSE_OK;
	}
	for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
		switch (se_detect_literal_ci(t, n, schemes[k], strlen(schemes[k]))) {
		case SE_PARSE_OK:
			return SE_PARSE_OK;
		case SE_PARSE_NEED_MORE:
			partial = true;
			break;
		default:
			break;
		}
	}
	if (!partial)
		return SE_PARSE_INVALID;
	/* A scheme cut by the end of the kept prefix: what fits of it decides. */
	return i + n == SE_DETECT_PREFIX_MAX ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
}

/* Requests: a known method (what resync mid-stream also uses), or any request line start. */
static enum se_parse_status se_http1_detect_request(const uint8_t *buf, size_t len)
{
	enum se_parse_status known = se_http1_looks_like_head(buf, len, true);
	enum se_parse_status generic;

	if (known == SE_PARSE_OK)
		return SE_PARSE_OK;
	generic = se_http1_request_line(buf, len);
	if (generic == SE_PARSE_OK)
		return SE_PARSE_OK;
	if (known == SE_PARSE_NEED_MORE || generic == SE_PARSE_NEED_MORE)
		return SE_PARSE_NEED_MORE;
	return SE_PARSE_INVALID;
}

static enum se_parse_status se_http1_detect_response(const uint8_t *buf, size_t len)
{
	return se_http1_looks_like_head(buf, len, false);
}

static const struct se_detect_rule se_http1_rules[] = {
	{ .response_side = false, .match = se_http1_detect_request },
	{ .response_side = true, .match = se_http1_detect_response },
};

/* ---- a worker's trackers --------------------------------------------------------------- */

static void *se_http1_worker_new(const struct se_proto_env *env)
{
	struct se_http1_worker *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return NULL;
	hw->env = env;
	se_http_sink_init(&hw->sink, env);
	return hw;
}

static void se_http1_worker_free(void *pw)
{
	struct se_http1_worker *hw = pw;

	if (!hw)
		return;
	while (hw->free_http) {
		struct se_http_conn *h = hw->free_http;

		hw->free_http = h->next_free;
		free(h);
	}
	free(hw);
}

static bool se_http1_worker_busy(const void *pw)
{
	return se_http_sink_busy(&((const struct se_http1_worker *)pw)->sink);
}

static void *se_http1_conn_new(void *pw, const struct se_proto_start *st)
{
	struct se_http1_worker *hw = pw;
	struct se_http_conn *h = hw->free_http;

	if (h) {
		hw->free_http = h->next_free;
		hw->nfree_http--;
	} else if (!(h = malloc(sizeof(*h)))) {
		hw->sink.counters[SE_UC_HTTP_ALLOC]++;
		return NULL;
	}
	se_http_conn_init(h, st->role, st->peer, st->first_offset, st->midstream, hw->sink.budget);
	h->tls = st->tls;
	return h;
}

static void se_http1_conn_bytes(void *pw, void *pc, unsigned int dir, const struct se_segment *seg)
{
	se_http_conn_on_bytes(pc, &((struct se_http1_worker *)pw)->sink, dir, seg);
}

static void se_http1_conn_close(void *pw, void *pc)
{
	se_http_conn_close(pc, &((struct se_http1_worker *)pw)->sink);
}

static void se_http1_check_idle(void *pw, void *pc, uint64_t now_ns)
{
	struct se_http_sink *sink = &((struct se_http1_worker *)pw)->sink;
	struct se_http_conn *h = pc;

	if (now_ns > SE_SESSION_HEAD_STALL_NS)
		se_http_conn_release_stalled(h, sink, now_ns - SE_SESSION_HEAD_STALL_NS);
	se_http_conn_trim(h);
	if (!h->qlen)
		return;
	if (now_ns > SE_SESSION_IDLE_TIMEOUT_NS &&
	    se_http_conn_last_ts(h) < now_ns - SE_SESSION_IDLE_TIMEOUT_NS)
		se_http_conn_expire(h, sink);
}

static bool se_http1_handoff(void *pw, void *pc, struct se_proto_handoff *out)
{
	return se_http_conn_handoff(pc, &((struct se_http1_worker *)pw)->sink, out);
}

static void se_http1_conn_free(void *pw, void *pc)
{
	struct se_http1_worker *hw = pw;
	struct se_http_conn *h = pc;

	se_http_conn_fini(h);
	if (hw->nfree_http < SE_HTTP1_FREE_MAX) {
		h->next_free = hw->free_http;
		hw->free_http = h;
		hw->nfree_http++;
	} else {
		free(h);
	}
}

/* ---- its part of a window -------------------------------------------------------------- */

static void *se_http1_part_new(uint32_t max_groups, uint32_t span_limit)
{
	struct se_http_part *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	se_http_groups_init(&p->http, max_groups);
	se_span_buf_init(&p->spans, span_limit);
	return p;
}

static void se_http1_part_free(void *part)
{
	struct se_http_part *p = part;

	if (!p)
		return;
	se_http_groups_fini(&p->http);
	se_span_buf_fini(&p->spans);
	free(p);
}

static void se_http1_point(void *pw, void *const *parts)
{
	struct se_http1_worker *hw = pw;

	se_http_sink_point(&hw->sink, parts, hw->env);
}

static void se_http1_sample(const void *pw, void *const *parts)
{
	const struct se_http1_worker *hw = pw;
	struct se_http_part *p = se_http_part(parts);

	memcpy(p->active_requests, hw->sink.active_requests, sizeof(p->active_requests));
}

/*
 * The merge adds src's overflowed and alloc_failures to dst's table, plus whatever this merge
 * itself overflows or loses. The counters get the part not already in them: all of it for a
 * shard (the worker leaves these to the table), only this merge's own for a window.
 */
static int se_http1_merge_groups(struct se_http_part *d, const struct se_http_part *s,
				 uint64_t *counters, bool src_is_shard)
{
	uint64_t overflowed = d->http.overflowed, failed = d->http.alloc_failures;
	int ret = se_http_groups_merge(&d->http, &s->http);

	overflowed = d->http.overflowed - overflowed;
	failed = d->http.alloc_failures - failed;
	if (!src_is_shard) {
		overflowed -= s->http.overflowed;
		failed -= s->http.alloc_failures;
	}
	counters[SE_UC_HTTP_GROUP_OVERFLOW] += overflowed;
	counters[SE_UC_HTTP_ALLOC] += failed;
	return ret;
}

static int se_http1_merge(void *dst, const void *src, uint64_t *counters, bool src_is_shard)
{
	struct se_http_part *d = dst;
	const struct se_http_part *s = src;
	int over = se_span_buf_merge(&d->spans, &s->spans);

	if (over < 0)
		counters[SE_UC_SPANS_ALLOC] += s->spans.n; /* ENOMEM: none of them kept */
	else
		counters[SE_UC_SPANS_OVER_LIMIT] += (uint64_t)over;
	if (src_is_shard) /* gauges: the shards of one edge add up; a window's are not carried */
		for (size_t r = 0; r < sizeof(d->active_requests) / sizeof(d->active_requests[0]);
		     r++)
			d->active_requests[r] += s->active_requests[r];
	return se_http1_merge_groups(d, s, counters, src_is_shard);
}

static uint64_t se_http1_part_bytes(uint32_t max_groups, uint64_t spans)
{
	return se_http_groups_bytes_max(max_groups) + spans * sizeof(struct se_span);
}

static void se_http1_count_dropped(const void *part, uint64_t *counters)
{
	const struct se_http_part *p = part;

	for (uint32_t i = 0; i < p->http.n; i++)
		counters[SE_UC_HTTP_EXPORT_DROPPED] += p->http.groups[i].count;
}

const struct se_proto_ops se_http1_proto = {
	.id = SE_PROTO_HTTP1,
	.name = "http1",
	.rules = se_http1_rules,
	.nrules = sizeof(se_http1_rules) / sizeof(se_http1_rules[0]),
	.worker_new = se_http1_worker_new,
	.worker_free = se_http1_worker_free,
	.worker_busy = se_http1_worker_busy,
	.conn_new = se_http1_conn_new,
	.on_bytes = se_http1_conn_bytes,
	.close = se_http1_conn_close,
	.check_idle = se_http1_check_idle,
	.conn_free = se_http1_conn_free,
	.handoff = se_http1_handoff,
	.part_new = se_http1_part_new,
	.part_free = se_http1_part_free,
	.point = se_http1_point,
	.sample = se_http1_sample,
	.merge = se_http1_merge,
	.count_dropped = se_http1_count_dropped,
	.conn_size = sizeof(struct se_http_conn),
	.worker_size =
	    sizeof(struct se_http1_worker) + SE_HTTP1_FREE_MAX * sizeof(struct se_http_conn),
	.part_size = sizeof(struct se_http_part),
	.part_bytes = se_http1_part_bytes,
	.write_json = se_http1_write_json,
	.write_stats = se_http1_write_stats,
	.totals_new = se_http1_totals_new,
	.totals_free = se_http1_totals_free,
	.totals_add = se_http1_totals_add,
	.otlp_metrics = se_http1_otlp_metrics,
	.otlp_span_count = se_http1_otlp_span_count,
	.otlp_spans = se_http1_otlp_spans,
};
