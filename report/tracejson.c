/* tracejson: events gathered per request tree, laid out on lanes per
 * process and request, written one event per line. */
#include "tracejson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqtree.h"
#include "waterfall.h"

struct event {
	const struct reqtree_node *node;
	size_t req; /* position in the traces array */
	int pid;    /* 1 + RUN_PROC_* */
	int64_t ts_us, dur_us;
	int lane; /* 0-based within (pid, req) */
	size_t seq;
};

void tracejson_string(struct sbuf *out, const char *s)
{
	sbuf_adds(out, "\"");
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			sbuf_addf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x80)
			sbuf_addf(out, "\\u%04x", *p);
		else
			sbuf_add(out, p, 1);
	}
	sbuf_adds(out, "\"");
}

static int cmp_trace_str(const void *a, const void *b, void *pool)
{
	return strcmp(strpool_str(pool, *(const uint32_t *)a), strpool_str(pool, *(const uint32_t *)b));
}

size_t tracejson_sample(const struct run *r, size_t max, uint32_t **out)
{
	/* traces are interned in order of first appearance, requests.csv first */
	size_t n = 0, npicked = 0;
	for (size_t i = 0; i < r->nattempts; i++)
		if (r->attempts[i].trace + 1 > n)
			n = r->attempts[i].trace + 1;
	uint32_t *all = xmalloc((n ? n : 1) * sizeof(*all));
	for (size_t t = 0; t < n; t++)
		all[t] = (uint32_t)t;
	qsort_r(all, n, sizeof(*all), cmp_trace_str, (void *)&r->traces);
	size_t k = max ? (n + max - 1) / max : 0;
	uint32_t worst = reqtree_worst(r, NULL);
	*out = xmalloc((max + 1) * sizeof(**out));
	if (worst != STRPOOL_NONE)
		(*out)[npicked++] = worst;
	for (size_t i = 0; k && i < n; i += k)
		if (all[i] != worst)
			(*out)[npicked++] = all[i];
	free(all);
	return npicked;
}

static int cmp_lane_order(const void *a, const void *b)
{
	const struct event *x = *(const struct event *const *)a, *y = *(const struct event *const *)b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->req != y->req)
		return x->req < y->req ? -1 : 1;
	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	if (x->dur_us != y->dur_us) /* the longer first, so it can hold the shorter */
		return x->dur_us > y->dur_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Open events of one lane: end times, innermost last. */
struct lane {
	int64_t *ends;
	size_t n, cap;
};

/* Give each event the first lane of its (process, request) where it nests
 * in the open event or follows it; nlanes[req * RUN_PROCS + proc] gets the
 * number of lanes used. */
static void assign_lanes(struct event *ev, size_t n, int *nlanes)
{
	struct event **order = xmalloc((n ? n : 1) * sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = &ev[i];
	qsort(order, n, sizeof(*order), cmp_lane_order);
	struct lane *lanes = NULL;
	size_t nl = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct event *e = order[i];
		if (i == 0 || e->pid != order[i - 1]->pid || e->req != order[i - 1]->req)
			nl = 0;
		int64_t end = e->ts_us + e->dur_us;
		size_t l = 0;
		for (; l < nl; l++) {
			struct lane *ln = &lanes[l];
			while (ln->n && ln->ends[ln->n - 1] <= e->ts_us)
				ln->n--;
			if (ln->n == 0 || ln->ends[ln->n - 1] >= end)
				break;
		}
		if (l == nl) {
			if (nl == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				lanes = xrealloc(lanes, ncap * sizeof(*lanes));
				memset(lanes + cap, 0, (ncap - cap) * sizeof(*lanes));
				cap = ncap;
			}
			lanes[nl++].n = 0;
		}
		struct lane *ln = &lanes[l];
		if (ln->n == ln->cap) {
			ln->cap = ln->cap ? ln->cap * 2 : 8;
			ln->ends = xrealloc(ln->ends, ln->cap * sizeof(*ln->ends));
		}
		ln->ends[ln->n++] = end;
		e->lane = (int)l;
		int *used = &nlanes[e->req * RUN_PROCS + (size_t)(e->pid - 1)];
		if ((int)nl > *used)
			*used = (int)nl;
	}
	for (size_t l = 0; l < cap; l++)
		free(lanes[l].ends);
	free(lanes);
	free(order);
}

static int64_t to_us(double ms)
{
	return (int64_t)llround(ms * 1000.0);
}

/* "svc_b srv timeout", "client try2 http_504". */
static void add_name(struct sbuf *out, const struct reqtree_node *n)
{
	char call[16], outcome[24];
	reqtree_call_label(n, call, sizeof(call));
	waterfall_outcome(n, outcome, sizeof(outcome));
	sbuf_addf(out, "\"%s %s %s\"", run_proc_name(n->proc), call, outcome);
}

static void add_ms(struct sbuf *out, const char *key, double ms)
{
	if (isfinite(ms))
		sbuf_addf(out, ",\"%s\":%.3f", key, ms);
	else
		sbuf_addf(out, ",\"%s\":null", key);
}

static void add_event(const struct run *r, const struct event *e, uint32_t trace, int tid, struct sbuf *out)
{
	const struct reqtree_node *n = e->node;
	uint32_t span = STRPOOL_NONE, parent = STRPOOL_NONE, lineage = STRPOOL_NONE;
	double queue_ms = 0, work_ms = NAN;
	if (n->attempt_row) {
		span = r->attempts[n->row].span;
	} else {
		const struct run_span *s = &r->spans[n->row];
		span = s->span;
		parent = s->parent;
		lineage = s->lineage;
		queue_ms = s->queue_ms;
		work_ms = s->work_ms;
	}
	sbuf_adds(out, "{\"name\":");
	add_name(out, n);
	sbuf_addf(out, ",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%lld,\"dur\":%lld,\"pid\":%d,\"tid\":%d,",
		  n->server ? "server" : "client", (long long)e->ts_us, (long long)e->dur_us, e->pid, tid);
	sbuf_adds(out, "\"args\":{\"trace_id\":");
	tracejson_string(out, strpool_str(&r->traces, trace));
	sbuf_adds(out, ",\"span_id\":");
	tracejson_string(out, span == STRPOOL_NONE ? "" : strpool_str(&r->ids, span));
	sbuf_adds(out, ",\"parent_span_id\":");
	tracejson_string(out, parent == STRPOOL_NONE ? "" : strpool_str(&r->ids, parent));
	sbuf_addf(out, ",\"kind\":\"%s\",\"attempt\":%d,\"outcome\":", n->server ? "server" : "client",
		  n->attempt);
	tracejson_string(out, n->outcome);
	sbuf_addf(out, ",\"status\":%d", n->status);
	add_ms(out, "budget_ms", n->budget_ms >= 0 ? n->budget_ms : NAN);
	sbuf_adds(out, ",\"lineage\":");
	tracejson_string(out, lineage == STRPOOL_NONE ? "" : strpool_str(&r->lineages, lineage));
	add_ms(out, "queue_ms", queue_ms);
	add_ms(out, "work_ms", work_ms);
	sbuf_adds(out, "}}");
}

/* Metadata: process names and order, and a named thread per lane:
 * "7599d09a" (the trace id's first 8 characters), "7599d09a +1" for its
 * second lane, "worst" appended for the worst request. */
static void add_metadata(const struct run *r, const uint32_t *traces, size_t ntraces, const int *nlanes,
			 int *tid_base, uint32_t worst, struct sbuf *out, const char **sep)
{
	for (int p = 0; p < RUN_PROCS; p++) {
		sbuf_addf(out,
			  "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":"
			  "\"%s\"}}",
			  *sep, p + 1, run_proc_name(p));
		*sep = ",\n";
		sbuf_addf(out,
			  "%s{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,\"args\":{"
			  "\"sort_index\":%d}}",
			  *sep, p + 1, p + 1);
		int tid = 1;
		for (size_t q = 0; q < ntraces; q++) {
			tid_base[q * RUN_PROCS + (size_t)p] = tid;
			for (int l = 0; l < nlanes[q * RUN_PROCS + (size_t)p]; l++, tid++) {
				char name[64];
				snprintf(name, sizeof(name), "%.8s%s%.0d%s",
					 strpool_str(&r->traces, traces[q]), l ? " +" : "", l,
					 traces[q] == worst ? " worst" : "");
				sbuf_addf(out,
					  "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
					  "\"args\":{\"name\":",
					  *sep, p + 1, tid);
				tracejson_string(out, name);
				sbuf_addf(out,
					  "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,"
					  "\"tid\":%d,\"args\":{\"sort_index\":%d}}",
					  p + 1, tid, tid);
			}
		}
	}
}

void tracejson_format(const struct run *r, const uint32_t *traces, size_t ntraces, struct sbuf *out)
{
	struct reqtree *trees = xcalloc(ntraces ? ntraces : 1, sizeof(*trees));
	size_t nev = 0, cap = 0;
	struct event *ev = NULL;
	for (size_t q = 0; q < ntraces; q++) {
		reqtree_build(r, traces[q], &trees[q]);
		for (size_t j = 0; j < trees[q].n; j++) {
			const struct reqtree_node *n = &trees[q].nodes[j];
			if (!isfinite(n->start_ms) || !isfinite(n->end_ms))
				continue; /* never sent: nothing to draw */
			if (nev == cap)
				ev = xrealloc(ev, (cap = cap ? cap * 2 : 256) * sizeof(*ev));
			struct event *e = &ev[nev];
			e->node = n;
			e->req = q;
			e->pid = 1 + n->proc;
			e->ts_us = to_us(n->start_ms);
			e->dur_us = to_us(n->end_ms) - e->ts_us;
			if (e->dur_us < 0)
				e->dur_us = 0;
			e->seq = nev++;
		}
	}
	int *nlanes = xcalloc(ntraces * RUN_PROCS + 1, sizeof(*nlanes));
	int *tid_base = xcalloc(ntraces * RUN_PROCS + 1, sizeof(*tid_base));
	assign_lanes(ev, nev, nlanes);
	uint32_t worst = reqtree_worst(r, NULL);

	const char *sep = "\n";
	sbuf_adds(out, "{\"traceEvents\":[");
	add_metadata(r, traces, ntraces, nlanes, tid_base, worst, out, &sep);
	for (size_t i = 0; i < nev; i++) {
		const struct event *e = &ev[i];
		sbuf_adds(out, sep);
		add_event(r, e, traces[e->req], tid_base[e->req * RUN_PROCS + (size_t)(e->pid - 1)] + e->lane,
			  out);
	}
	sbuf_adds(out, "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"scenario\":");
	tracejson_string(out, r->sc.name ? r->sc.name : "");
	sbuf_addf(out, ",\"requests\":%zu,\"worst_trace_id\":", ntraces);
	tracejson_string(out, worst == STRPOOL_NONE ? "" : strpool_str(&r->traces, worst));
	sbuf_adds(out, ",\"time\":\"scenario microseconds since the run's start\"}}\n");
	for (size_t q = 0; q < ntraces; q++)
		reqtree_free(&trees[q]);
	free(trees);
	free(ev);
	free(nlanes);
	free(tid_base);
}
