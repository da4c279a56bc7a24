/* scenario: loads a scenario file over the built-in defaults, applies --set
 * overrides and checks every key, so a typo is an error at file:line:col
 * rather than a setting that silently keeps its default.  The keys are the
 * schema's (schema.c); the parts are jsonpos (the strict parse with
 * positions), overlay (merging and --set) and validate (the checks). */
#include "scenario.h"

#include <cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "overlay.h"
#include "schema.h"
#include "util.h"
#include "validate.h"

static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f)
		return errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&sb, chunk, n);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		sbuf_free(&sb);
		return errf(err, errlen, "%s: cannot read: %s", path, strerror(e ? e : EIO));
	}
	fclose(f);
	*outlen = sb.len;
	*out = sbuf_detach(&sb);
	return 0;
}

/* The text as a cJSON object, with the position of each of its keys; name
 * is what messages call it. */
static cJSON *parse_text(const char *name, const char *text, size_t len, struct jsonpos *pos, char *err,
			 size_t errlen)
{
	struct jsonpos_error perr;
	cJSON *doc = jsonpos_parse(text, len, "", pos, &perr);

	if (!doc) {
		errf(err, errlen, "%s:%d:%d: %s%s", name, perr.line, perr.col,
		     perr.syntax ? "syntax error: " : "", perr.msg);
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		int line, col;
		jsonpos_line_col(text, strspn(text, " \t\r\n"), &line, &col);
		errf(err, errlen, "%s:%d:%d: expected a JSON object at the top level", name, line, col);
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

/* Free what the string and list fields below the row parent own; base is
 * parent's field (the struct scenario at the top). */
static void free_owned(const struct schema_key *parent, char *base)
{
	for (const struct schema_key *k = schema_next_child(parent, NULL); k; k = schema_next_child(parent, k)) {
		bool each = !strcmp(schema_name(k), "*");
		for (size_t i = 0; i < (each ? k->nnames : 1); i++) {
			char *field = base + k->offset + i * k->stride;
			if (k->type == SCHEMA_OBJECT) {
				free_owned(k, field);
			} else if (k->type == SCHEMA_STRING && k->size) {
				free(*(char **)field);
			} else if (k->type == SCHEMA_LIST && k->size) {
				const struct schema_key *elem = schema_next_child(k, NULL);
				char *elems = *(char **)field;
				size_t n = *(size_t *)(field - k->offset + k->count_offset);
				for (size_t j = 0; elems && j < n; j++)
					free_owned(elem, elems + j * elem->stride);
				free(elems);
			}
		}
	}
}

static void free_fields(struct scenario *sc)
{
	free_owned(NULL, (char *)sc);
	cJSON_Delete(sc->resolved);
	memset(sc, 0, sizeof(*sc));
}

/* Defaults, then the text (NULL: none) known as name, then the sets; the
 * file's key positions and what the sets wrote go to keep when it is not
 * NULL and the load succeeds. */
static int load(struct scenario *sc, const char *name, const char *text, size_t len, char *const *sets,
		size_t nsets, struct scenario_origins *keep, char *err, size_t errlen)
{
	struct jsonpos pos = {0};
	struct overlay_origins ov = {0};
	cJSON *doc = schema_defaults();
	int rc = -1;

	memset(sc, 0, sizeof(*sc));
	if (text) {
		cJSON *file = parse_text(name, text, len, &pos, err, errlen);
		if (!file)
			goto done;
		overlay_merge(doc, file, "", NULL, 0);
	}
	for (size_t i = 0; i < nsets; i++)
		if (overlay_set(doc, sets[i], i, &ov, err, errlen) < 0)
			goto done;

	struct validation v = {
	    .file = text ? name : NULL, .pos = &pos, .sets = sets, .ov = &ov, .err = err, .errlen = errlen};
	validate_document(&v, doc, sc);
	if (v.failed) {
		free_fields(sc);
		goto done;
	}
	/* The client's attempts time out by client_timeout: one key, two fields. */
	sc->load.client_retry.attempt_timeout_ms = sc->load.client_timeout_ms;
	sc->resolved = doc;
	doc = NULL;
	if (keep) {
		keep->pos = pos;
		keep->written = ov;
		pos = (struct jsonpos){0};
		ov = (struct overlay_origins){0};
	}
	rc = 0;
done:
	cJSON_Delete(doc);
	jsonpos_free(&pos);
	overlay_origins_free(&ov);
	return rc;
}

int scenario_load_origins(struct scenario *sc, const char *path, char *const *sets, size_t nsets,
			  struct scenario_origins *keep, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;

	memset(sc, 0, sizeof(*sc));
	if (keep)
		*keep = (struct scenario_origins){0};
	if (path && read_file(path, &text, &len, err, errlen) < 0)
		return -1;
	int rc = load(sc, path, text, len, sets, nsets, keep, err, errlen);
	free(text);
	return rc;
}

int scenario_load_text_origins(struct scenario *sc, const char *name, const char *text, size_t len,
			       char *const *sets, size_t nsets, struct scenario_origins *keep, char *err,
			       size_t errlen)
{
	if (keep)
		*keep = (struct scenario_origins){0};
	return load(sc, name ? name : "(text)", text ? text : "", text ? len : 0, sets, nsets, keep, err,
		    errlen);
}

int scenario_load(struct scenario *sc, const char *path, char *const *sets, size_t nsets, char *err,
		  size_t errlen)
{
	return scenario_load_origins(sc, path, sets, nsets, NULL, err, errlen);
}

int scenario_load_text(struct scenario *sc, const char *name, const char *text, size_t len, char *const *sets,
		       size_t nsets, char *err, size_t errlen)
{
	return scenario_load_text_origins(sc, name, text, len, sets, nsets, NULL, err, errlen);
}

void scenario_origins_free(struct scenario_origins *o)
{
	if (!o)
		return;
	jsonpos_free(&o->pos);
	overlay_origins_free(&o->written);
}

void scenario_free(struct scenario *sc)
{
	if (sc)
		free_fields(sc);
}

char *scenario_resolved_json(const struct scenario *sc)
{
	if (!sc || !sc->resolved)
		return NULL;
	char *text = cJSON_Print(sc->resolved);
	jsonpos_must_ok(text != NULL);
	char *out = xasprintf("%s\n", text);
	cJSON_free(text);
	return out;
}

void scenario_faults_at(const struct scenario *sc, enum tier_id t, double now_ms, struct fault_effect *out)
{
	*out = (struct fault_effect){
	    .slowdown = 1, .latency_ms = 0, .error_frac = 0, .stall = false, .capacity = -1};
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		if (f->tier != t || now_ms < f->start_ms || now_ms >= f->end_ms)
			continue;
		switch (f->kind) {
		case FAULT_SLOWDOWN:
			out->slowdown *= f->value;
			break;
		case FAULT_LATENCY:
			out->latency_ms += f->value;
			break;
		case FAULT_ERRORS:
			if (f->value > out->error_frac)
				out->error_frac = f->value;
			break;
		case FAULT_STALL:
			out->stall = true;
			break;
		case FAULT_CAPACITY:
			if (out->capacity < 0 || (int)f->value < out->capacity)
				out->capacity = (int)f->value;
			break;
		case FAULT_CACHE_FLUSH:
			break; /* an instant, not a window: the tier's core acts at start_ms */
		}
	}
}

static void take_smaller(double *best, double v)
{
	if (v > 0 && (*best == 0 || v < *best))
		*best = v;
}

double scenario_smallest_timeout_ms(const struct scenario *sc, enum tier_id t)
{
	double best = 0;

	if ((unsigned)t < TIER_FORWARDERS) {
		take_smaller(&best, sc->tiers[t].timeout_ms);
		take_smaller(&best, sc->tiers[t].retry.attempt_timeout_ms);
	} else if (t == TIER_DBSIM) {
		take_smaller(&best, sc->db.statement_timeout_ms);
	} else if (t == TIER_COUNT) {
		take_smaller(&best, sc->load.client_timeout_ms);
	}
	return best;
}
