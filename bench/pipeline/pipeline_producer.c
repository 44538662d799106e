// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipeline_producer: the load side of the pipeline benchmark (bench/pipeline/run.sh). It
 * finds the `rings`, `lost_closes` and `ring_written` maps of a running sockeye, loads
 * pipeline.bpf.c with those maps reused (its records wake a sleeping worker as captured ones
 * do), pins itself to one CPU and runs the program with bpf_prog_test_run_opts
 * in batches, open loop at --rate records/s (or as fast as it can) for --duration seconds.
 * sockeye's worker then drains, parses and aggregates those records as it would captured
 * ones. At the end it prints one JSON line: what it wrote, what it dropped (ring full), the
 * rate it held. Exit: 0 after a run, 1 when it could not be set up, 2 on a bad option.
 *
 * Records are stamped by the kernel when written, so a producer that falls behind its
 * schedule does not hide queueing delay: it only lowers the rate it achieved (reported).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pipeline.h"
#include "pipeline.skel.h"
#include "config/config.h" /* sockeye's default --wakeup-bytes */

#define SE_PL_NS_PER_S 1000000000ull
/* Time between two runs at a fixed rate: short enough that a batch is small next to the
 * ~1.3 ms between the worker's wake-ups at 1M records/s, long enough that the run's
 * syscall is a small part of it. */
#define SE_PL_BATCH_NS 200000ull
/* Requests per run when running flat out. */
#define SE_PL_BATCH_MAX_REQS 1024u
/* Backpressure: how long to wait before looking at the ring again. */
#define SE_PL_BACKOFF_NS 20000ull

/* The templates; --pad adds an "X-Pad: aaa..." header of that many bytes to both heads. The
 * path's two digits (00) are rewritten per request by the BPF program. */
#define SE_PL_REQUEST_HEAD  "GET /bench/00 HTTP/1.1\r\nHost: x\r\n"
#define SE_PL_RESPONSE_HEAD "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
#define SE_PL_RESPONSE_BODY "ok"
#define SE_PL_PAD_HEADER    "X-Pad: "
#define SE_PL_PAD_MAX                                                                              \
	(SE_PL_PAYLOAD_MAX -                                                                       \
	 sizeof(SE_PL_RESPONSE_HEAD SE_PL_PAD_HEADER "\r\n\r\n" SE_PL_RESPONSE_BODY))

struct se_pl_opts {
	int pid;	    /* sockeye's pid; 0 = find its maps among all maps */
	int cpu;	    /* CPU to run on; -1 = the last online one */
	double rate;	    /* records/s; 0 = as fast as possible */
	double duration_s;  /* how long to produce */
	unsigned int conns; /* connections per generation */
	unsigned int reqs_per_conn;
	unsigned int paths;
	unsigned int port;
	long long wakeup_bytes; /* -1 = sockeye's default */
	double backpressure;	/* > 0: wait while the ring is fuller than this fraction */
	unsigned int batch;	/* requests per run; 0 = from the rate */
	unsigned int pad;	/* bytes of an extra header in each request and response */
	bool verbose;
};

/* sockeye's maps the producer writes into, found by name and type. */
enum { SE_PL_RINGS, SE_PL_LOST_CLOSES, SE_PL_RING_WRITTEN, SE_PL_MAPS };

static const struct {
	const char *name;
	__u32 type;
} se_pl_map_kinds[SE_PL_MAPS] = {
	[SE_PL_RINGS] = { "rings", BPF_MAP_TYPE_ARRAY_OF_MAPS },
	[SE_PL_LOST_CLOSES] = { "lost_closes", BPF_MAP_TYPE_HASH },
	[SE_PL_RING_WRITTEN] = { "ring_written", BPF_MAP_TYPE_ARRAY },
};

struct se_pl_maps {
	int fd[SE_PL_MAPS];
	__u32 id[SE_PL_MAPS]; /* one map may sit behind several descriptors */
	int found[SE_PL_MAPS];
	unsigned int nr_rings;
};

static volatile sig_atomic_t se_pl_stop;

static void se_pl_on_signal(int sig)
{
	se_pl_stop = 1;
}

static uint64_t se_pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SE_PL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void se_pl_sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / SE_PL_NS_PER_S),
			       .tv_nsec = (long)(ns % SE_PL_NS_PER_S) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !se_pl_stop)
		;
}

static int se_pl_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return vfprintf(stderr, fmt, args);
}

static int se_pl_libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

/* ---- finding sockeye's maps ---------------------------------------------------------- */

/* Keep fd if it is one of the maps we look for (by name and type), else close it. */
static void se_pl_take_map(int fd, struct se_pl_maps *m)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int k = SE_PL_MAPS;

	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (k = 0; k < SE_PL_MAPS; k++)
			if (info.type == se_pl_map_kinds[k].type &&
			    !strcmp(info.name, se_pl_map_kinds[k].name))
				break;
	if (k == SE_PL_MAPS || m->id[k] == info.id) {
		close(fd);
		return;
	}
	m->found[k]++;
	if (m->fd[k] >= 0)
		close(m->fd[k]);
	m->fd[k] = fd;
	m->id[k] = info.id;
}

/* The map ids held by process pid, from /proc/PID/fdinfo (the "map_id:" line). */
static int se_pl_find_by_pid(int pid, struct se_pl_maps *m)
{
	char path[320], line[256];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		unsigned int id = 0;
		FILE *f;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "map_id: %u", &id) == 1)
				break;
		fclose(f);
		if (!id)
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd >= 0)
			se_pl_take_map(fd, m);
	}
	closedir(dir);
	return 0;
}

/* Every map of the machine, by id: only when exactly one sockeye runs. */
static int se_pl_find_global(struct se_pl_maps *m)
{
	__u32 id = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		int fd = bpf_map_get_fd_by_id(id);

		if (fd >= 0)
			se_pl_take_map(fd, m);
	}
	return 0;
}

static int se_pl_find_maps(int pid, struct se_pl_maps *m)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int ret;

	ret = pid ? se_pl_find_by_pid(pid, m) : se_pl_find_global(m);
	if (ret) {
		fprintf(stderr, "pipeline_producer: cannot read the maps of pid %d: %s\n", pid,
			strerror(-ret));
		return ret;
	}
	for (int k = 0; k < SE_PL_MAPS; k++)
		if (m->found[k] != 1) {
			fprintf(stderr, "pipeline_producer: found %d `%s` maps%s: %s\n",
				m->found[k], se_pl_map_kinds[k].name, pid ? " in that process" : "",
				m->found[k] > 1 ? "pass --pid of the sockeye to feed"
						: "is sockeye running?");
			return -ENOENT;
		}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(m->fd[SE_PL_RINGS], &info, &len))
		return -errno;
	if (info.key_size != 4 || info.value_size != 4 || !info.max_entries) {
		fprintf(stderr, "pipeline_producer: `rings` is not sockeye's ring array\n");
		return -EINVAL;
	}
	m->nr_rings = info.max_entries;
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(m->fd[SE_PL_LOST_CLOSES], &info, &len))
		return -errno;
	if (info.key_size != sizeof(__u64) || info.value_size != sizeof(struct se_lost_close)) {
		fprintf(stderr, "pipeline_producer: `lost_closes` does not match abi.h\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- the ring the records go to: its size, and its fill level for backpressure -------- */

struct se_pl_ring_view {
	uint64_t size;
	const volatile unsigned long *consumer; /* first page of the ring map */
	const volatile unsigned long *producer; /* second page */
	long page;
};

static int se_pl_ring_open(int rings_fd, unsigned int idx, struct se_pl_ring_view *v)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	__u32 id = 0;
	int fd, ret = 0;
	void *p;

	if (bpf_map_lookup_elem(rings_fd, &idx, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_RINGBUF) {
		ret = -EINVAL;
		goto out;
	}
	v->size = info.max_entries;
	v->page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, (size_t)v->page, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	v->consumer = p;
	p = mmap(NULL, (size_t)v->page, PROT_READ, MAP_SHARED, fd, v->page);
	if (p == MAP_FAILED) {
		ret = -errno;
		munmap((void *)v->consumer, (size_t)v->page);
		goto out;
	}
	v->producer = p;
out:
	close(fd); /* the mappings keep the ring */
	return ret;
}

static uint64_t se_pl_ring_queued(const struct se_pl_ring_view *v)
{
	unsigned long cons = __atomic_load_n(v->consumer, __ATOMIC_ACQUIRE);
	unsigned long prod = __atomic_load_n(v->producer, __ATOMIC_ACQUIRE);

	return prod - cons;
}

/* ---- options --------------------------------------------------------------------------- */

static void se_pl_usage(FILE *out)
{
	fprintf(out,
		"usage: pipeline_producer [options]   (as root, with sockeye running)\n"
		"  --pid PID             sockeye to feed (default: the only one running)\n"
		"  --cpu N               CPU to produce on (default: the last online CPU)\n"
		"  --rate N|max          records/s, K/M suffixes (default: max)\n"
		"  --duration SECONDS    (default: 5)\n"
		"  --conns N             connections open at once, 1..%d (default: 16)\n"
		"  --requests-per-conn N requests before a connection closes (default: 256)\n"
		"  --paths N             distinct request paths /bench/00.., 1..100 (default: 8)\n"
		"  --port N              local port the connections claim (default: 8080)\n"
		"  --wakeup-bytes N      as sockeye's --wakeup-bytes (default: sockeye's)\n"
		"  --backpressure F      wait while the ring is fuller than F (0..1; default off)\n"
		"  --batch N             requests per run (default: from the rate, %llu us apart)\n"
		"  --pad N               add an N-byte header to requests and responses, 0..%zu\n"
		"                        (default 0: %zu-byte requests, %zu-byte responses)\n"
		"  -v, --verbose         libbpf output\n",
		SE_PL_CONNS_MAX, SE_PL_BATCH_NS / 1000, SE_PL_PAD_MAX,
		sizeof(SE_PL_REQUEST_HEAD "\r\n") - 1,
		sizeof(SE_PL_RESPONSE_HEAD "\r\n" SE_PL_RESPONSE_BODY) - 1);
}

static int se_pl_num(const char *flag, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && (*end == 'k' || *end == 'K'))
		v *= 1e3, end++;
	else if (end != s && (*end == 'm' || *end == 'M'))
		v *= 1e6, end++;
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "pipeline_producer: bad value for %s: '%s'\n", flag, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int se_pl_parse(int argc, char **argv, struct se_pl_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "conns", required_argument, NULL, 'n' },
		{ "requests-per-conn", required_argument, NULL, 'q' },
		{ "paths", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'o' },
		{ "wakeup-bytes", required_argument, NULL, 'w' },
		{ "backpressure", required_argument, NULL, 'b' },
		{ "batch", required_argument, NULL, 'B' },
		{ "pad", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	double v;

	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->duration_s = 5;
	o->conns = 16;
	o->reqs_per_conn = 256;
	o->paths = 8;
	o->port = 8080;
	o->wakeup_bytes = -1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (se_pl_num("--pid", optarg, 1, INT_MAX, &v))
				return -1;
			o->pid = (int)v;
			break;
		case 'c':
			if (se_pl_num("--cpu", optarg, 0, CPU_SETSIZE - 1, &v))
				return -1;
			o->cpu = (int)v;
			break;
		case 'r':
			if (!strcmp(optarg, "max"))
				o->rate = 0;
			else if (se_pl_num("--rate", optarg, 1, 1e10, &o->rate))
				return -1;
			break;
		case 'd':
			if (se_pl_num("--duration", optarg, 0.01, 86400, &o->duration_s))
				return -1;
			break;
		case 'n':
			if (se_pl_num("--conns", optarg, 1, SE_PL_CONNS_MAX, &v))
				return -1;
			o->conns = (unsigned int)v;
			break;
		case 'q':
			if (se_pl_num("--requests-per-conn", optarg, 1, 1e9, &v))
				return -1;
			o->reqs_per_conn = (unsigned int)v;
			break;
		case 'P':
			if (se_pl_num("--paths", optarg, 1, 100, &v))
				return -1;
			o->paths = (unsigned int)v;
			break;
		case 'o':
			if (se_pl_num("--port", optarg, 1, 65535, &v))
				return -1;
			o->port = (unsigned int)v;
			break;
		case 'B':
			if (se_pl_num("--batch", optarg, 1, SE_PL_RUN_MAX, &v))
				return -1;
			o->batch = (unsigned int)v;
			break;
		case 'w':
			if (se_pl_num("--wakeup-bytes", optarg, 0, 1e12, &v))
				return -1;
			o->wakeup_bytes = (long long)v;
			break;
		case 'b':
			if (se_pl_num("--backpressure", optarg, 0, 1, &o->backpressure))
				return -1;
			break;
		case 'D':
			if (se_pl_num("--pad", optarg, 0, (double)SE_PL_PAD_MAX, &v))
				return -1;
			o->pad = (unsigned int)v;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			se_pl_usage(stdout);
			exit(0);
		default:
			se_pl_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pipeline_producer: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int se_pl_last_online_cpu(void)
{
	cpu_set_t set;
	int last = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			last = i;
	return last;
}

/* head + optional pad header + blank line + body, into buf (SE_PL_PAYLOAD_MAX + 1 bytes). */
static void se_pl_template(char *buf, const char *head, unsigned int pad, const char *body)
{
	size_t n = (size_t)snprintf(buf, SE_PL_PAYLOAD_MAX + 1, "%s", head);

	if (pad) {
		n += (size_t)snprintf(buf + n, SE_PL_PAYLOAD_MAX + 1 - n, SE_PL_PAD_HEADER);
		memset(buf + n, 'a', pad);
		n += pad;
		n += (size_t)snprintf(buf + n, SE_PL_PAYLOAD_MAX + 1 - n, "\r\n");
	}
	snprintf(buf + n, SE_PL_PAYLOAD_MAX + 1 - n, "\r\n%s", body);
}

static void se_pl_fill_record(struct se_pl_record *r, const char *payload, __u8 dir, __u8 sys,
			      __u32 tgid)
{
	size_t len = strlen(payload);

	memset(r, 0, sizeof(*r));
	r->ev.h.kind = SE_EV_DATA;
	r->ev.tgid = tgid;
	r->ev.tid = tgid;
	r->ev.total_len = (__u32)len;
	r->ev.captured = (__u32)len;
	r->ev.direction = dir;
	r->ev.syscall = sys;
	r->ev.role = SE_ROLE_SERVER;
	r->ev.syscall_ns = 1000; /* a syscall that took 1 us */
	memcpy(r->data, payload, len);
}

static struct pipeline_bpf *se_pl_load(const struct se_pl_opts *o, const struct se_pl_maps *m,
				       uint64_t ring_size)
{
	static char req[SE_PL_PAYLOAD_MAX + 1], resp[SE_PL_PAYLOAD_MAX + 1];
	struct pipeline_bpf *skel = pipeline_bpf__open();
	struct stat st;
	__u32 tgid = (__u32)getpid();
	int err;

	if (!skel) {
		fprintf(stderr, "pipeline_producer: cannot open the BPF object: %s\n",
			strerror(errno));
		return NULL;
	}
	skel->rodata->nr_rings = m->nr_rings;
	bpf_map__set_max_entries(skel->maps.ring_written, m->nr_rings);
	skel->rodata->wakeup_bytes = o->wakeup_bytes >= 0
					 ? (__u64)o->wakeup_bytes
					 : se_config_default_wakeup_bytes(ring_size);
	skel->rodata->nconns = o->conns;
	skel->rodata->npaths = o->paths;
	se_pl_template(req, SE_PL_REQUEST_HEAD, o->pad, "");
	se_pl_template(resp, SE_PL_RESPONSE_HEAD, o->pad, SE_PL_RESPONSE_BODY);
	skel->rodata->path_off = (__u32)(strchr(req, '0') - req);
	skel->rodata->req_len = (__u32)strlen(req);
	skel->rodata->resp_len = (__u32)strlen(resp);
	skel->rodata->tgid = tgid;
	skel->rodata->netns = stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
	skel->rodata->local_port = (__u16)o->port;
	skel->rodata->local_addr = htonl(INADDR_LOOPBACK);
	skel->rodata->peer_addr = htonl(INADDR_LOOPBACK + 1); /* 127.0.0.2: the bench's peer */
	se_pl_fill_record(&skel->bss->req_rec, req, SE_DIR_IN, SE_SYS_READ, tgid);
	se_pl_fill_record(&skel->bss->resp_rec, resp, SE_DIR_OUT, SE_SYS_WRITE, tgid);

	/* sockeye's maps, by descriptor: nothing is created, the program writes into them. */
	err = bpf_map__reuse_fd(skel->maps.rings, m->fd[SE_PL_RINGS]);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.lost_closes, m->fd[SE_PL_LOST_CLOSES]);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.ring_written, m->fd[SE_PL_RING_WRITTEN]);
	if (err) {
		fprintf(stderr, "pipeline_producer: cannot reuse sockeye's maps: %s\n",
			strerror(-err));
		goto fail;
	}
	err = pipeline_bpf__load(skel);
	if (err) {
		fprintf(stderr,
			"pipeline_producer: cannot load the BPF program: %s (-v: verifier)\n",
			strerror(-err));
		goto fail;
	}
	return skel;
fail:
	pipeline_bpf__destroy(skel);
	return NULL;
}

/* ---- the run ---------------------------------------------------------------------------- */

struct se_pl_result {
	uint64_t stats[SE_PL_STAT__COUNT];
	uint64_t runs, conns, behind_runs, backoffs;
	uint64_t max_queued;
	double elapsed_s, cpu_s;
	unsigned int req_len, resp_len;
};

static int se_pl_run_once(int prog_fd, struct se_pl_args *args)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = args, .ctx_size_in = sizeof(*args));
	int err = bpf_prog_test_run_opts(prog_fd, &topts);

	if (err) {
		fprintf(stderr, "pipeline_producer: running the program failed: %s\n",
			strerror(errno));
		return -errno;
	}
	return 0;
}

static uint64_t se_pl_attempted(const volatile __u64 *stats)
{
	return stats[SE_PL_EVENTS] + stats[SE_PL_RING_FULL] + stats[SE_PL_CLOSE_PARKED];
}

static int se_pl_produce(const struct se_pl_opts *o, struct pipeline_bpf *skel,
			 const struct se_pl_ring_view *ring, struct se_pl_result *res)
{
	int prog_fd = bpf_program__fd(skel->progs.se_pl_run);
	const volatile __u64 *stats = skel->bss->stats;
	uint64_t per_gen = (uint64_t)o->conns * o->reqs_per_conn;
	uint64_t left_in_gen = 0, generation = 0;
	uint64_t start, deadline, next;
	unsigned int batch = o->batch;
	struct se_pl_args args;
	struct rusage ru;
	int err = 0;

	if (!batch && o->rate > 0) {
		double reqs = o->rate / 2 * (double)SE_PL_BATCH_NS / 1e9;

		batch = reqs < 1 ? 1 : reqs > SE_PL_RUN_MAX ? SE_PL_RUN_MAX : (unsigned int)reqs;
	} else if (!batch) {
		batch = SE_PL_BATCH_MAX_REQS;
	}
	start = next = se_pl_now_ns();
	deadline = start + (uint64_t)(o->duration_s * 1e9);
	while (!se_pl_stop) {
		uint64_t now = se_pl_now_ns();

		if (now >= deadline)
			break;
		if (o->rate > 0) {
			/* Open loop: run k starts when the records before it are due. */
			next = start + (uint64_t)((double)se_pl_attempted(stats) * 1e9 / o->rate);
			if (next > now)
				se_pl_sleep_until(next);
			else if (now - next > SE_PL_BATCH_NS)
				res->behind_runs++;
		}
		if (o->backpressure > 0) {
			while (!se_pl_stop &&
			       se_pl_ring_queued(ring) > (uint64_t)(o->backpressure * ring->size)) {
				res->backoffs++;
				se_pl_sleep_until(se_pl_now_ns() + SE_PL_BACKOFF_NS);
			}
		}
		memset(&args, 0, sizeof(args));
		if (!left_in_gen) {
			args.flags |= SE_PL_F_OPEN;
			args.conn_base = SE_PL_CONN_ID_BASE + generation * SE_PL_CONNS_MAX;
			generation++;
			left_in_gen = per_gen;
			res->conns += o->conns;
		}
		args.nreq = left_in_gen < batch ? (__u32)left_in_gen : batch;
		left_in_gen -= args.nreq;
		if (!left_in_gen)
			args.flags |= SE_PL_F_CLOSE;
		err = se_pl_run_once(prog_fd, &args);
		if (err)
			break;
		res->runs++;
		if (ring->consumer) {
			uint64_t q = se_pl_ring_queued(ring);

			if (q > res->max_queued)
				res->max_queued = q;
		}
	}
	/* End the generation in progress, so sockeye sees every connection close. */
	if (!err && left_in_gen) {
		memset(&args, 0, sizeof(args));
		args.flags = SE_PL_F_CLOSE;
		err = se_pl_run_once(prog_fd, &args);
	}
	res->elapsed_s = (double)(se_pl_now_ns() - start) / 1e9;
	for (int i = 0; i < SE_PL_STAT__COUNT; i++)
		res->stats[i] = stats[i];
	if (!getrusage(RUSAGE_SELF, &ru))
		res->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return err;
}

static void se_pl_print(const struct se_pl_opts *o, int cpu, unsigned int ring_idx,
			const struct se_pl_ring_view *ring, const struct se_pl_result *r)
{
	const uint64_t *s = r->stats;

	printf(
	    "{\"events\":%" PRIu64 ",\"ring_full\":%" PRIu64 ",\"requests\":%" PRIu64
	    ",\"opens\":%" PRIu64 ",\"closes\":%" PRIu64 ",\"close_parked\":%" PRIu64
	    ",\"close_lost\":%" PRIu64 ",\"no_ring\":%" PRIu64 ",\"conns\":%" PRIu64
	    ",\"runs\":%" PRIu64 ",\"behind_runs\":%" PRIu64 ",\"backoffs\":%" PRIu64
	    ",\"duration_s\":%.3f,\"rate\":%.0f,\"target_rate\":%.0f,\"cpu\":%d,\"ring\":%u"
	    ",\"ring_bytes\":%" PRIu64 ",\"max_queued_bytes\":%" PRIu64
	    ",\"producer_cpu_s\":%.3f,\"paths\":%u,\"request_bytes\":%u,\"response_bytes\":%u}\n",
	    s[SE_PL_EVENTS], s[SE_PL_RING_FULL], s[SE_PL_REQUESTS], s[SE_PL_OPENS], s[SE_PL_CLOSES],
	    s[SE_PL_CLOSE_PARKED], s[SE_PL_CLOSE_LOST], s[SE_PL_NO_RING], r->conns, r->runs,
	    r->behind_runs, r->backoffs, r->elapsed_s,
	    r->elapsed_s > 0 ? (double)s[SE_PL_EVENTS] / r->elapsed_s : 0.0, o->rate, cpu, ring_idx,
	    ring->size, r->max_queued, r->cpu_s, o->paths, r->req_len, r->resp_len);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct se_pl_opts o;
	struct se_pl_maps m = { .fd = { -1, -1, -1 } };
	struct se_pl_ring_view ring = { 0 };
	struct se_pl_result res = { 0 };
	struct pipeline_bpf *skel = NULL;
	struct sigaction sa = { .sa_handler = se_pl_on_signal };
	unsigned int ring_idx;
	cpu_set_t set;
	int cpu, ret = 1;

	if (se_pl_parse(argc, argv, &o))
		return 2;
	libbpf_set_print(o.verbose ? se_pl_libbpf_print : se_pl_libbpf_quiet);
	cpu = o.cpu >= 0 ? o.cpu : se_pl_last_online_cpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Pinned before load: the program picks the ring of the CPU it runs on. */
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pipeline_producer: cannot run on CPU %d: %s\n", cpu,
			strerror(errno));
		return 1;
	}
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* pacing sleeps of ~200 us */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (se_pl_find_maps(o.pid, &m))
		goto out;
	ring_idx = (unsigned int)cpu % m.nr_rings;
	if (se_pl_ring_open(m.fd[SE_PL_RINGS], ring_idx, &ring)) {
		fprintf(stderr, "pipeline_producer: cannot map ring %u of sockeye\n", ring_idx);
		goto out;
	}
	skel = se_pl_load(&o, &m, ring.size);
	if (!skel)
		goto out;
	if (se_pl_produce(&o, skel, &ring, &res))
		goto out;
	res.req_len = skel->rodata->req_len;
	res.resp_len = skel->rodata->resp_len;
	se_pl_print(&o, cpu, ring_idx, &ring, &res);
	ret = 0;
out:
	pipeline_bpf__destroy(skel);
	for (int k = 0; k < SE_PL_MAPS; k++)
		if (m.fd[k] >= 0)
			close(m.fd[k]);
	if (ring.consumer)
		munmap((void *)ring.consumer, (size_t)ring.page);
	if (ring.producer)
		munmap((void *)ring.producer, (size_t)ring.page);
	return ret;
}
