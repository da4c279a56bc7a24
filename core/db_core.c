/* db_core: dbsim's decisions (see db_core.h).  A query is a struct
 * db_query that lives from arrival until its row is written; `finish` is
 * its only end. */
#include "db_core.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "util.h"

enum qstate {
	Q_NEW,	   /* arrived, not yet placed */
	Q_QUEUED,  /* waiting for a worker */
	Q_RUNNING, /* a worker runs it */
	Q_HELD,	   /* a stall fault holds it: never answered */
};

struct db_query {
	struct db_core *c;
	TAILQ_ENTRY(db_query) all_link;
	TAILQ_ENTRY(db_query) queue_link; /* while Q_QUEUED */
	struct inbound in;
	char span_id[SPAN_ID_LEN + 1];
	double arrival_ms;
	double deadline_ms; /* honoured deadline; INFINITY: none */
	bool ran;
	double run_start_ms; /* ran */
	bool caller_gone;
	double gone_ms; /* caller_gone: when */
	enum qstate state;
	enum outcome planned;	/* Q_RUNNING: how the run will end */
	struct tq_node drop;	/* Q_QUEUED: its deadline */
	struct tq_node shed;	/* Q_QUEUED, codel: the longest it may wait */
	struct tq_node run_end; /* Q_RUNNING: the end of the run */
	bool counted_orphan;	/* which gauge it is in: orphaned, else inflight */
	alignas(max_align_t) unsigned char drv[];
};

/* A capacity fault's edge: the workers change there. */
struct edge {
	struct tq_node node;
	struct db_core *c;
};

struct db_core {
	const struct scenario *sc;
	const struct db_cfg *cfg;
	struct timerq *tq;
	const struct db_ops *ops;
	void *ctx;
	size_t drv_size;
	struct rng rng_ids, rng_faults;
	struct dist_sampler service;
	TAILQ_HEAD(, db_query) all;   /* every live query, oldest first */
	TAILQ_HEAD(db_queue, db_query) queue; /* in arrival order */
	int queued, busy, workers_now;
	double last_empty_ms; /* the last time the queue was empty (codel, adaptive LIFO) */
	double codel_target_ms, codel_interval_ms;
	struct edge *edges;
	size_t nedges;
	struct pool queries;
	struct core_counters m;
};

static void on_drop(struct tq_node *n, double now);
static void on_shed(struct tq_node *n, double now);
static void on_run_end(struct tq_node *n, double now);
static void on_edge(struct tq_node *n, double now);

double db_run_end_ms(double start_ms, double service_ms, double statement_timeout_ms, double deadline_ms,
		     double check_ms, enum outcome *outcome)
{
	double end = start_ms + service_ms;

	*outcome = OUT_OK;
	if (statement_timeout_ms > 0 && start_ms + statement_timeout_ms < end) {
		end = start_ms + statement_timeout_ms;
		*outcome = OUT_STATEMENT_TIMEOUT;
	}
	if (isfinite(deadline_ms)) {
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

const struct core_counters *db_core_counters(const struct db_core *c) { return &c->m; }
void *db_query_drv(struct db_query *q) { return q->drv; }
const struct inbound *db_query_inbound(const struct db_query *q) { return &q->in; }

static void update_gauges(struct db_core *c)
{
	c->m.queue_depth = c->queued;
	c->m.busy_workers = c->busy;
	c->m.workers = c->workers_now;
}

double db_service_median_ms(const struct dist *d)
{
	switch (d->kind) {
	case DIST_FIXED: return d->a_ms;
	case DIST_UNIFORM: return (d->a_ms + d->b_ms) / 2;
	case DIST_EXPONENTIAL: return d->a_ms * M_LN2;
	case DIST_LOGNORMAL: return d->a_ms;
	}
	return d->a_ms;
}

static void queue_remove(struct db_core *c, struct db_query *q, double now)
{
	TAILQ_REMOVE(&c->queue, q, queue_link);
	c->queued--;
	if (c->queued == 0)
		c->last_empty_ms = now;
	timerq_cancel(c->tq, &q->drop);
	timerq_cancel(c->tq, &q->shed);
	q->state = Q_NEW;
}

/* "Fail at Scale": the queue is overloaded when it has not been empty for
 * the last codel_interval. */
static bool overloaded(const struct db_core *c, double now)
{
	return c->queued > 0 && now - c->last_empty_ms > c->codel_interval_ms;
}

/* The query a free worker takes next, by the queue discipline. */
static struct db_query *next_query(struct db_core *c, double now)
{
	switch (c->cfg->queue) {
	case QUEUE_LIFO: return TAILQ_LAST(&c->queue, db_queue);
	case QUEUE_ADAPTIVE_LIFO:
		return overloaded(c, now) ? TAILQ_LAST(&c->queue, db_queue) : TAILQ_FIRST(&c->queue);
	case QUEUE_FIFO:
	case QUEUE_CODEL: break;
	}
	return TAILQ_FIRST(&c->queue);
}

/* The only end of a query: answer if the caller is still there, write the
 * row, release the worker or queue slot it held, free it. */
static void finish(struct db_query *q, double now, const struct db_reply *rep)
{
	struct db_core *c = q->c;
	double run_from = q->ran ? q->run_start_ms : now;
	double work = q->ran ? now - q->run_start_ms : 0;
	double wasted = q->caller_gone && q->ran ? now - fmax(q->gone_ms, q->run_start_ms) : 0;
	int status = rep->status;
	enum outcome outcome = rep->outcome;
	struct span_row row;

	if (q->state == Q_QUEUED)
		queue_remove(c, q, now);
	else if (q->state == Q_RUNNING)
		c->busy--;
	timerq_cancel(c->tq, &q->run_end);
	if (!q->caller_gone) {
		struct db_reply shown = *rep;
		shown.queue_ms = run_from - q->arrival_ms;
		shown.work_ms = work;
		c->ops->reply(c->ctx, q, &shown);
	} else if (outcome != OUT_CANCELLED) {
		status = STATUS_CALLER_GONE;
		outcome = OUT_CALLER_GONE;
	}
	row = (struct span_row){
	    .trace_id = q->in.trace_id,
	    .span_id = q->span_id,
	    .parent_span_id = q->in.parent_id,
	    .tier = "dbsim",
	    .kind = "server",
	    .attempt = q->in.caller_attempt,
	    .start_ms = q->arrival_ms,
	    .end_ms = now,
	    .budget_ms = q->in.has_budget ? q->in.budget_ms : -1,
	    .status = status,
	    .outcome = outcome,
	    .queue_ms = run_from - q->arrival_ms,
	    .work_ms = work,
	    .wasted_ms = wasted,
	    .lineage = q->in.lineage,
	};
	core_count_row(&c->m, &row);
	c->ops->row(c->ctx, &row);
	c->ops->release(c->ctx, q);
	if (q->counted_orphan)
		c->m.orphaned--;
	else
		c->m.inflight--;
	TAILQ_REMOVE(&c->all, q, all_link);
	pool_put(&c->queries, q);
	update_gauges(c);
}

static void finish_simple(struct db_query *q, double now, int status, enum outcome outcome, enum db_reason why)
{
	struct db_reply rep = {.status = status, .outcome = outcome, .reason = why};
	finish(q, now, &rep);
}

static void run(struct db_core *c, struct db_query *q, double now)
{
	struct fault_effect fx;
	double service, end;

	scenario_faults_at(c->sc, TIER_DBSIM, now, &fx);
	service = dist_sample_ms(&c->service) * fx.slowdown + fx.latency_ms;
	end = db_run_end_ms(now, service, c->cfg->statement_timeout_ms, q->deadline_ms, c->cfg->check_interval_ms,
			    &q->planned);
	q->state = Q_RUNNING;
	q->ran = true;
	q->run_start_ms = now;
	c->busy++;
	timerq_arm(c->tq, &q->run_end, end);
	update_gauges(c);
}

/* Fill free workers from the queue, dropping queries whose deadline passed. */
static void dispatch(struct db_core *c, double now)
{
	struct db_query *q;

	while (c->busy < c->workers_now && (q = next_query(c, now))) {
		queue_remove(c, q, now);
		if (q->deadline_ms <= now) {
			finish_simple(q, now, 504, OUT_DEADLINE_EXPIRED, DR_EXPIRED_IN_QUEUE);
			continue;
		}
		run(c, q, now);
	}
	update_gauges(c);
}

static void on_run_end(struct tq_node *n, double now) /* db_query.run_end */
{
	struct db_query *q = container_of(n, struct db_query, run_end);
	struct db_core *c = q->c;

	switch (q->planned) {
	case OUT_OK: finish_simple(q, now, 200, OUT_OK, DR_OK); break;
	case OUT_STATEMENT_TIMEOUT: finish_simple(q, now, 500, OUT_STATEMENT_TIMEOUT, DR_STATEMENT_TIMEOUT); break;
	default: finish_simple(q, now, 504, OUT_DEADLINE_EXPIRED, DR_ABANDONED); break;
	}
	dispatch(c, now);
}

static void on_drop(struct tq_node *n, double now) /* db_query.drop */
{
	finish_simple(container_of(n, struct db_query, drop), now, 504, OUT_DEADLINE_EXPIRED, DR_EXPIRED_IN_QUEUE);
}

static void on_shed(struct tq_node *n, double now) /* db_query.shed */
{
	finish_simple(container_of(n, struct db_query, shed), now, 503, OUT_SHED, DR_CODEL);
}

static void apply_capacity(struct db_core *c, double now)
{
	struct fault_effect fx;

	scenario_faults_at(c->sc, TIER_DBSIM, now, &fx);
	c->workers_now = fx.capacity >= 0 ? fx.capacity : c->cfg->workers;
	dispatch(c, now);
}

static void on_edge(struct tq_node *n, double now) /* edge.node */
{
	apply_capacity(container_of(n, struct edge, node)->c, now);
}

struct db_core *db_core_new(const struct db_core_config *cfg, double now)
{
	struct db_core *c = xcalloc(1, sizeof(*c));
	const struct scenario *sc = cfg->sc;

	c->sc = sc;
	c->cfg = &sc->db;
	c->tq = cfg->tq;
	c->ops = cfg->ops;
	c->ctx = cfg->ctx;
	c->drv_size = cfg->query_drv_size;
	core_rng_seed(&c->rng_ids, sc->seed, TIER_DBSIM, RNG_IDS);
	dist_sampler_init(&c->service, &sc->db.service_time, sc->seed, TIER_DBSIM, RNG_SERVICE);
	core_rng_seed(&c->rng_faults, sc->seed, TIER_DBSIM, RNG_FAULTS);
	TAILQ_INIT(&c->all);
	TAILQ_INIT(&c->queue);
	c->last_empty_ms = now;
	c->codel_target_ms = c->cfg->codel_target_ms > 0 ? c->cfg->codel_target_ms
							 : 5 * db_service_median_ms(&sc->db.service_time);
	c->codel_interval_ms = c->cfg->codel_interval_ms > 0 ? c->cfg->codel_interval_ms
							     : 100 * db_service_median_ms(&sc->db.service_time);
	pool_init(&c->queries, sizeof(struct db_query) + cfg->query_drv_size);
	c->edges = xcalloc(2 * sc->nfaults + 1, sizeof(*c->edges));
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		double at[2] = {f->start_ms, f->end_ms};
		if (f->tier != TIER_DBSIM || f->kind != FAULT_CAPACITY)
			continue;
		for (int e = 0; e < 2; e++) {
			struct edge *edge = &c->edges[c->nedges++];
			edge->c = c;
			tq_node_init(&edge->node, on_edge);
			timerq_arm(c->tq, &edge->node, at[e] > now ? at[e] : now);
		}
	}
	apply_capacity(c, now);
	return c;
}

void db_core_free(struct db_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nedges; i++)
		timerq_cancel(c->tq, &c->edges[i].node);
	free(c->edges);
	pool_free(&c->queries);
	free(c);
}

struct db_query *db_core_arrive(struct db_core *c, double now, const struct inbound *in, const char *bad_header,
				const void *drv_init)
{
	struct db_query *q = pool_get(&c->queries);
	struct fault_effect fx;

	if (c->drv_size)
		memcpy(q->drv, drv_init, c->drv_size);
	q->c = c;
	q->in = *in;
	q->arrival_ms = now;
	q->deadline_ms = INFINITY;
	q->state = Q_NEW;
	tq_node_init(&q->drop, on_drop);
	tq_node_init(&q->shed, on_shed);
	tq_node_init(&q->run_end, on_run_end);
	TAILQ_INSERT_TAIL(&c->all, q, all_link);
	c->m.arrivals++;
	c->m.inflight++;
	if (!q->in.trace_id[0])
		trace_new_trace_id(&c->rng_ids, q->in.trace_id);
	trace_new_span_id(&c->rng_ids, q->span_id);

	if (bad_header) {
		struct db_reply rep = {.status = 400, .outcome = OUT_BAD_REQUEST, .reason = DR_BAD_REQUEST,
				       .detail = bad_header};
		finish(q, now, &rep);
		return NULL;
	}
	if (c->cfg->honor_deadline && q->in.has_budget)
		q->deadline_ms = now + q->in.budget_ms;
	scenario_faults_at(c->sc, TIER_DBSIM, now, &fx);
	if (q->deadline_ms <= now) {
		finish_simple(q, now, 504, OUT_DEADLINE_EXPIRED, DR_EXPIRED_ON_ARRIVAL);
		return NULL;
	}
	/* Deadline-aware admission: less budget than the work is estimated to
	 * take cannot end in an answer anyone waits for. */
	if (c->cfg->admission_estimate_ms > 0 && q->in.has_budget && q->in.budget_ms < c->cfg->admission_estimate_ms) {
		finish_simple(q, now, 504, OUT_DEADLINE_EXPIRED, DR_ADMISSION);
		return NULL;
	}
	if (fx.error_frac > 0 && rng_double(&c->rng_faults) < fx.error_frac) {
		finish_simple(q, now, 500, OUT_FAULT_ERROR, DR_INJECTED_ERROR);
		return NULL;
	}
	if (fx.stall) {
		q->state = Q_HELD;
		return q;
	}
	if (c->busy < c->workers_now && TAILQ_EMPTY(&c->queue)) {
		c->last_empty_ms = now;
		run(c, q, now);
		return q;
	}
	if (c->queued >= c->cfg->queue_limit) {
		finish_simple(q, now, 503, OUT_SHED, DR_QUEUE_FULL);
		return NULL;
	}
	if (c->cfg->queue == QUEUE_CODEL)
		/* Facebook's CoDel: overloaded, a query may wait codel_target; else
		 * codel_interval (the queue is judged before this one joins it). */
		timerq_arm(c->tq, &q->shed, now + (overloaded(c, now) ? c->codel_target_ms : c->codel_interval_ms));
	if (TAILQ_EMPTY(&c->queue))
		c->last_empty_ms = now;
	TAILQ_INSERT_TAIL(&c->queue, q, queue_link);
	c->queued++;
	q->state = Q_QUEUED;
	if (isfinite(q->deadline_ms))
		timerq_arm(c->tq, &q->drop, q->deadline_ms);
	update_gauges(c);
	return q;
}

void db_core_caller_gone(struct db_core *c, struct db_query *q, double now)
{
	bool was_running = q->state == Q_RUNNING;

	q->caller_gone = true;
	q->gone_ms = now;
	/* Without honor_cancel the query goes on for nobody: that is the waste. */
	if (!c->cfg->honor_cancel && q->state != Q_HELD) {
		c->m.inflight--;
		c->m.orphaned++;
		q->counted_orphan = true;
		return;
	}
	finish_simple(q, now, STATUS_CALLER_GONE, OUT_CALLER_GONE, DR_STOP);
	if (was_running)
		dispatch(c, now);
}

void db_core_stop(struct db_core *c, double now)
{
	struct db_query *q;

	for (size_t i = 0; i < c->nedges; i++)
		timerq_cancel(c->tq, &c->edges[i].node);
	while ((q = TAILQ_FIRST(&c->all)))
		finish_simple(q, now, 0, OUT_CANCELLED, DR_STOP);
}

static char *put_str(char *out, const char *s)
{
	size_t len = strlen(s);
	memcpy(out, s, len);
	return out + len;
}

size_t db_reply_text(const struct db_query *q, const struct db_reply *rep, char *out)
{
	char *o = out;

	switch (rep->reason) {
	case DR_OK:
		o = put_str(o, "{\"tier\":\"dbsim\",\"trace_id\":\"");
		o = put_str(o, q->in.trace_id);
		o = put_str(o, "\",\"lineage\":\"");
		o = put_str(o, q->in.lineage);
		o = put_str(o, "\",\"queue_ms\":");
		o += fmt_fixed(o, rep->queue_ms, 3);
		o = put_str(o, ",\"work_ms\":");
		o += fmt_fixed(o, rep->work_ms, 3);
		o = put_str(o, "}\n");
		break;
	case DR_BAD_REQUEST:
		o = put_str(o, "dbsim: bad request: ");
		o = put_str(o, rep->detail ? rep->detail : "?");
		o = put_str(o, "\n");
		break;
	case DR_EXPIRED_ON_ARRIVAL: o = put_str(o, "dbsim: deadline already expired on arrival\n"); break;
	case DR_EXPIRED_IN_QUEUE: o = put_str(o, "dbsim: deadline passed while queued\n"); break;
	case DR_ABANDONED: o = put_str(o, "dbsim: query abandoned at its deadline\n"); break;
	case DR_STATEMENT_TIMEOUT: o = put_str(o, "dbsim: canceling statement due to statement timeout\n"); break;
	case DR_INJECTED_ERROR: o = put_str(o, "dbsim: injected error\n"); break;
	case DR_QUEUE_FULL: o = put_str(o, "dbsim: queue full\n"); break;
	case DR_CODEL: o = put_str(o, "dbsim: overloaded, waited too long in the queue\n"); break;
	case DR_ADMISSION: o = put_str(o, "dbsim: budget shorter than the query is expected to take\n"); break;
	case DR_STOP: break;
	}
	*o = '\0';
	return (size_t)(o - out);
}
