/* timerq: a timing wheel in front of two indexed 4-ary heaps (see
 * timerq.h).  Invariants, with N = TQ_SLOTS:
 *   front     every armed timer whose slot is <= cur, as a heap;
 *   wheel     every timer whose slot is in (cur, cur + N), unsorted, in the
 *             list of slot & (N - 1) (each list holds one slot), its bit set;
 *   overflow  every timer whose slot is >= cur + N, as a heap.
 * cur only grows: when the front runs empty it jumps to the earliest
 * occupied slot, the overflow timers the wider window now covers move into
 * the wheel, and that slot's list is sorted into the front. */
#include "timerq.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

#define ARITY 4
#define MASK (TQ_SLOTS - 1)
#define WORDS (TQ_SLOTS / 64)

/* ---- the heaps ---- */

static bool before(const struct tq_node *a, const struct tq_node *b)
{
	return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

static void place(struct tq_heap *h, struct tq_node *n, uint32_t i)
{
	h->v[i] = n;
	n->pos = i + 1;
}

static void sift_up(struct tq_heap *h, uint32_t i)
{
	struct tq_node *n = h->v[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / ARITY;
		if (!before(n, h->v[parent]))
			break;
		place(h, h->v[parent], i);
		i = parent;
	}
	place(h, n, i);
}

static void sift_down(struct tq_heap *h, uint32_t i)
{
	struct tq_node *n = h->v[i];

	for (;;) {
		uint32_t first = i * ARITY + 1, best = i;
		const struct tq_node *best_node = n;
		if (first >= h->n)
			break;
		uint32_t last = first + ARITY < h->n ? first + ARITY : h->n;
		for (uint32_t c = first; c < last; c++) {
			if (before(h->v[c], best_node)) {
				best = c;
				best_node = h->v[c];
			}
		}
		if (best == i)
			break;
		place(h, h->v[best], i);
		i = best;
	}
	place(h, n, i);
}

static void heap_push(struct tq_heap *h, struct tq_node *n)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	place(h, n, h->n++);
	sift_up(h, h->n - 1);
}

static void heap_remove(struct tq_heap *h, struct tq_node *n)
{
	uint32_t i = n->pos - 1;
	struct tq_node *last = h->v[--h->n];

	n->pos = 0;
	if (i == h->n)
		return;
	place(h, last, i);
	if (i > 0 && before(last, h->v[(i - 1) / ARITY]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

/* ---- the wheel ---- */

static void wheel_add(struct timerq *q, struct tq_node *n)
{
	size_t i = (size_t)(n->slot & MASK);

	n->where = TQ_WHEEL;
	LIST_INSERT_HEAD(&q->slots[i], n, slot_link);
	q->occupied[i / 64] |= UINT64_C(1) << (i % 64);
}

static void wheel_remove(struct timerq *q, struct tq_node *n)
{
	size_t i = (size_t)(n->slot & MASK);

	LIST_REMOVE(n, slot_link);
	if (LIST_EMPTY(&q->slots[i]))
		q->occupied[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

/* The first occupied slot after cur, or INT64_MAX when the wheel is empty:
 * the bitmap from cur + 1 round to cur. */
static int64_t wheel_next(const struct timerq *q)
{
	size_t start = (size_t)((q->cur + 1) & MASK);
	size_t w0 = start / 64, bit0 = start % 64;

	for (size_t k = 0; k <= WORDS; k++) {
		size_t w = (w0 + k) % WORDS;
		uint64_t bits = q->occupied[w];
		if (k == 0)
			bits &= ~UINT64_C(0) << bit0;
		else if (k == WORDS)
			bits &= bit0 ? ~(~UINT64_C(0) << bit0) : 0;
		if (bits) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			return q->cur + 1 + (int64_t)((i - start) & MASK);
		}
	}
	return INT64_MAX;
}

static void place_node(struct timerq *q, struct tq_node *n)
{
	if (n->slot <= q->cur) {
		n->where = TQ_FRONT;
		heap_push(&q->front, n);
	} else if (n->slot - q->cur < TQ_SLOTS) {
		wheel_add(q, n);
	} else {
		n->where = TQ_OVERFLOW;
		heap_push(&q->overflow, n);
	}
}

/* The front is empty: move to the earliest occupied slot. */
static void advance(struct timerq *q)
{
	int64_t next = wheel_next(q);
	struct tq_node *n;
	size_t i;

	if (q->overflow.n && q->overflow.v[0]->slot < next)
		next = q->overflow.v[0]->slot;
	if (next == INT64_MAX)
		return;
	q->cur = next;
	while (q->overflow.n && q->overflow.v[0]->slot - q->cur < TQ_SLOTS) {
		n = q->overflow.v[0];
		heap_remove(&q->overflow, n);
		place_node(q, n);
	}
	i = (size_t)(q->cur & MASK);
	while ((n = LIST_FIRST(&q->slots[i]))) {
		wheel_remove(q, n);
		n->where = TQ_FRONT;
		heap_push(&q->front, n);
	}
}

/* ---- the queue ---- */

void timerq_init(struct timerq *q)
{
	*q = (struct timerq){0};
	q->slots = xcalloc(TQ_SLOTS, sizeof(*q->slots));
	q->occupied = xcalloc(WORDS, sizeof(*q->occupied));
}

void timerq_free(struct timerq *q)
{
	for (uint32_t i = 0; i < q->front.n; i++)
		q->front.v[i]->where = TQ_NONE;
	for (uint32_t i = 0; i < q->overflow.n; i++)
		q->overflow.v[i]->where = TQ_NONE;
	for (size_t i = 0; q->slots && i < TQ_SLOTS; i++) {
		struct tq_node *n;
		LIST_FOREACH(n, &q->slots[i], slot_link)
			n->where = TQ_NONE;
	}
	free(q->front.v);
	free(q->overflow.v);
	free(q->slots);
	free(q->occupied);
	*q = (struct timerq){0};
}

struct tq_node *timerq_peek(struct timerq *q)
{
	if (q->front.n == 0 && q->n > 0)
		advance(q);
	return q->front.n ? q->front.v[0] : NULL;
}

/* The earliest timer before a change, to tell whether the change moved it. */
struct head {
	const struct tq_node *node;
	double at_ms;
};

static struct head head_of(struct timerq *q)
{
	const struct tq_node *n = q->on_head ? timerq_peek(q) : NULL;
	return (struct head){n, n ? n->at_ms : 0};
}

static void head_may_change(struct timerq *q, struct head old)
{
	struct head now;

	if (!q->on_head)
		return;
	if (q->running) {
		q->head_changed = true;
		return;
	}
	now = head_of(q);
	if (now.node != old.node || now.at_ms != old.at_ms)
		q->on_head(q->on_head_arg);
}

static void unlink_node(struct timerq *q, struct tq_node *n)
{
	switch ((enum tq_where)n->where) {
	case TQ_FRONT: heap_remove(&q->front, n); break;
	case TQ_WHEEL: wheel_remove(q, n); break;
	case TQ_OVERFLOW: heap_remove(&q->overflow, n); break;
	case TQ_NONE: return;
	}
	n->where = TQ_NONE;
	q->n--;
}

void timerq_arm(struct timerq *q, struct tq_node *n, double at_ms)
{
	struct head old = head_of(q);
	double s = at_ms * (1.0 / TQ_SLOT_MS);
	int64_t slot;

	unlink_node(q, n);
	n->at_ms = at_ms;
	n->seq = q->next_seq++;
	/* floor, clamped far beyond any run's length (the overflow holds those) */
	if (s >= 9e15)
		slot = (int64_t)9e15;
	else if (s <= -9e15)
		slot = -(int64_t)9e15;
	else if ((slot = (int64_t)s) > s)
		slot--;
	n->slot = slot;
	place_node(q, n);
	q->n++;
	head_may_change(q, old);
}

void timerq_cancel(struct timerq *q, struct tq_node *n)
{
	struct head old;

	if (!tq_armed(n))
		return;
	old = head_of(q);
	unlink_node(q, n);
	head_may_change(q, old);
}

struct tq_node *timerq_pop(struct timerq *q)
{
	struct head old = head_of(q);
	struct tq_node *n = timerq_peek(q);

	if (!n)
		return NULL;
	unlink_node(q, n);
	head_may_change(q, old);
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
		unlink_node(q, n);
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
