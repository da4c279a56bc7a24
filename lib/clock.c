/* clock: monotonic and wall time in ns, and the scenario clock that turns
 * monotonic instants into scaled ms since the run's start. */
#include "clock.h"

#include <math.h>
#include <time.h>

static int64_t read_ns(clockid_t id)
{
	struct timespec ts;
	/* Cannot fail for these two clocks on any system cascade runs on. */
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}
int64_t clock_real_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

int64_t clock_real_to_mono_ns(int64_t real_ns)
{
	/* Bracket the wall-clock read between two monotonic reads and take the
	 * midpoint, so a preemption between reads skews the offset by at most
	 * half the gap. */
	int64_t mono_before = clock_mono_ns();
	int64_t real_now = clock_real_ns();
	int64_t mono_after = clock_mono_ns();
	int64_t mono_now = mono_before + (mono_after - mono_before) / 2;
	return real_ns - (real_now - mono_now);
}

void sclock_init(struct sclock *c, int64_t t0_mono_ns, double scale)
{
	c->t0_mono_ns = t0_mono_ns;
	/* A zero or negative scale would divide by zero or run time backwards;
	 * the scenario parser rejects it, this keeps a stray caller sane. */
	c->scale = scale > 0 && isfinite(scale) ? scale : 1.0;
}

double sclock_ms_at(const struct sclock *c, int64_t mono_ns)
{
	return (double)(mono_ns - c->t0_mono_ns) / 1e6 / c->scale;
}

double sclock_now_ms(const struct sclock *c)
{
	return sclock_ms_at(c, clock_mono_ns());
}

double sclock_real_ms(const struct sclock *c, double scenario_ms)
{
	return scenario_ms * c->scale;
}

struct timeval sclock_timeval(const struct sclock *c, double scenario_ms)
{
	struct timeval tv = {0, 0};
	double real_us = sclock_real_ms(c, scenario_ms) * 1000;

	if (!(real_us > 0))
		return tv;
	/* Round up: a timer that fires a microsecond late is harmless, one that
	 * fires early can declare a deadline passed before it has. */
	real_us = ceil(real_us);
	if (real_us > 1e15) /* ~31 years: far enough, and no overflow of tv_sec */
		real_us = 1e15;
	int64_t us = (int64_t)real_us;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	return tv;
}
