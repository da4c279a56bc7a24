/* Unit tests for duration: what a scenario file may write, and the printed
 * form of durations in reports and logs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "util.h"

static double parse_ok(const char *s)
{
	char err[ERR_LEN] = "";
	double ms = -1;
	int rc = duration_parse_ms(s, &ms, err, sizeof(err));
	cr_assert_eq(rc, 0, "\"%s\" rejected: %s", s, err);
	return ms;
}

static void parse_bad(const char *s, const char *want_in_err)
{
	char err[ERR_LEN] = "";
	double ms = 12345;
	int rc = duration_parse_ms(s, &ms, err, sizeof(err));
	cr_assert_eq(rc, -1, "\"%s\" accepted as %g ms", s, ms);
	cr_assert_eq(ms, 12345, "\"%s\": output written on error", s);
	cr_assert(strstr(err, want_in_err), "\"%s\": message \"%s\" lacks \"%s\"", s, err, want_in_err);
}

static void format_is(double ms, const char *want)
{
	char out[64];
	duration_format(ms, out, sizeof(out));
	cr_assert_str_eq(out, want, "%.17g ms formatted as \"%s\", want \"%s\"", ms, out, want);
}

Test(duration, every_unit)
{
	cr_assert_eq(parse_ok("1500000ns"), 1.5);
	cr_assert_eq(parse_ok("250us"), 0.25);
	cr_assert_eq(parse_ok("250ms"), 250);
	cr_assert_eq(parse_ok("30s"), 30000);
	cr_assert_eq(parse_ok("2m"), 120000);
	cr_assert_eq(parse_ok("1h"), 3600000);
}

Test(duration, decimals_and_zero)
{
	cr_assert_eq(parse_ok("1.5s"), 1500);
	cr_assert_eq(parse_ok("0.5ms"), 0.5);
	cr_assert_eq(parse_ok("0.25s"), 250);
	cr_assert_float_eq(parse_ok("0.1s"), 100, 1e-9);
	cr_assert_eq(parse_ok("0s"), 0);
	cr_assert_eq(parse_ok("0ms"), 0);
	cr_assert_eq(parse_ok("007ms"), 7);
}

Test(duration, rejects_malformed_and_names_input)
{
	parse_bad("", "empty");
	parse_bad(NULL, "empty");
	parse_bad("10", "no unit in \"10\"");
	parse_bad("1.5", "no unit");
	parse_bad("s", "\"s\"");
	parse_bad("-5s", "\"-5s\"");
	parse_bad("+5s", "\"+5s\"");
	parse_bad(" 5s", "\" 5s\"");
	parse_bad("5s ", "\"5s \"");
	parse_bad("5 s", "\"5 s\"");
	parse_bad("5sec", "unknown unit 'sec' in \"5sec\"");
	parse_bad("5S", "unknown unit 'S'");
	parse_bad("5MS", "unknown unit");
	parse_bad("1e3ms", "\"1e3ms\"");
	parse_bad("5s5", "trailing text '5' in \"5s5\"");
	parse_bad("5ms.", "trailing");
	parse_bad("nan", "\"nan\"");
	parse_bad("inf", "\"inf\"");
	parse_bad("infs", "\"infs\"");
	parse_bad(".5s", "\".5s\"");
	parse_bad("5.s", "decimal point");
	parse_bad("1.2.3s", "\"1.2.3s\"");
	parse_bad("0x10ms", "\"0x10ms\"");
}

Test(duration, rejects_overflow)
{
	char big[400];
	memset(big, '9', 398);
	big[398] = 'h';
	big[399] = '\0';
	parse_bad(big, "too large");
}

Test(duration, format_largest_integer_unit)
{
	format_is(0, "0ms");
	format_is(250, "250ms");
	format_is(1, "1ms");
	format_is(30000, "30s");
	format_is(120000, "2m");
	format_is(3600000, "1h");
	format_is(90000, "90s");
	format_is(5400000, "90m");
	format_is(61000, "61s");
	format_is(0.5, "500us");
	format_is(0.001, "1us");
	format_is(0.0004, "400ns");
}

Test(duration, format_decimals_when_shorter)
{
	format_is(1500, "1.5s");
	format_is(2500, "2.5s");
	format_is(1.5, "1.5ms");
	format_is(1.25, "1250us");
	format_is(1001, "1001ms");
	format_is(12345.5, "12345.5ms");
	format_is(1234.5678, "1234.568ms");
	format_is(-1500, "-1.5s");
}

Test(duration, format_round_trips_through_parse)
{
	static const char *in[] = {"250ms", "30s", "1.5s",  "2m",     "1h",
				   "500us", "90s", "1.5ms", "1250us", "100ns"};
	for (size_t i = 0; i < ARRAY_LEN(in); i++) {
		char out[64];
		duration_format(parse_ok(in[i]), out, sizeof(out));
		cr_assert_str_eq(out, in[i]);
	}
}

Test(duration, format_truncates_to_outlen)
{
	char out[4] = "xxx";
	duration_format(30000, out, sizeof(out));
	cr_assert_str_eq(out, "30s");
	duration_format(250, out, sizeof(out));
	cr_assert_str_eq(out, "250");
	duration_format(250, out, 0);
	cr_assert_str_eq(out, "250");
}

/* Found by fuzz_duration: "0.5ns" and "1.0005ns" parsed, but printed as
 * "0ms", so a positive timeout would come back as 0, which a scenario reads
 * as "none"; and with hundreds of decimals the parse itself gave 0 (pow
 * overflowed).  Below 1ns is now an error, and a value below 1 ms that no
 * unit shows exactly is rounded in ns. */
Test(duration, below_a_nanosecond_is_an_error_and_nothing_prints_as_zero)
{
	char tiny[512];
	snprintf(tiny, sizeof(tiny), "0.%0400d1ns", 0);
	parse_bad("0.5ns", "below 1ns");
	parse_bad("0.0001us", "below 1ns");
	parse_bad(tiny, "below 1ns");
	cr_assert_eq(parse_ok("1ns"), 1e-6);
	cr_assert_float_eq(parse_ok("0.001us"), 1e-6, 1e-15);
	cr_assert_eq(parse_ok("0.000ns"), 0);

	format_is(parse_ok("1.0006ns"), "1.001ns");
	format_is(parse_ok("1234.5678ns"), "1234.568ns");
	format_is(parse_ok("0.001us"), "1ns");
}
