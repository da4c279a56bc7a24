/* summary: one pass per question over the loaded run; each metric is a
 * small static function so its definition reads next to README.md's. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvw.h"

/* What a client request (all attempts of one trace id) came to. */
struct request {
	bool present;	    /* the trace id appears in requests.csv */
	int first_attempt;  /* lowest attempt number seen */
	double intended_ms; /* that attempt's intended time */
	int last_attempt;   /* highest attempt number seen */
	size_t last_row;    /* its row in run.attempts */
	unsigned db_hits;   /* dbsim server rows with this trace id */
};

/* Facts shared by several metrics, gathered once. */
struct facts {
	struct request *req; /* by trace id */
	size_t ntraces;
	size_t nrequests, nsucceeded;
};

static void add(struct summary *s, const char *name, const char *unit, double value, int decimals)
{
	if (s->n >= SUMMARY_MAX)
		abort(); /* SUMMARY_MAX is sized for the fixed metric list */
	struct summary_metric *m = &s->m[s->n++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->unit = unit;
	m->value = value;
	m->decimals = decimals;
}

static void add_tier(struct summary *s, const char *prefix, const char *tier, const char *unit, double value,
		     int decimals)
{
	char name[sizeof(s->m[0].name)];
	snprintf(name, sizeof(name), "%s_%s", prefix, tier);
	add(s, name, unit, value, decimals);
}

static double ratio(double num, double den)
{
	return den > 0 ? num / den : NAN;
}

static bool succeeded(const struct run *r, const struct request *q)
{
	return r->attempts[q->last_row].outcome == CLIENT_OK;
}

static void gather(const struct run *r, struct facts *f)
{
	f->ntraces = r->traces.n;
	f->req = xcalloc(f->ntraces ? f->ntraces : 1, sizeof(*f->req));
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct run_attempt *a = &r->attempts[i];
		struct request *q = &f->req[a->trace];
		if (!q->present) {
			q->present = true;
			q->first_attempt = q->last_attempt = a->attempt;
			q->intended_ms = a->intended_ms;
			q->last_row = i;
			f->nrequests++;
			continue;
		}
		if (a->attempt < q->first_attempt) {
			q->first_attempt = a->attempt;
			q->intended_ms = a->intended_ms;
		}
		if (a->attempt >= q->last_attempt) {
			q->last_attempt = a->attempt;
			q->last_row = i;
		}
	}
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].server && r->spans[i].tier == TIER_DBSIM)
			f->req[r->spans[i].trace].db_hits++;
	for (size_t t = 0; t < f->ntraces; t++)
		if (f->req[t].present && succeeded(r, &f->req[t]))
			f->nsucceeded++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double summary_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double rank = ceil(p * (double)n / 100.0); /* p*n first: exact for whole p */
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	return sorted[i < n ? i : n - 1];
}

/* A request completed when its last attempt got an answer or failed on its
 * own terms; cancelled (cut by the end of the run) and not_sent have no
 * meaningful end: NaN then. */
static double request_latency(const struct run *r, const struct request *q)
{
	const struct run_attempt *last = &r->attempts[q->last_row];
	if (last->outcome == CLIENT_CANCELLED || !client_outcome_sent(last->outcome) || !isfinite(last->end_ms))
		return NAN;
	return last->end_ms - q->intended_ms;
}

static void latency_metrics(const struct run *r, const struct facts *f, struct summary *s)
{
	double *lat = xmalloc((f->nrequests ? f->nrequests : 1) * sizeof(*lat));
	size_t n = 0;
	for (size_t t = 0; t < f->ntraces; t++) {
		const struct request *q = &f->req[t];
		if (!q->present)
			continue;
		double ms = request_latency(r, q);
		if (isfinite(ms))
			lat[n++] = ms;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	add(s, "latency_p50_ms", "ms", summary_percentile(lat, n, 50), 1);
	add(s, "latency_p90_ms", "ms", summary_percentile(lat, n, 90), 1);
	add(s, "latency_p99_ms", "ms", summary_percentile(lat, n, 99), 1);
	add(s, "latency_max_ms", "ms", n ? lat[n - 1] : NAN, 1);
	free(lat);
}

static void client_metrics(const struct run *r, const struct facts *f, struct summary *s)
{
	size_t sent = 0, retries = 0, not_sent = 0;
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct run_attempt *a = &r->attempts[i];
		if (!client_outcome_sent(a->outcome)) {
			not_sent += a->outcome == CLIENT_NOT_SENT;
			continue;
		}
		sent++;
		if (a->attempt > 1)
			retries++;
	}
	add(s, "client_requests", "count", (double)f->nrequests, 0);
	add(s, "client_attempts", "count", (double)sent, 0);
	add(s, "client_retries", "count", (double)retries, 0);
	add(s, "not_sent", "count", (double)not_sent, 0);
	add(s, "client_success_ratio", "ratio", ratio((double)f->nsucceeded, (double)f->nrequests), 4);
	add(s, "goodput_rps", "rps", ratio((double)f->nsucceeded, r->sc.load.duration_ms / 1000.0), 2);
}

static void amplification_metrics(const struct run *r, const struct facts *f, struct summary *s)
{
	size_t rows[TIER_COUNT] = {0};
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].server)
			rows[r->spans[i].tier]++;
	for (int t = 0; t < TIER_COUNT; t++)
		add_tier(s, "amplification", tier_name((enum tier_id)t), "x",
			 ratio((double)rows[t], (double)f->nrequests), 3);
	add(s, "db_hits_per_request", "x", ratio((double)rows[TIER_DBSIM], (double)f->nrequests), 3);
	double max_hits = f->nrequests ? 0 : NAN;
	for (size_t t = 0; t < f->ntraces; t++)
		if (f->req[t].present && f->req[t].db_hits > max_hits)
			max_hits = f->req[t].db_hits;
	add(s, "db_hits_per_request_max", "count", max_hits, 0);
}

static size_t second_of(double ms)
{
	return ms > 0 ? (size_t)floor(ms / 1000.0) : 0;
}

static void db_peak_metric(const struct run *r, struct summary *s)
{
	size_t nsec = 0, peak = 0;
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].server && r->spans[i].tier == TIER_DBSIM &&
		    second_of(r->spans[i].start_ms) + 1 > nsec)
			nsec = second_of(r->spans[i].start_ms) + 1;
	size_t *arrivals = xcalloc(nsec ? nsec : 1, sizeof(*arrivals));
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *sp = &r->spans[i];
		if (sp->server && sp->tier == TIER_DBSIM && ++arrivals[second_of(sp->start_ms)] > peak)
			peak = arrivals[second_of(sp->start_ms)];
	}
	free(arrivals);
	add(s, "db_peak_arrival_ratio", "x", ratio((double)peak, r->sc.load.rate_rps), 3);
}

/* Index: interned id -> row holding it (first one wins), -1 for none. */
static long *index_spans(const struct run *r)
{
	long *idx = xmalloc((r->ids.n ? r->ids.n : 1) * sizeof(*idx));
	for (size_t i = 0; i < r->ids.n; i++)
		idx[i] = -1;
	for (size_t i = 0; i < r->nspans; i++)
		if (idx[r->spans[i].span] < 0)
			idx[r->spans[i].span] = (long)i;
	return idx;
}

static long *index_attempts(const struct run *r)
{
	long *idx = xmalloc((r->ids.n ? r->ids.n : 1) * sizeof(*idx));
	for (size_t i = 0; i < r->ids.n; i++)
		idx[i] = -1;
	for (size_t i = 0; i < r->nattempts; i++)
		if (r->attempts[i].span != STRPOOL_NONE && idx[r->attempts[i].span] < 0)
			idx[r->attempts[i].span] = (long)i;
	return idx;
}

/* Does span row i sit on an all-ok chain of parents ending at a client
 * attempt that got 200/ok?  The walk is bounded so a parent cycle in a
 * damaged file cannot loop forever. */
static bool on_ok_chain(const struct run *r, const long *span_at, const long *attempt_at, size_t i)
{
	for (size_t steps = 0; steps <= r->nspans; steps++) {
		const struct run_span *sp = &r->spans[i];
		if (sp->outcome != OUT_OK || sp->parent == STRPOOL_NONE)
			return false;
		if (span_at[sp->parent] >= 0) {
			i = (size_t)span_at[sp->parent];
			continue;
		}
		if (attempt_at[sp->parent] < 0)
			return false;
		const struct run_attempt *a = &r->attempts[attempt_at[sp->parent]];
		return a->outcome == CLIENT_OK && a->status == 200;
	}
	return false;
}

bool *summary_db_useful(const struct run *r)
{
	bool *useful = xcalloc(r->nspans ? r->nspans : 1, sizeof(*useful));
	long *span_at = index_spans(r), *attempt_at = index_attempts(r);
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].server && r->spans[i].tier == TIER_DBSIM)
			useful[i] = on_ok_chain(r, span_at, attempt_at, i);
	free(span_at);
	free(attempt_at);
	return useful;
}

static void work_metrics(const struct run *r, struct summary *s)
{
	double wasted[TIER_COUNT] = {0}, db_work = 0, db_useful = 0;
	bool *useful = summary_db_useful(r);
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *sp = &r->spans[i];
		if (!sp->server)
			continue;
		wasted[sp->tier] += sp->wasted_ms;
		if (sp->tier != TIER_DBSIM)
			continue;
		db_work += sp->work_ms;
		if (useful[i])
			db_useful += sp->work_ms;
	}
	free(useful);
	add(s, "db_work_s", "s", db_work / 1000.0, 3);
	add(s, "db_useful_work_ratio", "ratio", ratio(db_useful, db_work), 4);
	for (int t = 0; t < TIER_COUNT; t++)
		add_tier(s, "wasted_s", tier_name((enum tier_id)t), "s", wasted[t] / 1000.0, 3);
}

/* See README.md: seconds by the intended time of each request's first
 * attempt; recovered at the first whole second s >= the last fault's end
 * from which SUMMARY_RECOVERY_SECONDS seconds in a row each reach
 * SUMMARY_RECOVERY_FRACTION of the pre-fault success ratio. */
static double recovery_s(const struct run *r, const struct facts *f)
{
	const struct scenario *sc = &r->sc;
	if (sc->nfaults == 0)
		return NAN;
	double first_start = sc->faults[0].start_ms, fault_end = sc->faults[0].end_ms;
	for (size_t i = 1; i < sc->nfaults; i++) {
		first_start = fmin(first_start, sc->faults[i].start_ms);
		fault_end = fmax(fault_end, sc->faults[i].end_ms);
	}
	size_t nsec = 0, pre_total = 0, pre_ok = 0;
	for (size_t t = 0; t < f->ntraces; t++) {
		const struct request *q = &f->req[t];
		if (!q->present)
			continue;
		if (second_of(q->intended_ms) + 1 > nsec)
			nsec = second_of(q->intended_ms) + 1;
		if (q->intended_ms >= 0 && q->intended_ms < first_start) {
			pre_total++;
			pre_ok += succeeded(r, q);
		}
	}
	if (pre_total == 0 || !isfinite(fault_end))
		return NAN;
	size_t *total = xcalloc(nsec, sizeof(*total)), *ok = xcalloc(nsec, sizeof(*ok));
	for (size_t t = 0; t < f->ntraces; t++) {
		const struct request *q = &f->req[t];
		if (!q->present)
			continue;
		total[second_of(q->intended_ms)]++;
		ok[second_of(q->intended_ms)] += succeeded(r, q);
	}
	/* a hair of slack so 9/10 against 0.9 x 1.0 is not lost to rounding */
	double need = SUMMARY_RECOVERY_FRACTION * (double)pre_ok / (double)pre_total - 1e-9;
	double result = NAN;
	double first = ceil(fault_end / 1000.0);
	for (size_t s = first > 0 ? (size_t)first : 0; s + SUMMARY_RECOVERY_SECONDS <= nsec; s++) {
		size_t k = 0;
		while (k < SUMMARY_RECOVERY_SECONDS && total[s + k] &&
		       (double)ok[s + k] / (double)total[s + k] >= need)
			k++;
		if (k == SUMMARY_RECOVERY_SECONDS) {
			result = (double)s - fault_end / 1000.0;
			break;
		}
	}
	free(total);
	free(ok);
	return result;
}

static void lag_metrics(const struct run *r, struct summary *s)
{
	double worst_max[RUN_PROCS], worst_p99[RUN_PROCS];
	for (int p = 0; p < RUN_PROCS; p++)
		worst_max[p] = worst_p99[p] = NAN;
	for (size_t i = 0; i < r->nstats; i++) {
		const struct run_stat *st = &r->stats[i];
		/* fmax ignores a NaN operand, so empty samples drop out */
		worst_max[st->proc] = fmax(worst_max[st->proc], st->lag_max_ms);
		worst_p99[st->proc] = fmax(worst_p99[st->proc], st->lag_p99_ms);
	}
	for (int p = 0; p < RUN_PROCS; p++)
		add_tier(s, "lag_max_ms", run_proc_name(p), "ms", worst_max[p], 3);
	double faithful = r->nstats ? 1 : NAN;
	for (int p = 0; p < RUN_PROCS; p++) {
		enum tier_id t = p == RUN_PROC_CLIENT ? TIER_COUNT : (enum tier_id)(p - 1);
		double yardstick_ms = scenario_smallest_timeout_ms(&r->sc, t) * r->sc.time_scale;
		if (yardstick_ms > 0 && worst_p99[p] > SUMMARY_LAG_FRACTION * yardstick_ms)
			faithful = 0;
	}
	add(s, "faithful", "bool", faithful, 0);
}

/* The remedies' decisions: the stats columns are cumulative, so each
 * process's largest value is its total. */
static void remedy_metrics(const struct run *r, struct summary *s)
{
	double denied = 0, hedges = 0, breaker_ms = 0, hits = 0, misses = 0;
	double last[RUN_PROCS][5];
	size_t wanted = 0, throttled = 0;

	memset(last, 0, sizeof(last));
	for (size_t i = 0; i < r->nstats; i++) {
		const struct run_stat *st = &r->stats[i];
		const double v[5] = {st->retries_denied, st->hedges, st->breaker_open_ms, st->cache_hits,
				     st->cache_misses};
		for (int k = 0; k < 5; k++)
			last[st->proc][k] = fmax(last[st->proc][k], v[k]); /* fmax drops NaN */
	}
	for (int p = 0; p < RUN_PROCS; p++) {
		denied += last[p][0];
		hedges += last[p][1];
		breaker_ms += last[p][2];
		hits += last[p][3];
		misses += last[p][4];
	}
	for (size_t i = 0; i < r->nattempts; i++) {
		wanted++;
		throttled += r->attempts[i].outcome == CLIENT_THROTTLED;
	}
	add(s, "retries_denied", "count", denied, 0);
	add(s, "hedges", "count", hedges, 0);
	add(s, "breaker_open_s", "s", breaker_ms / 1000.0, 3);
	add(s, "cache_hit_ratio", "ratio", ratio(hits, hits + misses), 4);
	add(s, "throttled_ratio", "ratio", ratio((double)throttled, (double)wanted), 4);
}

void summary_compute(const struct run *r, struct summary *s)
{
	struct facts f = {0};
	memset(s, 0, sizeof(*s));
	gather(r, &f);
	client_metrics(r, &f, s);
	latency_metrics(r, &f, s);
	amplification_metrics(r, &f, s);
	db_peak_metric(r, s);
	work_metrics(r, s);
	add(s, "recovery_s", "s", recovery_s(r, &f), 3);
	lag_metrics(r, s);
	remedy_metrics(r, s);
	add(s, "engine", "", NAN, 0);
	s->m[s->n - 1].text = r->engine[0] ? (strcmp(r->engine, "virtual") == 0 ? "virtual" : "real") : NULL;
	free(f.req);
}

struct summary_request *summary_requests(const struct run *r, size_t *n)
{
	struct facts f = {0};
	gather(r, &f);
	struct summary_request *out = xcalloc(f.nrequests ? f.nrequests : 1, sizeof(*out));
	*n = 0;
	for (size_t t = 0; t < f.ntraces; t++) {
		const struct request *q = &f.req[t];
		if (!q->present)
			continue;
		struct summary_request *o = &out[(*n)++];
		o->trace = (uint32_t)t;
		o->intended_ms = q->intended_ms;
		o->last_row = q->last_row;
		o->db_hits = q->db_hits;
		o->succeeded = succeeded(r, q);
		o->latency_ms = request_latency(r, q);
	}
	free(f.req);
	return out;
}

const struct summary_metric *summary_find(const struct summary *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->m[i].name, name) == 0)
			return &s->m[i];
	return NULL;
}

double summary_value(const struct summary *s, const char *name)
{
	const struct summary_metric *m = summary_find(s, name);
	return m ? m->value : NAN;
}

int summary_write(const struct summary *s, const char *path, char *err, size_t errlen)
{
	struct csvw *w = csvw_open(path, SUMMARY_CSV_HEADER, err, errlen);
	if (!w)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		csvw_str(w, s->m[i].name);
		if (s->m[i].text)
			csvw_str(w, s->m[i].text);
		else
			csvw_num(w, s->m[i].value, s->m[i].decimals);
		csvw_str(w, s->m[i].unit);
		csvw_end(w);
	}
	if (csvw_close(w) < 0)
		return errf(err, errlen, "%s: write failed", path);
	return 0;
}

void summary_format(const struct summary *s, struct sbuf *out)
{
	int name_w = (int)strlen("metric"), value_w = (int)strlen("value");
	char buf[SUMMARY_MAX][48];
	for (size_t i = 0; i < s->n; i++) {
		const struct summary_metric *m = &s->m[i];
		if (m->text)
			snprintf(buf[i], sizeof(buf[i]), "%s", m->text);
		else if (isfinite(m->value))
			snprintf(buf[i], sizeof(buf[i]), "%.*f", m->decimals, m->value);
		else
			snprintf(buf[i], sizeof(buf[i]), "-");
		if ((int)strlen(m->name) > name_w)
			name_w = (int)strlen(m->name);
		if ((int)strlen(buf[i]) > value_w)
			value_w = (int)strlen(buf[i]);
	}
	sbuf_addf(out, "%-*s  %*s  %s\n", name_w, "metric", value_w, "value", "unit");
	for (size_t i = 0; i < s->n; i++)
		sbuf_addf(out, "%-*s  %*s  %s\n", name_w, s->m[i].name, value_w, buf[i], s->m[i].unit);
}
