/* tier: the real-process driver of a forwarding tier (gateway, svc_a,
 * svc_b).  Every decision is tier_core's; this file carries them out with
 * evhttp (the inbound request, its answer, noticing the caller leave) and
 * the upstream client (the attempts), on the process's event loop. */
#include "tier.h"

#include <string.h>

#include <event2/http.h>

#include "deadline.h"
#include "tier_core.h"
#include "trace.h"

struct tier {
	struct proc *p;
	struct tier_core *core;
};

/* The driver's part of a request: its evhttp request while unanswered. */
struct req_io {
	struct tier *t;
	struct tier_req *r;
	struct evhttp_request *req;
	struct httpd_watch *watch;
};

/* The driver's part of an attempt: the call in flight. */
struct attempt_io {
	struct tier *t;
	struct upstream_call *call;
};

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

static void do_reply(void *ctx, struct tier_req *r, const struct tier_reply *rep) /* tier_ops.reply */
{
	struct tier *t = ctx;
	struct req_io *io = tier_req_drv(r);
	struct sbuf text = SBUF_INIT;

	httpd_unwatch(io->watch);
	io->watch = NULL;
	if (rep->reason == TR_STOP) {
		httpd_abort(io->req);
	} else if (rep->reason == TR_PASS) {
		httpd_reply_buf(io->req, rep->status, "text/plain", rep->body, rep->body_len);
	} else {
		tier_reply_text(t->core, rep, &text);
		if (rep->status == 503)
			httpd_reply(io->req, rep->status, sbuf_str(&text), "Retry-After", "1", NULL);
		else
			httpd_reply_buf(io->req, rep->status, "text/plain", text.buf, text.len);
		sbuf_free(&text);
	}
	io->req = NULL;
}

static void on_attempt_done(void *arg, const struct upstream_result *res) /* upstream_get */
{
	struct tier_attempt *a = arg;
	struct attempt_io *io = tier_attempt_drv(a);
	struct attempt_result ar = {
	    .end = res->error == UPSTREAM_OK ? ATTEMPT_ANSWERED
		   : res->error == UPSTREAM_CONNECT ? ATTEMPT_CONNECT
						    : ATTEMPT_BROKEN,
	    .status = res->error == UPSTREAM_OK ? res->status : 0,
	    .body = res->body,
	    .body_len = res->body_len,
	    .message = res->message,
	};

	io->call = NULL;
	tier_core_attempt_done(io->t->core, a, proc_now_ms(io->t->p), &ar);
}

static void do_send(void *ctx, struct tier_attempt *a) /* tier_ops.send */
{
	struct tier *t = ctx;
	struct proc *p = t->p;
	struct attempt_io *io = tier_attempt_drv(a);
	char traceparent[TRACEPARENT_LEN + 1];
	char wire_budget[DEADLINE_WIRE_MAX];
	char tp_line[sizeof(TRACEPARENT_HEADER) + 2 + sizeof(traceparent)];
	char lineage_line[sizeof(LINEAGE_HEADER) + 2 + LINEAGE_MAX];
	char budget_line[sizeof(p->sc.deadline.header) + 2 + sizeof(wire_budget)];
	const char *headers[3];
	size_t nheaders = 0;
	double budget_ms;

	trace_format(traceparent, tier_attempt_trace_id(a), tier_attempt_span_id(a), 1);
	headers[nheaders++] = header_line(tp_line, TRACEPARENT_HEADER, traceparent);
	headers[nheaders++] = header_line(lineage_line, LINEAGE_HEADER, tier_attempt_lineage(a));
	if (tier_attempt_budget(a, &budget_ms)) {
		deadline_format_ms(budget_ms, wire_budget);
		headers[nheaders++] = header_line(budget_line, p->sc.deadline.header, wire_budget);
	}
	io->t = t;
	/* No timeout of the call's own: the core times the attempt and aborts it. */
	char url[512];
	io->call = upstream_get(p->up, proc_upstream_url(p, tier_req_inbound(tier_attempt_req(a)), url, sizeof(url)),
				headers, nheaders, 0, on_attempt_done, a);
}

static void do_abort(void *ctx, struct tier_attempt *a) /* tier_ops.abort */
{
	struct attempt_io *io = tier_attempt_drv(a);
	(void)ctx;
	upstream_cancel(io->call);
	io->call = NULL;
}

static void do_row(void *ctx, const struct span_row *row) /* tier_ops.row */
{
	proc_write_span(((struct tier *)ctx)->p, row);
}

static void do_release(void *ctx, struct tier_req *r) /* tier_ops.release */
{
	struct req_io *io = tier_req_drv(r);
	(void)ctx;
	/* Answered or gone: the watch is already released, the request too. */
	io->r = NULL;
}

static const struct tier_ops ops = {
    .reply = do_reply,
    .send = do_send,
    .abort = do_abort,
    .row = do_row,
    .release = do_release,
};

static void on_caller_gone(void *arg) /* httpd_watch_caller */
{
	struct req_io *io = arg;
	struct tier *t = io->t;

	io->watch = NULL;
	io->req = NULL; /* freed by the glue when we return */
	tier_core_caller_gone(t->core, io->r, proc_now_ms(t->p));
}

static void on_request(struct proc *p, struct evhttp_request *req)
{
	struct tier *t = p->app;
	struct inbound in;
	char err[ERR_LEN];
	int bad = proc_read_inbound(p, req, tier_core_reads_deadline(t->core), &in, err, sizeof(err));
	struct req_io init = {.t = t, .req = req};
	struct tier_req *r = tier_core_arrive(t->core, proc_now_ms(p), &in, bad < 0 ? err : NULL, &init);
	struct req_io *io;

	if (!r || !tier_req_waiting(r))
		return;
	io = tier_req_drv(r);
	io->r = r;
	io->watch = httpd_watch_caller(req, on_caller_gone, io);
}

static void on_stop(struct proc *p)
{
	struct tier *t = p->app;
	tier_core_stop(t->core, proc_now_ms(p));
}

/* proc.on_exit: while the timer queue and the scenario the core uses (its
 * flush timers, its cache's settings) still exist. */
static void on_exit_proc(struct proc *p)
{
	struct tier *t = p->app;
	tier_core_free(t->core);
	t->core = NULL;
}

int tier_main(const struct proc_info *info, int argc, char **argv)
{
	struct proc p;
	struct tier t = {0};
	int rc = proc_init(&p, info, argc, argv);

	if (rc >= 0)
		return rc;
	t.p = &p;
	t.core = tier_core_new(&(struct tier_core_config){
	    .sc = &p.sc,
	    .tier = info->tier,
	    .tq = &p.tq,
	    .ops = &ops,
	    .ctx = &t,
	    .req_drv_size = sizeof(struct req_io),
	    .attempt_drv_size = sizeof(struct attempt_io),
	});
	p.app = &t;
	p.counters = tier_core_counters(t.core);
	p.on_request = on_request;
	p.on_stop = on_stop;
	p.on_exit = on_exit_proc;
	return proc_run(&p);
}
