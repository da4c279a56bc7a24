/* loadgen: sends the scenario's arrivals to the gateway open-loop, retries
 * as the client policy says, and writes one requests.csv row per attempt
 * (see loadgen.h for the outcomes and README.md for the columns). */
#include "loadgen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "retry.h"
#include "schedule.h"
#include "trace.h"

#define TRACE_FLAGS_SAMPLED 0x01

/* One client request: its trace id and whichever of its attempts is current.
 * A request has at most one attempt in flight or one retry waiting, never
 * both, so it costs the same however many attempts it makes. */
struct lg_request {
	struct lg *g;
	struct lg_request *prev, *next; /* lg.live */
	char trace_id[TRACE_ID_LEN + 1];
	char span_id[SPAN_ID_LEN + 1]; /* the current attempt's */
	int attempt;		       /* the current attempt's number, 1 = first */
	double intended_ms;	       /* when the current attempt was meant to leave */
	double start_ms;	       /* when it did */
	double prev_backoff_ms;	       /* for decorrelated jitter */
	struct upstream_call *call;    /* the attempt in flight, or NULL */
	struct event *retry_timer;     /* created at the first retry, reused after */
	bool retry_pending;
};

struct lg {
	struct proc *p;
	struct csvw *csv;
	char *csv_path;
	struct schedule sched;
	double next_ms; /* the next arrival, valid while !sending_done */
	bool sending_done;
	bool closed;
	bool tty, progress_shown, flush_failed, conn_error_logged;
	struct event *ev_arrival, *ev_drain, *ev_progress;
	struct lg_request *live; /* requests with an attempt in flight or a retry waiting */
	int64_t inflight;	 /* attempts in flight */
	int64_t retries_pending; /* retry timers armed */
	/* counters for the progress and final lines */
	uint64_t requests;    /* client requests begun */
	uint64_t requests_ok; /* of which ended in a 2xx */
	uint64_t sent;	      /* attempts sent, retries included */
	uint64_t retries;     /* attempts after the first */
	uint64_t retries_dropped;
	uint64_t ended[LG_OUTCOME_COUNT];
};

static const char *const outcome_names[LG_OUTCOME_COUNT] = {
    [LG_OK] = "ok",
    [LG_HTTP_ERROR] = "http_error",
    [LG_TIMEOUT] = "timeout",
    [LG_CONN_ERROR] = "conn_error",
    [LG_CANCELLED] = "cancelled",
    [LG_NOT_SENT] = "not_sent",
};

/* proc's metrics speak the span vocabulary; the nearest word for each. */
static const enum outcome span_outcome[LG_OUTCOME_COUNT] = {
    [LG_OK] = OUT_OK,
    [LG_HTTP_ERROR] = OUT_UPSTREAM_ERROR,
    [LG_TIMEOUT] = OUT_TIMEOUT,
    [LG_CONN_ERROR] = OUT_CONN_ERROR,
    [LG_CANCELLED] = OUT_CANCELLED,
    [LG_NOT_SENT] = OUT_SHED,
};

const char *lg_outcome_name(enum lg_outcome o)
{
	return o >= 0 && o < LG_OUTCOME_COUNT ? outcome_names[o] : "unknown";
}

static void send_attempt(struct lg_request *r);
static void maybe_finish(struct lg *g);

/* ---- rows and counters ---- */

/* One row per attempt.  sent: whether it left at all (not_sent has no
 * start, end, latency, status or span). */
static void record_attempt(struct lg *g, const struct lg_request *r, bool sent, double end_ms, int status,
			   enum lg_outcome outcome)
{
	struct csvw *w = g->csv;

	csvw_str(w, r->trace_id);
	csvw_int(w, r->attempt);
	csvw_num(w, r->intended_ms, 3);
	if (sent) {
		csvw_num(w, r->start_ms, 3);
		csvw_num(w, end_ms, 3);
		csvw_num(w, end_ms - r->intended_ms, 3);
	} else {
		csvw_empty(w);
		csvw_empty(w);
		csvw_empty(w);
	}
	if (status > 0)
		csvw_int(w, status);
	else
		csvw_empty(w);
	csvw_str(w, outcome_names[outcome]);
	csvw_str(w, sent ? r->span_id : NULL);
	csvw_end(w);

	g->ended[outcome]++;
	if (outcome != LG_NOT_SENT)
		g->p->m.attempts_by_outcome[span_outcome[outcome]]++;
}

static uint64_t errors_so_far(const struct lg *g)
{
	return g->ended[LG_HTTP_ERROR] + g->ended[LG_TIMEOUT] + g->ended[LG_CONN_ERROR];
}

static void print_progress(struct lg *g)
{
	char line[256];
	const struct load_cfg *load = &g->p->sc.load;

	snprintf(line, sizeof(line),
		 "loadgen t=%.1fs/%.1fs sent=%" PRIu64 " ok=%" PRIu64 " errors=%" PRIu64
		 " outstanding=%" PRId64 " not_sent=%" PRIu64,
		 proc_now_ms(g->p) / 1000.0, load->duration_ms / 1000.0, g->sent, g->ended[LG_OK],
		 errors_so_far(g), g->inflight + g->retries_pending, g->ended[LG_NOT_SENT]);
	if (g->tty)
		printf("\r%s\033[K", line); /* one line, rewritten in place */
	else
		printf("%s\n", line);
	fflush(stdout);
	g->progress_shown = true;
}

static void print_final(struct lg *g)
{
	if (g->tty && g->progress_shown)
		printf("\n");
	printf("loadgen done t=%.1fs requests=%" PRIu64 " requests_ok=%" PRIu64 " attempts=%" PRIu64
	       " retries=%" PRIu64 " ok=%" PRIu64 " http_error=%" PRIu64 " timeout=%" PRIu64
	       " conn_error=%" PRIu64 " cancelled=%" PRIu64 " not_sent=%" PRIu64 " retries_dropped=%" PRIu64
	       "\n",
	       proc_now_ms(g->p) / 1000.0, g->requests, g->requests_ok, g->sent, g->retries, g->ended[LG_OK],
	       g->ended[LG_HTTP_ERROR], g->ended[LG_TIMEOUT], g->ended[LG_CONN_ERROR], g->ended[LG_CANCELLED],
	       g->ended[LG_NOT_SENT], g->retries_dropped);
	fflush(stdout);
}

static void flush_rows(struct lg *g)
{
	if (csvw_flush(g->csv) < 0 && !g->flush_failed) {
		log_error("cannot write %s: %s", g->csv_path, strerror(errno));
		g->flush_failed = true;
		g->p->exit_code = 1;
	}
}

/* ---- requests ---- */

static void request_free(struct lg_request *r)
{
	struct lg *g = r->g;

	if (r->prev)
		r->prev->next = r->next;
	else
		g->live = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (r->retry_timer)
		event_free(r->retry_timer);
	free(r);
}

/* Arm ev to fire at scenario time at_ms, not before.  libevent adds the
 * timeout to the time it cached when the current callbacks began, which can
 * be well before now: refresh it, or the timer fires early by however long
 * this round of callbacks has run. */
static void arm_timer(struct proc *p, struct event *ev, double at_ms)
{
	struct timeval tv = sclock_timeval(&p->clock, at_ms - proc_now_ms(p));

	event_base_update_cache_time(p->base);
	evtimer_add(ev, &tv);
}

static void on_retry_timer(evutil_socket_t fd, short what, void *arg) /* evtimer, schedule_retry */
{
	struct lg_request *r = arg;
	struct lg *g = r->g;
	(void)fd;
	(void)what;

	if (proc_now_ms(g->p) < r->intended_ms) { /* never start before the intended time */
		arm_timer(g->p, r->retry_timer, r->intended_ms);
		return;
	}
	r->retry_pending = false;
	g->retries_pending--;
	r->attempt++;
	send_attempt(r);
	maybe_finish(g);
}

static void schedule_retry(struct lg_request *r, double failed_ms)
{
	struct lg *g = r->g;
	struct proc *p = g->p;
	double backoff_ms =
	    retry_backoff_ms(&p->sc.load.client_retry, r->attempt - 1, &r->prev_backoff_ms, &p->rng);

	r->intended_ms = failed_ms + backoff_ms;
	if (!r->retry_timer)
		r->retry_timer = evtimer_new(p->base, on_retry_timer, r);
	r->retry_pending = true;
	g->retries_pending++;
	arm_timer(p, r->retry_timer, r->intended_ms);
}

static enum retry_class classify(const struct upstream_result *res, enum lg_outcome *outcome)
{
	switch (res->error) {
	case UPSTREAM_OK:
		if (res->status >= 200 && res->status < 300) {
			*outcome = LG_OK;
			return RETRY_CLASS_NONE;
		}
		*outcome = LG_HTTP_ERROR;
		return res->status >= 500 && res->status < 600 ? RETRY_CLASS_5XX : RETRY_CLASS_NONE;
	case UPSTREAM_TIMEOUT:
		*outcome = LG_TIMEOUT;
		return RETRY_CLASS_TIMEOUT;
	case UPSTREAM_CONNECT:
	case UPSTREAM_BROKEN:
		break;
	}
	*outcome = LG_CONN_ERROR;
	return RETRY_CLASS_CONNECT;
}

static void on_upstream_done(void *arg, const struct upstream_result *res) /* upstream_get */
{
	struct lg_request *r = arg;
	struct lg *g = r->g;
	struct proc *p = g->p;
	const struct retry_policy *policy = &p->sc.load.client_retry;
	double end_ms = proc_now_ms(p);
	enum lg_outcome outcome;
	enum retry_class cls = classify(res, &outcome);

	r->call = NULL;
	g->inflight--;
	p->m.inflight--;
	record_attempt(g, r, true, end_ms, res->error == UPSTREAM_OK ? res->status : 0, outcome);
	if (outcome == LG_CONN_ERROR && !g->conn_error_logged) {
		/* Once: a wrong --upstream should not look like a slow chain. */
		log_warn("connection error from %s: %s", p->upstream_url, res->message ? res->message : "?");
		g->conn_error_logged = true;
	}

	if (outcome == LG_OK) {
		g->requests_ok++;
		request_free(r);
	} else if (r->attempt <= policy->retries && retry_allowed(policy, cls)) {
		schedule_retry(r, end_ms);
	} else {
		request_free(r);
	}
	maybe_finish(g);
}

/* Send r's current attempt (r->attempt, r->intended_ms set), or record it
 * not_sent when the outstanding cap is reached; the latter ends r. */
static void send_attempt(struct lg_request *r)
{
	struct lg *g = r->g;
	struct proc *p = g->p;
	const struct load_cfg *load = &p->sc.load;
	char traceparent[TRACEPARENT_LEN + 1];
	char header[sizeof(TRACEPARENT_HEADER) + 2 + TRACEPARENT_LEN + 1];
	const char *headers[1] = {header};

	if (load->max_outstanding > 0 && g->inflight >= load->max_outstanding) {
		record_attempt(g, r, false, 0, 0, LG_NOT_SENT);
		request_free(r);
		return;
	}
	trace_new_span_id(&p->rng, r->span_id);
	trace_format(traceparent, r->trace_id, r->span_id, TRACE_FLAGS_SAMPLED);
	snprintf(header, sizeof(header), "%s: %s", TRACEPARENT_HEADER, traceparent);

	r->start_ms = proc_now_ms(p);
	g->inflight++;
	p->m.inflight++;
	g->sent++;
	p->m.attempts++;
	if (r->attempt > 1) {
		g->retries++;
		p->m.retries++;
	}
	r->call = upstream_get(p->up, p->upstream_url, headers, 1,
			       sclock_real_ms(&p->clock, load->client_timeout_ms), on_upstream_done, r);
}

static void begin_request(struct lg *g, double intended_ms)
{
	struct lg_request *r = xcalloc(1, sizeof(*r));

	r->g = g;
	r->next = g->live;
	if (g->live)
		g->live->prev = r;
	g->live = r;
	trace_new_trace_id(&g->p->rng, r->trace_id);
	r->attempt = 1;
	r->intended_ms = intended_ms;
	g->requests++;
	send_attempt(r);
}

/* ---- the run's course: arrivals, drain, end ---- */

static void finish(struct lg *g)
{
	lg_on_stop(g->p);
	proc_stop(g->p);
}

/* After the last arrival, the run ends as soon as nothing is outstanding. */
static void maybe_finish(struct lg *g)
{
	if (g->sending_done && !g->closed && g->inflight == 0 && g->retries_pending == 0)
		finish(g);
}

static void on_drain(evutil_socket_t fd, short what, void *arg) /* evtimer, armed after the last arrival */
{
	struct lg *g = arg;
	(void)fd;
	(void)what;
	finish(g);
}

/* Send everything due, each with its own intended time: when the loop ran
 * late the backlog leaves at once, and its latency shows the lateness. */
static void on_arrival(evutil_socket_t fd, short what, void *arg) /* evtimer, lg_start and itself */
{
	struct lg *g = arg;
	struct proc *p = g->p;
	double now_ms = proc_now_ms(p);
	(void)fd;
	(void)what;

	while (!g->sending_done && g->next_ms <= now_ms) {
		begin_request(g, g->next_ms);
		if (schedule_next(&g->sched, &g->next_ms) < 0)
			g->sending_done = true;
	}
	if (!g->sending_done) {
		arm_timer(p, g->ev_arrival, g->next_ms);
		return;
	}
	arm_timer(p, g->ev_drain, now_ms + p->sc.load.drain_ms);
	maybe_finish(g);
}

static void on_progress(evutil_socket_t fd, short what, void *arg) /* persistent evtimer, 1 real second */
{
	struct lg *g = arg;
	(void)fd;
	(void)what;
	flush_rows(g);
	if (!g->p->quiet)
		print_progress(g);
}

/* ---- public ---- */

struct lg *lg_new(struct proc *p, char *err, size_t errlen)
{
	struct lg *g = xcalloc(1, sizeof(*g));
	char csv_err[ERR_LEN];

	g->p = p;
	g->csv_path = xasprintf("%s/requests.csv", p->out_dir);
	g->csv = csvw_open(g->csv_path, REQUESTS_CSV_HEADER, csv_err, sizeof(csv_err));
	if (!g->csv) {
		errf(err, errlen, "%s", csv_err);
		free(g->csv_path);
		free(g);
		return NULL;
	}
	schedule_init(&g->sched, &p->sc.load, p->sc.seed);
	g->tty = isatty(STDOUT_FILENO);
	g->ev_arrival = evtimer_new(p->base, on_arrival, g);
	g->ev_drain = evtimer_new(p->base, on_drain, g);
	g->ev_progress = event_new(p->base, -1, EV_PERSIST, on_progress, g);
	return g;
}

void lg_start(struct lg *g)
{
	struct timeval one_second = {1, 0};

	/* An empty schedule still waits for t0 and ends there, through the
	 * same path as a finished one. */
	if (schedule_next(&g->sched, &g->next_ms) < 0) {
		g->next_ms = 0;
		g->sending_done = true;
	}
	arm_timer(g->p, g->ev_arrival, g->next_ms);
	evtimer_add(g->ev_progress, &one_second);
}

void lg_on_stop(struct proc *p)
{
	struct lg *g = p->app;
	double now_ms = proc_now_ms(p);
	struct lg_request *r, *next;

	if (!g || g->closed)
		return;
	g->closed = true;
	for (r = g->live; r; r = next) {
		next = r->next;
		if (r->call) {
			upstream_cancel(r->call);
			r->call = NULL;
			g->inflight--;
			p->m.inflight--;
			record_attempt(g, r, true, now_ms, 0, LG_CANCELLED);
		} else if (r->retry_pending) {
			g->retries_pending--;
			g->retries_dropped++;
		}
		request_free(r);
	}
	event_free(g->ev_arrival);
	event_free(g->ev_drain);
	event_free(g->ev_progress);
	g->ev_arrival = g->ev_drain = g->ev_progress = NULL;
	if (!p->quiet) {
		if (g->tty && g->progress_shown)
			print_progress(g); /* bring the rewritten line up to date before it stays */
		print_final(g);
	}
	if (csvw_close(g->csv) < 0) {
		log_error("cannot write %s: %s", g->csv_path, strerror(errno));
		p->exit_code = 1;
	}
	g->csv = NULL;
}

void lg_free(struct lg *g)
{
	if (!g)
		return;
	/* proc_run always goes through on_stop, which released the events and
	 * the requests; the file is closed here only if it somehow did not. */
	if (g->csv && csvw_close(g->csv) < 0)
		log_error("cannot write %s: %s", g->csv_path, strerror(errno));
	free(g->csv_path);
	free(g);
}
