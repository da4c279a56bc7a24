/* Unit tests for report: the CSV reader's errors and line numbers, and every
 * summary metric on small hand-made runs whose answers were worked out by
 * hand (the arithmetic is in the comments). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "util.h"

/* report's headers live beside its sources; the build puts only lib/ on the
 * include path of tests */
#include "../../report/compare.h"
#include "../../report/csvread.h"
#include "../../report/run.h"
#include "../../report/summary.h"
#include "../../report/timeseries.h"

#define REQ_HEAD REQUESTS_CSV_HEADER "\n"
#define SPAN_HEAD SPAN_CSV_HEADER "\n"
#define STATS_HEAD STATS_CSV_HEADER "\n"

static char rt_dir[64];

static void rt_setup(void)
{
	snprintf(rt_dir, sizeof(rt_dir), "/tmp/cascade-report-XXXXXX");
	cr_assert_not_null(mkdtemp(rt_dir));
}

static void rt_teardown(void)
{
	static const char *const names[] = {"requests.csv", "spans.csv",   "stats.csv",	   "summary.csv",
					    "other.csv",    "compare.csv", "scenario.json"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", rt_dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(rt_dir);
}

static void rt_write(const char *name, const char *content)
{
	char *p = xasprintf("%s/%s", rt_dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot create %s", p);
	fputs(content, f);
	fclose(f);
	free(p);
}

/* One spans.csv row; budget empty, queue 0, lineage empty. */
static void rt_span(struct sbuf *sb, const char *trace, const char *id, const char *parent, const char *tier,
		    const char *kind, int attempt, double start_ms, double end_ms, int status,
		    const char *outcome, double work_ms, double wasted_ms)
{
	sbuf_addf(sb, "%s,%s,%s,%s,%s,%d,%.3f,%.3f,,%d,%s,0,%.3f,%.3f,\n", trace, id, parent, tier, kind,
		  attempt, start_ms, end_ms, status, outcome, work_ms, wasted_ms);
}

/* Load rt_dir's CSVs with an in-memory scenario; asserts success. */
static void rt_load(struct run *r, const struct scenario *sc)
{
	char err[ERR_LEN] = "";
	memset(r, 0, sizeof(*r));
	r->sc = *sc;
	int rc = run_load_csvs(r, rt_dir, err, sizeof(err));
	cr_assert_eq(rc, 0, "run_load_csvs: %s", err);
}

/* Load expecting failure; returns the message (static). */
static const char *rt_load_err(void)
{
	static char err[ERR_LEN];
	struct run r = {0};
	err[0] = '\0';
	int rc = run_load_csvs(&r, rt_dir, err, sizeof(err));
	run_free(&r);
	cr_assert_eq(rc, -1, "expected the load to fail");
	return err;
}

static struct scenario rt_scenario(double rate_rps, double duration_ms)
{
	struct scenario sc = {0};
	sc.time_scale = 1;
	sc.load.rate_rps = rate_rps;
	sc.load.duration_ms = duration_ms;
	return sc;
}

/* ---- CSV reader ---------------------------------------------------------- */

TestSuite(report_csv, .init = rt_setup, .fini = rt_teardown);

Test(report_csv, quoted_fields_and_line_numbers)
{
	char err[ERR_LEN] = "";
	rt_write("other.csv", "a,b,c\n"
			      "1,\"x,y\",\"say \"\"hi\"\"\"\n"
			      "2,\"two\nlines\",\r\n"
			      "3,,z\n");
	char *p = xasprintf("%s/other.csv", rt_dir);
	struct csvr *r = csvr_open(p, "a,b,c", err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(csvr_next(r, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(csvr_line(r), 2);
	cr_assert_str_eq(csvr_field(r, 1), "x,y");
	cr_assert_str_eq(csvr_field(r, 2), "say \"hi\"");
	cr_assert_eq(csvr_next(r, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(csvr_line(r), 3);
	cr_assert_str_eq(csvr_field(r, 1), "two\nlines");
	cr_assert_str_eq(csvr_field(r, 2), "");
	cr_assert_eq(csvr_next(r, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(csvr_line(r), 5, "a record after a two-line field starts on line 5");
	int v;
	bool present = true;
	cr_assert_eq(csvr_int(r, 0, &v, NULL, err, sizeof(err)), 0);
	cr_assert_eq(v, 3);
	cr_assert_eq(csvr_int(r, 1, &v, &present, err, sizeof(err)), 0);
	cr_assert(!present);
	cr_assert_eq(csvr_int(r, 2, &v, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "other.csv:5: column 'c': not an integer: 'z'"), "got: %s", err);
	cr_assert_eq(csvr_next(r, err, sizeof(err)), 0);
	csvr_close(r);
	free(p);
}

Test(report_csv, truncated_last_line_names_its_line)
{
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,10,10,200,ok,s1\n"
					  "t2,1,100,100,110,10,200,ok,s2\n"
					  "t3,1,200,200,2");
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD);
	const char *err = rt_load_err();
	char want[128];
	snprintf(want, sizeof(want), "%s/requests.csv:4: 5 fields, expected 9 (truncated line", rt_dir);
	cr_assert(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
}

Test(report_csv, missing_newline_with_full_row_is_truncation)
{
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,10,10,200,ok,s1");
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD);
	const char *err = rt_load_err();
	cr_assert(strstr(err, "requests.csv:2: truncated line"), "got: %s", err);
}

Test(report_csv, short_line_in_the_middle)
{
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,10,10,200,ok,s1\n");
	rt_write("spans.csv", SPAN_HEAD "t1,g1,s1,gateway,server,1,0,10,,200,ok,0,10,0,\n"
					"t1,g2,s1,gateway,server\n"
					"t1,g3,s1,gateway,server,1,0,10,,200,ok,0,10,0,\n");
	rt_write("stats.csv", STATS_HEAD);
	cr_assert(strstr(rt_load_err(), "spans.csv:3: 5 fields, expected 15"), "got: %s", rt_load_err());
}

Test(report_csv, wrong_header_names_the_file)
{
	rt_write("requests.csv", REQ_HEAD);
	rt_write("spans.csv", "trace_id,span_id,tier\n");
	rt_write("stats.csv", STATS_HEAD);
	const char *err = rt_load_err();
	char want[128];
	snprintf(want, sizeof(want), "%s/spans.csv:1: unexpected header 'trace_id,span_id,tier'", rt_dir);
	cr_assert(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
}

Test(report_csv, bad_number_and_bad_vocabulary)
{
	rt_write("requests.csv", REQ_HEAD);
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD "1000,gateway,1,0,0,0.5,1,0,0,0,0.000,0,0\n2000,gateway,1,0,0,abc,1,0,0,0,0.000,0,0\n");
	cr_assert(strstr(rt_load_err(), "stats.csv:3: column 'lag_p99_ms': not a number: 'abc'"), "got: %s",
		  rt_load_err());
	rt_write("stats.csv", STATS_HEAD);
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,10,10,200,okay,s1\n");
	cr_assert(strstr(rt_load_err(), "requests.csv:2: column 'outcome': unknown outcome 'okay'"),
		  "got: %s", rt_load_err());
}

/* A reader on text in memory (csvr_open_stream over fmemopen). */
static struct csvr *csv_on_text(const char *text, const char *header, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	cr_assert_not_null(f);
	return csvr_open_stream(f, "mem.csv", header, err, errlen);
}

/* Found by fuzz_csvread: after a record with a stray quote or a lone CR,
 * csvr_next returned -1 but left the fields read so far as the current
 * record, where the field-count errors leave none. */
Test(report_csv, a_malformed_record_leaves_no_half_record)
{
	static const char *const bad[] = {"a,b\n1,\"x\"y\n", "a,b\n1,x\"y\n", "a,b\n1,2\r3\n",
					  "a,b\n1,\"open\n", "a,b\n1\n", "a,b\n1,2,3\n", "a,b\n1,2"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char err[ERR_LEN] = "";
		struct csvr *r = csv_on_text(bad[i], "a,b", err, sizeof(err));
		cr_assert_not_null(r, "%s", err);
		cr_assert_eq(csvr_next(r, err, sizeof(err)), -1, "case %zu accepted", i);
		cr_assert(!strncmp(err, "mem.csv:2: ", 11), "case %zu: %s", i, err);
		cr_assert_eq(csvr_nfields(r), 0, "case %zu: %zu fields of a bad record visible", i,
			     csvr_nfields(r));
		cr_assert_str_eq(csvr_field(r, 0), "");
		csvr_close(r);
	}
}

Test(report_csv, missing_file_and_folder)
{
	rt_write("requests.csv", REQ_HEAD);
	rt_write("spans.csv", SPAN_HEAD);
	const char *err = rt_load_err();
	cr_assert(strstr(err, "stats.csv: cannot open"), "got: %s", err);

	char msg[ERR_LEN];
	struct run r = {0};
	cr_assert_eq(run_load(&r, "/nonexistent/run", msg, sizeof(msg)), -1);
	run_free(&r);
	cr_assert(strstr(msg, "/nonexistent/run: no such run folder"), "got: %s", msg);
}

/* ---- client requests and latency ----------------------------------------- */

TestSuite(report_latency, .init = rt_setup, .fini = rt_teardown);

Test(report_latency, percentiles_nearest_rank)
{
	double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	cr_assert_float_eq(summary_percentile(v, 100, 50), 50, 1e-9);
	cr_assert_float_eq(summary_percentile(v, 100, 90), 90, 1e-9);
	cr_assert_float_eq(summary_percentile(v, 100, 99), 99, 1e-9);
	cr_assert_float_eq(summary_percentile(v, 1, 99), 1, 1e-9);
	cr_assert(isnan(summary_percentile(v, 0, 50)));
}

Test(report_latency, request_latency_from_first_intended_to_last_end)
{
	/* t1: 0 -> 100 ok                      latency 100
	 * t2: 1000 timeout, retry ok at 1700   latency 700 (from attempt 1's intended)
	 * t3: 2000 -> 2050 http_error           latency 50 (completed, failed)
	 * t4: cancelled at the end             not completed
	 * t5: not_sent                         not completed
	 * t6: 5000 -> 5400 ok                  latency 400
	 * rows are in end order, as loadgen writes them (t2's retry after t3).
	 * Completed, sorted: 50 100 400 700 -> p50 = 2nd = 100, p90 = ceil(3.6) = 4th = 700. */
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,100,100,200,ok,a1\n"
					  "t2,1,1000,1000,1300,300,,timeout,a2\n"
					  "t3,1,2000,2000,2050,50,503,http_error,a3\n"
					  "t2,2,1500,1500,1700,200,200,ok,a4\n"
					  "t5,1,4000,,,,,not_sent,\n"
					  "t6,1,5000,5000,5400,400,200,ok,a6\n"
					  "t4,1,3000,3000,9000,6000,,cancelled,a5\n");
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD);
	struct scenario sc = rt_scenario(1, 10000);
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	cr_assert_float_eq(summary_value(&s, "client_requests"), 6, 1e-9);
	cr_assert_float_eq(summary_value(&s, "client_attempts"), 6, 1e-9);
	cr_assert_float_eq(summary_value(&s, "client_retries"), 1, 1e-9);
	cr_assert_float_eq(summary_value(&s, "not_sent"), 1, 1e-9);
	cr_assert_float_eq(summary_value(&s, "client_success_ratio"), 0.5, 1e-9);
	cr_assert_float_eq(summary_value(&s, "goodput_rps"), 0.3, 1e-9);
	cr_assert_float_eq(summary_value(&s, "latency_p50_ms"), 100, 1e-9);
	cr_assert_float_eq(summary_value(&s, "latency_p90_ms"), 700, 1e-9);
	cr_assert_float_eq(summary_value(&s, "latency_p99_ms"), 700, 1e-9);
	cr_assert_float_eq(summary_value(&s, "latency_max_ms"), 700, 1e-9);
	cr_assert(isnan(summary_value(&s, "recovery_s")), "no faults: no recovery time");
	run_free(&r);
}

/* ---- amplification -------------------------------------------------------- */

TestSuite(report_amplification, .init = rt_setup, .fini = rt_teardown);

Test(report_amplification, per_tier_and_per_request)
{
	/* 2 client requests.  Server rows: gateway 1+2 = 3, svc_a 1+3 = 4,
	 * svc_b 1+4 = 5, dbsim 1 (t1) + 6 (t2) + 1 (a trace the client never
	 * sent) = 8.  Amplification: 1.5, 2, 2.5, 4; hits per request max = 6
	 * (t2; the stray trace is no client request).  dbsim arrivals: second 0
	 * has 3, second 1 has 5 -> peak 5 / rate 2 = 2.5.  Client rows at the
	 * tiers must not count. */
	struct sbuf sp = SBUF_INIT;
	sbuf_adds(&sp, SPAN_HEAD);
	int n = 0;
	char id[16];
	const struct {
		const char *trace, *tier;
		int count;
		double start_ms;
	} rows[] = {
	    {"t1", "gateway", 1, 0},  {"t2", "gateway", 2, 0}, {"t1", "svc_a", 1, 0},
	    {"t2", "svc_a", 3, 0},    {"t1", "svc_b", 1, 0},   {"t2", "svc_b", 4, 0},
	    {"t1", "dbsim", 1, 100},  {"t2", "dbsim", 2, 900}, {"t2", "dbsim", 4, 1500},
	    {"tx", "dbsim", 1, 1999},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		for (int k = 0; k < rows[i].count; k++) {
			snprintf(id, sizeof(id), "x%d", n++);
			rt_span(&sp, rows[i].trace, id, "p", rows[i].tier, "server", 1, rows[i].start_ms,
				rows[i].start_ms + 10, 200, "ok", 10, 0);
		}
	}
	rt_span(&sp, "t2", "c1", "x0", "gateway", "client", 1, 0, 10, 200, "ok", 10, 0);
	rt_span(&sp, "t2", "c2", "x0", "svc_b", "client", 2, 0, 10, 200, "ok", 10, 0);
	rt_write("spans.csv", sbuf_str(&sp));
	sbuf_free(&sp);
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,100,100,200,ok,a1\n"
					  "t2,1,0,0,100,100,200,ok,a2\n");
	rt_write("stats.csv", STATS_HEAD);
	struct scenario sc = rt_scenario(2, 1000);
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	cr_assert_float_eq(summary_value(&s, "amplification_gateway"), 1.5, 1e-9);
	cr_assert_float_eq(summary_value(&s, "amplification_svc_a"), 2.0, 1e-9);
	cr_assert_float_eq(summary_value(&s, "amplification_svc_b"), 2.5, 1e-9);
	cr_assert_float_eq(summary_value(&s, "amplification_dbsim"), 4.0, 1e-9);
	cr_assert_float_eq(summary_value(&s, "db_hits_per_request"), 4.0, 1e-9);
	cr_assert_float_eq(summary_value(&s, "db_hits_per_request_max"), 6, 1e-9);
	cr_assert_float_eq(summary_value(&s, "db_peak_arrival_ratio"), 2.5, 1e-9);
	run_free(&r);
}

/* ---- useful and wasted work ---------------------------------------------- */

TestSuite(report_work, .init = rt_setup, .fini = rt_teardown);

Test(report_work, useful_ratio_follows_the_ok_chain)
{
	/* t1 succeeds: S0 -> G -> Gc -> A -> Ac -> B; svc_b's first attempt Bc1
	 * timed out (dbsim D1 finished ok but nobody used it: 400 ms, 150 of
	 * them after the caller left), its retry Bc2 got D2 (100 ms): useful.
	 * t2's chain is ok all the way down but the client gave up (timeout):
	 * D3's 500 ms are not useful.  Useful 100 / total 1000 = 0.1. */
	struct sbuf sp = SBUF_INIT;
	sbuf_adds(&sp, SPAN_HEAD);
	rt_span(&sp, "t1", "G", "S0", "gateway", "server", 1, 0, 700, 200, "ok", 690, 0);
	rt_span(&sp, "t1", "Gc", "G", "gateway", "client", 1, 1, 690, 200, "ok", 0, 0);
	rt_span(&sp, "t1", "A", "Gc", "svc_a", "server", 1, 2, 680, 200, "ok", 670, 0);
	rt_span(&sp, "t1", "Ac", "A", "svc_a", "client", 1, 3, 670, 200, "ok", 0, 0);
	rt_span(&sp, "t1", "B", "Ac", "svc_b", "server", 1, 4, 660, 200, "ok", 650, 0);
	rt_span(&sp, "t1", "Bc1", "B", "svc_b", "client", 1, 5, 255, 0, "timeout", 0, 0);
	rt_span(&sp, "t1", "D1", "Bc1", "dbsim", "server", 1, 6, 406, 200, "ok", 400, 150);
	rt_span(&sp, "t1", "Bc2", "B", "svc_b", "client", 2, 500, 650, 200, "ok", 0, 0);
	rt_span(&sp, "t1", "D2", "Bc2", "dbsim", "server", 2, 510, 610, 200, "ok", 100, 0);
	rt_span(&sp, "t2", "G2", "S9", "gateway", "server", 1, 1000, 2000, 200, "ok", 990, 200);
	rt_span(&sp, "t2", "G2c", "G2", "gateway", "client", 1, 1001, 1990, 200, "ok", 0, 0);
	rt_span(&sp, "t2", "A2", "G2c", "svc_a", "server", 1, 1002, 1980, 200, "ok", 970, 0);
	rt_span(&sp, "t2", "A2c", "A2", "svc_a", "client", 1, 1003, 1970, 200, "ok", 0, 0);
	rt_span(&sp, "t2", "B2", "A2c", "svc_b", "server", 1, 1004, 1960, 200, "ok", 950, 0);
	rt_span(&sp, "t2", "B2c", "B2", "svc_b", "client", 1, 1005, 1950, 200, "ok", 0, 0);
	rt_span(&sp, "t2", "D3", "B2c", "dbsim", "server", 1, 1006, 1506, 200, "ok", 500, 0);
	rt_write("spans.csv", sbuf_str(&sp));
	sbuf_free(&sp);
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,710,710,200,ok,S0\n"
					  "t2,1,1000,1000,1500,500,,timeout,S9\n");
	rt_write("stats.csv", STATS_HEAD);
	struct scenario sc = rt_scenario(1, 2000);
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	cr_assert_float_eq(summary_value(&s, "db_work_s"), 1.0, 1e-9);
	cr_assert_float_eq(summary_value(&s, "db_useful_work_ratio"), 0.1, 1e-9);
	cr_assert_float_eq(summary_value(&s, "wasted_s_dbsim"), 0.15, 1e-9);
	cr_assert_float_eq(summary_value(&s, "wasted_s_gateway"), 0.2, 1e-9);
	cr_assert_float_eq(summary_value(&s, "wasted_s_svc_a"), 0, 1e-9);
	run_free(&r);
}

Test(report_work, no_db_work_gives_empty_ratio)
{
	rt_write("requests.csv", REQ_HEAD "t1,1,0,0,10,10,502,http_error,S0\n");
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD);
	struct scenario sc = rt_scenario(1, 1000);
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	cr_assert_float_eq(summary_value(&s, "db_work_s"), 0, 1e-9);
	cr_assert(isnan(summary_value(&s, "db_useful_work_ratio")));
	run_free(&r);
}

/* ---- recovery --------------------------------------------------------------- */

TestSuite(report_recovery, .init = rt_setup, .fini = rt_teardown);

/* Ten requests intended in each second 0..19; ok_per_second[s] of them
 * succeed, the others time out. */
static void rt_write_series(const int ok_per_second[20])
{
	struct sbuf rq = SBUF_INIT;
	sbuf_adds(&rq, REQ_HEAD);
	for (int s = 0; s < 20; s++) {
		for (int i = 0; i < 10; i++) {
			double t = s * 1000 + i * 100;
			if (i < ok_per_second[s])
				sbuf_addf(&rq, "r%d_%d,1,%.0f,%.0f,%.0f,50,200,ok,s%d_%d\n", s, i, t, t,
					  t + 50, s, i);
			else
				sbuf_addf(&rq, "r%d_%d,1,%.0f,%.0f,%.0f,9000,,timeout,s%d_%d\n", s, i, t, t,
					  t + 9000, s, i);
		}
	}
	rt_write("requests.csv", sbuf_str(&rq));
	sbuf_free(&rq);
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", STATS_HEAD);
}

static double rt_recovery(double fault_start_ms, double fault_end_ms)
{
	struct fault faults[2] = {
	    {.kind = FAULT_SLOWDOWN,
	     .tier = TIER_DBSIM,
	     .start_ms = fault_start_ms,
	     .end_ms = fault_end_ms - 1000,
	     .value = 10},
	    {.kind = FAULT_ERRORS,
	     .tier = TIER_SVC_B,
	     .start_ms = fault_start_ms + 1000,
	     .end_ms = fault_end_ms,
	     .value = 0.5},
	};
	struct scenario sc = rt_scenario(10, 20000);
	sc.faults = faults;
	sc.nfaults = 2;
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	run_free(&r);
	return summary_value(&s, "recovery_s");
}

Test(report_recovery, dips_and_comes_back)
{
	/* Faults span [5 s, 10 s).  Before: 10/10 ok, so the bar is 0.9.
	 * From second 10: 10 fails (0.5), 11 and 12 pass, 13 fails (0.8),
	 * 14..18 all pass -> recovered at 14, i.e. 4 s after the fault's end. */
	const int ok[20] = {10, 10, 10, 10, 10, 0, 0, 0, 0, 0, 5, 9, 10, 8, 10, 9, 10, 10, 10, 10};
	rt_write_series(ok);
	cr_assert_float_eq(rt_recovery(5000, 10000), 4.0, 1e-9);
	/* A fault ending at 9.5 s: the search starts at second 10, same answer
	 * measured from 9.5 s. */
	cr_assert_float_eq(rt_recovery(5000, 9500), 4.5, 1e-9);
}

Test(report_recovery, never_recovers_within_the_data)
{
	/* As above but second 17 fails: windows may start at 10..15 (15 + 5 = 20
	 * seconds of data), and each of 14 and 15 holds second 17. */
	const int ok[20] = {10, 10, 10, 10, 10, 0, 0, 0, 0, 0, 5, 9, 10, 8, 10, 9, 10, 3, 10, 10};
	rt_write_series(ok);
	cr_assert(isnan(rt_recovery(5000, 10000)));
}

Test(report_recovery, bar_is_relative_to_pre_fault_level)
{
	/* Before the fault only 6/10 succeed: the bar is 0.54, so 6/10 after
	 * the fault is enough and recovery is immediate at second 10. */
	const int ok[20] = {6, 6, 6, 6, 6, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6};
	rt_write_series(ok);
	cr_assert_float_eq(rt_recovery(5000, 10000), 0.0, 1e-9);
}

/* ---- time series ------------------------------------------------------------ */

TestSuite(report_timeseries, .init = rt_setup, .fini = rt_teardown);

Test(report_timeseries, buckets_by_start_and_end)
{
	struct sbuf sp = SBUF_INIT;
	sbuf_adds(&sp, SPAN_HEAD);
	rt_span(&sp, "t1", "G", "S0", "gateway", "server", 1, 500, 2500, 504, "timeout", 2000, 0);
	rt_span(&sp, "t1", "Gc1", "G", "gateway", "client", 1, 510, 1510, 0, "timeout", 0, 0);
	rt_span(&sp, "t1", "Gc2", "G", "gateway", "client", 2, 1600, 2500, 0, "cancelled", 0, 0);
	rt_span(&sp, "t1", "D", "Gc1", "dbsim", "server", 1, 520, 3100, 200, "caller_gone", 2500, 1500);
	rt_write("spans.csv", sbuf_str(&sp));
	sbuf_free(&sp);
	rt_write("requests.csv", REQ_HEAD "t1,1,400,500,2600,2200,504,http_error,S0\n"
					  "t2,1,900,,,,,not_sent,\n");
	rt_write("stats.csv", STATS_HEAD "1000,gateway,3,0,0,0.2,0.5,0,0,0,0.000,0,0\n"
					 "1999,gateway,4,0,0,0.4,0.9,0,0,0,0.000,0,0\n"
					 "1500,gateway,9,0,0,9,9,0,0,0,0.000,0,0\n"
					 "1000,loadgen,1,,,0.1,0.1,0,0,0,0.000,0,0\n");
	struct scenario sc = rt_scenario(1, 1000);
	struct run r;
	struct timeseries ts;
	rt_load(&r, &sc);
	timeseries_build(&r, &ts);
	cr_assert_eq(ts.nsec, 4, "last event at 3.1 s: seconds 0..3");
	const struct ts_cell *c = timeseries_cell(&ts, 0, RUN_PROC_CLIENT);
	cr_assert_eq(c->arrivals, 1);
	cr_assert_eq(c->attempts, 1);
	cr_assert_eq(timeseries_cell(&ts, 2, RUN_PROC_CLIENT)->outcomes[TS_HTTP_ERROR], 1);
	c = timeseries_cell(&ts, 0, RUN_PROC_OF_TIER(TIER_GATEWAY));
	cr_assert_eq(c->arrivals, 1);
	cr_assert_eq(c->attempts, 1);
	cr_assert_eq(c->retries, 0);
	cr_assert(isnan(c->inflight), "no stats sample in second 0");
	c = timeseries_cell(&ts, 1, RUN_PROC_OF_TIER(TIER_GATEWAY));
	cr_assert_eq(c->attempts, 1);
	cr_assert_eq(c->retries, 1);
	cr_assert_float_eq(c->inflight, 4, 1e-9, "the last sample of second 1, not the last row");
	cr_assert_float_eq(c->lag_p99_ms, 0.4, 1e-9);
	cr_assert_eq(timeseries_cell(&ts, 2, RUN_PROC_OF_TIER(TIER_GATEWAY))->outcomes[OUT_TIMEOUT], 1);
	cr_assert_eq(timeseries_cell(&ts, 2, RUN_PROC_OF_TIER(TIER_GATEWAY))->outcomes[OUT_CANCELLED], 0,
		     "client rows do not count as outcomes");
	cr_assert_eq(timeseries_cell(&ts, 3, RUN_PROC_OF_TIER(TIER_DBSIM))->outcomes[OUT_CALLER_GONE], 1);
	cr_assert_float_eq(timeseries_cell(&ts, 1, RUN_PROC_CLIENT)->inflight, 1, 1e-9);
	cr_assert(isnan(timeseries_cell(&ts, 1, RUN_PROC_CLIENT)->queue_depth));
	cr_assert_null(timeseries_cell(&ts, 4, RUN_PROC_CLIENT));
	timeseries_free(&ts);
	run_free(&r);
}

/* ---- lag and faithfulness ---------------------------------------------------- */

TestSuite(report_lag, .init = rt_setup, .fini = rt_teardown);

static double rt_faithful(const char *stats)
{
	rt_write("requests.csv", REQ_HEAD);
	rt_write("spans.csv", SPAN_HEAD);
	rt_write("stats.csv", stats);
	/* client timeout 1000 scenario ms at time_scale 0.5 = 500 real ms:
	 * the bar is 1 % of it, 5 real ms */
	struct scenario sc = rt_scenario(1, 1000);
	sc.time_scale = 0.5;
	sc.load.client_timeout_ms = 1000;
	struct run r;
	struct summary s;
	rt_load(&r, &sc);
	summary_compute(&r, &s);
	run_free(&r);
	cr_assert_float_eq(summary_value(&s, "lag_max_ms_client"), 12, 1e-9);
	cr_assert(isnan(summary_value(&s, "lag_max_ms_gateway")));
	return summary_value(&s, "faithful");
}

Test(report_lag, faithful_against_one_percent_of_real_timeout)
{
	cr_assert_float_eq(rt_faithful(STATS_HEAD "1000,loadgen,0,0,0,4.9,12,0,0,0,0.000,0,0\n2000,loadgen,0,0,0,1,3,0,0,0,0.000,0,0\n"), 1,
			   1e-9);
	cr_assert_float_eq(rt_faithful(STATS_HEAD "1000,loadgen,0,0,0,4.9,12,0,0,0,0.000,0,0\n2000,loadgen,0,0,0,5.1,3,0,0,0,0.000,0,0\n"), 0,
			   1e-9);
}

/* ---- compare ------------------------------------------------------------------ */

TestSuite(report_compare, .init = rt_setup, .fini = rt_teardown);

Test(report_compare, columns_per_run_and_unique_labels)
{
	char err[ERR_LEN] = "";
	struct compare c = COMPARE_INIT;
	char *a = xasprintf("%s/summary.csv", rt_dir), *b = xasprintf("%s/other.csv", rt_dir);
	char *out = xasprintf("%s/compare.csv", rt_dir);
	rt_write("summary.csv", SUMMARY_CSV_HEADER "\nclient_requests,10,count\nrecovery_s,,s\n");
	rt_write("other.csv", SUMMARY_CSV_HEADER "\nclient_requests,12,count\nfaithful,1,bool\n");
	cr_assert_eq(compare_add(&c, "incident", a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(compare_add(&c, "incident", b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(compare_write(&c, out, err, sizeof(err)), 0, "%s", err);
	FILE *f = fopen(out, "r");
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	cr_assert_str_eq(buf, "metric,unit,incident,incident (2)\n"
			      "client_requests,count,10,12\n"
			      "recovery_s,s,,\n"
			      "faithful,bool,,1\n");
	struct sbuf table = SBUF_INIT;
	compare_format(&c, &table);
	cr_assert(strstr(sbuf_str(&table), "client_requests  count        10            12\n"), "got:\n%s",
		  sbuf_str(&table));
	sbuf_free(&table);

	rt_write("other.csv", SUMMARY_CSV_HEADER "\nclient_requests,12\n");
	cr_assert_eq(compare_add(&c, "x", b, err, sizeof(err)), -1);
	cr_assert(strstr(err, "other.csv:2: 2 fields, expected 3"), "got: %s", err);
	cr_assert_eq(c.nruns, 2, "a bad file adds no column");
	compare_free(&c);
	free(a);
	free(b);
	free(out);
}
