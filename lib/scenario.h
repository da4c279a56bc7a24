/* scenario: one JSON file describes a whole run; this module loads it on top
 * of the built-in defaults (the incident's), applies --set overrides, checks
 * every key, and hands out plain structs.  All durations in the structs are
 * scenario milliseconds; rates are per scenario second.  Every key, with
 * its type, bounds, default and the field it fills, is described once, in
 * the table of lib/schema.c; scenarios/README.md shows it.
 *
 * Errors name the place and the key:
 *   "scenarios/x.json:12:5: tiers.svc_a.retries: expected an integer >= 0"
 *   "scenarios/x.json:7:3: tiers.svc_a.retires: unknown key (did you mean 'retries'?)"
 *   "--set tiers.svc_b.timeout=5: tiers.svc_b.timeout: expected a duration string like \"250ms\""
 * Positions point at the key of the offending member (1-based line and
 * column); syntax errors point where parsing stopped. */
#ifndef CASCADE_SCENARIO_H
#define CASCADE_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonpos.h"
#include "overlay.h"
#include "retry.h"

enum tier_id { TIER_GATEWAY, TIER_SVC_A, TIER_SVC_B, TIER_DBSIM, TIER_COUNT };
#define TIER_FORWARDERS 3 /* gateway, svc_a, svc_b */
const char *tier_name(enum tier_id t); /* "gateway", "svc_a", "svc_b", "dbsim"; TIER_COUNT: "client" */
int tier_from_name(const char *s);     /* one of the four tiers; -1 when unknown */

/* The remedies a forwarding tier may use, each off unless enabled; the
 * algorithms and their references: core/README.md and scenarios/README.md. */
struct retry_budget_cfg {      /* by rate: Finagle's RetryBudget */
	bool enabled;
	double percent;        /* of requests, over ttl */
	double min_per_s;      /* retries a second allowed whatever the requests */
	double ttl_ms;
};
struct retry_concurrency_cfg { /* Envoy's retry_budget */
	bool enabled;
	double percent;        /* of the requests in flight */
	int min_retries;       /* min_retry_concurrency */
};
struct retry_throttle_cfg {    /* gRPC's retryThrottling */
	bool enabled;
	double max_tokens;
	double token_ratio;
};
struct breaker_cfg {           /* Hystrix, with resilience4j's probes */
	bool enabled;
	double failure_ratio;
	int min_requests;
	double window_ms;
	double open_for_ms;
	int half_open_probes;
};
struct hedge_cfg {             /* gRPC's hedgingPolicy */
	bool enabled;
	double delay_ms;       /* a new copy this long after the last, while none has finished */
	int max_attempts;      /* copies in all, the first included */
	unsigned non_fatal;    /* enum retry_on bits: failures that send the next copy at once */
};
struct cache_cfg {             /* in front of the tier's upstream */
	bool enabled;
	int capacity;          /* keys */
	double ttl_ms;         /* 0 = none: a key stays fresh until evicted */
	double hit_latency_ms; /* what answering from the cache takes */
};

/* A forwarding tier (tiers.gateway / tiers.svc_a / tiers.svc_b). */
struct tier_cfg {
	double timeout_ms;       /* "timeout": own budget per inbound request from arrival; 0 = none */
	bool propagate_deadline; /* honour the received deadline header and send one */
	bool propagate_cancel;   /* abort downstream work when the caller is gone or the deadline passed */
	int max_inflight;        /* 0 = unlimited; above it: 503 shed */
	struct retry_policy retry; /* "retries", "attempt_timeout", "retry_on", "backoff" */
	struct retry_budget_cfg retry_budget;
	struct retry_concurrency_cfg retry_concurrency;
	struct retry_throttle_cfg retry_throttle;
	struct breaker_cfg circuit_breaker;
	struct hedge_cfg hedge;
	struct cache_cfg cache;
};

enum dist_kind { DIST_FIXED, DIST_UNIFORM, DIST_EXPONENTIAL, DIST_LOGNORMAL };
struct dist {
	enum dist_kind kind;
	double a_ms; /* fixed: value; uniform: min; exponential: mean; lognormal: median */
	double b_ms; /* uniform: max; lognormal: p99; else 0 */
};

/* How dbsim picks the next query (tiers.dbsim.queue). */
enum queue_discipline {
	QUEUE_FIFO,          /* oldest first */
	QUEUE_LIFO,          /* newest first, always */
	QUEUE_ADAPTIVE_LIFO, /* newest first while the queue has not been empty for codel_interval */
	QUEUE_CODEL,         /* FIFO; while so overloaded, a new query waits at most codel_target */
};

struct db_cfg {
	int workers;                 /* concurrent queries, >= 1 */
	int queue_limit;             /* waiting queries beyond the workers; beyond it 503 */
	struct dist service_time;
	double statement_timeout_ms; /* a query running this long is aborted (500); 0 = none */
	bool honor_deadline;         /* drop queued / abandon running queries past their deadline */
	bool honor_cancel;           /* a caller that disconnects frees its slot */
	double check_interval_ms;    /* how often a running query checks its deadline */
	enum queue_discipline queue;
	double codel_target_ms;      /* 0: derived from service_time (db_codel_target_ms) */
	double codel_interval_ms;    /* 0: derived from service_time (db_codel_interval_ms) */
	double admission_estimate_ms; /* drop at arrival a query with less budget than this; 0 = off */
};

/* The network between the tiers, as the virtual engine simulates it (the
 * real chain has the real network). */
struct network_cfg {
	struct dist hop_latency; /* one-way delay of each message between two tiers; may be 0 */
};

enum arrival_kind { ARRIVAL_CONSTANT, ARRIVAL_POISSON };
/* A change of the load's rate (load.phases): from start on, rate, reached
 * linearly over ramp from the rate before it. */
struct load_phase {
	double start_ms;
	double rate_rps;
	double ramp_ms; /* 0: a step */
};
struct adaptive_throttle_cfg {  /* the SRE book's client-side throttling */
	bool enabled;
	double k;
	double window_ms;
};
/* Which key each client request reads (load.keys): count keys, Zipf. */
struct keys_cfg {
	int count;   /* 0: no keys (every request is "/") */
	double zipf; /* exponent s: key k (1-based) has weight 1 / k^s */
};
struct load_cfg {
	enum arrival_kind arrival;
	double rate_rps;           /* client requests per scenario second, > 0 */
	double duration_ms;        /* how long requests are sent */
	double client_timeout_ms;  /* per client attempt, > 0 */
	struct retry_policy client_retry; /* "client_retries", "client_backoff", "client_retry_on";
					   * attempt_timeout_ms = client_timeout_ms */
	int max_outstanding;       /* cap on attempts in flight; 0 = unlimited */
	double drain_ms;           /* after the last send, how long to wait for answers */
	struct load_phase *phases; /* in order of start */
	size_t nphases;
	struct adaptive_throttle_cfg adaptive_throttle;
	struct keys_cfg keys;
};

struct deadline_cfg {
	char header[64];  /* header name, default "grpc-timeout" */
	double margin_ms; /* subtracted from the budget sent downstream */
};

enum fault_kind { FAULT_SLOWDOWN, FAULT_LATENCY, FAULT_ERRORS, FAULT_STALL, FAULT_CAPACITY, FAULT_CACHE_FLUSH };
const char *fault_kind_name(enum fault_kind k);
struct fault {
	enum fault_kind kind;
	enum tier_id tier;
	double start_ms, end_ms; /* active while start_ms <= now < end_ms */
	double value;            /* slowdown: factor; latency: ms; errors: fraction 0..1; capacity: workers (dbsim) or max_inflight (tiers); stall: 0 */
};

struct scenario {
	char *name;
	char *description;
	uint64_t seed;
	double time_scale; /* real = scenario * time_scale; > 0 */
	struct load_cfg load;
	struct deadline_cfg deadline;
	struct tier_cfg tiers[TIER_FORWARDERS];
	struct db_cfg db;
	struct network_cfg network;
	struct fault *faults;
	size_t nfaults;
	void *resolved; /* cJSON *: defaults + file + overrides, as saved with a run */
};

/* Load: defaults, then the file (path NULL: defaults only), then each
 * "key.path=value" of sets in order (value: JSON if it parses as JSON, else
 * a string).  0, or -1 with err filled (see above) and sc left empty.
 * sc must be freed with scenario_free either way.
 * The file and the sets are laid over the defaults the same way: an object
 * merges into the object it replaces, member by member; anything else
 * (arrays included) replaces.  A set path names array elements by number
 * ("faults.0.start"); the number one past the end appends.  Setting a
 * different dist on a distribution (tiers.dbsim.service_time,
 * network.hop_latency) drops the old dist's parameters.  The whole
 * result is checked at once; of several problems, the one earliest in the
 * file is reported, else the one from the first --set. */
int scenario_load(struct scenario *sc, const char *path, char *const *sets, size_t nsets, char *err,
		  size_t errlen);
/* The same with the file's text given: len bytes at text (NUL-terminated or
 * not), called name in messages (NULL: "(text)").  text NULL reads as an
 * empty file, which is an error; scenario_load(path NULL) is the way to
 * ask for the defaults alone. */
int scenario_load_text(struct scenario *sc, const char *name, const char *text, size_t len,
		       char *const *sets, size_t nsets, char *err, size_t errlen);
void scenario_free(struct scenario *sc);

/* Where the values of a loaded scenario came from, for a tool that points
 * at settings (lint): the file's key positions and the paths each --set
 * wrote (validate_origin reads them).  {0} is empty. */
struct scenario_origins {
	struct jsonpos pos;
	struct overlay_origins written;
};
/* scenario_load and scenario_load_text that also fill keep (when not
 * NULL) on success; keep must be freed with scenario_origins_free either
 * way. */
int scenario_load_origins(struct scenario *sc, const char *path, char *const *sets, size_t nsets,
			  struct scenario_origins *keep, char *err, size_t errlen);
int scenario_load_text_origins(struct scenario *sc, const char *name, const char *text, size_t len,
			       char *const *sets, size_t nsets, struct scenario_origins *keep, char *err,
			       size_t errlen);
void scenario_origins_free(struct scenario_origins *o);

/* The resolved scenario as pretty JSON (durations as strings, as written),
 * ending in a newline; caller frees.  NULL for a scenario not loaded. */
char *scenario_resolved_json(const struct scenario *sc);

/* What the faults active at now_ms do to tier t, combined: */
struct fault_effect {
	double slowdown;   /* product of active factors; 1 when none */
	double latency_ms; /* sum */
	double error_frac; /* max */
	bool stall;
	int capacity;      /* min of active capacity values; -1 when none */
};
void scenario_faults_at(const struct scenario *sc, enum tier_id t, double now_ms, struct fault_effect *out);
/* The smallest positive timeout in play for tier t (own timeout, attempt
 * timeout, statement timeout, client timeout): the yardstick for the
 * event-loop lag warning.  A forwarder: its timeout and attempt_timeout;
 * TIER_DBSIM: statement_timeout; TIER_COUNT (the client): client_timeout.
 * 0 when there is none. */
double scenario_smallest_timeout_ms(const struct scenario *sc, enum tier_id t);

#endif
