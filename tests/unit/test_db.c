/* test_db: when and how a running dbsim query ends, and service-time draws. */
#include <criterion/criterion.h>
#include <math.h>

#include "db_core.h"

Test(db, a_query_with_nothing_in_its_way_finishes)
{
	enum outcome o;
	cr_assert_float_eq(db_run_end_ms(100, 40, 0, INFINITY, 10, &o), 140, 1e-9);
	cr_assert_eq(o, OUT_OK);
}

Test(db, statement_timeout_cuts_a_long_query)
{
	enum outcome o;
	cr_assert_float_eq(db_run_end_ms(100, 400, 150, INFINITY, 10, &o), 250, 1e-9);
	cr_assert_eq(o, OUT_STATEMENT_TIMEOUT);
	cr_assert_float_eq(db_run_end_ms(100, 150, 150, INFINITY, 10, &o), 250, 1e-9);
	cr_assert_eq(o, OUT_OK, "a query that ends exactly at the limit finishes");
}

Test(db, the_deadline_is_noticed_at_the_next_check)
{
	enum outcome o;
	/* deadline 25 ms into the run, checks every 10 ms: noticed at 30 */
	cr_assert_float_eq(db_run_end_ms(100, 400, 0, 125, 10, &o), 130, 1e-9);
	cr_assert_eq(o, OUT_DEADLINE_EXPIRED);
	/* on a check tick exactly */
	cr_assert_float_eq(db_run_end_ms(100, 400, 0, 120, 10, &o), 120, 1e-9);
	/* already past when it starts: at once */
	cr_assert_float_eq(db_run_end_ms(100, 400, 0, 90, 10, &o), 100, 1e-9);
	cr_assert_eq(o, OUT_DEADLINE_EXPIRED);
}

Test(db, the_earliest_end_wins_and_ties_go_to_finishing)
{
	enum outcome o;
	cr_assert_float_eq(db_run_end_ms(0, 100, 80, 50, 10, &o), 50, 1e-9);
	cr_assert_eq(o, OUT_DEADLINE_EXPIRED);
	cr_assert_float_eq(db_run_end_ms(0, 100, 80, 95, 10, &o), 80, 1e-9);
	cr_assert_eq(o, OUT_STATEMENT_TIMEOUT);
	cr_assert_float_eq(db_run_end_ms(0, 30, 0, 25, 10, &o), 30, 1e-9);
	cr_assert_eq(o, OUT_OK, "the query ends at 30, the check would notice at 30 too");
}

Test(db, service_time_draws_follow_the_distribution)
{
	struct rng r;
	struct dist fixed = {DIST_FIXED, 20, 0}, uni = {DIST_UNIFORM, 10, 30};
	struct dist expo = {DIST_EXPONENTIAL, 50, 0};
	double sum = 0;
	int i, n = 20000;

	rng_seed(&r, 3);
	cr_assert_eq(dist_draw_ms(&fixed, &r), 20);
	for (i = 0; i < 1000; i++) {
		double v = dist_draw_ms(&uni, &r);
		cr_assert(v >= 10 && v < 30, "%f", v);
	}
	for (i = 0; i < n; i++)
		sum += dist_draw_ms(&expo, &r);
	/* mean 50, sd 50: the sample mean is within 5 sd/sqrt(n) */
	cr_assert(fabs(sum / n - 50) < 5 * 50 / sqrt(n), "mean %f", sum / n);
}
