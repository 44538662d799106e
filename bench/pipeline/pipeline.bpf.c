// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline benchmark's record source: a BPF_PROG_TYPE_SYSCALL program, run by
 * bench/pipeline/pipeline_producer with bpf_prog_test_run_opts, that writes synthetic but
 * fully valid records into the rings of a running sockeye. `rings` and `lost_closes` are
 * sockeye's own maps (the producer reuses their descriptors before load), so the records
 * travel the same ring, reach the same worker and are parsed and aggregated exactly like
 * captured ones.
 *
 * Each run emits, for connections of the current generation (server role, the watched port),
 * nreq requests round-robin over them: an SE_EV_DATA IN record with an HTTP/1.1 request and an
 * SE_EV_DATA OUT record with its response, each stamped with bpf_ktime_get_ns(). Connections
 * are announced (SE_EV_OPEN) before their first record and ended (SE_EV_CLOSE) when the
 * producer ends the generation. The write path follows bpf/emit.bpf.h (the record header and
 * the wake-up policy are its own, from bpf/record.bpf.h): a record built in a scratch slot
 * and written with bpf_ringbuf_output, the wake-up each time another wakeup_bytes are written,
 * offsets that advance even when a record is dropped, an announce that
 * is retried with the next record, and close records parked in `lost_closes` when the ring is
 * full. One producer thread runs this program, so its state needs no atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "pipeline.h"
#include "record.bpf.h" /* bpf/: the header and wake-up policy of every record */

/* Knobs, set by the producer through the skeleton's rodata before load. */
const volatile __u32 nr_rings = 1;     /* entries of sockeye's `rings` */
const volatile __u64 wakeup_bytes = 0; /* sockeye's --wakeup-bytes; 0 = never wake */
const volatile __u32 nconns = 16;      /* connections per generation (<= SE_PL_CONNS_MAX) */
const volatile __u32 npaths = 8;       /* distinct request paths (<= 100) */
const volatile __u32 path_off = 0;     /* offset of the path's two digits in the request */
const volatile __u32 req_len = 0;      /* payload bytes of the request template */
const volatile __u32 resp_len = 0;     /* payload bytes of the response template */
const volatile __u32 tgid = 0;	       /* process the connections claim to belong to */
const volatile __u32 netns = 0;	       /* network namespace inode they claim */
const volatile __u16 local_port = 8080;
const volatile __u16 peer_port_base = 1024; /* peer ports: from here, by connection id */
const volatile __u32 local_addr = 0;	    /* IPv4, network order */
const volatile __u32 peer_addr = 0;

/* sockeye's maps, same definitions as bpf/maps.bpf.h; the producer reuses their fds. */
struct se_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct se_ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct se_lost_close);
} lost_closes SEC(".maps");

/* Each ring's wake-up state: sockeye's ring_written, reused, so that the records count and
 * wake a sleeping worker as captured ones do. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* set to sockeye's number of rings before load */
	__type(key, __u32);
	__type(value, struct se_ring_written);
} ring_written SEC(".maps");

static __always_inline __u64 se_pl_wakeup(__u32 ring, __u64 size)
{
	return se_wakeup_flag(bpf_map_lookup_elem(&ring_written, &ring), size, wakeup_bytes);
}

/* .bss: the producer fills the templates' payloads and constant fields before load, and
 * reads the counters after each run (the skeleton maps this map into its memory). */
struct se_pl_record req_rec;
struct se_pl_record resp_rec;
struct se_pl_conn conns[SE_PL_CONNS_MAX];
__u64 next_req; /* requests emitted in this generation: picks the slot and the path */
__u64 stats[SE_PL_STAT__COUNT];

static __always_inline void se_pl_count(__u32 stat)
{
	if (stat < SE_PL_STAT__COUNT)
		stats[stat]++;
}

static __always_inline void *se_pl_ring(const struct se_pl_conn *c)
{
	__u32 idx = c->ring;
	void *ring = bpf_map_lookup_elem(&rings, &idx);

	if (!ring)
		se_pl_count(SE_PL_NO_RING);
	return ring;
}

/* As se_announce: the SE_EV_OPEN record before the connection's first other record. */
static __always_inline void se_pl_announce(struct se_pl_conn *c, void *ring)
{
	struct se_ev_open *o;

	if (c->announced)
		return;
	o = bpf_ringbuf_reserve(ring, sizeof(*o), 0);
	if (!o) {
		se_pl_count(SE_PL_RING_FULL); /* tried again with the next record */
		return;
	}
	c->announced = 1;
	se_header(&o->h, SE_EV_OPEN, c->id);
	__builtin_memset(o->h.pad, 0, sizeof(o->h.pad));
	o->tgid = tgid;
	o->role = SE_ROLE_SERVER;
	o->origin = SE_ORIGIN_ACCEPT;
	o->family = 2; /* AF_INET */
	o->local_port = local_port;
	o->peer_port = peer_port_base + (__u16)(c->id % (65536 - peer_port_base));
	o->netns = netns;
	/* Volatile reads: a memcpy from the knobs would be folded to their initial zeros. */
	__u32 laddr = local_addr, paddr = peer_addr;

	__builtin_memset(o->local_addr, 0, sizeof(o->local_addr));
	__builtin_memset(o->peer_addr, 0, sizeof(o->peer_addr));
	__builtin_memcpy(o->local_addr, &laddr, sizeof(laddr));
	__builtin_memcpy(o->peer_addr, &paddr, sizeof(paddr));
	bpf_ringbuf_submit(o, se_pl_wakeup(c->ring, sizeof(*o)));
	se_pl_count(SE_PL_EVENTS);
	se_pl_count(SE_PL_OPENS);
}

/* As se_emit_data: the offset advances whether or not the record is written. */
static __always_inline int se_pl_data(struct se_pl_record *r, struct se_pl_conn *c, void *ring,
				      __u32 dir, __u32 len)
{
	__u64 size;

	if (dir >= SE_DIR__COUNT || len > SE_PL_PAYLOAD_MAX)
		return -1;
	se_header(&r->ev.h, SE_EV_DATA, c->id);
	r->ev.offset = c->offset[dir];
	c->offset[dir] += len;
	size = sizeof(r->ev) + len;
	if (bpf_ringbuf_output(ring, r, size, se_pl_wakeup(c->ring, size))) {
		se_pl_count(SE_PL_RING_FULL);
		return -1;
	}
	se_pl_count(SE_PL_EVENTS);
	return 0;
}

/* bpf_loop body: request i of the run, on the next slot round-robin. */
static long se_pl_request(__u32 i, void *ctx)
{
	__u64 n = next_req++;
	__u32 slot = (__u32)(n % nconns) & (SE_PL_CONNS_MAX - 1);
	__u32 path = (__u32)((n / nconns) % npaths);
	struct se_pl_conn *c = &conns[slot];
	void *ring = se_pl_ring(c);
	int in, out;

	if (!ring)
		return 1;
	se_pl_announce(c, ring);
	if (path_off + 1 < SE_PL_PAYLOAD_MAX) {
		req_rec.data[path_off] = '0' + path / 10;
		req_rec.data[path_off + 1] = '0' + path % 10;
	}
	in = se_pl_data(&req_rec, c, ring, SE_DIR_IN, req_len);
	out = se_pl_data(&resp_rec, c, ring, SE_DIR_OUT, resp_len);
	if (!in && !out)
		se_pl_count(SE_PL_REQUESTS);
	return 0;
}

/* As se_conn_end: the SE_EV_CLOSE record, or a parked close when the ring is full. */
static __always_inline void se_pl_close(struct se_pl_conn *c)
{
	struct se_ev_close *e;
	void *ring;

	if (!c->id || !c->announced)
		return;
	ring = se_pl_ring(c);
	if (!ring)
		return;
	e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e) {
		struct se_lost_close lost = {
			.bytes = { c->offset[SE_DIR_IN], c->offset[SE_DIR_OUT] },
			.ts_ns = bpf_ktime_get_ns(),
			.ring = c->ring,
			.reason = SE_CLOSE_SYSCALL,
		};

		/* Parked, the close still reaches the worker (at its next window edge). */
		if (bpf_map_update_elem(&lost_closes, &c->id, &lost, BPF_ANY)) {
			se_pl_count(SE_PL_RING_FULL);
			se_pl_count(SE_PL_CLOSE_LOST);
		} else {
			se_pl_count(SE_PL_CLOSE_PARKED);
		}
		return;
	}
	se_header(&e->h, SE_EV_CLOSE, c->id);
	__builtin_memset(e->h.pad, 0, sizeof(e->h.pad));
	e->bytes[SE_DIR_IN] = c->offset[SE_DIR_IN];
	e->bytes[SE_DIR_OUT] = c->offset[SE_DIR_OUT];
	e->reason = SE_CLOSE_SYSCALL;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, se_pl_wakeup(c->ring, sizeof(*e)));
	se_pl_count(SE_PL_EVENTS);
	se_pl_count(SE_PL_CLOSES);
}

SEC("syscall")
int se_pl_run(struct se_pl_args *args)
{
	/* The ring of the CPU this runs on, as sockeye pins a new connection to its CPU's. */
	__u32 ring = nr_rings ? bpf_get_smp_processor_id() % nr_rings : 0;
	__u32 flags = args->flags;
	__u32 nreq = args->nreq;

	if (flags & SE_PL_F_OPEN) {
		__u64 base = args->conn_base;

		for (__u32 i = 0; i < SE_PL_CONNS_MAX && i < nconns; i++) {
			conns[i].id = base + i;
			conns[i].offset[SE_DIR_IN] = 0;
			conns[i].offset[SE_DIR_OUT] = 0;
			conns[i].ring = ring;
			conns[i].announced = 0;
		}
		next_req = 0;
	}
	if (nreq)
		bpf_loop(nreq < SE_PL_RUN_MAX ? nreq : SE_PL_RUN_MAX, se_pl_request, NULL, 0);
	if (flags & SE_PL_F_CLOSE) {
		for (__u32 i = 0; i < SE_PL_CONNS_MAX && i < nconns; i++) {
			se_pl_close(&conns[i]);
			conns[i].id = 0;
		}
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
