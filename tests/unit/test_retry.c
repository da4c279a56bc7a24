/* Unit tests for retry: backoff bounds per jitter mode, which failures are
 * retried, and jitter names as scenario files spell them. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "retry.h"
#include "util.h"

#define DRAWS 10000

static struct retry_policy policy(enum jitter j)
{
	struct retry_policy p = {
	    .retries = 3,
	    .attempt_timeout_ms = 1000,
	    .retry_on = RETRY_ON_TIMEOUT | RETRY_ON_5XX,
	    .base_ms = 100,
	    .cap_ms = 2000,
	    .jitter = j,
	};
	return p;
}

/* Draw DRAWS sleeps for retry n; all must lie in [lo, hi], and together they
 * must reach within 1% of (hi - lo) of both ends. */
static void check_range(const struct retry_policy *p, int n, double lo, double hi, int hi_inclusive)
{
	struct rng r;
	double min = INFINITY, max = -INFINITY;

	rng_seed(&r, 42 + (uint64_t)n);
	for (int i = 0; i < DRAWS; i++) {
		double prev = 0;
		double s = retry_backoff_ms(p, n, &prev, &r);
		cr_assert(s >= lo, "%s n=%d: %g < %g", jitter_name(p->jitter), n, s, lo);
		if (hi_inclusive)
			cr_assert(s <= hi, "%s n=%d: %g > %g", jitter_name(p->jitter), n, s, hi);
		else
			cr_assert(s < hi, "%s n=%d: %g >= %g", jitter_name(p->jitter), n, s, hi);
		cr_assert_eq(prev, s, "prev_ms not updated");
		min = fmin(min, s);
		max = fmax(max, s);
	}
	double slack = (hi - lo) * 0.01;
	cr_assert(min < lo + slack, "%s n=%d: min %g far from %g", jitter_name(p->jitter), n, min, lo);
	cr_assert(max > hi - slack, "%s n=%d: max %g far from %g", jitter_name(p->jitter), n, max, hi);
}

Test(retry, none_is_exact_exponential_capped)
{
	struct retry_policy p = policy(JITTER_NONE);
	struct rng r;
	static const double want[] = {100, 200, 400, 800, 1600, 2000, 2000};

	rng_seed(&r, 1);
	for (int n = 0; n < (int)ARRAY_LEN(want); n++) {
		double prev = 0;
		cr_assert_eq(retry_backoff_ms(&p, n, &prev, &r), want[n], "n=%d", n);
	}
}

Test(retry, full_within_zero_and_t)
{
	struct retry_policy p = policy(JITTER_FULL);
	check_range(&p, 0, 0, 100, 0);
	check_range(&p, 2, 0, 400, 0);
	check_range(&p, 4, 0, 1600, 0);
	check_range(&p, 10, 0, 2000, 0);
}

Test(retry, equal_within_half_t_and_t)
{
	struct retry_policy p = policy(JITTER_EQUAL);
	check_range(&p, 0, 50, 100, 0);
	check_range(&p, 3, 400, 800, 0);
	check_range(&p, 8, 1000, 2000, 0);
}

Test(retry, decorrelated_first_within_base_and_three_base)
{
	struct retry_policy p = policy(JITTER_DECORRELATED);
	check_range(&p, 0, 100, 300, 0);
	/* n does not matter to decorrelated jitter, only prev does. */
	check_range(&p, 7, 100, 300, 0);
}

Test(retry, decorrelated_follows_prev_and_caps)
{
	struct retry_policy p = policy(JITTER_DECORRELATED);
	struct rng r;
	double min = INFINITY, max = -INFINITY;
	int at_cap = 0;

	rng_seed(&r, 7);
	for (int i = 0; i < DRAWS; i++) {
		double prev = 500; /* U(100, 1500) */
		double s = retry_backoff_ms(&p, 1, &prev, &r);
		cr_assert(s >= 100 && s < 1500, "%g", s);
		min = fmin(min, s);
		max = fmax(max, s);
	}
	cr_assert(min < 114 && max > 1486, "min %g max %g", min, max);

	for (int i = 0; i < DRAWS; i++) {
		double prev = 1000; /* U(100, 3000), capped at 2000 */
		double s = retry_backoff_ms(&p, 1, &prev, &r);
		cr_assert(s >= 100 && s <= 2000, "%g", s);
		at_cap += s == 2000;
	}
	/* P(U(100, 3000) >= 2000) = 1000/2900. */
	cr_assert(at_cap > DRAWS * 0.30 && at_cap < DRAWS * 0.39, "%d at cap", at_cap);
}

Test(retry, decorrelated_chain_stays_within_cap)
{
	struct retry_policy p = policy(JITTER_DECORRELATED);
	struct rng r;
	double prev = 0;

	rng_seed(&r, 9);
	for (int n = 0; n < 1000; n++) {
		double before = prev > 0 ? prev : p.base_ms;
		double s = retry_backoff_ms(&p, n, &prev, &r);
		cr_assert(s >= p.base_ms && s <= fmin(p.cap_ms, before * 3), "n=%d s=%g", n, s);
		cr_assert_eq(prev, s);
	}
}

Test(retry, huge_n_saturates_at_cap)
{
	struct rng r;
	static const int ns[] = {62, 63, 64, 1000, 1023, 1024, 5000, INT32_MAX};

	rng_seed(&r, 3);
	for (size_t i = 0; i < ARRAY_LEN(ns); i++) {
		struct retry_policy p = policy(JITTER_NONE);
		double prev = 0;
		cr_assert_eq(retry_backoff_ms(&p, ns[i], &prev, &r), 2000, "n=%d", ns[i]);
		p.cap_ms = DBL_MAX;
		double s = retry_backoff_ms(&p, ns[i], &prev, &r);
		cr_assert(isfinite(s) && s > 0, "n=%d: %g", ns[i], s);
		p.jitter = JITTER_FULL;
		p.cap_ms = 2000;
		s = retry_backoff_ms(&p, ns[i], &prev, &r);
		cr_assert(s >= 0 && s < 2000, "n=%d: %g", ns[i], s);
	}
}

Test(retry, negative_n_is_first_retry)
{
	struct retry_policy p = policy(JITTER_NONE);
	struct rng r;
	rng_seed(&r, 3);
	cr_assert_eq(retry_backoff_ms(&p, -1, NULL, &r), 100);
}

Test(retry, null_prev_means_first)
{
	struct retry_policy p = policy(JITTER_DECORRELATED);
	struct rng r;
	rng_seed(&r, 5);
	for (int i = 0; i < 1000; i++) {
		double s = retry_backoff_ms(&p, 3, NULL, &r);
		cr_assert(s >= 100 && s < 300, "%g", s);
	}
}

Test(retry, allowed_truth_table)
{
	static const unsigned masks[] = {
	    0,
	    RETRY_ON_TIMEOUT,
	    RETRY_ON_5XX,
	    RETRY_ON_CONNECT_ERROR,
	    RETRY_ON_TIMEOUT | RETRY_ON_5XX,
	    RETRY_ON_TIMEOUT | RETRY_ON_CONNECT_ERROR,
	    RETRY_ON_5XX | RETRY_ON_CONNECT_ERROR,
	    RETRY_ON_TIMEOUT | RETRY_ON_5XX | RETRY_ON_CONNECT_ERROR,
	};
	for (size_t i = 0; i < ARRAY_LEN(masks); i++) {
		struct retry_policy p = policy(JITTER_NONE);
		p.retry_on = masks[i];
		cr_assert_eq(retry_allowed(&p, RETRY_CLASS_NONE), false);
		cr_assert_eq(retry_allowed(&p, RETRY_CLASS_TIMEOUT), (masks[i] & RETRY_ON_TIMEOUT) != 0);
		cr_assert_eq(retry_allowed(&p, RETRY_CLASS_5XX), (masks[i] & RETRY_ON_5XX) != 0);
		cr_assert_eq(retry_allowed(&p, RETRY_CLASS_CONNECT),
			     (masks[i] & RETRY_ON_CONNECT_ERROR) != 0);
	}
	cr_assert_eq(retry_allowed(NULL, RETRY_CLASS_TIMEOUT), false);
}

Test(retry, allowed_ignores_retry_count)
{
	struct retry_policy p = policy(JITTER_NONE);
	p.retries = 0;
	cr_assert(retry_allowed(&p, RETRY_CLASS_TIMEOUT));
}

Test(retry, jitter_names_round_trip)
{
	static const enum jitter all[] = {JITTER_NONE, JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED};
	static const char *names[] = {"none", "full", "equal", "decorrelated"};
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		cr_assert_str_eq(jitter_name(all[i]), names[i]);
		cr_assert_eq(jitter_from_name(names[i]), (int)all[i]);
	}
	cr_assert_eq(jitter_from_name("Full"), -1);
	cr_assert_eq(jitter_from_name(""), -1);
	cr_assert_eq(jitter_from_name("decorrelated "), -1);
	cr_assert_eq(jitter_from_name(NULL), -1);
	cr_assert_str_eq(jitter_name((enum jitter)99), "unknown");
}
