/* lagmon: event-loop lag, measured by a timer that knows when it was due,
 * kept in log-linear histograms (1 µs steps below 128 µs, then 64 steps per
 * power of two: under 1.6 % relative error up to about two minutes). */
#include "lagmon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "util.h"

#define LINEAR_US 128  /* exact below this */
#define SUB_BUCKETS 64 /* per power of two above it */
#define TOP_BIT 27     /* values from 2^27 µs (134 s) share the last bucket */
#define NBUCKETS (LINEAR_US + (TOP_BIT - 7) * SUB_BUCKETS)
#define MAX_BACKFILL 100000 /* missed ticks recorded after one stall */

struct hist {
	uint64_t counts[NBUCKETS];
	uint64_t n;
	int64_t min_ns, max_ns;
};

struct lagmon {
	struct event *timer; /* NULL when interval <= 0 */
	int64_t interval_ns;
	int64_t due_ns; /* CLOCK_MONOTONIC instant the pending tick is due; 0 before the first turn */
	struct hist run, window;
	lagmon_stop_fn stop_ns; /* NULL: the run has no stop moment */
	void *stop_arg;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t bucket_of(uint64_t us)
{
	unsigned msb, shift;

	if (us < LINEAR_US)
		return (size_t)us;
	if (us >= (1ull << TOP_BIT))
		return NBUCKETS - 1;
	msb = 63u - (unsigned)__builtin_clzll(us);
	shift = msb - 6; /* us >> shift lands in [64, 128) */
	return LINEAR_US + (size_t)(shift - 1) * SUB_BUCKETS + (size_t)((us >> shift) - SUB_BUCKETS);
}

/* [lo, hi) in µs */
static void bucket_range(size_t b, double *lo, double *hi)
{
	size_t k, shift, j;

	if (b < LINEAR_US) {
		*lo = (double)b;
		*hi = (double)b + 1;
		return;
	}
	k = b - LINEAR_US;
	shift = k / SUB_BUCKETS + 1;
	j = k % SUB_BUCKETS + SUB_BUCKETS;
	*lo = (double)((uint64_t)j << shift);
	*hi = (double)((uint64_t)(j + 1) << shift);
}

static void hist_add(struct hist *h, int64_t lag_ns)
{
	h->counts[bucket_of((uint64_t)lag_ns / 1000)]++;
	if (h->n == 0 || lag_ns < h->min_ns)
		h->min_ns = lag_ns;
	if (h->n == 0 || lag_ns > h->max_ns)
		h->max_ns = lag_ns;
	h->n++;
}

/* Interpolated inside the bucket that holds the rank, clamped to the exact
 * min and max, so quantile(1) is the max. */
static double hist_quantile_ms(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	double lo, hi, v;

	if (h->n == 0)
		return 0;
	if (!(q > 0))
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (size_t b = 0; b < NBUCKETS; b++) {
		if (h->counts[b] == 0 || seen + h->counts[b] < rank) {
			seen += h->counts[b];
			continue;
		}
		bucket_range(b, &lo, &hi);
		if (b == NBUCKETS - 1 && hi < (double)h->max_ns / 1000)
			hi = (double)h->max_ns / 1000; /* the overflow bucket ends at the max */
		v = lo + (hi - lo) * (double)(rank - seen) / (double)h->counts[b];
		v *= 1000; /* ns */
		if (v > (double)h->max_ns)
			v = (double)h->max_ns;
		if (v < (double)h->min_ns)
			v = (double)h->min_ns;
		return v / 1e6;
	}
	return (double)h->max_ns / 1e6;
}

static void record_ns(struct lagmon *m, int64_t lag_ns)
{
	if (lag_ns < 0)
		lag_ns = 0;
	hist_add(&m->run, lag_ns);
	hist_add(&m->window, lag_ns);
}

static void arm(struct lagmon *m, int64_t now_ns)
{
	int64_t wait_us = (m->due_ns - now_ns + 999) / 1000; /* never early */
	struct timeval tv;

	if (wait_us < 0)
		wait_us = 0;
	tv.tv_sec = (time_t)(wait_us / 1000000);
	tv.tv_usec = (suseconds_t)(wait_us % 1000000);
	evtimer_add(m->timer, &tv);
}

/* evtimer_new in lagmon_new */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lagmon *m = arg;
	int64_t now = mono_ns();
	int64_t next = m->due_ns + m->interval_ns;
	int64_t stop, upto;
	long missed = 0;
	(void)fd;
	(void)what;

	if (m->due_ns == 0) {
		/* The loop's first turn: the schedule starts here, so set-up work
		 * done before event_base_dispatch does not count as lag. */
		m->due_ns = now + m->interval_ns;
		arm(m, now);
		return;
	}
	/* Lag counts up to the stop, if one was asked for (lagmon_set_stop). */
	stop = m->stop_ns ? m->stop_ns(m->stop_arg) : 0;
	upto = stop > 0 && stop < now ? stop : now;
	if (!(stop > 0 && m->due_ns >= stop))
		record_ns(m, upto - m->due_ns);
	/* Ticks that fell due while the loop was stuck count with the lag they
	 * would have had (HdrHistogram's expected-interval correction): a stall
	 * then weighs by its length instead of being one sample, and no burst
	 * of catch-up timers follows it. */
	while (next <= now && missed < MAX_BACKFILL) {
		if (!(stop > 0 && next >= stop))
			record_ns(m, upto - next);
		next += m->interval_ns;
		missed++;
	}
	if (next <= now)
		next += ((now - next) / m->interval_ns + 1) * m->interval_ns;
	m->due_ns = next;
	arm(m, now);
}

struct lagmon *lagmon_new(struct event_base *base, double interval_real_ms)
{
	struct lagmon *m = xcalloc(1, sizeof(*m));

	if (interval_real_ms <= 0)
		return m;
	m->interval_ns = (int64_t)llround(interval_real_ms * 1e6);
	if (m->interval_ns < 1000)
		m->interval_ns = 1000;
	m->timer = evtimer_new(base, on_tick, m);
	if (!m->timer)
		abort();
	event_active(m->timer, EV_TIMEOUT, 0); /* runs at the loop's first turn */
	return m;
}

void lagmon_free(struct lagmon *m)
{
	if (!m)
		return;
	if (m->timer)
		event_free(m->timer);
	free(m);
}

void lagmon_record_ms(struct lagmon *m, double lag_ms)
{
	record_ns(m, (int64_t)llround(lag_ms * 1e6));
}

double lagmon_quantile_ms(const struct lagmon *m, double q)
{
	return hist_quantile_ms(&m->run, q);
}
double lagmon_max_ms(const struct lagmon *m)
{
	return (double)m->run.max_ns / 1e6;
}
uint64_t lagmon_samples(const struct lagmon *m)
{
	return m->run.n;
}
double lagmon_window_quantile_ms(const struct lagmon *m, double q)
{
	return hist_quantile_ms(&m->window, q);
}
double lagmon_window_max_ms(const struct lagmon *m)
{
	return (double)m->window.max_ns / 1e6;
}
void lagmon_window_reset(struct lagmon *m)
{
	memset(&m->window, 0, sizeof(m->window));
}

void lagmon_set_stop(struct lagmon *m, lagmon_stop_fn stop_ns, void *arg)
{
	m->stop_ns = stop_ns;
	m->stop_arg = arg;
}
