/* schedule: when loadgen's client requests are meant to leave, in scenario
 * ms since t0.  The schedule is a pure function of the load settings and the
 * seed, so a run can be replayed request for request.
 *
 *   constant  t_k = k * 1000 / rate for k = 0, 1, 2, ... while t_k < duration:
 *             ceil(rate * duration_s) arrivals (exactly rate * duration_s when
 *             that is a whole number), the first at 0.
 *   poisson   exponential gaps of mean 1000 / rate from 0, the first arrival
 *             one gap after 0, while t < duration: on average rate * duration_s
 *             arrivals, drawn from the run's seed on SCHEDULE_RNG_STREAM.
 *
 * A rate or duration <= 0 gives no arrivals. */
#ifndef CASCADE_SCHEDULE_H
#define CASCADE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"
#include "scenario.h"

/* Apart from every core's streams (core_rng_seed) so that drawing
 * ids or backoff never shifts the arrival times. */
#define SCHEDULE_RNG_STREAM UINT64_C(0x7363686564756c65) /* "schedule" */

struct schedule {
	enum arrival_kind arrival;
	double rate_rps;    /* arrivals per scenario second */
	double gap_ms;	    /* 1000 / rate: constant spacing, poisson mean gap */
	double duration_ms; /* arrivals are in [0, duration_ms) */
	struct rng rng;	    /* poisson only */
	uint64_t index;	    /* arrivals handed out so far */
	double last_ms;	    /* poisson: the previous arrival (0 before the first) */
	bool done;
};

void schedule_init(struct schedule *s, const struct load_cfg *load, uint64_t seed);
/* The next arrival's time in *t_ms and 0, or -1 once the schedule is over
 * (and on every later call). */
int schedule_next(struct schedule *s, double *t_ms);

#endif
