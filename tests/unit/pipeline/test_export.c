// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the export side (src/pipeline/export.c: RCU publication, the merger thread,
 * the bounded window queue and the sender thread together): shards from several workers
 * merge into one window, windows leave strictly in start order, a window waits for every worker's
 * shard (for the grace time, or while stopping until the final shards), a late shard is
 * carried into the next window and counted, final shards from every worker end the
 * threads, and a stalled exporter makes the queue drop its oldest windows, counted, with
 * every event still in some stats line. The real thread runs against the real clock, so windows are
 * placed well in the past (grace long expired) or well in the future (grace far off) and never near
 * now. Output goes to a fopencookie stream rather than open_memstream: the tests read it while the
 * sender may still write, and a memstream's buffer cannot be read then without a data race.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <cmocka.h>
#include <urcu/urcu-memb.h>

#include "util/clock.h"
#include "config/config.h"
#include "pipeline/export.h"
#include "agg/window.h"
#include "sinks/counters.h"
#include "sinks/stdout/stdout.h"

#define WINDOW_NS (5 * SE_NS_PER_S)
/* How far from now the windows sit: much more than the merger's 1 s grace either way. */
#define PAST_NS	  (100 * SE_NS_PER_S)
#define FUTURE_NS (60 * SE_NS_PER_S)
/* Long enough for many merger ticks (10 ms each), so "nothing yet" means nothing. */
#define QUIET_MS 150
/* Upper bound on waiting for output that is due; generous because TSan is slow. */
#define DUE_MS 5000
/* se_export_join after the threads ended by themselves must return at once. */
#define JOIN_PROMPT_NS (2 * SE_NS_PER_S)
#define MAX_LINES      128
/* The merger keeps at most this many windows open (SE_MERGER_PENDING_MAX in merger.c). */
#define PENDING_MAX 8

/* ---- output capture: a FILE whose bytes can be read while the sender writes ------------- */

struct capture {
	pthread_mutex_t lock;
	pthread_cond_t more; /* signalled on every write */
	char *text;	     /* NUL-terminated */
	size_t len;
	size_t cap;
	bool gate_closed; /* writes wait while set: an exporter that stalls */
};

static ssize_t capture_write(void *cookie, const char *buf, size_t size)
{
	struct capture *c = cookie;
	ssize_t ret = (ssize_t)size;

	pthread_mutex_lock(&c->lock);
	while (c->gate_closed)
		pthread_cond_wait(&c->more, &c->lock);
	if (c->len + size + 1 > c->cap) {
		size_t ncap = c->cap ? c->cap : 4096;
		char *grown;

		while (ncap < c->len + size + 1)
			ncap *= 2;
		grown = realloc(c->text, ncap);
		if (!grown) {
			ret = -1;
			goto out;
		}
		c->text = grown;
		c->cap = ncap;
	}
	memcpy(c->text + c->len, buf, size);
	c->len += size;
	c->text[c->len] = '\0';
	pthread_cond_broadcast(&c->more);
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* Complete stats lines so far. Context: caller holds c->lock. */
static unsigned int capture_stats_locked(const struct capture *c)
{
	unsigned int n = 0;
	const char *p = c->text, *nl;

	if (!p)
		return 0;
	for (; (nl = strchr(p, '\n')); p = nl + 1)
		if (!strncmp(p, "{\"type\":\"stats\"", strlen("{\"type\":\"stats\"")))
			n++;
	return n;
}

/* Wait until at least n stats lines were written or ms passed; returns how many there are. */
static unsigned int capture_wait_stats(struct capture *c, unsigned int n, unsigned int ms)
{
	struct timespec deadline;
	unsigned int have;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->lock);
	while ((have = capture_stats_locked(c)) < n)
		if (pthread_cond_timedwait(&c->more, &c->lock, &deadline))
			break;
	have = capture_stats_locked(c);
	pthread_mutex_unlock(&c->lock);
	return have;
}

static unsigned int capture_stats(struct capture *c)
{
	return capture_wait_stats(c, 0, 0);
}

/* ---- a sender under test, and its output split into lines after the join -------------- */

struct rig {
	struct se_config cfg; /* the sender keeps a pointer: lives as long as it */
	struct capture cap;
	FILE *out;
	struct se_sink *sink; /* stdout's, writing to out */
	struct se_export *s;
	uint32_t workers;
	char *copy; /* the output with each '\n' made a NUL */
	unsigned int nlines;
	const char *lines[MAX_LINES];
	unsigned int nstats;
	unsigned int stats[MAX_LINES]; /* index in lines[] of each stats line */
};

static int rig_setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	pthread_condattr_t attr;

	if (!r)
		return -1;
	pthread_mutex_init(&r->cap.lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cap.more, &attr);
	pthread_condattr_destroy(&attr);
	se_publish_thread_online(); /* this thread publishes shards, as a worker does */
	/* liburcu starts its call_rcu thread on the first call_rcu and keeps it: start it now,
	 * so that the thread counts of test_final_shards_end_sender do not depend on it. */
	urcu_memb_get_default_call_rcu_data();
	*state = r;
	return 0;
}

/* Also the cleanup of a failed test: se_export_free joins running threads. */
static int rig_teardown(void **state)
{
	struct rig *r = *state;

	pthread_mutex_lock(&r->cap.lock); /* a stalled exporter must be let go first */
	r->cap.gate_closed = false;
	pthread_cond_broadcast(&r->cap.more);
	pthread_mutex_unlock(&r->cap.lock);
	se_export_free(r->s);
	se_sink_free(r->sink);
	se_publish_thread_offline();
	if (r->out)
		fclose(r->out);
	pthread_cond_destroy(&r->cap.more);
	pthread_mutex_destroy(&r->cap.lock);
	free(r->cap.text);
	free(r->copy);
	free(r);
	return 0;
}

static void rig_open_queue(struct rig *r, uint32_t workers, uint32_t export_queue)
{
	cookie_io_functions_t io = { .write = capture_write };

	se_config_defaults(&r->cfg);
	r->cfg.out_stdout = true;
	r->cfg.connections = true;
	r->cfg.export_queue = export_queue;
	r->workers = workers;
	r->out = fopencookie(&r->cap, "w", io);
	assert_non_null(r->out);
	r->sink = se_stdout_sink_new(r->out, &r->cfg);
	assert_non_null(r->sink);
	r->s = se_export_new(&r->cfg, workers, NULL, &r->sink, 1, NULL);
	assert_non_null(r->s);
}

static void rig_open(struct rig *r, uint32_t workers)
{
	rig_open_queue(r, workers, 1024); /* no drops, however slow the sender (TSan) */
}

static void rig_start(struct rig *r)
{
	assert_int_equal(se_export_start(r->s), 0);
}

/* Join, then split what was written into lines (the join orders the sender's writes first). */
static void rig_join(struct rig *r)
{
	char *p;

	assert_int_equal(se_export_join(r->s), 0);
	assert_int_equal(fflush(r->out), 0);
	r->copy = strdup(r->cap.text ? r->cap.text : "");
	assert_non_null(r->copy);
	for (p = r->copy; *p;) {
		char *nl = strchr(p, '\n');

		if (!nl)
			fail_msg("unterminated line: %s", p);
		*nl = '\0';
		assert_true(r->nlines < MAX_LINES);
		if (!strncmp(p, "{\"type\":\"stats\"", strlen("{\"type\":\"stats\"")))
			r->stats[r->nstats++] = r->nlines;
		else if (strncmp(p, "{\"type\":\"conn\"", strlen("{\"type\":\"conn\"")))
			fail_msg("line of neither type: %s", p);
		r->lines[r->nlines++] = p;
		p = nl + 1;
	}
}

/* The value of "key":N in a line; fails if the key is missing. */
static uint64_t field(const char *line, const char *key)
{
	char pattern[64];
	const char *hit;

	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	hit = strstr(line, pattern);
	if (!hit)
		fail_msg("no %s in: %s", key, line);
	return strtoull(hit + strlen(pattern), NULL, 10);
}

static uint64_t ms(uint64_t ns)
{
	return ns / SE_NS_PER_MS;
}

static void dump(const struct rig *r)
{
	for (unsigned int i = 0; i < r->nlines; i++)
		print_message("  %s\n", r->lines[i]);
}

/* Stats line i covers the window starting at start_ns and carries these figures. */
static void assert_window(const struct rig *r, unsigned int i, uint64_t start_ns, uint64_t shards,
			  uint64_t late, uint64_t events)
{
	const char *line;

	if (i >= r->nstats) {
		dump(r);
		fail_msg("stats line %u missing: %u stats lines", i, r->nstats);
	}
	line = r->lines[r->stats[i]];
	if (field(line, "window_start") != ms(start_ns) || field(line, "shards") != shards ||
	    field(line, "late_shards") != late || field(line, "events") != events) {
		dump(r);
		fail_msg("stats line %u: want window_start %" PRIu64 " shards %" PRIu64
			 " late_shards %" PRIu64 " events %" PRIu64 ", got: %s",
			 i, ms(start_ns), shards, late, events, line);
	}
}

/* The conn line of record id is among the lines written for stats line i (just before it). */
static void assert_conn(const struct rig *r, uint64_t id, unsigned int i)
{
	char tail[64];
	unsigned int first, last;

	snprintf(tail, sizeof(tail), "\"conn_id\":%" PRIu64 ",", id);
	assert_true(i < r->nstats);
	first = i ? r->stats[i - 1] + 1 : 0;
	last = r->stats[i];
	for (unsigned int l = first; l < last; l++) {
		const char *line = r->lines[l];

		if (strstr(line, tail)) {
			assert_int_equal(field(line, "window_start"),
					 field(r->lines[last], "window_start"));
			return;
		}
	}
	dump(r);
	fail_msg("no conn line with conn_id %" PRIu64 " before stats line %u", id, i);
}

static unsigned int nconn_lines(const struct rig *r)
{
	return r->nlines - r->nstats;
}

/* ---- shards ------------------------------------------------------------------------------ */

/* Figures that tell apart every (window k, worker w) pair and sum recognisably. */
static uint64_t events_of(unsigned int k, uint32_t w)
{
	return 1000 * (uint64_t)(k + 1) + w + 1;
}

static uint64_t conn_id_of(unsigned int k, uint32_t w)
{
	return 100 * (uint64_t)(k + 1) + w;
}

static struct se_shard *shard_with(uint32_t w, uint64_t start_ns, uint64_t events, uint64_t conn_id,
				   bool final)
{
	struct se_shard *s = se_shard_new(w, start_ns, start_ns + WINDOW_NS, SE_DEFAULT_MAX_GROUPS);
	struct se_conn_record rec;

	assert_non_null(s);
	s->final = final;
	s->counters[SE_UC_EVENTS] = events;
	s->counters[SE_UC_CONNS_OPENED] = 1;
	memset(&rec, 0, sizeof(rec));
	rec.id = conn_id;
	rec.pid = 4000 + w;
	rec.role = SE_ROLE_SERVER;
	rec.local.family = rec.peer.family = AF_INET;
	rec.local.addr[0] = 127;
	rec.local.addr[3] = 1;
	rec.peer.addr[0] = 127;
	rec.peer.addr[3] = 2;
	rec.local.port = 8080;
	rec.peer.port = (uint16_t)(40000 + w);
	rec.dir[SE_DIR_IN].bytes = events;
	assert_int_equal(se_shard_add_conn(s, &rec), 0);
	return s;
}

/* Worker w's shard of window k (windows of WINDOW_NS from base). */
static void submit(struct rig *r, uint32_t w, uint64_t base, unsigned int k, bool final)
{
	se_publish_shard(
	    se_export_publish(r->s),
	    shard_with(w, base + k * WINDOW_NS, events_of(k, w), conn_id_of(k, w), final));
}

/* Window starts on multiples of the window, so that the ms in the output are exact. */
static uint64_t past_base(void)
{
	return se_clock_align_down(se_clock_real_ns() - PAST_NS, WINDOW_NS);
}

static uint64_t future_base(void)
{
	return se_clock_align_down(se_clock_real_ns() + FUTURE_NS, WINDOW_NS) + WINDOW_NS;
}

static void sleep_ms(unsigned int n)
{
	struct timespec t = { .tv_sec = n / 1000, .tv_nsec = (long)(n % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * SE_NS_PER_S + (uint64_t)t.tv_nsec;
}

/* ---- cases ------------------------------------------------------------------------------ */

/* Two workers, three past windows: each goes out once, in order, both shards merged. */
static void test_merge_in_order(void **state)
{
	struct rig *r = *state;
	uint64_t base = past_base();

	rig_open(r, 2);
	/* Queued before the thread starts, so one drain sees a whole window at once. */
	for (unsigned int k = 0; k < 3; k++) {
		submit(r, 0, base, k, false);
		submit(r, 1, base, k, false);
	}
	rig_start(r);
	/* Complete windows leave on their own, not because of the join. */
	assert_int_equal(capture_wait_stats(&r->cap, 3, DUE_MS), 3);
	rig_join(r);

	assert_int_equal(r->nstats, 3);
	assert_int_equal(nconn_lines(r), 6);
	for (unsigned int k = 0; k < 3; k++) {
		const char *line = r->lines[r->stats[k]];

		assert_window(r, k, base + k * WINDOW_NS, 2, 0, events_of(k, 0) + events_of(k, 1));
		assert_int_equal(field(line, "window_end"), ms(base + (k + 1) * WINDOW_NS));
		assert_int_equal(field(line, "conns_opened"), 2);
		assert_int_equal(field(line, "kernel_events"), 0); /* no probe */
		assert_conn(r, conn_id_of(k, 0), k);
		assert_conn(r, conn_id_of(k, 1), k);
	}
}

/* Worker 1 is a window ahead of worker 0: the later window still waits its turn. */
static void test_out_of_order_arrival(void **state)
{
	struct rig *r = *state;
	uint64_t base = future_base(); /* complete windows only: grace never runs out here */

	rig_open(r, 2);
	rig_start(r);
	submit(r, 1, base, 1, false);
	sleep_ms(QUIET_MS); /* window 1 is open alone */
	submit(r, 0, base, 0, false);
	sleep_ms(QUIET_MS);
	assert_int_equal(capture_stats(&r->cap), 0);
	submit(r, 1, base, 0, false);
	submit(r, 0, base, 1, false);
	assert_int_equal(capture_wait_stats(&r->cap, 2, DUE_MS), 2);
	rig_join(r);

	assert_int_equal(r->nstats, 2);
	assert_window(r, 0, base, 2, 0, events_of(0, 0) + events_of(0, 1));
	assert_window(r, 1, base + WINDOW_NS, 2, 0, events_of(1, 0) + events_of(1, 1));
	assert_conn(r, conn_id_of(0, 0), 0);
	assert_conn(r, conn_id_of(0, 1), 0);
	assert_conn(r, conn_id_of(1, 0), 1);
	assert_conn(r, conn_id_of(1, 1), 1);
}

/* Future windows missing a worker wait; stopping and the join let them all out, none lost. */
static void test_incomplete_future_windows_wait_for_join(void **state)
{
	struct rig *r = *state;
	uint64_t base = future_base();

	rig_open(r, 2);
	rig_start(r);
	for (unsigned int k = 0; k < 3; k++)
		submit(r, 0, base, k, false);
	sleep_ms(QUIET_MS);
	assert_int_equal(capture_stats(&r->cap), 0);
	se_export_stopping(r->s);
	sleep_ms(QUIET_MS); /* stopping alone lets nothing out either */
	assert_int_equal(capture_stats(&r->cap), 0);
	rig_join(r);

	assert_int_equal(r->nstats, 3);
	assert_int_equal(nconn_lines(r), 3);
	for (unsigned int k = 0; k < 3; k++) {
		assert_window(r, k, base + k * WINDOW_NS, 1, 0, events_of(k, 0));
		assert_conn(r, conn_id_of(k, 0), k);
	}
}

/* While stopping, a window past its grace still waits for the lagging worker's final shard. */
static void test_stopping_waits_past_grace(void **state)
{
	struct rig *r = *state;
	uint64_t base = past_base();

	rig_open(r, 2);
	rig_start(r);
	se_export_stopping(r->s);
	submit(r, 0, base, 0, true);
	sleep_ms(QUIET_MS); /* without stopping, the grace would long have let it out */
	assert_int_equal(capture_stats(&r->cap), 0);
	submit(r, 1, base, 0, true);
	assert_int_equal(capture_wait_stats(&r->cap, 1, DUE_MS), 1);
	rig_join(r);

	assert_int_equal(r->nstats, 1);
	assert_window(r, 0, base, 2, 0, events_of(0, 0) + events_of(0, 1));
	assert_conn(r, conn_id_of(0, 0), 0);
	assert_conn(r, conn_id_of(0, 1), 0);
}

/* A shard of an exported window is counted late and carried into the next window. */
static void test_late_shard_joins_next_window(void **state)
{
	struct rig *r = *state;
	uint64_t base = past_base();
	/* The newer window is in the future so it leaves only once complete, after the late one. */
	unsigned int next = (unsigned int)((future_base() - base) / WINDOW_NS);
	const uint64_t late_events = 7, late_id = 999;

	rig_open(r, 2);
	submit(r, 0, base, 0, false);
	submit(r, 1, base, 0, false);
	rig_start(r);
	assert_int_equal(capture_wait_stats(&r->cap, 1, DUE_MS), 1);
	se_publish_shard(se_export_publish(r->s), shard_with(1, base, late_events, late_id, false));
	submit(r, 0, base, next, false);
	submit(r, 1, base, next, false);
	assert_int_equal(capture_wait_stats(&r->cap, 2, DUE_MS), 2);
	rig_join(r);

	assert_int_equal(r->nstats, 2);
	assert_window(r, 0, base, 2, 0, events_of(0, 0) + events_of(0, 1));
	assert_window(r, 1, base + next * WINDOW_NS, 2, 1,
		      events_of(next, 0) + events_of(next, 1) + late_events);
	assert_int_equal(field(r->lines[r->stats[1]], "conns_opened"), 3);
	assert_conn(r, late_id, 1);
	assert_conn(r, conn_id_of(next, 0), 1);
	assert_conn(r, conn_id_of(next, 1), 1);
	assert_int_equal(nconn_lines(r), 5);
}

/* Late data with no window left to carry it gets one more window at exit. */
static void test_late_shard_at_exit(void **state)
{
	struct rig *r = *state;
	uint64_t base = past_base();
	const uint64_t late_events = 5, late_id = 777;

	rig_open(r, 2);
	submit(r, 0, base, 0, false);
	submit(r, 1, base, 0, false);
	rig_start(r);
	assert_int_equal(capture_wait_stats(&r->cap, 1, DUE_MS), 1);
	se_publish_shard(se_export_publish(r->s), shard_with(0, base, late_events, late_id, false));
	rig_join(r);

	assert_int_equal(r->nstats, 2);
	assert_window(r, 0, base, 2, 0, events_of(0, 0) + events_of(0, 1));
	/* The extra window starts where the exported ones ended and holds no shard of its own;
	 * it ends later than it starts (window ends only increase: OTLP points move forward). */
	assert_window(r, 1, base + WINDOW_NS, 0, 1, late_events);
	assert_true(field(r->lines[r->stats[1]], "window_end") >
		    field(r->lines[r->stats[1]], "window_start"));
	assert_conn(r, late_id, 1);
	assert_int_equal(nconn_lines(r), 3);
}

/* Whether a thread of this process has this name (util/thread.h). */
static bool thread_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while (!found && (e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* the thread ended meanwhile */
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		found = !strcmp(comm, name);
	}
	closedir(d);
	return found;
}

/* Final shards from every worker end the merger thread, before any join. */
static void test_final_shards_end_sender(void **state)
{
	struct rig *r = *state;
	uint64_t base = future_base(), t0;
	rig_open(r, 2);
	rig_start(r);
	t0 = mono_ns(); /* a thread names itself once it runs */
	while (!thread_named("sockeye-merger") && mono_ns() - t0 < DUE_MS * SE_NS_PER_MS)
		sleep_ms(5);
	assert_true(thread_named("sockeye-merger"));
	/* Worker 1 stopped after window 0; worker 0 after window 1, which thus stays short. */
	submit(r, 0, base, 0, false);
	submit(r, 1, base, 0, true);
	submit(r, 0, base, 1, true);
	/* Window 1 is in the future and lacks a shard: only the finals can let it out. */
	assert_int_equal(capture_wait_stats(&r->cap, 2, DUE_MS), 2);
	t0 = mono_ns();
	/* the merger ended on its own (by name: a publish may start liburcu's call_rcu thread
	 * meanwhile) */
	while (thread_named("sockeye-merger") && mono_ns() - t0 < DUE_MS * SE_NS_PER_MS)
		sleep_ms(5);
	assert_false(thread_named("sockeye-merger"));
	t0 = mono_ns();
	rig_join(r);
	assert_true(mono_ns() - t0 < JOIN_PROMPT_NS);

	assert_int_equal(r->nstats, 2);
	assert_window(r, 0, base, 2, 0, events_of(0, 0) + events_of(0, 1));
	assert_window(r, 1, base + WINDOW_NS, 1, 0, events_of(1, 0));
	assert_conn(r, conn_id_of(1, 0), 1);
}

/* With the open windows at their bound, the oldest leaves incomplete, still in order, and
 * the lagging worker's shard of it comes in late. */
static void test_pending_bound(void **state)
{
	struct rig *r = *state;
	uint64_t base = future_base();
	const unsigned int n = PENDING_MAX + 1;

	rig_open(r, 2);
	rig_start(r);
	for (unsigned int k = 0; k < n; k++)
		submit(r, 0, base, k, false);
	assert_int_equal(capture_wait_stats(&r->cap, 1, DUE_MS), 1);
	for (unsigned int k = 0; k < n; k++)
		submit(r, 1, base, k, false);
	assert_int_equal(capture_wait_stats(&r->cap, n, DUE_MS), n);
	rig_join(r);

	assert_int_equal(r->nstats, n);
	assert_window(r, 0, base, 1, 0, events_of(0, 0));
	assert_window(r, 1, base + WINDOW_NS, 2, 1,
		      events_of(1, 0) + events_of(1, 1) + events_of(0, 1));
	assert_conn(r, conn_id_of(0, 1), 1);
	for (unsigned int k = 2; k < n; k++)
		assert_window(r, k, base + k * WINDOW_NS, 2, 0, events_of(k, 0) + events_of(k, 1));
	assert_int_equal(nconn_lines(r), 2 * n);
}

/*
 * The open windows at their bound, and a shard older than all of them that is not late (no
 * window was exported yet): the windows must still leave in order, each once. Today's workers
 * all start at the same window, so they do not produce this; the sender's contract is order
 * whatever the arrival.
 */
static void test_pending_bound_older_shard(void **state)
{
	struct rig *r = *state;
	uint64_t base = future_base(), sum = 0, want = events_of(0, 1);

	rig_open(r, 2);
	for (unsigned int k = 1; k <= PENDING_MAX; k++)
		submit(r, 0, base, k, false);
	submit(r, 1, base, 0, false);
	for (unsigned int k = 1; k <= PENDING_MAX; k++)
		submit(r, 1, base, k, false);
	rig_start(r);
	rig_join(r);

	for (unsigned int i = 1; i < r->nstats; i++) {
		uint64_t prev = field(r->lines[r->stats[i - 1]], "window_start");
		uint64_t cur = field(r->lines[r->stats[i]], "window_start");

		if (cur <= prev) {
			dump(r);
			fail_msg("stats line %u starts at %" PRIu64 ", not after %" PRIu64, i, cur,
				 prev);
		}
	}
	/* Whatever went out incomplete, every shard's events are in the output exactly once. */
	for (unsigned int i = 0; i < r->nstats; i++)
		sum += field(r->lines[r->stats[i]], "events");
	for (unsigned int k = 1; k <= PENDING_MAX; k++)
		want += events_of(k, 0) + events_of(k, 1);
	assert_int_equal(sum, want);
}

/* ---- workers on their own threads (what TSan has to see through) -------------------------- */

#define FEEDERS	     4
#define FEED_WINDOWS PENDING_MAX /* no window is forced out before it is complete */

struct feeder {
	struct rig *r;
	uint32_t id;
	uint64_t base;
	pthread_barrier_t *go;
};

static void *feeder_main(void *arg)
{
	struct feeder *f = arg;

	se_publish_thread_online();
	pthread_barrier_wait(f->go);
	for (unsigned int k = 0; k < FEED_WINDOWS; k++) {
		/* Not submit(): cmocka asserts must stay on the test's thread. */
		struct se_shard *s =
		    se_shard_new(f->id, f->base + k * WINDOW_NS, f->base + (k + 1) * WINDOW_NS,
				 f->r->cfg.max_groups);
		struct se_conn_record rec = { .id = conn_id_of(k, f->id),
					      .local.family = AF_INET,
					      .peer.family = AF_INET };

		if (!s || se_shard_add_conn(s, &rec)) {
			se_shard_free(s);
			se_publish_thread_offline();
			return (void *)1;
		}
		s->counters[SE_UC_EVENTS] = events_of(k, f->id);
		s->final = k == FEED_WINDOWS - 1;
		se_publish_shard(se_export_publish(f->r->s), s);
	}
	se_publish_thread_offline();
	return NULL;
}

static void test_concurrent_workers(void **state)
{
	struct rig *r = *state;
	struct feeder feeders[FEEDERS];
	pthread_t threads[FEEDERS];
	pthread_barrier_t go;
	uint64_t base = future_base();

	rig_open(r, FEEDERS);
	rig_start(r);
	assert_int_equal(pthread_barrier_init(&go, NULL, FEEDERS), 0);
	for (uint32_t i = 0; i < FEEDERS; i++) {
		feeders[i] = (struct feeder){ .r = r, .id = i, .base = base, .go = &go };
		assert_int_equal(pthread_create(&threads[i], NULL, feeder_main, &feeders[i]), 0);
	}
	for (uint32_t i = 0; i < FEEDERS; i++) {
		void *ret;

		assert_int_equal(pthread_join(threads[i], &ret), 0);
		assert_null(ret);
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(capture_wait_stats(&r->cap, FEED_WINDOWS, DUE_MS), FEED_WINDOWS);
	rig_join(r);

	assert_int_equal(r->nstats, FEED_WINDOWS);
	assert_int_equal(nconn_lines(r), FEEDERS * FEED_WINDOWS);
	for (unsigned int k = 0; k < FEED_WINDOWS; k++) {
		uint64_t events = 0;

		for (uint32_t w = 0; w < FEEDERS; w++)
			events += events_of(k, w);
		assert_window(r, k, base + k * WINDOW_NS, FEEDERS, 0, events);
		for (uint32_t w = 0; w < FEEDERS; w++)
			assert_conn(r, conn_id_of(k, w), k);
	}
}

/*
 * The exporter stalls (its writes wait on a gate) while eight complete windows leave the
 * merger into a queue of two: the oldest are dropped and counted, the merger never waits,
 * and once the exporter moves again every event still shows in some stats line, windows
 * stay in order, and the drops are reported in windows_dropped.
 */
static void test_stalled_sender_drops_oldest(void **state)
{
	enum { N = 8, QUEUE = 2 };
	struct rig *r = *state;
	uint64_t base = past_base(), pushed = 0, dropped = 0, events = 0, total = 0;
	uint64_t deadline = mono_ns() + (uint64_t)DUE_MS * SE_NS_PER_MS;
	uint64_t reported = 0, prev_start = 0;

	rig_open_queue(r, 1, QUEUE);
	r->cap.gate_closed = true; /* not started yet: no writer to race with */
	for (unsigned int k = 0; k < N; k++) {
		submit(r, 0, base, k, k == N - 1);
		total += events_of(k, 0);
	}
	rig_start(r);
	while (pushed < N && mono_ns() < deadline) {
		sleep_ms(10);
		se_export_queue_counts(r->s, &pushed, &dropped);
	}
	assert_int_equal(pushed, N); /* the merger finished although nothing was exported */
	/* one window may be in the stalled writer's hands; the queue holds QUEUE more */
	assert_true(dropped >= N - QUEUE - 1);
	pthread_mutex_lock(&r->cap.lock);
	r->cap.gate_closed = false;
	pthread_cond_broadcast(&r->cap.more);
	pthread_mutex_unlock(&r->cap.lock);
	rig_join(r);

	assert_int_equal(r->nstats, N - dropped);
	for (unsigned int i = 0; i < r->nstats; i++) {
		const char *line = r->lines[r->stats[i]];

		events += field(line, "events");
		reported += field(line, "windows_dropped");
		assert_true(field(line, "window_start") > prev_start);
		prev_start = field(line, "window_start");
	}
	assert_int_equal(events, total);
	assert_int_equal(reported, dropped);
	assert_int_equal(prev_start, ms(base + (N - 1) * WINDOW_NS));
}

/* A sender never started frees the shards still queued and writes nothing. */
static void test_free_unstarted(void **state)
{
	struct rig *r = *state;
	uint64_t base = past_base();

	se_export_free(NULL);
	rig_open(r, 2);
	submit(r, 0, base, 0, false);
	submit(r, 1, base, 1, true);
	assert_int_equal(se_export_join(r->s), 0); /* not started: nothing to wait for */
	se_export_free(r->s);
	r->s = NULL;
	assert_int_equal(fflush(r->out), 0);
	assert_int_equal(capture_stats(&r->cap), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_in_order, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_arrival, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_future_windows_wait_for_join,
						rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_stopping_waits_past_grace, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_late_shard_joins_next_window, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_late_shard_at_exit, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_final_shards_end_sender, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_pending_bound, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_pending_bound_older_shard, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_workers, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_stalled_sender_drops_oldest, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_free_unstarted, rig_setup, rig_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
