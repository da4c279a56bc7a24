/* test_virtual: the virtual engine end to end, in process: a run is replayed
 * byte for byte by its seed and a different seed gives a different run;
 * report check passes on what it writes; the retry arithmetic comes out
 * exact; the summary written from the rows in memory is what `report`
 * computes from the files, and summary-only records give the same; the inflight and
 * orphaned gauges agree with the spans at the same instants. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#include "../../report/check.h"
#include "../../report/outputs.h"
#include "../../report/run.h"
#include "../../report/summary.h"
#include "../../virtual/engine.h"

static char tmp[64];

static void setup(void)
{
	strcpy(tmp, "/tmp/cascade-virtual-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(virtual, .init = setup, .fini = teardown);

/* The incident, shortened: 60 s of load, the slowdown from 5 to 35 s (long
 * enough for queries to wait past svc_b's 20 s: the storm, and orphans). */
#define SHORT "load.duration=60s", "load.drain=30s", "faults.0.start=5s", "faults.0.end=35s"

/* Run scenarios/<name>.json with sets into tmp/<sub>; the folder. */
static char *vrun(const char *name, const char *sub, enum records_mode mode, const char *const *sets)
{
	char err[ERR_LEN], *path = xasprintf("scenarios/%s.json", name), *dir = xasprintf("%s/%s", tmp, sub);
	struct scenario sc = {0};
	struct engine_stats st;
	size_t n = 0;

	while (sets && sets[n])
		n++;
	cr_assert_eq(scenario_load(&sc, path, (char *const *)sets, n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mkdir(dir, 0777), 0);
	char *json = scenario_resolved_json(&sc);
	char *jpath = xasprintf("%s/scenario.json", dir);
	FILE *f = fopen(jpath, "w");
	fputs(json, f);
	fclose(f);
	free(json);
	free(jpath);
	struct records *w = records_open(dir, mode, &sc, err, sizeof(err));
	cr_assert_not_null(w, "%s", err);
	engine_run(&sc, w, &st);
	cr_assert_eq(records_close(w, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(st.events, 0);
	scenario_free(&sc);
	free(path);
	return dir;
}

static char *slurp(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char buf[65536];
	size_t k;

	cr_assert_not_null(f, "%s", path);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, k);
	fclose(f);
	free(path);
	return sbuf_detach(&sb);
}

Test(virtual, the_same_seed_replays_byte_for_byte_and_another_seed_does_not)
{
	const char *seed5[] = {SHORT, "seed=5", NULL}, *seed6[] = {SHORT, "seed=6", NULL};
	char *a = vrun("incident", "a", RECORDS_FULL, seed5), *b = vrun("incident", "b", RECORDS_FULL, seed5);
	char *c = vrun("incident", "c", RECORDS_FULL, seed6);
	static const char *const files[] = {"spans.csv", "requests.csv", "stats.csv", "summary.csv",
					    "timeseries.csv"};

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *x = slurp(a, files[i]), *y = slurp(b, files[i]);
		cr_assert(strlen(x) > 100, "%s is empty", files[i]);
		cr_assert_str_eq(x, y, "%s differs between two runs of one seed", files[i]);
		free(x);
		free(y);
	}
	char *x = slurp(a, "spans.csv"), *z = slurp(c, "spans.csv");
	cr_assert_str_neq(x, z, "seeds 5 and 6 gave the same spans");
	free(x);
	free(z);
	free(a);
	free(b);
	free(c);
}

Test(virtual, report_check_passes_on_both_headline_scenarios)
{
	const char *sets[] = {SHORT, NULL};
	static const char *const names[] = {"incident", "single-deadline"};

	for (size_t i = 0; i < 2; i++) {
		char *dir = vrun(names[i], names[i], RECORDS_FULL, sets), err[ERR_LEN];
		struct sbuf out = SBUF_INIT;
		struct check_result res;
		cr_assert_eq(check_run(dir, &out, &res, err, sizeof(err)), 0, "%s: %s", names[i], sbuf_str(&out));
		cr_assert_eq(res.failed, 0);
		cr_assert_geq(res.ok, 13);
		sbuf_free(&out);
		free(dir);
	}
}

static double metric(const char *dir, const char *name)
{
	struct run run = {0};
	struct summary sum;
	char err[ERR_LEN];
	cr_assert_eq(run_load(&run, dir, err, sizeof(err)), 0, "%s", err);
	summary_compute(&run, &sum);
	double v = summary_value(&sum, name);
	run_free(&run);
	return v;
}

Test(virtual, retries_multiply_exactly_when_the_database_fails_fast)
{
	/* Every query fails at once with 500; each tier makes 1 + retries
	 * attempts on 5xx; the client does not retry: (1+2)(1+1)(1+3) hits. */
	const char *sets[] = {"load.duration=20s", "load.client_retries=0", "tiers.gateway.retries=2",
			      "tiers.svc_a.retries=1", "tiers.svc_b.retries=3",
			      "faults=[{\"tier\": \"dbsim\", \"kind\": \"errors\", \"start\": \"0s\", \"end\": \"1h\", "
			      "\"fraction\": 1}]",
			      NULL};
	char *dir = vrun("incident", "amp", RECORDS_FULL, sets);

	cr_assert_float_eq(metric(dir, "db_hits_per_request"), 24.0, 1e-9);
	cr_assert_float_eq(metric(dir, "db_hits_per_request_max"), 24.0, 1e-9);
	cr_assert_float_eq(metric(dir, "amplification_svc_b"), 6.0, 1e-9);
	free(dir);
}

Test(virtual, summary_only_records_give_the_same_summary_and_time_series)
{
	const char *sets[] = {SHORT, NULL};
	char *full = vrun("incident", "full", RECORDS_FULL, sets), *sum = vrun("incident", "sum", RECORDS_SUMMARY, sets);
	char *reread = xasprintf("%s/reread", tmp), err[ERR_LEN];
	static const char *const files[] = {"summary.csv", "timeseries.csv"};
	struct run run = {0};
	struct summary s;

	/* what `report` computes from the full folder's files */
	cr_assert_eq(mkdir(reread, 0777), 0);
	cr_assert_eq(run_load(&run, full, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(report_write_outputs(&run, reread, &s, err, sizeof(err)), 0, "%s", err);
	run_free(&run);
	for (size_t i = 0; i < 2; i++) {
		char *x = slurp(full, files[i]), *y = slurp(sum, files[i]), *z = slurp(reread, files[i]);
		cr_assert_str_eq(x, z, "%s: the engine's (rows in memory) and report's (the files read back)", files[i]);
		cr_assert_str_eq(x, y, "%s: full and summary-only records", files[i]);
		free(x);
		free(y);
		free(z);
	}
	free(reread);
	char *spans = xasprintf("%s/spans.csv", sum);
	cr_assert_neq(access(spans, F_OK), 0, "summary mode writes no spans");
	free(spans);
	free(full);
	free(sum);
}

/* The instants of a tier's stats rows, checked against its spans: inflight
 * counts the server spans between arrival and answer, orphaned those
 * answered whose attempts still run (from the answer to the end of the
 * last attempt).  Instants within 1 ms of a span boundary are skipped
 * (rows are written with 3 decimals, and a boundary can fall on the
 * instant). */
static void check_gauges(const struct run *r, enum tier_id tier, bool *saw_orphans)
{
	size_t checked = 0;
	double *last_end = calloc(r->ids.n + 1, sizeof(double));

	/* a server span's work ends with its last attempt */
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *s = &r->spans[i];
		if (!s->server && s->tier == tier && s->parent != STRPOOL_NONE)
			last_end[s->parent] = fmax(last_end[s->parent], s->end_ms);
	}
	for (size_t k = 0; k < r->nstats; k++) {
		const struct run_stat *st = &r->stats[k];
		if (st->proc != RUN_PROC_OF_TIER(tier))
			continue;
		double t = st->t_ms;
		long inflight = 0, orphaned = 0;
		bool near = false;
		for (size_t i = 0; i < r->nspans && !near; i++) {
			const struct run_span *s = &r->spans[i];
			if (!s->server || s->tier != tier)
				continue;
			double work_end = fmax(s->end_ms, last_end[s->span]);
			if (fabs(s->start_ms - t) < 0.002 || fabs(s->end_ms - t) < 0.002 || fabs(work_end - t) < 0.002)
				near = true;
			if (s->start_ms < t && t < s->end_ms)
				inflight++;
			else if (s->end_ms < t && t < work_end)
				orphaned++;
		}
		if (near || k + 1 == r->nstats)
			continue;
		cr_assert_eq((long)st->inflight, inflight, "%s at %.3f: inflight %.0f, spans say %ld", tier_name(tier), t,
			     st->inflight, inflight);
		cr_assert_eq((long)st->orphaned, orphaned, "%s at %.3f: orphaned %.0f, spans say %ld", tier_name(tier),
			     t, st->orphaned, orphaned);
		if (orphaned > 0)
			*saw_orphans = true;
		checked++;
	}
	cr_assert_gt(checked, 20, "%s: only %zu instants checked", tier_name(tier), checked);
	free(last_end);
}

Test(virtual, inflight_and_orphaned_agree_with_the_spans)
{
	const char *sets[] = {SHORT, NULL};
	char *dir = vrun("incident", "g", RECORDS_FULL, sets), err[ERR_LEN];
	struct run r = {0};
	bool saw_orphans = false;

	cr_assert_eq(run_load(&r, dir, err, sizeof(err)), 0, "%s", err);
	for (int t = 0; t < TIER_FORWARDERS; t++)
		check_gauges(&r, (enum tier_id)t, &saw_orphans);
	cr_assert(saw_orphans, "the incident orphans work: the check must have seen some");
	run_free(&r);
	free(dir);
}
