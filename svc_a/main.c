/* svc_a: the first service behind the gateway.  The shared tier logic (lib/tier.c) with
 * this hop's name and defaults; its knobs are tiers.svc_a in the scenario. */
#include "tier.h"

int main(int argc, char **argv)
{
	static const struct proc_info info = {
		.name = "svc_a",
		.tier = TIER_SVC_A,
		.server = true,
		.default_port = 8081,
		.default_upstream = "http://127.0.0.1:8082/",
		.summary = "cascade tier 'svc_a': forwards each request to its upstream with the\n"
			   "timeouts, retries, deadline and cancellation of tiers.svc_a in the scenario.",
	};
	return tier_main(&info, argc, argv);
}
