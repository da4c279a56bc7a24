/* schema: the table of every scenario key, and the few functions that walk
 * it.  Everything else about keys (defaults, checks, messages, docs) is
 * derived from here; see schema.h. */
#include "schema.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "validate.h"
#include "util.h"

static const char *const tier_names[TIER_COUNT] = {"gateway", "svc_a", "svc_b", "dbsim"};
static const char *const arrival_names[] = {"constant", "poisson"};
/* Bit i of a retry_on field is names[i]: RETRY_ON_TIMEOUT is 1 << 0, ... */
static const char *const retry_on_names[] = {"timeout", "5xx", "connect_error"};
static const char *const fault_kind_names[] = {"slowdown", "latency", "errors", "stall", "capacity",
					       "cache_flush"};
static const char *const fault_kind_docs[] = {
    "dbsim only: service times are multiplied by `factor`. For a forwarding tier use `latency`.",
    "Added delay: before a tier forwards a request, or on top of dbsim's service time.",
    "That fraction of arriving requests is answered 500 at once.",
    "Requests arriving in the window are accepted and never answered; only the caller leaving ends them.",
    ("dbsim: the number of workers (0: queries only queue). A forwarding tier: its `max_inflight`, which "
     "must be >= 1 there (0 would mean unlimited)."),
    ("A forwarding tier with a `cache`: it is emptied at `start` (an instant: no `end` or `duration`). "
     "Everything then misses, and the cache refills only as fast as its upstream answers."),
};
static const char *const queue_names[] = {"fifo", "lifo", "adaptive_lifo", "codel"};
static const char *const queue_docs[] = {
    "Oldest first.",
    "Newest first, always.",
    "Newest first while the queue has not been empty for `codel_interval` (\"Fail at Scale\"), else oldest first.",
    ("Oldest first; while the queue has not been empty for `codel_interval`, a new query may wait at most "
     "`codel_target`, else `codel_interval`, before it is shed (503): Facebook's CoDel variant."),
};
static const char *const forwarder_timeouts[TIER_FORWARDERS] = {"30s", "25s", "20s"};

const struct schema_dist schema_dists[] = {
    [DIST_FIXED] = {"fixed", {"value", NULL}, "Always `value`."},
    [DIST_UNIFORM] = {"uniform", {"min", "max"}, "Uniform in [min, max)."},
    [DIST_EXPONENTIAL] = {"exponential", {"mean", NULL}, "Exponential with that mean."},
    [DIST_LOGNORMAL] = {"lognormal", {"median", "p99"}, "Lognormal with that median and 99th percentile."},
};
const size_t schema_ndists = ARRAY_LEN(schema_dists);

#define FIELD(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define NAMES(array) .names = (array), .nnames = ARRAY_LEN(array)
#define ANY_COUNT .min = 0, .max = INT_MAX

/* clang-format off */
/* The backoff between retries: the client's and each tier's. */
#define BACKOFF_KEYS(at, base_default, cap_default)                                                          \
	{at ".base", SCHEMA_DURATION, .def = base_default, FIELD(struct retry_policy, base_ms),               \
	 .doc = "Sleep before the first retry, before jitter."},                                               \
	{at ".cap", SCHEMA_DURATION, .def = cap_default, .not_below = "base", FIELD(struct retry_policy, cap_ms), \
	 .doc = "Upper bound on any sleep."},                                                                  \
	{at ".jitter", SCHEMA_ENUM, NAMES(jitter_names), .def = "full", FIELD(struct retry_policy, jitter),   \
	 .doc = "`none`: sleep t; `full`: random in [0, t); `equal`: t/2 + random in [0, t/2); "               \
		"`decorrelated`: random in [base, 3 × previous sleep), capped."}

static const struct schema_key keys[] = {
	{"name", SCHEMA_STRING, .def = "default", FIELD(struct scenario, name),
	 .doc = "Short name of the run, used in reports."},
	{"description", SCHEMA_STRING, .def = "", FIELD(struct scenario, description),
	 .doc = "One or two sentences on what the scenario shows."},
	{"seed", SCHEMA_INTEGER, .min = 0, .max = 9007199254740992.0, .def = "1", FIELD(struct scenario, seed),
	 .doc = "Seeds every random draw (arrivals, jitter, service times, injected errors); the same seed "
		"gives the same run."},
	{"time_scale", SCHEMA_NUMBER, .min = 0, .max = 100, .def = "1", FIELD(struct scenario, time_scale),
	 .doc = "Real time = scenario time × `time_scale`: `0.1` runs ten times faster than the durations "
		"say."},

	{"load", SCHEMA_OBJECT, FIELD(struct scenario, load), .doc = "The client (loadgen)."},
	{"load.arrival", SCHEMA_ENUM, NAMES(arrival_names), .def = "poisson", FIELD(struct load_cfg, arrival),
	 .doc = "Random (exponential gaps) or evenly spaced client requests."},
	{"load.rate", SCHEMA_NUMBER, .min = 0, .max = HUGE_VAL, .def = "10", FIELD(struct load_cfg, rate_rps),
	 .unit = "requests per scenario second",
	 .doc = "Mean rate of new client requests (retries come on top)."},
	{"load.duration", SCHEMA_DURATION, .def = "60s", FIELD(struct load_cfg, duration_ms),
	 .doc = "How long new requests are sent."},
	{"load.client_timeout", SCHEMA_DURATION, .def = "30s", FIELD(struct load_cfg, client_timeout_ms),
	 .doc = "The client's timeout for each attempt."},
	{"load.client_retries", SCHEMA_INTEGER, .min = 0, .max = 10, .def = "1",
	 FIELD(struct load_cfg, client_retry.retries), .doc = "Extra attempts after the first."},
	{"load.client_backoff", SCHEMA_OBJECT, FIELD(struct load_cfg, client_retry),
	 .doc = "Sleep between client attempts; see *backoff*."},
	BACKOFF_KEYS("load.client_backoff", "1s", "10s"),
	{"load.client_retry_on", SCHEMA_ENUM_LIST, NAMES(retry_on_names),
	 .def = "[\"timeout\", \"5xx\", \"connect_error\"]", FIELD(struct load_cfg, client_retry.retry_on),
	 .doc = "Which failures the client retries; `[]` retries nothing."},
	{"load.max_outstanding", SCHEMA_INTEGER, ANY_COUNT, .def = "0", FIELD(struct load_cfg, max_outstanding),
	 .doc = "Cap on client attempts in flight; `0` = unlimited."},
	{"load.drain", SCHEMA_DURATION, SCHEMA_ZERO_OK, .def = "60s", FIELD(struct load_cfg, drain_ms),
	 .doc = "After the last send, how long to wait for answers before stopping."},
	{"load.phases", SCHEMA_LIST, .def = "[]", FIELD(struct load_cfg, phases),
	 .count_offset = offsetof(struct load_cfg, nphases), .unit = "phase objects",
	 .doc = "Changes of rate over time, in order of `start`; `rate` applies before the first."},
	{"load.phases[*]", SCHEMA_OBJECT, .stride = sizeof(struct load_phase), .size = sizeof(struct load_phase),
	 .doc = "From `start` on the rate is `rate`, reached linearly over `ramp`."},
	{"load.phases[*].start", SCHEMA_DURATION, SCHEMA_REQUIRED | SCHEMA_ZERO_OK,
	 FIELD(struct load_phase, start_ms), .doc = "When the change begins; after the previous phase's."},
	{"load.phases[*].rate", SCHEMA_NUMBER, SCHEMA_REQUIRED | SCHEMA_MIN_INCLUSIVE, .min = 0, .max = HUGE_VAL,
	 FIELD(struct load_phase, rate_rps), .unit = "requests per scenario second", .doc = "The new rate."},
	{"load.phases[*].ramp", SCHEMA_DURATION, SCHEMA_ZERO_OK, FIELD(struct load_phase, ramp_ms),
	 .doc = "How long the change takes, linearly (absent or 0: a step); it ends before the next phase."},
	{"load.adaptive_throttle", SCHEMA_OBJECT, FIELD(struct load_cfg, adaptive_throttle),
	 .doc = "Client-side adaptive throttling (the SRE book): reject locally with probability "
		"max(0, (requests − k × accepts) / (requests + 1)) over the last `window`."},
	{"load.adaptive_throttle.enabled", SCHEMA_BOOL, .def = "false",
	 FIELD(struct adaptive_throttle_cfg, enabled), .doc = "Use it."},
	{"load.adaptive_throttle.k", SCHEMA_NUMBER, .min = 0, .max = HUGE_VAL, .def = "2",
	 FIELD(struct adaptive_throttle_cfg, k), .doc = "The multiplier on accepts (the book's K)."},
	{"load.adaptive_throttle.window", SCHEMA_DURATION, .def = "2m",
	 FIELD(struct adaptive_throttle_cfg, window_ms), .doc = "What requests and accepts are counted over."},
	{"load.keys", SCHEMA_OBJECT, FIELD(struct load_cfg, keys),
	 .doc = "The key each client request reads, sent as `/users/<id>`: what a `cache` looks up."},
	{"load.keys.count", SCHEMA_INTEGER, .min = 0, .max = 1000000, .def = "0", FIELD(struct keys_cfg, count),
	 .doc = "Distinct keys; `0`: none (every request is `/`)."},
	{"load.keys.zipf", SCHEMA_NUMBER, SCHEMA_MIN_INCLUSIVE, .min = 0, .max = 10, .def = "1",
	 FIELD(struct keys_cfg, zipf), .doc = "Zipf exponent: key k has weight 1 / k^zipf (0: uniform)."},

	{"deadline", SCHEMA_OBJECT, FIELD(struct scenario, deadline),
	 .doc = "How deadlines travel between tiers."},
	{"deadline.header", SCHEMA_HEADER, .def = "grpc-timeout", FIELD(struct deadline_cfg, header),
	 .doc = "Header that carries the remaining budget (gRPC timeout format, e.g. `250m`). "
		"Case-insensitive; stored lowercase."},
	{"deadline.margin", SCHEMA_DURATION, SCHEMA_ZERO_OK, .def = "5ms", FIELD(struct deadline_cfg, margin_ms),
	 .doc = "Subtracted from the remaining budget before it is sent downstream, for the time the hop "
		"itself takes."},

	{"network", SCHEMA_OBJECT, FIELD(struct scenario, network),
	 .doc = "The network between the tiers, as the virtual engine simulates it."},
	{"network.hop_latency", SCHEMA_DIST, SCHEMA_ZERO_OK,
	 .def = "{\"dist\": \"lognormal\", \"median\": \"37us\", \"p99\": \"46us\"}",
	 FIELD(struct network_cfg, hop_latency),
	 .doc = "One-way delay of each message between two tiers (request, reply, or a connection's close), "
		"scenario time; used by the virtual engine only (the real chain has the real network)."},

	{"tiers", SCHEMA_OBJECT, .doc = "`gateway`, `svc_a`, `svc_b` (forwarding tiers) and `dbsim`."},
	{"tiers.*", SCHEMA_OBJECT, .names = tier_names, .nnames = TIER_FORWARDERS,
	 .offset = offsetof(struct scenario, tiers), .size = sizeof(struct tier_cfg),
	 .stride = sizeof(struct tier_cfg), .doc = "A forwarding tier."},
	{"tiers.*.timeout", SCHEMA_OPT_DURATION, .def_each = forwarder_timeouts, FIELD(struct tier_cfg, timeout_ms),
	 .doc = "The tier's own budget for each inbound request, counted from its arrival; past it the tier "
		"answers 504. `\"none\"`: no budget of its own."},
	{"tiers.*.propagate_deadline", SCHEMA_BOOL, .def = "false", FIELD(struct tier_cfg, propagate_deadline),
	 .doc = "Honour a deadline header received from the caller (the earlier of it and `timeout` wins) and "
		"send the remaining budget, minus `deadline.margin`, downstream."},
	{"tiers.*.propagate_cancel", SCHEMA_BOOL, .def = "false", FIELD(struct tier_cfg, propagate_cancel),
	 .doc = "Abort downstream work when the caller has gone or the deadline has passed, instead of "
		"letting it run to completion for nobody."},
	{"tiers.*.max_inflight", SCHEMA_INTEGER, ANY_COUNT, .def = "0", FIELD(struct tier_cfg, max_inflight),
	 .doc = "Requests in flight above this are shed with 503; `0` = unlimited."},
	{"tiers.*.retries", SCHEMA_INTEGER, .min = 0, .max = 10, .def = "2", FIELD(struct tier_cfg, retry.retries),
	 .doc = "Extra downstream attempts after the first."},
	{"tiers.*.attempt_timeout", SCHEMA_OPT_DURATION, .def = "none",
	 FIELD(struct tier_cfg, retry.attempt_timeout_ms),
	 .doc = "Timeout of each downstream attempt. `\"none\"`: the tier's `timeout` (or, without one, the "
		"received budget), as an HTTP client with one timeout does; see *How a tier handles a "
		"request*."},
	{"tiers.*.retry_on", SCHEMA_ENUM_LIST, NAMES(retry_on_names),
	 .def = "[\"timeout\", \"5xx\", \"connect_error\"]", FIELD(struct tier_cfg, retry.retry_on),
	 .doc = "Which failed attempts are retried; `[]` retries nothing."},
	{"tiers.*.backoff", SCHEMA_OBJECT, FIELD(struct tier_cfg, retry),
	 .doc = "Sleep between attempts; see *backoff*."},
	BACKOFF_KEYS("tiers.*.backoff", "100ms", "1s"),
	{"tiers.*.retry_budget", SCHEMA_OBJECT, FIELD(struct tier_cfg, retry_budget),
	 .doc = "Retry budget by rate (Finagle's RetryBudget): over the last `ttl`, retries <= `percent` % of "
		"requests + `min_per_s` × `ttl`. A denied retry ends the request with its last failure."},
	{"tiers.*.retry_budget.enabled", SCHEMA_BOOL, .def = "false", FIELD(struct retry_budget_cfg, enabled),
	 .doc = "Use it."},
	{"tiers.*.retry_budget.percent", SCHEMA_NUMBER, SCHEMA_MIN_INCLUSIVE, .min = 0, .max = 100, .def = "20",
	 FIELD(struct retry_budget_cfg, percent), .unit = "% of requests",
	 .doc = "Retries allowed per request received, over `ttl`."},
	{"tiers.*.retry_budget.min_per_s", SCHEMA_NUMBER, SCHEMA_MIN_INCLUSIVE, .min = 0, .max = HUGE_VAL,
	 .def = "10", FIELD(struct retry_budget_cfg, min_per_s), .unit = "retries per scenario second",
	 .doc = "Retries allowed however few the requests."},
	{"tiers.*.retry_budget.ttl", SCHEMA_DURATION, .def = "10s", FIELD(struct retry_budget_cfg, ttl_ms),
	 .doc = "The window requests and retries are counted over."},
	{"tiers.*.retry_concurrency", SCHEMA_OBJECT, FIELD(struct tier_cfg, retry_concurrency),
	 .doc = "Retry budget by concurrency (Envoy's retry_budget): retries in flight <= max(`min_retries`, "
		"`percent` % of the requests in flight)."},
	{"tiers.*.retry_concurrency.enabled", SCHEMA_BOOL, .def = "false",
	 FIELD(struct retry_concurrency_cfg, enabled), .doc = "Use it."},
	{"tiers.*.retry_concurrency.percent", SCHEMA_NUMBER, SCHEMA_MIN_INCLUSIVE, .min = 0, .max = 100, .def = "20",
	 FIELD(struct retry_concurrency_cfg, percent), .unit = "% of requests in flight",
	 .doc = "Envoy's budget_percent."},
	{"tiers.*.retry_concurrency.min_retries", SCHEMA_INTEGER, ANY_COUNT, .def = "3",
	 FIELD(struct retry_concurrency_cfg, min_retries), .doc = "Envoy's min_retry_concurrency."},
	{"tiers.*.retry_throttle", SCHEMA_OBJECT, FIELD(struct tier_cfg, retry_throttle),
	 .doc = "Retry throttling (gRPC's retryThrottling): tokens start at `max_tokens`; a failed attempt the "
		"tier would retry costs 1, a success adds `token_ratio`; retries and hedges go only while tokens > "
		"`max_tokens` / 2."},
	{"tiers.*.retry_throttle.enabled", SCHEMA_BOOL, .def = "false", FIELD(struct retry_throttle_cfg, enabled),
	 .doc = "Use it."},
	{"tiers.*.retry_throttle.max_tokens", SCHEMA_NUMBER, .min = 0, .max = 1000, .def = "10",
	 FIELD(struct retry_throttle_cfg, max_tokens), .doc = "gRPC's maxTokens, (0, 1000]."},
	{"tiers.*.retry_throttle.token_ratio", SCHEMA_NUMBER, .min = 0, .max = 1000, .def = "0.1",
	 FIELD(struct retry_throttle_cfg, token_ratio), .doc = "gRPC's tokenRatio: what a success gives back."},
	{"tiers.*.circuit_breaker", SCHEMA_OBJECT, FIELD(struct tier_cfg, circuit_breaker),
	 .doc = "A circuit breaker in front of the upstream (Hystrix; resilience4j's half-open probes). While "
		"open, an attempt fails at once as 503 `breaker_open`, which `retry_on` takes for a 5xx."},
	{"tiers.*.circuit_breaker.enabled", SCHEMA_BOOL, .def = "false", FIELD(struct breaker_cfg, enabled),
	 .doc = "Use it."},
	{"tiers.*.circuit_breaker.failure_ratio", SCHEMA_NUMBER, SCHEMA_MIN_INCLUSIVE, .min = 0.001, .max = 1,
	 .def = "0.5", FIELD(struct breaker_cfg, failure_ratio),
	 .doc = "Open when at least this share of the window's attempts failed (timeout, 5xx, connection error)."},
	{"tiers.*.circuit_breaker.min_requests", SCHEMA_INTEGER, .min = 1, .max = INT_MAX, .def = "20",
	 FIELD(struct breaker_cfg, min_requests), .doc = "Attempts the window needs before it may open."},
	{"tiers.*.circuit_breaker.window", SCHEMA_DURATION, .def = "10s", FIELD(struct breaker_cfg, window_ms),
	 .doc = "The rolling window attempts are counted over (ten buckets)."},
	{"tiers.*.circuit_breaker.open_for", SCHEMA_DURATION, .def = "5s", FIELD(struct breaker_cfg, open_for_ms),
	 .doc = "How long it stays open before letting probes through."},
	{"tiers.*.circuit_breaker.half_open_probes", SCHEMA_INTEGER, .min = 1, .max = 1000, .def = "1",
	 FIELD(struct breaker_cfg, half_open_probes),
	 .doc = "Attempts let through half-open; it closes when their failure ratio is below `failure_ratio`."},
	{"tiers.*.hedge", SCHEMA_OBJECT, FIELD(struct tier_cfg, hedge),
	 .doc = "Hedging (gRPC's hedgingPolicy, \"The Tail at Scale\"): a new copy every `delay` while none has "
		"finished; the first success or fatal failure ends the request and the others are aborted. "
		"Excludes `retries` (set it to 0)."},
	{"tiers.*.hedge.enabled", SCHEMA_BOOL, .def = "false", FIELD(struct hedge_cfg, enabled), .doc = "Use it."},
	{"tiers.*.hedge.delay", SCHEMA_DURATION, SCHEMA_ZERO_OK, .def = "1s", FIELD(struct hedge_cfg, delay_ms),
	 .doc = "How long after a copy the next one goes, while none has finished (0: all at once)."},
	{"tiers.*.hedge.max_attempts", SCHEMA_INTEGER, .min = 2, .max = 5, .def = "2",
	 FIELD(struct hedge_cfg, max_attempts), .doc = "Copies in all, the first included (gRPC caps it at 5)."},
	{"tiers.*.hedge.non_fatal", SCHEMA_ENUM_LIST, NAMES(retry_on_names), .def = "[]",
	 FIELD(struct hedge_cfg, non_fatal),
	 .doc = "Failures that send the next copy at once instead of ending the request."},
	{"tiers.*.cache", SCHEMA_OBJECT, FIELD(struct tier_cfg, cache),
	 .doc = "A cache in front of the upstream (the incident's svc_b before its database): requests carry a "
		"key (`load.keys`); a hit is answered here, a miss goes upstream and fills it on success."},
	{"tiers.*.cache.enabled", SCHEMA_BOOL, .def = "false", FIELD(struct cache_cfg, enabled), .doc = "Use it."},
	{"tiers.*.cache.capacity", SCHEMA_INTEGER, .min = 1, .max = 10000000, .def = "1000",
	 FIELD(struct cache_cfg, capacity), .doc = "Keys it holds; the least recently used goes first."},
	{"tiers.*.cache.ttl", SCHEMA_OPT_DURATION, .def = "60s", FIELD(struct cache_cfg, ttl_ms),
	 .doc = "How long a key stays fresh after it is stored. `\"none\"`: until evicted."},
	{"tiers.*.cache.hit_latency", SCHEMA_DURATION, SCHEMA_ZERO_OK, .def = "1ms",
	 FIELD(struct cache_cfg, hit_latency_ms), .doc = "How long answering from the cache takes."},

	{"tiers.dbsim", SCHEMA_OBJECT, FIELD(struct scenario, db), .doc = "The database simulator."},
	{"tiers.dbsim.workers", SCHEMA_INTEGER, .min = 1, .max = INT_MAX, .def = "10", FIELD(struct db_cfg, workers),
	 .doc = "Queries that run at the same time."},
	{"tiers.dbsim.queue_limit", SCHEMA_INTEGER, ANY_COUNT, .def = "1000", FIELD(struct db_cfg, queue_limit),
	 .doc = "Queries waiting for a worker; one more is shed with 503."},
	{"tiers.dbsim.service_time", SCHEMA_DIST,
	 .def = "{\"dist\": \"lognormal\", \"median\": \"50ms\", \"p99\": \"250ms\"}",
	 FIELD(struct db_cfg, service_time), .doc = "How long a query runs; see below."},
	{"tiers.dbsim.statement_timeout", SCHEMA_OPT_DURATION, .def = "15s",
	 FIELD(struct db_cfg, statement_timeout_ms), .doc = "A query running this long is aborted with 500."},
	{"tiers.dbsim.honor_deadline", SCHEMA_BOOL, .def = "false", FIELD(struct db_cfg, honor_deadline),
	 .doc = "Drop queued queries and abandon running ones once their deadline has passed."},
	{"tiers.dbsim.honor_cancel", SCHEMA_BOOL, .def = "false", FIELD(struct db_cfg, honor_cancel),
	 .doc = "A caller that disconnects frees its queue slot or worker."},
	{"tiers.dbsim.check_interval", SCHEMA_DURATION, .def = "10ms", FIELD(struct db_cfg, check_interval_ms),
	 .doc = "How often a running query checks its deadline (with `honor_deadline`)."},
	{"tiers.dbsim.queue", SCHEMA_ENUM, NAMES(queue_names), .name_docs = queue_docs, .def = "fifo",
	 FIELD(struct db_cfg, queue), .doc = "Which waiting query a free worker takes; see below."},
	{"tiers.dbsim.codel_target", SCHEMA_OPT_DURATION, .def = "none", FIELD(struct db_cfg, codel_target_ms),
	 .doc = "`codel`: how long a new query may wait while the queue is overloaded. `\"none\"`: 5 × the "
		"service time's median (Facebook's 5 ms for millisecond services, scaled)."},
	{"tiers.dbsim.codel_interval", SCHEMA_OPT_DURATION, .def = "none", FIELD(struct db_cfg, codel_interval_ms),
	 .doc = "`codel`, `adaptive_lifo`: overloaded when the queue has not been empty for this long; also "
		"`codel`'s wait otherwise. `\"none\"`: 100 × the service time's median (Facebook's 100 ms, "
		"scaled)."},
	{"tiers.dbsim.admission_estimate", SCHEMA_OPT_DURATION, .def = "none",
	 FIELD(struct db_cfg, admission_estimate_ms),
	 .doc = "Deadline-aware admission: a query whose received budget is shorter than this estimate of its "
		"service time is dropped on arrival (504 `deadline_expired`). `\"none\"`: admit all."},

	{"faults", SCHEMA_LIST, .def = "[]", FIELD(struct scenario, faults),
	 .count_offset = offsetof(struct scenario, nfaults), .unit = "fault objects",
	 .doc = "Timed faults; see below."},
	{"faults[*]", SCHEMA_OBJECT, .stride = sizeof(struct fault), .size = sizeof(struct fault),
	 .check = validate_fault, .doc = "One fault: where, what, when."},
	{"faults[*].tier", SCHEMA_ENUM, SCHEMA_REQUIRED, NAMES(tier_names), FIELD(struct fault, tier),
	 .doc = "Where the fault acts."},
	{"faults[*].kind", SCHEMA_ENUM, SCHEMA_REQUIRED | SCHEMA_SELECTOR, NAMES(fault_kind_names),
	 .name_docs = fault_kind_docs, FIELD(struct fault, kind), .doc = "What it does; see below."},
	{"faults[*].start", SCHEMA_DURATION, SCHEMA_REQUIRED | SCHEMA_ZERO_OK, FIELD(struct fault, start_ms),
	 .doc = "Scenario time it starts (inclusive)."},
	{"faults[*].end", SCHEMA_DURATION, SCHEMA_ZERO_OK, .alt = "duration", .unit = "after `start`",
	 .doc = "Scenario time it stops (exclusive)."},
	{"faults[*].duration", SCHEMA_DURATION, .alt = "end",
	 .doc = "Length, from `start` (one too short to change `start` in a double, 2^53 times shorter, is "
		"an error)."},
	{"faults[*].factor", SCHEMA_NUMBER, .min = 0, .max = HUGE_VAL, .when = "slowdown",
	 .doc = "Service times are multiplied by this."},
	{"faults[*].latency", SCHEMA_DURATION, .when = "latency", .doc = "The delay added."},
	{"faults[*].fraction", SCHEMA_NUMBER, .min = 0, .max = 1, .when = "errors",
	 .doc = "The fraction of requests answered 500."},
	{"faults[*].capacity", SCHEMA_INTEGER, ANY_COUNT, .when = "capacity",
	 .doc = "The workers (dbsim) or max_inflight (a forwarding tier) while the fault lasts."},
};
/* clang-format on */

const char *tier_name(enum tier_id t)
{
	if (t == TIER_COUNT)
		return "client";
	if ((unsigned)t > TIER_COUNT)
		return "unknown";
	return tier_names[t];
}

int tier_from_name(const char *s)
{
	if (!s)
		return -1;
	for (int t = 0; t < TIER_COUNT; t++)
		if (!strcmp(s, tier_names[t]))
			return t;
	return -1;
}

const char *fault_kind_name(enum fault_kind k)
{
	if ((unsigned)k >= ARRAY_LEN(fault_kind_names))
		return "unknown";
	return fault_kind_names[k];
}

size_t schema_count(void)
{
	return ARRAY_LEN(keys);
}

const struct schema_key *schema_key(size_t i)
{
	return i < ARRAY_LEN(keys) ? &keys[i] : NULL;
}

const char *schema_name(const struct schema_key *k)
{
	const char *name = k->path;
	for (const char *p = k->path; *p; p++)
		if (*p == '.' || *p == '[')
			name = *p == '.' ? p + 1 : p;
	return name;
}

/* Length of the parent's path: "a.b" -> 1, "faults[*]" -> 6, "a" -> 0. */
static size_t parent_len(const char *path)
{
	const char *name = schema_name(&(struct schema_key){.path = path});
	size_t n = (size_t)(name - path);
	return n > 0 && path[n - 1] == '.' ? n - 1 : n;
}

/* The row whose path is the first len bytes of path. */
static const struct schema_key *find_exact(const char *path, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strlen(keys[i].path) == len && !strncmp(keys[i].path, path, len))
			return &keys[i];
	return NULL;
}

const struct schema_key *schema_parent(const struct schema_key *k)
{
	size_t n = parent_len(k->path);
	return n ? find_exact(k->path, n) : NULL;
}

static bool is_descendant(const struct schema_key *parent, const struct schema_key *k)
{
	if (!parent)
		return true;
	size_t n = strlen(parent->path);
	return !strncmp(k->path, parent->path, n) && (k->path[n] == '.' || k->path[n] == '[');
}

/* The table is depth-first, each row's members right after it: the next
 * member of parent after prev is the first row past prev's own members,
 * if that row is still below parent. */
const struct schema_key *schema_next_child(const struct schema_key *parent, const struct schema_key *prev)
{
	const struct schema_key *end = keys + ARRAY_LEN(keys), *k;

	if (!prev)
		k = parent ? parent + 1 : keys;
	else
		for (k = prev + 1; k < end && is_descendant(prev, k); k++)
			;
	return k < end && is_descendant(parent, k) ? k : NULL;
}

/* Whether the concrete path s is an instance of the table's path pat. */
static bool matches(const char *pat, const char *s)
{
	const char *pat0 = pat;

	while (*pat) {
		if (!strncmp(pat, "[*]", 3)) {
			if (!strncmp(s, "[*]", 3)) {
				s += 3;
			} else {
				if (*s++ != '[' || *s < '0' || *s > '9')
					return false;
				while (*s >= '0' && *s <= '9')
					s++;
				if (*s++ != ']')
					return false;
			}
			pat += 3;
			continue;
		}
		if (*pat == '*' && (pat == pat0 || pat[-1] == '.') && (pat[1] == '.' || !pat[1])) {
			const struct schema_key *w = find_exact(pat0, (size_t)(pat - pat0) + 1);
			size_t seg = strcspn(s, ".[");
			bool known = seg == 1 && *s == '*';
			for (size_t i = 0; w && !known && i < w->nnames; i++)
				known = strlen(w->names[i]) == seg && !strncmp(w->names[i], s, seg);
			if (!known)
				return false;
			s += seg;
			pat++;
			continue;
		}
		if (*pat++ != *s++)
			return false;
	}
	return !*s;
}

const struct schema_key *schema_find(const char *path)
{
	for (size_t i = 0; path && i < ARRAY_LEN(keys); i++)
		if (matches(keys[i].path, path))
			return &keys[i];
	return NULL;
}

static void add_defaults(cJSON *into, const struct schema_key *parent, size_t instance);

cJSON *schema_default(const struct schema_key *k, size_t instance)
{
	if (k->type == SCHEMA_OBJECT) {
		cJSON *obj = jsonpos_must(cJSON_CreateObject());
		add_defaults(obj, k, instance);
		return obj;
	}
	const char *text = k->def_each ? k->def_each[instance] : k->def;
	if (!text)
		return NULL;
	switch (k->type) {
	case SCHEMA_STRING:
	case SCHEMA_HEADER:
	case SCHEMA_DURATION:
	case SCHEMA_OPT_DURATION:
	case SCHEMA_ENUM:
		return jsonpos_must(cJSON_CreateString(text));
	default:
		break;
	}
	struct jsonpos_error perr;
	cJSON *v = jsonpos_parse(text, strlen(text), k->path, NULL, &perr);
	if (!v) {
		/* The table is ours: a bad default is a bug, and the unit tests load every one. */
		fprintf(stderr, "cascade: schema: %s: bad default %s: %s\n", k->path, text, perr.msg);
		abort();
	}
	return v;
}

/* Each member of parent with its default, in table order; a "*" row adds
 * one object per instance. */
static void add_defaults(cJSON *into, const struct schema_key *parent, size_t instance)
{
	for (const struct schema_key *k = schema_next_child(parent, NULL); k;
	     k = schema_next_child(parent, k)) {
		if (!strcmp(schema_name(k), "*")) {
			for (size_t i = 0; i < k->nnames; i++)
				jsonpos_must_ok(
				    cJSON_AddItemToObject(into, k->names[i], schema_default(k, i)));
			continue;
		}
		cJSON *v = schema_default(k, instance);
		if (v)
			jsonpos_must_ok(cJSON_AddItemToObject(into, schema_name(k), v));
	}
}

cJSON *schema_defaults(void)
{
	cJSON *doc = jsonpos_must(cJSON_CreateObject());
	add_defaults(doc, NULL, 0);
	return doc;
}
