/* Unit tests for the classroom views of report: the attempt tree of one
 * request (parent links, depth, order), the worst request, the terminal
 * waterfall, trace.json (exact events on a tiny run, and valid JSON), the
 * plot series, report info, and HTML escaping. */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "util.h"

#include "../../report/html.h"
#include "../../report/info.h"
#include "../../report/reqtree.h"
#include "../../report/run.h"
#include "../../report/series.h"
#include "../../report/tracejson.h"
#include "../../report/waterfall.h"

static char cl_dir[64];

static void cl_setup(void)
{
	snprintf(cl_dir, sizeof(cl_dir), "/tmp/cascade-classroom-XXXXXX");
	cr_assert_not_null(mkdtemp(cl_dir));
}

static void cl_teardown(void)
{
	static const char *const names[] = {"requests.csv", "spans.csv", "stats.csv"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", cl_dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(cl_dir);
}

static void cl_write(const char *name, const char *content)
{
	char *p = xasprintf("%s/%s", cl_dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot create %s", p);
	fputs(content, f);
	fclose(f);
	free(p);
}

/* Write the three CSVs (headers added) and load them with a small scenario. */
static void cl_load(struct run *r, const char *requests, const char *spans)
{
	char err[ERR_LEN] = "";
	struct sbuf sb = SBUF_INIT;
	sbuf_addf(&sb, "%s\n%s", REQUESTS_CSV_HEADER, requests);
	cl_write("requests.csv", sbuf_str(&sb));
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%s\n%s", SPAN_CSV_HEADER, spans);
	cl_write("spans.csv", sbuf_str(&sb));
	sbuf_free(&sb);
	cl_write("stats.csv", STATS_CSV_HEADER "\n");
	memset(r, 0, sizeof(*r));
	r->sc.time_scale = 1;
	r->sc.name = "tiny";
	r->sc.load.rate_rps = 1;
	r->sc.load.duration_ms = 3000;
	int rc = run_load_csvs(r, cl_dir, err, sizeof(err));
	cr_assert_eq(rc, 0, "run_load_csvs: %s", err);
}

/* The span id of a tree node, for readable assertions. */
static const char *cl_id(const struct run *r, const struct reqtree_node *n)
{
	uint32_t id = n->attempt_row ? r->attempts[n->row].span : r->spans[n->row].span;
	return strpool_str(&r->ids, id);
}

/* ---- the attempt tree ------------------------------------------------------ */

/* t1: attempt 1 (a1) timed out; its gateway server G1 tried svc_a twice
 * (G1c1 -> A1, G1c2 -> A2); attempt 2 (a2) got G2.  X is a dbsim row whose
 * parent is not in the trace.  The file lists rows out of order on purpose.
 * t2 is another request that must not leak in. */
static const char cl_tree_requests[] = "t1,1,1000,1000,1300,300,,timeout,a1\n"
				       "t2,1,100,100,150,50,200,ok,b1\n"
				       "t1,2,1500,1600,2000,500,200,ok,a2\n";
static const char cl_tree_spans[] =
    "t1,G1c2,G1,gateway,client,2,1150.000,1290.000,,0,timeout,0,140,0,gateway#2\n"
    "t1,A2,G1c2,svc_a,server,2,1151.000,1289.000,25000.000,504,timeout,0,138,0,gateway#2\n"
    "t1,X,zz,dbsim,server,1,1700.000,1800.000,,200,ok,0,100,0,\n"
    "t1,G1,a1,gateway,server,1,1001.000,1299.000,30000.000,504,timeout,0,298,0,\n"
    "t2,H,b1,gateway,server,1,101.000,149.000,30000.000,200,ok,0,48,0,\n"
    "t1,A1,G1c1,svc_a,server,1,1003.000,1099.000,25000.000,504,timeout,0,96,0,gateway#1\n"
    "t1,G1c1,G1,gateway,client,1,1002.000,1100.000,,0,timeout,0,98,0,gateway#1\n"
    "t1,G2,a2,gateway,server,1,1601.000,1999.000,30000.000,200,ok,0,398,0,\n";

TestSuite(classroom_tree, .init = cl_setup, .fini = cl_teardown);

Test(classroom_tree, parent_links_depth_and_order)
{
	struct run r;
	struct reqtree t;
	cl_load(&r, cl_tree_requests, cl_tree_spans);
	reqtree_build(&r, strpool_find(&r.traces, "t1"), &t);
	static const struct {
		const char *id;
		int depth;
	} want[] = {
	    {"a1", 0}, {"G1", 1}, {"G1c1", 2}, {"A1", 3}, {"G1c2", 2},
	    {"A2", 3}, {"a2", 0}, {"G2", 1},   {"X", 0},
	};
	cr_assert_eq(t.n, ARRAY_LEN(want), "nodes: %zu", t.n);
	for (size_t i = 0; i < t.n; i++) {
		cr_assert_str_eq(cl_id(&r, &t.nodes[i]), want[i].id, "node %zu", i);
		cr_assert_eq(t.nodes[i].depth, want[i].depth, "node %zu (%s)", i, want[i].id);
	}
	cr_assert(t.nodes[0].attempt_row && t.nodes[6].attempt_row);
	cr_assert_str_eq(t.nodes[0].outcome, "timeout");
	cr_assert_eq(t.nodes[2].proc, RUN_PROC_OF_TIER(TIER_GATEWAY));
	cr_assert(!t.nodes[2].server && t.nodes[1].server);
	cr_assert_eq(t.nodes[4].attempt, 2);
	cr_assert_float_eq(t.nodes[1].budget_ms, 30000, 1e-9);
	cr_assert(t.nodes[0].budget_ms < 0, "client attempts carry no budget");
	cr_assert_float_eq(t.t0_ms, 1000, 1e-9);
	cr_assert_float_eq(t.end_ms, 2000, 1e-9);
	reqtree_free(&t);
	run_free(&r);
}

Test(classroom_tree, parent_cycle_still_lists_every_row)
{
	/* P and Q name each other as parent: neither is reachable from the
	 * attempt, both must still appear, once each. */
	struct run r;
	struct reqtree t;
	cl_load(&r, "t1,1,0,0,10,10,200,ok,a1\n",
		"t1,P,Q,svc_a,server,1,1.000,2.000,,200,ok,0,1,0,\n"
		"t1,Q,P,svc_b,server,1,3.000,4.000,,200,ok,0,1,0,\n");
	reqtree_build(&r, strpool_find(&r.traces, "t1"), &t);
	cr_assert_eq(t.n, 3);
	cr_assert_str_eq(cl_id(&r, &t.nodes[0]), "a1");
	cr_assert_str_eq(cl_id(&r, &t.nodes[1]), "P");
	cr_assert_str_eq(cl_id(&r, &t.nodes[2]), "Q");
	cr_assert_eq(t.nodes[2].depth, 1, "Q hangs under P");
	reqtree_free(&t);
	run_free(&r);
}

Test(classroom_tree, worst_is_most_db_hits_then_earliest)
{
	/* t1 and t3 both have 2 dbsim hits, t2 has 1; t3 was due earlier. */
	struct run r;
	unsigned hits = 0;
	cl_load(&r,
		"t1,1,500,500,600,100,200,ok,a1\n"
		"t2,1,100,100,200,100,200,ok,a2\n"
		"t3,1,300,300,400,100,200,ok,a3\n",
		"t1,D1,x,dbsim,server,1,501.000,502.000,,200,ok,0,1,0,\n"
		"t1,D2,x,dbsim,server,1,503.000,504.000,,200,ok,0,1,0,\n"
		"t2,D3,x,dbsim,server,1,101.000,102.000,,200,ok,0,1,0,\n"
		"t3,D4,x,dbsim,server,1,301.000,302.000,,200,ok,0,1,0,\n"
		"t3,D5,x,dbsim,server,1,303.000,304.000,,200,ok,0,1,0,\n"
		"t3,S1,x,svc_b,server,1,303.000,304.000,,200,ok,0,1,0,\n");
	uint32_t worst = reqtree_worst(&r, &hits);
	cr_assert_str_eq(strpool_str(&r.traces, worst), "t3");
	cr_assert_eq(hits, 2);
	run_free(&r);
}

/* ---- the terminal waterfall ------------------------------------------------- */

TestSuite(classroom_waterfall, .init = cl_setup, .fini = cl_teardown);

Test(classroom_waterfall, one_line_per_span_within_width)
{
	struct run r;
	struct reqtree t;
	struct sbuf out = SBUF_INIT;
	cl_load(&r, cl_tree_requests, cl_tree_spans);
	reqtree_build(&r, strpool_find(&r.traces, "t1"), &t);
	waterfall_format(&r, &t, 80, &out);
	const char *text = sbuf_str(&out);
	size_t lines = 0, bar_at = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "every line ends in a newline");
		size_t len = (size_t)(nl - p);
		cr_assert_leq(len, 80, "line %zu is %zu columns: %.*s", lines, len, (int)len, p);
		if (lines >= 3) { /* the axis and the span lines share the bar's column */
			const char *bar = memchr(p, '|', len);
			cr_assert_not_null(bar);
			if (!bar_at)
				bar_at = (size_t)(bar - p);
			cr_assert_eq((size_t)(bar - p), bar_at, "line %zu: bar misaligned", lines);
		}
		lines++;
		p = nl + 1;
	}
	cr_assert_eq(lines, 4 + 9, "three header lines, the axis line and one line per span");
	cr_assert(strstr(text, "request t1: 2 attempts, result ok\n1 dbsim hit, 9 rows;"), "%s", text);
	/* G1c2: depth 2, attempt 2, 150 ms after t0, 140 ms, no budget; the axis
	 * spans 1000 ms over 38 columns, so it starts at column 5 and a failed
	 * span draws '-' */
	cr_assert(strstr(text, "\n  gateway try2   150 140      - timeout |     -------      "), "%s", text);
	/* A1 starts 3 ms in: the first column */
	cr_assert(strstr(text, "\n   svc_a  srv      3  96  25000 timeout |----    "), "%s", text);
	/* X, the orphan, is a root; ok spans draw '=' */
	cr_assert(
	    strstr(text,
		   "\ndbsim     srv    700 100      - ok      |                          =====       |\n"),
	    "%s", text);
	reqtree_free(&t);
	sbuf_free(&out);
	run_free(&r);
}

Test(classroom_waterfall, short_outcomes)
{
	struct reqtree_node n = {.outcome = "deadline_expired"};
	char buf[24];
	waterfall_outcome(&n, buf, sizeof(buf));
	cr_assert_str_eq(buf, "deadline_exp");
	n.outcome = "http_error";
	n.attempt_row = true;
	n.status = 503;
	waterfall_outcome(&n, buf, sizeof(buf));
	cr_assert_str_eq(buf, "http_503");
	n.outcome = "caller_gone";
	n.attempt_row = false;
	waterfall_outcome(&n, buf, sizeof(buf));
	cr_assert_str_eq(buf, "caller_gone");
}

/* ---- trace.json ------------------------------------------------------------ */

TestSuite(classroom_trace, .init = cl_setup, .fini = cl_teardown);

Test(classroom_trace, exact_events_of_a_tiny_run)
{
	/* One request: the client attempt, the gateway's server span with its
	 * one attempt nested inside (same lane), and a dbsim query. */
	struct run r;
	struct sbuf out = SBUF_INIT;
	uint32_t *traces = NULL;
	cl_load(&r, "t1,1,100.000,100.500,400.000,299.500,200,ok,c1\n",
		"t1,g1,c1,gateway,server,1,101.000,399.000,30000.000,200,ok,0.000,298.000,0.000,\n"
		"t1,g2,g1,gateway,client,1,101.250,398.000,,200,ok,0.000,296.750,0.000,gateway#1\n"
		"t1,d1,g2,dbsim,server,1,102.000,397.000,,200,ok,10.000,285.000,0.000,gateway#1\n");
	size_t n = tracejson_sample(&r, 200, &traces);
	cr_assert_eq(n, 1);
	tracejson_format(&r, traces, n, &out);
	static const char want[] =
	    "{\"traceEvents\":[\n"
	    "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"client\"}},\n"
	    "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"sort_index\":1}},"
	    "\n"
	    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"t1 worst\"}},\n"
	    "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"sort_index\":1}},\n"
	    "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":2,\"tid\":0,\"args\":{\"name\":\"gateway\"}},\n"
	    "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":2,\"tid\":0,\"args\":{\"sort_index\":2}},"
	    "\n"
	    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":1,\"args\":{\"name\":\"t1 worst\"}},\n"
	    "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":2,\"tid\":1,\"args\":{\"sort_index\":1}},\n"
	    "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":3,\"tid\":0,\"args\":{\"name\":\"svc_a\"}},\n"
	    "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":3,\"tid\":0,\"args\":{\"sort_index\":3}},"
	    "\n"
	    "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":4,\"tid\":0,\"args\":{\"name\":\"svc_b\"}},\n"
	    "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":4,\"tid\":0,\"args\":{\"sort_index\":4}},"
	    "\n"
	    "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":5,\"tid\":0,\"args\":{\"name\":\"dbsim\"}},\n"
	    "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":5,\"tid\":0,\"args\":{\"sort_index\":5}},"
	    "\n"
	    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":5,\"tid\":1,\"args\":{\"name\":\"t1 worst\"}},\n"
	    "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":5,\"tid\":1,\"args\":{\"sort_index\":1}},\n"
	    "{\"name\":\"client try1 "
	    "ok\",\"cat\":\"client\",\"ph\":\"X\",\"ts\":100500,\"dur\":299500,\"pid\":1,"
	    "\"tid\":1,\"args\":{\"trace_id\":\"t1\",\"span_id\":\"c1\",\"parent_span_id\":\"\",\"kind\":"
	    "\"client\","
	    "\"attempt\":1,\"outcome\":\"ok\",\"status\":200,\"budget_ms\":null,\"lineage\":\"\",\"queue_"
	    "ms\":0.000,"
	    "\"work_ms\":null}},\n"
	    "{\"name\":\"gateway srv "
	    "ok\",\"cat\":\"server\",\"ph\":\"X\",\"ts\":101000,\"dur\":298000,\"pid\":2,"
	    "\"tid\":1,\"args\":{\"trace_id\":\"t1\",\"span_id\":\"g1\",\"parent_span_id\":\"c1\",\"kind\":"
	    "\"server\","
	    "\"attempt\":1,\"outcome\":\"ok\",\"status\":200,\"budget_ms\":30000.000,\"lineage\":\"\","
	    "\"queue_ms\":0.000,\"work_ms\":298.000}},\n"
	    "{\"name\":\"gateway try1 "
	    "ok\",\"cat\":\"client\",\"ph\":\"X\",\"ts\":101250,\"dur\":296750,\"pid\":2,"
	    "\"tid\":1,\"args\":{\"trace_id\":\"t1\",\"span_id\":\"g2\",\"parent_span_id\":\"g1\",\"kind\":"
	    "\"client\","
	    "\"attempt\":1,\"outcome\":\"ok\",\"status\":200,\"budget_ms\":null,\"lineage\":\"gateway#1\","
	    "\"queue_ms\":0.000,\"work_ms\":296.750}},\n"
	    "{\"name\":\"dbsim srv "
	    "ok\",\"cat\":\"server\",\"ph\":\"X\",\"ts\":102000,\"dur\":295000,\"pid\":5,"
	    "\"tid\":1,\"args\":{\"trace_id\":\"t1\",\"span_id\":\"d1\",\"parent_span_id\":\"g2\",\"kind\":"
	    "\"server\","
	    "\"attempt\":1,\"outcome\":\"ok\",\"status\":200,\"budget_ms\":null,\"lineage\":\"gateway#1\","
	    "\"queue_ms\":10.000,\"work_ms\":285.000}}\n"
	    "],\n"
	    "\"displayTimeUnit\":\"ms\",\n"
	    "\"otherData\":{\"scenario\":\"tiny\",\"requests\":1,\"worst_trace_id\":\"t1\","
	    "\"time\":\"scenario microseconds since the run's start\"}}\n";
	cr_assert_str_eq(sbuf_str(&out), want);
	free(traces);
	sbuf_free(&out);
	run_free(&r);
}

/* Find the X event with args.span_id == id. */
static const cJSON *cl_event(const cJSON *events, const char *id)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, events)
	{
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
		const cJSON *span = args ? cJSON_GetObjectItemCaseSensitive(args, "span_id") : NULL;
		if (cJSON_IsString(span) && strcmp(span->valuestring, id) == 0)
			return e;
	}
	return NULL;
}

static int cl_tid(const cJSON *e)
{
	return cJSON_GetObjectItemCaseSensitive(e, "tid")->valueint;
}

Test(classroom_trace, overlapping_spans_get_their_own_thread_and_json_parses)
{
	/* At svc_a, A1 (1003..1099) and A2 (1151..1289) follow each other: one
	 * thread.  Add A3 overlapping A2 without nesting: a second thread.
	 * Hostile text in the lineage must come out as valid JSON. */
	struct run r;
	struct sbuf out = SBUF_INIT;
	uint32_t *traces = NULL;
	struct sbuf spans = SBUF_INIT;
	sbuf_adds(&spans, cl_tree_spans);
	sbuf_adds(
	    &spans,
	    "t1,A3,G1c2,svc_a,server,3,1200.000,1400.000,,504,timeout,0,200,0,\"q\"\"\\\x01\xc3\xa9\"\n");
	cl_load(&r, cl_tree_requests, sbuf_str(&spans));
	sbuf_free(&spans);
	size_t n = tracejson_sample(&r, 200, &traces);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(strpool_str(&r.traces, traces[0]), "t1", "the worst request comes first");
	tracejson_format(&r, traces, n, &out);
	cJSON *doc = cJSON_Parse(sbuf_str(&out));
	cr_assert_not_null(doc, "trace.json does not parse:\n%s", sbuf_str(&out));
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(doc, "traceEvents");
	cr_assert(cJSON_IsArray(events));
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "displayTimeUnit")->valuestring, "ms");
	const cJSON *a1 = cl_event(events, "A1"), *a2 = cl_event(events, "A2"), *a3 = cl_event(events, "A3");
	cr_assert(a1 && a2 && a3);
	cr_assert_eq(cl_tid(a1), cl_tid(a2));
	cr_assert_neq(cl_tid(a2), cl_tid(a3));
	const cJSON *lineage =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a3, "args"), "lineage");
	cr_assert_str_eq(lineage->valuestring, "q\"\\\x01\xc3\x83\xc2\xa9",
			 "bytes >= 0x80 come back as U+00XX");
	/* 5 processes x 2; lanes: t1 client 1, gateway 1, svc_a 2, dbsim 1; t2 client 1, gateway 1 -> 7 x 2;
	 * 12 spans */
	cr_assert_eq(cJSON_GetArraySize(events), 5 * 2 + 7 * 2 + 12);
	cJSON_Delete(doc);
	free(traces);
	sbuf_free(&out);
	run_free(&r);
}

Test(classroom_trace, sample_every_kth_id_and_always_the_worst)
{
	/* 5 requests, at most 2: k = 3, ids sorted a b c d e -> a, d; the worst
	 * (c, the only one with a dbsim hit) first. */
	struct run r;
	uint32_t *traces = NULL;
	cl_load(&r,
		"e,1,0,0,1,1,200,ok,x5\n"
		"c,1,0,0,1,1,200,ok,x3\n"
		"a,1,0,0,1,1,200,ok,x1\n"
		"d,1,0,0,1,1,200,ok,x4\n"
		"b,1,0,0,1,1,200,ok,x2\n",
		"c,D,x3,dbsim,server,1,0.000,1.000,,200,ok,0,1,0,\n");
	size_t n = tracejson_sample(&r, 2, &traces);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(strpool_str(&r.traces, traces[0]), "c");
	cr_assert_str_eq(strpool_str(&r.traces, traces[1]), "a");
	cr_assert_str_eq(strpool_str(&r.traces, traces[2]), "d");
	free(traces);
	run_free(&r);
}

/* ---- plot series, info ------------------------------------------------------ */

TestSuite(classroom_series, .init = cl_setup, .fini = cl_teardown);

Test(classroom_series, db_work_spread_over_seconds_useful_and_wasted)
{
	/* D (useful: ok chain to a 200/ok attempt) queues 500..800 then works
	 * 1400 ms: 0.2 s in second 0, 1 s in second 1, 0.2 s in second 2.  W
	 * (caller gone) works 1000..1500: 0.5 s wasted in second 1. */
	struct run r;
	size_t n;
	double *useful, *wasted;
	cl_load(&r, "t1,1,0,0,2500,2500,200,ok,a1\n",
		"t1,G,a1,gateway,server,1,1.000,2400.000,,200,ok,0,2399,0,\n"
		"t1,D,G,dbsim,server,1,500.000,2200.000,,200,ok,300,1400,0,\n"
		"t1,W,G,dbsim,server,1,1000.000,1500.000,,499,caller_gone,0,500,500,\n");
	series_db_work(&r, &n, &useful, &wasted);
	cr_assert_eq(n, 3);
	cr_assert_float_eq(useful[0], 0.2, 1e-9);
	cr_assert_float_eq(useful[1], 1.0, 1e-9);
	cr_assert_float_eq(useful[2], 0.2, 1e-9);
	cr_assert_float_eq(wasted[0], 0, 1e-9);
	cr_assert_float_eq(wasted[1], 0.5, 1e-9);
	cr_assert_float_eq(wasted[2], 0, 1e-9);
	free(useful);
	free(wasted);
	run_free(&r);
}

Test(classroom_series, info_lines)
{
	struct fault faults[] = {
	    {.kind = FAULT_SLOWDOWN, .tier = TIER_DBSIM, .start_ms = 30000, .end_ms = 60000, .value = 20},
	    {.kind = FAULT_ERRORS, .tier = TIER_SVC_B, .start_ms = 40000, .end_ms = 45000, .value = 0.25},
	};
	struct scenario sc = {.name = "two\twords\n", .time_scale = 0.1, .faults = faults, .nfaults = 2};
	sc.load.rate_rps = 4;
	sc.load.duration_ms = 180000;
	sc.load.client_timeout_ms = 35000;
	sc.db.workers = 2;
	struct sbuf out = SBUF_INIT;
	info_format(&sc, &out);
	cr_assert_str_eq(sbuf_str(&out), "name\ttwo words \n"
					 "time_scale\t0.1\n"
					 "rate_rps\t4\n"
					 "duration_s\t180\n"
					 "client_timeout_s\t35\n"
					 "db_workers\t2\n"
					 "fault\t30\t60\tdbsim slowdown x20\n"
					 "fault\t40\t45\tsvc_b errors 25%\n");
	sbuf_free(&out);
}

/* ---- HTML -------------------------------------------------------------------- */

TestSuite(classroom_html, .init = cl_setup, .fini = cl_teardown);

Test(classroom_html, escape)
{
	struct sbuf out = SBUF_INIT;
	html_escape(&out, "<a href=\"x\">Tom & 'Jerry'</a>");
	cr_assert_str_eq(sbuf_str(&out), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
	sbuf_reset(&out);
	html_escape(&out, NULL);
	html_escape(&out, "plain");
	cr_assert_str_eq(sbuf_str(&out), "plain");
	sbuf_free(&out);
}

Test(classroom_html, page_escapes_file_text_and_notes_missing_plots)
{
	struct html_run hr = {0};
	size_t missing = 0;
	struct sbuf out = SBUF_INIT;
	cl_load(&hr.run, cl_tree_requests, cl_tree_spans);
	hr.run.sc.name = "<script>alert(1)</script>";
	hr.run.sc.description = "a & b";
	hr.label = hr.run.sc.name;
	hr.dir = cl_dir;
	summary_compute(&hr.run, &hr.sum);
	html_page(&hr, 1, NULL, &out, &missing);
	const char *page = sbuf_str(&out);
	cr_assert_eq(missing, 5, "five plots, none made");
	cr_assert_null(strstr(page, "<script"), "no script, escaped or not");
	cr_assert(strstr(page, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
	cr_assert(strstr(page, "a &amp; b"));
	cr_assert(strstr(page, "<table class=\"summary\">"));
	cr_assert(strstr(page, "Content-Security-Policy"));
	cr_assert(strstr(page, "<code>t1</code>"), "the worst request is named");
	hr.dir = NULL;
	hr.label = NULL;
	run_free(&hr.run);
	sbuf_free(&out);
}
