/* reqtree: one client request's attempt tree, for the waterfall, the HTML
 * page and trace.json.  The roots are the request's client attempts
 * (requests.csv); below each, the spans linked to it by parent_span_id:
 *   client attempt -> gateway server -> gateway client attempts -> svc_a
 *   server -> ... -> dbsim server
 * so a retry storm shows as the tree fanning out.
 *
 * Nodes come in depth-first order: children sorted by start_ms, then
 * attempt, then span id, so the same run always gives the same tree.  Spans
 * of the trace whose parent is not in it (or that sit in a parent cycle of a
 * damaged file) are not dropped: they become extra roots after the client
 * attempts. */
#ifndef REPORT_REQTREE_H
#define REPORT_REQTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"

struct reqtree_node {
	bool attempt_row; /* a requests.csv row (row indexes run.attempts), else a span (run.spans) */
	size_t row;
	int depth; /* roots: 0 */
	int proc;  /* RUN_PROC_CLIENT or RUN_PROC_OF_TIER */
	bool server;
	int attempt;
	double start_ms, end_ms; /* NaN for an attempt never sent */
	double budget_ms;	 /* < 0: none (client attempts have none) */
	int status;		 /* 0: none */
	const char *outcome;	 /* its outcome's name (client or span vocabulary) */
	bool ok;
};

struct reqtree {
	uint32_t trace; /* run.traces */
	double t0_ms; /* the request's first intended time (else its earliest start): time 0 of a waterfall */
	double end_ms;		    /* the latest end in the tree (>= t0_ms) */
	struct reqtree_node *nodes; /* depth-first, owned */
	size_t n;
};

/* Build the tree of one trace id.  Never fails; a trace with no rows gives
 * an empty tree.  Free with reqtree_free. */
void reqtree_build(const struct run *r, uint32_t trace, struct reqtree *t);
void reqtree_free(struct reqtree *t);

/* The client request with the most dbsim server rows (ties: the earlier
 * first intended time, then the smaller trace id string); its hit count in
 * *db_hits when not NULL.  STRPOOL_NONE when requests.csv is empty. */
uint32_t reqtree_worst(const struct run *r, unsigned *db_hits);

/* A short label for a node's call: "srv" for a server span, "try2" for
 * attempt 2 of a client. */
void reqtree_call_label(const struct reqtree_node *n, char *buf, size_t len);

#endif
