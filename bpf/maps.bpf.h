/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map, every load-time knob and every global of the capture programs: no other header
 * defines one. Each map says its purpose, key, value, writer, reader and size, because the
 * sizes are where memory is bounded.
 */
#ifndef SOCKEYE_MAPS_BPF_H
#define SOCKEYE_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sockeye/abi.h"
#include "record.bpf.h" /* the wake-up rule and its struct se_ring_written */

/* Knobs, written by user space into .rodata before load (see src/capture/probe.c). */
const volatile __u32 target_netns = 0; /* inode of the watched netns; 0 = all namespaces */
const volatile __u32 target_tgid = 0;  /* only this process; 0 = every process */
/* The pid namespace target_tgid is numbered in: the process's own (se_ns_tgid_selected);
 * 0 = the initial one */
const volatile __u32 target_pidns_ino = 0;
const volatile __u64 target_pidns_dev = 0; /* the device of that inode (a kernel dev_t) */
const volatile __u32 capture_bytes = SE_CAPTURE_DEFAULT; /* payload prefix per syscall */
const volatile __u32 nr_rings = 1;			 /* entries filled in `rings` */
const volatile __u64 wakeup_bytes = 0; /* wake the consumer per this much ring space; 0 = never */
/* bit p set: port p watched (--ports and --dns-ports: TCP connections on either are tracked) */
const volatile __u64 watched_ports[SE_PORT_BITMAP_WORDS] = {};
/* bit p set: a UDP socket with port p at either end carries DNS (--dns-ports) */
const volatile __u64 dns_ports[SE_PORT_BITMAP_WORDS] = {};
/* sockeye's own process, as target_* name one: its TLS calls (the OTLP export over https)
 * are not the service's (se_is_self) */
const volatile __u32 self_tgid = 0;
const volatile __u32 self_pidns_ino = 0;
const volatile __u64 self_pidns_dev = 0;
/* Mixed into a socket's address to make its id in datagram records (no kernel address leaves
 * the kernel as is); random, from user space. */
const volatile __u64 sock_id_salt = 0;

/* Connection ids: a global sequence, touched once per new connection, never per event. */
__u64 next_conn_id = 0;

/*
 * The f_op of every socket file (socket_file_ops: static, and not in kallsyms without
 * CONFIG_KALLSYMS_ALL), learned from the first file whose inode says it is a socket
 * (se_file_to_sock). Once known, one pointer comparison replaces two reads (f_inode, then
 * i_mode).
 */
__u64 socket_fops = 0;

/*
 * Where a task's saved user registers sit from the base of its kernel stack (x86-64:
 * THREAD_SIZE - TOP_OF_KERNEL_STACK_PADDING - sizeof(struct pt_regs)): one constant of the
 * running kernel, the same for every task, learned at the first call of se_task_regs.
 */
__u64 pt_regs_offset = 0;

/*
 * rings: --rings ring buffers (by default one per CPU sockeye may use), chosen per connection
 * (see emit.bpf.h).
 * key: u32 ring index; value: BPF_MAP_TYPE_RINGBUF (size from --ring-size; the inner map
 * template is replaced by user space before load). Writer: every program; reader: the worker
 * that owns the ring. Multi-producer safe, so a connection pinned to one ring may be written
 * from any CPU.
 */
struct se_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the number of rings before load */
	__type(key, __u32);
	__array(values, struct se_ring);
} rings SEC(".maps");

/*
 * ring_written: each ring's wake-up state (sockeye/wakeup.h): the ring space written and
 * whether its worker sleeps. key: u32 ring index, as in `rings`; value: struct
 * se_ring_written. Writers: every program that writes a record, and the worker, through its
 * mapping of the array (asleep). Size: the rings' (set before load).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* set to the number of rings before load */
	__type(key, __u32);
	__type(value, struct se_ring_written);
} ring_written SEC(".maps");

/*
 * conns: every watched TCP connection the kernel side knows.
 * key: struct sock address; value: struct se_conn_state. Writers: the data programs of
 * either tier (create, offsets, announce), the syscall tier's accept/connect/close (create,
 * announce; delete on the last close(2) or a reconnect), inet_sock_set_state (create and
 * announce on ESTABLISHED, delete on a reconnect) and tcp_destroy_sock (delete); reader:
 * the same programs. Size: --max-connections (set before load); full = counted drop.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct se_conn_state);
} conns SEC(".maps");

/* What connect's sys_enter leaves for its sys_exit. */
struct se_inflight {
	__s32 fd;
	__u8 syscall; /* 0 for connect (the only user since data syscalls are exit-only) */
	__u8 valid;   /* set at enter, cleared when the exit takes it */
	__u8 pad[2];
};

/*
 * inflight: task-local storage (a slot in the thread itself, no hashing, freed with the
 * thread). Value: struct se_inflight. Writer: connect's sys_enter (a thread gets its slot on
 * its first connect); reader: connect's sys_exit, which clears `valid`. Allocation failure =
 * counted drop (args_lost). Tracing programs may use it since 5.12.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct se_inflight);
} inflight SEC(".maps");

/*
 * Which message of the sendmmsg in progress a sock_send_length firing is (socket tier; see
 * se_dgram_mmsg_index in dgram.bpf.h).
 */
struct se_mmsg_cursor {
	__u64 msgvec; /* the call's vector (user address); 0: no call in progress */
	__u32 next;   /* index of the message the next firing sends */
	__u32 vlen;
};

/*
 * dns_unconnected: UDP sockets never connected that sent a datagram to a DNS port (musl's
 * resolver sends each query with sendto and an address): their answers, received from a
 * socket whose ports name no DNS port, are DNS too. key: u64 struct sock address; value: u16,
 * its local port then (a later socket at the same address is another socket). Writer: the
 * data hooks of both tiers, at such a send; reader: the same, at a receive on an unconnected
 * UDP socket. LRU: a socket closed (UDP sockets have no end a hook sees) or quiet long makes
 * room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u16);
} dns_unconnected SEC(".maps");

/*
 * mmsg_cursor: task-local storage, value struct se_mmsg_cursor. Writer and reader: the socket
 * tier's send hook, for a sendmmsg on a DNS socket only (a thread gets its slot on its first).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct se_mmsg_cursor);
} mmsg_cursor SEC(".maps");

/* se_tls_call.dir of a handshake call: no plaintext, only the tie to learn */
#define SE_TLS_CALL_HANDSHAKE 2

/*
 * The TLS library call a thread is in (bpf/tls.bpf.h): what its entry probe saw, for its
 * return probe, and the connection the call moved ciphertext on, set by the data hooks.
 */
struct se_tls_call {
	__u64 ssl;	/* the library's session object (SSL *, gnutls_session_t) */
	__u64 buf;	/* the plaintext buffer */
	__u64 len_out;	/* the _ex forms: where the call writes its byte count; 0: returned */
	__u64 sk;	/* the tracked connection's socket, once the call moved bytes on one */
	__u64 start_ns; /* when the call began: a client request's first byte went out then */
	__u8 dir;	/* enum se_direction: SE_DIR_IN for a read; SE_TLS_CALL_HANDSHAKE */
	__u8 active;	/* set at entry, cleared by the return probe */
	__u8 pad[6];
};

/*
 * tls_calls: task-local storage, value struct se_tls_call. Writer: the TLS entry probes of
 * selected processes (a thread gets its slot on its first call), and the data hooks of both
 * tiers on a TLS connection (sk); reader: the return probes, which clear `active`.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct se_tls_call);
} tls_calls SEC(".maps");

/*
 * execs: struct se_ev_exec records, one per program started in the watched scope, and one per
 * process seen moving its TLS records itself (memory BIOs). Writers: the sched_process_exec
 * hook, the data hooks of both tiers; reader: the TLS watcher process. Woken per record: both
 * are rare. Full = counted (exec_lost).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} execs SEC(".maps");

/*
 * tls_memory_bio_procs: the processes the TLS watcher was told move their TLS records
 * themselves (SE_EXEC_MEMORY_BIO), so it is told once. key: u32 tgid; value: u8. Writer: the
 * data hooks of both tiers. LRU: a process gone, or told long ago, makes room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} tls_memory_bio_procs SEC(".maps");

/* A TLS session object of one process. */
struct se_tls_session_key {
	__u64 ssl;
	__u32 tgid;
	__u32 pad;
};

/*
 * tls_sessions: the connection a TLS session object was last tied to, for the calls that move
 * no bytes on the socket (records already buffered, or a write the library keeps).
 * key: struct se_tls_session_key; value: u64 struct sock address (a `conns` key). Writer: the
 * return probes of tied calls; deleter: SSL_free/gnutls_deinit probes. LRU, so objects whose
 * free was never seen (a killed process) go first. Size: --max-connections (before load).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096); /* set to --max-connections before load */
	__type(key, struct se_tls_session_key);
	__type(value, __u64);
} tls_sessions SEC(".maps");

/* Where a TLS record is told from every other: 16 bytes from offset 11, past the record
 * header (5) and a hello's type, length and version (6), so a hello's random, and otherwise
 * ciphertext. Records shorter than that are not looked at. */
#define SE_TLS_PRINT_AT	 11
#define SE_TLS_PRINT_LEN 16

/* A TLS record a process wrote, by the bytes that tell it from every other. */
struct se_tls_record_key {
	__u32 tgid;
	__u8 print[SE_TLS_PRINT_LEN];
};

/*
 * tls_records: the records TLS session objects not yet tied to a connection wrote to a BIO,
 * inside a call, for a program that moves them to the socket itself after the call (a memory
 * BIO: Node.js, Python's asyncio). key: struct se_tls_record_key; value: u64, the session
 * object. Writer: the BIO_write probe (executables that carry OpenSSL, and the libcrypto of
 * the processes in tls_memory_bio_procs); reader and deleter: the data hooks of
 * both tiers, on a send of a TLS connection made outside any TLS call: the send that carries
 * the record ties the object to its connection (`tls_sessions`). LRU: records no such send
 * carries (a socket BIO's: their call tied itself) are the first to go.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct se_tls_record_key);
	__type(value, __u64);
} tls_records SEC(".maps");

/*
 * lost_closes: close records that did not fit in their ring (see abi.h).
 * key: u64 connection id; value: struct se_lost_close. Writer: se_conn_end when the ring is
 * full; reader/deleter: the worker owning the ring, once per window. Size: --max-connections
 * (set before load), so every connection `conns` holds could close during one overflow.
 * Full = counted drop (close_lost); the worker then ends the connection when it reconciles
 * its table with `conns` (src/conn/reconcile.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096); /* set to --max-connections before load */
	__type(key, __u64);
	__type(value, struct se_lost_close);
} lost_closes SEC(".maps");

/*
 * scratch: where a data record is assembled before bpf_ringbuf_output, because a ring
 * reservation must have a constant size and records are variable-sized. Three times the
 * capture bound so the verifier can prove every (offset, length) pair stays inside: the
 * prefix copy writes up to one bound at an offset below one bound (the iovec walk), the frame
 * walk's pieces up to one bound at an offset below two.
 * key: u32 CPU id (a plain array of one slot per possible CPU: a per-CPU array value may
 * not exceed 32 KiB). Syscall tracepoint programs never nest on one CPU (bpf_prog_active);
 * the softirq-side program (inet_sock_set_state) does not use it.
 */
/*
 * The HTTP/2 frame walk of the record being assembled (bpf/frame_walk.bpf.h). In the map
 * value, not on the stack: the verifier follows a bpf_loop callback's stack state from one
 * iteration to the next until it repeats, which counters on the stack never do, while values
 * loaded from a map are unknown to it from the start.
 */
struct se_walk_ctx {
	struct se_frame_walk w; /* the direction's state, written back when the record ends */
	__u64 off;		/* the record's stream offset */
	__u64 total;		/* bytes of the syscall */
	__u64 at;		/* record-relative position the walk has reached */
	__u64 iov;		/* struct se_src, and the iovec entry in hand: */
	__u64 iovcnt;
	__u64 ent_base;	 /* its user address */
	__u64 ent_start; /* record-relative position of its first byte */
	__u64 ent_len;
	__u32 ent_idx;
	__u32 captured;	   /* the prefix */
	__u32 used;	   /* piece bytes written after the prefix, headers included */
	__u32 last_hdr;	   /* where the last piece's header is in `data` */
	__u64 piece_start; /* record-relative start and end of the last piece's bytes (or of
			    * the bytes read aside) */
	__u64 last_end;
	__u32 pieces;
	__u8 lost; /* the walk cannot go on */
	__u8 full; /* the pieces have no room left: what the walk reads goes aside */
	__u8 pad[2];
};

struct se_scratch {
	struct se_ev_data ev;
	__u8 data[SE_SCRATCH_BYTES];
	struct se_walk_ctx walk; /* not part of the record */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs before load */
	__type(key, __u32);
	__type(value, struct se_scratch);
} scratch SEC(".maps");

/*
 * counters: key: enum se_kernel_counter; value: u64, per CPU. Writer: every program;
 * reader: the sender, once per window (it sums the CPUs).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SE_KC__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void se_count(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &counter);

	/* Per-CPU slot, but atomic: the softirq-side program can interrupt a syscall one. */
	if (v)
		__sync_fetch_and_add(v, 1);
}

#endif /* SOCKEYE_MAPS_BPF_H */
