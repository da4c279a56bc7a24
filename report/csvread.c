/* csvread: RFC 4180 records with header checking and line numbers, read
 * through stdio one byte at a time (unlocked: one reader per FILE) so a file
 * of any size streams. */
#include "csvread.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct csvr {
	FILE *f;
	char *path;
	size_t line;	   /* physical line the reader is on */
	size_t rec_line;   /* line the current record started on */
	bool unterminated; /* the current record ran into the end of the file */
	/* current record: fields stored NUL-separated in buf, offsets in off */
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t nfields, offcap;
	/* header */
	char **cols;
	size_t ncols;
};

static void buf_push(struct csvr *r, char c)
{
	if (r->len + 1 >= r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->buf = xrealloc(r->buf, r->cap);
	}
	r->buf[r->len++] = c;
}

static void field_start(struct csvr *r)
{
	if (r->nfields == r->offcap) {
		r->offcap = r->offcap ? r->offcap * 2 : 32;
		r->off = xrealloc(r->off, r->offcap * sizeof(*r->off));
	}
	r->off[r->nfields++] = r->len;
}

int csvr_errf(const struct csvr *r, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errf(err, errlen, "%s:%zu: %s", r->path, r->rec_line, msg);
}

/* Parse one record into buf/off.  1 record, 0 clean end of file, -1 error. */
static int read_record(struct csvr *r, char *err, size_t errlen)
{
	int c = getc_unlocked(r->f);
	r->len = 0;
	r->nfields = 0;
	r->rec_line = r->line;
	r->unterminated = false;
	if (c == EOF)
		return ferror(r->f)
			   ? errf(err, errlen, "%s:%zu: read error: %s", r->path, r->line, strerror(errno))
			   : 0;
	for (;;) {
		field_start(r);
		if (c == '"') {
			for (;;) {
				c = getc_unlocked(r->f);
				if (c == EOF)
					return csvr_errf(
					    r, err, errlen,
					    "truncated line: quoted field not closed at end of file");
				if (c == '"') {
					c = getc_unlocked(r->f);
					if (c != '"')
						break; /* closing quote; c is what follows */
				} else if (c == '\n') {
					r->line++;
				}
				buf_push(r, (char)c);
			}
			if (c != ',' && c != '\n' && c != '\r' && c != EOF)
				return csvr_errf(r, err, errlen, "field %zu: text after the closing quote",
						 r->nfields);
		} else {
			while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
				if (c == '"')
					return csvr_errf(r, err, errlen,
							 "field %zu: quote inside an unquoted field",
							 r->nfields);
				buf_push(r, (char)c);
				c = getc_unlocked(r->f);
			}
		}
		buf_push(r, '\0');
		if (c == ',') {
			c = getc_unlocked(r->f);
			continue;
		}
		if (c == '\r') {
			c = getc_unlocked(r->f);
			if (c != '\n')
				return csvr_errf(r, err, errlen, "carriage return not followed by a newline");
		}
		if (c == EOF)
			r->unterminated = true; /* the caller words the error, knowing the field count */
		else
			r->line++;
		return 1;
	}
}

struct csvr *csvr_open(const char *path, const char *expected_header, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	return csvr_open_stream(f, path, expected_header, err, errlen);
}

struct csvr *csvr_open_stream(FILE *f, const char *path, const char *expected_header, char *err,
			      size_t errlen)
{
	struct csvr *r = NULL;
	struct sbuf got = SBUF_INIT;
	r = xcalloc(1, sizeof(*r));
	r->f = f;
	r->path = xstrdup(path);
	r->line = 1;
	int rc = read_record(r, err, errlen);
	if (rc == 0) {
		errf(err, errlen, "%s:1: empty file (expected the header '%s')", path,
		     expected_header ? expected_header : "");
		goto err;
	}
	if (rc < 0)
		goto err;
	if (r->unterminated) {
		errf(err, errlen, "%s:1: truncated header: no newline at end of file", path);
		goto err;
	}
	r->ncols = r->nfields;
	r->cols = xcalloc(r->ncols, sizeof(*r->cols));
	for (size_t i = 0; i < r->ncols; i++) {
		r->cols[i] = xstrdup(r->buf + r->off[i]);
		if (i)
			sbuf_adds(&got, ",");
		sbuf_adds(&got, r->cols[i]);
	}
	if (expected_header && strcmp(sbuf_str(&got), expected_header) != 0) {
		errf(err, errlen, "%s:1: unexpected header '%s' (expected '%s')", path, sbuf_str(&got),
		     expected_header);
		goto err;
	}
	sbuf_free(&got);
	return r;
err:
	sbuf_free(&got);
	csvr_close(r);
	return NULL;
}

void csvr_close(struct csvr *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	free(r->buf);
	free(r->off);
	free(r->path);
	free(r);
}

int csvr_next(struct csvr *r, char *err, size_t errlen)
{
	int rc = read_record(r, err, errlen);
	if (rc < 0)
		r->nfields = 0; /* no half records visible to the caller */
	if (rc <= 0)
		return rc;
	if (r->nfields != r->ncols) {
		size_t n = r->nfields;
		r->nfields = 0; /* no half records visible to the caller */
		return csvr_errf(r, err, errlen, "%zu fields, expected %zu (%s)", n, r->ncols,
				 r->unterminated ? "truncated line: no newline at end of file"
				 : n < r->ncols	 ? "truncated line?"
						 : "too many commas?");
	}
	if (r->unterminated) {
		r->nfields = 0;
		return csvr_errf(r, err, errlen, "truncated line: no newline at end of file");
	}
	return 1;
}

size_t csvr_nfields(const struct csvr *r)
{
	return r->nfields;
}
const char *csvr_field(const struct csvr *r, size_t i)
{
	return i < r->nfields ? r->buf + r->off[i] : "";
}
const char *csvr_column(const struct csvr *r, size_t i)
{
	return i < r->ncols ? r->cols[i] : "?";
}
size_t csvr_line(const struct csvr *r)
{
	return r->rec_line;
}
const char *csvr_path(const struct csvr *r)
{
	return r->path;
}

int csvr_double(const struct csvr *r, size_t i, double *out, bool *present, char *err, size_t errlen)
{
	const char *s = csvr_field(r, i);
	char *end;
	*out = 0;
	if (present)
		*present = false;
	if (*s == '\0') {
		if (present)
			return 0;
		return csvr_errf(r, err, errlen, "column '%s': empty, expected a number", csvr_column(r, i));
	}
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || end == s || errno == ERANGE || !isfinite(v) || isspace((unsigned char)s[0]))
		return csvr_errf(r, err, errlen, "column '%s': not a number: '%s'", csvr_column(r, i), s);
	*out = v;
	if (present)
		*present = true;
	return 0;
}

int csvr_int(const struct csvr *r, size_t i, int *out, bool *present, char *err, size_t errlen)
{
	const char *s = csvr_field(r, i);
	char *end;
	*out = 0;
	if (present)
		*present = false;
	if (*s == '\0') {
		if (present)
			return 0;
		return csvr_errf(r, err, errlen, "column '%s': empty, expected an integer",
				 csvr_column(r, i));
	}
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || end == s || errno == ERANGE || v < INT_MIN || v > INT_MAX ||
	    isspace((unsigned char)s[0]))
		return csvr_errf(r, err, errlen, "column '%s': not an integer: '%s'", csvr_column(r, i), s);
	*out = (int)v;
	if (present)
		*present = true;
	return 0;
}
