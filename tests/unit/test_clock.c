/* Unit tests for clock: scenario-time arithmetic at different scales and
 * the timer values handed to libevent. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "clock.h"

Test(clock, monotonic_does_not_go_back)
{
	int64_t a = clock_mono_ns();
	int64_t b = clock_mono_ns();
	cr_assert(b >= a);
	cr_assert(a > 0);
}

Test(clock, real_to_mono_of_now_is_now)
{
	int64_t mono = clock_mono_ns();
	int64_t conv = clock_real_to_mono_ns(clock_real_ns());
	/* Generous: only the few reads in between separate the two. */
	cr_assert(llabs(conv - mono) < 50 * 1000000LL, "off by %lld ns", (long long)(conv - mono));
	int64_t later = clock_real_to_mono_ns(clock_real_ns() + 5000000000LL);
	cr_assert(llabs(later - mono - 5000000000LL) < 50 * 1000000LL);
}

Test(clock, scenario_ms_is_scaled)
{
	struct sclock c;
	sclock_init(&c, 1000000000, 0.1);
	/* 100 ms of real time at scale 0.1 is 1 s of scenario time. */
	cr_assert_float_eq(sclock_ms_at(&c, 1100000000), 1000, 1e-9);
	cr_assert_float_eq(sclock_ms_at(&c, 900000000), -1000, 1e-9);
	cr_assert_float_eq(sclock_real_ms(&c, 30000), 3000, 1e-9);
	sclock_init(&c, 0, 1);
	cr_assert_float_eq(sclock_ms_at(&c, 1500000), 1.5, 1e-12);
}

Test(clock, bad_scale_means_one)
{
	struct sclock c;
	sclock_init(&c, 0, 0);
	cr_assert_eq(c.scale, 1.0);
	sclock_init(&c, 0, -2);
	cr_assert_eq(c.scale, 1.0);
	sclock_init(&c, 0, NAN);
	cr_assert_eq(c.scale, 1.0);
}

Test(clock, now_tracks_monotonic)
{
	struct sclock c;
	sclock_init(&c, clock_mono_ns(), 1);
	double now = sclock_now_ms(&c);
	cr_assert(now >= 0 && now < 50, "%g", now);
}

Test(clock, timeval_scaled_rounded_up_and_clamped)
{
	struct sclock c;
	struct timeval tv;
	sclock_init(&c, 0, 0.1);
	tv = sclock_timeval(&c, 30000);
	cr_assert_eq(tv.tv_sec, 3);
	cr_assert_eq(tv.tv_usec, 0);
	tv = sclock_timeval(&c, 12345.6789); /* 1234.56789 ms real */
	cr_assert_eq(tv.tv_sec, 1);
	cr_assert_eq(tv.tv_usec, 234568);
	tv = sclock_timeval(&c, 0.001); /* 0.1 us real: never 0, never early */
	cr_assert_eq(tv.tv_sec, 0);
	cr_assert_eq(tv.tv_usec, 1);
	tv = sclock_timeval(&c, -5);
	cr_assert_eq(tv.tv_sec, 0);
	cr_assert_eq(tv.tv_usec, 0);
	tv = sclock_timeval(&c, NAN);
	cr_assert_eq(tv.tv_sec, 0);
	cr_assert_eq(tv.tv_usec, 0);
	tv = sclock_timeval(&c, INFINITY);
	cr_assert(tv.tv_sec > 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
}
