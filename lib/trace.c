/* trace: W3C traceparent (trace-context level 1) parsing and formatting, new
 * ids from the run's rng, and the x-cascade-lineage retry path. */
#include "trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define LINEAGE_HOPS_MAX 16
#define LINEAGE_ATTEMPT_MAX 9999

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int hex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* n lowercase hex digits at p; 0 if any is not. */
static int all_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(p[i]))
			return 0;
	return 1;
}

static int all_zeros(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '0')
			return 0;
	return 1;
}

int trace_parse(const char *value, struct traceparent *out, char *err, size_t errlen)
{
	/* Offsets in "vv-<32>-<16>-ff". */
	enum { VERSION_AT = 0, TRACE_AT = 3, PARENT_AT = 36, FLAGS_AT = 53 };

	if (!value || !*value)
		return errf(err, errlen, "empty traceparent");
	size_t len = strlen(value);
	if (len < 2 || !all_lower_hex(value, 2))
		return errf(err, errlen, "version is not 2 lowercase hex digits in \"%s\"", value);
	if (value[0] == 'f' && value[1] == 'f')
		return errf(err, errlen, "version ff is invalid");
	/* Version 00 is exactly 55 characters; a later version may append
	 * fields after a '-', which a level 1 parser skips. */
	int v00 = value[0] == '0' && value[1] == '0';
	if (v00 ? len != TRACEPARENT_LEN : len < TRACEPARENT_LEN)
		return errf(err, errlen, "traceparent is %zu characters, want %d", len, TRACEPARENT_LEN);
	if (!v00 && len > TRACEPARENT_LEN && value[TRACEPARENT_LEN] != '-')
		return errf(err, errlen, "no '-' after the flags of a version %.2s traceparent", value);
	if (value[TRACE_AT - 1] != '-' || value[PARENT_AT - 1] != '-' || value[FLAGS_AT - 1] != '-')
		return errf(err, errlen, "misplaced '-' in \"%s\"", value);
	if (!all_lower_hex(value + TRACE_AT, TRACE_ID_LEN))
		return errf(err, errlen, "trace-id is not 32 lowercase hex digits");
	if (all_zeros(value + TRACE_AT, TRACE_ID_LEN))
		return errf(err, errlen, "trace-id is all zeros");
	if (!all_lower_hex(value + PARENT_AT, SPAN_ID_LEN))
		return errf(err, errlen, "parent-id is not 16 lowercase hex digits");
	if (all_zeros(value + PARENT_AT, SPAN_ID_LEN))
		return errf(err, errlen, "parent-id is all zeros");
	if (!all_lower_hex(value + FLAGS_AT, 2))
		return errf(err, errlen, "flags are not 2 lowercase hex digits");

	memcpy(out->trace_id, value + TRACE_AT, TRACE_ID_LEN);
	out->trace_id[TRACE_ID_LEN] = '\0';
	memcpy(out->parent_id, value + PARENT_AT, SPAN_ID_LEN);
	out->parent_id[SPAN_ID_LEN] = '\0';
	out->flags = (uint8_t)(hex_val(value[FLAGS_AT]) << 4 | hex_val(value[FLAGS_AT + 1]));
	return 0;
}

static const char hex_digits[] = "0123456789abcdef";

/* Eight hex digits of x, most significant first, as the bytes of a
 * little-endian word: each nibble spread to a byte, then '0'..'9' or
 * 'a'..'f' added to all eight at once.  Stored as is, the first byte in
 * memory must be the most significant digit. */
static uint64_t hex8(uint32_t x)
{
	uint64_t y = x;

	y = ((y & 0xffff0000u) << 16) | (y & 0xffffu);
	y = ((y & UINT64_C(0x0000ff000000ff00)) << 8) | (y & UINT64_C(0x000000ff000000ff));
	y = ((y & UINT64_C(0x00f000f000f000f0)) << 4) | (y & UINT64_C(0x000f000f000f000f));
	/* one per byte whose nibble is 10 or more */
	uint64_t letters = ((y + UINT64_C(0x0606060606060606)) >> 4) & UINT64_C(0x0101010101010101);
	y += UINT64_C(0x3030303030303030) + letters * ('a' - '0' - 10);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(y);
#else
	return y;
#endif
}

/* "%016" PRIx64, without printf: ids are made several times per request. */
static void put_hex64(char *out, uint64_t v)
{
	uint64_t hi = hex8((uint32_t)(v >> 32)), lo = hex8((uint32_t)v);
	memcpy(out, &hi, 8);
	memcpy(out + 8, &lo, 8);
}

/* At most n characters of s, as "%.*s" writes them. */
static char *put_upto(char *out, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	memcpy(out, s, len);
	return out + len;
}

void trace_format(char out[TRACEPARENT_LEN + 1], const char *trace_id, const char *span_id, uint8_t flags)
{
	char *o = out;

	*o++ = '0';
	*o++ = '0';
	*o++ = '-';
	o = put_upto(o, trace_id, TRACE_ID_LEN);
	*o++ = '-';
	o = put_upto(o, span_id, SPAN_ID_LEN);
	*o++ = '-';
	*o++ = hex_digits[flags >> 4];
	*o++ = hex_digits[flags & 0xf];
	*o = '\0';
}

void trace_new_trace_id(struct rng *r, char out[TRACE_ID_LEN + 1])
{
	uint64_t hi, lo;
	/* All zeros is the spec's "invalid"; at 2^-128 it is only a loop guard. */
	do {
		hi = rng_u64(r);
		lo = rng_u64(r);
	} while (hi == 0 && lo == 0);
	put_hex64(out, hi);
	put_hex64(out + 16, lo);
	out[TRACE_ID_LEN] = '\0';
}

void trace_new_span_id(struct rng *r, char out[SPAN_ID_LEN + 1])
{
	uint64_t id;
	do
		id = rng_u64(r);
	while (id == 0);
	put_hex64(out, id);
	out[SPAN_ID_LEN] = '\0';
}

static int is_tier_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int lineage_validate(const char *value, char *err, size_t errlen)
{
	if (!value || !*value)
		return errf(err, errlen, "empty lineage");
	size_t len = strlen(value);
	if (len > LINEAGE_MAX - 1)
		return errf(err, errlen, "lineage is %zu bytes, at most %d allowed", len, LINEAGE_MAX - 1);

	const char *p = value;
	for (int hop = 1;; hop++) {
		if (hop > LINEAGE_HOPS_MAX)
			return errf(err, errlen, "more than %d hops in lineage", LINEAGE_HOPS_MAX);
		const char *tier = p;
		while (is_tier_char(*p))
			p++;
		if (p == tier)
			return errf(err, errlen, "hop %d has no tier name (want [a-z0-9_]+) in \"%s\"", hop,
				    value);
		if (*p != '#')
			return errf(err, errlen, "hop %d: expected '#' after tier '%.*s' in \"%s\"", hop,
				    (int)(p - tier), tier, value);
		p++;
		const char *digits = p;
		int attempt = 0;
		while (*p >= '0' && *p <= '9' && p - digits < 5)
			attempt = attempt * 10 + (*p++ - '0');
		if (p == digits)
			return errf(err, errlen, "hop %d has no attempt number in \"%s\"", hop, value);
		if (*digits == '0')
			return errf(err, errlen,
				    "hop %d: attempt must be 1..%d, without leading zeros, in \"%s\"", hop,
				    LINEAGE_ATTEMPT_MAX, value);
		if (attempt > LINEAGE_ATTEMPT_MAX || (*p >= '0' && *p <= '9'))
			return errf(err, errlen, "hop %d: attempt above %d in \"%s\"", hop,
				    LINEAGE_ATTEMPT_MAX, value);
		if (!*p)
			return 0;
		if (*p != '>')
			return errf(err, errlen, "hop %d: unexpected '%c' after the attempt in \"%s\"", hop,
				    *p, value);
		p++;
	}
}

int lineage_append(char out[LINEAGE_MAX], const char *in, const char *tier, int attempt)
{
	/* Without printf: every attempt of every tier makes one. */
	char num[12], *d = num + sizeof(num);
	size_t in_len = in ? strlen(in) : 0, tier_len, num_len;
	unsigned v;

	if (!tier || attempt < 0)
		return -1;
	tier_len = strlen(tier);
	v = (unsigned)attempt;
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10));
	num_len = (size_t)(num + sizeof(num) - d);
	if (in_len + (in_len > 0) + tier_len + 1 + num_len >= LINEAGE_MAX)
		return -1;
	/* out may be in: the old text stays where it is, the new hop goes after it */
	char *o = out;
	if (in_len) {
		if (out != in)
			memmove(out, in, in_len);
		o += in_len;
		*o++ = '>';
	}
	memcpy(o, tier, tier_len);
	o += tier_len;
	*o++ = '#';
	memcpy(o, d, num_len);
	o[num_len] = '\0';
	return 0;
}

int lineage_last_attempt(const char *lineage)
{
	if (!lineage)
		return 0;
	const char *hash = strrchr(lineage, '#');
	if (!hash)
		return 0;
	int attempt = 0;
	for (const char *p = hash + 1; *p >= '0' && *p <= '9' && attempt <= LINEAGE_ATTEMPT_MAX; p++)
		attempt = attempt * 10 + (*p - '0');
	return attempt;
}
