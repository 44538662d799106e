/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writing records into the rings: ring choice (the connection's own ring), payload copy
 * from user memory, and drop counting for everything that cannot be written. The header and
 * the wake-up policy (once per --wakeup-bytes of ring space written) are in record.bpf.h.
 */
#ifndef SOCKEYE_EMIT_BPF_H
#define SOCKEYE_EMIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "frame_walk.bpf.h"

/* iovec entries copied in line, before the bpf_loop walk takes over (see se_copy_iov) */
#define SE_IOV_HEAD 2
_Static_assert(SE_IOV_HEAD <= SE_IOV_MAX, "the head is part of the walk");

static __always_inline void *se_ring_of(const struct se_conn_state *c)
{
	__u32 idx = c->ring;
	void *ring = bpf_map_lookup_elem(&rings, &idx);

	if (!ring)
		se_count(SE_KC_DROP_NO_RING);
	return ring;
}

/* The wake-up flag for size bytes written to ring idx (the rule is in record.bpf.h). */
static __always_inline __u64 se_ring_wakeup(__u32 idx, __u64 size)
{
	return se_wakeup_flag(bpf_map_lookup_elem(&ring_written, &idx), size, wakeup_bytes);
}

/*
 * Write the SE_EV_OPEN record of c before its first other record. Two programs can announce
 * one connection at once (the handshake's softirq, and a data hook on another CPU with TCP
 * Fast Open): the one that wins the compare-and-swap writes the record; one that finds it
 * still being written writes its own rather than let its data record go first (the worker
 * keeps the first open record of a connection and ignores a second).
 */
static __always_inline void se_announce(struct sock *sk, struct se_conn_state *c, __u32 tgid)
{
	if (c->announced == SE_ANNOUNCE_DONE)
		return;
	__u32 prev =
	    __sync_val_compare_and_swap(&c->announced, SE_ANNOUNCE_NONE, SE_ANNOUNCE_WRITING);

	if (prev == SE_ANNOUNCE_DONE)
		return;

	void *ring = se_ring_of(c);
	if (!ring)
		return;
	struct se_ev_open *o = bpf_ringbuf_reserve(ring, sizeof(*o), 0);

	if (!o) {
		se_count(SE_KC_DROP_RING_FULL);
		if (prev == SE_ANNOUNCE_NONE) /* try again with the next event of this connection */
			c->announced = SE_ANNOUNCE_NONE;
		return;
	}
	se_header(&o->h, SE_EV_OPEN, c->id);
	o->tgid = tgid;
	o->role = c->role;
	o->origin = c->origin;
	se_sock_addrs(sk, o);
	bpf_ringbuf_submit(o, se_ring_wakeup(c->ring, sizeof(*o)));
	c->announced = SE_ANNOUNCE_DONE;
	se_count(SE_KC_EVENTS);
}

/*
 * Remove sk from conns and, if user space knew it, tell it the connection ended. Called on
 * the last close(2) of the socket's file and when the kernel destroys the socket, never on
 * the TCP CLOSE state: a reset socket can still return buffered data to read(2).
 */
static __always_inline void se_conn_end(struct sock *sk, __u8 reason)
{
	__u64 key = (__u64)sk;
	struct se_conn_state *live = bpf_map_lookup_elem(&conns, &key);

	if (!live)
		return;
	struct se_conn_state c = *live;

	/* Only the path whose delete succeeds reports: close(2) and the state change race. */
	if (bpf_map_delete_elem(&conns, &key) || !c.announced)
		return;
	void *ring = se_ring_of(&c);
	if (!ring)
		return;
	struct se_ev_close *e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);

	if (!e) {
		/* Park it for the worker to collect, or its connection would never end. */
		struct se_lost_close lost = {
			.bytes = { c.offset[SE_DIR_IN], c.offset[SE_DIR_OUT] },
			.ts_ns = bpf_ktime_get_ns(),
			.ring = c.ring,
			.reason = reason,
		};

		if (bpf_map_update_elem(&lost_closes, &c.id, &lost, BPF_ANY))
			se_count(SE_KC_DROP_CLOSE_LOST);
		else
			se_count(SE_KC_CLOSE_PARKED);
		return;
	}
	se_header(&e->h, SE_EV_CLOSE, c.id);
	e->bytes[SE_DIR_IN] = c.offset[SE_DIR_IN];
	e->bytes[SE_DIR_OUT] = c.offset[SE_DIR_OUT];
	e->reason = reason;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, se_ring_wakeup(c.ring, sizeof(*e)));
	se_count(SE_KC_EVENTS);
}

static __always_inline __u32 se_capture_limit(__u64 total)
{
	__u64 n = total < capture_bytes ? total : capture_bytes;

	return n > SE_CAPTURE_MAX ? SE_CAPTURE_MAX : (__u32)n;
}

/* Copy the first bytes of a plain buffer into the scratch record; returns bytes copied. */
static __always_inline __u32 se_copy_buf(struct se_scratch *s, const void *buf, __u64 total)
{
	__u32 n = se_capture_limit(total);

	if (n > SE_CAPTURE_MAX) /* restated for the verifier */
		return 0;
	if (n && bpf_probe_read_user(s->data, n, buf)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	return n;
}

/*
 * Copy what one iovec entry contributes, at offset off of the scratch payload, at most left
 * bytes; returns the bytes copied, or -1 to stop the walk (a fault, counted, or a bound the
 * verifier needs and that never fails).
 */
static __always_inline long se_copy_iov_entry(struct se_scratch *s, __u32 off, __u64 left,
					      const struct iovec *v)
{
	__u64 n = v->iov_len < left ? v->iov_len : left;

	if (n > SE_CAPTURE_MAX || off > SE_CAPTURE_MAX) /* bounds for the verifier */
		return -1;
	if (n && bpf_probe_read_user(&s->data[off], n, v->iov_base)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return -1;
	}
	return n;
}

struct se_iov_walk {
	__u64 iov; /* user address of the iovec array */
	__u64 iovcnt;
	__u64 left; /* bytes still to copy */
	__u32 off;  /* bytes copied so far */
	__u32 pad;
};

/*
 * bpf_loop body: copy from iovec entry SE_IOV_HEAD + i. A loop callback is verified once,
 * where an open-coded loop would be verified per iteration and per path (beyond the
 * verifier's budget). The scratch slot is looked up again because only scalars cross the
 * callback.
 */
static long se_iov_one(__u32 i, void *ctx)
{
	struct se_iov_walk *w = ctx;
	struct se_scratch *s = se_scratch_get();
	__u64 at = SE_IOV_HEAD + i;
	struct iovec v;

	if (!s || at >= w->iovcnt || !w->left)
		return 1;
	if (bpf_probe_read_user(&v, sizeof(v), (const void *)(w->iov + at * sizeof(v)))) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 1;
	}
	long n = se_copy_iov_entry(s, w->off, w->left, &v);

	if (n < 0)
		return 1;
	w->off += n;
	w->left -= n;
	return 0;
}

/*
 * Copy the first bytes moved through an iovec array into s; returns bytes copied. The first
 * SE_IOV_HEAD entries (a header and a body: most writev and sendmsg calls) are read in one
 * go and copied in line; only longer arrays go on through the bpf_loop callback. Every
 * helper call and callback costs on this path (a return is a mispredicted one under the SRSO
 * "safe RET" mitigation).
 */
static __always_inline __u32 se_copy_iov(struct se_scratch *s, const struct iovec *iov,
					 __u64 iovcnt, __u64 total)
{
	struct iovec head[SE_IOV_HEAD];
	__u32 nhead = iovcnt < SE_IOV_HEAD ? iovcnt : SE_IOV_HEAD;
	__u64 left = se_capture_limit(total);
	__u32 off = 0;

	if (!nhead || !left)
		return 0;
	/* Both entries in one read. If it faults (the array unmapped under the call), nothing
	 * is copied, not even an entry that alone could have been read: counted, and rare. */
	if (bpf_probe_read_user(head, nhead * sizeof(head[0]), iov)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	for (__u32 i = 0; i < SE_IOV_HEAD; i++) {
		if (i >= nhead || !left)
			return off;
		long n = se_copy_iov_entry(s, off, left, &head[i]);

		if (n < 0)
			return off;
		off += n;
		left -= n;
	}
	if (iovcnt <= SE_IOV_HEAD || !left)
		return off;

	struct se_iov_walk w = { .iov = (__u64)iov, .iovcnt = iovcnt, .left = left, .off = off };

	bpf_loop(iovcnt < SE_IOV_MAX ? iovcnt - SE_IOV_HEAD : SE_IOV_MAX - SE_IOV_HEAD, se_iov_one,
		 &w, 0);
	return w.off;
}

/*
 * Does the first record of a direction begin with a TLS record header: a handshake's
 * (ClientHello or ServerHello, or the header read alone), or, on a connection joined
 * mid-stream, an application data record's (writers hand TLS records over whole)? Only the
 * first: later records start anywhere in a binary stream, where those five bytes come by
 * chance. From the next record on, the connection's ciphertext is not copied: no parser reads
 * it (the plaintext comes from the library's calls, tls.bpf.h). The first one is, so user
 * space knows the connection for TLS (src/proto/detect.c has the rule too).
 */
static __always_inline bool se_tls_begins(const struct se_scratch *s, const struct se_conn_state *c,
					  __u32 captured)
{
	const __u8 *d = s->data;
	__u32 len = (__u32)d[3] << 8 | d[4];

	if (s->ev.offset || captured < SE_TLS_RECORD_HEADER || d[1] != 3 || d[2] > 4 || !len ||
	    len > SE_TLS_RECORD_MAX)
		return false;
	/* A record's header read alone (GnuTLS reads the header, then the body) */
	if (d[0] == SE_TLS_HANDSHAKE && captured == SE_TLS_RECORD_HEADER)
		return true;
	if (d[0] == SE_TLS_HANDSHAKE)
		return d[5] == SE_TLS_CLIENT_HELLO || d[5] == SE_TLS_SERVER_HELLO;
	return d[0] == SE_TLS_APPLICATION_DATA && c->origin == SE_ORIGIN_MIDSTREAM;
}

/*
 * Finish the data record in s (payload already copied, src: where the syscall's bytes are, for
 * the frame walk; NULL: not readable) and write it to c's ring. The stream offset advances by
 * the full syscall length even when the record cannot be written, so user space sees the hole
 * as a gap rather than silently shifted data.
 */
static __always_inline void se_emit_data(struct se_scratch *s, struct se_conn_state *c, __u8 dir,
					 __u8 syscall, __u64 total, __u32 captured, __u64 enter_ns,
					 __u64 pid_tgid, const struct se_src *src)
{
	if (dir >= SE_DIR__COUNT)
		return;
	bool ciphertext = c->capture == SE_CAPTURE_LENGTHS && syscall != SE_SYS_TLS;

	/* sendfile, the socket tier's other paths and ciphertext are length-only: not cut short */
	if (captured < total && syscall != SE_SYS_SENDFILE && syscall != SE_SYS_OTHER &&
	    !ciphertext)
		se_count(SE_KC_TRUNCATED);
	se_header(&s->ev.h, SE_EV_DATA, c->id);
	s->ev.tgid = pid_tgid >> 32;
	s->ev.tid = (__u32)pid_tgid;
	/* plaintext has offsets of its own: the ciphertext's count every byte on the wire */
	s->ev.offset =
	    __sync_fetch_and_add(syscall == SE_SYS_TLS ? &c->plain[dir] : &c->offset[dir], total);
	s->ev.total_len = total;
	s->ev.captured = captured;
	s->ev.direction = dir;
	s->ev.syscall = syscall;
	s->ev.role = c->role;
	s->ev.pieces = 0;
	/* enter_ns 0: no start stamp (receives, or a send whose stamp was not kept) */
	s->ev.syscall_ns = !enter_ns || enter_ns > s->ev.h.ts_ns ? 0
			   : s->ev.h.ts_ns - enter_ns > 0xffffffffull
			       ? 0xffffffffu
			       : (__u32)(s->ev.h.ts_ns - enter_ns);

	/* The walk follows the stream parsed: a TLS connection's plaintext (from its offset 0) */
	__u32 pieces = ciphertext ? 0 : se_frame_walk(s, c, dir, src);

	if (c->capture == SE_CAPTURE_PREFIX && se_tls_begins(s, c, captured)) {
		c->capture = SE_CAPTURE_LENGTHS;
		se_count(SE_KC_TLS_CONNS);
	}

	void *ring = se_ring_of(c);
	if (!ring)
		return;
	__u64 size = sizeof(s->ev) + captured + pieces;

	if (size > sizeof(s->ev) + SE_SCRATCH_BYTES) /* restated for the verifier */
		return;
	if (bpf_ringbuf_output(ring, s, size, se_ring_wakeup(c->ring, size))) {
		se_count(SE_KC_DROP_RING_FULL);
		return;
	}
	se_count(SE_KC_EVENTS);
}

#endif /* SOCKEYE_EMIT_BPF_H */
