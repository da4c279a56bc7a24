/* summary: the headline numbers of one run (summary.csv): client success and
 * latency, retry amplification at every tier, database load and useful work,
 * wasted work, recovery time after the faults, and event-loop lag.  Every
 * metric's name, unit and definition is in report/README.md ("Summary
 * metrics"); names are stable, so scripts and compare can rely on them.
 *
 * Values are doubles; NaN means "no value" (written as an empty field), e.g.
 * recovery_s of a run without faults or a ratio whose denominator is 0. */
#ifndef REPORT_SUMMARY_H
#define REPORT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"
#include "util.h"

#define SUMMARY_CSV_HEADER "metric,value,unit"
#define SUMMARY_MAX 48

/* Success ratio a second must reach, as a fraction of the pre-fault level,
 * and for how many consecutive seconds, to count as recovered. */
#define SUMMARY_RECOVERY_FRACTION 0.9
#define SUMMARY_RECOVERY_SECONDS 5
/* A process is faithful when its worst per-second lag p99 stays within this
 * fraction of the smallest timeout in play (both in real ms). */
#define SUMMARY_LAG_FRACTION 0.01

struct summary_metric {
	char name[40];
	const char *unit; /* "", "ratio", "rps", "ms", "s", "x", "count", "bool" */
	double value;	  /* NaN = empty */
	const char *text; /* a word instead of a number (engine); NULL for numbers */
	int decimals;	  /* digits written after the point */
};

struct summary {
	struct summary_metric m[SUMMARY_MAX];
	size_t n;
};

/* Compute every metric from a loaded run (r->sc supplies load.rate_rps,
 * load.duration_ms, faults and time_scale).  Never fails. */
void summary_compute(const struct run *r, struct summary *s);

/* One client request (all requests.csv rows of one trace id) as the metrics
 * see it. */
struct summary_request {
	uint32_t trace;	    /* run.traces */
	double intended_ms; /* its first attempt's intended_ms: the second it counts in */
	size_t last_row;    /* its last attempt in run.attempts: the request's result */
	unsigned db_hits;   /* dbsim server rows with its trace id */
	bool succeeded;	    /* the last attempt is ok */
	double latency_ms;  /* last end - first intended; NaN when not completed */
};
/* Every client request, in order of trace id (first appearance in
 * requests.csv); *n is set.  Caller frees. */
struct summary_request *summary_requests(const struct run *r, size_t *n);

/* Which span rows are useful dbsim work (db_useful_work_ratio's test): one
 * flag per r->spans row, true for a dbsim server row whose whole parent
 * chain is ok up to a client attempt that got 200/ok, false for every other
 * row.  Caller frees. */
bool *summary_db_useful(const struct run *r);

/* The metric called name, or NULL. */
const struct summary_metric *summary_find(const struct summary *s, const char *name);
/* Its value; NaN when absent or empty. */
double summary_value(const struct summary *s, const char *name);

/* Nearest-rank percentile of sorted[0..n): the smallest value with at least
 * p % of the values at or below it.  NaN when n == 0. */
double summary_percentile(const double *sorted, size_t n, double p);

/* Write summary.csv to path (created or truncated).  0 or -1 with err. */
int summary_write(const struct summary *s, const char *path, char *err, size_t errlen);
/* The aligned "metric  value  unit" table for a terminal, appended to out. */
void summary_format(const struct summary *s, struct sbuf *out);

#endif
