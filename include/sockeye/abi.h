/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel <-> user-space contract: records the BPF programs write into the per-CPU rings,
 * the counters they keep, and the knobs user space sets before load. Compiled by clang for
 * the BPF target (with vmlinux.h) and by the C compiler for user space (with linux/types.h),
 * so every field is fixed-width with explicit padding, and sizes are asserted. Enums are
 * append-only: never renumber a value, it is on the wire between the two halves.
 */
#ifndef SOCKEYE_ABI_H
#define SOCKEYE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Hard upper bound of payload bytes copied per syscall; --capture-bytes chooses below it. */
#define SE_CAPTURE_MAX 16384
/* The kernel's per-CPU record assembly area (bpf/maps.bpf.h says why this size). */
#define SE_SCRATCH_BYTES (3 * SE_CAPTURE_MAX)
/* The default: room for a request line plus 4096 bytes of headers and more. */
#define SE_CAPTURE_DEFAULT 8192
/* iovec entries walked per syscall when copying payload (lengths always come from the
 * syscall's return value, so a longer vector only shortens the captured prefix). gRPC's
 * C core hands a HEADERS frame over as one entry per name and value: 27 for a first call. */
#define SE_IOV_MAX 64
/* Messages of one recvmmsg/sendmmsg accounted individually (the kernel's UIO_MAXIOV). */
#define SE_MMSG_MAX	     1024
#define SE_PORT_BITMAP_WORDS (65536 / 64)
/* Payload bytes copied per datagram: a DNS header and the longest question fit. */
#define SE_DGRAM_CAPTURE_MAX 512

enum se_event_kind {
	SE_EV_OPEN = 1,	 /* struct se_ev_open: a watched connection is first reported */
	SE_EV_DATA = 2,	 /* struct se_ev_data: bytes moved by one syscall (or one mmsg message) */
	SE_EV_CLOSE = 3, /* struct se_ev_close: the connection ended; no more events follow */
	SE_EV_DGRAM = 4, /* struct se_ev_dgram: one datagram of a UDP socket on a DNS port */
};

enum se_direction {
	SE_DIR_IN = 0,	/* received by the observed process */
	SE_DIR_OUT = 1, /* sent by the observed process */
	SE_DIR__COUNT = 2,
};

enum se_role {
	SE_ROLE_UNKNOWN = 0,
	SE_ROLE_SERVER = 1, /* the process accepted the connection */
	SE_ROLE_CLIENT = 2, /* the process opened the connection */
};

/* Which syscall moved the bytes of a data event. */
enum se_syscall {
	SE_SYS_READ = 1,
	SE_SYS_READV = 2,
	SE_SYS_RECVFROM = 3,
	SE_SYS_RECVMSG = 4,
	SE_SYS_RECVMMSG = 5,
	SE_SYS_WRITE = 6,
	SE_SYS_WRITEV = 7,
	SE_SYS_SENDTO = 8,
	SE_SYS_SENDMSG = 9,
	SE_SYS_SENDMMSG = 10,
	SE_SYS_SENDFILE = 11,
	SE_SYS_PREADV2 = 12,
	SE_SYS_PWRITEV2 = 13,
	SE_SYS_OTHER = 14, /* socket tier: splice, io_uring, a kernel thread: length only */
	SE_SYS_TLS = 15,   /* plaintext a TLS library call (SSL_read, SSL_write, ...) returned or
			    * took: a stream of its own (se_conn_state.plain), the one parsed */
};

/* How a connection was first recognised (kept for diagnostics and for role confidence). */
enum se_origin {
	SE_ORIGIN_HANDSHAKE = 1, /* seen in sock:inet_sock_set_state reaching ESTABLISHED */
	SE_ORIGIN_ACCEPT = 2,	 /* accept/accept4 returned it */
	SE_ORIGIN_CONNECT = 3,	 /* connect on it */
	SE_ORIGIN_MIDSTREAM = 4, /* first seen moving data (opened before sockeye started) */
};

enum se_close_reason {
	SE_CLOSE_SYSCALL = 1,	/* last close(2) of the socket's file by the observed process */
	SE_CLOSE_DESTROY = 2,	/* the kernel destroyed the socket first (process exit, etc.) */
	SE_CLOSE_RECONNECT = 3, /* connect(2) on the same socket again (after a refused connect
				 * or connect(AF_UNSPEC)): the old connection is over */
};

/*
 * Kernel-side counters, one slot each in the per-CPU array `counters`, as
 * X(NAME, id, "exported_name", loss). The losses are an event, or a part of one, that did not
 * reach user space. TRUNCATED is not a loss: the syscall moved more bytes than
 * --capture-bytes, its length is still exact.
 */
#define SE_KERNEL_COUNTERS(X)                                                                      \
	X(DROP_RING_FULL, 0, "ring_full", 1)	     /* bpf_ringbuf_output failed: ring full */    \
	X(DROP_CONN_MAP_FULL, 1, "conn_map_full", 1) /* a new connection did not fit `conns` */    \
	X(DROP_ARGS_LOST, 2, "args_lost", 1)   /* a syscall's arguments not kept for its exit */   \
	X(DROP_NO_RING, 3, "no_ring", 1)       /* the ring index had no ring (configuration) */    \
	X(DROP_READ_FAULT, 4, "read_fault", 1) /* user memory of a finished syscall unreadable */  \
	X(TRUNCATED, 5, "truncated", 0)	       /* payload cut at --capture-bytes */                \
	X(EVENTS, 6, "kernel_events", 0)       /* records written to the rings */                  \
	X(DROP_CLOSE_LOST, 7, "close_lost", 1) /* a close fit neither the ring nor lost_closes */  \
	X(DROP_MISSED_ENTER, 8, "missed_enter", 1) /* a sys_exit found another's arguments */      \
	X(DROP_CONN_RACE, 9, "conn_race", 1)   /* the connection's entry vanished mid-syscall */   \
	X(CLOSE_PARKED, 10, "close_parked", 0) /* close records parked in `lost_closes` */         \
	X(FRAME_WALKS, 11, "frame_walks", 0)   /* directions the HTTP/2 frame walk followed */     \
	X(FRAME_WALK_LOST, 12, "frame_walk_lost", 0) /* ... that it stopped following */           \
	X(FRAME_WALK_FULL, 13, "frame_walk_full", 0) /* records whose pieces ran out of room */    \
	X(TLS_CONNS, 14, "tls_conns", 0)   /* connections whose ciphertext is not copied (TLS) */  \
	X(TLS_CALLS, 15, "tls_calls", 0)   /* TLS library calls whose plaintext was recorded */    \
	X(TLS_UNTIED, 16, "tls_untied", 0) /* ... not recorded: their connection is not known */   \
	X(EXEC_LOST, 17, "exec_lost", 1)   /* what the TLS watcher was not told of (ring full) */

#define SE_KC_ENUM(name, id, str, loss) SE_KC_##name = (id),
enum se_kernel_counter {
	SE_KERNEL_COUNTERS(SE_KC_ENUM) SE_KC__COUNT = 18,
};
#undef SE_KC_ENUM

struct se_ev_header {
	__u8 kind; /* enum se_event_kind */
	__u8 pad[3];
	__u32 cpu;     /* CPU the record was produced on (diagnostics, migration tests) */
	__u64 conn_id; /* unique for the lifetime of the process, never reused */
	__u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct se_ev_header) == 24, "se_ev_header layout");

struct se_ev_open {
	struct se_ev_header h;
	__u32 tgid;
	__u8 role;	     /* enum se_role */
	__u8 origin;	     /* enum se_origin */
	__u16 family;	     /* AF_INET or AF_INET6 */
	__u16 local_port;    /* host byte order */
	__u16 peer_port;     /* host byte order */
	__u32 netns;	     /* inode number of the network namespace */
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 peer_addr[16];
};
_Static_assert(sizeof(struct se_ev_open) == 72, "se_ev_open layout");

struct se_ev_data {
	struct se_ev_header h;
	__u32 tgid;
	__u32 tid;
	__u64 offset;	  /* stream offset of the first byte, per connection and direction */
	__u32 total_len;  /* bytes the syscall moved */
	__u32 captured;	  /* bytes of payload that follow (<= total_len, <= --capture-bytes) */
	__u8 direction;	  /* enum se_direction */
	__u8 syscall;	  /* enum se_syscall */
	__u8 role;	  /* enum se_role, as in the connection's SE_EV_OPEN */
	__u8 pieces;	  /* struct se_data_piece entries after the payload (HTTP/2 frame walk) */
	__u32 syscall_ns; /* from when a send began to this record (saturated): h.ts_ns minus
			   * this is when a request began to go out; 0 for a receive, a send
			   * on a server connection, or a send whose start is unknown (see
			   * se_send_start in bpf/io.bpf.h) */
			  /* followed by `captured` bytes of payload, then `pieces` pieces */
};
_Static_assert(sizeof(struct se_ev_data) == 56, "se_ev_data layout");

/*
 * Bytes of a data record's syscall past its captured prefix, copied because a parser needs
 * them: the HTTP/2 frame walk (bpf/frame_walk.bpf.h) copies frame headers and the payload of
 * frames other than DATA. Each piece is this header and `len` bytes; pieces come in stream
 * order, each starting at or after the end of what precedes it, within the syscall's bytes.
 */
struct se_data_piece {
	__u32 offset; /* of its first byte, from the record's first byte */
	__u32 len;
};
_Static_assert(sizeof(struct se_data_piece) == 8, "se_data_piece layout");
/* Pieces per record and their bytes (headers included) at most. */
#define SE_PIECES_MAX	    128
#define SE_PIECES_BYTES_MAX SE_CAPTURE_MAX

struct se_ev_close {
	struct se_ev_header h;
	__u64 bytes[SE_DIR__COUNT]; /* stream length per direction when it closed */
	__u8 reason;		    /* enum se_close_reason */
	__u8 pad[7];
};
_Static_assert(sizeof(struct se_ev_close) == 48, "se_ev_close layout");

/*
 * A datagram sent or received on a UDP socket whose remote port (a client) or local port (a
 * server) is one of --dns-ports. No connection state: each record carries its endpoints.
 */
struct se_ev_dgram {
	struct se_ev_header h; /* conn_id: the socket's id, the same for every datagram of the
				* socket while it lives (a later socket may get it again) */
	__u32 tgid;
	__u32 tid;
	__u32 total_len; /* bytes of the datagram */
	__u32 captured;	 /* bytes of payload that follow (<= SE_DGRAM_CAPTURE_MAX) */
	__u8 direction;	 /* enum se_direction */
	__u8 syscall;	 /* enum se_syscall */
	__u8 role;	 /* enum se_role: CLIENT when the remote port is the DNS port */
	__u8 pad;
	__u16 family;	  /* AF_INET or AF_INET6 */
	__u16 local_port; /* host byte order */
	__u16 peer_port;  /* host byte order; 0 on a socket not connected (a server's) */
	__u16 pad2;
	__u32 pad3;
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 peer_addr[16];  /* zero on a socket not connected */

	/* followed by `captured` bytes of payload */
};
_Static_assert(sizeof(struct se_ev_dgram) == 88, "se_ev_dgram layout");

/*
 * Value of the BPF `lost_closes` map, keyed by connection id: a close record that did not
 * fit in its ring, kept until the worker owning `ring` collects it at its next window seal
 * (a lost close leaves the connection in the worker's table until the worker reconciles
 * the table with `conns`, src/conn/reconcile.c).
 */
struct se_lost_close {
	__u64 bytes[SE_DIR__COUNT];
	__u64 ts_ns;
	__u32 ring;
	__u8 reason; /* enum se_close_reason */
	__u8 pad[3];
};
_Static_assert(sizeof(struct se_lost_close) == 32, "se_lost_close layout");

/* se_conn_state.announced: has the connection's SE_EV_OPEN record been written? */
enum se_announce_state {
	SE_ANNOUNCE_NONE = 0,
	SE_ANNOUNCE_WRITING = 1, /* a program won the right to write it and is writing it */
	SE_ANNOUNCE_DONE = 2,	 /* submitted to the connection's ring */
};

/* What the TLS watcher is told of a process (struct se_ev_exec). */
enum se_exec_kind {
	/* it started a program (sched_process_exec): look for the TLS libraries it uses */
	SE_EXEC_STARTED = 0,
	/* it sent a TLS record outside any TLS call, one no object's print matched (memory
	 * BIOs, as Python's asyncio has them): probe the BIO_write of its libcrypto, in it
	 * alone */
	SE_EXEC_MEMORY_BIO = 1,
};

/*
 * A process in the watched scope the TLS watcher (src/capture/tls_watch.c) must look at.
 * Written to the `execs` ring.
 */
struct se_ev_exec {
	__u32 pid;  /* as sockeye's own pid namespace numbers it (its /proc) */
	__u32 kind; /* enum se_exec_kind */
};
_Static_assert(sizeof(struct se_ev_exec) == 8, "se_ev_exec layout");

/* TLS record layer, as both halves recognise it (se_tls_begins, se_detect_tls) (RFC
 * 8446 5.1): type, version, length, then the handshake's type */
#define SE_TLS_RECORD_HEADER	5
#define SE_TLS_RECORD_MAX	(16384 + 2048) /* TLSCiphertext: 2^14 + 2048 */
#define SE_TLS_HANDSHAKE	22
#define SE_TLS_APPLICATION_DATA 23
#define SE_TLS_CLIENT_HELLO	1
#define SE_TLS_SERVER_HELLO	2

/* se_conn_state.capture: what the kernel copies of a connection's syscalls */
enum se_capture_mode {
	SE_CAPTURE_PREFIX = 0,	/* --capture-bytes of each (and the HTTP/2 frame walk's pieces) */
	SE_CAPTURE_LENGTHS = 1, /* lengths only: TLS, whose ciphertext no parser reads (its
				 * plaintext comes from the library's calls, bpf/tls.bpf.h) */
};

/* se_frame_walk.state */
enum se_walk_state {
	SE_WALK_OFF = 0,  /* not HTTP/2 as far as the kernel saw (or joined mid-stream) */
	SE_WALK_ON = 1,	  /* following the frames */
	SE_WALK_LOST = 2, /* stopped: a frame it could not follow (frame_walk_lost) */
};

/*
 * The HTTP/2 frame walk of one direction of a connection (bpf/frame_walk.bpf.h): where the
 * next frame header starts, so the headers, and what parsers read of the frames, are copied
 * even past the captured prefix of a syscall.
 */
struct se_frame_walk {
	__u64 next; /* stream offset of the next frame header (of its next byte, with `have`) */
	__u32 lead; /* its length and type (the first 4 bytes, big-endian) as far as `have` */
	__u8 have;  /* bytes of the header seen (a header cut by the end of a syscall) */
	__u8 state; /* enum se_walk_state */
	__u8 copy;  /* the payload up to `next` is copied: the frame is not DATA */
	__u8 pad;
};
_Static_assert(sizeof(struct se_frame_walk) == 16, "se_frame_walk layout");

/* Value of the BPF `conns` map, keyed by the kernel's struct sock address. */
struct se_conn_state {
	__u64 id;
	__u64 offset[SE_DIR__COUNT]; /* next stream offset per direction */
	__u32 ring;		     /* ring every event of this connection goes to */
	__u8 role;		     /* enum se_role */
	__u8 origin;		     /* enum se_origin */
	__u8 capture;		     /* enum se_capture_mode */
	__u8 pad;
	__u32 announced;     /* enum se_announce_state (32-bit: BPF cmpxchg size) */
	__u32 send_tid;	     /* the thread that began the send in progress */
	__u64 send_start_ns; /* when the client send in progress began copying (0: none, or a server
			      * connection); see bpf/io.bpf.h */
	struct se_frame_walk
	    walk[SE_DIR__COUNT];    /* of the stream parsed: plain once there is one */
	__u64 plain[SE_DIR__COUNT]; /* next plaintext stream offset per direction (SE_SYS_TLS) */
};
_Static_assert(sizeof(struct se_conn_state) == 96, "se_conn_state layout");

#endif /* SOCKEYE_ABI_H */
