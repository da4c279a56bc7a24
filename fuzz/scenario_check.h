/* scenario_check: what must hold of every scenario that scenario_load
 * accepted, whatever the file or the --set values said: each rule of
 * scenario.h and scenarios/README.md, and the resolved JSON saved with a
 * run loads again to the same scenario (report reloads it from there). */
#ifndef CASCADE_FUZZ_SCENARIO_CHECK_H
#define CASCADE_FUZZ_SCENARIO_CHECK_H

#include <math.h>

#include "fuzz.h"
#include "scenario.h"
#include "util.h"

static inline int fuzz_ms_ok(double ms, int positive)
{
	return isfinite(ms) && ms >= 0 && (!positive || ms > 0);
}

static inline void fuzz_check_retry(const struct retry_policy *rp)
{
	FUZZ_CHECK(rp->retries >= 0 && rp->retries <= 10, "retries %d", rp->retries);
	FUZZ_CHECK(fuzz_ms_ok(rp->attempt_timeout_ms, 0), "attempt_timeout %g", rp->attempt_timeout_ms);
	FUZZ_CHECK(fuzz_ms_ok(rp->base_ms, 1) && rp->cap_ms >= rp->base_ms, "backoff %g..%g", rp->base_ms,
		   rp->cap_ms);
	FUZZ_CHECK(!(rp->retry_on & ~(unsigned)(RETRY_ON_TIMEOUT | RETRY_ON_5XX | RETRY_ON_CONNECT_ERROR)),
		   "retry_on %#x", rp->retry_on);
}

static inline void fuzz_check_scenario(const struct scenario *sc)
{
	struct fault_effect fx;

	FUZZ_CHECK(sc->name && sc->description && sc->resolved, "fields missing");
	FUZZ_CHECK(sc->time_scale > 0 && sc->time_scale <= 100, "time_scale %g", sc->time_scale);
	FUZZ_CHECK(sc->seed <= (1ULL << 53), "seed %llu", (unsigned long long)sc->seed);
	FUZZ_CHECK(sc->load.rate_rps > 0 && isfinite(sc->load.rate_rps), "rate %g", sc->load.rate_rps);
	FUZZ_CHECK(fuzz_ms_ok(sc->load.duration_ms, 1) && fuzz_ms_ok(sc->load.client_timeout_ms, 1) &&
		       fuzz_ms_ok(sc->load.drain_ms, 0),
		   "load durations");
	FUZZ_CHECK(sc->load.max_outstanding >= 0, "max_outstanding %d", sc->load.max_outstanding);
	fuzz_check_retry(&sc->load.client_retry);
	FUZZ_CHECK(sc->deadline.header[0] && fuzz_ms_ok(sc->deadline.margin_ms, 0), "deadline");
	for (const char *p = sc->deadline.header; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p < 0x7f && !(*p >= 'A' && *p <= 'Z'), "header \"%s\"",
			   sc->deadline.header);
	for (int t = 0; t < TIER_FORWARDERS; t++) {
		FUZZ_CHECK(fuzz_ms_ok(sc->tiers[t].timeout_ms, 0), "timeout %g", sc->tiers[t].timeout_ms);
		FUZZ_CHECK(sc->tiers[t].max_inflight >= 0, "max_inflight %d", sc->tiers[t].max_inflight);
		fuzz_check_retry(&sc->tiers[t].retry);
	}
	const struct dist *d = &sc->db.service_time;
	FUZZ_CHECK(sc->db.workers >= 1 && sc->db.queue_limit >= 0, "db limits");
	FUZZ_CHECK(fuzz_ms_ok(d->a_ms, 1), "service_time %g", d->a_ms);
	if (d->kind == DIST_UNIFORM || d->kind == DIST_LOGNORMAL)
		FUZZ_CHECK(d->b_ms >= d->a_ms, "service_time %g..%g", d->a_ms, d->b_ms);
	FUZZ_CHECK(fuzz_ms_ok(sc->db.statement_timeout_ms, 0) && fuzz_ms_ok(sc->db.check_interval_ms, 1),
		   "db durations");
	/* The network may be ideal: its durations may be 0. */
	const struct dist *hop = &sc->network.hop_latency;
	FUZZ_CHECK(fuzz_ms_ok(hop->a_ms, 0) && fuzz_ms_ok(hop->b_ms, 0), "hop_latency %g, %g", hop->a_ms,
		   hop->b_ms);
	if (hop->kind == DIST_UNIFORM || hop->kind == DIST_LOGNORMAL)
		FUZZ_CHECK(hop->b_ms >= hop->a_ms, "hop_latency %g..%g", hop->a_ms, hop->b_ms);
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		FUZZ_CHECK((unsigned)f->tier < TIER_COUNT, "faults[%zu].tier %d", i, (int)f->tier);
		/* An empty window would be a fault that silently never acts. */
		FUZZ_CHECK(fuzz_ms_ok(f->start_ms, 0) && f->end_ms > f->start_ms, "faults[%zu] %.17g..%.17g",
			   i, f->start_ms, f->end_ms);
		FUZZ_CHECK(f->kind != FAULT_ERRORS || (f->value > 0 && f->value <= 1),
			   "faults[%zu] fraction %g", i, f->value);
		FUZZ_CHECK(f->kind == FAULT_STALL || f->kind == FAULT_CAPACITY || f->value > 0,
			   "faults[%zu] value %g", i, f->value);
		scenario_faults_at(sc, f->tier, f->start_ms, &fx);
		FUZZ_CHECK(fx.slowdown > 0 && fx.error_frac >= 0 && fx.error_frac <= 1, "faults at %g",
			   f->start_ms);
	}
	for (int t = 0; t <= TIER_COUNT; t++)
		FUZZ_CHECK(fuzz_ms_ok(scenario_smallest_timeout_ms(sc, (enum tier_id)t), 0),
			   "smallest timeout");

	/* The resolved JSON, loaded as a file with no sets, gives itself back. */
	char err[ERR_LEN];
	struct scenario again;
	char *json = scenario_resolved_json(sc);
	FUZZ_CHECK(json, "no resolved JSON");
	int rc = scenario_load_text(&again, "resolved.json", json, strlen(json), NULL, 0, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "resolved JSON does not load: %s\n%s", err, json);
	char *json2 = scenario_resolved_json(&again);
	FUZZ_CHECK(!strcmp(json, json2), "resolved JSON changes on reload:\n%s\n---\n%s", json, json2);
	free(json2);
	free(json);
	scenario_free(&again);
}

#endif
