/* fuzz_traceparent: the W3C traceparent header a tier receives
 * (trace_parse).  What is accepted formats back as version 00 to the same
 * ids and flags, and a version 00 header formats back byte for byte. */
#include "fuzz.h"

#include "trace.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_cstr(data, size);
	char err[ERR_LEN], wire[TRACEPARENT_LEN + 1];
	struct traceparent tp, tp2;

	memset(&tp, 0x5a, sizeof(tp));
	if (trace_parse(value, &tp, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0', "rejected \"%s\" without a reason", value);
		goto done;
	}
	FUZZ_CHECK(strlen(tp.trace_id) == TRACE_ID_LEN && strlen(tp.parent_id) == SPAN_ID_LEN,
		   "\"%s\": ids of %zu and %zu characters", value, strlen(tp.trace_id), strlen(tp.parent_id));
	trace_format(wire, tp.trace_id, tp.parent_id, tp.flags);
	FUZZ_CHECK(strlen(wire) == TRACEPARENT_LEN, "\"%s\" -> \"%s\"", value, wire);
	/* Past the version, the first 55 characters are the version 00 form. */
	FUZZ_CHECK(!memcmp(wire + 2, value + 2, TRACEPARENT_LEN - 2), "\"%s\" -> \"%s\"", value, wire);
	if (value[0] == '0' && value[1] == '0')
		FUZZ_CHECK(!strcmp(wire, value), "\"%s\" -> \"%s\"", value, wire);
	FUZZ_CHECK(trace_parse(wire, &tp2, err, sizeof(err)) == 0, "\"%s\" -> \"%s\": %s", value, wire, err);
	FUZZ_CHECK(!strcmp(tp.trace_id, tp2.trace_id) && !strcmp(tp.parent_id, tp2.parent_id) &&
		       tp.flags == tp2.flags,
		   "\"%s\" -> \"%s\" parses to other ids", value, wire);
done:
	free(value);
	return 0;
}
