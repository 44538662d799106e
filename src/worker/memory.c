// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory bound of a configuration (see src/worker/memory.h), from the sizes of the
 * structures themselves and the limits the flags set. Where the kernel or the allocator adds
 * overhead the figure is an upper estimate, named below.
 */
#include "worker/memory.h"

#include <string.h>

#include "sockeye/abi.h"
#include "conn/table.h"
#include "proto/registry.h"
#include "proto/session.h"
#include "agg/window.h"
#include "serve/http_server.h"

/* A BPF hash map element beyond its key and value (struct htab_elem, with the per-CPU spare
 * elements of a preallocated map), and a bucket (list head and lock). */
#define SE_MEMORY_HTAB_ELEM_OVERHEAD 64
#define SE_MEMORY_HTAB_BUCKET	     16
/* The `execs` ring (bpf/maps.bpf.h), the key of `tls_sessions` (struct se_tls_session_key:
 * an address and a pid, padded), `tls_records` (struct se_tls_record_key: a pid and 16
 * bytes, which the kernel's element rounds up to 24) and `tls_memory_bio_procs` (a pid,
 * rounded up to 8), both of a fixed number of entries. */
#define SE_MEMORY_EXECS_RING	  (64u << 10)
#define SE_MEMORY_TLS_SESSION_KEY 16
#define SE_MEMORY_TLS_RECORD_KEY  24
#define SE_MEMORY_TLS_RECORDS	  1024
#define SE_MEMORY_TLS_PROC_KEY	  8
#define SE_MEMORY_TLS_PROCS	  1024
/* `dns_unconnected`: UDP sockets never connected that sent to a DNS port (an address). */
#define SE_MEMORY_DNS_UNCONNECTED 4096
/* Shards of one worker alive at once: the one being filled and the one the merger has not
 * taken yet (a late one is merged into the next window, not kept). */
#define SE_MEMORY_SHARDS_PER_WORKER 2
/* Merged windows besides the export queue: the one being merged and the one being sent. */
#define SE_MEMORY_WINDOWS_OUTSIDE_QUEUE 2
/* The process before any traffic: code, libraries, what libbpf kept of loading, jemalloc's
 * arenas and the touched part of the thread stacks, with room to spare over an idle
 * sockeye's RSS (docs/tuning.md). */
#define SE_MEMORY_PROCESS (32ull << 20)
/* A budget counts the bytes asked for; the allocator hands out size classes up to a quarter
 * larger (jemalloc: four classes per doubling). */
#define SE_MEMORY_ALLOC_ROUNDING(n) ((n) + (n) / 4)

static uint64_t se_memory_pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static uint64_t se_memory_htab(uint64_t entries, uint64_t key, uint64_t value)
{
	return entries * (SE_MEMORY_HTAB_ELEM_OVERHEAD + key + ((value + 7) & ~7ull)) +
	       se_memory_pow2_at_least(entries) * SE_MEMORY_HTAB_BUCKET;
}

/* What the protocols take: the largest tracker state, every worker state, and their parts'
 * structs and contents (max_groups groups and spans spans each). */
struct se_memory_protocols {
	uint64_t conn;
	uint64_t worker;
	uint64_t part_structs;
};

static void se_memory_protocols(struct se_memory_protocols *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (p->conn_size > m->conn) /* a connection speaks one protocol */
			m->conn = p->conn_size;
		m->worker += p->worker_size;
		m->part_structs += p->part_size;
	}
}

static uint64_t se_memory_parts(uint32_t max_groups, uint64_t spans)
{
	uint64_t n = 0;

	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->part_bytes)
			n += se_protocols[i]->part_bytes(max_groups, spans);
	return n;
}

/* --listen: the Prometheus sink's running totals (cumulative, its own), the pages alive at
 * once (the one published, the one being built, one per scrape being answered), and what
 * each scrape renders at a time (a memory stream may hold twice what it was written). */
static uint64_t se_memory_prom(const struct se_config *cfg)
{
	uint64_t groups = 0;

	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->totals_new)
			groups += cfg->max_groups;
	return se_memory_parts(cfg->max_groups, 0) +
	       (2 + SE_SERVE_RENDERS_MAX) *
		   (groups * SE_MEMORY_PROM_PAGE_GROUP + SE_MEMORY_PROM_PAGE_FIXED) +
	       SE_SERVE_RENDERS_MAX * 4 * SE_SERVE_CHUNK;
}

void se_memory_bound(const struct se_config *cfg, unsigned int workers, unsigned int rings,
		     unsigned int possible_cpus, struct se_memory_bound *out)
{
	uint64_t conns = cfg->max_connections;
	uint64_t table_slots = se_memory_pow2_at_least(2 * conns);
	/* All workers' spans of a window: the per-second limit over the window, rounded up per
	 * worker (see worker.c). */
	uint64_t spans = (uint64_t)cfg->max_spans_per_second * cfg->window_s + workers;
	/* Connection records of a window: one per connection that moved data, at most the
	 * kernel's map (every worker's together). */
	uint64_t records = cfg->connections ? conns * sizeof(struct se_conn_record) : 0;
	struct se_memory_protocols p;
	uint64_t window;

	se_memory_protocols(&p);
	window = sizeof(struct se_window) + records + p.part_structs +
		 se_memory_parts(cfg->max_groups, spans);

	out->rings = (uint64_t)rings * cfg->ring_size;
	out->kernel_maps =
	    se_memory_htab(conns, sizeof(uint64_t), sizeof(struct se_conn_state)) +
	    se_memory_htab(conns, sizeof(uint64_t), sizeof(struct se_lost_close)) +
	    /* tls_sessions, tls_records and tls_memory_bio_procs (LRU hashes,
	     * preallocated like the others) and execs */
	    se_memory_htab(conns, SE_MEMORY_TLS_SESSION_KEY, sizeof(uint64_t)) +
	    se_memory_htab(SE_MEMORY_TLS_RECORDS, SE_MEMORY_TLS_RECORD_KEY, sizeof(uint64_t)) +
	    se_memory_htab(SE_MEMORY_TLS_PROCS, SE_MEMORY_TLS_PROC_KEY, sizeof(uint8_t)) +
	    se_memory_htab(SE_MEMORY_DNS_UNCONNECTED, sizeof(uint64_t), sizeof(uint16_t)) +
	    SE_MEMORY_EXECS_RING +
	    (uint64_t)possible_cpus * (sizeof(struct se_ev_data) + SE_SCRATCH_BYTES);
	/* Each worker's table has room for every connection (they may all land on one ring),
	 * and the pages of a table in use are all touched; tracker state is per connection. */
	out->conn_state = (uint64_t)workers *
			      (table_slots * (sizeof(struct se_conn) + sizeof(struct se_session)) +
			       2 * conns * sizeof(uint64_t) + p.worker) +
			  conns * p.conn;
	out->buffers = SE_MEMORY_ALLOC_ROUNDING((uint64_t)workers * cfg->buffer_budget);
	out->windows = SE_MEMORY_SHARDS_PER_WORKER *
			   ((uint64_t)workers * (sizeof(struct se_shard) + p.part_structs +
						 se_memory_parts(cfg->max_groups, 0)) +
			    records + se_memory_parts(0, spans)) +
		       (uint64_t)(cfg->export_queue + SE_MEMORY_WINDOWS_OUTSIDE_QUEUE) * window +
		       se_memory_parts(cfg->max_groups, 0); /* cumulative totals */
	if (cfg->listen.family)
		out->windows += se_memory_prom(cfg);
	out->process = SE_MEMORY_PROCESS;
	out->total = out->rings + out->kernel_maps + out->conn_state + out->buffers + out->windows +
		     out->process;
}
