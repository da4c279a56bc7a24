/* Unit tests for `report check`: a small run folder that keeps every
 * invariant (two client requests through all four tiers, with a connection
 * error, a retry and an attempt that ended after dbsim began to stop), then
 * one break per test, each of which must be reported with its file, line
 * and span. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "util.h"

#include "../../report/check.h"
#include "../../report/run.h"

static char ck_dir[64];

struct ck_attempt {
	const char *trace;
	int attempt;
	double intended_ms, start_ms, end_ms, latency_ms;
	int status;
	const char *outcome, *span;
};

struct ck_span {
	const char *trace, *span, *parent, *tier, *kind;
	int attempt;
	double start_ms, end_ms;
	int status;
	const char *outcome;
	double work_ms, wasted_ms;
};

/* The good run.  Request tA: one attempt, ok all the way down.  Request tB:
 * attempt 1 could not connect (no gateway row), attempt 2 reached the
 * gateway, whose attempt 1 broke (conn_error, no svc_a row) and attempt 2
 * went on to svc_b; svc_b's attempt 1 timed out at 1400 ms, after dbsim
 * began to stop (1300 ms, its last stats row), and attempt 2 was cut. */
static const struct ck_attempt good_attempts[] = {
    {"tA", 1, 0, 0, 100, 100, 200, "ok", "ra1"},
    {"tB", 1, 10, 10, 20, 10, 0, "conn_error", "rb1"},
    {"tB", 2, 1020, 1020, 1500, 480, 503, "http_error", "rb2"},
};
static const struct ck_span good_spans[] = {
    {"tA", "gA", "ra1", "gateway", "server", 0, 1, 99, 200, "ok", 97, 0},
    {"tA", "gAc1", "gA", "gateway", "client", 1, 2, 98, 200, "ok", 96, 0},
    {"tA", "aA", "gAc1", "svc_a", "server", 1, 3, 97, 200, "ok", 93, 0},
    {"tA", "aAc1", "aA", "svc_a", "client", 1, 4, 96, 200, "ok", 92, 0},
    {"tA", "bA", "aAc1", "svc_b", "server", 1, 5, 95, 200, "ok", 89, 0},
    {"tA", "bAc1", "bA", "svc_b", "client", 1, 6, 94, 200, "ok", 88, 0},
    {"tA", "dA", "bAc1", "dbsim", "server", 1, 7, 93, 200, "ok", 86, 0},
    {"tB", "gB", "rb2", "gateway", "server", 0, 1021, 1499, 503, "upstream_error", 376, 0},
    {"tB", "gBc1", "gB", "gateway", "client", 1, 1022, 1100, 0, "conn_error", 78, 0},
    {"tB", "gBc2", "gB", "gateway", "client", 2, 1200, 1498, 503, "upstream_error", 298, 0},
    {"tB", "aB", "gBc2", "svc_a", "server", 2, 1201, 1497, 503, "upstream_error", 295, 0},
    {"tB", "aBc1", "aB", "svc_a", "client", 1, 1202, 1496, 503, "upstream_error", 294, 0},
    {"tB", "bB", "aBc1", "svc_b", "server", 1, 1203, 1495, 503, "upstream_error", 290, 10},
    {"tB", "bBc1", "bB", "svc_b", "client", 1, 1204, 1400, 0, "timeout", 196, 0},
    {"tB", "bBc2", "bB", "svc_b", "client", 2, 1401, 1494, 0, "conn_error", 93, 0},
};
enum { NA = ARRAY_LEN(good_attempts), NS = ARRAY_LEN(good_spans) };

/* Each test's copy, changed before ck_write. */
static struct ck_attempt attempts[NA + 2];
static struct ck_span spans[NS + 2];
static size_t nattempts, nspans;

/* Last stats row per process: when each began to stop (dbsim first). */
static const struct {
	const char *proc;
	double stop_ms;
} stops[] = {{"loadgen", 1600}, {"gateway", 2000}, {"svc_a", 2000}, {"svc_b", 2000}, {"dbsim", 1300}};

static void ck_setup(void)
{
	snprintf(ck_dir, sizeof(ck_dir), "/tmp/cascade-check-XXXXXX");
	cr_assert_not_null(mkdtemp(ck_dir));
	memcpy(attempts, good_attempts, sizeof(good_attempts));
	memcpy(spans, good_spans, sizeof(good_spans));
	nattempts = NA;
	nspans = NS;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void ck_teardown(void)
{
	nftw(ck_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *ck_path(const char *name)
{
	return xasprintf("%s/%s", ck_dir, name);
}

static void ck_put(const char *name, const char *content)
{
	char *p = ck_path(name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot create %s", p);
	fputs(content, f);
	fclose(f);
	free(p);
}

static void ck_remove(const char *name)
{
	char *p = ck_path(name);
	cr_assert_eq(unlink(p), 0, "cannot remove %s", p);
	free(p);
}

static void add_span(struct sbuf *sb, const struct ck_span *s)
{
	sbuf_addf(sb, "%s,%s,%s,%s,%s,%d,%.3f,%.3f,,%d,%s,0.000,%.3f,%.3f,\n", s->trace, s->span, s->parent,
		  s->tier, s->kind, s->attempt, s->start_ms, s->end_ms, s->status, s->outcome, s->work_ms,
		  s->wasted_ms);
}

/* Write the run as run_scenario.sh leaves it: requests.csv, spans.csv and
 * stats.csv, and the processes' own files in tiers/. */
static void ck_write(void)
{
	static const char *const tiers[] = {"gateway", "svc_a", "svc_b", "dbsim"};
	struct sbuf sb = SBUF_INIT, merged = SBUF_INIT;
	char *tdir = ck_path("tiers");
	mkdir(tdir, 0755);
	free(tdir);

	sbuf_adds(&sb, REQUESTS_CSV_HEADER "\n");
	for (size_t i = 0; i < nattempts; i++) {
		const struct ck_attempt *a = &attempts[i];
		sbuf_addf(&sb, "%s,%d,%.3f,%.3f,%.3f,%.3f,%d,%s,%s\n", a->trace, a->attempt, a->intended_ms,
			  a->start_ms, a->end_ms, a->latency_ms, a->status, a->outcome, a->span);
	}
	ck_put("requests.csv", sbuf_str(&sb));

	sbuf_reset(&merged);
	sbuf_adds(&merged, SPAN_CSV_HEADER "\n");
	for (size_t i = 0; i < nspans; i++)
		add_span(&merged, &spans[i]);
	ck_put("spans.csv", sbuf_str(&merged));
	for (size_t t = 0; t < ARRAY_LEN(tiers); t++) {
		sbuf_reset(&sb);
		sbuf_adds(&sb, SPAN_CSV_HEADER "\n");
		for (size_t i = 0; i < nspans; i++)
			if (strcmp(spans[i].tier, tiers[t]) == 0)
				add_span(&sb, &spans[i]);
		char *name = xasprintf("tiers/%s.csv", tiers[t]);
		ck_put(name, sbuf_str(&sb));
		free(name);
	}

	sbuf_reset(&merged);
	sbuf_adds(&merged, STATS_CSV_HEADER "\n");
	for (size_t p = 0; p < ARRAY_LEN(stops); p++) {
		sbuf_reset(&sb);
		sbuf_adds(&sb, STATS_CSV_HEADER "\n");
		sbuf_addf(&sb, "1000.000,%s,1,0,0,0.100,0.200,0,0,0,0.000,0,0\n", stops[p].proc);
		sbuf_addf(&sb, "%.3f,%s,0,0,0,0.100,0.200,0,0,0,0.000,0,0\n", stops[p].stop_ms, stops[p].proc);
		sbuf_adds(&merged, strchr(sbuf_str(&sb), '\n') + 1);
		char *name = xasprintf("tiers/%s_stats.csv", stops[p].proc);
		ck_put(name, sbuf_str(&sb));
		free(name);
	}
	ck_put("stats.csv", sbuf_str(&merged));
	ck_put("summary.csv", "metric,value,unit\nclient_requests,2,count\n");
	sbuf_free(&sb);
	sbuf_free(&merged);
}

static struct ck_span *span_of(const char *id)
{
	for (size_t i = 0; i < nspans; i++)
		if (strcmp(spans[i].span, id) == 0)
			return &spans[i];
	cr_assert_fail("no span %s in the fixture", id);
	return NULL;
}

/* Check the folder; the result code and the printed lines. */
static struct sbuf ck_out;
static struct check_result ck_res;
static int ck_check(void)
{
	char err[ERR_LEN] = "";
	sbuf_free(&ck_out);
	int rc = check_run(ck_dir, &ck_out, &ck_res, err, sizeof(err));
	cr_assert_neq(rc, -1, "check_run: %s", err);
	return rc;
}

/* The output has a line starting with prefix and containing each of the
 * NULL-terminated parts (each FILE in them stands for the folder). */
static void has_line(const char *prefix, ...)
{
	const char *text = sbuf_str(&ck_out);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = xasprintf("%.*s", (int)len, line);
		bool match = strncmp(copy, prefix, strlen(prefix)) == 0;
		va_list ap;
		va_start(ap, prefix);
		for (const char *part; match && (part = va_arg(ap, const char *));) {
			struct sbuf want = SBUF_INIT;
			for (const char *p = part; *p;) {
				const char *file = strstr(p, "FILE");
				size_t n = file ? (size_t)(file - p) : strlen(p);
				sbuf_add(&want, p, n);
				if (file)
					sbuf_adds(&want, ck_dir);
				p += n + (file ? 4 : 0);
			}
			match = strstr(copy, sbuf_str(&want)) != NULL;
			sbuf_free(&want);
		}
		va_end(ap);
		free(copy);
		if (match)
			return;
		line += len + (nl ? 1 : 0);
	}
	cr_assert_fail("no line '%s ...' with the expected parts in:\n%s", prefix, text);
}

static void expect_fail(void)
{
	int rc = ck_check();
	cr_assert_eq(rc, 1, "expected a failed invariant, got:\n%s", sbuf_str(&ck_out));
	cr_assert_geq(ck_res.failed, 1);
}

TestSuite(check, .init = ck_setup, .fini = ck_teardown);

Test(check, good_run_holds_every_invariant)
{
	ck_write();
	int rc = ck_check();
	cr_assert_eq(rc, 0, "got:\n%s", sbuf_str(&ck_out));
	cr_assert_eq(ck_res.failed, 0);
	cr_assert_eq(ck_res.skipped, 0, "got:\n%s", sbuf_str(&ck_out));
	cr_assert_eq(ck_res.ok, 13, "got:\n%s", sbuf_str(&ck_out));
	cr_assert_null(strstr(sbuf_str(&ck_out), "FAIL"));
	has_line("ok: CSV files complete", "13 files", NULL);
	has_line("ok: merged files hold every process file's rows", "9 process files", NULL);
	has_line("ok: each client attempt once in requests.csv", "2 requests, 3 attempts", NULL);
	has_line("ok: each tier attempt once", "8 tier attempts for 6 inbound requests", NULL);
	has_line("ok: client -> gateway", "3 sent = 2 received + 1 conn_error/cancelled + 0 ended after",
		 NULL);
	has_line("ok: gateway -> svc_a", "3 sent = 2 received + 1 conn_error/cancelled + 0 ended", NULL);
	has_line("ok: svc_a -> svc_b", "2 sent = 2 received + 0 conn_error/cancelled + 0 ended", NULL);
	has_line("ok: svc_b -> dbsim",
		 "3 sent = 1 received + 1 conn_error/cancelled + 1 ended after dbsim began", NULL);
}

Test(check, missing_parent)
{
	span_of("bB")->parent = "zz";
	ck_write();
	expect_fail();
	/* bB is spans.csv's 13th row: line 14 */
	has_line("FAIL: every span's parent present:",
		 "FILE/spans.csv:14: span bB: svc_b server row: parent zz", "nowhere in the run", NULL);
	/* svc_a's attempt is then received by nobody and was not cut */
	has_line("FAIL: svc_a -> svc_b", "span aBc1: svc_a attempt (upstream_error): never reached svc_b",
		 NULL);
}

Test(check, parent_of_the_wrong_tier)
{
	span_of("bB")->parent = "gBc2"; /* a gateway attempt, svc_b's server row */
	ck_write();
	expect_fail();
	has_line("FAIL: every span's parent present:", "span bB:",
		 "is a gateway client row, expected a sent svc_a", NULL);
	has_line("FAIL: gateway -> svc_a", "span gBc2:", "received 2 times by svc_a", NULL);
}

Test(check, client_row_under_another_tier)
{
	span_of("aAc1")->parent = "gA";
	ck_write();
	expect_fail();
	has_line(
	    "FAIL: every span's parent present:", "FILE/spans.csv:5: span aAc1: svc_a client row: parent gA",
	    "expected a svc_a server row", NULL);
}

Test(check, gateway_row_without_its_loadgen_attempt)
{
	attempts[2].outcome = "not_sent"; /* rb2 never left, yet the gateway has a row for it */
	ck_write();
	expect_fail();
	has_line("FAIL: every span's parent present:",
		 "span gB: gateway server row: parent rb2 is a client attempt (not_sent)", NULL);
	has_line("FAIL: client -> gateway", "span gB: gateway received a request that no client attempt sent",
		 NULL);
}

Test(check, duplicate_attempt)
{
	attempts[nattempts++] = (struct ck_attempt){"tB", 2, 1020, 1020, 1500, 480, 503, "http_error", "rb3"};
	ck_write();
	expect_fail();
	has_line("FAIL: each client attempt once in requests.csv",
		 "FILE/requests.csv:5: span rb3:", "request tB: attempt 2 twice (also line 4)", NULL);
	/* and rb3 reached nobody, though it says it got an answer */
	has_line("FAIL: client -> gateway",
		 "requests.csv:5: span rb3: loadgen attempt (http_error): never reached gateway", NULL);
}

Test(check, attempt_numbers_with_a_gap)
{
	attempts[2].attempt = 3;
	ck_write();
	expect_fail();
	has_line("FAIL: each client attempt once in requests.csv",
		 "requests.csv:4: span rb2:", "request tB: attempt 3 without attempt 2", NULL);
}

Test(check, tier_attempt_twice)
{
	span_of("bBc2")->attempt = 1;
	ck_write();
	expect_fail();
	has_line("FAIL: each tier attempt once, numbered 1..n per inbound request",
		 "span bBc2:", "server span bB: attempt 1 twice (also line 15)", NULL);
}

Test(check, partial_last_line)
{
	ck_write();
	char *p = ck_path("spans.csv");
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(truncate(p, st.st_size - 10), 0); /* the last row loses its end and its newline */
	free(p);
	expect_fail();
	has_line("FAIL: CSV files complete:", "FILE/spans.csv:16:", "truncated line", "(1 of 13 files)",
		 NULL);
	/* what needs the span rows is skipped, not judged on part of them */
	has_line("skip: every span's parent present", "spans.csv incomplete", NULL);
	has_line("skip: svc_b -> dbsim", "spans.csv incomplete", NULL);
	cr_assert_eq(ck_res.failed, 1, "got:\n%s", sbuf_str(&ck_out));
}

Test(check, full_last_row_without_newline)
{
	ck_write();
	ck_put("summary.csv", "metric,value,unit\nclient_requests,2,count");
	expect_fail();
	has_line("FAIL: CSV files complete:", "FILE/summary.csv:2: truncated line: no newline at end of file",
		 NULL);
}

Test(check, wrong_header_and_wrong_field_count)
{
	ck_write();
	ck_put("timeseries.csv", "t_s,tier,arrivals\n0,client,1\n");
	expect_fail();
	has_line("FAIL: CSV files complete:", "FILE/timeseries.csv:1: unexpected header 't_s,tier,arrivals'",
		 NULL);
	ck_remove("timeseries.csv");
	ck_put("compare.csv",
	       "metric,run1,run2\nclient_requests,2\n"); /* any header, but every row as wide */
	expect_fail();
	has_line("FAIL: CSV files complete:", "FILE/compare.csv:2: 2 fields, expected 3", NULL);
}

Test(check, attempt_never_received)
{
	span_of("gBc1")->outcome = "timeout"; /* no svc_a row, not cut, ended at 1100 < svc_a's stop */
	ck_write();
	expect_fail();
	has_line("FAIL: gateway -> svc_a: attempts sent = requests received + cut:",
		 "FILE/spans.csv:10: span gBc1: gateway attempt (timeout): never reached svc_a, yet not "
		 "recorded as "
		 "conn_error or cancelled (1 offence)",
		 NULL);
}

Test(check, unreceived_attempt_before_the_stop_fails)
{
	span_of("bBc1")->end_ms = 1299; /* dbsim began to stop at 1300 */
	span_of("bBc1")->work_ms = 95;
	/* and dbsim took in an attempt sent after it, so it was not left
	 * queued behind everything dbsim read */
	struct ck_span *b2 = span_of("bBc2");
	b2->start_ms = 1240;
	b2->end_ms = 1298;
	b2->work_ms = 58;
	spans[nspans++] =
	    (struct ck_span){"tB", "dB", "bBc2", "dbsim", "server", 2, 1241, 1297, 499, "caller_gone", 56, 0};
	ck_write();
	expect_fail();
	has_line("FAIL: svc_b -> dbsim", "span bBc1: svc_b attempt (timeout): never reached dbsim", NULL);
}

Test(check, unanswered_attempt_left_queued_at_the_stop)
{
	/* the gateway's third attempt, sent after the last one svc_a took in
	 * (gBc2, at 1200 ms), timed out without an answer before svc_a began to
	 * stop: it sat in svc_a's queue behind everything svc_a read */
	spans[nspans++] =
	    (struct ck_span){"tB", "gBc3", "gB", "gateway", "client", 3, 1250, 1350, 0, "timeout", 100, 0};
	ck_write();
	cr_assert_eq(ck_check(), 0, "got:\n%s", sbuf_str(&ck_out));
	has_line("ok: gateway -> svc_a",
		 "4 sent = 2 received + 1 conn_error/cancelled + 0 ended after svc_a began to stop + 1 "
		 "unanswered, sent "
		 "after the last request svc_a took in",
		 NULL);
	/* an attempt that got an answer was read by someone: no such excuse */
	span_of("gBc3")->status = 504;
	span_of("gBc3")->outcome = "upstream_error";
	ck_write();
	expect_fail();
	has_line("FAIL: gateway -> svc_a", "span gBc3: gateway attempt (upstream_error): never reached svc_a",
		 NULL);
	/* nor one sent before a request svc_a did take in */
	span_of("gBc3")->status = 0;
	span_of("gBc3")->outcome = "timeout";
	span_of("gBc3")->start_ms = 1199;
	span_of("gBc3")->work_ms = 151;
	ck_write();
	expect_fail();
	has_line("FAIL: gateway -> svc_a", "span gBc3: gateway attempt (timeout): never reached svc_a", NULL);
}

Test(check, without_stop_times_no_allowance)
{
	ck_write();
	ck_remove("stats.csv");
	ck_remove("tiers/dbsim_stats.csv");
	expect_fail();
	has_line("FAIL: svc_b -> dbsim", "span bBc1: svc_b attempt (timeout): never reached dbsim", NULL);
	has_line("ok: client -> gateway", NULL);
}

Test(check, stop_times_from_the_process_files)
{
	ck_write();
	ck_remove("stats.csv");
	cr_assert_eq(ck_check(), 0, "got:\n%s", sbuf_str(&ck_out));
	has_line("ok: svc_b -> dbsim", "1 ended after dbsim began to stop", NULL);
}

Test(check, attempt_received_twice)
{
	span_of("dA")->parent = "bAc1";
	spans[nspans++] =
	    (struct ck_span){"tA", "dA2", "bAc1", "dbsim", "server", 1, 8, 90, 200, "ok", 80, 0};
	ck_write();
	expect_fail();
	has_line("FAIL: svc_b -> dbsim", "span bAc1: svc_b attempt (ok): received 2 times by dbsim", NULL);
}

Test(check, duplicate_span_id)
{
	span_of("aBc1")->span = "aAc1"; /* the same id twice (bB's parent then names the first) */
	ck_write();
	expect_fail();
	has_line("FAIL: every span id once",
		 "FILE/spans.csv:13: span aAc1: span_id already in FILE/spans.csv line 5", NULL);
}

Test(check, sent_attempt_without_span_id)
{
	attempts[1].span = "";
	ck_write();
	expect_fail();
	has_line("FAIL: every span id once", "requests.csv:3: a sent attempt (conn_error) without a span_id",
		 NULL);
}

Test(check, parent_disagrees)
{
	span_of("aB")->attempt = 1; /* the gateway's attempt was number 2 */
	span_of("dA")->trace = "tB";
	ck_write();
	expect_fail();
	has_line("FAIL: spans agree with their parents", "span dA: trace_id differs from its parent bAc1's",
		 "(2 offences)", NULL);
	/* the first offence in file order is dA (line 8), before aB (line 12) */
	has_line("FAIL: spans agree with their parents", "FILE/spans.csv:8:", NULL);
}

Test(check, attempt_before_its_request)
{
	span_of("aAc1")->start_ms = 2;
	ck_write();
	expect_fail();
	has_line("FAIL: spans agree with their parents",
		 "span aAc1: attempt starts at 2.000 ms, before its server span (3.000 ms)", NULL);
}

Test(check, times_and_work)
{
	span_of("dA")->end_ms = 6;
	ck_write();
	expect_fail();
	has_line("FAIL: times in order", "span dA: ends (6.000 ms) before it starts (7.000 ms)", NULL);
	span_of("dA")->end_ms = 93;
	span_of("bB")->wasted_ms = 300;
	ck_write();
	expect_fail();
	has_line("FAIL: work accounting", "span bB: wasted_ms 300.000 exceeds work_ms 290.000", NULL);
	span_of("bB")->wasted_ms = 10;
	attempts[0].latency_ms = 90;
	ck_write();
	expect_fail();
	has_line("FAIL: times in order",
		 "requests.csv:2: span ra1: latency_ms 90.000, but end_ms - intended_ms = 100.000", NULL);
}

Test(check, merged_file_lost_rows)
{
	ck_write();
	/* tiers/svc_a.csv has a row spans.csv does not */
	char *p = ck_path("tiers/svc_a.csv");
	FILE *f = fopen(p, "a");
	cr_assert_not_null(f);
	fputs("tC,aC,gCc1,svc_a,server,1,5.000,6.000,,200,ok,0.000,1.000,0.000,\n", f);
	fclose(f);
	free(p);
	expect_fail();
	has_line("FAIL: merged files hold every process file's rows:",
		 "FILE/tiers/svc_a.csv: 5 rows, but spans.csv has 4 svc_a rows", NULL);
}

Test(check, without_loadgen)
{
	ck_write();
	ck_remove("requests.csv");
	cr_assert_eq(ck_check(), 0, "got:\n%s", sbuf_str(&ck_out));
	has_line("skip: each client attempt once in requests.csv", "requests.csv absent", NULL);
	has_line("skip: client -> gateway", "requests.csv absent", NULL);
	has_line("ok: every span's parent present", "2 gateway rows unchecked: requests.csv absent", NULL);
	has_line("ok: svc_b -> dbsim", NULL);
	cr_assert_eq(ck_res.skipped, 2);
}

Test(check, tier_files_alone)
{
	/* what the processes leave in their --out folder, as the integration
	 * harness runs them: <tier>.csv and <proc>_stats.csv, nothing merged */
	ck_write();
	static const char *const names[] = {"gateway", "svc_a", "svc_b", "dbsim"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *from = xasprintf("%s/tiers/%s.csv", ck_dir, names[i]);
		char *to = xasprintf("%s/%s.csv", ck_dir, names[i]);
		cr_assert_eq(rename(from, to), 0);
		free(from);
		free(to);
	}
	ck_remove("requests.csv");
	ck_remove("spans.csv");
	ck_remove("stats.csv");
	cr_assert_eq(ck_check(), 0, "got:\n%s", sbuf_str(&ck_out));
	has_line("ok: every span's parent present", "15 span rows", NULL);
	has_line("ok: svc_b -> dbsim", "1 ended after dbsim began to stop", NULL);
	has_line("skip: merged files", NULL);
	/* and a break in one of them is found, named by that file */
	span_of("bB")->parent = "zz";
	struct sbuf sb = SBUF_INIT;
	sbuf_adds(&sb, SPAN_CSV_HEADER "\n");
	for (size_t i = 0; i < nspans; i++)
		if (strcmp(spans[i].tier, "svc_b") == 0)
			add_span(&sb, &spans[i]);
	ck_put("svc_b.csv", sbuf_str(&sb));
	sbuf_free(&sb);
	expect_fail();
	has_line("FAIL: every span's parent present:", "FILE/svc_b.csv:4: span bB:", NULL);
}

Test(check, not_a_run_folder)
{
	char err[ERR_LEN] = "";
	struct sbuf out = SBUF_INIT;
	struct check_result res;
	cr_assert_eq(check_run("/nonexistent/run", &out, &res, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/nonexistent/run: cannot read the folder"), "got: %s", err);
	cr_assert_eq(check_run(ck_dir, &out, &res, err, sizeof(err)), -1, "an empty folder");
	cr_assert(strstr(err, "no run records"), "got: %s", err);
	sbuf_free(&out);
}
