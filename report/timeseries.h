/* timeseries: the run second by second (timeseries.csv), one row per
 * scenario second and per tier, so a plot can show the storm building up
 * and draining tier by tier.
 *
 * Rows: t_s = floor(ms / 1000) from 0 to the second of the last event
 * (negative times count in second 0), and for each t_s the tiers in the
 * order client, gateway, svc_a, svc_b, dbsim.
 *   arrivals   server rows starting in t_s (client: attempts started)
 *   attempts   client rows (attempts sent) starting in t_s
 *   retries    of which attempt > 1
 *   ok..http_error  server rows (client: attempts) by outcome, counted in
 *              the second they ended; http_error is the client's only
 *   inflight, queue_depth, busy_workers, lag_p99_ms, orphaned  the
 *              process's last stats.csv sample in t_s; empty when there is
 *              none */
#ifndef REPORT_TIMESERIES_H
#define REPORT_TIMESERIES_H

#include <stddef.h>

#include "run.h"

#define TIMESERIES_CSV_HEADER                                                                                \
	"t_s,tier,arrivals,attempts,retries,ok,timeout,deadline_expired,upstream_error,conn_error,"          \
	"cancelled,caller_gone,shed,bad_request,statement_timeout,fault_error,http_error,inflight,"          \
	"queue_depth,busy_workers,lag_p99_ms,orphaned,breaker_open,hedge_lost,cache_hit,throttled"

#define TS_HTTP_ERROR OUT_COUNT	   /* index of http_error among the outcome counts */
#define TS_THROTTLED (OUT_COUNT + 1) /* and of the client's throttled */

struct ts_cell {
	unsigned arrivals, attempts, retries;
	unsigned outcomes[OUT_COUNT + 2]; /* enum outcome order, then http_error and throttled */
	double gauge_t_ms;		  /* time of the sample below; NaN = none */
	double inflight, queue_depth, busy_workers, lag_p99_ms;
	double orphaned;
};

struct timeseries {
	size_t nsec;	      /* seconds 0 .. nsec-1 */
	struct ts_cell *cell; /* [sec * RUN_PROCS + proc], owned */
};

/* Bucket the run.  Free with timeseries_free. */
void timeseries_build(const struct run *r, struct timeseries *ts);
/* The cell of second t_s and process proc (RUN_PROC_*), or NULL past the end. */
const struct ts_cell *timeseries_cell(const struct timeseries *ts, size_t t_s, int proc);
/* Write timeseries.csv to path.  0 or -1 with err. */
int timeseries_write(const struct timeseries *ts, const char *path, char *err, size_t errlen);
void timeseries_free(struct timeseries *ts);

#endif
