/* lagmon: how late the event loop runs timers.  A timer re-armed every
 * interval measures (fire time - due time); the lag of every tick goes into a
 * histogram for the whole run and one for the current window (reset by the
 * caller, e.g. each scenario second).  Lag is in real milliseconds: it is a
 * property of the machine, not of the scenario.
 *
 * Ticks are due every interval from the loop's first turn (set-up before
 * event_base_dispatch is not lag), whatever happens; ticks that fell due
 * while the loop was stuck are recorded with the lag they would have had, so
 * a 50 ms stall at a 1 ms interval adds about 50 samples (50, 49, ... ms),
 * not one.  Quantiles come from log-linear buckets (1 us below 128 us, then
 * under 1.6 % relative error), clamped to the exact min and max. */
#ifndef CASCADE_LAGMON_H
#define CASCADE_LAGMON_H

#include <stdint.h>

struct event_base;
struct lagmon;

/* interval_real_ms <= 0: no timer; samples come only from lagmon_record_ms. */
struct lagmon *lagmon_new(struct event_base *base, double interval_real_ms);
void lagmon_free(struct lagmon *m);
/* One sample into the run and the window (the timer's path; tests use it). */
void lagmon_record_ms(struct lagmon *m, double lag_ms);
double lagmon_quantile_ms(const struct lagmon *m, double q); /* whole run; 0 when no sample */
double lagmon_max_ms(const struct lagmon *m);
uint64_t lagmon_samples(const struct lagmon *m);
double lagmon_window_quantile_ms(const struct lagmon *m, double q);
double lagmon_window_max_ms(const struct lagmon *m);
void lagmon_window_reset(struct lagmon *m);
/* The moment the process was asked to stop (CLOCK_MONOTONIC ns; 0: not
 * yet), asked at every tick.  Lag counts up to that moment only: a tick due
 * after it is not recorded, and one due before it but run after it counts
 * the lag it had at that moment.  The stop's own work (and the other
 * processes stopping beside it, on the same cores) is no part of the run. */
typedef int64_t (*lagmon_stop_fn)(void *arg);
void lagmon_set_stop(struct lagmon *m, lagmon_stop_fn stop_ns, void *arg);

#endif
