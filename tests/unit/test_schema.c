/* Unit tests for the schema table: it is well formed, the defaults document
 * holds every key and each default is valid on its own, every object
 * suggests the key a typo meant, and every key names itself when given a
 * value of the wrong type. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "util.h"

static bool is_each(const struct schema_key *k)
{
	return !strcmp(schema_name(k), "*");
}

/* Whether k sits in a list element (faults[*].kind): it has no default. */
static bool in_element(const struct schema_key *k)
{
	return strstr(k->path, "[*]") != NULL;
}

/* The concrete paths of k: "tiers.*.retries" gives tiers.gateway.retries,
 * tiers.svc_a.retries, tiers.svc_b.retries.  At most max; returns how many. */
static size_t concrete_paths(const struct schema_key *k, char out[][128], size_t max)
{
	const struct schema_key *each = NULL;
	for (const struct schema_key *p = k; p && !each; p = schema_parent(p))
		if (is_each(p))
			each = p;
	if (!each) {
		snprintf(out[0], 128, "%s", k->path);
		return 1;
	}
	size_t prefix = strlen(each->path) - 1, n = 0;
	for (size_t i = 0; i < each->nnames && n < max; i++, n++)
		snprintf(out[n], 128, "%.*s%s%s", (int)prefix, k->path, each->names[i], k->path + prefix + 1);
	return n;
}

/* The member at a dotted path of doc, or NULL. */
static const cJSON *lookup(const cJSON *doc, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	const cJSON *it = doc;
	for (char *seg = strtok_r(copy, ".", &save); seg && it; seg = strtok_r(NULL, ".", &save))
		it = cJSON_GetObjectItemCaseSensitive(it, seg);
	free(copy);
	return it;
}

static const struct schema_key *sibling(const struct schema_key *k, const char *name)
{
	const struct schema_key *parent = schema_parent(k);
	for (const struct schema_key *c = schema_next_child(parent, NULL); c;
	     c = schema_next_child(parent, c))
		if (!strcmp(schema_name(c), name))
			return c;
	return NULL;
}

Test(schema, the_table_is_well_formed)
{
	size_t n = schema_count();
	cr_assert_gt(n, 40);
	cr_assert_null(schema_key(n));
	for (size_t i = 0; i < n; i++) {
		const struct schema_key *k = schema_key(i);
		cr_assert(k->doc && *k->doc, "%s: no doc", k->path);
		/* Parents come first, so one pass in order builds the defaults. */
		const struct schema_key *parent = schema_parent(k);
		if (strchr(k->path, '.') || strchr(k->path, '['))
			cr_assert(parent && parent < k, "%s: parent missing or after it", k->path);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(schema_key(j)->path, k->path, "%s twice", k->path);
		/* ... and a row's members and theirs follow it without a gap
		 * (schema_next_child relies on it). */
		bool inside = true;
		for (size_t j = i + 1; j < n; j++) {
			const char *p = schema_key(j)->path;
			size_t len = strlen(k->path);
			bool below = !strncmp(p, k->path, len) && (p[len] == '.' || p[len] == '[');
			cr_assert(inside || !below, "%s: %s is apart from the rows below it", k->path, p);
			inside &= below;
		}
		cr_assert_eq(schema_find(k->path), k, "%s: schema_find", k->path);
		if (is_each(k))
			cr_assert(k->nnames > 0 && k->stride > 0, "%s: instances", k->path);
		if (!strcmp(schema_name(k), "[*]"))
			cr_assert(parent->type == SCHEMA_LIST && k->stride > 0, "%s", k->path);
		if (k->type == SCHEMA_LIST)
			cr_assert_not_null(schema_next_child(k, NULL), "%s: no element row", k->path);
		if (k->type == SCHEMA_ENUM || k->type == SCHEMA_ENUM_LIST)
			cr_assert(k->names && k->nnames > 0, "%s: no names", k->path);
		if (k->def_each) {
			const struct schema_key *each = parent;
			while (each && !is_each(each))
				each = schema_parent(each);
			cr_assert_not_null(each, "%s: per-instance defaults outside a \"*\" row", k->path);
		}
		/* The rules that name other keys name real ones. */
		if (k->not_below)
			cr_assert_not_null(sibling(k, k->not_below), "%s: not_below %s", k->path,
					   k->not_below);
		if (k->alt)
			cr_assert_not_null(sibling(k, k->alt), "%s: alt %s", k->path, k->alt);
		if (k->when) {
			const struct schema_key *sel = NULL;
			for (const struct schema_key *c = schema_next_child(parent, NULL); c;
			     c = schema_next_child(parent, c))
				if (c->flags & SCHEMA_SELECTOR)
					sel = c;
			cr_assert_not_null(sel, "%s: when without a selector", k->path);
			bool known = false;
			for (size_t j = 0; j < sel->nnames; j++)
				known |= !strcmp(sel->names[j], k->when);
			cr_assert(known, "%s: when \"%s\" is not a %s", k->path, k->when, sel->path);
		}
		if (k->name_docs)
			for (size_t j = 0; j < k->nnames; j++)
				cr_assert(k->name_docs[j] && *k->name_docs[j], "%s: no doc for %s", k->path,
					  k->names[j]);
	}
}

/* The names the other modules act on are the ones the schema accepts. */
Test(schema, names_agree_with_the_enums)
{
	const struct schema_key *retry_on = schema_find("tiers.*.retry_on");
	cr_assert_str_eq(retry_on->names[0], "timeout");
	cr_assert_eq(RETRY_ON_TIMEOUT, 1u << 0);
	cr_assert_str_eq(retry_on->names[1], "5xx");
	cr_assert_eq(RETRY_ON_5XX, 1u << 1);
	cr_assert_str_eq(retry_on->names[2], "connect_error");
	cr_assert_eq(RETRY_ON_CONNECT_ERROR, 1u << 2);
	const struct schema_key *jitter = schema_find("load.client_backoff.jitter");
	for (size_t i = 0; i < jitter->nnames; i++)
		cr_assert_eq(jitter_from_name(jitter->names[i]), (int)i);
	const struct schema_key *tier = schema_find("faults[*].tier");
	cr_assert_eq(tier->nnames, TIER_COUNT);
	for (size_t i = 0; i < tier->nnames; i++)
		cr_assert_eq(tier_from_name(tier->names[i]), (int)i);
	const struct schema_key *kind = schema_find("faults[*].kind");
	for (size_t i = 0; i < kind->nnames; i++)
		cr_assert_str_eq(fault_kind_name((enum fault_kind)i), kind->names[i]);
	cr_assert_eq(schema_ndists, 4);
	cr_assert_str_eq(schema_dists[DIST_LOGNORMAL].name, "lognormal");
	cr_assert_eq(schema_find("load.arrival")->nnames, 2);
	cr_assert_str_eq(schema_find("load.arrival")->names[ARRIVAL_POISSON], "poisson");
}

Test(schema, find_takes_concrete_paths)
{
	cr_assert_str_eq(schema_find("tiers.svc_b.backoff.cap")->path, "tiers.*.backoff.cap");
	cr_assert_str_eq(schema_find("tiers.gateway")->path, "tiers.*");
	cr_assert_str_eq(schema_find("faults[12].kind")->path, "faults[*].kind");
	cr_assert_str_eq(schema_find("faults[0]")->path, "faults[*]");
	cr_assert_str_eq(schema_find("network.hop_latency")->path, "network.hop_latency");
	cr_assert_null(schema_find("tiers.dbsim.retries"), "dbsim is not a forwarding tier");
	cr_assert_null(schema_find("tiers.svc_c.retries"));
	cr_assert_null(schema_find("faults[x].kind"));
	cr_assert_null(schema_find("faults[1"));
	cr_assert_null(schema_find("load.rate.x"));
	cr_assert_null(schema_find(""));
	cr_assert_null(schema_find(NULL));
	cr_assert_str_eq(schema_name(schema_find("faults[3]")), "[*]");
	cr_assert_null(schema_parent(schema_find("seed")));
}

/* Members of obj at path and below, each one a key of the table; the
 * members of a distribution are its own (schema_dists), not rows. */
static size_t count_members(const cJSON *obj, const char *path)
{
	size_t n = 0;
	for (const cJSON *m = obj->child; m; m = m->next, n++) {
		char *child = xasprintf("%s%s%s", path, *path ? "." : "", m->string);
		const struct schema_key *k = schema_find(child);
		cr_assert_not_null(k, "%s is in the defaults but not in the table", child);
		if (k->type == SCHEMA_OBJECT)
			n += count_members(m, child);
		free(child);
	}
	return n;
}

/* --print-scenario shows every key a run uses: the defaults hold them all,
 * and nothing else. */
Test(schema, every_key_is_in_the_defaults)
{
	char err[ERR_LEN] = "", paths[8][128];
	struct scenario sc;
	cr_assert_eq(scenario_load(&sc, NULL, NULL, 0, err, sizeof(err)), 0, "%s", err);
	size_t keys = 0;
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema_key *k = schema_key(i);
		if (in_element(k))
			continue;
		size_t n = concrete_paths(k, paths, 8);
		for (size_t j = 0; j < n; j++, keys++)
			cr_assert_not_null(lookup(sc.resolved, paths[j]), "%s missing from the defaults",
					   paths[j]);
	}
	/* And the other way round: every member of the defaults is a key. */
	size_t members = count_members(sc.resolved, "");
	cr_assert_eq(members, keys, "the defaults have %zu members, the table %zu keys", members, keys);
	scenario_free(&sc);
}

/* Each default, given on its own as a --set, loads and reads back as it was. */
Test(schema, every_default_is_valid_alone)
{
	char paths[8][128];
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema_key *k = schema_key(i);
		if (in_element(k))
			continue;
		size_t n = concrete_paths(k, paths, 8);
		for (size_t j = 0; j < n; j++) {
			cJSON *def = schema_default(k, j);
			cr_assert_not_null(def, "%s: no default", paths[j]);
			char *json = cJSON_PrintUnformatted(def), *set = xasprintf("%s=%s", paths[j], json);
			char err[ERR_LEN] = "";
			struct scenario sc;
			cr_assert_eq(scenario_load(&sc, NULL, &set, 1, err, sizeof(err)), 0, "%s: %s", set,
				     err);
			cr_assert(cJSON_Compare(lookup(sc.resolved, paths[j]), def, 1),
				  "%s reads back differently", set);
			scenario_free(&sc);
			free(set);
			cJSON_free(json);
			cJSON_Delete(def);
		}
	}
}

/* A typo of any member, in any object, gets the right suggestion. */
Test(schema, every_object_suggests_the_key_a_typo_meant)
{
	char paths[8][128];
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema_key *k = schema_key(i);
		if (in_element(k) || is_each(k) || k->type == SCHEMA_LIST)
			continue;
		/* A doubled last letter is one edit away from the real key. */
		size_t n = concrete_paths(k, paths, 8);
		for (size_t j = 0; j < n; j++) {
			char typo[160], want[512], err[ERR_LEN] = "";
			struct scenario sc;
			const char *name = strrchr(paths[j], '.') ? strrchr(paths[j], '.') + 1 : paths[j];
			snprintf(typo, sizeof(typo), "%s%c=1", paths[j], name[strlen(name) - 1]);
			char *set = typo;
			cr_assert_eq(scenario_load(&sc, NULL, &set, 1, err, sizeof(err)), -1, "%s accepted",
				     typo);
			snprintf(want, sizeof(want), "--set %s: %.*s: unknown key (did you mean '%s'?)", typo,
				 (int)(strchr(typo, '=') - typo), typo, name);
			cr_assert_str_eq(err, want);
			scenario_free(&sc);
		}
	}
	/* And in a fault element. */
	char *fault[] = {
	    "faults.0={\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1s\", \"duraton\": \"1s\"}"};
	char err[ERR_LEN] = "", want[ERR_LEN];
	struct scenario sc;
	cr_assert_eq(scenario_load(&sc, NULL, fault, 1, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--set %s: faults[0].duraton: unknown key (did you mean 'duration'?)",
		 fault[0]);
	cr_assert_str_eq(err, want);
	scenario_free(&sc);
}

/* Every key rejects a value of the wrong type, naming itself. */
Test(schema, every_key_names_itself_when_wrong)
{
	char paths[8][128];
	for (size_t i = 0; i < schema_count(); i++) {
		const struct schema_key *k = schema_key(i);
		if (in_element(k) || k->type == SCHEMA_OBJECT)
			continue;
		/* An array of arrays is wrong for every type; a distribution,
		 * which merges objects, gets an array too. */
		size_t n = concrete_paths(k, paths, 8);
		for (size_t j = 0; j < n; j++) {
			char *set = xasprintf("%s=[[1]]", paths[j]), want[256], err[ERR_LEN] = "";
			struct scenario sc;
			cr_assert_eq(scenario_load(&sc, NULL, &set, 1, err, sizeof(err)), -1, "%s accepted",
				     set);
			snprintf(want, sizeof(want), "--set %s: %s", set, paths[j]);
			cr_assert(!strncmp(err, want, strlen(want)) && err[strlen(want)] != '.', "%s: %s",
				  set, err);
			scenario_free(&sc);
			free(set);
		}
	}
}

/* The members the table marks required are the ones a fault cannot do
 * without (validate_fault says so in code; the README, from the table). */
Test(schema, a_fault_needs_exactly_its_required_members)
{
	static const char *const member[] = {"tier", "kind", "start", "duration"};
	static const char *const value[] = {"\"dbsim\"", "\"stall\"", "\"1s\"", "\"1s\""};
	const struct schema_key *elem = schema_find("faults[*]");
	size_t required = 0;

	for (const struct schema_key *k = schema_next_child(elem, NULL); k; k = schema_next_child(elem, k)) {
		if (!(k->flags & SCHEMA_REQUIRED))
			continue;
		required++;
		struct sbuf set = SBUF_INIT;
		sbuf_adds(&set, "faults.0={");
		for (size_t i = 0, n = 0; i < ARRAY_LEN(member); i++)
			if (strcmp(member[i], schema_name(k)))
				sbuf_addf(&set, "%s\"%s\": %s", n++ ? ", " : "", member[i], value[i]);
		sbuf_adds(&set, "}");
		char *sets[] = {set.buf}, err[ERR_LEN] = "", want[ERR_LEN];
		struct scenario sc;
		cr_assert_eq(scenario_load(&sc, NULL, sets, 1, err, sizeof(err)), -1, "%s accepted", set.buf);
		snprintf(want, sizeof(want), "--set %s: faults[0]: missing key '%s'", set.buf,
			 schema_name(k));
		cr_assert_str_eq(err, want);
		scenario_free(&sc);
		sbuf_free(&set);
	}
	cr_assert_eq(required, 3);
	char *whole[] = {
	    "faults.0={\"tier\": \"dbsim\", \"kind\": \"stall\", \"start\": \"1s\", \"duration\": \"1s\"}"};
	char err[ERR_LEN] = "";
	struct scenario sc;
	cr_assert_eq(scenario_load(&sc, NULL, whole, 1, err, sizeof(err)), 0, "%s", err);
	scenario_free(&sc);
}
