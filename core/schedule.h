/* schedule: when loadgen's client requests are meant to leave, in scenario
 * ms since t0.  The schedule is a pure function of the load settings and the
 * seed, so a run can be replayed request for request.
 *
 * At a steady rate (no load.phases):
 *   constant  t_k = k * 1000 / rate for k = 0, 1, 2, ... while t_k < duration:
 *             ceil(rate * duration_s) arrivals (exactly rate * duration_s when
 *             that is a whole number), the first at 0.
 *   poisson   exponential gaps of mean 1000 / rate from 0, the first arrival
 *             one gap after 0, while t < duration: on average rate * duration_s
 *             arrivals, drawn from the run's seed on SCHEDULE_RNG_STREAM.
 *
 * With load.phases the rate r(t) changes over time (steps, or linear ramps),
 * and arrivals come where the expected count L(t), the integral of r, reaches
 * its targets: 0, 1, 2, ... (constant: the k-th arrival at L = k) or the sums
 * of unit exponential draws (poisson: a Poisson process of rate r(t)).  With
 * one rate throughout this is the steady schedule above, up to rounding.
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
	double rate_rps;    /* arrivals per scenario second (before any phase) */
	double gap_ms;	    /* 1000 / rate: constant spacing, poisson mean gap */
	double duration_ms; /* arrivals are in [0, duration_ms) */
	struct rng rng;	    /* poisson only */
	uint64_t index;	    /* arrivals handed out so far */
	double last_ms;	    /* poisson: the previous arrival (0 before the first) */
	bool done;
	/* with phases */
	const struct load_phase *phases;
	size_t nphases;
	size_t seg;	    /* the segment of r(t) being walked */
	double seg_start_ms, seg_expected; /* its start, and L there */
	double target;	    /* L of the next arrival */
};

void schedule_init(struct schedule *s, const struct load_cfg *load, uint64_t seed);
/* The next arrival's time in *t_ms and 0, or -1 once the schedule is over
 * (and on every later call). */
int schedule_next(struct schedule *s, double *t_ms);
/* The rate at time t_ms (requests per scenario second), phases included. */
double schedule_rate_at(const struct load_cfg *load, double t_ms);

#endif
