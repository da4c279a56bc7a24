/* Unit tests for trace: every traceparent rule of W3C trace-context level 1,
 * id generation, and the lineage header's grammar. */
#include <criterion/criterion.h>
#include <string.h>

#include "trace.h"
#include "util.h"

#define GOOD_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define GOOD_SPAN "00f067aa0ba902b7"
#define GOOD "00-" GOOD_TRACE "-" GOOD_SPAN "-01"

static void tp_bad(const char *value, const char *want_in_err)
{
	struct traceparent tp;
	char err[ERR_LEN] = "";
	memset(&tp, 0x5a, sizeof(tp));
	cr_assert_eq(trace_parse(value, &tp, err, sizeof(err)), -1, "accepted \"%s\"",
		     value ? value : "(null)");
	cr_assert(strstr(err, want_in_err), "\"%s\": message \"%s\" lacks \"%s\"", value ? value : "(null)",
		  err, want_in_err);
	cr_assert_eq(tp.flags, 0x5a, "output written on error");
}

static void lineage_bad(const char *value, const char *want_in_err)
{
	char err[ERR_LEN] = "";
	cr_assert_eq(lineage_validate(value, err, sizeof(err)), -1, "accepted \"%s\"",
		     value ? value : "(null)");
	cr_assert(strstr(err, want_in_err), "\"%s\": message \"%s\" lacks \"%s\"", value ? value : "(null)",
		  err, want_in_err);
}

static void lineage_ok(const char *value)
{
	char err[ERR_LEN] = "";
	cr_assert_eq(lineage_validate(value, err, sizeof(err)), 0, "\"%s\" rejected: %s", value, err);
}

Test(trace, parses_the_spec_example)
{
	struct traceparent tp;
	char err[ERR_LEN] = "";
	cr_assert_eq(trace_parse(GOOD, &tp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tp.trace_id, GOOD_TRACE);
	cr_assert_str_eq(tp.parent_id, GOOD_SPAN);
	cr_assert_eq(tp.flags, 0x01);
}

Test(trace, flags_any_hex_value)
{
	struct traceparent tp;
	cr_assert_eq(trace_parse("00-" GOOD_TRACE "-" GOOD_SPAN "-00", &tp, NULL, 0), 0);
	cr_assert_eq(tp.flags, 0);
	cr_assert_eq(trace_parse("00-" GOOD_TRACE "-" GOOD_SPAN "-ff", &tp, NULL, 0), 0);
	cr_assert_eq(tp.flags, 0xff);
	cr_assert_eq(trace_parse("00-" GOOD_TRACE "-" GOOD_SPAN "-a9", &tp, NULL, 0), 0);
	cr_assert_eq(tp.flags, 0xa9);
}

Test(trace, version_rules)
{
	struct traceparent tp;
	tp_bad("ff-" GOOD_TRACE "-" GOOD_SPAN "-01", "version ff");
	tp_bad("0g-" GOOD_TRACE "-" GOOD_SPAN "-01", "version");
	tp_bad("0A-" GOOD_TRACE "-" GOOD_SPAN "-01", "version");
	tp_bad("0", "version");
	/* A future version: same first 55 characters, may carry more after '-'. */
	cr_assert_eq(trace_parse("01-" GOOD_TRACE "-" GOOD_SPAN "-01", &tp, NULL, 0), 0);
	cr_assert_eq(trace_parse("cc-" GOOD_TRACE "-" GOOD_SPAN "-01-what-the-future-holds", &tp, NULL, 0),
		     0);
	cr_assert_str_eq(tp.trace_id, GOOD_TRACE);
	tp_bad("cc-" GOOD_TRACE "-" GOOD_SPAN "-01x", "no '-' after the flags");
	tp_bad("cc-" GOOD_TRACE "-" GOOD_SPAN "-0", "characters");
}

Test(trace, version_00_is_exactly_55)
{
	tp_bad(GOOD "-", "56 characters");
	tp_bad(GOOD "-extra", "characters");
	tp_bad("00-" GOOD_TRACE "-" GOOD_SPAN "-1", "54 characters");
	tp_bad("", "empty");
	tp_bad(NULL, "empty");
}

Test(trace, separators)
{
	tp_bad("00_" GOOD_TRACE "-" GOOD_SPAN "-01", "'-'");
	tp_bad("00-" GOOD_TRACE "_" GOOD_SPAN "-01", "'-'");
	tp_bad("00-" GOOD_TRACE "-" GOOD_SPAN "_01", "'-'");
	/* Right length, separators shifted. */
	tp_bad("00-" GOOD_TRACE "0-"
	       "0f067aa0ba902b7"
	       "-01",
	       "'-'");
}

Test(trace, trace_id_rules)
{
	tp_bad("00-4BF92F3577B34DA6A3CE929D0E0E4736-" GOOD_SPAN "-01", "trace-id");
	tp_bad("00-4bf92f3577b34da6a3ce929d0e0e473g-" GOOD_SPAN "-01", "trace-id");
	tp_bad("00-00000000000000000000000000000000-" GOOD_SPAN "-01", "trace-id is all zeros");
}

Test(trace, parent_id_rules)
{
	tp_bad("00-" GOOD_TRACE "-00F067AA0BA902B7-01", "parent-id");
	tp_bad("00-" GOOD_TRACE "-00f067aa0ba902bz-01", "parent-id");
	tp_bad("00-" GOOD_TRACE "-0000000000000000-01", "parent-id is all zeros");
}

Test(trace, flags_rules)
{
	tp_bad("00-" GOOD_TRACE "-" GOOD_SPAN "-0G", "flags");
	tp_bad("00-" GOOD_TRACE "-" GOOD_SPAN "-AB", "flags");
	tp_bad("00-" GOOD_TRACE "-" GOOD_SPAN "- 1", "flags");
}

Test(trace, format_round_trips)
{
	char out[TRACEPARENT_LEN + 1];
	struct traceparent tp;
	trace_format(out, GOOD_TRACE, GOOD_SPAN, 1);
	cr_assert_str_eq(out, GOOD);
	trace_format(out, GOOD_TRACE, GOOD_SPAN, 0xab);
	cr_assert_eq(strlen(out), TRACEPARENT_LEN);
	cr_assert_eq(trace_parse(out, &tp, NULL, 0), 0);
	cr_assert_eq(tp.flags, 0xab);
}

Test(trace, new_ids_are_valid_and_replayable)
{
	struct rng a, b;
	rng_seed(&a, 11);
	rng_seed(&b, 11);
	for (int i = 0; i < 1000; i++) {
		char t1[TRACE_ID_LEN + 1], t2[TRACE_ID_LEN + 1], s1[SPAN_ID_LEN + 1], s2[SPAN_ID_LEN + 1];
		char tp_str[TRACEPARENT_LEN + 1];
		struct traceparent tp;
		trace_new_trace_id(&a, t1);
		trace_new_span_id(&a, s1);
		trace_new_trace_id(&b, t2);
		trace_new_span_id(&b, s2);
		cr_assert_str_eq(t1, t2);
		cr_assert_str_eq(s1, s2);
		cr_assert_eq(strlen(t1), TRACE_ID_LEN);
		cr_assert_eq(strlen(s1), SPAN_ID_LEN);
		trace_format(tp_str, t1, s1, 1);
		cr_assert_eq(trace_parse(tp_str, &tp, NULL, 0), 0, "%s", tp_str);
	}
}

Test(trace, new_span_id_skips_a_zero_draw)
{
	/* From state {1,2,3,4} xoshiro256** yields 11520, then 0, then
	 * 1509978240: the zero must be drawn again, not used. */
	struct rng r = {{1, 2, 3, 4}};
	char s[SPAN_ID_LEN + 1];
	trace_new_span_id(&r, s);
	cr_assert_str_eq(s, "0000000000002d00");
	trace_new_span_id(&r, s);
	cr_assert_str_eq(s, "000000005a007080");
}

Test(trace, lineage_valid_forms)
{
	lineage_ok("gateway#1");
	lineage_ok("gateway#1>svc_a#3>svc_b#2");
	lineage_ok("a#9999");
	lineage_ok("tier_2#10");
	lineage_ok("a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1");
}

Test(trace, lineage_rules)
{
	lineage_bad(NULL, "empty");
	lineage_bad("", "empty");
	lineage_bad("gateway", "expected '#'");
	lineage_bad("gateway#", "no attempt");
	lineage_bad("#1", "no tier");
	lineage_bad("Gateway#1", "no tier");
	lineage_bad("svc-a#1", "expected '#'");
	lineage_bad("gateway#0", "1..9999");
	lineage_bad("gateway#01", "leading zeros");
	lineage_bad("gateway#10000", "above 9999");
	lineage_bad("gateway#99999999999", "above 9999");
	lineage_bad("gateway#-1", "no attempt");
	lineage_bad("gateway#1>", "no tier");
	lineage_bad(">gateway#1", "no tier");
	lineage_bad("gateway#1>>svc_a#1", "no tier");
	lineage_bad("gateway#1 ", "unexpected ' '");
	lineage_bad("gateway#1x", "unexpected 'x'");
	lineage_bad("gateway#1,svc_a#1", "unexpected ','");
	lineage_bad("a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1>a#1",
		    "more than 16 hops");
}

Test(trace, lineage_length_limit)
{
	char v[LINEAGE_MAX + 1];
	/* One hop of exactly LINEAGE_MAX-1 bytes is fine, one more is not. */
	memset(v, 'a', LINEAGE_MAX - 3);
	memcpy(v + LINEAGE_MAX - 3, "#1", 3);
	cr_assert_eq(strlen(v), LINEAGE_MAX - 1);
	lineage_ok(v);
	memset(v, 'a', LINEAGE_MAX - 2);
	memcpy(v + LINEAGE_MAX - 2, "#1", 3);
	lineage_bad(v, "at most 255");
}

Test(trace, lineage_append_and_last_attempt)
{
	char l[LINEAGE_MAX];
	cr_assert_eq(lineage_append(l, NULL, "gateway", 1), 0);
	cr_assert_str_eq(l, "gateway#1");
	cr_assert_eq(lineage_append(l, "", "gateway", 2), 0);
	cr_assert_str_eq(l, "gateway#2");
	cr_assert_eq(lineage_append(l, l, "svc_a", 3), 0);
	cr_assert_str_eq(l, "gateway#2>svc_a#3");
	cr_assert_eq(lineage_append(l, l, "svc_b", 12), 0);
	cr_assert_str_eq(l, "gateway#2>svc_a#3>svc_b#12");
	lineage_ok(l);
	cr_assert_eq(lineage_last_attempt(l), 12);
	cr_assert_eq(lineage_last_attempt("gateway#1"), 1);
	cr_assert_eq(lineage_last_attempt("a#9999"), 9999);
	cr_assert_eq(lineage_last_attempt(""), 0);
	cr_assert_eq(lineage_last_attempt(NULL), 0);
	cr_assert_eq(lineage_last_attempt("gateway"), 0);
	cr_assert_eq(lineage_append(l, "x", NULL, 1), -1);
}

Test(trace, lineage_append_refuses_overflow)
{
	char in[LINEAGE_MAX];
	char out[LINEAGE_MAX] = "untouched";
	/* in + ">b#1" is exactly LINEAGE_MAX-1 bytes: fits.  One more: no. */
	memset(in, 'a', LINEAGE_MAX - 1 - 4 - 2);
	memcpy(in + LINEAGE_MAX - 1 - 4 - 2, "#1", 3);
	cr_assert_eq(lineage_append(out, in, "b", 1), 0);
	cr_assert_eq(strlen(out), LINEAGE_MAX - 1);
	lineage_ok(out);
	strcpy(out, "untouched");
	cr_assert_eq(lineage_append(out, in, "bb", 1), -1);
	cr_assert_str_eq(out, "untouched");
}
