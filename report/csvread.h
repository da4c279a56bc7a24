/* csvread: a small RFC 4180 reader for the run folder's CSVs.  It checks the
 * header, knows the line each record started on, and turns every problem into
 * a "FILE:LINE: what is wrong" message, so report can point at the bad byte.
 *
 * Records: fields separated by ',', ended by LF or CRLF; a field may be
 * quoted ("a,b" and "say ""hi"""), and a quoted field may span lines.  The
 * writers in this project only ever write whole lines, so a last line without
 * its newline, or an open quote at the end, means the file was cut short and
 * is an error.  Every record must have exactly as many fields as the header. */
#ifndef REPORT_CSVREAD_H
#define REPORT_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct csvr;

/* Open path and read its header.  expected_header: the exact header line
 * ("a,b,c"); NULL accepts any header.  NULL with err filled on failure
 * ("x.csv: cannot open: No such file or directory",
 *  "x.csv:1: unexpected header 'a,c' (expected 'a,b,c')"). */
struct csvr *csvr_open(const char *path, const char *expected_header, char *err, size_t errlen);
/* The same on a stream already open (a file, or fmemopen for text in
 * memory), known as path in messages.  The reader owns f from here on:
 * csvr_close closes it, and so does a failure. */
struct csvr *csvr_open_stream(FILE *f, const char *path, const char *expected_header, char *err,
			      size_t errlen);
/* Close; NULL is a no-op. */
void csvr_close(struct csvr *r);

/* Read the next record: 1 when there is one, 0 at the end of the file, -1
 * with err filled on a malformed or truncated record (then no record is
 * current: csvr_nfields gives 0). */
int csvr_next(struct csvr *r, char *err, size_t errlen);

/* The current record.  Field strings stay valid until the next csvr_next. */
size_t csvr_nfields(const struct csvr *r);		 /* = number of header columns */
const char *csvr_field(const struct csvr *r, size_t i);	 /* "" beyond the end */
const char *csvr_column(const struct csvr *r, size_t i); /* header name of column i */
size_t csvr_line(const struct csvr *r);			 /* 1-based line the record starts on */
const char *csvr_path(const struct csvr *r);

/* Field i as a number.  An empty field gives 0 and *present = false when
 * present is non-NULL, and is an error when present is NULL.  Text that is
 * not a whole finite number is an error
 * ("x.csv:7: column 'start_ms': not a number: 'abc'").  0 or -1. */
int csvr_double(const struct csvr *r, size_t i, double *out, bool *present, char *err, size_t errlen);
/* The same for an integer field (decimal, fits in int). */
int csvr_int(const struct csvr *r, size_t i, int *out, bool *present, char *err, size_t errlen);

/* Format "PATH:LINE: " + message for the current record into err; returns -1. */
int csvr_errf(const struct csvr *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
