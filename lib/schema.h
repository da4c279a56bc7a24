/* schema: every key a scenario may hold, described once, as data: its path,
 * type, bounds, default, the struct scenario field it fills, and a line of
 * documentation.  The defaults, the allowed keys and their did-you-mean
 * hints, the checks and their messages, --print-scenario and the key tables
 * of scenarios/README.md (make schema-doc) all come from this table; rules
 * that span keys are small named functions the table points to.
 *
 * Adding a key: one line in the table (lib/schema.c), the field it fills
 * and the code that uses it; then make schema-doc for the README.
 *
 * The table is read-only and walked in order: each row is followed by its
 * members and theirs (test_schema checks it), in the order in which the
 * resolved JSON lists the keys.  Paths:
 *   "load.rate"          a member
 *   "tiers.*.retries"    "*" stands for each of the row "tiers.*"'s names
 *                        (the forwarding tiers): tiers.gateway.retries, ...
 *   "faults[*].kind"     a member of each element of the list "faults"
 *
 * Tools that walk every key (a sweep over what --set takes, a lint) read the
 * table with schema_count / schema_key, or look one path up with
 * schema_find.  To check a single "key.path=value" the way a run would,
 * load with it: scenario_load(sc, path, &set, 1, err, errlen) gives exactly
 * the message a run gives. */
#ifndef CASCADE_SCHEMA_H
#define CASCADE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct cJSON;

enum schema_type {
	SCHEMA_OBJECT,       /* the rows below it are its members */
	SCHEMA_BOOL,         /* true or false; bool */
	SCHEMA_INTEGER,      /* integral number in [min, max]; int, or uint64_t when size is 8 */
	SCHEMA_NUMBER,       /* number > min (>= with SCHEMA_MIN_INCLUSIVE), <= max; double */
	SCHEMA_DURATION,     /* duration string, > 0 (>= 0 with SCHEMA_ZERO_OK); double ms */
	SCHEMA_OPT_DURATION, /* a duration > 0, or "none" / null for none: 0; double ms */
	SCHEMA_ENUM,         /* one of names; an int-sized enum, the name's index */
	SCHEMA_STRING,       /* any string; char *, owned by the scenario */
	SCHEMA_HEADER,       /* an HTTP header name (token), stored lowercase in a char[size] */
	SCHEMA_ENUM_LIST,    /* array of distinct names; unsigned, bit i set for names[i] */
	SCHEMA_DIST,         /* a distribution object, its keys set by its "dist"; struct dist */
	SCHEMA_LIST,         /* array of objects, each as the row "<path>[*]" describes */
};

#define SCHEMA_REQUIRED (1u << 0)      /* a list element's member that must be given */
#define SCHEMA_ZERO_OK (1u << 1)       /* durations, distributions: 0 is allowed */
#define SCHEMA_MIN_INCLUSIVE (1u << 2) /* numbers: min itself is allowed */
#define SCHEMA_SELECTOR (1u << 3)      /* an element's enum that decides which "when" keys apply */

struct validation;
struct schema_key;
/* Rules a table cannot say, for an object or a list element: the function
 * checks the node at path in place of the member-by-member walk (checking
 * each member by its row: validate.h) and fills the struct at field. */
typedef void schema_check_fn(struct validation *v, const struct schema_key *key, const struct cJSON *node,
			     const char *path, void *field);

struct schema_key {
	const char *path;
	enum schema_type type;
	unsigned flags; /* SCHEMA_* */
	double min, max; /* integer and number bounds */
	/* Enum and list names; for a "*" row, the instances it stands for. */
	const char *const *names;
	size_t nnames;
	const char *const *name_docs; /* enum: one line per name, or NULL */
	/* The default, as JSON, except that string-valued types (string,
	 * header, durations, enum) give the bare text: "30s", not "\"30s\"".
	 * NULL: none (members of list elements). */
	const char *def;
	const char *const *def_each; /* under a "*" row: one default per instance */
	const char *when;      /* a list element's member allowed only when the selector is this name */
	const char *alt;       /* required unless alt is given, and not with it */
	const char *not_below; /* a sibling this key must not be below ("cap": "base") */
	const char *unit;      /* added to the type in docs and in some messages */
	const char *doc;       /* one line: what the key does */
	schema_check_fn *check;
	/* Where the value goes: offset from the parent's field (the root's is
	 * struct scenario), size 0 when the key fills no field of its own.  A
	 * "*" or "[*]" row: stride between instances.  A list: count_offset of
	 * its size_t count, beside the pointer at offset. */
	size_t offset, size, stride, count_offset;
};

size_t schema_count(void);
const struct schema_key *schema_key(size_t i); /* NULL past the end */
/* The row for a path, concrete ("tiers.svc_a.backoff.cap", "faults[3].kind")
 * or as the table writes it ("tiers.*.backoff.cap"); NULL when no key has it. */
const struct schema_key *schema_find(const char *path);
/* The last segment of a row's path: "retries", "*", "[*]". */
const char *schema_name(const struct schema_key *k);
/* The row a row is a member of (NULL at the top), and the rows that are
 * members of parent (NULL: the top level), in order: start with prev NULL;
 * NULL after the last. */
const struct schema_key *schema_parent(const struct schema_key *k);
const struct schema_key *schema_next_child(const struct schema_key *parent, const struct schema_key *prev);
/* A row's default for instance i of the nearest "*" above it (0 without
 * one), as a new cJSON node (caller deletes); NULL when it has none. */
struct cJSON *schema_default(const struct schema_key *k, size_t instance);
/* The whole defaults document every load starts from; caller deletes. */
struct cJSON *schema_defaults(void);

/* The keys of each distribution (struct dist: a_ms is param[0], b_ms
 * param[1]; b_ms must not be below a_ms), by enum dist_kind. */
#define SCHEMA_DIST_SELECTOR "dist"
struct schema_dist {
	const char *name;
	const char *param[2]; /* param[1] NULL: one parameter */
	const char *doc;
};
extern const struct schema_dist schema_dists[];
extern const size_t schema_ndists;

#endif
