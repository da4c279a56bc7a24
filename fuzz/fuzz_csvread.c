/* fuzz_csvread: the run folder's CSVs as report reads them (csvr_open_stream
 * on the bytes, csvr_next to the end, csvr_double and csvr_int on every
 * field).  The first byte picks the expected header: any, or one of the
 * five the writers use, so the fuzzer gets past each real header.  Every
 * record handed out has exactly the header's field count, starts on a line
 * after the previous one, and a field that reads as an int reads as the
 * same double. */
#include "fuzz.h"

#include <stdbool.h>

#include "csvread.h"
#include "proc.h"
#include "record.h"
#include "run.h"
#include "summary.h"
#include "timeseries.h"
#include "util.h"

static const char *const headers[] = {
    NULL, REQUESTS_CSV_HEADER, SPAN_CSV_HEADER, STATS_CSV_HEADER, SUMMARY_CSV_HEADER, TIMESERIES_CSV_HEADER};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_LEN] = "";

	if (size < 2)
		return 0;
	const char *expected = headers[data[0] % ARRAY_LEN(headers)];
	FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f)
		abort();
	struct csvr *r = csvr_open_stream(f, "x.csv", expected, err, sizeof(err));
	if (!r) {
		FUZZ_CHECK(!strncmp(err, "x.csv", 5), "message \"%s\" does not name the file", err);
		return 0;
	}
	size_t ncols = csvr_nfields(r), last_line = 1;
	int rc;
	while ((rc = csvr_next(r, err, sizeof(err))) == 1) {
		FUZZ_CHECK(csvr_nfields(r) == ncols, "%zu fields, header has %zu", csvr_nfields(r), ncols);
		FUZZ_CHECK(csvr_line(r) > last_line, "record on line %zu after line %zu", csvr_line(r),
			   last_line);
		last_line = csvr_line(r);
		for (size_t i = 0; i < ncols; i++) {
			double d;
			int n;
			bool dp, ip;
			int drc = csvr_double(r, i, &d, &dp, err, sizeof(err));
			int irc = csvr_int(r, i, &n, &ip, err, sizeof(err));
			if (irc == 0 && ip)
				FUZZ_CHECK(drc == 0 && dp && d == n, "field '%s': int %d, double %g",
					   csvr_field(r, i), n, d);
			if (!csvr_field(r, i)[0])
				FUZZ_CHECK(drc == 0 && !dp && irc == 0 && !ip, "empty field read as present");
			(void)csvr_column(r, i);
		}
	}
	FUZZ_CHECK(rc == 0 || (rc == -1 && !strncmp(err, "x.csv:", 6)), "csvr_next %d: \"%s\"", rc, err);
	FUZZ_CHECK(rc == 0 || csvr_nfields(r) == 0, "a bad record is visible: %zu fields", csvr_nfields(r));
	csvr_close(r);
	return 0;
}
