/* dbsim: the database at the end of the chain (see db.h); its knobs are
 * tiers.dbsim in the scenario. */
#include "db.h"

int main(int argc, char **argv)
{
	static const struct proc_info info = {
		.name = "dbsim",
		.tier = TIER_DBSIM,
		.server = true,
		.default_port = 8083,
		.default_upstream = NULL,
		.summary = "cascade's database simulator: workers, a FIFO queue, a service-time\n"
			   "distribution, statement_timeout, deadline and cancellation handling, faults.",
	};
	return db_main(&info, argc, argv);
}
