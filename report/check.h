/* check: `report check DIR`, the invariants that say a run lost nothing.
 * Every CSV in the folder is whole; each client attempt is in requests.csv
 * once; every span's parent exists; every attempt a process sent was either
 * received by the next tier or recorded as cut (conn_error, cancelled) or
 * cut by that tier's stop (it ended after the stop began, or it got no
 * answer and was sent after everything the tier took in).  The invariants
 * are listed in report/README.md.
 *
 * Rows come from requests.csv, spans.csv and stats.csv, or, where those are
 * missing, from the processes' own files (DIR/<tier>.csv, DIR/tiers/...), so
 * a folder written by the tiers alone can be checked too; an invariant whose
 * rows are missing is skipped, saying why. */
#ifndef REPORT_CHECK_H
#define REPORT_CHECK_H

#include <stddef.h>

#include "util.h"

struct check_result {
	unsigned ok, failed, skipped; /* invariants, by verdict */
};

/* Check the run folder dir.  One line per invariant is appended to out:
 *   "ok: INVARIANT (figures)"
 *   "FAIL: INVARIANT: FILE:LINE: span ID: what is wrong (N rows)"
 *   "skip: INVARIANT (why)"
 * (FAIL names the first offending row in file order; "span ID: " only when
 * the row has one.)  Returns 0 when every invariant checked holds, 1 when
 * one fails, -1 with err filled when the folder cannot be checked at all:
 * not a folder, no run records in it, or a file that exists but cannot be
 * opened.  A file cut short is a failed invariant, not an error. */
int check_run(const char *dir, struct sbuf *out, struct check_result *res, char *err, size_t errlen);

#endif
