/* strpool: open addressing kept at most half full, each slot the id and 32
 * bits of the string's hash (so that a probe compares strings only when the
 * hashes agree), the strings themselves in blocks that never move. */
#include "strpool.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BLOCK_BYTES 65536

/* A 64-bit hash of the first and the last eight bytes and the length: the
 * strings kept here are random hex ids (any eight bytes of them are as good
 * as all) and lineages, which differ at their ends.  Shorter strings are
 * hashed whole. */
static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;

	if (len >= 16) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + len - 8, 8);
		h ^= a * 0xff51afd7ed558ccdull;
		h ^= (b << 29 | b >> 35) * 0xc4ceb9fe1a85ec53ull;
	} else {
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* Slot index holding s, or the free slot where it would go. */
static size_t probe(const struct strpool *p, const char *s, size_t len, uint64_t h)
{
	size_t mask = p->nslots - 1;
	size_t i = (size_t)h & mask;
	uint32_t tag = (uint32_t)(h >> 32);

	while (p->slots[i].id && (p->slots[i].tag != tag || strcmp(p->strs[p->slots[i].id - 1], s) != 0))
		i = (i + 1) & mask;
	(void)len;
	return i;
}

static void grow(struct strpool *p)
{
	size_t nslots = p->nslots ? p->nslots * 2 : 1024;
	free(p->slots);
	p->slots = xcalloc(nslots, sizeof(*p->slots));
	p->nslots = nslots;
	for (size_t id = 0; id < p->n; id++) {
		const char *s = p->strs[id];
		size_t len = strlen(s);
		uint64_t h = hash(s, len);
		size_t i = probe(p, s, len, h);
		p->slots[i].id = (uint32_t)id + 1;
		p->slots[i].tag = (uint32_t)(h >> 32);
	}
}

/* A copy of s in the current block (a new block when it does not fit; a
 * string longer than a block gets an allocation of its own). */
static char *keep(struct strpool *p, const char *s, size_t len)
{
	char *out;

	if (len + 1 > BLOCK_BYTES) {
		p->big = xrealloc(p->big, (p->nbig + 1) * sizeof(*p->big));
		out = p->big[p->nbig++] = xmalloc(len + 1);
		memcpy(out, s, len + 1);
		return out;
	}
	if (!p->nblocks || p->used + len + 1 > BLOCK_BYTES) {
		p->blocks = xrealloc(p->blocks, (p->nblocks + 1) * sizeof(*p->blocks));
		p->blocks[p->nblocks++] = xmalloc(BLOCK_BYTES);
		p->used = 0;
	}
	out = p->blocks[p->nblocks - 1] + p->used;
	memcpy(out, s, len + 1);
	p->used += len + 1;
	return out;
}

uint32_t strpool_intern(struct strpool *p, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = hash(s, len);

	if ((p->n + 1) * 2 > p->nslots)
		grow(p);
	size_t i = probe(p, s, len, h);
	if (p->slots[i].id)
		return p->slots[i].id - 1;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->strs = xrealloc(p->strs, p->cap * sizeof(*p->strs));
	}
	p->strs[p->n] = keep(p, s, len);
	p->slots[i].id = (uint32_t)++p->n;
	p->slots[i].tag = (uint32_t)(h >> 32);
	return p->slots[i].id - 1;
}

uint32_t strpool_find(const struct strpool *p, const char *s)
{
	if (!p->nslots)
		return STRPOOL_NONE;
	size_t len = strlen(s);
	size_t i = probe(p, s, len, hash(s, len));
	return p->slots[i].id ? p->slots[i].id - 1 : STRPOOL_NONE;
}

const char *strpool_str(const struct strpool *p, uint32_t id)
{
	return id < p->n ? p->strs[id] : "";
}

void strpool_free(struct strpool *p)
{
	for (size_t i = 0; i < p->nblocks; i++)
		free(p->blocks[i]);
	for (size_t i = 0; i < p->nbig; i++)
		free(p->big[i]);
	free(p->blocks);
	free(p->big);
	free(p->strs);
	free(p->slots);
	memset(p, 0, sizeof(*p));
}
