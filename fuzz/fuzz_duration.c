/* fuzz_duration: the duration strings of scenario files and --set values
 * (duration_parse_ms).  What is accepted is finite and >= 0, and its
 * printed form (duration_format) parses back to about the same value: ms
 * rounded to 3 decimals at worst, and never a positive duration turned
 * into 0, which a scenario reads as "none". */
#include "fuzz.h"

#include <math.h>

#include "duration.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char err[ERR_LEN], out[400];
	double ms = -1, ms2 = -1;

	if (duration_parse_ms(s, &ms, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0', "rejected \"%s\" without a reason", s);
		goto done;
	}
	FUZZ_CHECK(isfinite(ms) && ms >= 0, "\"%s\" -> %g ms", s, ms);

	duration_format(ms, out, sizeof(out));
	FUZZ_CHECK(duration_parse_ms(out, &ms2, err, sizeof(err)) == 0, "\"%s\" (%.17g ms) -> \"%s\": %s", s,
		   ms, out, err);
	FUZZ_CHECK(fabs(ms2 - ms) <= 0.0005 + 1e-9 * ms, "\"%s\" (%.17g ms) -> \"%s\" (%.17g ms)", s, ms, out,
		   ms2);
	FUZZ_CHECK(ms2 > 0 || ms == 0, "\"%s\" (%.17g ms) -> \"%s\"", s, ms, out);
done:
	free(s);
	return 0;
}
