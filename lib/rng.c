/* rng: xoshiro256** seeded through splitmix64, and the distributions drawn
 * from it.  Pure integer state and libm only, so a seed replays identically. */
#include "rng.h"

#include <math.h>

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL
#define Z_99 2.3263478740 /* standard normal quantile at 0.99 */

/* splitmix64's output function: a bijection that scatters nearby inputs. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64 never yields four zero words in a row, so the xoshiro
	 * state is never the all-zero fixed point. */
	uint64_t x = seed;
	for (int i = 0; i < 4; i++) {
		x += GOLDEN_GAMMA;
		r->s[i] = mix64(x);
	}
}

void rng_seed_stream(struct rng *r, uint64_t seed, uint64_t stream)
{
	/* Hashing the stream (rather than adding it) keeps streams of one seed
	 * from starting at shifted copies of each other's splitmix sequence.
	 * mix64(0) == 0, so stream 0 is rng_seed(seed) itself. */
	rng_seed(r, seed ^ mix64(stream * GOLDEN_GAMMA));
}

uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_double(struct rng *r)
{
	/* The top 53 bits fill a double's mantissa exactly. */
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

double rng_uniform(struct rng *r, double lo, double hi)
{
	double u = rng_double(r);
	if (!(hi > lo))
		return lo;
	double v = lo + (hi - lo) * u;
	/* Rounding can land exactly on hi when hi - lo dwarfs lo's ulp. */
	return v < hi ? v : nextafter(hi, lo);
}

double rng_exponential(struct rng *r, double mean)
{
	/* 1 - u lies in (0, 1], so the log is finite. */
	return -mean * log(1.0 - rng_double(r));
}

double rng_normal(struct rng *r)
{
	/* Box-Muller, keeping one of the pair: struct rng carries no spare, and
	 * a draw that depends only on the state keeps replays simple. */
	double u1 = 1.0 - rng_double(r);
	double u2 = rng_double(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_lognormal(struct rng *r, double median, double p99)
{
	/* Draw first, whatever the parameters, so a degenerate distribution
	 * consumes the stream like any other and later draws stay aligned. */
	double z = rng_normal(r);
	if (!(median > 0))
		return 0;
	if (!(p99 > median))
		return median;
	double sigma = log(p99 / median) / Z_99;
	return exp(log(median) + sigma * z);
}
