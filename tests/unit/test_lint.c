/* Unit tests for lint: each rule on a scenario written to trigger it (the
 * shipped ones, the files of tests/lint, or tests/lint/clean.json with --set
 * overrides), asserting the key, where it points, the severity and the
 * numbers; and nothing but the worst-case note on a clean scenario. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

#include "../../lint/lint.h"

#define CLEAN "tests/lint/clean.json"

struct linted {
	struct scenario sc;
	struct scenario_origins origins;
	struct lint_source src;
	struct lint_list l;
};

static void lint_file(struct linted *r, const char *path, char *const *sets, size_t nsets)
{
	char err[ERR_LEN] = "";

	memset(r, 0, sizeof(*r));
	int rc = scenario_load_origins(&r->sc, path, sets, nsets, &r->origins, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", path, err);
	r->src = (struct lint_source){.file = path, .origins = &r->origins, .sets = sets, .nsets = nsets};
	size_t n = lint_scenario(&r->sc, &r->src, &r->l);
	cr_assert_eq(n, r->l.n);
}

static void lint_text(struct linted *r, const char *text)
{
	char err[ERR_LEN] = "";

	memset(r, 0, sizeof(*r));
	int rc = scenario_load_text_origins(&r->sc, "t.json", text, strlen(text), NULL, 0, &r->origins, err,
					    sizeof(err));
	cr_assert_eq(rc, 0, "%s", err);
	r->src = (struct lint_source){.file = "t.json", .origins = &r->origins};
	lint_scenario(&r->sc, &r->src, &r->l);
}

static void done(struct linted *r)
{
	lint_list_free(&r->l);
	scenario_origins_free(&r->origins);
	scenario_free(&r->sc);
}

static size_t count(const struct linted *r, enum lint_rule rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->l.n; i++)
		n += r->l.v[i].rule == rule;
	return n;
}

/* The finding of rule about key; fails the test when there is none. */
static const struct lint_finding *find(const struct linted *r, enum lint_rule rule, const char *key)
{
	for (size_t i = 0; i < r->l.n; i++)
		if (r->l.v[i].rule == rule && !strcmp(r->l.v[i].key, key))
			return &r->l.v[i];
	cr_assert_fail("no %s finding about %s", lint_rule_name(rule), key);
	return NULL;
}

static void assert_at(const struct lint_finding *f, enum lint_origin origin, int line, int col)
{
	cr_assert_eq(f->origin, origin, "%s: origin %d, want %d", f->key, f->origin, origin);
	cr_assert_eq(f->line, line, "%s: line %d, want %d", f->key, f->line, line);
	cr_assert_eq(f->col, col, "%s: col %d, want %d", f->key, f->col, col);
}

static void assert_has(const char *text, const char *part)
{
	cr_assert(strstr(text, part), "\"%s\" is not in \"%s\"", part, text);
}

/* The text line of f, as lint prints it; caller frees. */
static char *line_of(const struct linted *r, const struct lint_finding *f)
{
	struct sbuf sb = SBUF_INIT;
	lint_format(f, &r->src, &sb);
	return sbuf_detach(&sb);
}

Test(lint, incident_worst_case_is_54)
{
	struct linted r;
	long reach[TIER_COUNT];

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	lint_worst_case(&r.sc, reach);
	cr_assert_eq(reach[TIER_GATEWAY], 2);
	cr_assert_eq(reach[TIER_SVC_A], 6);
	cr_assert_eq(reach[TIER_SVC_B], 18);
	cr_assert_eq(reach[TIER_DBSIM], 54);
	const struct lint_finding *f = find(&r, LINT_AMPLIFICATION, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_eq(f->value, 54);
	assert_at(f, LINT_FROM_FILE, 31, 7);
	char *line = line_of(&r, f);
	assert_has(line,
		   "scenarios/incident.json:31:7: warning: tiers.svc_b.retries: up to 54 database queries "
		   "per client request in the worst case: 2 client attempts × 3 at gateway × 3 at svc_a × 3 "
		   "at svc_b (reaching gateway 2, svc_a 6, svc_b 18, dbsim 54)");
	assert_has(line, "(suggestion: retry at one layer only, the lowest (svc_b)");
	free(line);
	done(&r);
}

/* The incident is meant to be bad: warnings, never an error. */
Test(lint, incident_warns_and_has_no_error)
{
	struct linted r;

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	cr_assert_eq(lint_count(&r.l, LINT_ERROR), 0);
	cr_assert_eq(lint_count(&r.l, LINT_WARNING), r.l.n);
	cr_assert_eq(count(&r, LINT_AMPLIFICATION), 1);
	cr_assert_eq(count(&r, LINT_INCIDENT_PATTERN), 1);
	cr_assert_eq(count(&r, LINT_RETRIES_OUTLAST_BUDGET), 3);
	cr_assert_eq(count(&r, LINT_ORPHANED_WORK), 4);
	cr_assert_eq(count(&r, LINT_QUEUE_OUTLASTS_CALLERS), 1);
	/* 35 s > 30 s > 25 s > 20 s > 15 s: the timeouts themselves are ordered. */
	cr_assert_eq(count(&r, LINT_CLIENT_TIMEOUT), 0);
	cr_assert_eq(count(&r, LINT_OUTLIVES_CALLER), 0);
	cr_assert_eq(count(&r, LINT_STATEMENT_TIMEOUT), 0);
	cr_assert_eq(r.l.n, 10);
	done(&r);
}

Test(lint, single_deadline_has_no_orphaned_work)
{
	struct linted r;

	lint_file(&r, "scenarios/single-deadline.json", NULL, 0);
	cr_assert_eq(count(&r, LINT_ORPHANED_WORK), 0);
	/* Retries at every layer still multiply on fast failures (5xx). */
	cr_assert_eq(r.l.n, 1);
	cr_assert_eq(r.l.v[0].rule, LINT_AMPLIFICATION);
	cr_assert_eq(r.l.v[0].value, 54);
	done(&r);
}

Test(lint, clean_scenario_has_only_the_worst_case_note)
{
	struct linted r;

	lint_file(&r, CLEAN, NULL, 0);
	cr_assert_eq(r.l.n, 1);
	const struct lint_finding *f = find(&r, LINT_AMPLIFICATION, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_NOTE);
	cr_assert_eq(f->value, 6);
	cr_assert_null(f->suggestion);
	done(&r);
}

/* Two forwarding tiers retrying is a warning however small the product. */
Test(lint, amplification_warns_when_two_tiers_retry)
{
	struct linted r;
	char *sets[] = {"tiers.svc_a.retries=1", "load.client_retries=0"};

	lint_file(&r, CLEAN, sets, 2);
	const struct lint_finding *f = find(&r, LINT_AMPLIFICATION, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_eq(f->value, 6); /* 1 × 1 × 2 × 3 */
	assert_has(f->suggestion, "with a single attempt at svc_a, 3 queries at most");
	cr_assert_eq(f->origin,
		     LINT_FROM_FILE); /* svc_b's retries are the file's; svc_a's came from a --set */
	done(&r);
}

Test(lint, amplification_counts_hedged_copies)
{
	struct linted r;

	lint_file(&r, "scenarios/remedies/hedging.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_AMPLIFICATION, "tiers.svc_b.hedge.max_attempts");
	cr_assert_eq(f->value, 16); /* 2 × 2 × 2 × 2 */
	cr_assert_eq(f->severity, LINT_WARNING);
	done(&r);
}

Test(lint, client_timeout_not_longer_than_the_gateways)
{
	struct linted r;
	char *sets[] = {"load.client_timeout=20s"};

	lint_file(&r, CLEAN, sets, 1);
	const struct lint_finding *f = find(&r, LINT_CLIENT_TIMEOUT, "load.client_timeout");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_eq(f->value, 20000);
	cr_assert_eq(f->origin, LINT_FROM_SET);
	cr_assert_eq(f->set, 0);
	char *line = line_of(&r, f);
	assert_has(line,
		   "--set load.client_timeout=20s: warning: load.client_timeout: the client gives up after "
		   "20 s, not later than the gateway's own 30 s timeout");
	free(line);
	done(&r);

	/* A gateway without a timeout of its own: */
	lint_file(&r, "scenarios/metastable-retry.json", NULL, 0);
	f = find(&r, LINT_CLIENT_TIMEOUT, "load.client_timeout");
	assert_has(f->message, "the client gives up after 1 s, but the gateway has no timeout of its own");
	assert_at(f, LINT_FROM_FILE, 10, 5);
	done(&r);
}

/* A default points at the nearest enclosing key in the file, else 1:1. */
Test(lint, defaults_point_at_the_nearest_key)
{
	struct linted r;

	lint_text(&r, "{}");
	const struct lint_finding *f = find(&r, LINT_CLIENT_TIMEOUT, "load.client_timeout");
	assert_at(f, LINT_FROM_DEFAULT, 1, 1);
	char *line = line_of(&r, f);
	assert_has(line, "t.json:1:1: warning: load.client_timeout: the client gives up after 30 s");
	assert_has(line, " [default value, not in the file] (suggestion: ");
	free(line);
	done(&r);

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	f = find(&r, LINT_RETRIES_OUTLAST_BUDGET, "tiers.svc_b.attempt_timeout");
	assert_at(f, LINT_FROM_DEFAULT, 29, 5); /* "svc_b": { */
	done(&r);
}

Test(lint, incident_pattern)
{
	struct linted r;

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_INCIDENT_PATTERN, "tiers.gateway.propagate_deadline");
	cr_assert_eq(f->value, 3);
	assert_at(f, LINT_FROM_FILE, 20, 25);
	assert_has(f->message,
		   "gateway (30 s, 3 attempts), svc_a (25 s, 3 attempts) and svc_b (20 s, 3 attempts)");
	done(&r);

	/* One tier of its own is not the pattern; two are. */
	char *one[] = {"tiers.svc_b.timeout=20s", "tiers.svc_b.propagate_deadline=false"};
	lint_file(&r, CLEAN, one, 2);
	cr_assert_eq(count(&r, LINT_INCIDENT_PATTERN), 0);
	done(&r);
	char *two[] = {"tiers.svc_b.timeout=20s", "tiers.svc_b.propagate_deadline=false",
		       "tiers.gateway.retries=1", "tiers.gateway.propagate_deadline=false"};
	lint_file(&r, CLEAN, two, 4);
	f = find(&r, LINT_INCIDENT_PATTERN, "tiers.gateway.propagate_deadline");
	cr_assert_eq(f->value, 2);
	cr_assert_eq(f->origin, LINT_FROM_SET);
	cr_assert_eq(f->set, 3);
	done(&r);
}

Test(lint, outlives_caller)
{
	struct linted r;
	char *sets[] = {"tiers.svc_a.attempt_timeout=5s", "tiers.svc_b.timeout=20s",
			"tiers.svc_b.propagate_cancel=false"};

	lint_file(&r, CLEAN, sets, 3);
	const struct lint_finding *f = find(&r, LINT_OUTLIVES_CALLER, "tiers.svc_b.timeout");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_eq(f->value, 20000);
	assert_has(f->message,
		   "svc_b's own 20 s timeout is not shorter than what its callers wait (svc_a waits "
		   "5 s for an attempt)");
	assert_has(f->suggestion, "shorter than 5 s");
	done(&r);

	/* With cancellation the work stops when svc_a gives up. */
	lint_file(&r, CLEAN, sets, 2);
	cr_assert_eq(count(&r, LINT_OUTLIVES_CALLER), 0);
	done(&r);

	/* No deadline at all, nobody cancels. */
	lint_file(&r, "scenarios/metastable-retry.json", NULL, 0);
	f = find(&r, LINT_OUTLIVES_CALLER, "tiers.svc_b.timeout");
	cr_assert(isinf(f->value));
	assert_has(f->message, "svc_b has no deadline");
	assert_has(f->message, "the client gives up after 1 s");
	cr_assert_eq(count(&r, LINT_OUTLIVES_CALLER), 2);
	done(&r);
}

/* Retries that start only once the tier has answered, sent for nobody. */
Test(lint, late_retry_is_an_error)
{
	struct linted r;

	lint_file(&r, "tests/lint/late-retry.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_LATE_RETRY, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_ERROR);
	cr_assert_eq(f->value, 20000);
	assert_at(f, LINT_FROM_FILE, 13, 89);
	assert_has(f->message, "retries 1 to 2 cannot start before 20 s after the request arrives");
	cr_assert_eq(lint_count(&r.l, LINT_ERROR), 1);
	cr_assert_eq(lint_count(&r.l, LINT_WARNING), 1); /* the same, and nothing else */
	/* The weaker rule is not repeated for the same tier. */
	cr_assert_eq(count(&r, LINT_RETRIES_OUTLAST_BUDGET), 0);
	done(&r);

	/* A deadline-aware tier never sends them: a warning. */
	char *cancel[] = {"tiers.svc_b.propagate_cancel=true"};
	lint_file(&r, "tests/lint/late-retry.json", cancel, 1);
	f = find(&r, LINT_LATE_RETRY, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_WARNING);
	assert_has(f->message, "a deadline-aware tier never sends them");
	done(&r);
}

/* Fast failures, but backoffs without jitter that outgrow the budget:
 * 0 + 1 s, then + 2 s = 3 s >= 2 s. */
Test(lint, late_retry_after_backoffs)
{
	struct linted r;
	char *sets[] = {"tiers.svc_b.timeout=2s",
			"tiers.svc_b.propagate_deadline=false",
			"tiers.svc_b.propagate_cancel=false",
			"tiers.svc_b.retries=3",
			"tiers.svc_b.retry_on=[\"5xx\"]",
			"tiers.svc_b.backoff={\"base\": \"1s\", \"cap\": \"10s\", \"jitter\": \"none\"}"};

	lint_file(&r, CLEAN, sets, 6);
	const struct lint_finding *f = find(&r, LINT_LATE_RETRY, "tiers.svc_b.retries");
	cr_assert_eq(f->severity, LINT_ERROR);
	cr_assert_eq(f->value, 3000);
	assert_has(f->message, "retries 2 to 3 cannot start before 3 s");
	cr_assert_eq(f->origin, LINT_FROM_SET);
	cr_assert_eq(f->set, 3);
	done(&r);
}

Test(lint, retries_outlast_budget)
{
	struct linted r;

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_RETRIES_OUTLAST_BUDGET, "tiers.svc_b.attempt_timeout");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_float_eq(f->value, 60300, 1e-6); /* 3 × 20 s + 100 ms + 200 ms */
	assert_has(f->message, "3 attempts × 20 s (no attempt_timeout: the tier's timeout) + up to 300 ms of "
			       "backoff = 60.3 s, longer than its 20 s budget");
	assert_has(f->suggestion, "at most 6.567 s ((20 s − 300 ms) / 3)");
	cr_assert_float_eq(find(&r, LINT_RETRIES_OUTLAST_BUDGET, "tiers.gateway.attempt_timeout")->value,
			   90300, 1e-6);
	done(&r);

	/* Decorrelated jitter's longest sleeps: min(cap, base × 3^(n+1)). */
	char *sets[] = {"tiers.svc_b.backoff.jitter=decorrelated"};
	lint_file(&r, "scenarios/incident.json", sets, 1);
	f = find(&r, LINT_RETRIES_OUTLAST_BUDGET, "tiers.svc_b.attempt_timeout");
	cr_assert_float_eq(f->value, 60000 + 300 + 900, 1e-6);
	done(&r);

	/* Attempts cut to the deadline: nothing to say. */
	lint_file(&r, "scenarios/single-deadline.json", NULL, 0);
	cr_assert_eq(count(&r, LINT_RETRIES_OUTLAST_BUDGET), 0);
	done(&r);
}

Test(lint, hedge_delay_is_an_error)
{
	struct linted r;

	lint_file(&r, "tests/lint/hedge-delay.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_HEDGE_DELAY, "tiers.svc_b.hedge.delay");
	cr_assert_eq(f->severity, LINT_ERROR);
	cr_assert_eq(f->value, 40000);
	assert_at(f, LINT_FROM_FILE, 14, 42);
	assert_has(f->message,
		   "svc_b sends a hedged copy 40 s after the last, but an attempt ends after 29.99 s");
	cr_assert_eq(lint_count(&r.l, LINT_WARNING), 1);
	done(&r);

	/* The shipped hedging remedy hedges after 1 s: fine. */
	lint_file(&r, "scenarios/remedies/hedging.json", NULL, 0);
	cr_assert_eq(count(&r, LINT_HEDGE_DELAY), 0);
	done(&r);
}

Test(lint, orphaned_work)
{
	struct linted r;
	static const char *const keys[] = {"tiers.gateway.propagate_cancel", "tiers.svc_a.propagate_cancel",
					   "tiers.svc_b.propagate_cancel", "tiers.dbsim.honor_cancel"};
	static const double attempts[] = {2, 3, 3, 3}; /* the caller's: the client's, then each tier's */

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct lint_finding *f = find(&r, LINT_ORPHANED_WORK, keys[i]);
		cr_assert_eq(f->severity, LINT_WARNING);
		cr_assert_eq(f->value, attempts[i], "%s: %g", keys[i], f->value);
	}
	assert_has(
	    find(&r, LINT_ORPHANED_WORK, "tiers.dbsim.honor_cancel")->message,
	    "svc_b retries on timeout (3 attempts), and dbsim does not drop a query whose caller left");
	assert_at(find(&r, LINT_ORPHANED_WORK, "tiers.dbsim.honor_cancel"), LINT_FROM_FILE, 40, 7);
	done(&r);

	/* Hedged copies that lose are abandoned too. */
	lint_file(&r, "scenarios/remedies/hedging.json", NULL, 0);
	assert_has(find(&r, LINT_ORPHANED_WORK, "tiers.svc_a.propagate_cancel")->message,
		   "gateway hedges (2 copies) and drops the losers");
	done(&r);

	/* Retries on 5xx only abandon nothing. */
	char *sets[] = {"tiers.svc_b.retry_on=[\"5xx\"]"};
	lint_file(&r, "scenarios/incident.json", sets, 1);
	cr_assert_eq(count(&r, LINT_ORPHANED_WORK), 3);
	done(&r);
}

Test(lint, statement_timeout_longer_than_anyone_waits)
{
	struct linted r;
	char *sets[] = {"tiers.dbsim.honor_cancel=false", "tiers.dbsim.honor_deadline=false",
			"tiers.dbsim.statement_timeout=60s"};

	lint_file(&r, CLEAN, sets, 3);
	const struct lint_finding *f = find(&r, LINT_STATEMENT_TIMEOUT, "tiers.dbsim.statement_timeout");
	cr_assert_eq(f->severity, LINT_WARNING);
	cr_assert_eq(f->value, 60000);
	/* svc_b waits what is left of the gateway's 30 s, less two 5 ms margins */
	assert_has(f->message,
		   "a query may run 60 s (statement_timeout), but svc_b waits 29.99 s for an attempt");
	done(&r);

	/* Shorter than the wait, or dropped at the deadline: nothing. */
	lint_file(&r, CLEAN, sets, 2);
	cr_assert_eq(count(&r, LINT_STATEMENT_TIMEOUT), 0);
	done(&r);
	lint_file(&r, CLEAN, (char *[]){"tiers.dbsim.statement_timeout=60s"}, 1);
	cr_assert_eq(count(&r, LINT_STATEMENT_TIMEOUT), 0);
	done(&r);

	lint_file(&r, "scenarios/metastable-retry.json", NULL, 0);
	f = find(&r, LINT_STATEMENT_TIMEOUT, "tiers.dbsim.statement_timeout");
	cr_assert(isinf(f->value));
	done(&r);
}

Test(lint, queue_holds_more_than_anyone_waits)
{
	struct linted r;
	double sigma = log(1000.0 / 200) / 2.3263478740408408;
	double mean = 200 * exp(sigma * sigma / 2);

	lint_file(&r, "scenarios/incident.json", NULL, 0);
	const struct lint_finding *f = find(&r, LINT_QUEUE_OUTLASTS_CALLERS, "tiers.dbsim.queue_limit");
	cr_assert_float_eq(f->value, 100000 * mean / 2, 1e-3);
	assert_has(f->message,
		   "a full queue holds 100000 queries × 254 ms (the mean service time) / 2 workers = "
		   "12704 s of work, but svc_b waits 20 s for an attempt: a query behind more than 157 "
		   "others");
	done(&r);

	/* CoDel sheds a query after codel_interval (100 × 200 ms = 20 s): no
	 * longer than svc_b waits. */
	lint_file(&r, "scenarios/remedies/codel.json", NULL, 0);
	cr_assert_eq(count(&r, LINT_QUEUE_OUTLASTS_CALLERS), 0);
	done(&r);

	/* honor_deadline drops the expired work... */
	char *sets[] = {"tiers.dbsim.queue_limit=100000", "tiers.dbsim.honor_cancel=false"};
	lint_file(&r, CLEAN, sets, 2);
	cr_assert_eq(count(&r, LINT_QUEUE_OUTLASTS_CALLERS), 0);
	done(&r);
	/* ...unless no deadline reaches dbsim. */
	char *nodeadline[] = {"tiers.dbsim.queue_limit=100000", "tiers.dbsim.honor_cancel=false",
			      "tiers.svc_b.propagate_deadline=false"};
	lint_file(&r, CLEAN, nodeadline, 3);
	f = find(&r, LINT_QUEUE_OUTLASTS_CALLERS, "tiers.dbsim.queue_limit");
	assert_has(f->message, "honor_deadline has no deadline to act on (svc_b sends none)");
	done(&r);
}

/* Every shipped scenario: no error (the incident is meant to be bad, but
 * each of them runs as written). */
Test(lint, shipped_scenarios_have_no_error)
{
	glob_t g;

	cr_assert_eq(glob("scenarios/*.json", 0, NULL, &g), 0);
	cr_assert_eq(glob("scenarios/remedies/*.json", GLOB_APPEND, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 20);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct linted r;
		lint_file(&r, g.gl_pathv[i], NULL, 0);
		cr_assert_eq(lint_count(&r.l, LINT_ERROR), 0, "%s has an error", g.gl_pathv[i]);
		cr_assert_eq(count(&r, LINT_AMPLIFICATION), 1, "%s", g.gl_pathv[i]);
		done(&r);
	}
	globfree(&g);
}
