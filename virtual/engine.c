/* engine: the cores of one scenario wired through a modelled network on
 * one event queue in virtual time (see engine.h). */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_core.h"
#include "db_core.h"
#include "deadline.h"
#include "tier_core.h"
#include "timerq.h"
#include "util.h"

/* Processes, in run_proc order: the client, then the tiers. */
enum { P_CLIENT, P_GATEWAY, P_SVC_A, P_SVC_B, P_DBSIM, P_COUNT };
#define HOPS 4 /* client -> gateway -> svc_a -> svc_b -> dbsim */

static const char *const proc_names[P_COUNT] = {"loadgen", "gateway", "svc_a", "svc_b", "dbsim"};

enum phase { RUNNING, DRAINING, STOPPED };

struct engine;

/* One process of the chain: its core and what its callbacks need. */
struct vproc {
	struct engine *e;
	int proc;
	bool stopped; /* wrote its last stats row */
};

/* One connection: an attempt from the process above a hop to the one
 * below, with the messages on their way.  Freed when no one holds it: the
 * sender until its attempt ends, the receiver from the request's arrival to
 * its release, each message until it is delivered. */
struct vconn {
	struct engine *e;
	int hop;	 /* the sender is process hop, the receiver hop + 1 */
	void *sender;	 /* client_req or tier_attempt; NULL once its attempt ended */
	void *receiver;	 /* tier_req or db_query; NULL before arrival and after release */
	int refs;
	double down_ms;	 /* the latest arrival of a message going down: order is kept */
	struct tq_node request, answer, close;
	struct attempt_result result;
	struct inbound in;
};

struct engine {
	const struct scenario *sc;
	struct records *w;
	struct timerq tq;
	double now;
	enum phase phase;
	struct vproc procs[P_COUNT];
	struct client_core *client;
	struct tier_core *tiers[TIER_FORWARDERS];
	struct db_core *db;
	struct dist_sampler hop[HOPS]; /* each hop's delays, on a stream of its own */
	struct pool conns;
	struct tq_node tick, drain_end;
	struct engine_stats *st;
};

/* ---- the network ---- */

static void on_request_msg(struct tq_node *n, double now);
static void on_answer_msg(struct tq_node *n, double now);
static void on_close_msg(struct tq_node *n, double now);

static void conn_unref(struct vconn *c)
{
	if (--c->refs == 0)
		pool_put(&c->e->conns, c);
}

static double hop_delay(struct engine *e, int hop)
{
	return dist_sample_ms(&e->hop[hop]);
}

/* A message leaves now: armed at its arrival, holding the connection. */
static void post(struct vconn *c, struct tq_node *msg, double at_ms)
{
	c->refs++;
	timerq_arm(&c->e->tq, msg, at_ms);
}

static struct vconn *conn_open(struct engine *e, int hop, void *sender)
{
	struct vconn *c = pool_get(&e->conns);

	c->e = e;
	c->hop = hop;
	c->sender = sender;
	c->refs = 1; /* the sender's */
	tq_node_init(&c->request, on_request_msg);
	tq_node_init(&c->answer, on_answer_msg);
	tq_node_init(&c->close, on_close_msg);
	if (e->conns.live > e->st->peak_conns)
		e->st->peak_conns = e->conns.live;
	return c;
}

/* The sender sends its request down. */
static void conn_send(struct vconn *c)
{
	c->down_ms = c->e->now + hop_delay(c->e, c->hop);
	post(c, &c->request, c->down_ms);
}

/* The sender gives up on its attempt: the connection closes, and the
 * receiver learns it one hop later (never before the request itself). */
static void conn_abort(struct vconn *c)
{
	struct engine *e = c->e;

	c->sender = NULL;
	if (e->phase != STOPPED) {
		double at = fmax(e->now + hop_delay(e, c->hop), c->down_ms);
		c->down_ms = at;
		post(c, &c->close, at);
	}
	conn_unref(c); /* the sender's */
}

/* The receiver answers: the answer travels up. */
static void conn_answer(struct vconn *c, int status)
{
	struct engine *e = c->e;

	if (e->phase == STOPPED || !c->sender)
		return; /* nobody would read it */
	c->result = (struct attempt_result){.end = ATTEMPT_ANSWERED, .status = status};
	post(c, &c->answer, e->now + hop_delay(e, c->hop));
}

static void on_request_msg(struct tq_node *n, double now) /* vconn.request */
{
	struct vconn *c = container_of(n, struct vconn, request);
	struct engine *e = c->e;
	int to = c->hop + 1;

	c->refs++; /* the receiver's, until it releases the request */
	if (to == P_DBSIM)
		c->receiver = db_core_arrive(e->db, now, &c->in, NULL, &c);
	else
		c->receiver = tier_core_arrive(e->tiers[to - P_GATEWAY], now, &c->in, NULL, &c);
	conn_unref(c); /* the message's */
}

static void on_answer_msg(struct tq_node *n, double now) /* vconn.answer */
{
	struct vconn *c = container_of(n, struct vconn, answer);
	struct engine *e = c->e;
	void *sender = c->sender;

	if (sender) {
		c->sender = NULL;
		if (c->hop == P_CLIENT)
			client_core_attempt_done(e->client, sender, now, &c->result);
		else
			tier_core_attempt_done(e->tiers[c->hop - P_GATEWAY], sender, now, &c->result);
		conn_unref(c); /* the sender's: its attempt is over */
	}
	conn_unref(c); /* the message's */
}

static void on_close_msg(struct tq_node *n, double now) /* vconn.close */
{
	struct vconn *c = container_of(n, struct vconn, close);
	struct engine *e = c->e;
	int to = c->hop + 1;

	if (c->receiver) {
		if (to == P_DBSIM)
			db_core_caller_gone(e->db, c->receiver, now);
		else if (tier_req_waiting(c->receiver))
			tier_core_caller_gone(e->tiers[to - P_GATEWAY], c->receiver, now);
	}
	conn_unref(c); /* the message's */
}

/* ---- what the cores ask for ---- */

static struct vconn **conn_of(void *drv) { return drv; }

static void tier_reply(void *ctx, struct tier_req *r, const struct tier_reply *rep) /* tier_ops.reply */
{
	(void)ctx;
	if (rep->reason != TR_STOP)
		conn_answer(*conn_of(tier_req_drv(r)), rep->status);
}

static void fill_inbound(struct inbound *in, const char *trace_id, const char *span_id, const char *lineage,
			 int attempt)
{
	memcpy(in->trace_id, trace_id, TRACE_ID_LEN + 1);
	memcpy(in->parent_id, span_id, SPAN_ID_LEN + 1);
	if (lineage) {
		size_t len = strlen(lineage);
		memcpy(in->lineage, lineage, len + 1);
		in->caller_attempt = attempt;
	} else {
		in->lineage[0] = '\0';
		in->caller_attempt = 0;
	}
}

static void tier_send(void *ctx, struct tier_attempt *a) /* tier_ops.send */
{
	struct vproc *p = ctx;
	struct vconn *c = conn_open(p->e, p->proc, a);
	double budget;

	*conn_of(tier_attempt_drv(a)) = c;
	fill_inbound(&c->in, tier_attempt_trace_id(a), tier_attempt_span_id(a), tier_attempt_lineage(a),
		     lineage_last_attempt(tier_attempt_lineage(a)));
	c->in.has_budget = tier_attempt_budget(a, &budget);
	c->in.has_key = tier_req_inbound(tier_attempt_req(a))->has_key;
	c->in.key = tier_req_inbound(tier_attempt_req(a))->key;
	/* what the header carries: the budget rounded down to its wire unit */
	c->in.budget_ms = c->in.has_budget ? deadline_wire_ms(budget) : 0;
	conn_send(c);
}

static void tier_abort(void *ctx, struct tier_attempt *a) /* tier_ops.abort */
{
	(void)ctx;
	conn_abort(*conn_of(tier_attempt_drv(a)));
}

static void tier_row(void *ctx, const struct span_row *row) /* tier_ops.row */
{
	struct vproc *p = ctx;
	records_span(p->e->w, p->proc, row);
}

static void tier_release(void *ctx, struct tier_req *r) /* tier_ops.release */
{
	struct vconn *c = *conn_of(tier_req_drv(r));
	(void)ctx;
	c->receiver = NULL;
	conn_unref(c);
}

static const struct tier_ops tier_ops = {
    .reply = tier_reply, .send = tier_send, .abort = tier_abort, .row = tier_row, .release = tier_release};

static void db_reply(void *ctx, struct db_query *q, const struct db_reply *rep) /* db_ops.reply */
{
	(void)ctx;
	if (rep->reason != DR_STOP)
		conn_answer(*conn_of(db_query_drv(q)), rep->status);
}

static void db_release(void *ctx, struct db_query *q) /* db_ops.release */
{
	struct vconn *c = *conn_of(db_query_drv(q));
	(void)ctx;
	c->receiver = NULL;
	conn_unref(c);
}

static const struct db_ops db_ops = {.reply = db_reply, .row = tier_row, .release = db_release};

static void client_send(void *ctx, struct client_req *r) /* client_ops.send */
{
	struct vproc *p = ctx;
	struct vconn *c = conn_open(p->e, P_CLIENT, r);

	*conn_of(client_req_drv(r)) = c;
	/* loadgen sends a traceparent and nothing else */
	fill_inbound(&c->in, client_req_trace_id(r), client_req_span_id(r), NULL, 0);
	c->in.has_budget = false;
	c->in.has_key = client_req_key(r, &c->in.key);
	conn_send(c);
}

static void client_abort(void *ctx, struct client_req *r) /* client_ops.abort */
{
	(void)ctx;
	conn_abort(*conn_of(client_req_drv(r)));
}

static void client_row(void *ctx, const struct request_row *row) /* client_ops.row */
{
	records_request(((struct vproc *)ctx)->e->w, row);
}

/* ---- the run's course ---- */

static void write_stats(struct engine *e, int proc)
{
	const struct core_counters *m = proc == P_CLIENT ? client_core_counters(e->client)
				       : proc == P_DBSIM ? db_core_counters(e->db)
							 : tier_core_counters(e->tiers[proc - P_GATEWAY]);
	struct stats_row row = {
	    .t_ms = e->now,
	    .tier = proc_names[proc],
	    .inflight = m->inflight,
	    .queue_depth = m->queue_depth,
	    .busy_workers = m->busy_workers,
	    .orphaned = m->orphaned,
	    .retries_denied = (int64_t)m->retries_denied,
	    .hedges = (int64_t)m->hedges,
	    .breaker_open_ms = core_breaker_ms(m, e->now),
	    .cache_hits = (int64_t)m->cache_hits,
	    .cache_misses = (int64_t)m->cache_misses,
	};
	records_stats(e->w, proc, &row);
}

static void client_done(void *ctx) /* client_ops.done */
{
	struct vproc *p = ctx;
	struct engine *e = p->e;

	/* loadgen's last stats row says when it stopped */
	write_stats(e, P_CLIENT);
	p->stopped = true;
	e->phase = DRAINING;
	timerq_arm(&e->tq, &e->drain_end, e->now + e->sc->load.drain_ms);
}

static const struct client_ops client_ops = {
    .send = client_send, .abort = client_abort, .row = client_row, .done = client_done};

/* Every tier at once, as run_scenario.sh's SIGTERM: each writes its last
 * stats row, then closes out what it has in flight as rows.  Messages
 * still on their way reach nobody. */
static void stop_all(struct engine *e)
{
	e->phase = STOPPED;
	for (int p = P_GATEWAY; p < P_COUNT; p++) {
		write_stats(e, p);
		e->procs[p].stopped = true;
	}
	for (int t = 0; t < TIER_FORWARDERS; t++)
		tier_core_stop(e->tiers[t], e->now);
	db_core_stop(e->db, e->now);
}

static bool tiers_idle(const struct engine *e)
{
	const struct core_counters *m = db_core_counters(e->db);

	if (m->inflight || m->orphaned)
		return false;
	for (int t = 0; t < TIER_FORWARDERS; t++) {
		m = tier_core_counters(e->tiers[t]);
		if (m->inflight || m->orphaned)
			return false;
	}
	return true;
}

static void on_drain_end(struct tq_node *n, double now) /* engine.drain_end */
{
	(void)now;
	stop_all(container_of(n, struct engine, drain_end));
}

/* Every process writes a stats row at each whole scenario second. */
static void on_tick(struct tq_node *n, double now) /* engine.tick */
{
	struct engine *e = container_of(n, struct engine, tick);

	for (int p = 0; p < P_COUNT; p++)
		if (!e->procs[p].stopped)
			write_stats(e, p);
	timerq_arm(&e->tq, &e->tick, now + 1000);
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void engine_run(const struct scenario *sc, struct records *w, struct engine_stats *st)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	double started = cpu_seconds();
	struct tq_node *n;

	memset(st, 0, sizeof(*st));
	e->sc = sc;
	e->w = w;
	e->st = st;
	timerq_init(&e->tq);
	pool_init(&e->conns, sizeof(struct vconn));
	for (int p = 0; p < P_COUNT; p++)
		e->procs[p] = (struct vproc){.e = e, .proc = p};
	for (int h = 0; h < HOPS; h++)
		dist_sampler_init(&e->hop[h], &sc->network.hop_latency, sc->seed, h == 0 ? TIER_COUNT : h - 1,
				  RNG_NETWORK);
	for (int t = 0; t < TIER_FORWARDERS; t++)
		e->tiers[t] = tier_core_new(&(struct tier_core_config){.sc = sc,
									.tier = (enum tier_id)t,
									.tq = &e->tq,
									.ops = &tier_ops,
									.ctx = &e->procs[P_GATEWAY + t],
									.req_drv_size = sizeof(struct vconn *),
									.attempt_drv_size = sizeof(struct vconn *)});
	e->db = db_core_new(&(struct db_core_config){.sc = sc,
						     .tq = &e->tq,
						     .ops = &db_ops,
						     .ctx = &e->procs[P_DBSIM],
						     .query_drv_size = sizeof(struct vconn *)},
			    0);
	e->client = client_core_new(&(struct client_core_config){.sc = sc,
								  .tq = &e->tq,
								  .ops = &client_ops,
								  .ctx = &e->procs[P_CLIENT],
								  .req_drv_size = sizeof(struct vconn *)},
				    0);
	tq_node_init(&e->tick, on_tick);
	tq_node_init(&e->drain_end, on_drain_end);
	timerq_arm(&e->tq, &e->tick, 0);

	while (e->phase != STOPPED && (n = timerq_pop(&e->tq))) {
		e->now = n->at_ms;
		n->fire(n, e->now);
		st->events++;
		if (e->phase == DRAINING && tiers_idle(e))
			stop_all(e);
	}
	st->end_ms = e->now;
	st->sim_s = cpu_seconds() - started;

	timerq_free(&e->tq); /* messages still on their way go with the pools */
	client_core_free(e->client);
	for (int t = 0; t < TIER_FORWARDERS; t++)
		tier_core_free(e->tiers[t]);
	db_core_free(e->db);
	pool_free(&e->conns);
	free(e);
}
