/* live: the terminal dashboard of a running cascade chain.  The command
 * line is parsed and the loop run in run.c; what is drawn lives in live.c. */
#include <stdio.h>

#include "run.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct live_opts opts;
	char err[ERR_LEN] = "";
	int rc = live_parse_args(&opts, argc, argv, err, sizeof(err));

	if (rc == 2) {
		fprintf(stderr, "live: %s\n(live --help lists the options)\n", err);
	}
	if (rc < 0 && (rc = live_run(&opts, err, sizeof(err))) != 0)
		fprintf(stderr, "live: %s\n", err);
	live_opts_free(&opts);
	return rc;
}
