/* series: the per-second series the plots need that timeseries.csv does not
 * hold, as gnuplot data files in a run's plots/ folder (whitespace-separated
 * columns, "#" header lines, "?" for "no value"):
 *   arrivals.dat     t_s dbsim_arrivals client_requests offered_rps
 *                    (client_requests: new requests by intended second;
 *                    offered_rps: load.rate while load.duration lasts, else ?)
 *   success.dat      t_s requests ok ratio       by intended second of
 *                    attempt 1 (the grouping recovery_s uses); ratio ? when 0
 *   inflight.dat     t_s client gateway svc_a svc_b dbsim   (the last
 *                    stats.csv sample of the second, as timeseries.csv)
 *   latency_cdf.dat  latency_ms fraction   completed client requests, sorted
 *   dbwork.dat       t_s useful_s wasted_s   dbsim work done in the second
 *                    (a query's work_ms spread over the time it ran, after
 *                    its queue_ms), split by summary_db_useful: work that
 *                    reached a client vs work that did not.  In worker-
 *                    seconds per second, i.e. busy workers on average.
 * t_s is the second's start; a value holds for the whole second. */
#ifndef REPORT_SERIES_H
#define REPORT_SERIES_H

#include <stddef.h>

#include "run.h"

/* Per-second useful and wasted dbsim work in seconds; arrays of *nsec
 * elements, caller frees both. */
void series_db_work(const struct run *r, size_t *nsec, double **useful_s, double **wasted_s);

/* Write the five files into plots_dir (created when missing).  0, or -1
 * with err. */
int series_write(const struct run *r, const char *plots_dir, char *err, size_t errlen);

#endif
