/* engine: the deterministic virtual-time engine.  One process, one thread,
 * one event queue (core/timerq) in virtual time: the client, the three
 * tiers and dbsim are the very cores the real processes drive
 * (core/tier_core.h, db_core.h, client_core.h), wired through a modelled network instead of sockets.
 * A run's course is the real chain's (scripts/run_scenario.sh): the client
 * sends and retries until its drain ends; the engine then waits until every
 * tier is idle, at most load.drain more, and stops them all at once.
 *
 * The network: every message between neighbours (a request, its answer, a
 * connection's close) takes a one-way delay drawn from network.hop_latency,
 * and keeps its connection's order (a close never overtakes its request).
 * Nothing else is modelled: no CPU time per request, no accept backlog, no
 * connection set-up, no event-loop lag (README.md, "Two engines").
 *
 * Deterministic: the same scenario and seed give the same events in the same
 * order, hence byte-identical records, on any machine and compiler. */
#ifndef VIRTUAL_ENGINE_H
#define VIRTUAL_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"
#include "scenario.h"

struct engine_stats {
	uint64_t events;       /* timers fired (core timers and messages) */
	double sim_s;	       /* CPU-clock seconds simulating (records written included) */
	double end_ms;	       /* scenario time the run stopped at */
	size_t peak_conns;     /* most connections (attempts on the wire) alive at once */
};

/* Run sc to its end, writing rows to w (not closed here).  Never fails. */
void engine_run(const struct scenario *sc, struct records *w, struct engine_stats *st);

#endif
