// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HPACK header block decoding (RFC 7541) against a dynamic table that may be known only in
 * part: the model, the sizes and the storage are described in hpack.h. This file holds the
 * static table, the table of known entries (a ring of bytes and a ring of descriptors) and the
 * decoding of one block.
 */
#include <stdlib.h>
#include <string.h>

#include "conn/budget.h"
#include "proto/http2/hpack.h"

/* Representations (RFC 7541 6): the pattern of the first byte, and the integer prefix. */
#define REP_INDEXED	0x80 /* 1xxxxxxx: indexed field, 7-bit index */
#define REP_INCREMENTAL 0x40 /* 01xxxxxx: literal with incremental indexing, 6-bit index */
#define REP_SIZE_MASK	0xe0
#define REP_SIZE_UPDATE 0x20 /* 001xxxxx: dynamic table size update, 5-bit size */
#define REP_NEVER	0x10 /* 0001xxxx: literal never indexed, 4-bit index (else 0000) */
#define STR_HUFFMAN	0x80 /* string: H bit, then a 7-bit length */
#define INT_MAX_CONT	5    /* continuation bytes of an integer: 5 * 7 bits cover 32 */
#define RING_MIN	512  /* first ring of bytes: a handful of common entries */
#define ENTS_MIN	16
/* Entries in a table of SE_HPACK_TABLE_CAP bytes at most. */
#define ENTS_MAX (SE_HPACK_TABLE_CAP / SE_HPACK_ENTRY_OVERHEAD)

struct se_hpack_entry {
	uint16_t off; /* ring offset of the name; the value follows (both may wrap) */
	uint16_t name_len;
	uint16_t value_len;
	uint8_t static_index; /* the static entry the name came from, or 0 */
	uint8_t pad;
};
_Static_assert(SE_HPACK_TABLE_CAP - SE_HPACK_ENTRY_OVERHEAD <= UINT16_MAX,
	       "the lengths of an entry kept fit its descriptor");
_Static_assert(SE_HPACK_TABLE_CAP <= UINT16_MAX + 1, "ring offsets fit the descriptor");
_Static_assert(SE_HPACK_SCRATCH >= 2 * SE_HPACK_VALUE_MAX, "scratch holds two views");

/* ---- static table ------------------------------------------------------------------------ */

/* An entry's strings and their lengths. */
#define S(n, v) n, v, sizeof(n) - 1, sizeof(v) - 1
static const struct {
	const char *name, *value;
	uint8_t name_len, value_len;
} static_table[SE_HPACK_STATIC_COUNT + 1] = {
	{ S("", "") }, /* index 0 is not an entry */
	{ S(":authority", "") },
	{ S(":method", "GET") },
	{ S(":method", "POST") },
	{ S(":path", "/") },
	{ S(":path", "/index.html") },
	{ S(":scheme", "http") },
	{ S(":scheme", "https") },
	{ S(":status", "200") },
	{ S(":status", "204") },
	{ S(":status", "206") },
	{ S(":status", "304") },
	{ S(":status", "400") },
	{ S(":status", "404") },
	{ S(":status", "500") },
	{ S("accept-charset", "") },
	{ S("accept-encoding", "gzip, deflate") },
	{ S("accept-language", "") },
	{ S("accept-ranges", "") },
	{ S("accept", "") },
	{ S("access-control-allow-origin", "") },
	{ S("age", "") },
	{ S("allow", "") },
	{ S("authorization", "") },
	{ S("cache-control", "") },
	{ S("content-disposition", "") },
	{ S("content-encoding", "") },
	{ S("content-language", "") },
	{ S("content-length", "") },
	{ S("content-location", "") },
	{ S("content-range", "") },
	{ S("content-type", "") },
	{ S("cookie", "") },
	{ S("date", "") },
	{ S("etag", "") },
	{ S("expect", "") },
	{ S("expires", "") },
	{ S("from", "") },
	{ S("host", "") },
	{ S("if-match", "") },
	{ S("if-modified-since", "") },
	{ S("if-none-match", "") },
	{ S("if-range", "") },
	{ S("if-unmodified-since", "") },
	{ S("last-modified", "") },
	{ S("link", "") },
	{ S("location", "") },
	{ S("max-forwards", "") },
	{ S("proxy-authenticate", "") },
	{ S("proxy-authorization", "") },
	{ S("range", "") },
	{ S("referer", "") },
	{ S("refresh", "") },
	{ S("retry-after", "") },
	{ S("server", "") },
	{ S("set-cookie", "") },
	{ S("strict-transport-security", "") },
	{ S("transfer-encoding", "") },
	{ S("user-agent", "") },
	{ S("vary", "") },
	{ S("via", "") },
	{ S("www-authenticate", "") },
};
#undef S

const char *se_hpack_static_name(unsigned int idx, uint32_t *len)
{
	if (idx < 1 || idx > SE_HPACK_STATIC_COUNT)
		return NULL;
	if (len)
		*len = static_table[idx].name_len;
	return static_table[idx].name;
}

const char *se_hpack_static_value(unsigned int idx, uint32_t *len)
{
	if (idx < 1 || idx > SE_HPACK_STATIC_COUNT)
		return NULL;
	if (len)
		*len = static_table[idx].value_len;
	return static_table[idx].value;
}

unsigned int se_hpack_static_name_index(unsigned int idx)
{
	/* the only names that repeat, on consecutive entries (RFC 7541 Appendix A) */
	if (idx == SE_HPACK_STATIC_METHOD_POST || idx == SE_HPACK_STATIC_PATH_INDEX ||
	    idx == SE_HPACK_STATIC_SCHEME_HTTPS)
		return idx - 1;
	if (idx > SE_HPACK_STATIC_STATUS_200 && idx <= SE_HPACK_STATIC_STATUS_500)
		return SE_HPACK_STATIC_STATUS_200;
	return idx <= SE_HPACK_STATIC_COUNT ? idx : 0;
}

/* ---- the table of known entries ---------------------------------------------------------- */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t keep_for(uint32_t max_size, uint32_t limit)
{
	return min_u32(min_u32(max_size, limit), SE_HPACK_TABLE_CAP);
}

/* Bytes of the ring the known entries hold. */
static uint32_t ring_used(const struct se_hpack *d)
{
	return d->size - d->count * SE_HPACK_ENTRY_OVERHEAD;
}

/* Dynamic entry i, 1 the newest; i <= d->count. */
static const struct se_hpack_entry *entry(const struct se_hpack *d, uint32_t i)
{
	return &d->ents[(d->head + d->count - i) & (d->ents_cap - 1)];
}

static void evict_oldest(struct se_hpack *d)
{
	const struct se_hpack_entry *e = &d->ents[d->head];

	d->size -= e->name_len + e->value_len + SE_HPACK_ENTRY_OVERHEAD;
	d->head = (d->head + 1) & (d->ents_cap - 1);
	if (!--d->count) {
		d->head = 0;
		d->tail = 0; /* an empty ring starts over: fewer entries wrap */
	}
}

/* Forget every known entry (not the storage). */
static void clear(struct se_hpack *d)
{
	d->count = 0;
	d->size = 0;
	d->head = 0;
	d->tail = 0;
}

/* Copy n bytes out of the ring from offset off (wrapping) into dst. */
static void ring_read(const struct se_hpack *d, uint32_t off, uint32_t n, uint8_t *dst)
{
	uint32_t first = min_u32(n, d->ring_cap - off);

	memcpy(dst, d->ring + off, first);
	memcpy(dst + first, d->ring, n - first);
}

static void ring_write(struct se_hpack *d, uint32_t off, const uint8_t *src, size_t n)
{
	size_t first;

	if (!n)
		return; /* src may be NULL */
	first = n < d->ring_cap - off ? n : d->ring_cap - off;

	memcpy(d->ring + off, src, first);
	memcpy(d->ring, src + first, n - first);
}

/* Room for one more entry of n string bytes in the storage held. */
static bool room(const struct se_hpack *d, size_t n)
{
	return d->ring_cap && d->count < d->ents_cap && n <= d->ring_cap - ring_used(d);
}

/* Replace a block of old_len bytes by one of new_len, charged to the budget; NULL: refused. */
static void *realloc_charged(struct se_hpack *d, size_t old_len, size_t new_len)
{
	void *p;

	if (!se_budget_take(d->budget, new_len))
		return NULL;
	p = malloc(new_len);
	if (!p) {
		se_budget_give(d->budget, new_len);
		return NULL;
	}
	se_budget_give(d->budget, old_len);
	return p;
}

/*
 * Grow storage for one more entry of n string bytes: the ring that is short is copied, oldest
 * entry first, into one at least twice as large. False when the budget or malloc refuses (a
 * ring that did grow stays grown).
 */
static bool grow(struct se_hpack *d, size_t n)
{
	uint32_t used = ring_used(d);

	if (!d->ring_cap || n > d->ring_cap - used) {
		uint32_t cap = d->ring_cap ? d->ring_cap * 2 : RING_MIN, off = 0;
		uint8_t *ring;

		while (cap - used < n)
			cap *= 2;
		ring = realloc_charged(d, d->ring_cap, cap);
		if (!ring)
			return false;
		for (uint32_t i = 0; i < d->count; i++) {
			struct se_hpack_entry *e = &d->ents[(d->head + i) & (d->ents_cap - 1)];
			uint32_t len = e->name_len + e->value_len;

			ring_read(d, e->off, len, ring + off);
			e->off = (uint16_t)off;
			off += len;
		}
		free(d->ring);
		d->ring = ring;
		d->ring_cap = cap;
		d->tail = used;
	}
	if (d->count == d->ents_cap) {
		uint32_t cap = d->ents_cap ? d->ents_cap * 2 : ENTS_MIN;
		struct se_hpack_entry *ents;

		ents = realloc_charged(d, d->ents_cap * sizeof(*ents), cap * sizeof(*ents));
		if (!ents)
			return false;
		for (uint32_t i = 0; i < d->count; i++)
			ents[i] = d->ents[(d->head + i) & (d->ents_cap - 1)];
		free(d->ents);
		d->ents = ents;
		d->ents_cap = cap;
		d->head = 0;
	}
	return true;
}

/* After the encoder may have evicted entries: known if ours fill its table (no unknown entry,
 * 32 bytes at least, would fit). */
static void check_full(struct se_hpack *d)
{
	if (!d->known && d->max_exact && (uint64_t)d->size + SE_HPACK_ENTRY_OVERHEAD > d->max_size)
		d->known = true;
}

/*
 * Insert a field as entry 1 (RFC 7541 4.4). name and value hold all nlen and vlen bytes if
 * the entry fits what is kept, and do not point into the ring.
 */
static enum se_hpack_result insert(struct se_hpack *d, const uint8_t *name, size_t nlen,
				   const uint8_t *value, size_t vlen, uint8_t static_index)
{
	uint64_t esize = (uint64_t)nlen + vlen + SE_HPACK_ENTRY_OVERHEAD;
	enum se_hpack_result res = SE_HPACK_OK;
	struct se_hpack_entry *e;
	bool evicted = false;

	if (esize > d->max_size) {
		/* the encoder empties its table; certain only if max_size is */
		clear(d);
		d->known = d->max_exact;
		return SE_HPACK_OK;
	}
	if (esize > d->keep) {
		clear(d); /* the encoder holds it: entry 1 is unknown, so are all */
		d->known = false;
		return SE_HPACK_OK;
	}
	/* What the encoder evicts too; it evicts its unknown (older) entries first. */
	while (d->size + esize > d->max_size) {
		evict_oldest(d);
		evicted = true;
	}
	if (evicted && d->max_exact)
		d->known = true;
	/* What only we evict: the encoder still holds it. */
	while (d->size + esize > d->keep) {
		evict_oldest(d);
		d->known = false;
	}
	if (!room(d, nlen + vlen) && !grow(d, nlen + vlen)) {
		/* keep the newest entries that fit beside the new one in the storage held */
		res = SE_HPACK_NOMEM;
		d->known = false;
		while (d->count && !room(d, nlen + vlen))
			evict_oldest(d);
		if (!room(d, nlen + vlen))
			return res;
	}
	e = &d->ents[(d->head + d->count) & (d->ents_cap - 1)];
	e->off = (uint16_t)d->tail;
	e->name_len = (uint16_t)nlen;
	e->value_len = (uint16_t)vlen;
	e->static_index = static_index;
	e->pad = 0;
	ring_write(d, d->tail, name, nlen);
	ring_write(d, (d->tail + nlen) & (d->ring_cap - 1), value, vlen);
	d->tail = (uint32_t)((d->tail + nlen + vlen) & (d->ring_cap - 1));
	d->count++;
	d->size += (uint32_t)esize;
	check_full(d);
	return res;
}

/* RFC 7541 6.3. */
static void size_update(struct se_hpack *d, uint32_t max_size)
{
	bool evicted = false;

	d->max_size = max_size;
	d->max_exact = true;
	d->keep = keep_for(max_size, d->limit);
	while (d->size > max_size) {
		evict_oldest(d);
		evicted = true;
	}
	if (evicted)
		d->known = true; /* the unknown entries, older, went first */
	check_full(d);
	while (d->size > d->keep) {
		evict_oldest(d);
		d->known = false;
	}
}

void se_hpack_init(struct se_hpack *d, bool known, struct se_budget *budget)
{
	memset(d, 0, sizeof(*d));
	d->budget = budget;
	d->max_size = SE_HPACK_DEFAULT_SIZE;
	d->limit = SE_HPACK_DEFAULT_SIZE;
	d->keep = keep_for(d->max_size, d->limit);
	d->known = known;
	d->max_exact = known;
}

void se_hpack_fini(struct se_hpack *d)
{
	if (!d)
		return;
	se_budget_give(d->budget, se_hpack_bytes(d));
	free(d->ring);
	free(d->ents);
	d->ring = NULL;
	d->ents = NULL;
	d->ring_cap = 0;
	d->ents_cap = 0;
	clear(d);
}

void se_hpack_set_limit(struct se_hpack *d, uint32_t settings_table_size)
{
	d->limit = settings_table_size;
	if (!d->max_exact) {
		/* the best guess of a maximum not seen: what the decoding side allows */
		d->max_size = settings_table_size;
		d->keep = keep_for(d->max_size, d->limit);
		while (d->size > d->keep)
			evict_oldest(d); /* the table is partial already */
		return;
	}
	/* Only ever raised here: a lower limit waits for the encoder's size update. */
	if (keep_for(d->max_size, settings_table_size) > d->keep)
		d->keep = keep_for(d->max_size, settings_table_size);
}

void se_hpack_lost_block(struct se_hpack *d)
{
	clear(d); /* its inserts, unknown, are newer than any entry known (see malformed) */
	d->known = false;
	d->max_exact = false; /* it may have held a size update */
}

bool se_hpack_is_known(const struct se_hpack *d)
{
	return d->known;
}

size_t se_hpack_bytes(const struct se_hpack *d)
{
	return (size_t)d->ring_cap + (size_t)d->ents_cap * sizeof(struct se_hpack_entry);
}

bool se_hpack_check(const struct se_hpack *d)
{
	uint64_t size = 0;
	uint32_t off;

	if (d->keep > SE_HPACK_TABLE_CAP || d->keep > d->max_size || d->size > d->keep ||
	    (d->known && !d->max_exact) || d->count > d->ents_cap || d->count > ENTS_MAX)
		return false;
	if ((d->ring_cap & (d->ring_cap - 1)) || (d->ents_cap & (d->ents_cap - 1)) ||
	    d->ring_cap > SE_HPACK_TABLE_CAP || (d->count && !d->ring_cap))
		return false;
	if (!d->count)
		return !d->size;
	off = d->ents[d->head].off;
	for (uint32_t i = d->count; i >= 1; i--) {
		const struct se_hpack_entry *e = entry(d, i);

		if (e->off != off)
			return false;
		size += e->name_len + e->value_len + SE_HPACK_ENTRY_OVERHEAD;
		off = (off + e->name_len + e->value_len) & (d->ring_cap - 1);
	}
	return size == d->size && off == d->tail && ring_used(d) <= d->ring_cap;
}

/* ---- decoding ---------------------------------------------------------------------------- */

/* A string as decoded: p holds its first min(len, kept) bytes. */
struct str {
	const uint8_t *p;
	size_t len;
	size_t kept;
};

/* RFC 7541 5.1: an integer with an n-bit prefix, at most 32 bits. */
static bool get_int(const uint8_t **pp, const uint8_t *end, unsigned int n, uint32_t *out)
{
	const uint8_t *p = *pp;
	uint32_t max = (1u << n) - 1;
	uint64_t v;

	if (p == end)
		return false;
	v = *p++ & max;
	if (v == max) {
		for (unsigned int i = 0;; i++) {
			if (p == end || i == INT_MAX_CONT)
				return false;
			v += (uint64_t)(*p & 0x7f) << (7 * i);
			if (v > UINT32_MAX)
				return false;
			if (!(*p++ & 0x80))
				break;
		}
	}
	*out = (uint32_t)v;
	*pp = p;
	return true;
}

/*
 * RFC 7541 5.2: a string literal; a Huffman one is decoded into dst (dst_max bytes kept).
 * skip: only stepped over (nothing decoded, nothing checked but its length).
 */
static bool get_str(const uint8_t **pp, const uint8_t *end, uint8_t *dst, size_t dst_max, bool skip,
		    struct str *s)
{
	bool huffman = *pp < end && (**pp & STR_HUFFMAN);
	uint32_t len;
	int64_t n;

	if (!get_int(pp, end, 7, &len) || len > (size_t)(end - *pp))
		return false;
	if (skip) {
		s->p = NULL;
		s->len = s->kept = 0;
	} else if (!huffman) {
		s->p = *pp;
		s->len = s->kept = len;
	} else {
		n = se_hpack_huffman_decode(dst, dst_max, *pp, len);
		if (n < 0)
			return false;
		s->p = dst;
		s->len = (size_t)n;
		s->kept = s->len < dst_max ? s->len : dst_max;
	}
	*pp += len;
	return true;
}

/* The first SE_HPACK_VALUE_MAX bytes of a ring string, contiguous: in place, else copied. */
static const uint8_t *ring_view(const struct se_hpack *d, uint32_t off, uint32_t len, uint8_t *dst)
{
	uint32_t n = min_u32(len, SE_HPACK_VALUE_MAX);

	if (n <= d->ring_cap - off)
		return d->ring + off;
	ring_read(d, off, n, dst);
	return dst;
}

static void set_name(struct se_hpack_field *f, const uint8_t *p, size_t len)
{
	f->name = p;
	f->name_len = (uint32_t)(len < SE_HPACK_VALUE_MAX ? len : SE_HPACK_VALUE_MAX);
	if (len > SE_HPACK_VALUE_MAX)
		f->flags |= SE_HPACK_TRUNCATED;
}

static void set_value(struct se_hpack_field *f, const uint8_t *p, size_t len)
{
	f->value = p;
	f->value_len = (uint32_t)(len < SE_HPACK_VALUE_MAX ? len : SE_HPACK_VALUE_MAX);
	if (len > SE_HPACK_VALUE_MAX)
		f->flags |= SE_HPACK_TRUNCATED;
}

/* An indexed field (RFC 7541 6.1), filled in f if report; false: malformed. */
static bool indexed(const struct se_hpack *d, uint32_t idx, uint8_t *scratch, bool report,
		    struct se_hpack_field *f)
{
	const struct se_hpack_entry *e;

	if (!idx)
		return false;
	if (!report)
		return idx <= SE_HPACK_STATIC_COUNT + d->count || !d->known;
	if (idx <= SE_HPACK_STATIC_COUNT) {
		set_name(f, (const uint8_t *)static_table[idx].name, static_table[idx].name_len);
		set_value(f, (const uint8_t *)static_table[idx].value, static_table[idx].value_len);
		f->static_index = (uint8_t)idx;
		f->flags |= SE_HPACK_STATIC_VALUE;
		return true;
	}
	idx -= SE_HPACK_STATIC_COUNT;
	if (idx > d->count) {
		f->flags |= SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN;
		return !d->known;
	}
	e = entry(d, idx);
	set_name(f, ring_view(d, e->off, e->name_len, scratch), e->name_len);
	set_value(f,
		  ring_view(d, (e->off + e->name_len) & (d->ring_cap - 1), e->value_len,
			    scratch + SE_HPACK_VALUE_MAX),
		  e->value_len);
	f->static_index = e->static_index;
	return true;
}

/*
 * A literal (RFC 7541 6.2) whose first byte is at *pp; false: malformed. The name may take
 * scratch[0..SE_HPACK_TABLE_CAP), the value what follows it: an entry that fits the table
 * fits there whole (hpack.h, SE_HPACK_SCRATCH); otherwise only the first SE_HPACK_VALUE_MAX
 * bytes of each are kept. *name_known: false when the name is an unknown dynamic entry.
 * Neither reported nor inserted: only stepped over.
 */
static bool literal(const struct se_hpack *d, const uint8_t **pp, const uint8_t *end,
		    uint8_t *scratch, bool indexing, bool report, struct str *name,
		    struct str *value, bool *name_known, struct se_hpack_field *f)
{
	size_t keep_max = indexing ? SE_HPACK_TABLE_CAP : SE_HPACK_VALUE_MAX, used = 0;
	bool skip = !indexing && !report;
	uint32_t idx;

	if (!(**pp & (REP_INDEXED | REP_INCREMENTAL)) && (**pp & REP_NEVER))
		f->flags |= SE_HPACK_NEVER_INDEXED;
	if (!get_int(pp, end, indexing ? 6 : 4, &idx))
		return false;
	*name_known = true;
	if (!idx) {
		if (!get_str(pp, end, scratch, keep_max, skip, name))
			return false;
		if (name->p == scratch)
			used = name->kept;
	} else if (skip && (idx <= SE_HPACK_STATIC_COUNT + d->count || !d->known)) {
		/* a name not needed */
	} else if (idx <= SE_HPACK_STATIC_COUNT) {
		name->p = (const uint8_t *)static_table[idx].name;
		name->len = name->kept = static_table[idx].name_len;
		f->static_index = (uint8_t)idx;
	} else if (idx - SE_HPACK_STATIC_COUNT <= d->count) {
		const struct se_hpack_entry *e = entry(d, idx - SE_HPACK_STATIC_COUNT);

		name->len = e->name_len;
		f->static_index = e->static_index;
		if (indexing) {
			/* whole, out of the ring: the insert may overwrite where it lies */
			ring_read(d, e->off, e->name_len, scratch);
			name->p = scratch;
			name->kept = used = e->name_len;
		} else {
			name->p = ring_view(d, e->off, e->name_len, scratch);
			name->kept = min_u32(e->name_len, SE_HPACK_VALUE_MAX);
			if (name->p == scratch)
				used = name->kept;
		}
	} else if (d->known) {
		return false;
	} else {
		*name_known = false;
		name->p = NULL;
		name->len = name->kept = 0;
		f->flags |= SE_HPACK_NAME_UNKNOWN;
	}
	if (!get_str(pp, end, scratch + used, indexing ? SE_HPACK_SCRATCH - used : keep_max, skip,
		     value))
		return false;
	if (*name_known)
		set_name(f, name->p, name->len);
	set_value(f, value->p, value->len);
	return true;
}

enum se_hpack_result se_hpack_decode(struct se_hpack *d, const uint8_t *block, size_t len,
				     uint8_t *scratch, se_hpack_field_fn cb, void *ctx)
{
	const uint8_t *p = block, *end = block + len;
	enum se_hpack_result res = SE_HPACK_OK;
	bool fields = false, report = cb;

	while (p < end) {
		struct se_hpack_field f = { 0 };
		struct str name = { 0 }, value = { 0 };
		bool indexing = false, name_known = false;
		uint32_t n;

		if (*p & REP_INDEXED) {
			if (!get_int(&p, end, 7, &n) || !indexed(d, n, scratch, report, &f))
				goto malformed;
		} else if ((*p & REP_SIZE_MASK) == REP_SIZE_UPDATE) {
			if (fields || !get_int(&p, end, 5, &n))
				goto malformed;
			size_update(d, n);
			continue;
		} else {
			indexing = *p & REP_INCREMENTAL;
			if (!literal(d, &p, end, scratch, indexing, report, &name, &value,
				     &name_known, &f))
				goto malformed;
		}
		fields = true;
		if (report && !cb(ctx, &f)) {
			/* No field reported past this one, but the rest of the block is still read
			 * for its inserts: without them the table would be lost (see malformed). */
			report = false;
			res = SE_HPACK_STOPPED;
		}
		if (!indexing)
			continue;
		if (!name_known) {
			clear(d); /* entry 1 is unknown now, so is every entry */
			d->known = false;
		} else if (insert(d, name.p, name.len, value.p, value.len, f.static_index) ==
			       SE_HPACK_NOMEM &&
			   res == SE_HPACK_OK) {
			res = SE_HPACK_NOMEM;
		}
	}
	return res;

malformed:
	/*
	 * The rest of the block cannot be read, so the entries it inserted are unknown, and
	 * they are newer than those known: these are no longer the newest (hpack.h), their
	 * indices shifted by an unknown count, so they are forgotten. A block this broken may
	 * not have been sent as it was read: the maximum size is a guess from now on too.
	 */
	clear(d);
	d->known = false;
	d->max_exact = false;
	return SE_HPACK_MALFORMED;
}
