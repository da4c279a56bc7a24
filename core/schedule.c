/* schedule: the arrival times of loadgen's open-loop traffic (see
 * schedule.h for the two shapes and the exact counting rule). */
#include "schedule.h"

void schedule_init(struct schedule *s, const struct load_cfg *load, uint64_t seed)
{
	s->arrival = load->arrival;
	s->duration_ms = load->duration_ms;
	s->rate_rps = load->rate_rps;
	s->gap_ms = load->rate_rps > 0 ? 1000.0 / load->rate_rps : 0;
	rng_seed_stream(&s->rng, seed, SCHEDULE_RNG_STREAM);
	s->index = 0;
	s->last_ms = 0;
	s->done = !(load->rate_rps > 0) || !(load->duration_ms > 0);
}

int schedule_next(struct schedule *s, double *t_ms)
{
	double t;

	if (s->done)
		return -1;
	if (s->arrival == ARRIVAL_CONSTANT)
		/* From the index, not by adding gaps (no drift over long runs), and
		 * k * 1000 / rate rather than k * gap: exact whenever the true value
		 * is representable, so the count rule holds at whole-number edges. */
		t = (double)s->index * 1000.0 / s->rate_rps;
	else
		t = s->last_ms + rng_exponential(&s->rng, s->gap_ms);
	if (!(t < s->duration_ms)) {
		s->done = true;
		return -1;
	}
	s->index++;
	s->last_ms = t;
	*t_ms = t;
	return 0;
}
