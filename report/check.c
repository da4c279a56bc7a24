/* check: a run folder's invariants.  Rows are loaded with run.c's readers
 * (so a file is whole exactly when report can read it), ids interned once,
 * and every join is an array indexed by interned id: linear in the rows,
 * apart from one sort for the attempt numbering. */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvread.h"
#include "record.h"
#include "run.h"
#include "summary.h"
#include "timeseries.h"

/* Rounding to 3 decimals puts each written time within 0.0005 ms of the
 * truth; a sum of three such values is within 0.0015. */
#define CHECK_ROUNDING_MS 0.002

enum fkind { F_REQUESTS, F_SPANS, F_STATS, F_TIER, F_PROC_STATS, F_OTHER };
enum src { SRC_ABSENT, SRC_OK, SRC_BROKEN };

/* One *.csv of the folder or of its tiers/ subfolder. */
struct csvfile {
	char *path;
	const char *header; /* expected; NULL: any */
	enum fkind kind;
	int proc;	   /* F_TIER, F_PROC_STATS: RUN_PROC_OF_TIER or RUN_PROC_CLIENT */
	bool in_tiers;	   /* found in DIR/tiers */
	bool data;	   /* loaded into the run; else only read through */
	size_t rows;	   /* records after the header (those read, when bad) */
	char err[ERR_LEN]; /* "" when whole */
};

/* Span rows from first onwards came from path (one file, or several tier files). */
struct spanfile {
	const char *path;
	size_t first;
};

struct ctx {
	char *dir;
	struct sbuf *out;
	struct check_result *res;
	struct csvfile *files;
	size_t nfiles;
	struct run run;
	enum src requests, spans, stats;
	const char *req_path, *spans_what, *stats_what; /* for messages */
	struct spanfile sfiles[2 * TIER_COUNT];
	size_t nsfiles;
	bool spans_merged, stats_merged; /* from spans.csv / stats.csv rather than process files */
	/* joins, indexed by interned id (run.ids) */
	size_t nids;
	uint32_t *att_of;  /* requests.csv row + 1; 0: none */
	uint32_t *span_of; /* span row + 1; 0: none */
	uint32_t *recv;	   /* server rows whose parent_span_id is this id */
	double stop_ms[RUN_PROCS];
	bool has_stop[RUN_PROCS];
	size_t server_rows[TIER_COUNT];
};

/* The first offending row of one invariant (lowest `order`) and how many. */
struct offence {
	size_t n;
	size_t order;
	const char *path;
	size_t line;
	char span[40];
	char what[300];
};

__attribute__((format(printf, 6, 0))) static void offend_v(struct offence *o, size_t order, const char *path,
							    size_t line, const char *span, const char *fmt, va_list ap)
{
	if (o->n++ && order >= o->order)
		return;
	o->order = order;
	o->path = path;
	o->line = line;
	snprintf(o->span, sizeof(o->span), "%s", span ? span : "");
	vsnprintf(o->what, sizeof(o->what), fmt, ap);
}

static const char *id_str(const struct ctx *c, uint32_t id)
{
	return id == STRPOOL_NONE ? "" : strpool_str(&c->run.ids, id);
}

static const char *span_path(const struct ctx *c, size_t row)
{
	size_t i = c->nsfiles;
	while (i > 1 && c->sfiles[i - 1].first > row)
		i--;
	return c->nsfiles ? c->sfiles[i - 1].path : "";
}

/* Blame requests.csv row `row` (ordered before every span row). */
__attribute__((format(printf, 4, 5))) static void blame_attempt(const struct ctx *c, struct offence *o,
								size_t row, const char *fmt, ...)
{
	const struct run_attempt *a = &c->run.attempts[row];
	va_list ap;
	va_start(ap, fmt);
	offend_v(o, row, c->req_path, a->line, id_str(c, a->span), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5))) static void blame_span(const struct ctx *c, struct offence *o,
							     size_t row, const char *fmt, ...)
{
	const struct run_span *s = &c->run.spans[row];
	va_list ap;
	va_start(ap, fmt);
	offend_v(o, c->run.nattempts + row, span_path(c, row), s->line, id_str(c, s->span), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void blame_file(struct offence *o, const char *path,
							     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	offend_v(o, o->n, path, 0, NULL, fmt, ap);
	va_end(ap);
}

/* One verdict line; the format gives the figures shown after "ok". */
__attribute__((format(printf, 4, 5))) static void verdict(struct ctx *c, const char *name,
							  const struct offence *o, const char *fmt, ...)
{
	if (!o->n) {
		va_list ap;
		va_start(ap, fmt);
		sbuf_addf(c->out, "ok: %s (", name);
		sbuf_vaddf(c->out, fmt, ap);
		sbuf_adds(c->out, ")\n");
		va_end(ap);
		c->res->ok++;
		return;
	}
	sbuf_addf(c->out, "FAIL: %s: %s", name, o->path);
	if (o->line)
		sbuf_addf(c->out, ":%zu", o->line);
	sbuf_adds(c->out, ": ");
	if (o->span[0])
		sbuf_addf(c->out, "span %s: ", o->span);
	sbuf_addf(c->out, "%s (%zu %s)\n", o->what, o->n, o->n == 1 ? "offence" : "offences");
	c->res->failed++;
}

static void skip(struct ctx *c, const char *name, const char *why)
{
	sbuf_addf(c->out, "skip: %s (%s)\n", name, why);
	c->res->skipped++;
}

/* Why rows of a source are missing, for a skip line. */
static const char *missing(enum src s, const char *what)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "%s %s", what, s == SRC_ABSENT ? "absent" : "incomplete");
	return buf;
}

/* ---- the folder's files ------------------------------------------------ */

static void classify(struct csvfile *f, const char *name)
{
	static const struct {
		const char *name, *header;
		enum fkind kind;
	} fixed[] = {
	    {"requests.csv", REQUESTS_CSV_HEADER, F_REQUESTS},
	    {"spans.csv", SPAN_CSV_HEADER, F_SPANS},
	    {"stats.csv", STATS_CSV_HEADER, F_STATS},
	    {"timeseries.csv", TIMESERIES_CSV_HEADER, F_OTHER},
	    {"summary.csv", SUMMARY_CSV_HEADER, F_OTHER},
	};
	char buf[64];
	f->kind = F_OTHER;
	f->header = NULL;
	f->proc = -1;
	for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
		if (strcmp(name, fixed[i].name) == 0) {
			f->kind = fixed[i].kind;
			f->header = fixed[i].header;
			return;
		}
	for (int p = 0; p < RUN_PROCS; p++) {
		const char *pname = p == RUN_PROC_CLIENT ? "loadgen" : run_proc_name(p);
		snprintf(buf, sizeof(buf), "%s_stats.csv", pname);
		if (strcmp(name, buf) == 0) {
			f->kind = F_PROC_STATS;
			f->header = STATS_CSV_HEADER;
			f->proc = p;
			return;
		}
		snprintf(buf, sizeof(buf), "%s.csv", pname);
		if (p != RUN_PROC_CLIENT && strcmp(name, buf) == 0) {
			f->kind = F_TIER;
			f->header = SPAN_CSV_HEADER;
			f->proc = p;
			return;
		}
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add every *.csv of folder (sorted by name) to c->files.  A folder that is
 * not there is fine when optional. */
static int scan(struct ctx *c, const char *folder, bool in_tiers, char *err, size_t errlen)
{
	DIR *d = opendir(folder);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	if (!d) {
		if (in_tiers && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return errf(err, errlen, "%s: cannot read the folder: %s", folder, strerror(errno));
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0 || e->d_name[0] == '.')
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	c->files = xrealloc(c->files, (c->nfiles + n + 1) * sizeof(*c->files));
	for (size_t i = 0; i < n; i++) {
		struct csvfile *f = &c->files[c->nfiles++];
		memset(f, 0, sizeof(*f));
		f->path = xasprintf("%s/%s", folder, names[i]);
		f->in_tiers = in_tiers;
		classify(f, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

static struct csvfile *find_file(struct ctx *c, enum fkind kind, bool in_tiers)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (c->files[i].kind == kind && c->files[i].in_tiers == in_tiers)
			return &c->files[i];
	return NULL;
}

/* Read a file that is not loaded as data: header, every record, the end. */
static void read_through(struct csvfile *f)
{
	struct csvr *r = csvr_open(f->path, f->header, f->err, sizeof(f->err));
	int rc;
	if (!r)
		return;
	while ((rc = csvr_next(r, f->err, sizeof(f->err))) == 1)
		f->rows++;
	if (rc == 0)
		f->err[0] = '\0';
	csvr_close(r);
}

/* Load f into the run with loader; the rows it added are its count. */
static enum src load(struct csvfile *f, struct run *r, size_t *nrows,
		     int (*loader)(struct run *, const char *, char *, size_t))
{
	size_t before = *nrows;
	f->data = true;
	int rc = loader(r, f->path, f->err, sizeof(f->err));
	f->rows = *nrows - before;
	return rc < 0 ? SRC_BROKEN : SRC_OK;
}

/* The source of the span rows: spans.csv, else the tier files of DIR, else
 * those of DIR/tiers (in tier order). */
static void load_spans(struct ctx *c)
{
	struct csvfile *merged = find_file(c, F_SPANS, false);
	if (merged) {
		c->sfiles[c->nsfiles++] = (struct spanfile){merged->path, 0};
		c->spans = load(merged, &c->run, &c->run.nspans, run_load_spans);
		c->spans_what = "spans.csv";
		c->spans_merged = true;
		return;
	}
	for (int in_tiers = 0; in_tiers < 2 && c->spans == SRC_ABSENT; in_tiers++) {
		for (int p = 1; p < RUN_PROCS; p++)
			for (size_t i = 0; i < c->nfiles; i++) {
				struct csvfile *f = &c->files[i];
				if (f->kind != F_TIER || f->proc != p || f->in_tiers != (bool)in_tiers)
					continue;
				c->sfiles[c->nsfiles++] = (struct spanfile){f->path, c->run.nspans};
				if (load(f, &c->run, &c->run.nspans, run_load_spans) == SRC_BROKEN)
					c->spans = SRC_BROKEN;
				else if (c->spans == SRC_ABSENT)
					c->spans = SRC_OK;
			}
		c->spans_what = in_tiers ? "tiers/<tier>.csv" : "<tier>.csv";
	}
	if (c->spans == SRC_ABSENT)
		c->spans_what = "spans.csv";
}

static void load_stats(struct ctx *c)
{
	struct csvfile *merged = find_file(c, F_STATS, false);
	c->stats_what = "stats.csv";
	if (merged) {
		c->stats = load(merged, &c->run, &c->run.nstats, run_load_stats);
		c->stats_merged = true;
		return;
	}
	for (int in_tiers = 0; in_tiers < 2 && c->stats == SRC_ABSENT; in_tiers++)
		for (size_t i = 0; i < c->nfiles; i++) {
			struct csvfile *f = &c->files[i];
			if (f->kind != F_PROC_STATS || f->in_tiers != (bool)in_tiers)
				continue;
			c->stats_what = in_tiers ? "tiers/<process>_stats.csv" : "<process>_stats.csv";
			if (load(f, &c->run, &c->run.nstats, run_load_stats) == SRC_BROKEN)
				c->stats = SRC_BROKEN;
			else if (c->stats == SRC_ABSENT)
				c->stats = SRC_OK;
		}
}

/* Find the files, load the data, read the rest through.  -1: IO error. */
static int gather(struct ctx *c, char *err, size_t errlen)
{
	char *tiers = xasprintf("%s/tiers", c->dir);
	int rc = scan(c, c->dir, false, err, errlen);
	if (rc == 0)
		rc = scan(c, tiers, true, err, errlen);
	free(tiers);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < c->nfiles; i++)
		if (access(c->files[i].path, R_OK) < 0)
			return errf(err, errlen, "%s: cannot open: %s", c->files[i].path, strerror(errno));
	struct csvfile *req = find_file(c, F_REQUESTS, false);
	if (!req)
		req = find_file(c, F_REQUESTS, true); /* loadgen's own, when it was never moved */
	if (req) {
		c->req_path = req->path;
		c->requests = load(req, &c->run, &c->run.nattempts, run_load_requests);
	}
	load_spans(c);
	load_stats(c);
	/* a source cut short is reported as such; its rows (the last one maybe
	 * half filled) would only make the other checks point elsewhere */
	if (c->requests == SRC_BROKEN)
		c->run.nattempts = 0;
	if (c->spans == SRC_BROKEN)
		c->run.nspans = 0;
	if (c->stats == SRC_BROKEN)
		c->run.nstats = 0;
	if (c->requests == SRC_ABSENT && c->spans == SRC_ABSENT)
		return errf(err, errlen, "%s: no run records in it (requests.csv, spans.csv, <tier>.csv)",
			    c->dir);
	for (size_t i = 0; i < c->nfiles; i++)
		if (!c->files[i].data)
			read_through(&c->files[i]);
	return 0;
}

/* ---- the invariants ---------------------------------------------------- */

static void check_files(struct ctx *c)
{
	struct offence o = {0};
	size_t rows = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct csvfile *f = &c->files[i];
		rows += f->rows;
		if (f->err[0])
			blame_file(&o, f->path, "%s", f->err);
	}
	if (o.n) { /* csvread's message already starts with FILE:LINE */
		sbuf_addf(c->out, "FAIL: CSV files complete: %s (%zu of %zu files)\n", o.what, o.n,
			  c->nfiles);
		c->res->failed++;
		return;
	}
	verdict(c, "CSV files complete", &o, "header, fields per row, final newline: %zu files, %zu rows",
		c->nfiles, rows);
}

/* spans.csv / stats.csv are merges of the process files: same row counts. */
static void check_merges(struct ctx *c)
{
	static const char name[] = "merged files hold every process file's rows";
	struct offence o = {0};
	size_t span_rows[RUN_PROCS] = {0}, stat_rows[RUN_PROCS] = {0}, compared = 0;
	if (!c->spans_merged && !c->stats_merged) {
		skip(c, name, "no spans.csv or stats.csv");
		return;
	}
	for (size_t i = 0; i < c->run.nspans; i++)
		span_rows[RUN_PROC_OF_TIER(c->run.spans[i].tier)]++;
	for (size_t i = 0; i < c->run.nstats; i++)
		stat_rows[c->run.stats[i].proc]++;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct csvfile *f = &c->files[i];
		bool spans = f->kind == F_TIER && c->spans_merged && c->spans == SRC_OK;
		bool stats = f->kind == F_PROC_STATS && c->stats_merged && c->stats == SRC_OK;
		if ((!spans && !stats) || f->err[0])
			continue;
		size_t merged = spans ? span_rows[f->proc] : stat_rows[f->proc];
		compared++;
		if (merged != f->rows)
			blame_file(&o, f->path, "%zu rows, but %s has %zu %s rows", f->rows,
				   spans ? "spans.csv" : "stats.csv", merged, run_proc_name(f->proc));
	}
	if (!compared && !o.n) {
		skip(c, name, "no whole process files beside whole merged files");
		return;
	}
	verdict(c, name, &o, "%zu process files", compared);
}

/* The joins: att_of, span_of (first row of each id), recv and
 * server_rows; and every span id once across requests.csv and the span
 * rows, every sent attempt with one. */
static void check_ids(struct ctx *c)
{
	struct offence o = {0};
	const struct run *r = &c->run;
	c->nids = r->ids.n;
	c->att_of = xcalloc(c->nids + 1, sizeof(*c->att_of));
	c->span_of = xcalloc(c->nids + 1, sizeof(*c->span_of));
	c->recv = xcalloc(c->nids + 1, sizeof(*c->recv));
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct run_attempt *a = &r->attempts[i];
		if (a->span == STRPOOL_NONE) {
			if (client_outcome_sent(a->outcome))
				blame_attempt(c, &o, i, "a sent attempt (%s) without a span_id",
					      client_outcome_name(a->outcome));
			continue;
		}
		if (c->att_of[a->span])
			blame_attempt(c, &o, i, "span_id already on line %zu",
				      r->attempts[c->att_of[a->span] - 1].line);
		else
			c->att_of[a->span] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < r->nspans; i++) {
		const struct run_span *s = &r->spans[i];
		if (c->att_of[s->span])
			blame_span(c, &o, i, "span_id already in %s line %zu", c->req_path,
				   r->attempts[c->att_of[s->span] - 1].line);
		else if (c->span_of[s->span])
			blame_span(c, &o, i, "span_id already in %s line %zu",
				   span_path(c, c->span_of[s->span] - 1),
				   r->spans[c->span_of[s->span] - 1].line);
		else
			c->span_of[s->span] = (uint32_t)i + 1;
		if (s->server) {
			c->server_rows[s->tier]++;
			if (s->parent != STRPOOL_NONE)
				c->recv[s->parent]++;
		}
	}
	verdict(c, "every span id once", &o, "%zu attempts in requests.csv, %zu span rows", r->nattempts,
		r->nspans);
}

/* ---- attempt numbering -------------------------------------------------- */

struct numbered {
	uint32_t group; /* trace (requests) or parent span id (tier attempts) */
	int attempt;
	size_t row;
};

static int cmp_numbered(const void *pa, const void *pb)
{
	const struct numbered *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->attempt != b->attempt)
		return a->attempt < b->attempt ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

/* Each group's attempts must be exactly 1..n; blames a row of each group
 * that is not.  spans: rows are span rows, else requests.csv rows. */
static size_t check_numbering(struct ctx *c, struct numbered *v, size_t n, bool spans, struct offence *o)
{
	size_t groups = 0;
	qsort(v, n, sizeof(*v), cmp_numbered);
	for (size_t i = 0, start = 0; i < n; i++) {
		if (i == 0 || v[i].group != v[i - 1].group) {
			start = i;
			groups++;
		}
		int want = (int)(i - start) + 1;
		const char *group = spans ? id_str(c, v[i].group) : strpool_str(&c->run.traces, v[i].group);
		const char *of = spans ? "server span" : "request";
		char what[200];
		if (i > start && v[i].attempt == v[i - 1].attempt) {
			size_t other =
			    spans ? c->run.spans[v[i - 1].row].line : c->run.attempts[v[i - 1].row].line;
			snprintf(what, sizeof(what), "%s %s: attempt %d twice (also line %zu)", of, group,
				 v[i].attempt, other);
		} else if (v[i].attempt != want) {
			snprintf(what, sizeof(what), "%s %s: attempt %d without attempt %d", of, group,
				 v[i].attempt, want);
		} else {
			continue;
		}
		if (spans)
			blame_span(c, o, v[i].row, "%s", what);
		else
			blame_attempt(c, o, v[i].row, "%s", what);
		/* one blame per group is enough: skip to its end */
		while (i + 1 < n && v[i + 1].group == v[i].group)
			i++;
	}
	return groups;
}

static void check_request_numbering(struct ctx *c)
{
	static const char name[] = "each client attempt once in requests.csv, numbered 1..n";
	struct offence o = {0};
	if (c->requests != SRC_OK) {
		skip(c, name, missing(c->requests, "requests.csv"));
		return;
	}
	struct numbered *v = xcalloc(c->run.nattempts + 1, sizeof(*v));
	for (size_t i = 0; i < c->run.nattempts; i++)
		v[i] = (struct numbered){c->run.attempts[i].trace, c->run.attempts[i].attempt, i};
	size_t requests = check_numbering(c, v, c->run.nattempts, false, &o);
	free(v);
	verdict(c, name, &o, "%zu requests, %zu attempts", requests, c->run.nattempts);
}

static void check_tier_numbering(struct ctx *c)
{
	static const char name[] = "each tier attempt once, numbered 1..n per inbound request";
	struct offence o = {0};
	size_t n = 0;
	if (c->spans != SRC_OK) {
		skip(c, name, missing(c->spans, c->spans_what));
		return;
	}
	struct numbered *v = xcalloc(c->run.nspans + 1, sizeof(*v));
	for (size_t i = 0; i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		if (!s->server)
			v[n++] = (struct numbered){s->parent, s->attempt, i};
	}
	size_t served = check_numbering(c, v, n, true, &o);
	free(v);
	verdict(c, name, &o, "%zu tier attempts for %zu inbound requests", n, served);
}

/* ---- parents ------------------------------------------------------------ */

/* id is an attempt that proc sent: a requests.csv row that left (client), or
 * a client row of that tier. */
static bool sent_by(const struct ctx *c, uint32_t id, int proc)
{
	if (id == STRPOOL_NONE)
		return false;
	if (proc == RUN_PROC_CLIENT)
		return c->att_of[id] && client_outcome_sent(c->run.attempts[c->att_of[id] - 1].outcome);
	if (!c->span_of[id])
		return false;
	const struct run_span *p = &c->run.spans[c->span_of[id] - 1];
	return !p->server && RUN_PROC_OF_TIER(p->tier) == proc && span_outcome_sent(p->outcome);
}

/* What a parent id turned out to be, for a message. */
static const char *parent_desc(const struct ctx *c, uint32_t id, char *buf, size_t len)
{
	if (id != STRPOOL_NONE && c->att_of[id])
		snprintf(buf, len, "a client attempt (%s)",
			 client_outcome_name(c->run.attempts[c->att_of[id] - 1].outcome));
	else if (id != STRPOOL_NONE && c->span_of[id]) {
		const struct run_span *p = &c->run.spans[c->span_of[id] - 1];
		snprintf(buf, len, "a %s %s row", tier_name(p->tier), p->server ? "server" : "client");
	} else {
		snprintf(buf, len, "nowhere in the run");
	}
	return buf;
}

/* Server rows: the previous process's attempts; client rows: their own
 * tier's server row.  Counts the server rows per parent id (c->recv). */
static void check_parents(struct ctx *c)
{
	static const char name[] = "every span's parent present";
	struct offence o = {0};
	size_t unchecked = 0;
	char desc[96];
	if (c->spans != SRC_OK) {
		skip(c, name, missing(c->spans, c->spans_what));
		return;
	}
	for (size_t i = 0; i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		const char *tier = tier_name(s->tier);
		if (s->server && s->tier == TIER_GATEWAY && c->requests != SRC_OK) {
			/* Without requests.csv the gateway's callers are outside the
			 * run, and one that sends no traceparent leaves no parent. */
			unchecked++;
		} else if (s->parent == STRPOOL_NONE) {
			blame_span(c, &o, i, "%s %s row without parent_span_id", tier,
				   s->server ? "server" : "client");
		} else if (s->server && s->tier == TIER_GATEWAY && c->requests != SRC_OK) {
			unchecked++;
		} else if (s->server && !sent_by(c, s->parent, RUN_PROC_OF_TIER(s->tier) - 1)) {
			blame_span(c, &o, i, "%s server row: parent %s is %s, expected a sent %s attempt",
				   tier, id_str(c, s->parent), parent_desc(c, s->parent, desc, sizeof(desc)),
				   run_proc_name(RUN_PROC_OF_TIER(s->tier) - 1));
		} else if (!s->server) {
			const struct run_span *p =
			    c->span_of[s->parent] ? &c->run.spans[c->span_of[s->parent] - 1] : NULL;
			if (!p || !p->server || p->tier != s->tier)
				blame_span(c, &o, i,
					   "%s client row: parent %s is %s, expected a %s server row", tier,
					   id_str(c, s->parent),
					   parent_desc(c, s->parent, desc, sizeof(desc)), tier);
		}
	}
	if (unchecked)
		verdict(c, name, &o, "%zu span rows; %zu gateway rows unchecked: %s", c->run.nspans,
			unchecked, missing(c->requests, "requests.csv"));
	else
		verdict(c, name, &o, "%zu span rows", c->run.nspans);
}

/* Beyond existing, a parent agrees with its child: one trace id, a server
 * row carries its caller's attempt number (the gateway's caller sends none),
 * an attempt starts no earlier than the request it serves (one clock). */
static void check_agreement(struct ctx *c)
{
	static const char name[] = "spans agree with their parents (trace id, attempt number, start)";
	struct offence o = {0};
	if (c->spans != SRC_OK) {
		skip(c, name, missing(c->spans, c->spans_what));
		return;
	}
	for (size_t i = 0; i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		if (s->parent == STRPOOL_NONE)
			continue;
		if (s->server && s->tier == TIER_GATEWAY) {
			if (sent_by(c, s->parent, RUN_PROC_CLIENT) &&
			    c->run.attempts[c->att_of[s->parent] - 1].trace != s->trace)
				blame_span(c, &o, i, "trace_id differs from its client attempt's");
			continue;
		}
		if (!c->span_of[s->parent])
			continue;
		const struct run_span *p = &c->run.spans[c->span_of[s->parent] - 1];
		if (p->trace != s->trace)
			blame_span(c, &o, i, "trace_id differs from its parent %s's", id_str(c, s->parent));
		else if (s->server && p->attempt != s->attempt)
			blame_span(c, &o, i, "%s server row says attempt %d, its parent is attempt %d",
				   tier_name(s->tier), s->attempt, p->attempt);
		else if (!s->server && s->start_ms < p->start_ms)
			blame_span(c, &o, i, "attempt starts at %.3f ms, before its server span (%.3f ms)",
				   s->start_ms, p->start_ms);
	}
	verdict(c, name, &o, "%zu span rows", c->run.nspans);
}

/* ---- attempts sent = requests received ----------------------------------- */

static void find_stops(struct ctx *c)
{
	for (size_t i = 0; i < c->run.nstats; i++) {
		const struct run_stat *st = &c->run.stats[i];
		if (!c->has_stop[st->proc] || st->t_ms > c->stop_ms[st->proc])
			c->stop_ms[st->proc] = st->t_ms;
		c->has_stop[st->proc] = true;
	}
}

/* One hop, from a process's attempts into the next tier. */
struct hop {
	int from;	    /* RUN_PROC_CLIENT or RUN_PROC_OF_TIER */
	enum tier_id to;    /* the next tier */
	bool stopped;	    /* its stop time is known */
	double stop_ms;	    /* when it began to stop (its last stats row) */
	bool took_in;	    /* it took in at least one of from's attempts */
	double frontier_ms; /* the latest send time among the attempts it took in */
	size_t sent, received, cut, late, queued;
};

/* One attempt as the hop sees it. */
struct hop_attempt {
	uint32_t id;
	bool cut;      /* recorded as conn_error or cancelled */
	bool answered; /* an HTTP status came back */
	double start_ms, end_ms;
};

/* Account for one attempt: received once; or cut; or ended after the next
 * tier began to stop (which answers 503 "stopping" without a row); or never
 * answered and sent after every request the next tier ever took in: it was
 * still in that tier's listen queue or socket, behind all it had read, when
 * the tier stopped, so no row can exist.  Returns false with why filled
 * when none of those holds. */
static bool hop_account(const struct ctx *c, struct hop *h, const struct hop_attempt *a, char *why,
			size_t len)
{
	uint32_t got = a->id == STRPOOL_NONE ? 0 : c->recv[a->id];
	h->sent++;
	if (got > 1) {
		snprintf(why, len, "received %u times by %s", got, tier_name(h->to));
		return false;
	}
	if (got == 1)
		h->received++;
	else if (a->cut)
		h->cut++;
	else if (h->stopped && a->end_ms >= h->stop_ms)
		h->late++;
	else if (h->stopped && h->took_in && !a->answered && a->start_ms > h->frontier_ms)
		h->queued++;
	else {
		snprintf(why, len, "never reached %s, yet not recorded as conn_error or cancelled",
			 tier_name(h->to));
		return false;
	}
	return true;
}

/* When each attempt of this hop was sent, by id; NaN when none was. */
static double sent_ms(const struct ctx *c, int from, uint32_t id)
{
	if (!sent_by(c, id, from))
		return NAN;
	if (from == RUN_PROC_CLIENT)
		return c->run.attempts[c->att_of[id] - 1].start_ms;
	return c->run.spans[c->span_of[id] - 1].start_ms;
}

static void hop_init(const struct ctx *c, struct hop *h, int from)
{
	memset(h, 0, sizeof(*h));
	h->from = from;
	h->to = (enum tier_id)from; /* proc p is tier p - 1: the next tier is tier p */
	h->stopped = c->has_stop[RUN_PROC_OF_TIER(h->to)];
	h->stop_ms = c->stop_ms[RUN_PROC_OF_TIER(h->to)];
	for (size_t i = 0; i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		double t = s->server && s->tier == h->to ? sent_ms(c, from, s->parent) : NAN;
		if (!isnan(t) && (!h->took_in || t > h->frontier_ms)) {
			h->frontier_ms = t;
			h->took_in = true;
		}
	}
}

static void check_hop(struct ctx *c, int from)
{
	struct hop h;
	const char *fname = run_proc_name(from), *tname = tier_name((enum tier_id)from);
	struct offence o = {0};
	char name[96], why[160], unknown[160] = "";
	snprintf(name, sizeof(name), "%s -> %s: attempts sent = requests received + cut", fname, tname);
	if (from == RUN_PROC_CLIENT && c->requests != SRC_OK) {
		skip(c, name, missing(c->requests, "requests.csv"));
		return;
	}
	if (c->spans != SRC_OK) {
		skip(c, name, missing(c->spans, c->spans_what));
		return;
	}
	hop_init(c, &h, from);
	if (from == RUN_PROC_CLIENT) {
		for (size_t i = 0; i < c->run.nattempts; i++) {
			const struct run_attempt *a = &c->run.attempts[i];
			struct hop_attempt ha = {
			    a->span, a->outcome == CLIENT_CONN_ERROR || a->outcome == CLIENT_CANCELLED,
			    a->status != 0, a->start_ms, a->end_ms};
			if (client_outcome_sent(a->outcome) && !hop_account(c, &h, &ha, why, sizeof(why)))
				blame_attempt(c, &o, i, "loadgen attempt (%s): %s",
					      client_outcome_name(a->outcome), why);
		}
	} else {
		for (size_t i = 0; i < c->run.nspans; i++) {
			const struct run_span *s = &c->run.spans[i];
			struct hop_attempt ha = {s->span,
						 span_outcome_cut(s->outcome), s->status != 0, s->start_ms, s->end_ms};
			if (!s->server && RUN_PROC_OF_TIER(s->tier) == from && span_outcome_sent(s->outcome) &&
			    !hop_account(c, &h, &ha, why, sizeof(why)))
				blame_span(c, &o, i, "%s attempt (%s): %s", fname, outcome_name(s->outcome),
					   why);
		}
	}
	/* the other side: every server row of `to` is one of these attempts */
	if (h.received != c->server_rows[h.to])
		for (size_t i = 0; i < c->run.nspans; i++) {
			const struct run_span *s = &c->run.spans[i];
			if (s->server && s->tier == h.to && !sent_by(c, s->parent, from))
				blame_span(c, &o, i, "%s received a request that no %s attempt sent", tname,
					   fname);
		}
	if (!h.stopped)
		snprintf(unknown, sizeof(unknown), "; %s's stop time unknown: %s", tname,
			 c->stats == SRC_OK ? "no stats rows of it" : missing(c->stats, c->stats_what));
	verdict(c, name, &o,
		"%zu sent = %zu received + %zu conn_error/cancelled + %zu ended after %s began to stop"
		" + %zu unanswered, sent after the last request %s took in%s",
		h.sent, h.received, h.cut, h.late, tname, h.queued, tname, unknown);
}

/* ---- times and work ----------------------------------------------------- */

/* end >= start everywhere; a sent attempt has both times and latency_ms =
 * end_ms - intended_ms (as requests.csv defines it). */
static void check_times(struct ctx *c)
{
	static const char name[] = "times in order (end >= start; latency = end - intended)";
	struct offence o = {0};
	for (size_t i = 0; c->requests == SRC_OK && i < c->run.nattempts; i++) {
		const struct run_attempt *a = &c->run.attempts[i];
		if (!client_outcome_sent(a->outcome))
			continue;
		if (isnan(a->start_ms) || isnan(a->end_ms) || isnan(a->latency_ms))
			blame_attempt(c, &o, i, "a sent attempt (%s) without start, end or latency",
				      client_outcome_name(a->outcome));
		else if (a->end_ms < a->start_ms)
			blame_attempt(c, &o, i, "ends (%.3f ms) before it starts (%.3f ms)", a->end_ms,
				      a->start_ms);
		else if (fabs(a->latency_ms - (a->end_ms - a->intended_ms)) > CHECK_ROUNDING_MS)
			blame_attempt(c, &o, i, "latency_ms %.3f, but end_ms - intended_ms = %.3f",
				      a->latency_ms, a->end_ms - a->intended_ms);
	}
	for (size_t i = 0; c->spans == SRC_OK && i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		if (s->end_ms < s->start_ms)
			blame_span(c, &o, i, "ends (%.3f ms) before it starts (%.3f ms)", s->end_ms,
				   s->start_ms);
	}
	if (c->requests != SRC_OK && c->spans != SRC_OK) {
		skip(c, name, "no whole requests.csv or span rows");
		return;
	}
	verdict(c, name, &o, "%zu attempts, %zu span rows", c->requests == SRC_OK ? c->run.nattempts : 0,
		c->spans == SRC_OK ? c->run.nspans : 0);
}

/* queue, work and waste are durations, and waste is a part of the work. */
static void check_work(struct ctx *c)
{
	static const char name[] = "work accounting (queue, work, wasted >= 0; wasted <= work)";
	struct offence o = {0};
	if (c->spans != SRC_OK) {
		skip(c, name, missing(c->spans, c->spans_what));
		return;
	}
	for (size_t i = 0; i < c->run.nspans; i++) {
		const struct run_span *s = &c->run.spans[i];
		if (s->queue_ms < 0 || s->work_ms < 0 || s->wasted_ms < 0)
			blame_span(c, &o, i, "a negative duration (queue %.3f, work %.3f, wasted %.3f ms)",
				   s->queue_ms, s->work_ms, s->wasted_ms);
		else if (s->wasted_ms > s->work_ms + CHECK_ROUNDING_MS)
			blame_span(c, &o, i, "wasted_ms %.3f exceeds work_ms %.3f", s->wasted_ms, s->work_ms);
	}
	verdict(c, name, &o, "%zu span rows", c->run.nspans);
}

/* ---- the whole -------------------------------------------------------------- */

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->att_of);
	free(c->span_of);
	free(c->recv);
	run_free(&c->run);
	free(c->dir);
}

int check_run(const char *dir, struct sbuf *out, struct check_result *res, char *err, size_t errlen)
{
	struct ctx c = {0};
	int rc = -1;
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	c.dir = xasprintf("%.*s", (int)len, dir);
	c.out = out;
	c.res = res;
	memset(res, 0, sizeof(*res));
	if (gather(&c, err, errlen) < 0)
		goto done;
	find_stops(&c);

	check_files(&c);
	check_merges(&c);
	check_ids(&c);
	check_request_numbering(&c);
	check_tier_numbering(&c);
	check_parents(&c);
	check_agreement(&c);
	for (int from = RUN_PROC_CLIENT; from < RUN_PROC_OF_TIER(TIER_DBSIM); from++)
		check_hop(&c, from);
	check_times(&c);
	check_work(&c);
	rc = res->failed ? 1 : 0;
done:
	ctx_free(&c);
	return rc;
}
