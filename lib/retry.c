/* retry: which failures a policy retries, and the backoff before each retry
 * (the AWS "Exponential Backoff And Jitter" formulas). */
#include "retry.h"

#include <math.h>
#include <string.h>

#include "util.h"

const char *const jitter_names[JITTER_COUNT] = {
    [JITTER_NONE] = "none",
    [JITTER_FULL] = "full",
    [JITTER_EQUAL] = "equal",
    [JITTER_DECORRELATED] = "decorrelated",
};

const char *jitter_name(enum jitter j)
{
	if ((unsigned)j >= ARRAY_LEN(jitter_names))
		return "unknown";
	return jitter_names[j];
}

int jitter_from_name(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(jitter_names); i++)
		if (!strcmp(s, jitter_names[i]))
			return (int)i;
	return -1;
}

bool retry_allowed(const struct retry_policy *p, enum retry_class c)
{
	if (!p)
		return false;
	switch (c) {
	case RETRY_CLASS_TIMEOUT:
		return p->retry_on & RETRY_ON_TIMEOUT;
	case RETRY_CLASS_5XX:
		return p->retry_on & RETRY_ON_5XX;
	case RETRY_CLASS_CONNECT:
		return p->retry_on & RETRY_ON_CONNECT_ERROR;
	case RETRY_CLASS_NONE:
		break;
	}
	return false;
}

/* min(cap, base * 2^n) without overflow: past 2^1023 ldexp would give inf,
 * and any n that large is at the cap already for any base the scenario
 * parser accepts. */
static double exp_backoff_ms(const struct retry_policy *p, int n)
{
	if (n < 0)
		n = 0;
	if (n > 1023)
		return p->cap_ms;
	double t = ldexp(p->base_ms, n);
	return t < p->cap_ms ? t : p->cap_ms;
}

double retry_backoff_ms(const struct retry_policy *p, int n, double *prev_ms, struct rng *r)
{
	double t = exp_backoff_ms(p, n);
	double sleep_ms;

	switch (p->jitter) {
	case JITTER_FULL:
		sleep_ms = rng_uniform(r, 0, t);
		break;
	case JITTER_EQUAL:
		sleep_ms = t / 2 + rng_uniform(r, 0, t / 2);
		break;
	case JITTER_DECORRELATED: {
		double prev = prev_ms && *prev_ms > 0 ? *prev_ms : p->base_ms;
		sleep_ms = rng_uniform(r, p->base_ms, prev * 3);
		if (sleep_ms > p->cap_ms)
			sleep_ms = p->cap_ms;
		break;
	}
	case JITTER_NONE:
	default:
		sleep_ms = t;
		break;
	}
	if (prev_ms)
		*prev_ms = sleep_ms;
	return sleep_ms;
}
