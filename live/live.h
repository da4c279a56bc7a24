/* live: the pieces of the live view that do not touch the network or the
 * terminal: reading a tier's /metrics text, turning two readings into rates,
 * and drawing the sparkline, the progress bar and the whole frame into a
 * buffer.  Everything here is a pure function of its arguments, so the unit
 * tests can check what a teacher will see on the projector.
 *
 * Units: counters are plain counts; times are scenario seconds (_s) or
 * scenario milliseconds (_ms); rates are per scenario second. */
#ifndef CASCADE_LIVE_H
#define CASCADE_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "util.h"

/* One reading of one tier's /metrics.  A field the text did not contain
 * stays NAN; has_db says whether dbsim's gauges were all there. */
struct live_sample {
	bool valid;	 /* at least one cascade_ metric was read */
	double time_s;	 /* cascade_scenario_time_seconds: when the tier rendered it */
	double arrivals; /* cascade_arrivals_total */
	double attempts; /* cascade_attempts_total */
	double retries;	 /* cascade_retries_total */
	/* cascade_requests_total{outcome} folded into three buckets (and one detail): */
	double req_ok;	     /* outcome="ok" */
	double req_timeout;  /* timeout, deadline_expired, statement_timeout */
	double req_error;    /* every other outcome (unknown names included) */
	double req_gone;     /* of req_error: outcome="caller_gone", work whose caller had left */
	double inflight;     /* cascade_inflight: requests awaiting their answer */
	double orphaned;     /* cascade_orphaned: answered or abandoned, work still running */
	/* the remedies' decisions so far (cumulative) */
	double retries_denied; /* cascade_retries_denied_total */
	double hedges;	       /* cascade_hedges_total */
	double breaker_open_s; /* cascade_breaker_open_seconds_total */
	double cache_hits, cache_misses; /* cascade_cache_hits_total, cascade_cache_misses_total */
	double queue_depth;  /* cascade_db_queue_depth (dbsim only) */
	double busy_workers; /* cascade_db_busy_workers */
	double workers;	     /* cascade_db_workers */
	bool has_db;	     /* the three cascade_db_ gauges were seen */
};

/* Reset every field: valid false, numbers NAN. */
void live_sample_clear(struct live_sample *s);

/* Parse Prometheus text exposition format (comments, labels with escapes,
 * optional timestamps) and keep the cascade_ metrics the view shows.
 * Malformed lines are skipped.  0 when at least one cascade_ metric was
 * read (s->valid), else -1.  text must be NUL-terminated. */
int live_parse_metrics(const char *text, struct live_sample *s);

/* Per scenario second, between two samples of one tier. */
struct live_rates {
	double arrivals; /* inbound requests received */
	double ok;	 /* inbound requests answered ok (goodput at this tier) */
	double retries;	 /* retry attempts sent downstream */
	double timeouts; /* inbound requests closed as timeout / deadline_expired / statement_timeout */
	double errors;	 /* inbound requests closed with any other non-ok outcome */
	double gone;	 /* of errors: caller_gone (answered after the caller had left) */
};

void live_rates_clear(struct live_rates *r); /* every rate NAN */

/* rates = (cur - prev) / (cur.time_s - prev.time_s).  0 with every rate
 * set; -1 with every rate NAN when either sample is invalid, time did not
 * move forward, or a counter went backwards (the tier restarted). */
int live_rates_between(const struct live_sample *prev, const struct live_sample *cur, struct live_rates *out);

#define LIVE_SPARK_GLYPHS 8 /* ▁▂▃▄▅▆▇█ */

/* Append one glyph per value to sb: 0 draws '▁', top (or more) draws '█',
 * the levels between are equal slices of [0, top].  A NAN or negative value
 * (no reading) draws a space.  top <= 0 or NAN: the largest value is used;
 * when that is 0 too, every value draws '▁'.  Returns the glyph count (n). */
size_t live_sparkline(struct sbuf *sb, const double *values, size_t n, double top);

/* The progress bar: width cells spanning [0, duration_ms) of scenario time.
 * A cell is "elapsed" once now_ms passed its start, "fault" when any fault
 * window overlaps it.  One character per cell, for tests and for styling: */
enum live_cell {
	LIVE_CELL_TODO = '.',	    /* drawn '░' */
	LIVE_CELL_DONE = '#',	    /* drawn '█' */
	LIVE_CELL_FAULT_TODO = 'f', /* drawn '▒' */
	LIVE_CELL_FAULT_DONE = 'F', /* drawn '▓' */
};
/* Fill cells[0..width) with enum live_cell values and cells[width] = 0;
 * cells must hold width + 1 bytes.  duration_ms <= 0: every cell TODO. */
void live_bar_cells(char *cells, int width, double now_ms, double duration_ms, const struct fault *faults,
		    size_t nfaults);
/* Append the bar as UTF-8 glyphs, fault cells in yellow when color. */
void live_bar_render(struct sbuf *sb, int width, double now_ms, double duration_ms,
		     const struct fault *faults, size_t nfaults, bool color);

/* One fault as a person would say it, e.g. "dbsim slowdown x10 30s–60s"
 * or "svc_b errors 20% 45s–75s".  Appended to sb. */
void live_fault_label(struct sbuf *sb, const struct fault *f);

/* ---- the frame ---- */

#define LIVE_HISTORY 60 /* refreshes kept for the sparklines */

/* How the latest poll of a tier went. */
enum live_state {
	LIVE_DOWN,     /* no connection (refused, reset): the process is gone */
	LIVE_UP,       /* answered with metrics */
	LIVE_NO_REPLY, /* no answer in time: alive, but its event loop is swamped */
};

/* What the view knows about one tier. */
struct live_tier {
	const char *name;	 /* "gateway", ..., kept by pointer */
	bool shown;		 /* a port was given for it */
	enum live_state state;	 /* of the latest poll */
	struct live_sample cur;	 /* the latest answer (valid when LIVE_UP) */
	struct live_rates rates; /* over the last refresh; NAN when unknown */
};

/* A ring of the last LIVE_HISTORY values; NAN where there was no reading. */
struct live_history {
	double values[LIVE_HISTORY];
	double time_s[LIVE_HISTORY]; /* scenario time of each value */
	size_t next;		     /* slot the next push goes to */
	size_t count;		     /* pushed so far, capped at LIVE_HISTORY */
};
void live_history_push(struct live_history *h, double time_s, double value);
/* Oldest first into out[LIVE_HISTORY], NAN-padded at the front; returns
 * the scenario seconds the window spans (0 with fewer than two values). */
double live_history_window(const struct live_history *h, double *out);

struct live_frame {
	const struct scenario *sc;
	double now_ms;	    /* scenario time of this frame */
	double interval_ms; /* real ms between polls, for the footer */
	struct live_tier tiers[TIER_COUNT];
	const struct live_history *db_arrivals; /* dbsim arrivals/s */
	const struct live_history *goodput;	/* gateway ok/s */
	bool color;
};

/* The whole screen, one line per '\n', at most 80 columns, no cursor
 * movement (the caller homes the cursor and clears what is left). */
void live_render_frame(struct sbuf *sb, const struct live_frame *f);

/* The --plain line: "t=42.0s gateway arr=4.0/s ret=0.0/s infl=3 ... |
 * dbsim arr=... q=12 busy=2/2\n", rates from the tiers' rates. */
void live_render_plain(struct sbuf *sb, const struct live_frame *f);

/* The frame as terminal output: cursor home, each line clipped to cols
 * display columns (escapes kept) and ended with clear-to-end-of-line, at
 * most rows - 1 lines so the screen never scrolls, then clear-to-end-of-
 * screen.  cols or rows <= 0: no limit on that axis. */
void live_fit_screen(struct sbuf *out, const char *frame, int cols, int rows);

#endif
