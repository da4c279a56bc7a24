/* core: the pieces every decision core shares (see core.h). */
#include "core.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
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

#define POOL_CHUNK_OBJECTS 256

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
	}
	obj = p->free_list;
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
}

void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	*p = (struct pool){0};
}
