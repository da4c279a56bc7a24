/* html: the page is built top to bottom into one buffer; each section is a
 * function, and every value from a file goes through html_escape. */
#include "html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "info.h"
#include "reqtree.h"
#include "waterfall.h"

#ifndef CASCADE_VERSION
#define CASCADE_VERSION "unknown"
#endif

void html_escape(struct sbuf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sbuf_adds(out, "&amp;");
			break;
		case '<':
			sbuf_adds(out, "&lt;");
			break;
		case '>':
			sbuf_adds(out, "&gt;");
			break;
		case '"':
			sbuf_adds(out, "&quot;");
			break;
		case '\'':
			sbuf_adds(out, "&#39;");
			break;
		default:
			sbuf_add(out, s, 1);
		}
	}
}

/* Escaped printf-formatted text. */
static void add_textf(struct sbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_textf(struct sbuf *out, const char *fmt, ...)
{
	struct sbuf tmp = SBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(&tmp, fmt, ap);
	va_end(ap);
	html_escape(out, sbuf_str(&tmp));
	sbuf_free(&tmp);
}

/* ---- loading ------------------------------------------------------------- */

int html_load_runs(char *const *dirs, size_t n, struct html_run **runs, char *err, size_t errlen)
{
	*runs = xcalloc(n ? n : 1, sizeof(**runs));
	for (size_t i = 0; i < n; i++) {
		struct html_run *hr = &(*runs)[i];
		hr->dir = xstrdup(dirs[i]);
		if (run_load(&hr->run, dirs[i], err, errlen) < 0)
			return -1;
		summary_compute(&hr->run, &hr->sum);
		char *label = compare_label(dirs[i], err, errlen);
		if (!label)
			return -1;
		/* the same unique headings as report compare: " (2)", " (3)", ... */
		hr->label = xstrdup(label);
		for (int k = 2;; k++) {
			size_t j = 0;
			while (j < i && strcmp((*runs)[j].label, hr->label) != 0)
				j++;
			if (j == i)
				break;
			free(hr->label);
			hr->label = xasprintf("%s (%d)", label, k);
		}
		free(label);
	}
	return 0;
}

void html_free_runs(struct html_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++) {
		free(runs[i].dir);
		free(runs[i].label);
		run_free(&runs[i].run);
	}
	free(runs);
}

/* ---- formatting helpers -------------------------------------------------- */

/* A scenario duration the way a person writes it: "30 s", "250 ms", "none". */
static void fmt_dur(double ms, char *buf, size_t len)
{
	if (!(ms > 0))
		snprintf(buf, len, "none");
	else if (ms >= 1000)
		snprintf(buf, len, "%g s", ms / 1000.0);
	else
		snprintf(buf, len, "%g ms", ms);
}

static void fmt_retry_on(unsigned bits, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", bits & RETRY_ON_TIMEOUT ? "timeout " : "",
		 bits & RETRY_ON_5XX ? "5xx " : "", bits & RETRY_ON_CONNECT_ERROR ? "connect_error " : "",
		 bits ? "" : "nothing");
	size_t n = strlen(buf);
	if (n && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
}

static void fmt_backoff(const struct retry_policy *p, char *buf, size_t len)
{
	char base[32], cap[32];
	fmt_dur(p->base_ms, base, sizeof(base));
	fmt_dur(p->cap_ms, cap, sizeof(cap));
	snprintf(buf, len, "%s .. %s, %s jitter", base, cap, jitter_name(p->jitter));
}

static void fmt_dist(const struct dist *d, char *buf, size_t len)
{
	char a[32], b[32];
	fmt_dur(d->a_ms, a, sizeof(a));
	fmt_dur(d->b_ms, b, sizeof(b));
	switch (d->kind) {
	case DIST_FIXED:
		snprintf(buf, len, "fixed %s", a);
		break;
	case DIST_UNIFORM:
		snprintf(buf, len, "uniform %s .. %s", a, b);
		break;
	case DIST_EXPONENTIAL:
		snprintf(buf, len, "exponential, mean %s", a);
		break;
	default:
		snprintf(buf, len, "lognormal, median %s, p99 %s", a, b);
		break;
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* ---- settings ------------------------------------------------------------ */

enum { SET_VALUE_LEN = 160 };

/* One setting's value in a scenario; arg is the tier for tier settings. */
typedef void (*setting_fn)(const struct scenario *sc, int arg, char *buf, size_t len);

struct setting {
	const char *label;
	setting_fn fn;
};

static void s_time_scale(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	if (sc->time_scale < 1)
		snprintf(buf, len, "%g (runs %g x faster than real)", sc->time_scale, 1 / sc->time_scale);
	else if (sc->time_scale > 1)
		snprintf(buf, len, "%g (runs %g x slower than real)", sc->time_scale, sc->time_scale);
	else
		snprintf(buf, len, "1 (real time)");
}
static void s_seed(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%llu", (unsigned long long)sc->seed);
}
static void s_rate(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%g requests/s, %s", sc->load.rate_rps,
		 sc->load.arrival == ARRIVAL_POISSON ? "poisson" : "constant");
}
static void s_duration(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_dur(sc->load.duration_ms, buf, len);
}
static void s_client_timeout(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_dur(sc->load.client_timeout_ms, buf, len);
}
static void s_client_retries(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%d", sc->load.client_retry.retries);
}
static void s_client_retry_on(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_retry_on(sc->load.client_retry.retry_on, buf, len);
}
static void s_client_backoff(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_backoff(&sc->load.client_retry, buf, len);
}
static void s_max_outstanding(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	if (sc->load.max_outstanding > 0)
		snprintf(buf, len, "%d", sc->load.max_outstanding);
	else
		snprintf(buf, len, "unlimited");
}
static void s_deadline(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	char margin[32];
	fmt_dur(sc->deadline.margin_ms, margin, sizeof(margin));
	snprintf(buf, len, "header %s, margin %s", sc->deadline.header, margin);
}

static void s_timeout(const struct scenario *sc, int t, char *buf, size_t len)
{
	fmt_dur(sc->tiers[t].timeout_ms, buf, len);
}
static void s_propagate_deadline(const struct scenario *sc, int t, char *buf, size_t len)
{
	snprintf(buf, len, "%s", yes_no(sc->tiers[t].propagate_deadline));
}
static void s_propagate_cancel(const struct scenario *sc, int t, char *buf, size_t len)
{
	snprintf(buf, len, "%s", yes_no(sc->tiers[t].propagate_cancel));
}
static void s_retries(const struct scenario *sc, int t, char *buf, size_t len)
{
	snprintf(buf, len, "%d", sc->tiers[t].retry.retries);
}
static void s_attempt_timeout(const struct scenario *sc, int t, char *buf, size_t len)
{
	fmt_dur(sc->tiers[t].retry.attempt_timeout_ms, buf, len);
}
static void s_retry_on(const struct scenario *sc, int t, char *buf, size_t len)
{
	fmt_retry_on(sc->tiers[t].retry.retry_on, buf, len);
}
static void s_backoff(const struct scenario *sc, int t, char *buf, size_t len)
{
	fmt_backoff(&sc->tiers[t].retry, buf, len);
}
static void s_max_inflight(const struct scenario *sc, int t, char *buf, size_t len)
{
	if (sc->tiers[t].max_inflight > 0)
		snprintf(buf, len, "%d", sc->tiers[t].max_inflight);
	else
		snprintf(buf, len, "unlimited");
}

static void s_workers(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%d", sc->db.workers);
}
static void s_queue_limit(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%d", sc->db.queue_limit);
}
static void s_service_time(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_dist(&sc->db.service_time, buf, len);
}
static void s_statement_timeout(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	fmt_dur(sc->db.statement_timeout_ms, buf, len);
}
static void s_honor_deadline(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%s", yes_no(sc->db.honor_deadline));
}
static void s_honor_cancel(const struct scenario *sc, int arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%s", yes_no(sc->db.honor_cancel));
}

static const struct setting run_settings[] = {
    {"time scale", s_time_scale},
    {"seed", s_seed},
    {"deadline", s_deadline},
};
static const struct setting load_settings[] = {
    {"rate", s_rate},
    {"duration", s_duration},
    {"timeout", s_client_timeout},
    {"retries", s_client_retries},
    {"retry on", s_client_retry_on},
    {"backoff", s_client_backoff},
    {"max outstanding", s_max_outstanding},
};
static const struct setting tier_settings[] = {
    {"timeout", s_timeout},
    {"propagate deadline", s_propagate_deadline},
    {"propagate cancel", s_propagate_cancel},
    {"retries", s_retries},
    {"attempt timeout", s_attempt_timeout},
    {"retry on", s_retry_on},
    {"backoff", s_backoff},
    {"max in flight", s_max_inflight},
};
static const struct setting db_settings[] = {
    {"workers", s_workers},
    {"queue limit", s_queue_limit},
    {"service time", s_service_time},
    {"statement timeout", s_statement_timeout},
    {"honor deadline", s_honor_deadline},
    {"honor cancel", s_honor_cancel},
};

/* The header row of a card table: the run labels when there are several. */
static void add_run_header(struct sbuf *out, const struct html_run *runs, size_t n)
{
	if (n < 2)
		return;
	sbuf_adds(out, "<tr><th></th>");
	for (size_t i = 0; i < n; i++) {
		sbuf_adds(out, "<th class=\"run\">");
		html_escape(out, runs[i].label);
		sbuf_adds(out, "</th>");
	}
	sbuf_adds(out, "</tr>\n");
}

/* One row: label and each run's value; a row whose values differ between
 * runs is marked so the eye finds what changed. */
static void add_values_row(struct sbuf *out, const char *label, char (*values)[SET_VALUE_LEN], size_t n)
{
	bool differs = false;
	for (size_t i = 1; i < n; i++)
		differs = differs || strcmp(values[i], values[0]) != 0;
	sbuf_addf(out, "<tr%s><th>", differs ? " class=\"differs\"" : "");
	html_escape(out, label);
	sbuf_adds(out, "</th>");
	for (size_t i = 0; i < n; i++) {
		const char *cls = strcmp(values[i], "yes") == 0 ? " class=\"yes\"" : "";
		sbuf_addf(out, "<td%s>", cls);
		html_escape(out, values[i]);
		sbuf_adds(out, "</td>");
	}
	sbuf_adds(out, "</tr>\n");
}

static void add_settings_card(struct sbuf *out, const char *title, const struct setting *set, size_t nset,
			      int arg, const struct html_run *runs, size_t n)
{
	char(*values)[SET_VALUE_LEN] = xcalloc(n, sizeof(*values));
	sbuf_adds(out, "<div class=\"card\"><h3>");
	html_escape(out, title);
	sbuf_adds(out, "</h3><table class=\"settings\">\n");
	add_run_header(out, runs, n);
	for (size_t s = 0; s < nset; s++) {
		for (size_t i = 0; i < n; i++)
			set[s].fn(&runs[i].run.sc, arg, values[i], SET_VALUE_LEN);
		add_values_row(out, set[s].label, values, n);
	}
	sbuf_adds(out, "</table></div>\n");
	free(values);
}

static void add_faults_card(struct sbuf *out, const struct html_run *runs, size_t n)
{
	size_t most = 0;
	for (size_t i = 0; i < n; i++)
		if (runs[i].run.sc.nfaults > most)
			most = runs[i].run.sc.nfaults;
	char(*values)[SET_VALUE_LEN] = xcalloc(n, sizeof(*values));
	sbuf_adds(out, "<div class=\"card\"><h3>faults</h3><table class=\"settings\">\n");
	add_run_header(out, runs, n);
	if (most == 0) {
		for (size_t i = 0; i < n; i++)
			snprintf(values[i], SET_VALUE_LEN, "none");
		add_values_row(out, "faults", values, n);
	}
	for (size_t f = 0; f < most; f++) {
		for (size_t i = 0; i < n; i++) {
			const struct scenario *sc = &runs[i].run.sc;
			if (f >= sc->nfaults) {
				snprintf(values[i], SET_VALUE_LEN, "-");
				continue;
			}
			char label[96];
			info_fault_label(&sc->faults[f], label, sizeof(label));
			snprintf(values[i], SET_VALUE_LEN, "%g s .. %g s: %s",
				 sc->faults[f].start_ms / 1000.0, sc->faults[f].end_ms / 1000.0, label);
		}
		char name[32];
		snprintf(name, sizeof(name), "fault %zu", f + 1);
		add_values_row(out, name, values, n);
	}
	sbuf_adds(out, "</table></div>\n");
	free(values);
}

static void add_settings(struct sbuf *out, const struct html_run *runs, size_t n)
{
	sbuf_adds(out, "<section id=\"scenario\"><h2>Scenario settings</h2>\n");
	if (n >= 2)
		sbuf_adds(out,
			  "<p class=\"note\">Rows in <span class=\"differs\">yellow</span> differ between "
			  "the runs.</p>\n");
	sbuf_adds(out, "<div class=\"cards\">\n");
	add_settings_card(out, "run", run_settings, ARRAY_LEN(run_settings), 0, runs, n);
	add_settings_card(out, "client (loadgen)", load_settings, ARRAY_LEN(load_settings), 0, runs, n);
	for (int t = 0; t < TIER_FORWARDERS; t++)
		add_settings_card(out, tier_name((enum tier_id)t), tier_settings, ARRAY_LEN(tier_settings), t,
				  runs, n);
	add_settings_card(out, "dbsim", db_settings, ARRAY_LEN(db_settings), 0, runs, n);
	add_faults_card(out, runs, n);
	sbuf_adds(out, "</div></section>\n");
}

/* ---- headline numbers and the summary table ------------------------------ */

static void fmt_metric(const struct summary_metric *m, char *buf, size_t len)
{
	if (m && m->text)
		snprintf(buf, len, "%s", m->text);
	else if (!m || !isfinite(m->value))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", m->decimals, m->value);
}

struct headline {
	const char *metric, *label;
	double scale; /* shown value = value x scale */
	int decimals;
	const char *unit; /* after the number and a space */
};

/* Decimals and unit rather than a format string from a table: every format
 * stays a literal the compiler checks (-Wformat=2). */
static const struct headline headlines[] = {
    {"client_success_ratio", "client requests that succeeded", 100, 0, "%"},
    {"latency_p99_ms", "p99 client latency", 0.001, 1, "s"},
    {"db_hits_per_request", "database hits per client request", 1, 1, "x"},
    {"db_peak_arrival_ratio", "database peak load vs offered load", 1, 0, "x"},
    {"db_useful_work_ratio", "database work that reached a client", 100, 0, "%"},
    {"recovery_s", "recovery after the last fault ends", 1, 0, "s"},
};

static void add_headlines(struct sbuf *out, const struct html_run *runs, size_t n)
{
	sbuf_adds(out, "<section id=\"glance\"><h2>At a glance</h2>\n");
	for (size_t i = 0; i < n; i++) {
		if (n >= 2) {
			sbuf_adds(out, "<h3 class=\"runname\">");
			html_escape(out, runs[i].label);
			sbuf_adds(out, "</h3>\n");
		}
		sbuf_adds(out, "<div class=\"glance\">\n");
		for (size_t h = 0; h < ARRAY_LEN(headlines); h++) {
			double v = summary_value(&runs[i].sum, headlines[h].metric);
			char text[64];
			if (isfinite(v))
				snprintf(text, sizeof(text), "%.*f %s", headlines[h].decimals, v * headlines[h].scale,
					 headlines[h].unit);
			else if (strcmp(headlines[h].metric, "recovery_s") == 0)
				/* empty: no faults, or no recovery seen within the data */
				snprintf(text, sizeof(text), "%s",
					 runs[i].run.sc.nfaults ? "never" : "no fault");
			else
				snprintf(text, sizeof(text), "-");
			sbuf_adds(out, "<div class=\"big\"><div class=\"num\">");
			html_escape(out, text);
			sbuf_adds(out, "</div><div class=\"what\">");
			html_escape(out, headlines[h].label);
			sbuf_adds(out, "</div></div>\n");
		}
		sbuf_adds(out, "</div>\n");
	}
	sbuf_adds(out, "</section>\n");
}

static bool is_headline(const char *metric)
{
	for (size_t h = 0; h < ARRAY_LEN(headlines); h++)
		if (strcmp(headlines[h].metric, metric) == 0)
			return true;
	return false;
}

static void add_summary(struct sbuf *out, const struct html_run *runs, size_t n)
{
	sbuf_adds(out, "<section id=\"summary\"><h2>Summary</h2>\n"
		       "<p class=\"note\">Every metric is defined in report/README.md; the "
		       "<b>bold</b> rows are the ones above.</p>\n"
		       "<table class=\"summary\"><thead><tr><th>metric</th>");
	for (size_t i = 0; i < n; i++) {
		sbuf_adds(out, "<th class=\"run\">");
		html_escape(out, n >= 2 ? runs[i].label : "value");
		sbuf_adds(out, "</th>");
	}
	sbuf_adds(out, "<th>unit</th></tr></thead><tbody>\n");
	const struct summary *first = &runs[0].sum;
	for (size_t m = 0; m < first->n; m++) {
		const char *name = first->m[m].name;
		sbuf_addf(out, "<tr%s><th>", is_headline(name) ? " class=\"key\"" : "");
		html_escape(out, name);
		sbuf_adds(out, "</th>");
		for (size_t i = 0; i < n; i++) {
			char value[48];
			fmt_metric(summary_find(&runs[i].sum, name), value, sizeof(value));
			sbuf_adds(out, "<td>");
			html_escape(out, value);
			sbuf_adds(out, "</td>");
		}
		sbuf_adds(out, "<td class=\"unit\">");
		html_escape(out, first->m[m].unit);
		sbuf_adds(out, "</td></tr>\n");
	}
	sbuf_adds(out, "</tbody></table></section>\n");
}

/* ---- plots ---------------------------------------------------------------- */

static void base64(struct sbuf *out, const unsigned char *data, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char quad[4];
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		quad[0] = digits[(v >> 18) & 63];
		quad[1] = digits[(v >> 12) & 63];
		quad[2] = i + 1 < len ? digits[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? digits[v & 63] : '=';
		sbuf_add(out, quad, 4);
	}
}

/* The whole file, or NULL when it cannot be read. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct sbuf sb = SBUF_INIT;
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, got);
	int bad = ferror(f);
	fclose(f);
	*len = sb.len;
	if (bad || sb.len == 0) {
		sbuf_free(&sb);
		return NULL;
	}
	return (unsigned char *)sbuf_detach(&sb);
}

struct plot {
	const char *name; /* file name without extension */
	const char *caption;
};

static const struct plot run_plots[] = {
    {"arrivals", "Database arrivals per second against the offered client rate (log scale). Every layer's "
		 "retries multiply the load the database sees; shaded: fault windows."},
    {"success", "Share of client requests that succeeded, by the second they were due to be sent."},
    {"inflight", "Requests at each tier: awaiting their answer (solid), and orphaned, answered or abandoned with their work still running (dashed): the work done for nobody."},
    {"latency", "Latency of completed client requests as a cumulative distribution (log scale)."},
    {"dbwork", "Database work per second: useful (its answer reached a client) against wasted (nobody "
	       "was waiting for it any more)."},
};

static const struct plot compare_plots_list[] = {
    {"arrivals",
     "Database arrivals per second, one line per run, against the offered client rate (log scale)."},
    {"success", "Share of client requests that succeeded, by the second they were due, one line per run."},
    {"latency", "Latency of completed client requests, one line per run (log scale)."},
};

/* An <img> of folder/name.svg (else .png) as a data: URI, or a note. */
static void add_plot_img(struct sbuf *out, const char *folder, const char *name, const char *alt,
			 size_t *missing)
{
	static const char *const kinds[][2] = {{"svg", "image/svg+xml"}, {"png", "image/png"}};
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		char *path = xasprintf("%s/%s.%s", folder, name, kinds[k][0]);
		size_t len = 0;
		unsigned char *data = slurp(path, &len);
		free(path);
		if (!data)
			continue;
		sbuf_addf(out, "<img src=\"data:%s;base64,", kinds[k][1]);
		base64(out, data, len);
		sbuf_adds(out, "\" alt=\"");
		html_escape(out, alt);
		sbuf_adds(out, "\">");
		free(data);
		return;
	}
	(*missing)++;
	sbuf_adds(out, "<p class=\"missing\">No plot ");
	add_textf(out, "%s/%s.svg", folder, name);
	sbuf_adds(out, ": run <code>scripts/plot.sh</code> on the run folder(s) first.</p>");
}

static void add_figure(struct sbuf *out, const char *folder, const struct plot *p, const char *label,
		       size_t *missing)
{
	sbuf_adds(out, "<figure>");
	add_plot_img(out, folder, p->name, p->caption, missing);
	sbuf_adds(out, "<figcaption>");
	if (label) {
		sbuf_adds(out, "<b>");
		html_escape(out, label);
		sbuf_adds(out, ":</b> ");
	}
	html_escape(out, p->caption);
	sbuf_adds(out, "</figcaption></figure>\n");
}

static void add_plots(struct sbuf *out, const struct html_run *runs, size_t n, const char *compare_plots,
		      size_t *missing)
{
	sbuf_adds(out, "<section id=\"plots\"><h2>Plots</h2>\n");
	if (n == 1) {
		char *folder = xasprintf("%s/plots", runs[0].dir);
		for (size_t p = 0; p < ARRAY_LEN(run_plots); p++)
			add_figure(out, folder, &run_plots[p], NULL, missing);
		free(folder);
		sbuf_adds(out, "</section>\n");
		return;
	}
	for (size_t p = 0; p < ARRAY_LEN(compare_plots_list); p++)
		add_figure(out, compare_plots, &compare_plots_list[p], NULL, missing);
	/* the per-run plots side by side, one row per kind */
	for (size_t p = 0; p < ARRAY_LEN(run_plots); p++) {
		sbuf_adds(out, "<div class=\"side\">\n");
		for (size_t i = 0; i < n; i++) {
			char *folder = xasprintf("%s/plots", runs[i].dir);
			add_figure(out, folder, &run_plots[p], runs[i].label, missing);
			free(folder);
		}
		sbuf_adds(out, "</div>\n");
	}
	sbuf_adds(out, "</section>\n");
}

/* ---- the worst request ---------------------------------------------------- */

static const char *outcome_class(const struct reqtree_node *nd)
{
	if (nd->ok)
		return "ok";
	if (strcmp(nd->outcome, "timeout") == 0 || strcmp(nd->outcome, "deadline_expired") == 0 ||
	    strcmp(nd->outcome, "statement_timeout") == 0)
		return "late";
	if (strcmp(nd->outcome, "cancelled") == 0 || strcmp(nd->outcome, "caller_gone") == 0)
		return "gone";
	return "bad";
}

static void add_ms_cell(struct sbuf *out, double ms)
{
	if (isfinite(ms))
		sbuf_addf(out, "<td class=\"n\">%.0f</td>", ms);
	else
		sbuf_adds(out, "<td class=\"n\">-</td>");
}

static void add_waterfall(struct sbuf *out, const struct html_run *hr)
{
	const struct run *r = &hr->run;
	unsigned hits = 0;
	uint32_t worst = reqtree_worst(r, &hits);
	if (worst == STRPOOL_NONE) {
		sbuf_adds(out, "<p class=\"note\">No client requests in this run.</p>\n");
		return;
	}
	struct reqtree t;
	reqtree_build(r, worst, &t);
	double range = t.end_ms > t.t0_ms ? t.end_ms - t.t0_ms : 1;
	sbuf_adds(out, "<p class=\"note\">Trace <code>");
	html_escape(out, strpool_str(&r->traces, worst));
	sbuf_adds(out, "</code>");
	add_textf(out,
		  ": %u database hits, %zu spans. Times in ms from when its first attempt was due "
		  "(%.1f ms into the run); each call is indented under its caller.",
		  hits, t.n, t.t0_ms);
	sbuf_adds(out, "</p>\n");
	sbuf_adds(
	    out,
	    "<p class=\"legend\"><span class=\"sw ok\"></span>ok <span class=\"sw late\"></span>timed out "
	    "<span class=\"sw gone\"></span>caller gone / cancelled <span class=\"sw bad\"></span>error "
	    "<span class=\"sw queue\"></span>waiting in the database queue</p>\n");
	sbuf_adds(out, "<table class=\"wf\"><thead><tr><th>tier</th><th>call</th><th>start ms</th>"
		       "<th>duration ms</th><th>budget ms</th><th>outcome</th><th class=\"axis\">");
	add_textf(out, "0 s");
	sbuf_adds(out, "<span>");
	add_textf(out, "%.4g s", range / 1000.0);
	sbuf_adds(out, "</span></th></tr></thead><tbody>\n");
	for (size_t i = 0; i < t.n; i++) {
		const struct reqtree_node *nd = &t.nodes[i];
		char call[16], outcome[24];
		reqtree_call_label(nd, call, sizeof(call));
		waterfall_outcome(nd, outcome, sizeof(outcome));
		sbuf_addf(out, "<tr><td class=\"tier\" style=\"padding-left:%.1fem\">",
			  0.3 + 1.2 * nd->depth);
		html_escape(out, run_proc_name(nd->proc));
		sbuf_adds(out, "</td><td>");
		html_escape(out, call);
		sbuf_adds(out, "</td>");
		add_ms_cell(out, nd->start_ms - t.t0_ms);
		add_ms_cell(out, nd->end_ms - nd->start_ms);
		add_ms_cell(out, nd->budget_ms >= 0 ? nd->budget_ms : NAN);
		sbuf_addf(out, "<td class=\"oc %s\">", outcome_class(nd));
		html_escape(out, outcome);
		sbuf_adds(out, "</td><td class=\"lane\">");
		if (isfinite(nd->start_ms) && isfinite(nd->end_ms)) {
			double left = (nd->start_ms - t.t0_ms) / range * 100,
			       width = (nd->end_ms - nd->start_ms) / range * 100;
			double queue = 0;
			if (!nd->attempt_row && nd->server)
				queue =
				    fmin(r->spans[nd->row].queue_ms, nd->end_ms - nd->start_ms) / range * 100;
			if (queue > 0)
				sbuf_addf(
				    out, "<div class=\"bar queue\" style=\"left:%.3f%%;width:%.3f%%\"></div>",
				    left, queue);
			sbuf_addf(out, "<div class=\"bar %s\" style=\"left:%.3f%%;width:%.3f%%\"></div>",
				  outcome_class(nd), left + queue, fmax(width - queue, 0.15));
		}
		sbuf_adds(out, "</td></tr>\n");
	}
	sbuf_adds(out, "</tbody></table>\n");
	reqtree_free(&t);
}

static void add_worst(struct sbuf *out, const struct html_run *runs, size_t n)
{
	sbuf_adds(out,
		  "<section id=\"trace\"><h2>The worst request</h2>\n"
		  "<p class=\"note\">The client request that caused the most database queries, with every "
		  "attempt it set off at every tier. <code>scripts/trace.sh DIR</code> prints the same tree "
		  "in a terminal; <code>report trace DIR</code> writes trace.json for Perfetto.</p>\n");
	for (size_t i = 0; i < n; i++) {
		if (n >= 2) {
			sbuf_adds(out, "<h3 class=\"runname\">");
			html_escape(out, runs[i].label);
			sbuf_adds(out, "</h3>\n");
		}
		add_waterfall(out, &runs[i]);
	}
	sbuf_adds(out, "</section>\n");
}

/* ---- the page --------------------------------------------------------------- */

static const char css[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1500px;padding:24px 40px 80px;font:20px/1.4 'DejaVu Sans',Verdana,"
    "Arial,sans-serif;color:#1a1a1a;background:#fff}\n"
    "h1{font-size:44px;margin:8px 0 4px}\n"
    "h2{font-size:32px;margin:48px 0 12px;padding-bottom:6px;border-bottom:4px solid #2b5797}\n"
    "h3{font-size:24px;margin:18px 0 8px}\n"
    ".desc{font-size:24px;max-width:60em;margin:8px 0}\n"
    ".meta,.note{color:#444}\n"
    "nav{margin:16px 0;font-size:20px}nav a{margin-right:1.2em;color:#2b5797}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:0.9em;background:#f1f1f1;padding:0 4px}\n"
    ".glance{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:14px;margin:8px 0 "
    "20px}\n"
    ".big{border:3px solid #2b5797;border-radius:10px;padding:12px 16px;background:#f5f8fc}\n"
    ".big .num{font-size:44px;font-weight:bold;color:#2b5797;white-space:nowrap}\n"
    ".big .what{font-size:19px}\n"
    ".runname{font-size:28px;color:#2b5797}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px}\n"
    ".card{border:2px solid #ccc;border-radius:8px;padding:8px 14px}\n"
    ".card h3{margin:4px 0 6px}\n"
    "table{border-collapse:collapse}\n"
    "th,td{padding:4px 10px;text-align:left;vertical-align:top}\n"
    "table.settings{width:100%}\n"
    "table.settings th{font-weight:normal;color:#333;white-space:nowrap}\n"
    "table.settings td{font-weight:bold}\n"
    "table.settings th.run{font-weight:bold;color:#2b5797}\n"
    "td.yes{color:#1b7e2e}\n"
    "tr.differs td,tr.differs th,span.differs{background:#fff1a8}\n"
    "table.summary{font-size:20px;min-width:50%}\n"
    "table.summary thead th{border-bottom:3px solid #2b5797;color:#2b5797}\n"
    "table.summary td{text-align:right;font-variant-numeric:tabular-nums;padding-left:28px}\n"
    "table.summary td.unit{text-align:left;color:#555}\n"
    "table.summary tbody tr:nth-child(even){background:#f4f4f4}\n"
    "table.summary tr.key th,table.summary tr.key td{font-weight:bold}\n"
    "table.summary tbody th{font-weight:normal;font-family:'DejaVu Sans Mono',monospace;font-size:18px}\n"
    "figure{margin:24px 0}\n"
    "figure img{width:100%;max-width:1200px;height:auto;border:1px solid #ddd}\n"
    "figcaption{font-size:20px;max-width:1200px;color:#333}\n"
    ".side{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:20px}\n"
    ".side figure{margin:8px 0}\n"
    ".missing{border:3px dashed #c33;padding:16px;color:#a00}\n"
    "table.wf{width:100%;font-size:16px;font-variant-numeric:tabular-nums}\n"
    "table.wf thead th{border-bottom:3px solid #2b5797;white-space:nowrap}\n"
    "table.wf td{padding:1px 8px;white-space:nowrap}\n"
    "table.wf td.n{text-align:right}\n"
    "table.wf tbody tr:nth-child(even){background:#f6f6f6}\n"
    "table.wf td.tier{font-weight:bold}\n"
    "th.axis{width:45%;position:relative}\n"
    "th.axis span{position:absolute;right:8px}\n"
    "td.lane{position:relative;width:45%;border-left:1px solid #bbb;border-right:1px solid #bbb}\n"
    ".bar{position:absolute;top:3px;bottom:3px;min-width:2px;border-radius:2px}\n"
    ".ok{color:#1b7e2e}.late{color:#b35900}.gone{color:#666}.bad{color:#c0392b}\n"
    ".bar.ok,.sw.ok{background:#2e9e44}.bar.late,.sw.late{background:#f0922b}\n"
    ".bar.gone,.sw.gone{background:#9a9a9a}.bar.bad,.sw.bad{background:#d64541}\n"
    ".bar.queue,.sw.queue{background:repeating-linear-gradient(90deg,#c9d6ea 0 6px,#e8eef7 6px 12px)}\n"
    "td.oc{font-weight:bold}\n"
    ".legend{font-size:18px}.sw{display:inline-block;width:28px;height:16px;margin:0 6px 0 16px;"
    "vertical-align:middle;border-radius:2px}\n"
    "footer{margin-top:48px;color:#666;font-size:16px}\n";

static void add_head(struct sbuf *out, const struct html_run *runs, size_t n)
{
	sbuf_adds(
	    out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
	    "style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>cascade: ");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_adds(out, " vs ");
		html_escape(out, runs[i].label);
	}
	sbuf_adds(out, "</title>\n<style>\n");
	sbuf_adds(out, css);
	sbuf_adds(out, "</style>\n</head>\n<body>\n<header>\n");
}

void html_page(const struct html_run *runs, size_t n, const char *compare_plots, struct sbuf *out,
	       size_t *missing)
{
	*missing = 0;
	add_head(out, runs, n);
	if (n == 1) {
		sbuf_adds(out, "<h1>");
		html_escape(out, runs[0].label);
		sbuf_adds(out, "</h1>\n");
	} else {
		sbuf_adds(out, "<h1>");
		for (size_t i = 0; i < n; i++) {
			if (i)
				sbuf_adds(out, " <span class=\"meta\">vs</span> ");
			html_escape(out, runs[i].label);
		}
		sbuf_adds(out, "</h1>\n");
	}
	for (size_t i = 0; i < n; i++) {
		const char *desc = runs[i].run.sc.description;
		if (!desc || !*desc)
			continue;
		sbuf_adds(out, "<p class=\"desc\">");
		if (n >= 2) {
			sbuf_adds(out, "<b>");
			html_escape(out, runs[i].label);
			sbuf_adds(out, ":</b> ");
		}
		html_escape(out, desc);
		sbuf_adds(out, "</p>\n");
	}
	sbuf_adds(out, "<p class=\"meta\">");
	for (size_t i = 0; i < n; i++) {
		add_textf(out, "%srun folder %s", i ? "; " : "", runs[i].dir);
	}
	sbuf_adds(out, "</p>\n<nav><a href=\"#glance\">At a glance</a><a href=\"#scenario\">Settings</a>"
		       "<a href=\"#summary\">Summary</a><a href=\"#plots\">Plots</a>"
		       "<a href=\"#trace\">Worst request</a></nav>\n</header>\n<main>\n");
	add_headlines(out, runs, n);
	add_settings(out, runs, n);
	add_summary(out, runs, n);
	add_plots(out, runs, n, compare_plots, missing);
	add_worst(out, runs, n);
	sbuf_adds(out, "</main>\n<footer>");
	add_textf(out, "cascade report %s. Times are scenario time unless marked real.", CASCADE_VERSION);
	sbuf_adds(out, "</footer>\n</body>\n</html>\n");
}
