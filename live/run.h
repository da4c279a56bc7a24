/* live run: the command line of the live view and its poll-and-draw loop
 * (libcurl multi fetches every tier's /metrics in parallel, then one frame
 * or one plain line is written to stdout). */
#ifndef CASCADE_LIVE_RUN_H
#define CASCADE_LIVE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

#define LIVE_DEFAULT_INTERVAL_MS 250 /* 4 Hz */

struct live_opts {
	const char *scenario_path; /* NULL: the defaults */
	int64_t t0_real_ns;	   /* the run's start (CLOCK_REALTIME); 0: now */
	double interval_ms;	   /* real ms between polls */
	bool plain;		   /* one line per second even on a terminal */
	bool quiet;		   /* draw nothing; only wait for the tiers to go */
	char *url[TIER_COUNT];	   /* "http://HOST:PORT/metrics"; NULL: not shown; owned */
};

/* Parse argv into o (which this initializes).  Returns -1 to go on, 0 after
 * --help/--version (printed to stdout), 2 on bad usage (err filled).
 * Free o with live_opts_free either way. */
int live_parse_args(struct live_opts *o, int argc, char **argv, char *err, size_t errlen);
void live_opts_free(struct live_opts *o);
void live_usage(FILE *out);

/* Poll and draw until SIGINT/SIGTERM or every tier has been unreachable for
 * LIVE_GONE_MS.  Leaves the terminal as it found it.  Exit status: 0, or 2
 * when the scenario does not load (err filled). */
#define LIVE_GONE_MS 2000
int live_run(const struct live_opts *o, char *err, size_t errlen);

#endif
