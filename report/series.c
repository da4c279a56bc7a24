/* series: plot data computed from the loaded run with the metrics' own
 * definitions (summary_requests, summary_db_useful), so a plot and the
 * summary table can never disagree. */
#include "series.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outfile.h"
#include "summary.h"
#include "timeseries.h"
#include "util.h"

static size_t sec(double ms)
{
	return ms > 0 ? (size_t)floor(ms / 1000.0) : 0;
}

void series_db_work(const struct run *r, size_t *nsec, double **useful_s, double **wasted_s)
{
	bool *useful = summary_db_useful(r);
	size_t n = 0;
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].server && r->spans[i].tier == TIER_DBSIM) {
			const struct run_span *s = &r->spans[i];
			double end = s->start_ms + s->queue_ms + s->work_ms;
			if (sec(end) + 1 > n)
				n = sec(end) + 1;
		}
	double *u = xcalloc(n ? n : 1, sizeof(*u)), *w = xcalloc(n ? n : 1, sizeof(*w));
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *s = &r->spans[i];
		if (!s->server || s->tier != TIER_DBSIM || !(s->work_ms > 0))
			continue;
		double *into = useful[i] ? u : w;
		double from = fmax(0, s->start_ms + s->queue_ms),
		       to = fmax(from, s->start_ms + s->queue_ms + s->work_ms);
		for (size_t t = sec(from); t < n && (double)t * 1000.0 < to; t++) {
			double a = fmax(from, (double)t * 1000.0), b = fmin(to, (double)(t + 1) * 1000.0);
			if (b > a)
				into[t] += (b - a) / 1000.0;
		}
	}
	free(useful);
	*nsec = n;
	*useful_s = u;
	*wasted_s = w;
}

static void num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fputs(" ?", f);
}

static FILE *open_dat(const char *dir, const char *name, const char *header, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = outfile_fopen(path, 0, err, errlen);
	if (f)
		fprintf(f, "# %s\n", header);
	free(path);
	return f;
}

static int close_dat(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return errf(err, errlen, "%s/%s: write failed", dir, name);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int write_client(const struct run *r, const struct timeseries *ts, const char *dir, char *err,
			size_t errlen)
{
	size_t nreq, nsec = ts->nsec, nlat = 0;
	struct summary_request *q = summary_requests(r, &nreq);
	for (size_t i = 0; i < nreq; i++)
		if (sec(q[i].intended_ms) + 1 > nsec)
			nsec = sec(q[i].intended_ms) + 1;
	size_t *total = xcalloc(nsec + 1, sizeof(*total)), *ok = xcalloc(nsec + 1, sizeof(*ok));
	double *lat = xmalloc((nreq ? nreq : 1) * sizeof(*lat));
	for (size_t i = 0; i < nreq; i++) {
		total[sec(q[i].intended_ms)]++;
		ok[sec(q[i].intended_ms)] += q[i].succeeded;
		if (isfinite(q[i].latency_ms))
			lat[nlat++] = q[i].latency_ms;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	int rc = -1;
	FILE *f =
	    open_dat(dir, "arrivals.dat", "t_s dbsim_arrivals client_requests offered_rps", err, errlen);
	if (!f)
		goto done;
	for (size_t t = 0; t < nsec; t++) {
		const struct ts_cell *c = timeseries_cell(ts, t, RUN_PROC_OF_TIER(TIER_DBSIM));
		fprintf(f, "%zu %u %zu", t, c ? c->arrivals : 0, total[t]);
		num(f, (double)t * 1000.0 < r->sc.load.duration_ms ? r->sc.load.rate_rps : NAN);
		fputc('\n', f);
	}
	if (close_dat(f, dir, "arrivals.dat", err, errlen) < 0)
		goto done;
	if (!(f = open_dat(dir, "success.dat", "t_s requests ok ratio (by intended second of attempt 1)", err,
			   errlen)))
		goto done;
	for (size_t t = 0; t < nsec; t++) {
		fprintf(f, "%zu %zu %zu", t, total[t], ok[t]);
		num(f, total[t] ? (double)ok[t] / (double)total[t] : NAN);
		fputc('\n', f);
	}
	if (close_dat(f, dir, "success.dat", err, errlen) < 0)
		goto done;
	if (!(f = open_dat(dir, "latency_cdf.dat", "latency_ms fraction (completed client requests)", err,
			   errlen)))
		goto done;
	for (size_t i = 0; i < nlat; i++)
		fprintf(f, "%.3f %.6f\n", lat[i], (double)(i + 1) / (double)nlat);
	if (close_dat(f, dir, "latency_cdf.dat", err, errlen) < 0)
		goto done;
	rc = 0;
done:
	free(q);
	free(total);
	free(ok);
	free(lat);
	return rc;
}

static int write_inflight(const struct timeseries *ts, const char *dir, char *err, size_t errlen)
{
	FILE *f = open_dat(dir, "inflight.dat",
			   "t_s client gateway svc_a svc_b dbsim orphaned_gateway orphaned_svc_a orphaned_svc_b "
			   "orphaned_dbsim",
			   err, errlen);
	if (!f)
		return -1;
	for (size_t t = 0; t < ts->nsec; t++) {
		fprintf(f, "%zu", t);
		for (int p = 0; p < RUN_PROCS; p++)
			num(f, timeseries_cell(ts, t, p)->inflight);
		for (int p = RUN_PROC_OF_TIER(0); p < RUN_PROCS; p++)
			num(f, timeseries_cell(ts, t, p)->orphaned);
		fputc('\n', f);
	}
	return close_dat(f, dir, "inflight.dat", err, errlen);
}

static int write_dbwork(const struct run *r, const char *dir, char *err, size_t errlen)
{
	size_t n;
	double *useful, *wasted;
	series_db_work(r, &n, &useful, &wasted);
	FILE *f =
	    open_dat(dir, "dbwork.dat", "t_s useful_s wasted_s (dbsim work done in the second)", err, errlen);
	if (f) {
		for (size_t t = 0; t < n; t++)
			fprintf(f, "%zu %.6f %.6f\n", t, useful[t], wasted[t]);
	}
	free(useful);
	free(wasted);
	return f ? close_dat(f, dir, "dbwork.dat", err, errlen) : -1;
}

int series_write(const struct run *r, const char *plots_dir, char *err, size_t errlen)
{
	struct timeseries ts = {0};
	int rc = -1;
	if (mkdir(plots_dir, 0777) < 0 && errno != EEXIST)
		return errf(err, errlen, "%s: cannot create: %s", plots_dir, strerror(errno));
	timeseries_build(r, &ts);
	if (write_client(r, &ts, plots_dir, err, errlen) < 0 ||
	    write_inflight(&ts, plots_dir, err, errlen) < 0 || write_dbwork(r, plots_dir, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	timeseries_free(&ts);
	return rc;
}
