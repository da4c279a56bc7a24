/* Unit tests for record: the span row's exact bytes and the outcome
 * vocabulary the report reads back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "util.h"

static char record_path[64];

static void record_tmp_setup(void)
{
	snprintf(record_path, sizeof(record_path), "/tmp/cascade-record-XXXXXX");
	int fd = mkstemp(record_path);
	cr_assert(fd >= 0);
	close(fd);
}

static void record_tmp_teardown(void)
{
	unlink(record_path);
}

static char *record_slurp(void)
{
	FILE *f = fopen(record_path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[4096];
	size_t n;

	cr_assert_not_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&sb, chunk, n);
	fclose(f);
	return sbuf_detach(&sb);
}

TestSuite(record, .init = record_tmp_setup, .fini = record_tmp_teardown);

Test(record, outcome_names_exact)
{
	static const char *want[OUT_COUNT] = {
	    "ok",	   "timeout", "deadline_expired", "upstream_error",    "conn_error",  "cancelled",
	    "caller_gone", "shed",    "bad_request",	  "statement_timeout", "fault_error", "breaker_open",
	    "hedge_lost",  "cache_hit",
	};
	for (int i = 0; i < OUT_COUNT; i++) {
		cr_assert_str_eq(outcome_name((enum outcome)i), want[i]);
		cr_assert_eq(outcome_from_name(want[i]), i);
	}
	cr_assert_str_eq(outcome_name(OUT_COUNT), "unknown");
	cr_assert_eq(outcome_from_name("unknown"), -1);
	cr_assert_eq(outcome_from_name("OK"), -1);
	cr_assert_eq(outcome_from_name(""), -1);
	cr_assert_eq(outcome_from_name(NULL), -1);
}

Test(record, span_rows_exact_bytes)
{
	char err[ERR_LEN] = "";
	struct csvw *w = csvw_open(record_path, SPAN_CSV_HEADER, err, sizeof(err));
	cr_assert_not_null(w, "%s", err);

	struct span_row client = {
	    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
	    .span_id = "00f067aa0ba902b7",
	    .parent_span_id = "a3ce929d0e0e4736",
	    .tier = "svc_a",
	    .kind = "client",
	    .attempt = 2,
	    .start_ms = 1234.5,
	    .end_ms = 1534.56789,
	    .budget_ms = 750.25,
	    .status = 503,
	    .outcome = OUT_UPSTREAM_ERROR,
	    .queue_ms = 0,
	    .work_ms = 300.06789,
	    .wasted_ms = 0,
	    .lineage = "gateway#1>svc_a#2",
	};
	struct span_row server = {
	    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
	    .span_id = "a3ce929d0e0e4736",
	    .parent_span_id = "",
	    .tier = "gateway",
	    .kind = "server",
	    .attempt = 1,
	    .start_ms = 0,
	    .end_ms = 2000,
	    .budget_ms = -1,
	    .status = 0,
	    .outcome = OUT_CALLER_GONE,
	    .queue_ms = 1.0005,
	    .work_ms = 1999.9999,
	    .wasted_ms = 12.0,
	    .lineage = "gateway#1",
	};
	record_span(w, &client);
	record_span(w, &server);
	cr_assert_eq(csvw_rows(w), 2);
	cr_assert_eq(csvw_close(w), 0);

	char *got = record_slurp();
	cr_assert_str_eq(
	    got, SPAN_CSV_HEADER
	    "\n"
	    "4bf92f3577b34da6a3ce929d0e0e4736,00f067aa0ba902b7,a3ce929d0e0e4736,svc_a,client,2,"
	    "1234.500,1534.568,750.250,503,upstream_error,0.000,300.068,0.000,gateway#1>svc_a#2\n"
	    "4bf92f3577b34da6a3ce929d0e0e4736,a3ce929d0e0e4736,,gateway,server,1,"
	    "0.000,2000.000,,0,caller_gone,1.000,2000.000,12.000,gateway#1\n");
	free(got);
}

Test(record, header_has_one_column_per_field)
{
	/* 15 fields are written by record_span; the header must agree. */
	int commas = 0;
	for (const char *p = SPAN_CSV_HEADER; *p; p++)
		commas += *p == ',';
	cr_assert_eq(commas, 14);
}
