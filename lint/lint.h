/* lint: static analysis of a loaded scenario, before anything runs.  It
 * reads the settings the way the cores act on them (core/tier_core.c,
 * core/db_core.c, core/client_core.c) and reports what a run would suffer
 * from: the worst-case attempts reaching each tier per client request,
 * timeouts that outlive their callers, retries that cannot finish (or even
 * start) within the tier's budget, hedges that never overlap, orphaned
 * work, the incident's pattern of per-layer timeouts without a deadline,
 * and a statement timeout or a queue longer than anyone waits.  Each rule,
 * its severity and its suggestion: lint/README.md.
 *
 * A finding names the key it is about and where that key is: file:line:col
 * of the key, the --set that wrote it, or, for a default, the nearest
 * enclosing key the file has (else 1:1).  Nothing here prints; main does. */
#ifndef CASCADE_LINT_H
#define CASCADE_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "util.h"

enum lint_severity {
	LINT_NOTE,    /* information; never changes the exit status */
	LINT_WARNING, /* exit 1 only with --strict */
	LINT_ERROR,   /* exit 1 */
};
const char *lint_severity_name(enum lint_severity s); /* "note", "warning", "error" */

/* The rules (lint/README.md); each finding's value is the rule's headline
 * number, durations in ms, INFINITY for "no limit": */
enum lint_rule {
	LINT_AMPLIFICATION,	     /* worst-case queries at dbsim per client request */
	LINT_CLIENT_TIMEOUT,	     /* load.client_timeout */
	LINT_INCIDENT_PATTERN,	     /* tiers with a timeout, retries and no deadline from the caller */
	LINT_OUTLIVES_CALLER,	     /* the tier's deadline */
	LINT_LATE_RETRY,	     /* the earliest start of the first retry that comes too late */
	LINT_RETRIES_OUTLAST_BUDGET, /* attempts × attempt timeout + the longest backoffs */
	LINT_HEDGE_DELAY,	     /* hedge.delay */
	LINT_ORPHANED_WORK,	     /* the caller's attempts per request it receives */
	LINT_STATEMENT_TIMEOUT,	     /* statement_timeout */
	LINT_QUEUE_OUTLASTS_CALLERS, /* the work a full queue holds */
	LINT_RULE_COUNT
};
const char *lint_rule_name(enum lint_rule r); /* "amplification", "client-timeout", ... */

enum lint_origin {
	LINT_FROM_FILE,	   /* the key is in the file, at line:col */
	LINT_FROM_DEFAULT, /* not in the file: line:col is the nearest enclosing key it has, or 1:1 */
	LINT_FROM_SET,	   /* written by the set-th --set */
};

#define LINT_KEY_MAX 64

struct lint_finding {
	enum lint_rule rule;
	enum lint_severity severity;
	char key[LINT_KEY_MAX]; /* "tiers.svc_b.retries" */
	enum lint_origin origin;
	int line, col;
	size_t set;
	double value;	  /* the rule's headline number (above); ms for durations */
	char *message;	  /* owned: what is wrong, with the numbers */
	char *suggestion; /* owned; NULL for a note */
};

/* Findings in the order found; {0} is empty, lint_list_free empties it. */
struct lint_list {
	struct lint_finding *v;
	size_t n, cap;
};
void lint_list_free(struct lint_list *l);
/* How many findings have severity s or above. */
size_t lint_count(const struct lint_list *l, enum lint_severity s);

/* Where the scenario came from, to point at keys; all borrowed. */
struct lint_source {
	const char *file;			/* as named in messages; NULL: no file */
	const struct scenario_origins *origins; /* NULL: every value a default */
	char *const *sets;			/* the --set values, as given */
	size_t nsets;
};

/* Append sc's findings to out: the amplification first, then the chain from
 * the client down to dbsim.  Returns how many were appended. */
size_t lint_scenario(const struct scenario *sc, const struct lint_source *src, struct lint_list *out);

/* Worst-case attempts reaching each tier (by enum tier_id) per client
 * request: the client's attempts times those of every forwarding tier above
 * (1 + retries, or hedge.max_attempts when hedging).  A cache does not
 * change it (a miss goes through), nor do retry budgets (they bound the
 * average, not one request). */
void lint_worst_case(const struct scenario *sc, long out[TIER_COUNT]);

/* One finding as a line, without the newline:
 * "FILE:L:C: warning: KEY: MESSAGE[ [default value, not in the file]] (suggestion: ...)";
 * a value from a --set starts "--set KEY=VALUE: ". */
void lint_format(const struct lint_finding *f, const struct lint_source *src, struct sbuf *out);

#endif
