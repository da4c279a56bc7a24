/* core: the pieces every decision core shares (see core.h). */
#include "core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "breaker.h"
#include "rng.h"
#include "scenario.h"
#include "util.h"

enum retry_class attempt_classify(const struct attempt_result *res, enum outcome *outcome)
{
	switch (res->end) {
	case ATTEMPT_ANSWERED:
		if (res->status >= 200 && res->status < 300) {
			*outcome = OUT_OK;
			return RETRY_CLASS_NONE;
		}
		*outcome = OUT_UPSTREAM_ERROR;
		return res->status >= 500 && res->status < 600 ? RETRY_CLASS_5XX : RETRY_CLASS_NONE;
	case ATTEMPT_CONNECT:
	case ATTEMPT_BROKEN:
		break;
	}
	*outcome = OUT_CONN_ERROR;
	return RETRY_CLASS_CONNECT;
}

double core_breaker_ms(const struct core_counters *m, double now_ms)
{
	return m->breaker ? breaker_not_closed_ms(m->breaker, now_ms) : 0;
}

void core_count_row(struct core_counters *m, const struct span_row *row)
{
	if (row->kind[0] == 's') /* "server" */
		m->requests[row->outcome]++;
	else
		m->attempts_by_outcome[row->outcome]++;
}

void core_rng_seed(struct rng *r, uint64_t seed, int owner, enum rng_purpose purpose)
{
	/* Stream 1 + owner is what a tier drew everything from before the
	 * streams were split; each purpose now has its own block above it. */
	rng_seed_stream(r, seed, (uint64_t)(owner + 1) * 64 + (uint64_t)purpose);
}

double dist_draw_ms(const struct dist *d, struct rng *r)
{
	switch (d->kind) {
	case DIST_FIXED: return d->a_ms;
	case DIST_UNIFORM: return rng_uniform(r, d->a_ms, d->b_ms);
	case DIST_EXPONENTIAL: return rng_exponential(r, d->a_ms);
	case DIST_LOGNORMAL: return rng_lognormal(r, d->a_ms, d->b_ms);
	}
	return d->a_ms;
}

/* z99 of the standard normal, as rng_lognormal takes it */
#define Z_99 2.3263478740408408

void dist_sampler_init(struct dist_sampler *s, const struct dist *d, uint64_t seed, int owner,
		       enum rng_purpose purpose)
{
	*s = (struct dist_sampler){.kind = d->kind, .a_ms = d->a_ms, .b_ms = d->b_ms};
	if (d->kind == DIST_LOGNORMAL && d->a_ms > 0 && d->b_ms > d->a_ms) {
		s->mu = log(d->a_ms);
		s->sigma = log(d->b_ms / d->a_ms) / Z_99;
	}
	core_rng_seed(&s->rng, seed, owner, purpose);
}

static double normal(struct dist_sampler *s)
{
	double u, v, q;

	if (s->has_spare) {
		s->has_spare = false;
		return s->spare;
	}
	do {
		u = 2.0 * rng_double(&s->rng) - 1.0;
		v = 2.0 * rng_double(&s->rng) - 1.0;
		q = u * u + v * v;
	} while (q >= 1.0 || q == 0.0);
	q = sqrt(-2.0 * log(q) / q);
	s->spare = v * q;
	s->has_spare = true;
	return u * q;
}

double dist_sample_ms(struct dist_sampler *s)
{
	switch (s->kind) {
	case DIST_FIXED: return s->a_ms;
	case DIST_UNIFORM: return rng_uniform(&s->rng, s->a_ms, s->b_ms);
	case DIST_EXPONENTIAL: return rng_exponential(&s->rng, s->a_ms);
	case DIST_LOGNORMAL:
		if (!(s->a_ms > 0))
			return 0;
		if (!(s->b_ms > s->a_ms))
			return s->a_ms;
		return exp(s->mu + s->sigma * normal(s));
	}
	return s->a_ms;
}

#define POOL_CHUNK_OBJECTS 256

/* Under AddressSanitizer an object on the free list is poisoned, so a use
 * after pool_put is reported as one after free() would be. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void pool_init(struct pool *p, size_t size)
{
	*p = (struct pool){0};
	/* room for the free-list link, and aligned for any member */
	size = size < sizeof(void *) ? sizeof(void *) : size;
	p->size = (size + 15) & ~(size_t)15;
}

void *pool_get(struct pool *p)
{
	void *obj;

	if (!p->free_list) {
		char *chunk = xmalloc(p->size * POOL_CHUNK_OBJECTS);
		p->chunks = xrealloc(p->chunks, (p->nchunks + 1) * sizeof(*p->chunks));
		p->chunks[p->nchunks++] = chunk;
		for (size_t i = POOL_CHUNK_OBJECTS; i-- > 0;) {
			*(void **)(chunk + i * p->size) = p->free_list;
			p->free_list = chunk + i * p->size;
		}
		POOL_POISON(chunk, p->size * POOL_CHUNK_OBJECTS);
	}
	obj = p->free_list;
	POOL_UNPOISON(obj, p->size);
	p->free_list = *(void **)obj;
	memset(obj, 0, p->size);
	if (++p->live > p->peak)
		p->peak = p->live;
	return obj;
}

void pool_put(struct pool *p, void *obj)
{
	*(void **)obj = p->free_list;
	p->free_list = obj;
	p->live--;
	POOL_POISON(obj, p->size);
}

void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++) {
		POOL_UNPOISON(p->chunks[i], p->size * POOL_CHUNK_OBJECTS);
		free(p->chunks[i]);
	}
	free(p->chunks);
	*p = (struct pool){0};
}
