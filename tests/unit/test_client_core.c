/* test_client_core: the open-loop client's decisions with a fake clock:
 * requests leave on schedule whatever is outstanding, a retry's intended
 * time is failure + backoff, the outstanding cap, the end of the run. */
#include <criterion/criterion.h>
#include <string.h>

#include "client_core.h"
#include "fake_clock.h"

struct fake {
	struct timerq tq;
	struct client_core *core;
	struct scenario sc;
	double now;
	struct client_req *sent[512];
	double sent_at[512];
	int nsent, aborts, done;
	struct request_row rows[512];
	int nrows;
};

static struct fake F;

static void f_send(void *ctx, struct client_req *r)
{
	(void)ctx;
	F.sent_at[F.nsent] = F.now;
	F.sent[F.nsent++] = r;
}

static void f_abort(void *ctx, struct client_req *r)
{
	(void)ctx;
	(void)r;
	F.aborts++;
}

static void f_row(void *ctx, const struct request_row *row)
{
	(void)ctx;
	F.rows[F.nrows++] = *row;
}

static void f_done(void *ctx)
{
	(void)ctx;
	F.done++;
}

static const struct client_ops f_ops = {f_send, f_abort, f_row, f_done};

static void setup(const char *const *sets)
{
	memset(&F, 0, sizeof(F));
	fake_scenario_load(&F.sc, sets);
	timerq_init(&F.tq);
	F.core = client_core_new(&(struct client_core_config){.sc = &F.sc, .tq = &F.tq, .ops = &f_ops}, 0);
}

static void teardown(void)
{
	client_core_stop(F.core, F.now);
	client_core_free(F.core);
	timerq_free(&F.tq);
	scenario_free(&F.sc);
}

static void advance(double to) { fake_clock_advance(&F.tq, &F.now, to); }

static void answer(int i, int status)
{
	struct attempt_result res = {.end = ATTEMPT_ANSWERED, .status = status};
	client_core_attempt_done(F.core, F.sent[i], F.now, &res);
}

Test(client_core, requests_leave_on_schedule_whatever_is_outstanding)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=10", "load.duration=1s", NULL};
	setup(sets);
	advance(999);
	cr_assert_eq(F.nsent, 10, "ten in flight, none answered, all sent");
	for (int i = 0; i < 10; i++)
		cr_assert_float_eq(F.sent_at[i], i * 100.0, 1e-9);
	cr_assert_eq(client_core_progress(F.core)->in_flight, 10);
	teardown();
}

Test(client_core, a_retry_is_intended_at_failure_plus_backoff)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=1", "load.duration=1s", "load.client_timeout=2s",
			      "load.client_retries=1",
			      "load.client_backoff={\"base\": \"1s\", \"cap\": \"1s\", \"jitter\": \"none\"}", NULL};
	setup(sets);
	advance(0);
	advance(2000); /* the client's timeout */
	cr_assert_eq(F.aborts, 1);
	cr_assert_eq(F.rows[0].outcome, CLIENT_TIMEOUT);
	advance(3000);
	cr_assert_eq(F.nsent, 2);
	cr_assert_float_eq(F.rows[0].end_ms, 2000, 1e-9);
	F.now = 3100;
	answer(1, 200);
	cr_assert_eq(F.rows[1].attempt, 2);
	cr_assert_float_eq(F.rows[1].intended_ms, 3000, 1e-9);
	cr_assert_float_eq(F.rows[1].end_ms - F.rows[1].intended_ms, 100, 1e-9, "latency from the intended time");
	cr_assert_eq(client_core_progress(F.core)->requests_ok, 1);
	cr_assert_eq(F.done, 1, "schedule over and nothing outstanding: the run ends");
	teardown();
}

Test(client_core, a_4xx_is_not_retried)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=1", "load.duration=1s", NULL};
	setup(sets);
	advance(0);
	answer(0, 404);
	cr_assert_eq(F.rows[0].outcome, CLIENT_HTTP_ERROR);
	advance(60000);
	cr_assert_eq(F.nsent, 1);
	teardown();
}

Test(client_core, over_max_outstanding_an_attempt_is_not_sent)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=10", "load.duration=300ms", "load.max_outstanding=2",
			      NULL};
	setup(sets);
	advance(250);
	cr_assert_eq(F.nsent, 2);
	cr_assert_eq(F.nrows, 1);
	cr_assert_eq(F.rows[0].outcome, CLIENT_NOT_SENT);
	cr_assert_not(F.rows[0].sent);
	teardown();
}

Test(client_core, the_drain_ends_the_run_and_cancels_what_is_left)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=1", "load.duration=1s", "load.client_timeout=1h",
			      "load.drain=5s", NULL};
	setup(sets);
	advance(4999);
	cr_assert_eq(F.done, 0);
	advance(5000);
	cr_assert_eq(F.done, 1);
	cr_assert_eq(F.aborts, 1);
	cr_assert_eq(F.rows[0].outcome, CLIENT_CANCELLED);
	cr_assert(client_core_over(F.core));
	teardown();
}

Test(client_core, adaptive_throttling_rejects_locally_when_nothing_is_accepted)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=100", "load.duration=2s", "load.client_retries=0",
			      "load.adaptive_throttle={\"enabled\": true, \"k\": 2, \"window\": \"10s\"}", NULL};
	setup(sets);
	advance(1999);
	/* every sent attempt stays unanswered: no accepts, so the rejection
	 * probability climbs to n / (n + 1) and almost nothing leaves */
	int throttled = 0;
	for (int i = 0; i < F.nrows; i++)
		throttled += F.rows[i].outcome == CLIENT_THROTTLED;
	cr_assert_eq(F.nsent + throttled, 200, "every request either went or was throttled");
	cr_assert_gt(throttled, 150, "%d of 200 throttled", throttled);
	cr_assert_eq(client_core_progress(F.core)->ended[CLIENT_THROTTLED], (uint64_t)throttled);
	teardown();
}

Test(client_core, keys_follow_zipf)
{
	const char *sets[] = {"load.arrival=constant", "load.rate=100", "load.duration=1s",
			      "load.keys={\"count\": 1000, \"zipf\": 1}", NULL};
	int ones = 0;
	setup(sets);
	advance(999);
	for (int i = 0; i < F.nsent; i++) {
		uint32_t k;
		cr_assert(client_req_key(F.sent[i], &k));
		cr_assert(k >= 1 && k <= 1000);
		ones += k == 1;
	}
	/* key 1 has weight 1 / H(1000) ~ 13 %: about 13 of 100 */
	cr_assert_eq(F.nsent, 100);
	cr_assert(ones >= 5 && ones <= 25, "key 1 drawn %d times of 100", ones);
	teardown();
}
