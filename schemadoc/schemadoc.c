/* schemadoc: renders the schema's keys as the markdown tables of
 * scenarios/README.md and splices them between the README's markers. */
#include "schemadoc.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

#define BEGIN_MARK "<!-- schema:begin "
#define END_MARK "<!-- schema:end -->"

static bool is_each(const struct schema_key *k)
{
	return !strcmp(schema_name(k), "*");
}

static bool is_scalar(const struct schema_key *k)
{
	return k->type != SCHEMA_OBJECT && k->type != SCHEMA_DIST && k->type != SCHEMA_LIST;
}

/* A value as JSON the way people write it: {"a": 1, "b": [2, 3]}. */
static void add_json(struct sbuf *out, const cJSON *v)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		bool obj = cJSON_IsObject(v);
		sbuf_adds(out, obj ? "{" : "[");
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				sbuf_adds(out, ", ");
			if (obj)
				sbuf_addf(out, "\"%s\": ", c->string);
			add_json(out, c);
		}
		sbuf_adds(out, obj ? "}" : "]");
		return;
	}
	char *text = cJSON_PrintUnformatted(v);
	if (!text)
		abort();
	sbuf_adds(out, text);
	cJSON_free(text);
}

/* Markdown table cells cannot hold a bare '|'. */
static void add_cell_text(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			sbuf_adds(out, "\\");
		sbuf_add(out, s, 1);
	}
}

static void add_names(struct sbuf *out, const struct schema_key *k, const char *sep)
{
	for (size_t i = 0; i < k->nnames; i++)
		sbuf_addf(out, "%s`\"%s\"`", i ? sep : "", k->names[i]);
}

/* The type column: the type with its bounds and unit. */
static void add_type(struct sbuf *out, const struct schema_key *k)
{
	switch (k->type) {
	case SCHEMA_OBJECT:
		sbuf_adds(out, "object");
		break;
	case SCHEMA_BOOL:
		sbuf_adds(out, "boolean");
		break;
	case SCHEMA_INTEGER:
		if (k->max >= 9007199254740992.0)
			sbuf_addf(out, "integer %g..2^53", k->min);
		else if (k->max >= INT_MAX)
			sbuf_addf(out, "integer >= %g", k->min);
		else
			sbuf_addf(out, "integer %g..%g", k->min, k->max);
		break;
	case SCHEMA_NUMBER:
		sbuf_addf(out, "number %s %g", k->flags & SCHEMA_MIN_INCLUSIVE ? ">=" : ">", k->min);
		if (isfinite(k->max))
			sbuf_addf(out, " and <= %g", k->max);
		break;
	case SCHEMA_DURATION:
		sbuf_adds(out, k->flags & SCHEMA_ZERO_OK ? "duration >= 0" : "duration");
		break;
	case SCHEMA_OPT_DURATION:
		sbuf_adds(out, "optional duration");
		break;
	case SCHEMA_ENUM:
		add_names(out, k, " \\| ");
		break;
	case SCHEMA_STRING:
		sbuf_adds(out, "string");
		break;
	case SCHEMA_HEADER:
		sbuf_addf(out, "HTTP header name (token, up to %zu characters)", k->size - 1);
		break;
	case SCHEMA_ENUM_LIST:
		sbuf_adds(out, "array of unique ");
		add_names(out, k, ", ");
		break;
	case SCHEMA_DIST:
		sbuf_adds(out, k->flags & SCHEMA_ZERO_OK ? "distribution (durations >= 0)" : "distribution");
		break;
	case SCHEMA_LIST:
		sbuf_addf(out, "array of %s", k->unit ? k->unit : "objects");
		break;
	}
	if (k->not_below)
		sbuf_addf(out, ", >= `%s`", k->not_below);
	if (k->unit && k->type != SCHEMA_LIST)
		sbuf_addf(out, ", %s", k->unit);
}

static void add_default_value(struct sbuf *out, const struct schema_key *k, size_t instance)
{
	cJSON *v = schema_default(k, instance);
	if (!v) {
		sbuf_adds(out, "none");
		return;
	}
	sbuf_adds(out, "`");
	add_json(out, v);
	sbuf_adds(out, "`");
	cJSON_Delete(v);
}

/* The default column.  A top-level object, or one holding objects, has
 * its own table: "see below". */
static void add_default(struct sbuf *out, const struct schema_key *k)
{
	const struct schema_key *each = schema_parent(k);
	while (each && !is_each(each))
		each = schema_parent(each);
	if (k->def_each && each) {
		for (size_t i = 0; i < each->nnames; i++) {
			sbuf_addf(out, "%s%s ", i ? ", " : "", each->names[i]);
			add_default_value(out, k, i);
		}
		return;
	}
	if (k->type == SCHEMA_OBJECT) {
		bool flat = schema_parent(k) != NULL;
		for (const struct schema_key *c = schema_next_child(k, NULL); c && flat;
		     c = schema_next_child(k, c))
			flat = is_scalar(c);
		if (!flat) {
			sbuf_adds(out, "see below");
			return;
		}
	}
	add_default_value(out, k, 0);
}

/* The required column of a list element's member. */
static void add_required(struct sbuf *out, const struct schema_key *k)
{
	if (k->flags & SCHEMA_REQUIRED) {
		sbuf_adds(out, "yes");
	} else if (k->alt) {
		const struct schema_key *alt = schema_next_child(schema_parent(k), NULL);
		while (alt && strcmp(schema_name(alt), k->alt))
			alt = schema_next_child(schema_parent(k), alt);
		bool first = !alt || k < alt;
		sbuf_addf(out, "one of `%s` / `%s`", first ? schema_name(k) : k->alt,
			  first ? k->alt : schema_name(k));
	} else {
		sbuf_adds(out, "no");
	}
}

static void add_key_name(struct sbuf *out, const struct schema_key *k)
{
	if (is_each(k)) {
		for (size_t i = 0; i < k->nnames; i++)
			sbuf_addf(out, "%s`%s`", i ? ", " : "", k->names[i]);
	} else {
		sbuf_addf(out, "`%s`", schema_name(k));
	}
}

/* One row per member of the objects at paths[0..n) (one shape). */
static int key_table(struct sbuf *out, const struct schema_key *const *objs, size_t n, char *err,
		     size_t errlen)
{
	const struct schema_key *obj = objs[0];
	bool element = obj && !strcmp(schema_name(obj), "[*]");

	sbuf_addf(out, "| key | type / unit | %s | meaning |\n|---|---|---|---|\n",
		  element ? "required" : "default");
	for (const struct schema_key *k = schema_next_child(obj, NULL); k; k = schema_next_child(obj, k)) {
		if (k->when)
			continue;
		sbuf_adds(out, "| ");
		add_key_name(out, k);
		sbuf_adds(out, " | ");
		add_type(out, k);
		sbuf_adds(out, " | ");
		if (element) {
			add_required(out, k);
		} else {
			/* Of several objects, each one's default when they differ. */
			struct sbuf first = SBUF_INIT, cell = SBUF_INIT;
			bool differ = false;
			add_default(&first, k);
			for (size_t i = 1; i < n; i++) {
				const struct schema_key *same = schema_next_child(objs[i], NULL);
				while (same && strcmp(schema_name(same), schema_name(k)))
					same = schema_next_child(objs[i], same);
				if (!same || same->type != k->type) {
					sbuf_free(&first);
					return errf(err, errlen, "%s and %s differ in shape at '%s'",
						    obj->path, objs[i]->path, schema_name(k));
				}
				sbuf_reset(&cell);
				add_default(&cell, same);
				differ |= strcmp(sbuf_str(&cell), sbuf_str(&first)) != 0;
			}
			for (size_t i = 0; differ && i < n; i++) {
				const struct schema_key *same = schema_next_child(objs[i], NULL);
				while (strcmp(schema_name(same), schema_name(k)))
					same = schema_next_child(objs[i], same);
				sbuf_addf(out, "%.*s ", (int)strcspn(objs[i]->path, "."), objs[i]->path);
				add_default(out, same);
				sbuf_adds(out, i + 1 < n ? ", " : "");
			}
			if (!differ)
				sbuf_adds(out, sbuf_str(&first));
			sbuf_free(&first);
			sbuf_free(&cell);
		}
		sbuf_adds(out, " | ");
		add_cell_text(out, k->doc ? k->doc : "");
		sbuf_adds(out, " |\n");
	}
	return 0;
}

/* An enum's values, one line each; a selector's with the key each takes. */
static void enum_table(struct sbuf *out, const struct schema_key *k)
{
	const struct schema_key *parent = schema_parent(k);
	bool selector = k->flags & SCHEMA_SELECTOR;

	sbuf_addf(out, "| `%s` |%s meaning |\n|---|%s---|\n", schema_name(k), selector ? " value key |" : "",
		  selector ? "---|" : "");
	for (size_t i = 0; i < k->nnames; i++) {
		sbuf_addf(out, "| `%s` | ", k->names[i]);
		if (selector) {
			const struct schema_key *vk = schema_next_child(parent, NULL);
			while (vk && !(vk->when && !strcmp(vk->when, k->names[i])))
				vk = schema_next_child(parent, vk);
			if (vk) {
				sbuf_addf(out, "`%s`: ", schema_name(vk));
				add_type(out, vk);
			} else {
				sbuf_adds(out, "(none)");
			}
			sbuf_adds(out, " | ");
		}
		add_cell_text(out, k->name_docs[i]);
		sbuf_adds(out, " |\n");
	}
}

static void dist_table(struct sbuf *out)
{
	sbuf_adds(out, "| `dist` | keys | meaning |\n|---|---|---|\n");
	for (size_t i = 0; i < schema_ndists; i++) {
		const struct schema_dist *d = &schema_dists[i];
		if (d->param[1])
			sbuf_addf(out, "| `\"%s\"` | `%s`, `%s` (durations, `%s` >= `%s`) | ", d->name,
				  d->param[0], d->param[1], d->param[1], d->param[0]);
		else
			sbuf_addf(out, "| `\"%s\"` | `%s` (duration) | ", d->name, d->param[0]);
		add_cell_text(out, d->doc);
		sbuf_adds(out, " |\n");
	}
}

char *schemadoc_table(const char *name, char *err, size_t errlen)
{
	struct sbuf out = SBUF_INIT;
	const struct schema_key *objs[8];
	size_t n = 0;
	char *names = xstrdup(name);
	int rc = -1;

	if (!strcmp(name, "dist")) {
		dist_table(&out);
		rc = 0;
		goto done;
	}
	if (!strcmp(name, "top")) {
		objs[n++] = NULL;
	} else {
		for (char *save = NULL, *p = strtok_r(names, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			const struct schema_key *k = schema_find(p);
			if (!k || strcmp(k->path, p) || n == ARRAY_LEN(objs)) {
				errf(err, errlen,
				     "'%s' is not a key of the schema (as lib/schema.c writes it)", p);
				goto done;
			}
			objs[n++] = k;
		}
	}
	if (n == 1 && objs[0] && objs[0]->type == SCHEMA_ENUM && objs[0]->name_docs) {
		enum_table(&out, objs[0]);
		rc = 0;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (objs[i] && objs[i]->type != SCHEMA_OBJECT) {
			errf(err, errlen, "'%s' is not an object, nor an enum with a line per value",
			     objs[i]->path);
			goto done;
		}
	}
	if (n == 0) {
		errf(err, errlen, "no key named");
		goto done;
	}
	rc = key_table(&out, objs, n, err, errlen);
done:
	free(names);
	if (rc < 0) {
		sbuf_free(&out);
		return NULL;
	}
	return sbuf_detach(&out);
}

char *schemadoc_update(const char *text, char *err, size_t errlen)
{
	struct sbuf out = SBUF_INIT;
	const char *p = text;
	int line = 0, begin_line = 0;
	bool inside = false;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		size_t body = eol ? len - 1 : len;
		line++;
		if (inside) {
			if (body == strlen(END_MARK) && !strncmp(p, END_MARK, body)) {
				inside = false;
				sbuf_add(&out, p, len);
			} else if (!strncmp(p, BEGIN_MARK, strlen(BEGIN_MARK))) {
				errf(err, errlen,
				     "line %d: a begin marker before the end of the one at line %d", line,
				     begin_line);
				goto fail;
			}
			p += len;
			continue;
		}
		sbuf_add(&out, p, len);
		if (!strncmp(p, BEGIN_MARK, strlen(BEGIN_MARK)) && body > strlen(BEGIN_MARK) + 4 &&
		    !strncmp(p + body - 4, " -->", 4)) {
			size_t nlen = body - strlen(BEGIN_MARK) - 4;
			char *name = xmalloc(nlen + 1), msg[ERR_LEN];
			memcpy(name, p + strlen(BEGIN_MARK), nlen);
			name[nlen] = '\0';
			char *table = schemadoc_table(name, msg, sizeof(msg));
			free(name);
			if (!table) {
				errf(err, errlen, "line %d: %s", line, msg);
				goto fail;
			}
			if (!eol)
				sbuf_adds(&out, "\n");
			sbuf_adds(&out, table);
			free(table);
			inside = true;
			begin_line = line;
		}
		p += len;
	}
	if (inside) {
		errf(err, errlen, "line %d: a begin marker without its end (%s)", begin_line, END_MARK);
		goto fail;
	}
	return sbuf_detach(&out);
fail:
	sbuf_free(&out);
	return NULL;
}
