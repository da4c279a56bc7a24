/* run: reads a run folder's CSVs row by row into arrays, checking every
 * field against its schema, and loads the scenario beside them. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvread.h"
#include "record.h"
#include "util.h"

const char *run_proc_name(int proc)
{
	if (proc == RUN_PROC_CLIENT)
		return "client";
	if (proc > 0 && proc < RUN_PROCS)
		return tier_name((enum tier_id)(proc - 1));
	return "?";
}

/* Grow *arr (of elem-size items) so index *n is valid; returns the new item. */
static void *push(void *arr_p, size_t *n, size_t *cap, size_t elem)
{
	void **arr = arr_p;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*arr = xrealloc(*arr, *cap * elem);
	}
	char *item = (char *)*arr + (*n)++ * elem;
	memset(item, 0, elem);
	return item;
}

/* A number field that may be empty: NaN then. */
static int opt_num(const struct csvr *c, size_t i, double *out, char *err, size_t errlen)
{
	bool present;
	if (csvr_double(c, i, out, &present, err, errlen) < 0)
		return -1;
	if (!present)
		*out = NAN;
	return 0;
}

enum { RQ_TRACE, RQ_ATTEMPT, RQ_INTENDED, RQ_START, RQ_END, RQ_LATENCY, RQ_STATUS, RQ_OUTCOME, RQ_SPAN };

int run_load_requests(struct run *r, const char *path, char *err, size_t errlen)
{
	size_t cap = r->nattempts; /* push grows from the rows already there */
	int rc;
	struct csvr *c = csvr_open(path, REQUESTS_CSV_HEADER, err, errlen);
	if (!c)
		return -1;
	while ((rc = csvr_next(c, err, errlen)) == 1) {
		struct run_attempt *a = push(&r->attempts, &r->nattempts, &cap, sizeof(*a));
		a->line = csvr_line(c);
		const char *trace = csvr_field(c, RQ_TRACE);
		if (!*trace) {
			rc = csvr_errf(c, err, errlen, "column 'trace_id': empty");
			break;
		}
		a->trace = strpool_intern(&r->traces, trace);
		const char *span = csvr_field(c, RQ_SPAN);
		a->span = *span ? strpool_intern(&r->ids, span) : STRPOOL_NONE;
		bool present;
		int oc = client_outcome_from_name(csvr_field(c, RQ_OUTCOME));
		if (csvr_int(c, RQ_ATTEMPT, &a->attempt, NULL, err, errlen) < 0 ||
		    csvr_double(c, RQ_INTENDED, &a->intended_ms, NULL, err, errlen) < 0 ||
		    opt_num(c, RQ_START, &a->start_ms, err, errlen) < 0 ||
		    opt_num(c, RQ_END, &a->end_ms, err, errlen) < 0 ||
		    opt_num(c, RQ_LATENCY, &a->latency_ms, err, errlen) < 0 ||
		    csvr_int(c, RQ_STATUS, &a->status, &present, err, errlen) < 0) {
			rc = -1;
			break;
		}
		if (a->attempt < 1) {
			rc = csvr_errf(c, err, errlen, "column 'attempt': %d, expected >= 1", a->attempt);
			break;
		}
		if (oc < 0) {
			rc = csvr_errf(c, err, errlen, "column 'outcome': unknown outcome '%s'",
				       csvr_field(c, RQ_OUTCOME));
			break;
		}
		a->outcome = (enum client_outcome)oc;
	}
	csvr_close(c);
	return rc < 0 ? -1 : 0;
}

enum {
	SP_TRACE,
	SP_SPAN,
	SP_PARENT,
	SP_TIER,
	SP_KIND,
	SP_ATTEMPT,
	SP_START,
	SP_END,
	SP_BUDGET,
	SP_STATUS,
	SP_OUTCOME,
	SP_QUEUE,
	SP_WORK,
	SP_WASTED,
	SP_LINEAGE
};

int run_load_spans(struct run *r, const char *path, char *err, size_t errlen)
{
	size_t cap = r->nspans; /* push grows from the rows already there */
	int rc;
	struct csvr *c = csvr_open(path, SPAN_CSV_HEADER, err, errlen);
	if (!c)
		return -1;
	while ((rc = csvr_next(c, err, errlen)) == 1) {
		struct run_span *s = push(&r->spans, &r->nspans, &cap, sizeof(*s));
		s->line = csvr_line(c);
		const char *trace = csvr_field(c, SP_TRACE), *span = csvr_field(c, SP_SPAN);
		const char *parent = csvr_field(c, SP_PARENT), *kind = csvr_field(c, SP_KIND);
		int tier = tier_from_name(csvr_field(c, SP_TIER));
		int oc = outcome_from_name(csvr_field(c, SP_OUTCOME));
		bool has_budget;
		if (!*trace || !*span) {
			rc = csvr_errf(c, err, errlen, "column '%s': empty", *trace ? "span_id" : "trace_id");
			break;
		}
		if (tier < 0) {
			rc = csvr_errf(c, err, errlen, "column 'tier': unknown tier '%s'",
				       csvr_field(c, SP_TIER));
			break;
		}
		if (strcmp(kind, "server") != 0 && strcmp(kind, "client") != 0) {
			rc =
			    csvr_errf(c, err, errlen, "column 'kind': '%s', expected server or client", kind);
			break;
		}
		if (oc < 0) {
			rc = csvr_errf(c, err, errlen, "column 'outcome': unknown outcome '%s'",
				       csvr_field(c, SP_OUTCOME));
			break;
		}
		s->trace = strpool_intern(&r->traces, trace);
		s->span = strpool_intern(&r->ids, span);
		s->parent = *parent ? strpool_intern(&r->ids, parent) : STRPOOL_NONE;
		s->tier = (enum tier_id)tier;
		s->server = kind[0] == 's';
		s->outcome = (enum outcome)oc;
		const char *lineage = csvr_field(c, SP_LINEAGE);
		s->lineage = *lineage ? strpool_intern(&r->lineages, lineage) : STRPOOL_NONE;
		if (csvr_int(c, SP_ATTEMPT, &s->attempt, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_START, &s->start_ms, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_END, &s->end_ms, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_BUDGET, &s->budget_ms, &has_budget, err, errlen) < 0 ||
		    csvr_int(c, SP_STATUS, &s->status, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_QUEUE, &s->queue_ms, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_WORK, &s->work_ms, NULL, err, errlen) < 0 ||
		    csvr_double(c, SP_WASTED, &s->wasted_ms, NULL, err, errlen) < 0) {
			rc = -1;
			break;
		}
		if (!has_budget)
			s->budget_ms = -1;
	}
	csvr_close(c);
	return rc < 0 ? -1 : 0;
}

enum { ST_T, ST_TIER, ST_INFLIGHT, ST_QUEUE, ST_BUSY, ST_LAG_P99, ST_LAG_MAX, ST_ORPHANED, ST_DENIED, ST_HEDGES,
       ST_BREAKER, ST_HITS, ST_MISSES };

int run_load_stats(struct run *r, const char *path, char *err, size_t errlen)
{
	size_t cap = r->nstats; /* push grows from the rows already there */
	int rc;
	struct csvr *c = csvr_open(path, NULL, err, errlen);
	if (!c)
		return -1;
	/* Folders written before the columns after lag_max_ms existed read
	 * with those columns empty. */
	struct sbuf header = SBUF_INIT;
	for (size_t i = 0; i < csvr_nfields(c); i++)
		sbuf_addf(&header, "%s%s", i ? "," : "", csvr_column(c, i));
	if (strcmp(sbuf_str(&header), STATS_CSV_HEADER) && strcmp(sbuf_str(&header), STATS_CSV_HEADER_V1)) {
		errf(err, errlen, "%s:1: unexpected header '%s' (expected '%s')", path, sbuf_str(&header),
		     STATS_CSV_HEADER);
		sbuf_free(&header);
		csvr_close(c);
		return -1;
	}
	sbuf_free(&header);
	while ((rc = csvr_next(c, err, errlen)) == 1) {
		struct run_stat *s = push(&r->stats, &r->nstats, &cap, sizeof(*s));
		const char *name = csvr_field(c, ST_TIER);
		int tier = tier_from_name(name);
		if (strcmp(name, "loadgen") == 0 || strcmp(name, "client") == 0) {
			s->proc = RUN_PROC_CLIENT;
		} else if (tier >= 0) {
			s->proc = RUN_PROC_OF_TIER(tier);
		} else {
			rc = csvr_errf(c, err, errlen, "column 'tier': unknown process '%s'", name);
			break;
		}
		if (csvr_double(c, ST_T, &s->t_ms, NULL, err, errlen) < 0 ||
		    opt_num(c, ST_INFLIGHT, &s->inflight, err, errlen) < 0 ||
		    opt_num(c, ST_QUEUE, &s->queue_depth, err, errlen) < 0 ||
		    opt_num(c, ST_BUSY, &s->busy_workers, err, errlen) < 0 ||
		    opt_num(c, ST_LAG_P99, &s->lag_p99_ms, err, errlen) < 0 ||
		    opt_num(c, ST_LAG_MAX, &s->lag_max_ms, err, errlen) < 0 ||
		    opt_num(c, ST_ORPHANED, &s->orphaned, err, errlen) < 0 ||
		    opt_num(c, ST_DENIED, &s->retries_denied, err, errlen) < 0 ||
		    opt_num(c, ST_HEDGES, &s->hedges, err, errlen) < 0 ||
		    opt_num(c, ST_BREAKER, &s->breaker_open_ms, err, errlen) < 0 ||
		    opt_num(c, ST_HITS, &s->cache_hits, err, errlen) < 0 ||
		    opt_num(c, ST_MISSES, &s->cache_misses, err, errlen) < 0) {
			rc = -1;
			break;
		}
	}
	csvr_close(c);
	return rc < 0 ? -1 : 0;
}

static int check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return errf(err, errlen, "%s: no such run folder (%s)", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errf(err, errlen, "%s: not a run folder (not a directory)", dir);
	return 0;
}

int run_load_csvs(struct run *r, const char *dir, char *err, size_t errlen)
{
	int rc = -1;
	char *path = NULL;
	if (check_dir(dir, err, errlen) < 0)
		goto done;
	path = xasprintf("%s/requests.csv", dir);
	if (run_load_requests(r, path, err, errlen) < 0)
		goto done;
	free(path);
	path = xasprintf("%s/spans.csv", dir);
	if (run_load_spans(r, path, err, errlen) < 0)
		goto done;
	free(path);
	path = xasprintf("%s/stats.csv", dir);
	if (run_load_stats(r, path, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	free(path);
	return rc;
}

/* run.log's "engine: NAME" line, when there is one. */
static void load_engine(struct run *r, const char *dir)
{
	char *path = xasprintf("%s/run.log", dir), line[256];
	FILE *f = fopen(path, "r");

	free(path);
	r->engine[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "engine: ", 8) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(r->engine, sizeof(r->engine), "%.15s", line + 8);
			break;
		}
	}
	fclose(f);
}

int run_load(struct run *r, const char *dir, char *err, size_t errlen)
{
	int rc = -1;
	char *path = NULL;
	if (check_dir(dir, err, errlen) < 0)
		goto done;
	path = xasprintf("%s/scenario.json", dir);
	if (access(path, R_OK) < 0) {
		errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto done;
	}
	r->own_sc = true;
	if (scenario_load(&r->sc, path, NULL, 0, err, errlen) < 0)
		goto done;
	rc = run_load_csvs(r, dir, err, errlen);
	if (rc == 0)
		load_engine(r, dir);
done:
	free(path);
	return rc;
}

void run_free(struct run *r)
{
	if (r->own_sc)
		scenario_free(&r->sc);
	strpool_free(&r->traces);
	strpool_free(&r->ids);
	strpool_free(&r->lineages);
	free(r->attempts);
	free(r->spans);
	free(r->stats);
	memset(r, 0, sizeof(*r));
}

/* What a value becomes once written with 3 decimals and read back, so that
 * a run filled in memory gives the same metrics as its CSVs.  (x * 1000 is
 * rounded once before the integer rounding: only a value within an ulp of a
 * half-thousandth could round the other way.) */
static double as_written(double x)
{
	if (!isfinite(x) || fabs(x) > 1e12)
		return x;
	return nearbyint(x * 1000.0) / 1000.0;
}

/* Appenders keep no capacity of their own: arrays grow by doubling at
 * powers of two, which push() does when n reaches a power of two. */
static size_t grown_cap(size_t n)
{
	size_t cap = 1024;
	while (cap < n)
		cap *= 2;
	return n < 1024 ? (n ? 1024 : 0) : cap;
}

void run_add_attempt(struct run *r, const struct request_row *row)
{
	size_t cap = grown_cap(r->nattempts);
	struct run_attempt *a = push(&r->attempts, &r->nattempts, &cap, sizeof(*a));

	a->trace = strpool_intern(&r->traces, row->trace_id);
	a->span = row->sent && row->span_id && *row->span_id ? strpool_intern(&r->ids, row->span_id) : STRPOOL_NONE;
	a->attempt = row->attempt;
	a->intended_ms = as_written(row->intended_ms);
	a->start_ms = row->sent ? as_written(row->start_ms) : NAN;
	a->end_ms = row->sent ? as_written(row->end_ms) : NAN;
	a->latency_ms = row->sent ? as_written(row->end_ms - row->intended_ms) : NAN;
	a->status = row->status;
	a->outcome = row->outcome;
}

void run_add_span(struct run *r, const struct span_row *row)
{
	size_t cap = grown_cap(r->nspans);
	struct run_span *s = push(&r->spans, &r->nspans, &cap, sizeof(*s));

	s->trace = strpool_intern(&r->traces, row->trace_id);
	s->span = strpool_intern(&r->ids, row->span_id);
	s->parent = row->parent_span_id && *row->parent_span_id ? strpool_intern(&r->ids, row->parent_span_id)
								   : STRPOOL_NONE;
	s->tier = (enum tier_id)tier_from_name(row->tier);
	s->server = row->kind[0] == 's';
	s->attempt = row->attempt;
	s->start_ms = as_written(row->start_ms);
	s->end_ms = as_written(row->end_ms);
	s->budget_ms = row->budget_ms < 0 ? -1 : as_written(row->budget_ms);
	s->status = row->status;
	s->outcome = row->outcome;
	s->queue_ms = as_written(row->queue_ms);
	s->work_ms = as_written(row->work_ms);
	s->wasted_ms = as_written(row->wasted_ms);
	/* not kept: the summary and the time series never read it, and a
	 * string per row is most of what appending costs */
	s->lineage = STRPOOL_NONE;
}

void run_add_stat(struct run *r, const struct stats_row *row)
{
	size_t cap = grown_cap(r->nstats);
	struct run_stat *s = push(&r->stats, &r->nstats, &cap, sizeof(*s));
	int tier = tier_from_name(row->tier);

	s->t_ms = as_written(row->t_ms);
	s->proc = tier >= 0 ? RUN_PROC_OF_TIER(tier) : RUN_PROC_CLIENT;
	s->inflight = (double)row->inflight;
	s->queue_depth = (double)row->queue_depth;
	s->busy_workers = (double)row->busy_workers;
	s->lag_p99_ms = as_written(row->lag_p99_ms);
	s->lag_max_ms = as_written(row->lag_max_ms);
	s->orphaned = (double)row->orphaned;
	s->retries_denied = (double)row->retries_denied;
	s->hedges = (double)row->hedges;
	s->breaker_open_ms = as_written(row->breaker_open_ms);
	s->cache_hits = (double)row->cache_hits;
	s->cache_misses = (double)row->cache_misses;
}
