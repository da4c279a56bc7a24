/* tier: the logic shared by gateway, svc_a and svc_b.  An inbound request
 * gets an effective deadline (own timeout, and the received budget when
 * propagate_deadline is on), is forwarded to the upstream with retries,
 * backoff and jitter, and ends in exactly one reply and one server row; each
 * attempt ends in one client row.  See scenarios/README.md for the knobs. */
#ifndef CASCADE_TIER_H
#define CASCADE_TIER_H

#include "proc.h"

/* main() of a tier binary. */
int tier_main(const struct proc_info *info, int argc, char **argv);

#endif
