/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HPACK (RFC 7541): the header blocks of HTTP/2, decoded by an observer that may have joined
 * the connection after it started, or lost some of its bytes. One decoder per direction of a
 * connection; the caller hands it complete header blocks (HEADERS and CONTINUATION payloads
 * joined, padding and priority removed) and gets each field through a callback.
 *
 * A partial table. Unlike an endpoint's decoder, this one may not know the whole dynamic
 * table, and never gives up on a connection: an error spoils one block, not the ones after.
 * What it knows is exact, because of two facts of RFC 7541 4: an insert always becomes entry 1
 * (HPACK index 62), and eviction always takes the oldest entry first. So the entries known are
 * always the newest ones; dynamic index i resolves if i <= the number known, and is otherwise
 * reported UNKNOWN (not an error) while the table is partial. Once the decoder is sure that the
 * encoder holds no entry it does not know, the table is "known", and an index past it is
 * MALFORMED. It becomes known:
 *  - from the start, for a decoder made with known = true (connection seen from its start);
 *  - when a size update evicts a known entry or leaves no room for an unknown one (the
 *    unknown entries are older, so they went first) — a size update to 0 always does;
 *  - likewise when an insert evicts a known entry, or the known entries fill the table, once
 *    the maximum size is certain (a size update was seen since the table became partial);
 *  - when an entry larger than the (certain) maximum size empties the table (RFC 7541 4.4).
 * It becomes partial (and stays so until one of the above):
 *  - after a MALFORMED block (the rest of it could not be read) or se_hpack_lost_block().
 *    Such a block may have inserted entries, unknown and newer than every entry known: those
 *    are then no longer the newest, their indices shifted by an unknown count, so they are
 *    forgotten too; the table starts over, partial and empty. (A STOPPED block does not
 *    count: its rest is still read for its inserts, see se_hpack_field_fn.);
 *  - when an insert cannot be kept: its name is unknown, it exceeds what is kept (below), or
 *    storage could not grow (NOMEM): the newest entries that fit beside it stay known, or
 *    none when it does not fit at all;
 *  - when entries the encoder still holds are dropped to stay within what is kept.
 * A known table may hold a few entries the encoder has already evicted (only after it was
 * partial and the maximum size was a guess); resolution is unaffected, since an encoder
 * refers only to entries it holds, but an index to such an entry is not reported MALFORMED.
 *
 * Sizes. max_size is the encoder's maximum table size: SE_HPACK_DEFAULT_SIZE at the start, then
 * each size update's value. The decoder keeps known entries within
 * keep = min(max_size, limit, SE_HPACK_TABLE_CAP), limit being the SETTINGS_HEADER_TABLE_SIZE
 * of the decoding side (se_hpack_set_limit). A size update above the limit breaks the RFC
 * (6.3), but the limit seen may be stale (SETTINGS travel the other way), so it is tolerated
 * and clamped: max_size takes the value, what is kept stays within the limit, and entries the
 * encoder keeps beyond that are unknown. A peer table above SE_HPACK_TABLE_CAP is handled the
 * same way: its newest entries within the cap are exact, older ones unknown, and an entry
 * larger than the cap is unknown. A lower limit takes effect at the size update the encoder
 * must then send (RFC 7541 4.2), not at once: blocks it sent before still use the old size.
 * While the maximum size is a guess (after joining, an error or a lost block), it follows the
 * limit.
 *
 * Storage. Entry bytes (name then value) live in a ring of bytes, described by a ring of
 * (offset, lengths) descriptors, both allocated at the first insert and grown by doubling up
 * to what the table needs (at most SE_HPACK_TABLE_CAP bytes and SE_HPACK_TABLE_CAP / 32
 * descriptors), never shrunk before se_hpack_fini, and charged to the budget. A name or value
 * the ring wraps is copied (its first SE_HPACK_VALUE_MAX bytes) into the scratch buffer to be
 * handed over whole; nothing else is copied but Huffman-decoded strings and inserts. No
 * allocation per block or field once storage has grown.
 *
 * Errors. MALFORMED: a bad integer (more than 32 bits), a string past the block, bad Huffman
 * (EOS symbol, padding longer than 7 bits or not all 1s), index 0, an index past a known
 * table, or a size update after a field (RFC 7541 4.2: they open a block; an endpoint would
 * fail the connection, so nothing after matters much; treating it as malformed keeps one path).
 * The decoder stays usable for the next block: nothing is latched.
 *
 * Context: a decoder has one owner (a worker); the Huffman table is built once, thread-safely.
 */
#ifndef SOCKEYE_HPACK_H
#define SOCKEYE_HPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct se_budget;
struct se_hpack_entry;

/* Bytes (RFC 7541 4.1 sizes) of dynamic table kept at most. */
#define SE_HPACK_TABLE_CAP 65536
/* SETTINGS_HEADER_TABLE_SIZE until a SETTINGS says otherwise. */
#define SE_HPACK_DEFAULT_SIZE 4096
/* Bytes of one name or value handed to the callback; longer ones are cut (flag set). */
#define SE_HPACK_VALUE_MAX 8192
/* RFC 7541 4.1: an entry's size is its name's and value's lengths and 32. */
#define SE_HPACK_ENTRY_OVERHEAD 32
/* Entries of the static table (RFC 7541 Appendix A). */
#define SE_HPACK_STATIC_COUNT 61
/*
 * The caller's buffer for one decode (one per worker): Huffman-decoded strings and copies of
 * names and values the ring wraps. An entry that fits the table must be inserted whole however
 * long its name or value, so a name may take up to SE_HPACK_TABLE_CAP bytes and the value
 * whatever remains; SE_HPACK_VALUE_MAX more keep room for the value a callback sees when the
 * name alone is that long.
 */
#define SE_HPACK_SCRATCH (SE_HPACK_TABLE_CAP + SE_HPACK_VALUE_MAX)

enum se_hpack_field_flags {
	SE_HPACK_NAME_UNKNOWN = 1 << 0,	 /* indexed name not in the known part of the table */
	SE_HPACK_VALUE_UNKNOWN = 1 << 1, /* indexed field (name and value) not known */
	SE_HPACK_TRUNCATED = 1 << 2,	 /* name or value longer than SE_HPACK_VALUE_MAX: cut */
	SE_HPACK_NEVER_INDEXED = 1 << 3, /* literal never indexed (sensitive) */
	SE_HPACK_STATIC_VALUE = 1 << 4,	 /* the whole field is static entry static_index */
};

/* Static table indices a tracker looks for (RFC 7541 Appendix A). */
enum se_hpack_static_index {
	SE_HPACK_STATIC_AUTHORITY = 1,
	SE_HPACK_STATIC_METHOD_GET = 2,
	SE_HPACK_STATIC_METHOD_POST = 3,
	SE_HPACK_STATIC_PATH_ROOT = 4,	/* ":path" "/" */
	SE_HPACK_STATIC_PATH_INDEX = 5, /* ":path" "/index.html" */
	SE_HPACK_STATIC_SCHEME_HTTP = 6,
	SE_HPACK_STATIC_SCHEME_HTTPS = 7,
	SE_HPACK_STATIC_STATUS_200 = 8, /* 9..14: 204, 206, 304, 400, 404, 500 */
	SE_HPACK_STATIC_STATUS_500 = 14,
	SE_HPACK_STATIC_CONTENT_LENGTH = 28,
	SE_HPACK_STATIC_CONTENT_TYPE = 31,
	SE_HPACK_STATIC_HOST = 38,
	SE_HPACK_STATIC_USER_AGENT = 58,
};

struct se_hpack_field {
	const uint8_t *name; /* views valid during the callback only; NULL/0 when unknown */
	uint32_t name_len;
	const uint8_t *value;
	uint32_t value_len;
	uint32_t flags; /* enum se_hpack_field_flags */
	/*
	 * The static entry the name is (1..SE_HPACK_STATIC_COUNT), else 0: the index referred
	 * to, also through a dynamic entry whose name came from it. Which name it is:
	 * se_hpack_static_name_index(); whether the value is that entry's too: STATIC_VALUE.
	 */
	uint8_t static_index;
};

/*
 * Return false to have no more fields of the block reported. The rest of the block is still
 * read for its table updates (strings that are not inserted are stepped over, not decoded):
 * stopping early would cost the table (see "It becomes partial"). The callback must not call
 * into the decoder nor touch the scratch buffer.
 */
typedef bool (*se_hpack_field_fn)(void *ctx, const struct se_hpack_field *f);

enum se_hpack_result {
	SE_HPACK_OK = 0,
	SE_HPACK_MALFORMED = 1, /* see "Errors" above; the rest of the block is not read */
	SE_HPACK_NOMEM = 2,	/* an insert could not be kept (budget or malloc): table partial */
	SE_HPACK_STOPPED = 3,	/* the callback returned false */
};

/* Fixed size, no pointer into itself. Owner: the worker of the connection. */
struct se_hpack {
	uint8_t *ring;		     /* entry bytes, name then value, oldest first */
	struct se_hpack_entry *ents; /* descriptors, a ring from head, oldest first */
	struct se_budget *budget;    /* charged for ring and ents; NULL: unlimited */
	uint32_t ring_cap;	     /* bytes of ring: a power of two, 0 before the first insert */
	uint32_t ents_cap;	     /* descriptors in ents: a power of two, or 0 */
	uint32_t head;		     /* ents index of the oldest known entry */
	uint32_t count;		     /* known entries */
	uint32_t tail;		     /* ring offset where the next entry's bytes go */
	uint32_t size;		     /* RFC 7541 4.1 size of the known entries */
	uint32_t max_size; /* the encoder's maximum table size (a guess unless max_exact) */
	uint32_t keep;	   /* known entries are evicted past this (see "Sizes") */
	uint32_t limit;	   /* SETTINGS_HEADER_TABLE_SIZE of the decoding side */
	bool known;	   /* no entry of the encoder's table is unknown */
	bool max_exact;	   /* max_size is the encoder's (size update, or from the start) */
};

/* An empty decoder; known: the connection was seen from its start. Allocates nothing. */
void se_hpack_init(struct se_hpack *d, bool known, struct se_budget *budget);
/* Frees storage and gives its budget back; d may be NULL. d can be initialised again. */
void se_hpack_fini(struct se_hpack *d);
/* The SETTINGS_HEADER_TABLE_SIZE the decoding side advertised (call when its SETTINGS is seen). */
void se_hpack_set_limit(struct se_hpack *d, uint32_t settings_table_size);
/*
 * Decode one complete header block of len bytes, calling cb for each field in order; with cb
 * NULL (or once it returned false) only the table is kept up, and strings that are not
 * inserted are stepped over unchecked. scratch: at least SE_HPACK_SCRATCH bytes, not touched
 * by the caller until this returns. Returns, the first that applies: MALFORMED (the fields
 * before it were reported), STOPPED, NOMEM (every field was still reported), OK. The decoder
 * can decode the next block whatever the result.
 */
enum se_hpack_result se_hpack_decode(struct se_hpack *d, const uint8_t *block, size_t len,
				     uint8_t *scratch, se_hpack_field_fn cb, void *ctx);
/* A block that was not captured (lost bytes): its inserts are unknown, so the known entries
 * are forgotten and the table is partial ("It becomes partial"). */
void se_hpack_lost_block(struct se_hpack *d);
bool se_hpack_is_known(const struct se_hpack *d);
/* Heap bytes held (what is charged to the budget). */
size_t se_hpack_bytes(const struct se_hpack *d);
/* Every internal invariant of the table holds (for tests and fuzzing). */
bool se_hpack_check(const struct se_hpack *d);

/* The static table: NUL-terminated name and value of entry idx (1..SE_HPACK_STATIC_COUNT),
 * lengths in *len if not NULL; NULL for any other idx. */
const char *se_hpack_static_name(unsigned int idx, uint32_t *len);
const char *se_hpack_static_value(unsigned int idx, uint32_t *len);
/* The first static index with the same name as idx (3 -> 2 ":method", 5 -> 4, 7 -> 6, 9..14 ->
 * 8 ":status"); idx itself otherwise, 0 for 0 or past the table. */
unsigned int se_hpack_static_name_index(unsigned int idx);

/*
 * Huffman code (RFC 7541 5.2, Appendix B; hpack_huffman.c). Decode in[0..len): writes the
 * first out_max bytes decoded to out and returns the decoded length (it may exceed out_max:
 * the rest is checked, not kept), or -1 for an invalid string: the EOS symbol, or padding
 * longer than 7 bits or not the most significant bits of EOS.
 */
int64_t se_hpack_huffman_decode(uint8_t *out, size_t out_max, const uint8_t *in, size_t len);
/* Bytes the encoding of in[0..len) takes. */
size_t se_hpack_huffman_len(const uint8_t *in, size_t len);
/* Encode in[0..len) into out (se_hpack_huffman_len bytes); returns that length. For tests. */
size_t se_hpack_huffman_encode(uint8_t *out, const uint8_t *in, size_t len);

#endif /* SOCKEYE_HPACK_H */
