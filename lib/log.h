/* log: one-line messages on stderr, prefixed with the process name and the
 * scenario time, so the logs of a run's processes interleave readably. */
#ifndef CASCADE_LOG_H
#define CASCADE_LOG_H

#include "clock.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines read "<name> <scenario s>s LEVEL message", the name padded to 7
 * ("svc_a   12.345s WARN event loop lag 120ms"), written with one write().
 * name is kept by pointer; clock may be NULL (no time part).  Before
 * log_init: name "cascade", no clock, LOG_INFO.  A message's own trailing
 * newline is not doubled; errno is preserved. */
void log_init(const char *name, const struct sclock *clock, enum log_level min_level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
