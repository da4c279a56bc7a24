/* record: the rows a run leaves: the span rows every tier writes to
 * <out>/<tier>.csv, the client's rows in requests.csv, and the fixed
 * vocabulary of their outcomes.  One schema each, for both engines, documented
 * in scenarios/README.md; report reads them with the same names. */
#ifndef CASCADE_RECORD_H
#define CASCADE_RECORD_H

#include <stdbool.h>

#include "csvw.h"

#define SPAN_CSV_HEADER                                                                            \
	"trace_id,span_id,parent_span_id,tier,kind,attempt,start_ms,end_ms,budget_ms,status,outcome," \
	"queue_ms,work_ms,wasted_ms,lineage"

enum outcome {
	OUT_OK,                /* 2xx delivered / received */
	OUT_TIMEOUT,           /* a timeout of this process ended it (attempt timeout, own deadline) */
	OUT_DEADLINE_EXPIRED,  /* the propagated deadline had passed (on arrival, in a queue, running) */
	OUT_UPSTREAM_ERROR,    /* the upstream answered an error status */
	OUT_CONN_ERROR,        /* could not connect, or the connection broke */
	OUT_CANCELLED,         /* this process abandoned it (caller gone or deadline, with cancellation on; shutdown) */
	OUT_CALLER_GONE,       /* the caller closed its connection before the reply */
	OUT_SHED,              /* refused for capacity (max_inflight, queue_limit) */
	OUT_BAD_REQUEST,       /* malformed header */
	OUT_STATEMENT_TIMEOUT, /* dbsim's statement_timeout aborted the query */
	OUT_FAULT_ERROR,       /* an injected `errors` fault */
	OUT_BREAKER_OPEN,      /* not sent: the tier's circuit breaker was open (503) */
	OUT_HEDGE_LOST,        /* a hedged copy aborted because another copy ended the request */
	OUT_CACHE_HIT,         /* answered from the tier's cache, upstream not asked (200) */
	OUT_COUNT
};
/* Whether a client row with this outcome was sent downstream (an attempt
 * the circuit breaker refused was not: no tier below saw it). */
static inline bool span_outcome_sent(enum outcome o) { return o != OUT_BREAKER_OPEN; }
/* Whether a sent attempt ending so was cut by its sender (conn_error,
 * cancelled, a hedge that lost): the tier below may not have it. */
static inline bool span_outcome_cut(enum outcome o)
{
	return o == OUT_CONN_ERROR || o == OUT_CANCELLED || o == OUT_HEDGE_LOST;
}
const char *outcome_name(enum outcome o); /* "unknown" for a value out of range */
int outcome_from_name(const char *s); /* -1 when unknown */

/* The status a server row records when its caller closed the connection
 * before the answer: nginx's convention for "the client closed first". */
#define STATUS_CALLER_GONE 499

/* Kinds: "server" (an inbound request handled), "client" (an attempt sent). */
struct span_row {
	const char *trace_id;       /* 32 hex */
	const char *span_id;        /* 16 hex */
	const char *parent_span_id; /* 16 hex, or "" */
	const char *tier;
	const char *kind;
	int attempt;      /* client: this attempt's number (1 = first); server: the caller's attempt number */
	double start_ms;  /* scenario ms */
	double end_ms;    /* scenario ms */
	double budget_ms; /* budget received (server) or sent (client); < 0 = none (empty field) */
	int status;       /* HTTP status replied (server) or received (client); 0 = none */
	enum outcome outcome;
	double queue_ms;  /* time waiting for a worker (dbsim), else 0 */
	double work_ms;   /* time doing work: running a query (dbsim), attempts in flight (tiers) */
	double wasted_ms; /* part of work_ms done after the caller was gone */
	const char *lineage;
};
/* One row in SPAN_CSV_HEADER order: times with 3 decimals, budget empty
 * when < 0, status written as is (0 included), NULL strings empty. */
void record_span(struct csvw *w, const struct span_row *row);

/* <process>_stats.csv and stats.csv: one row per process per scenario
 * second, and one more as the process begins to stop (always its last).
 * Gauges: inflight (requests awaiting their answer; the client: attempts in
 * flight), queue_depth and busy_workers (dbsim), lag (real ms; the virtual
 * engine has none and writes 0), orphaned (requests answered or abandoned
 * whose work still runs); then the remedies' decisions so far, cumulative:
 * retries denied (budgets, throttling), hedged copies sent, scenario ms the
 * circuit breaker was not closed, cache hits and misses. */
#define STATS_CSV_HEADER                                                                                    \
	"t_ms,tier,inflight,queue_depth,busy_workers,lag_p99_ms,lag_max_ms,orphaned,retries_denied,hedges,"  \
	"breaker_open_ms,cache_hits,cache_misses"

/* The first header, before the columns from orphaned on: report still
 * reads it (those columns empty). */
#define STATS_CSV_HEADER_V1 "t_ms,tier,inflight,queue_depth,busy_workers,lag_p99_ms,lag_max_ms"

struct stats_row {
	double t_ms;
	const char *tier; /* the process: "loadgen" for the client */
	int64_t inflight, queue_depth, busy_workers;
	double lag_p99_ms, lag_max_ms;
	int64_t orphaned;
	int64_t retries_denied, hedges;
	double breaker_open_ms;
	int64_t cache_hits, cache_misses;
};
void record_stats(struct csvw *w, const struct stats_row *row);

/* requests.csv: one row per client attempt (the client core's rows). */
#define REQUESTS_CSV_HEADER "trace_id,attempt,intended_ms,start_ms,end_ms,latency_ms,status,outcome,span_id"

/* How a client attempt ended: the client's vocabulary, not enum outcome. */
enum client_outcome {
	CLIENT_OK,	   /* 2xx received */
	CLIENT_HTTP_ERROR, /* any other status received */
	CLIENT_TIMEOUT,	   /* load.client_timeout fired first */
	CLIENT_CONN_ERROR, /* could not connect, or the connection broke */
	CLIENT_CANCELLED,  /* still in flight at the end of the drain, or at a stop */
	CLIENT_NOT_SENT,   /* load.max_outstanding attempts were in flight: never sent */
	CLIENT_THROTTLED,  /* rejected by adaptive throttling: never sent, not retried */
	CLIENT_OUTCOME_COUNT
};
const char *client_outcome_name(enum client_outcome o); /* "unknown" for a value out of range */
/* Whether an attempt with this outcome left the client (not_sent and
 * throttled never did: no start, end, latency or span). */
static inline bool client_outcome_sent(enum client_outcome o) { return o != CLIENT_NOT_SENT && o != CLIENT_THROTTLED; }
int client_outcome_from_name(const char *s);		/* -1 when unknown */
/* The span vocabulary's nearest word for each, for counters that use it
 * (/metrics): ok, upstream_error, timeout, conn_error, cancelled, shed. */
enum outcome client_outcome_as_span(enum client_outcome o);

struct request_row {
	const char *trace_id;
	int attempt;	    /* 1 = first */
	double intended_ms; /* when it was meant to leave: the schedule, or failure + backoff */
	bool sent;	    /* false: not_sent, and start, end, latency and span are empty */
	double start_ms, end_ms;
	int status; /* 0: none (written empty) */
	enum client_outcome outcome;
	const char *span_id;
};
/* One row in REQUESTS_CSV_HEADER order; latency = end - intended. */
void record_request(struct csvw *w, const struct request_row *row);

#endif
