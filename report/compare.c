/* compare: a metrics x runs grid of strings, grown as runs are added. */
#include "compare.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvread.h"
#include "csvw.h"
#include "scenario.h"
#include "summary.h"

char *compare_label(const char *dir, char *err, size_t errlen)
{
	char *path = xasprintf("%s/scenario.json", dir), *label = NULL;
	if (access(path, F_OK) == 0) {
		struct scenario sc = {0};
		int rc = scenario_load(&sc, path, NULL, 0, err, errlen);
		if (rc == 0 && sc.name && *sc.name)
			label = xstrdup(sc.name);
		scenario_free(&sc);
		if (rc < 0)
			goto done;
	}
	if (!label) {
		char *copy = xstrdup(dir);
		size_t n = strlen(copy);
		while (n > 1 && copy[n - 1] == '/')
			copy[--n] = '\0';
		label = xstrdup(basename(copy));
		free(copy);
	}
done:
	free(path);
	return label;
}

/* Is label already the heading of one of the first nruns columns? */
static bool label_taken(const struct compare *c, size_t nruns, const char *label)
{
	for (size_t i = 0; i < nruns; i++)
		if (strcmp(c->labels[i], label) == 0)
			return true;
	return false;
}

/* Re-lay values for a larger number of run columns. */
static void grow_runs(struct compare *c)
{
	size_t cap = c->cap_runs ? c->cap_runs * 2 : 4;
	char **values = xcalloc(c->cap_metrics * cap + 1, sizeof(*values));
	for (size_t m = 0; m < c->nmetrics; m++)
		for (size_t r = 0; r < c->nruns; r++)
			values[m * cap + r] = c->values[m * c->cap_runs + r];
	free(c->values);
	c->values = values;
	c->cap_runs = cap;
	c->labels = xrealloc(c->labels, cap * sizeof(*c->labels));
}

static size_t metric_row(struct compare *c, const char *name, const char *unit)
{
	for (size_t m = 0; m < c->nmetrics; m++)
		if (strcmp(c->metrics[m], name) == 0)
			return m;
	if (c->nmetrics == c->cap_metrics) {
		size_t cap = c->cap_metrics ? c->cap_metrics * 2 : 64;
		c->metrics = xrealloc(c->metrics, cap * sizeof(*c->metrics));
		c->units = xrealloc(c->units, cap * sizeof(*c->units));
		c->values = xrealloc(c->values, (cap * c->cap_runs + 1) * sizeof(*c->values));
		memset(c->values + c->cap_metrics * c->cap_runs, 0,
		       (cap - c->cap_metrics) * c->cap_runs * sizeof(*c->values));
		c->cap_metrics = cap;
	}
	c->metrics[c->nmetrics] = xstrdup(name);
	c->units[c->nmetrics] = xstrdup(unit);
	return c->nmetrics++;
}

int compare_add(struct compare *c, const char *label, const char *summary_path, char *err, size_t errlen)
{
	int rc;
	struct csvr *in = csvr_open(summary_path, SUMMARY_CSV_HEADER, err, errlen);
	if (!in)
		return -1;
	/* read everything first, so a bad file leaves c as it was */
	size_t n = 0, cap = 0;
	char **rows = NULL; /* name, value, unit triples */
	while ((rc = csvr_next(in, err, errlen)) == 1) {
		if (n + 3 > cap) {
			cap = cap ? cap * 2 : 96;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		for (size_t f = 0; f < 3; f++)
			rows[n++] = xstrdup(csvr_field(in, f));
	}
	csvr_close(in);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			free(rows[i]);
		free(rows);
		return -1;
	}
	if (c->nruns == c->cap_runs)
		grow_runs(c);
	size_t run = c->nruns++;
	c->labels[run] = xstrdup(label);
	for (int k = 2; label_taken(c, run, c->labels[run]); k++) {
		free(c->labels[run]);
		c->labels[run] = xasprintf("%s (%d)", label, k);
	}
	for (size_t i = 0; i < n; i += 3) {
		size_t m = metric_row(c, rows[i], rows[i + 2]);
		free(c->values[m * c->cap_runs + run]); /* a repeated metric: the last one wins */
		c->values[m * c->cap_runs + run] = rows[i + 1];
		free(rows[i]);
		free(rows[i + 2]);
	}
	free(rows);
	return 0;
}

static const char *value_at(const struct compare *c, size_t m, size_t r)
{
	return c->values[m * c->cap_runs + r];
}

int compare_write(const struct compare *c, const char *path, char *err, size_t errlen)
{
	struct sbuf header = SBUF_INIT;
	sbuf_adds(&header, "metric,unit");
	/* labels may hold commas or quotes: quote them as csvw would */
	for (size_t r = 0; r < c->nruns; r++) {
		const char *l = c->labels[r];
		if (strpbrk(l, ",\"\r\n")) {
			sbuf_adds(&header, ",\"");
			for (; *l; l++) {
				if (*l == '"')
					sbuf_add(&header, "\"", 1); /* "" stands for one quote */
				sbuf_add(&header, l, 1);
			}
			sbuf_adds(&header, "\"");
		} else {
			sbuf_addf(&header, ",%s", l);
		}
	}
	struct csvw *w = csvw_open(path, sbuf_str(&header), err, errlen);
	sbuf_free(&header);
	if (!w)
		return -1;
	for (size_t m = 0; m < c->nmetrics; m++) {
		csvw_str(w, c->metrics[m]);
		csvw_str(w, c->units[m]);
		for (size_t r = 0; r < c->nruns; r++)
			csvw_str(w, value_at(c, m, r));
		csvw_end(w);
	}
	if (csvw_close(w) < 0)
		return errf(err, errlen, "%s: write failed", path);
	return 0;
}

void compare_format(const struct compare *c, struct sbuf *out)
{
	size_t *width = xcalloc(c->nruns + 2, sizeof(*width));
	width[0] = strlen("metric");
	width[1] = strlen("unit");
	for (size_t r = 0; r < c->nruns; r++)
		width[r + 2] = strlen(c->labels[r]);
	for (size_t m = 0; m < c->nmetrics; m++) {
		if (strlen(c->metrics[m]) > width[0])
			width[0] = strlen(c->metrics[m]);
		if (strlen(c->units[m]) > width[1])
			width[1] = strlen(c->units[m]);
		for (size_t r = 0; r < c->nruns; r++) {
			const char *v = value_at(c, m, r);
			if (v && strlen(v) > width[r + 2])
				width[r + 2] = strlen(v);
		}
	}
	sbuf_addf(out, "%-*s  %-*s", (int)width[0], "metric", (int)width[1], "unit");
	for (size_t r = 0; r < c->nruns; r++)
		sbuf_addf(out, "  %*s", (int)width[r + 2], c->labels[r]);
	sbuf_adds(out, "\n");
	for (size_t m = 0; m < c->nmetrics; m++) {
		sbuf_addf(out, "%-*s  %-*s", (int)width[0], c->metrics[m], (int)width[1], c->units[m]);
		for (size_t r = 0; r < c->nruns; r++) {
			const char *v = value_at(c, m, r);
			sbuf_addf(out, "  %*s", (int)width[r + 2], v && *v ? v : "-");
		}
		sbuf_adds(out, "\n");
	}
	free(width);
}

void compare_free(struct compare *c)
{
	for (size_t m = 0; m < c->nmetrics; m++) {
		free(c->metrics[m]);
		free(c->units[m]);
		for (size_t r = 0; r < c->nruns; r++)
			free(c->values[m * c->cap_runs + r]);
	}
	for (size_t r = 0; r < c->nruns; r++)
		free(c->labels[r]);
	free(c->metrics);
	free(c->units);
	free(c->values);
	free(c->labels);
	memset(c, 0, sizeof(*c));
}
