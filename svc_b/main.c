/* svc_b: the service that queries the database.  The shared tier logic (lib/tier.c) with
 * this hop's name and defaults; its knobs are tiers.svc_b in the scenario. */
#include "tier.h"

int main(int argc, char **argv)
{
	static const struct proc_info info = {
		.name = "svc_b",
		.tier = TIER_SVC_B,
		.server = true,
		.default_port = 8082,
		.default_upstream = "http://127.0.0.1:8083/",
		.summary = "cascade tier 'svc_b': forwards each request to its upstream with the\n"
			   "timeouts, retries, deadline and cancellation of tiers.svc_b in the scenario.",
	};
	return tier_main(&info, argc, argv);
}
