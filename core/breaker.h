/* breaker: a circuit breaker in front of a tier's upstream (Hystrix, with
 * resilience4j's half-open probes).  It counts the tier's attempts in a
 * rolling window; a failure is an attempt that ended in a timeout, a 5xx or
 * a connection error.
 *   closed     attempts go; when at least min_requests attempts in the window
 *              failed at a ratio >= failure_ratio, it opens
 *   open       no attempt goes (the tier answers it at once: 503,
 *              breaker_open); after open_for it is half-open
 *   half-open  half_open_probes attempts go; once all have ended it closes
 *              when their failure ratio is below failure_ratio (the window
 *              starts over), else it opens again for open_for
 * Hystrix's defaults: failure_ratio 0.5, min_requests 20, window 10 s,
 * open_for 5 s; resilience4j's probes: 1 (Hystrix's single probe). */
#ifndef CASCADE_BREAKER_H
#define CASCADE_BREAKER_H

#include <stdbool.h>

#include "window.h"

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct breaker {
	double failure_ratio;
	double min_requests;
	double open_for_ms;
	int probes;
	enum breaker_state state;
	double since_ms;      /* when the current state began */
	double not_closed_ms; /* time spent open or half-open, up to since_ms */
	int probes_sent, probes_done, probes_failed;
	struct window w; /* series 0: attempts ended, 1: failures */
};

void breaker_init(struct breaker *b, double failure_ratio, double min_requests, double window_ms,
		  double open_for_ms, int probes);
/* May an attempt go now?  true: it goes, and *probe says whether it is one of
 * the half-open probes (its end must be reported with probe set). */
bool breaker_allow(struct breaker *b, double now_ms, bool *probe);
/* An attempt that went ended, failed or not.  An attempt aborted by its tier
 * (cancelled, or a hedge that lost) is not reported. */
void breaker_record(struct breaker *b, double now_ms, bool failed, bool probe);
/* A probe was abandoned without an answer: it no longer counts. */
void breaker_forget_probe(struct breaker *b);
/* Scenario ms spent open or half-open up to now_ms, since the start. */
double breaker_not_closed_ms(const struct breaker *b, double now_ms);
const char *breaker_state_name(enum breaker_state s);

#endif
