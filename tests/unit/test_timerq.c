/* test_timerq: the timer queue pops in (time, arm order) whatever mix of
 * arms, re-arms and cancels came before, across the wheel's slots, its wrap
 * and the overflow; and it tells its driver when the earliest timer moves. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "timerq.h"

#define N 4000

struct item {
	struct tq_node node;
	int id;
	bool armed;
	double at;
	uint64_t order; /* the reference's arm order */
};

static struct item items[N];
static int fired[N * 4];
static size_t nfired;

static void on_fire(struct tq_node *n, double now)
{
	struct item *it = (struct item *)n;
	cr_assert_geq(now, it->at);
	fired[nfired++] = it->id;
}

/* The armed item that must fire next: least time, then least arm order. */
static struct item *reference_next(void)
{
	struct item *best = NULL;
	for (int i = 0; i < N; i++)
		if (items[i].armed && (!best || items[i].at < best->at ||
				       (items[i].at == best->at && items[i].order < best->order)))
			best = &items[i];
	return best;
}

static size_t armed_count(void)
{
	size_t k = 0;
	for (int i = 0; i < N; i++)
		k += items[i].armed;
	return k;
}

Test(timerq, pops_in_time_then_arm_order_through_wheel_wrap_and_overflow)
{
	struct timerq q;
	struct rng r;
	uint64_t order = 0;
	double now = -50;

	timerq_init(&q);
	rng_seed(&r, 11);
	for (int i = 0; i < N; i++) {
		tq_node_init(&items[i].node, on_fire);
		items[i].id = i;
	}
	for (int step = 0; step < 60000; step++) {
		struct item *it = &items[rng_u64(&r) % N];
		double u = rng_double(&r);
		if (u < 0.45) {
			/* near (same slot, ties), mid (the wheel), far (past its 65 s span) */
			double pick = rng_double(&r);
			double at = pick < 0.2   ? now + floor(rng_double(&r) * 3)
				    : pick < 0.8 ? now + rng_double(&r) * 30000
						 : now + 60000 + rng_double(&r) * 200000;
			timerq_arm(&q, &it->node, at);
			it->armed = true;
			it->at = at;
			it->order = order++;
		} else if (u < 0.6) {
			timerq_cancel(&q, &it->node);
			it->armed = false;
		} else {
			struct item *want = reference_next();
			struct tq_node *got = timerq_pop(&q);
			if (!want) {
				cr_assert_null(got);
				continue;
			}
			cr_assert_not_null(got);
			cr_assert_eq(((struct item *)got)->id, want->id, "step %d: popped %d at %.3f, expected %d at %.3f",
				     step, ((struct item *)got)->id, ((struct item *)got)->at, want->id, want->at);
			want->armed = false;
			now = want->at;
		}
		cr_assert_eq(timerq_len(&q), armed_count());
	}
	timerq_free(&q);
	for (int i = 0; i < N; i++)
		cr_assert(!tq_armed(&items[i].node), "freeing the queue disarms every node");
}

Test(timerq, run_due_fires_what_is_due_including_what_firing_arms)
{
	struct timerq q;

	timerq_init(&q);
	nfired = 0;
	for (int i = 0; i < 3; i++) {
		tq_node_init(&items[i].node, on_fire);
		items[i].id = i;
	}
	items[0].at = 10;
	items[1].at = 10;
	items[2].at = 10.5;
	timerq_arm(&q, &items[1].node, 10);
	timerq_arm(&q, &items[0].node, 10);
	timerq_arm(&q, &items[2].node, 10.5);
	cr_assert_eq(timerq_run_due(&q, 9.999), 0);
	cr_assert_eq(timerq_run_due(&q, 10), 2);
	cr_assert_eq(fired[0], 1, "equal times fire in arm order");
	cr_assert_eq(fired[1], 0);
	cr_assert_eq(timerq_run_due(&q, 20), 1);
	cr_assert_eq(timerq_len(&q), 0);
	timerq_free(&q);
}

static int head_calls;
static void on_head(void *arg)
{
	(void)arg;
	head_calls++;
}

Test(timerq, on_head_only_when_the_earliest_timer_moves)
{
	struct timerq q;

	timerq_init(&q);
	q.on_head = on_head;
	for (int i = 0; i < 3; i++)
		tq_node_init(&items[i].node, on_fire);
	head_calls = 0;
	timerq_arm(&q, &items[0].node, 100);
	cr_assert_eq(head_calls, 1);
	timerq_arm(&q, &items[1].node, 200); /* behind it: no change */
	cr_assert_eq(head_calls, 1);
	timerq_arm(&q, &items[2].node, 50);
	cr_assert_eq(head_calls, 2);
	timerq_cancel(&q, &items[1].node);
	cr_assert_eq(head_calls, 2);
	timerq_arm(&q, &items[2].node, 150); /* the head moves later */
	cr_assert_eq(head_calls, 3);
	cr_assert_eq(timerq_peek(&q), &items[0].node);
	nfired = 0;
	cr_assert_eq(timerq_run_due(&q, 1000), 2);
	cr_assert_eq(head_calls, 4, "once at the end of a run of timers");
	timerq_free(&q);
}
