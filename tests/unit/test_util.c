/* Unit tests for util: the sbuf invariants and errf's contract. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

Test(util, sbuf_never_written_reads_empty)
{
	struct sbuf sb = SBUF_INIT;
	cr_assert_str_eq(sbuf_str(&sb), "");
	cr_assert_eq(sb.len, 0);
	sbuf_reset(&sb);
	cr_assert_str_eq(sbuf_str(&sb), "");
	sbuf_free(&sb);
	sbuf_free(&sb);
}

Test(util, sbuf_add_keeps_nul_and_len)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_add(&sb, "ab\0cd", 5);
	cr_assert_eq(sb.len, 5);
	cr_assert_eq(memcmp(sb.buf, "ab\0cd", 6), 0);
	sbuf_adds(&sb, "ef");
	cr_assert_eq(sb.len, 7);
	cr_assert_eq(sb.buf[7], '\0');
	sbuf_free(&sb);
	cr_assert_null(sb.buf);
	cr_assert_eq(sb.len, 0);
}

Test(util, sbuf_add_empty_is_valid_string)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_add(&sb, "", 0);
	cr_assert_str_eq(sbuf_str(&sb), "");
	cr_assert_str_eq(sb.buf, "");
	sbuf_free(&sb);
}

Test(util, sbuf_addf_grows_past_initial_room)
{
	struct sbuf sb = SBUF_INIT;
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 10; i++)
		sbuf_addf(&sb, "%d:%s;", i, big);
	cr_assert_eq(sb.len, 10 * (2 + 999 + 1));
	cr_assert_eq(strlen(sb.buf), sb.len);
	cr_assert_eq(sb.buf[0], '0');
	cr_assert_eq(sb.buf[sb.len - 1], ';');
	cr_assert(sb.cap > sb.len);
	sbuf_free(&sb);
}

Test(util, sbuf_reset_keeps_memory)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_adds(&sb, "hello");
	char *before = sb.buf;
	size_t cap = sb.cap;
	sbuf_reset(&sb);
	cr_assert_eq(sb.len, 0);
	cr_assert_str_eq(sbuf_str(&sb), "");
	cr_assert_eq(sb.buf, before);
	cr_assert_eq(sb.cap, cap);
	sbuf_addf(&sb, "%s-%d", "x", 7);
	cr_assert_str_eq(sb.buf, "x-7");
	sbuf_free(&sb);
}

Test(util, sbuf_detach_hands_over_and_resets)
{
	struct sbuf sb = SBUF_INIT;
	char *empty = sbuf_detach(&sb);
	cr_assert_str_eq(empty, "");
	free(empty);

	sbuf_adds(&sb, "owned");
	char *s = sbuf_detach(&sb);
	cr_assert_str_eq(s, "owned");
	cr_assert_str_eq(sbuf_str(&sb), "");
	cr_assert_eq(sb.len, 0);
	sbuf_adds(&sb, "again");
	cr_assert_str_eq(sb.buf, "again");
	free(s);
	sbuf_free(&sb);
}

Test(util, xasprintf_and_xstrdup)
{
	char *s = xasprintf("%s=%d", "n", 42);
	cr_assert_str_eq(s, "n=42");
	char *d = xstrdup(s);
	cr_assert_str_eq(d, "n=42");
	cr_assert_neq(d, s);
	free(s);
	free(d);
}

Test(util, xalloc_zero_sizes_are_not_null)
{
	void *a = xmalloc(0);
	void *b = xcalloc(0, 8);
	int *c = xcalloc(4, sizeof(int));
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(c[i], 0);
	c = xrealloc(c, 8 * sizeof(int));
	cr_assert_eq(c[3], 0);
	free(a);
	free(b);
	free(c);
}

Test(util, errf_fills_truncates_and_returns_minus_one)
{
	char err[8];
	cr_assert_eq(errf(err, sizeof(err), "bad %s", "value here"), -1);
	cr_assert_str_eq(err, "bad val");
	cr_assert_eq(errf(NULL, 0, "ignored %d", 1), -1);
	cr_assert_eq(errf(err, 0, "ignored"), -1);
	cr_assert_str_eq(err, "bad val");
}

/* fmt_fixed must match printf byte for byte: CSV columns and bodies are
 * compared across runs and versions. */
static void expect_fixed_as_printf(double v, int decimals)
{
	char want[FMT_NUM_MAX], got[FMT_NUM_MAX];
	int d = decimals < 0 ? 0 : decimals > 17 ? 17 : decimals;
	int wn = snprintf(want, sizeof(want), "%.*f", d, v);
	size_t gn = fmt_fixed(got, v, decimals);

	cr_assert_eq(gn, (size_t)wn, "%.17g with %d decimals: \"%s\", want \"%s\"", v, decimals, got, want);
	cr_assert_str_eq(got, want, "%.17g with %d decimals", v, decimals);
}

Test(util, fmt_fixed_matches_printf_on_edges)
{
	static const double edges[] = {0.0, -0.0, 0.0005, 0.0015, 0.0025, 1.0005, 2.5, 3.5, -2.5, 0.125, 0.375,
				       -0.0001, -0.0005, 0.9995, 0.99949999, 999.9995, 1e-9, 123456789.1235,
				       1099511627776.0, 1099511627775.4, 4503599627370497.0, 1e300, -1e300,
				       NAN, -NAN, INFINITY, -INFINITY, 2.0 / 3, 1.0 / 3, 50.0905};
	for (size_t i = 0; i < ARRAY_LEN(edges); i++)
		for (int d = -1; d <= 18; d++)
			expect_fixed_as_printf(edges[i], d);
}

Test(util, fmt_fixed_matches_printf_on_random_values)
{
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (int i = 0; i < 200000; i++) {
		/* xorshift: a fixed, reproducible spread of mantissas and magnitudes */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double mant = (double)(x >> 11) / (double)(1ull << 53);
		int exp10 = (int)(x % 16) - 6;
		double v = mant * pow(10, exp10) * ((x >> 5) & 1 ? -1 : 1);
		/* halves and quarters of thousandths: exact ties in binary */
		if (i % 7 == 0)
			v = (double)(int64_t)(x % 2000000) / 2000.0 + 0.0005 * (double)(x >> 62);
		expect_fixed_as_printf(v, (int)(x >> 40) % 10);
		expect_fixed_as_printf(v, 3);
	}
}

Test(util, fmt_i64_matches_printf)
{
	static const int64_t vals[] = {0, 1, -1, 9, 10, -10, 1234567890123, INT64_MAX, INT64_MIN, INT64_MIN + 1};
	char want[32], got[FMT_NUM_MAX];

	for (size_t i = 0; i < ARRAY_LEN(vals); i++) {
		snprintf(want, sizeof(want), "%" PRId64, vals[i]);
		cr_assert_eq(fmt_i64(got, vals[i]), strlen(want));
		cr_assert_str_eq(got, want);
	}
}

Test(util, str_escape_shows_outside_bytes_as_hex)
{
	char out[64];

	str_escape(out, sizeof(out), "plain text, \"quoted\" ~");
	cr_assert_str_eq(out, "plain text, \"quoted\" ~");
	str_escape(out, sizeof(out), "\x01\x1b[31m\x7f\t\r\n");
	cr_assert_str_eq(out, "\\x01\\x1b[31m\\x7f\\x09\\x0d\\x0a");
	str_escape(out, sizeof(out), "caf\xc3\xa9 a\\b");
	cr_assert_str_eq(out, "caf\\xc3\\xa9 a\\x5cb");
	str_escape(out, sizeof(out), "");
	cr_assert_str_eq(out, "");
}

Test(util, str_escape_cuts_between_escapes)
{
	char out[8];

	str_escape(out, sizeof(out), "ab\x01\x02");  /* "ab\x01" is 6; "\x02" would need 10 */
	cr_assert_str_eq(out, "ab\\x01");
	str_escape(out, 5, "\x01");  /* 4 bytes + NUL fit */
	cr_assert_str_eq(out, "\\x01");
	str_escape(out, 4, "\x01z"); /* the escape does not fit at all */
	cr_assert_str_eq(out, "");
	str_escape(out, 1, "abc");
	cr_assert_str_eq(out, "");
	out[0] = 'x';
	str_escape(out, 0, "abc"); /* nothing written */
	cr_assert_eq(out[0], 'x');
}
