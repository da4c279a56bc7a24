/* Unit tests for lagmon: the histogram on known samples, and the timer on a
 * real loop (with a stall injected). */
#include <math.h>
#include <time.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "lagmon.h"

static struct event_base *lag_base;

static void lag_init(void)
{
	struct event_config *cfg = event_config_new();

	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	lag_base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	cr_assert_not_null(lag_base);
}

static void lag_fini(void)
{
	event_base_free(lag_base);
	libevent_global_shutdown();
}

TestSuite(lagmon, .init = lag_init, .fini = lag_fini, .timeout = 20);

static void assert_near(double got, double want, double rel)
{
	cr_assert(fabs(got - want) <= want * rel, "got %.4f, want %.4f (+-%.1f%%)", got, want, rel * 100);
}

Test(lagmon, empty)
{
	struct lagmon *m = lagmon_new(lag_base, 0);

	cr_assert_eq(lagmon_samples(m), 0);
	cr_assert_eq(lagmon_quantile_ms(m, 0.99), 0);
	cr_assert_eq(lagmon_max_ms(m), 0);
	cr_assert_eq(lagmon_window_quantile_ms(m, 0.5), 0);
	lagmon_free(m);
}

Test(lagmon, quantiles_of_known_set)
{
	struct lagmon *m = lagmon_new(lag_base, 0);

	/* 1, 2, ..., 1000 ms */
	for (int i = 1; i <= 1000; i++)
		lagmon_record_ms(m, i);
	cr_assert_eq(lagmon_samples(m), 1000);
	assert_near(lagmon_quantile_ms(m, 0.5), 500, 0.02);
	assert_near(lagmon_quantile_ms(m, 0.9), 900, 0.02);
	assert_near(lagmon_quantile_ms(m, 0.99), 990, 0.02);
	cr_assert_eq(lagmon_max_ms(m), 1000);
	cr_assert_eq(lagmon_quantile_ms(m, 1), 1000);
	assert_near(lagmon_quantile_ms(m, 0), 1, 0.02);
	lagmon_free(m);
}

Test(lagmon, microsecond_values)
{
	struct lagmon *m = lagmon_new(lag_base, 0);

	/* 90 samples of 20 us, 10 of 3 ms */
	for (int i = 0; i < 90; i++)
		lagmon_record_ms(m, 0.020);
	for (int i = 0; i < 10; i++)
		lagmon_record_ms(m, 3);
	assert_near(lagmon_quantile_ms(m, 0.5), 0.020, 0.06);
	assert_near(lagmon_quantile_ms(m, 0.9), 0.020, 0.06);
	assert_near(lagmon_quantile_ms(m, 0.95), 3, 0.02);
	cr_assert_eq(lagmon_max_ms(m), 3);
	lagmon_free(m);
}

Test(lagmon, huge_and_negative_values)
{
	struct lagmon *m = lagmon_new(lag_base, 0);

	lagmon_record_ms(m, -5); /* clamped to 0 */
	lagmon_record_ms(m, 600000);
	cr_assert_eq(lagmon_samples(m), 2);
	cr_assert_eq(lagmon_max_ms(m), 600000);
	cr_assert_eq(lagmon_quantile_ms(m, 1), 600000);
	cr_assert_leq(lagmon_quantile_ms(m, 0.5), 0.001); /* within the first 1 us bucket */
	lagmon_free(m);
}

Test(lagmon, window_reset_keeps_run)
{
	struct lagmon *m = lagmon_new(lag_base, 0);

	lagmon_record_ms(m, 7);
	lagmon_record_ms(m, 9);
	cr_assert_eq(lagmon_window_max_ms(m), 9);
	lagmon_window_reset(m);
	cr_assert_eq(lagmon_window_max_ms(m), 0);
	cr_assert_eq(lagmon_window_quantile_ms(m, 0.99), 0);
	cr_assert_eq(lagmon_samples(m), 2);
	cr_assert_eq(lagmon_max_ms(m), 9);
	lagmon_record_ms(m, 2);
	cr_assert_eq(lagmon_window_max_ms(m), 2);
	assert_near(lagmon_window_quantile_ms(m, 0.5), 2, 0.02);
	cr_assert_eq(lagmon_max_ms(m), 9);
	lagmon_free(m);
}

static void on_lag_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(lag_base);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_ms(int ms)
{
	struct event *stop = evtimer_new(lag_base, on_lag_stop, NULL);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(stop, &tv);
	event_base_dispatch(lag_base);
	event_free(stop);
}

Test(lagmon, ticks_on_a_live_loop)
{
	double start_ms = now_ms();
	struct lagmon *m = lagmon_new(lag_base, 1);
	double ran_ms;

	run_ms(55);
	ran_ms = now_ms() - start_ms; /* the machine may have descheduled us */

	/* one tick due every ms since the start, however late they ran */
	cr_assert_geq(lagmon_samples(m), 40, "%llu samples", (unsigned long long)lagmon_samples(m));
	cr_assert_leq(lagmon_samples(m), ran_ms + 1, "%llu samples in %.1f ms",
		      (unsigned long long)lagmon_samples(m), ran_ms);
	cr_assert_geq(lagmon_quantile_ms(m, 0.5), 0);
	cr_assert_leq(lagmon_quantile_ms(m, 0.99), lagmon_max_ms(m));
	cr_assert_leq(lagmon_window_quantile_ms(m, 0.99), lagmon_window_max_ms(m));
	cr_log_info("idle loop lag: p50 %.3f ms, p99 %.3f ms, max %.3f ms", lagmon_quantile_ms(m, 0.5),
		    lagmon_quantile_ms(m, 0.99), lagmon_max_ms(m));
	lagmon_window_reset(m);
	cr_assert_eq(lagmon_window_max_ms(m), 0);
	cr_assert_geq(lagmon_samples(m), 40);
	lagmon_free(m);
}

static void busy_ms(double ms)
{
	double start = now_ms();

	while (now_ms() - start < ms)
		;
}

/* Work done between lagmon_new and running the loop is set-up, not lag. */
Test(lagmon, set_up_before_the_loop_is_not_lag)
{
	struct lagmon *m = lagmon_new(lag_base, 1);

	busy_ms(50);
	run_ms(20);
	cr_assert_geq(lagmon_samples(m), 10);
	cr_assert_lt(lagmon_max_ms(m), 40, "max %.3f", lagmon_max_ms(m));
	lagmon_free(m);
}

static void on_stall(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	busy_ms(30);
}

/* A 30 ms stall at a 1 ms interval: the max is the stall, and the ticks it
 * swallowed are still counted, with decreasing lag. */
Test(lagmon, stall_is_measured_and_backfilled)
{
	double start_ms = now_ms();
	struct lagmon *m = lagmon_new(lag_base, 1);
	struct event *stall = evtimer_new(lag_base, on_stall, NULL);
	struct timeval tv = {0, 10000};
	double ran_ms;

	evtimer_add(stall, &tv);
	run_ms(80);
	ran_ms = now_ms() - start_ms;
	event_free(stall);
	cr_assert_geq(lagmon_max_ms(m), 28, "max %.3f", lagmon_max_ms(m));
	cr_assert_lt(lagmon_max_ms(m), ran_ms, "max %.3f", lagmon_max_ms(m));
	cr_assert_geq(lagmon_samples(m), 65, "%llu samples", (unsigned long long)lagmon_samples(m));
	cr_assert_leq(lagmon_samples(m), ran_ms + 1, "%llu samples in %.1f ms",
		      (unsigned long long)lagmon_samples(m), ran_ms);
	/* about 30 of ~80 samples are stall lags from 1 to 30 ms */
	cr_assert_geq(lagmon_quantile_ms(m, 0.9), 15);
	cr_assert_eq(lagmon_window_max_ms(m), lagmon_max_ms(m));
	lagmon_free(m);
}

static int64_t stop_at_ns;
static int64_t stop_moment(void *arg) /* lagmon_set_stop */
{
	(void)arg;
	return stop_at_ns;
}

static void on_stall_after_stop(evutil_socket_t fd, short what, void *arg)
{
	struct timespec ts;
	(void)fd;
	(void)what;
	(void)arg;
	/* The stop arrives 5 ms into a 30 ms stall: lag counts up to it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	stop_at_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 5000000;
	busy_ms(30);
}

/* Lag counts only up to the stop: the ticks due after it are not recorded,
 * and the one due before it counts the lag it had at the stop. */
Test(lagmon, lag_counts_up_to_the_stop)
{
	struct lagmon *m = lagmon_new(lag_base, 1);
	struct event *stall = evtimer_new(lag_base, on_stall_after_stop, NULL);
	struct timeval tv = {0, 10000};

	stop_at_ns = 0;
	lagmon_set_stop(m, stop_moment, NULL);
	evtimer_add(stall, &tv);
	run_ms(60);
	event_free(stall);
	cr_assert_gt(stop_at_ns, 0);
	cr_assert_geq(lagmon_max_ms(m), 4, "max %.3f", lagmon_max_ms(m));
	cr_assert_lt(lagmon_max_ms(m), 10, "max %.3f: the stall after the stop counted", lagmon_max_ms(m));
	lagmon_free(m);
}
