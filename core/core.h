/* core: what the three decision cores (tier_core, db_core, client_core)
 * share.  A core decides; it does no I/O, reads no clock and no global
 * random generator.  Its driver (a real process on libevent and libcurl, or
 * the virtual engine) hands every call the current scenario time, delivers
 * what happened (a request arrived, an attempt ended, the caller left), runs
 * the core's timers, and carries out what the core asks through its ops
 * table (reply, send an attempt, abort one, write a row).
 *
 * Time: scenario ms since the run's start, a double.  "None" for a time is
 * INFINITY (a deadline that never comes), never a magic negative number. */
#ifndef CASCADE_CORE_H
#define CASCADE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "retry.h"
#include "trace.h"

/* How an attempt ended, as its sender's driver saw it.  Timeouts are not
 * here: the core times its own attempts (its timer fires, it asks the
 * driver to abort). */
enum attempt_end {
	ATTEMPT_ANSWERED, /* an HTTP status arrived */
	ATTEMPT_CONNECT,  /* could not connect */
	ATTEMPT_BROKEN,	  /* connected, then the connection closed or broke before a full answer */
};

struct attempt_result {
	enum attempt_end end;
	int status;	     /* ATTEMPT_ANSWERED: the HTTP status; else 0 */
	const void *body;    /* the answer's body, passed through by a tier; may be NULL */
	size_t body_len;
	const char *message; /* the driver's words for a connection failure; may be NULL */
};

/* The one classification of an ended attempt, for every core: 2xx is ok;
 * 500..599 is a retryable 5xx; any other status is an upstream error that is
 * not retried (statuses past 599 are not HTTP's, and are not taken for 5xx);
 * a connection failure is retryable as connect_error. */
enum retry_class attempt_classify(const struct attempt_result *res, enum outcome *outcome);

/* What a caller sent along with a request, as the driver read it: trace
 * context, retry path, and the deadline budget (when the tier reads it). */
struct inbound {
	char trace_id[TRACE_ID_LEN + 1]; /* "": none came; the core starts a trace */
	char parent_id[SPAN_ID_LEN + 1]; /* the caller's attempt span; "" when none */
	char lineage[LINEAGE_MAX];	 /* "" when none */
	int caller_attempt;		 /* the last hop's attempt number; 0 when none */
	bool has_budget;
	double budget_ms; /* received budget, scenario ms (has_budget) */
	bool has_key;	  /* the request reads a key (load.keys): path /users/<key> */
	uint32_t key;
};

/* Counters and gauges every core keeps; /metrics, stats.csv and the live
 * view read them.
 *   inflight   requests still awaiting their answer (the caller is there);
 *              for the client: attempts in flight
 *   orphaned   requests answered (or whose caller left) whose work still runs:
 *              attempts, retries waiting, a query queued or running */
struct core_counters {
	uint64_t arrivals;	      /* inbound requests received (on arrival) */
	uint64_t requests[OUT_COUNT]; /* server rows by outcome */
	uint64_t attempts;	      /* attempts sent */
	uint64_t retries;	      /* of which after the first */
	uint64_t attempts_by_outcome[OUT_COUNT];
	int64_t inflight;
	int64_t orphaned;
	int64_t queue_depth;  /* dbsim */
	int64_t busy_workers; /* dbsim */
	int64_t workers;      /* dbsim: workers available now */
	/* the remedies' decisions so far */
	uint64_t retries_denied; /* by a retry budget or retry throttling */
	uint64_t hedges;	 /* hedged copies sent (after the first) */
	uint64_t cache_hits, cache_misses;
	const struct breaker *breaker; /* the tier's circuit breaker, or NULL */
};
/* Scenario ms the breaker of m was not closed, up to now_ms (0 without one). */
double core_breaker_ms(const struct core_counters *m, double now_ms);
/* Count a span row: a server row by outcome, a client row by outcome. */
void core_count_row(struct core_counters *m, const struct span_row *row);

/* The random streams a core owns, one per purpose, so that a draw for one
 * purpose never shifts another's: adding a span id leaves every backoff
 * where it was.  Each is seeded from (run seed, owner, purpose). */
enum rng_purpose {
	RNG_IDS,     /* trace and span ids */
	RNG_BACKOFF, /* retry jitter */
	RNG_FAULTS,  /* injected error draws */
	RNG_SERVICE, /* dbsim service times */
	RNG_NETWORK, /* the virtual engine's hop delays */
	RNG_THROTTLE, /* the client's adaptive throttling draws */
	RNG_KEYS,     /* which key a client request reads */
	RNG_PURPOSES
};
/* owner: the enum tier_id, or TIER_COUNT for the client. */
void core_rng_seed(struct rng *r, uint64_t seed, int owner, enum rng_purpose purpose);

/* A duration drawn from d (ms, >= 0). */
struct dist;
double dist_draw_ms(const struct dist *d, struct rng *r);

/* A distribution ready for many draws on its own stream: dbsim's service
 * times, the virtual engine's hop delays.  The lognormal's parameters are
 * worked out once, and normals come in pairs (Marsaglia's polar method),
 * the second kept for the next draw: a draw costs one exp and half a log
 * and square root.  Same seed, same draws. */
struct dist_sampler {
	int kind; /* enum dist_kind */
	double a_ms, b_ms;
	double mu, sigma; /* lognormal: of the underlying normal */
	bool has_spare;
	double spare;
	struct rng rng;
};
void dist_sampler_init(struct dist_sampler *s, const struct dist *d, uint64_t seed, int owner,
		       enum rng_purpose purpose);
double dist_sample_ms(struct dist_sampler *s);

/* A free list of fixed-size objects: what cores allocate per request and
 * per attempt.  Objects come back zeroed; memory grows with the most
 * objects alive at once and is returned at pool_free. */
struct pool {
	size_t size;
	void *free_list;
	void **chunks;
	size_t nchunks;
	size_t live, peak;
};
void pool_init(struct pool *p, size_t size);
void *pool_get(struct pool *p);
void pool_put(struct pool *p, void *obj);
void pool_free(struct pool *p); /* every object, alive or not */

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

#endif
