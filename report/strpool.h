/* strpool: interns strings (trace and span ids) as small dense integers, so
 * the run's tables hold ids instead of copies and joins are array lookups.
 * Ids count up from 0 in order of first appearance. */
#ifndef REPORT_STRPOOL_H
#define REPORT_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

#define STRPOOL_NONE UINT32_MAX /* "no string": what callers store for an empty id */

struct strpool_slot {
	uint32_t id;  /* id + 1; 0 = free */
	uint32_t tag; /* the high half of the string's hash */
};

struct strpool {
	char **strs; /* id -> string, in blocks */
	size_t n, cap;
	struct strpool_slot *slots; /* open addressing */
	size_t nslots;		    /* power of two */
	char **blocks;		    /* where the strings are: they never move */
	size_t nblocks, used;	    /* bytes used in the last block */
	char **big;		    /* strings longer than a block, one allocation each */
	size_t nbig;
};
#define STRPOOL_INIT                                                                                         \
	{                                                                                                    \
		0                                                                                            \
	}

/* The id of s, adding it when new. */
uint32_t strpool_intern(struct strpool *p, const char *s);
/* The id of s, or STRPOOL_NONE when it was never interned. */
uint32_t strpool_find(const struct strpool *p, const char *s);
const char *strpool_str(const struct strpool *p, uint32_t id);
/* Frees everything; p is left as STRPOOL_INIT. */
void strpool_free(struct strpool *p);

#endif
