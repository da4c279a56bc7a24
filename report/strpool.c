/* strpool: FNV-1a hashed open addressing, kept at most half full. */
#include "strpool.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Slot index holding s, or the free slot where it would go. */
static size_t probe(const struct strpool *p, const char *s)
{
	size_t mask = p->nslots - 1;
	size_t i = (size_t)hash(s) & mask;
	while (p->slots[i] && strcmp(p->strs[p->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

static void grow(struct strpool *p)
{
	size_t nslots = p->nslots ? p->nslots * 2 : 1024;
	free(p->slots);
	p->slots = xcalloc(nslots, sizeof(*p->slots));
	p->nslots = nslots;
	for (size_t id = 0; id < p->n; id++)
		p->slots[probe(p, p->strs[id])] = (uint32_t)id + 1;
}

uint32_t strpool_intern(struct strpool *p, const char *s)
{
	if ((p->n + 1) * 2 > p->nslots)
		grow(p);
	size_t i = probe(p, s);
	if (p->slots[i])
		return p->slots[i] - 1;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->strs = xrealloc(p->strs, p->cap * sizeof(*p->strs));
	}
	p->strs[p->n] = xstrdup(s);
	p->slots[i] = (uint32_t)++p->n;
	return p->slots[i] - 1;
}

uint32_t strpool_find(const struct strpool *p, const char *s)
{
	if (!p->nslots)
		return STRPOOL_NONE;
	size_t i = probe(p, s);
	return p->slots[i] ? p->slots[i] - 1 : STRPOOL_NONE;
}

const char *strpool_str(const struct strpool *p, uint32_t id)
{
	return id < p->n ? p->strs[id] : "";
}

void strpool_free(struct strpool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->slots);
	memset(p, 0, sizeof(*p));
}
