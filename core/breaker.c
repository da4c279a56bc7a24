/* breaker: the circuit breaker's three states (see breaker.h). */
#include "breaker.h"

void breaker_init(struct breaker *b, double failure_ratio, double min_requests, double window_ms,
		  double open_for_ms, int probes)
{
	*b = (struct breaker){.failure_ratio = failure_ratio,
			      .min_requests = min_requests,
			      .open_for_ms = open_for_ms,
			      .probes = probes > 0 ? probes : 1,
			      .state = BREAKER_CLOSED};
	window_init(&b->w, window_ms);
}

const char *breaker_state_name(enum breaker_state s)
{
	static const char *const names[] = {"closed", "open", "half_open"};
	return (unsigned)s < 3 ? names[s] : "unknown";
}

static void enter(struct breaker *b, enum breaker_state s, double now_ms)
{
	if (b->state != BREAKER_CLOSED)
		b->not_closed_ms += now_ms - b->since_ms;
	b->state = s;
	b->since_ms = now_ms;
	b->probes_sent = b->probes_done = b->probes_failed = 0;
	if (s == BREAKER_CLOSED)
		window_clear(&b->w);
}

double breaker_not_closed_ms(const struct breaker *b, double now_ms)
{
	return b->not_closed_ms + (b->state != BREAKER_CLOSED ? now_ms - b->since_ms : 0);
}

bool breaker_allow(struct breaker *b, double now_ms, bool *probe)
{
	*probe = false;
	if (b->state == BREAKER_OPEN && now_ms - b->since_ms >= b->open_for_ms)
		enter(b, BREAKER_HALF_OPEN, now_ms);
	switch (b->state) {
	case BREAKER_CLOSED: return true;
	case BREAKER_OPEN: return false;
	case BREAKER_HALF_OPEN:
		if (b->probes_sent >= b->probes)
			return false;
		b->probes_sent++;
		*probe = true;
		return true;
	}
	return false;
}

static void judge_probes(struct breaker *b, double now_ms)
{
	if (b->probes_done < b->probes)
		return;
	if ((double)b->probes_failed / (double)b->probes_done < b->failure_ratio)
		enter(b, BREAKER_CLOSED, now_ms);
	else
		enter(b, BREAKER_OPEN, now_ms);
}

void breaker_record(struct breaker *b, double now_ms, bool failed, bool probe)
{
	if (probe) {
		if (b->state != BREAKER_HALF_OPEN)
			return;
		b->probes_done++;
		b->probes_failed += failed;
		judge_probes(b, now_ms);
		return;
	}
	if (b->state != BREAKER_CLOSED)
		return; /* an attempt sent before it opened: the verdict is in */
	window_add(&b->w, now_ms, 0, 1);
	if (failed)
		window_add(&b->w, now_ms, 1, 1);
	double n = window_sum(&b->w, now_ms, 0), f = window_sum(&b->w, now_ms, 1);
	if (n >= b->min_requests && f / n >= b->failure_ratio)
		enter(b, BREAKER_OPEN, now_ms);
}

void breaker_forget_probe(struct breaker *b)
{
	if (b->state == BREAKER_HALF_OPEN && b->probes_sent > b->probes_done)
		b->probes_sent--;
}
