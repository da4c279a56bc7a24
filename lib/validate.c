/* validate: the checks of every scenario key, driven by the schema table:
 * the type and bounds of each value, unknown keys with a did-you-mean,
 * missing keys, the order of paired keys (cap >= base), distributions and
 * lists, and who to blame for a bad value. */
#include "validate.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "util.h"

/* Paths built from the schema's own keys ("tiers.dbsim.service_time.median",
 * "faults[12].duration") always fit. */
#define PATH_LEN 128

/* ---- blame ---------------------------------------------------------------- */

static bool path_within(const char *path, const char *ancestor)
{
	size_t n = strlen(ancestor);
	return !strncmp(path, ancestor, n) && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

/* Length of the parent's path: "a.b[2]" -> 3 ("a.b"), "a" -> 0. */
static size_t parent_len(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] != '.' && path[n - 1] != '[')
		n--;
	if (n > 0 && path[n - 1] == '[')
		return n - 1;
	return n > 0 ? n - 1 : 0;
}

void validate_fail(struct validation *v, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int cls = 2;
	long a = 0, b = 0;
	const struct jsonpos_key *kp = NULL;
	long set = -1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* Blame, in order: the last --set that wrote this value or one holding
	 * it; the file, at this key or the nearest enclosing one it has; a
	 * --set that wrote something inside (it created the object). */
	for (size_t i = v->ov->n; i-- > 0;) {
		if (path_within(path, v->ov->v[i].path)) {
			set = (long)v->ov->v[i].set;
			break;
		}
	}
	char *p = xstrdup(path);
	while (set < 0 && !kp) {
		kp = jsonpos_find(v->pos, p);
		if (kp)
			break;
		for (size_t i = v->ov->n; i-- > 0;) {
			if (path_within(v->ov->v[i].path, p)) {
				set = (long)v->ov->v[i].set;
				break;
			}
		}
		if (!*p)
			break;
		p[parent_len(p)] = '\0';
	}
	free(p);
	if (set >= 0) {
		cls = 1;
		a = set;
	} else if (kp) {
		cls = 0;
		a = kp->line;
		b = kp->col;
	}
	if (v->failed && (v->rank_class < cls ||
			  (v->rank_class == cls && (v->rank_a < a || (v->rank_a == a && v->rank_b <= b)))))
		return;
	v->failed = true;
	v->rank_class = cls;
	v->rank_a = a;
	v->rank_b = b;
	if (cls == 1)
		errf(v->err, v->errlen, "--set %s: %s: %s", v->sets[set], path, msg);
	else if (cls == 0)
		errf(v->err, v->errlen, "%s:%d:%d: %s: %s", v->file, kp->line, kp->col, path, msg);
	else if (v->file)
		errf(v->err, v->errlen, "%s: %s: %s", v->file, path, msg);
	else
		errf(v->err, v->errlen, "%s: %s", path, msg);
}

void validate_origin(const struct jsonpos *pos, const struct overlay_origins *ov, const char *path,
		     struct validate_origin *o)
{
	*o = (struct validate_origin){.set = -1};
	for (size_t i = ov ? ov->n : 0; i-- > 0;) {
		if (path_within(path, ov->v[i].path)) {
			o->set = (long)ov->v[i].set;
			return;
		}
	}
	if (!pos)
		return;
	o->key = jsonpos_find(pos, path);
	o->own = o->key != NULL;
	char *p = xstrdup(path);
	while (!o->key && *p) {
		p[parent_len(p)] = '\0';
		o->key = jsonpos_find(pos, p);
	}
	free(p);
}

/* Who wrote the value at path, later writers higher: 0 a default, 1 the
 * file, 2 + i the i-th --set. */
static long writer(const struct validation *v, const char *path)
{
	struct validate_origin o;
	validate_origin(v->pos, v->ov, path, &o);
	return o.set >= 0 ? 2 + o.set : o.own ? 1 : 0;
}

/* parent.key into out (PATH_LEN bytes); copied by hand because schema paths
 * always fit, and snprintf would make gcc warn about truncation. */
static void join(char *out, const char *parent, const char *key)
{
	size_t n = 0;
	for (const char *p = parent; *p && n < PATH_LEN - 1; p++)
		out[n++] = *p;
	if (*parent && n < PATH_LEN - 1)
		out[n++] = '.';
	for (const char *p = key; *p && n < PATH_LEN - 1; p++)
		out[n++] = *p;
	out[n] = '\0';
}

/* ---- unknown keys --------------------------------------------------------- */

/* Optimal string alignment distance (edits, with transpositions as one),
 * for "did you mean": "retires" is one swap away from "retries". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	size_t *d = xcalloc((n + 1) * (m + 1), sizeof(*d));
#define D(i, j) d[(i) * (m + 1) + (j)]
	for (size_t i = 0; i <= n; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= m; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < best)
				best = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	}
	size_t r = D(n, m);
#undef D
	free(d);
	return r;
}

/* The allowed key closest to key, when close enough to be a typo. */
static const char *closest_key(const char *key, const char *const allowed[], size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(key);

	if (len > 64)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(key, allowed[i]);
		if (d < best_d) {
			best_d = d;
			best = allowed[i];
		}
	}
	if (best && ((best_d <= 2 && best_d < len) || best_d * 3 <= len))
		return best;
	return NULL;
}

static void list_names(char *out, size_t outlen, const char *const names[], size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < outlen; i++) {
		int w = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int validate_key_known(struct validation *v, const char *path, const char *key, const char *const allowed[],
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, allowed[i]))
			return 0;
	char *child = xasprintf("%s%s%s", path, *path ? "." : "", key);
	const char *guess = closest_key(key, allowed, n);
	if (guess) {
		validate_fail(v, child, "unknown key (did you mean '%s'?)", guess);
	} else {
		char list[200];
		list_names(list, sizeof(list), allowed, n);
		validate_fail(v, child, "unknown key (allowed: %s)", list);
	}
	free(child);
	return 1;
}

/* How many members of obj are not in allowed (each one reported). */
static int keys_known(struct validation *v, const cJSON *obj, const char *path, const char *const allowed[],
		      size_t n)
{
	int unknown = 0;
	for (const cJSON *it = obj->child; it; it = it->next)
		unknown += validate_key_known(v, path, it->string, allowed, n);
	return unknown;
}

/* ---- values ------------------------------------------------------------- */

enum dur_rule {
	DUR_POSITIVE, /* > 0 */
	DUR_NONNEG,   /* >= 0 */
	DUR_OPTIONAL, /* > 0, or "none" / null for none (0) */
};

static int check_duration(struct validation *v, const cJSON *it, const char *path, enum dur_rule rule,
			  double *out)
{
	char perr[160];
	const char *range = rule == DUR_NONNEG	   ? "expected a duration >= 0"
			    : rule == DUR_OPTIONAL ? "expected a duration > 0, or \"none\""
						   : "expected a duration > 0";
	if (rule == DUR_OPTIONAL &&
	    (cJSON_IsNull(it) || (cJSON_IsString(it) && !strcmp(it->valuestring, "none")))) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsString(it)) {
		validate_fail(v, path, "expected a duration string like \"250ms\"");
		return -1;
	}
	const char *s = it->valuestring;
	double ms;
	/* A sign or "none" is a range problem here, not a parse problem. */
	if (s[0] == '-' || !strcmp(s, "none")) {
		validate_fail(v, path, "%s", range);
		return -1;
	}
	if (duration_parse_ms(s, &ms, perr, sizeof(perr)) < 0) {
		validate_fail(v, path, "%s", perr);
		return -1;
	}
	if (!isfinite(ms) || ms < 0 || (rule != DUR_NONNEG && ms == 0)) {
		validate_fail(v, path, "%s", range);
		return -1;
	}
	*out = ms;
	return 0;
}

static int check_enum(struct validation *v, const cJSON *it, const char *path, const char *const names[],
		      size_t n, int *out)
{
	char list[160];
	for (size_t i = 0; cJSON_IsString(it) && i < n; i++) {
		if (!strcmp(it->valuestring, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	list_names(list, sizeof(list), names, n);
	if (cJSON_IsString(it))
		validate_fail(v, path, "expected one of %s (got \"%.40s\")", list, it->valuestring);
	else
		validate_fail(v, path, "expected one of %s", list);
	return -1;
}

/* An integral number in [min, max]; max may be up to 2^53. */
static int check_integer(struct validation *v, const struct schema_key *k, const cJSON *it, const char *path,
			 double *out)
{
	double x = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(x) || x != floor(x) || x < k->min || x > k->max) {
		if (k->max >= 9007199254740992.0 && k->min == 0)
			validate_fail(v, path, "expected an integer from 0 to 2^53");
		else if (k->max >= INT_MAX)
			validate_fail(v, path, "expected an integer >= %.0f", k->min);
		else
			validate_fail(v, path, "expected an integer from %.0f to %.0f", k->min, k->max);
		return -1;
	}
	*out = x;
	return 0;
}

/* A number above min (or at it, SCHEMA_MIN_INCLUSIVE) and <= max. */
static int check_number(struct validation *v, const struct schema_key *k, const cJSON *it, const char *path,
			double *out)
{
	bool incl = k->flags & SCHEMA_MIN_INCLUSIVE;
	double x = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(x) || x < k->min || (!incl && x == k->min) || x > k->max) {
		if (isfinite(k->max))
			validate_fail(v, path, "expected a number %s %g and <= %g", incl ? ">=" : ">", k->min,
				      k->max);
		else
			validate_fail(v, path, "expected a number %s %g", incl ? ">=" : ">", k->min);
		return -1;
	}
	*out = x;
	return 0;
}

/* An HTTP token (RFC 9110 tchar), as a header name must be. */
static bool is_http_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		bool word =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
		if (!word && !strchr("!#$%&'*+-.^`|~", c))
			return false;
	}
	return true;
}

static int check_header(struct validation *v, const struct schema_key *k, const cJSON *it, const char *path,
			char *field)
{
	if (!cJSON_IsString(it)) {
		validate_fail(v, path, "expected a string");
		return -1;
	}
	const char *h = it->valuestring;
	if (!is_http_token(h) || strlen(h) >= k->size) {
		validate_fail(v, path,
			      "expected a header name (an HTTP token of up to %zu characters, like \"%s\")",
			      k->size - 1, k->def ? k->def : "x-deadline");
		return -1;
	}
	/* Header names are case-insensitive; the tiers compare lowercase. */
	size_t i = 0;
	for (; field && h[i]; i++)
		field[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
	if (field)
		field[i] = '\0';
	return 0;
}

static int check_enum_list(struct validation *v, const struct schema_key *k, const cJSON *it,
			   const char *path, unsigned *out)
{
	char elem[PATH_LEN + 16], list[80];
	unsigned bits = 0;
	int rc = 0, i = 0;

	list_names(list, sizeof(list), k->names, k->nnames);
	if (!cJSON_IsArray(it)) {
		validate_fail(v, path, "expected an array of %s", list);
		return -1;
	}
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		snprintf(elem, sizeof(elem), "%s[%d]", path, i);
		size_t n = 0;
		while (cJSON_IsString(e) && n < k->nnames && strcmp(e->valuestring, k->names[n]))
			n++;
		if (!cJSON_IsString(e) || n == k->nnames) {
			validate_fail(v, elem, "expected one of %s", list);
			rc = -1;
		} else if (bits & (1u << n)) {
			validate_fail(v, elem, "\"%s\" is listed twice", k->names[n]);
			rc = -1;
		} else {
			bits |= 1u << n;
		}
	}
	if (rc == 0)
		*out = bits;
	return rc;
}

/* Members lo and hi of obj at path, both checked, where hi must not be
 * below lo: point at whichever of the two was written last. */
static void check_order(struct validation *v, const cJSON *obj, const char *path, const char *lo, double lo_v,
			const char *hi, double hi_v)
{
	char lo_path[PATH_LEN], hi_path[PATH_LEN];
	if (hi_v >= lo_v)
		return;
	join(lo_path, path, lo);
	join(hi_path, path, hi);
	if (writer(v, hi_path) >= writer(v, lo_path))
		validate_fail(v, hi_path, "must be >= %s (%s)", lo,
			      cJSON_GetObjectItemCaseSensitive(obj, lo)->valuestring);
	else
		validate_fail(v, lo_path, "must be <= %s (%s)", hi,
			      cJSON_GetObjectItemCaseSensitive(obj, hi)->valuestring);
}

/* A distribution: "dist" picks the keys, which are durations. */
static int check_dist(struct validation *v, const struct schema_key *k, const cJSON *obj, const char *path,
		      struct dist *d)
{
	const char *names[8], *keys[3] = {SCHEMA_DIST_SELECTOR, NULL, NULL};
	char p[PATH_LEN];
	int kind;

	if (!cJSON_IsObject(obj)) {
		validate_fail(v, path, "expected an object");
		return -1;
	}
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(obj, SCHEMA_DIST_SELECTOR);
	if (!sel) {
		validate_fail(v, path, "missing key '%s'", SCHEMA_DIST_SELECTOR);
		return -1;
	}
	for (size_t i = 0; i < schema_ndists; i++)
		names[i] = schema_dists[i].name;
	join(p, path, SCHEMA_DIST_SELECTOR);
	if (check_enum(v, sel, p, names, schema_ndists, &kind) < 0)
		return -1;
	d->kind = (enum dist_kind)kind;
	const struct schema_dist *shape = &schema_dists[kind];
	size_t nkeys = shape->param[1] ? 3 : 2;
	keys[1] = shape->param[0];
	keys[2] = shape->param[1];
	/* A misspelt parameter would also be missing: report the spelling. */
	if (keys_known(v, obj, path, keys, nkeys) > 0)
		return -1;
	for (size_t i = 1; i < nkeys; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(obj, keys[i])) {
			validate_fail(v, path, "missing key '%s' (dist %s needs it)", keys[i], shape->name);
			return -1;
		}
	}
	enum dur_rule rule = k->flags & SCHEMA_ZERO_OK ? DUR_NONNEG : DUR_POSITIVE;
	join(p, path, keys[1]);
	int ok = check_duration(v, cJSON_GetObjectItemCaseSensitive(obj, keys[1]), p, rule, &d->a_ms);
	d->b_ms = 0;
	if (nkeys == 2)
		return ok;
	join(p, path, keys[2]);
	if (check_duration(v, cJSON_GetObjectItemCaseSensitive(obj, keys[2]), p, rule, &d->b_ms) < 0)
		return -1;
	if (ok == 0)
		check_order(v, obj, path, keys[1], d->a_ms, keys[2], d->b_ms);
	return ok;
}

/* A member's outcome, for the keys that must not be below a sibling. */
struct member_state {
	const struct schema_key *key;
	int rc;
	double num;
};

/* The members of obj as the rows below k (NULL: the top level) say: no
 * unknown ones, none missing, each valid; base is k's field. */
static int check_members(struct validation *v, const struct schema_key *k, const cJSON *obj, const char *path,
			 char *base)
{
	const char **allowed = NULL;
	struct member_state *state = NULL;
	size_t nallowed = 0, nstate = 0, cap = 0;
	char child[PATH_LEN];

	for (const struct schema_key *c = schema_next_child(k, NULL); c; c = schema_next_child(k, c)) {
		bool each = !strcmp(schema_name(c), "*");
		for (size_t i = 0; i < (each ? c->nnames : 1); i++) {
			if (nallowed == cap) {
				cap = cap ? cap * 2 : 16;
				allowed = xrealloc(allowed, cap * sizeof(*allowed));
			}
			allowed[nallowed++] = each ? c->names[i] : schema_name(c);
		}
	}
	keys_known(v, obj, path, allowed, nallowed);
	state = xcalloc(nallowed ? nallowed : 1, sizeof(*state));
	for (const struct schema_key *c = schema_next_child(k, NULL); c; c = schema_next_child(k, c)) {
		bool each = !strcmp(schema_name(c), "*");
		for (size_t i = 0; i < (each ? c->nnames : 1); i++) {
			const char *name = each ? c->names[i] : schema_name(c);
			struct member_state *st = &state[nstate++];
			const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
			st->key = c;
			st->rc = -1;
			if (!it) {
				/* A list element's member that is neither required
				 * nor defaulted may be left out: its field stays 0. */
				if (!(c->flags & SCHEMA_REQUIRED) && !c->def && !c->def_each) {
					st->rc = 0;
					continue;
				}
				validate_fail(v, path, "missing key '%s'", name);
				continue;
			}
			join(child, path, name);
			char *field = base ? base + c->offset + i * c->stride : NULL;
			st->rc = validate_value(v, c, it, child, field, &st->num);
			for (size_t j = 0; c->not_below && st->rc == 0 && j + 1 < nstate; j++)
				if (!strcmp(schema_name(state[j].key), c->not_below) && state[j].rc == 0)
					check_order(v, obj, path, c->not_below, state[j].num, name, st->num);
		}
	}
	free(allowed);
	free(state);
	return 0;
}

/* A list: each element as the row "<path>[*]" says; the elements go to a
 * new array at field, their count beside it. */
static int check_list(struct validation *v, const struct schema_key *k, const cJSON *it, const char *path,
		      char *field)
{
	const struct schema_key *elem = schema_next_child(k, NULL);
	char ep[PATH_LEN + 24];
	size_t i = 0;

	if (!cJSON_IsArray(it)) {
		validate_fail(v, path, "expected an array of %s", k->unit ? k->unit : "values");
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(it);
	char *arr = xcalloc(n ? n : 1, elem->stride);
	if (field) {
		*(void **)field = arr;
		*(size_t *)(field - k->offset + k->count_offset) = n;
	}
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		validate_value(v, elem, e, ep, arr + i * elem->stride, NULL);
	}
	if (!field)
		free(arr);
	return 0;
}

/* Where k's value goes: field, or NULL when k fills no field of its own
 * (size 0).  A field that does not fit the type is a bug in the table. */
static void *field_of(const struct schema_key *k, void *field, size_t size)
{
	if (!field || !k->size)
		return NULL;
	if (k->size != size) {
		fprintf(stderr, "cascade: schema: %s: field of %zu bytes, want %zu\n", k->path, k->size,
			size);
		abort();
	}
	return field;
}

int validate_value(struct validation *v, const struct schema_key *k, const cJSON *it, const char *path,
		   void *field, double *num)
{
	double x = 0;
	int rc = -1, e;

	switch (k->type) {
	case SCHEMA_OBJECT:
		if (k->check) {
			k->check(v, k, it, path, field);
			return 0;
		}
		if (!cJSON_IsObject(it)) {
			validate_fail(v, path, "expected an object");
			return -1;
		}
		return check_members(v, k, it, path, field);
	case SCHEMA_LIST:
		return check_list(v, k, it, path, field_of(k, field, sizeof(void *)));
	case SCHEMA_DIST: {
		struct dist scratch;
		struct dist *d = field_of(k, field, sizeof(struct dist));
		return check_dist(v, k, it, path, d ? d : &scratch);
	}
	case SCHEMA_BOOL:
		if (!cJSON_IsBool(it)) {
			validate_fail(v, path, "expected true or false");
			return -1;
		}
		if (field_of(k, field, sizeof(bool)))
			*(bool *)field = cJSON_IsTrue(it);
		return 0;
	case SCHEMA_STRING:
		if (!cJSON_IsString(it)) {
			validate_fail(v, path, "expected a string");
			return -1;
		}
		if (field_of(k, field, sizeof(char *)))
			*(char **)field = xstrdup(it->valuestring);
		return 0;
	case SCHEMA_HEADER:
		return check_header(v, k, it, path, field);
	case SCHEMA_ENUM:
		if (check_enum(v, it, path, k->names, k->nnames, &e) < 0)
			return -1;
		if (field_of(k, field, sizeof(int)))
			*(int *)field = e;
		return 0;
	case SCHEMA_ENUM_LIST: {
		unsigned bits;
		if (check_enum_list(v, k, it, path, &bits) < 0)
			return -1;
		if (field_of(k, field, sizeof(unsigned)))
			*(unsigned *)field = bits;
		return 0;
	}
	case SCHEMA_INTEGER:
		rc = check_integer(v, k, it, path, &x);
		if (rc == 0 && field && k->size == sizeof(uint64_t))
			*(uint64_t *)field = (uint64_t)x;
		else if (rc == 0 && field_of(k, field, sizeof(int)))
			*(int *)field = (int)x;
		break;
	case SCHEMA_NUMBER:
		rc = check_number(v, k, it, path, &x);
		break;
	case SCHEMA_DURATION:
		rc = check_duration(v, it, path, k->flags & SCHEMA_ZERO_OK ? DUR_NONNEG : DUR_POSITIVE, &x);
		break;
	case SCHEMA_OPT_DURATION:
		rc = check_duration(v, it, path, DUR_OPTIONAL, &x);
		break;
	}
	if (rc == 0 && k->type != SCHEMA_INTEGER && field_of(k, field, sizeof(double)))
		*(double *)field = x;
	if (rc == 0 && num)
		*num = x;
	return rc;
}

/* Rules across keys of different rows, once every key is read. */
static void check_rules(struct validation *v, const struct scenario *sc)
{
	char path[PATH_LEN];

	for (int t = 0; t < TIER_FORWARDERS; t++) {
		const struct tier_cfg *tc = &sc->tiers[t];
		if (tc->hedge.enabled && tc->retry.retries > 0) {
			/* gRPC: a method has a retry policy or a hedging policy, never both */
			snprintf(path, sizeof(path), "tiers.%s.hedge.enabled", tier_name((enum tier_id)t));
			validate_fail(v, path, "hedging excludes retries (tiers.%s.retries is %d): set it to 0",
				      tier_name((enum tier_id)t), tc->retry.retries);
		}
	}
	for (size_t i = 0; i < sc->load.nphases; i++) {
		const struct load_phase *p = &sc->load.phases[i];
		if (i > 0 && p->start_ms <= sc->load.phases[i - 1].start_ms) {
			snprintf(path, sizeof(path), "load.phases[%zu].start", i);
			validate_fail(v, path, "must be after the previous phase's start (%g ms)",
				      sc->load.phases[i - 1].start_ms);
		} else if (i + 1 < sc->load.nphases && p->start_ms + p->ramp_ms > sc->load.phases[i + 1].start_ms) {
			snprintf(path, sizeof(path), "load.phases[%zu].ramp", i);
			validate_fail(v, path, "must end by the next phase's start (%g ms)",
				      sc->load.phases[i + 1].start_ms);
		}
	}
}

void validate_document(struct validation *v, const cJSON *doc, struct scenario *sc)
{
	check_members(v, NULL, doc, "", (char *)sc);
	if (!v->failed)
		check_rules(v, sc);
}
