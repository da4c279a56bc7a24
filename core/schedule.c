/* schedule: the arrival times of loadgen's open-loop traffic (see
 * schedule.h for the shapes and the exact counting rule). */
#include "schedule.h"

#include <math.h>

void schedule_init(struct schedule *s, const struct load_cfg *load, uint64_t seed)
{
	*s = (struct schedule){0};
	s->arrival = load->arrival;
	s->duration_ms = load->duration_ms;
	s->rate_rps = load->rate_rps;
	s->gap_ms = load->rate_rps > 0 ? 1000.0 / load->rate_rps : 0;
	rng_seed_stream(&s->rng, seed, SCHEDULE_RNG_STREAM);
	s->phases = load->phases;
	s->nphases = load->nphases;
	s->done = !(load->duration_ms > 0) || (!(load->rate_rps > 0) && s->nphases == 0);
	if (s->nphases && s->arrival == ARRIVAL_POISSON)
		s->target = rng_exponential(&s->rng, 1.0);
}

/* Segment i of r(t): [*a, *b) with the rate going linearly from *r0 to *r1
 * (per ms).  Segment 0 is before the first phase; phase j makes two, its
 * ramp (2j + 1) and its steady part (2j + 2). */
static void segment(const struct schedule *s, size_t i, double *a, double *b, double *r0, double *r1)
{
	size_t j = (i + 1) / 2; /* phases begun */
	double prev = j >= 2 ? s->phases[j - 2].rate_rps : s->rate_rps;

	if (i == 0) {
		*a = 0;
		*b = s->phases[0].start_ms;
		*r0 = *r1 = s->rate_rps / 1000;
		return;
	}
	const struct load_phase *p = &s->phases[j - 1];
	if (i % 2) { /* the ramp */
		*a = p->start_ms;
		*b = p->start_ms + p->ramp_ms;
		*r0 = (j >= 2 ? prev : s->rate_rps) / 1000;
		*r1 = p->rate_rps / 1000;
		return;
	}
	*a = p->start_ms + p->ramp_ms;
	*b = j < s->nphases ? s->phases[j].start_ms : INFINITY;
	*r0 = *r1 = p->rate_rps / 1000;
}

/* The time where L reaches target, walking segments forward; INFINITY when
 * the rate stays 0 from some point on. */
static double invert(struct schedule *s, double target)
{
	for (;;) {
		double a, b, r0, r1;
		segment(s, s->seg, &a, &b, &r0, &r1);
		double len = b - a;
		double slope = len > 0 && isfinite(len) ? (r1 - r0) / len : 0;
		double need = target - s->seg_expected;
		double in_seg = isfinite(len) ? (r0 + r1) / 2 * len : INFINITY;
		if (need <= in_seg) {
			double x;
			if (need <= 0)
				x = 0;
			else if (slope == 0)
				x = r0 > 0 ? need / r0 : INFINITY;
			else /* slope/2 x^2 + r0 x = need; the discriminant is at least
			      * r1^2 >= 0, but a ramp down to 0 can round it below */
				x = (-r0 + sqrt(fmax(r0 * r0 + 2 * slope * need, 0))) / slope;
			return a + x;
		}
		if (!isfinite(len))
			return INFINITY;
		s->seg_expected += in_seg;
		s->seg_start_ms = b;
		s->seg++;
	}
}

int schedule_next(struct schedule *s, double *t_ms)
{
	double t;

	if (s->done)
		return -1;
	if (s->nphases) {
		t = invert(s, s->arrival == ARRIVAL_CONSTANT ? (double)s->index : s->target);
		if (s->arrival == ARRIVAL_POISSON)
			s->target += rng_exponential(&s->rng, 1.0);
	} else if (s->arrival == ARRIVAL_CONSTANT) {
		/* From the index, not by adding gaps (no drift over long runs), and
		 * k * 1000 / rate rather than k * gap: exact whenever the true value
		 * is representable, so the count rule holds at whole-number edges. */
		t = (double)s->index * 1000.0 / s->rate_rps;
	} else {
		t = s->last_ms + rng_exponential(&s->rng, s->gap_ms);
	}
	if (!(t < s->duration_ms)) {
		s->done = true;
		return -1;
	}
	s->index++;
	s->last_ms = t;
	*t_ms = t;
	return 0;
}

double schedule_rate_at(const struct load_cfg *load, double t_ms)
{
	double rate = load->rate_rps;

	for (size_t i = 0; i < load->nphases; i++) {
		const struct load_phase *p = &load->phases[i];
		if (t_ms < p->start_ms)
			break;
		if (t_ms < p->start_ms + p->ramp_ms)
			return rate + (p->rate_rps - rate) * (t_ms - p->start_ms) / p->ramp_ms;
		rate = p->rate_rps;
	}
	return rate;
}
