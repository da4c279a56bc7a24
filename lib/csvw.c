/* csvw: CSV output that only ever hands whole rows to write(), so a reader
 * tailing the file (or a crash) never sees half a row. */
#include "csvw.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"
#include "util.h"

#define CSVW_FLUSH_AT (64 * 1024)

struct csvw {
	int fd;
	struct sbuf out; /* finished rows not yet written */
	struct sbuf row; /* the row being built */
	int row_fields;	 /* fields in row so far, for the separators */
	size_t rows;
	int write_errno; /* first write failure, reported by every later flush */
};

/* write() until done, through EINTR and partial writes; -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

struct csvw *csvw_open(const char *path, const char *header, char *err, size_t errlen)
{
	struct csvw *w = NULL;
	int fd = outfile_open(path, 0, err, errlen);

	if (fd < 0)
		goto err;
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	sbuf_adds(&w->out, header);
	sbuf_add(&w->out, "\n", 1);
	/* Write the header now so a run that dies early still leaves a file
	 * the report can open, and a bad path fails here, not at close. */
	if (csvw_flush(w) < 0) {
		errf(err, errlen, "write %s: %s", path, strerror(errno));
		goto err;
	}
	return w;
err:
	if (w) {
		sbuf_free(&w->out);
		free(w);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void field_start(struct csvw *w)
{
	if (w->row_fields++ > 0)
		sbuf_add(&w->row, ",", 1);
}

void csvw_str(struct csvw *w, const char *s)
{
	field_start(w);
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		sbuf_adds(&w->row, s);
		return;
	}
	sbuf_add(&w->row, "\"", 1);
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		sbuf_add(&w->row, s, (size_t)(q - s) + 1);
		sbuf_add(&w->row, "\"", 1);
	}
	sbuf_adds(&w->row, s);
	sbuf_add(&w->row, "\"", 1);
}

void csvw_int(struct csvw *w, int64_t v)
{
	char text[FMT_NUM_MAX];

	field_start(w);
	sbuf_add(&w->row, text, fmt_i64(text, v));
}

void csvw_num(struct csvw *w, double v, int decimals)
{
	field_start(w);
	if (!isfinite(v))
		return;
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	size_t at = w->row.len;
	char text[FMT_NUM_MAX];
	sbuf_add(&w->row, text, fmt_fixed(text, v, decimals));
	/* A tiny negative value prints as "-0.000"; a reader summing columns
	 * should not see a signed zero. */
	if (w->row.buf[at] == '-' && strspn(w->row.buf + at + 1, "0.") == w->row.len - at - 1) {
		memmove(w->row.buf + at, w->row.buf + at + 1, w->row.len - at);
		w->row.len--;
	}
}

void csvw_empty(struct csvw *w)
{
	field_start(w);
}

void csvw_end(struct csvw *w)
{
	sbuf_add(&w->out, w->row.buf ? w->row.buf : "", w->row.len);
	sbuf_add(&w->out, "\n", 1);
	sbuf_reset(&w->row);
	w->row_fields = 0;
	w->rows++;
	/* A failure here is kept in write_errno and returned by the next
	 * explicit flush or by close. */
	if (w->out.len >= CSVW_FLUSH_AT)
		csvw_flush(w);
}

int csvw_flush(struct csvw *w)
{
	if (w->write_errno) {
		/* After a failed write the file may end mid-row; appending more
		 * would bury the damage, so drop the rows and keep failing. */
		sbuf_reset(&w->out);
		errno = w->write_errno;
		return -1;
	}
	if (w->out.len == 0)
		return 0;
	if (write_all(w->fd, w->out.buf, w->out.len) < 0) {
		w->write_errno = errno;
		sbuf_reset(&w->out);
		return -1;
	}
	sbuf_reset(&w->out);
	return 0;
}

size_t csvw_rows(const struct csvw *w)
{
	return w->rows;
}

int csvw_close(struct csvw *w)
{
	int rc = 0;
	int saved_errno = 0;

	if (!w)
		return 0;
	if (csvw_flush(w) < 0) {
		rc = -1;
		saved_errno = errno;
	}
	if (close(w->fd) < 0 && rc == 0) {
		rc = -1;
		saved_errno = errno;
	}
	sbuf_free(&w->out);
	sbuf_free(&w->row);
	free(w);
	if (rc < 0)
		errno = saved_errno;
	return rc;
}
