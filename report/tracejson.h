/* tracejson: client requests as a Chrome Trace Event Format file
 * (trace.json) that Perfetto (ui.perfetto.dev) and chrome://tracing open:
 * one process per tier (client, gateway, svc_a, svc_b, dbsim, named with
 * "M" metadata events), one complete ("X") event per span or client attempt,
 * ts and dur in microseconds of scenario time since the run's start, and
 * args with trace_id, span_id, parent_span_id, kind, attempt, outcome,
 * status, budget_ms (null: none), lineage, queue_ms and work_ms.
 *
 * Within a process, each request gets its own threads, named after the
 * first 8 characters of its trace id ("7599d09a", then "7599d09a +1", ...;
 * the worst request's end in " worst"): on one thread events either nest
 * or follow each other, as the viewers require.  A tier's client attempts
 * nest in its server span; spans of one request that overlap without
 * nesting (a retry starting while the old attempt's work still runs) go on
 * the request's next thread, so the fan-out shows as extra rows. */
#ifndef REPORT_TRACEJSON_H
#define REPORT_TRACEJSON_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "util.h"

#define TRACEJSON_SAMPLE 200 /* client requests drawn besides the worst one */

/* The requests to draw: the worst request (reqtree_worst) first, then
 * every k-th client request in trace id string order, k = ceil(requests /
 * max), without repeating the worst.  Returns the count (at most max + 1);
 * *out is allocated (caller frees). */
size_t tracejson_sample(const struct run *r, size_t max, uint32_t **out);

/* Append the whole JSON document for the given traces to out. */
void tracejson_format(const struct run *r, const uint32_t *traces, size_t n, struct sbuf *out);

/* s as a JSON string literal, quotes included; control characters and bytes
 * >= 0x80 are written as \\u00XX, so any input gives valid JSON. */
void tracejson_string(struct sbuf *out, const char *s);

#endif
