/* retry_budget: rate and concurrency budgets for retries (see retry_budget.h). */
#include "retry_budget.h"

#include <math.h>

void retry_budget_init(struct retry_budget *b, double percent, double min_per_s, double ttl_ms)
{
	b->percent = percent;
	b->min_per_s = min_per_s;
	b->ttl_ms = ttl_ms;
	window_init(&b->w, ttl_ms);
}

void retry_budget_deposit(struct retry_budget *b, double now_ms)
{
	window_add(&b->w, now_ms, 0, 1);
}

bool retry_budget_withdraw(struct retry_budget *b, double now_ms)
{
	double requests = window_sum(&b->w, now_ms, 0), retries = window_sum(&b->w, now_ms, 1);
	/* a hair of slack: 20 % of 10 requests is 2 retries, not 1.9999 */
	double allowed = b->percent / 100.0 * requests + b->min_per_s * b->ttl_ms / 1000.0 + 1e-9;

	if (retries + 1 > allowed)
		return false;
	window_add(&b->w, now_ms, 1, 1);
	return true;
}

bool retry_concurrency_allows(long retries_in_flight, long requests_in_flight, double percent, long min_retries)
{
	double cap = fmax((double)min_retries, percent / 100.0 * (double)requests_in_flight);
	return (double)(retries_in_flight + 1) <= cap + 1e-9;
}
