/* db: dbsim's real-process driver.  Every decision (workers, the queue,
 * service times, statement_timeout, deadlines, cancellation, faults) is
 * db_core's (core/db_core.h); this file answers over evhttp and notices
 * callers leaving. */
#ifndef CASCADE_DB_H
#define CASCADE_DB_H

#include "proc.h"

/* main() of dbsim. */
int db_main(const struct proc_info *info, int argc, char **argv);

#endif
