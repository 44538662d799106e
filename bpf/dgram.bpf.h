/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Datagrams of UDP sockets on a DNS port (--dns-ports), for both tiers: one SE_EV_DGRAM
 * record per datagram, with its endpoints and the first SE_DGRAM_CAPTURE_MAX bytes. No state
 * per socket: a UDP socket has no end the kernel reports (no tcp_destroy_sock), and a DNS
 * message needs none (the worker pairs queries and answers). A socket whose remote port is a
 * DNS port is a client's; one whose local port is, a server's. The ports are read per
 * datagram, so a socket connected elsewhere later is not followed.
 *
 * A client may send from a socket it never connected (musl's resolver: sendto with an
 * address): the remote port is then the call's, and the socket is remembered for its answers
 * (dns_unconnected, se_dgram_unconnected_role).
 */
#ifndef SOCKEYE_DGRAM_BPF_H
#define SOCKEYE_DGRAM_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "emit.bpf.h"

/* The record as assembled in the scratch slot (which is larger). */
struct se_dgram_scratch {
	struct se_ev_dgram ev;
	__u8 data[SE_DGRAM_CAPTURE_MAX];
};
_Static_assert(sizeof(struct se_dgram_scratch) <= sizeof(struct se_scratch),
	       "a datagram record fits the scratch slot");

static __always_inline bool se_dns_port(__u16 port)
{
	__u32 word = port >> 6;

	if (word >= SE_PORT_BITMAP_WORDS)
		return false;
	return (dns_ports[word] >> (port & 63)) & 1;
}

/* A UDP socket (not a raw one of protocol 17, whose payload starts with headers)? Socket
 * tier: typed loads, kernel 6.2+. */
static __always_inline bool se_sock_is_udp(struct sock *sk)
{
	const struct sock *s = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct sock));

	return s->sk_protocol == IPPROTO_UDP && s->sk_type == SOCK_DGRAM;
}

/* Syscall tier: the same with helper reads. */
static __always_inline bool se_sock_is_udp_read(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_UDP &&
	       BPF_CORE_READ(sk, sk_type) == SOCK_DGRAM;
}

/* CLIENT or SERVER if sk is a UDP socket on a DNS port, else 0. */
static __always_inline __u8 se_dgram_role(struct sock *sk)
{
	__u16 rport, lport, family;

	if (!se_sock_ports(sk, &rport, &lport, &family))
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (se_dns_port(rport))
		return SE_ROLE_CLIENT;
	return se_dns_port(lport) ? SE_ROLE_SERVER : 0;
}

static __always_inline __u32 se_dgram_limit(__u64 total)
{
	__u64 n = total < capture_bytes ? total : capture_bytes;

	return n < SE_DGRAM_CAPTURE_MAX ? (__u32)n : SE_DGRAM_CAPTURE_MAX;
}

static __always_inline __u32 se_dgram_copy(struct se_dgram_scratch *d, const void *buf, __u64 total)
{
	__u32 n = se_dgram_limit(total);

	if (n > SE_DGRAM_CAPTURE_MAX) /* restated for the verifier */
		return 0;
	if (n && bpf_probe_read_user(d->data, n, buf)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	return n;
}

/* The first iovec entry only: a DNS message's header and question come in one piece. */
static __always_inline __u32 se_dgram_copy_iov(struct se_dgram_scratch *d, const struct iovec *iov,
					       __u64 iovcnt, __u64 total)
{
	struct iovec v;

	if (!iovcnt)
		return 0;
	if (bpf_probe_read_user(&v, sizeof(v), iov)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	return se_dgram_copy(d, v.iov_base, v.iov_len < total ? v.iov_len : total);
}

static __always_inline __u32 se_dgram_copy_msghdr(struct se_dgram_scratch *d,
						  const struct user_msghdr *m, __u64 total)
{
	struct user_msghdr hdr;

	if (bpf_probe_read_user(&hdr, sizeof(hdr), m)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	return se_dgram_copy_iov(d, hdr.msg_iov, hdr.msg_iovlen, total);
}

/* Where a datagram sent from a socket never connected went (a sockaddr from the call). */
struct se_dgram_dest {
	__u16 family; /* 0: not known (the socket's own peer is used) */
	__u16 port;   /* host order */
	__u8 addr[16];
};

/*
 * CLIENT if sk, a UDP socket never connected (no remote port), takes part in DNS: a send
 * whose address (dest: sendto's, or the msghdr's msg_name at buf for sendmsg) has a DNS port,
 * then remembered with its address in *to; a receive on a socket such a send remembered (its
 * source address is copied to the caller after the hooks: the answer's server is its
 * query's). 0 otherwise.
 */
static __always_inline __u8 se_dgram_unconnected_role(struct sock *sk, bool receives, __u8 syscall,
						      __u64 buf, __u64 dest,
						      struct se_dgram_dest *to)
{
	__u64 key = (__u64)sk;
	/* a later socket at the same address (sockets are reused) has another local port */
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num), *marked;
	struct sockaddr_in6 sa = {};
	struct user_msghdr hdr;

	if (BPF_CORE_READ(sk, __sk_common.skc_dport))
		return 0;
	if (receives) {
		marked = bpf_map_lookup_elem(&dns_unconnected, &key);
		return marked && *marked == lport ? SE_ROLE_CLIENT : 0;
	}
	if (syscall == SE_SYS_SENDMSG) {
		if (bpf_probe_read_user(&hdr, sizeof(hdr), (const void *)buf))
			return 0;
		dest = (__u64)hdr.msg_name;
	} else if (syscall != SE_SYS_SENDTO) {
		return 0;
	}
	/* sin_family, sin_port and sin_addr sit where sin6_family, sin6_port and sin6_flowinfo
	 * do; a sockaddr_in is read alone, its buffer may end there */
	if (!dest || bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), (const void *)dest) ||
	    (sa.sin6_family == AF_INET6 &&
	     bpf_probe_read_user(&sa, sizeof(sa), (const void *)dest)))
		return 0;
	if ((sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6) ||
	    !se_dns_port(bpf_ntohs(sa.sin6_port)))
		return 0;
	to->family = sa.sin6_family;
	to->port = bpf_ntohs(sa.sin6_port);
	if (sa.sin6_family == AF_INET)
		__builtin_memcpy(to->addr, &sa.sin6_flowinfo, 4);
	else
		__builtin_memcpy(to->addr, &sa.sin6_addr, 16);
	bpf_map_update_elem(&dns_unconnected, &key, &lport, BPF_ANY);
	return SE_ROLE_CLIENT;
}

/* Write the record assembled in d (payload copied) to the ring of sk; to: where a datagram of
 * a socket never connected went (family 0: the socket's peer). */
static __always_inline void se_dgram_emit(struct se_dgram_scratch *d, struct sock *sk, __u8 role,
					  __u8 dir, __u8 syscall, __u64 total, __u32 captured,
					  __u64 pid_tgid, const struct se_dgram_dest *to)
{
	__u64 sk_addr = (__u64)sk;
	/* A socket's datagrams go to one ring, so its queries and answers reach one worker. */
	__u32 ring_idx = nr_rings ? (__u32)((sk_addr >> 8) % nr_rings) : 0;

	if (captured < total)
		se_count(SE_KC_TRUNCATED);
	se_header(&d->ev.h, SE_EV_DGRAM, sk_addr ^ sock_id_salt);
	d->ev.tgid = pid_tgid >> 32;
	d->ev.tid = (__u32)pid_tgid;
	d->ev.total_len = total;
	d->ev.captured = captured;
	d->ev.direction = dir;
	d->ev.syscall = syscall;
	d->ev.role = role;
	d->ev.pad = 0;
	d->ev.pad2 = 0;
	d->ev.pad3 = 0;
	se_sock_endpoints(sk, &d->ev);
	if (to && to->family == d->ev.family) {
		d->ev.peer_port = to->port;
		__builtin_memcpy(d->ev.peer_addr, to->addr, sizeof(d->ev.peer_addr));
	}

	void *ring = bpf_map_lookup_elem(&rings, &ring_idx);
	if (!ring) {
		se_count(SE_KC_DROP_NO_RING);
		return;
	}
	__u64 size = sizeof(d->ev) + captured;

	if (captured > SE_DGRAM_CAPTURE_MAX) /* restated for the verifier */
		return;
	if (bpf_ringbuf_output(ring, d, size, se_ring_wakeup(ring_idx, size))) {
		se_count(SE_KC_DROP_RING_FULL);
		return;
	}
	se_count(SE_KC_EVENTS);
}

static __always_inline struct se_dgram_scratch *se_dgram_scratch_get(void)
{
	return (struct se_dgram_scratch *)se_scratch_get();
}

struct se_dgram_mmsg_walk {
	__u64 sk;
	__u64 msgvec;
	__u64 pid_tgid;
	__u8 role;
	__u8 dir;
	__u8 syscall;
};

/* bpf_loop body (syscall tier): one record per message of a recvmmsg/sendmmsg. */
static long se_dgram_mmsg_one(__u32 i, void *ctx)
{
	struct se_dgram_mmsg_walk *w = ctx;
	const struct mmsghdr *msgs = (const struct mmsghdr *)w->msgvec;
	struct se_dgram_scratch *d = se_dgram_scratch_get();
	__u32 len = 0;

	if (!d)
		return 1;
	if (bpf_probe_read_user(&len, sizeof(len), &msgs[i].msg_len)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 1;
	}
	__u32 captured = se_dgram_copy_msghdr(d, &msgs[i].msg_hdr, len);

	se_dgram_emit(d, (struct sock *)w->sk, w->role, w->dir, w->syscall, len, captured,
		      w->pid_tgid, NULL);
	return 0;
}

/*
 * Socket tier: which message of the current sendmmsg this firing sends. The kernel sends a
 * vector's messages in order, each through one sock_sendmsg (one sock_send_length firing,
 * an error or an empty message included), and stops at the first error: so a per-thread
 * cursor over the vector, started when a firing names another vector (or length) or the last
 * message was used up, and dropped at an error (se_dgram_send_failed), gives the index. A
 * message that fails before its firing (a fault reading its header, an LSM refusal) ends the
 * call with the cursor left inside the vector: the next call on the same vector of the same
 * length then starts at the wrong message, and its payload is another message's (its length
 * stays exact; pairing then finds the wrong question or none).
 */
static __always_inline long se_dgram_mmsg_index(struct task_struct *task, __u64 msgvec, __u64 vlen)
{
	struct se_mmsg_cursor *cur =
	    bpf_task_storage_get(&mmsg_cursor, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!cur) {
		se_count(SE_KC_DROP_ARGS_LOST);
		return -1;
	}
	if (vlen > SE_MMSG_MAX)
		vlen = SE_MMSG_MAX;
	if (cur->msgvec != msgvec || cur->vlen != vlen || cur->next >= cur->vlen) {
		cur->msgvec = msgvec;
		cur->next = 0;
		cur->vlen = vlen;
	}
	return cur->next++;
}

/* Socket tier: a send on a UDP socket failed (ret < 0), which ends a sendmmsg in progress;
 * an empty one (ret 0) used up its message of the vector. */
static __always_inline void se_dgram_send_empty(struct task_struct *task, long ret)
{
	struct se_mmsg_cursor *cur = bpf_task_storage_get(&mmsg_cursor, task, 0, 0);

	if (!cur || !cur->msgvec)
		return;
	if (ret < 0)
		cur->msgvec = 0;
	else
		cur->next++;
}

/*
 * ret bytes (or, on the syscall tier, ret messages of an mmsg call) moved on UDP socket sk by
 * `syscall`, whose buffer argument is buf (count: its length or iovec count; 0: copy
 * nothing) and address argument dest (sendto's; 0 for the others). task is given on the
 * socket tier only, where a firing is one message.
 */
static __always_inline void se_dgram_io(struct sock *sk, struct task_struct *task, __u8 syscall,
					bool receives, long ret, __u64 buf, __u64 count, __u64 dest,
					__u64 pid_tgid)
{
	struct se_dgram_dest to = {};
	__u8 role = se_dgram_role(sk);
	__u8 dir = receives ? SE_DIR_IN : SE_DIR_OUT;

	if (!role)
		role = se_dgram_unconnected_role(sk, receives, syscall, buf, dest, &to);
	if (!role)
		return;
	if (!task && (syscall == SE_SYS_RECVMMSG || syscall == SE_SYS_SENDMMSG)) {
		struct se_dgram_mmsg_walk w = {
			.sk = (__u64)sk,
			.msgvec = buf,
			.pid_tgid = pid_tgid,
			.role = role,
			.dir = dir,
			.syscall = syscall,
		};

		bpf_loop(ret < SE_MMSG_MAX ? ret : SE_MMSG_MAX, se_dgram_mmsg_one, &w, 0);
		return;
	}

	struct se_dgram_scratch *d = se_dgram_scratch_get();
	__u32 captured = 0;

	if (!d)
		return;
	switch (syscall) {
	case SE_SYS_READ:
	case SE_SYS_RECVFROM:
	case SE_SYS_WRITE:
	case SE_SYS_SENDTO:
		if (count)
			captured = se_dgram_copy(d, (const void *)buf, ret);
		break;
	case SE_SYS_READV:
	case SE_SYS_WRITEV:
	case SE_SYS_PREADV2:
	case SE_SYS_PWRITEV2:
		captured = se_dgram_copy_iov(d, (const struct iovec *)buf, count, ret);
		break;
	case SE_SYS_RECVMSG:
	case SE_SYS_SENDMSG:
		if (count)
			captured = se_dgram_copy_msghdr(d, (const struct user_msghdr *)buf, ret);
		break;
	case SE_SYS_SENDMMSG: {
		/* socket tier: count is the vector's length */
		long i = se_dgram_mmsg_index(task, buf, count);

		if (i >= 0 && i < SE_MMSG_MAX)
			captured =
			    se_dgram_copy_msghdr(d, &((const struct mmsghdr *)buf)[i].msg_hdr, ret);
		break;
	}
	default: /* the socket tier's recvmmsg (which message is not known), io_uring, ... */
		break;
	}
	se_dgram_emit(d, sk, role, dir, syscall, ret, captured, pid_tgid, &to);
}

#endif /* SOCKEYE_DGRAM_BPF_H */
