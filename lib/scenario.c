/* scenario: loads a scenario file over the built-in defaults, applies --set
 * overrides and checks every key, so a typo is an error at file:line:col
 * rather than a setting that silently keeps its default. */
#include "scenario.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "jsonpos.h"
#include "util.h"

/* The incident's settings, and the only place defaults live: loading starts
 * from this document, so every key a file may set is present here, and the
 * resolved JSON of a run shows every value it used.  scenarios/README.md
 * mirrors it; the unit tests check that the two agree with the structs.
 * Laid out by hand, following the JSON nesting. */
/* clang-format off */
#define TIER_DEFAULTS(timeout)                                                                             \
	"{\"timeout\": \"" timeout "\", \"propagate_deadline\": false, \"propagate_cancel\": false, "    \
	"\"max_inflight\": 0, \"retries\": 2, \"attempt_timeout\": \"none\", "                          \
	"\"retry_on\": [\"timeout\", \"5xx\", \"connect_error\"], "                                      \
	"\"backoff\": {\"base\": \"100ms\", \"cap\": \"1s\", \"jitter\": \"full\"}}"
static const char DEFAULTS_JSON[] =
	"{\"name\": \"default\", \"description\": \"\", \"seed\": 1, \"time_scale\": 1,"
	" \"load\": {\"arrival\": \"poisson\", \"rate\": 10, \"duration\": \"60s\", \"client_timeout\": \"30s\","
	"  \"client_retries\": 1, \"client_backoff\": {\"base\": \"1s\", \"cap\": \"10s\", \"jitter\": \"full\"},"
	"  \"client_retry_on\": [\"timeout\", \"5xx\", \"connect_error\"], \"max_outstanding\": 0,"
	"  \"drain\": \"60s\"},"
	" \"deadline\": {\"header\": \"grpc-timeout\", \"margin\": \"5ms\"},"
	" \"tiers\": {\"gateway\": " TIER_DEFAULTS("30s") ", \"svc_a\": " TIER_DEFAULTS("25s") ","
	"  \"svc_b\": " TIER_DEFAULTS("20s") ","
	"  \"dbsim\": {\"workers\": 10, \"queue_limit\": 1000,"
	"   \"service_time\": {\"dist\": \"lognormal\", \"median\": \"50ms\", \"p99\": \"250ms\"},"
	"   \"statement_timeout\": \"15s\", \"honor_deadline\": false, \"honor_cancel\": false,"
	"   \"check_interval\": \"10ms\"}},"
	" \"faults\": []}";
/* clang-format on */

/* Where a service_time object lives: its keys depend on its "dist". */
#define SERVICE_TIME_PATH "tiers.dbsim.service_time"
/* Paths built from the schema's own keys ("tiers.dbsim.service_time.median",
 * "faults[12].duration") always fit. */
#define PATH_LEN 128

static const char *const tier_names[TIER_COUNT] = {"gateway", "svc_a", "svc_b", "dbsim"};
static const char *const fault_kind_names[] = {"slowdown", "latency", "errors", "stall", "capacity"};
/* The value key each fault kind takes; NULL: none. */
static const char *const fault_value_keys[] = {"factor", "latency", "fraction", NULL, "capacity"};
static const char *const dist_names[] = {"fixed", "uniform", "exponential", "lognormal"};
static const char *const arrival_names[] = {"constant", "poisson"};
static const char *const retry_on_names[] = {"timeout", "5xx", "connect_error"};
static const unsigned retry_on_bits[] = {RETRY_ON_TIMEOUT, RETRY_ON_5XX, RETRY_ON_CONNECT_ERROR};

const char *tier_name(enum tier_id t)
{
	if (t == TIER_COUNT)
		return "client";
	if ((unsigned)t > TIER_COUNT)
		return "unknown";
	return tier_names[t];
}

int tier_from_name(const char *s)
{
	if (!s)
		return -1;
	for (int t = 0; t < TIER_COUNT; t++)
		if (!strcmp(s, tier_names[t]))
			return t;
	return -1;
}

const char *fault_kind_name(enum fault_kind k)
{
	if ((unsigned)k >= ARRAY_LEN(fault_kind_names))
		return "unknown";
	return fault_kind_names[k];
}

/* ---- merging: defaults <- file <- overrides ----------------------------- */

/* Paths an override wrote, so a bad value is blamed on its --set. */
struct origin {
	char *path;
	size_t set; /* index into sets */
};

struct origins {
	struct origin *v;
	size_t n, cap;
};

static void origin_add(struct origins *o, const char *path, size_t set)
{
	if (!o)
		return;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	o->v[o->n++] = (struct origin){xstrdup(path), set};
}

static void origins_free(struct origins *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].path);
	free(o->v);
	*o = (struct origins){0};
}

static char *path_child(const char *parent, const char *key)
{
	return xasprintf("%s%s%s", parent, *parent ? "." : "", key);
}

/* A service_time that names a different dist has different keys: it must
 * replace the old object whole instead of merging into it. */
static bool dist_changes(const cJSON *old_service_time, const cJSON *new_dist)
{
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(old_service_time, "dist");
	return !cJSON_IsString(old) || !cJSON_IsString(new_dist) ||
	       strcmp(old->valuestring, new_dist->valuestring);
}

/* Lay the members of src over dst: objects merge member by member, anything
 * else replaces.  Consumes src.  Each path written is recorded in o (with
 * set) when o is not NULL. */
static void merge_into(cJSON *dst, cJSON *src, const char *path, struct origins *o, size_t set)
{
	cJSON *item;

	while ((item = src->child)) {
		cJSON_DetachItemViaPointer(src, item);
		char *child = path_child(path, item->string);
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, item->string);
		bool merge = cJSON_IsObject(old) && cJSON_IsObject(item);
		if (merge && !strcmp(child, SERVICE_TIME_PATH) &&
		    cJSON_GetObjectItemCaseSensitive(item, "dist") &&
		    dist_changes(old, cJSON_GetObjectItemCaseSensitive(item, "dist")))
			merge = false;
		if (merge) {
			merge_into(old, item, child, o, set);
		} else {
			origin_add(o, child, set);
			if (old) {
				jsonpos_must_ok(cJSON_ReplaceItemViaPointer(dst, old, item));
			} else {
				/* cJSON frees the item's old name while adding it. */
				char *name = xstrdup(item->string);
				jsonpos_must_ok(cJSON_AddItemToObject(dst, name, item));
				free(name);
			}
		}
		free(child);
	}
	cJSON_Delete(src);
}

/* A non-negative array index, or -1 when seg is not one. */
static long parse_index(const char *seg)
{
	if (!*seg || strlen(seg) > 9)
		return -1;
	for (const char *p = seg; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (seg[0] == '0' && seg[1])
		return -1;
	return strtol(seg, NULL, 10);
}

/* The value of a --set: JSON when the whole text is JSON, else the text as a
 * string, so `name=incident` and `timeout=250ms` need no quoting.  Text
 * that starts like a JSON object, array or string but is not valid JSON is
 * an error rather than a surprising string. */
static cJSON *override_value(const char *set, const char *path, const char *text, char *err, size_t errlen)
{
	struct jsonpos_error perr;
	cJSON *value = jsonpos_parse(text, strlen(text), path, NULL, &perr);

	if (value)
		return value;
	if (!perr.syntax) {
		errf(err, errlen, "--set %s: %s", set, perr.msg);
		return NULL;
	}
	size_t lead = strspn(text, " \t\r\n");
	if (text[lead] == '{' || text[lead] == '[' || text[lead] == '"') {
		errf(err, errlen, "--set %s: %s: syntax error in the value at col %d: %s", set, path,
		     perr.col, perr.msg);
		return NULL;
	}
	return jsonpos_must(cJSON_CreateString(text));
}

/* Apply one "key.path=value": create missing objects on the way, index
 * arrays with numbers (the index one past the end appends), merge an
 * object value into an existing object. */
static int apply_set(cJSON *doc, const char *set, size_t set_index, struct origins *o, char *err,
		     size_t errlen)
{
	const char *eq = strchr(set, '=');
	char *keys = NULL, *path = NULL;
	cJSON *value = NULL;
	struct sbuf norm = SBUF_INIT; /* the path as validation names it: faults[0].start */
	int rc = -1;

	if (!eq) {
		errf(err, errlen, "--set %s: expected KEY=VALUE", set);
		goto done;
	}
	keys = xmalloc((size_t)(eq - set) + 1);
	memcpy(keys, set, (size_t)(eq - set));
	keys[eq - set] = '\0';

	cJSON *cur = doc;
	char *seg = keys;
	/* Segments by hand rather than strtok: an empty one is an error. */
	for (;;) {
		char *dot = strchr(seg, '.');
		if (dot)
			*dot = '\0';
		if (!*seg) {
			errf(err, errlen, "--set %s: empty segment in the key path", set);
			goto done;
		}
		long index = -1;
		if (cJSON_IsArray(cur)) {
			index = parse_index(seg);
			if (index < 0) {
				errf(err, errlen, "--set %s: %s: expected an array index, not '%s'", set,
				     sbuf_str(&norm), seg);
				goto done;
			}
			int size = cJSON_GetArraySize(cur);
			if (index > size) {
				errf(err, errlen, "--set %s: %s: index %ld is past the end (%d element%s)",
				     set, sbuf_str(&norm), index, size, size == 1 ? "" : "s");
				goto done;
			}
			sbuf_addf(&norm, "[%ld]", index);
		} else if (cJSON_IsObject(cur)) {
			if (norm.len)
				sbuf_adds(&norm, ".");
			sbuf_adds(&norm, seg);
		} else {
			errf(err, errlen, "--set %s: %s: not an object, so it has no member '%s'", set,
			     sbuf_str(&norm), seg);
			goto done;
		}
		cJSON *next = index >= 0 ? cJSON_GetArrayItem(cur, (int)index)
					 : cJSON_GetObjectItemCaseSensitive(cur, seg);
		if (!dot) {
			path = xstrdup(sbuf_str(&norm));
			value = override_value(set, path, eq + 1, err, errlen);
			if (!value)
				goto done;
			if (cJSON_IsObject(next) && cJSON_IsObject(value) &&
			    !(!strcmp(path, SERVICE_TIME_PATH) &&
			      cJSON_GetObjectItemCaseSensitive(value, "dist") &&
			      dist_changes(next, cJSON_GetObjectItemCaseSensitive(value, "dist")))) {
				merge_into(next, value, path, o, set_index);
				value = NULL;
				break;
			}
			/* A new dist drops the old one's parameters. */
			if (!strcmp(path, SERVICE_TIME_PATH ".dist") && dist_changes(cur, value)) {
				cJSON *child = cur->child;
				while (child) {
					cJSON *following = child->next;
					if (strcmp(child->string, "dist"))
						cJSON_Delete(cJSON_DetachItemViaPointer(cur, child));
					child = following;
				}
				next = cJSON_GetObjectItemCaseSensitive(cur, "dist");
			}
			origin_add(o, path, set_index);
			if (index >= 0 && next)
				jsonpos_must_ok(cJSON_ReplaceItemViaPointer(cur, next, value));
			else if (index >= 0)
				jsonpos_must_ok(cJSON_AddItemToArray(cur, value));
			else if (next)
				jsonpos_must_ok(cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, value));
			else
				jsonpos_must_ok(cJSON_AddItemToObject(cur, seg, value));
			value = NULL;
			break;
		}
		if (!next) {
			next = jsonpos_must(cJSON_CreateObject());
			if (index >= 0)
				jsonpos_must_ok(cJSON_AddItemToArray(cur, next));
			else
				jsonpos_must_ok(cJSON_AddItemToObject(cur, seg, next));
			origin_add(o, sbuf_str(&norm), set_index);
		}
		cur = next;
		seg = dot + 1;
	}
	rc = 0;
done:
	cJSON_Delete(value);
	free(keys);
	free(path);
	sbuf_free(&norm);
	return rc;
}

/* ---- validation ---------------------------------------------------------- */

struct check {
	const char *file; /* as given; NULL: defaults only */
	const struct jsonpos *pos;
	char *const *sets;
	const struct origins *ov;
	char *err;
	size_t errlen;
	/* Validation goes on after an error and keeps the one a person should
	 * fix first: earliest in the file, then the first --set, then any. */
	bool failed;
	int rank_class; /* 0: file position, 1: override, 2: neither */
	long rank_a, rank_b;
};

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

static void fail(struct check *ck, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct check *ck, const char *path, const char *fmt, ...)
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
	for (size_t i = ck->ov->n; i-- > 0;) {
		if (path_within(path, ck->ov->v[i].path)) {
			set = (long)ck->ov->v[i].set;
			break;
		}
	}
	char *p = xstrdup(path);
	while (set < 0 && !kp) {
		kp = jsonpos_find(ck->pos, p);
		if (kp)
			break;
		for (size_t i = ck->ov->n; i-- > 0;) {
			if (path_within(ck->ov->v[i].path, p)) {
				set = (long)ck->ov->v[i].set;
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
	if (ck->failed &&
	    (ck->rank_class < cls ||
	     (ck->rank_class == cls && (ck->rank_a < a || (ck->rank_a == a && ck->rank_b <= b)))))
		return;
	ck->failed = true;
	ck->rank_class = cls;
	ck->rank_a = a;
	ck->rank_b = b;
	if (cls == 1)
		errf(ck->err, ck->errlen, "--set %s: %s: %s", ck->sets[set], path, msg);
	else if (cls == 0)
		errf(ck->err, ck->errlen, "%s:%d:%d: %s: %s", ck->file, kp->line, kp->col, path, msg);
	else if (ck->file)
		errf(ck->err, ck->errlen, "%s: %s: %s", ck->file, path, msg);
	else
		errf(ck->err, ck->errlen, "%s: %s", path, msg);
}

/* Who wrote the value at path, later writers higher: 0 a default, 1 the
 * file, 2 + i the i-th --set. */
static long writer(const struct check *ck, const char *path)
{
	for (size_t i = ck->ov->n; i-- > 0;)
		if (path_within(path, ck->ov->v[i].path))
			return 2 + (long)ck->ov->v[i].set;
	return jsonpos_find(ck->pos, path) ? 1 : 0;
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

/* A member named key of the object at path must be one of allowed: 0 when
 * it is, 1 after reporting it. */
static int check_key(struct check *ck, const char *path, const char *key, const char *const allowed[],
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, allowed[i]))
			return 0;
	char *child = path_child(path, key);
	const char *guess = closest_key(key, allowed, n);
	if (guess) {
		fail(ck, child, "unknown key (did you mean '%s'?)", guess);
	} else {
		char list[200];
		list_names(list, sizeof(list), allowed, n);
		fail(ck, child, "unknown key (allowed: %s)", list);
	}
	free(child);
	return 1;
}

/* How many members of obj are not in allowed (each one reported). */
static int check_keys(struct check *ck, const cJSON *obj, const char *path, const char *const allowed[],
		      size_t n)
{
	int unknown = 0;
	for (const cJSON *it = obj->child; it; it = it->next)
		unknown += check_key(ck, path, it->string, allowed, n);
	return unknown;
}

static const cJSON *get(struct check *ck, const cJSON *obj, const char *path, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it)
		fail(ck, path, "missing key '%s'", key);
	return it;
}

/* The object at obj.key, or NULL after reporting why not. */
static const cJSON *get_object(struct check *ck, const cJSON *obj, const char *path, const char *key,
			       char *child)
{
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (it && !cJSON_IsObject(it)) {
		fail(ck, child, "expected an object");
		return NULL;
	}
	return it;
}

static int get_bool(struct check *ck, const cJSON *obj, const char *path, const char *key, bool *out)
{
	char child[PATH_LEN];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	if (!cJSON_IsBool(it)) {
		fail(ck, child, "expected true or false");
		return -1;
	}
	*out = cJSON_IsTrue(it);
	return 0;
}

static int get_string(struct check *ck, const cJSON *obj, const char *path, const char *key, const char **out)
{
	char child[PATH_LEN];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	if (!cJSON_IsString(it)) {
		fail(ck, child, "expected a string");
		return -1;
	}
	*out = it->valuestring;
	return 0;
}

/* An integral number in [min, max]; max may be up to 2^53. */
static int get_integer(struct check *ck, const cJSON *obj, const char *path, const char *key, double min,
		       double max, double *out)
{
	char child[PATH_LEN];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	double v = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(v) || v != floor(v) || v < min || v > max) {
		if (max >= 9007199254740992.0 && min == 0)
			fail(ck, child, "expected an integer from 0 to 2^53");
		else if (max >= INT_MAX)
			fail(ck, child, "expected an integer >= %.0f", min);
		else
			fail(ck, child, "expected an integer from %.0f to %.0f", min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int get_int(struct check *ck, const cJSON *obj, const char *path, const char *key, int min, int max,
		   int *out)
{
	double v;
	if (get_integer(ck, obj, path, key, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* A number with min < v (or min <= v) and v <= max. */
static int get_number(struct check *ck, const cJSON *obj, const char *path, const char *key, double min,
		      bool min_inclusive, double max, const char *expect, double *out)
{
	char child[PATH_LEN];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	double v = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(v) || v < min || (!min_inclusive && v == min) || v > max) {
		fail(ck, child, "%s", expect);
		return -1;
	}
	*out = v;
	return 0;
}

enum dur_rule {
	DUR_POSITIVE, /* > 0 */
	DUR_NONNEG,   /* >= 0 */
	DUR_OPTIONAL, /* > 0, or "none" / null for none (0) */
};

static int get_duration(struct check *ck, const cJSON *obj, const char *path, const char *key,
			enum dur_rule rule, double *out)
{
	char child[PATH_LEN], perr[160];
	const char *range = rule == DUR_NONNEG	   ? "expected a duration >= 0"
			    : rule == DUR_OPTIONAL ? "expected a duration > 0, or \"none\""
						   : "expected a duration > 0";
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	if (rule == DUR_OPTIONAL &&
	    (cJSON_IsNull(it) || (cJSON_IsString(it) && !strcmp(it->valuestring, "none")))) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsString(it)) {
		fail(ck, child, "expected a duration string like \"250ms\"");
		return -1;
	}
	const char *s = it->valuestring;
	double ms;
	/* A sign or "none" is a range problem here, not a parse problem. */
	if (s[0] == '-' || !strcmp(s, "none")) {
		fail(ck, child, "%s", range);
		return -1;
	}
	if (duration_parse_ms(s, &ms, perr, sizeof(perr)) < 0) {
		fail(ck, child, "%s", perr);
		return -1;
	}
	if (!isfinite(ms) || ms < 0 || (rule != DUR_NONNEG && ms == 0)) {
		fail(ck, child, "%s", range);
		return -1;
	}
	*out = ms;
	return 0;
}

static int get_enum(struct check *ck, const cJSON *obj, const char *path, const char *key,
		    const char *const names[], size_t n, int *out)
{
	char child[PATH_LEN], list[160];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	if (!it)
		return -1;
	for (size_t i = 0; cJSON_IsString(it) && i < n; i++) {
		if (!strcmp(it->valuestring, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	list_names(list, sizeof(list), names, n);
	if (cJSON_IsString(it))
		fail(ck, child, "expected one of %s (got \"%.40s\")", list, it->valuestring);
	else
		fail(ck, child, "expected one of %s", list);
	return -1;
}

static int get_retry_on(struct check *ck, const cJSON *obj, const char *path, const char *key, unsigned *out)
{
	char child[PATH_LEN], elem[PATH_LEN + 16], list[80];
	join(child, path, key);
	const cJSON *it = get(ck, obj, path, key);
	unsigned bits = 0;
	int rc = 0, i = 0;

	list_names(list, sizeof(list), retry_on_names, ARRAY_LEN(retry_on_names));
	if (!it)
		return -1;
	if (!cJSON_IsArray(it)) {
		fail(ck, child, "expected an array of %s", list);
		return -1;
	}
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		snprintf(elem, sizeof(elem), "%s[%d]", child, i);
		size_t k = 0;
		while (cJSON_IsString(e) && k < ARRAY_LEN(retry_on_names) &&
		       strcmp(e->valuestring, retry_on_names[k]))
			k++;
		if (!cJSON_IsString(e) || k == ARRAY_LEN(retry_on_names)) {
			fail(ck, elem, "expected one of %s", list);
			rc = -1;
		} else if (bits & retry_on_bits[k]) {
			fail(ck, elem, "\"%s\" is listed twice", retry_on_names[k]);
			rc = -1;
		} else {
			bits |= retry_on_bits[k];
		}
	}
	if (rc == 0)
		*out = bits;
	return rc;
}

static void check_backoff(struct check *ck, const cJSON *obj, const char *path, const char *key,
			  struct retry_policy *rp)
{
	static const char *const keys[] = {"base", "cap", "jitter"};
	const char *jitters[] = {jitter_name(JITTER_NONE), jitter_name(JITTER_FULL),
				 jitter_name(JITTER_EQUAL), jitter_name(JITTER_DECORRELATED)};
	char bp[PATH_LEN], base_path[PATH_LEN], cap_path[PATH_LEN];
	const cJSON *b = get_object(ck, obj, path, key, bp);
	int jitter;

	if (!b)
		return;
	check_keys(ck, b, bp, keys, ARRAY_LEN(keys));
	int ok_base = get_duration(ck, b, bp, "base", DUR_POSITIVE, &rp->base_ms);
	int ok_cap = get_duration(ck, b, bp, "cap", DUR_POSITIVE, &rp->cap_ms);
	if (ok_base == 0 && ok_cap == 0 && rp->cap_ms < rp->base_ms) {
		join(base_path, bp, "base");
		join(cap_path, bp, "cap");
		/* Point at whichever of the two was written last. */
		if (writer(ck, cap_path) >= writer(ck, base_path))
			fail(ck, cap_path, "must be >= base (%s)",
			     cJSON_GetObjectItemCaseSensitive(b, "base")->valuestring);
		else
			fail(ck, base_path, "must be <= cap (%s)",
			     cJSON_GetObjectItemCaseSensitive(b, "cap")->valuestring);
	}
	/* jitter_from_name is the authority on names; the list is for the message. */
	char jp[PATH_LEN], list[80];
	const char *jname;
	join(jp, bp, "jitter");
	if (get_string(ck, b, bp, "jitter", &jname) == 0) {
		jitter = jitter_from_name(jname);
		if (jitter < 0) {
			list_names(list, sizeof(list), jitters, ARRAY_LEN(jitters));
			fail(ck, jp, "expected one of %s (got \"%.40s\")", list, jname);
		} else {
			rp->jitter = (enum jitter)jitter;
		}
	}
}

static void check_tier(struct check *ck, const cJSON *tiers, enum tier_id t, struct tier_cfg *tc)
{
	static const char *const keys[] = {
	    "timeout", "propagate_deadline", "propagate_cancel", "max_inflight",
	    "retries", "attempt_timeout",    "retry_on",	 "backoff"};
	char tp[PATH_LEN];
	const cJSON *obj = get_object(ck, tiers, "tiers", tier_names[t], tp);

	if (!obj)
		return;
	check_keys(ck, obj, tp, keys, ARRAY_LEN(keys));
	get_duration(ck, obj, tp, "timeout", DUR_OPTIONAL, &tc->timeout_ms);
	get_bool(ck, obj, tp, "propagate_deadline", &tc->propagate_deadline);
	get_bool(ck, obj, tp, "propagate_cancel", &tc->propagate_cancel);
	get_int(ck, obj, tp, "max_inflight", 0, INT_MAX, &tc->max_inflight);
	get_int(ck, obj, tp, "retries", 0, 10, &tc->retry.retries);
	get_duration(ck, obj, tp, "attempt_timeout", DUR_OPTIONAL, &tc->retry.attempt_timeout_ms);
	get_retry_on(ck, obj, tp, "retry_on", &tc->retry.retry_on);
	check_backoff(ck, obj, tp, "backoff", &tc->retry);
}

/* A two-parameter dist whose second must not be below its first. */
static void check_dist_order(struct check *ck, const cJSON *st, const char *sp, const char *lo,
			     const char *hi, const struct dist *d)
{
	char lo_path[PATH_LEN], hi_path[PATH_LEN];
	if (d->b_ms >= d->a_ms)
		return;
	join(lo_path, sp, lo);
	join(hi_path, sp, hi);
	if (writer(ck, hi_path) >= writer(ck, lo_path))
		fail(ck, hi_path, "must be >= %s (%s)", lo,
		     cJSON_GetObjectItemCaseSensitive(st, lo)->valuestring);
	else
		fail(ck, lo_path, "must be <= %s (%s)", hi,
		     cJSON_GetObjectItemCaseSensitive(st, hi)->valuestring);
}

static void check_service_time(struct check *ck, const cJSON *db, const char *dp, struct dist *d)
{
	/* Per dist: "dist", then the keys of a_ms and b_ms. */
	static const char *const dist_keys[][3] = {{"dist", "value", NULL},
						   {"dist", "min", "max"},
						   {"dist", "mean", NULL},
						   {"dist", "median", "p99"}};
	char sp[PATH_LEN];
	const cJSON *st = get_object(ck, db, dp, "service_time", sp);
	int kind;

	if (!st || get_enum(ck, st, sp, "dist", dist_names, ARRAY_LEN(dist_names), &kind) < 0)
		return;
	d->kind = (enum dist_kind)kind;
	const char *const *keys = dist_keys[kind];
	size_t nkeys = keys[2] ? 3 : 2;
	/* A misspelt parameter would also be missing: report the spelling. */
	if (check_keys(ck, st, sp, keys, nkeys) > 0)
		return;
	for (size_t k = 1; k < nkeys; k++) {
		if (!cJSON_GetObjectItemCaseSensitive(st, keys[k])) {
			fail(ck, sp, "missing key '%s' (dist %s needs it)", keys[k], dist_names[kind]);
			return;
		}
	}
	int ok = get_duration(ck, st, sp, keys[1], DUR_POSITIVE, &d->a_ms);
	d->b_ms = 0;
	if (nkeys == 3 && get_duration(ck, st, sp, keys[2], DUR_POSITIVE, &d->b_ms) == 0 && ok == 0)
		check_dist_order(ck, st, sp, keys[1], keys[2], d);
}

static void check_db(struct check *ck, const cJSON *tiers, struct db_cfg *db)
{
	static const char *const keys[] = {"workers",		"queue_limit",	  "service_time",
					   "statement_timeout", "honor_deadline", "honor_cancel",
					   "check_interval"};
	char dp[PATH_LEN];
	const cJSON *obj = get_object(ck, tiers, "tiers", "dbsim", dp);

	if (!obj)
		return;
	check_keys(ck, obj, dp, keys, ARRAY_LEN(keys));
	get_int(ck, obj, dp, "workers", 1, INT_MAX, &db->workers);
	get_int(ck, obj, dp, "queue_limit", 0, INT_MAX, &db->queue_limit);
	check_service_time(ck, obj, dp, &db->service_time);
	get_duration(ck, obj, dp, "statement_timeout", DUR_OPTIONAL, &db->statement_timeout_ms);
	get_bool(ck, obj, dp, "honor_deadline", &db->honor_deadline);
	get_bool(ck, obj, dp, "honor_cancel", &db->honor_cancel);
	get_duration(ck, obj, dp, "check_interval", DUR_POSITIVE, &db->check_interval_ms);
}

static void check_load(struct check *ck, const cJSON *doc, struct load_cfg *load)
{
	static const char *const keys[] = {
	    "arrival",	      "rate",		"duration",	   "client_timeout",
	    "client_retries", "client_backoff", "client_retry_on", "max_outstanding",
	    "drain"};
	char lp[PATH_LEN];
	const cJSON *obj = get_object(ck, doc, "", "load", lp);
	int arrival;

	if (!obj)
		return;
	check_keys(ck, obj, lp, keys, ARRAY_LEN(keys));
	if (get_enum(ck, obj, lp, "arrival", arrival_names, ARRAY_LEN(arrival_names), &arrival) == 0)
		load->arrival = (enum arrival_kind)arrival;
	get_number(ck, obj, lp, "rate", 0, false, INFINITY, "expected a number > 0", &load->rate_rps);
	get_duration(ck, obj, lp, "duration", DUR_POSITIVE, &load->duration_ms);
	if (get_duration(ck, obj, lp, "client_timeout", DUR_POSITIVE, &load->client_timeout_ms) == 0)
		load->client_retry.attempt_timeout_ms = load->client_timeout_ms;
	get_int(ck, obj, lp, "client_retries", 0, 10, &load->client_retry.retries);
	check_backoff(ck, obj, lp, "client_backoff", &load->client_retry);
	get_retry_on(ck, obj, lp, "client_retry_on", &load->client_retry.retry_on);
	get_int(ck, obj, lp, "max_outstanding", 0, INT_MAX, &load->max_outstanding);
	get_duration(ck, obj, lp, "drain", DUR_NONNEG, &load->drain_ms);
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

static void check_deadline(struct check *ck, const cJSON *doc, struct deadline_cfg *dl)
{
	static const char *const keys[] = {"header", "margin"};
	char dp[PATH_LEN], hp[PATH_LEN];
	const cJSON *obj = get_object(ck, doc, "", "deadline", dp);
	const char *header;

	if (!obj)
		return;
	check_keys(ck, obj, dp, keys, ARRAY_LEN(keys));
	join(hp, dp, "header");
	if (get_string(ck, obj, dp, "header", &header) == 0) {
		if (!is_http_token(header) || strlen(header) >= sizeof(dl->header)) {
			fail(ck, hp,
			     "expected a header name (an HTTP token of up to %zu characters, like "
			     "\"grpc-timeout\")",
			     sizeof(dl->header) - 1);
		} else {
			/* Header names are case-insensitive; the tiers compare lowercase. */
			size_t i = 0;
			for (; header[i]; i++)
				dl->header[i] =
				    (char)(header[i] >= 'A' && header[i] <= 'Z' ? header[i] - 'A' + 'a'
										: header[i]);
			dl->header[i] = '\0';
		}
	}
	get_duration(ck, obj, dp, "margin", DUR_NONNEG, &dl->margin_ms);
}

/* The index of obj.key's string value in names, or -1; reports nothing. */
static int peek_enum(const cJSON *obj, const char *key, const char *const names[], size_t n)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	for (size_t i = 0; cJSON_IsString(it) && i < n; i++)
		if (!strcmp(it->valuestring, names[i]))
			return (int)i;
	return -1;
}

static void check_fault(struct check *ck, const cJSON *it, const char *fp, struct fault *f)
{
	static const char *const base_keys[] = {"tier", "kind", "start", "end", "duration"};
	const char *keys[ARRAY_LEN(base_keys) + ARRAY_LEN(fault_value_keys)];
	size_t nkeys = 0;
	int tier = -1, kind, unknown = 0;
	char path[PATH_LEN];

	if (!cJSON_IsObject(it)) {
		fail(ck, fp,
		     "expected an object like {\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"10s\", "
		     "\"duration\": \"5s\"}");
		return;
	}
	/* Keys: the common ones plus the kind's value key (every value key
	 * while the kind is unknown, so that only the kind is reported). */
	kind = peek_enum(it, "kind", fault_kind_names, ARRAY_LEN(fault_kind_names));
	for (size_t i = 0; i < ARRAY_LEN(base_keys); i++)
		keys[nkeys++] = base_keys[i];
	for (size_t k = 0; k < ARRAY_LEN(fault_value_keys); k++)
		if (fault_value_keys[k] && (kind < 0 || (int)k == kind))
			keys[nkeys++] = fault_value_keys[k];
	for (const cJSON *m = it->child; m; m = m->next) {
		bool other_value = false;
		for (size_t k = 0; k < ARRAY_LEN(fault_value_keys) && kind >= 0; k++)
			if (fault_value_keys[k] && (int)k != kind && !strcmp(m->string, fault_value_keys[k]))
				other_value = true;
		if (!other_value) {
			unknown += check_key(ck, fp, m->string, keys, nkeys);
			continue;
		}
		unknown++;
		join(path, fp, m->string);
		if (fault_value_keys[kind])
			fail(ck, path, "not used by kind %s (it takes '%s')", fault_kind_names[kind],
			     fault_value_keys[kind]);
		else
			fail(ck, path, "not used by kind %s (it takes no value)", fault_kind_names[kind]);
	}
	/* A misspelt key would also be reported missing; the spelling is what
	 * to fix, so missing keys are only news in an object without typos. */
	bool loud = unknown == 0;
#define HAS(key)                                                                                             \
	(cJSON_GetObjectItemCaseSensitive(it, key) || (loud && (fail(ck, fp, "missing key '%s'", key), 0)))

	if (HAS("tier"))
		get_enum(ck, it, fp, "tier", tier_names, TIER_COUNT, &tier);
	if (HAS("kind"))
		get_enum(ck, it, fp, "kind", fault_kind_names, ARRAY_LEN(fault_kind_names), &kind);
	if (tier >= 0 && kind >= 0) {
		f->tier = (enum tier_id)tier;
		f->kind = (enum fault_kind)kind;
		if (kind == FAULT_SLOWDOWN && tier != TIER_DBSIM) {
			join(path, fp, "kind");
			fail(ck, path, "slowdown applies to dbsim's service time; use latency for a tier");
		}
	}

	int ok_start = HAS("start") ? get_duration(ck, it, fp, "start", DUR_NONNEG, &f->start_ms) : -1;
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(it, "end");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(it, "duration");
	if (end && dur) {
		/* Blame the one written second. */
		const char *second = "duration";
		for (const cJSON *m = it->child; m; m = m->next) {
			if (m == end || m == dur) {
				second = m == end ? "duration" : "end";
				break;
			}
		}
		join(path, fp, second);
		fail(ck, path, "give either end or duration, not both");
	} else if (!end && !dur) {
		if (loud)
			fail(ck, fp, "missing key 'end' or 'duration'");
	} else if (end) {
		double end_ms;
		if (get_duration(ck, it, fp, "end", DUR_NONNEG, &end_ms) == 0 && ok_start == 0) {
			f->end_ms = end_ms;
			if (end_ms <= f->start_ms) {
				join(path, fp, "end");
				fail(ck, path, "must be after start (%s)",
				     cJSON_GetObjectItemCaseSensitive(it, "start")->valuestring);
			}
		}
	} else {
		double dur_ms;
		if (get_duration(ck, it, fp, "duration", DUR_POSITIVE, &dur_ms) == 0 && ok_start == 0) {
			f->end_ms = f->start_ms + dur_ms;
			/* Next to a start 2^53 times longer, the sum rounds back
			 * to start: a window that is never active. */
			if (f->end_ms <= f->start_ms) {
				join(path, fp, "duration");
				fail(ck, path, "too short to count after start (%s)",
				     cJSON_GetObjectItemCaseSensitive(it, "start")->valuestring);
			}
		}
	}

	if (kind < 0)
		return;
	const char *value_key = fault_value_keys[kind];
	if (value_key && !cJSON_GetObjectItemCaseSensitive(it, value_key)) {
		if (loud)
			fail(ck, fp, "missing key '%s' (kind %s needs it)", value_key,
			     fault_kind_names[kind]);
		return;
	}
#undef HAS
	switch ((enum fault_kind)kind) {
	case FAULT_SLOWDOWN:
		get_number(ck, it, fp, "factor", 0, false, INFINITY, "expected a number > 0", &f->value);
		break;
	case FAULT_LATENCY:
		get_duration(ck, it, fp, "latency", DUR_POSITIVE, &f->value);
		break;
	case FAULT_ERRORS:
		get_number(ck, it, fp, "fraction", 0, false, 1, "expected a number > 0 and <= 1", &f->value);
		break;
	case FAULT_STALL:
		f->value = 0;
		break;
	case FAULT_CAPACITY: {
		/* On a forwarder capacity stands in for max_inflight, where 0
		 * means unlimited: a 0 there would quietly do nothing. */
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "capacity");
		int cap;
		if (tier >= 0 && tier != TIER_DBSIM && cJSON_IsNumber(v) && v->valuedouble == 0) {
			join(path, fp, "capacity");
			fail(ck, path,
			     "must be >= 1 on a forwarding tier (0 is max_inflight's unlimited); "
			     "use stall or errors to take %s down",
			     tier_names[tier]);
		} else if (get_int(ck, it, fp, "capacity", 0, INT_MAX, &cap) == 0) {
			f->value = cap;
		}
		break;
	}
	}
}

static void check_faults(struct check *ck, const cJSON *doc, struct scenario *sc)
{
	const cJSON *arr = get(ck, doc, "", "faults");
	char fp[PATH_LEN];
	size_t i = 0;

	if (!arr)
		return;
	if (!cJSON_IsArray(arr)) {
		fail(ck, "faults", "expected an array of fault objects");
		return;
	}
	sc->nfaults = (size_t)cJSON_GetArraySize(arr);
	sc->faults = xcalloc(sc->nfaults ? sc->nfaults : 1, sizeof(*sc->faults));
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		snprintf(fp, sizeof(fp), "faults[%zu]", i);
		check_fault(ck, it, fp, &sc->faults[i]);
	}
}

static void check_document(struct check *ck, const cJSON *doc, struct scenario *sc)
{
	static const char *const keys[] = {"name", "description", "seed",  "time_scale",
					   "load", "deadline",	  "tiers", "faults"};
	static const char *const tier_keys[] = {"gateway", "svc_a", "svc_b", "dbsim"};
	const char *s;
	double seed;
	char tp[PATH_LEN];

	check_keys(ck, doc, "", keys, ARRAY_LEN(keys));
	if (get_string(ck, doc, "", "name", &s) == 0)
		sc->name = xstrdup(s);
	if (get_string(ck, doc, "", "description", &s) == 0)
		sc->description = xstrdup(s);
	if (get_integer(ck, doc, "", "seed", 0, 9007199254740992.0, &seed) == 0)
		sc->seed = (uint64_t)seed;
	get_number(ck, doc, "", "time_scale", 0, false, 100, "expected a number > 0 and <= 100",
		   &sc->time_scale);
	check_load(ck, doc, &sc->load);
	check_deadline(ck, doc, &sc->deadline);
	const cJSON *tiers = get_object(ck, doc, "", "tiers", tp);
	if (tiers) {
		check_keys(ck, tiers, tp, tier_keys, ARRAY_LEN(tier_keys));
		for (int t = 0; t < TIER_FORWARDERS; t++)
			check_tier(ck, tiers, (enum tier_id)t, &sc->tiers[t]);
		check_db(ck, tiers, &sc->db);
	}
	check_faults(ck, doc, sc);
}

/* ---- loading ------------------------------------------------------------- */

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

static void free_fields(struct scenario *sc)
{
	free(sc->name);
	free(sc->description);
	free(sc->faults);
	cJSON_Delete(sc->resolved);
	memset(sc, 0, sizeof(*sc));
}

/* Defaults, then the text (NULL: none) known as name, then the sets. */
static int load(struct scenario *sc, const char *name, const char *text, size_t len, char *const *sets,
		size_t nsets, char *err, size_t errlen)
{
	struct jsonpos pos = {0};
	struct origins ov = {0};
	cJSON *doc = NULL;
	int rc = -1;

	memset(sc, 0, sizeof(*sc));
	doc = jsonpos_must(cJSON_Parse(DEFAULTS_JSON));
	if (text) {
		cJSON *file = parse_text(name, text, len, &pos, err, errlen);
		if (!file)
			goto done;
		merge_into(doc, file, "", NULL, 0);
	}
	for (size_t i = 0; i < nsets; i++)
		if (apply_set(doc, sets[i], i, &ov, err, errlen) < 0)
			goto done;

	struct check ck = {
	    .file = text ? name : NULL, .pos = &pos, .sets = sets, .ov = &ov, .err = err, .errlen = errlen};
	check_document(&ck, doc, sc);
	if (ck.failed) {
		free_fields(sc);
		goto done;
	}
	sc->resolved = doc;
	doc = NULL;
	rc = 0;
done:
	cJSON_Delete(doc);
	jsonpos_free(&pos);
	origins_free(&ov);
	return rc;
}

int scenario_load(struct scenario *sc, const char *path, char *const *sets, size_t nsets, char *err,
		  size_t errlen)
{
	char *text = NULL;
	size_t len = 0;

	memset(sc, 0, sizeof(*sc));
	if (path && read_file(path, &text, &len, err, errlen) < 0)
		return -1;
	int rc = load(sc, path, text, len, sets, nsets, err, errlen);
	free(text);
	return rc;
}

int scenario_load_text(struct scenario *sc, const char *name, const char *text, size_t len, char *const *sets,
		       size_t nsets, char *err, size_t errlen)
{
	return load(sc, name ? name : "(text)", text ? text : "", text ? len : 0, sets, nsets, err, errlen);
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
