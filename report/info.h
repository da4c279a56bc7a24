/* info: a run's scenario as plain "key<TAB>value" lines, so shell scripts
 * (plot.sh) get the fault windows, the offered rate and the name without
 * parsing JSON, and the one-line description of a fault that the plots and
 * the HTML page label fault windows with. */
#ifndef REPORT_INFO_H
#define REPORT_INFO_H

#include <stddef.h>

#include "scenario.h"
#include "util.h"

/* "dbsim slowdown x20", "svc_b errors 25%", "dbsim latency +200ms",
 * "gateway stall", "dbsim capacity 0", written into buf (always
 * NUL-terminated). */
void info_fault_label(const struct fault *f, char *buf, size_t len);

/* Lines appended to out, in this order (times in scenario seconds):
 *   name<TAB>NAME                 tabs and newlines in it become spaces
 *   time_scale<TAB>X
 *   rate_rps<TAB>X                load.rate
 *   duration_s<TAB>X              load.duration
 *   client_timeout_s<TAB>X
 *   db_workers<TAB>N
 *   fault<TAB>START_S<TAB>END_S<TAB>LABEL    one per fault, in file order */
void info_format(const struct scenario *sc, struct sbuf *out);

#endif
