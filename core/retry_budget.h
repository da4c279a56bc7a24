/* retry_budget: the two ways the field bounds retries per tier.
 *
 * By rate (Finagle's RetryBudget, tower's Budget): every request deposits,
 * every retry withdraws; over the last ttl, retries may be at most
 * percent x requests + min_per_s x ttl, so that a quiet tier can still
 * retry.  Counted in a rolling window (window.h: ttl in ten buckets).
 *
 * By concurrency (Envoy's retry_budget): retries in flight may be at most
 * max(min_retry_concurrency, budget_percent x requests in flight).
 *
 * A denied retry is not sent: the request ends with its last attempt's
 * failure, and the tier counts it (retries_denied). */
#ifndef CASCADE_RETRY_BUDGET_H
#define CASCADE_RETRY_BUDGET_H

#include <stdbool.h>

#include "window.h"

struct retry_budget {
	double percent;	  /* of requests, 0..100 */
	double min_per_s; /* retries a second always allowed */
	double ttl_ms;
	struct window w; /* series 0: requests, 1: retries */
};

void retry_budget_init(struct retry_budget *b, double percent, double min_per_s, double ttl_ms);
/* A request arrived at now_ms. */
void retry_budget_deposit(struct retry_budget *b, double now_ms);
/* May a retry go at now_ms?  When it may, it is counted. */
bool retry_budget_withdraw(struct retry_budget *b, double now_ms);

/* Envoy's rule: may one more retry join retries_in_flight, with
 * requests_in_flight requests active? */
bool retry_concurrency_allows(long retries_in_flight, long requests_in_flight, double percent, long min_retries);

#endif
