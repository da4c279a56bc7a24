/* csvw: buffered CSV writing that never leaves a partial line.
 * A row is built field by field in a staging buffer and only a finished row
 * (csvw_end) joins the output buffer; flushes write whole rows.  Strings are
 * quoted RFC 4180-style when they contain a comma, quote, CR or LF. */
#ifndef CASCADE_CSVW_H
#define CASCADE_CSVW_H

#include <stddef.h>
#include <stdint.h>

struct csvw;

/* Create (truncate) path and write header (given without the trailing
 * newline) to it at once.  NULL and a message in err on failure; a symbolic
 * link at path is refused, never followed (outfile_open).  Not safe
 * to share between threads. */
struct csvw *csvw_open(const char *path, const char *header, char *err, size_t errlen);
void csvw_str(struct csvw *w, const char *s);        /* NULL writes an empty field */
void csvw_int(struct csvw *w, int64_t v);
/* "%.*f" with decimals clamped to 0..17; NaN/inf write an empty field, and
 * a value that rounds to zero is written without a minus sign. */
void csvw_num(struct csvw *w, double v, int decimals);
void csvw_empty(struct csvw *w);
void csvw_end(struct csvw *w);                        /* finishes the row */
/* Write buffered (ended) rows; 0 or -1 (errno kept).  Rows are also flushed
 * when the buffer passes 64 KiB.  After a failed write every later flush and
 * the close fail with the same errno, and rows are dropped: the file may
 * already end mid-row. */
int csvw_flush(struct csvw *w);
size_t csvw_rows(const struct csvw *w);               /* rows ended so far */
/* Flush and close; 0 or -1 (errno kept).  A row begun but not ended with
 * csvw_end is discarded, never written.  NULL is a no-op. */
int csvw_close(struct csvw *w);

#endif
