/* Unit tests for deadline: the grpc-timeout grammar of gRPC's
 * PROTOCOL-HTTP2.md, rounding on the way out, and budget arithmetic. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "deadline.h"
#include "util.h"

static int64_t parse_ok(const char *s)
{
	char err[ERR_LEN] = "";
	int64_t ns = -1;
	int rc = deadline_parse(s, &ns, err, sizeof(err));
	cr_assert_eq(rc, 0, "\"%s\" rejected: %s", s, err);
	return ns;
}

static void parse_bad(const char *s, const char *want_in_err)
{
	char err[ERR_LEN] = "";
	int64_t ns = 777;
	int rc = deadline_parse(s, &ns, err, sizeof(err));
	cr_assert_eq(rc, -1, "\"%s\" accepted as %lld ns", s ? s : "(null)", (long long)ns);
	cr_assert_eq(ns, 777, "output written on error");
	cr_assert(strstr(err, want_in_err), "\"%s\": message \"%s\" lacks \"%s\"", s ? s : "(null)", err,
		  want_in_err);
}

static const char *fmt(int64_t ns, char out[DEADLINE_WIRE_MAX])
{
	deadline_format(ns, out);
	return out;
}

Test(deadline, every_unit)
{
	cr_assert_eq(parse_ok("5n"), 5);
	cr_assert_eq(parse_ok("5u"), 5000);
	cr_assert_eq(parse_ok("5m"), 5000000);
	cr_assert_eq(parse_ok("5S"), 5000000000LL);
	cr_assert_eq(parse_ok("5M"), 300000000000LL);
	cr_assert_eq(parse_ok("5H"), 18000000000000LL);
}

Test(deadline, digit_counts_and_leading_zeros)
{
	cr_assert_eq(parse_ok("0n"), 0);
	cr_assert_eq(parse_ok("00001m"), 1000000);
	cr_assert_eq(parse_ok("00000000m"), 0);
	cr_assert_eq(parse_ok("99999999n"), 99999999);
	cr_assert_eq(parse_ok("99999999S"), 99999999LL * 1000000000);
	parse_bad("100000000n", "more than 8 digits");
	parse_bad("000000001m", "more than 8 digits");
}

Test(deadline, saturates_instead_of_overflowing)
{
	/* 99999999H = 3.6e20 ns and 99999999M = 6e18 ns: the first is past
	 * INT64_MAX (9.2e18), the second is not. */
	cr_assert_eq(parse_ok("99999999H"), INT64_MAX);
	cr_assert_eq(parse_ok("2562048H"), INT64_MAX);
	cr_assert_eq(parse_ok("2562047H"), 2562047LL * 3600 * 1000000000);
	cr_assert_eq(parse_ok("99999999M"), 99999999LL * 60 * 1000000000);
}

Test(deadline, rejects_every_malformed_form)
{
	parse_bad(NULL, "empty");
	parse_bad("", "empty");
	parse_bad("m", "not a digit");
	parse_bad("10", "no unit");
	parse_bad("10x", "unknown unit 'x'");
	parse_bad("10s", "unknown unit 's'");
	parse_bad("10h", "unknown unit 'h'");
	parse_bad("10U", "unknown unit 'U'");
	parse_bad("10ms", "trailing");
	parse_bad("10mm", "two units");
	parse_bad("10mS", "two units");
	parse_bad("10m5", "trailing");
	parse_bad("10m ", "trailing");
	parse_bad(" 10m", "not a digit");
	parse_bad("10 m", "unknown unit ' '");
	parse_bad("-10m", "not a digit");
	parse_bad("+10m", "not a digit");
	parse_bad("1.5S", "unknown unit '.'");
	parse_bad("0x10m", "unknown unit 'x'");
	parse_bad("abc", "not a digit");
}

Test(deadline, format_zero_and_negative)
{
	char out[DEADLINE_WIRE_MAX];
	cr_assert_str_eq(fmt(0, out), "0n");
	cr_assert_str_eq(fmt(-1, out), "0n");
	cr_assert_str_eq(fmt(INT64_MIN, out), "0n");
}

Test(deadline, format_picks_finest_fitting_unit)
{
	char out[DEADLINE_WIRE_MAX];
	cr_assert_str_eq(fmt(1, out), "1n");
	cr_assert_str_eq(fmt(99999999, out), "99999999n");
	cr_assert_str_eq(fmt(100000000, out), "100000u");
	cr_assert_str_eq(fmt(99999999999LL, out), "99999999u");
	cr_assert_str_eq(fmt(100000000000LL, out), "100000m");
	cr_assert_str_eq(fmt(99999999LL * 1000000, out), "99999999m");
	cr_assert_str_eq(fmt(100000000LL * 1000000, out), "100000S");
	cr_assert_str_eq(fmt(100000000LL * 1000000000, out), "1666666M");
	cr_assert_str_eq(fmt(100000000LL * 60 * 1000000000, out), "1666666H");
	cr_assert_str_eq(fmt(INT64_MAX, out), "2562047H");
}

Test(deadline, format_rounds_down)
{
	char out[DEADLINE_WIRE_MAX];
	/* 123456789 ns does not fit in 8 digits of ns: 123456 us, not 123457. */
	cr_assert_str_eq(fmt(123456789, out), "123456u");
	cr_assert_str_eq(fmt(100000999, out), "100000u");
	cr_assert_str_eq(fmt(199999999999LL, out), "199999m");
}

/* Found by fuzz_deadline: a tier passing on a received "99999999H" (INT64_MAX
 * ns, 9223372036854.775 ms) converted budget_ms * 1e6 = 2^63 to int64, which
 * is undefined (UBSan: outside the range of representable values).  A huge
 * scenario timeout did the same.  Formatting from ms now saturates. */
Test(deadline, format_ms_saturates_instead_of_overflowing)
{
	char out[DEADLINE_WIRE_MAX];
	int64_t ns = parse_ok("99999999H");
	deadline_format_ms((double)ns / 1e6, out);
	cr_assert_str_eq(out, "2562047H");
	deadline_format_ms(1e13, out); /* "3000000h" in a scenario */
	cr_assert_str_eq(out, "2562047H");
	deadline_format_ms(INFINITY, out);
	cr_assert_str_eq(out, "2562047H");
	deadline_format_ms(NAN, out);
	cr_assert_str_eq(out, "0n");
	deadline_format_ms(-1, out);
	cr_assert_str_eq(out, "0n");
	deadline_format_ms(250, out);
	cr_assert_str_eq(out, "250000u");
	deadline_format_ms(0.0015, out);
	cr_assert_str_eq(out, "1500n");
}

Test(deadline, round_trip_never_gains_and_loses_under_one_unit)
{
	static const int64_t unit_ns[] = {1, 1000, 1000000, 1000000000, 60000000000LL, 3600000000000LL};
	static const char units[] = "numSMH";
	int64_t x = 1;
	/* Geometric sweep with odd offsets through every unit's range. */
	while (x < INT64_MAX / 3) {
		for (int64_t d = -1; d <= 1; d++) {
			int64_t v = x + d;
			if (v <= 0)
				continue;
			char out[DEADLINE_WIRE_MAX];
			deadline_format(v, out);
			size_t len = strlen(out);
			cr_assert(len >= 2 && len <= 9, "\"%s\"", out);
			const char *u = strchr(units, out[len - 1]);
			cr_assert_not_null(u, "\"%s\"", out);
			int64_t back = parse_ok(out);
			cr_assert(back <= v, "%lld → %s → %lld gained time", (long long)v, out,
				  (long long)back);
			cr_assert(v - back < unit_ns[u - units], "%lld → %s → %lld lost a unit or more",
				  (long long)v, out, (long long)back);
		}
		x = x * 3 + 7;
	}
}

Test(deadline, effective_takes_the_earliest)
{
	cr_assert_eq(deadline_effective_ms(1000, 500, 300), 1300);
	cr_assert_eq(deadline_effective_ms(1000, 200, 300), 1200);
	cr_assert_eq(deadline_effective_ms(1000, 0, 300), 1300);
	cr_assert_eq(deadline_effective_ms(1000, -5, 300), 1300);
	cr_assert_eq(deadline_effective_ms(1000, 500, -1), 1500);
	cr_assert_eq(deadline_effective_ms(1000, 0, -1), -1);
	/* A received budget of 0 is a deadline that has already passed. */
	cr_assert_eq(deadline_effective_ms(1000, 500, 0), 1000);
	cr_assert_eq(deadline_effective_ms(-100, 50, -1), 0);
}

Test(deadline, send_budget_subtracts_margin_and_clamps)
{
	cr_assert_eq(deadline_send_budget_ms(1300, 1000, 20), 280);
	cr_assert_eq(deadline_send_budget_ms(1300, 1000, 0), 300);
	cr_assert_eq(deadline_send_budget_ms(1300, 1290, 20), 0);
	cr_assert_eq(deadline_send_budget_ms(1300, 1400, 0), 0);
	cr_assert_eq(deadline_send_budget_ms(-1, 1000, 20), -1);
}
