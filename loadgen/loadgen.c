/* loadgen: the open-loop client on libevent and libcurl, driving
 * client_core (see loadgen.h). */
#include "loadgen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client_core.h"
#include "log.h"
#include "trace.h"

#define TRACE_FLAGS_SAMPLED 0x01

struct lg {
	struct proc *p;
	struct client_core *core;
	struct csvw *csv;
	char *csv_path;
	bool closed;
	bool tty, progress_shown, flush_failed, conn_error_logged;
	struct event *ev_progress;
};

/* The driver's part of a client request: its attempt in flight. */
struct req_io {
	struct lg *g;
	struct upstream_call *call;
};

static uint64_t errors_so_far(const struct client_counters *n)
{
	return n->ended[CLIENT_HTTP_ERROR] + n->ended[CLIENT_TIMEOUT] + n->ended[CLIENT_CONN_ERROR];
}

static void print_progress(struct lg *g)
{
	const struct client_counters *n = client_core_progress(g->core);
	char line[256];

	snprintf(line, sizeof(line),
		 "loadgen t=%.1fs/%.1fs sent=%" PRIu64 " ok=%" PRIu64 " errors=%" PRIu64
		 " outstanding=%" PRId64 " not_sent=%" PRIu64,
		 proc_now_ms(g->p) / 1000.0, g->p->sc.load.duration_ms / 1000.0, n->sent, n->ended[CLIENT_OK],
		 errors_so_far(n), n->in_flight + n->retries_pending, n->ended[CLIENT_NOT_SENT]);
	if (g->tty)
		printf("\r%s\033[K", line); /* one line, rewritten in place */
	else
		printf("%s\n", line);
	fflush(stdout);
	g->progress_shown = true;
}

static void print_final(struct lg *g)
{
	const struct client_counters *n = client_core_progress(g->core);

	if (g->tty && g->progress_shown)
		printf("\n");
	printf("loadgen done t=%.1fs requests=%" PRIu64 " requests_ok=%" PRIu64 " attempts=%" PRIu64
	       " retries=%" PRIu64 " ok=%" PRIu64 " http_error=%" PRIu64 " timeout=%" PRIu64
	       " conn_error=%" PRIu64 " cancelled=%" PRIu64 " not_sent=%" PRIu64 " retries_dropped=%" PRIu64
	       "\n",
	       proc_now_ms(g->p) / 1000.0, n->requests, n->requests_ok, n->sent, n->retries, n->ended[CLIENT_OK],
	       n->ended[CLIENT_HTTP_ERROR], n->ended[CLIENT_TIMEOUT], n->ended[CLIENT_CONN_ERROR],
	       n->ended[CLIENT_CANCELLED], n->ended[CLIENT_NOT_SENT], n->retries_dropped);
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

/* ---- client_ops ---- */

static void on_upstream_done(void *arg, const struct upstream_result *res) /* upstream_get */
{
	struct client_req *r = arg;
	struct req_io *io = client_req_drv(r);
	struct lg *g = io->g;
	struct attempt_result ar = {
	    .end = res->error == UPSTREAM_OK ? ATTEMPT_ANSWERED
		   : res->error == UPSTREAM_CONNECT ? ATTEMPT_CONNECT
						    : ATTEMPT_BROKEN,
	    .status = res->error == UPSTREAM_OK ? res->status : 0,
	    .message = res->message,
	};

	io->call = NULL;
	if (ar.end != ATTEMPT_ANSWERED && !g->conn_error_logged) {
		/* Once: a wrong --upstream should not look like a slow chain. */
		log_warn("connection error from %s: %s", g->p->opts.upstream_url, res->message ? res->message : "?");
		g->conn_error_logged = true;
	}
	client_core_attempt_done(g->core, r, proc_now_ms(g->p), &ar);
}

static void do_send(void *ctx, struct client_req *r) /* client_ops.send */
{
	struct lg *g = ctx;
	struct req_io *io = client_req_drv(r);
	char traceparent[TRACEPARENT_LEN + 1];
	char header[sizeof(TRACEPARENT_HEADER) + 2 + TRACEPARENT_LEN + 1];
	const char *headers[1] = {header};

	trace_format(traceparent, client_req_trace_id(r), client_req_span_id(r), TRACE_FLAGS_SAMPLED);
	snprintf(header, sizeof(header), "%s: %s", TRACEPARENT_HEADER, traceparent);
	struct inbound key = {0};
	char url[512];
	key.has_key = client_req_key(r, &key.key);
	io->g = g;
	io->call = upstream_get(g->p->up, proc_upstream_url(g->p, &key, url, sizeof(url)), headers, 1, 0,
				on_upstream_done, r);
}

static void do_abort(void *ctx, struct client_req *r) /* client_ops.abort */
{
	struct req_io *io = client_req_drv(r);
	(void)ctx;
	upstream_cancel(io->call);
	io->call = NULL;
}

static void do_row(void *ctx, const struct request_row *row) /* client_ops.row */
{
	record_request(((struct lg *)ctx)->csv, row);
}

static void do_done(void *ctx) /* client_ops.done */
{
	struct lg *g = ctx;
	proc_stop(g->p);
}

static const struct client_ops ops = {
    .send = do_send,
    .abort = do_abort,
    .row = do_row,
    .done = do_done,
};

static void on_progress(evutil_socket_t fd, short what, void *arg) /* persistent evtimer, 1 real second */
{
	struct lg *g = arg;
	(void)fd;
	(void)what;
	flush_rows(g);
	if (!g->p->opts.quiet)
		print_progress(g);
}

/* ---- public ---- */

struct lg *lg_new(struct proc *p, char *err, size_t errlen)
{
	struct lg *g = xcalloc(1, sizeof(*g));
	char csv_err[ERR_LEN];

	g->p = p;
	g->csv_path = xasprintf("%s/requests.csv", p->opts.out_dir);
	g->csv = csvw_open(g->csv_path, REQUESTS_CSV_HEADER, csv_err, sizeof(csv_err));
	if (!g->csv) {
		errf(err, errlen, "%s", csv_err);
		free(g->csv_path);
		free(g);
		return NULL;
	}
	g->tty = isatty(STDOUT_FILENO);
	g->ev_progress = event_new(p->base, -1, EV_PERSIST, on_progress, g);
	g->core = client_core_new(
	    &(struct client_core_config){
		.sc = &p->sc, .tq = &p->tq, .ops = &ops, .ctx = g, .req_drv_size = sizeof(struct req_io)},
	    proc_now_ms(p));
	p->counters = client_core_counters(g->core);
	return g;
}

void lg_start(struct lg *g)
{
	struct timeval one_second = {1, 0};
	evtimer_add(g->ev_progress, &one_second);
}

void lg_on_stop(struct proc *p)
{
	struct lg *g = p->app;

	if (!g || g->closed)
		return;
	g->closed = true;
	/* From a signal: the core ends the run here (do_done's proc_stop is a
	 * no-op by then); after the drain it already has. */
	client_core_stop(g->core, proc_now_ms(p));
	event_free(g->ev_progress);
	g->ev_progress = NULL;
	if (!p->opts.quiet) {
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
	/* proc_run always goes through on_stop, which closed the file; it is
	 * closed here only if it somehow was not. */
	if (g->csv && csvw_close(g->csv) < 0)
		log_error("cannot write %s: %s", g->csv_path, strerror(errno));
	client_core_free(g->core);
	free(g->csv_path);
	free(g);
}
