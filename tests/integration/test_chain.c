/* test_chain: the four real processes on free loopback ports, driven by HTTP
 * requests, checked through their replies and the rows they record. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "harness.h"

TestSuite(chain, .fini = h_cleanup);

/* Fast and quiet by default; each test overrides what it is about. */
static const char *const BASE = "{\n"
				"  \"name\": \"it\",\n"
				"  \"seed\": 7,\n"
				"  \"time_scale\": 1,\n"
				"  \"tiers\": {\n"
				"    \"gateway\": {\"retries\": 0},\n"
				"    \"svc_a\": {\"retries\": 0},\n"
				"    \"svc_b\": {\"retries\": 0},\n"
				"    \"dbsim\": {\"workers\": 4, \"service_time\": {\"dist\": \"fixed\", \"value\": \"5ms\"}}\n"
				"  }\n"
				"}\n";

#define TRACE "0af7651916cd43dd8448eb211c80319c"
#define TRACEPARENT "traceparent: 00-" TRACE "-b7ad6b7169203331-01"

static size_t count_rows(const struct h_csv *csv, const char *trace, const char *kind)
{
	return h_csv_count(csv, "trace_id", trace, "kind", kind);
}

/* GET / on the gateway with extra headers, bounded by timeout_ms. */
static void get_gateway(const struct chain *c, const char *const *hdrs, long timeout_ms, struct h_response *res)
{
	char *url = h_url(c, H_GATEWAY, "/");
	h_get(url, hdrs, timeout_ms, res);
	free(url);
}

static double num(const struct h_csv *csv, size_t row, const char *col)
{
	return atof(h_csv_get(csv, row, col));
}

/* Stop the chain; every process exited 0 and its records are consistent. */
static void stop_ok(struct chain *c)
{
	chain_stop(c);
	for (int i = 0; i < H_TIERS; i++)
		cr_assert_eq(c->exit_status[i], 0, "%s exited with %d", h_tier_name(i), c->exit_status[i]);
	cr_assert_eq(chain_report_check(c), 0, "report check: see %s/check.txt", c->dir);
}

Test(chain, request_succeeds_end_to_end_and_is_traced_everywhere, .timeout = 30)
{
	struct chain c;
	struct h_response res;
	const char *hdrs[] = {TRACEPARENT, NULL};

	chain_start(&c, BASE, NULL);
	get_gateway(&c, hdrs, 5000, &res);
	cr_assert_eq(res.status, 200, "status %ld body %s", res.status, res.body);
	cr_assert(strstr(res.body, "\"tier\":\"dbsim\""), "the body passes through: %s", res.body);
	cr_assert(strstr(res.body, "gateway#1>svc_a#1>svc_b#1"), "lineage reaches dbsim: %s", res.body);
	stop_ok(&c);

	for (int i = 0; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(&c, h_tier_name(i));
		size_t servers = count_rows(&csv, TRACE, "server");
		cr_assert_eq(servers, 1, "%s: %zu server rows for the trace", h_tier_name(i), servers);
		for (size_t r = 0; r < csv.nrows; r++)
			if (strcmp(h_csv_get(&csv, r, "kind"), "server") == 0)
				cr_assert_str_eq(h_csv_get(&csv, r, "outcome"), "ok");
		if (i != H_DBSIM)
			cr_assert_eq(count_rows(&csv, TRACE, "client"), 1);
		h_csv_free(&csv);
	}
}

Test(chain, budget_shrinks_down_the_chain, .timeout = 30)
{
	static const char *const sets[] = {
		"tiers.gateway.propagate_deadline=true", "tiers.svc_a.propagate_deadline=true",
		"tiers.svc_b.propagate_deadline=true", "deadline.margin=1ms", NULL};
	const char *hdrs[] = {TRACEPARENT, "grpc-timeout: 10S", NULL};
	struct chain c;
	struct h_response res;
	double budget[H_TIERS];

	chain_start(&c, BASE, sets);
	get_gateway(&c, hdrs, 5000, &res);
	cr_assert_eq(res.status, 200, "status %ld body %s", res.status, res.body);
	stop_ok(&c);

	for (int i = 0; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(&c, h_tier_name(i));
		for (size_t r = 0; r < csv.nrows; r++)
			if (strcmp(h_csv_get(&csv, r, "kind"), "server") == 0)
				budget[i] = num(&csv, r, "budget_ms");
		h_csv_free(&csv);
	}
	/* gateway's own 30 s timeout is later than the 10 s it received */
	cr_assert_float_eq(budget[H_GATEWAY], 10000.0, 0.001);
	cr_assert_lt(budget[H_SVC_A], budget[H_GATEWAY]);
	cr_assert_lt(budget[H_SVC_B], budget[H_SVC_A]);
	cr_assert_lt(budget[H_DBSIM], budget[H_SVC_B]);
	cr_assert_gt(budget[H_DBSIM], 9000.0, "the budget lost more than transit and margins: %f", budget[H_DBSIM]);
}

Test(chain, retries_multiply_down_the_chain, .timeout = 60)
{
	/* dbsim fails every query at once; r_g = 1, r_a = 2, r_b = 1 */
	static const char *const sets[] = {
		"tiers.gateway.retries=1", "tiers.svc_a.retries=2", "tiers.svc_b.retries=1",
		"tiers.gateway.backoff={\"base\":\"1ms\",\"cap\":\"2ms\",\"jitter\":\"none\"}",
		"tiers.svc_a.backoff={\"base\":\"1ms\",\"cap\":\"2ms\",\"jitter\":\"none\"}",
		"tiers.svc_b.backoff={\"base\":\"1ms\",\"cap\":\"2ms\",\"jitter\":\"none\"}",
		"faults=[{\"tier\":\"dbsim\",\"kind\":\"errors\",\"start\":\"0s\",\"end\":\"1h\",\"fraction\":1}]",
		NULL};
	const char *hdrs[] = {TRACEPARENT, NULL};
	struct chain c;
	struct h_response res;
	struct h_csv db;

	chain_start(&c, BASE, sets);
	get_gateway(&c, hdrs, 10000, &res);
	cr_assert_eq(res.status, 500, "the last error passes up: %ld %s", res.status, res.body);
	stop_ok(&c);

	db = chain_csv(&c, "dbsim");
	cr_assert_eq(count_rows(&db, TRACE, NULL), 2 * 3 * 2, "dbsim hits: %zu", count_rows(&db, TRACE, NULL));
	for (size_t i = 0; i < db.nrows; i++) {
		cr_assert_str_eq(h_csv_get(&db, i, "outcome"), "fault_error");
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(h_csv_get(&db, i, "lineage"), h_csv_get(&db, j, "lineage"));
	}
	h_csv_free(&db);
}

/* Rows of every tier for the trace must end by `limit_ms`; returns the
 * largest dbsim wasted_ms seen. */
static double check_rows_end_by(const struct chain *c, double limit_ms)
{
	double wasted = 0;
	for (int i = 0; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(c, h_tier_name(i));
		for (size_t r = 0; r < csv.nrows; r++) {
			if (limit_ms > 0)
				cr_assert_leq(num(&csv, r, "end_ms"), limit_ms, "%s row %zu ends at %s",
					      h_tier_name(i), r, h_csv_get(&csv, r, "end_ms"));
			if (i == H_DBSIM && num(&csv, r, "wasted_ms") > wasted)
				wasted = num(&csv, r, "wasted_ms");
		}
		h_csv_free(&csv);
	}
	return wasted;
}

static double gateway_server(const struct chain *c, const char *col)
{
	struct h_csv g = chain_csv(c, "gateway");
	double v = 0;
	cr_assert_eq(count_rows(&g, NULL, "server"), 1);
	for (size_t r = 0; r < g.nrows; r++)
		if (strcmp(h_csv_get(&g, r, "kind"), "server") == 0)
			v = num(&g, r, col);
	h_csv_free(&g);
	return v;
}

Test(chain, deadline_and_cancellation_stop_all_work_at_the_deadline, .timeout = 60)
{
	static const char *const sets[] = {
		"tiers.gateway.timeout=300ms",          "tiers.svc_a.timeout=none",
		"tiers.svc_b.timeout=none",             "tiers.gateway.propagate_deadline=true",
		"tiers.svc_a.propagate_deadline=true",  "tiers.svc_b.propagate_deadline=true",
		"tiers.gateway.propagate_cancel=true",  "tiers.svc_a.propagate_cancel=true",
		"tiers.svc_b.propagate_cancel=true",    "tiers.dbsim.honor_deadline=true",
		"tiers.dbsim.honor_cancel=true",        "tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"2s\"}",
		/* each hop's deadline 20 ms before its caller's, more than transit
		 * takes even on cold connections under sanitizers */
		"deadline.margin=20ms",                 NULL};
	const char *hdrs[] = {TRACEPARENT, NULL};
	struct chain c;
	struct h_response res;
	double deadline;

	chain_start(&c, BASE, sets);
	get_gateway(&c, hdrs, 5000, &res);
	cr_assert_eq(res.status, 504, "%ld %s", res.status, res.body);
	/* With a margin per hop the innermost deadline comes first: dbsim
	 * abandons the query (checked every 10 ms, margin 20 ms) and its 504,
	 * naming it, travels up, so every caller gets an answer before its own
	 * deadline. */
	if (h_slow() == 1) /* a checker's slowness eats the margins */
		cr_assert(strstr(res.body, "dbsim: query abandoned at its deadline"), "the 504 names the tier: %s",
			  res.body);
	cr_assert(chain_wait_idle(&c, 5));
	stop_ok(&c);
	deadline = gateway_server(&c, "start_ms") + 300;
	/* a few ms for the cancellation to travel through three hops */
	cr_assert_eq(check_rows_end_by(&c, deadline + 20 * h_slow()), 0, "dbsim recorded wasted work");
}

Test(chain, without_deadline_or_cancellation_work_goes_on_and_is_recorded, .timeout = 60)
{
	static const char *const sets[] = {
		"tiers.gateway.timeout=300ms", "tiers.svc_a.timeout=300ms", "tiers.svc_b.timeout=300ms",
		"tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"800ms\"}", NULL};
	const char *hdrs[] = {TRACEPARENT, NULL};
	struct chain c;
	struct h_response res;
	struct h_csv db;

	chain_start(&c, BASE, sets);
	get_gateway(&c, hdrs, 5000, &res);
	cr_assert_eq(res.status, 504, "%ld %s", res.status, res.body);
	cr_assert(strncmp(res.body, "gateway: ", 9) == 0, "the gateway's own timeout names it: %s", res.body);
	cr_assert(chain_wait_idle(&c, 5));
	stop_ok(&c);

	db = chain_csv(&c, "dbsim");
	cr_assert_eq(db.nrows, 1);
	/* svc_b's attempt timed out at ~300 ms and closed its connection; the
	 * query ran on to ~800 ms for nobody */
	cr_assert_str_eq(h_csv_get(&db, 0, "outcome"), "caller_gone");
	cr_assert_gt(num(&db, 0, "end_ms"), gateway_server(&c, "end_ms") + 300);
	cr_assert_gt(num(&db, 0, "wasted_ms"), 300);
	cr_assert_lt(num(&db, 0, "wasted_ms"), num(&db, 0, "work_ms"));
	h_csv_free(&db);
	/* Its own timeout and its attempt's end together; without
	 * cancellation the 504 does not cut the attempt: it runs to its own
	 * timeout (a cancelled attempt would say so). */
	struct h_csv g = chain_csv(&c, "gateway");
	for (size_t r = 0; r < g.nrows; r++) {
		if (strcmp(h_csv_get(&g, r, "kind"), "client") != 0)
			continue;
		cr_assert_str_eq(h_csv_get(&g, r, "outcome"), "timeout", "the gateway's attempt was not cancelled");
		cr_assert_geq(num(&g, r, "end_ms"), gateway_server(&c, "end_ms"));
	}
	h_csv_free(&g);
}

Test(chain, client_disconnect_reaches_dbsim_within_milliseconds, .timeout = 60)
{
	static const char *const sets[] = {
		"tiers.gateway.timeout=none", "tiers.svc_a.timeout=none", "tiers.svc_b.timeout=none",
		"tiers.gateway.propagate_cancel=true", "tiers.svc_a.propagate_cancel=true",
		"tiers.svc_b.propagate_cancel=true", "tiers.dbsim.honor_cancel=true",
		"tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"5s\"}", NULL};
	const char *hdrs[] = {TRACEPARENT, NULL};
	struct chain c;
	struct h_response res;
	struct h_csv db;
	double gone_at_gateway;

	chain_start(&c, BASE, sets);
	get_gateway(&c, hdrs, 300, &res); /* the client gives up after 300 ms */
	cr_assert_eq(res.status, 0);
	cr_assert(chain_wait_idle(&c, 5));
	stop_ok(&c);

	gone_at_gateway = gateway_server(&c, "end_ms");
	db = chain_csv(&c, "dbsim");
	cr_assert_eq(db.nrows, 1);
	cr_assert_str_eq(h_csv_get(&db, 0, "outcome"), "caller_gone");
	cr_assert_lt(num(&db, 0, "end_ms") - gone_at_gateway, 10.0 * h_slow(),
		     "the cancellation took %.3f ms to reach dbsim", num(&db, 0, "end_ms") - gone_at_gateway);
	cr_assert_eq(num(&db, 0, "wasted_ms"), 0);
	h_csv_free(&db);
}

Test(chain, malformed_headers_get_400_with_the_reason, .timeout = 30)
{
	static const char *const sets[] = {"tiers.gateway.propagate_deadline=true", NULL};
	const char *bad_deadline[] = {"grpc-timeout: 123456789S", NULL};
	const char *bad_unit[] = {"grpc-timeout: 10x", NULL};
	const char *bad_trace[] = {"traceparent: 00-xyz-01", NULL};
	struct chain c;
	struct h_response res;
	struct h_csv g;
	char *url;

	chain_start(&c, BASE, sets);
	url = h_url(&c, H_GATEWAY, "/");
	h_get(url, bad_deadline, 5000, &res);
	cr_assert_eq(res.status, 400);
	cr_assert(strstr(res.body, "grpc-timeout") && strstr(res.body, "8 digits"), "%s", res.body);
	h_get(url, bad_unit, 5000, &res);
	cr_assert_eq(res.status, 400);
	cr_assert(strstr(res.body, "unit"), "%s", res.body);
	h_get(url, bad_trace, 5000, &res);
	cr_assert_eq(res.status, 400);
	cr_assert(strstr(res.body, "traceparent"), "%s", res.body);
	free(url);
	stop_ok(&c);
	g = chain_csv(&c, "gateway");
	cr_assert_eq(g.nrows, 3, "one bad_request row each, no attempt");
	for (size_t r = 0; r < g.nrows; r++)
		cr_assert_str_eq(h_csv_get(&g, r, "outcome"), "bad_request");
	h_csv_free(&g);
}

Test(chain, dead_upstream_gets_502_fast, .timeout = 30)
{
	char bin[512], port[32], dir[] = "/tmp/cascade-it-XXXXXX", upstream[64];
	struct h_response res;
	pid_t pid;
	int p;

	h_tmpdir(dir);
	snprintf(bin, sizeof(bin), "%s/gateway", h_bin());
	snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d/", h_free_port());
	char *argv[] = {bin, "--listen", "127.0.0.1:0", "--port-file", port, "--out", dir, "--upstream", upstream,
			"--set", "tiers.gateway.retries=0", NULL};
	snprintf(port, sizeof(port), "%s/gw.port", dir);
	pid = h_spawn(dir, "gateway", argv);
	p = h_wait_port_file(dir, "gw.port", 10);
	snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d/", p);
	h_get(upstream, NULL, 5000, &res);
	cr_assert_eq(res.status, 502, "%ld %s", res.status, res.body);
	cr_assert_lt(res.elapsed_ms, 1000 * h_slow(), "took %.1f ms", res.elapsed_ms);
	kill(pid, SIGTERM);
	cr_assert_eq(h_wait_exit(pid, 5), 0);
}

Test(chain, sigterm_closes_out_inflight_requests_as_rows, .timeout = 30)
{
	static const char *const sets[] = {
		"faults=[{\"tier\":\"dbsim\",\"kind\":\"stall\",\"start\":\"0s\",\"end\":\"1h\"}]", NULL};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n" TRACEPARENT "\r\n\r\n";
	struct chain c;
	struct h_csv db;
	int fd;

	chain_start(&c, BASE, sets);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(c.port[H_GATEWAY]);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	/* wait until the request reached dbsim (its in-flight gauge says so) */
	char *url = h_url(&c, H_DBSIM, "/metrics");
	struct h_response m;
	for (int i = 0; i < 1000; i++) {
		h_get(url, NULL, 1000, &m);
		if (strstr(m.body, "cascade_inflight{tier=\"dbsim\"} 1"))
			break;
	}
	free(url);
	cr_assert(strstr(m.body, "cascade_inflight{tier=\"dbsim\"} 1"));
	/* dbsim stops first: its in-flight query becomes a `cancelled` row, and
	 * the broken connection travels up as a 502. */
	kill(c.pid[H_DBSIM], SIGTERM);
	cr_assert_eq(h_wait_exit(c.pid[H_DBSIM], 5), 0);
	c.pid[H_DBSIM] = 0;
	char reply[512] = {0};
	cr_assert_gt(read(fd, reply, sizeof(reply) - 1), 0);
	cr_assert(strncmp(reply, "HTTP/1.1 502", 12) == 0, "%s", reply);
	stop_ok(&c);
	close(fd);
	for (int i = 0; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(&c, h_tier_name(i));
		cr_assert_eq(count_rows(&csv, TRACE, "server"), 1, "%s lost the in-flight request", h_tier_name(i));
		h_csv_free(&csv);
	}
	db = chain_csv(&c, "dbsim");
	cr_assert_str_eq(h_csv_get(&db, 0, "outcome"), "cancelled");
	h_csv_free(&db);
}

Test(chain, port_in_use_is_a_clear_error, .timeout = 30)
{
	char bin[512], dir[] = "/tmp/cascade-it-XXXXXX", addr[64], log[600];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *text;

	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	h_tmpdir(dir);
	snprintf(bin, sizeof(bin), "%s/svc_a", h_bin());
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sa.sin_port));
	char *argv[] = {bin, "--listen", addr, "--out", dir, NULL};
	cr_assert_eq(h_wait_exit(h_spawn(dir, "svc_a", argv), 10), 1);
	snprintf(log, sizeof(log), "%s/svc_a.log", dir);
	text = h_read_file(log);
	cr_assert(text && strstr(text, "Address already in use"), "%s", text ? text : "(no log)");
	free(text);
	close(fd);
}

Test(chain, malformed_scenario_exits_2_naming_the_place, .timeout = 30)
{
	char bin[512], dir[] = "/tmp/cascade-it-XXXXXX", path[600], log[600], want[700];
	FILE *f;
	char *text;

	h_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	fputs("{\n  \"tiers\": {\n    \"svc_a\": {\"retires\": 3}\n  }\n}\n", f);
	fclose(f);
	snprintf(bin, sizeof(bin), "%s/svc_b", h_bin());
	char *argv[] = {bin, "--scenario", path, "--out", dir, NULL};
	cr_assert_eq(h_wait_exit(h_spawn(dir, "svc_b", argv), 10), 2);
	snprintf(log, sizeof(log), "%s/svc_b.log", dir);
	text = h_read_file(log);
	snprintf(want, sizeof(want), "%s:3:15: tiers.svc_a.retires: unknown key", path);
	cr_assert(text && strstr(text, want), "want '%s' in: %s", want, text ? text : "(no log)");
	cr_assert(strstr(text, "retries"), "suggests the closest key: %s", text);
	free(text);
	snprintf(log, sizeof(log), "%s/svc_b.csv", dir);
	cr_assert_eq(access(log, F_OK), -1, "nothing started, no CSV written");
}
