/* records: where the virtual engine's rows go.  The same files in the same
 * places as a real run, so that report, report check, the plots, the trace
 * and report compare read a virtual run unchanged:
 *   full     run.log (the engine and the seed; the caller appends);
 *            requests.csv; tiers/<tier>.csv and tiers/<process>_stats.csv as
 *            each process writes them; then spans.csv and stats.csv merged
 *            from those (by start time, and by time, as run_scenario.sh
 *            merges), and summary.csv and timeseries.csv from the CSVs, as
 *            `report DIR` computes them;
 *   summary  only summary.csv and timeseries.csv, computed from the rows
 *            kept in memory (the same numbers as the CSVs would give);
 *   none     nothing: for timing the simulation alone. */
#ifndef VIRTUAL_RECORDS_H
#define VIRTUAL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "scenario.h"

enum records_mode { RECORDS_FULL, RECORDS_SUMMARY, RECORDS_NONE };
/* "full", "summary", "none"; -1 when unknown. */
int records_mode_from_name(const char *s);

struct records;

/* Create what mode needs under dir (which exists).  NULL with err filled
 * when a file cannot be created. */
struct records *records_open(const char *dir, enum records_mode mode, const struct scenario *sc, char *err,
			     size_t errlen);
/* proc: 0 the client (loadgen), 1 + enum tier_id a tier. */
void records_span(struct records *w, int proc, const struct span_row *row);
void records_request(struct records *w, const struct request_row *row);
void records_stats(struct records *w, int proc, const struct stats_row *row);
/* Close the files, merge, write summary.csv and timeseries.csv (not with
 * RECORDS_NONE); with print, the summary table goes to stdout.  Frees w.
 * 0, or -1 with err filled. */
int records_close(struct records *w, bool print, char *err, size_t errlen);
/* Rows written so far (spans + requests). */
size_t records_rows(const struct records *w);

#endif
