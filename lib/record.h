/* record: the span rows every process writes to <out>/<tier>.csv, and the
 * fixed vocabulary of outcomes.  One schema for all tiers, documented in
 * scenarios/README.md. */
#ifndef CASCADE_RECORD_H
#define CASCADE_RECORD_H

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
	OUT_COUNT
};
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

#endif
