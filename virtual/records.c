/* records: the virtual engine's files (see records.h). */
#include "records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvw.h"
#include "outfile.h"
#include "outputs.h"
#include "run.h"
#include "summary.h"
#include "util.h"

#define PROCS 5 /* loadgen, gateway, svc_a, svc_b, dbsim */

static const char *const proc_names[PROCS] = {"loadgen", "gateway", "svc_a", "svc_b", "dbsim"};

struct records {
	enum records_mode mode;
	char *dir;
	const struct scenario *sc;
	struct csvw *requests;
	struct csvw *spans[PROCS]; /* tiers only */
	struct csvw *stats[PROCS];
	struct run run; /* the rows in memory, for summary.csv and timeseries.csv (full and summary) */
	size_t rows;
};

int records_mode_from_name(const char *s)
{
	static const char *const names[] = {"full", "summary", "none"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static struct csvw *open_csv(struct records *w, const char *name, const char *header, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", w->dir, name);
	struct csvw *c = csvw_open(path, header, err, errlen);
	free(path);
	return c;
}

struct records *records_open(const char *dir, enum records_mode mode, const struct scenario *sc, char *err,
			     size_t errlen)
{
	struct records *w = xcalloc(1, sizeof(*w));
	char *tiers;

	w->mode = mode;
	w->dir = xstrdup(dir);
	w->sc = sc;
	if (mode == RECORDS_NONE)
		return w;
	/* The summary and the time series come from the rows in memory, in
	 * both modes: as run_add_* stores them, they read as `report` would
	 * read them back from the files (a test holds the two equal), without
	 * parsing the files again. */
	w->run.sc = *sc; /* borrowed: own_sc stays false */
	snprintf(w->run.engine, sizeof(w->run.engine), "virtual");
	if (mode == RECORDS_SUMMARY)
		return w;
	tiers = xasprintf("%s/tiers", dir);
	if (mkdir(tiers, 0777) < 0 && errno != EEXIST) {
		errf(err, errlen, "%s: %s", tiers, strerror(errno));
		free(tiers);
		goto fail;
	}
	free(tiers);
	/* run.log names the engine (report reads it into summary.csv) */
	char *log_path = xasprintf("%s/run.log", dir);
	FILE *log = outfile_fopen(log_path, 0, err, errlen);
	free(log_path);
	if (!log)
		goto fail;
	fprintf(log, "engine: virtual\nseed: %llu\n", (unsigned long long)sc->seed);
	if (fclose(log) != 0) {
		errf(err, errlen, "%s/run.log: %s", dir, strerror(errno));
		goto fail;
	}
	if (!(w->requests = open_csv(w, "tiers/requests.csv", REQUESTS_CSV_HEADER, err, errlen)))
		goto fail;
	for (int p = 0; p < PROCS; p++) {
		char name[64];
		if (p > 0) {
			snprintf(name, sizeof(name), "tiers/%s.csv", proc_names[p]);
			if (!(w->spans[p] = open_csv(w, name, SPAN_CSV_HEADER, err, errlen)))
				goto fail;
		}
		snprintf(name, sizeof(name), "tiers/%s_stats.csv", proc_names[p]);
		if (!(w->stats[p] = open_csv(w, name, STATS_CSV_HEADER, err, errlen)))
			goto fail;
	}
	return w;
fail:
	csvw_close(w->requests);
	for (int p = 0; p < PROCS; p++) {
		csvw_close(w->spans[p]);
		csvw_close(w->stats[p]);
	}
	free(w->dir);
	free(w);
	return NULL;
}

size_t records_rows(const struct records *w) { return w->rows; }

void records_span(struct records *w, int proc, const struct span_row *row)
{
	w->rows++;
	if (w->mode == RECORDS_FULL)
		record_span(w->spans[proc], row);
	if (w->mode != RECORDS_NONE)
		run_add_span(&w->run, row);
}

void records_request(struct records *w, const struct request_row *row)
{
	w->rows++;
	if (w->mode == RECORDS_FULL)
		record_request(w->requests, row);
	if (w->mode != RECORDS_NONE)
		run_add_attempt(&w->run, row);
}

void records_stats(struct records *w, int proc, const struct stats_row *row)
{
	if (w->mode == RECORDS_FULL)
		record_stats(w->stats[proc], row);
	if (w->mode != RECORDS_NONE)
		run_add_stat(&w->run, row);
}

/* ---- merging, as run_scenario.sh does with `sort -t, -kN,Ng -s` ---- */

struct line {
	double key;
	size_t order; /* position in the concatenation: the tie-break */
	const char *text;
	size_t len; /* with its newline */
};

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char buf[1 << 16];
	size_t n;

	if (!f) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

/* The numeric value of field `field` (0-based) of a line whose fields
 * before it hold no comma. */
static double field_num(const char *line, int field)
{
	for (int i = 0; i < field; i++) {
		line = strchr(line, ',');
		if (!line)
			return 0;
		line++;
	}
	return strtod(line, NULL);
}

/* Concatenate the bodies of files[0..n) (headers dropped), sort the lines
 * by field `key` numerically and stably, and write header + lines to dst. */
static int merge(const char *dst, const char *header, char *const *files, size_t n, int key, char *err,
		 size_t errlen)
{
	char **texts = xcalloc(n, sizeof(*texts));
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0;
	char *tmp = NULL;
	int fd = -1, rc = -1;
	FILE *out = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *p, *end;
		if (!(texts[i] = slurp(files[i], &len, err, errlen)))
			goto done;
		p = strchr(texts[i], '\n');
		p = p ? p + 1 : texts[i] + len;
		end = texts[i] + len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			if (nlines == cap) {
				cap = cap ? cap * 2 : 4096;
				lines = xrealloc(lines, cap * sizeof(*lines));
			}
			lines[nlines] = (struct line){field_num(p, key), nlines, p, l};
			nlines++;
			p += l;
		}
	}
	qsort(lines, nlines, sizeof(*lines), cmp_line);
	if ((fd = outfile_open_tmp(dst, &tmp, err, errlen)) < 0)
		goto done;
	out = fdopen(fd, "w");
	if (!out) {
		errf(err, errlen, "%s: %s", dst, strerror(errno));
		close(fd);
		unlink(tmp);
		goto done;
	}
	fputs(header, out);
	fputc('\n', out);
	for (size_t i = 0; i < nlines; i++)
		fwrite(lines[i].text, 1, lines[i].len, out);
	if (fclose(out) != 0) {
		errf(err, errlen, "%s: %s", dst, strerror(errno));
		unlink(tmp);
		goto done;
	}
	rc = outfile_commit(tmp, dst, err, errlen);
done:
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(lines);
	free(tmp);
	return rc;
}

static int close_files(struct records *w, char *err, size_t errlen)
{
	int rc = 0;

	if (csvw_close(w->requests) < 0 && rc == 0)
		rc = errf(err, errlen, "%s/tiers/requests.csv: %s", w->dir, strerror(errno));
	for (int p = 0; p < PROCS; p++) {
		if (csvw_close(w->spans[p]) < 0 && rc == 0)
			rc = errf(err, errlen, "%s/tiers/%s.csv: %s", w->dir, proc_names[p], strerror(errno));
		if (csvw_close(w->stats[p]) < 0 && rc == 0)
			rc = errf(err, errlen, "%s/tiers/%s_stats.csv: %s", w->dir, proc_names[p], strerror(errno));
	}
	return rc;
}

static int finish_full(struct records *w, struct summary *sum, char *err, size_t errlen)
{
	char *files[PROCS] = {0};
	char *path;
	int rc = -1;

	/* requests.csv is loadgen's own file, moved into place as run_scenario.sh does */
	char *from = xasprintf("%s/tiers/requests.csv", w->dir), *to = xasprintf("%s/requests.csv", w->dir);
	rc = rename(from, to) < 0 ? errf(err, errlen, "%s: %s", to, strerror(errno)) : 0;
	free(from);
	free(to);
	if (rc < 0)
		return -1;
	rc = -1;
	for (int p = 1; p < PROCS; p++)
		files[p - 1] = xasprintf("%s/tiers/%s.csv", w->dir, proc_names[p]);
	path = xasprintf("%s/spans.csv", w->dir);
	if (merge(path, SPAN_CSV_HEADER, files, PROCS - 1, 6, err, errlen) < 0)
		goto done;
	free(path);
	for (int p = 0; p < PROCS; p++) {
		free(files[p]);
		files[p] = xasprintf("%s/tiers/%s_stats.csv", w->dir, proc_names[p]);
	}
	path = xasprintf("%s/stats.csv", w->dir);
	if (merge(path, STATS_CSV_HEADER, files, PROCS, 0, err, errlen) < 0)
		goto done;
	if (report_write_outputs(&w->run, w->dir, sum, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	free(path);
	for (int p = 0; p < PROCS; p++)
		free(files[p]);
	return rc;
}

int records_close(struct records *w, bool print, char *err, size_t errlen)
{
	struct summary sum;
	int rc = 0;

	if (w->mode == RECORDS_FULL) {
		rc = close_files(w, err, errlen);
		if (rc == 0)
			rc = finish_full(w, &sum, err, errlen);
	} else if (w->mode == RECORDS_SUMMARY) {
		rc = report_write_outputs(&w->run, w->dir, &sum, err, errlen);
	}
	run_free(&w->run);
	if (rc == 0 && print && w->mode != RECORDS_NONE) {
		struct sbuf table = SBUF_INIT;
		summary_format(&sum, &table);
		fputs(sbuf_str(&table), stdout);
		sbuf_free(&table);
	}
	free(w->dir);
	free(w);
	return rc;
}
