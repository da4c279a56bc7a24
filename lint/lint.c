/* lint: the rules, each a function over a model of the chain built once
 * from the scenario as the cores read it: per layer (the client, each
 * forwarding tier, dbsim) its attempts, the timeout of one attempt, its
 * deadline, whether it cancels, the budget it sends, and the longest any
 * caller above still waits for it. */
#include "lint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_core.h"
#include "validate.h"

/* Above this many queries at dbsim per client request the amplification is
 * a warning even when one layer alone retries (lint/README.md). */
#define AMPLIFICATION_WARN 10

enum { L_CLIENT, L_GATEWAY, L_SVC_A, L_SVC_B, L_DBSIM, LAYERS };

struct layer {
	const char *name;
	const struct tier_cfg *cfg; /* forwarding tiers; else NULL */
	int attempts;		    /* per request received (the client: per client request) */
	bool hedges;
	double attempt_ms;  /* the timeout of one attempt; INFINITY: none */
	double budget_ms;   /* its deadline after arrival; INFINITY: none */
	bool gets_deadline; /* takes its caller's deadline into account */
	bool bounded;	    /* attempts cut to what is left of the deadline */
	bool cancels;	    /* stops its work when its caller leaves */
	bool sends;	    /* sends a budget with its attempts */
	double sent_ms;	    /* the largest it sends: with the first attempt */
	/* The longest anyone above still waits, from this layer's arrival: the
	 * smallest of the client's timeout and each tier's attempt timeout and
	 * deadline above; whose it is and which of the two. */
	double wait_ms;
	int wait_by;
	bool wait_is_deadline;
};

struct ctx {
	const struct scenario *sc;
	const struct lint_source *src;
	struct lint_list *out;
	size_t added;
	struct layer l[LAYERS];
	struct sbuf msg, sug; /* the finding being written */
	char durs[16][32];    /* dur()'s results, used in turn */
	unsigned next_dur;
};

static const char *const severity_names[] = {"note", "warning", "error"};
static const char *const rule_names[LINT_RULE_COUNT] = {
    [LINT_AMPLIFICATION] = "amplification",
    [LINT_CLIENT_TIMEOUT] = "client-timeout",
    [LINT_INCIDENT_PATTERN] = "incident-pattern",
    [LINT_OUTLIVES_CALLER] = "outlives-caller",
    [LINT_LATE_RETRY] = "late-retry",
    [LINT_RETRIES_OUTLAST_BUDGET] = "retries-outlast-budget",
    [LINT_HEDGE_DELAY] = "hedge-delay",
    [LINT_ORPHANED_WORK] = "orphaned-work",
    [LINT_STATEMENT_TIMEOUT] = "statement-timeout",
    [LINT_QUEUE_OUTLASTS_CALLERS] = "queue-outlasts-callers",
};

const char *lint_severity_name(enum lint_severity s)
{
	return (unsigned)s < ARRAY_LEN(severity_names) ? severity_names[s] : "?";
}

const char *lint_rule_name(enum lint_rule r)
{
	return (unsigned)r < LINT_RULE_COUNT ? rule_names[r] : "?";
}

void lint_list_free(struct lint_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].message);
		free(l->v[i].suggestion);
	}
	free(l->v);
	*l = (struct lint_list){0};
}

size_t lint_count(const struct lint_list *l, enum lint_severity s)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].severity >= s;
	return n;
}

/* ---- words and numbers ---- */

/* "20 s", "254.078 ms", "12704 s", "no limit": for people, not for files. */
static const char *dur(struct ctx *c, double ms)
{
	char *b = c->durs[c->next_dur++ % ARRAY_LEN(c->durs)];
	const char *unit = "ms";
	double v = ms;

	if (!isfinite(ms))
		return "no limit";
	if (ms >= 1000) {
		v = ms / 1000;
		unit = "s";
	}
	snprintf(b, sizeof(c->durs[0]), v >= 100 ? "%.0f" : "%.3f", v);
	if (strchr(b, '.')) {
		size_t n = strlen(b);
		while (b[n - 1] == '0')
			b[--n] = '\0';
		if (b[n - 1] == '.')
			b[--n] = '\0';
	}
	snprintf(b + strlen(b), sizeof(c->durs[0]) - strlen(b), " %s", unit);
	return b;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}
static double opt_ms(double ms)
{
	return ms > 0 ? ms : INFINITY;
} /* 0 = none */

/* The largest and smallest sleep before retry n + 1 (n = 0: the first),
 * as retry_backoff_ms draws it. */
static double backoff_max_ms(const struct retry_policy *p, int n)
{
	if (p->jitter == JITTER_DECORRELATED)
		return min2(p->cap_ms, p->base_ms * pow(3, n + 1));
	return min2(p->cap_ms, ldexp(p->base_ms, n > 1023 ? 1023 : n));
}

static double backoff_min_ms(const struct retry_policy *p, int n)
{
	double t = min2(p->cap_ms, ldexp(p->base_ms, n > 1023 ? 1023 : n));
	switch (p->jitter) {
	case JITTER_FULL:
		return 0;
	case JITTER_EQUAL:
		return t / 2;
	case JITTER_DECORRELATED:
		return min2(p->cap_ms, p->base_ms);
	case JITTER_NONE:
		break;
	}
	return t;
}

static double backoffs_max_ms(const struct retry_policy *p, int retries)
{
	double sum = 0;
	for (int n = 0; n < retries; n++)
		sum += backoff_max_ms(p, n);
	return sum;
}

/* The mean of a service-time distribution (lognormal: median × e^(σ²/2),
 * σ from the p99 as rng_lognormal takes it). */
static double dist_mean_ms(const struct dist *d)
{
	switch (d->kind) {
	case DIST_FIXED:
		return d->a_ms;
	case DIST_UNIFORM:
		return (d->a_ms + d->b_ms) / 2;
	case DIST_EXPONENTIAL:
		return d->a_ms;
	case DIST_LOGNORMAL: {
		double sigma = d->b_ms > d->a_ms ? log(d->b_ms / d->a_ms) / 2.3263478740408408 : 0;
		return d->a_ms * exp(sigma * sigma / 2);
	}
	}
	return d->a_ms;
}

/* ---- the model ---- */

static void build(struct ctx *c)
{
	const struct scenario *sc = c->sc;
	struct layer *cl = &c->l[L_CLIENT];

	*cl = (struct layer){.name = "the client",
			     .attempts = 1 + sc->load.client_retry.retries,
			     .attempt_ms = sc->load.client_timeout_ms,
			     .budget_ms = INFINITY};
	for (int i = L_GATEWAY; i <= L_SVC_B; i++) {
		const struct tier_cfg *cfg = &sc->tiers[i - L_GATEWAY];
		const struct layer *up = &c->l[i - 1];
		struct layer *t = &c->l[i];
		double own = opt_ms(cfg->timeout_ms);
		/* Without propagate_deadline the header is not even read. */
		double recv = cfg->propagate_deadline && up->sends ? up->sent_ms : INFINITY;
		/* attempt_timeout_ms in tier_core.c: its own, else the tier's
		 * timeout, else the received budget; a deadline-aware tier cuts it
		 * to what is left of the deadline. */
		double per = cfg->retry.attempt_timeout_ms > 0 ? cfg->retry.attempt_timeout_ms
			     : cfg->timeout_ms > 0	       ? cfg->timeout_ms
							       : recv;

		*t = (struct layer){.name = tier_name((enum tier_id)(i - L_GATEWAY)), .cfg = cfg};
		t->hedges = cfg->hedge.enabled;
		t->attempts = t->hedges ? cfg->hedge.max_attempts : 1 + cfg->retry.retries;
		t->budget_ms = min2(own, recv);
		t->gets_deadline = cfg->propagate_deadline && up->sends;
		t->bounded = (cfg->propagate_deadline || cfg->propagate_cancel) && isfinite(t->budget_ms);
		t->attempt_ms = t->bounded ? min2(per, t->budget_ms) : per;
		t->cancels = cfg->propagate_cancel;
		t->sends = cfg->propagate_deadline && isfinite(t->budget_ms);
		t->sent_ms = t->sends ? fmax(t->budget_ms - sc->deadline.margin_ms, 0) : INFINITY;
	}
	c->l[L_DBSIM] =
	    (struct layer){.name = "dbsim", .cancels = sc->db.honor_cancel, .budget_ms = INFINITY};

	for (int x = L_GATEWAY; x < LAYERS; x++) {
		struct layer *t = &c->l[x];
		t->wait_ms = INFINITY;
		t->wait_by = L_CLIENT;
		/* Ties go to the layer nearest x, and to an attempt timeout over
		 * a deadline: the cancellation then has the least way to go. */
		for (int u = L_CLIENT; u < x; u++) {
			if (c->l[u].budget_ms <= t->wait_ms && isfinite(c->l[u].budget_ms)) {
				t->wait_ms = c->l[u].budget_ms;
				t->wait_by = u;
				t->wait_is_deadline = true;
			}
			if (c->l[u].attempt_ms <= t->wait_ms && isfinite(c->l[u].attempt_ms)) {
				t->wait_ms = c->l[u].attempt_ms;
				t->wait_by = u;
				t->wait_is_deadline = false;
			}
		}
	}
}

/* Does the moment x's callers stop waiting reach x as a cancellation?  An
 * attempt that times out closes its connection (always); a deadline that
 * passes does so in a deadline-aware tier (its attempts time out with it,
 * and propagate_cancel aborts them), else not; every tier on the way must
 * pass it on, and x must act on it.  The first layer that does not: *stops. */
static bool cancel_reaches(const struct ctx *c, int x, int *stops)
{
	const struct layer *t = &c->l[x];
	int from = t->wait_is_deadline && !c->l[t->wait_by].bounded ? t->wait_by : t->wait_by + 1;

	for (int j = from; j <= x; j++) {
		if (j > L_CLIENT && !c->l[j].cancels) {
			*stops = j;
			return false;
		}
	}
	return true;
}

/* "the 25 s svc_a waits for an attempt" and the like, for x's wait. */
static void describe_wait(struct ctx *c, struct sbuf *sb, int x)
{
	const struct layer *t = &c->l[x];
	const struct layer *u = &c->l[t->wait_by];

	if (t->wait_by == L_CLIENT)
		sbuf_addf(sb, "the client gives up after %s (load.client_timeout)", dur(c, t->wait_ms));
	else if (t->wait_is_deadline)
		sbuf_addf(sb, "%s answers at its %s deadline", u->name, dur(c, t->wait_ms));
	else
		sbuf_addf(sb, "%s waits %s for an attempt", u->name, dur(c, t->wait_ms));
}

static const char *cancel_key(int x) /* the key that makes layer x act on cancellation */
{
	static const char *const keys[LAYERS] = {"", "tiers.gateway.propagate_cancel",
						 "tiers.svc_a.propagate_cancel",
						 "tiers.svc_b.propagate_cancel", "tiers.dbsim.honor_cancel"};
	return keys[x];
}

static const char *attempts_key(const struct layer *t, char *buf, size_t len)
{
	if (!t->cfg)
		return "load.client_retries";
	snprintf(buf, len, "tiers.%s.%s", t->name, t->hedges ? "hedge.max_attempts" : "retries");
	return buf;
}

/* ---- findings ---- */

/* Turn c->msg and c->sug into a finding about key. */
static void emit(struct ctx *c, enum lint_rule rule, enum lint_severity sev, const char *key, double value)
{
	struct lint_list *l = c->out;
	struct lint_finding *f;
	struct validate_origin o;
	const struct scenario_origins *so = c->src ? c->src->origins : NULL;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	f = &l->v[l->n++];
	*f = (struct lint_finding){.rule = rule, .severity = sev, .value = value, .line = 1, .col = 1};
	snprintf(f->key, sizeof(f->key), "%s", key);
	validate_origin(so ? &so->pos : NULL, so ? &so->written : NULL, key, &o);
	if (o.set >= 0) {
		f->origin = LINT_FROM_SET;
		f->set = (size_t)o.set;
	} else {
		f->origin = o.own ? LINT_FROM_FILE : LINT_FROM_DEFAULT;
		if (o.key) {
			f->line = o.key->line;
			f->col = o.key->col;
		}
	}
	f->message = sbuf_detach(&c->msg);
	f->suggestion = c->sug.len ? sbuf_detach(&c->sug) : NULL;
	sbuf_reset(&c->sug);
	c->added++;
}

static void lint_amplification(struct ctx *c)
{
	long reach[TIER_COUNT];
	int retrying = 0, deepest = -1;
	char key[LINT_KEY_MAX];

	lint_worst_case(c->sc, reach);
	for (int i = L_GATEWAY; i <= L_SVC_B; i++) {
		if (c->l[i].attempts > 1) {
			retrying++;
			deepest = i;
		}
	}
	sbuf_addf(&c->msg,
		  "up to %ld database queries per client request in the worst case: %d client attempt%s",
		  reach[TIER_DBSIM], c->l[L_CLIENT].attempts, c->l[L_CLIENT].attempts > 1 ? "s" : "");
	for (int i = L_GATEWAY; i <= L_SVC_B; i++)
		sbuf_addf(&c->msg, " × %d at %s%s", c->l[i].attempts, c->l[i].name,
			  c->l[i].hedges ? " (hedged copies)" : "");
	sbuf_addf(&c->msg, " (reaching gateway %ld, svc_a %ld, svc_b %ld, dbsim %ld)", reach[TIER_GATEWAY],
		  reach[TIER_SVC_A], reach[TIER_SVC_B], reach[TIER_DBSIM]);
	for (int i = L_GATEWAY; i <= L_SVC_B; i++) {
		const struct tier_cfg *cfg = c->l[i].cfg;
		if (c->l[i].attempts > 1 && (cfg->retry_budget.enabled || cfg->retry_concurrency.enabled ||
					     cfg->retry_throttle.enabled))
			sbuf_addf(&c->msg,
				  "; %s's retry budget or throttle bounds the average, not this worst case",
				  c->l[i].name);
		if (cfg->cache.enabled)
			sbuf_addf(&c->msg, "; the cache at %s does not change it (a miss goes through)",
				  c->l[i].name);
	}

	bool warn = reach[TIER_DBSIM] > AMPLIFICATION_WARN || retrying >= 2;
	if (warn && retrying >= 2) {
		/* The references' advice: retry at one layer only, the one just
		 * above the failure; the client's reload stays. */
		long one = (long)c->l[L_CLIENT].attempts * c->l[deepest].attempts;
		sbuf_addf(&c->sug, "retry at one layer only, the lowest (%s): with a single attempt at",
			  c->l[deepest].name);
		for (int i = L_GATEWAY, n = 0; i < deepest; i++)
			if (c->l[i].attempts > 1)
				sbuf_addf(&c->sug, "%s %s", n++ ? " and" : "", c->l[i].name);
		sbuf_addf(&c->sug, ", %ld queries at most", one);
	} else if (warn && deepest > 0) {
		sbuf_addf(&c->sug, "make fewer attempts at %s%s", c->l[deepest].name,
			  c->l[L_CLIENT].attempts > 1 ? " and at the client" : "");
	} else if (warn) {
		sbuf_adds(&c->sug, "make fewer client attempts (load.client_retries)");
	}
	const char *k = deepest > 0		      ? attempts_key(&c->l[deepest], key, sizeof(key))
			: c->l[L_CLIENT].attempts > 1 ? "load.client_retries"
						      : "tiers.svc_b.retries";
	emit(c, LINT_AMPLIFICATION, warn ? LINT_WARNING : LINT_NOTE, k, (double)reach[TIER_DBSIM]);
}

/* The gateway's own timeout against the client's: the client must wait
 * longer than the gateway, or the gateway's answer never reaches it. */
static void lint_client_timeout(struct ctx *c)
{
	double client = c->sc->load.client_timeout_ms;
	double gw = opt_ms(c->sc->tiers[TIER_GATEWAY].timeout_ms);

	if (client > gw)
		return;
	if (!isfinite(gw)) {
		sbuf_addf(
		    &c->msg,
		    "the client gives up after %s, but the gateway has no timeout of its own (\"none\") and "
		    "gets no deadline from the client: it waits for its upstream as long as that takes, "
		    "and no 504 of its own ever reaches the client",
		    dur(c, client));
		sbuf_addf(&c->sug,
			  "give tiers.gateway.timeout a value below %s, so that the client gets its answer",
			  dur(c, client));
	} else {
		sbuf_addf(&c->msg,
			  "the client gives up after %s, not later than the gateway's own %s timeout: the "
			  "gateway's "
			  "504 never reaches it, and %s",
			  dur(c, client), dur(c, gw),
			  c->l[L_GATEWAY].cancels ? "every deadline below is sized for a wait nobody has"
						  : "the gateway's work goes on after the client left");
		sbuf_addf(&c->sug,
			  "make load.client_timeout longer than %s, or tiers.gateway.timeout shorter than %s",
			  dur(c, gw), dur(c, client));
	}
	emit(c, LINT_CLIENT_TIMEOUT, LINT_WARNING, "load.client_timeout", client);
}

/* Per-layer timeouts, retries, no deadline from the caller: the incident. */
static void lint_incident_pattern(struct ctx *c)
{
	int which[3], n = 0;
	char key[LINT_KEY_MAX];

	for (int i = L_GATEWAY; i <= L_SVC_B; i++)
		if (c->l[i].cfg->timeout_ms > 0 && c->l[i].attempts > 1 && !c->l[i].gets_deadline)
			which[n++] = i;
	if (n < 2)
		return;
	for (int k = 0; k < n; k++) {
		const struct layer *t = &c->l[which[k]];
		sbuf_addf(&c->msg, "%s%s (%s, %d %s)",
			  k == 0       ? ""
			  : k + 1 == n ? " and "
				       : ", ",
			  t->name, dur(c, t->cfg->timeout_ms), t->attempts,
			  t->hedges ? "copies" : "attempts");
	}
	sbuf_adds(&c->msg, " each keep a timeout of their own and make several attempts, and none takes its "
			   "caller's deadline: "
			   "every attempt restarts the clock below it, so work goes on long after the top "
			   "has given up (the incident's pattern)");
	sbuf_adds(&c->sug, "set one deadline at the gateway and propagate it: propagate_deadline and "
			   "propagate_cancel on every tier, timeout \"none\" below the gateway "
			   "(scenarios/single-deadline.json)");
	snprintf(key, sizeof(key), "tiers.%s.propagate_deadline", c->l[which[0]].name);
	emit(c, LINT_INCIDENT_PATTERN, LINT_WARNING, key, n);
}

/* "svc_b's own 20 s timeout", "svc_b's deadline (the 29.99 s budget from
 * svc_a)", "svc_b has no deadline": what bounds tier x. */
static void describe_deadline(struct ctx *c, int x)
{
	const struct layer *t = &c->l[x];

	if (!isfinite(t->budget_ms))
		sbuf_addf(&c->msg, "%s has no deadline (timeout \"none\" and no deadline from its caller)",
			  t->name);
	else if (t->gets_deadline && t->budget_ms < opt_ms(t->cfg->timeout_ms))
		sbuf_addf(&c->msg, "%s's deadline (the %s budget it receives)", t->name,
			  dur(c, t->budget_ms));
	else
		sbuf_addf(&c->msg, "%s's own %s timeout", t->name, dur(c, t->budget_ms));
}

/* A tier whose deadline is not shorter than what its callers wait, and
 * which does not stop when they leave: its work outlives them. */
static void lint_outlives_caller(struct ctx *c, int x)
{
	const struct layer *t = &c->l[x];
	char key[LINT_KEY_MAX];
	int stops;

	if (!isfinite(t->wait_ms) || t->budget_ms < t->wait_ms || cancel_reaches(c, x, &stops))
		return;
	describe_deadline(c, x);
	sbuf_adds(&c->msg,
		  isfinite(t->budget_ms) ? " is not shorter than what its callers wait (" : ", while ");
	describe_wait(c, &c->msg, x);
	if (stops == x)
		sbuf_addf(&c->msg,
			  "%s: %s goes on after they gave up, and without propagate_cancel nothing stops it",
			  isfinite(t->budget_ms) ? ")" : "", t->name);
	else
		sbuf_addf(&c->msg,
			  "%s: %s goes on after they gave up, and %s does not pass the cancellation on",
			  isfinite(t->budget_ms) ? ")" : "", t->name, c->l[stops].name);
	sbuf_addf(&c->sug,
		  "make tiers.%s.timeout shorter than %s, or set propagate_cancel on %s%s so that its "
		  "work stops when the caller leaves",
		  t->name, dur(c, t->wait_ms), t->name, stops == x ? "" : " and the tiers above it");
	snprintf(key, sizeof(key), "tiers.%s.timeout", t->name);
	emit(c, LINT_OUTLIVES_CALLER, LINT_WARNING, key, t->budget_ms);
}

/* Retries that can only start once the tier has given up, whatever the
 * failure: sent for nobody (error), or never sent (warning).  True when
 * one was found. */
static bool lint_late_retry(struct ctx *c, int x)
{
	const struct layer *t = &c->l[x];
	const struct retry_policy *p = &t->cfg->retry;
	bool fast = p->retry_on & (RETRY_ON_5XX | RETRY_ON_CONNECT_ERROR);
	double fail_ms = fast ? 0 : t->attempt_ms, start_ms = 0;
	char key[LINT_KEY_MAX];
	int k;

	if (t->hedges || p->retries == 0 || !p->retry_on || !isfinite(t->budget_ms) || !isfinite(fail_ms))
		return false;
	for (k = 1; k <= p->retries; k++) {
		start_ms += fail_ms + backoff_min_ms(p, k - 1);
		if (start_ms >= t->budget_ms)
			break;
	}
	if (k > p->retries)
		return false;
	if (k == p->retries)
		sbuf_addf(&c->msg, "retry %d of %d", k, p->retries);
	else
		sbuf_addf(&c->msg, "retries %d to %d", k, p->retries);
	sbuf_addf(&c->msg, " cannot start before %s after the request arrives (", dur(c, start_ms));
	if (fast)
		sbuf_addf(&c->msg, "the backoffs alone, even if every attempt fails at once");
	else
		sbuf_addf(&c->msg, "retry_on has only timeout, and an attempt times out after %s",
			  dur(c, fail_ms));
	sbuf_addf(&c->msg, "), when %s has already given up at its %s deadline: ", t->name,
		  dur(c, t->budget_ms));
	bool one = k == p->retries;
	if (t->bounded)
		sbuf_addf(&c->msg, "a deadline-aware tier never sends %s, so %s nothing", one ? "it" : "them",
			  one ? "it does" : "they do");
	else
		sbuf_addf(&c->msg,
			  "without propagate_deadline or propagate_cancel %s sent anyway, for nobody: "
			  "wasted work on every request that gets that far",
			  one ? "it is" : "they are");
	if (!fast)
		sbuf_addf(&c->sug,
			  "give attempts an attempt_timeout well below %s, retry on 5xx and connect_error "
			  "too, or set retries to %d",
			  dur(c, t->budget_ms / (k + 1)), k - 1);
	else
		sbuf_addf(&c->sug, "shorten the backoff (base, cap, jitter) or set retries to %d", k - 1);
	snprintf(key, sizeof(key), "tiers.%s.retries", t->name);
	emit(c, LINT_LATE_RETRY, t->bounded ? LINT_WARNING : LINT_ERROR, key, start_ms);
	return true;
}

/* Attempts that each may take the whole attempt timeout, plus the longest
 * backoffs, in a tier that does not cut them to its deadline. */
static void lint_retries_outlast_budget(struct ctx *c, int x)
{
	const struct layer *t = &c->l[x];
	const struct retry_policy *p = &t->cfg->retry;
	char key[LINT_KEY_MAX];

	if (t->hedges || p->retries == 0 || !(p->retry_on & RETRY_ON_TIMEOUT) || t->bounded ||
	    !isfinite(t->budget_ms) || !isfinite(t->attempt_ms))
		return;
	double backoffs = backoffs_max_ms(p, p->retries);
	double total = t->attempts * t->attempt_ms + backoffs;
	if (total <= t->budget_ms)
		return;
	sbuf_addf(&c->msg,
		  "%d attempts × %s (%s) + up to %s of backoff = %s, longer than its %s budget: after a "
		  "timeout no retry can finish in time, and without propagate_deadline or "
		  "propagate_cancel %s sends them anyway, after it has answered 504",
		  t->attempts, dur(c, t->attempt_ms),
		  p->attempt_timeout_ms > 0 ? "its attempt_timeout"
					    : "no attempt_timeout: the tier's timeout",
		  dur(c, backoffs), dur(c, total), dur(c, t->budget_ms), t->name);
	double fit = (t->budget_ms - backoffs) / t->attempts;
	if (fit > 0)
		sbuf_addf(&c->sug,
			  "set tiers.%s.attempt_timeout to at most %s ((%s − %s) / %d), or propagate the "
			  "deadline so that attempts are cut to the time left",
			  t->name, dur(c, fit), dur(c, t->budget_ms), dur(c, backoffs), t->attempts);
	else
		sbuf_addf(&c->sug,
			  "fewer retries or a shorter backoff, or propagate the deadline so that attempts "
			  "are cut to the time left");
	snprintf(key, sizeof(key), "tiers.%s.attempt_timeout", t->name);
	emit(c, LINT_RETRIES_OUTLAST_BUDGET, LINT_WARNING, key, total);
}

/* A hedge that goes only once the first copy has timed out (or the tier
 * has given up) never runs beside it. */
static void lint_hedge_delay(struct ctx *c, int x)
{
	const struct layer *t = &c->l[x];
	const struct hedge_cfg *h = &t->cfg->hedge;
	double limit = min2(t->attempt_ms, t->budget_ms);
	char key[LINT_KEY_MAX];

	if (!t->hedges || h->delay_ms <= 0 || !isfinite(limit) || h->delay_ms < limit)
		return;
	if (t->budget_ms <= t->attempt_ms && !t->cancels)
		sbuf_addf(&c->msg,
			  "%s sends a hedged copy %s after the last, not before its %s deadline: each copy "
			  "goes after it has answered 504, for nobody",
			  t->name, dur(c, h->delay_ms), dur(c, t->budget_ms));
	else
		sbuf_addf(&c->msg,
			  "%s sends a hedged copy %s after the last, but an attempt ends after %s: no copy "
			  "ever runs beside another, so hedging %s",
			  t->name, dur(c, h->delay_ms), dur(c, limit),
			  h->non_fatal & RETRY_ON_TIMEOUT ? "is only a retry after a timeout"
							  : "never sends one");
	sbuf_addf(&c->sug,
		  "set tiers.%s.hedge.delay well below %s: about the healthy p99 latency of the tier below",
		  t->name, dur(c, limit));
	snprintf(key, sizeof(key), "tiers.%s.hedge.delay", t->name);
	emit(c, LINT_HEDGE_DELAY, LINT_ERROR, key, h->delay_ms);
}

/* x's caller abandons attempts while they run (it retries on timeout, or
 * hedges and drops the losers), and x does not stop when one is. */
static void lint_orphaned_work(struct ctx *c, int x)
{
	const struct layer *u = &c->l[x - 1], *t = &c->l[x];
	unsigned retry_on = u->cfg ? u->cfg->retry.retry_on : c->sc->load.client_retry.retry_on;
	bool on_timeout = u->attempts > 1 && (retry_on & RETRY_ON_TIMEOUT) && isfinite(u->attempt_ms);

	if (t->cancels || !(on_timeout || u->hedges))
		return;
	if (u->hedges)
		sbuf_addf(&c->msg, "%s hedges (%d copies) and drops the losers, ", u->name, u->attempts);
	else
		sbuf_addf(&c->msg, "%s retries on timeout (%d attempts), ", u->name, u->attempts);
	if (x == L_DBSIM)
		sbuf_addf(&c->msg,
			  "and dbsim does not drop a query whose caller left (honor_cancel false): each "
			  "abandoned query runs on");
	else
		sbuf_addf(&c->msg,
			  "and %s does not stop when an attempt is abandoned (propagate_cancel false): each "
			  "abandoned attempt's work runs on below it",
			  t->name);
	sbuf_addf(&c->msg,
		  " while the next one starts it again, up to %d copies per %s request (orphaned work)",
		  u->attempts, u->cfg ? u->name : "client");
	sbuf_addf(&c->sug, "set %s: true so that abandoned work stops, or retry on timeout at one layer only",
		  cancel_key(x));
	emit(c, LINT_ORPHANED_WORK, LINT_WARNING, cancel_key(x), u->attempts);
}

/* Why nothing stops a query once nobody waits for it (statement timeout and
 * queue rules); true when something does. */
static bool db_stops_useless(struct ctx *c, struct sbuf *why)
{
	const struct layer *b = &c->l[L_SVC_B], *d = &c->l[L_DBSIM];
	int stops;

	if (cancel_reaches(c, L_DBSIM, &stops))
		return true;
	if (c->sc->db.honor_deadline && b->sends && b->sent_ms <= d->wait_ms)
		return true;
	if (stops == L_DBSIM)
		sbuf_adds(why, "dbsim does not stop a query whose caller left (honor_cancel false)");
	else
		sbuf_addf(why, "the cancellation does not reach dbsim (%s: propagate_cancel false)",
			  c->l[stops].name);
	if (!c->sc->db.honor_deadline)
		sbuf_adds(why, " nor one whose deadline passed (honor_deadline false)");
	else if (!b->sends)
		sbuf_adds(why, ", and honor_deadline has no deadline to act on (svc_b sends none)");
	else
		sbuf_addf(why, ", and the deadline svc_b sends (%s) is longer than that", dur(c, b->sent_ms));
	return false;
}

static void lint_statement_timeout(struct ctx *c)
{
	const struct layer *d = &c->l[L_DBSIM];
	double st = opt_ms(c->sc->db.statement_timeout_ms);
	struct sbuf why = SBUF_INIT;

	if (!isfinite(d->wait_ms) || st <= d->wait_ms || db_stops_useless(c, &why)) {
		sbuf_free(&why);
		return;
	}
	if (isfinite(st))
		sbuf_addf(&c->msg, "a query may run %s (statement_timeout), but ", dur(c, st));
	else
		sbuf_adds(&c->msg, "a query may run without limit (statement_timeout \"none\"), but ");
	describe_wait(c, &c->msg, L_DBSIM);
	sbuf_addf(&c->msg, ": it runs on for nobody, as %s", sbuf_str(&why));
	sbuf_addf(&c->sug,
		  "make tiers.dbsim.statement_timeout shorter than %s, or set honor_deadline (with "
		  "propagate_deadline at svc_b) and honor_cancel",
		  dur(c, d->wait_ms));
	emit(c, LINT_STATEMENT_TIMEOUT, LINT_WARNING, "tiers.dbsim.statement_timeout", st);
	sbuf_free(&why);
}

static void lint_queue(struct ctx *c)
{
	const struct db_cfg *db = &c->sc->db;
	const struct layer *d = &c->l[L_DBSIM];
	double mean = dist_mean_ms(&db->service_time);
	double held = db->queue_limit * mean / db->workers, waits = held;
	struct sbuf why = SBUF_INIT;

	if (db->queue == QUEUE_CODEL) /* a query waits at most codel_interval, then is shed */
		waits = min2(held, db->codel_interval_ms > 0 ? db->codel_interval_ms
							     : 100 * db_service_median_ms(&db->service_time));
	if (db->queue_limit == 0 || !isfinite(d->wait_ms) || waits <= d->wait_ms ||
	    db_stops_useless(c, &why)) {
		sbuf_free(&why);
		return;
	}
	double behind = floor(d->wait_ms * db->workers / mean);
	sbuf_addf(&c->msg,
		  "a full queue holds %d queries × %s (the mean service time) / %d worker%s = %s of work, "
		  "but ",
		  db->queue_limit, dur(c, mean), db->workers, db->workers > 1 ? "s" : "", dur(c, held));
	describe_wait(c, &c->msg, L_DBSIM);
	sbuf_addf(&c->msg,
		  ": a query behind more than %.0f others is answered after its caller left%s, and %s",
		  behind,
		  db->queue == QUEUE_LIFO || db->queue == QUEUE_ADAPTIVE_LIFO
		      ? " (LIFO serves the newest first, "
			"but the old ones still run once it drains)"
		      : "",
		  sbuf_str(&why));
	sbuf_addf(&c->sug,
		  "set honor_deadline (with propagate_deadline at svc_b) so that expired queries leave the "
		  "queue, or tiers.dbsim.queue_limit <= %.0f, or queue \"codel\"",
		  behind);
	emit(c, LINT_QUEUE_OUTLASTS_CALLERS, LINT_WARNING, "tiers.dbsim.queue_limit", held);
	sbuf_free(&why);
}

/* ---- entry points ---- */

void lint_worst_case(const struct scenario *sc, long out[TIER_COUNT])
{
	long n = 1 + sc->load.client_retry.retries;

	for (int t = 0; t < TIER_COUNT; t++) {
		out[t] = n;
		if (t < TIER_FORWARDERS)
			n *= sc->tiers[t].hedge.enabled ? sc->tiers[t].hedge.max_attempts
							: 1 + sc->tiers[t].retry.retries;
	}
}

size_t lint_scenario(const struct scenario *sc, const struct lint_source *src, struct lint_list *out)
{
	struct ctx c = {.sc = sc, .src = src, .out = out};

	build(&c);
	lint_amplification(&c);
	lint_client_timeout(&c);
	lint_incident_pattern(&c);
	for (int x = L_GATEWAY; x <= L_SVC_B; x++) {
		if (x > L_GATEWAY) /* the gateway's caller is the client: client-timeout */
			lint_outlives_caller(&c, x);
		if (!lint_late_retry(&c, x))
			lint_retries_outlast_budget(&c, x);
		lint_hedge_delay(&c, x);
		lint_orphaned_work(&c, x);
	}
	lint_orphaned_work(&c, L_DBSIM);
	lint_statement_timeout(&c);
	lint_queue(&c);
	sbuf_free(&c.msg);
	sbuf_free(&c.sug);
	return c.added;
}

void lint_format(const struct lint_finding *f, const struct lint_source *src, struct sbuf *out)
{
	if (f->origin == LINT_FROM_SET && src && f->set < src->nsets)
		sbuf_addf(out, "--set %s: ", src->sets[f->set]);
	else
		sbuf_addf(out, "%s:%d:%d: ", src && src->file ? src->file : "(defaults)", f->line, f->col);
	sbuf_addf(out, "%s: %s: %s", lint_severity_name(f->severity), f->key, f->message);
	if (f->origin == LINT_FROM_DEFAULT)
		sbuf_adds(out, " [default value, not in the file]");
	if (f->suggestion)
		sbuf_addf(out, " (suggestion: %s)", f->suggestion);
}
