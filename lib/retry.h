/* retry: retry policies, what is retryable, and backoff with jitter.
 * Backoff formulas are those of the AWS article "Exponential Backoff And
 * Jitter", with t = min(cap, base * 2^n) for the n-th retry (n = 0 first):
 *   none          sleep = t
 *   full          sleep = random(0, t)
 *   equal         sleep = t/2 + random(0, t/2)
 *   decorrelated  sleep = min(cap, random(base, prev * 3)), prev = base at first
 * All durations are scenario ms. */
#ifndef CASCADE_RETRY_H
#define CASCADE_RETRY_H

#include <stdbool.h>

#include "rng.h"

enum jitter { JITTER_NONE, JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED };
#define JITTER_COUNT 4
extern const char *const jitter_names[JITTER_COUNT]; /* by enum jitter: "none", "full", ... */

enum retry_on {
	RETRY_ON_TIMEOUT = 1u << 0,       /* the attempt timed out */
	RETRY_ON_5XX = 1u << 1,           /* the upstream answered 5xx */
	RETRY_ON_CONNECT_ERROR = 1u << 2, /* could not connect, or the connection broke */
};

struct retry_policy {
	int retries;               /* extra attempts after the first; >= 0 */
	double attempt_timeout_ms; /* per attempt; <= 0: none of its own */
	unsigned retry_on;         /* enum retry_on bits */
	double base_ms;            /* backoff base, > 0 */
	double cap_ms;             /* backoff cap, >= base */
	enum jitter jitter;
};

const char *jitter_name(enum jitter j);
int jitter_from_name(const char *s); /* -1 when unknown */

/* The failure classes an attempt can end in, as far as retrying cares. */
enum retry_class { RETRY_CLASS_NONE, RETRY_CLASS_TIMEOUT, RETRY_CLASS_5XX, RETRY_CLASS_CONNECT };
/* Whether the policy retries this class at all (RETRY_CLASS_NONE: never);
 * counting attempts against p->retries is the caller's job. */
bool retry_allowed(const struct retry_policy *p, enum retry_class c);

/* Sleep before retry number n (0 = the first retry).  *prev_ms carries the
 * previous sleep for decorrelated jitter: set it to 0 before the first call
 * (prev_ms may be NULL, meaning always first).  Decorrelated ignores n; the
 * others ignore *prev_ms but still update it.  Large n saturates at cap. */
double retry_backoff_ms(const struct retry_policy *p, int n, double *prev_ms, struct rng *r);

#endif
