/* db: dbsim's workers, queue, service times, statement timeout, deadline and
 * cancellation handling, and faults.  A query is a struct query that lives
 * from arrival until its row is written; `finish` is its only end. */
#include "db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "trace.h"

enum qstate { Q_NEW, Q_QUEUED, Q_RUNNING, Q_HELD };

struct query {
	struct db *db;
	struct query *prev, *next;   /* every live query, for shutdown */
	struct query *qprev, *qnext; /* the FIFO, while queued */
	struct evhttp_request *req;  /* NULL once the caller is gone */
	struct httpd_watch *watch;
	struct inbound in;  /* in.budget_ms: received, for the row; < 0: none */
	char span_id[SPAN_ID_LEN + 1];
	double arrival_ms;
	double deadline_ms; /* < 0: none, or not honoured */
	double run_start_ms;
	double gone_ms;
	enum qstate state;
	enum outcome planned; /* how the running query will end */
	struct event *ev;     /* queued: deadline drop; running: the end of the run */
};

struct db {
	struct proc *p;
	const struct db_cfg *cfg;
	struct query *all;
	struct query *qhead, *qtail;
	int queued, busy, workers_now;
	struct event **fault_evs;
	size_t nfault_evs;
};

double db_run_end_ms(double start_ms, double service_ms, double statement_timeout_ms, double deadline_ms,
		     double check_ms, enum outcome *outcome)
{
	double end = start_ms + service_ms;

	*outcome = OUT_OK;
	if (statement_timeout_ms > 0 && start_ms + statement_timeout_ms < end) {
		end = start_ms + statement_timeout_ms;
		*outcome = OUT_STATEMENT_TIMEOUT;
	}
	if (deadline_ms >= 0) {
		/* The query looks at its deadline only every check_ms of running. */
		double k = deadline_ms <= start_ms ? 0 : ceil((deadline_ms - start_ms) / check_ms);
		double noticed = start_ms + k * check_ms;
		if (noticed < end) {
			end = noticed;
			*outcome = OUT_DEADLINE_EXPIRED;
		}
	}
	return end;
}

double db_draw_service_ms(const struct dist *d, struct rng *r)
{
	switch (d->kind) {
	case DIST_FIXED: return d->a_ms;
	case DIST_UNIFORM: return rng_uniform(r, d->a_ms, d->b_ms);
	case DIST_EXPONENTIAL: return rng_exponential(r, d->a_ms);
	case DIST_LOGNORMAL: return rng_lognormal(r, d->a_ms, d->b_ms);
	}
	return d->a_ms;
}

static void update_gauges(struct db *db)
{
	db->p->m.queue_depth = db->queued;
	db->p->m.busy_workers = db->busy;
	db->p->m.workers = db->workers_now;
}

static void queue_remove(struct db *db, struct query *q)
{
	if (q->qprev)
		q->qprev->qnext = q->qnext;
	else
		db->qhead = q->qnext;
	if (q->qnext)
		q->qnext->qprev = q->qprev;
	else
		db->qtail = q->qprev;
	q->qprev = q->qnext = NULL;
	db->queued--;
}

static void queue_push(struct db *db, struct query *q)
{
	q->qprev = db->qtail;
	q->qnext = NULL;
	if (db->qtail)
		db->qtail->qnext = q;
	else
		db->qhead = q;
	db->qtail = q;
	db->queued++;
	q->state = Q_QUEUED;
}

/* The only end of a query: reply if the caller is still there, write the
 * row, release the slot it held, free it. */
static void finish(struct query *q, int status, enum outcome outcome, const char *body)
{
	struct db *db = q->db;
	struct proc *p = db->p;
	double now = proc_now_ms(p);
	double run_from = q->run_start_ms >= 0 ? q->run_start_ms : now;
	double work = q->run_start_ms >= 0 ? now - q->run_start_ms : 0;
	double wasted = 0;
	struct span_row row;

	if (q->state == Q_QUEUED)
		queue_remove(db, q);
	else if (q->state == Q_RUNNING)
		db->busy--;
	if (q->gone_ms >= 0 && q->run_start_ms >= 0)
		wasted = now - fmax(q->gone_ms, q->run_start_ms);
	if (q->req) {
		httpd_unwatch(q->watch);
		if (status == 503)
			httpd_reply(q->req, status, body, "Retry-After", "1", NULL);
		else
			httpd_reply(q->req, status, body, NULL);
	} else if (outcome != OUT_CANCELLED) {
		status = STATUS_CALLER_GONE;
		outcome = OUT_CALLER_GONE;
	}
	row = (struct span_row){
		.trace_id = q->in.trace_id,
		.span_id = q->span_id,
		.parent_span_id = q->in.parent_id,
		.tier = p->info->name,
		.kind = "server",
		.attempt = q->in.caller_attempt,
		.start_ms = q->arrival_ms,
		.end_ms = now,
		.budget_ms = q->in.budget_ms,
		.status = status,
		.outcome = outcome,
		.queue_ms = run_from - q->arrival_ms,
		.work_ms = work,
		.wasted_ms = wasted,
		.lineage = q->in.lineage,
	};
	proc_record(p, &row);

	if (q->prev)
		q->prev->next = q->next;
	else
		db->all = q->next;
	if (q->next)
		q->next->prev = q->prev;
	event_free(q->ev);
	p->m.inflight--;
	free(q);
	update_gauges(db);
}

static void dispatch(struct db *db);

static char *put_str(char *out, const char *s)
{
	size_t len = strlen(s);
	memcpy(out, s, len);
	return out + len;
}

/* The 200 body, {"tier":"dbsim","trace_id":"…","lineage":"…","queue_ms":
 * …,"work_ms":…}, put together without printf (it runs for every query). */
static void ok_body(char *out, const struct query *q, double now)
{
	char *o = out;

	o = put_str(o, "{\"tier\":\"dbsim\",\"trace_id\":\"");
	o = put_str(o, q->in.trace_id);
	o = put_str(o, "\",\"lineage\":\"");
	o = put_str(o, q->in.lineage);
	o = put_str(o, "\",\"queue_ms\":");
	o += fmt_fixed(o, q->run_start_ms - q->arrival_ms, 3);
	o = put_str(o, ",\"work_ms\":");
	o += fmt_fixed(o, now - q->run_start_ms, 3);
	put_str(o, "}\n");
	o[2] = '\0';
}

static void run_ended(struct query *q)
{
	struct db *db = q->db;
	/* the fixed text, both ids, two numbers at their widest */
	char body[80 + TRACE_ID_LEN + LINEAGE_MAX + 2 * FMT_NUM_MAX];

	switch (q->planned) {
	case OUT_OK:
		ok_body(body, q, proc_now_ms(db->p));
		finish(q, 200, OUT_OK, body);
		break;
	case OUT_STATEMENT_TIMEOUT:
		finish(q, 500, OUT_STATEMENT_TIMEOUT, "dbsim: canceling statement due to statement timeout\n");
		break;
	default:
		finish(q, 504, OUT_DEADLINE_EXPIRED, "dbsim: query abandoned at its deadline\n");
		break;
	}
	dispatch(db);
}

static void run(struct db *db, struct query *q)
{
	struct proc *p = db->p;
	double now = proc_now_ms(p);
	struct fault_effect fx;
	double service, end;
	struct timeval tv;

	scenario_faults_at(&p->sc, TIER_DBSIM, now, &fx);
	service = db_draw_service_ms(&db->cfg->service_time, &p->rng) * fx.slowdown + fx.latency_ms;
	end = db_run_end_ms(now, service, db->cfg->statement_timeout_ms, q->deadline_ms, db->cfg->check_interval_ms,
			    &q->planned);
	q->state = Q_RUNNING;
	q->run_start_ms = now;
	db->busy++;
	tv = sclock_timeval(&p->clock, end - now);
	evtimer_add(q->ev, &tv);
	update_gauges(db);
}

/* Fill free workers from the queue, dropping queries whose deadline passed. */
static void dispatch(struct db *db)
{
	double now = proc_now_ms(db->p);

	while (db->busy < db->workers_now && db->qhead) {
		struct query *q = db->qhead;
		queue_remove(db, q);
		q->state = Q_NEW;
		evtimer_del(q->ev);
		if (q->deadline_ms >= 0 && q->deadline_ms <= now) {
			finish(q, 504, OUT_DEADLINE_EXPIRED, "dbsim: deadline passed while queued\n");
			continue;
		}
		run(db, q);
	}
	update_gauges(db);
}

/* q->ev: while queued, the deadline; while running, the end of the run. */
static void on_query_timer(evutil_socket_t fd, short what, void *arg) /* evtimer */
{
	struct query *q = arg;
	(void)fd;
	(void)what;
	if (q->state == Q_RUNNING)
		run_ended(q);
	else
		finish(q, 504, OUT_DEADLINE_EXPIRED, "dbsim: deadline passed while queued\n");
}

static void on_caller_gone(void *arg) /* httpd_watch_caller */
{
	struct query *q = arg;
	struct db *db = q->db;
	bool was_running = q->state == Q_RUNNING;

	q->req = NULL;
	q->watch = NULL;
	/* Without honor_cancel the query goes on for nobody: that is the waste. */
	if (!db->cfg->honor_cancel && q->state != Q_HELD) {
		q->gone_ms = proc_now_ms(db->p);
		return;
	}
	evtimer_del(q->ev);
	finish(q, STATUS_CALLER_GONE, OUT_CALLER_GONE, NULL);
	if (was_running)
		dispatch(db);
}

static void on_request(struct proc *p, struct evhttp_request *req)
{
	struct db *db = p->app;
	struct query *q = xcalloc(1, sizeof(*q));
	struct fault_effect fx;
	char err[ERR_LEN], body[ERR_LEN + 64];

	p->m.arrivals++;
	p->m.inflight++;
	q->db = db;
	q->req = req;
	q->arrival_ms = proc_now_ms(p);
	q->deadline_ms = q->run_start_ms = q->gone_ms = -1;
	q->ev = evtimer_new(p->base, on_query_timer, q);
	q->next = db->all;
	if (db->all)
		db->all->prev = q;
	db->all = q;
	trace_new_span_id(&p->rng, q->span_id);

	if (proc_read_inbound(p, req, true, &q->in, err, sizeof(err)) < 0) {
		snprintf(body, sizeof(body), "dbsim: bad request: %s\n", err);
		finish(q, 400, OUT_BAD_REQUEST, body);
		return;
	}
	if (db->cfg->honor_deadline && q->in.budget_ms >= 0)
		q->deadline_ms = q->arrival_ms + q->in.budget_ms;
	scenario_faults_at(&p->sc, TIER_DBSIM, q->arrival_ms, &fx);
	if (q->deadline_ms >= 0 && q->deadline_ms <= q->arrival_ms) {
		finish(q, 504, OUT_DEADLINE_EXPIRED, "dbsim: deadline already expired on arrival\n");
		return;
	}
	if (fx.error_frac > 0 && rng_double(&p->rng) < fx.error_frac) {
		finish(q, 500, OUT_FAULT_ERROR, "dbsim: injected error\n");
		return;
	}
	q->watch = httpd_watch_caller(req, on_caller_gone, q);
	if (fx.stall) {
		q->state = Q_HELD;
		return;
	}
	if (db->busy < db->workers_now && !db->qhead) {
		run(db, q);
		return;
	}
	if (db->queued >= db->cfg->queue_limit) {
		finish(q, 503, OUT_SHED, "dbsim: queue full\n");
		return;
	}
	queue_push(db, q);
	if (q->deadline_ms >= 0) {
		struct timeval tv = sclock_timeval(&p->clock, q->deadline_ms - q->arrival_ms);
		evtimer_add(q->ev, &tv);
	}
	update_gauges(db);
}

static void apply_capacity(struct db *db)
{
	struct fault_effect fx;

	scenario_faults_at(&db->p->sc, TIER_DBSIM, proc_now_ms(db->p), &fx);
	db->workers_now = fx.capacity >= 0 ? fx.capacity : db->cfg->workers;
	dispatch(db);
}

static void on_fault_edge(evutil_socket_t fd, short what, void *arg) /* evtimer at a fault window's edge */
{
	(void)fd;
	(void)what;
	apply_capacity(arg);
}

static void on_tick(struct proc *p)
{
	update_gauges(p->app);
}

static void on_stop(struct proc *p)
{
	struct db *db = p->app;
	size_t i;

	for (i = 0; i < db->nfault_evs; i++)
		event_free(db->fault_evs[i]);
	db->nfault_evs = 0;

	while (db->all) {
		struct query *q = db->all;
		evtimer_del(q->ev);
		if (q->req) {
			httpd_unwatch(q->watch);
			q->watch = NULL;
			httpd_abort(q->req);
			q->req = NULL;
		}
		finish(q, 0, OUT_CANCELLED, NULL);
	}
}

int db_main(const struct proc_info *info, int argc, char **argv)
{
	struct proc p;
	struct db db = {0};
	size_t i;
	int rc = proc_init(&p, info, argc, argv);

	if (rc >= 0)
		return rc;
	db.p = &p;
	db.cfg = &p.sc.db;
	p.app = &db;
	p.on_request = on_request;
	p.on_stop = on_stop;
	p.on_tick = on_tick;
	db.fault_evs = xcalloc(2 * p.sc.nfaults + 1, sizeof(*db.fault_evs));
	for (i = 0; i < p.sc.nfaults; i++) {
		const struct fault *f = &p.sc.faults[i];
		double edges[2] = {f->start_ms, f->end_ms};
		if (f->tier != TIER_DBSIM || f->kind != FAULT_CAPACITY)
			continue;
		for (int e = 0; e < 2; e++) {
			struct event *ev = evtimer_new(p.base, on_fault_edge, &db);
			struct timeval tv = sclock_timeval(&p.clock, edges[e] - proc_now_ms(&p));
			evtimer_add(ev, &tv);
			db.fault_evs[db.nfault_evs++] = ev;
		}
	}
	apply_capacity(&db);
	rc = proc_run(&p); /* on_stop freed the fault timers */
	free(db.fault_evs);
	return rc;
}
