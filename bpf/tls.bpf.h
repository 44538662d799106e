/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS plaintext, from uprobes on the TLS libraries' read and write calls (OpenSSL's
 * SSL_read/SSL_write and their _ex forms, GnuTLS's gnutls_record_recv/send). The TLS watcher
 * process attaches them to each library file the watched processes use
 * (src/capture/tls_attach.c, tls_watch.c), at start and when a program starts (se_tls_exec).
 *
 * A call's plaintext is tied to its connection by the socket operation the call makes inside
 * it, on the same thread: the data hooks of either tier put the socket of a TLS connection
 * into the thread's call slot (se_tls_tie, io.bpf.h). A call that moves nothing on the socket
 * (a record the library had buffered) takes the connection its session object was last tied
 * to (`tls_sessions`); the handshake calls (SSL_do_handshake, gnutls_handshake) are probed
 * for that alone, because a library reading ahead (nginx asks OpenSSL to) can take the first
 * request in with the handshake's last record. A memory BIO (Node.js, Python's asyncio) moves
 * the ciphertext outside the call: the object is tied by the send that carries a record it
 * wrote (se_tls_bio_write). A call tied to none of these is counted (tls_untied), never
 * guessed: a memory BIO's calls before its records tie it, and a connection whose port is not
 * watched, which is not tracked.
 *
 * The plaintext becomes data records of syscall SE_SYS_TLS on the connection, with offsets of
 * their own (se_conn_state.plain), which user space parses instead of the ciphertext; the
 * ciphertext is then lengths only (SE_CAPTURE_LENGTHS). x86-64 calling convention: arguments
 * in di, si, dx, cx; the result in ax.
 */
#ifndef SOCKEYE_TLS_BPF_H
#define SOCKEYE_TLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "io.bpf.h"

/* Entry of a read, write or handshake call: keep what its return needs. */
static __always_inline int se_tls_enter(__u64 ssl, __u64 buf, __u64 len_out, __u8 dir)
{
	__u64 pid_tgid;
	struct task_struct *task = se_selected_task(&pid_tgid);

	if (!task || se_is_self(pid_tgid >> 32))
		return 0;
	struct se_tls_call *t =
	    bpf_task_storage_get(&tls_calls, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!t) {
		se_count(SE_KC_DROP_ARGS_LOST);
		return 0;
	}
	/* A call still marked active lost its return (a longjmp, or a probe attached between
	 * the two): this one replaces it. */
	t->ssl = ssl;
	t->buf = buf;
	t->len_out = len_out;
	t->sk = 0;
	t->start_ns = bpf_ktime_get_ns();
	t->dir = dir;
	t->active = 1;
	return 0;
}

/* The connection a finished call's plaintext belongs to (its `conns` key), or 0. */
static __always_inline __u64 se_tls_conn_of(const struct se_tls_call *call, __u32 tgid)
{
	struct se_tls_session_key key = { .ssl = call->ssl, .tgid = tgid };
	__u64 *sk = bpf_map_lookup_elem(&tls_sessions, &key);

	/* a tied call updates the cache only when the object moved to another connection:
	 * most calls find it right, and a lookup is cheaper than an LRU update */
	if (call->sk && (!sk || *sk != call->sk))
		bpf_map_update_elem(&tls_sessions, &key, &call->sk, BPF_ANY);
	if (call->sk)
		return call->sk;
	return sk ? *sk : 0;
}

/*
 * A program started: if in the watched scope, the TLS watcher attaches to the TLS libraries
 * it brings (its own container's, say).
 */
static __always_inline int se_tls_exec(__u32 tgid)
{
	if (se_current_selected(tgid))
		se_tls_tell_watcher(SE_EXEC_STARTED);
	return 0;
}

/*
 * Return of a read, write or handshake call: ret is its result (bytes, or for the _ex forms 1 on
 * success with the bytes at len_out). The plaintext becomes one data record.
 */
static __always_inline int se_tls_exit(long ret)
{
	__u64 pid_tgid;
	struct task_struct *task = se_selected_task(&pid_tgid);

	if (!task)
		return 0;
	struct se_tls_call *t = bpf_task_storage_get(&tls_calls, task, 0, 0);

	if (!t || !t->active)
		return 0;
	struct se_tls_call call = *t;

	t->active = 0;
	if (call.dir == SE_TLS_CALL_HANDSHAKE) { /* done or not, it learnt the connection */
		se_tls_conn_of(&call, pid_tgid >> 32);
		return 0;
	}
	if (call.len_out) {
		__u64 n = 0;

		if (ret != 1)
			return 0;
		if (bpf_probe_read_user(&n, sizeof(n), (const void *)call.len_out)) {
			se_count(SE_KC_DROP_READ_FAULT);
			return 0;
		}
		ret = (long)n;
	}
	if (ret <= 0 || call.dir >= SE_DIR__COUNT)
		return 0;
	__u64 key = se_tls_conn_of(&call, pid_tgid >> 32);
	struct se_conn_state *c = key ? bpf_map_lookup_elem(&conns, &key) : NULL;

	/* Not announced: nothing of the connection reached user space yet (never so once
	 * tied, since the tie follows a record) */
	if (!c || c->announced != SE_ANNOUNCE_DONE) {
		se_count(SE_KC_TLS_UNTIED);
		return 0;
	}
	if (c->capture != SE_CAPTURE_LENGTHS) { /* its first record was not seen as TLS */
		c->capture = SE_CAPTURE_LENGTHS;
		se_count(SE_KC_TLS_CONNS);
	}
	struct se_scratch *s = se_scratch_get();

	if (!s)
		return 0;
	struct se_src src = { .base = call.buf };
	__u32 captured = se_copy_buf(s, (const void *)call.buf, ret);
	__u64 enter_ns = call.dir == SE_DIR_OUT && c->role == SE_ROLE_CLIENT ? call.start_ns : 0;

	se_emit_data(s, c, call.dir, SE_SYS_TLS, ret, captured, enter_ns, pid_tgid, &src);
	se_count(SE_KC_TLS_CALLS);
	return 0;
}

/*
 * BIO_write(bio, data, len), probed in executables that carry OpenSSL, and in the libcrypto of
 * each process seen sending its records itself (se_tls_memory_bio_seen): the library writing
 * a record out, inside a call. If the call's session object is not tied to a connection yet,
 * the record's print is kept (tls_records): a program with a memory BIO (Node.js, Python's
 * asyncio) moves the record to the socket after the call, and that send then ties the object
 * (se_tls_tie_by_record). The handshake's first flight ties a new connection before its first
 * request; on one opened before sockeye attached, the first write ties it.
 */
static __always_inline int se_tls_bio_write(__u64 data, int len)
{
	__u8 head[SE_TLS_PRINT_AT + SE_TLS_PRINT_LEN];
	__u64 pid_tgid;
	struct task_struct *task = se_selected_task(&pid_tgid);

	if (!task || len < (int)sizeof(head))
		return 0;
	struct se_tls_call *t = bpf_task_storage_get(&tls_calls, task, 0, 0);

	if (!t || !t->active)
		return 0;
	struct se_tls_session_key session = { .ssl = t->ssl, .tgid = pid_tgid >> 32 };
	struct se_tls_record_key key = { .tgid = pid_tgid >> 32 };
	__u64 ssl = t->ssl;

	if (bpf_map_lookup_elem(&tls_sessions, &session) ||
	    bpf_probe_read_user(head, sizeof(head), (const void *)data) ||
	    !se_tls_record_printable(head))
		return 0;
	__builtin_memcpy(key.print, head + SE_TLS_PRINT_AT, SE_TLS_PRINT_LEN);
	bpf_map_update_elem(&tls_records, &key, &ssl, BPF_ANY);
	return 0;
}

/* The session object is freed: a later one at the same address is another session. */
static __always_inline int se_tls_free(__u64 ssl)
{
	struct se_tls_session_key key = { .ssl = ssl, .tgid = bpf_get_current_pid_tgid() >> 32 };

	bpf_map_delete_elem(&tls_sessions, &key);
	return 0;
}

#endif /* SOCKEYE_TLS_BPF_H */
