/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A data record (struct se_ev_data) as the stream segments it carries: the captured prefix
 * of its syscall, then, when the kernel's HTTP/2 frame walk added pieces (struct
 * se_data_piece), one segment per piece, each running uncaptured up to the next one. The
 * parsers then see frame headers past the prefix where they are in the stream, and the
 * bytes they need not read as not captured.
 *
 * Context: pure; reads only the record it is given.
 */
#ifndef SOCKEYE_DATA_RECORD_H
#define SOCKEYE_DATA_RECORD_H

#include <stddef.h>

#include "conn/stream.h"
#include "sockeye/abi.h"

/* The most segments one record makes. */
#define SE_RECORD_SEGMENTS_MAX (1 + SE_PIECES_MAX)

/*
 * Fill out[] with the segments of record e (size bytes as read from the ring); returns how
 * many, or 0 when the record is malformed: a payload or a piece past its end, a piece before
 * what precedes it, or past the syscall's bytes. The first segment is the record's own (an
 * event), the others have `piece` set; none is empty but a record's of no bytes.
 */
unsigned int se_data_record_segments(const struct se_ev_data *e, size_t size,
				     struct se_segment out[SE_RECORD_SEGMENTS_MAX]);

#endif /* SOCKEYE_DATA_RECORD_H */
