/* waterfall: column widths fitted to the tree, then one line per node. */
#include "waterfall.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void waterfall_outcome(const struct reqtree_node *n, char *buf, size_t len)
{
	static const char *const shorter[][2] = {
	    {"deadline_expired", "deadline_exp"},
	    {"statement_timeout", "stmt_timeout"},
	    {"upstream_error", "upstream_err"},
	};
	if (n->attempt_row && n->status > 0 && strcmp(n->outcome, "http_error") == 0) {
		snprintf(buf, len, "http_%d", n->status);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(shorter); i++)
		if (strcmp(n->outcome, shorter[i][0]) == 0) {
			snprintf(buf, len, "%s", shorter[i][1]);
			return;
		}
	snprintf(buf, len, "%s", n->outcome);
}

/* The text of each column of a node; empty strings for "no value". */
struct cols {
	char tier[16], call[16], start[24], dur[24], budget[24], outcome[24];
};

static void fill_cols(const struct reqtree *t, const struct reqtree_node *n, struct cols *c)
{
	snprintf(c->tier, sizeof(c->tier), "%s", run_proc_name(n->proc));
	reqtree_call_label(n, c->call, sizeof(c->call));
	if (isfinite(n->start_ms))
		snprintf(c->start, sizeof(c->start), "%.0f", n->start_ms - t->t0_ms);
	else
		snprintf(c->start, sizeof(c->start), "-");
	if (isfinite(n->start_ms) && isfinite(n->end_ms))
		snprintf(c->dur, sizeof(c->dur), "%.0f", n->end_ms - n->start_ms);
	else
		snprintf(c->dur, sizeof(c->dur), "-");
	if (n->budget_ms >= 0)
		snprintf(c->budget, sizeof(c->budget), "%.0f", n->budget_ms);
	else
		snprintf(c->budget, sizeof(c->budget), "-");
	waterfall_outcome(n, c->outcome, sizeof(c->outcome));
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

/* Column of time ms on a bar of width columns spanning t0 .. t0 + range. */
static int column(double ms, double t0, double range, int width)
{
	double x = (ms - t0) / range * width;
	return x < 0 ? 0 : x > width ? width : (int)floor(x);
}

static void add_bar(const struct run *r, const struct reqtree *t, const struct reqtree_node *n, int width,
		    struct sbuf *out)
{
	char bar[1024];
	double range = t->end_ms > t->t0_ms ? t->end_ms - t->t0_ms : 1;
	memset(bar, ' ', (size_t)width);
	bar[width] = '\0';
	if (isfinite(n->start_ms) && isfinite(n->end_ms)) {
		int from = column(n->start_ms, t->t0_ms, range, width);
		int to = (int)ceil((n->end_ms - t->t0_ms) / range * width);
		if (to > width)
			to = width;
		if (to <= from)
			to = from + 1;
		if (from >= width)
			from = width - 1;
		int queued = from; /* dbsim: the part spent waiting for a worker */
		if (!n->attempt_row && n->server && r->spans[n->row].queue_ms > 0)
			queued = column(n->start_ms + r->spans[n->row].queue_ms, t->t0_ms, range, width);
		for (int x = from; x < to; x++)
			bar[x] = x < queued ? '.' : n->ok ? '=' : '-';
	}
	sbuf_addf(out, "|%s|\n", bar);
}

void waterfall_format(const struct run *r, const struct reqtree *t, int width, struct sbuf *out)
{
	int w_name = 4, w_call = 4, w_start = 5, w_dur = 3, w_budget = 6, w_outcome = 7;
	unsigned db_hits = 0;
	size_t attempts = 0;
	const struct reqtree_node *last = NULL; /* the attempt that is the request's result */
	char result[24] = "-";
	struct cols c;
	for (size_t i = 0; i < t->n; i++) {
		const struct reqtree_node *n = &t->nodes[i];
		fill_cols(t, n, &c);
		w_name = imax(w_name, n->depth + (int)strlen(c.tier));
		w_call = imax(w_call, (int)strlen(c.call));
		w_start = imax(w_start, (int)strlen(c.start));
		w_dur = imax(w_dur, (int)strlen(c.dur));
		w_budget = imax(w_budget, (int)strlen(c.budget));
		w_outcome = imax(w_outcome, (int)strlen(c.outcome));
		db_hits += n->proc == RUN_PROC_OF_TIER(TIER_DBSIM) && n->server;
		if (n->attempt_row) {
			attempts++;
			if (!last || n->attempt >= last->attempt)
				last = n;
		}
	}
	if (last)
		waterfall_outcome(last, result, sizeof(result));
	int fixed = w_name + w_call + w_start + w_dur + w_budget + w_outcome + 6 + 2;
	int bar = width - fixed;
	if (bar < WATERFALL_MIN_BAR)
		bar = WATERFALL_MIN_BAR;
	if (bar > 1000)
		bar = 1000;

	sbuf_addf(out, "request %s: %zu attempt%s, result %s\n", strpool_str(&r->traces, t->trace), attempts,
		  attempts == 1 ? "" : "s", result);
	sbuf_addf(out, "%u dbsim hit%s, %zu rows; ms after attempt 1 was due (at %.1f ms)\n", db_hits,
		  db_hits == 1 ? "" : "s", t->n, t->t0_ms);
	sbuf_adds(out, "bars: . queued  = ok  - failed\n");
	char left[32], right[32];
	snprintf(left, sizeof(left), "0 s");
	snprintf(right, sizeof(right), "%.4g s", (t->end_ms - t->t0_ms) / 1000.0);
	int gap = bar - (int)strlen(left) - (int)strlen(right);
	sbuf_addf(out, "%-*s %-*s %*s %*s %*s %-*s |%s%*s%s|\n", w_name, "tier", w_call, "call", w_start,
		  "start", w_dur, "dur", w_budget, "budget", w_outcome, "outcome", left, gap > 0 ? gap : 1,
		  "", right);
	for (size_t i = 0; i < t->n; i++) {
		const struct reqtree_node *n = &t->nodes[i];
		fill_cols(t, n, &c);
		sbuf_addf(out, "%*s%-*s %-*s %*s %*s %*s %-*s ", n->depth, "", w_name - n->depth, c.tier,
			  w_call, c.call, w_start, c.start, w_dur, c.dur, w_budget, c.budget, w_outcome,
			  c.outcome);
		add_bar(r, t, n, bar, out);
	}
}
