/* lagmon: how late the event loop runs timers.  A timer re-armed every
 * interval measures (fire time - due time); the lag of every tick goes into a
 * histogram for the whole run and one for the current window (reset by the
 * caller, e.g. each scenario second).  Lag is in real milliseconds: it is a
 * property of the machine, not of the scenario. */
#ifndef CASCADE_LAGMON_H
#define CASCADE_LAGMON_H

#include <stdint.h>

struct event_base;
struct lagmon;

struct lagmon *lagmon_new(struct event_base *base, double interval_real_ms);
void lagmon_free(struct lagmon *m);
double lagmon_quantile_ms(const struct lagmon *m, double q); /* whole run; 0 when no sample */
double lagmon_max_ms(const struct lagmon *m);
uint64_t lagmon_samples(const struct lagmon *m);
double lagmon_window_quantile_ms(const struct lagmon *m, double q);
double lagmon_window_max_ms(const struct lagmon *m);
void lagmon_window_reset(struct lagmon *m);

#endif
