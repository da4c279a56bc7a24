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
