/* client_core: every decision of the open-loop client (loadgen), without
 * I/O.  Client requests leave at the times the schedule gives (schedule.h),
 * whatever is still outstanding, as wrk2 and Vegeta do; each attempt has
 * load.client_timeout; a failed attempt is retried after the client backoff
 * as load.client_retry_on allows; latency is measured from the *intended*
 * send time, so a slow chain cannot hide its backlog (no coordinated
 * omission).  Every attempt ends in exactly one requests.csv row.  With
 * load.adaptive_throttle the client rejects attempts itself (throttled, not
 * retried); with load.keys each request reads a key drawn from a Zipf law.  After the
 * last arrival the run ends as soon as nothing is outstanding, or when
 * load.drain has passed: what is still in flight then is cancelled.
 *
 * Boundary: the driver runs the core's timers and reports each attempt's
 * end; the core asks it to send and abort attempts and to write rows, and
 * says when the run is over (ops->done). */
#ifndef CASCADE_CLIENT_CORE_H
#define CASCADE_CLIENT_CORE_H

#include "core.h"
#include "scenario.h"
#include "timerq.h"

struct client_core;
struct client_req;

struct client_ops {
	/* Send r's current attempt (client_req_* give its headers).  The core
	 * times it (load.client_timeout): the driver needs no timer of its own. */
	void (*send)(void *ctx, struct client_req *r);
	/* Abandon r's attempt in flight: close its connection. */
	void (*abort)(void *ctx, struct client_req *r);
	void (*row)(void *ctx, const struct request_row *row);
	/* The run is over (everything drained, or load.drain passed and what was
	 * left is cancelled); called once, after the last row. */
	void (*done)(void *ctx);
};

struct client_core_config {
	const struct scenario *sc;
	struct timerq *tq;
	const struct client_ops *ops;
	void *ctx;
	size_t req_drv_size;
};

/* What the client did so far, for its progress line and /metrics. */
struct client_counters {
	uint64_t requests;    /* client requests begun */
	uint64_t requests_ok; /* of which ended in a 2xx */
	uint64_t sent;	      /* attempts sent, retries included */
	uint64_t retries;     /* attempts after the first */
	uint64_t retries_dropped; /* retries still waiting when the run ended */
	uint64_t ended[CLIENT_OUTCOME_COUNT];
	int64_t in_flight;	 /* attempts in flight */
	int64_t retries_pending; /* retries waiting for their time */
};

/* Arms the first arrival (scenario time 0, which may be after now_ms). */
struct client_core *client_core_new(const struct client_core_config *cfg, double now_ms);
void client_core_free(struct client_core *c);

void client_core_attempt_done(struct client_core *c, struct client_req *r, double now_ms,
			      const struct attempt_result *res);
/* End the run now (a signal, or the drain passed): attempts in flight are
 * cancelled (rows), waiting retries dropped (counted), ops->done called.
 * Later calls do nothing. */
void client_core_stop(struct client_core *c, double now_ms);
bool client_core_over(const struct client_core *c);

const struct client_counters *client_core_progress(const struct client_core *c);
const struct core_counters *client_core_counters(const struct client_core *c);

void *client_req_drv(struct client_req *r);
const char *client_req_trace_id(const struct client_req *r);
const char *client_req_span_id(const struct client_req *r); /* the current attempt's */
/* The key the request reads (load.keys), sent as /users/<key>; false: none. */
bool client_req_key(const struct client_req *r, uint32_t *key);

#endif
