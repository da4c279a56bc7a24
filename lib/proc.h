/* proc: what every real cascade process shares around its own core: the
 * common command line, the scenario, one event_base (precise timers),
 * signals (SIGINT/SIGTERM → graceful stop, SIGPIPE ignored), the scenario
 * clock, the core's timers behind one libevent timer, the event-loop lag
 * monitor, the span CSV and the per-second stats CSV, the HTTP server with
 * /healthz and /metrics, and the upstream client.
 *
 * A program fills a struct proc_info, calls proc_init, creates its core on
 * p->tq, points p->counters at the core's counters, sets its hooks and app
 * pointer, then proc_run.  Exit codes: 0 ok (also after SIGTERM), 1 runtime
 * failure (port in use, cannot write --out), 2 bad usage or scenario. */
#ifndef CASCADE_PROC_H
#define CASCADE_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "core.h"
#include "csvw.h"
#include "httpd.h"
#include "lagmon.h"
#include "record.h"
#include "scenario.h"
#include "timerq.h"
#include "upstream.h"
#include "util.h"

struct event_base;
struct evhttp_request;

struct proc_info {
	const char *name;	      /* tier name: CSV file, log prefix, metrics label */
	enum tier_id tier;	      /* TIER_COUNT for loadgen */
	bool server;		      /* listens (tiers, dbsim) */
	int default_port;	      /* --listen default 127.0.0.1:<port> */
	const char *default_upstream; /* --upstream default; NULL: none */
	const char *summary;	      /* one line for --help */
};

/* The command line, parsed. */
struct proc_opts {
	const char *scenario_path;
	char *listen; /* "HOST:PORT" */
	const char *port_file;
	double idle_timeout_ms; /* real ms; 0: connections never time out */
	const char *upstream_url;
	const char *out_dir;
	bool quiet;
	bool print_scenario;
	int64_t t0_real_ns; /* 0: now */
	char **sets;
	size_t nsets;
};

struct proc;
typedef void (*proc_request_fn)(struct proc *p, struct evhttp_request *req);
typedef void (*proc_hook_fn)(struct proc *p);

struct proc {
	const struct proc_info *info;
	struct proc_opts opts;
	struct scenario sc;
	/* the loop and its clocks */
	struct event_base *base;
	struct sclock clock;
	struct timerq tq; /* the core's timers; ev_timers fires the earliest */
	struct lagmon *lag;
	double lag_warn_ms; /* real ms: 1 % of the smallest timeout in play */
	bool lag_warned;
	/* I/O */
	struct csvw *spans; /* <out>/<name>.csv (servers only; NULL for loadgen) */
	struct csvw *stats; /* <out>/<name>_stats.csv; its last row is written as the stop begins */
	struct httpd *httpd;
	struct upstream *up;
	/* the program */
	const struct core_counters *counters; /* the core's, for /metrics and stats */
	proc_request_fn on_request;	      /* every request but /healthz and /metrics */
	proc_hook_fn on_stop;		      /* stop the core: every in-flight request becomes a row */
	/* free the core: proc_run calls it after the loop and the CSVs, before
	 * it frees the timer queue and the scenario the core still points at */
	proc_hook_fn on_exit;
	void *app;
	bool stopping;
	int exit_code; /* proc_run's result when nothing failed; a program may set it */
	/* private */
	struct event *ev_sigint, *ev_sigterm, *ev_tick, *ev_stop, *ev_flush, *ev_timers;
};

/* Parse argv, load the scenario, create everything.  Returns -1 when ready
 * (go on with proc_run), else the exit code to return from main right away
 * (0 after --help/--version, 1 or 2 after an error, already printed; then
 * everything is already released). */
int proc_init(struct proc *p, const struct proc_info *info, int argc, char **argv);
/* Run the loop until stopped; closes everything (on_exit first); returns the
 * exit code. */
int proc_run(struct proc *p);
/* Ask for a graceful stop from inside the loop (loadgen when done). */
void proc_stop(struct proc *p);

/* Read the key from the path, traceparent, x-cascade-lineage and (with
 * read_deadline) the scenario's deadline header into in.  0, or -1 with the 400 reason in err
 * ("grpc-timeout: more than 8 digits").  Either way in is usable: a field
 * that was absent or malformed is left empty (no trace id: the core starts
 * one), so that even a bad_request row names its request. */
int proc_read_inbound(struct proc *p, struct evhttp_request *req, bool read_deadline, struct inbound *in,
		      char *err, size_t errlen);

/* A request that reads a key (load.keys) asks for this path, and every tier
 * forwards it. */
#define KEY_PATH_PREFIX "/users/"
/* The URL of an attempt for a request with inbound in: the upstream's, with
 * /users/<key> when the request reads a key (written into buf). */
char *proc_upstream_url(const struct proc *p, const struct inbound *in, char *buf, size_t len);

/* Scenario now, in ms since the run's start. */
static inline double proc_now_ms(const struct proc *p) { return sclock_now_ms(&p->clock); }
/* Write a span row to this process's CSV (the core counted it). */
void proc_write_span(struct proc *p, const struct span_row *row);

#endif
