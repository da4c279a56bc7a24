/* timerq: a queue of timers in scenario time, shared by the cores and both
 * engines.  A timer is a struct tq_node embedded in whatever it times (a
 * request's deadline, an attempt's timeout, a message in flight in the
 * virtual engine), so arming and cancelling never allocate.
 *
 * Order is total and deterministic: by at_ms, then by the order the timers
 * were armed (a timer re-armed goes behind every timer armed before it).
 *
 * Inside, a timing wheel in front of two small heaps: most timers are armed
 * far ahead (timeouts, deadlines) and most are cancelled or fire long after
 * the events around them, so they wait in the wheel's slots (TQ_SLOT_MS of
 * scenario time each, unsorted lists: arm and cancel O(1)); only the slot
 * being served is sorted, in the front heap; timers past the wheel's span
 * wait in an overflow heap.  Popping costs O(log k) for the k timers of the
 * current slot, not O(log n) for all n.
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
#include <sys/queue.h>

#define TQ_SLOT_MS 1.0	  /* scenario ms per wheel slot */
#define TQ_SLOTS 65536	  /* slots: the wheel spans TQ_SLOT_MS * TQ_SLOTS (65.5 s) */

struct tq_node;
/* Called by whoever pops the node, with the time it fires at (>= at_ms). */
typedef void (*tq_fire_fn)(struct tq_node *n, double now_ms);

enum tq_where { TQ_NONE, TQ_FRONT, TQ_WHEEL, TQ_OVERFLOW };

struct tq_node {
	double at_ms;
	uint64_t seq;	     /* arm order, for ties */
	int64_t slot;	     /* floor(at_ms / TQ_SLOT_MS) */
	LIST_ENTRY(tq_node) slot_link; /* in a wheel slot */
	uint32_t pos;	     /* 1 + index in the front or overflow heap */
	uint8_t where;	     /* enum tq_where */
	tq_fire_fn fire;     /* set once by the owner (tq_node_init) */
};

struct tq_heap {
	struct tq_node **v;
	uint32_t n, cap;
};

struct timerq {
	int64_t cur;		   /* every timer of a slot <= cur is in front */
	struct tq_heap front;	   /* slots <= cur, sorted */
	struct tq_heap overflow;   /* slots >= cur + TQ_SLOTS */
	LIST_HEAD(tq_slot, tq_node) *slots; /* slot & (TQ_SLOTS - 1): the timers of one slot in (cur, cur + TQ_SLOTS) */
	uint64_t *occupied;	   /* one bit per slot */
	size_t n;		   /* armed timers */
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
	*n = (struct tq_node){.fire = fire};
}
static inline bool tq_armed(const struct tq_node *n) { return n->where != TQ_NONE; }

/* Arm n at at_ms (re-arm if armed).  at_ms may be in the past: the timer is
 * due at once.  at_ms must be finite. */
void timerq_arm(struct timerq *q, struct tq_node *n, double at_ms);
/* Disarm n; nothing when it is not armed. */
void timerq_cancel(struct timerq *q, struct tq_node *n);
/* The earliest armed timer, or NULL. */
struct tq_node *timerq_peek(struct timerq *q);
/* Remove and return the earliest timer, or NULL. */
struct tq_node *timerq_pop(struct timerq *q);
/* Pop and fire, in order, every timer due at now_ms (at_ms <= now_ms),
 * including those the fired ones arm for now_ms or earlier.  Returns how
 * many fired. */
size_t timerq_run_due(struct timerq *q, double now_ms);
static inline size_t timerq_len(const struct timerq *q) { return q->n; }

#endif
