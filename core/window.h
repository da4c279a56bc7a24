/* window: counts over the last span of scenario time, in WINDOW_BUCKETS
 * buckets (Hystrix's rolling window: ten buckets of a tenth each).  What the
 * retry budget, the circuit breaker and adaptive throttling count with.
 *
 * A count made at time t stays in the window until the bucket it fell in is
 * older than the span: the window covers the last span, give or take one
 * bucket.  Time must not go backwards (scenario time never does). */
#ifndef CASCADE_WINDOW_H
#define CASCADE_WINDOW_H

#include <stdint.h>

#define WINDOW_BUCKETS 10
#define WINDOW_SERIES 2 /* two counts side by side: requests and retries, attempts and failures */

struct window {
	double bucket_ms;
	int64_t newest; /* index (time / bucket_ms) of the newest bucket */
	double bucket[WINDOW_BUCKETS][WINDOW_SERIES];
	double sum[WINDOW_SERIES];
};

void window_init(struct window *w, double span_ms); /* span_ms > 0 */
/* Add n to series s at now_ms. */
void window_add(struct window *w, double now_ms, int s, double n);
/* Series s over the window ending at now_ms. */
double window_sum(struct window *w, double now_ms, int s);
/* Forget everything (a breaker closing starts over). */
void window_clear(struct window *w);

#endif
