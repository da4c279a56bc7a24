/* validate: checks a merged scenario document against the schema and fills
 * struct scenario, key by key, as the table (schema.h) describes.
 *
 * Errors name the place and the key ("FILE:LINE:COL: key.path: message",
 * "--set KEY=VALUE: key.path: message", see scenario.h).  Checking goes on
 * after an error and keeps the one a person should fix first: the earliest
 * in the file, then the first --set, then any. */
#ifndef CASCADE_VALIDATE_H
#define CASCADE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "jsonpos.h"
#include "overlay.h"
#include "schema.h"

struct validation {
	const char *file;              /* as given; NULL: defaults only */
	const struct jsonpos *pos;     /* the file's key positions */
	char *const *sets;             /* the --set values */
	const struct overlay_origins *ov; /* what each one wrote */
	char *err;                     /* where the kept message goes */
	size_t errlen;
	bool failed;
	/* Rank of the kept message, lower first: class 0 a file position
	 * (a, b = line, col), 1 an override (a = its index), 2 neither. */
	int rank_class;
	long rank_a, rank_b;
};

/* Check the whole document into sc (zeroed by the caller); v->failed
 * says whether anything was wrong. */
void validate_document(struct validation *v, const struct cJSON *doc, struct scenario *sc);

/* Where the value at path came from, for a tool that points at a setting
 * rather than at an error (lint): set >= 0, the last --set that wrote it
 * or a value holding it (ov's index); else the file, own telling whether
 * key is path's own key or, for a default, the nearest enclosing key the
 * file has (NULL: none, or no pos).  pos and ov may be NULL. */
struct validate_origin {
	long set;
	const struct jsonpos_key *key; /* borrowed from pos */
	bool own;
};
void validate_origin(const struct jsonpos *pos, const struct overlay_origins *ov, const char *path,
		     struct validate_origin *o);

/* For the rules of schema_check_fn: */

/* Report a problem with the value at path (the blame goes to whoever wrote
 * it: a --set, the file at that key or the nearest one it has). */
void validate_fail(struct validation *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Check the value it of key k at path and store it at field (NULL: do not
 * store); a number, duration or integer is also put in *num when num is
 * not NULL.  0, or -1 after reporting. */
int validate_value(struct validation *v, const struct schema_key *k, const struct cJSON *it, const char *path,
		   void *field, double *num);
/* A member named key of the object at path must be one of allowed: 0 when
 * it is, 1 after reporting it, with a did-you-mean or the allowed list. */
int validate_key_known(struct validation *v, const char *path, const char *key, const char *const allowed[],
		       size_t n);

/* The rules of a fault (faults[*]) that the table cannot say: the value
 * key its kind takes, end or duration, where slowdown and capacity apply. */
schema_check_fn validate_fault;

#endif
