/* tier_core: every decision of a forwarding tier (gateway, svc_a, svc_b),
 * without I/O.  An inbound request gets its effective deadline (its own
 * timeout, and the received budget when propagate_deadline is on), is
 * admitted or refused (bad header, max_inflight, expired, injected error,
 * stall), and is forwarded with attempts, each with its budget on the wire
 * and its own timeout, retried after backoff with jitter as the retry policy
 * allows; it ends in exactly one answer to its caller and one server row,
 * each attempt in one client row.  Cancellation (propagate_cancel) aborts
 * the attempts when the caller is gone or the deadline passed; without it
 * they run on for nobody, and that work is counted as wasted.
 *
 * Boundary: the core decides and keeps the state; the driver owns the
 * connections.  The driver calls tier_core_arrive / _attempt_done /
 * _caller_gone / _stop with the current scenario time and runs the core's
 * timers (the timerq it gave); the core calls back through struct tier_ops.
 * A request may have several attempts in flight at once (hedging).
 *
 * The remedies (each off unless its key enables it; core/README.md): retry
 * budgets by rate and by concurrency, retry throttling, a circuit breaker,
 * hedging, a cache.  Their decisions show in the rows (breaker_open,
 * hedge_lost, cache_hit) and in the counters (retries_denied, hedges,
 * cache hits and misses, time the breaker was not closed).
 *
 * Ownership: the core allocates requests and attempts; each has drv_size
 * bytes for the driver (tier_req_drv, tier_attempt_drv), zeroed at
 * allocation.  A request is freed after ops->release returns; an attempt
 * after the core wrote its row (the driver must forget it when asked to
 * abort it, or when it reported its end). */
#ifndef CASCADE_TIER_CORE_H
#define CASCADE_TIER_CORE_H

#include "core.h"
#include "rng.h"
#include "scenario.h"
#include "timerq.h"
#include "util.h"

struct tier_core;
struct tier_req;
struct tier_attempt;

/* Why the tier answers what it answers; the driver words it
 * (tier_reply_text) or, in the virtual engine, only passes the status. */
enum tier_reason {
	TR_PASS,		 /* the upstream's answer, passed through (ok or an error status) */
	TR_BAD_REQUEST,		 /* a malformed header: detail says which and why */
	TR_SHED,		 /* over max_inflight: n is the limit in force */
	TR_EXPIRED_ON_ARRIVAL,	 /* the received deadline had already passed */
	TR_INJECTED_ERROR,	 /* an errors fault */
	TR_DEADLINE,		 /* the effective deadline passed: ms is the budget */
	TR_NO_BUDGET,		 /* no budget left to send for attempt n */
	TR_DEADLINE_BEFORE_ATTEMPT, /* the deadline passed before attempt n could start */
	TR_UPSTREAM_TIMEOUT,	 /* the last attempt timed out: n attempts */
	TR_UPSTREAM_UNREACHABLE, /* the last attempt could not connect or broke: detail */
	TR_STOP,		 /* the tier stops: the connection is closed without an answer */
	TR_CACHE_HIT,		 /* answered from the tier's cache */
	TR_BREAKER_OPEN,	 /* the circuit breaker refused the last attempt */
};

struct tier_reply {
	int status; /* 0 with TR_STOP: no answer, close the connection */
	enum outcome outcome;
	enum tier_reason reason;
	int n;
	double ms;
	const char *detail;  /* may be NULL */
	const void *body;    /* TR_PASS: the upstream's body; else NULL */
	size_t body_len;
	bool deadline_from_caller; /* TR_DEADLINE: the propagated deadline, not the own timeout */
};

struct tier_ops {
	/* Answer the caller (exactly once per request, unless the caller left
	 * first).  status 0: close without an answer (TR_STOP). */
	void (*reply)(void *ctx, struct tier_req *r, const struct tier_reply *rep);
	/* Start attempt a (tier_attempt_* give its headers' values).  The
	 * driver reports its end with tier_core_attempt_done, unless the core
	 * aborts it first. */
	void (*send)(void *ctx, struct tier_attempt *a);
	/* Abandon attempt a: close its connection, so that the tier below sees
	 * its caller leave; its end is never reported. */
	void (*abort)(void *ctx, struct tier_attempt *a);
	/* A span row, ready to write. */
	void (*row)(void *ctx, const struct span_row *row);
	/* The request is over (answered or abandoned, nothing left running):
	 * drop every reference to it; the core frees it when this returns. */
	void (*release)(void *ctx, struct tier_req *r);
};

struct tier_core_config {
	const struct scenario *sc;
	enum tier_id tier;
	struct timerq *tq;
	const struct tier_ops *ops;
	void *ctx;
	size_t req_drv_size, attempt_drv_size;
};

struct tier_core *tier_core_new(const struct tier_core_config *cfg);
/* After tier_core_stop (or with no request alive). */
void tier_core_free(struct tier_core *c);

/* Whether the driver should read the deadline header at all (a tier that
 * does not propagate deadlines ignores it, malformed or not). */
bool tier_core_reads_deadline(const struct tier_core *c);
/* A request arrived at now_ms.  bad_header: the driver's reason when a
 * header it read was malformed (answered 400), else NULL.  drv_init:
 * req_drv_size bytes copied into the request's driver area before anything
 * else (ops->reply may run inside this call).  Returns the request; it may
 * already be answered (see tier_req_waiting), or even released (NULL). */
struct tier_req *tier_core_arrive(struct tier_core *c, double now_ms, const struct inbound *in,
				  const char *bad_header, const void *drv_init);
void tier_core_attempt_done(struct tier_core *c, struct tier_attempt *a, double now_ms,
			    const struct attempt_result *res);
/* The caller closed its connection (the request is not answered yet). */
void tier_core_caller_gone(struct tier_core *c, struct tier_req *r, double now_ms);
/* Stop: every attempt in flight is aborted (cancelled rows), every request
 * not answered is closed without an answer (cancelled), all released. */
void tier_core_stop(struct tier_core *c, double now_ms);

const struct core_counters *tier_core_counters(const struct tier_core *c);
const char *tier_core_name(const struct tier_core *c);

/* Accessors for drivers. */
void *tier_req_drv(struct tier_req *r);
void *tier_attempt_drv(struct tier_attempt *a);
struct tier_req *tier_attempt_req(struct tier_attempt *a);
bool tier_req_waiting(const struct tier_req *r); /* not answered, caller still there */
const struct inbound *tier_req_inbound(const struct tier_req *r);
const char *tier_req_span_id(const struct tier_req *r);
/* An attempt's headers: the trace id (the request's), its own span id, the
 * lineage, and the budget to send (has_budget false: no deadline header). */
const char *tier_attempt_trace_id(const struct tier_attempt *a);
const char *tier_attempt_span_id(const struct tier_attempt *a);
const char *tier_attempt_lineage(const struct tier_attempt *a);
bool tier_attempt_budget(const struct tier_attempt *a, double *budget_ms);

/* The reply's body text for a reply that is not TR_PASS, e.g.
 * "svc_b: deadline exceeded after 29980 ms (propagated deadline)\n". */
void tier_reply_text(const struct tier_core *c, const struct tier_reply *rep, struct sbuf *out);

#endif
