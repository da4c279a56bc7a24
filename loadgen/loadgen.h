/* loadgen: the real-process driver of the open-loop client.  Every decision
 * (the schedule, retries, backoff, the outstanding cap, the end of the run)
 * is client_core's (core/client_core.h); this file sends the attempts with
 * the upstream client, writes requests.csv, and prints the progress line.
 * Outcomes and columns: README.md. */
#ifndef CASCADE_LOADGEN_H
#define CASCADE_LOADGEN_H

#include <stddef.h>

#include "proc.h"

struct lg;

/* Open <out>/requests.csv and create the client core.  NULL with a message
 * in err when the file cannot be created.  Nothing is sent until lg_start. */
struct lg *lg_new(struct proc *p, char *err, size_t errlen);
/* Start the once-a-second progress and flush timer (the core already armed
 * its first arrival, at scenario time 0). */
void lg_start(struct lg *g);
/* proc's on_stop hook (p->app is the struct lg): stop the core (attempts in
 * flight cancelled, retries dropped), close requests.csv, print the final
 * line.  Runs once; later calls do nothing. */
void lg_on_stop(struct proc *p);
/* Free what is left after proc_run (which always calls on_stop first). */
void lg_free(struct lg *g);

#endif
