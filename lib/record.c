/* record: the one span-row schema every tier writes, and the outcome names
 * that appear in its outcome column. */
#include "record.h"

#include <string.h>

#include "util.h"

/* These strings are the CSV vocabulary the report and scenarios/README.md
 * rely on: renaming one is a schema change. */
static const char *const outcome_names[OUT_COUNT] = {
    [OUT_OK] = "ok",
    [OUT_TIMEOUT] = "timeout",
    [OUT_DEADLINE_EXPIRED] = "deadline_expired",
    [OUT_UPSTREAM_ERROR] = "upstream_error",
    [OUT_CONN_ERROR] = "conn_error",
    [OUT_CANCELLED] = "cancelled",
    [OUT_CALLER_GONE] = "caller_gone",
    [OUT_SHED] = "shed",
    [OUT_BAD_REQUEST] = "bad_request",
    [OUT_STATEMENT_TIMEOUT] = "statement_timeout",
    [OUT_FAULT_ERROR] = "fault_error",
    [OUT_BREAKER_OPEN] = "breaker_open",
    [OUT_HEDGE_LOST] = "hedge_lost",
    [OUT_CACHE_HIT] = "cache_hit",
};

const char *outcome_name(enum outcome o)
{
	if ((unsigned)o >= OUT_COUNT)
		return "unknown";
	return outcome_names[o];
}

int outcome_from_name(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < OUT_COUNT; i++)
		if (!strcmp(s, outcome_names[i]))
			return i;
	return -1;
}

void record_span(struct csvw *w, const struct span_row *row)
{
	/* Field order is SPAN_CSV_HEADER's. */
	csvw_str(w, row->trace_id);
	csvw_str(w, row->span_id);
	csvw_str(w, row->parent_span_id);
	csvw_str(w, row->tier);
	csvw_str(w, row->kind);
	csvw_int(w, row->attempt);
	csvw_num(w, row->start_ms, 3);
	csvw_num(w, row->end_ms, 3);
	if (row->budget_ms < 0)
		csvw_empty(w);
	else
		csvw_num(w, row->budget_ms, 3);
	csvw_int(w, row->status);
	csvw_str(w, outcome_name(row->outcome));
	csvw_num(w, row->queue_ms, 3);
	csvw_num(w, row->work_ms, 3);
	csvw_num(w, row->wasted_ms, 3);
	csvw_str(w, row->lineage);
	csvw_end(w);
}

static const char *const client_outcome_names[CLIENT_OUTCOME_COUNT] = {
    [CLIENT_OK] = "ok",
    [CLIENT_HTTP_ERROR] = "http_error",
    [CLIENT_TIMEOUT] = "timeout",
    [CLIENT_CONN_ERROR] = "conn_error",
    [CLIENT_CANCELLED] = "cancelled",
    [CLIENT_NOT_SENT] = "not_sent",
    [CLIENT_THROTTLED] = "throttled",
};

const char *client_outcome_name(enum client_outcome o)
{
	return (unsigned)o < CLIENT_OUTCOME_COUNT ? client_outcome_names[o] : "unknown";
}

int client_outcome_from_name(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < CLIENT_OUTCOME_COUNT; i++)
		if (!strcmp(s, client_outcome_names[i]))
			return i;
	return -1;
}

enum outcome client_outcome_as_span(enum client_outcome o)
{
	static const enum outcome as_span[CLIENT_OUTCOME_COUNT] = {
	    [CLIENT_OK] = OUT_OK,
	    [CLIENT_HTTP_ERROR] = OUT_UPSTREAM_ERROR,
	    [CLIENT_TIMEOUT] = OUT_TIMEOUT,
	    [CLIENT_CONN_ERROR] = OUT_CONN_ERROR,
	    [CLIENT_CANCELLED] = OUT_CANCELLED,
	    [CLIENT_NOT_SENT] = OUT_SHED,
	    [CLIENT_THROTTLED] = OUT_SHED,
	};
	return (unsigned)o < CLIENT_OUTCOME_COUNT ? as_span[o] : OUT_CONN_ERROR;
}

void record_request(struct csvw *w, const struct request_row *row)
{
	csvw_str(w, row->trace_id);
	csvw_int(w, row->attempt);
	csvw_num(w, row->intended_ms, 3);
	if (row->sent) {
		csvw_num(w, row->start_ms, 3);
		csvw_num(w, row->end_ms, 3);
		csvw_num(w, row->end_ms - row->intended_ms, 3);
	} else {
		csvw_empty(w);
		csvw_empty(w);
		csvw_empty(w);
	}
	if (row->status > 0)
		csvw_int(w, row->status);
	else
		csvw_empty(w);
	csvw_str(w, client_outcome_name(row->outcome));
	csvw_str(w, row->sent ? row->span_id : NULL);
	csvw_end(w);
}

void record_stats(struct csvw *w, const struct stats_row *row)
{
	csvw_num(w, row->t_ms, 3);
	csvw_str(w, row->tier);
	csvw_int(w, row->inflight);
	csvw_int(w, row->queue_depth);
	csvw_int(w, row->busy_workers);
	csvw_num(w, row->lag_p99_ms, 3);
	csvw_num(w, row->lag_max_ms, 3);
	csvw_int(w, row->orphaned);
	csvw_int(w, row->retries_denied);
	csvw_int(w, row->hedges);
	csvw_num(w, row->breaker_open_ms, 3);
	csvw_int(w, row->cache_hits);
	csvw_int(w, row->cache_misses);
	csvw_end(w);
}
