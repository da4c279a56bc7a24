/* fuzz_deadline: the grpc-timeout header a tier receives (deadline_parse),
 * and the way back out: whatever is accepted must format and parse again to
 * no more time than was received, and the formatted form must be stable;
 * the same when a tier passes the budget on from its ms (deadline_format_ms). */
#include "fuzz.h"

#include "deadline.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_cstr(data, size);
	char err[ERR_LEN], wire[DEADLINE_WIRE_MAX], again[DEADLINE_WIRE_MAX];
	int64_t ns = -1, ns2 = -1;

	if (deadline_parse(value, &ns, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0', "rejected \"%s\" without a reason", value);
		goto done;
	}
	FUZZ_CHECK(ns >= 0, "\"%s\" -> %lld ns", value, (long long)ns);
	/* The 8 digits are at most 99999999, so 8 of them parse whole. */
	FUZZ_CHECK(strlen(value) <= DEADLINE_WIRE_MAX - 1, "\"%s\" accepted", value);

	deadline_format(ns, wire);
	FUZZ_CHECK(deadline_parse(wire, &ns2, err, sizeof(err)) == 0, "\"%s\" -> \"%s\": %s", value, wire,
		   err);
	FUZZ_CHECK(ns2 <= ns, "\"%s\" -> \"%s\" gives more time: %lld > %lld ns", value, wire, (long long)ns2,
		   (long long)ns);
	deadline_format(ns2, again);
	FUZZ_CHECK(!strcmp(wire, again), "\"%s\" -> \"%s\" -> \"%s\"", value, wire, again);

	/* A tier forwards what it received: proc.c turns the budget into ms,
	 * tier.c back into ns for the header.  With no time spent and no
	 * margin, what goes on must parse to no more than what came in. */
	double budget_ms = deadline_send_budget_ms(deadline_effective_ms(0, 0, (double)ns / 1e6), 0, 0);
	deadline_format_ms(budget_ms, again);
	FUZZ_CHECK(deadline_parse(again, &ns2, err, sizeof(err)) == 0, "\"%s\" -> \"%s\": %s", value, again,
		   err);
	FUZZ_CHECK(ns2 <= ns, "\"%s\" forwarded as \"%s\"", value, again);
done:
	free(value);
	return 0;
}
