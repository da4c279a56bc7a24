/* clock: monotonic time and the scenario clock.
 *
 * Every recorded time in cascade is *scenario time*: milliseconds since the
 * run's start (t0), measured on CLOCK_MONOTONIC and divided by the time scale,
 * so runs at different scales compare directly.  A time scale of 0.1 runs the
 * scenario ten times faster: a 30 s scenario timeout is a 3 s real timer.
 * CLOCK_MONOTONIC is shared by all processes of one machine, so processes
 * given the same t0 agree on scenario time to the microsecond. */
#ifndef CASCADE_CLOCK_H
#define CASCADE_CLOCK_H

#include <stdint.h>
#include <sys/time.h>

int64_t clock_mono_ns(void);     /* CLOCK_MONOTONIC */
int64_t clock_real_ns(void);     /* CLOCK_REALTIME, for labels and t0 hand-over only */

/* Convert a CLOCK_REALTIME instant (ns since the epoch, as `date +%s%N`
 * prints) to the CLOCK_MONOTONIC instant that is the same moment now. */
int64_t clock_real_to_mono_ns(int64_t real_ns);

struct sclock {
	int64_t t0_mono_ns; /* the run's start */
	double scale;       /* real duration = scenario duration * scale; > 0 */
};

/* A scale that is not a finite number > 0 is taken as 1. */
void sclock_init(struct sclock *c, int64_t t0_mono_ns, double scale);
double sclock_now_ms(const struct sclock *c);              /* scenario ms since t0 (may be < 0 before t0) */
double sclock_ms_at(const struct sclock *c, int64_t mono_ns); /* scenario ms of a monotonic instant */
double sclock_real_ms(const struct sclock *c, double scenario_ms); /* a scenario duration as real ms */
/* Same, for evtimer_add: rounded up to the µs so timers never fire early;
 * negative or NaN → 0. */
struct timeval sclock_timeval(const struct sclock *c, double scenario_ms);

#endif
