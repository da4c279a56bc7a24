/* proc: the scaffolding every cascade process shares (command line, scenario,
 * event loop, signals, clocks, CSVs, /healthz and /metrics), so that a tier,
 * dbsim and loadgen differ only in their own logic. */
#include "proc.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "deadline.h"
#include "duration.h"
#include "log.h"

#define FLUSH_INTERVAL_REAL_MS 250 /* CSVs reach the disk at least this often */
#define LAG_INTERVAL_REAL_MS 5     /* how often the lag monitor samples the loop */
#define UPSTREAM_MAX_CONNS 0       /* no per-host cap: the storm needs as many as it makes */
/* Two event priorities: a stop signal (0) runs before any other event that
 * is ready in the same loop turn (1, every other event's).  libevent hands a
 * signal to its handler through an internal event, which would otherwise
 * queue the handler behind everything else ready in that turn: when the run
 * stops, every tier is signalled at once, and a tier that reacted first
 * closes its thousands of attempts to the next one; that tier then handled
 * the whole wave of callers leaving before its own signal, and its last
 * stats row (the run up to the stop) showed the wave as loop lag: tens of
 * ms, enough to flag a faithful run as not faithful. */
#define PROC_PRIORITIES 2
#define PROC_PRIORITY_SIGNAL 0

static void usage(FILE *out, const struct proc_info *info)
{
	fprintf(out,
		"usage: %s [options]\n"
		"%s\n\n"
		"options:\n"
		"  --scenario FILE     scenario JSON (this process reads its own section);\n"
		"                      without it the incident's defaults apply\n",
		info->name, info->summary);
	if (info->server)
		fprintf(out,
			"  --listen HOST:PORT  where to listen (default 127.0.0.1:%d; port 0 = any free port)\n"
			"  --port-file FILE    write the bound port there once listening\n"
			"  --idle-timeout DUR  close a connection idle that long, real time (default %gs;\n"
			"                      0s: never); a request being handled is not cut by it\n",
			info->default_port, HTTPD_IDLE_TIMEOUT_MS / 1000.0);
	if (info->default_upstream)
		fprintf(out, "  --upstream URL      where to send requests (default %s)\n", info->default_upstream);
	fprintf(out,
		"  --out DIR           folder for this process's CSV files (default .)\n"
		"  --time-scale X      real duration = scenario duration * X (e.g. 0.1 = 10x faster)\n"
		"  --seed N            seed for every random choice of the run\n"
		"  --set KEY.PATH=VAL  override a scenario value (repeatable), e.g. tiers.svc_a.retries=0\n"
		"  --t0 NS             the run's start, as CLOCK_REALTIME ns (date +%%s%%N); default: now\n"
		"  --quiet             no progress output\n"
		"  --print-scenario    print the resolved scenario as JSON and exit (validates it)\n"
		"  --help, --version\n\n"
		"Scenario keys: scenarios/README.md.  Exit status: 0 ok (also after SIGTERM),\n"
		"1 runtime failure, 2 bad usage or invalid scenario.\n");
}

static void add_set(struct proc_opts *o, const char *set)
{
	o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
	o->sets[o->nsets++] = xstrdup(set);
}

static int parse_args(struct proc *p, int argc, char **argv)
{
	struct proc_opts *o = &p->opts;
	enum { OPT_SCENARIO = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_IDLE_TIMEOUT, OPT_UPSTREAM, OPT_OUT,
	       OPT_TIME_SCALE, OPT_SEED, OPT_SET, OPT_T0, OPT_QUIET, OPT_PRINT, OPT_HELP, OPT_VERSION };
	static const struct option opts[] = {
		{"scenario", required_argument, NULL, OPT_SCENARIO},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"port-file", required_argument, NULL, OPT_PORT_FILE},
		{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
		{"upstream", required_argument, NULL, OPT_UPSTREAM},
		{"out", required_argument, NULL, OPT_OUT},
		{"time-scale", required_argument, NULL, OPT_TIME_SCALE},
		{"seed", required_argument, NULL, OPT_SEED},
		{"set", required_argument, NULL, OPT_SET},
		{"t0", required_argument, NULL, OPT_T0},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"print-scenario", no_argument, NULL, OPT_PRINT},
		{"help", no_argument, NULL, OPT_HELP},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	/* --time-scale and --seed are applied after every --set, so they win. */
	const char *time_scale = NULL, *seed = NULL;
	int c;
	char *end;
	char why[ERR_LEN];
	bool idle_timeout_set = false;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SCENARIO: o->scenario_path = optarg; break;
		case OPT_LISTEN:
			free(o->listen);
			o->listen = strchr(optarg, ':') ? xstrdup(optarg) : xasprintf("127.0.0.1:%s", optarg);
			break;
		case OPT_PORT_FILE: o->port_file = optarg; break;
		case OPT_IDLE_TIMEOUT:
			if (duration_parse_ms(optarg, &o->idle_timeout_ms, why, sizeof(why)) < 0) {
				fprintf(stderr, "%s: --idle-timeout %s: %s\n", p->info->name, optarg, why);
				return 2;
			}
			idle_timeout_set = true;
			break;
		case OPT_UPSTREAM: o->upstream_url = optarg; break;
		case OPT_OUT: o->out_dir = optarg; break;
		case OPT_TIME_SCALE: time_scale = optarg; break;
		case OPT_SEED: seed = optarg; break;
		case OPT_SET:
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "%s: --set %s: expected KEY.PATH=VALUE\n", p->info->name, optarg);
				return 2;
			}
			add_set(o, optarg);
			break;
		case OPT_T0:
			errno = 0;
			o->t0_real_ns = strtoll(optarg, &end, 10);
			if (errno || *end || o->t0_real_ns <= 0) {
				fprintf(stderr, "%s: --t0 %s: expected nanoseconds since the epoch\n", p->info->name,
					optarg);
				return 2;
			}
			break;
		case OPT_QUIET: o->quiet = true; break;
		case OPT_PRINT: o->print_scenario = true; break;
		case OPT_HELP: usage(stdout, p->info); return 0;
		case OPT_VERSION: printf("%s %s\n", p->info->name, CASCADE_VERSION); return 0;
		default:
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", p->info->name, argv[optind - 1]);
			usage(stderr, p->info);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", p->info->name, argv[optind]);
		return 2;
	}
	if ((o->port_file || o->listen || idle_timeout_set) && !p->info->server) {
		fprintf(stderr, "%s: --listen, --port-file and --idle-timeout are for servers\n", p->info->name);
		return 2;
	}
	if (time_scale) {
		char *s = xasprintf("time_scale=%s", time_scale);
		add_set(o, s);
		free(s);
	}
	if (seed) {
		char *s = xasprintf("seed=%s", seed);
		add_set(o, s);
		free(s);
	}
	return -1;
}

/* Many concurrent connections are the point of a storm (a forwarder holds
 * two descriptors per request in flight): lift the soft limit to the hard
 * one, and say what the process ended up with. */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("open files: cannot raise the limit from %llu to %llu: %s", (unsigned long long)was,
				 (unsigned long long)rl.rlim_max, strerror(errno));
			return;
		}
		log_info("open files: limit raised from %llu to %llu", (unsigned long long)was,
			 (unsigned long long)rl.rlim_cur);
		return;
	}
	log_info("open files: limit %llu (already the hard limit)", (unsigned long long)rl.rlim_cur);
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static void render_metrics(struct proc *p, struct evbuffer *out)
{
	const char *t = p->info->name;
	const struct core_counters *m = p->counters;
	int i;

	evbuffer_add_printf(out,
			    "# HELP cascade_scenario_time_seconds Scenario time since the run's start.\n"
			    "# TYPE cascade_scenario_time_seconds gauge\n"
			    "cascade_scenario_time_seconds{tier=\"%s\"} %.3f\n",
			    t, proc_now_ms(p) / 1000.0);
	evbuffer_add_printf(out,
			    "# HELP cascade_arrivals_total Inbound requests received.\n"
			    "# TYPE cascade_arrivals_total counter\n"
			    "cascade_arrivals_total{tier=\"%s\"} %llu\n",
			    t, (unsigned long long)m->arrivals);
	evbuffer_add_printf(out, "# HELP cascade_requests_total Inbound requests closed out, by outcome.\n"
				 "# TYPE cascade_requests_total counter\n");
	for (i = 0; i < OUT_COUNT; i++)
		evbuffer_add_printf(out, "cascade_requests_total{tier=\"%s\",outcome=\"%s\"} %llu\n", t,
				    outcome_name(i), (unsigned long long)m->requests[i]);
	evbuffer_add_printf(out,
			    "# HELP cascade_attempts_total Attempts sent downstream (retries included).\n"
			    "# TYPE cascade_attempts_total counter\n"
			    "cascade_attempts_total{tier=\"%s\"} %llu\n"
			    "# HELP cascade_retries_total Attempts after the first.\n"
			    "# TYPE cascade_retries_total counter\n"
			    "cascade_retries_total{tier=\"%s\"} %llu\n",
			    t, (unsigned long long)m->attempts, t, (unsigned long long)m->retries);
	evbuffer_add_printf(out, "# HELP cascade_attempt_results_total Attempts ended, by outcome.\n"
				 "# TYPE cascade_attempt_results_total counter\n");
	for (i = 0; i < OUT_COUNT; i++)
		evbuffer_add_printf(out, "cascade_attempt_results_total{tier=\"%s\",outcome=\"%s\"} %llu\n", t,
				    outcome_name(i), (unsigned long long)m->attempts_by_outcome[i]);
	evbuffer_add_printf(out,
			    "# HELP cascade_inflight Inbound requests awaiting their answer (loadgen: attempts in flight).\n"
			    "# TYPE cascade_inflight gauge\n"
			    "cascade_inflight{tier=\"%s\"} %lld\n"
			    "# HELP cascade_orphaned Requests answered or abandoned whose work still runs.\n"
			    "# TYPE cascade_orphaned gauge\n"
			    "cascade_orphaned{tier=\"%s\"} %lld\n",
			    t, (long long)m->inflight, t, (long long)m->orphaned);
	evbuffer_add_printf(out,
			    "# HELP cascade_retries_denied_total Retries and hedges a budget or retry throttling refused.\n"
			    "# TYPE cascade_retries_denied_total counter\n"
			    "cascade_retries_denied_total{tier=\"%s\"} %llu\n"
			    "# HELP cascade_hedges_total Hedged copies sent.\n"
			    "# TYPE cascade_hedges_total counter\n"
			    "cascade_hedges_total{tier=\"%s\"} %llu\n"
			    "# HELP cascade_breaker_open_seconds_total Scenario time the circuit breaker was not closed.\n"
			    "# TYPE cascade_breaker_open_seconds_total counter\n"
			    "cascade_breaker_open_seconds_total{tier=\"%s\"} %.3f\n"
			    "# HELP cascade_cache_hits_total Requests answered from the tier's cache.\n"
			    "# TYPE cascade_cache_hits_total counter\n"
			    "cascade_cache_hits_total{tier=\"%s\"} %llu\n"
			    "# HELP cascade_cache_misses_total Requests that read a key the cache did not have.\n"
			    "# TYPE cascade_cache_misses_total counter\n"
			    "cascade_cache_misses_total{tier=\"%s\"} %llu\n",
			    t, (unsigned long long)m->retries_denied, t, (unsigned long long)m->hedges, t,
			    core_breaker_ms(m, proc_now_ms(p)) / 1000.0, t, (unsigned long long)m->cache_hits, t,
			    (unsigned long long)m->cache_misses);
	if (p->info->tier == TIER_DBSIM)
		evbuffer_add_printf(out,
				    "# HELP cascade_db_queue_depth Queries waiting for a worker.\n"
				    "# TYPE cascade_db_queue_depth gauge\n"
				    "cascade_db_queue_depth{tier=\"%s\"} %lld\n"
				    "# HELP cascade_db_busy_workers Workers running a query.\n"
				    "# TYPE cascade_db_busy_workers gauge\n"
				    "cascade_db_busy_workers{tier=\"%s\"} %lld\n"
				    "# HELP cascade_db_workers Workers available now (faults may change it).\n"
				    "# TYPE cascade_db_workers gauge\n"
				    "cascade_db_workers{tier=\"%s\"} %lld\n",
				    t, (long long)m->queue_depth, t, (long long)m->busy_workers, t,
				    (long long)m->workers);
	evbuffer_add_printf(out,
			    "# HELP cascade_loop_lag_seconds How late the event loop ran its timers (real time).\n"
			    "# TYPE cascade_loop_lag_seconds summary\n"
			    "cascade_loop_lag_seconds{tier=\"%s\",quantile=\"0.5\"} %.6f\n"
			    "cascade_loop_lag_seconds{tier=\"%s\",quantile=\"0.99\"} %.6f\n"
			    "cascade_loop_lag_seconds{tier=\"%s\",quantile=\"1\"} %.6f\n"
			    "cascade_loop_lag_seconds_count{tier=\"%s\"} %llu\n",
			    t, lagmon_quantile_ms(p->lag, 0.5) / 1000.0, t, lagmon_quantile_ms(p->lag, 0.99) / 1000.0,
			    t, lagmon_max_ms(p->lag) / 1000.0, t, (unsigned long long)lagmon_samples(p->lag));
}

/* httpd handler: the two endpoints every process has, then the program's. */
static void on_http_request(struct evhttp_request *req, void *arg)
{
	struct proc *p = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (path && strcmp(path, "/healthz") == 0) {
		httpd_reply(req, p->stopping ? 503 : 200, p->stopping ? "stopping\n" : "ok\n", NULL);
		return;
	}
	if (path && strcmp(path, "/metrics") == 0) {
		struct evbuffer *out = evbuffer_new();
		render_metrics(p, out);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "text/plain; version=0.0.4");
		evhttp_send_reply(req, 200, "OK", out);
		evbuffer_free(out);
		return;
	}
	if (p->stopping) {
		httpd_reply(req, 503, "stopping\n", "Retry-After", "1", NULL);
		return;
	}
	p->on_request(p, req);
}

static void flush_all(struct proc *p)
{
	if (p->spans && csvw_flush(p->spans) < 0)
		log_error("cannot write %s.csv: %s", p->info->name, strerror(errno));
	if (p->stats && csvw_flush(p->stats) < 0)
		log_error("cannot write %s_stats.csv: %s", p->info->name, strerror(errno));
}

static void write_stats_row(struct proc *p)
{
	const struct core_counters *m = p->counters;
	struct stats_row row = {
	    .t_ms = proc_now_ms(p),
	    .tier = p->info->name,
	    .inflight = m->inflight,
	    .queue_depth = m->queue_depth,
	    .busy_workers = m->busy_workers,
	    .lag_p99_ms = lagmon_window_quantile_ms(p->lag, 0.99),
	    .lag_max_ms = lagmon_window_max_ms(p->lag),
	    .orphaned = m->orphaned,
	    .retries_denied = (int64_t)m->retries_denied,
	    .hedges = (int64_t)m->hedges,
	    .breaker_open_ms = core_breaker_ms(m, proc_now_ms(p)),
	    .cache_hits = (int64_t)m->cache_hits,
	    .cache_misses = (int64_t)m->cache_misses,
	};

	record_stats(p->stats, &row);
	if (row.lag_p99_ms > p->lag_warn_ms && p->lag_warn_ms > 0 && !p->lag_warned) {
		log_warn("event-loop lag p99 %.3f ms exceeds 1%% of the smallest timeout in play (%.3f ms real): "
			 "this run is not faithful",
			 row.lag_p99_ms, p->lag_warn_ms);
		p->lag_warned = true;
	}
	lagmon_window_reset(p->lag);
}

/* Re-armed at each scenario second boundary, so rows stay aligned whatever
 * the scale and however late a tick fires. */
static void arm_tick(struct proc *p)
{
	double now = proc_now_ms(p);
	double next = (now < 0 ? 0 : (double)((long long)(now / 1000.0) + 1)) * 1000.0;
	struct timeval tv;

	if (now < 0)
		next = 0;
	tv = sclock_timeval(&p->clock, next - now);
	evtimer_add(p->ev_tick, &tv);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) /* evtimer, arm_tick */
{
	struct proc *p = arg;
	(void)fd;
	(void)what;
	/* Once stopping, the stop's own row stays the last: `report check`
	 * reads it as the moment this process began to stop. */
	if (p->stopping)
		return;
	if (proc_now_ms(p) >= 0)
		write_stats_row(p);
	arm_tick(p);
}

/* The core's timers: one libevent timer for the earliest of them. */
static void arm_timers(void *arg) /* timerq.on_head */
{
	struct proc *p = arg;
	const struct tq_node *next = timerq_peek(&p->tq);
	struct timeval tv;

	if (!next) {
		evtimer_del(p->ev_timers);
		return;
	}
	tv = sclock_timeval(&p->clock, next->at_ms - proc_now_ms(p));
	evtimer_add(p->ev_timers, &tv);
}

static void on_timers(evutil_socket_t fd, short what, void *arg) /* evtimer, arm_timers */
{
	struct proc *p = arg;
	(void)fd;
	(void)what;
	/* Every timer due by now, in order; a timer that fired a hair early
	 * (rounding to the µs) stays armed and arm_timers waits again. */
	if (timerq_run_due(&p->tq, proc_now_ms(p)) == 0)
		arm_timers(p);
}

static void on_flush(evutil_socket_t fd, short what, void *arg) /* persistent evtimer */
{
	(void)fd;
	(void)what;
	flush_all(arg);
}

/* When the first SIGINT or SIGTERM arrived (CLOCK_MONOTONIC ns; 0: none),
 * and libevent's own handler for each, which ours calls on.  Process scope:
 * signal dispositions are the process's.  libevent delivers a signal through
 * its event loop, possibly after other work already on its way; the loop-lag
 * monitor counts lag only up to this arrival (lagmon_set_stop), so that the
 * stop of every process at once (run_scenario.sh signals the whole chain)
 * does not show as lag in the last stats row, which describes the run up to
 * the stop. */
static atomic_llong stop_signal_ns;
static void (*evsig_handler_of[2])(int); /* [0] SIGINT, [1] SIGTERM */

static void on_stop_signal_arrival(int sig) /* sigaction, wrapping libevent's handler */
{
	int saved_errno = errno;
	struct timespec ts;
	long long none = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	atomic_compare_exchange_strong(&stop_signal_ns, &none, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	errno = saved_errno;
	evsig_handler_of[sig == SIGTERM](sig);
}

/* After evsignal_add: put on_stop_signal_arrival in front of the handler
 * libevent installed (same mask and flags).  Left alone when the handler is
 * not a plain one. */
static void wrap_stop_signal(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) < 0 || (sa.sa_flags & SA_SIGINFO) || sa.sa_handler == SIG_DFL ||
	    sa.sa_handler == SIG_IGN || sa.sa_handler == on_stop_signal_arrival)
		return;
	evsig_handler_of[sig == SIGTERM] = sa.sa_handler;
	sa.sa_handler = on_stop_signal_arrival;
	sigaction(sig, &sa, NULL);
}

static int64_t stop_arrival_ns(void *arg) /* lagmon_set_stop */
{
	(void)arg;
	return (int64_t)atomic_load(&stop_signal_ns);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) /* evsignal SIGINT/SIGTERM */
{
	struct proc *p = arg;
	(void)what;
	log_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	proc_stop(p);
}

static void on_stop_event(evutil_socket_t fd, short what, void *arg) /* event_active from proc_stop */
{
	struct proc *p = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(p->base);
}

/* The last stats row describes the run up to the stop, not the close-out
 * that follows it (thousands of requests in a storm take a while, and that
 * lag is no part of the scenario). */
static void close_out(struct proc *p)
{
	p->stopping = true;
	if (p->stats && proc_now_ms(p) >= 0)
		write_stats_row(p);
	if (p->on_stop)
		p->on_stop(p);
}

void proc_stop(struct proc *p)
{
	if (p->stopping)
		return;
	if (p->httpd)
		httpd_stop_accepting(p->httpd);
	/* Close out every in-flight request now, while the loop still runs, so
	 * each one becomes a recorded row before the files are closed. */
	close_out(p);
	event_active(p->ev_stop, EV_TIMEOUT, 0);
}

char *proc_upstream_url(const struct proc *p, const struct inbound *in, char *buf, size_t len)
{
	if (!in->has_key)
		return (char *)p->opts.upstream_url;
	snprintf(buf, len, "%s%s%s%u", p->opts.upstream_url,
		 p->opts.upstream_url[strlen(p->opts.upstream_url) - 1] == '/' ? "" : "/", &KEY_PATH_PREFIX[1],
		 (unsigned)in->key);
	return buf;
}

void proc_write_span(struct proc *p, const struct span_row *row)
{
	if (p->spans)
		record_span(p->spans, row);
}

/* The 400 reason quotes the value it rejects: escaped, so that control
 * characters and non-ASCII bytes from the wire are shown, not replayed. */
static int bad_header(char *err, size_t errlen, const char *name, const char *why)
{
	char shown[ERR_LEN];
	str_escape(shown, sizeof(shown), why);
	return errf(err, errlen, "%s: %s", name, shown);
}

/* Is h (its name klen bytes long) named name (len bytes)?  ASCII case
 * ignored, as evhttp_find_header compares. */
static inline bool header_is(const struct evkeyval *h, size_t klen, const char *name, size_t len)
{
	return klen == len && evutil_ascii_strcasecmp(h->key, name) == 0;
}

int proc_read_inbound(struct proc *p, struct evhttp_request *req, bool read_deadline, struct inbound *in,
		      char *err, size_t errlen)
{
	struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
	const struct evkeyval *h;
	const char *tp_v = NULL, *lineage_v = NULL, *deadline_v = NULL;
	const size_t deadline_len = read_deadline ? strlen(p->sc.deadline.header) : 0;
	struct traceparent tp;
	const char *v;
	char why[ERR_LEN];
	int64_t ns;

	memset(in, 0, sizeof(*in));
	/* "/users/<key>": the key a cache looks up (load.keys); any other path reads none */
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path && !strncmp(path, KEY_PATH_PREFIX, strlen(KEY_PATH_PREFIX))) {
		const char *digits = path + strlen(KEY_PATH_PREFIX);
		size_t n = strspn(digits, "0123456789");
		if (n > 0 && n <= 9 && !digits[n]) {
			in->has_key = true;
			in->key = (uint32_t)strtoul(digits, NULL, 10);
		}
	}
	/* One pass over the headers for the three we read (three
	 * evhttp_find_header calls compared every header's name three times). */
	TAILQ_FOREACH(h, headers, next) {
		size_t klen = strlen(h->key);
		if (!tp_v && header_is(h, klen, TRACEPARENT_HEADER, sizeof(TRACEPARENT_HEADER) - 1))
			tp_v = h->value;
		else if (!lineage_v && header_is(h, klen, LINEAGE_HEADER, sizeof(LINEAGE_HEADER) - 1))
			lineage_v = h->value;
		else if (!deadline_v && read_deadline && header_is(h, klen, p->sc.deadline.header, deadline_len))
			deadline_v = h->value;
	}
	if ((v = tp_v)) {
		if (trace_parse(v, &tp, why, sizeof(why)) < 0)
			return bad_header(err, errlen, TRACEPARENT_HEADER, why);
		memcpy(in->trace_id, tp.trace_id, sizeof(in->trace_id));
		memcpy(in->parent_id, tp.parent_id, sizeof(in->parent_id));
	}
	if ((v = lineage_v)) {
		if (lineage_validate(v, why, sizeof(why)) < 0)
			return bad_header(err, errlen, LINEAGE_HEADER, why);
		snprintf(in->lineage, sizeof(in->lineage), "%s", v);
		in->caller_attempt = lineage_last_attempt(v);
	}
	if ((v = deadline_v)) {
		if (deadline_parse(v, &ns, why, sizeof(why)) < 0)
			return bad_header(err, errlen, p->sc.deadline.header, why);
		in->has_budget = true;
		in->budget_ms = (double)ns / 1e6;
	}
	return 0;
}

static void proc_free(struct proc *p);

static struct csvw *open_csv(struct proc *p, const char *suffix, const char *header)
{
	char err[ERR_LEN];
	char *path = xasprintf("%s/%s%s.csv", p->opts.out_dir, p->info->name, suffix);
	struct csvw *w = csvw_open(path, header, err, sizeof(err));
	if (!w)
		fprintf(stderr, "%s: %s\n", p->info->name, err);
	free(path);
	return w;
}

int proc_init(struct proc *p, const struct proc_info *info, int argc, char **argv)
{
	static const struct core_counters no_counters;
	struct proc_opts *o = &p->opts;
	char err[ERR_LEN];
	int64_t t0_mono_ns;
	struct event_config *cfg;
	struct timeval flush_tv = {0, FLUSH_INTERVAL_REAL_MS * 1000};
	int rc;

	memset(p, 0, sizeof(*p));
	p->info = info;
	p->counters = &no_counters;
	timerq_init(&p->tq);
	o->out_dir = ".";
	o->idle_timeout_ms = HTTPD_IDLE_TIMEOUT_MS;
	o->upstream_url = info->default_upstream;
	if (info->server)
		o->listen = xasprintf("127.0.0.1:%d", info->default_port);

	rc = parse_args(p, argc, argv);
	if (rc >= 0)
		goto fail;
	rc = 2;
	if (scenario_load(&p->sc, o->scenario_path, o->sets, o->nsets, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", info->name, err);
		goto fail;
	}
	if (o->print_scenario) {
		char *json = scenario_resolved_json(&p->sc);
		fputs(json, stdout);
		free(json);
		rc = 0;
		goto fail;
	}
	rc = 1;
	if (make_dir(o->out_dir) < 0) {
		fprintf(stderr, "%s: --out %s: %s\n", info->name, o->out_dir, strerror(errno));
		goto fail;
	}

	signal(SIGPIPE, SIG_IGN);
	/* Before libevent allocates anything: its calloc (evhttp's headers,
	 * requests, buffers; every event) becomes malloc and memset, which
	 * glibc serves from its thread cache (util.h, calloc_cached). */
	event_set_mem_functions(malloc, realloc, free);
	cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	/* Timers are armed relative to "now"; with the cached time of the
	 * current callback round they could fire early by however long the
	 * round has run so far. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
	/* epoll changes are queued and applied once per loop turn, so that the
	 * read/write toggles evhttp and curl make on a connection in one turn
	 * cost one epoll_ctl, not one each.  libevent warns against it when
	 * fds are dup()ed: no descriptor here is. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	p->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!p->base || event_base_priority_init(p->base, PROC_PRIORITIES) < 0) {
		fprintf(stderr, "%s: cannot create the event loop\n", info->name);
		goto fail;
	}

	t0_mono_ns = o->t0_real_ns ? clock_real_to_mono_ns(o->t0_real_ns) : clock_mono_ns();
	sclock_init(&p->clock, t0_mono_ns, p->sc.time_scale);
	log_init(info->name, &p->clock, LOG_INFO);
	raise_nofile();
	p->lag = lagmon_new(p->base, LAG_INTERVAL_REAL_MS);
	p->lag_warn_ms = 0.01 * sclock_real_ms(&p->clock, scenario_smallest_timeout_ms(&p->sc, info->tier));

	if (info->server && !(p->spans = open_csv(p, "", SPAN_CSV_HEADER)))
		goto fail;
	if (!(p->stats = open_csv(p, "_stats", STATS_CSV_HEADER)))
		goto fail;
	if (info->server) {
		p->httpd = httpd_new(p->base, o->listen, on_http_request, p, err, sizeof(err));
		if (!p->httpd) {
			fprintf(stderr, "%s: %s\n", info->name, err);
			goto fail;
		}
		httpd_set_idle_timeout(p->httpd, o->idle_timeout_ms);
	}
	if (o->upstream_url)
		p->up = upstream_new(p->base, UPSTREAM_MAX_CONNS);

	p->ev_sigint = evsignal_new(p->base, SIGINT, on_signal, p);
	p->ev_sigterm = evsignal_new(p->base, SIGTERM, on_signal, p);
	event_priority_set(p->ev_sigint, PROC_PRIORITY_SIGNAL);
	event_priority_set(p->ev_sigterm, PROC_PRIORITY_SIGNAL);
	evsignal_add(p->ev_sigint, NULL);
	evsignal_add(p->ev_sigterm, NULL);
	wrap_stop_signal(SIGINT);
	wrap_stop_signal(SIGTERM);
	lagmon_set_stop(p->lag, stop_arrival_ns, NULL);
	p->ev_tick = evtimer_new(p->base, on_tick, p);
	p->ev_stop = event_new(p->base, -1, 0, on_stop_event, p);
	p->ev_flush = event_new(p->base, -1, EV_PERSIST, on_flush, p);
	p->ev_timers = evtimer_new(p->base, on_timers, p);
	p->tq.on_head = arm_timers;
	p->tq.on_head_arg = p;
	evtimer_add(p->ev_flush, &flush_tv);
	arm_tick(p);

	/* The port file last: whoever waits for it may connect at once. */
	if (info->server && o->port_file &&
	    httpd_write_port_file(p->httpd, o->port_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", info->name, err);
		goto fail;
	}
	if (info->server)
		log_info("listening on %s%s%s", httpd_address(p->httpd), o->upstream_url ? ", upstream " : "",
			 o->upstream_url ? o->upstream_url : "");
	return -1;

fail:
	csvw_close(p->spans);
	csvw_close(p->stats);
	p->spans = p->stats = NULL;
	proc_free(p);
	return rc;
}

static void proc_free(struct proc *p)
{
	size_t i;

	if (p->up)
		upstream_free(p->up);
	if (p->httpd)
		httpd_free(p->httpd);
	if (p->lag)
		lagmon_free(p->lag);
	struct event *evs[] = {p->ev_sigint, p->ev_sigterm, p->ev_tick, p->ev_stop, p->ev_flush, p->ev_timers};
	for (i = 0; i < ARRAY_LEN(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (p->base)
		event_base_free(p->base);
	timerq_free(&p->tq);
	scenario_free(&p->sc);
	for (i = 0; i < p->opts.nsets; i++)
		free(p->opts.sets[i]);
	free(p->opts.sets);
	free(p->opts.listen);
}

int proc_run(struct proc *p)
{
	int rc = 0;

	if (p->base)
		event_base_dispatch(p->base);
	if (!p->stopping)
		close_out(p);
	/* Both files are closed whatever happens to the first. */
	if (csvw_close(p->spans) < 0) {
		log_error("cannot write %s/%s.csv: %s", p->opts.out_dir, p->info->name, strerror(errno));
		rc = 1;
	}
	if (csvw_close(p->stats) < 0) {
		log_error("cannot write %s/%s_stats.csv: %s", p->opts.out_dir, p->info->name, strerror(errno));
		rc = 1;
	}
	p->spans = p->stats = NULL;
	if (p->on_exit)
		p->on_exit(p);
	proc_free(p);
	return rc ? rc : p->exit_code;
}
