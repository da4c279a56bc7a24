/* tier: one forwarding hop of the chain (gateway, svc_a, svc_b).  Each inbound
 * request is a struct treq that owns its one in-flight attempt and its timers;
 * every path (reply, deadline, caller gone, shutdown) ends in treq_maybe_done,
 * which writes the server row and frees it once nothing is left running. */
#include "tier.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "deadline.h"
#include "trace.h"

struct tier {
	struct proc *p;
	const struct tier_cfg *cfg;
	struct treq *head, *tail; /* every request not yet freed, newest first */
};

struct treq {
	struct tier *t;
	struct treq *prev, *next;
	struct evhttp_request *req; /* NULL once replied, aborted or the caller left */
	struct httpd_watch *watch;
	struct inbound in; /* in.budget_ms < 0: none received (or ignored) */
	char span_id[SPAN_ID_LEN + 1];
	double arrival_ms;
	double deadline_ms;        /* effective; < 0: none */
	bool deadline_from_caller; /* the received budget, not the own timeout, set it */
	/* the answer to the caller */
	bool answered;             /* replied, or the caller is gone */
	double answered_ms;
	double wasted_from_ms;     /* work after this instant is for nobody; < 0: not yet */
	int status;
	enum outcome outcome;
	/* attempts */
	int attempts;             /* started so far */
	struct upstream_call *call; /* the one in flight, or NULL */
	char attempt_span[SPAN_ID_LEN + 1];
	char attempt_lineage[LINEAGE_MAX];
	double attempt_start_ms;
	double attempt_budget_ms;
	double backoff_prev_ms;
	struct event *ev_deadline;
	struct event *ev_wait; /* backoff, or injected latency before the first attempt */
	double work_ms, wasted_ms;
};

static void start_attempt(struct treq *r);

static bool cancels(const struct treq *r) { return r->t->cfg->propagate_cancel; }

/* Deadline-aware tiers bound each attempt by what is left of the deadline. */
static bool bounds_attempts(const struct treq *r)
{
	return r->deadline_ms >= 0 && (r->t->cfg->propagate_deadline || r->t->cfg->propagate_cancel);
}

static void treq_free(struct treq *r)
{
	struct tier *t = r->t;

	if (r->prev)
		r->prev->next = r->next;
	else
		t->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		t->tail = r->prev;
	event_free(r->ev_deadline);
	event_free(r->ev_wait);
	t->p->m.inflight--;
	free(r);
}

static void write_server_row(struct treq *r)
{
	struct span_row row = {
		.trace_id = r->in.trace_id,
		.span_id = r->span_id,
		.parent_span_id = r->in.parent_id,
		.tier = r->t->p->info->name,
		.kind = "server",
		.attempt = r->in.caller_attempt,
		.start_ms = r->arrival_ms,
		.end_ms = r->answered_ms,
		.budget_ms = r->deadline_ms >= 0 ? r->deadline_ms - r->arrival_ms : -1,
		.status = r->status,
		.outcome = r->outcome,
		.queue_ms = 0,
		.work_ms = r->work_ms,
		.wasted_ms = r->wasted_ms,
		.lineage = r->in.lineage,
	};
	proc_record(r->t->p, &row);
}

/* The single end of every request: once answered and idle, record and free. */
static void treq_maybe_done(struct treq *r)
{
	if (!r->answered || r->call || evtimer_pending(r->ev_wait, NULL))
		return;
	write_server_row(r);
	treq_free(r);
}

static void mark_wasted_from(struct treq *r, double now)
{
	if (r->wasted_from_ms < 0)
		r->wasted_from_ms = now;
}

/* Answer the caller (once).  A failure answer makes later work wasted. */
static void reply(struct treq *r, int status, enum outcome outcome, const char *body, size_t len)
{
	double now = proc_now_ms(r->t->p);

	if (r->answered)
		return;
	r->answered = true;
	r->answered_ms = now;
	r->status = status;
	r->outcome = outcome;
	evtimer_del(r->ev_deadline);
	httpd_unwatch(r->watch);
	r->watch = NULL;
	if (status == 503)
		httpd_reply(r->req, status, body, "Retry-After", "1", NULL);
	else
		httpd_reply_buf(r->req, status, "text/plain", body, len);
	r->req = NULL;
	if (outcome != OUT_OK)
		mark_wasted_from(r, now);
}

static void replyf(struct treq *r, int status, enum outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void replyf(struct treq *r, int status, enum outcome outcome, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	reply(r, status, outcome, sbuf_str(&sb), sb.len);
	sbuf_free(&sb);
}

/* Close out the attempt in flight as a client row; frees nothing else. */
static void end_attempt(struct treq *r, int status, enum outcome outcome)
{
	struct proc *p = r->t->p;
	double now = proc_now_ms(p);
	double work = now - r->attempt_start_ms;
	double wasted = 0;
	struct span_row row;

	if (r->wasted_from_ms >= 0)
		wasted = now - fmax(r->wasted_from_ms, r->attempt_start_ms);
	if (wasted < 0)
		wasted = 0;
	r->work_ms += work;
	r->wasted_ms += wasted;
	row = (struct span_row){
		.trace_id = r->in.trace_id,
		.span_id = r->attempt_span,
		.parent_span_id = r->span_id,
		.tier = p->info->name,
		.kind = "client",
		.attempt = r->attempts,
		.start_ms = r->attempt_start_ms,
		.end_ms = now,
		.budget_ms = r->attempt_budget_ms,
		.status = status,
		.outcome = outcome,
		.work_ms = work,
		.wasted_ms = wasted,
		.lineage = r->attempt_lineage,
	};
	proc_record(p, &row);
}

/* Abandon downstream work: the attempt in flight (its connection closes, so
 * the cancellation travels down the chain) and any pending retry. */
static void cancel_work(struct treq *r)
{
	if (r->call) {
		upstream_cancel(r->call);
		r->call = NULL;
		end_attempt(r, 0, OUT_CANCELLED);
	}
	evtimer_del(r->ev_wait);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg) /* evtimer at deadline_ms */
{
	struct treq *r = arg;
	const char *name = r->t->p->info->name;
	enum outcome o = r->deadline_from_caller ? OUT_DEADLINE_EXPIRED : OUT_TIMEOUT;
	(void)fd;
	(void)what;

	replyf(r, 504, o, "%s: deadline exceeded after %.0f ms (%s)\n", name, r->deadline_ms - r->arrival_ms,
	       r->deadline_from_caller ? "propagated deadline" : "own timeout");
	if (cancels(r))
		cancel_work(r);
	treq_maybe_done(r);
}

static void on_caller_gone(void *arg) /* httpd_watch_caller */
{
	struct treq *r = arg;
	double now = proc_now_ms(r->t->p);

	r->watch = NULL;
	r->req = NULL; /* freed by the glue when we return */
	if (!r->answered) {
		r->answered = true;
		r->answered_ms = now;
		r->status = STATUS_CALLER_GONE;
		r->outcome = OUT_CALLER_GONE;
		evtimer_del(r->ev_deadline);
	}
	mark_wasted_from(r, now);
	if (cancels(r))
		cancel_work(r);
	treq_maybe_done(r);
}

static enum retry_class classify(const struct upstream_result *res, enum outcome *outcome)
{
	switch (res->error) {
	case UPSTREAM_OK:
		if (res->status >= 200 && res->status < 300) {
			*outcome = OUT_OK;
			return RETRY_CLASS_NONE;
		}
		*outcome = OUT_UPSTREAM_ERROR;
		return res->status >= 500 ? RETRY_CLASS_5XX : RETRY_CLASS_NONE;
	case UPSTREAM_TIMEOUT: *outcome = OUT_TIMEOUT; return RETRY_CLASS_TIMEOUT;
	case UPSTREAM_CONNECT:
	case UPSTREAM_BROKEN: *outcome = OUT_CONN_ERROR; return RETRY_CLASS_CONNECT;
	}
	*outcome = OUT_CONN_ERROR;
	return RETRY_CLASS_CONNECT;
}

/* No more attempts: answer with what the last one gave. */
static void give_up(struct treq *r, const struct upstream_result *res, enum outcome outcome)
{
	const char *name = r->t->p->info->name;

	switch (outcome) {
	case OUT_UPSTREAM_ERROR: reply(r, res->status, outcome, res->body, res->body_len); break;
	case OUT_TIMEOUT:
		replyf(r, 504, outcome, "%s: upstream timed out after %d attempt%s\n", name, r->attempts,
		       r->attempts == 1 ? "" : "s");
		break;
	default:
		replyf(r, 502, OUT_CONN_ERROR, "%s: upstream unreachable: %s\n", name,
		       res->message ? res->message : "connection failed");
		break;
	}
}

static void on_wait_over(evutil_socket_t fd, short what, void *arg) /* evtimer: backoff or latency */
{
	struct treq *r = arg;
	(void)fd;
	(void)what;
	start_attempt(r);
}

static void on_attempt_done(void *arg, const struct upstream_result *res) /* upstream_get */
{
	struct treq *r = arg;
	const struct tier_cfg *cfg = r->t->cfg;
	struct proc *p = r->t->p;
	enum outcome outcome;
	enum retry_class cls = classify(res, &outcome);
	double now, wait_ms;
	struct timeval tv;

	r->call = NULL;
	end_attempt(r, res->error == UPSTREAM_OK ? res->status : 0, outcome);
	if (outcome == OUT_OK) {
		reply(r, res->status, OUT_OK, res->body, res->body_len);
		treq_maybe_done(r);
		return;
	}
	now = proc_now_ms(p);
	if (p->stopping || r->attempts > cfg->retry.retries || !retry_allowed(&cfg->retry, cls) ||
	    (cancels(r) && r->answered))
		goto give_up;
	wait_ms = retry_backoff_ms(&cfg->retry, r->attempts - 1, &r->backoff_prev_ms, &p->rng);
	/* A wait that would end past the deadline cannot lead to a useful attempt. */
	if (bounds_attempts(r) && now + wait_ms >= r->deadline_ms)
		goto give_up;
	tv = sclock_timeval(&p->clock, wait_ms);
	evtimer_add(r->ev_wait, &tv);
	return;

give_up:
	give_up(r, res, outcome);
	treq_maybe_done(r);
}

static double attempt_timeout_ms(const struct treq *r, double now)
{
	const struct tier_cfg *cfg = r->t->cfg;
	double per = cfg->retry.attempt_timeout_ms;

	/* Without its own per-attempt limit an attempt gets the tier's timeout, as
	 * an HTTP client with one timeout does, or else the received budget. */
	if (per <= 0)
		per = cfg->timeout_ms > 0 ? cfg->timeout_ms : fmax(r->in.budget_ms, 0);
	if (bounds_attempts(r)) {
		double left = r->deadline_ms - now;
		per = per > 0 ? fmin(per, left) : left;
	}
	return per;
}

/* "name: value" into out, which has room for both and 3 more bytes. */
static char *header_line(char *out, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	memcpy(out, name, n);
	out[n] = ':';
	out[n + 1] = ' ';
	memcpy(out + n + 2, value, v + 1);
	return out;
}

static void start_attempt(struct treq *r)
{
	struct tier *t = r->t;
	struct proc *p = t->p;
	const char *name = p->info->name;
	double now = proc_now_ms(p);
	double timeout_ms = attempt_timeout_ms(r, now);
	char traceparent[TRACEPARENT_LEN + 1];
	char budget[DEADLINE_WIRE_MAX];
	char tp_line[sizeof(TRACEPARENT_HEADER) + 2 + sizeof(traceparent)];
	char lineage_line[sizeof(LINEAGE_HEADER) + 2 + sizeof(r->attempt_lineage)];
	char budget_line[sizeof(p->sc.deadline.header) + 2 + sizeof(budget)];
	const char *headers[3];
	size_t nheaders = 0;

	r->attempt_budget_ms = -1;
	if (t->cfg->propagate_deadline && r->deadline_ms >= 0) {
		r->attempt_budget_ms = deadline_send_budget_ms(r->deadline_ms, now, p->sc.deadline.margin_ms);
		if (r->attempt_budget_ms <= 0) {
			/* Nothing useful can be done downstream in what is left. */
			replyf(r, 504, r->deadline_from_caller ? OUT_DEADLINE_EXPIRED : OUT_TIMEOUT,
			       "%s: no budget left for attempt %d\n", name, r->attempts + 1);
			treq_maybe_done(r);
			return;
		}
	}
	if (bounds_attempts(r) && timeout_ms <= 0) {
		replyf(r, 504, r->deadline_from_caller ? OUT_DEADLINE_EXPIRED : OUT_TIMEOUT,
		       "%s: deadline passed before attempt %d\n", name, r->attempts + 1);
		treq_maybe_done(r);
		return;
	}

	r->attempts++;
	r->attempt_start_ms = now;
	trace_new_span_id(&p->rng, r->attempt_span);
	if (lineage_append(r->attempt_lineage, r->in.lineage, name, r->attempts) < 0)
		snprintf(r->attempt_lineage, sizeof(r->attempt_lineage), "%s#%d", name, r->attempts);
	trace_format(traceparent, r->in.trace_id, r->attempt_span, 1);
	headers[nheaders++] = header_line(tp_line, TRACEPARENT_HEADER, traceparent);
	headers[nheaders++] = header_line(lineage_line, LINEAGE_HEADER, r->attempt_lineage);
	if (r->attempt_budget_ms >= 0) {
		deadline_format_ms(r->attempt_budget_ms, budget);
		headers[nheaders++] = header_line(budget_line, p->sc.deadline.header, budget);
	}
	p->m.attempts++;
	if (r->attempts > 1)
		p->m.retries++;
	r->call = upstream_get(p->up, p->upstream_url, headers, nheaders,
			       timeout_ms > 0 ? sclock_real_ms(&p->clock, timeout_ms) : 0, on_attempt_done, r);
}

static void on_request(struct proc *p, struct evhttp_request *req)
{
	struct tier *t = p->app;
	struct treq *r = xcalloc(1, sizeof(*r));
	const char *name = p->info->name;
	struct fault_effect fx;
	char err[ERR_LEN];
	int max_inflight;
	struct timeval tv;

	p->m.arrivals++;
	p->m.inflight++;
	r->t = t;
	r->req = req;
	r->arrival_ms = proc_now_ms(p);
	r->wasted_from_ms = -1;
	r->ev_deadline = evtimer_new(p->base, on_deadline, r);
	r->ev_wait = evtimer_new(p->base, on_wait_over, r);
	r->next = t->head;
	if (t->head)
		t->head->prev = r;
	else
		t->tail = r;
	t->head = r;
	trace_new_span_id(&p->rng, r->span_id);

	/* With propagate_deadline off the deadline header is ignored entirely,
	 * like a handler that starts from context.Background(). */
	if (proc_read_inbound(p, req, t->cfg->propagate_deadline, &r->in, err, sizeof(err)) < 0) {
		replyf(r, 400, OUT_BAD_REQUEST, "%s: bad request: %s\n", name, err);
		goto done;
	}
	r->deadline_ms = deadline_effective_ms(r->arrival_ms, t->cfg->timeout_ms, r->in.budget_ms);
	r->deadline_from_caller =
		r->in.budget_ms >= 0 && (t->cfg->timeout_ms <= 0 || r->in.budget_ms < t->cfg->timeout_ms);

	scenario_faults_at(&p->sc, p->info->tier, r->arrival_ms, &fx);
	max_inflight = fx.capacity >= 0 ? fx.capacity : t->cfg->max_inflight;
	if (max_inflight > 0 && p->m.inflight > max_inflight) {
		replyf(r, 503, OUT_SHED, "%s: over capacity (%d in flight)\n", name, max_inflight);
		goto done;
	}
	if (r->deadline_ms >= 0 && r->deadline_ms <= r->arrival_ms) {
		replyf(r, 504, OUT_DEADLINE_EXPIRED, "%s: deadline already expired on arrival\n", name);
		goto done;
	}
	if (fx.error_frac > 0 && rng_double(&p->rng) < fx.error_frac) {
		replyf(r, 500, OUT_FAULT_ERROR, "%s: injected error\n", name);
		goto done;
	}
	r->watch = httpd_watch_caller(req, on_caller_gone, r);
	if (fx.stall)
		return; /* accepted, never answered: only the caller leaving (or shutdown) ends it */
	if (r->deadline_ms >= 0) {
		tv = sclock_timeval(&p->clock, r->deadline_ms - r->arrival_ms);
		evtimer_add(r->ev_deadline, &tv);
	}
	if (fx.latency_ms > 0) {
		tv = sclock_timeval(&p->clock, fx.latency_ms);
		evtimer_add(r->ev_wait, &tv);
		return;
	}
	start_attempt(r);
	return;

done:
	treq_maybe_done(r);
}

/* Shutdown: every request still here becomes a `cancelled` row.  Oldest
 * first: libcurl finds a connection to close by walking the host's
 * connections from the oldest, so this order makes each cancel O(1) instead
 * of O(in flight), and thousands of them end within the second. */
static void on_stop(struct proc *p)
{
	struct tier *t = p->app;

	while (t->tail) {
		struct treq *r = t->tail;
		cancel_work(r);
		if (!r->answered) {
			httpd_unwatch(r->watch);
			r->watch = NULL;
			httpd_abort(r->req);
			r->req = NULL;
			r->answered = true;
			r->answered_ms = proc_now_ms(p);
			r->status = 0;
			r->outcome = OUT_CANCELLED;
			evtimer_del(r->ev_deadline);
		}
		treq_maybe_done(r);
	}
}

int tier_main(const struct proc_info *info, int argc, char **argv)
{
	struct proc p;
	struct tier t = {0};
	int rc = proc_init(&p, info, argc, argv);

	if (rc >= 0)
		return rc;
	t.p = &p;
	t.cfg = &p.sc.tiers[info->tier];
	p.app = &t;
	p.on_request = on_request;
	p.on_stop = on_stop;
	return proc_run(&p);
}
