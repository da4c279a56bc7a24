/* throttle: two throttles that act before an attempt is sent.
 *
 * Retry throttling (gRPC, gRFC A6 retryThrottling): a tier keeps tokens,
 * starting full at max_tokens; a failed attempt costs 1, a successful one
 * adds token_ratio (capped at max_tokens); retries and hedges go only while
 * tokens > max_tokens / 2.  Kept in thousandths of a token, as gRPC does, so
 * that 1.6 + 1.6 is exactly 3.2.
 *
 * Client-side adaptive throttling (the SRE book, "Handling Overload"): over
 * the last window the client counts requests (every attempt it wanted to
 * send, those it rejected included) and accepts (attempts answered with a
 * status other than 429 or 503; a timeout is no accept), and rejects an
 * attempt locally with probability max(0, (requests - k accepts) /
 * (requests + 1)). */
#ifndef CASCADE_THROTTLE_H
#define CASCADE_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "window.h"

struct retry_throttle {
	int64_t tokens, max_tokens, ratio; /* thousandths */
};

void retry_throttle_init(struct retry_throttle *t, double max_tokens, double token_ratio);
void retry_throttle_failure(struct retry_throttle *t);
void retry_throttle_success(struct retry_throttle *t);
bool retry_throttle_allows(const struct retry_throttle *t);
double retry_throttle_tokens(const struct retry_throttle *t);

struct adaptive_throttle {
	double k;
	struct window w; /* series 0: requests, 1: accepts */
};

void adaptive_throttle_init(struct adaptive_throttle *a, double k, double window_ms);
/* The probability of rejecting an attempt now (before counting it). */
double adaptive_throttle_p(struct adaptive_throttle *a, double now_ms);
/* The client wanted to send an attempt (sent or rejected). */
void adaptive_throttle_request(struct adaptive_throttle *a, double now_ms);
/* An attempt was answered with a status other than 429 or 503. */
void adaptive_throttle_accept(struct adaptive_throttle *a, double now_ms);

#endif
