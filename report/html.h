/* html: report.html, one self-contained page a teacher can put on a
 * projector: the scenario and its key settings, headline numbers, the
 * summary table, the plots and the worst request's attempt tree as a
 * waterfall.  For several runs the same page puts them side by side
 * (settings that differ are highlighted).
 *
 * Self-contained: CSS inline, plots embedded as base64 data: URIs, no
 * script, and a Content-Security-Policy that forbids loading anything else,
 * so the file can be mailed or opened offline.  Plots are the SVG (else PNG)
 * files scripts/plot.sh leaves in DIR/plots/ and, for a comparison, in the
 * overlaid plots' folder; a missing plot shows as a note naming the command
 * that makes it.  All text from files is HTML-escaped. */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stddef.h>

#include "run.h"
#include "summary.h"
#include "util.h"

struct html_run {
	char *dir;   /* the run folder, owned */
	char *label; /* heading: scenario name, unique among the page's runs, owned */
	struct run run;
	struct summary sum;
};

/* Load the run folders (run_load, summary_compute), labels as report
 * compare makes them.  0, or -1 with err; *runs is set either way and is
 * freed with html_free_runs(runs, n). */
int html_load_runs(char *const *dirs, size_t n, struct html_run **runs, char *err, size_t errlen);
void html_free_runs(struct html_run *runs, size_t n);

/* The page for runs[0..n) appended to out.  compare_plots: the folder of the
 * overlaid plots (used when n >= 2).  *missing counts plots not found. */
void html_page(const struct html_run *runs, size_t n, const char *compare_plots, struct sbuf *out,
	       size_t *missing);

/* s with & < > " ' replaced by entities, fit for text and attribute values. */
void html_escape(struct sbuf *out, const char *s);

#endif
