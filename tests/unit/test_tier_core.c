/* test_tier_core: a forwarding tier's decisions, driven with a fake clock and
 * a fake driver that only records what the core asks for: retry or not,
 * which budget goes on the wire, when the deadline ends a request, what a
 * caller leaving does with and without cancellation, and the gauges. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tier_core.h"
#include "fake_clock.h"

struct fake {
	struct timerq tq;
	struct tier_core *core;
	struct scenario sc;
	double now;
	/* what the core asked for */
	int replies, last_status, sends, aborts, releases;
	enum outcome last_outcome;
	enum tier_reason last_reason;
	struct tier_attempt *attempts[16];
	double budgets[16];
	bool has_budget[16];
	int nattempts;
	struct span_row rows[32];
	char row_outcomes[32][24];
	int nrows;
};

static struct fake F;

static void f_reply(void *ctx, struct tier_req *r, const struct tier_reply *rep)
{
	(void)ctx;
	(void)r;
	F.replies++;
	F.last_status = rep->status;
	F.last_outcome = rep->outcome;
	F.last_reason = rep->reason;
}

static void f_send(void *ctx, struct tier_attempt *a)
{
	(void)ctx;
	F.sends++;
	F.has_budget[F.nattempts] = tier_attempt_budget(a, &F.budgets[F.nattempts]);
	F.attempts[F.nattempts++] = a;
}

static void f_abort(void *ctx, struct tier_attempt *a)
{
	(void)ctx;
	(void)a;
	F.aborts++;
}

static void f_row(void *ctx, const struct span_row *row)
{
	(void)ctx;
	cr_assert_lt(F.nrows, 32);
	F.rows[F.nrows] = *row;
	snprintf(F.row_outcomes[F.nrows], sizeof(F.row_outcomes[0]), "%s/%s", row->kind, outcome_name(row->outcome));
	F.nrows++;
}

static void f_release(void *ctx, struct tier_req *r)
{
	(void)ctx;
	(void)r;
	F.releases++;
}

static const struct tier_ops f_ops = {f_reply, f_send, f_abort, f_row, f_release};

/* svc_b of a scenario: the defaults, then sets. */
static void setup(const char *const *sets)
{
	memset(&F, 0, sizeof(F));
	fake_scenario_load(&F.sc, sets);
	timerq_init(&F.tq);
	F.core = tier_core_new(&(struct tier_core_config){
	    .sc = &F.sc, .tier = TIER_SVC_B, .tq = &F.tq, .ops = &f_ops, .ctx = NULL});
}

static void teardown(void)
{
	tier_core_stop(F.core, F.now);
	tier_core_free(F.core);
	timerq_free(&F.tq);
	scenario_free(&F.sc);
}

static void advance(double to) { fake_clock_advance(&F.tq, &F.now, to); }

static struct tier_req *arrive(double budget_ms)
{
	struct inbound in = {0};
	strcpy(in.trace_id, "0af7651916cd43dd8448eb211c80319c");
	strcpy(in.parent_id, "b7ad6b7169203331");
	strcpy(in.lineage, "gateway#1>svc_a#1");
	in.caller_attempt = 1;
	in.has_budget = budget_ms >= 0;
	in.budget_ms = budget_ms;
	return tier_core_arrive(F.core, F.now, &in, NULL, NULL);
}

static void answer(int i, int status)
{
	struct attempt_result res = {.end = ATTEMPT_ANSWERED, .status = status};
	tier_core_attempt_done(F.core, F.attempts[i], F.now, &res);
}

static const struct core_counters *gauges(void) { return tier_core_counters(F.core); }

Test(tier_core, a_5xx_is_retried_after_the_backoff_and_success_is_passed_through)
{
	const char *sets[] = {"tiers.svc_b.backoff={\"base\": \"100ms\", \"cap\": \"100ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	cr_assert_eq(F.sends, 1);
	cr_assert_str_eq(tier_attempt_lineage(F.attempts[0]), "gateway#1>svc_a#1>svc_b#1");
	F.now = 50;
	answer(0, 503);
	cr_assert_eq(F.sends, 1, "the retry waits for its backoff");
	cr_assert_eq(F.replies, 0);
	advance(149.9);
	cr_assert_eq(F.sends, 1);
	advance(150);
	cr_assert_eq(F.sends, 2, "100 ms after the failure, attempt 2");
	cr_assert_str_eq(tier_attempt_lineage(F.attempts[1]), "gateway#1>svc_a#1>svc_b#2");
	F.now = 160;
	answer(1, 200);
	cr_assert_eq(F.replies, 1);
	cr_assert_eq(F.last_status, 200);
	cr_assert_eq(F.last_reason, TR_PASS);
	cr_assert_eq(F.releases, 1);
	cr_assert_eq(F.nrows, 3);
	cr_assert_str_eq(F.row_outcomes[0], "client/upstream_error");
	cr_assert_str_eq(F.row_outcomes[1], "client/ok");
	cr_assert_str_eq(F.row_outcomes[2], "server/ok");
	cr_assert_float_eq(F.rows[2].work_ms, 60, 1e-9, "two attempts: 50 + 10 ms in flight");
	teardown();
}

Test(tier_core, a_4xx_is_not_retried)
{
	setup(NULL);
	arrive(-1);
	answer(0, 404);
	cr_assert_eq(F.sends, 1);
	cr_assert_eq(F.last_status, 404);
	cr_assert_eq(F.last_outcome, OUT_UPSTREAM_ERROR);
	teardown();
}

Test(tier_core, the_budget_on_the_wire_is_what_is_left_minus_the_margin)
{
	const char *sets[] = {"tiers.svc_b.propagate_deadline=true", "tiers.svc_b.timeout=none",
			      "deadline.margin=5ms",
			      "tiers.svc_b.backoff={\"base\": \"100ms\", \"cap\": \"100ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(1000);
	cr_assert(F.has_budget[0]);
	cr_assert_float_eq(F.budgets[0], 995, 1e-9);
	F.now = 200;
	answer(0, 500);
	advance(300);
	cr_assert_eq(F.sends, 2);
	cr_assert_float_eq(F.budgets[1], 695, 1e-9, "the retry carries what is left at its start, not the full budget");
	teardown();
}

Test(tier_core, without_propagation_no_budget_is_sent_and_the_received_one_is_ignored)
{
	setup(NULL); /* the incident's svc_b: own 20 s timeout */
	arrive(10);
	cr_assert_not(F.has_budget[0]);
	advance(15);
	cr_assert_eq(F.replies, 0, "a received 10 ms budget means nothing here");
	teardown();
}

Test(tier_core, an_expired_budget_is_refused_on_arrival)
{
	const char *sets[] = {"tiers.svc_b.propagate_deadline=true", NULL};
	setup(sets);
	cr_assert_null(arrive(0), "answered and released at once");
	cr_assert_eq(F.last_status, 504);
	cr_assert_eq(F.last_outcome, OUT_DEADLINE_EXPIRED);
	cr_assert_eq(F.sends, 0);
	teardown();
}

Test(tier_core, no_retry_whose_backoff_would_end_past_the_deadline)
{
	const char *sets[] = {"tiers.svc_b.propagate_deadline=true", "tiers.svc_b.timeout=none",
			      "tiers.svc_b.backoff={\"base\": \"100ms\", \"cap\": \"100ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(250);
	F.now = 160;
	answer(0, 500);
	cr_assert_eq(F.last_status, 500, "160 + 100 ms is past the 250 ms deadline: give up now");
	cr_assert_eq(F.sends, 1);
	teardown();
}

Test(tier_core, the_own_timeout_answers_504_and_without_cancel_the_attempt_goes_on)
{
	const char *sets[] = {"tiers.svc_b.timeout=300ms", "tiers.svc_b.attempt_timeout=1s", "tiers.svc_b.retries=0",
			      NULL};
	setup(sets);
	arrive(-1);
	advance(300);
	cr_assert_eq(F.last_status, 504);
	cr_assert_eq(F.last_outcome, OUT_TIMEOUT);
	cr_assert_eq(F.aborts, 0);
	cr_assert_eq(gauges()->inflight, 0);
	cr_assert_eq(gauges()->orphaned, 1, "answered, its attempt still running");
	F.now = 700;
	answer(0, 200);
	cr_assert_eq(F.releases, 1);
	cr_assert_eq(gauges()->orphaned, 0);
	cr_assert_float_eq(F.rows[0].wasted_ms, 400, 1e-9, "the attempt's work after the 504 is wasted");
	teardown();
}

Test(tier_core, with_cancellation_the_deadline_aborts_the_attempt)
{
	const char *sets[] = {"tiers.svc_b.timeout=300ms", "tiers.svc_b.propagate_cancel=true", NULL};
	setup(sets);
	arrive(-1);
	advance(300);
	cr_assert_eq(F.aborts, 1);
	cr_assert_str_eq(F.row_outcomes[0], "client/cancelled");
	cr_assert_eq(F.releases, 1);
	cr_assert_eq(gauges()->orphaned, 0);
	teardown();
}

Test(tier_core, an_attempt_timeout_aborts_and_retries)
{
	const char *sets[] = {"tiers.svc_b.attempt_timeout=100ms",
			      "tiers.svc_b.backoff={\"base\": \"10ms\", \"cap\": \"10ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	advance(100);
	cr_assert_eq(F.aborts, 1, "the core times its attempts and asks the driver to abort");
	cr_assert_str_eq(F.row_outcomes[0], "client/timeout");
	advance(110);
	cr_assert_eq(F.sends, 2);
	teardown();
}

Test(tier_core, a_caller_leaving_without_cancellation_leaves_orphaned_work)
{
	setup(NULL);
	struct tier_req *r = arrive(-1);
	F.now = 40;
	tier_core_caller_gone(F.core, r, F.now);
	cr_assert_eq(F.replies, 0, "nobody to answer");
	cr_assert_eq(F.aborts, 0);
	cr_assert_eq(gauges()->inflight, 0);
	cr_assert_eq(gauges()->orphaned, 1);
	F.now = 100;
	answer(0, 200);
	cr_assert_eq(F.nrows, 2);
	cr_assert_eq(F.rows[1].status, STATUS_CALLER_GONE);
	cr_assert_float_eq(F.rows[1].wasted_ms, 60, 1e-9);
	teardown();
}

Test(tier_core, a_caller_leaving_with_cancellation_aborts_at_once)
{
	const char *sets[] = {"tiers.svc_b.propagate_cancel=true", NULL};
	setup(sets);
	struct tier_req *r = arrive(-1);
	F.now = 40;
	tier_core_caller_gone(F.core, r, F.now);
	cr_assert_eq(F.aborts, 1);
	cr_assert_eq(F.releases, 1);
	cr_assert_str_eq(F.row_outcomes[1], "server/caller_gone");
	teardown();
}

Test(tier_core, max_inflight_sheds_and_counts_orphaned_work_too)
{
	const char *sets[] = {"tiers.svc_b.max_inflight=1", "tiers.svc_b.timeout=100ms",
			      "tiers.svc_b.attempt_timeout=1s", NULL};
	setup(sets);
	arrive(-1);
	advance(100); /* answered 504, attempt still running: orphaned */
	cr_assert_eq(gauges()->orphaned, 1);
	cr_assert_null(arrive(-1));
	cr_assert_eq(F.last_status, 503, "work still held counts against max_inflight");
	cr_assert_eq(F.last_outcome, OUT_SHED);
	teardown();
}

Test(tier_core, stop_closes_out_everything_as_cancelled)
{
	setup(NULL);
	arrive(-1);
	arrive(-1);
	F.now = 10;
	tier_core_stop(F.core, F.now);
	cr_assert_eq(F.aborts, 2);
	cr_assert_eq(F.releases, 2);
	cr_assert_eq(F.last_reason, TR_STOP);
	cr_assert_eq(gauges()->inflight + gauges()->orphaned, 0);
	tier_core_free(F.core);
	timerq_free(&F.tq);
	scenario_free(&F.sc);
}

/* ---- the remedies, on the core ---- */

Test(tier_core, a_rate_budget_denies_retries_past_its_share)
{
	/* 0 % of requests, 0.1 retries a second over 10 s: exactly one retry */
	const char *sets[] = {"tiers.svc_b.retry_budget={\"enabled\": true, \"percent\": 0, \"min_per_s\": 0.1, "
			      "\"ttl\": \"10s\"}",
			      "tiers.svc_b.backoff={\"base\": \"10ms\", \"cap\": \"10ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	answer(0, 500);
	advance(10);
	cr_assert_eq(F.sends, 2, "the budget's one retry");
	F.now = 20;
	answer(1, 500);
	cr_assert_eq(F.sends, 2, "no second retry");
	cr_assert_eq(F.last_status, 500, "the request ends with its last failure");
	cr_assert_eq(tier_core_counters(F.core)->retries_denied, 1);
	teardown();
}

Test(tier_core, grpc_throttling_stops_retries_once_tokens_run_low)
{
	/* 4 tokens: two failures leave 2, which is not more than 4 / 2 */
	const char *sets[] = {"tiers.svc_b.retry_throttle={\"enabled\": true, \"max_tokens\": 4, \"token_ratio\": 1.6}",
			      "tiers.svc_b.backoff={\"base\": \"10ms\", \"cap\": \"10ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	answer(0, 503); /* 3 tokens: retry */
	advance(10);
	cr_assert_eq(F.sends, 2);
	F.now = 11;
	answer(1, 503); /* 2 tokens: no retry */
	cr_assert_eq(F.sends, 2);
	cr_assert_eq(tier_core_counters(F.core)->retries_denied, 1);
	teardown();
}

Test(tier_core, a_concurrency_budget_counts_a_retry_from_its_approval)
{
	/* Envoy counts a retry from the moment it is allowed, backoff included:
	 * three attempts failing at one instant get one retry, not three. */
	const char *sets[] = {"tiers.svc_b.retry_concurrency={\"enabled\": true, \"percent\": 0, \"min_retries\": 1}",
			      "tiers.svc_b.backoff={\"base\": \"10ms\", \"cap\": \"10ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	arrive(-1);
	arrive(-1);
	F.now = 5;
	answer(0, 500);
	answer(1, 500);
	answer(2, 500);
	cr_assert_eq(tier_core_counters(F.core)->retries_denied, 2, "one retry waits out its backoff: the others are denied");
	advance(15);
	cr_assert_eq(F.sends, 4, "the one retry goes");
	F.now = 20;
	answer(3, 200);
	arrive(-1);
	F.now = 21;
	answer(4, 500);
	advance(31);
	cr_assert_eq(F.sends, 6, "the retry ended: its place is free again");
	teardown();
}

Test(tier_core, grpc_throttling_counts_only_failures_it_would_retry)
{
	/* gRPC takes a token only for a retryable status: timeouts that
	 * retry_on does not retry leave the tokens alone. */
	const char *sets[] = {"tiers.svc_b.retry_throttle={\"enabled\": true, \"max_tokens\": 4, \"token_ratio\": 1.6}",
			      "tiers.svc_b.retry_on=[\"5xx\"]", "tiers.svc_b.attempt_timeout=\"100ms\"",
			      "tiers.svc_b.backoff={\"base\": \"10ms\", \"cap\": \"10ms\", \"jitter\": \"none\"}",
			      NULL};
	setup(sets);
	arrive(-1);
	arrive(-1);
	advance(100);
	cr_assert_eq(F.replies, 2, "both timed out, not retried");
	cr_assert_eq(F.sends, 2);
	arrive(-1);
	F.now = 110;
	answer(2, 503); /* 4 -> 3 tokens: still above half */
	advance(120);
	cr_assert_eq(F.sends, 4, "the 503 is retried");
	cr_assert_eq(tier_core_counters(F.core)->retries_denied, 0);
	teardown();
}

Test(tier_core, an_open_breaker_fails_attempts_at_once_and_counts_its_time)
{
	const char *sets[] = {"tiers.svc_b.circuit_breaker={\"enabled\": true, \"min_requests\": 2, \"open_for\": \"1s\"}",
			      "tiers.svc_b.retries=0", NULL};
	setup(sets);
	arrive(-1);
	arrive(-1);
	F.now = 5;
	answer(0, 500);
	answer(1, 500); /* 2 of 2 failed: open */
	cr_assert_eq(F.sends, 2);
	F.now = 100;
	arrive(-1);
	cr_assert_eq(F.sends, 2, "not sent");
	cr_assert_eq(F.last_status, 503);
	cr_assert_eq(F.last_outcome, OUT_BREAKER_OPEN);
	cr_assert_str_eq(F.row_outcomes[F.nrows - 2], "client/breaker_open");
	cr_assert_float_eq(core_breaker_ms(tier_core_counters(F.core), 600), 595, 1e-9);
	F.now = 1006;
	arrive(-1);
	cr_assert_eq(F.sends, 3, "open_for passed: a half-open probe goes");
	answer(2, 200);
	F.now = 1007;
	arrive(-1);
	cr_assert_eq(F.sends, 4, "the probe succeeded: closed again");
	teardown();
}

Test(tier_core, hedging_sends_a_copy_after_the_delay_and_the_loser_is_dropped)
{
	const char *sets[] = {"tiers.svc_b.hedge={\"enabled\": true, \"delay\": \"50ms\", \"max_attempts\": 3}",
			      "tiers.svc_b.retries=0", NULL};
	setup(sets);
	arrive(-1);
	advance(49);
	cr_assert_eq(F.sends, 1);
	advance(50);
	cr_assert_eq(F.sends, 2, "no answer within 50 ms: a second copy");
	advance(100);
	cr_assert_eq(F.sends, 3, "and a third, the most it may send");
	advance(500);
	cr_assert_eq(F.sends, 3);
	cr_assert_eq(tier_core_counters(F.core)->hedges, 2);
	answer(1, 200);
	cr_assert_eq(F.last_status, 200);
	cr_assert_eq(F.aborts, 2, "the other two copies are aborted");
	cr_assert_str_eq(F.row_outcomes[1], "client/hedge_lost");
	cr_assert_str_eq(F.row_outcomes[2], "client/hedge_lost");
	cr_assert_eq(F.releases, 1);
	teardown();
}

Test(tier_core, hedging_a_fatal_failure_ends_a_non_fatal_one_sends_the_next)
{
	const char *sets[] = {
	    "tiers.svc_b.hedge={\"enabled\": true, \"delay\": \"1s\", \"max_attempts\": 3, \"non_fatal\": [\"5xx\"]}",
	    "tiers.svc_b.retries=0", NULL};
	setup(sets);
	arrive(-1);
	F.now = 10;
	answer(0, 503);
	cr_assert_eq(F.sends, 2, "a non-fatal 503: the next copy at once");
	F.now = 20;
	answer(1, 404);
	cr_assert_eq(F.last_status, 404, "a fatal status ends it");
	cr_assert_eq(F.sends, 2);
	teardown();
}

Test(tier_core, hedging_a_copy_timing_out_leaves_the_others_running)
{
	/* gRPC's hedging has no limit per copy: a copy's own timeout ends that
	 * copy, and the request waits for the one still in flight. */
	const char *sets[] = {"tiers.svc_b.hedge={\"enabled\": true, \"delay\": \"50ms\", \"max_attempts\": 2}",
			      "tiers.svc_b.retries=0", "tiers.svc_b.attempt_timeout=\"100ms\"", NULL};
	setup(sets);
	arrive(-1);
	advance(50);
	cr_assert_eq(F.sends, 2);
	advance(100);
	cr_assert_eq(F.replies, 0, "the first copy timed out; the second goes on");
	cr_assert_eq(F.aborts, 1, "only the copy that timed out is aborted");
	F.now = 120;
	answer(1, 200);
	cr_assert_eq(F.last_status, 200);
	advance(150);
	cr_assert_eq(F.replies, 1);
	teardown();
}

Test(tier_core, hedging_a_copy_the_breaker_refuses_does_not_end_the_request)
{
	const char *sets[] = {"tiers.svc_b.hedge={\"enabled\": true, \"delay\": \"50ms\", \"max_attempts\": 2}",
			      "tiers.svc_b.circuit_breaker={\"enabled\": true, \"min_requests\": 2, \"open_for\": \"1s\"}",
			      "tiers.svc_b.retries=0", NULL};
	setup(sets);
	arrive(-1); /* its first copy: attempts[0] */
	arrive(-1);
	arrive(-1);
	F.now = 10;
	answer(1, 500);
	answer(2, 500); /* 2 of 2 failed: the breaker opens */
	advance(50);
	cr_assert_eq(F.sends, 3, "the second copy is refused, not sent");
	cr_assert_eq(F.replies, 2, "and the request still waits for its first copy");
	F.now = 60;
	answer(0, 200);
	cr_assert_eq(F.replies, 3);
	cr_assert_eq(F.last_status, 200);
	teardown();
}

Test(tier_core, the_cache_answers_hits_and_fills_on_success)
{
	const char *sets[] = {"tiers.svc_b.cache={\"enabled\": true, \"capacity\": 10, \"hit_latency\": \"2ms\"}", NULL};
	struct inbound in = {0};
	setup(sets);
	in.has_key = true;
	in.key = 42;
	tier_core_arrive(F.core, F.now, &in, NULL, NULL);
	cr_assert_eq(F.sends, 1, "a miss goes upstream");
	F.now = 30;
	answer(0, 200);
	tier_core_arrive(F.core, F.now, &in, NULL, NULL);
	cr_assert_eq(F.sends, 1, "a hit does not");
	advance(32);
	cr_assert_eq(F.last_status, 200);
	cr_assert_eq(F.last_outcome, OUT_CACHE_HIT);
	cr_assert_eq(tier_core_counters(F.core)->cache_hits, 1);
	cr_assert_eq(tier_core_counters(F.core)->cache_misses, 1);
	teardown();
}
