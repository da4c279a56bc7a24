/* db: the database simulator's logic.  `workers` queries run at once, the
 * rest wait in a FIFO of at most `queue_limit`; each query takes a service
 * time drawn from the scenario's distribution (times any slowdown, plus any
 * injected latency) unless statement_timeout, its deadline (honor_deadline)
 * or its caller leaving (honor_cancel) ends it first. */
#ifndef CASCADE_DB_H
#define CASCADE_DB_H

#include "proc.h"

/* When does a running query end, and how?  Pure, so it can be tested.
 * start_ms: when it started running; service_ms: how long it would take;
 * statement_timeout_ms: 0 = none; deadline_ms: < 0 = none (or not honoured);
 * check_ms: the interval at which a running query looks at its deadline (it
 * notices only at start + k * check_ms).  Returns the end time and sets
 * *outcome to OUT_OK, OUT_STATEMENT_TIMEOUT or OUT_DEADLINE_EXPIRED
 * (the earliest wins; ties go to the query finishing). */
double db_run_end_ms(double start_ms, double service_ms, double statement_timeout_ms, double deadline_ms,
		     double check_ms, enum outcome *outcome);

/* A service time drawn from d (ms, >= 0). */
double db_draw_service_ms(const struct dist *d, struct rng *r);

/* main() of dbsim. */
int db_main(const struct proc_info *info, int argc, char **argv);

#endif
