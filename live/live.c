/* live: the live view's reading of /metrics, its rates, and everything it
 * draws, kept free of sockets and terminals so the tests can check it. */
#include "live.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_COLS 80
#define BAR_CELLS 60 /* with the 10-column time label and the " of 180s" tail: 78 */
#define LABEL_MAX 64 /* label values longer than this are cut (none we read comes close) */
#define MAX_LEGEND_FAULTS 3

#define ANSI_RESET "\x1b[0m"
#define ANSI_BOLD "\x1b[1m"
#define ANSI_DIM "\x1b[2m"
#define ANSI_RED "\x1b[31m"
#define ANSI_YELLOW "\x1b[33m"

static const char *const spark_glyphs[LIVE_SPARK_GLYPHS] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* ---- parsing ---- */

void live_sample_clear(struct live_sample *s)
{
	s->valid = false;
	s->has_db = false;
	s->time_s = s->arrivals = s->attempts = s->retries = NAN;
	s->req_ok = s->req_timeout = s->req_error = s->req_gone = NAN;
	s->inflight = s->orphaned = s->queue_depth = s->busy_workers = s->workers = NAN;
	s->retries_denied = s->hedges = s->breaker_open_s = s->cache_hits = s->cache_misses = NAN;
}

/* A bucket that was never seen stays NAN; the first value seen starts it. */
static void accumulate(double *bucket, double v)
{
	if (isnan(*bucket))
		*bucket = 0;
	*bucket += v;
}

/* The outcomes that mean "a clock ran out" rather than "something failed". */
static bool is_timeout_outcome(const char *outcome)
{
	return !strcmp(outcome, "timeout") || !strcmp(outcome, "deadline_expired") ||
	       !strcmp(outcome, "statement_timeout");
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

/* Reads {k="v",...} starting at '{'; keeps the outcome label.  Returns
 * the position after '}', or NULL when the label set is malformed. */
static const char *parse_labels(const char *p, char *outcome)
{
	p++; /* '{' */
	for (;;) {
		const char *key;
		size_t keylen, n = 0;
		char value[LABEL_MAX];

		p = skip_blanks(p);
		if (*p == '}')
			return p + 1;
		key = p;
		while (is_name_char(*p, p == key))
			p++;
		keylen = (size_t)(p - key);
		if (keylen == 0)
			return NULL;
		p = skip_blanks(p);
		if (*p++ != '=')
			return NULL;
		p = skip_blanks(p);
		if (*p++ != '"')
			return NULL;
		while (*p && *p != '"' && *p != '\n') {
			char c = *p++;
			if (c == '\\') {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c != '\\' && c != '"')
					return NULL;
			}
			if (n + 1 < sizeof(value))
				value[n++] = c;
		}
		if (*p++ != '"')
			return NULL;
		value[n] = '\0';
		if (keylen == 7 && !memcmp(key, "outcome", 7))
			snprintf(outcome, LABEL_MAX, "%s", value);
		p = skip_blanks(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
}

static void keep_metric(struct live_sample *s, const char *name, const char *outcome, double v)
{
	if (!strncmp(name, "cascade_", 8))
		s->valid = true;
	if (!strcmp(name, "cascade_scenario_time_seconds"))
		s->time_s = v;
	else if (!strcmp(name, "cascade_arrivals_total"))
		s->arrivals = v;
	else if (!strcmp(name, "cascade_attempts_total"))
		s->attempts = v;
	else if (!strcmp(name, "cascade_retries_total"))
		s->retries = v;
	else if (!strcmp(name, "cascade_requests_total") && *outcome) {
		if (!strcmp(outcome, "ok"))
			accumulate(&s->req_ok, v);
		else
			accumulate(is_timeout_outcome(outcome) ? &s->req_timeout : &s->req_error, v);
		if (!strcmp(outcome, "caller_gone"))
			accumulate(&s->req_gone, v);
	} else if (!strcmp(name, "cascade_inflight"))
		s->inflight = v;
	else if (!strcmp(name, "cascade_orphaned"))
		s->orphaned = v;
	else if (!strcmp(name, "cascade_retries_denied_total"))
		s->retries_denied = v;
	else if (!strcmp(name, "cascade_hedges_total"))
		s->hedges = v;
	else if (!strcmp(name, "cascade_breaker_open_seconds_total"))
		s->breaker_open_s = v;
	else if (!strcmp(name, "cascade_cache_hits_total"))
		s->cache_hits = v;
	else if (!strcmp(name, "cascade_cache_misses_total"))
		s->cache_misses = v;
	else if (!strcmp(name, "cascade_db_queue_depth"))
		s->queue_depth = v;
	else if (!strcmp(name, "cascade_db_busy_workers"))
		s->busy_workers = v;
	else if (!strcmp(name, "cascade_db_workers"))
		s->workers = v;
}

int live_parse_metrics(const char *text, struct live_sample *s)
{
	const char *p = text;

	live_sample_clear(s);
	while (p && *p) {
		const char *line_end = strchr(p, '\n');
		const char *next = line_end ? line_end + 1 : p + strlen(p);
		char name[128], outcome[LABEL_MAX] = "";
		const char *start;
		char *num_end;
		size_t len;
		double v;

		p = skip_blanks(p);
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			goto next_line;
		start = p;
		while (is_name_char(*p, p == start))
			p++;
		len = (size_t)(p - start);
		if (len == 0 || len >= sizeof(name))
			goto next_line;
		memcpy(name, start, len);
		name[len] = '\0';
		p = skip_blanks(p);
		if (*p == '{' && !(p = parse_labels(p, outcome)))
			goto next_line;
		p = skip_blanks(p);
		v = strtod(p, &num_end);
		if (num_end == p || (*num_end && !isspace((unsigned char)*num_end)))
			goto next_line;
		keep_metric(s, name, outcome, v);
	next_line:
		p = next;
	}
	s->has_db = !isnan(s->queue_depth) && !isnan(s->busy_workers) && !isnan(s->workers);
	return s->valid ? 0 : -1;
}

/* ---- rates ---- */

void live_rates_clear(struct live_rates *r)
{
	r->arrivals = r->ok = r->retries = r->timeouts = r->errors = r->gone = NAN;
}

int live_rates_between(const struct live_sample *prev, const struct live_sample *cur, struct live_rates *out)
{
	const double *from[] = {&prev->arrivals,    &prev->req_ok,    &prev->retries,
				&prev->req_timeout, &prev->req_error, &prev->req_gone};
	const double *to[] = {&cur->arrivals,	 &cur->req_ok,	  &cur->retries,
			      &cur->req_timeout, &cur->req_error, &cur->req_gone};
	double *rate[] = {&out->arrivals, &out->ok, &out->retries, &out->timeouts, &out->errors, &out->gone};
	double dt_s = cur->time_s - prev->time_s;
	size_t i;

	live_rates_clear(out);
	if (!prev->valid || !cur->valid || !(dt_s > 0))
		return -1;
	for (i = 0; i < ARRAY_LEN(rate); i++)
		if (*to[i] < *from[i]) /* a restarted tier starts its counters again */
			return -1;
	for (i = 0; i < ARRAY_LEN(rate); i++)
		*rate[i] = (*to[i] - *from[i]) / dt_s; /* NAN stays NAN */
	return 0;
}

/* ---- sparkline and bar ---- */

size_t live_sparkline(struct sbuf *sb, const double *values, size_t n, double top)
{
	size_t i;

	if (!(top > 0)) {
		top = 0;
		for (i = 0; i < n; i++)
			if (values[i] > top)
				top = values[i];
	}
	for (i = 0; i < n; i++) {
		double v = values[i];
		long level;

		if (isnan(v) || v < 0) {
			sbuf_adds(sb, " ");
			continue;
		}
		level = top > 0 ? lround(v / top * (LIVE_SPARK_GLYPHS - 1)) : 0;
		if (level > LIVE_SPARK_GLYPHS - 1)
			level = LIVE_SPARK_GLYPHS - 1;
		sbuf_adds(sb, spark_glyphs[level]);
	}
	return n;
}

void live_bar_cells(char *cells, int width, double now_ms, double duration_ms, const struct fault *faults,
		    size_t nfaults)
{
	for (int i = 0; i < width; i++) {
		double from = duration_ms * i / width, to = duration_ms * (i + 1) / width;
		bool done = duration_ms > 0 && now_ms > from;
		bool fault = false;

		for (size_t k = 0; k < nfaults && duration_ms > 0; k++)
			if (faults[k].start_ms < to && faults[k].end_ms > from)
				fault = true;
		cells[i] = (char)(fault ? (done ? LIVE_CELL_FAULT_DONE : LIVE_CELL_FAULT_TODO)
					: (done ? LIVE_CELL_DONE : LIVE_CELL_TODO));
	}
	cells[width > 0 ? width : 0] = '\0';
}

void live_bar_render(struct sbuf *sb, int width, double now_ms, double duration_ms,
		     const struct fault *faults, size_t nfaults, bool color)
{
	char *cells = xmalloc((size_t)(width > 0 ? width : 0) + 1);
	const char *open = NULL; /* the color in force, NULL for none */

	live_bar_cells(cells, width, now_ms, duration_ms, faults, nfaults);
	for (int i = 0; i < width; i++) {
		bool fault = cells[i] == LIVE_CELL_FAULT_DONE || cells[i] == LIVE_CELL_FAULT_TODO;
		const char *want = !color			? NULL
				   : fault			? ANSI_YELLOW
				   : cells[i] == LIVE_CELL_TODO ? ANSI_DIM
								: NULL;

		if (want != open) {
			if (open)
				sbuf_adds(sb, ANSI_RESET);
			if (want)
				sbuf_adds(sb, want);
			open = want;
		}
		switch (cells[i]) {
		case LIVE_CELL_DONE:
			sbuf_adds(sb, "█");
			break;
		case LIVE_CELL_FAULT_DONE:
			sbuf_adds(sb, "▓");
			break;
		case LIVE_CELL_FAULT_TODO:
			sbuf_adds(sb, "▒");
			break;
		default:
			sbuf_adds(sb, "░");
			break;
		}
	}
	if (open)
		sbuf_adds(sb, ANSI_RESET);
	free(cells);
}

/* Scenario ms as the shortest readable duration: "30s", "2.5s", "250ms". */
static void add_duration(struct sbuf *sb, double ms)
{
	if (ms >= 1000 || ms == 0)
		sbuf_addf(sb, "%gs", ms / 1000);
	else
		sbuf_addf(sb, "%gms", ms);
}

void live_fault_label(struct sbuf *sb, const struct fault *f)
{
	const char *tier = tier_name(f->tier);

	switch (f->kind) {
	case FAULT_SLOWDOWN:
		sbuf_addf(sb, "%s slowdown x%g", tier, f->value);
		break;
	case FAULT_LATENCY:
		sbuf_addf(sb, "%s latency +", tier);
		add_duration(sb, f->value);
		break;
	case FAULT_ERRORS:
		sbuf_addf(sb, "%s errors %g%%", tier, f->value * 100);
		break;
	case FAULT_STALL:
		sbuf_addf(sb, "%s stall", tier);
		break;
	case FAULT_CAPACITY:
		if (f->tier == TIER_DBSIM)
			sbuf_addf(sb, "%s down to %g worker%s", tier, f->value, f->value == 1 ? "" : "s");
		else
			sbuf_addf(sb, "%s max_inflight %g", tier, f->value);
		break;
	default:
		sbuf_addf(sb, "%s %s", tier, fault_kind_name(f->kind));
		break;
	}
	sbuf_adds(sb, " ");
	add_duration(sb, f->start_ms);
	sbuf_adds(sb, "–");
	add_duration(sb, f->end_ms);
}

/* ---- history ---- */

void live_history_push(struct live_history *h, double time_s, double value)
{
	h->values[h->next] = value;
	h->time_s[h->next] = time_s;
	h->next = (h->next + 1) % LIVE_HISTORY;
	if (h->count < LIVE_HISTORY)
		h->count++;
}

double live_history_window(const struct live_history *h, double *out)
{
	size_t pad = LIVE_HISTORY - h->count, oldest = (h->next + LIVE_HISTORY - h->count) % LIVE_HISTORY;
	size_t newest = (h->next + LIVE_HISTORY - 1) % LIVE_HISTORY;

	for (size_t i = 0; i < LIVE_HISTORY; i++)
		out[i] = i < pad ? NAN : h->values[(oldest + i - pad) % LIVE_HISTORY];
	if (h->count < 2)
		return 0;
	return h->time_s[newest] - h->time_s[oldest];
}

/* ---- the frame ---- */

/* Columns a string takes on screen: UTF-8 lead bytes count one, ANSI CSI
 * sequences none.  Every glyph the view draws is one column wide. */
static size_t display_width(const char *s)
{
	size_t w = 0;

	while (*s) {
		if (s[0] == '\x1b' && s[1] == '[') {
			s += 2;
			while (*s && !(*s >= '@' && *s <= '~'))
				s++;
			if (*s)
				s++;
			continue;
		}
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
		s++;
	}
	return w;
}

static void add_spaces(struct sbuf *sb, size_t n)
{
	while (n--)
		sbuf_adds(sb, " ");
}

/* text right-aligned in width columns, wrapped in color when one is given. */
static void add_cell(struct sbuf *sb, size_t width, const char *text, const char *color)
{
	size_t w = display_width(text);

	add_spaces(sb, w < width ? width - w : 0);
	if (color)
		sbuf_adds(sb, color);
	sbuf_adds(sb, text);
	if (color)
		sbuf_adds(sb, ANSI_RESET);
}

static void fmt_rate(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, v >= 1000 ? "%.0f" : "%.1f", v);
}

static void fmt_count(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f", v);
}

/* left and right on one FRAME_COLS line, right flush against the edge. */
static void add_split_line(struct sbuf *sb, const char *left, const char *right)
{
	size_t lw = display_width(left), rw = display_width(right);

	sbuf_adds(sb, left);
	add_spaces(sb, lw + rw < FRAME_COLS ? FRAME_COLS - lw - rw : 1);
	sbuf_adds(sb, right);
	sbuf_adds(sb, "\n");
}

/* The scenario's description, word-wrapped, at most max_lines lines. */
static void add_wrapped(struct sbuf *sb, const char *text, size_t width, int max_lines, bool color)
{
	const char *p = text;
	int lines = 0;

	while (*p && lines < max_lines) {
		size_t used = 0;
		bool first = true;

		if (color)
			sbuf_adds(sb, ANSI_DIM);
		while (*p) {
			const char *word = p;
			char *copy;
			size_t w;

			while (*p && *p != ' ')
				p++;
			copy = xmalloc((size_t)(p - word) + 1);
			memcpy(copy, word, (size_t)(p - word));
			copy[p - word] = '\0';
			w = display_width(copy);
			if (!first && used + 1 + w > width) {
				free(copy);
				p = word;
				break;
			}
			if (!first)
				sbuf_adds(sb, " ");
			sbuf_adds(sb, copy);
			used += (first ? 0 : 1) + w;
			first = false;
			free(copy);
			while (*p == ' ')
				p++;
		}
		lines++;
		if (*p && lines == max_lines)
			sbuf_adds(sb, " …");
		if (color)
			sbuf_adds(sb, ANSI_RESET);
		sbuf_adds(sb, "\n");
	}
}

static void render_title(struct sbuf *sb, const struct live_frame *f)
{
	struct sbuf left = SBUF_INIT, right = SBUF_INIT;
	const struct scenario *sc = f->sc;

	sbuf_addf(&left, "%scascade live · %.50s%s", f->color ? ANSI_BOLD : "",
		  sc->name ? sc->name : "scenario", f->color ? ANSI_RESET : "");
	if (sc->time_scale < 1)
		sbuf_addf(&right, "time scale %g (%gx faster)", sc->time_scale, 1 / sc->time_scale);
	else if (sc->time_scale > 1)
		sbuf_addf(&right, "time scale %g (%gx slower)", sc->time_scale, sc->time_scale);
	else
		sbuf_adds(&right, "real time");
	add_split_line(sb, sbuf_str(&left), sbuf_str(&right));
	if (sc->description && *sc->description)
		add_wrapped(sb, sc->description, FRAME_COLS - 2, 2, f->color);
	sbuf_adds(sb, "\n");
	sbuf_free(&left);
	sbuf_free(&right);
}

static void render_progress(struct sbuf *sb, const struct live_frame *f)
{
	const struct scenario *sc = f->sc;
	double duration_ms = sc->load.duration_ms;
	size_t k, shown = 0;

	sbuf_addf(sb, "t=%6.1fs ", f->now_ms > 0 ? f->now_ms / 1000 : 0.0);
	live_bar_render(sb, BAR_CELLS, f->now_ms, duration_ms, sc->faults, sc->nfaults, f->color);
	sbuf_adds(sb, " of ");
	add_duration(sb, duration_ms);
	sbuf_adds(sb, "\n");

	for (k = 0; k < sc->nfaults; k++) {
		const struct fault *ft = &sc->faults[k];
		bool active = f->now_ms >= ft->start_ms && f->now_ms < ft->end_ms;

		if (shown == MAX_LEGEND_FAULTS) {
			sbuf_addf(sb, "          … and %zu more fault%s\n", sc->nfaults - k,
				  sc->nfaults - k == 1 ? "" : "s");
			break;
		}
		sbuf_addf(sb, "          %s▓%s ", f->color ? ANSI_YELLOW : "", f->color ? ANSI_RESET : "");
		if (active && f->color)
			sbuf_adds(sb, ANSI_BOLD ANSI_RED);
		live_fault_label(sb, ft);
		if (active)
			sbuf_adds(sb, "  ◀ active now");
		if (active && f->color)
			sbuf_adds(sb, ANSI_RESET);
		sbuf_adds(sb, "\n");
		shown++;
	}
	if (sc->nfaults == 0)
		sbuf_adds(sb, "          no faults in this scenario\n");

	sbuf_adds(sb, "          ");
	if (f->now_ms < 0)
		sbuf_addf(sb, "starting in %.1fs (scenario time)", -f->now_ms / 1000);
	else if (f->now_ms < duration_ms)
		sbuf_addf(sb, "client sending %g req/s (%s arrivals)", sc->load.rate_rps,
			  sc->load.arrival == ARRIVAL_POISSON ? "Poisson" : "constant");
	else
		sbuf_adds(sb, "client stopped sending; in-flight work drains");
	sbuf_adds(sb, "\n\n");
}

/* Most of a storm's "errors" deep in the chain are answers nobody waits
 * for any more; naming them turns a red number into the lesson. */
/* One line, only when a remedy has acted: what each tier's remedies decided
 * so far ("svc_b: 120 retries denied, breaker open 12.3 s, cache 45 % hits"). */
static void render_remedies_note(struct sbuf *sb, const struct live_frame *f)
{
	bool any = false;

	for (int t = 0; t < TIER_COUNT; t++) {
		const struct live_sample *s = &f->tiers[t].cur;
		bool first = true;

		if (!f->tiers[t].shown || f->tiers[t].state != LIVE_UP)
			continue;
#define PART(cond, ...)                                                                                      \
	if (cond) {                                                                                          \
		if (!any)                                                                                    \
			sbuf_addf(sb, "%s  remedies:", f->color ? ANSI_DIM : "");                            \
		sbuf_addf(sb, "%s", first ? (any ? " | " : " ") : ", ");                                     \
		if (first)                                                                                   \
			sbuf_addf(sb, "%s ", f->tiers[t].name);                                              \
		sbuf_addf(sb, __VA_ARGS__);                                                                  \
		any = true;                                                                                  \
		first = false;                                                                               \
	}
		PART(s->retries_denied > 0, "%.0f retries denied", s->retries_denied)
		PART(s->hedges > 0, "%.0f hedges", s->hedges)
		PART(s->breaker_open_s > 0, "breaker open %.1f s", s->breaker_open_s)
		PART(s->cache_hits + s->cache_misses > 0, "cache %.0f %% hits",
		     100 * s->cache_hits / (s->cache_hits + s->cache_misses))
#undef PART
	}
	if (any)
		sbuf_addf(sb, "%s\n", f->color ? ANSI_RESET : "");
}

static void render_gone_note(struct sbuf *sb, const struct live_frame *f)
{
	bool any = false;

	for (int t = 0; t < TIER_COUNT; t++) {
		const struct live_tier *tier = &f->tiers[t];

		if (!tier->shown || tier->state != LIVE_UP || !(tier->rates.gone >= 0.05))
			continue;
		if (!any)
			sbuf_addf(sb, "%s  of err/s, the caller had left:", f->color ? ANSI_DIM : "");
		sbuf_addf(sb, " %s %.1f", tier->name, tier->rates.gone);
		any = true;
	}
	if (any)
		sbuf_addf(sb, "%s\n", f->color ? ANSI_RESET : "");
}

static void render_table(struct sbuf *sb, const struct live_frame *f)
{
	static const size_t width[] = {8, 7, 7, 7, 10, 9, 7, 7, 7, 6};
	static const char *const head[] = {"tier",  "arr/s", "ok/s",  "ret/s", "in-flight", "orphaned",
					   "tmo/s", "err/s", "queue", "busy"};
	const char *red = f->color ? ANSI_RED : NULL;
	size_t c;

	if (f->color)
		sbuf_adds(sb, ANSI_BOLD);
	sbuf_addf(sb, "%-*s", (int)width[0], head[0]);
	for (c = 1; c < ARRAY_LEN(head); c++)
		add_cell(sb, width[c], head[c], NULL);
	if (f->color)
		sbuf_adds(sb, ANSI_RESET);
	sbuf_adds(sb, "\n");

	for (int t = 0; t < TIER_COUNT; t++) {
		const struct live_tier *tier = &f->tiers[t];
		const struct live_rates *r = &tier->rates;
		char buf[32];

		if (!tier->shown)
			continue;
		sbuf_addf(sb, "%-*s", (int)width[0], tier->name);
		if (tier->state != LIVE_UP) {
			sbuf_adds(sb, "  ");
			if (red)
				sbuf_adds(sb, red);
			sbuf_adds(sb, tier->state == LIVE_DOWN ? "down (no connection)"
							       : "no reply in time (event loop swamped?)");
			if (red)
				sbuf_adds(sb, ANSI_RESET);
			sbuf_adds(sb, "\n");
			continue;
		}
		fmt_rate(buf, sizeof(buf), r->arrivals);
		add_cell(sb, width[1], buf, NULL);
		fmt_rate(buf, sizeof(buf), r->ok);
		add_cell(sb, width[2], buf, NULL);
		/* dbsim sends nothing downstream: a retry column of zeros would
		 * suggest it could retry. */
		fmt_rate(buf, sizeof(buf), t == TIER_DBSIM ? NAN : r->retries);
		add_cell(sb, width[3], buf, NULL);
		fmt_count(buf, sizeof(buf), tier->cur.inflight);
		add_cell(sb, width[4], buf, NULL);
		fmt_count(buf, sizeof(buf), tier->cur.orphaned);
		add_cell(sb, width[5], buf, tier->cur.orphaned > 0 ? red : NULL);
		fmt_rate(buf, sizeof(buf), r->timeouts);
		add_cell(sb, width[6], buf, r->timeouts > 0 ? red : NULL);
		fmt_rate(buf, sizeof(buf), r->errors);
		add_cell(sb, width[7], buf, r->errors > 0 ? red : NULL);
		if (tier->cur.has_db) {
			fmt_count(buf, sizeof(buf), tier->cur.queue_depth);
			add_cell(sb, width[8], buf, NULL);
			snprintf(buf, sizeof(buf), "%.0f/%.0f", tier->cur.busy_workers, tier->cur.workers);
			add_cell(sb, width[9], buf, NULL);
		}
		sbuf_adds(sb, "\n");
	}
	render_gone_note(sb, f);
	render_remedies_note(sb, f);
	sbuf_adds(sb, "\n");
}

/* A titled sparkline: "<title> · last 150s ... peak 42.0/s<extra>", then the line. */
static void render_spark(struct sbuf *sb, const char *title, const struct live_history *h, double floor_top,
			 const char *extra)
{
	double values[LIVE_HISTORY], peak = 0, span_s = live_history_window(h, values);
	struct sbuf left = SBUF_INIT, right = SBUF_INIT;
	bool any = false;

	for (size_t i = 0; i < LIVE_HISTORY; i++)
		if (values[i] >= 0) {
			any = true;
			if (values[i] > peak)
				peak = values[i];
		}
	sbuf_adds(&left, title);
	if (span_s > 0)
		sbuf_addf(&left, " · last %.0fs", span_s);
	if (any)
		sbuf_addf(&right, "peak %.1f/s", peak);
	sbuf_adds(&right, extra);
	add_split_line(sb, sbuf_str(&left), sbuf_str(&right));
	live_sparkline(sb, values, LIVE_HISTORY, peak > floor_top ? peak : floor_top);
	sbuf_adds(sb, "\n");
	sbuf_free(&left);
	sbuf_free(&right);
}

void live_render_frame(struct sbuf *sb, const struct live_frame *f)
{
	double offered = f->sc->load.rate_rps;
	char extra[64];
	int shown = 0, silent = 0;

	render_title(sb, f);
	render_progress(sb, f);
	render_table(sb, f);

	/* dbsim's scale tops out at twice the offered rate or the peak, so a
	 * calm run sits mid-height and a storm visibly hits the ceiling. */
	snprintf(extra, sizeof(extra), " · client %g/s", offered);
	if (f->db_arrivals && f->tiers[TIER_DBSIM].shown)
		render_spark(sb, "dbsim arrivals/s", f->db_arrivals, 2 * offered, extra);
	if (f->goodput && f->tiers[TIER_GATEWAY].shown)
		render_spark(sb, "gateway ok/s (what the client gets)", f->goodput, offered, "");

	for (int t = 0; t < TIER_COUNT; t++) {
		shown += f->tiers[t].shown;
		silent += f->tiers[t].shown && f->tiers[t].state != LIVE_UP;
	}
	sbuf_addf(sb, "\n%spolling %d tier%s every %.0f ms", f->color ? ANSI_DIM : "", shown,
		  shown == 1 ? "" : "s", f->interval_ms);
	if (silent)
		sbuf_addf(sb, " · %d not answering", silent);
	sbuf_addf(sb, " · rates per scenario second%s\n", f->color ? ANSI_RESET : "");
}

/* " key=4.0/s", or " key=-" when the rate is unknown. */
static void add_plain_rate(struct sbuf *sb, const char *key, double v)
{
	char buf[32];

	fmt_rate(buf, sizeof(buf), v);
	sbuf_addf(sb, " %s=%s%s", key, buf, isnan(v) ? "" : "/s");
}

void live_render_plain(struct sbuf *sb, const struct live_frame *f)
{
	bool first = true;
	char buf[32];

	sbuf_addf(sb, "t=%.1fs", f->now_ms / 1000);
	for (int t = 0; t < TIER_COUNT; t++) {
		const struct live_tier *tier = &f->tiers[t];
		const struct live_rates *rt = &tier->rates;

		if (!tier->shown)
			continue;
		sbuf_addf(sb, "%s%s", first ? " " : " | ", tier->name);
		first = false;
		if (tier->state != LIVE_UP) {
			sbuf_adds(sb, tier->state == LIVE_DOWN ? " down" : " no-reply");
			continue;
		}
		add_plain_rate(sb, "arr", rt->arrivals);
		add_plain_rate(sb, "ok", rt->ok);
		if (t != TIER_DBSIM)
			add_plain_rate(sb, "ret", rt->retries);
		fmt_count(buf, sizeof(buf), tier->cur.inflight);
		sbuf_addf(sb, " infl=%s", buf);
		fmt_count(buf, sizeof(buf), tier->cur.orphaned);
		sbuf_addf(sb, " orph=%s", buf);
		add_plain_rate(sb, "tmo", rt->timeouts);
		add_plain_rate(sb, "err", rt->errors);
		if (tier->cur.has_db)
			sbuf_addf(sb, " q=%.0f busy=%.0f/%.0f", tier->cur.queue_depth, tier->cur.busy_workers,
				  tier->cur.workers);
	}
	sbuf_adds(sb, "\n");
}

void live_fit_screen(struct sbuf *out, const char *frame, int cols, int rows)
{
	const char *p = frame;
	int line = 0;

	sbuf_adds(out, "\x1b[H");
	while (*p && (rows <= 0 || line < rows - 1)) {
		int used = 0;
		bool styled = false, clipped = false;

		while (*p && *p != '\n') {
			if (p[0] == '\x1b' && p[1] == '[') {
				const char *seq = p;
				p += 2;
				while (*p && !(*p >= '@' && *p <= '~'))
					p++;
				if (*p)
					p++;
				sbuf_add(out, seq, (size_t)(p - seq));
				styled = true;
				continue;
			}
			if (((unsigned char)*p & 0xC0) != 0x80 && cols > 0 && used == cols)
				clipped = true;
			if (((unsigned char)*p & 0xC0) != 0x80 && !clipped)
				used++;
			if (!clipped)
				sbuf_add(out, p, 1);
			p++;
		}
		if (styled && clipped)
			sbuf_adds(out, ANSI_RESET);
		sbuf_adds(out, "\x1b[K\n");
		line++;
		if (*p == '\n')
			p++;
	}
	sbuf_adds(out, "\x1b[J");
}
