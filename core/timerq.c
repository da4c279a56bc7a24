/* timerq: the indexed 4-ary heap behind every timer of both engines (see
 * timerq.h).  Four children per node halve the depth of a binary heap and
 * keep a node's children on one cache line. */
#include "timerq.h"

#include <stdlib.h>

#include "util.h"

#define ARITY 4

static bool before(const struct tq_node *a, const struct tq_node *b)
{
	return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

static void place(struct timerq *q, struct tq_node *n, uint32_t i)
{
	q->heap[i] = n;
	n->pos = i + 1;
}

static void sift_up(struct timerq *q, uint32_t i)
{
	struct tq_node *n = q->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / ARITY;
		if (!before(n, q->heap[parent]))
			break;
		place(q, q->heap[parent], i);
		i = parent;
	}
	place(q, n, i);
}

static void sift_down(struct timerq *q, uint32_t i)
{
	struct tq_node *n = q->heap[i];

	for (;;) {
		uint32_t first = i * ARITY + 1, best = i;
		const struct tq_node *best_node = n;
		if (first >= q->n)
			break;
		uint32_t last = first + ARITY < q->n ? first + ARITY : q->n;
		for (uint32_t c = first; c < last; c++) {
			if (before(q->heap[c], best_node)) {
				best = c;
				best_node = q->heap[c];
			}
		}
		if (best == i)
			break;
		place(q, q->heap[best], i);
		i = best;
	}
	place(q, n, i);
}

/* The earliest timer before a change, to tell whether the change moved it. */
struct head {
	const struct tq_node *node;
	double at_ms;
};

static struct head head_of(const struct timerq *q)
{
	const struct tq_node *n = timerq_peek(q);
	return (struct head){n, n ? n->at_ms : 0};
}

static void head_may_change(struct timerq *q, struct head old)
{
	struct head now = head_of(q);

	if (now.node == old.node && now.at_ms == old.at_ms)
		return;
	if (q->running)
		q->head_changed = true;
	else if (q->on_head)
		q->on_head(q->on_head_arg);
}

void timerq_init(struct timerq *q)
{
	*q = (struct timerq){0};
}

void timerq_free(struct timerq *q)
{
	for (uint32_t i = 0; i < q->n; i++)
		q->heap[i]->pos = 0;
	free(q->heap);
	*q = (struct timerq){0};
}

static void remove_at(struct timerq *q, uint32_t i)
{
	struct tq_node *n = q->heap[i];
	struct tq_node *last = q->heap[--q->n];

	n->pos = 0;
	if (i == q->n)
		return;
	place(q, last, i);
	if (i > 0 && before(last, q->heap[(i - 1) / ARITY]))
		sift_up(q, i);
	else
		sift_down(q, i);
}

void timerq_arm(struct timerq *q, struct tq_node *n, double at_ms)
{
	struct head old_head = head_of(q);

	if (tq_armed(n))
		remove_at(q, n->pos - 1);
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->heap = xrealloc(q->heap, q->cap * sizeof(*q->heap));
	}
	n->at_ms = at_ms;
	n->seq = q->next_seq++;
	place(q, n, q->n++);
	sift_up(q, q->n - 1);
	head_may_change(q, old_head);
}

void timerq_cancel(struct timerq *q, struct tq_node *n)
{
	struct head old_head;

	if (!tq_armed(n))
		return;
	old_head = head_of(q);
	remove_at(q, n->pos - 1);
	head_may_change(q, old_head);
}

struct tq_node *timerq_pop(struct timerq *q)
{
	struct head old_head = head_of(q);
	struct tq_node *n = timerq_peek(q);

	if (!n)
		return NULL;
	remove_at(q, 0);
	head_may_change(q, old_head);
	return n;
}

size_t timerq_run_due(struct timerq *q, double now_ms)
{
	size_t fired = 0;
	bool was_running = q->running;

	q->running = true;
	for (;;) {
		struct tq_node *n = timerq_peek(q);
		if (!n || n->at_ms > now_ms)
			break;
		remove_at(q, 0);
		q->head_changed = true;
		n->fire(n, now_ms);
		fired++;
	}
	q->running = was_running;
	if (!was_running && q->head_changed) {
		q->head_changed = false;
		if (q->on_head)
			q->on_head(q->on_head_arg);
	}
	return fired;
}
