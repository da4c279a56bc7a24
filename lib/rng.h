/* rng: a small seeded generator (xoshiro256**, seeded through splitmix64)
 * and the distributions cascade draws from.  Same seed, same sequence, on
 * every machine: every random choice of a run goes through one of these. */
#ifndef CASCADE_RNG_H
#define CASCADE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* Independent stream for one component of a run: the same (seed, stream)
 * always gives the same sequence; different streams do not overlap in practice. */
void rng_seed_stream(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(struct rng *r);
double rng_double(struct rng *r);                   /* [0, 1) */
double rng_uniform(struct rng *r, double lo, double hi); /* [lo, hi); lo when hi <= lo */
double rng_exponential(struct rng *r, double mean);  /* mean > 0 */
double rng_normal(struct rng *r);                   /* standard normal */
/* Lognormal given its median and 99th percentile (p99 >= median > 0):
 * mu = ln(median), sigma = ln(p99/median) / 2.3263478740.  Out of range:
 * median <= 0 gives 0, p99 <= median gives median; one normal draw is
 * consumed either way, so later draws do not shift. */
double rng_lognormal(struct rng *r, double median, double p99);

#endif
