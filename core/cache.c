/* cache: LRU with a time to live, over fixed arrays (see cache.h). */
#include "cache.h"

#include <stdlib.h>

#include "util.h"

static uint32_t hash(uint32_t key)
{
	key ^= key >> 16;
	key *= 0x7feb352du;
	key ^= key >> 15;
	key *= 0x846ca68bu;
	return key ^ (key >> 16);
}

void cache_init(struct cache *c, uint32_t capacity, double ttl_ms)
{
	uint32_t buckets = 1;

	while (buckets < 2 * capacity)
		buckets *= 2;
	*c = (struct cache){.capacity = capacity, .ttl_ms = ttl_ms, .mask = buckets - 1};
	c->e = xcalloc(capacity, sizeof(*c->e));
	c->bucket = xmalloc(buckets * sizeof(*c->bucket));
	cache_flush(c);
}

void cache_free(struct cache *c)
{
	free(c->e);
	free(c->bucket);
	*c = (struct cache){0};
}

void cache_flush(struct cache *c)
{
	for (uint32_t i = 0; i <= c->mask; i++)
		c->bucket[i] = -1;
	for (uint32_t i = 0; i < c->capacity; i++)
		c->e[i].chain = i + 1 < c->capacity ? (int32_t)i + 1 : -1;
	c->free_list = 0;
	c->newest = c->oldest = -1;
	c->n = 0;
}

static void lru_unlink(struct cache *c, int32_t i)
{
	struct cache_entry *e = &c->e[i];
	if (e->prev >= 0)
		c->e[e->prev].next = e->next;
	else
		c->newest = e->next;
	if (e->next >= 0)
		c->e[e->next].prev = e->prev;
	else
		c->oldest = e->prev;
}

static void lru_push(struct cache *c, int32_t i)
{
	struct cache_entry *e = &c->e[i];
	e->prev = -1;
	e->next = c->newest;
	if (c->newest >= 0)
		c->e[c->newest].prev = i;
	else
		c->oldest = i;
	c->newest = i;
}

/* The entry of key, or -1; *link points at the reference to it. */
static int32_t find(struct cache *c, uint32_t key, int32_t **link)
{
	int32_t *l = &c->bucket[hash(key) & c->mask];
	while (*l >= 0 && c->e[*l].key != key)
		l = &c->e[*l].chain;
	*link = l;
	return *l;
}

static void drop(struct cache *c, int32_t i)
{
	int32_t *link;
	find(c, c->e[i].key, &link);
	*link = c->e[i].chain;
	lru_unlink(c, i);
	c->e[i].chain = c->free_list;
	c->free_list = i;
	c->n--;
}

bool cache_get(struct cache *c, uint32_t key, double now_ms)
{
	int32_t *link, i = find(c, key, &link);

	if (i >= 0 && now_ms - c->e[i].stored_ms < c->ttl_ms) {
		lru_unlink(c, i);
		lru_push(c, i);
		c->hits++;
		return true;
	}
	if (i >= 0)
		drop(c, i);
	c->misses++;
	return false;
}

void cache_put(struct cache *c, uint32_t key, double now_ms)
{
	int32_t *link, i = find(c, key, &link);

	if (i < 0) {
		if (c->n == c->capacity)
			drop(c, c->oldest);
		i = c->free_list;
		c->free_list = c->e[i].chain;
		c->e[i].key = key;
		c->e[i].chain = c->bucket[hash(key) & c->mask];
		c->bucket[hash(key) & c->mask] = i;
		c->n++;
	} else {
		lru_unlink(c, i);
	}
	c->e[i].stored_ms = now_ms;
	lru_push(c, i);
}
