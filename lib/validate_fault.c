/* validate_fault: the rules of one element of "faults" that its table rows
 * cannot say: the kind decides which value key it takes (the rows marked
 * "when"), end and duration exclude each other, end comes after start,
 * slowdown is dbsim's, capacity 0 means nothing on a forwarding tier, and
 * cache_flush is an instant at a forwarding tier. */
#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "validate.h"

#define PATH_LEN 128

/* The member row of elem named name. */
static const struct schema_key *member(const struct schema_key *elem, const char *name)
{
	for (const struct schema_key *c = schema_next_child(elem, NULL); c; c = schema_next_child(elem, c))
		if (!strcmp(schema_name(c), name))
			return c;
	return NULL;
}

/* The value key of kind (an index into the kind row's names); NULL: none. */
static const struct schema_key *value_key(const struct schema_key *elem, const struct schema_key *kinds,
					  int kind)
{
	for (const struct schema_key *c = schema_next_child(elem, NULL); c; c = schema_next_child(elem, c))
		if (c->when && !strcmp(c->when, kinds->names[kind]))
			return c;
	return NULL;
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

static void join(char *out, const char *parent, const char *key)
{
	snprintf(out, PATH_LEN, "%.60s.%.60s", parent, key);
}

void validate_fault(struct validation *v, const struct schema_key *elem, const cJSON *it, const char *fp,
		    void *field)
{
	struct fault *f = field;
	const struct schema_key *tiers = member(elem, "tier"), *kinds = member(elem, "kind");
	const char *allowed[16];
	size_t nallowed = 0;
	int tier = -1, kind, unknown = 0;
	char path[PATH_LEN];

	if (!cJSON_IsObject(it)) {
		validate_fail(v, fp,
			      "expected an object like {\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": "
			      "\"10s\", \"duration\": \"5s\"}");
		return;
	}
	/* Keys: the common ones plus the kind's value key (every value key
	 * while the kind is unknown, so that only the kind is reported). */
	kind = peek_enum(it, "kind", kinds->names, kinds->nnames);
	for (const struct schema_key *c = schema_next_child(elem, NULL); c; c = schema_next_child(elem, c))
		if ((!c->when || kind < 0 || !strcmp(c->when, kinds->names[kind])) &&
		    nallowed < ARRAY_LEN(allowed))
			allowed[nallowed++] = schema_name(c);
	const struct schema_key *vk = kind >= 0 ? value_key(elem, kinds, kind) : NULL;
	for (const cJSON *m = it->child; m; m = m->next) {
		const struct schema_key *c = member(elem, m->string);
		if (!c || !c->when || kind < 0 || c == vk) {
			unknown += validate_key_known(v, fp, m->string, allowed, nallowed);
			continue;
		}
		unknown++;
		join(path, fp, m->string);
		if (vk)
			validate_fail(v, path, "not used by kind %s (it takes '%s')", kinds->names[kind],
				      schema_name(vk));
		else
			validate_fail(v, path, "not used by kind %s (it takes no value)", kinds->names[kind]);
	}
	/* A misspelt key would also be reported missing; the spelling is what
	 * to fix, so missing keys are only news in an object without typos. */
	bool loud = unknown == 0;
#define HAS(key)                                                                                             \
	(cJSON_GetObjectItemCaseSensitive(it, key) ||                                                        \
	 (loud && (validate_fail(v, fp, "missing key '%s'", key), 0)))
#define CHECK(row, field, num)                                                                               \
	(join(path, fp, schema_name(row)),                                                                   \
	 validate_value(v, row, cJSON_GetObjectItemCaseSensitive(it, schema_name(row)), path, field, num))

	if (HAS("tier"))
		CHECK(tiers, &tier, NULL);
	if (HAS("kind"))
		CHECK(kinds, &kind, NULL);
	if (tier >= 0 && kind >= 0) {
		f->tier = (enum tier_id)tier;
		f->kind = (enum fault_kind)kind;
		if (kind == FAULT_SLOWDOWN && tier != TIER_DBSIM) {
			join(path, fp, "kind");
			validate_fail(v, path,
				      "slowdown applies to dbsim's service time; use latency for a tier");
		}
		if (kind == FAULT_CACHE_FLUSH && tier == TIER_DBSIM) {
			join(path, fp, "kind");
			validate_fail(v, path, "cache_flush empties a forwarding tier's cache; dbsim has none");
		}
	}

	const struct schema_key *start_key = member(elem, "start");
	int ok_start = HAS("start") ? CHECK(start_key, &f->start_ms, NULL) : -1;
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(it, "end");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(it, "duration");
	double ms;
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
		validate_fail(v, path, "give either end or duration, not both");
	} else if (kind == FAULT_CACHE_FLUSH) {
		/* an instant: it acts at start and lasts no time */
		if (end || dur) {
			join(path, fp, end ? "end" : "duration");
			validate_fail(v, path, "cache_flush happens at an instant: give start only");
		} else if (ok_start == 0) {
			f->end_ms = f->start_ms;
		}
	} else if (!end && !dur) {
		if (loud)
			validate_fail(v, fp, "missing key 'end' or 'duration'");
	} else if (end) {
		if (CHECK(member(elem, "end"), NULL, &ms) == 0 && ok_start == 0) {
			f->end_ms = ms;
			if (ms <= f->start_ms) {
				join(path, fp, "end");
				validate_fail(v, path, "must be after start (%s)",
					      cJSON_GetObjectItemCaseSensitive(it, "start")->valuestring);
			}
		}
	} else {
		if (CHECK(member(elem, "duration"), NULL, &ms) == 0 && ok_start == 0) {
			f->end_ms = f->start_ms + ms;
			/* Next to a start 2^53 times longer, the sum rounds back
			 * to start: a window that is never active. */
			if (f->end_ms <= f->start_ms) {
				join(path, fp, "duration");
				validate_fail(v, path, "too short to count after start (%s)",
					      cJSON_GetObjectItemCaseSensitive(it, "start")->valuestring);
			}
		}
	}

	if (kind < 0)
		return;
	if (!vk) {
		f->value = 0;
		return;
	}
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(it, schema_name(vk));
	if (!value) {
		if (loud)
			validate_fail(v, fp, "missing key '%s' (kind %s needs it)", schema_name(vk),
				      kinds->names[kind]);
		return;
	}
	/* On a forwarder capacity stands in for max_inflight, where 0 means
	 * unlimited: a 0 there would quietly do nothing. */
	if (kind == FAULT_CAPACITY && tier >= 0 && tier != TIER_DBSIM && cJSON_IsNumber(value) &&
	    value->valuedouble == 0) {
		join(path, fp, "capacity");
		validate_fail(
		    v, path,
		    "must be >= 1 on a forwarding tier (0 is max_inflight's unlimited); use stall or "
		    "errors to take %s down",
		    tier_name((enum tier_id)tier));
		return;
	}
	CHECK(vk, NULL, &f->value);
#undef HAS
#undef CHECK
}
