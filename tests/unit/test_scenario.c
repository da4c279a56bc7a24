/* Unit tests for scenario: the defaults, a full file, every kind of error at
 * its exact file:line:col, --set overrides, the resolved JSON round trip,
 * and which faults are active when. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "util.h"

#define ALL_RETRY_ON (RETRY_ON_TIMEOUT | RETRY_ON_5XX | RETRY_ON_CONNECT_ERROR)

/* A temporary file holding text; the caller unlinks and frees the path. */
static char *write_temp(const char *text)
{
	char *path = xstrdup("/tmp/cascade-scenario-XXXXXX.json");
	int fd = mkstemps(path, 5);
	cr_assert(fd >= 0, "mkstemps failed");
	size_t len = strlen(text);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void load_ok(struct scenario *sc, const char *text, char *const *sets, size_t nsets)
{
	char err[ERR_LEN] = "";
	char *path = text ? write_temp(text) : NULL;
	int rc = scenario_load(sc, path, sets, nsets, err, sizeof(err));
	if (path)
		unlink(path);
	free(path);
	cr_assert_eq(rc, 0, "load failed: %s", err);
}

/* Loading text (with sets) fails with exactly "<file><want>", where want
 * starts at the ':' after the file name; for errors in a --set, want_set
 * is the whole message. */
static void load_fails(const char *text, char *const *sets, size_t nsets, const char *want,
		       const char *want_set)
{
	char err[ERR_LEN] = "";
	char expected[ERR_LEN];
	struct scenario sc;
	char *path = text ? write_temp(text) : NULL;
	int rc = scenario_load(&sc, path, sets, nsets, err, sizeof(err));
	if (want_set)
		snprintf(expected, sizeof(expected), "%s", want_set);
	else
		snprintf(expected, sizeof(expected), "%s%s", path, want);
	if (path)
		unlink(path);
	free(path);
	cr_assert_eq(rc, -1, "accepted, want error: %s", expected);
	cr_assert_str_eq(err, expected);
	/* "sc left empty" */
	cr_assert_null(sc.name);
	cr_assert_null(sc.faults);
	cr_assert_null(sc.resolved);
	scenario_free(&sc);
}

static void file_fails(const char *text, const char *want)
{
	load_fails(text, NULL, 0, want, NULL);
}

static void set_fails(const char *text, char *const *sets, size_t nsets, const char *want)
{
	load_fails(text, sets, nsets, NULL, want);
}

static void assert_policy_eq(const struct retry_policy *a, const struct retry_policy *b)
{
	cr_assert_eq(a->retries, b->retries);
	cr_assert_eq(a->attempt_timeout_ms, b->attempt_timeout_ms);
	cr_assert_eq(a->retry_on, b->retry_on);
	cr_assert_eq(a->base_ms, b->base_ms);
	cr_assert_eq(a->cap_ms, b->cap_ms);
	cr_assert_eq(a->jitter, b->jitter);
}

static void assert_scenario_eq(const struct scenario *a, const struct scenario *b)
{
	cr_assert_str_eq(a->name, b->name);
	cr_assert_str_eq(a->description, b->description);
	cr_assert_eq(a->seed, b->seed);
	cr_assert_eq(a->time_scale, b->time_scale);
	cr_assert_eq(a->load.arrival, b->load.arrival);
	cr_assert_eq(a->load.rate_rps, b->load.rate_rps);
	cr_assert_eq(a->load.duration_ms, b->load.duration_ms);
	cr_assert_eq(a->load.client_timeout_ms, b->load.client_timeout_ms);
	assert_policy_eq(&a->load.client_retry, &b->load.client_retry);
	cr_assert_eq(a->load.max_outstanding, b->load.max_outstanding);
	cr_assert_eq(a->load.drain_ms, b->load.drain_ms);
	cr_assert_str_eq(a->deadline.header, b->deadline.header);
	cr_assert_eq(a->deadline.margin_ms, b->deadline.margin_ms);
	for (int t = 0; t < TIER_FORWARDERS; t++) {
		cr_assert_eq(a->tiers[t].timeout_ms, b->tiers[t].timeout_ms);
		cr_assert_eq(a->tiers[t].propagate_deadline, b->tiers[t].propagate_deadline);
		cr_assert_eq(a->tiers[t].propagate_cancel, b->tiers[t].propagate_cancel);
		cr_assert_eq(a->tiers[t].max_inflight, b->tiers[t].max_inflight);
		assert_policy_eq(&a->tiers[t].retry, &b->tiers[t].retry);
	}
	cr_assert_eq(a->db.workers, b->db.workers);
	cr_assert_eq(a->db.queue_limit, b->db.queue_limit);
	cr_assert_eq(a->db.service_time.kind, b->db.service_time.kind);
	cr_assert_eq(a->db.service_time.a_ms, b->db.service_time.a_ms);
	cr_assert_eq(a->db.service_time.b_ms, b->db.service_time.b_ms);
	cr_assert_eq(a->db.statement_timeout_ms, b->db.statement_timeout_ms);
	cr_assert_eq(a->db.honor_deadline, b->db.honor_deadline);
	cr_assert_eq(a->db.honor_cancel, b->db.honor_cancel);
	cr_assert_eq(a->db.check_interval_ms, b->db.check_interval_ms);
	cr_assert_eq(a->network.hop_latency.kind, b->network.hop_latency.kind);
	cr_assert_eq(a->network.hop_latency.a_ms, b->network.hop_latency.a_ms);
	cr_assert_eq(a->network.hop_latency.b_ms, b->network.hop_latency.b_ms);
	cr_assert_eq(a->nfaults, b->nfaults);
	for (size_t i = 0; i < a->nfaults; i++) {
		cr_assert_eq(a->faults[i].kind, b->faults[i].kind);
		cr_assert_eq(a->faults[i].tier, b->faults[i].tier);
		cr_assert_eq(a->faults[i].start_ms, b->faults[i].start_ms);
		cr_assert_eq(a->faults[i].end_ms, b->faults[i].end_ms);
		cr_assert_eq(a->faults[i].value, b->faults[i].value);
	}
}

/* Every value scenarios/README.md lists as a default. */
Test(scenario, defaults_match_the_documented_values)
{
	struct scenario sc;
	load_ok(&sc, NULL, NULL, 0);

	cr_assert_str_eq(sc.name, "default");
	cr_assert_str_eq(sc.description, "");
	cr_assert_eq(sc.seed, 1);
	cr_assert_eq(sc.time_scale, 1);

	cr_assert_eq(sc.load.arrival, ARRIVAL_POISSON);
	cr_assert_eq(sc.load.rate_rps, 10);
	cr_assert_eq(sc.load.duration_ms, 60000);
	cr_assert_eq(sc.load.client_timeout_ms, 30000);
	cr_assert_eq(sc.load.client_retry.retries, 1);
	cr_assert_eq(sc.load.client_retry.attempt_timeout_ms, 30000);
	cr_assert_eq(sc.load.client_retry.base_ms, 1000);
	cr_assert_eq(sc.load.client_retry.cap_ms, 10000);
	cr_assert_eq(sc.load.client_retry.jitter, JITTER_FULL);
	cr_assert_eq(sc.load.client_retry.retry_on, ALL_RETRY_ON);
	cr_assert_eq(sc.load.max_outstanding, 0);
	cr_assert_eq(sc.load.drain_ms, 60000);

	cr_assert_str_eq(sc.deadline.header, "grpc-timeout");
	cr_assert_eq(sc.deadline.margin_ms, 5);

	const double timeouts[TIER_FORWARDERS] = {30000, 25000, 20000};
	for (int t = 0; t < TIER_FORWARDERS; t++) {
		const struct tier_cfg *tc = &sc.tiers[t];
		cr_assert_eq(tc->timeout_ms, timeouts[t], "%s", tier_name((enum tier_id)t));
		cr_assert_eq(tc->propagate_deadline, false);
		cr_assert_eq(tc->propagate_cancel, false);
		cr_assert_eq(tc->max_inflight, 0);
		cr_assert_eq(tc->retry.retries, 2);
		cr_assert_eq(tc->retry.attempt_timeout_ms, 0);
		cr_assert_eq(tc->retry.retry_on, ALL_RETRY_ON);
		cr_assert_eq(tc->retry.base_ms, 100);
		cr_assert_eq(tc->retry.cap_ms, 1000);
		cr_assert_eq(tc->retry.jitter, JITTER_FULL);
	}

	cr_assert_eq(sc.db.workers, 10);
	cr_assert_eq(sc.db.queue_limit, 1000);
	cr_assert_eq(sc.db.service_time.kind, DIST_LOGNORMAL);
	cr_assert_eq(sc.db.service_time.a_ms, 50);
	cr_assert_eq(sc.db.service_time.b_ms, 250);
	cr_assert_eq(sc.db.statement_timeout_ms, 15000);
	cr_assert_eq(sc.db.honor_deadline, false);
	cr_assert_eq(sc.db.honor_cancel, false);
	cr_assert_eq(sc.db.check_interval_ms, 10);

	/* The loopback hop make bench measures, one way. */
	cr_assert_eq(sc.network.hop_latency.kind, DIST_LOGNORMAL);
	cr_assert_float_eq(sc.network.hop_latency.a_ms, 0.037, 1e-12);
	cr_assert_float_eq(sc.network.hop_latency.b_ms, 0.046, 1e-12);

	cr_assert_eq(sc.nfaults, 0);
	cr_assert_not_null(sc.resolved);
	scenario_free(&sc);
	cr_assert_null(sc.resolved);
}

/* clang-format off */
static const char full_json[] =
	"{\n"
	"  \"name\": \"fixed\",\n"
	"  \"description\": \"deadlines propagated\",\n"
	"  \"seed\": 42,\n"
	"  \"time_scale\": 0.5,\n"
	"  \"load\": {\"arrival\": \"constant\", \"rate\": 25.5, \"duration\": \"2m\", \"client_timeout\": \"3s\",\n"
	"           \"client_retries\": 0, \"client_backoff\": {\"base\": \"200ms\", \"cap\": \"2s\", \"jitter\": \"equal\"},\n"
	"           \"client_retry_on\": [\"5xx\"], \"max_outstanding\": 500, \"drain\": \"0s\"},\n"
	"  \"deadline\": {\"header\": \"X-Request-Deadline\", \"margin\": \"2ms\"},\n"
	"  \"tiers\": {\n"
	"    \"gateway\": {\"timeout\": \"3s\", \"propagate_deadline\": true, \"propagate_cancel\": true,\n"
	"                \"max_inflight\": 200, \"retries\": 0, \"attempt_timeout\": \"1s\", \"retry_on\": [],\n"
	"                \"backoff\": {\"base\": \"50ms\", \"cap\": \"50ms\", \"jitter\": \"none\"}},\n"
	"    \"svc_a\": {\"timeout\": \"none\", \"retries\": 10, \"retry_on\": [\"connect_error\", \"timeout\"],\n"
	"              \"backoff\": {\"jitter\": \"decorrelated\"}},\n"
	"    \"svc_b\": {\"timeout\": null, \"attempt_timeout\": \"750ms\"},\n"
	"    \"dbsim\": {\"workers\": 4, \"queue_limit\": 0,\n"
	"              \"service_time\": {\"dist\": \"uniform\", \"min\": \"10ms\", \"max\": \"30ms\"},\n"
	"              \"statement_timeout\": \"none\", \"honor_deadline\": true, \"honor_cancel\": true,\n"
	"              \"check_interval\": \"1ms\"}\n"
	"  },\n"
	"  \"faults\": [\n"
	"    {\"tier\": \"dbsim\", \"kind\": \"slowdown\", \"start\": \"30s\", \"end\": \"60s\", \"factor\": 10},\n"
	"    {\"tier\": \"svc_b\", \"kind\": \"latency\", \"start\": \"0s\", \"duration\": \"5s\", \"latency\": \"150ms\"},\n"
	"    {\"tier\": \"svc_a\", \"kind\": \"errors\", \"start\": \"1s\", \"end\": \"2s\", \"fraction\": 0.25},\n"
	"    {\"tier\": \"gateway\", \"kind\": \"stall\", \"start\": \"90s\", \"duration\": \"1.5s\"},\n"
	"    {\"tier\": \"dbsim\", \"kind\": \"capacity\", \"start\": \"10s\", \"end\": \"1m\", \"capacity\": 0}\n"
	"  ]\n"
	"}\n";
/* clang-format on */

Test(scenario, full_file_loads_into_the_structs)
{
	struct scenario sc;
	load_ok(&sc, full_json, NULL, 0);

	cr_assert_str_eq(sc.name, "fixed");
	cr_assert_str_eq(sc.description, "deadlines propagated");
	cr_assert_eq(sc.seed, 42);
	cr_assert_eq(sc.time_scale, 0.5);

	cr_assert_eq(sc.load.arrival, ARRIVAL_CONSTANT);
	cr_assert_eq(sc.load.rate_rps, 25.5);
	cr_assert_eq(sc.load.duration_ms, 120000);
	cr_assert_eq(sc.load.client_timeout_ms, 3000);
	cr_assert_eq(sc.load.client_retry.retries, 0);
	cr_assert_eq(sc.load.client_retry.attempt_timeout_ms, 3000);
	cr_assert_eq(sc.load.client_retry.base_ms, 200);
	cr_assert_eq(sc.load.client_retry.cap_ms, 2000);
	cr_assert_eq(sc.load.client_retry.jitter, JITTER_EQUAL);
	cr_assert_eq(sc.load.client_retry.retry_on, RETRY_ON_5XX);
	cr_assert_eq(sc.load.max_outstanding, 500);
	cr_assert_eq(sc.load.drain_ms, 0);

	cr_assert_str_eq(sc.deadline.header, "x-request-deadline", "header names are lowercased");
	cr_assert_eq(sc.deadline.margin_ms, 2);

	const struct tier_cfg *gw = &sc.tiers[TIER_GATEWAY];
	cr_assert_eq(gw->timeout_ms, 3000);
	cr_assert(gw->propagate_deadline);
	cr_assert(gw->propagate_cancel);
	cr_assert_eq(gw->max_inflight, 200);
	cr_assert_eq(gw->retry.retries, 0);
	cr_assert_eq(gw->retry.attempt_timeout_ms, 1000);
	cr_assert_eq(gw->retry.retry_on, 0, "an empty retry_on retries nothing");
	cr_assert_eq(gw->retry.base_ms, 50);
	cr_assert_eq(gw->retry.cap_ms, 50);
	cr_assert_eq(gw->retry.jitter, JITTER_NONE);

	/* svc_a sets part of its backoff: the rest keeps the defaults. */
	const struct tier_cfg *a = &sc.tiers[TIER_SVC_A];
	cr_assert_eq(a->timeout_ms, 0);
	cr_assert_eq(a->retry.retries, 10);
	cr_assert_eq(a->retry.retry_on, RETRY_ON_CONNECT_ERROR | RETRY_ON_TIMEOUT);
	cr_assert_eq(a->retry.base_ms, 100);
	cr_assert_eq(a->retry.cap_ms, 1000);
	cr_assert_eq(a->retry.jitter, JITTER_DECORRELATED);
	cr_assert_eq(a->propagate_deadline, false);

	const struct tier_cfg *b = &sc.tiers[TIER_SVC_B];
	cr_assert_eq(b->timeout_ms, 0, "null is none");
	cr_assert_eq(b->retry.attempt_timeout_ms, 750);
	cr_assert_eq(b->retry.retries, 2);

	cr_assert_eq(sc.db.workers, 4);
	cr_assert_eq(sc.db.queue_limit, 0);
	cr_assert_eq(sc.db.service_time.kind, DIST_UNIFORM);
	cr_assert_eq(sc.db.service_time.a_ms, 10);
	cr_assert_eq(sc.db.service_time.b_ms, 30);
	cr_assert_eq(sc.db.statement_timeout_ms, 0);
	cr_assert(sc.db.honor_deadline);
	cr_assert(sc.db.honor_cancel);
	cr_assert_eq(sc.db.check_interval_ms, 1);

	cr_assert_eq(sc.nfaults, 5);
	const struct fault *f = sc.faults;
	cr_assert_eq(f[0].kind, FAULT_SLOWDOWN);
	cr_assert_eq(f[0].tier, TIER_DBSIM);
	cr_assert_eq(f[0].start_ms, 30000);
	cr_assert_eq(f[0].end_ms, 60000);
	cr_assert_eq(f[0].value, 10);
	cr_assert_eq(f[1].kind, FAULT_LATENCY);
	cr_assert_eq(f[1].tier, TIER_SVC_B);
	cr_assert_eq(f[1].start_ms, 0);
	cr_assert_eq(f[1].end_ms, 5000, "duration counts from start");
	cr_assert_eq(f[1].value, 150);
	cr_assert_eq(f[2].kind, FAULT_ERRORS);
	cr_assert_eq(f[2].tier, TIER_SVC_A);
	cr_assert_eq(f[2].value, 0.25);
	cr_assert_eq(f[3].kind, FAULT_STALL);
	cr_assert_eq(f[3].tier, TIER_GATEWAY);
	cr_assert_eq(f[3].start_ms, 90000);
	cr_assert_eq(f[3].end_ms, 91500);
	cr_assert_eq(f[3].value, 0);
	cr_assert_eq(f[4].kind, FAULT_CAPACITY);
	cr_assert_eq(f[4].end_ms, 60000);
	cr_assert_eq(f[4].value, 0);
	scenario_free(&sc);
}

Test(scenario, other_dists)
{
	struct scenario sc;
	load_ok(&sc,
		"{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"fixed\", \"value\": \"7ms\"}}}}",
		NULL, 0);
	cr_assert_eq(sc.db.service_time.kind, DIST_FIXED);
	cr_assert_eq(sc.db.service_time.a_ms, 7);
	cr_assert_eq(sc.db.service_time.b_ms, 0);
	scenario_free(&sc);

	load_ok(
	    &sc,
	    "{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"exponential\", \"mean\": \"20ms\"}}}}",
	    NULL, 0);
	cr_assert_eq(sc.db.service_time.kind, DIST_EXPONENTIAL);
	cr_assert_eq(sc.db.service_time.a_ms, 20);
	scenario_free(&sc);

	/* Same dist as the default: the missing parameter keeps its default. */
	load_ok(&sc,
		"{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"lognormal\", \"p99\": \"2s\"}}}}",
		NULL, 0);
	cr_assert_eq(sc.db.service_time.kind, DIST_LOGNORMAL);
	cr_assert_eq(sc.db.service_time.a_ms, 50);
	cr_assert_eq(sc.db.service_time.b_ms, 2000);
	scenario_free(&sc);
}

/* ---- errors, each at its exact place ---- */

Test(scenario, syntax_missing_comma)
{
	file_fails("{\n  \"name\": \"x\"\n  \"seed\": 2\n}\n",
		   ":3:3: syntax error: missing ',' before this member");
}

Test(scenario, syntax_trailing_comma)
{
	file_fails("{\n  \"name\": \"x\",\n  \"seed\": 2,\n}\n",
		   ":3:12: syntax error: trailing comma before '}'");
	file_fails("{\"faults\": [\n  {\"tier\": \"dbsim\"},\n]}",
		   ":2:20: syntax error: trailing comma before ']'");
}

Test(scenario, syntax_unterminated_string)
{
	file_fails("{\n  \"name\": \"incident,\n  \"seed\": 2\n}\n",
		   ":2:11: syntax error: unterminated string");
	file_fails("{\"name\": \"x", ":1:10: syntax error: unterminated string");
}

Test(scenario, syntax_what_cjson_would_accept)
{
	file_fails("{\"seed\": 01}", ":1:10: syntax error: invalid number (no leading zeros)");
	file_fails("{\"seed\": 1e999}", ":1:10: syntax error: number out of range");
	file_fails("{\"seed\": 9007199254740993}",
		   ":1:10: syntax error: integer out of range (above 2^53 it is not exact)");
	file_fails("{\"name\": \"a\tb\"}",
		   ":1:12: syntax error: raw control character 0x09 in a string (write it as an escape)");
	file_fails("{\"name\": \"a\\u12G4\"}",
		   ":1:12: syntax error: invalid \\u escape (needs 4 hex digits)");
	file_fails("{\"name\": \"a\\u0000b\"}", ":1:12: syntax error: \\u0000 is not allowed in a string");
}

Test(scenario, syntax_hints)
{
	file_fails("{\"load\": {\"arrival\": poisson}}",
		   ":1:22: syntax error: unexpected 'poisson' (strings need double quotes)");
	file_fails("{\"load\": {\"duration\": 60s}}",
		   ":1:23: syntax error: unexpected '60s' (strings need double quotes)");
	file_fails("{'name': \"x\"}", ":1:2: syntax error: strings need double quotes");
	file_fails("{\n  // the incident\n  \"seed\": 1}",
		   ":2:3: syntax error: comments are not allowed in JSON");
	file_fails("{\"seed\" 1}", ":1:9: syntax error: expected ':' after the key");
	file_fails("{\"seed\": 1", ":1:11: syntax error: unexpected end of input (an object is not closed)");
	file_fails("", ":1:1: syntax error: empty document");
}

Test(scenario, trailing_garbage)
{
	file_fails("{\"seed\": 1}\n}\n", ":2:1: syntax error: unexpected text after the end of the document");
	file_fails("{\"seed\": 1} {\"seed\": 2}",
		   ":1:13: syntax error: unexpected text after the end of the document");
}

Test(scenario, top_level_must_be_an_object)
{
	file_fails("\n  [1, 2]", ":2:3: expected a JSON object at the top level");
	file_fails("\"incident\"", ":1:1: expected a JSON object at the top level");
}

Test(scenario, unreadable_file)
{
	char err[ERR_LEN];
	struct scenario sc;
	cr_assert_eq(scenario_load(&sc, "/nonexistent/x.json", NULL, 0, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "/nonexistent/x.json: cannot read: No such file or directory");
	scenario_free(&sc);
}

Test(scenario, unknown_key_suggests_the_closest)
{
	file_fails("{\n  \"tiers\": {\n    \"svc_a\": {\n      \"retires\": 3\n    }\n  }\n}\n",
		   ":4:7: tiers.svc_a.retires: unknown key (did you mean 'retries'?)");
	file_fails("{\"Seed\": 3}", ":1:2: Seed: unknown key (did you mean 'seed'?)");
	file_fails("{\"tiers\": {\"svc_c\": {}}}", ":1:12: tiers.svc_c: unknown key (did you mean 'svc_a'?)");
	file_fails("{\"load\": {\"client_timout\": \"1s\"}}",
		   ":1:11: load.client_timout: unknown key (did you mean 'client_timeout'?)");
}

Test(scenario, unknown_key_far_from_all_lists_them)
{
	file_fails("{\"deadline\": {\"budget\": \"1s\"}}",
		   ":1:15: deadline.budget: unknown key (allowed: header, margin)");
}

Test(scenario, wrong_types)
{
	file_fails("{\"tiers\": {\"svc_a\": {\"retries\": \"3\"}}}",
		   ":1:22: tiers.svc_a.retries: expected an integer from 0 to 10");
	file_fails("{\"tiers\": {\"svc_a\": {\"retries\": 2.5}}}",
		   ":1:22: tiers.svc_a.retries: expected an integer from 0 to 10");
	file_fails("{\"tiers\": {\"svc_a\": {\"retries\": 11}}}",
		   ":1:22: tiers.svc_a.retries: expected an integer from 0 to 10");
	file_fails("{\"tiers\": {\"gateway\": {\"max_inflight\": -1}}}",
		   ":1:24: tiers.gateway.max_inflight: expected an integer >= 0");
	file_fails("{\"tiers\": {\"dbsim\": {\"workers\": 0}}}",
		   ":1:22: tiers.dbsim.workers: expected an integer >= 1");
	file_fails("{\"tiers\": {\"dbsim\": {\"honor_cancel\": \"yes\"}}}",
		   ":1:22: tiers.dbsim.honor_cancel: expected true or false");
	file_fails("{\"name\": 5}", ":1:2: name: expected a string");
	file_fails("{\"load\": []}", ":1:2: load: expected an object");
	file_fails("{\"seed\": -1}", ":1:2: seed: expected an integer from 0 to 2^53");
	file_fails("{\"time_scale\": 0}", ":1:2: time_scale: expected a number > 0 and <= 100");
	file_fails("{\"time_scale\": 100.5}", ":1:2: time_scale: expected a number > 0 and <= 100");
	file_fails("{\"load\": {\"rate\": \"10\"}}", ":1:11: load.rate: expected a number > 0");
	file_fails("{\"faults\": {}}", ":1:2: faults: expected an array of fault objects");
}

Test(scenario, durations_must_be_strings_in_range)
{
	file_fails("{\n  \"load\": {\n    \"duration\": 60\n  }\n}",
		   ":3:5: load.duration: expected a duration string like \"250ms\"");
	file_fails("{\"load\": {\"duration\": \"0s\"}}", ":1:11: load.duration: expected a duration > 0");
	file_fails("{\"load\": {\"duration\": \"-5s\"}}", ":1:11: load.duration: expected a duration > 0");
	file_fails("{\"load\": {\"duration\": \"none\"}}", ":1:11: load.duration: expected a duration > 0");
	file_fails("{\"tiers\": {\"svc_b\": {\"timeout\": \"0ms\"}}}",
		   ":1:22: tiers.svc_b.timeout: expected a duration > 0, or \"none\"");
	file_fails("{\"load\": {\"drain\": \"-1s\"}}", ":1:11: load.drain: expected a duration >= 0");
	file_fails("{\"deadline\": {\"margin\": 5}}",
		   ":1:15: deadline.margin: expected a duration string like \"250ms\"");
	/* Zero is fine where the rule is >= 0. */
	struct scenario sc;
	load_ok(&sc, "{\"deadline\": {\"margin\": \"0ms\"}, \"load\": {\"drain\": \"0s\"}}", NULL, 0);
	cr_assert_eq(sc.deadline.margin_ms, 0);
	cr_assert_eq(sc.load.drain_ms, 0);
	scenario_free(&sc);
}

Test(scenario, bad_enum_values)
{
	file_fails("{\"load\": {\"arrival\": \"poison\"}}",
		   ":1:11: load.arrival: expected one of constant, poisson (got \"poison\")");
	file_fails("{\"tiers\": {\"gateway\": {\"backoff\": {\"jitter\": \"ful\"}}}}",
		   ":1:36: tiers.gateway.backoff.jitter: expected one of none, full, equal, decorrelated "
		   "(got \"ful\")");
	file_fails(
	    "{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"gauss\"}}}}",
	    ":1:39: tiers.dbsim.service_time.dist: expected one of fixed, uniform, exponential, lognormal "
	    "(got \"gauss\")");
	file_fails("{\"tiers\": {\"svc_a\": {\"retry_on\": [\"5xx\", \"504\"]}}}",
		   ":1:42: tiers.svc_a.retry_on[1]: expected one of timeout, 5xx, connect_error");
	file_fails("{\"tiers\": {\"svc_a\": {\"retry_on\": [\"5xx\", \"5xx\"]}}}",
		   ":1:42: tiers.svc_a.retry_on[1]: \"5xx\" is listed twice");
	file_fails(
	    "{\"deadline\": {\"header\": \"grpc timeout\"}}",
	    ":1:15: deadline.header: expected a header name (an HTTP token of up to 63 characters, like "
	    "\"grpc-timeout\")");
}

Test(scenario, duplicate_key)
{
	file_fails("{\n  \"seed\": 1,\n  \"tiers\": {\"svc_a\": {\"retries\": 1,\n    \"retries\": 2}}\n}",
		   ":4:5: tiers.svc_a.retries: duplicate key (first at line 3)");
}

Test(scenario, ordering_constraints)
{
	file_fails("{\"tiers\": {\"svc_a\": {\"backoff\": {\"base\": \"5s\"}}}}",
		   ":1:34: tiers.svc_a.backoff.base: must be <= cap (1s)");
	file_fails("{\"tiers\": {\"svc_a\": {\"backoff\": {\"base\": \"5s\", \"cap\": \"2s\"}}}}",
		   ":1:48: tiers.svc_a.backoff.cap: must be >= base (5s)");
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"uniform\", \"min\": \"5ms\", "
		   "\"max\": \"1ms\"}}}}",
		   ":1:72: tiers.dbsim.service_time.max: must be >= min (5ms)");
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"median\": \"1s\"}}}}",
		   ":1:39: tiers.dbsim.service_time.median: must be <= p99 (250ms)");
}

Test(scenario, service_time_keys_follow_the_dist)
{
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"fixed\", \"median\": \"5ms\"}}}}",
		   ":1:56: tiers.dbsim.service_time.median: unknown key (allowed: dist, value)");
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"fixed\", \"valeu\": \"5ms\"}}}}",
		   ":1:56: tiers.dbsim.service_time.valeu: unknown key (did you mean 'value'?)");
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"exponential\"}}}}",
		   ":1:22: tiers.dbsim.service_time: missing key 'mean' (dist exponential needs it)");
}

/* network.hop_latency follows the rules of service_time, except that an
 * ideal network, 0, is allowed. */
Test(scenario, network_hop_latency)
{
	struct scenario sc;
	load_ok(&sc, "{\"network\": {\"hop_latency\": {\"dist\": \"fixed\", \"value\": \"0ms\"}}}", NULL, 0);
	cr_assert_eq(sc.network.hop_latency.kind, DIST_FIXED);
	cr_assert_eq(sc.network.hop_latency.a_ms, 0);
	cr_assert_eq(sc.network.hop_latency.b_ms, 0);
	scenario_free(&sc);

	/* A new dist on --set drops the old parameters, as for service_time. */
	char *sets[] = {"network.hop_latency.dist=uniform", "network.hop_latency.min=0s",
			"network.hop_latency.max=100us"};
	load_ok(&sc, NULL, sets, ARRAY_LEN(sets));
	cr_assert_eq(sc.network.hop_latency.kind, DIST_UNIFORM);
	cr_assert_eq(sc.network.hop_latency.a_ms, 0);
	cr_assert_float_eq(sc.network.hop_latency.b_ms, 0.1, 1e-12);
	char *text = scenario_resolved_json(&sc);
	cr_assert_null(strstr(text, "\"37us\""), "the lognormal's keys are gone:\n%s", text);
	free(text);
	scenario_free(&sc);
	/* ... and so does a whole object with another dist, in a file. */
	load_ok(&sc, "{\"network\": {\"hop_latency\": {\"dist\": \"exponential\", \"mean\": \"1ms\"}}}", NULL,
		0);
	cr_assert_eq(sc.network.hop_latency.kind, DIST_EXPONENTIAL);
	cr_assert_eq(sc.network.hop_latency.a_ms, 1);
	scenario_free(&sc);

	file_fails("{\n  \"network\": {\"hop_latency\": {\"median\": \"-1ms\"}}\n}",
		   ":2:31: network.hop_latency.median: expected a duration >= 0");
	file_fails("{\"network\": {\"hop_latency\": {\"median\": 5}}}",
		   ":1:30: network.hop_latency.median: expected a duration string like \"250ms\"");
	file_fails("{\"network\": {\"hop_latency\": {\"dist\": \"fixed\", \"median\": \"5ms\"}}}",
		   ":1:47: network.hop_latency.median: unknown key (allowed: dist, value)");
	file_fails("{\"network\": {\"hop_latency\": {\"median\": \"1ms\"}}}",
		   ":1:30: network.hop_latency.median: must be <= p99 (46us)");
	file_fails("{\"network\": {\"hop_latncy\": {}}}",
		   ":1:14: network.hop_latncy: unknown key (did you mean 'hop_latency'?)");
	char *new_dist[] = {"network.hop_latency.dist=fixed"};
	set_fails(NULL, new_dist, 1,
		  "--set network.hop_latency.dist=fixed: network.hop_latency: missing key 'value' (dist fixed "
		  "needs it)");
	char *bad_dist[] = {"network.hop_latency={\"dist\": \"gauss\"}"};
	set_fails(NULL, bad_dist, 1,
		  "--set network.hop_latency={\"dist\": \"gauss\"}: network.hop_latency.dist: expected one of "
		  "fixed, uniform, exponential, lognormal (got \"gauss\")");
	/* service_time keeps its own rule: a query takes time. */
	file_fails("{\"tiers\": {\"dbsim\": {\"service_time\": {\"dist\": \"fixed\", \"value\": \"0ms\"}}}}",
		   ":1:56: tiers.dbsim.service_time.value: expected a duration > 0");
}

Test(scenario, fault_errors)
{
	/* The element's position is its opening brace. */
	file_fails("{\"faults\": [\n  {\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1s\", \"end\": "
		   "\"2s\"},\n"
		   "  {\"tier\": \"dbsim\", \"kind\": \"slowdown\", \"start\": \"1s\", \"end\": \"2s\"}\n]}",
		   ":3:3: faults[1]: missing key 'factor' (kind slowdown needs it)");
	file_fails("{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1s\"}]}",
		   ":1:13: faults[0]: missing key 'end' or 'duration'");
	file_fails("{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"end\": \"1s\"}]}",
		   ":1:13: faults[0]: missing key 'start'");
	file_fails(
	    "{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"3s\", \"end\": \"3s\"}]}",
	    ":1:63: faults[0].end: must be after start (3s)");
	file_fails(
	    "{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"3s\", \"end\": \"5s\", "
	    "\"duration\": \"2s\"}]}",
	    ":1:76: faults[0].duration: give either end or duration, not both");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_a\", \"kind\": \"slowdown\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"factor\": 2}]}",
	    ":1:31: faults[0].kind: slowdown applies to dbsim's service time; use latency for a tier");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_a\", \"kind\": \"latency\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"factor\": 2}]}",
	    ":1:78: faults[0].factor: not used by kind latency (it takes 'latency')");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_a\", \"kind\": \"errors\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"fractoin\": 0.5}]}",
	    ":1:77: faults[0].fractoin: unknown key (did you mean 'fraction'?)");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_a\", \"kind\": \"errors\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"fraction\": 1.5}]}",
	    ":1:77: faults[0].fraction: expected a number > 0 and <= 1");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_c\", \"kind\": \"stall\", \"start\": \"1s\", \"end\": \"2s\"}]}",
	    ":1:14: faults[0].tier: expected one of gateway, svc_a, svc_b, dbsim (got \"svc_c\")");
	file_fails(
	    "{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"capacity\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"capacity\": -1}]}",
	    ":1:79: faults[0].capacity: expected an integer >= 0");
	file_fails(
	    "{\"faults\": [{\"tier\": \"svc_a\", \"kind\": \"capacity\", \"start\": \"1s\", \"end\": \"2s\", "
	    "\"capacity\": 0}]}",
	    ":1:79: faults[0].capacity: must be >= 1 on a forwarding tier (0 is max_inflight's unlimited); "
	    "use stall or errors to take svc_a down");
	file_fails("{\"faults\": [\n  7\n]}",
		   ":2:3: faults[0]: expected an object like {\"tier\": \"dbsim\", "
		   "\"kind\": \"stall\", \"start\": \"10s\", \"duration\": \"5s\"}");
}

/* Found by fuzz_set's check that every fault window is non-empty: a
 * duration 2^53 times shorter than its start added nothing, so the fault
 * was accepted and never active. */
Test(scenario, a_fault_duration_lost_next_to_its_start)
{
	char *sets[] = {"faults.0={\"tier\":\"dbsim\",\"kind\":\"stall\",\"start\":\"99999999999999999999h\","
			"\"duration\":\"1ns\"}"};
	char want[ERR_LEN];
	snprintf(want, sizeof(want),
		 "--set %s: faults[0].duration: too short to count after start (99999999999999999999h)", sets[0]);
	set_fails(NULL, sets, 1, want);
	file_fails("{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1000000000000h\", "
		   "\"duration\": \"1us\"}]}",
		   ":1:75: faults[0].duration: too short to count after start (1000000000000h)");
	struct scenario sc;
	load_ok(&sc,
		"{\"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1000000h\", "
		"\"duration\": \"1ms\"}]}",
		NULL, 0);
	cr_assert_gt(sc.faults[0].end_ms, sc.faults[0].start_ms);
	scenario_free(&sc);
}

/* scenario_load_text reads exactly len bytes: what follows is not part of
 * the file, and messages call it by the name given. */
Test(scenario, load_text_takes_the_bytes_given)
{
	static const char text[] = "{\"seed\": 7}garbage";
	char err[ERR_LEN] = "";
	struct scenario sc;
	cr_assert_eq(scenario_load_text(&sc, "mem.json", text, 11, NULL, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sc.seed, 7);
	scenario_free(&sc);
	cr_assert_eq(scenario_load_text(&sc, "mem.json", text, sizeof(text) - 1, NULL, 0, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "mem.json:1:12: syntax error: unexpected text after the end of the document");
	scenario_free(&sc);
	cr_assert_eq(scenario_load_text(&sc, NULL, NULL, 0, NULL, 0, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "(text):1:1: syntax error: empty document");
	scenario_free(&sc);
}

Test(scenario, the_earliest_error_in_the_file_wins)
{
	/* load is checked before tiers, but the tiers error is written first. */
	file_fails("{\n  \"tiers\": {\"svc_a\": {\"retries\": -1}},\n  \"load\": {\"rate\": 0}\n}",
		   ":2:23: tiers.svc_a.retries: expected an integer from 0 to 10");
}

/* ---- overrides ---- */

/* clang-format off */
Test(scenario, overrides_apply_in_order)
{
	char *sets[] = {
		/* not JSON: taken as a string */
		"name=after the fix",
		/* JSON number, JSON literal */
		"seed=7",
		"tiers.svc_a.propagate_deadline=true",
		/* an array index, and the index one past the end appends */
		"faults.0.start=10s",
		"faults.1={\"tier\": \"svc_b\", \"kind\": \"stall\", \"start\": \"1s\", \"duration\": \"1s\"}",
		/* an object merges into the existing one */
		"tiers.svc_b.backoff={\"cap\": \"5s\"}",
		/* a new dist drops the old parameters; then a new member */
		"tiers.dbsim.service_time.dist=exponential",
		"tiers.dbsim.service_time.mean=40ms",
		"load.client_retry_on=[]",
		"description=\"quoted\"",
	};
	/* clang-format on */
	struct scenario sc;
	load_ok(&sc,
		"{\"seed\": 3, \"faults\": [{\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1s\", "
		"\"end\": \"20s\"}]}",
		sets, ARRAY_LEN(sets));
	cr_assert_str_eq(sc.name, "after the fix");
	cr_assert_str_eq(sc.description, "quoted");
	cr_assert_eq(sc.seed, 7);
	cr_assert(sc.tiers[TIER_SVC_A].propagate_deadline);
	cr_assert_eq(sc.nfaults, 2);
	cr_assert_eq(sc.faults[0].start_ms, 10000);
	cr_assert_eq(sc.faults[0].end_ms, 20000);
	cr_assert_eq(sc.faults[1].tier, TIER_SVC_B);
	cr_assert_eq(sc.faults[1].kind, FAULT_STALL);
	cr_assert_eq(sc.faults[1].end_ms, 2000);
	cr_assert_eq(sc.tiers[TIER_SVC_B].retry.cap_ms, 5000);
	cr_assert_eq(sc.tiers[TIER_SVC_B].retry.base_ms, 100, "merged, not replaced");
	cr_assert_eq(sc.db.service_time.kind, DIST_EXPONENTIAL);
	cr_assert_eq(sc.db.service_time.a_ms, 40);
	cr_assert_eq(sc.load.client_retry.retry_on, 0);
	scenario_free(&sc);
}

Test(scenario, overrides_without_a_file)
{
	char *sets[] = {"tiers.gateway.timeout=none", "deadline.header=X-Budget"};
	struct scenario sc;
	load_ok(&sc, NULL, sets, ARRAY_LEN(sets));
	cr_assert_eq(sc.tiers[TIER_GATEWAY].timeout_ms, 0);
	cr_assert_str_eq(sc.deadline.header, "x-budget");
	scenario_free(&sc);
}

Test(scenario, override_errors)
{
	char *bare[] = {"tiers.svc_b.timeout=5"};
	set_fails(
	    NULL, bare, 1,
	    "--set tiers.svc_b.timeout=5: tiers.svc_b.timeout: expected a duration string like \"250ms\"");
	char *typo[] = {"tiers.svc_a.retires=3"};
	set_fails(NULL, typo, 1,
		  "--set tiers.svc_a.retires=3: tiers.svc_a.retires: unknown key (did you mean 'retries'?)");
	char *no_eq[] = {"seed"};
	set_fails(NULL, no_eq, 1, "--set seed: expected KEY=VALUE");
	char *empty_seg[] = {"tiers..svc_a=1"};
	set_fails(NULL, empty_seg, 1, "--set tiers..svc_a=1: empty segment in the key path");
	char *past_end[] = {"faults.1.start=1s"};
	set_fails(NULL, past_end, 1, "--set faults.1.start=1s: faults: index 1 is past the end (0 elements)");
	char *not_index[] = {"faults.first=1"};
	set_fails(NULL, not_index, 1, "--set faults.first=1: faults: expected an array index, not 'first'");
	char *through_scalar[] = {"name.first=1"};
	set_fails(NULL, through_scalar, 1,
		  "--set name.first=1: name: not an object, so it has no member 'first'");
	char *bad_json[] = {"tiers.svc_a={\"retries\": 1,}"};
	set_fails(
	    NULL, bad_json, 1,
	    "--set tiers.svc_a={\"retries\": 1,}: tiers.svc_a: syntax error in the value at col 14: trailing "
	    "comma before '}'");
	char *dup[] = {"tiers.svc_a={\"retries\": 1, \"retries\": 2}"};
	set_fails(NULL, dup, 1,
		  "--set tiers.svc_a={\"retries\": 1, \"retries\": 2}: tiers.svc_a.retries: duplicate key "
		  "(first at "
		  "line 1)");
	char *new_fault[] = {"faults.0.tier=dbsim"};
	set_fails(NULL, new_fault, 1, "--set faults.0.tier=dbsim: faults[0]: missing key 'kind'");
	char *new_dist[] = {"tiers.dbsim.service_time.dist=fixed"};
	set_fails(
	    NULL, new_dist, 1,
	    "--set tiers.dbsim.service_time.dist=fixed: tiers.dbsim.service_time: missing key 'value' (dist "
	    "fixed needs it)");
}

Test(scenario, override_errors_are_blamed_on_the_last_writer)
{
	/* The file's p99 is fine on its own; the --set median breaks it. */
	char *sets[] = {"seed=2", "tiers.dbsim.service_time.median=2s"};
	set_fails(
	    "{\"tiers\": {\"dbsim\": {\"service_time\": {\"p99\": \"1s\"}}}}", sets, 2,
	    "--set tiers.dbsim.service_time.median=2s: tiers.dbsim.service_time.median: must be <= p99 (1s)");
	/* A file error comes before an override error. */
	char *late[] = {"seed=-1"};
	load_fails("{\n  \"name\": 1\n}", late, 1, ":2:3: name: expected a string", NULL);
}

/* ---- resolved JSON ---- */

Test(scenario, resolved_json_round_trips)
{
	char *sets[] = {"faults.0.duration=5s", "tiers.svc_b.timeout=1500ms"};
	struct scenario first, second;
	char *text1, *text2;

	load_ok(
	    &first,
	    "{\"name\": \"rt\", \"faults\": [{\"tier\": \"dbsim\", \"kind\": \"errors\", \"start\": \"2s\", "
	    "\"fraction\": 0.5}]}",
	    sets, ARRAY_LEN(sets));
	text1 = scenario_resolved_json(&first);
	cr_assert_not_null(text1);
	cr_assert(strstr(text1, "\"1500ms\""), "durations stay as written:\n%s", text1);
	cr_assert(strstr(text1, "\"statement_timeout\":\t\"15s\""), "defaults appear too:\n%s", text1);
	cr_assert_eq(text1[strlen(text1) - 1], '\n');

	load_ok(&second, text1, NULL, 0);
	assert_scenario_eq(&first, &second);
	text2 = scenario_resolved_json(&second);
	cr_assert_str_eq(text1, text2);

	free(text1);
	free(text2);
	scenario_free(&first);
	scenario_free(&second);

	/* The full example too. */
	load_ok(&first, full_json, NULL, 0);
	text1 = scenario_resolved_json(&first);
	load_ok(&second, text1, NULL, 0);
	assert_scenario_eq(&first, &second);
	free(text1);
	scenario_free(&first);
	scenario_free(&second);
}

/* ---- faults at a time ---- */

Test(scenario, faults_at_combines_overlapping_windows)
{
	struct scenario sc;
	struct fault_effect e;
	load_ok(&sc,
		"{\"faults\": ["
		"{\"tier\": \"dbsim\", \"kind\": \"slowdown\", \"start\": \"10s\", \"end\": \"30s\", "
		"\"factor\": 2},"
		"{\"tier\": \"dbsim\", \"kind\": \"slowdown\", \"start\": \"20s\", \"end\": \"40s\", "
		"\"factor\": 5},"
		"{\"tier\": \"dbsim\", \"kind\": \"capacity\", \"start\": \"0s\", \"end\": \"40s\", "
		"\"capacity\": 6},"
		"{\"tier\": \"dbsim\", \"kind\": \"capacity\", \"start\": \"20s\", \"end\": \"26s\", "
		"\"capacity\": 3},"
		"{\"tier\": \"svc_a\", \"kind\": \"latency\", \"start\": \"0s\", \"end\": \"30s\", "
		"\"latency\": \"100ms\"},"
		"{\"tier\": \"svc_a\", \"kind\": \"latency\", \"start\": \"20s\", \"end\": \"30s\", "
		"\"latency\": \"50ms\"},"
		"{\"tier\": \"svc_a\", \"kind\": \"errors\", \"start\": \"0s\", \"end\": \"30s\", "
		"\"fraction\": 0.1},"
		"{\"tier\": \"svc_a\", \"kind\": \"errors\", \"start\": \"20s\", \"end\": \"30s\", "
		"\"fraction\": 0.4},"
		"{\"tier\": \"svc_b\", \"kind\": \"stall\", \"start\": \"20s\", \"duration\": \"1s\"}"
		"]}",
		NULL, 0);

	scenario_faults_at(&sc, TIER_DBSIM, 25000, &e);
	cr_assert_eq(e.slowdown, 10, "factors multiply");
	cr_assert_eq(e.capacity, 3, "the smaller capacity wins");
	cr_assert_eq(e.latency_ms, 0);
	cr_assert_eq(e.error_frac, 0);
	cr_assert_eq(e.stall, false);

	scenario_faults_at(&sc, TIER_DBSIM, 15000, &e);
	cr_assert_eq(e.slowdown, 2);
	cr_assert_eq(e.capacity, 6);

	scenario_faults_at(&sc, TIER_SVC_A, 25000, &e);
	cr_assert_eq(e.latency_ms, 150, "latencies add");
	cr_assert_eq(e.error_frac, 0.4, "the larger fraction wins");
	cr_assert_eq(e.slowdown, 1);
	cr_assert_eq(e.capacity, -1);

	scenario_faults_at(&sc, TIER_SVC_B, 20500, &e);
	cr_assert(e.stall);
	scenario_faults_at(&sc, TIER_GATEWAY, 20500, &e);
	cr_assert_eq(e.stall, false, "faults stay on their tier");
	cr_assert_eq(e.slowdown, 1);
	cr_assert_eq(e.latency_ms, 0);
	cr_assert_eq(e.error_frac, 0);
	cr_assert_eq(e.capacity, -1);
	scenario_free(&sc);
}

Test(scenario, fault_window_edges)
{
	struct scenario sc;
	struct fault_effect e;
	load_ok(&sc,
		"{\"faults\": [{\"tier\": \"svc_b\", \"kind\": \"stall\", \"start\": \"10s\", \"end\": "
		"\"20s\"}]}",
		NULL, 0);
	scenario_faults_at(&sc, TIER_SVC_B, 9999.999, &e);
	cr_assert_eq(e.stall, false, "before start");
	scenario_faults_at(&sc, TIER_SVC_B, 10000, &e);
	cr_assert(e.stall, "start is inclusive");
	scenario_faults_at(&sc, TIER_SVC_B, 19999.999, &e);
	cr_assert(e.stall);
	scenario_faults_at(&sc, TIER_SVC_B, 20000, &e);
	cr_assert_eq(e.stall, false, "end is exclusive");
	scenario_free(&sc);
}

Test(scenario, smallest_timeout)
{
	char *sets[] = {"tiers.svc_a.attempt_timeout=2s", "tiers.svc_b.timeout=none",
			"load.client_timeout=4s"};
	struct scenario sc;
	load_ok(&sc, NULL, sets, ARRAY_LEN(sets));
	cr_assert_eq(scenario_smallest_timeout_ms(&sc, TIER_GATEWAY), 30000);
	cr_assert_eq(scenario_smallest_timeout_ms(&sc, TIER_SVC_A), 2000,
		     "attempt timeout below the own timeout");
	cr_assert_eq(scenario_smallest_timeout_ms(&sc, TIER_SVC_B), 0, "no timeout at all");
	cr_assert_eq(scenario_smallest_timeout_ms(&sc, TIER_DBSIM), 15000);
	cr_assert_eq(scenario_smallest_timeout_ms(&sc, TIER_COUNT), 4000, "the client");
	scenario_free(&sc);
}

Test(scenario, names)
{
	for (int t = 0; t < TIER_COUNT; t++)
		cr_assert_eq(tier_from_name(tier_name((enum tier_id)t)), t);
	cr_assert_str_eq(tier_name(TIER_SVC_B), "svc_b");
	cr_assert_str_eq(tier_name(TIER_COUNT), "client");
	cr_assert_eq(tier_from_name("client"), -1);
	cr_assert_eq(tier_from_name("Gateway"), -1);
	cr_assert_eq(tier_from_name(NULL), -1);
	cr_assert_str_eq(fault_kind_name(FAULT_SLOWDOWN), "slowdown");
	cr_assert_str_eq(fault_kind_name(FAULT_CAPACITY), "capacity");
}
