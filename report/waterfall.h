/* waterfall: one client request's attempt tree drawn for a terminal: one
 * line per span, indented by depth, with its tier, call (srv / tryN),
 * start and duration (ms from when the request's first attempt was due),
 * budget, outcome, and a bar on a shared time axis, so a retry storm's
 * fan-out fits on one screen.  Every span gets a line however many there
 * are: the storm is the point. */
#ifndef REPORT_WATERFALL_H
#define REPORT_WATERFALL_H

#include "reqtree.h"
#include "util.h"

#define WATERFALL_MIN_BAR 10 /* bar columns kept even when width is too small */

/* Short outcome names so a line stays compact ("deadline_expired" ->
 * "deadline_exp"); a client attempt that got an error status reads
 * "http_504".  buf always NUL-terminated. */
void waterfall_outcome(const struct reqtree_node *n, char *buf, size_t len);

/* Append the waterfall of t (a tree of r) to out.  Lines are at most width
 * columns unless that would leave the bar fewer than WATERFALL_MIN_BAR. */
void waterfall_format(const struct run *r, const struct reqtree *t, int width, struct sbuf *out);

#endif
