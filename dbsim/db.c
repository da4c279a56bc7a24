/* db: dbsim on evhttp, driving db_core (see db.h). */
#include "db.h"

#include <event2/http.h>

#include "db_core.h"

struct db {
	struct proc *p;
	struct db_core *core;
};

/* The driver's part of a query: its evhttp request while the caller waits. */
struct query_io {
	struct db *db;
	struct db_query *q;
	struct evhttp_request *req;
	struct httpd_watch *watch;
};

static void do_reply(void *ctx, struct db_query *q, const struct db_reply *rep) /* db_ops.reply */
{
	struct query_io *io = db_query_drv(q);
	char body[DB_REPLY_MAX];
	(void)ctx;

	httpd_unwatch(io->watch);
	io->watch = NULL;
	if (rep->reason == DR_STOP) {
		httpd_abort(io->req);
	} else {
		db_reply_text(q, rep, body);
		if (rep->status == 503)
			httpd_reply(io->req, rep->status, body, "Retry-After", "1", NULL);
		else
			httpd_reply(io->req, rep->status, body, NULL);
	}
	io->req = NULL;
}

static void do_row(void *ctx, const struct span_row *row) /* db_ops.row */
{
	proc_write_span(((struct db *)ctx)->p, row);
}

static void do_release(void *ctx, struct db_query *q) /* db_ops.release */
{
	(void)ctx;
	(void)q;
	/* Nothing left to let go: a query is released after its answer
	 * (do_reply ended the watch) or after its caller left (the watch ended
	 * by firing). */
}

static const struct db_ops ops = {
    .reply = do_reply,
    .row = do_row,
    .release = do_release,
};

static void on_caller_gone(void *arg) /* httpd_watch_caller */
{
	struct query_io *io = arg;
	struct db *db = io->db;

	io->watch = NULL;
	io->req = NULL; /* freed by the glue when we return */
	db_core_caller_gone(db->core, io->q, proc_now_ms(db->p));
}

static void on_request(struct proc *p, struct evhttp_request *req)
{
	struct db *db = p->app;
	struct inbound in;
	char err[ERR_LEN];
	int bad = proc_read_inbound(p, req, true, &in, err, sizeof(err));
	struct query_io init = {.db = db, .req = req};
	struct db_query *q = db_core_arrive(db->core, proc_now_ms(p), &in, bad < 0 ? err : NULL, &init);
	struct query_io *io;

	if (!q)
		return;
	io = db_query_drv(q);
	io->q = q;
	io->watch = httpd_watch_caller(req, on_caller_gone, io);
}

static void on_stop(struct proc *p)
{
	struct db *db = p->app;
	db_core_stop(db->core, proc_now_ms(p));
}

/* proc.on_exit: while the timer queue the core's capacity faults are on
 * still exists. */
static void on_exit_proc(struct proc *p)
{
	struct db *db = p->app;
	db_core_free(db->core);
	db->core = NULL;
}

int db_main(const struct proc_info *info, int argc, char **argv)
{
	struct proc p;
	struct db db = {0};
	int rc = proc_init(&p, info, argc, argv);

	if (rc >= 0)
		return rc;
	db.p = &p;
	db.core = db_core_new(&(struct db_core_config){.sc = &p.sc,
						       .tq = &p.tq,
						       .ops = &ops,
						       .ctx = &db,
						       .query_drv_size = sizeof(struct query_io)},
			      proc_now_ms(&p));
	p.app = &db;
	p.counters = db_core_counters(db.core);
	p.on_request = on_request;
	p.on_stop = on_stop;
	p.on_exit = on_exit_proc;
	return proc_run(&p);
}
