/* fuzz_lineage: the x-cascade-lineage header a tier receives
 * (lineage_validate, then lineage_last_attempt on what passed), and the hop
 * a tier appends before sending it on (lineage_append). */
#include "fuzz.h"

#include "trace.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_cstr(data, size);
	char err[ERR_LEN], out[LINEAGE_MAX];
	size_t len = strlen(value);

	/* Whatever the header says, these must not read out of bounds. */
	(void)lineage_last_attempt(value);
	if (lineage_validate(value, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0', "rejected \"%s\" without a reason", value);
		goto done;
	}
	FUZZ_CHECK(len > 0 && len < LINEAGE_MAX, "accepted %zu bytes", len);

	int attempt = lineage_last_attempt(value);
	const char *hash = strrchr(value, '#');
	FUZZ_CHECK(hash && attempt >= 1 && attempt <= 9999, "\"%s\": last attempt %d", value, attempt);
	FUZZ_CHECK(attempt == atoi(hash + 1), "\"%s\": last attempt %d", value, attempt);

	size_t hops = 1;
	for (const char *p = value; *p; p++)
		hops += *p == '>';
	FUZZ_CHECK(hops <= 16, "\"%s\": %zu hops", value, hops);

	/* Appending in place, as a tier does: a fitting result is well formed
	 * unless it made a 17th hop; one that does not fit leaves out alone. */
	memcpy(out, value, len + 1);
	if (lineage_append(out, out, "svc_b", 9999) == 0) {
		FUZZ_CHECK(!strncmp(out, value, len) && !strcmp(out + len, ">svc_b#9999"), "\"%s\" -> \"%s\"",
			   value, out);
		FUZZ_CHECK((lineage_validate(out, err, sizeof(err)) == 0) == (hops < 16),
			   "\"%s\" -> \"%s\": %s", value, out, err);
		FUZZ_CHECK(lineage_last_attempt(out) == 9999, "\"%s\"", out);
	} else {
		FUZZ_CHECK(len + strlen(">svc_b#9999") >= LINEAGE_MAX, "\"%s\": append refused", value);
		FUZZ_CHECK(!strcmp(out, value), "refused append changed \"%s\" to \"%s\"", value, out);
	}
done:
	free(value);
	return 0;
}
