// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loadgen: an HTTP/1.1 load generator (bench/loadgen). Parses the options, builds the request,
 * splits the connections over --threads workers (run.c), runs them for --duration, merges
 * their counters and latency histograms and prints the summary, as text or one JSON line.
 * Exit: 0 after a run, 1 when it could not be set up, 2 on a bad option.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "loadgen.h"

#define NS_PER_MS 1e6
#define NS_PER_S  1e9

struct summary {
	struct se_lg_counters c;
	struct se_lg_lat lat;
	double duration_s, rate;
	double user_s, sys_s; /* CPU time of the whole process; sys includes the loopback
			       * TCP stack run in its send and receive calls */
};

static void on_signal(int sig)
{
	atomic_store(&se_lg_stop, true);
}

static uint64_t errors(const struct se_lg_counters *c)
{
	return c->err_connect + c->err_io + c->err_closed + c->err_parse;
}

static void add_counters(struct se_lg_counters *into, const struct se_lg_counters *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)into;

	for (size_t i = 0; i < sizeof(*into) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

static double ms(const struct se_lg_lat *h, double p)
{
	return (double)se_lg_lat_percentile(h, p) / NS_PER_MS;
}

static void cpu_seconds(struct summary *s)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	s->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	s->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void print_json(const struct se_lg_config *cfg, const struct summary *s)
{
	const struct se_lg_counters *c = &s->c;
	double mean = s->lat.count ? (double)s->lat.sum_ns / (double)s->lat.count / NS_PER_MS : 0;

	printf("{\"sent\":%llu,\"received\":%llu,"
	       "\"status\":{\"2xx\":%llu,\"3xx\":%llu,\"4xx\":%llu,\"5xx\":%llu},"
	       "\"errors\":%llu,\"error_kinds\":{\"connect\":%llu,\"io\":%llu,\"closed\":%llu,"
	       "\"parse\":%llu},\"reconnects\":%llu,\"late\":%llu,\"unsent\":%llu,"
	       "\"abandoned\":%llu,"
	       "\"duration_s\":%.3f,\"rate\":%.1f,\"target_rate\":%.1f,\"mode\":\"%s\","
	       "\"connections\":%u,\"threads\":%u,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,"
	       "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
	       "\"max\":%.3f,\"mean\":%.3f}}\n",
	       (unsigned long long)c->sent, (unsigned long long)c->received,
	       (unsigned long long)c->status[2], (unsigned long long)c->status[3],
	       (unsigned long long)c->status[4], (unsigned long long)c->status[5],
	       (unsigned long long)errors(c), (unsigned long long)c->err_connect,
	       (unsigned long long)c->err_io, (unsigned long long)c->err_closed,
	       (unsigned long long)c->err_parse, (unsigned long long)c->reconnects,
	       (unsigned long long)c->late, (unsigned long long)c->unsent,
	       (unsigned long long)c->abandoned, s->duration_s, s->rate, cfg->rate,
	       cfg->rate > 0 ? "open" : "closed", cfg->connections, cfg->threads, s->user_s,
	       s->sys_s, ms(&s->lat, 50), ms(&s->lat, 90), ms(&s->lat, 99), ms(&s->lat, 99.9),
	       ms(&s->lat, 100), mean);
}

static void print_text(const struct se_lg_config *cfg, const struct summary *s)
{
	const struct se_lg_counters *c = &s->c;

	printf("%s: %u connections, %u thread%s, ", cfg->url, cfg->connections, cfg->threads,
	       cfg->threads == 1 ? "" : "s");
	if (cfg->rate > 0)
		printf("open loop at %.1f requests/s\n", cfg->rate);
	else
		printf("closed loop\n");
	printf("  %llu sent, %llu received (2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu) in %.3f s: "
	       "%.1f responses/s\n",
	       (unsigned long long)c->sent, (unsigned long long)c->received,
	       (unsigned long long)c->status[2], (unsigned long long)c->status[3],
	       (unsigned long long)c->status[4], (unsigned long long)c->status[5], s->duration_s,
	       s->rate);
	printf("  errors %llu (connect %llu, io %llu, closed %llu, parse %llu), reconnects %llu, "
	       "late %llu, unsent %llu, abandoned %llu\n",
	       (unsigned long long)errors(c), (unsigned long long)c->err_connect,
	       (unsigned long long)c->err_io, (unsigned long long)c->err_closed,
	       (unsigned long long)c->err_parse, (unsigned long long)c->reconnects,
	       (unsigned long long)c->late, (unsigned long long)c->unsent,
	       (unsigned long long)c->abandoned);
	printf("  latency ms%s: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
	       cfg->rate > 0 ? " (from the scheduled send)" : "", ms(&s->lat, 50), ms(&s->lat, 90),
	       ms(&s->lat, 99), ms(&s->lat, 99.9), ms(&s->lat, 100));
	printf("  cpu user %.3f s, system %.3f s (%.0f%% of one core)\n", s->user_s, s->sys_s,
	       s->duration_s > 0 ? 100 * (s->user_s + s->sys_s) / s->duration_s : 0);
}

int main(int argc, char **argv)
{
	struct se_lg_config cfg;
	struct se_lg_worker *workers = NULL;
	struct summary *s = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[SE_LG_ERR_MAX];
	uint64_t start, done = 0;
	uint32_t started = 0, first = 0;
	int ret = 1;

	if (se_lg_cli_parse(&cfg, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "loadgen: %s\n", err);
		return 2;
	}
	if (cfg.help) {
		fputs(se_lg_cli_usage, stdout);
		return 0;
	}
	if (se_lg_request_build(&cfg)) {
		fprintf(stderr, "loadgen: out of memory\n");
		return 1;
	}
	workers = calloc(cfg.threads, sizeof(*workers));
	s = calloc(1, sizeof(*s)); /* the merged histogram is 30 KiB: not on the stack */
	if (!workers || !s)
		goto out;
	for (uint32_t i = 0; i < cfg.threads; i++) {
		/* the first connections % threads workers take one more */
		uint32_t n = cfg.connections / cfg.threads + (i < cfg.connections % cfg.threads);
		int e = se_lg_worker_init(&workers[i], &cfg, first, n);

		first += n;
		if (e) {
			fprintf(stderr, "loadgen: worker setup: %s\n", strerror(-e));
			goto out;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = se_lg_now_ns();
	for (uint32_t i = 0; i < cfg.threads; i++) {
		workers[i].start_ns = start;
		workers[i].end_ns = start + (uint64_t)(cfg.duration_s * NS_PER_S);
	}
	for (; started < cfg.threads; started++) {
		int e = pthread_create(&workers[started].thread, NULL, se_lg_worker_run,
				       &workers[started]);

		if (e) {
			fprintf(stderr, "loadgen: thread: %s\n", strerror(e));
			atomic_store(&se_lg_stop, true);
			break;
		}
	}
	ret = started == cfg.threads ? 0 : 1;
	se_lg_lat_init(&s->lat);
	for (uint32_t i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		if (workers[i].err) {
			fprintf(stderr, "loadgen: epoll: %s\n", strerror(-workers[i].err));
			ret = 1;
		}
		add_counters(&s->c, &workers[i].c);
		se_lg_lat_merge(&s->lat, &workers[i].lat);
		if (workers[i].done_ns > done)
			done = workers[i].done_ns;
	}
	cpu_seconds(s);
	s->duration_s = done > start ? (double)(done - start) / NS_PER_S : 0;
	s->rate = s->duration_s > 0 ? (double)s->c.received / s->duration_s : 0;
	if (!ret) {
		if (cfg.json)
			print_json(&cfg, s);
		else
			print_text(&cfg, s);
	}
out:
	for (uint32_t i = 0; workers && i < cfg.threads; i++)
		se_lg_worker_fini(&workers[i]);
	free(workers);
	free(s);
	se_lg_config_fini(&cfg);
	return ret;
}
