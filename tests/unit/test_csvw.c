/* Unit tests for csvw: RFC 4180 quoting, number formatting, and the promise
 * that only whole rows ever reach the file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../report/csvread.h"
#include "csvw.h"
#include "util.h"

static char csvw_path[64];

static void csvw_tmp_setup(void)
{
	snprintf(csvw_path, sizeof(csvw_path), "/tmp/cascade-csvw-XXXXXX");
	int fd = mkstemp(csvw_path);
	cr_assert(fd >= 0);
	close(fd);
}

static void csvw_tmp_teardown(void)
{
	unlink(csvw_path);
}

/* The file's bytes, NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[4096];
	size_t n;

	cr_assert_not_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&sb, chunk, n);
	fclose(f);
	if (len_out)
		*len_out = sb.len;
	return sbuf_detach(&sb);
}

static struct csvw *open_ok(const char *header)
{
	char err[ERR_LEN] = "";
	struct csvw *w = csvw_open(csvw_path, header, err, sizeof(err));
	cr_assert_not_null(w, "open: %s", err);
	return w;
}

TestSuite(csvw, .init = csvw_tmp_setup, .fini = csvw_tmp_teardown);

Test(csvw, header_written_at_open)
{
	struct csvw *w = open_ok("a,b");
	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "a,b\n");
	free(got);
	cr_assert_eq(csvw_rows(w), 0);
	cr_assert_eq(csvw_close(w), 0);
}

Test(csvw, quoting_rfc4180)
{
	struct csvw *w = open_ok("s");
	csvw_str(w, "plain");
	csvw_str(w, "a,b");
	csvw_str(w, "say \"hi\"");
	csvw_str(w, "\"");
	csvw_str(w, "line1\nline2");
	csvw_str(w, "cr\rhere");
	csvw_str(w, "");
	csvw_str(w, NULL);
	csvw_str(w, "end\"");
	csvw_end(w);
	cr_assert_eq(csvw_close(w), 0);

	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "s\n"
			      "plain,\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",\"line1\nline2\",\"cr\rhere\",,,"
			      "\"end\"\"\"\n");
	free(got);
}

Test(csvw, numbers_and_empty_fields)
{
	struct csvw *w = open_ok("n");
	csvw_int(w, 0);
	csvw_int(w, -42);
	csvw_int(w, INT64_MAX);
	csvw_int(w, INT64_MIN);
	csvw_num(w, 1.5, 3);
	csvw_num(w, 2.0 / 3, 3);
	csvw_num(w, 12.3456, 0);
	csvw_num(w, -0.0001, 3);
	csvw_num(w, -0.4, 0);
	csvw_num(w, -1.25, 2);
	csvw_num(w, NAN, 3);
	csvw_num(w, INFINITY, 3);
	csvw_num(w, 7, -2);
	csvw_empty(w);
	csvw_end(w);
	csvw_end(w); /* a row with no field is an empty line */
	cr_assert_eq(csvw_close(w), 0);

	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got,
			 "n\n0,-42,9223372036854775807,-9223372036854775808,1.500,0.667,12,0.000,0,-1.25,,,7,"
			 "\n\n");
	free(got);
}

Test(csvw, rows_counts_ended_rows)
{
	struct csvw *w = open_ok("x");
	for (int i = 0; i < 5; i++) {
		csvw_int(w, i);
		csvw_end(w);
	}
	cr_assert_eq(csvw_rows(w), 5);
	csvw_int(w, 99); /* begun, not ended */
	cr_assert_eq(csvw_rows(w), 5);
	cr_assert_eq(csvw_close(w), 0);
}

Test(csvw, buffered_until_flush)
{
	struct csvw *w = open_ok("x");
	csvw_str(w, "row");
	csvw_end(w);
	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "x\n");
	free(got);
	cr_assert_eq(csvw_flush(w), 0);
	got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "x\nrow\n");
	free(got);
	cr_assert_eq(csvw_flush(w), 0); /* nothing buffered: still fine */
	cr_assert_eq(csvw_close(w), 0);
}

Test(csvw, flushes_whole_rows_past_64k)
{
	struct csvw *w = open_ok("x");
	char field[100];
	memset(field, 'a', sizeof(field) - 1);
	field[sizeof(field) - 1] = '\0';
	size_t row_len = 2 * (sizeof(field) - 1) + 2; /* two fields, comma, newline */
	size_t rows_before = (64 * 1024) / row_len;   /* rows that stay under 64 KiB */
	struct stat st;

	for (size_t i = 0; i < rows_before; i++) {
		csvw_str(w, field);
		csvw_str(w, field);
		csvw_end(w);
	}
	cr_assert_eq(stat(csvw_path, &st), 0);
	cr_assert_eq(st.st_size, 2, "flushed before 64 KiB");

	/* Half a row must not reach the file with the flush the next end causes. */
	csvw_str(w, field);
	csvw_str(w, field);
	csvw_end(w);
	csvw_str(w, "half");
	cr_assert_eq(stat(csvw_path, &st), 0);
	cr_assert_eq((size_t)st.st_size, 2 + (rows_before + 1) * row_len);

	size_t len;
	char *got = slurp(csvw_path, &len);
	cr_assert_eq(got[len - 1], '\n');
	cr_assert_null(strstr(got, "half"));
	free(got);
	csvw_end(w);
	cr_assert_eq(csvw_close(w), 0);
}

Test(csvw, unfinished_row_is_discarded_at_close)
{
	struct csvw *w = open_ok("a,b");
	csvw_str(w, "done");
	csvw_int(w, 1);
	csvw_end(w);
	csvw_str(w, "never");
	csvw_int(w, 2);
	cr_assert_eq(csvw_close(w), 0);

	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "a,b\ndone,1\n");
	free(got);
}

Test(csvw, reopen_truncates)
{
	struct csvw *w = open_ok("old");
	csvw_str(w, "old row");
	csvw_end(w);
	cr_assert_eq(csvw_close(w), 0);
	w = open_ok("new");
	cr_assert_eq(csvw_close(w), 0);
	char *got = slurp(csvw_path, NULL);
	cr_assert_str_eq(got, "new\n");
	free(got);
}

Test(csvw, open_failure_reports_path)
{
	char err[ERR_LEN] = "";
	struct csvw *w = csvw_open("/nonexistent-dir/x.csv", "a", err, sizeof(err));
	cr_assert_null(w);
	cr_assert(strstr(err, "/nonexistent-dir/x.csv"), "%s", err);
	cr_assert_null(csvw_open("/nonexistent-dir/x.csv", "a", NULL, 0));
}

Test(csvw, write_failure_at_open)
{
	char err[ERR_LEN] = "";

	if (access("/dev/full", W_OK) != 0)
		cr_skip_test("no /dev/full");
	/* Flushing the header at open already fails on a full device. */
	cr_assert_null(csvw_open("/dev/full", "h", err, sizeof(err)));
	cr_assert(strstr(err, "/dev/full"), "%s", err);
}

Test(csvw, write_failure_is_sticky)
{
	/* Each criterion test runs in its own process, so the file size limit
	 * stays here.  Past it, write() fails with EFBIG once SIGXFSZ is
	 * ignored, after a partial write of what still fits. */
	struct csvw *w = open_ok("h");
	struct rlimit saved, lim;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = 10;
	void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);

	csvw_str(w, "0123456789");
	csvw_end(w);
	errno = 0;
	cr_assert_eq(csvw_flush(w), -1);
	cr_assert_eq(errno, EFBIG);
	csvw_str(w, "x");
	csvw_end(w);
	errno = 0;
	cr_assert_eq(csvw_flush(w), -1);
	cr_assert_eq(errno, EFBIG);
	errno = 0;
	int rc = csvw_close(w);
	int close_errno = errno;
	/* Restore before asserting, for runs with --no-fork. */
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, saved_handler);
	cr_assert_eq(rc, -1);
	cr_assert_eq(close_errno, EFBIG);
}

Test(csvw, close_null_is_noop)
{
	cr_assert_eq(csvw_close(NULL), 0);
}

/* Text from outside (a header value, a reason, a path) can hold anything
 * but NUL: whatever it holds, an RFC 4180 reader gets the same fields back,
 * and the row and column counts stay right. */
Test(csvw, hostile_text_round_trips_through_an_rfc4180_reader)
{
	char every_byte[256];
	const char *fields[] = {
		"a,b,,c", "say \"hi\", \"\"", "line1\nline2", "cr\rlf\r\nend\n", "\r", "\n\n", "\"", ",",
		" spaced ", "=1+2", every_byte, "",
	};
	const size_t nf = ARRAY_LEN(fields), nrows = 3;
	char err[ERR_LEN] = "";
	struct csvw *w = open_ok("c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11");
	struct csvr *r;

	for (int i = 1; i < 256; i++)
		every_byte[i - 1] = (char)i;
	every_byte[255] = 0;
	for (size_t row = 0; row < nrows; row++) {
		for (size_t i = 0; i < nf; i++)
			csvw_str(w, fields[(i + row) % nf]);
		csvw_end(w);
	}
	cr_assert_eq(csvw_close(w), 0);

	r = csvr_open(csvw_path, NULL, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	for (size_t row = 0; row < nrows; row++) {
		cr_assert_eq(csvr_next(r, err, sizeof(err)), 1, "row %zu: %s", row, err);
		cr_assert_eq(csvr_nfields(r), nf);
		for (size_t i = 0; i < nf; i++)
			cr_assert_str_eq(csvr_field(r, i), fields[(i + row) % nf], "row %zu field %zu", row, i);
	}
	cr_assert_eq(csvr_next(r, err, sizeof(err)), 0, "a row too many: %s", err);
	csvr_close(r);
}

/* A link planted where the CSV goes is refused, and its target untouched. */
Test(csvw, planted_symlink_is_refused_not_followed)
{
	char dir[] = "/tmp/cascade-csvw-dir-XXXXXX";
	char target[128], link[128], err[ERR_LEN] = "";
	char *got;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(link, sizeof(link), "%s/gateway.csv", dir);
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs("precious\n", f);
	fclose(f);
	cr_assert_eq(symlink(target, link), 0);

	cr_assert_null(csvw_open(link, "a,b", err, sizeof(err)));
	cr_assert(strstr(err, "gateway.csv: is a symbolic link"), "%s", err);
	got = slurp(target, NULL);
	cr_assert_str_eq(got, "precious\n");
	free(got);
	unlink(link);
	unlink(target);
	rmdir(dir);
}
