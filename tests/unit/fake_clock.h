/* fake_clock.h: what the core tests share, a scenario from --set strings
 * and virtual time over a core's timer queue.  Header-only: each test
 * binary's translation unit gets its own copy. */
#ifndef CASCADE_TESTS_FAKE_CLOCK_H
#define CASCADE_TESTS_FAKE_CLOCK_H

#include <criterion/criterion.h>

#include "scenario.h"
#include "timerq.h"

/* The defaults, then each "key=value" of the NULL-terminated sets. */
static inline void fake_scenario_load(struct scenario *sc, const char *const *sets)
{
	char err[512];
	size_t n = 0;

	while (sets && sets[n])
		n++;
	cr_assert_eq(scenario_load(sc, NULL, (char *const *)sets, n, err, sizeof(err)), 0, "%s", err);
}

/* Virtual time: each timer due by `to` fires at its own time, in order;
 * *now ends at `to`. */
static inline void fake_clock_advance(struct timerq *tq, double *now, double to)
{
	struct tq_node *n;

	while ((n = timerq_peek(tq)) && n->at_ms <= to) {
		*now = n->at_ms;
		timerq_pop(tq);
		n->fire(n, *now);
	}
	*now = to;
}

#endif
