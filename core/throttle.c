/* throttle: gRPC's retry throttling and the SRE book's adaptive
 * throttling (see throttle.h). */
#include "throttle.h"

#include <math.h>

void retry_throttle_init(struct retry_throttle *t, double max_tokens, double token_ratio)
{
	t->max_tokens = (int64_t)llround(max_tokens * 1000);
	t->ratio = (int64_t)llround(token_ratio * 1000);
	t->tokens = t->max_tokens;
}

void retry_throttle_failure(struct retry_throttle *t)
{
	t->tokens = t->tokens > 1000 ? t->tokens - 1000 : 0;
}

void retry_throttle_success(struct retry_throttle *t)
{
	t->tokens = t->tokens + t->ratio < t->max_tokens ? t->tokens + t->ratio : t->max_tokens;
}

bool retry_throttle_allows(const struct retry_throttle *t)
{
	return 2 * t->tokens > t->max_tokens;
}

double retry_throttle_tokens(const struct retry_throttle *t)
{
	return (double)t->tokens / 1000.0;
}

void adaptive_throttle_init(struct adaptive_throttle *a, double k, double window_ms)
{
	a->k = k;
	window_init(&a->w, window_ms);
}

double adaptive_throttle_p(struct adaptive_throttle *a, double now_ms)
{
	double requests = window_sum(&a->w, now_ms, 0), accepts = window_sum(&a->w, now_ms, 1);
	return fmax(0.0, (requests - a->k * accepts) / (requests + 1.0));
}

void adaptive_throttle_request(struct adaptive_throttle *a, double now_ms)
{
	window_add(&a->w, now_ms, 0, 1);
}

void adaptive_throttle_accept(struct adaptive_throttle *a, double now_ms)
{
	window_add(&a->w, now_ms, 1, 1);
}
