/* duration: the duration strings of scenario files ("250ms", "1.5s", "1m").
 * A number followed by one unit: ns, us, ms, s, m, h.  A bare number, an
 * unknown unit, a sign, spaces, trailing text, and a value above zero but
 * below 1ns are errors.  Zero is accepted here: whether zero is allowed is
 * the caller's rule. */
#ifndef CASCADE_DURATION_H
#define CASCADE_DURATION_H

#include <stddef.h>

/* 0 and *out_ms set, or -1 with a message in err ("unknown unit 'sec' in
 * \"5sec\" (use ns, us, ms, s, m or h)"). */
int duration_parse_ms(const char *s, double *out_ms, char *err, size_t errlen);

/* Shortest exact-ish human form of a duration in ms: "250ms", "30s", "1.5s",
 * "2m".  Each unit from ns up to h in which the value is >= 1 and exact with
 * at most 3 decimals is a candidate; the shortest wins ("90s", not "1.5m"),
 * ties going to the smaller unit ("1001ms", not "1.001s").  A value of 1 ms
 * or more that no unit shows exactly is printed in ms rounded to 3 decimals
 * when that is shorter ("1234.568ms"); one below 1 ms, in ns rounded to 3
 * decimals ("1.001ns"), so a duration that parses is never printed as 0.
 * Writes at most outlen bytes (NUL included). */
void duration_format(double ms, char *out, size_t outlen);

#endif
