/* cache: the cache in front of dbsim (at svc_b): least recently used, at
 * most `capacity` keys, each fresh for ttl after it was stored.  A lookup of
 * a stale key is a miss and drops it; storing into a full cache evicts the
 * least recently used key.  O(1) per operation, no allocation after
 * cache_init. */
#ifndef CASCADE_CACHE_H
#define CASCADE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct cache_entry {
	uint32_t key;
	double stored_ms;
	int32_t chain;	    /* next in its hash bucket */
	int32_t prev, next; /* the recency list: prev is more recent */
};

struct cache {
	uint32_t capacity, n;
	double ttl_ms; /* INFINITY: no expiry */
	struct cache_entry *e;
	int32_t *bucket; /* head entry of each hash bucket; -1: empty */
	uint32_t mask;	 /* buckets - 1 */
	int32_t newest, oldest, free_list;
	uint64_t hits, misses;
};

void cache_init(struct cache *c, uint32_t capacity, double ttl_ms); /* capacity >= 1 */
void cache_free(struct cache *c);
/* Is key there and fresh at now_ms?  A hit makes it the most recent. */
bool cache_get(struct cache *c, uint32_t key, double now_ms);
/* Store key (a filled miss) at now_ms. */
void cache_put(struct cache *c, uint32_t key, double now_ms);
/* Empty it (the cache_flush fault). */
void cache_flush(struct cache *c);

#endif
