/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the pipeline benchmark's BPF program (pipeline.bpf.c) and its
 * producer (pipeline_producer.c): the arguments of one run, the counters the program keeps,
 * and the shape of a prebuilt record. Compiled for the BPF target and for user space, like
 * include/sockeye/abi.h, so every field is fixed-width.
 */
#ifndef SOCKEYE_BENCH_PIPELINE_H
#define SOCKEYE_BENCH_PIPELINE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "sockeye/abi.h"

/* Connections open at once (round-robin over them); a power of two for the verifier. */
#define SE_PL_CONNS_MAX 256
/* Payload bytes of one request or response template (with --pad). */
#define SE_PL_PAYLOAD_MAX 4096
/* Requests one run may emit (bpf_loop iterations, two records each). */
#define SE_PL_RUN_MAX 65536
/*
 * Connection ids of synthetic connections start here. sockeye's kernel side numbers its own
 * from 1 with a global sequence (bpf/conn.bpf.h: next_conn_id), which would need 2^62 new
 * connections to get here.
 */
#define SE_PL_CONN_ID_BASE (1ull << 62)

/* flags of struct se_pl_args */
#define SE_PL_F_OPEN  1u /* start a new generation of connections before the requests */
#define SE_PL_F_CLOSE 2u /* end every connection after the requests */

/* The context of one run (bpf_prog_test_run_opts ctx_in). */
struct se_pl_args {
	__u64 conn_base; /* with SE_PL_F_OPEN: id of the generation's first connection */
	__u32 nreq;	 /* requests to emit: one SE_EV_DATA IN + one SE_EV_DATA OUT each */
	__u32 flags;	 /* SE_PL_F_* */
};

/* Counters of the program (its .bss), read by the producer after each run. */
enum se_pl_stat {
	SE_PL_EVENTS = 0,	/* records written to the ring (what sockeye counts as events) */
	SE_PL_RING_FULL = 1,	/* records that found the ring full and were lost: drops */
	SE_PL_REQUESTS = 2,	/* requests whose IN and OUT records were both written */
	SE_PL_OPENS = 3,	/* SE_EV_OPEN records written */
	SE_PL_CLOSES = 4,	/* SE_EV_CLOSE records written */
	SE_PL_CLOSE_PARKED = 5, /* close records that found the ring full, parked in sockeye's
				 * `lost_closes` instead (not a loss, not a ring record) */
	SE_PL_CLOSE_LOST = 6,	/* close records that fit neither (also in RING_FULL) */
	SE_PL_NO_RING = 7,	/* the ring index had no ring */
	SE_PL_STAT__COUNT = 8,
};

/* One prebuilt data record: header fields are set per record, the payload is a template. */
struct se_pl_record {
	struct se_ev_data ev;
	__u8 data[SE_PL_PAYLOAD_MAX];
};

/* A synthetic connection of the current generation (what sockeye keeps in `conns`). */
struct se_pl_conn {
	__u64 id;
	__u64 offset[SE_DIR__COUNT]; /* next stream offset per direction */
	__u32 ring;
	__u32 announced;
};

#endif /* SOCKEYE_BENCH_PIPELINE_H */
