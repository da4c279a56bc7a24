/* loadgen: the open-loop client.  Client requests leave at the times the
 * schedule gives, whatever is still outstanding (as wrk2 and Vegeta do), and
 * latency is measured from the *intended* send time, so a slow chain cannot
 * hide its backlog (no coordinated omission).
 *
 * One struct lg per process, on the proc's event loop.  Every attempt ends
 * in exactly one row of <out>/requests.csv; a retry that never started is
 * counted (retries_dropped), not recorded.  Outcomes: ok (2xx), http_error
 * (any other status), timeout (load.client_timeout), conn_error (could not
 * connect, or the connection broke), cancelled (still in flight at the end
 * of the drain or at SIGTERM), not_sent (load.max_outstanding attempts were
 * in flight at the intended time). */
#ifndef CASCADE_LOADGEN_H
#define CASCADE_LOADGEN_H

#include <stddef.h>

#include "proc.h"

#define REQUESTS_CSV_HEADER "trace_id,attempt,intended_ms,start_ms,end_ms,latency_ms,status,outcome,span_id"

enum lg_outcome {
	LG_OK,
	LG_HTTP_ERROR,
	LG_TIMEOUT,
	LG_CONN_ERROR,
	LG_CANCELLED,
	LG_NOT_SENT,
	LG_OUTCOME_COUNT
};
const char *lg_outcome_name(enum lg_outcome o); /* "ok", "http_error", ... */

struct lg;

/* Open <out>/requests.csv and prepare the schedule from p's scenario.  NULL
 * with a message in err when the file cannot be created.  Nothing runs
 * until lg_start. */
struct lg *lg_new(struct proc *p, char *err, size_t errlen);
/* Arm the first arrival (at scenario time 0, which may be in the future)
 * and the once-a-second progress/flush timer. */
void lg_start(struct lg *g);
/* proc's on_stop hook (p->app is the struct lg): cancel the attempts in
 * flight (rows "cancelled"), drop pending retries, release every event,
 * close requests.csv and print the final line.  Also what lg does itself
 * when the drain ends, just before proc_stop.  Runs once; later calls do
 * nothing. */
void lg_on_stop(struct proc *p);
/* Free what is left after proc_run (which always calls on_stop first). */
void lg_free(struct lg *g);

#endif
