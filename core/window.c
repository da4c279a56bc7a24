/* window: a ring of buckets over scenario time (see window.h). */
#include "window.h"

#include <math.h>
#include <string.h>

void window_init(struct window *w, double span_ms)
{
	memset(w, 0, sizeof(*w));
	w->bucket_ms = span_ms / WINDOW_BUCKETS;
	w->newest = INT64_MIN;
}

void window_clear(struct window *w)
{
	double bucket_ms = w->bucket_ms;
	memset(w, 0, sizeof(*w));
	w->bucket_ms = bucket_ms;
	w->newest = INT64_MIN;
}

static int slot(int64_t idx)
{
	return (int)(((idx % WINDOW_BUCKETS) + WINDOW_BUCKETS) % WINDOW_BUCKETS);
}

/* Move the window's end to the bucket of now, emptying the buckets it
 * leaves behind. */
static void roll(struct window *w, double now_ms)
{
	int64_t idx = (int64_t)floor(now_ms / w->bucket_ms);

	if (w->newest == INT64_MIN || idx - w->newest >= WINDOW_BUCKETS) {
		double bucket_ms = w->bucket_ms;
		memset(w, 0, sizeof(*w));
		w->bucket_ms = bucket_ms;
		w->newest = idx;
		return;
	}
	while (w->newest < idx) {
		double *b = w->bucket[slot(++w->newest)];
		for (int s = 0; s < WINDOW_SERIES; s++) {
			w->sum[s] -= b[s];
			b[s] = 0;
		}
	}
}

void window_add(struct window *w, double now_ms, int s, double n)
{
	roll(w, now_ms);
	w->bucket[slot(w->newest)][s] += n;
	w->sum[s] += n;
}

double window_sum(struct window *w, double now_ms, int s)
{
	roll(w, now_ms);
	return w->sum[s];
}
