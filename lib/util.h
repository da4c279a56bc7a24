/* util: allocation that aborts on out-of-memory, and a growable byte buffer
 * (git's strbuf, reduced to what cascade needs). */
#ifndef CASCADE_UTIL_H
#define CASCADE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ERR_LEN 512 /* size of the caller-owned error buffers library calls fill */

/* Never return NULL: print to stderr and abort() when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
/* calloc through malloc and memset for small objects: glibc's calloc
 * (2.36) never takes a chunk from the thread cache, malloc does, so for the
 * small objects made and freed per request (libevent's headers and events,
 * libcurl's state) this is several times cheaper.  Above
 * CALLOC_CACHED_MAX bytes (the thread cache's largest chunks) it is calloc.
 * NULL on overflow or out of memory, as calloc; handed to libevent and
 * libcurl as their calloc (proc.c, upstream.c). */
#define CALLOC_CACHED_MAX 1024
void *calloc_cached(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sbuf: once written to, buf is NUL-terminated (len excludes the NUL).  An
 * sbuf from SBUF_INIT that was never written to has buf == NULL and needs no
 * free; read it through sbuf_str, which gives "".  sbuf_free is always safe
 * and leaves the sbuf as SBUF_INIT, ready for reuse. */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define SBUF_INIT {0}
void sbuf_add(struct sbuf *sb, const void *data, size_t len);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void sbuf_reset(struct sbuf *sb);          /* len = 0, keeps the memory */
char *sbuf_detach(struct sbuf *sb);        /* caller frees; sb is reset to empty */
void sbuf_free(struct sbuf *sb);
const char *sbuf_str(const struct sbuf *sb); /* "" for an empty, never-written sbuf */

/* Number formatting for the per-request paths (CSV rows, response bodies),
 * byte for byte what printf writes, without its cost.  Both write a NUL and
 * return the length without it.  FMT_NUM_MAX fits any value. */
#define FMT_NUM_MAX 352 /* "%.17f" of -DBL_MAX, and then some */
size_t fmt_i64(char out[FMT_NUM_MAX], int64_t v);   /* "%" PRId64 */
/* "%.*f" with decimals clamped to 0..17, NaN and inf included.  Values whose
 * rounding cannot be decided exactly in double arithmetic (a digit string
 * ending near ...5, or too large) are handed to snprintf. */
size_t fmt_fixed(char out[FMT_NUM_MAX], double v, int decimals);

/* Copy src into dst (dstlen bytes, NUL included, cut to fit) with every
 * byte outside printable ASCII (0x20..0x7e) and every backslash written as
 * \xHH, so text from outside (a header value) can be shown in a reply, a log
 * line or a terminal as it was, and cannot break a line or inject control
 * sequences.  A cut never splits an escape. */
void str_escape(char *dst, size_t dstlen, const char *src);

/* snprintf into an error buffer; returns -1 so callers can `return errf(...)`. */
int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
