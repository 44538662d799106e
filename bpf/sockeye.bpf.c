// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The entry hooks of the capture programs, and the one compilation unit of bpf/ (README.md
 * there gives the layering). Each hook unpacks its arguments and dispatches to the headers.
 * The syscall tier's hooks are the syscall tracepoints, the socket tier's the sock_*_length
 * raw tracepoints (io.bpf.h: se_sock_io); the raw tracepoints of the TCP state machine, of
 * the socket's end and of a send's start serve both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * A data syscall: one sys_exit program (the arguments come back from the entry registers,
 * see io.bpf.h). fd is always argument 0; buf, count and flags are argument positions.
 */
#define SE_DATA_SYSCALL(name, kind, buf_arg, count_arg, flags_arg)                                 \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int se_exit_##name(struct trace_event_raw_sys_exit *ctx)                                   \
	{                                                                                          \
		return se_io_exit(kind, ctx->ret, buf_arg, count_arg, flags_arg);                  \
	}

/* One row per syscall: kept as a table. */
// clang-format off
/* For the msghdr calls `count` is the msghdr pointer again: any non-zero value means
 * "copy payload" (MSG_TRUNC clears it). */
/*              name        kind               buf count flags */
SE_DATA_SYSCALL(read,       SE_SYS_READ,       1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(readv,      SE_SYS_READV,      1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(recvfrom,   SE_SYS_RECVFROM,   1,  2,    3)
SE_DATA_SYSCALL(recvmsg,    SE_SYS_RECVMSG,    1,  1,    2)
SE_DATA_SYSCALL(recvmmsg,   SE_SYS_RECVMMSG,   1,  2,    3)
/* preadv2(fd, iov, iovcnt, pos_l, pos_h, flags): RWF_* flags, not MSG_*: none apply */
SE_DATA_SYSCALL(preadv2,    SE_SYS_PREADV2,    1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(write,      SE_SYS_WRITE,      1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(writev,     SE_SYS_WRITEV,     1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(sendto,     SE_SYS_SENDTO,     1,  2,    SE_NO_ARG)
SE_DATA_SYSCALL(sendmsg,    SE_SYS_SENDMSG,    1,  1,    SE_NO_ARG)
SE_DATA_SYSCALL(sendmmsg,   SE_SYS_SENDMMSG,   1,  2,    SE_NO_ARG)
/* sendfile(out_fd, in_fd, offset, count): the socket is out_fd; no payload is copied */
SE_DATA_SYSCALL(sendfile64, SE_SYS_SENDFILE,   2,  3,    SE_NO_ARG)
SE_DATA_SYSCALL(pwritev2,   SE_SYS_PWRITEV2,   1,  2,    SE_NO_ARG)
// clang-format on

SEC("tracepoint/syscalls/sys_exit_accept")
int se_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return se_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int se_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return se_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int se_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return se_connect_enter((int)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int se_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	return se_connect_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_close")
int se_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	return se_close_enter((int)ctx->args[0]);
}

/*
 * sock:inet_sock_set_state(sk, oldstate, newstate), as a raw tracepoint (no tracefs
 * needed). Leaving CLOSE for SYN_SENT is a connect(2) (in the connecting task): a socket
 * connected again without being closed (after a refused connect, or connect(AF_UNSPEC)) ends
 * what it was before, whose entry must not stand for the new peer. Reaching ESTABLISHED
 * gives the role from the handshake direction and announces the connection, so one that
 * never moves data is still opened and closed; this runs in softirq, where there is no
 * process: the open record's pid is 0 and user space takes it from the first data record.
 * With --pid the process is not known here: the entry keeps the role and is announced by
 * the selected process's first data (or accept/connect on the syscall tier); entries of
 * other processes are never announced and go at the socket's end.
 */
SEC("raw_tracepoint/inet_sock_set_state")
int se_inet_sock_set_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int oldstate = (int)ctx->args[1];
	int newstate = (int)ctx->args[2];

	if (newstate == TCP_SYN_SENT) {
		se_conn_end(sk, SE_CLOSE_RECONNECT);
		return 0;
	}
	if (newstate != TCP_ESTABLISHED || !se_sock_watched(sk))
		return 0;
	__u8 role = oldstate == TCP_SYN_SENT   ? SE_ROLE_CLIENT
		    : oldstate == TCP_SYN_RECV ? SE_ROLE_SERVER
					       : se_guess_role(sk);
	struct se_conn_state *c = se_conn_get(sk, role, SE_ORIGIN_HANDSHAKE);

	if (c && !target_tgid)
		se_announce(sk, c, 0);
	return 0;
}

/* The socket tier's data hooks: sock:sock_send_length(sk, ret, flags) and
 * sock:sock_recv_length(sk, ret, flags), raw. */
SEC("raw_tracepoint/sock_send_length")
int se_sock_send_length(struct bpf_raw_tracepoint_args *ctx)
{
	return se_sock_io((struct sock *)ctx->args[0], (int)ctx->args[1], (__u32)ctx->args[2],
			  false);
}

SEC("raw_tracepoint/sock_recv_length")
int se_sock_recv_length(struct bpf_raw_tracepoint_args *ctx)
{
	return se_sock_io((struct sock *)ctx->args[0], (int)ctx->args[1], (__u32)ctx->args[2],
			  true);
}

/* tcp:tcp_sendmsg_locked(sk, msg, skb, size_goal), raw and optional: the send-start stamp
 * (io.bpf.h: se_send_begin). */
SEC("raw_tracepoint/tcp_sendmsg_locked")
int se_tcp_sendmsg_locked(struct bpf_raw_tracepoint_args *ctx)
{
	se_send_begin((struct sock *)ctx->args[0]);
	return 0;
}

/*
 * tcp:tcp_destroy_sock(sk): the socket is gone (after its last close and the FIN exchange, or
 * when the process exited without closing it). Ends the connection: on the socket tier
 * always, on the syscall tier if no close(2) did first. Fires once per socket.
 */
SEC("raw_tracepoint/tcp_destroy_sock")
int se_tcp_destroy_sock(struct bpf_raw_tracepoint_args *ctx)
{
	se_conn_end((struct sock *)ctx->args[0], SE_CLOSE_DESTROY);
	return 0;
}

/*
 * The TLS libraries' calls (tls.bpf.h), attached by user space to each library file with
 * the symbol of each (src/capture/tls_attach.c). SSL_read(ssl, buf, num) and
 * SSL_read_ex(ssl, buf, num, &readbytes) share one return probe: the entry says which.
 */
SEC("uprobe")
int se_ssl_read(struct pt_regs *ctx)
{
	return se_tls_enter(ctx->di, ctx->si, 0, SE_DIR_IN);
}

SEC("uprobe")
int se_ssl_read_ex(struct pt_regs *ctx)
{
	return se_tls_enter(ctx->di, ctx->si, ctx->cx, SE_DIR_IN);
}

SEC("uprobe")
int se_ssl_write(struct pt_regs *ctx)
{
	return se_tls_enter(ctx->di, ctx->si, 0, SE_DIR_OUT);
}

SEC("uprobe")
int se_ssl_write_ex(struct pt_regs *ctx)
{
	return se_tls_enter(ctx->di, ctx->si, ctx->cx, SE_DIR_OUT);
}

/* sched:sched_process_exec(p, old_pid, bprm), raw: a program started (tls.bpf.h) */
SEC("raw_tracepoint/sched_process_exec")
int se_sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return se_tls_exec(bpf_get_current_pid_tgid() >> 32);
}

/* SSL_do_handshake(ssl) (SSL_connect and SSL_accept call it), gnutls_handshake(session) */
SEC("uprobe")
int se_tls_handshake(struct pt_regs *ctx)
{
	return se_tls_enter(ctx->di, 0, 0, SE_TLS_CALL_HANDSHAKE);
}

/* OpenSSL's calls return an int: the upper half of ax is not part of it */
SEC("uretprobe")
int se_tls_return_int(struct pt_regs *ctx)
{
	return se_tls_exit((int)ctx->ax);
}

/* GnuTLS's return an ssize_t */
SEC("uretprobe")
int se_tls_return_long(struct pt_regs *ctx)
{
	return se_tls_exit((long)ctx->ax);
}

/* BIO_write(bio, data, len), in executables that carry OpenSSL (tls.bpf.h) */
SEC("uprobe")
int se_tls_bio_write_enter(struct pt_regs *ctx)
{
	return se_tls_bio_write(ctx->si, (int)ctx->dx);
}

/* SSL_free(ssl), gnutls_deinit(session) */
SEC("uprobe")
int se_tls_session_free(struct pt_regs *ctx)
{
	return se_tls_free(ctx->di);
}
