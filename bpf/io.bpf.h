/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The data path, in two tiers that end in the same record writer (se_io_record): the socket
 * tier (se_sock_io, which says why it is preferred) runs at sock:sock_send_length /
 * sock_recv_length with the socket in hand; the syscall tier (se_io_exit) runs at each data
 * syscall's sys_exit and walks the descriptor to its socket. Both run after the data moved,
 * where the result is known, and read the syscall's arguments back from the registers the
 * task entered the kernel with: one program per syscall, not an enter/exit pair, because
 * each attached syscall tracepoint costs on every call before any program code runs. Also
 * here: the send-start stamp (se_send_begin), accept, connect and close.
 */
#ifndef SOCKEYE_IO_BPF_H
#define SOCKEYE_IO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "dgram.bpf.h"

#define SE_INFLIGHT_CONNECT 0  /* se_inflight.syscall of a connect */
#define SE_NO_ARG	    -1 /* a syscall without a MSG_* flags argument */

/*
 * The receives that move no stream bytes: MSG_PEEK leaves the data queued (the stream does
 * not advance) and MSG_ERRQUEUE reads the error queue (timestamps). MSG_TRUNC, on TCP,
 * discards the bytes instead of copying them: the stream advances, nothing to capture.
 */
#define SE_MSG_NOT_STREAM (MSG_PEEK | MSG_ERRQUEUE)

static __always_inline bool se_syscall_receives(__u8 syscall)
{
	return syscall <= SE_SYS_RECVMMSG || syscall == SE_SYS_PREADV2;
}

/*
 * Argument n of the current syscall, at its sys_exit. x86-64: the entry registers are saved
 * in pt_regs and a syscall returns through them unchanged but for ax (the return value), so
 * arguments 0-5 are di, si, dx, r10, r8, r9 (other architectures keep the first argument
 * elsewhere: arm64's orig_x0). bpf_task_pt_regs gives a BTF pointer: plain loads, no copy.
 */
static __always_inline __u64 se_syscall_arg(const struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	default:
		return regs->r8;
	}
}

/*
 * The user registers task entered the kernel with: what bpf_task_pt_regs returns, without
 * the helper call on every record (each call and return costs here, see se_task_pid_tgid).
 * The offset from the task's stack page is learned from the helper at the first call and
 * added to task->stack after that (bpf_rdonly_cast, see conn.bpf.h: socket tier only).
 */
static __always_inline const struct pt_regs *se_task_regs(struct task_struct *task)
{
	__u64 stack = (__u64)task->stack;

	if (!pt_regs_offset)
		pt_regs_offset = (__u64)bpf_task_pt_regs(task) - stack;
	return bpf_rdonly_cast((void *)(stack + pt_regs_offset),
			       bpf_core_type_id_kernel(struct pt_regs));
}

/* Keep a connect's descriptor in the thread's own slot until its exit. */
static __always_inline bool se_inflight_put(const struct se_inflight *a)
{
	struct se_inflight *slot = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
							BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!slot)
		return false;
	*slot = *a;
	return true;
}

/*
 * The send-start stamp, at tcp:tcp_sendmsg_locked (sk: the socket), which fires per skb a
 * send fills. A client's request starts at its first byte, and a blocking write of a large
 * one returns long after that byte left; the response, read by another thread, can even end
 * before the write returns. So the first firing of a send stamps the connection with the
 * time and the thread, and the send's data record takes the stamp (se_send_start).
 * - Only a client's sends are stamped: user space dates only a request going out from its
 *   send's start; a server's sends are responses, timed from their exit like receives.
 * - Only to a watched remote port: a client tracked for its own local port (it bound a
 *   watched port, or its ephemeral port is one) is timed from the exit too. That test comes
 *   first, since every TCP send of the node comes here: no task, no hash lookup for the rest.
 * - The stamp is a send's only if its thread set it: another thread's concurrent send, or an
 *   io_uring worker's, must not date it. A send that fails (EAGAIN once the copy started)
 *   clears it (se_send_failed). Left behind: a send that no hook reports (splice on the
 *   syscall tier) dates the same thread's next send on the connection.
 * - Kernels without the tracepoint (before 2025) time every send from its exit.
 */
static __always_inline void se_send_begin(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 id;

	if (!se_sock_remote_port_watched(sk) || !se_selected_task(&id))
		return;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (c && c->role == SE_ROLE_CLIENT && !c->send_start_ns) {
		c->send_tid = (__u32)id;
		c->send_start_ns = bpf_ktime_get_ns();
	}
}

/* When the current send on c began, or 0 if unknown; takes the stamp (see se_send_begin). */
static __always_inline __u64 se_send_start(struct se_conn_state *c, __u32 tid)
{
	__u64 start = c->send_start_ns;

	if (!start)
		return 0;
	c->send_start_ns = 0;
	return c->send_tid == tid ? start : 0;
}

/* A send on sk returned nothing: its stamp, if it set one, is not the next send's. */
static __always_inline void se_send_failed(struct sock *sk, __u32 tid)
{
	__u64 key = (__u64)sk;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (c && c->send_start_ns && c->send_tid == tid)
		c->send_start_ns = 0;
}

/*
 * Take (and remove) the saved state of the current thread's connect, if it is this one's:
 * when an enter was missed (hooks attach one by one; the kernel can skip a program), what an
 * earlier syscall left must not be read as this one's.
 */
static __always_inline bool se_inflight_take(__u8 syscall, struct se_inflight *out)
{
	struct se_inflight *a = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);

	if (!a || !a->valid)
		return false;
	*out = *a;
	a->valid = 0;
	if (out->syscall != syscall) {
		se_count(SE_KC_DROP_MISSED_ENTER);
		return false;
	}
	return true;
}

/*
 * Whether the first bytes of a write, head, begin a TLS record that no other record repeats,
 * so that its print (SE_TLS_PRINT_AT) tells it from every other: application data (its
 * ciphertext) or a ClientHello or ServerHello (its random). Not a HelloRetryRequest (its
 * random is a constant), nor another handshake message in the clear (a certificate repeats).
 */
static __always_inline bool se_tls_record_printable(const __u8 *head)
{
	static const __u8 hrr[8] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11 };

	if (head[1] != 3)
		return false;
	if (head[0] == SE_TLS_APPLICATION_DATA)
		return true;
	if (head[0] != SE_TLS_HANDSHAKE || (head[5] != 1 && head[5] != 2))
		return false;
	if (head[5] == 1) /* ClientHello */
		return true;
	for (int i = 0; i < 8; i++)
		if (head[SE_TLS_PRINT_AT + i] != hrr[i])
			return true;
	return false;
}

/*
 * Where the bytes a send moved begin, if in one user buffer of at least len bytes (0: not
 * known): the buffer of write/sendto, the first iovec of writev/pwritev2/sendmsg.
 */
static __always_inline __u64 se_send_head(__u8 syscall, __u64 buf, __u64 count, __u64 len)
{
	struct user_msghdr hdr;
	struct iovec iov;

	switch (syscall) {
	case SE_SYS_WRITE:
	case SE_SYS_SENDTO:
		return count >= len ? buf : 0;
	case SE_SYS_WRITEV:
	case SE_SYS_PWRITEV2:
		if (!count)
			return 0;
		break;
	case SE_SYS_SENDMSG:
		if (bpf_probe_read_user(&hdr, sizeof(hdr), (const void *)buf) || !hdr.msg_iovlen)
			return 0;
		buf = (__u64)hdr.msg_iov;
		break;
	default:
		return 0;
	}
	if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)buf) || iov.iov_len < len)
		return 0;
	return (__u64)iov.iov_base;
}

/*
 * Tell the TLS watcher of the current process (enum se_exec_kind), by its pid as sockeye's
 * /proc numbers it; a process outside sockeye's pid namespace cannot be looked at.
 */
static __always_inline void se_tls_tell_watcher(__u32 kind)
{
	struct bpf_pidns_info ns = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct se_ev_exec *e;

	if (self_pidns_ino &&
	    bpf_get_ns_current_pid_tgid(self_pidns_dev, self_pidns_ino, &ns, sizeof(ns)))
		return;
	e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		se_count(SE_KC_EXEC_LOST);
		return;
	}
	e->pid = ns.tgid;
	e->kind = kind;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A record of a TLS connection went out outside any TLS call, and no object's print matched:
 * the process moves its ciphertext itself (a memory BIO over the shared library, as Python's
 * asyncio has it). The TLS watcher is told, once per process, and probes BIO_write of its
 * libcrypto in it alone, which ties its objects from then on. Programs whose library writes
 * to the socket inside its calls never get here, whatever ports they use.
 */
static __always_inline void se_tls_memory_bio_seen(__u32 tgid)
{
	__u8 told = 1;

	/* Node.js sends every record this way once tied: a lookup, not an LRU update, each */
	if (bpf_map_lookup_elem(&tls_memory_bio_procs, &tgid))
		return;
	if (!bpf_map_update_elem(&tls_memory_bio_procs, &tgid, &told, BPF_NOEXIST))
		se_tls_tell_watcher(SE_EXEC_MEMORY_BIO);
}

/*
 * A send of a TLS connection outside any TLS call: if it begins with a record an untied
 * session object of this process wrote to its BIO (tls_records), that object is this
 * connection's from now on. Ciphertext is unique, so the match is a proof, not a guess.
 */
static __always_inline void se_tls_tie_by_record(struct sock *sk, __u8 syscall, __u64 buf,
						 __u64 count, __u32 tgid)
{
	__u64 at = se_send_head(syscall, buf, count, SE_TLS_PRINT_AT + SE_TLS_PRINT_LEN);
	__u8 head[SE_TLS_PRINT_AT + SE_TLS_PRINT_LEN];
	struct se_tls_record_key key = { .tgid = tgid };
	__u64 *ssl, conn = (__u64)sk;

	if (!at || bpf_probe_read_user(head, sizeof(head), (const void *)at) ||
	    !se_tls_record_printable(head))
		return;
	__builtin_memcpy(key.print, head + SE_TLS_PRINT_AT, SE_TLS_PRINT_LEN);
	ssl = bpf_map_lookup_elem(&tls_records, &key);
	if (!ssl) {
		se_tls_memory_bio_seen(tgid);
		return;
	}
	struct se_tls_session_key session = { .ssl = *ssl, .tgid = tgid };

	bpf_map_update_elem(&tls_sessions, &session, &conn, BPF_ANY);
	bpf_map_delete_elem(&tls_records, &key);
}

/*
 * Bytes moved on a TLS connection: if the thread is inside a TLS library call, that call's
 * plaintext belongs to this connection (bpf/tls.bpf.h). Only TLS connections pay the lookup.
 * A send outside any call may carry a record a memory BIO held (se_tls_tie_by_record).
 */
static __always_inline void se_tls_tie(struct sock *sk, bool receives, __u8 syscall, __u64 buf,
				       __u64 count, __u32 tgid)
{
	struct se_tls_call *t = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0, 0);

	if (t && t->active)
		t->sk = (__u64)sk;
	else if (!receives)
		se_tls_tie_by_record(sk, syscall, buf, count, tgid);
}

/* What a data record is made from (both tiers): the arguments and the connection. */
struct se_io_args {
	__u64 sk;
	__u64 buf;	/* plain buffer, iovec array, msghdr or mmsghdr array */
	__u64 count;	/* buffer length, iovec count or message count; 0 = copy nothing */
	__u64 enter_ns; /* when a send began; 0 = unknown (the record's own time is used) */
	__u64 pid_tgid;
	__u8 syscall;
};

/* One message of a msghdr: its iovec, copied into the scratch record (and named in src, if
 * given). */
static __always_inline __u32 se_copy_msghdr(struct se_scratch *s, const struct user_msghdr *m,
					    __u64 total, struct se_src *src)
{
	struct user_msghdr hdr;

	if (bpf_probe_read_user(&hdr, sizeof(hdr), m)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 0;
	}
	if (src) {
		src->iov = (__u64)hdr.msg_iov;
		src->iovcnt = hdr.msg_iovlen;
	}
	return se_copy_iov(s, hdr.msg_iov, hdr.msg_iovlen, total);
}

struct se_mmsg_walk {
	struct se_io_args args;
	__u8 dir;
};

/* bpf_loop body: one data record per message of a recvmmsg/sendmmsg. */
static long se_mmsg_one(__u32 i, void *ctx)
{
	struct se_mmsg_walk *w = ctx;
	const struct mmsghdr *msgs = (const struct mmsghdr *)w->args.buf;
	__u32 len = 0;

	if (bpf_probe_read_user(&len, sizeof(len), &msgs[i].msg_len)) {
		se_count(SE_KC_DROP_READ_FAULT);
		return 1;
	}
	if (!len)
		return 0;
	__u64 key = w->args.sk;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);
	struct se_scratch *s = se_scratch_get();

	if (!c || !s) {
		se_count(SE_KC_DROP_CONN_RACE); /* later messages' bytes are lost with it */
		return 1;
	}
	__u32 captured = w->args.count ? se_copy_msghdr(s, &msgs[i].msg_hdr, len, NULL) : 0;

	se_emit_data(s, c, w->dir, w->args.syscall, len, captured, w->args.enter_ns,
		     w->args.pid_tgid, NULL);
	return 0;
}

/*
 * The data record(s) of ret bytes (or messages, for the mmsg pair) moved on connection c, the
 * payload copied from the syscall's buffer `buf` (count: its length, iovec count, or for the
 * msghdr calls only the "copy payload" flag; 0 = copy nothing). Both capture tiers end here.
 */
static __always_inline void se_io_record(struct se_conn_state *c, struct sock *sk, __u8 syscall,
					 bool receives, long ret, __u64 buf, __u64 count,
					 __u64 pid_tgid)
{
	struct se_io_args a = {
		.sk = (__u64)sk,
		.buf = buf,
		.count = count,
		.enter_ns = receives ? 0 : se_send_start(c, (__u32)pid_tgid),
		.pid_tgid = pid_tgid,
		.syscall = syscall,
	};
	__u8 dir = receives ? SE_DIR_IN : SE_DIR_OUT;

	if (c->capture == SE_CAPTURE_LENGTHS) /* copy nothing: see se_tls_begins */
		a.count = 0;
	if (syscall == SE_SYS_RECVMMSG || syscall == SE_SYS_SENDMMSG) {
		struct se_mmsg_walk w = { .args = a, .dir = dir };
		__u32 n = ret < SE_MMSG_MAX ? ret : SE_MMSG_MAX;

		bpf_loop(n, se_mmsg_one, &w, 0);
		return;
	}

	struct se_scratch *s = se_scratch_get();
	struct se_src src = {};
	__u32 captured = 0;

	if (!s)
		return;
	switch (syscall) {
	case SE_SYS_READ:
	case SE_SYS_RECVFROM:
	case SE_SYS_WRITE:
	case SE_SYS_SENDTO:
		if (a.count) {
			captured = se_copy_buf(s, (const void *)a.buf, ret);
			src.base = a.buf;
		}
		break;
	case SE_SYS_READV:
	case SE_SYS_WRITEV:
	case SE_SYS_PREADV2: /* on a socket the offset must be -1: plain readv/writev */
	case SE_SYS_PWRITEV2:
		captured = se_copy_iov(s, (const struct iovec *)a.buf, a.count, ret);
		src.iov = a.buf;
		src.iovcnt = a.count;
		break;
	case SE_SYS_RECVMSG:
	case SE_SYS_SENDMSG:
		if (a.count)
			captured = se_copy_msghdr(s, (const struct user_msghdr *)a.buf, ret, &src);
		break;
	default: /* sendfile, splice, io_uring: no user buffer to copy, only the length */
		break;
	}
	se_emit_data(s, c, dir, syscall, ret, captured, a.enter_ns, pid_tgid, &src);
	if (c->capture == SE_CAPTURE_LENGTHS)
		se_tls_tie(sk, receives, syscall, buf, count, pid_tgid >> 32);
}

/*
 * Syscall tier. sys_exit of a data syscall: ret is bytes moved (or messages, for the mmsg
 * pair); the arguments are read back from the entry registers (buf_arg, count_arg,
 * flags_arg: their positions; flags_arg SE_NO_ARG when there is none).
 */
static __always_inline int se_io_exit(__u8 syscall, long ret, int buf_arg, int count_arg,
				      int flags_arg)
{
	bool receives = se_syscall_receives(syscall);

	if (ret <= 0 && receives) /* before any helper call, as in se_sock_io */
		return 0;
	__u64 pid_tgid;
	struct task_struct *task = se_selected_task(&pid_tgid);
	__u32 tgid = pid_tgid >> 32;

	if (!task)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	if (ret <= 0) { /* a send that moved nothing: only its stamp to clear */
		struct sock *sk = se_fd_to_sock((int)se_syscall_arg(regs, 0));

		if (sk)
			se_send_failed(sk, (__u32)pid_tgid);
		return 0;
	}
	__u64 flags = flags_arg == SE_NO_ARG ? 0 : se_syscall_arg(regs, flags_arg);

	if (receives && (flags & SE_MSG_NOT_STREAM))
		return 0;
	struct sock *sk = se_fd_to_sock((int)se_syscall_arg(regs, 0));

	if (!sk)
		return 0;
	__u64 buf = se_syscall_arg(regs, buf_arg);
	__u64 count = (receives && (flags & MSG_TRUNC)) ? 0 : se_syscall_arg(regs, count_arg);
	__u64 key = (__u64)sk;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);

	/* A tracked connection first: one lookup. Then the ports, as before any other test: a
	 * socket with no remote port may be a UDP one whose calls name their DNS server. */
	if (!c) {
		__u16 rport, lport, family;
		bool watched;

		if (!se_sock_ports(sk, &rport, &lport, &family))
			return 0;
		watched = se_port_watched(lport) || se_port_watched(rport);
		if (!watched && rport)
			return 0;
		if (se_sock_is_udp_read(sk)) {
			se_dgram_io(sk, NULL, syscall, receives, ret, buf, count,
				    syscall == SE_SYS_SENDTO ? se_syscall_arg(regs, 4) : 0,
				    pid_tgid);
			return 0;
		}
		if (!watched || !(c = se_watched_conn_of_sock(sk)))
			return 0;
	}
	se_announce(sk, c, tgid);
	se_io_record(c, sk, syscall, receives, ret, buf, count, pid_tgid);
	return 0;
}

/*
 * Socket tier (kernel 6.3+; src/capture/probe.c prefers it where the kernel has it, and then
 * loads no syscall program). sock:sock_send_length / sock:sock_recv_length fire after each
 * sendmsg/recvmsg of a socket (sock_sendmsg/sock_recvmsg: every data syscall, and splice or
 * sendfile into a socket), with the socket itself: no descriptor walk, and the syscalls that
 * move no socket data (files, pipes, epoll) run no program at all. The user buffer comes from
 * the syscall the task is in (orig_ax and its saved argument registers). Paths without such
 * a syscall (splice or sendfile into a socket, io_uring, kernel threads) give a length-only
 * record; so does a 32-bit task (its orig_ax numbers another table; none of ours collide
 * with a socket I/O call there), and so does each message of a recvmmsg/sendmmsg (the hook
 * fires per message, but which message of the vector is not known). Not seen by either
 * tier: splice out of a TCP socket, TCP_ZEROCOPY_RECEIVE. One sendfile or splice larger than
 * a pipe's 16 buffers is several records here, one on the syscall tier (same bytes).
 *
 * This tier attaches no syscall tracepoint at all: one attached anywhere sends every syscall
 * of every task on the node through the kernel's slow syscall path. Connections are created
 * and announced at the handshake and reconnects ended (inet_sock_set_state), and they end
 * when the kernel destroys the socket (tcp_destroy_sock), which is after the last close(2)
 * and the FIN exchange, not at the close(2) itself.
 */
/*
 * The syscall task is in, as enum se_syscall, and in *count what se_io_record needs to copy
 * its payload (0: copy nothing). SE_SYS_OTHER where there is no user buffer to trust.
 */
static __always_inline __u8 se_sock_syscall(struct task_struct *task, const struct pt_regs *regs,
					    __u64 *count)
{
	/*
	 * Inside a syscall, ax still holds the -ENOSYS the entry code put there (the handler's
	 * result replaces it on return). Otherwise this is io_uring task work run on the way
	 * back to user space (after another syscall, an interrupt or a fault: orig_ax is not
	 * this operation's), an io_uring worker or a kernel thread: no user buffer to trust.
	 */
	long nr =
	    (task->flags & (PF_IO_WORKER | PF_KTHREAD)) || regs->ax != -ENOSYS ? -1 : regs->orig_ax;

	*count = regs->dx;
	switch (nr) {
	case __NR_read:
		return SE_SYS_READ;
	case __NR_write:
		return SE_SYS_WRITE;
	case __NR_readv:
		return SE_SYS_READV;
	case __NR_writev:
		return SE_SYS_WRITEV;
	case __NR_recvfrom:
		return SE_SYS_RECVFROM;
	case __NR_sendto:
		return SE_SYS_SENDTO;
	case __NR_recvmsg:
		*count = 1;
		return SE_SYS_RECVMSG;
	case __NR_sendmsg:
		*count = 1;
		return SE_SYS_SENDMSG;
	case __NR_preadv2:
		return SE_SYS_PREADV2;
	case __NR_pwritev2:
		return SE_SYS_PWRITEV2;
	case __NR_recvmmsg:
		return SE_SYS_RECVMMSG;
	case __NR_sendmmsg:
		return SE_SYS_SENDMMSG; /* count: the vector's length */
	case __NR_sendfile:
		*count = 0;
		return SE_SYS_SENDFILE;
	default:
		*count = 0;
		return SE_SYS_OTHER;
	}
}

static __always_inline int se_sock_io(struct sock *sk, long ret, __u32 flags, bool receives)
{
	/* Every helper call costs here (see se_task_pid_tgid): the common no-data receive
	 * (EAGAIN) makes none, and the task, fetched once, gives the ids and the registers. */
	if (ret <= 0 && receives)
		return 0;
	if (!se_sock_may_be_tracked(sk)) /* most sockets of a node: no helper call at all */
		return 0;
	__u64 pid_tgid;
	struct task_struct *task = se_selected_task(&pid_tgid);
	__u32 tgid = pid_tgid >> 32;

	if (!task)
		return 0;
	bool udp = se_sock_is_udp(sk);

	if (ret <= 0) {
		if (udp)
			se_dgram_send_empty(task, ret);
		else
			se_send_failed(sk, (__u32)pid_tgid);
		return 0;
	}
	if (receives && (flags & SE_MSG_NOT_STREAM))
		return 0;
	__u64 count;
	__u8 syscall;

	if (udp) { /* a datagram: which message of an mmsg vector is known for sends only */
		const struct pt_regs *regs = se_task_regs(task);

		syscall = se_sock_syscall(task, regs, &count);
		if (receives && (flags & MSG_TRUNC))
			count = 0;
		se_dgram_io(sk, task, syscall, receives, ret, regs->si, count, regs->r8, pid_tgid);
		return 0;
	}
	struct se_conn_state *c = se_watched_conn_of_sock(sk);

	if (!c) /* before the registers */
		return 0;
	se_announce(sk, c, tgid);
	const struct pt_regs *regs = se_task_regs(task);

	syscall = se_sock_syscall(task, regs, &count);
	if (syscall == SE_SYS_RECVMMSG || syscall == SE_SYS_SENDMMSG) {
		/* One firing per message, but which message of the vector is not known here:
		 * the length is exact, the payload is not captured (counted as truncated). */
		syscall = SE_SYS_OTHER;
		count = 0;
		se_count(SE_KC_TRUNCATED);
	}
	if (receives && (flags & MSG_TRUNC))
		count = 0;
	se_io_record(c, sk, syscall, receives, ret, regs->si, count, pid_tgid);
	return 0;
}

/* accept/accept4 exit: the new descriptor is a server-side connection. */
static __always_inline int se_accept_exit(long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret < 0 || !se_current_selected(tgid))
		return 0;
	struct sock *sk = se_watched_sock_of_fd(ret);

	if (!sk)
		return 0;
	struct se_conn_state *c = se_conn_get(sk, SE_ROLE_SERVER, SE_ORIGIN_ACCEPT);

	if (c)
		se_announce(sk, c, tgid);
	return 0;
}

/*
 * connect enter: the peer is not known yet, so only remember the descriptor. A socket can
 * be connected again without being closed or destroyed (after a refused non-blocking
 * connect, or connect(AF_UNSPEC)); whatever it was before is over, and its entry must not
 * stand for the new peer, which may not even be watched.
 */
static __always_inline int se_connect_enter(int fd)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!se_current_selected(id >> 32))
		return 0;
	struct sock *sk = se_fd_to_sock(fd);

	if (sk)
		se_conn_end(sk, SE_CLOSE_RECONNECT);
	struct se_inflight a = { .fd = fd, .syscall = SE_INFLIGHT_CONNECT, .valid = 1 };

	if (!se_inflight_put(&a))
		se_count(SE_KC_DROP_ARGS_LOST);
	return 0;
}

/* connect exit: once the peer is set, a watched socket is a client-side connection. */
static __always_inline int se_connect_exit(long ret)
{
	struct se_inflight a;

	if (!se_inflight_take(SE_INFLIGHT_CONNECT, &a))
		return 0;
	if (ret != 0 && ret != -EINPROGRESS)
		return 0;
	struct sock *sk = se_watched_sock_of_fd(a.fd);

	if (!sk)
		return 0;
	struct se_conn_state *c = se_conn_get(sk, SE_ROLE_CLIENT, SE_ORIGIN_CONNECT);

	if (c)
		se_announce(sk, c, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

/* Kernels before 6.13 count file references in f_count. */
struct file___pre613 {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

/* Does closing a descriptor of this file release its last reference? */
static __always_inline bool se_last_file_ref(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref)) {
		/* file_ref_t: 0 means exactly one reference (FILE_REF_ONEREF) */
		return BPF_CORE_READ(file, f_ref.refcnt.counter) == 0;
	}
	return BPF_CORE_READ((struct file___pre613 *)file, f_count.counter) == 1;
}

/* close enter: the process gives the connection up (not when other references remain). */
static __always_inline int se_close_enter(int fd)
{
	if (!se_current_selected(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct file *file = se_fd_to_file(fd);
	struct sock *sk = se_file_to_sock(file);

	if (sk && se_last_file_ref(file))
		se_conn_end(sk, SE_CLOSE_SYSCALL);
	return 0;
}

#endif /* SOCKEYE_IO_BPF_H */
