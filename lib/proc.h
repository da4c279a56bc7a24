/* proc: what every cascade process shares around its own logic: the common
 * command line, the scenario, one event_base (precise timers), signals
 * (SIGINT/SIGTERM → graceful stop, SIGPIPE ignored), the scenario clock, the
 * event-loop lag monitor, the span CSV and the per-second stats CSV, the HTTP
 * server with /healthz and /metrics, and the upstream client.
 *
 * A program fills a struct proc_info, calls proc_init, sets its hooks and
 * app pointer, then proc_run.  Exit codes: 0 ok (also after SIGTERM), 1
 * runtime failure (port in use, cannot write --out), 2 bad usage or scenario. */
#ifndef CASCADE_PROC_H
#define CASCADE_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "csvw.h"
#include "httpd.h"
#include "lagmon.h"
#include "record.h"
#include "rng.h"
#include "scenario.h"
#include "trace.h"
#include "upstream.h"
#include "util.h"

struct event_base;
struct evhttp_request;

#define STATS_CSV_HEADER "t_ms,tier,inflight,queue_depth,busy_workers,lag_p99_ms,lag_max_ms"

struct proc_info {
	const char *name;             /* tier name: CSV file, log prefix, metrics label */
	enum tier_id tier;            /* TIER_COUNT for loadgen */
	bool server;                  /* listens (tiers, dbsim) */
	int default_port;             /* --listen default 127.0.0.1:<port> */
	const char *default_upstream; /* --upstream default; NULL: none */
	const char *summary;          /* one line for --help */
};

/* Counters every process exports on /metrics (Prometheus text). */
struct proc_metrics {
	uint64_t arrivals;            /* inbound requests received (counted on arrival) */
	uint64_t requests[OUT_COUNT]; /* server rows by outcome */
	uint64_t attempts;            /* client attempts sent */
	uint64_t retries;             /* of which retries (attempt > 1) */
	uint64_t attempts_by_outcome[OUT_COUNT];
	int64_t inflight;             /* inbound requests not yet closed out */
	int64_t queue_depth;          /* dbsim */
	int64_t busy_workers;         /* dbsim */
	int64_t workers;              /* dbsim */
};

struct proc;
typedef void (*proc_request_fn)(struct proc *p, struct evhttp_request *req);
typedef void (*proc_hook_fn)(struct proc *p);

struct proc {
	const struct proc_info *info;
	/* options (after parsing) */
	const char *scenario_path;
	char *listen;       /* "HOST:PORT" */
	const char *port_file;
	double idle_timeout_ms; /* real ms; 0: connections never time out */
	const char *upstream_url;
	const char *out_dir;
	bool quiet;
	bool print_scenario;
	/* run state */
	struct scenario sc;
	struct event_base *base;
	struct sclock clock;
	struct rng rng; /* seeded from (seed, tier) */
	struct lagmon *lag;
	struct csvw *spans; /* <out>/<name>.csv (servers only; NULL for loadgen) */
	struct csvw *stats; /* <out>/<name>_stats.csv; its last row is written as the stop begins */
	struct httpd *httpd;
	struct upstream *up;
	struct proc_metrics m;
	bool stopping;
	double lag_warn_ms; /* real ms: 1 % of the smallest timeout in play */
	bool lag_warned;
	/* hooks, set by the program between proc_init and proc_run */
	proc_request_fn on_request; /* every request but /healthz and /metrics */
	proc_hook_fn on_stop;       /* close out every in-flight request (rows written) */
	proc_hook_fn on_tick;       /* once per scenario second, before the stats row */
	void *app;
	/* private */
	struct event *ev_sigint, *ev_sigterm, *ev_tick, *ev_stop, *ev_flush;
	char **sets;
	size_t nsets;
	int exit_code; /* proc_run's result when nothing failed; a program may set it */
};

/* Parse argv, load the scenario, create everything.  Returns -1 when ready
 * (go on with proc_run), else the exit code to return from main right away
 * (0 after --help/--version, 1 or 2 after an error, already printed; then
 * everything is already released). */
int proc_init(struct proc *p, const struct proc_info *info, int argc, char **argv);
/* Run the loop until stopped; closes everything; returns the exit code. */
int proc_run(struct proc *p);
/* Ask for a graceful stop from inside the loop (loadgen when done). */
void proc_stop(struct proc *p);

/* What a caller sent along with a request: its trace context, the retry
 * path and, when asked for, the deadline budget. */
struct inbound {
	char trace_id[TRACE_ID_LEN + 1];  /* the caller's, or a new trace when none came */
	char parent_id[SPAN_ID_LEN + 1];  /* the caller's attempt span; "" when none */
	char lineage[LINEAGE_MAX];        /* "" when none */
	int caller_attempt;               /* the last hop's attempt number; 0 when none */
	double budget_ms;                 /* received budget (scenario ms); < 0: none or not read */
};
/* Read traceparent, x-cascade-lineage and (with read_deadline) the scenario's
 * deadline header.  0, or -1 with the 400 reason in err ("grpc-timeout: more
 * than 8 digits"); in either case in->trace_id is set, so that even a
 * bad_request row names its request. */
int proc_read_inbound(struct proc *p, struct evhttp_request *req, bool read_deadline, struct inbound *in,
		      char *err, size_t errlen);

/* Scenario now, in ms since the run's start. */
static inline double proc_now_ms(const struct proc *p) { return sclock_now_ms(&p->clock); }
/* Record a span row and count it in the metrics (server rows by outcome,
 * client rows by outcome; arrivals, attempts and retries are counted by the
 * caller when they happen). */
void proc_record(struct proc *p, const struct span_row *row);

#endif
