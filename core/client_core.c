/* client_core: the open-loop client's decisions (see client_core.h).  A
 * client request has at most one attempt in flight or one retry waiting,
 * never both, so it costs the same however many attempts it makes. */
#include "client_core.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <sys/queue.h>

#include "schedule.h"
#include "throttle.h"
#include "util.h"

struct client_req {
	struct client_core *c;
	TAILQ_ENTRY(client_req) link;
	char trace_id[TRACE_ID_LEN + 1];
	char span_id[SPAN_ID_LEN + 1]; /* the current attempt's */
	int attempt;		       /* the current attempt's number, 1 = first */
	double intended_ms;	       /* when the current attempt was meant to leave */
	double start_ms;	       /* when it did */
	double prev_backoff_ms;	       /* for decorrelated jitter */
	bool has_key;		       /* load.keys: the key it reads, the same for every attempt */
	uint32_t key;
	bool in_flight;		       /* else a retry waits (retry armed) */
	struct tq_node retry, timeout;
	alignas(max_align_t) unsigned char drv[];
};

struct client_core {
	const struct scenario *sc;
	const struct load_cfg *load;
	struct timerq *tq;
	const struct client_ops *ops;
	void *ctx;
	struct schedule sched;
	struct rng rng_ids, rng_backoff, rng_throttle, rng_keys;
	struct adaptive_throttle throttle;
	double *key_cdf; /* load.keys: P(key <= k + 1), k = 0 .. count - 1 */
	struct tq_node arrival, drain;
	double next_ms; /* the next arrival, while !sending_done */
	bool sending_done, over;
	TAILQ_HEAD(, client_req) live; /* requests with an attempt in flight or a retry waiting */
	struct pool reqs;
	struct core_counters m;
	struct client_counters n;
};

static void on_arrival(struct tq_node *node, double now);
static void on_drain(struct tq_node *node, double now);
static void on_retry(struct tq_node *node, double now);
static void on_timeout(struct tq_node *node, double now);

void *client_req_drv(struct client_req *r) { return r->drv; }
const char *client_req_trace_id(const struct client_req *r) { return r->trace_id; }
const char *client_req_span_id(const struct client_req *r) { return r->span_id; }

bool client_req_key(const struct client_req *r, uint32_t *key)
{
	*key = r->key;
	return r->has_key;
}
const struct client_counters *client_core_progress(const struct client_core *c) { return &c->n; }
const struct core_counters *client_core_counters(const struct client_core *c) { return &c->m; }
bool client_core_over(const struct client_core *c) { return c->over; }

static void req_free(struct client_req *r)
{
	struct client_core *c = r->c;

	TAILQ_REMOVE(&c->live, r, link);
	timerq_cancel(c->tq, &r->retry);
	timerq_cancel(c->tq, &r->timeout);
	pool_put(&c->reqs, r);
}

static void emit_row(struct client_core *c, const struct client_req *r, bool sent, double end_ms, int status,
		     enum client_outcome outcome)
{
	struct request_row row = {
	    .trace_id = r->trace_id,
	    .attempt = r->attempt,
	    .intended_ms = r->intended_ms,
	    .sent = sent,
	    .start_ms = r->start_ms,
	    .end_ms = end_ms,
	    .status = status,
	    .outcome = outcome,
	    .span_id = r->span_id,
	};
	c->n.ended[outcome]++;
	if (outcome != CLIENT_NOT_SENT)
		c->m.attempts_by_outcome[client_outcome_as_span(outcome)]++;
	c->ops->row(c->ctx, &row);
}

/* The attempt in flight is over: its row, and it no longer counts. */
static void end_attempt(struct client_req *r, double now, int status, enum client_outcome outcome)
{
	struct client_core *c = r->c;

	timerq_cancel(c->tq, &r->timeout);
	r->in_flight = false;
	c->n.in_flight--;
	c->m.inflight--;
	emit_row(c, r, true, now, status, outcome);
}

/* Send r's current attempt (attempt, intended_ms set), or record it
 * not_sent when the outstanding cap is reached; the latter ends r. */
static void send_attempt(struct client_req *r, double now)
{
	struct client_core *c = r->c;

	if (c->load->adaptive_throttle.enabled) {
		/* The SRE book's client-side throttling: every attempt the client
		 * wants to send counts, those it rejects too. */
		double p = adaptive_throttle_p(&c->throttle, now);
		adaptive_throttle_request(&c->throttle, now);
		if (p > 0 && rng_double(&c->rng_throttle) < p) {
			emit_row(c, r, false, 0, 0, CLIENT_THROTTLED);
			req_free(r);
			return;
		}
	}
	if (c->load->max_outstanding > 0 && c->n.in_flight >= c->load->max_outstanding) {
		emit_row(c, r, false, 0, 0, CLIENT_NOT_SENT);
		req_free(r);
		return;
	}
	trace_new_span_id(&c->rng_ids, r->span_id);
	r->start_ms = now;
	r->in_flight = true;
	c->n.in_flight++;
	c->m.inflight++;
	c->n.sent++;
	c->m.attempts++;
	if (r->attempt > 1) {
		c->n.retries++;
		c->m.retries++;
	}
	timerq_arm(c->tq, &r->timeout, now + c->load->client_timeout_ms);
	c->ops->send(c->ctx, r);
}

static void finish(struct client_core *c, double now)
{
	client_core_stop(c, now);
}

/* After the last arrival, the run ends as soon as nothing is outstanding. */
static void maybe_finish(struct client_core *c, double now)
{
	if (c->sending_done && !c->over && c->n.in_flight == 0 && c->n.retries_pending == 0)
		finish(c, now);
}

/* The attempt failed or succeeded (row written): retry, or the request is over. */
static void after_attempt(struct client_req *r, double now, enum retry_class cls, enum client_outcome outcome)
{
	struct client_core *c = r->c;
	const struct retry_policy *policy = &c->load->client_retry;

	if (outcome == CLIENT_OK) {
		c->n.requests_ok++;
		req_free(r);
	} else if (r->attempt <= policy->retries && retry_allowed(policy, cls)) {
		r->intended_ms = now + retry_backoff_ms(policy, r->attempt - 1, &r->prev_backoff_ms, &c->rng_backoff);
		c->n.retries_pending++;
		timerq_arm(c->tq, &r->retry, r->intended_ms);
	} else {
		req_free(r);
	}
	maybe_finish(c, now);
}

void client_core_attempt_done(struct client_core *c, struct client_req *r, double now,
			      const struct attempt_result *res)
{
	enum outcome span_outcome;
	enum retry_class cls = attempt_classify(res, &span_outcome);
	enum client_outcome outcome = span_outcome == OUT_OK		 ? CLIENT_OK
				      : span_outcome == OUT_UPSTREAM_ERROR ? CLIENT_HTTP_ERROR
									   : CLIENT_CONN_ERROR;
	/* an accept: answered, and not with "overloaded" */
	if (c->load->adaptive_throttle.enabled && res->end == ATTEMPT_ANSWERED && res->status != 429 &&
	    res->status != 503)
		adaptive_throttle_accept(&c->throttle, now);
	end_attempt(r, now, res->end == ATTEMPT_ANSWERED ? res->status : 0, outcome);
	after_attempt(r, now, cls, outcome);
}

static void on_timeout(struct tq_node *node, double now) /* client_req.timeout */
{
	struct client_req *r = container_of(node, struct client_req, timeout);

	r->c->ops->abort(r->c->ctx, r);
	end_attempt(r, now, 0, CLIENT_TIMEOUT);
	after_attempt(r, now, RETRY_CLASS_TIMEOUT, CLIENT_TIMEOUT);
}

static void on_retry(struct tq_node *node, double now) /* client_req.retry */
{
	struct client_req *r = container_of(node, struct client_req, retry);
	struct client_core *c = r->c;

	c->n.retries_pending--;
	r->attempt++;
	send_attempt(r, now);
	maybe_finish(c, now);
}

static void begin_request(struct client_core *c, double intended_ms, double now)
{
	struct client_req *r = pool_get(&c->reqs);

	r->c = c;
	tq_node_init(&r->retry, on_retry);
	tq_node_init(&r->timeout, on_timeout);
	TAILQ_INSERT_TAIL(&c->live, r, link);
	trace_new_trace_id(&c->rng_ids, r->trace_id);
	if (c->key_cdf) {
		/* Zipf: the first key whose cumulative weight passes the draw */
		double u = rng_double(&c->rng_keys);
		size_t lo = 0, hi = (size_t)c->load->keys.count - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (c->key_cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		r->has_key = true;
		r->key = (uint32_t)lo + 1;
	}
	r->attempt = 1;
	r->intended_ms = intended_ms;
	c->n.requests++;
	send_attempt(r, now);
}

/* Send everything due, each with its own intended time: when the driver
 * ran late the backlog leaves at once, and its latency shows the lateness. */
static void on_arrival(struct tq_node *node, double now) /* client_core.arrival */
{
	struct client_core *c = container_of(node, struct client_core, arrival);

	while (!c->sending_done && c->next_ms <= now) {
		begin_request(c, c->next_ms, now);
		if (schedule_next(&c->sched, &c->next_ms) < 0)
			c->sending_done = true;
	}
	if (!c->sending_done) {
		timerq_arm(c->tq, &c->arrival, c->next_ms);
		return;
	}
	timerq_arm(c->tq, &c->drain, now + c->load->drain_ms);
	maybe_finish(c, now);
}

static void on_drain(struct tq_node *node, double now) /* client_core.drain */
{
	finish(container_of(node, struct client_core, drain), now);
}

struct client_core *client_core_new(const struct client_core_config *cfg, double now)
{
	struct client_core *c = xcalloc(1, sizeof(*c));

	(void)now;
	c->sc = cfg->sc;
	c->load = &cfg->sc->load;
	c->tq = cfg->tq;
	c->ops = cfg->ops;
	c->ctx = cfg->ctx;
	core_rng_seed(&c->rng_ids, cfg->sc->seed, TIER_COUNT, RNG_IDS);
	core_rng_seed(&c->rng_backoff, cfg->sc->seed, TIER_COUNT, RNG_BACKOFF);
	core_rng_seed(&c->rng_throttle, cfg->sc->seed, TIER_COUNT, RNG_THROTTLE);
	core_rng_seed(&c->rng_keys, cfg->sc->seed, TIER_COUNT, RNG_KEYS);
	if (c->load->adaptive_throttle.enabled)
		adaptive_throttle_init(&c->throttle, c->load->adaptive_throttle.k, c->load->adaptive_throttle.window_ms);
	if (c->load->keys.count > 0) {
		size_t n = (size_t)c->load->keys.count;
		double sum = 0;
		c->key_cdf = xmalloc(n * sizeof(*c->key_cdf));
		for (size_t k = 0; k < n; k++)
			c->key_cdf[k] = sum += pow((double)(k + 1), -c->load->keys.zipf);
		for (size_t k = 0; k < n; k++)
			c->key_cdf[k] /= sum;
		c->key_cdf[n - 1] = 1.0; /* no draw falls past the last key */
	}
	schedule_init(&c->sched, c->load, cfg->sc->seed);
	TAILQ_INIT(&c->live);
	pool_init(&c->reqs, sizeof(struct client_req) + cfg->req_drv_size);
	tq_node_init(&c->arrival, on_arrival);
	tq_node_init(&c->drain, on_drain);
	/* An empty schedule still waits for t0 and ends there, through the
	 * same path as a finished one. */
	if (schedule_next(&c->sched, &c->next_ms) < 0) {
		c->next_ms = 0;
		c->sending_done = true;
	}
	timerq_arm(c->tq, &c->arrival, c->next_ms);
	return c;
}

void client_core_stop(struct client_core *c, double now)
{
	struct client_req *r;

	if (c->over)
		return;
	c->over = true;
	timerq_cancel(c->tq, &c->arrival);
	timerq_cancel(c->tq, &c->drain);
	while ((r = TAILQ_FIRST(&c->live))) {
		if (r->in_flight) {
			c->ops->abort(c->ctx, r);
			end_attempt(r, now, 0, CLIENT_CANCELLED);
		} else {
			c->n.retries_pending--;
			c->n.retries_dropped++;
		}
		req_free(r);
	}
	c->ops->done(c->ctx);
}

void client_core_free(struct client_core *c)
{
	if (!c)
		return;
	free(c->key_cdf);
	pool_free(&c->reqs);
	free(c);
}
