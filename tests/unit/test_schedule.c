/* Unit tests for schedule: the constant rule is exact, and a seeded Poisson
 * schedule is reproducible and statistically what it claims to be. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "schedule.h"

static struct load_cfg load_of(enum arrival_kind arrival, double rate_rps, double duration_ms)
{
	struct load_cfg load = {0};
	load.arrival = arrival;
	load.rate_rps = rate_rps;
	load.duration_ms = duration_ms;
	return load;
}

/* Every arrival into out (when non-NULL, up to cap), checking the range and
 * order on the way; the number of arrivals. */
static size_t drain_all(struct schedule *s, double *out, size_t cap)
{
	size_t n = 0;
	double t, prev = -1;

	while (schedule_next(s, &t) == 0) {
		cr_assert(t >= 0 && t < s->duration_ms, "arrival %zu at %.6f outside [0, %.3f)", n, t,
			  s->duration_ms);
		cr_assert(t >= prev, "arrival %zu at %.6f before the previous %.6f", n, t, prev);
		prev = t;
		if (out && n < cap)
			out[n] = t;
		n++;
	}
	cr_assert_eq(schedule_next(s, &t), -1, "an ended schedule must stay ended");
	return n;
}

static size_t count_arrivals(enum arrival_kind arrival, double rate_rps, double duration_ms, uint64_t seed)
{
	struct load_cfg load = load_of(arrival, rate_rps, duration_ms);
	struct schedule s;

	schedule_init(&s, &load, seed);
	return drain_all(&s, NULL, 0);
}

Test(schedule, constant_exact_times)
{
	struct load_cfg load = load_of(ARRIVAL_CONSTANT, 50, 2000);
	struct schedule s;
	double times[128];
	size_t i, n;

	schedule_init(&s, &load, 1);
	n = drain_all(&s, times, 128);
	cr_assert_eq(n, 100);
	for (i = 0; i < n; i++)
		cr_assert_eq(times[i], 20.0 * (double)i, "arrival %zu at %.9f, expected %.1f", i, times[i],
			     20.0 * (double)i);
}

Test(schedule, constant_count_is_ceil_of_rate_times_duration)
{
	/* Whole numbers: exactly rate * duration (the edge itself is excluded). */
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 3, 1000, 1), 3);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 7, 2000, 1), 14);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 1000, 60000, 1), 60000);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 0.5, 4000, 1), 2);
	/* Fractions round up: 4.5 -> arrivals at 0, 333, 667, 1000, 1333 ms. */
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 3, 1500, 1), 5);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 1, 1, 1), 1);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 1, 999.5, 1), 1);
}

Test(schedule, constant_spacing_is_exact)
{
	struct load_cfg load = load_of(ARRIVAL_CONSTANT, 3, 10000);
	struct schedule s;
	double times[64];
	size_t i, n;

	schedule_init(&s, &load, 1);
	n = drain_all(&s, times, 64);
	cr_assert_eq(n, 30);
	for (i = 1; i < n; i++)
		cr_assert_float_eq(times[i] - times[i - 1], 1000.0 / 3.0, 1e-9);
	/* No drift: the last arrival is where k / rate puts it. */
	cr_assert_float_eq(times[n - 1], 29000.0 / 3.0, 1e-9);
}

Test(schedule, constant_ignores_the_seed)
{
	struct load_cfg load = load_of(ARRIVAL_CONSTANT, 10, 1000);
	struct schedule a, b;
	double ta[16], tb[16];
	size_t i;

	schedule_init(&a, &load, 1);
	schedule_init(&b, &load, 2);
	cr_assert_eq(drain_all(&a, ta, 16), 10);
	cr_assert_eq(drain_all(&b, tb, 16), 10);
	for (i = 0; i < 10; i++)
		cr_assert_eq(ta[i], tb[i]);
}

Test(schedule, nothing_without_rate_or_duration)
{
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 0, 1000, 1), 0);
	cr_assert_eq(count_arrivals(ARRIVAL_CONSTANT, 10, 0, 1), 0);
	cr_assert_eq(count_arrivals(ARRIVAL_POISSON, -1, 1000, 1), 0);
	cr_assert_eq(count_arrivals(ARRIVAL_POISSON, 10, 0, 1), 0);
}

Test(schedule, poisson_same_seed_same_sequence)
{
	struct load_cfg load = load_of(ARRIVAL_POISSON, 200, 5000);
	struct schedule a, b;
	double ta, tb;
	size_t n = 0;

	schedule_init(&a, &load, 42);
	schedule_init(&b, &load, 42);
	for (;;) {
		int ra = schedule_next(&a, &ta), rb = schedule_next(&b, &tb);
		cr_assert_eq(ra, rb, "the two schedules ended at different lengths (%zu)", n);
		if (ra < 0)
			break;
		cr_assert_eq(ta, tb, "arrival %zu differs: %.9f vs %.9f", n, ta, tb);
		n++;
	}
	cr_assert_gt(n, 0);
}

Test(schedule, poisson_different_seeds_differ)
{
	struct load_cfg load = load_of(ARRIVAL_POISSON, 200, 5000);
	struct schedule a, b;
	double ta[32], tb[32];
	size_t i, same = 0;

	schedule_init(&a, &load, 42);
	schedule_init(&b, &load, 43);
	cr_assert_geq(drain_all(&a, ta, 32), 32);
	cr_assert_geq(drain_all(&b, tb, 32), 32);
	for (i = 0; i < 32; i++)
		same += ta[i] == tb[i];
	cr_assert_eq(same, 0, "%zu of 32 arrivals identical across seeds", same);
}

Test(schedule, poisson_count_within_four_sigma)
{
	/* The count is Poisson(rate * duration_s): sigma = sqrt(mean). */
	const double rate = 1000, duration_ms = 10000, mean = rate * duration_ms / 1000.0;
	const double sigma = sqrt(mean);
	uint64_t seed;

	for (seed = 1; seed <= 20; seed++) {
		double n = (double)count_arrivals(ARRIVAL_POISSON, rate, duration_ms, seed);
		cr_assert(fabs(n - mean) <= 4 * sigma, "seed %llu: %.0f arrivals, expected %.0f +- %.0f",
			  (unsigned long long)seed, n, mean, 4 * sigma);
	}
	/* A low rate too, where an off-by-one in the rule would show. */
	for (seed = 1; seed <= 20; seed++) {
		double n = (double)count_arrivals(ARRIVAL_POISSON, 5, 20000, seed);
		cr_assert(fabs(n - 100) <= 4 * 10, "seed %llu: %.0f arrivals at 5/s for 20 s",
			  (unsigned long long)seed, n);
	}
}

Test(schedule, poisson_gaps_are_exponential)
{
	/* Gaps (the first from 0) are exponential with mean 1000 / rate: their
	 * mean has standard error mean / sqrt(n), and a fraction e^-1 of them
	 * exceed the mean (binomial standard error).  Bounds at 4 sigma. */
	const double rate = 500, gap = 1000.0 / rate;
	struct load_cfg load = load_of(ARRIVAL_POISSON, rate, 100000);
	struct schedule s;
	double t, prev = 0, sum = 0, n = 0, above = 0, p = exp(-1.0);

	schedule_init(&s, &load, 7);
	while (schedule_next(&s, &t) == 0) {
		double g = t - prev;
		sum += g;
		above += g > gap;
		n++;
		prev = t;
	}
	cr_assert_gt(n, 40000);
	cr_assert(fabs(sum / n - gap) <= 4 * gap / sqrt(n), "mean gap %.5f ms, expected %.5f", sum / n, gap);
	cr_assert(fabs(above / n - p) <= 4 * sqrt(p * (1 - p) / n),
		  "%.4f of gaps above the mean, expected %.4f", above / n, p);
}

/* Every arrival of a constant schedule with these phases into t, and how
 * many fell in each of the first four seconds into per. */
static void drain_per_second(struct load_cfg *load, struct load_phase *phases, size_t nphases, double *t,
			       size_t cap, size_t per[4])
{
	struct schedule s;
	size_t n;

	load->phases = phases;
	load->nphases = nphases;
	schedule_init(&s, load, 1);
	n = drain_all(&s, t, cap);
	for (size_t i = 0; i < n; i++)
		per[(size_t)(t[i] / 1000)]++;
}

Test(schedule, phases_step_and_ramp_the_constant_rate)
{
	/* 10/s for 1 s, a step to 20/s at 1 s, then a ramp from 20 to 40/s over
	 * 1 s at 2 s, 40/s after: 10 + 20 + 30 + 40 arrivals in the four seconds */
	struct load_phase phases[] = {{1000, 20, 0}, {2000, 40, 1000}};
	struct load_cfg load = load_of(ARRIVAL_CONSTANT, 10, 4000);
	double t[200];
	size_t per[4] = {0};

	drain_per_second(&load, phases, 2, t, 200, per);
	cr_assert_eq(per[0], 10);
	cr_assert_eq(per[1], 20);
	cr_assert_eq(per[2], 30, "the ramp's mean rate is 30/s");
	cr_assert_eq(per[3], 40);
	cr_assert_float_eq(t[0], 0, 1e-9, "the first at 0, as without phases");
	cr_assert_float_eq(schedule_rate_at(&load, 2500), 30, 1e-9);
}

Test(schedule, a_ramp_down_to_zero_does_not_end_the_schedule)
{
	/* 22/s for 1 s, a ramp to 0 over 1 s, nothing, then 50/s from 3 s.  The
	 * 34th arrival falls exactly at the ramp's end, where the quadratic's
	 * discriminant is 0 and rounds to -5e-20: its square root must not be
	 * NaN, which would end the schedule before the last phase. */
	struct load_phase phases[] = {{1000, 0, 1000}, {3000, 50, 0}};
	struct load_cfg load = load_of(ARRIVAL_CONSTANT, 22, 4000);
	double t[200];
	size_t per[4] = {0};

	drain_per_second(&load, phases, 2, t, 200, per);
	cr_assert_eq(per[0], 22);
	cr_assert_eq(per[1], 11, "the ramp's mean rate is 11/s");
	cr_assert_float_eq(t[33], 2000, 1e-6, "the 34th at the ramp's end");
	cr_assert_gt(per[3], 45, "the last phase still arrives (%zu)", per[3]);
}

Test(schedule, phases_poisson_follow_the_rate)
{
	/* 100/s, then 0 from 10 s: nothing after, about 1000 before */
	struct load_phase phases[] = {{10000, 0, 0}};
	struct load_cfg load = load_of(ARRIVAL_POISSON, 100, 20000);
	struct schedule s;
	double t[2000];
	size_t n;

	load.phases = phases;
	load.nphases = 1;
	schedule_init(&s, &load, 7);
	n = drain_all(&s, t, 2000);
	cr_assert(n > 900 && n < 1100, "%zu arrivals", n);
	cr_assert_lt(t[n - 1], 10000);
}
