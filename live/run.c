/* live run: polls each tier's /metrics a few times a real second with
 * libcurl multi (all tiers at once, so one slow tier does not hold up the
 * others' readings), turns readings into rates and draws them.  A plain
 * loop rather than an event loop: there is one timer and nothing else to
 * wait for, and a tier that never answers only costs its transfer timeout. */
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "live.h"
#include "util.h"

#ifndef CASCADE_VERSION
#define CASCADE_VERSION "unknown"
#endif

#define PLAIN_EVERY_MS 1000	    /* real ms between --plain lines */
#define CONNECT_TIMEOUT_MS 200	    /* loopback: a tier that is up accepts at once */
#define MIN_TRANSFER_TIMEOUT_MS 500 /* a tier whose loop is busy with a storm may answer late */
#define MAX_BODY_BYTES (1 << 20)    /* far above a real /metrics page; guards against a wrong port */

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig) /* sigaction SIGINT/SIGTERM */
{
	(void)sig;
	stop_requested = 1;
}

void live_usage(FILE *out)
{
	fprintf(out,
		"usage: live [options] TIER=PORT...\n"
		"Terminal dashboard of a running cascade chain: per tier arrivals, goodput,\n"
		"retries, in-flight, timeouts and errors, dbsim's queue, and the scenario's\n"
		"progress with its fault windows.  TIER is gateway, svc_a, svc_b or dbsim;\n"
		"PORT may be HOST:PORT (default host 127.0.0.1).\n\n"
		"options:\n"
		"  --scenario FILE   the run's scenario (name, duration, rate, faults, time scale)\n"
		"  --t0 NS           the run's start as CLOCK_REALTIME ns (date +%%s%%N); default: now\n"
		"  --interval MS     real ms between polls (default %d: 4 Hz)\n"
		"  --plain           one plain line per second, even on a terminal\n"
		"  --quiet           draw nothing\n"
		"  --help, --version\n\n"
		"On a terminal the screen is redrawn in place (NO_COLOR turns colors off);\n"
		"otherwise, or with --plain, one line per second.  Ends on SIGINT/SIGTERM,\n"
		"or by itself once no tier has been reachable for %d s.  Columns: live/README.md.\n",
		LIVE_DEFAULT_INTERVAL_MS, LIVE_GONE_MS / 1000);
}

void live_opts_free(struct live_opts *o)
{
	for (int t = 0; t < TIER_COUNT; t++) {
		free(o->url[t]);
		o->url[t] = NULL;
	}
}

/* "svc_a=8081" or "svc_a=host:8081" into o->url. */
static int add_target(struct live_opts *o, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '='), *port;
	char name[32];
	char *end;
	long n;
	int t;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return errf(err, errlen, "'%s': expected TIER=PORT", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	t = tier_from_name(name);
	if (t < 0 || t >= TIER_COUNT)
		return errf(err, errlen, "'%s': unknown tier '%s' (gateway, svc_a, svc_b, dbsim)", arg, name);
	port = strrchr(eq + 1, ':');
	port = port ? port + 1 : eq + 1;
	errno = 0;
	n = strtol(port, &end, 10);
	if (errno || *end || end == port || n <= 0 || n > 65535)
		return errf(err, errlen, "'%s': expected a port number 1-65535", arg);
	free(o->url[t]);
	if (port == eq + 1)
		o->url[t] = xasprintf("http://127.0.0.1:%ld/metrics", n);
	else
		o->url[t] = xasprintf("http://%.*s/metrics", (int)(strlen(eq + 1)), eq + 1);
	return 0;
}

int live_parse_args(struct live_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	enum { OPT_SCENARIO = 256, OPT_T0, OPT_INTERVAL, OPT_PLAIN, OPT_QUIET, OPT_HELP, OPT_VERSION };
	static const struct option opts[] = {
	    {"scenario", required_argument, NULL, OPT_SCENARIO},
	    {"t0", required_argument, NULL, OPT_T0},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"plain", no_argument, NULL, OPT_PLAIN},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	bool any = false;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval_ms = LIVE_DEFAULT_INTERVAL_MS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SCENARIO:
			o->scenario_path = optarg;
			break;
		case OPT_T0:
			errno = 0;
			o->t0_real_ns = strtoll(optarg, &end, 10);
			if (errno || *end || o->t0_real_ns <= 0) {
				errf(err, errlen, "--t0 %s: expected nanoseconds since the epoch", optarg);
				return 2;
			}
			break;
		case OPT_INTERVAL:
			o->interval_ms = strtod(optarg, &end);
			if (*end || end == optarg || !(o->interval_ms >= 10 && o->interval_ms <= 60000)) {
				errf(err, errlen, "--interval %s: expected milliseconds, 10 to 60000",
				     optarg);
				return 2;
			}
			break;
		case OPT_PLAIN:
			o->plain = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_HELP:
			live_usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("live %s\n", CASCADE_VERSION);
			return 0;
		default:
			errf(err, errlen, "unknown or incomplete option '%s'", argv[optind - 1]);
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		if (add_target(o, argv[optind], err, errlen) < 0)
			return 2;
		any = true;
	}
	if (!any) {
		errf(err, errlen, "no tier given (e.g. gateway=8080 dbsim=8083)");
		return 2;
	}
	return -1;
}

/* ---- polling ---- */

struct target {
	CURL *easy;
	struct sbuf body;
	enum live_state state; /* of the last poll; LIVE_UP: a 200 whose body is in body */
};

struct poller {
	CURLM *multi;
	struct target t[TIER_COUNT]; /* easy == NULL: tier not shown */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg) /* CURLOPT_WRITEFUNCTION */
{
	struct target *tg = arg;
	size_t n = size * nmemb;

	if (tg->body.len + n > MAX_BODY_BYTES)
		return 0; /* makes curl fail the transfer */
	sbuf_add(&tg->body, data, n);
	return n;
}

static void poller_init(struct poller *pl, const struct live_opts *o)
{
	long timeout_ms =
	    (long)(o->interval_ms > MIN_TRANSFER_TIMEOUT_MS ? o->interval_ms : MIN_TRANSFER_TIMEOUT_MS);

	memset(pl, 0, sizeof(*pl));
	pl->multi = curl_multi_init();
	for (int t = 0; t < TIER_COUNT; t++) {
		struct target *tg = &pl->t[t];
		if (!o->url[t])
			continue;
		tg->easy = curl_easy_init();
		curl_easy_setopt(tg->easy, CURLOPT_URL, o->url[t]);
		curl_easy_setopt(tg->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(tg->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
		curl_easy_setopt(tg->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(tg->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(tg->easy, CURLOPT_WRITEDATA, tg);
		curl_easy_setopt(tg->easy, CURLOPT_PRIVATE, tg);
	}
}

static void poller_free(struct poller *pl)
{
	for (int t = 0; t < TIER_COUNT; t++) {
		if (pl->t[t].easy)
			curl_easy_cleanup(pl->t[t].easy);
		sbuf_free(&pl->t[t].body);
	}
	if (pl->multi)
		curl_multi_cleanup(pl->multi);
}

/* One GET /metrics to every shown tier, all at once; returns when each has
 * answered or failed (their transfer timeouts bound it) or a stop signal. */
static void poll_tiers(struct poller *pl)
{
	int running = 0, queued;
	CURLMsg *msg;

	for (int t = 0; t < TIER_COUNT; t++) {
		struct target *tg = &pl->t[t];
		if (!tg->easy)
			continue;
		sbuf_reset(&tg->body);
		tg->state = LIVE_NO_REPLY; /* unless the transfer finishes */
		curl_multi_add_handle(pl->multi, tg->easy);
	}
	do {
		if (curl_multi_perform(pl->multi, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(pl->multi, &queued))) {
			struct target *tg = NULL;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&tg);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			if (msg->data.result == CURLE_OK && status == 200)
				tg->state = LIVE_UP;
			else if (msg->data.result == CURLE_OPERATION_TIMEDOUT)
				tg->state = LIVE_NO_REPLY;
			else
				tg->state = LIVE_DOWN;
		}
		if (running == 0 || stop_requested)
			break;
		/* A signal interrupts the wait; the loop then sees stop_requested. */
		curl_multi_poll(pl->multi, NULL, 0, 100, NULL);
	} while (!stop_requested);
	for (int t = 0; t < TIER_COUNT; t++)
		if (pl->t[t].easy)
			curl_multi_remove_handle(pl->multi, pl->t[t].easy);
}

/* ---- terminal ---- */

static void terminal_size(int *cols, int *rows)
{
	struct winsize ws;

	*cols = 0;
	*rows = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static void write_all(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
	fflush(stdout);
}

/* ---- the loop ---- */

struct view {
	const struct live_opts *o;
	struct scenario sc;
	struct sclock clock;
	struct poller poller;
	struct live_frame frame;
	struct live_sample prev[TIER_COUNT];	   /* the previous refresh's readings */
	struct live_sample plain_prev[TIER_COUNT]; /* readings at the last plain line */
	struct live_history db_arrivals, goodput;
	bool tty;
	int64_t last_alive_mono_ns;
	int64_t last_plain_mono_ns;
};

/* Take this poll's answers into the frame: readings, rates, history. */
static void take_readings(struct view *v, int64_t now_mono_ns)
{
	double now_ms = sclock_ms_at(&v->clock, now_mono_ns);

	v->frame.now_ms = now_ms;
	for (int t = 0; t < TIER_COUNT; t++) {
		struct live_tier *tier = &v->frame.tiers[t];
		struct target *tg = &v->poller.t[t];

		if (!tier->shown)
			continue;
		tier->state = tg->state;
		if (tier->state == LIVE_UP && live_parse_metrics(sbuf_str(&tg->body), &tier->cur) < 0)
			tier->state = LIVE_DOWN; /* something else listens there */
		if (tier->state != LIVE_DOWN)
			v->last_alive_mono_ns = now_mono_ns;
		if (tier->state != LIVE_UP) {
			live_sample_clear(&tier->cur);
			live_rates_clear(&tier->rates);
			continue;
		}
		/* A server that is not a cascade tier may lack the clock. */
		if (isnan(tier->cur.time_s))
			tier->cur.time_s = now_ms / 1000;
		live_rates_between(&v->prev[t], &tier->cur, &tier->rates);
		v->prev[t] = tier->cur;
	}
	live_history_push(&v->db_arrivals, now_ms / 1000, v->frame.tiers[TIER_DBSIM].rates.arrivals);
	live_history_push(&v->goodput, now_ms / 1000, v->frame.tiers[TIER_GATEWAY].rates.ok);
}

static void draw(struct view *v, int64_t now_mono_ns)
{
	struct sbuf text = SBUF_INIT, screen = SBUF_INIT;

	if (v->o->quiet)
		return;
	if (v->tty) {
		int cols, rows;
		terminal_size(&cols, &rows);
		live_render_frame(&text, &v->frame);
		live_fit_screen(&screen, sbuf_str(&text), cols, rows);
		write_all(screen.buf, screen.len);
	} else if (now_mono_ns - v->last_plain_mono_ns >= (int64_t)PLAIN_EVERY_MS * 1000000) {
		/* A line per second carries rates over that second, not over
		 * the last refresh: steadier numbers for a log. */
		struct live_frame per_second = v->frame;

		for (int t = 0; t < TIER_COUNT; t++) {
			struct live_tier *tier = &per_second.tiers[t];
			if (!tier->shown || tier->state != LIVE_UP)
				continue;
			/* Without a reading a second ago (first line, tier back
			 * from a stall) the last refresh's rates stand in. */
			if (v->plain_prev[t].valid)
				live_rates_between(&v->plain_prev[t], &tier->cur, &tier->rates);
			v->plain_prev[t] = tier->cur;
		}
		if (v->last_plain_mono_ns)
			live_render_plain(&text, &per_second);
		v->last_plain_mono_ns = now_mono_ns;
		write_all(sbuf_str(&text), text.len);
	}
	sbuf_free(&text);
	sbuf_free(&screen);
}

static void sleep_until(int64_t mono_ns)
{
	struct timespec ts = {.tv_sec = mono_ns / 1000000000, .tv_nsec = mono_ns % 1000000000};

	/* EINTR from a stop signal ends the wait early: the caller checks. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int live_run(const struct live_opts *o, char *err, size_t errlen)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct sigaction sa;
	const char *term = getenv("TERM");
	int64_t interval_ns = (int64_t)(o->interval_ms * 1e6), next_ns;
	int rc = 0;

	v->o = o;
	if (scenario_load(&v->sc, o->scenario_path, NULL, 0, err, errlen) < 0) {
		rc = 2;
		goto done;
	}
	sclock_init(&v->clock, o->t0_real_ns ? clock_real_to_mono_ns(o->t0_real_ns) : clock_mono_ns(),
		    v->sc.time_scale);
	v->tty = !o->plain && isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
	v->frame.sc = &v->sc;
	v->frame.interval_ms = o->interval_ms;
	v->frame.color = v->tty && !getenv("NO_COLOR");
	v->frame.db_arrivals = &v->db_arrivals;
	v->frame.goodput = &v->goodput;
	for (int t = 0; t < TIER_COUNT; t++) {
		v->frame.tiers[t].name = tier_name(t);
		v->frame.tiers[t].shown = o->url[t] != NULL;
		live_sample_clear(&v->frame.tiers[t].cur);
		live_sample_clear(&v->prev[t]);
		live_sample_clear(&v->plain_prev[t]);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: a signal cuts the sleep short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	poller_init(&v->poller, o);
	if (v->tty && !o->quiet)
		write_all("\x1b[?25l\x1b[H\x1b[2J", 12); /* hide the cursor, clear once */

	v->last_alive_mono_ns = clock_mono_ns();
	next_ns = v->last_alive_mono_ns;
	while (!stop_requested) {
		int64_t now_ns;

		poll_tiers(&v->poller);
		if (stop_requested)
			break;
		now_ns = clock_mono_ns();
		take_readings(v, now_ns);
		if (now_ns - v->last_alive_mono_ns > (int64_t)LIVE_GONE_MS * 1000000)
			break;
		draw(v, now_ns);
		next_ns += interval_ns;
		if (next_ns < now_ns) /* fell behind (slow tiers): do not try to catch up */
			next_ns = now_ns;
		sleep_until(next_ns);
	}

	if (v->tty && !o->quiet)
		write_all("\x1b[0m\x1b[?25h", 10); /* the last frame stays on screen */
	poller_free(&v->poller);
	curl_global_cleanup();
done:
	scenario_free(&v->sc);
	free(v);
	return rc;
}
