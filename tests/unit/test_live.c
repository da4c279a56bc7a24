/* Unit tests for the live view: reading /metrics text, rates between two
 * readings, and what the sparkline, the progress bar and the frame draw. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

#include "../../live/live.h"

/* What a dbsim renders (lib/proc.c render_metrics), trimmed to a few outcomes. */
static const char live_dbsim_text[] =
    "# HELP cascade_scenario_time_seconds Scenario time since the run's start.\n"
    "# TYPE cascade_scenario_time_seconds gauge\n"
    "cascade_scenario_time_seconds{tier=\"dbsim\"} 42.500\n"
    "# TYPE cascade_arrivals_total counter\n"
    "cascade_arrivals_total{tier=\"dbsim\"} 170\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"ok\"} 120\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"timeout\"} 3\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"deadline_expired\"} 4\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"statement_timeout\"} 5\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"shed\"} 6\n"
    "cascade_requests_total{tier=\"dbsim\",outcome=\"caller_gone\"} 7\n"
    "cascade_attempts_total{tier=\"dbsim\"} 0\n"
    "cascade_retries_total{tier=\"dbsim\"} 0\n"
    "cascade_attempt_results_total{tier=\"dbsim\",outcome=\"timeout\"} 0\n"
    "cascade_inflight{tier=\"dbsim\"} 25\n"
    "cascade_db_queue_depth{tier=\"dbsim\"} 23\n"
    "cascade_db_busy_workers{tier=\"dbsim\"} 2\n"
    "cascade_db_workers{tier=\"dbsim\"} 2\n"
    "cascade_loop_lag_seconds{tier=\"dbsim\",quantile=\"0.5\"} 0.000100\n"
    "cascade_loop_lag_seconds{tier=\"dbsim\",quantile=\"0.99\"} 0.002500\n"
    "cascade_loop_lag_seconds_count{tier=\"dbsim\"} 900\n";

/* A sample with only the counters the rates use. */
static struct live_sample live_counters(double time_s, double arrivals, double ok, double retries,
					double timeouts, double errors)
{
	struct live_sample s;

	live_sample_clear(&s);
	s.valid = true;
	s.time_s = time_s;
	s.arrivals = arrivals;
	s.req_ok = ok;
	s.retries = retries;
	s.req_timeout = timeouts;
	s.req_error = errors;
	return s;
}

/* Display columns of a line: UTF-8 lead bytes, ANSI sequences skipped. */
static size_t live_columns(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\x1b' && i + 1 < len && s[i + 1] == '[') {
			i += 2;
			while (i < len && !(s[i] >= '@' && s[i] <= '~'))
				i++;
			continue;
		}
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	}
	return w;
}

static size_t live_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(live, parse_reads_every_metric_of_a_dbsim)
{
	struct live_sample s;

	cr_assert_eq(live_parse_metrics(live_dbsim_text, &s), 0);
	cr_assert(s.valid);
	cr_assert_float_eq(s.time_s, 42.5, 1e-9);
	cr_assert_float_eq(s.arrivals, 170, 1e-9);
	cr_assert_float_eq(s.req_ok, 120, 1e-9);
	cr_assert_float_eq(s.req_timeout, 3 + 4 + 5, 1e-9, "timeout, deadline_expired, statement_timeout");
	cr_assert_float_eq(s.req_error, 6 + 7, 1e-9, "shed and caller_gone are errors");
	cr_assert_float_eq(s.req_gone, 7, 1e-9);
	cr_assert_float_eq(s.retries, 0, 1e-9);
	cr_assert_float_eq(s.inflight, 25, 1e-9);
	cr_assert_float_eq(s.queue_depth, 23, 1e-9);
	cr_assert_float_eq(s.busy_workers, 2, 1e-9);
	cr_assert_float_eq(s.workers, 2, 1e-9);
	cr_assert(s.has_db);
	cr_assert_float_eq(s.attempts, 0, 1e-9);
}

Test(live, parse_forwarder_has_no_db_gauges)
{
	struct live_sample s;
	const char *text = "cascade_arrivals_total{tier=\"svc_a\"} 10\n"
			   "cascade_retries_total{tier=\"svc_a\"} 4\n"
			   "cascade_inflight{tier=\"svc_a\"} 3\n";

	cr_assert_eq(live_parse_metrics(text, &s), 0);
	cr_assert_not(s.has_db);
	cr_assert(isnan(s.queue_depth));
	cr_assert(isnan(s.req_ok), "no outcome line seen: unknown, not 0");
	cr_assert_float_eq(s.retries, 4, 1e-9);
}

Test(live, parse_tolerates_the_exposition_format)
{
	struct live_sample s;
	/* Escaped quotes in another label, spaces around the label set,
	 * a timestamp after the value, CRLF, exponent notation, an unknown
	 * outcome (an error, so a new outcome is never silently dropped). */
	const char *text =
	    "  # a comment\r\n"
	    "\n"
	    "cascade_requests_total{note=\"say \\\"hi\\\"\",outcome=\"ok\"} 1e3 1700000000000\r\n"
	    "cascade_requests_total { outcome = \"brand_new\" } 2\n"
	    "cascade_inflight{tier=\"gateway\",} 7\n"
	    "cascade_arrivals_total 12";

	cr_assert_eq(live_parse_metrics(text, &s), 0);
	cr_assert_float_eq(s.req_ok, 1000, 1e-9);
	cr_assert_float_eq(s.req_error, 2, 1e-9);
	cr_assert_float_eq(s.inflight, 7, 1e-9, "trailing comma in the label set");
	cr_assert_float_eq(s.arrivals, 12, 1e-9, "last line without a newline");
}

Test(live, parse_skips_malformed_lines)
{
	struct live_sample s;
	const char *text = "cascade_inflight{tier=\"x} 5\n"	  /* unterminated label value */
			   "cascade_arrivals_total{tier=\"x\"}\n" /* no value */
			   "cascade_retries_total{tier=\"x\"} abc\n"
			   "cascade_db_workers{tier=\"x\"} 4x\n"
			   "cascade_attempts_total{tier=\"x\"} 9\n";

	cr_assert_eq(live_parse_metrics(text, &s), 0);
	cr_assert(isnan(s.inflight));
	cr_assert(isnan(s.arrivals));
	cr_assert(isnan(s.retries));
	cr_assert(isnan(s.workers));
	cr_assert_float_eq(s.attempts, 9, 1e-9);
}

Test(live, parse_rejects_text_without_cascade_metrics)
{
	struct live_sample s;

	cr_assert_eq(live_parse_metrics("", &s), -1);
	cr_assert_eq(live_parse_metrics("<html>404 Not Found</html>\n", &s), -1);
	cr_assert_eq(live_parse_metrics("go_goroutines 12\n# cascade_inflight 3\n", &s), -1);
	cr_assert_not(s.valid);
}

Test(live, rates_are_per_scenario_second)
{
	/* 2.5 scenario seconds apart (a 250 ms refresh at time scale 0.1). */
	struct live_sample a = live_counters(40.0, 100, 80, 10, 2, 1);
	struct live_sample b = live_counters(42.5, 110, 85, 20, 7, 1);
	struct live_rates r;

	cr_assert_eq(live_rates_between(&a, &b, &r), 0);
	cr_assert_float_eq(r.arrivals, 4.0, 1e-9);
	cr_assert_float_eq(r.ok, 2.0, 1e-9);
	cr_assert_float_eq(r.retries, 4.0, 1e-9);
	cr_assert_float_eq(r.timeouts, 2.0, 1e-9);
	cr_assert_float_eq(r.errors, 0.0, 1e-9);
}

Test(live, rates_unknown_without_a_usable_pair)
{
	struct live_sample a = live_counters(40.0, 100, 80, 10, 2, 1);
	struct live_sample same_time = live_counters(40.0, 120, 80, 10, 2, 1);
	struct live_sample restarted = live_counters(45.0, 3, 1, 0, 0, 0);
	struct live_sample none;
	struct live_rates r;

	live_sample_clear(&none);
	cr_assert_eq(live_rates_between(&none, &a, &r), -1);
	cr_assert(isnan(r.arrivals));
	cr_assert_eq(live_rates_between(&a, &same_time, &r), -1);
	cr_assert(isnan(r.ok));
	cr_assert_eq(live_rates_between(&a, &restarted, &r), -1, "counters went backwards");
	cr_assert(isnan(r.errors));
}

Test(live, rates_keep_missing_counters_unknown)
{
	struct live_sample a = live_counters(10, 5, 5, 0, 0, 0);
	struct live_sample b = live_counters(11, 9, 8, 0, 0, 0);
	struct live_rates r;

	a.retries = b.retries = NAN;
	cr_assert_eq(live_rates_between(&a, &b, &r), 0);
	cr_assert(isnan(r.retries));
	cr_assert_float_eq(r.arrivals, 4, 1e-9);
}

Test(live, sparkline_levels)
{
	struct sbuf sb = SBUF_INIT;
	const double v[] = {0, 1, 2, 3, 4, 5, 6, 7, NAN, -1, 70};

	cr_assert_eq(live_sparkline(&sb, v, ARRAY_LEN(v), 7), ARRAY_LEN(v));
	cr_assert_str_eq(sbuf_str(&sb), "▁▂▃▄▅▆▇█  █", "NAN and negative are gaps, above top clips");
	sbuf_free(&sb);
}

Test(live, sparkline_scales_to_its_max_without_a_top)
{
	struct sbuf sb = SBUF_INIT;
	const double v[] = {10, 20, 40};
	const double zeros[] = {0, 0};

	live_sparkline(&sb, v, ARRAY_LEN(v), 0);
	cr_assert_str_eq(sbuf_str(&sb), "▃▅█");
	sbuf_reset(&sb);
	live_sparkline(&sb, zeros, ARRAY_LEN(zeros), NAN);
	cr_assert_str_eq(sbuf_str(&sb), "▁▁");
	sbuf_free(&sb);
}

Test(live, bar_cells_mark_elapsed_time_and_fault_windows)
{
	/* 180 s over 60 cells: 3 s a cell; the fault covers cells 10-19; at
	 * 42 s the cells starting before 42 s (0-13) are elapsed. */
	struct fault f = {
	    .kind = FAULT_SLOWDOWN, .tier = TIER_DBSIM, .start_ms = 30000, .end_ms = 60000, .value = 10};
	char cells[61], want[61];

	memset(want, '.', 60);
	memset(want, '#', 10);
	memset(want + 10, 'F', 4);
	memset(want + 14, 'f', 6);
	want[60] = '\0';
	live_bar_cells(cells, 60, 42000, 180000, &f, 1);
	cr_assert_str_eq(cells, want);
}

Test(live, bar_cells_edges)
{
	/* A fault shorter than a cell still shows; one past the end is cut;
	 * before t0 nothing is elapsed, after the duration everything is. */
	struct fault f[] = {
	    {.kind = FAULT_STALL, .tier = TIER_SVC_B, .start_ms = 1000, .end_ms = 1100},
	    {.kind = FAULT_ERRORS, .tier = TIER_DBSIM, .start_ms = 9000, .end_ms = 50000, .value = 0.2},
	};
	char cells[11];

	live_bar_cells(cells, 10, -500, 10000, f, 2);
	cr_assert_str_eq(cells, ".f.......f");
	live_bar_cells(cells, 10, 99999, 10000, f, 2);
	cr_assert_str_eq(cells, "#F#######F");
	live_bar_cells(cells, 10, 5000, 0, f, 2);
	cr_assert_str_eq(cells, "..........", "no duration: nothing to show");
}

Test(live, bar_render_glyphs_and_color)
{
	struct fault f = {
	    .kind = FAULT_SLOWDOWN, .tier = TIER_DBSIM, .start_ms = 2000, .end_ms = 4000, .value = 10};
	struct sbuf sb = SBUF_INIT;

	live_bar_render(&sb, 6, 3000, 6000, &f, 1, false);
	cr_assert_str_eq(sbuf_str(&sb), "██▓▒░░");
	sbuf_reset(&sb);
	live_bar_render(&sb, 6, 3000, 6000, &f, 1, true);
	cr_assert(strstr(sbuf_str(&sb), "\x1b[33m▓▒\x1b[0m"), "fault cells in one yellow run: %s",
		  sbuf_str(&sb));
	cr_assert_eq(live_columns(sb.buf, sb.len), 6);
	sbuf_free(&sb);
}

Test(live, fault_labels)
{
	struct fault slow = {
	    .kind = FAULT_SLOWDOWN, .tier = TIER_DBSIM, .start_ms = 30000, .end_ms = 60000, .value = 10};
	struct fault lat = {
	    .kind = FAULT_LATENCY, .tier = TIER_SVC_B, .start_ms = 2500, .end_ms = 90000, .value = 250};
	struct fault err = {
	    .kind = FAULT_ERRORS, .tier = TIER_DBSIM, .start_ms = 0, .end_ms = 5000, .value = 0.2};
	struct fault cap = {
	    .kind = FAULT_CAPACITY, .tier = TIER_DBSIM, .start_ms = 1000, .end_ms = 2000, .value = 1};
	struct sbuf sb = SBUF_INIT;

	live_fault_label(&sb, &slow);
	cr_assert_str_eq(sbuf_str(&sb), "dbsim slowdown x10 30s–60s");
	sbuf_reset(&sb);
	live_fault_label(&sb, &lat);
	cr_assert_str_eq(sbuf_str(&sb), "svc_b latency +250ms 2.5s–90s");
	sbuf_reset(&sb);
	live_fault_label(&sb, &err);
	cr_assert_str_eq(sbuf_str(&sb), "dbsim errors 20% 0s–5s");
	sbuf_reset(&sb);
	live_fault_label(&sb, &cap);
	cr_assert_str_eq(sbuf_str(&sb), "dbsim down to 1 worker 1s–2s");
	sbuf_free(&sb);
}

Test(live, history_window_is_oldest_first)
{
	struct live_history h = {0};
	double out[LIVE_HISTORY];

	cr_assert_float_eq(live_history_window(&h, out), 0, 1e-9);
	cr_assert(isnan(out[0]) && isnan(out[LIVE_HISTORY - 1]));
	for (int i = 0; i < LIVE_HISTORY + 5; i++)
		live_history_push(&h, i * 2.5, i);
	cr_assert_float_eq(live_history_window(&h, out), (LIVE_HISTORY - 1) * 2.5, 1e-9);
	cr_assert_float_eq(out[0], 5, 1e-9, "the five oldest fell off");
	cr_assert_float_eq(out[LIVE_HISTORY - 1], LIVE_HISTORY + 4, 1e-9);
}

static void live_frame_fixture(struct scenario *sc, struct live_frame *f, struct live_history *db,
			       struct live_history *good, bool color)
{
	char err[ERR_LEN];

	cr_assert_eq(scenario_load(sc, NULL, NULL, 0, err, sizeof(err)), 0, "%s", err);
	free(sc->name);
	sc->name = xstrdup("incident");
	sc->load.duration_ms = 180000;
	sc->load.rate_rps = 4;
	free(sc->faults);
	sc->faults = xcalloc(1, sizeof(*sc->faults));
	sc->faults[0] = (struct fault){
	    .kind = FAULT_SLOWDOWN, .tier = TIER_DBSIM, .start_ms = 30000, .end_ms = 60000, .value = 10};
	sc->nfaults = 1;

	memset(f, 0, sizeof(*f));
	memset(db, 0, sizeof(*db));
	memset(good, 0, sizeof(*good));
	f->sc = sc;
	f->now_ms = 42000;
	f->interval_ms = 250;
	f->color = color;
	f->db_arrivals = db;
	f->goodput = good;
	for (int t = 0; t < TIER_COUNT; t++) {
		struct live_tier *tier = &f->tiers[t];
		tier->name = tier_name(t);
		tier->shown = true;
		tier->state = LIVE_UP;
		tier->cur = live_counters(42, 0, 0, 0, 0, 0);
		tier->cur.inflight = 3 + t;
		tier->cur.orphaned = t;
		tier->rates = (struct live_rates){.arrivals = 4 + t,
						  .ok = 3.5,
						  .retries = t,
						  .timeouts = 0,
						  .errors = t == TIER_DBSIM ? 1.5 : 0,
						  .gone = t == TIER_DBSIM ? 1.5 : 0};
	}
	f->tiers[TIER_DBSIM].cur.has_db = true;
	f->tiers[TIER_DBSIM].cur.queue_depth = 12;
	f->tiers[TIER_DBSIM].cur.busy_workers = 2;
	f->tiers[TIER_DBSIM].cur.workers = 2;
	for (int i = 0; i < 30; i++) {
		live_history_push(db, i * 2.5, i < 20 ? 4 : 4 + (i - 20) * 5);
		live_history_push(good, i * 2.5, i < 20 ? 4 : 0);
	}
}

Test(live, frame_fits_80_columns_and_shows_the_story)
{
	struct scenario sc;
	struct live_frame f;
	struct live_history db, good;

	for (int color = 0; color < 2; color++) {
		struct sbuf sb = SBUF_INIT;
		const char *p;

		live_frame_fixture(&sc, &f, &db, &good, color);
		live_render_frame(&sb, &f);
		for (p = sb.buf; *p;) {
			const char *nl = strchr(p, '\n');
			cr_assert_not_null(nl, "every line ends with a newline");
			cr_assert_leq(live_columns(p, (size_t)(nl - p)), 80, "too wide: %.*s", (int)(nl - p),
				      p);
			p = nl + 1;
		}
		cr_assert_leq(live_count(sb.buf, "\n"), 24, "fits a 24-line terminal");
		cr_assert(strstr(sb.buf, "incident"));
		cr_assert(strstr(sb.buf, "dbsim slowdown x10 30s–60s"));
		cr_assert(strstr(sb.buf, "active now"), "42 s is inside the fault window");
		cr_assert(strstr(sb.buf, "peak 49.0/s"), "dbsim's peak is labelled");
		cr_assert(strstr(sb.buf, "client 4/s"), "the offered rate is shown for reference");
		if (!color)
			cr_assert_eq(strchr(sb.buf, '\x1b'), NULL, "no escapes without color");
		else
			cr_assert(strstr(sb.buf, "\x1b[31m1.5\x1b[0m"), "dbsim's errors in red");
		sbuf_free(&sb);
		scenario_free(&sc);
	}
}

Test(live, frame_table_rows)
{
	struct scenario sc;
	struct live_frame f;
	struct live_history db, good;
	struct sbuf sb = SBUF_INIT;

	live_frame_fixture(&sc, &f, &db, &good, false);
	f.tiers[TIER_SVC_A].state = LIVE_NO_REPLY;
	f.tiers[TIER_SVC_B].state = LIVE_DOWN;
	live_render_frame(&sb, &f);
	cr_assert(strstr(sb.buf, "gateway     4.0    3.5    0.0         3        0    0.0    0.0\n"), "%s", sb.buf);
	cr_assert(strstr(sb.buf, "dbsim       7.0    3.5      -         6        3    0.0    1.5     12   2/2\n"),
		  "dbsim has no retries column, and its queue: %s", sb.buf);
	cr_assert(strstr(sb.buf, "\n  of err/s, the caller had left: dbsim 1.5\n"), "%s", sb.buf);
	cr_assert(strstr(sb.buf, "svc_a     no reply"));
	cr_assert(strstr(sb.buf, "svc_b     down"));
	cr_assert(strstr(sb.buf, "2 not answering"));
	sbuf_free(&sb);
	scenario_free(&sc);
}

Test(live, plain_line)
{
	struct scenario sc;
	struct live_frame f;
	struct live_history db, good;
	struct sbuf sb = SBUF_INIT;

	live_frame_fixture(&sc, &f, &db, &good, false);
	f.tiers[TIER_GATEWAY].rates.errors = NAN;
	f.tiers[TIER_SVC_B].shown = false;
	f.tiers[TIER_SVC_A].state = LIVE_DOWN;
	live_render_plain(&sb, &f);
	cr_assert_str_eq(sbuf_str(&sb),
			 "t=42.0s gateway arr=4.0/s ok=3.5/s ret=0.0/s infl=3 orph=0 tmo=0.0/s err=-"
			 " | svc_a down"
			 " | dbsim arr=7.0/s ok=3.5/s infl=6 orph=3 tmo=0.0/s err=1.5/s q=12 busy=2/2\n");
	sbuf_free(&sb);
	scenario_free(&sc);
}

Test(live, fit_screen_clips_lines_and_rows)
{
	struct sbuf sb = SBUF_INIT;

	live_fit_screen(&sb, "abcdef\n\x1b[31m██████\x1b[0m\nthird\nfourth\n", 4, 3);
	cr_assert_str_eq(sbuf_str(&sb),
			 "\x1b[H"
			 "abcd\x1b[K\n"
			 "\x1b[31m████\x1b[0m\x1b[0m\x1b[K\n"
			 "\x1b[J",
			 "two lines fit above the last row: %s", sbuf_str(&sb));
	sbuf_reset(&sb);
	live_fit_screen(&sb, "a\nb\n", 0, 0);
	cr_assert_str_eq(sbuf_str(&sb), "\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[J");
	sbuf_free(&sb);
}

Test(live, remedies_line_only_when_a_remedy_acted)
{
	struct scenario sc;
	struct live_frame f;
	struct live_history db, good;
	struct sbuf sb = SBUF_INIT;

	live_frame_fixture(&sc, &f, &db, &good, false);
	for (int t = 0; t < TIER_COUNT; t++)
		f.tiers[t].cur.retries_denied = f.tiers[t].cur.hedges = f.tiers[t].cur.breaker_open_s = 0;
	live_render_frame(&sb, &f);
	cr_assert_null(strstr(sb.buf, "remedies:"), "nothing acted: %s", sb.buf);
	sbuf_free(&sb);
	f.tiers[TIER_SVC_B].cur.retries_denied = 120;
	f.tiers[TIER_SVC_B].cur.breaker_open_s = 12.34;
	f.tiers[TIER_SVC_B].cur.cache_hits = 45;
	f.tiers[TIER_SVC_B].cur.cache_misses = 55;
	live_render_frame(&sb, &f);
	cr_assert(strstr(sb.buf, "remedies: svc_b 120 retries denied, breaker open 12.3 s, cache 45 % hits\n"), "%s",
		  sb.buf);
	sbuf_free(&sb);
	scenario_free(&sc);
}
