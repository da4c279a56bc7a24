/* duration: the duration strings of scenario files ("250ms", "1.5s", "1m").
 * A number followed by one unit: ns, us, ms, s, m, h.  A bare number, an
 * unknown unit, a sign, spaces, or trailing text are errors.  Zero is
 * accepted here: whether zero is allowed is the caller's rule. */
#ifndef CASCADE_DURATION_H
#define CASCADE_DURATION_H

#include <stddef.h>

/* 0 and *out_ms set, or -1 with a message in err ("unknown unit 'sec' in
 * \"5sec\" (use ns, us, ms, s, m or h)"). */
int duration_parse_ms(const char *s, double *out_ms, char *err, size_t errlen);

/* Shortest exact-ish human form of a duration in ms: "250ms", "30s", "1.5s",
 * "2m".  Writes at most outlen bytes (NUL included). */
void duration_format(double ms, char *out, size_t outlen);

#endif
