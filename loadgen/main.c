/* loadgen: the open-loop client at the top of the chain.  Options and
 * output: loadgen/README.md. */
#include "loadgen.h"
#include "log.h"
#include "proc.h"

static const struct proc_info loadgen_info = {
    .name = "loadgen",
    .tier = TIER_COUNT,
    .server = false,
    .default_upstream = "http://127.0.0.1:8080/",
    .summary = "Open-loop load generator: sends the scenario's arrivals (load.*) to --upstream and\n"
	       "writes one row per attempt to <out>/requests.csv.",
};

int main(int argc, char **argv)
{
	struct proc p;
	struct lg *g;
	char err[ERR_LEN];
	int rc = proc_init(&p, &loadgen_info, argc, argv);

	if (rc >= 0)
		return rc;
	g = lg_new(&p, err, sizeof(err));
	if (!g) {
		log_error("%s", err);
		/* proc_run releases everything; stopping first makes it return at once. */
		p.exit_code = 1;
		proc_stop(&p);
		return proc_run(&p);
	}
	p.app = g;
	p.on_stop = lg_on_stop;
	lg_start(g);
	rc = proc_run(&p);
	lg_free(g);
	return rc;
}
