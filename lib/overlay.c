/* overlay: defaults <- file <- each --set, merged as cJSON documents before
 * anything is checked, so that the file and the overrides follow one rule
 * and the checks see one whole scenario. */
#include "overlay.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "schema.h"
#include "util.h"

static void origin_add(struct overlay_origins *o, const char *path, size_t set)
{
	if (!o)
		return;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	o->v[o->n++] = (struct overlay_origin){xstrdup(path), set};
}

void overlay_origins_free(struct overlay_origins *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].path);
	free(o->v);
	*o = (struct overlay_origins){0};
}

static bool is_dist(const char *path)
{
	const struct schema_key *k = schema_find(path);
	return k && k->type == SCHEMA_DIST;
}

/* A distribution that names a different dist has different keys. */
static bool dist_changes(const cJSON *old_dist_obj, const cJSON *new_dist)
{
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(old_dist_obj, SCHEMA_DIST_SELECTOR);
	return !cJSON_IsString(old) || !cJSON_IsString(new_dist) ||
	       strcmp(old->valuestring, new_dist->valuestring);
}

/* Whether the object value, written over the object old at path, must
 * replace it whole instead of merging: a distribution changing its dist. */
static bool must_replace(const char *path, const cJSON *old, const cJSON *value)
{
	const cJSON *new_dist = cJSON_GetObjectItemCaseSensitive(value, SCHEMA_DIST_SELECTOR);
	return new_dist && is_dist(path) && dist_changes(old, new_dist);
}

static char *path_child(const char *parent, const char *key)
{
	return xasprintf("%s%s%s", parent, *parent ? "." : "", key);
}

void overlay_merge(cJSON *dst, cJSON *src, const char *path, struct overlay_origins *o, size_t set)
{
	cJSON *item;

	while ((item = src->child)) {
		cJSON_DetachItemViaPointer(src, item);
		char *child = path_child(path, item->string);
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, item->string);
		if (cJSON_IsObject(old) && cJSON_IsObject(item) && !must_replace(child, old, item)) {
			overlay_merge(old, item, child, o, set);
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

/* A new dist drops the old one's parameters: keep only "dist" in obj. */
static void drop_dist_params(cJSON *obj)
{
	cJSON *child = obj->child;
	while (child) {
		cJSON *following = child->next;
		if (strcmp(child->string, SCHEMA_DIST_SELECTOR))
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, child));
		child = following;
	}
}

int overlay_set(cJSON *doc, const char *set, size_t set_index, struct overlay_origins *o, char *err,
		size_t errlen)
{
	const char *eq = strchr(set, '=');
	char *keys = NULL, *path = NULL, *parent = NULL;
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
		size_t parent_len = norm.len;
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
			    !must_replace(path, next, value)) {
				overlay_merge(next, value, path, o, set_index);
				value = NULL;
				break;
			}
			parent = xmalloc(parent_len + 1);
			memcpy(parent, path, parent_len);
			parent[parent_len] = '\0';
			if (!strcmp(seg, SCHEMA_DIST_SELECTOR) && is_dist(parent) &&
			    dist_changes(cur, value)) {
				drop_dist_params(cur);
				next = cJSON_GetObjectItemCaseSensitive(cur, SCHEMA_DIST_SELECTOR);
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
	free(parent);
	sbuf_free(&norm);
	return rc;
}
