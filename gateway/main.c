/* gateway: the chain's entry point.  The shared tier logic (lib/tier.c) with
 * this hop's name and defaults; its knobs are tiers.gateway in the scenario. */
#include "tier.h"

int main(int argc, char **argv)
{
	static const struct proc_info info = {
		.name = "gateway",
		.tier = TIER_GATEWAY,
		.server = true,
		.default_port = 8080,
		.default_upstream = "http://127.0.0.1:8081/",
		.summary = "cascade tier 'gateway': forwards each request to its upstream with the\n"
			   "timeouts, retries, deadline and cancellation of tiers.gateway in the scenario.",
	};
	return tier_main(&info, argc, argv);
}
