/* fuzz_scenario: a scenario file (scenario_load_text: the JSON scan that
 * records key positions, the merge over the defaults, every check).  A
 * rejected file has a message naming it; an accepted one keeps every rule
 * of scenario.h and reloads from its resolved JSON unchanged. */
#include "scenario_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_LEN] = "";
	struct scenario sc;
	/* An exact-size copy: the loader must not read past len. */
	char *text = malloc(size ? size : 1);

	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	if (scenario_load_text(&sc, "f.json", text, size, NULL, 0, err, sizeof(err)) < 0)
		FUZZ_CHECK(!strncmp(err, "f.json", 6), "message \"%s\" does not name the file", err);
	else
		fuzz_check_scenario(&sc);
	scenario_free(&sc);
	free(text);
	return 0;
}
