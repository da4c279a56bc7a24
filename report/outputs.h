/* outputs: what `report DIR` writes into a run folder (summary.csv and
 * timeseries.csv), from a run however it was loaded: read from the folder's
 * CSVs, or filled in memory by the virtual engine. */
#ifndef REPORT_OUTPUTS_H
#define REPORT_OUTPUTS_H

#include <stddef.h>

#include "run.h"
#include "summary.h"

/* Compute the summary (into *sum) and the time series of run and write
 * DIR/summary.csv and DIR/timeseries.csv, each through a temporary file
 * renamed into place.  0, or -1 with err filled (nothing half-written). */
int report_write_outputs(const struct run *run, const char *dir, struct summary *sum, char *err, size_t errlen);

#endif
