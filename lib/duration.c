/* duration: parse the duration strings of scenario files into ms, and print
 * ms back in the shortest form a person would write. */
#include "duration.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

struct unit {
	const char *name;
	double ms; /* one of this unit in ms */
};

#define NS_MS 1e-6 /* one ns in ms */

static const struct unit units[] = {
    {"ns", NS_MS}, {"us", 1e-3}, {"ms", 1.0}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3},
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}
static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int duration_parse_ms(const char *s, double *out_ms, char *err, size_t errlen)
{
	if (!s || !*s)
		return errf(err, errlen, "empty duration (write e.g. \"250ms\" or \"1.5s\")");

	/* Digits by hand rather than strtod: strtod would also take signs,
	 * leading spaces, exponents, hex, "nan" and "inf", all of which a
	 * scenario file must not contain. */
	const char *p = s;
	double mantissa = 0;
	int frac_digits = 0;
	if (!is_digit(*p))
		return errf(err, errlen, "\"%s\" does not start with a number", s);
	while (is_digit(*p))
		mantissa = mantissa * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return errf(err, errlen, "no digit after the decimal point in \"%s\"", s);
		while (is_digit(*p)) {
			mantissa = mantissa * 10 + (*p++ - '0');
			frac_digits++;
		}
	}
	if (!*p)
		return errf(err, errlen, "no unit in \"%s\" (use ns, us, ms, s, m or h)", s);
	if (!is_alpha(*p))
		return errf(err, errlen, "unexpected '%c' in \"%s\"", *p, s);

	const char *unit_start = p;
	while (is_alpha(*p))
		p++;
	size_t unit_len = (size_t)(p - unit_start);
	const struct unit *u = NULL;
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		if (strlen(units[i].name) == unit_len && !memcmp(units[i].name, unit_start, unit_len)) {
			u = &units[i];
			break;
		}
	}
	if (!u)
		return errf(err, errlen, "unknown unit '%.*s' in \"%s\" (use ns, us, ms, s, m or h)",
			    (int)unit_len, unit_start, s);
	if (*p)
		return errf(err, errlen, "trailing text '%s' in \"%s\"", p, s);

	/* Dividing once by an exact power of ten keeps "1.5" and "0.25" exact. */
	double value = mantissa / pow(10, frac_digits) * u->ms;
	if (!isfinite(value))
		return errf(err, errlen, "\"%s\" is too large", s);
	/* Nothing here acts on less than a nanosecond, and so many decimals
	 * could read as 0 (pow overflows), turning a timeout into "none". */
	if (mantissa > 0 && value < NS_MS * (1 - 1e-9))
		return errf(err, errlen, "\"%s\" is below 1ns (use 0 for zero)", s);
	*out_ms = value;
	return 0;
}

/* v printed with at most 3 decimals, trailing zeros dropped; 0 if v is not
 * exact at that precision (up to double rounding). */
static int format_exact(double v, const char *unit, char *buf, size_t buflen)
{
	double thousandths = v * 1000;
	if (!isfinite(thousandths))
		return 0;
	double rounded = round(thousandths);
	if (fabs(thousandths - rounded) > 1e-9 * fmax(1.0, fabs(thousandths)))
		return 0;
	snprintf(buf, buflen, "%.3f", rounded / 1000);
	char *dot = strchr(buf, '.');
	if (dot) {
		char *end = buf + strlen(buf);
		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	size_t len = strlen(buf);
	snprintf(buf + len, buflen - len, "%s", unit);
	return 1;
}

void duration_format(double ms, char *out, size_t outlen)
{
	/* Candidates from the smallest unit up; a larger unit wins only when it
	 * is strictly shorter, so 1500 is "1.5s" and 90000 is "90s" (not
	 * "1.5m"), and a value of 1 ms or more that no unit shows exactly
	 * falls back to ms rounded to 3 decimals when that is shorter still. */
	static const struct unit shown[] = {
	    {"ns", 1e-6}, {"us", 1e-3}, {"ms", 1.0}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3},
	};
	/* Room for DBL_MAX in "%.3f" and a unit. */
	char best[352] = "";
	char cand[352];
	const char *sign = "";

	if (!out || outlen == 0)
		return;
	if (isnan(ms)) {
		snprintf(out, outlen, "nan");
		return;
	}
	if (ms < 0) {
		sign = "-";
		ms = -ms;
	}
	if (isinf(ms)) {
		snprintf(out, outlen, "%sinf", sign);
		return;
	}
	if (ms == 0) {
		snprintf(out, outlen, "0ms");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(shown); i++) {
		double v = ms / shown[i].ms;
		if (v < 1)
			break;
		if (format_exact(v, shown[i].name, cand, sizeof(cand)) &&
		    (!best[0] || strlen(cand) < strlen(best)))
			memcpy(best, cand, sizeof(best));
	}
	/* Rounded to 3 decimals: in ms from 1 ms up, in ns below, where ms
	 * would keep too few digits (1.0006ns is "1.001ns", not "0ms"). */
	snprintf(cand, sizeof(cand), "%.3f", ms >= 1 ? ms : ms / NS_MS);
	char *end = cand + strlen(cand);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		*--end = '\0';
	snprintf(end, sizeof(cand) - (size_t)(end - cand), ms >= 1 ? "ms" : "ns");
	if (!best[0] || (ms >= 1 && strlen(cand) < strlen(best)))
		memcpy(best, cand, sizeof(best));
	snprintf(out, outlen, "%s%s", sign, best);
}
