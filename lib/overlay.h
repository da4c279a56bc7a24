/* overlay: laying a scenario file and then each --set value over the
 * defaults document.  An object merges into the object it replaces, member
 * by member; anything else (arrays included) replaces.  A distribution
 * object (schema type SCHEMA_DIST) that names a different "dist" replaces
 * the old one whole, so the old dist's parameters do not linger.  Every
 * path an override writes is recorded, so that validation can blame a bad
 * value on the --set that wrote it. */
#ifndef CASCADE_OVERLAY_H
#define CASCADE_OVERLAY_H

#include <stddef.h>

struct cJSON;

/* Paths written by --set values, in the order written; {0} is empty. */
struct overlay_origin {
	char *path; /* as validation names it: "faults[0].start" */
	size_t set; /* index into the sets */
};
struct overlay_origins {
	struct overlay_origin *v;
	size_t n, cap;
};
void overlay_origins_free(struct overlay_origins *o);

/* Lay src's members over dst's (both objects; path is dst's, "" at the top).
 * Consumes src.  Each path written is recorded in o, as written by set,
 * when o is not NULL. */
void overlay_merge(struct cJSON *dst, struct cJSON *src, const char *path, struct overlay_origins *o,
		   size_t set);

/* Apply one "key.path=value", the set_index-th: create missing objects on
 * the way, index arrays with numbers (the index one past the end appends),
 * merge an object value into an existing object.  The value is JSON when
 * the whole text is JSON, else the text as a string.  0, or -1 with err
 * filled ("--set KEY=VALUE: key.path: message"). */
int overlay_set(struct cJSON *doc, const char *set, size_t set_index, struct overlay_origins *o, char *err,
		size_t errlen);

#endif
