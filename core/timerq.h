/* timerq: a queue of timers in scenario time, shared by the cores and both
 * engines.  A timer is a struct tq_node embedded in whatever it times (a
 * request's deadline, an attempt's timeout, a message in flight in the
 * virtual engine), so arming and cancelling never allocate.  The queue is an
 * indexed 4-ary min-heap: arm, cancel and pop are O(log n).
 *
 * Order is total and deterministic: by at_ms, then by the order the timers
 * were armed (a timer re-armed goes behind every timer armed before it).
 *
 * Who fires: a core arms and cancels its timers on the queue it was given;
 * the driver pops due timers and calls node->fire.  The real processes run
 * one queue each behind one libevent timer (on_head tells them when the
 * earliest timer changed); the virtual engine runs one queue for everything,
 * its whole event loop. */
#ifndef CASCADE_TIMERQ_H
#define CASCADE_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tq_node;
/* Called by whoever pops the node, with the time it fires at (>= at_ms). */
typedef void (*tq_fire_fn)(struct tq_node *n, double now_ms);

struct tq_node {
	double at_ms;
	uint64_t seq;	 /* arm order, for ties */
	uint32_t pos;	 /* 1 + index in the heap; 0: not armed */
	tq_fire_fn fire; /* set once by the owner (tq_node_init) */
};

struct timerq {
	struct tq_node **heap;
	uint32_t n, cap;
	uint64_t next_seq;
	/* Optional: called after the earliest timer changed (arm, cancel, pop),
	 * unless inside timerq_run_due, which calls it once at its end. */
	void (*on_head)(void *arg);
	void *on_head_arg;
	bool running; /* inside timerq_run_due */
	bool head_changed;
};

void timerq_init(struct timerq *q);
void timerq_free(struct timerq *q); /* the nodes belong to their owners */

static inline void tq_node_init(struct tq_node *n, tq_fire_fn fire)
{
	n->at_ms = 0;
	n->seq = 0;
	n->pos = 0;
	n->fire = fire;
}
static inline bool tq_armed(const struct tq_node *n) { return n->pos != 0; }

/* Arm n at at_ms (re-arm if armed).  at_ms may be in the past: the timer is
 * due at once. */
void timerq_arm(struct timerq *q, struct tq_node *n, double at_ms);
/* Disarm n; nothing when it is not armed. */
void timerq_cancel(struct timerq *q, struct tq_node *n);
/* The earliest armed timer, or NULL. */
static inline struct tq_node *timerq_peek(const struct timerq *q) { return q->n ? q->heap[0] : NULL; }
/* Remove and return the earliest timer, or NULL. */
struct tq_node *timerq_pop(struct timerq *q);
/* Pop and fire, in order, every timer due at now_ms (at_ms <= now_ms),
 * including those the fired ones arm for now_ms or earlier.  Returns how
 * many fired. */
size_t timerq_run_due(struct timerq *q, double now_ms);
static inline size_t timerq_len(const struct timerq *q) { return q->n; }

#endif
