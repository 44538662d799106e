// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The load generator's parts: options and the request they describe (cli.c), the workers that
 * drive connections (run.c) and the summary (loadgen.c). Each worker is one thread with its
 * own epoll, connections, counters and histogram; main merges them after joining.
 */
#ifndef SE_LG_LOADGEN_H
#define SE_LG_LOADGEN_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "latency.h"
#include "resp.h"

#define SE_LG_HEADERS_MAX     64
#define SE_LG_METHOD_MAX      32
#define SE_LG_CONNECTIONS_MAX 100000
#define SE_LG_THREADS_MAX     256
#define SE_LG_BODY_MAX	      (64ull << 20)
#define SE_LG_DURATION_MAX    (24.0 * 3600)
#define SE_LG_RATE_MAX	      1e9
#define SE_LG_ERR_MAX	      256 /* an option error message, one line */

struct se_lg_config {
	/* immutable after start */
	struct sockaddr_in addr;
	char host[64]; /* host[:port] as in the URL, for the Host header */
	const char *url, *path;
	size_t path_len;
	uint32_t connections, threads;
	double duration_s;
	double rate; /* requests/s over all connections; 0: closed loop */
	char method[SE_LG_METHOD_MAX + 1];
	const char *headers[SE_LG_HEADERS_MAX];
	uint32_t nheaders;
	uint64_t body_bytes;
	bool json, help;

	/* the request every connection sends, built once (se_lg_request_build) */
	char *request;
	size_t request_len;
	bool head; /* HEAD: responses have no body */
};

/*
 * Fill cfg from argv (getopt_long; resets getopt's state). Returns 0, or -EINVAL with a
 * one-line message naming the flag in err.
 */
int se_lg_cli_parse(struct se_lg_config *cfg, int argc, char **argv, char *err, size_t errlen);
/* The --help text. */
extern const char se_lg_cli_usage[];
/* Builds cfg->request; 0 or -ENOMEM. */
int se_lg_request_build(struct se_lg_config *cfg);
void se_lg_config_fini(struct se_lg_config *cfg);

struct se_lg_counters {
	uint64_t sent;	    /* requests whose first byte was written */
	uint64_t received;  /* complete final responses */
	uint64_t status[6]; /* received by class: [2] 2xx .. [5] 5xx ([0], [1] unused) */
	uint64_t late;	    /* open loop: due while the previous one was still in flight */
	uint64_t reconnects;
	uint64_t err_connect; /* connect() failed */
	uint64_t err_io;      /* read or write failed (reset) */
	uint64_t err_closed;  /* closed with a request in flight and no complete response */
	uint64_t err_parse;   /* not a valid response, or bytes nobody asked for */
	uint64_t abandoned;   /* still in flight when the run ended */
	uint64_t unsent;      /* open loop: due before the deadline, never sent (backlog) */
};

struct se_lg_conn;

struct se_lg_worker {
	const struct se_lg_config *cfg; /* immutable after start */
	uint32_t first, n;		/* global index of the first connection, and count */
	uint64_t start_ns, end_ns;	/* immutable after start: when sending starts and stops */
	/* owner: worker; when sending stopped, or its last response came if that was later */
	uint64_t done_ns;
	struct se_lg_conn *conns; /* owner: worker */
	int epfd;
	char *rbuf; /* owner: worker; every connection reads here: the framer keeps no bytes */
	struct se_lg_counters c; /* owner: worker until joined */
	struct se_lg_lat lat;	 /* owner: worker until joined */
	pthread_t thread;
	bool no_pwait2; /* owner: worker; the kernel has no epoll_pwait2 */
	int err;	/* a setup failure (negative errno) */
};

/* Set from a signal handler: workers stop sending and finish as at the deadline. */
extern atomic_bool se_lg_stop;

/* Context: main, before start. 0 or a negative errno. */
int se_lg_worker_init(struct se_lg_worker *w, const struct se_lg_config *cfg, uint32_t first,
		      uint32_t n);
/* Context: main, after join. Accepts a worker never initialised (zeroed). */
void se_lg_worker_fini(struct se_lg_worker *w);
/* Context: the worker's own thread (pthread start routine). */
void *se_lg_worker_run(void *worker);

static inline uint64_t se_lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
