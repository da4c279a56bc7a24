/* test_remedies: each remedy's algorithm against its reference: gRPC's own
 * retry-throttling sequence, Finagle's budget arithmetic, Envoy's
 * concurrency rule, Hystrix's breaker states with resilience4j's probes, the
 * SRE book's rejection probability, and an LRU cache with a time to live. */
#include <criterion/criterion.h>
#include <math.h>

#include "breaker.h"
#include "cache.h"
#include "retry_budget.h"
#include "throttle.h"
#include "window.h"

Test(remedies, grpc_retry_throttling_follows_grpcs_own_example)
{
	/* gRPC's unit test: max 4 tokens, ratio 1.6, retries only while > 2 */
	struct retry_throttle t;
	retry_throttle_init(&t, 4, 1.6);
	retry_throttle_failure(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 3, 1e-12);
	cr_assert(retry_throttle_allows(&t));
	retry_throttle_success(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 4, 1e-12, "capped at max");
	retry_throttle_failure(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 3, 1e-12);
	cr_assert(retry_throttle_allows(&t));
	retry_throttle_failure(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 2, 1e-12);
	cr_assert_not(retry_throttle_allows(&t), "at the threshold: no retry");
	retry_throttle_success(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 3.6, 1e-12, "thousandths: 2 + 1.6 exactly");
	for (int i = 0; i < 10; i++)
		retry_throttle_failure(&t);
	cr_assert_float_eq(retry_throttle_tokens(&t), 0, 1e-12, "never below zero");
}

Test(remedies, a_rate_budget_allows_percent_of_requests_plus_the_minimum)
{
	struct retry_budget b;
	/* 20 % of requests, 1 retry a second always, over 10 s: 10 + 20 % */
	retry_budget_init(&b, 20, 1, 10000);
	for (int i = 0; i < 50; i++)
		retry_budget_deposit(&b, 100);
	int allowed = 0;
	while (retry_budget_withdraw(&b, 200))
		allowed++;
	cr_assert_eq(allowed, 10 + 10, "20 %% of 50 = 10, plus 1/s x 10 s = 10");
	cr_assert_not(retry_budget_withdraw(&b, 5000), "still within the ttl");
	cr_assert(retry_budget_withdraw(&b, 10200), "the requests and retries of 100-200 ms have left the window");
}

Test(remedies, a_quiet_tier_can_still_retry)
{
	struct retry_budget b;
	retry_budget_init(&b, 20, 0.5, 10000);
	retry_budget_deposit(&b, 0);
	cr_assert(retry_budget_withdraw(&b, 1));
	cr_assert(retry_budget_withdraw(&b, 2), "min_per_s x ttl = 5 retries whatever the requests");
}

Test(remedies, envoy_concurrency_budget)
{
	cr_assert(retry_concurrency_allows(2, 5, 20, 3), "max(3, 1) = 3 retries in flight");
	cr_assert_not(retry_concurrency_allows(3, 5, 20, 3));
	cr_assert(retry_concurrency_allows(19, 100, 20, 3), "max(3, 20)");
	cr_assert_not(retry_concurrency_allows(20, 100, 20, 3));
}

Test(remedies, breaker_opens_on_the_ratio_then_probes_then_closes)
{
	struct breaker b;
	bool probe;

	breaker_init(&b, 0.5, 20, 10000, 5000, 1);
	for (int i = 0; i < 19; i++) {
		cr_assert(breaker_allow(&b, i, &probe));
		breaker_record(&b, i, true, probe);
	}
	cr_assert_eq(b.state, BREAKER_CLOSED, "19 attempts: under min_requests");
	breaker_record(&b, 20, false, false);
	cr_assert_eq(b.state, BREAKER_OPEN, "19 of 20 failed");
	cr_assert_not(breaker_allow(&b, 100, &probe));
	cr_assert_not(breaker_allow(&b, 5019, &probe), "open for 5 s");
	cr_assert(breaker_allow(&b, 5020, &probe));
	cr_assert(probe);
	cr_assert_eq(b.state, BREAKER_HALF_OPEN);
	cr_assert_not(breaker_allow(&b, 5021, &probe), "one probe at a time");
	breaker_record(&b, 5100, true, true);
	cr_assert_eq(b.state, BREAKER_OPEN, "the probe failed: open again");
	cr_assert_float_eq(breaker_not_closed_ms(&b, 6000), 6000 - 20, 1e-9);
	cr_assert(breaker_allow(&b, 10100, &probe));
	breaker_record(&b, 10150, false, true);
	cr_assert_eq(b.state, BREAKER_CLOSED);
	cr_assert_float_eq(breaker_not_closed_ms(&b, 20000), 10150 - 20, 1e-9);
	for (int i = 0; i < 19; i++)
		breaker_record(&b, 10200 + i, true, false);
	cr_assert_eq(b.state, BREAKER_CLOSED, "closing started the window over");
}

Test(remedies, resilience4j_probes_close_below_the_ratio)
{
	struct breaker b;
	bool probe;

	breaker_init(&b, 0.5, 2, 10000, 1000, 4);
	breaker_record(&b, 0, true, false);
	breaker_record(&b, 1, true, false);
	cr_assert_eq(b.state, BREAKER_OPEN);
	for (int i = 0; i < 4; i++)
		cr_assert(breaker_allow(&b, 1001, &probe) && probe);
	cr_assert_not(breaker_allow(&b, 1001, &probe));
	breaker_record(&b, 1002, true, true);
	breaker_record(&b, 1003, false, true);
	breaker_record(&b, 1004, false, true);
	cr_assert_eq(b.state, BREAKER_HALF_OPEN, "three of four probes back");
	breaker_record(&b, 1005, false, true);
	cr_assert_eq(b.state, BREAKER_CLOSED, "1 of 4 failed: below 0.5");
}

Test(remedies, sre_adaptive_throttling_probability)
{
	struct adaptive_throttle a;
	adaptive_throttle_init(&a, 2, 120000);
	cr_assert_float_eq(adaptive_throttle_p(&a, 0), 0, 1e-12);
	for (int i = 0; i < 100; i++)
		adaptive_throttle_request(&a, 10);
	for (int i = 0; i < 30; i++)
		adaptive_throttle_accept(&a, 10);
	cr_assert_float_eq(adaptive_throttle_p(&a, 20), (100.0 - 60.0) / 101.0, 1e-12);
	for (int i = 0; i < 20; i++)
		adaptive_throttle_accept(&a, 10);
	cr_assert_float_eq(adaptive_throttle_p(&a, 20), 0, 1e-12, "k x accepts >= requests: nothing rejected");
	cr_assert_float_eq(adaptive_throttle_p(&a, 200000), 0, 1e-12, "forgotten after the window");
}

Test(remedies, window_forgets_buckets_older_than_its_span)
{
	struct window w;
	window_init(&w, 1000);
	window_add(&w, 50, 0, 1);
	window_add(&w, 950, 0, 2);
	cr_assert_float_eq(window_sum(&w, 999, 0), 3, 1e-12);
	cr_assert_float_eq(window_sum(&w, 1050, 0), 2, 1e-12, "the 0-100 ms bucket left");
	cr_assert_float_eq(window_sum(&w, 5000, 0), 0, 1e-12);
}

Test(remedies, cache_is_lru_with_a_time_to_live)
{
	struct cache c;
	cache_init(&c, 2, 1000);
	cr_assert_not(cache_get(&c, 7, 0));
	cache_put(&c, 7, 0);
	cache_put(&c, 8, 10);
	cr_assert(cache_get(&c, 7, 20), "7 is now the most recent");
	cache_put(&c, 9, 30);
	cr_assert_not(cache_get(&c, 8, 40), "8 was the least recently used: evicted");
	cr_assert(cache_get(&c, 7, 50));
	cr_assert(cache_get(&c, 9, 60));
	cr_assert_not(cache_get(&c, 7, 1000), "stored at 0, 1 s to live");
	cr_assert(cache_get(&c, 9, 1000));
	cache_flush(&c);
	cr_assert_not(cache_get(&c, 9, 1001));
	cr_assert_eq(c.hits, 4);
	cr_assert_eq(c.misses, 4);
	for (uint32_t k = 0; k < 1000; k++)
		cache_put(&c, k, 2000);
	cr_assert_eq(c.n, 2);
	cr_assert(cache_get(&c, 999, 2001) && cache_get(&c, 998, 2001));
	cache_free(&c);
}
