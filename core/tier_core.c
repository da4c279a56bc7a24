/* tier_core: the forwarding tier's decisions (see tier_core.h).  A request
 * is one struct tier_req that owns its attempts and its timers; every path
 * (answer, deadline, caller gone, stop) ends in req_maybe_done, which writes
 * the server row and frees the request once nothing of it runs any more. */
#include "tier_core.h"

#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "breaker.h"
#include "cache.h"
#include "deadline.h"
#include "retry_budget.h"
#include "throttle.h"
#include "util.h"

/* Where the request's caller stands. */
enum caller_state {
	CALLER_WAITING,	 /* no answer yet, and the caller is there */
	CALLER_ANSWERED, /* answered (any status) */
	CALLER_GONE,	 /* the caller closed its connection first */
};

/* Which gauge a request counts in (core_counters). */
enum gauge { GAUGE_NONE, GAUGE_INFLIGHT, GAUGE_ORPHANED };

struct tier_attempt {
	struct tier_req *r;
	TAILQ_ENTRY(tier_attempt) link;
	int number; /* 1 = first */
	double start_ms;
	bool has_budget;
	double budget_ms; /* sent in the deadline header (has_budget) */
	bool retry;	  /* number > 1: counts in retries_in_flight */
	bool probe;	  /* one of the circuit breaker's half-open probes */
	struct tq_node timeout;
	char span_id[SPAN_ID_LEN + 1];
	char lineage[LINEAGE_MAX];
	alignas(max_align_t) unsigned char drv[];
};

struct tier_req {
	struct tier_core *c;
	TAILQ_ENTRY(tier_req) link;
	TAILQ_HEAD(, tier_attempt) attempts; /* in flight */
	int attempts_in_flight;
	int attempts_started;
	struct inbound in;
	char span_id[SPAN_ID_LEN + 1];
	double arrival_ms;
	double deadline_ms; /* effective; INFINITY: none */
	bool deadline_from_caller;
	bool fill_cache; /* a cache miss: store the key when the answer is ok */
	enum caller_state caller;
	double answered_ms;    /* caller != CALLER_WAITING */
	double wasted_from_ms; /* work after this is for nobody; INFINITY: not yet */
	int status;
	enum outcome outcome;
	double backoff_prev_ms;
	bool retry_held; /* a retry approved and waiting out its backoff: it counts
			  * in retries_in_flight from approval on, as in Envoy */
	struct tq_node deadline;
	struct tq_node delay;	/* an injected latency before the first attempt */
	struct tq_node backoff; /* the wait before the next attempt */
	struct tq_node hedge;	/* the next hedged copy */
	struct tq_node hit;	/* a cache hit's answer */
	enum gauge gauge;
	double work_ms, wasted_ms;
	alignas(max_align_t) unsigned char drv[];
};

/* A cache_flush fault of this tier: the cache empties at its start. */
struct flush {
	struct tq_node node;
	struct tier_core *c;
};

struct tier_core {
	const struct scenario *sc;
	const struct tier_cfg *cfg;
	enum tier_id tier;
	const char *name;
	struct timerq *tq;
	const struct tier_ops *ops;
	void *ctx;
	size_t req_drv_size;
	struct rng rng_ids, rng_backoff, rng_faults;
	TAILQ_HEAD(, tier_req) live; /* every request not yet freed, oldest first */
	struct pool reqs, attempts;
	struct core_counters m;
	long attempts_in_flight, retries_in_flight;
	struct retry_budget budget;
	struct retry_throttle throttle;
	struct breaker breaker;
	struct cache cache;
	struct flush *flushes;
	size_t nflushes;
	bool stopping;
};

static void on_deadline(struct tq_node *n, double now);
static void on_delay_over(struct tq_node *n, double now);
static void on_backoff_over(struct tq_node *n, double now);
static void on_hedge(struct tq_node *n, double now);
static void on_hit(struct tq_node *n, double now);
static void on_attempt_timeout(struct tq_node *n, double now);
static void on_flush(struct tq_node *n, double now);

struct tier_core *tier_core_new(const struct tier_core_config *cfg)
{
	struct tier_core *c = xcalloc(1, sizeof(*c));
	const struct tier_cfg *tc = &cfg->sc->tiers[cfg->tier];

	c->sc = cfg->sc;
	c->cfg = tc;
	c->tier = cfg->tier;
	c->name = tier_name(cfg->tier);
	c->tq = cfg->tq;
	c->ops = cfg->ops;
	c->ctx = cfg->ctx;
	c->req_drv_size = cfg->req_drv_size;
	core_rng_seed(&c->rng_ids, cfg->sc->seed, cfg->tier, RNG_IDS);
	core_rng_seed(&c->rng_backoff, cfg->sc->seed, cfg->tier, RNG_BACKOFF);
	core_rng_seed(&c->rng_faults, cfg->sc->seed, cfg->tier, RNG_FAULTS);
	TAILQ_INIT(&c->live);
	pool_init(&c->reqs, sizeof(struct tier_req) + cfg->req_drv_size);
	pool_init(&c->attempts, sizeof(struct tier_attempt) + cfg->attempt_drv_size);
	if (tc->retry_budget.enabled)
		retry_budget_init(&c->budget, tc->retry_budget.percent, tc->retry_budget.min_per_s,
				  tc->retry_budget.ttl_ms);
	if (tc->retry_throttle.enabled)
		retry_throttle_init(&c->throttle, tc->retry_throttle.max_tokens, tc->retry_throttle.token_ratio);
	if (tc->circuit_breaker.enabled) {
		const struct breaker_cfg *b = &tc->circuit_breaker;
		breaker_init(&c->breaker, b->failure_ratio, b->min_requests, b->window_ms, b->open_for_ms,
			     b->half_open_probes);
		c->m.breaker = &c->breaker;
	}
	if (tc->cache.enabled) {
		cache_init(&c->cache, (uint32_t)tc->cache.capacity,
			   tc->cache.ttl_ms > 0 ? tc->cache.ttl_ms : INFINITY);
		c->flushes = xcalloc(cfg->sc->nfaults + 1, sizeof(*c->flushes));
		for (size_t i = 0; i < cfg->sc->nfaults; i++) {
			const struct fault *f = &cfg->sc->faults[i];
			if (f->tier != cfg->tier || f->kind != FAULT_CACHE_FLUSH)
				continue;
			struct flush *fl = &c->flushes[c->nflushes++];
			fl->c = c;
			tq_node_init(&fl->node, on_flush);
			timerq_arm(c->tq, &fl->node, f->start_ms);
		}
	}
	return c;
}

void tier_core_free(struct tier_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nflushes; i++)
		timerq_cancel(c->tq, &c->flushes[i].node);
	free(c->flushes);
	if (c->cfg->cache.enabled)
		cache_free(&c->cache);
	pool_free(&c->reqs);
	pool_free(&c->attempts);
	free(c);
}

bool tier_core_reads_deadline(const struct tier_core *c) { return c->cfg->propagate_deadline; }
const struct core_counters *tier_core_counters(const struct tier_core *c) { return &c->m; }
const char *tier_core_name(const struct tier_core *c) { return c->name; }
void *tier_req_drv(struct tier_req *r) { return r->drv; }
void *tier_attempt_drv(struct tier_attempt *a) { return a->drv; }
struct tier_req *tier_attempt_req(struct tier_attempt *a) { return a->r; }
bool tier_req_waiting(const struct tier_req *r) { return r->caller == CALLER_WAITING; }
const struct inbound *tier_req_inbound(const struct tier_req *r) { return &r->in; }
const char *tier_req_span_id(const struct tier_req *r) { return r->span_id; }
const char *tier_attempt_trace_id(const struct tier_attempt *a) { return a->r->in.trace_id; }
const char *tier_attempt_span_id(const struct tier_attempt *a) { return a->span_id; }
const char *tier_attempt_lineage(const struct tier_attempt *a) { return a->lineage; }

bool tier_attempt_budget(const struct tier_attempt *a, double *budget_ms)
{
	*budget_ms = a->budget_ms;
	return a->has_budget;
}

/* ---- state ---- */

static bool cancels(const struct tier_req *r) { return r->c->cfg->propagate_cancel; }
static bool has_deadline(const struct tier_req *r) { return isfinite(r->deadline_ms); }
static bool hedging(const struct tier_req *r) { return r->c->cfg->hedge.enabled; }

/* Deadline-aware tiers bound each attempt by what is left of the deadline. */
static bool bounds_attempts(const struct tier_req *r)
{
	return has_deadline(r) && (r->c->cfg->propagate_deadline || r->c->cfg->propagate_cancel);
}

static enum outcome expired_outcome(const struct tier_req *r)
{
	return r->deadline_from_caller ? OUT_DEADLINE_EXPIRED : OUT_TIMEOUT;
}

/* Attempts in flight, or a timer that will start one or answer. */
static bool work_pending(const struct tier_req *r)
{
	return r->attempts_in_flight > 0 || tq_armed(&r->delay) || tq_armed(&r->backoff) || tq_armed(&r->hedge) ||
	       tq_armed(&r->hit);
}

/* Keep the inflight / orphaned gauges in step with the request's state. */
static void regauge(struct tier_req *r)
{
	struct core_counters *m = &r->c->m;
	enum gauge g = r->caller == CALLER_WAITING ? GAUGE_INFLIGHT : work_pending(r) ? GAUGE_ORPHANED : GAUGE_NONE;

	if (g == r->gauge)
		return;
	if (r->gauge == GAUGE_INFLIGHT)
		m->inflight--;
	else if (r->gauge == GAUGE_ORPHANED)
		m->orphaned--;
	if (g == GAUGE_INFLIGHT)
		m->inflight++;
	else if (g == GAUGE_ORPHANED)
		m->orphaned++;
	r->gauge = g;
}

static void emit_row(struct tier_core *c, const struct span_row *row)
{
	core_count_row(&c->m, row);
	c->ops->row(c->ctx, row);
}

static void write_server_row(struct tier_req *r)
{
	struct span_row row = {
	    .trace_id = r->in.trace_id,
	    .span_id = r->span_id,
	    .parent_span_id = r->in.parent_id,
	    .tier = r->c->name,
	    .kind = "server",
	    .attempt = r->in.caller_attempt,
	    .start_ms = r->arrival_ms,
	    .end_ms = r->answered_ms,
	    .budget_ms = has_deadline(r) ? r->deadline_ms - r->arrival_ms : -1,
	    .status = r->status,
	    .outcome = r->outcome,
	    .queue_ms = 0,
	    .work_ms = r->work_ms,
	    .wasted_ms = r->wasted_ms,
	    .lineage = r->in.lineage,
	};
	emit_row(r->c, &row);
}

/* The single end of every request: once its caller has its answer (or left)
 * and nothing of it runs, record and free.  True when r was freed. */
static bool req_maybe_done(struct tier_req *r)
{
	struct tier_core *c = r->c;

	regauge(r);
	if (r->caller == CALLER_WAITING || work_pending(r))
		return false;
	write_server_row(r);
	c->ops->release(c->ctx, r);
	TAILQ_REMOVE(&c->live, r, link);
	timerq_cancel(c->tq, &r->deadline);
	pool_put(&c->reqs, r);
	return true;
}

static void mark_wasted_from(struct tier_req *r, double now)
{
	if (!isfinite(r->wasted_from_ms))
		r->wasted_from_ms = now;
}

/* Answer the caller (once).  A failure answer makes later work wasted. */
static void answer(struct tier_req *r, double now, const struct tier_reply *rep)
{
	if (r->caller != CALLER_WAITING)
		return;
	r->caller = CALLER_ANSWERED;
	r->answered_ms = now;
	r->status = rep->status;
	r->outcome = rep->outcome;
	timerq_cancel(r->c->tq, &r->deadline);
	r->c->ops->reply(r->c->ctx, r, rep);
	if (rep->outcome != OUT_OK && rep->outcome != OUT_CACHE_HIT)
		mark_wasted_from(r, now);
}

static void answer_simple(struct tier_req *r, double now, int status, enum outcome outcome, enum tier_reason why,
			  int n)
{
	struct tier_reply rep = {.status = status, .outcome = outcome, .reason = why, .n = n};
	answer(r, now, &rep);
}

/* ---- attempts ---- */

/* Close out attempt a as a client row and free it. */
static void end_attempt(struct tier_attempt *a, double now, int status, enum outcome outcome)
{
	struct tier_req *r = a->r;
	struct tier_core *c = r->c;
	double work = now - a->start_ms;
	double wasted = isfinite(r->wasted_from_ms) ? now - fmax(r->wasted_from_ms, a->start_ms) : 0;
	struct span_row row;

	if (wasted < 0)
		wasted = 0;
	r->work_ms += work;
	r->wasted_ms += wasted;
	row = (struct span_row){
	    .trace_id = r->in.trace_id,
	    .span_id = a->span_id,
	    .parent_span_id = r->span_id,
	    .tier = c->name,
	    .kind = "client",
	    .attempt = a->number,
	    .start_ms = a->start_ms,
	    .end_ms = now,
	    .budget_ms = a->has_budget ? a->budget_ms : -1,
	    .status = status,
	    .outcome = outcome,
	    .work_ms = work,
	    .wasted_ms = wasted,
	    .lineage = a->lineage,
	};
	emit_row(c, &row);
	timerq_cancel(c->tq, &a->timeout);
	TAILQ_REMOVE(&r->attempts, a, link);
	r->attempts_in_flight--;
	c->attempts_in_flight--;
	if (a->retry)
		c->retries_in_flight--;
	pool_put(&c->attempts, a);
}

/* Abandon one attempt in flight: its connection closes (so the tier below
 * sees its caller leave); a breaker probe no longer counts. */
static void abandon(struct tier_attempt *a, double now, enum outcome outcome)
{
	struct tier_core *c = a->r->c;

	c->ops->abort(c->ctx, a);
	if (a->probe)
		breaker_forget_probe(&c->breaker);
	end_attempt(a, now, 0, outcome);
}

/* The approved retry's place in retries_in_flight: its attempt takes it
 * over when it is sent, or nobody does when it never is. */
static void release_retry(struct tier_req *r)
{
	if (r->retry_held) {
		r->retry_held = false;
		r->c->retries_in_flight--;
	}
}

/* Abandon the downstream work: every attempt in flight (cancelled) and any
 * wait for the next one. */
static void cancel_work(struct tier_req *r, double now)
{
	struct tier_core *c = r->c;
	struct tier_attempt *a;

	while ((a = TAILQ_FIRST(&r->attempts)))
		abandon(a, now, OUT_CANCELLED);
	timerq_cancel(c->tq, &r->delay);
	timerq_cancel(c->tq, &r->backoff);
	release_retry(r);
	timerq_cancel(c->tq, &r->hedge);
}

/* Hedging: one copy ended the request; the others lose. */
static void drop_other_copies(struct tier_req *r, double now)
{
	struct tier_attempt *a;

	while ((a = TAILQ_FIRST(&r->attempts)))
		abandon(a, now, OUT_HEDGE_LOST);
	timerq_cancel(r->c->tq, &r->hedge);
}

/* What an attempt that went and ended tells the breaker and the throttle.
 * The throttle counts only the failures its policy would retry (retry_on,
 * or hedging's non_fatal), as gRPC counts only retryable status codes. */
static void learn(struct tier_attempt *a, double now, enum retry_class cls, bool ok)
{
	struct tier_core *c = a->r->c;
	bool failed = cls != RETRY_CLASS_NONE;

	if (c->cfg->circuit_breaker.enabled)
		breaker_record(&c->breaker, now, failed, a->probe);
	if (c->cfg->retry_throttle.enabled) {
		struct retry_policy non_fatal = {.retry_on = c->cfg->hedge.non_fatal};
		const struct retry_policy *policy = hedging(a->r) ? &non_fatal : &c->cfg->retry;

		if (failed && retry_allowed(policy, cls))
			retry_throttle_failure(&c->throttle);
		else if (ok)
			retry_throttle_success(&c->throttle);
	}
}

/* How long the next attempt may take (<= 0: no limit of its own, unless
 * bounds_attempts, where it means no time is left). */
static double attempt_timeout_ms(const struct tier_req *r, double now)
{
	const struct tier_cfg *cfg = r->c->cfg;
	double per = cfg->retry.attempt_timeout_ms;

	/* Without its own per-attempt limit an attempt gets the tier's timeout, as
	 * an HTTP client with one timeout does, or else the received budget. */
	if (per <= 0)
		per = cfg->timeout_ms > 0 ? cfg->timeout_ms : r->in.has_budget ? fmax(r->in.budget_ms, 0) : 0;
	if (bounds_attempts(r)) {
		double left = r->deadline_ms - now;
		per = per > 0 ? fmin(per, left) : left;
	}
	return per;
}

static bool after_failure(struct tier_req *r, double now, enum retry_class cls, enum outcome outcome,
			  const struct attempt_result *res);

/* Start the next attempt, or answer when none can start.  True when r was
 * freed. */
static bool start_attempt(struct tier_req *r, double now)
{
	struct tier_core *c = r->c;
	const struct tier_cfg *cfg = c->cfg;
	struct tier_attempt *a;
	bool has_budget = false, probe = false;
	/* A hedged copy that cannot go while others are in flight is simply not
	 * sent: only a copy's own answer ends a hedged request (gRPC). */
	bool others = hedging(r) && r->attempts_in_flight > 0;
	double budget = 0, timeout;

	release_retry(r); /* the attempt below takes its place, if it goes */
	if (cfg->propagate_deadline && has_deadline(r)) {
		budget = deadline_send_budget_ms(r->deadline_ms, now, c->sc->deadline.margin_ms);
		if (budget <= 0) {
			if (others)
				return req_maybe_done(r);
			/* Nothing useful can be done downstream in what is left. */
			answer_simple(r, now, 504, expired_outcome(r), TR_NO_BUDGET, r->attempts_started + 1);
			return req_maybe_done(r);
		}
		has_budget = true;
	}
	timeout = attempt_timeout_ms(r, now);
	if (bounds_attempts(r) && timeout <= 0) {
		if (others)
			return req_maybe_done(r);
		answer_simple(r, now, 504, expired_outcome(r), TR_DEADLINE_BEFORE_ATTEMPT, r->attempts_started + 1);
		return req_maybe_done(r);
	}

	a = pool_get(&c->attempts);
	a->r = r;
	a->number = ++r->attempts_started;
	a->start_ms = now;
	a->has_budget = has_budget;
	a->budget_ms = budget;
	tq_node_init(&a->timeout, on_attempt_timeout);
	trace_new_span_id(&c->rng_ids, a->span_id);
	if (lineage_append(a->lineage, r->in.lineage, c->name, a->number) < 0)
		snprintf(a->lineage, sizeof(a->lineage), "%s#%d", c->name, a->number);
	TAILQ_INSERT_TAIL(&r->attempts, a, link);
	r->attempts_in_flight++;
	c->attempts_in_flight++;
	if (hedging(r) && r->attempts_started < cfg->hedge.max_attempts)
		timerq_arm(c->tq, &r->hedge, now + cfg->hedge.delay_ms);

	if (cfg->circuit_breaker.enabled && !breaker_allow(&c->breaker, now, &probe)) {
		/* Open: the attempt is not sent; it fails at once as a 503, which
		 * retry_on (and hedging's non_fatal) takes for a 5xx. */
		struct attempt_result res = {.end = ATTEMPT_ANSWERED, .status = 503};
		end_attempt(a, now, 503, OUT_BREAKER_OPEN);
		if (others)
			return req_maybe_done(r);
		return after_failure(r, now, RETRY_CLASS_5XX, OUT_BREAKER_OPEN, &res);
	}
	a->probe = probe;
	a->retry = a->number > 1 && !hedging(r);
	if (a->retry)
		c->retries_in_flight++;
	c->m.attempts++;
	if (a->number > 1)
		c->m.retries++;
	if (timeout > 0)
		timerq_arm(c->tq, &a->timeout, now + timeout);
	regauge(r);
	c->ops->send(c->ctx, a);
	return false;
}

/* No more attempts: answer with what the last one gave. */
static void give_up(struct tier_req *r, double now, enum outcome outcome, const struct attempt_result *res)
{
	struct tier_reply rep = {0};

	switch (outcome) {
	case OUT_UPSTREAM_ERROR:
		rep = (struct tier_reply){.status = res->status, .outcome = outcome, .reason = TR_PASS,
					  .body = res->body, .body_len = res->body_len};
		break;
	case OUT_BREAKER_OPEN:
		rep = (struct tier_reply){.status = 503, .outcome = outcome, .reason = TR_BREAKER_OPEN};
		break;
	case OUT_TIMEOUT:
		rep = (struct tier_reply){.status = 504, .outcome = outcome, .reason = TR_UPSTREAM_TIMEOUT,
					  .n = r->attempts_started};
		break;
	default:
		rep = (struct tier_reply){.status = 502, .outcome = OUT_CONN_ERROR, .reason = TR_UPSTREAM_UNREACHABLE,
					  .detail = res && res->message ? res->message : "connection failed"};
		break;
	}
	answer(r, now, &rep);
}

/* May another attempt go (a retry, or a hedged copy)?  The budgets and
 * throttling decide; a refusal is counted. */
static bool another_allowed(struct tier_req *r, double now, bool hedge)
{
	struct tier_core *c = r->c;
	const struct tier_cfg *cfg = c->cfg;
	bool ok = true;

	if (cfg->retry_throttle.enabled && !retry_throttle_allows(&c->throttle))
		ok = false;
	else if (!hedge && cfg->retry_concurrency.enabled &&
		 !retry_concurrency_allows(c->retries_in_flight, c->attempts_in_flight, cfg->retry_concurrency.percent,
					   cfg->retry_concurrency.min_retries))
		ok = false;
	else if (!hedge && cfg->retry_budget.enabled && !retry_budget_withdraw(&c->budget, now))
		ok = false;
	if (!ok)
		c->m.retries_denied++;
	return ok;
}

/* Hedging: a copy failed (it was closed out).  A non-fatal failure sends
 * the next copy at once, a fatal one ends the request; with no copy left to
 * send and none in flight, the request ends with this failure. */
static bool hedge_after_failure(struct tier_req *r, double now, enum retry_class cls, enum outcome outcome,
				const struct attempt_result *res)
{
	const struct hedge_cfg *h = &r->c->cfg->hedge;
	struct retry_policy non_fatal = {.retry_on = h->non_fatal};
	bool over = r->c->stopping || (cancels(r) && r->caller != CALLER_WAITING);

	/* A copy's own time limit is not a status from upstream: while other
	 * copies are in flight it ends that copy only (gRPC's hedging has no
	 * limit per copy, only the call's deadline). */
	if (!over && cls == RETRY_CLASS_TIMEOUT && !retry_allowed(&non_fatal, cls) && r->attempts_in_flight > 0)
		return req_maybe_done(r);
	if (!retry_allowed(&non_fatal, cls) || over) {
		give_up(r, now, outcome, res);
		drop_other_copies(r, now);
		return req_maybe_done(r);
	}
	if (r->attempts_started < h->max_attempts && another_allowed(r, now, true)) {
		r->c->m.hedges++;
		return start_attempt(r, now);
	}
	if (r->attempts_in_flight == 0) {
		timerq_cancel(r->c->tq, &r->hedge);
		give_up(r, now, outcome, res);
	}
	return req_maybe_done(r);
}

/* An attempt failed (it was already closed out): retry after the backoff
 * if the policy, the remedies and the deadline allow, else answer.  True
 * when r was freed. */
static bool after_failure(struct tier_req *r, double now, enum retry_class cls, enum outcome outcome,
			  const struct attempt_result *res)
{
	struct tier_core *c = r->c;
	const struct retry_policy *policy = &c->cfg->retry;
	double wait_ms;

	if (hedging(r))
		return hedge_after_failure(r, now, cls, outcome, res);
	if (c->stopping || r->attempts_started > policy->retries || !retry_allowed(policy, cls) ||
	    (cancels(r) && r->caller != CALLER_WAITING))
		goto give_up;
	wait_ms = retry_backoff_ms(policy, r->attempts_started - 1, &r->backoff_prev_ms, &c->rng_backoff);
	/* A wait that would end past the deadline cannot lead to a useful attempt;
	 * only a retry that would go asks the budgets. */
	if ((bounds_attempts(r) && now + wait_ms >= r->deadline_ms) || !another_allowed(r, now, false))
		goto give_up;
	timerq_arm(c->tq, &r->backoff, now + wait_ms);
	r->retry_held = true;
	c->retries_in_flight++;
	regauge(r);
	return false;

give_up:
	give_up(r, now, outcome, res);
	return req_maybe_done(r);
}

void tier_core_attempt_done(struct tier_core *c, struct tier_attempt *a, double now,
			    const struct attempt_result *res)
{
	struct tier_req *r = a->r;
	enum outcome outcome;
	enum retry_class cls = attempt_classify(res, &outcome);

	learn(a, now, cls, outcome == OUT_OK);
	end_attempt(a, now, res->end == ATTEMPT_ANSWERED ? res->status : 0, outcome);
	if (outcome == OUT_OK) {
		struct tier_reply rep = {.status = res->status, .outcome = OUT_OK, .reason = TR_PASS,
					 .body = res->body, .body_len = res->body_len};
		if (r->fill_cache)
			cache_put(&c->cache, r->in.key, now);
		answer(r, now, &rep);
		if (hedging(r))
			drop_other_copies(r, now);
		req_maybe_done(r);
		return;
	}
	after_failure(r, now, cls, outcome, res);
}

static void on_attempt_timeout(struct tq_node *n, double now) /* tier_attempt.timeout */
{
	struct tier_attempt *a = container_of(n, struct tier_attempt, timeout);
	struct tier_req *r = a->r;

	r->c->ops->abort(r->c->ctx, a);
	learn(a, now, RETRY_CLASS_TIMEOUT, false);
	end_attempt(a, now, 0, OUT_TIMEOUT);
	after_failure(r, now, RETRY_CLASS_TIMEOUT, OUT_TIMEOUT, NULL);
}

static void on_delay_over(struct tq_node *n, double now) /* tier_req.delay */
{
	start_attempt(container_of(n, struct tier_req, delay), now);
}

static void on_backoff_over(struct tq_node *n, double now) /* tier_req.backoff */
{
	start_attempt(container_of(n, struct tier_req, backoff), now);
}

/* The hedging delay passed and no copy has finished: send another. */
static void on_hedge(struct tq_node *n, double now) /* tier_req.hedge */
{
	struct tier_req *r = container_of(n, struct tier_req, hedge);

	if (r->attempts_started < r->c->cfg->hedge.max_attempts && !r->c->stopping &&
	    another_allowed(r, now, true)) {
		r->c->m.hedges++;
		start_attempt(r, now);
		return;
	}
	req_maybe_done(r);
}

static void on_hit(struct tq_node *n, double now) /* tier_req.hit */
{
	struct tier_req *r = container_of(n, struct tier_req, hit);

	answer_simple(r, now, 200, OUT_CACHE_HIT, TR_CACHE_HIT, 0);
	req_maybe_done(r);
}

static void on_deadline(struct tq_node *n, double now) /* tier_req.deadline */
{
	struct tier_req *r = container_of(n, struct tier_req, deadline);
	struct tier_reply rep = {.status = 504, .outcome = expired_outcome(r), .reason = TR_DEADLINE,
				 .ms = r->deadline_ms - r->arrival_ms,
				 .deadline_from_caller = r->deadline_from_caller};

	timerq_cancel(r->c->tq, &r->hit);
	answer(r, now, &rep);
	if (cancels(r))
		cancel_work(r, now);
	req_maybe_done(r);
}

static void on_flush(struct tq_node *n, double now) /* flush.node */
{
	(void)now;
	cache_flush(&container_of(n, struct flush, node)->c->cache);
}

/* ---- the driver's entry points ---- */

struct tier_req *tier_core_arrive(struct tier_core *c, double now, const struct inbound *in,
				  const char *bad_header, const void *drv_init)
{
	struct tier_req *r = pool_get(&c->reqs);
	const struct tier_cfg *cfg = c->cfg;
	struct fault_effect fx;
	int limit;
	double d;

	if (c->req_drv_size)
		memcpy(r->drv, drv_init, c->req_drv_size);
	r->c = c;
	r->in = *in;
	/* Without propagate_deadline the header is ignored entirely, like a
	 * handler that starts from context.Background() (the real driver does
	 * not even read it). */
	if (!cfg->propagate_deadline)
		r->in.has_budget = false;
	r->arrival_ms = now;
	r->deadline_ms = INFINITY;
	r->wasted_from_ms = INFINITY;
	r->caller = CALLER_WAITING;
	TAILQ_INIT(&r->attempts);
	tq_node_init(&r->deadline, on_deadline);
	tq_node_init(&r->delay, on_delay_over);
	tq_node_init(&r->backoff, on_backoff_over);
	tq_node_init(&r->hedge, on_hedge);
	tq_node_init(&r->hit, on_hit);
	TAILQ_INSERT_TAIL(&c->live, r, link);
	c->m.arrivals++;
	if (!r->in.trace_id[0])
		trace_new_trace_id(&c->rng_ids, r->in.trace_id); /* the first tier starts the trace */
	trace_new_span_id(&c->rng_ids, r->span_id);
	regauge(r);

	if (bad_header) {
		struct tier_reply rep = {.status = 400, .outcome = OUT_BAD_REQUEST, .reason = TR_BAD_REQUEST,
					 .detail = bad_header};
		answer(r, now, &rep);
		goto done;
	}
	if (cfg->retry_budget.enabled)
		retry_budget_deposit(&c->budget, now);
	d = deadline_effective_ms(now, cfg->timeout_ms, r->in.has_budget ? r->in.budget_ms : -1);
	r->deadline_ms = d < 0 ? INFINITY : d;
	r->deadline_from_caller = r->in.has_budget && (cfg->timeout_ms <= 0 || r->in.budget_ms < cfg->timeout_ms);

	scenario_faults_at(c->sc, c->tier, now, &fx);
	limit = fx.capacity >= 0 ? fx.capacity : cfg->max_inflight;
	/* Every request still holding work counts, this one included. */
	if (limit > 0 && c->m.inflight + c->m.orphaned > limit) {
		answer_simple(r, now, 503, OUT_SHED, TR_SHED, limit);
		goto done;
	}
	if (has_deadline(r) && r->deadline_ms <= now) {
		answer_simple(r, now, 504, OUT_DEADLINE_EXPIRED, TR_EXPIRED_ON_ARRIVAL, 0);
		goto done;
	}
	if (fx.error_frac > 0 && rng_double(&c->rng_faults) < fx.error_frac) {
		answer_simple(r, now, 500, OUT_FAULT_ERROR, TR_INJECTED_ERROR, 0);
		goto done;
	}
	if (fx.stall)
		return r; /* accepted, never answered: only the caller leaving (or the stop) ends it */
	if (has_deadline(r))
		timerq_arm(c->tq, &r->deadline, r->deadline_ms);
	if (cfg->cache.enabled && r->in.has_key) {
		if (cache_get(&c->cache, r->in.key, now)) {
			c->m.cache_hits++;
			timerq_arm(c->tq, &r->hit, now + cfg->cache.hit_latency_ms);
			regauge(r);
			return r;
		}
		c->m.cache_misses++;
		r->fill_cache = true;
	}
	if (fx.latency_ms > 0) {
		timerq_arm(c->tq, &r->delay, now + fx.latency_ms);
		regauge(r);
		return r;
	}
	return start_attempt(r, now) ? NULL : r;

done:
	return req_maybe_done(r) ? NULL : r;
}

void tier_core_caller_gone(struct tier_core *c, struct tier_req *r, double now)
{
	(void)c;
	if (r->caller == CALLER_WAITING) {
		r->caller = CALLER_GONE;
		r->answered_ms = now;
		r->status = STATUS_CALLER_GONE;
		r->outcome = OUT_CALLER_GONE;
		timerq_cancel(r->c->tq, &r->deadline);
		timerq_cancel(r->c->tq, &r->hit);
	}
	mark_wasted_from(r, now);
	if (cancels(r))
		cancel_work(r, now);
	req_maybe_done(r);
}

void tier_core_stop(struct tier_core *c, double now)
{
	struct tier_req *r;

	c->stopping = true;
	/* Oldest first: libcurl finds a connection to close by walking the
	 * host's connections from the oldest, so this order makes each abort
	 * O(1) for the real driver. */
	while ((r = TAILQ_FIRST(&c->live))) {
		cancel_work(r, now);
		timerq_cancel(c->tq, &r->hit);
		answer_simple(r, now, 0, OUT_CANCELLED, TR_STOP, 0);
		req_maybe_done(r);
	}
}

/* ---- words ---- */

void tier_reply_text(const struct tier_core *c, const struct tier_reply *rep, struct sbuf *out)
{
	const char *name = c->name;

	switch (rep->reason) {
	case TR_PASS:
	case TR_STOP: break;
	case TR_BAD_REQUEST: sbuf_addf(out, "%s: bad request: %s\n", name, rep->detail ? rep->detail : "?"); break;
	case TR_SHED: sbuf_addf(out, "%s: over capacity (%d in flight)\n", name, rep->n); break;
	case TR_EXPIRED_ON_ARRIVAL: sbuf_addf(out, "%s: deadline already expired on arrival\n", name); break;
	case TR_INJECTED_ERROR: sbuf_addf(out, "%s: injected error\n", name); break;
	case TR_DEADLINE:
		sbuf_addf(out, "%s: deadline exceeded after %.0f ms (%s)\n", name, rep->ms,
			  rep->deadline_from_caller ? "propagated deadline" : "own timeout");
		break;
	case TR_NO_BUDGET: sbuf_addf(out, "%s: no budget left for attempt %d\n", name, rep->n); break;
	case TR_DEADLINE_BEFORE_ATTEMPT:
		sbuf_addf(out, "%s: deadline passed before attempt %d\n", name, rep->n);
		break;
	case TR_UPSTREAM_TIMEOUT:
		sbuf_addf(out, "%s: upstream timed out after %d attempt%s\n", name, rep->n, rep->n == 1 ? "" : "s");
		break;
	case TR_UPSTREAM_UNREACHABLE:
		sbuf_addf(out, "%s: upstream unreachable: %s\n", name, rep->detail ? rep->detail : "connection failed");
		break;
	case TR_CACHE_HIT: sbuf_addf(out, "{\"tier\":\"%s\",\"cache\":\"hit\"}\n", name); break;
	case TR_BREAKER_OPEN: sbuf_addf(out, "%s: circuit breaker open\n", name); break;
	}
}
