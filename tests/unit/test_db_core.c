/* test_db_core: dbsim's decisions with a fake clock: which query a worker
 * takes next, the queue limit, statement_timeout, honor_deadline in the
 * queue and while running, honor_cancel, capacity faults, the gauges. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db_core.h"
#include "fake_clock.h"

struct fake {
	struct timerq tq;
	struct db_core *core;
	struct scenario sc;
	double now;
	int order[32]; /* which query (its caller_attempt) was answered, in order */
	int statuses[32];
	enum outcome outcomes[32];
	int nreplies;
	struct span_row rows[32];
	int nrows, releases;
};

static struct fake F;

static void f_reply(void *ctx, struct db_query *q, const struct db_reply *rep)
{
	(void)ctx;
	F.order[F.nreplies] = db_query_inbound(q)->caller_attempt;
	F.statuses[F.nreplies] = rep->status;
	F.outcomes[F.nreplies] = rep->outcome;
	F.nreplies++;
}

static void f_row(void *ctx, const struct span_row *row)
{
	(void)ctx;
	F.rows[F.nrows++] = *row;
}

static void f_release(void *ctx, struct db_query *q)
{
	(void)ctx;
	(void)q;
	F.releases++;
}

static const struct db_ops f_ops = {f_reply, f_row, f_release};

static void setup(const char *const *sets)
{
	memset(&F, 0, sizeof(F));
	fake_scenario_load(&F.sc, sets);
	timerq_init(&F.tq);
	F.core = db_core_new(&(struct db_core_config){.sc = &F.sc, .tq = &F.tq, .ops = &f_ops}, 0);
}

static void teardown(void)
{
	db_core_stop(F.core, F.now);
	db_core_free(F.core);
	timerq_free(&F.tq);
	scenario_free(&F.sc);
}

static void advance(double to) { fake_clock_advance(&F.tq, &F.now, to); }

/* A query tagged n (its caller_attempt), with a budget (< 0: none). */
static struct db_query *query(int n, double budget_ms)
{
	struct inbound in = {0};
	strcpy(in.trace_id, "0af7651916cd43dd8448eb211c80319c");
	in.caller_attempt = n;
	in.has_budget = budget_ms >= 0;
	in.budget_ms = budget_ms;
	return db_core_arrive(F.core, F.now, &in, NULL, NULL);
}

#define FIXED(ms) "tiers.dbsim.service_time={\"dist\": \"fixed\", \"value\": \"" ms "\"}"

Test(db_core, one_worker_serves_the_queue_first_in_first_out)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("10ms"), NULL};
	setup(sets);
	for (int i = 1; i <= 3; i++)
		query(i, -1);
	cr_assert_eq(db_core_counters(F.core)->queue_depth, 2);
	cr_assert_eq(db_core_counters(F.core)->busy_workers, 1);
	advance(30);
	cr_assert_eq(F.nreplies, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(F.order[i], i + 1);
	cr_assert_float_eq(F.rows[2].queue_ms, 20, 1e-9, "the third waited for two services");
	teardown();
}

Test(db_core, beyond_the_queue_limit_a_query_is_shed)
{
	const char *sets[] = {"tiers.dbsim.workers=1", "tiers.dbsim.queue_limit=1", FIXED("10ms"), NULL};
	setup(sets);
	query(1, -1);
	query(2, -1);
	cr_assert_null(query(3, -1));
	cr_assert_eq(F.statuses[0], 503);
	cr_assert_eq(F.outcomes[0], OUT_SHED);
	teardown();
}

Test(db_core, statement_timeout_cuts_a_long_query)
{
	const char *sets[] = {FIXED("30s"), "tiers.dbsim.statement_timeout=15s", NULL};
	setup(sets);
	query(1, -1);
	advance(15000);
	cr_assert_eq(F.statuses[0], 500);
	cr_assert_eq(F.outcomes[0], OUT_STATEMENT_TIMEOUT);
	teardown();
}

Test(db_core, honor_deadline_drops_expired_queries_from_the_queue_without_running_them)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("100ms"), "tiers.dbsim.honor_deadline=true", NULL};
	setup(sets);
	query(1, -1);
	query(2, 50); /* waits 100 ms for the worker: expired at 50 */
	query(3, -1);
	advance(50);
	cr_assert_eq(F.nreplies, 1);
	cr_assert_eq(F.order[0], 2);
	cr_assert_eq(F.statuses[0], 504);
	cr_assert_float_eq(F.rows[0].work_ms, 0, 1e-9, "it never ran");
	advance(200);
	cr_assert_eq(F.order[2], 3, "the worker went straight to the next one");
	teardown();
}

Test(db_core, honor_deadline_abandons_a_running_query_at_the_next_check)
{
	const char *sets[] = {FIXED("1s"), "tiers.dbsim.honor_deadline=true", "tiers.dbsim.check_interval=10ms",
			      NULL};
	setup(sets);
	query(1, 25);
	advance(29);
	cr_assert_eq(F.nreplies, 0);
	advance(30);
	cr_assert_eq(F.nreplies, 1);
	cr_assert_eq(F.outcomes[0], OUT_DEADLINE_EXPIRED);
	teardown();
}

Test(db_core, without_honor_cancel_a_query_runs_on_for_nobody)
{
	const char *sets[] = {FIXED("100ms"), NULL};
	setup(sets);
	struct db_query *q = query(1, -1);
	F.now = 40;
	db_core_caller_gone(F.core, q, F.now);
	cr_assert_eq(db_core_counters(F.core)->inflight, 0);
	cr_assert_eq(db_core_counters(F.core)->orphaned, 1);
	advance(100);
	cr_assert_eq(F.nreplies, 0, "no one to answer");
	cr_assert_eq(F.rows[0].status, STATUS_CALLER_GONE);
	cr_assert_float_eq(F.rows[0].wasted_ms, 60, 1e-9);
	cr_assert_eq(db_core_counters(F.core)->orphaned, 0);
	teardown();
}

Test(db_core, with_honor_cancel_a_leaving_caller_frees_its_worker_for_the_next)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("100ms"), "tiers.dbsim.honor_cancel=true", NULL};
	setup(sets);
	struct db_query *q = query(1, -1);
	query(2, -1);
	F.now = 40;
	db_core_caller_gone(F.core, q, F.now);
	cr_assert_eq(F.rows[0].outcome, OUT_CALLER_GONE);
	cr_assert_float_eq(F.rows[0].wasted_ms, 0, 1e-9);
	cr_assert_eq(db_core_counters(F.core)->busy_workers, 1, "query 2 took the worker at once");
	advance(140);
	cr_assert_eq(F.order[0], 2);
	teardown();
}

Test(db_core, a_capacity_fault_changes_the_workers_at_its_edges)
{
	const char *sets[] = {
	    FIXED("10ms"),
	    "faults=[{\"tier\": \"dbsim\", \"kind\": \"capacity\", \"start\": \"100ms\", \"end\": \"200ms\", \"capacity\": 0}]",
	    NULL};
	setup(sets);
	advance(100);
	cr_assert_eq(db_core_counters(F.core)->workers, 0);
	query(1, -1);
	advance(190);
	cr_assert_eq(F.nreplies, 0, "no worker: it only queues");
	advance(200);
	cr_assert_eq(db_core_counters(F.core)->workers, F.sc.db.workers);
	advance(210);
	cr_assert_eq(F.nreplies, 1);
	teardown();
}

Test(db_core, lifo_serves_the_newest_first)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("10ms"), "tiers.dbsim.queue=lifo", NULL};
	setup(sets);
	for (int i = 1; i <= 4; i++)
		query(i, -1);
	advance(40);
	cr_assert_eq(F.order[0], 1, "the first ran at once");
	cr_assert_eq(F.order[1], 4);
	cr_assert_eq(F.order[2], 3);
	cr_assert_eq(F.order[3], 2);
	teardown();
}

Test(db_core, adaptive_lifo_is_fifo_until_the_queue_stays_busy_for_the_interval)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("10ms"), "tiers.dbsim.queue=adaptive_lifo",
			      "tiers.dbsim.codel_interval=25ms", NULL};
	setup(sets);
	for (int i = 1; i <= 5; i++)
		query(i, -1);
	advance(50);
	/* at 10 and 20 the queue has been busy 10, 20 ms: FIFO (2, 3); at 30
	 * it has been busy 30 ms > 25: the newest (5), then 4 */
	int want[] = {1, 2, 3, 5, 4};
	for (int i = 0; i < 5; i++)
		cr_assert_eq(F.order[i], want[i], "answer %d: query %d, expected %d", i, F.order[i], want[i]);
	teardown();
}

Test(db_core, codel_sheds_what_waits_past_the_target_once_overloaded)
{
	const char *sets[] = {"tiers.dbsim.workers=1", FIXED("100ms"), "tiers.dbsim.queue=codel",
			      "tiers.dbsim.codel_target=5ms", "tiers.dbsim.codel_interval=50ms", NULL};
	setup(sets);
	query(1, -1);
	query(2, -1); /* the queue was empty: it may wait the interval, 50 ms */
	advance(60);
	cr_assert_eq(F.nreplies, 1);
	cr_assert_eq(F.statuses[0], 503, "query 2 waited 50 ms: shed");
	F.now = 70;
	query(3, -1); /* empty again since 50: 20 ms ago, not overloaded */
	F.now = 71;
	query(4, -1); /* not empty since 70: 1 ms, not overloaded */
	advance(99);
	cr_assert_eq(F.nreplies, 1);
	teardown();
}

Test(db_core, admission_drops_a_query_with_too_little_budget)
{
	const char *sets[] = {FIXED("100ms"), "tiers.dbsim.admission_estimate=200ms", NULL};
	setup(sets);
	cr_assert_null(query(1, 150));
	cr_assert_eq(F.statuses[0], 504);
	cr_assert_eq(F.outcomes[0], OUT_DEADLINE_EXPIRED);
	cr_assert_not_null(query(2, 250));
	cr_assert_not_null(query(3, -1), "no budget received: admitted");
	teardown();
}

Test(db_core, codel_defaults_come_from_the_service_time)
{
	struct dist d = {DIST_LOGNORMAL, 200, 1000};
	cr_assert_float_eq(db_service_median_ms(&d), 200, 1e-12);
	d = (struct dist){DIST_EXPONENTIAL, 100, 0};
	cr_assert_float_eq(db_service_median_ms(&d), 100 * M_LN2, 1e-9);
}
