/* fuzz_set: --set overrides (scenario_load with sets and no file): the key
 * path with its array indexes, the JSON-or-string value, the merge, and the
 * blame of a bad value on its --set.  Each input line is one KEY=VALUE. */
#include "scenario_check.h"

#define SETS_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_LEN] = "";
	char *sets[SETS_MAX];
	size_t nsets = 0;
	struct scenario sc;
	char *text = fuzz_cstr(data, size);

	for (char *line = text; line && nsets < SETS_MAX;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		sets[nsets++] = line;
		line = nl ? nl + 1 : NULL;
	}
	if (scenario_load(&sc, NULL, sets, nsets, err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
	else
		fuzz_check_scenario(&sc);
	scenario_free(&sc);
	free(text);
	return 0;
}
