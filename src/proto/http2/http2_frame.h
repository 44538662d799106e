/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/2 framing of one direction of a connection (RFC 9113 4.1), fed segments in stream
 * order (struct se_segment, from reassembly). Frames may be split across segments and many
 * may share one; each is reported once, with its header and, for the frame types whose
 * payload the tracker reads (header blocks, SETTINGS, RST_STREAM, GOAWAY), its payload. The
 * payload of every other frame (DATA above all) is skipped by its length: never copied.
 *
 * A segment may carry fewer bytes than it covers (the capture limit) and may follow a hole
 * (a record lost to a full ring). A payload in bytes that are not there is reported as not
 * captured (the frame still counts: its header was seen); a frame header in bytes that are not
 * there loses the framing. Lost framing is reported once (on_lost) and the framer skips
 * segments until one starts with what can only be frames (se_h2_plausible): a writer hands
 * the kernel whole frames far more often than not, so the next such write is a boundary.
 *
 * A payload split over segments is gathered in a buffer of SE_H2_PAYLOAD_MAX bytes charged to
 * the budget, allocated when that happens and freed when the frame is complete.
 *
 * Context: owned by one worker; no locking, no clock.
 */
#ifndef SOCKEYE_HTTP2_FRAME_H
#define SOCKEYE_HTTP2_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn/budget.h"
#include "conn/stream.h"

#define SE_H2_FRAME_HEADER 9
#define SE_H2_PREFACE_LEN  24
/* Payload kept of a frame whose payload is read: SETTINGS_MAX_FRAME_SIZE's initial value,
 * which almost every implementation keeps; a longer payload is reported not captured. */
#define SE_H2_PAYLOAD_MAX 16384

enum se_h2_type {
	SE_H2_DATA = 0,
	SE_H2_HEADERS = 1,
	SE_H2_PRIORITY = 2,
	SE_H2_RST_STREAM = 3,
	SE_H2_SETTINGS = 4,
	SE_H2_PUSH_PROMISE = 5,
	SE_H2_PING = 6,
	SE_H2_GOAWAY = 7,
	SE_H2_WINDOW_UPDATE = 8,
	SE_H2_CONTINUATION = 9,
};

enum se_h2_flag {
	SE_H2_END_STREAM = 0x1, /* DATA, HEADERS; ACK on SETTINGS and PING */
	SE_H2_END_HEADERS = 0x4,
	SE_H2_PADDED = 0x8,
	SE_H2_PRIORITY_FLAG = 0x20,
};

struct se_h2_frame {
	uint32_t length;
	uint8_t type;
	uint8_t flags;
	uint32_t stream_id;
	/* Frames whose payload is read: all of it at payload, or (captured false) none. */
	bool captured;
	const uint8_t *payload;
	uint64_t start_ns; /* when the syscall that moved its first byte began */
	uint64_t ts_ns;	   /* when the one that moved its last byte returned */
};

struct se_h2_framer_ops {
	void (*on_frame)(void *ctx, const struct se_h2_frame *f);
	void (*on_lost)(void *ctx); /* framing lost: frames went unseen */
};

enum se_h2_state {
	SE_H2_S_PREFACE, /* the client's connection preface */
	SE_H2_S_HEADER,
	SE_H2_S_PAYLOAD, /* a payload that is read */
	SE_H2_S_SKIP,	 /* a payload that is not */
	SE_H2_S_LOST,	 /* waiting for a segment that starts with frames */
};

struct se_h2_framer {
	uint64_t pos; /* stream offset of the next byte expected */
	uint8_t state;
	uint8_t have;	 /* bytes of the header gathered, or of the preface seen */
	bool incomplete; /* the payload being gathered misses bytes */
	uint32_t left;	 /* payload bytes still to come */
	uint8_t hdr[SE_H2_FRAME_HEADER];
	struct se_h2_frame cur;
	uint8_t *buf; /* the payload gathered so far (cur.length - left bytes) */
	struct se_budget *budget;
};

/* Start at stream offset first_offset: at the preface (a client's side of a connection seen
 * from its start), at a frame boundary, or (lost) anywhere. */
void se_h2_framer_init(struct se_h2_framer *f, uint64_t first_offset, enum se_h2_state state,
		       struct se_budget *budget);
void se_h2_framer_fini(struct se_h2_framer *f);
/* One segment, in stream order. A payload that cannot be gathered (memory, budget) is
 * reported not captured. */
void se_h2_framer_push(struct se_h2_framer *f, const struct se_segment *seg,
		       const struct se_h2_framer_ops *ops, void *ctx);

/* Does buf (len bytes captured of a run of total bytes) start with what can only be frames:
 * valid headers of known types chained to the end of the captured bytes (or exactly to the
 * end of the run when all of it was captured)? */
bool se_h2_plausible(const uint8_t *buf, size_t len, uint64_t total);

#endif /* SOCKEYE_HTTP2_FRAME_H */
