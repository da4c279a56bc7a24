/* db_core: every decision of dbsim, without I/O.  `workers` queries run at
 * once, the rest wait in a queue of at most `queue_limit`, served by its
 * discipline (FIFO, LIFO, adaptive LIFO, Facebook's CoDel variant); each query takes a
 * service time drawn from the scenario's distribution (times any slowdown,
 * plus any injected latency) unless statement_timeout, its deadline
 * (honor_deadline, noticed only every check_interval of running) or its
 * caller leaving (honor_cancel) ends it first.  A query whose caller left
 * without honor_cancel runs on for nobody: that work is wasted.
 *
 * Boundary: the driver reports arrivals and callers leaving with the
 * current scenario time and runs the core's timers; the core answers
 * through struct db_ops.  Capacity faults change the workers at their
 * window's edges (timers the core arms itself). */
#ifndef CASCADE_DB_CORE_H
#define CASCADE_DB_CORE_H

#include "core.h"
#include "rng.h"
#include "scenario.h"
#include "timerq.h"

struct db_core;
struct db_query;

enum db_reason {
	DR_OK,			/* the query ran: the body carries queue_ms and work_ms */
	DR_BAD_REQUEST,		/* a malformed header: detail */
	DR_EXPIRED_ON_ARRIVAL,	/* the received deadline had already passed */
	DR_EXPIRED_IN_QUEUE,	/* honor_deadline: dropped from the queue */
	DR_ABANDONED,		/* honor_deadline: abandoned while running */
	DR_STATEMENT_TIMEOUT,	/* statement_timeout */
	DR_INJECTED_ERROR,	/* an errors fault */
	DR_QUEUE_FULL,		/* queue_limit */
	DR_CODEL,		/* codel: overloaded, it waited longer than codel_target (503) */
	DR_ADMISSION,		/* admission_estimate: less budget than the work takes (504) */
	DR_STOP,		/* dbsim stops: close without an answer */
};

struct db_reply {
	int status; /* 0 with DR_STOP */
	enum outcome outcome;
	enum db_reason reason;
	double queue_ms, work_ms; /* DR_OK */
	const char *detail;	  /* DR_BAD_REQUEST */
};

struct db_ops {
	/* Answer the caller (once, and only while it is there). */
	void (*reply)(void *ctx, struct db_query *q, const struct db_reply *rep);
	void (*row)(void *ctx, const struct span_row *row);
	/* The query is over: drop every reference; freed when this returns. */
	void (*release)(void *ctx, struct db_query *q);
};

struct db_core_config {
	const struct scenario *sc;
	struct timerq *tq;
	const struct db_ops *ops;
	void *ctx;
	size_t query_drv_size;
};

/* Arms the capacity faults' edges, relative to now_ms (the run's time when
 * the core starts: nothing before it is replayed). */
struct db_core *db_core_new(const struct db_core_config *cfg, double now_ms);
void db_core_free(struct db_core *c); /* after db_core_stop */

/* A query arrived.  drv_init: query_drv_size bytes copied into its driver
 * area first.  Returns the query, or NULL when it was answered and released
 * at once (bad header, expired, error fault, queue full). */
struct db_query *db_core_arrive(struct db_core *c, double now_ms, const struct inbound *in,
				const char *bad_header, const void *drv_init);
/* The caller closed its connection before the answer. */
void db_core_caller_gone(struct db_core *c, struct db_query *q, double now_ms);
/* Every query still alive becomes a cancelled row; waiting callers are
 * closed without an answer.  The capacity timers are disarmed. */
void db_core_stop(struct db_core *c, double now_ms);

const struct core_counters *db_core_counters(const struct db_core *c);
void *db_query_drv(struct db_query *q);
const struct inbound *db_query_inbound(const struct db_query *q);

/* The 200 body, {"tier":"dbsim","trace_id":"...","lineage":"...","queue_ms":...,
 * "work_ms":...}, or the error text, without printf (it runs for every
 * query).  out needs DB_REPLY_MAX bytes; returns the length. */
#define DB_REPLY_MAX (96 + TRACE_ID_LEN + LINEAGE_MAX + 2 * FMT_NUM_MAX + ERR_LEN)
size_t db_reply_text(const struct db_query *q, const struct db_reply *rep, char *out);

/* The median of a service-time distribution: what codel_target and
 * codel_interval are derived from when not given (5 and 100 times it). */
double db_service_median_ms(const struct dist *d);

/* When does a running query end, and how?  start_ms: when it started
 * running; service_ms: how long it would take; statement_timeout_ms: 0 =
 * none; deadline_ms: INFINITY = none (or not honoured); check_ms: the
 * interval at which a running query looks at its deadline (it notices only
 * at start + k * check_ms).  Returns the end time and sets *outcome to
 * OUT_OK, OUT_STATEMENT_TIMEOUT or OUT_DEADLINE_EXPIRED (the earliest wins;
 * ties go to the query finishing). */
double db_run_end_ms(double start_ms, double service_ms, double statement_timeout_ms, double deadline_ms,
		     double check_ms, enum outcome *outcome);

#endif
