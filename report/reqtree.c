/* reqtree: the rows of one trace gathered, linked child to parent through a
 * sorted id table, and walked depth first. */
#include "reqtree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "util.h"

/* A row of the trace while the tree is built. */
struct item {
	struct reqtree_node node;
	uint32_t id;	 /* run.ids: span id (attempts: their span_id, maybe none) */
	uint32_t parent; /* run.ids; STRPOOL_NONE for attempts */
	const char *id_str;
	long first_child, next_sibling; /* -1: none */
	bool has_parent, visited;
};

struct by_id {
	uint32_t id;
	size_t item;
};

static int cmp_by_id(const void *a, const void *b)
{
	const struct by_id *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Sibling order: start, attempt, span id; attempts never sent go last. */
static int cmp_siblings(const struct item *x, const struct item *y)
{
	double a = x->node.start_ms, b = y->node.start_ms;
	if (isnan(a) != isnan(b))
		return isnan(a) ? 1 : -1;
	if (a != b && !isnan(a))
		return a < b ? -1 : 1;
	if (x->node.attempt != y->node.attempt)
		return x->node.attempt < y->node.attempt ? -1 : 1;
	return strcmp(x->id_str, y->id_str);
}

/* Insert item i into the sorted sibling list starting at *head. */
static void link_sorted(struct item *items, long *head, size_t i)
{
	long *at = head;
	while (*at >= 0 && cmp_siblings(&items[*at], &items[i]) <= 0)
		at = &items[*at].next_sibling;
	items[i].next_sibling = *at;
	*at = (long)i;
}

static void walk(struct item *items, long first, int depth, struct reqtree *t);

/* Record item i and its subtree; the visited flag stops a parent cycle. */
static void visit(struct item *items, long i, int depth, struct reqtree *t)
{
	if (items[i].visited)
		return;
	items[i].visited = true;
	items[i].node.depth = depth;
	t->nodes[t->n++] = items[i].node;
	walk(items, items[i].first_child, depth + 1, t);
}

/* A sibling list in order. */
static void walk(struct item *items, long first, int depth, struct reqtree *t)
{
	for (long i = first; i >= 0; i = items[i].next_sibling)
		visit(items, i, depth, t);
}

static void fill_attempt(const struct run *r, size_t row, struct item *it)
{
	const struct run_attempt *a = &r->attempts[row];
	struct reqtree_node *n = &it->node;
	n->attempt_row = true;
	n->row = row;
	n->proc = RUN_PROC_CLIENT;
	n->attempt = a->attempt;
	n->start_ms = a->start_ms;
	n->end_ms = a->end_ms;
	n->budget_ms = -1;
	n->status = a->status;
	n->outcome = client_outcome_name(a->outcome);
	n->ok = a->outcome == CLIENT_OK;
	it->id = a->span;
	it->parent = STRPOOL_NONE;
	it->id_str = a->span == STRPOOL_NONE ? "" : strpool_str(&r->ids, a->span);
}

static void fill_span(const struct run *r, size_t row, struct item *it)
{
	const struct run_span *s = &r->spans[row];
	struct reqtree_node *n = &it->node;
	n->row = row;
	n->proc = RUN_PROC_OF_TIER(s->tier);
	n->server = s->server;
	n->attempt = s->attempt;
	n->start_ms = s->start_ms;
	n->end_ms = s->end_ms;
	n->budget_ms = s->budget_ms;
	n->status = s->status;
	n->outcome = outcome_name(s->outcome);
	n->ok = s->outcome == OUT_OK;
	it->id = s->span;
	it->parent = s->parent;
	it->id_str = strpool_str(&r->ids, s->span);
}

void reqtree_build(const struct run *r, uint32_t trace, struct reqtree *t)
{
	size_t n = 0, cap = 16;
	struct item *items = xmalloc(cap * sizeof(*items));
	memset(t, 0, sizeof(*t));
	t->trace = trace;
	for (size_t pass = 0; pass < 2; pass++) {
		size_t rows = pass == 0 ? r->nattempts : r->nspans;
		for (size_t i = 0; i < rows; i++) {
			uint32_t tr = pass == 0 ? r->attempts[i].trace : r->spans[i].trace;
			if (tr != trace)
				continue;
			if (n == cap)
				items = xrealloc(items, (cap *= 2) * sizeof(*items));
			struct item *it = &items[n++];
			memset(it, 0, sizeof(*it));
			it->first_child = it->next_sibling = -1;
			if (pass == 0)
				fill_attempt(r, i, it);
			else
				fill_span(r, i, it);
		}
	}

	/* parent lookup: the items sorted by id, first row of an id wins */
	struct by_id *ids = xmalloc((n ? n : 1) * sizeof(*ids));
	size_t nids = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].id != STRPOOL_NONE)
			ids[nids++] = (struct by_id){items[i].id, i};
	qsort(ids, nids, sizeof(*ids), cmp_by_id);
	for (size_t i = 0; i < n; i++) {
		if (items[i].parent == STRPOOL_NONE)
			continue;
		/* lower bound: the first row holding the parent's id */
		size_t lo = 0, hi = nids;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (ids[mid].id < items[i].parent)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nids && ids[lo].id == items[i].parent && ids[lo].item != i) {
			items[i].has_parent = true;
			link_sorted(items, &items[ids[lo].item].first_child, i);
		}
	}
	/* the client attempts in start order, then spans whose parent is missing */
	long roots = -1, orphans = -1;
	for (size_t i = 0; i < n; i++)
		if (!items[i].has_parent)
			link_sorted(items, items[i].node.attempt_row ? &roots : &orphans, i);
	t->nodes = xmalloc((n ? n : 1) * sizeof(*t->nodes));
	walk(items, roots, 0, t);
	walk(items, orphans, 0, t);
	for (size_t i = 0; i < n; i++) /* rows only reachable through a parent cycle */
		visit(items, (long)i, 0, t);

	t->t0_ms = NAN;
	for (size_t i = 0; i < r->nattempts; i++)
		if (r->attempts[i].trace == trace && r->attempts[i].attempt == 1)
			t->t0_ms = r->attempts[i].intended_ms;
	double first = INFINITY, last = -INFINITY;
	for (size_t i = 0; i < t->n; i++) {
		const struct reqtree_node *nd = &t->nodes[i];
		if (isfinite(nd->start_ms))
			first = fmin(first, nd->start_ms);
		if (nd->attempt_row && isfinite(r->attempts[nd->row].intended_ms))
			first = fmin(first, r->attempts[nd->row].intended_ms);
		if (isfinite(nd->end_ms))
			last = fmax(last, nd->end_ms);
		else if (isfinite(nd->start_ms))
			last = fmax(last, nd->start_ms);
	}
	if (isnan(t->t0_ms))
		t->t0_ms = isfinite(first) ? first : 0;
	t->end_ms = isfinite(last) && last > t->t0_ms ? last : t->t0_ms;
	free(ids);
	free(items);
}

void reqtree_free(struct reqtree *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

uint32_t reqtree_worst(const struct run *r, unsigned *db_hits)
{
	size_t n;
	struct summary_request *q = summary_requests(r, &n);
	long best = -1;
	for (size_t i = 0; i < n; i++) {
		if (best >= 0) {
			const struct summary_request *b = &q[best];
			if (q[i].db_hits < b->db_hits)
				continue;
			if (q[i].db_hits == b->db_hits) {
				if (q[i].intended_ms > b->intended_ms)
					continue;
				if (q[i].intended_ms == b->intended_ms &&
				    strcmp(strpool_str(&r->traces, q[i].trace),
					   strpool_str(&r->traces, b->trace)) >= 0)
					continue;
			}
		}
		best = (long)i;
	}
	uint32_t trace = best >= 0 ? q[best].trace : STRPOOL_NONE;
	if (db_hits)
		*db_hits = best >= 0 ? q[best].db_hits : 0;
	free(q);
	return trace;
}

void reqtree_call_label(const struct reqtree_node *n, char *buf, size_t len)
{
	if (n->server)
		snprintf(buf, len, "srv");
	else
		snprintf(buf, len, "try%d", n->attempt);
}
