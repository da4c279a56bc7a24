/* util: allocation wrappers that abort on out-of-memory, the sbuf growable
 * buffer, and errf for filling caller-owned error buffers. */
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an sbuf that was never written to points at, so sbuf_str and callers
 * reading sb->buf never see NULL.  Never written through: sbuf_grow replaces
 * it before the first byte is stored. */
static char sbuf_empty[1];

static void oom(size_t n)
{
	fprintf(stderr, "cascade: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	/* malloc(0) may return NULL legitimately; ask for one byte so NULL
	 * always means out of memory. */
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *calloc_cached(size_t count, size_t n)
{
	size_t bytes;
	void *p;

	if (count && n > SIZE_MAX / count)
		return NULL;
	bytes = count * n;
	if (bytes > CALLOC_CACHED_MAX)
		return calloc(count, n); /* fresh pages come zeroed: no memset */
	p = malloc(bytes ? bytes : 1);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void *xcalloc(size_t count, size_t n)
{
	void *p = calloc_cached(count, n);
	if (!p)
		oom(count && n > SIZE_MAX / count ? SIZE_MAX : count * n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t len = strlen(s);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len + 1);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sbuf_detach(&sb);
}

/* Make room for extra more bytes plus the NUL. */
static void sbuf_grow(struct sbuf *sb, size_t extra)
{
	if (extra > SIZE_MAX - sb->len - 1)
		oom(SIZE_MAX);
	size_t need = sb->len + extra + 1;
	if (sb->cap && need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (sb->cap == 0) {
		/* buf is NULL or sbuf_empty: neither may be passed to realloc. */
		sb->buf = xmalloc(cap);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, cap);
	}
	sb->cap = cap;
}

void sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	/* The common case, room to spare, without the call (CSV rows add a
	 * few bytes at a time, thirty times a row). */
	if (!sb->cap || len >= sb->cap - sb->len)
		sbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;

	/* Try in the room there is; on a miss, grow to the exact size and
	 * format again from a second copy of the arguments. */
	sbuf_grow(sb, 64);
	va_copy(ap2, ap);
	int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	if (n < 0) {
		fprintf(stderr, "cascade: bad format string \"%s\"\n", fmt);
		abort();
	}
	if ((size_t)n >= sb->cap - sb->len) {
		sbuf_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap2);
	}
	va_end(ap2);
	sb->len += (size_t)n;
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *sb)
{
	char *s = sb->cap ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	return s;
}

void sbuf_free(struct sbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

const char *sbuf_str(const struct sbuf *sb)
{
	return sb->cap ? sb->buf : sbuf_empty;
}

int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Digits of u, most significant first; at least min_digits (zero-padded).
 * Two digits per division: a span row writes about thirty digits. */
static size_t put_u64(char *out, uint64_t u, int min_digits)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				    "8081828384858687888990919293949596979899";
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	size_t n;

	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);
		u /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	n = (size_t)(tmp + sizeof(tmp) - p);
	while (n < (size_t)min_digits && n < sizeof(tmp)) {
		*--p = '0';
		n++;
	}
	memcpy(out, p, n);
	return n;
}

size_t fmt_i64(char out[FMT_NUM_MAX], int64_t v)
{
	size_t n = 0;
	uint64_t u = (uint64_t)v;

	if (v < 0) {
		out[n++] = '-';
		u = 0 - u; /* INT64_MIN too */
	}
	n += put_u64(out + n, u, 1);
	out[n] = '\0';
	return n;
}

size_t fmt_fixed(char out[FMT_NUM_MAX], double v, int decimals)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	double scaled, frac;
	uint64_t units, scale;
	size_t n = 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	/* Below 2^40 the product is within 2^-13 of the exact one, so its
	 * fraction decides the rounding unless it lies within 1e-3 of a half:
	 * only there could the exact value fall on the other side, or on a tie
	 * that printf rounds to even. */
	scaled = (decimals < (int)ARRAY_LEN(pow10) && isfinite(v)) ? fabs(v) * pow10[decimals] : INFINITY;
	if (!(scaled < 0x1p40))
		goto slow;
	units = (uint64_t)scaled;
	frac = scaled - (double)units;
	if (fabs(frac - 0.5) < 1e-3)
		goto slow;
	if (frac > 0.5)
		units++;
	scale = (uint64_t)pow10[decimals];
	if (signbit(v))
		out[n++] = '-';
	n += put_u64(out + n, units / scale, 1);
	if (decimals > 0) {
		out[n++] = '.';
		n += put_u64(out + n, units % scale, decimals);
	}
	out[n] = '\0';
	return n;
slow:
	return (size_t)snprintf(out, FMT_NUM_MAX, "%.*f", decimals, v);
}

void str_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t at = 0;

	if (dstlen == 0)
		return;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (at + 1 >= dstlen)
				break;
			dst[at++] = (char)c;
			continue;
		}
		if (at + 4 >= dstlen)
			break;
		dst[at++] = '\\';
		dst[at++] = 'x';
		dst[at++] = hex[c >> 4];
		dst[at++] = hex[c & 15];
	}
	dst[at] = '\0';
}
