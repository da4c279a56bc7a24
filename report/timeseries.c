/* timeseries: a dense seconds x processes grid filled in one pass over each
 * table; the grid is small (a run lasts minutes), the tables are not. */
#include "timeseries.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "util.h"

_Static_assert(OUT_COUNT == 14, "timeseries.csv lists the outcomes of record.h by name");

static size_t sec(double ms)
{
	return ms > 0 ? (size_t)floor(ms / 1000.0) : 0;
}

/* The last second any row mentions, + 1. */
static size_t seconds_spanned(const struct run *r)
{
	double last = -1;
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct run_attempt *a = &r->attempts[i];
		last = fmax(last, fmax(a->intended_ms, fmax(a->start_ms, a->end_ms)));
	}
	for (size_t i = 0; i < r->nspans; i++)
		last = fmax(last, fmax(r->spans[i].start_ms, r->spans[i].end_ms));
	for (size_t i = 0; i < r->nstats; i++)
		last = fmax(last, r->stats[i].t_ms);
	return last < 0 && r->nattempts + r->nspans + r->nstats == 0 ? 0 : sec(last) + 1;
}

static struct ts_cell *at(const struct timeseries *ts, double ms, int proc)
{
	return &ts->cell[sec(ms) * RUN_PROCS + (size_t)proc];
}

/* The client's outcomes in timeseries columns. */
static int client_column(enum client_outcome o)
{
	switch (o) {
	case CLIENT_OK:
		return OUT_OK;
	case CLIENT_HTTP_ERROR:
		return TS_HTTP_ERROR;
	case CLIENT_TIMEOUT:
		return OUT_TIMEOUT;
	case CLIENT_CONN_ERROR:
		return OUT_CONN_ERROR;
	case CLIENT_CANCELLED:
		return OUT_CANCELLED;
	case CLIENT_THROTTLED:
		return TS_THROTTLED;
	default:
		return -1;
	}
}

void timeseries_build(const struct run *r, struct timeseries *ts)
{
	ts->nsec = seconds_spanned(r);
	ts->cell = xcalloc(ts->nsec * RUN_PROCS + 1, sizeof(*ts->cell));
	for (size_t i = 0; i < ts->nsec * RUN_PROCS; i++) {
		struct ts_cell *c = &ts->cell[i];
		c->gauge_t_ms = c->inflight = c->queue_depth = c->busy_workers = c->lag_p99_ms = c->orphaned = NAN;
	}
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct run_attempt *a = &r->attempts[i];
		if (isfinite(a->start_ms)) {
			struct ts_cell *c = at(ts, a->start_ms, RUN_PROC_CLIENT);
			c->arrivals++;
			c->attempts++;
			c->retries += a->attempt > 1;
		}
		int col = client_column(a->outcome);
		if (isfinite(a->end_ms) && col >= 0)
			at(ts, a->end_ms, RUN_PROC_CLIENT)->outcomes[col]++;
	}
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *sp = &r->spans[i];
		int proc = RUN_PROC_OF_TIER(sp->tier);
		if (sp->server) {
			at(ts, sp->start_ms, proc)->arrivals++;
			at(ts, sp->end_ms, proc)->outcomes[sp->outcome]++;
		} else {
			struct ts_cell *c = at(ts, sp->start_ms, proc);
			c->attempts++;
			c->retries += sp->attempt > 1;
		}
	}
	for (size_t i = 0; i < r->nstats; i++) {
		const struct run_stat *st = &r->stats[i];
		struct ts_cell *c = at(ts, st->t_ms, st->proc);
		if (isfinite(c->gauge_t_ms) && st->t_ms < c->gauge_t_ms)
			continue; /* keep the latest sample of the second */
		c->gauge_t_ms = st->t_ms;
		c->inflight = st->inflight;
		c->queue_depth = st->queue_depth;
		c->busy_workers = st->busy_workers;
		c->lag_p99_ms = st->lag_p99_ms;
		c->orphaned = st->orphaned;
	}
}

const struct ts_cell *timeseries_cell(const struct timeseries *ts, size_t t_s, int proc)
{
	if (t_s >= ts->nsec || proc < 0 || proc >= RUN_PROCS)
		return NULL;
	return &ts->cell[t_s * RUN_PROCS + (size_t)proc];
}

int timeseries_write(const struct timeseries *ts, const char *path, char *err, size_t errlen)
{
	struct csvw *w = csvw_open(path, TIMESERIES_CSV_HEADER, err, errlen);
	if (!w)
		return -1;
	for (size_t t = 0; t < ts->nsec; t++) {
		for (int p = 0; p < RUN_PROCS; p++) {
			const struct ts_cell *c = timeseries_cell(ts, t, p);
			csvw_int(w, (int64_t)t);
			csvw_str(w, run_proc_name(p));
			csvw_int(w, c->arrivals);
			csvw_int(w, c->attempts);
			csvw_int(w, c->retries);
			/* the columns in the order they were added: new ones at the end */
			for (int o = OUT_OK; o <= OUT_FAULT_ERROR; o++)
				csvw_int(w, c->outcomes[o]);
			csvw_int(w, c->outcomes[TS_HTTP_ERROR]);
			csvw_num(w, c->inflight, 0);
			csvw_num(w, c->queue_depth, 0);
			csvw_num(w, c->busy_workers, 0);
			csvw_num(w, c->lag_p99_ms, 3);
			csvw_num(w, c->orphaned, 0);
			for (int o = OUT_BREAKER_OPEN; o < OUT_COUNT; o++)
				csvw_int(w, c->outcomes[o]);
			csvw_int(w, c->outcomes[TS_THROTTLED]);
			csvw_end(w);
		}
	}
	if (csvw_close(w) < 0)
		return errf(err, errlen, "%s: write failed", path);
	return 0;
}

void timeseries_free(struct timeseries *ts)
{
	free(ts->cell);
	memset(ts, 0, sizeof(*ts));
}
