/* run: one run folder loaded into memory: the client's attempts
 * (requests.csv), every tier's spans (spans.csv), the per-second process
 * gauges (stats.csv) and the resolved scenario (scenario.json).  Metrics and
 * time series are computed from a struct run; nothing here computes.
 *
 * Ids (trace ids, span ids) are interned: rows hold small integers, and the
 * same string gets the same id in every table, so a span's parent_span_id
 * can be looked up among span ids and the client's attempt span ids alike.
 * Times are scenario ms since the run's start, as in the files. */
#ifndef REPORT_RUN_H
#define REPORT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "scenario.h"
#include "strpool.h"


/* Processes: index 0 is the client (loadgen), 1 + enum tier_id the tiers. */
#define RUN_PROC_CLIENT 0
#define RUN_PROCS (TIER_COUNT + 1)
#define RUN_PROC_OF_TIER(t) (1 + (int)(t))
const char *run_proc_name(int proc); /* "client", "gateway", "svc_a", "svc_b", "dbsim" */

struct run_attempt {
	uint32_t trace; /* interned in run.traces */
	uint32_t span;	/* interned in run.ids; STRPOOL_NONE when empty */
	int attempt;	/* 1 = first */
	double intended_ms;
	double start_ms;   /* NaN when empty (not sent) */
	double end_ms;	   /* NaN when empty */
	double latency_ms; /* NaN when empty */
	int status;	   /* 0 when empty */
	enum client_outcome outcome;
	size_t line; /* the line of its file the row starts on */
};

struct run_span {
	uint32_t trace;	 /* run.traces */
	uint32_t span;	 /* run.ids */
	uint32_t parent; /* run.ids; STRPOOL_NONE when empty */
	enum tier_id tier;
	bool server; /* kind "server"; else "client" */
	int attempt;
	double start_ms, end_ms;
	double budget_ms; /* < 0 when empty (no budget) */
	int status;
	enum outcome outcome;
	double queue_ms, work_ms, wasted_ms;
	uint32_t lineage; /* run.lineages; STRPOOL_NONE when empty */
	size_t line;	  /* the line of its file the row starts on */
};

struct run_stat {
	double t_ms;
	int proc; /* RUN_PROC_CLIENT or RUN_PROC_OF_TIER */
	/* NaN when empty */
	double inflight, queue_depth, busy_workers;
	double lag_p99_ms, lag_max_ms; /* real ms */
	double orphaned;
	/* cumulative: the remedies' decisions up to t_ms */
	double retries_denied, hedges, breaker_open_ms, cache_hits, cache_misses;
};

struct run {
	struct scenario sc;
	char engine[16]; /* "real" or "virtual", from run.log's "engine: " line; "" when unknown */
	bool own_sc; /* sc came from scenario.json and is freed with the run */
	struct strpool traces, ids;
	struct strpool lineages; /* spans' lineage column ("gateway#1>svc_a#2") */
	struct run_attempt *attempts;
	size_t nattempts;
	struct run_span *spans;
	size_t nspans;
	struct run_stat *stats;
	size_t nstats;
};

/* Load everything in dir: scenario.json, requests.csv, spans.csv, stats.csv,
 * and the engine named in run.log (a missing run.log, or one without it, is
 * no error: older folders have none).
 * r must be zeroed.  0, or -1 with err filled ("DIR/spans.csv:12: 14
 * fields, expected 15 (truncated line?)"); free with run_free either way. */
int run_load(struct run *r, const char *dir, char *err, size_t errlen);
/* Only the three CSVs; r->sc is left as the caller set it (tests build a
 * scenario in memory and leave own_sc false). */
int run_load_csvs(struct run *r, const char *dir, char *err, size_t errlen);
/* One file of each kind, its rows appended to those already loaded (so
 * several tier files make one table).  0, or -1 with err filled; rows read
 * before the error stay loaded, the last of them possibly half filled. */
int run_load_requests(struct run *r, const char *path, char *err, size_t errlen);
int run_load_spans(struct run *r, const char *path, char *err, size_t errlen);
int run_load_stats(struct run *r, const char *path, char *err, size_t errlen);
void run_free(struct run *r);

/* Append one row as an engine writes it (the virtual engine's summary-only
 * mode fills a run this way instead of writing CSVs).  Line numbers are 0;
 * spans keep no lineage (what reads a run filled so never needs it). */
void run_add_attempt(struct run *r, const struct request_row *row);
void run_add_span(struct run *r, const struct span_row *row);
void run_add_stat(struct run *r, const struct stats_row *row);

#endif
