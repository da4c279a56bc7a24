/* deadline: the deadline header on the wire and budget arithmetic.
 *
 * Wire format: gRPC's grpc-timeout, `TimeoutValue TimeoutUnit`: 1 to 8 ASCII
 * digits then one unit of H (hours), M (minutes), S, m (ms), u (µs), n (ns).
 * It is relative: the receiver's deadline is its arrival time + the value.
 * The value carries *scenario* time (see clock.h), so every process of a run
 * agrees on it whatever the time scale. */
#ifndef CASCADE_DEADLINE_H
#define CASCADE_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#define DEADLINE_DEFAULT_HEADER "grpc-timeout"
#define DEADLINE_WIRE_MAX 10 /* 8 digits + unit + NUL */

/* Parse a header value.  0 and *out_ns, or -1 and a reason in err
 * ("empty value", "more than 8 digits", "unknown unit 'x'", "no unit",
 * "not a digit"...).  Leading/trailing spaces are not allowed (evhttp
 * already strips the header's optional whitespace).  Leading zeros are.
 * Values past INT64_MAX ns (above ~2562047H) saturate to INT64_MAX. */
int deadline_parse(const char *value, int64_t *out_ns, char *err, size_t errlen);

/* Format a budget: the finest unit whose value fits in 8 digits, rounded
 * *down* so the receiver never gets more time than the sender had.
 * budget_ns <= 0 formats as "0n".  Every int64 budget fits in hours
 * (INT64_MAX is "2562047H"), so no value is out of range. */
void deadline_format(int64_t budget_ns, char out[DEADLINE_WIRE_MAX]);
/* The same for a budget in ms, as the tiers keep it.  Any double is fine:
 * a budget past INT64_MAX ns (a huge timeout in the scenario, or a received
 * "99999999H" passed on) formats as the largest value, NaN as "0n". */
void deadline_format_ms(double budget_ms, char out[DEADLINE_WIRE_MAX]);

/* The budget a receiver reads when a sender formats budget_ms: formatting
 * rounds down to the unit deadline_format picks.  What the virtual engine
 * delivers, so that both engines hand the next tier the same value. */
double deadline_wire_ms(double budget_ms);

/* Budget arithmetic, all in scenario ms.  deadline_ms < 0 means "none". */
/* Earliest of an own timeout and a received budget, both relative to
 * arrival; either may be <= 0 for "none" (own) / < 0 for "none" (received).
 * Returns the absolute deadline in scenario ms (at least 0, so a request
 * arriving before t0 still has one), or -1 for none. */
double deadline_effective_ms(double arrival_ms, double own_timeout_ms, double received_budget_ms);
/* What to send downstream at now: the remaining budget minus margin,
 * clamped at 0; -1 when there is no deadline. */
double deadline_send_budget_ms(double deadline_ms, double now_ms, double margin_ms);

#endif
