/* compare: several runs' summary.csv side by side, one column per run, so a
 * change of one knob (deadline propagation, retries at one layer) shows as
 * numbers moving in a row.  Values are kept as the text summary.csv holds,
 * so compare never reformats or rounds a second time. */
#ifndef REPORT_COMPARE_H
#define REPORT_COMPARE_H

#include <stddef.h>

#include "util.h"

struct compare {
	size_t nruns;
	char **labels;	 /* column headings, unique, owned */
	size_t nmetrics; /* rows: metrics in order of first appearance */
	char **metrics, **units;
	char **values; /* [metric * cap_runs + run], NULL = metric absent in that run */
	size_t cap_runs, cap_metrics;
};
#define COMPARE_INIT                                                                                         \
	{                                                                                                    \
		0                                                                                            \
	}

/* The heading for a run folder: the "name" of its scenario.json, else (no
 * scenario.json) the folder's base name.  Caller frees; NULL with err when
 * scenario.json exists but does not load. */
char *compare_label(const char *dir, char *err, size_t errlen);

/* Add one run: its heading (made unique with " (2)", " (3)"... when taken)
 * and its summary.csv.  0 or -1 with err ("x/summary.csv:4: 2 fields,
 * expected 3 (truncated line?)"); on error c is unchanged. */
int compare_add(struct compare *c, const char *label, const char *summary_path, char *err, size_t errlen);

/* Write "metric,unit,<label>..." CSV to path.  0 or -1 with err. */
int compare_write(const struct compare *c, const char *path, char *err, size_t errlen);
/* The aligned table for a terminal (absent or empty values show as "-"). */
void compare_format(const struct compare *c, struct sbuf *out);
void compare_free(struct compare *c);

#endif
