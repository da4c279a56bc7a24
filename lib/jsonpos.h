/* jsonpos: strict JSON into a cJSON tree in one pass, keeping the line:col
 * of every key, which cJSON does not keep.  The same pass rejects what
 * cJSON would accept but a scenario must not hold: "01", raw control
 * characters in strings, broken \u escapes and \u0000, 1e999, integers
 * above 2^53 (not exact in a double), duplicate keys, nesting deeper than
 * JSONPOS_MAX_DEPTH, and anything after the value.
 *
 * Paths name members with dots and elements with brackets, from a prefix
 * the caller gives: "tiers.svc_a.retries", "faults[1]", "faults[1].kind".
 * A member's position is that of its key's opening quote; an element's,
 * that of its first character.  Lines and columns are 1-based, columns in
 * bytes. */
#ifndef CASCADE_JSONPOS_H
#define CASCADE_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

#define JSONPOS_MAX_DEPTH 64 /* deeper than any scenario needs, well below cJSON's 1000 */

struct jsonpos_key {
	char *path;
	int line, col;
};

/* Where each key of one text is.  {0} is an empty index; jsonpos_free
 * releases one and leaves it empty. */
struct jsonpos {
	struct jsonpos_key *v;
	size_t n, cap;
};

/* The first problem in a text.  syntax: msg is the hint, to be shown as
 * "syntax error: <msg>"; otherwise msg is whole, with its path
 * ("tiers.svc_a.retries: duplicate key (first at line 3)"). */
struct jsonpos_error {
	bool syntax;
	int line, col;
	char msg[256];
};

/* Parse the len bytes at text (no NUL needed) as one JSON value with
 * nothing but whitespace after it.  Paths start with prefix ("" for a whole
 * file).  Returns the tree (the caller owns it: cJSON_Delete), recording
 * each key in pos when pos is not NULL; or NULL with err filled, pos then
 * holding the keys seen so far.  Out of memory aborts. */
struct cJSON *jsonpos_parse(const char *text, size_t len, const char *prefix, struct jsonpos *pos,
			    struct jsonpos_error *err);

/* The key recorded for path, or NULL. */
const struct jsonpos_key *jsonpos_find(const struct jsonpos *pos, const char *path);
void jsonpos_free(struct jsonpos *pos);

/* Line and column of byte offset off in text. */
void jsonpos_line_col(const char *text, size_t off, int *line, int *col);

/* cJSON reports allocation failure as NULL or false; cascade aborts on
 * out-of-memory everywhere, and these make cJSON calls do the same. */
struct cJSON *jsonpos_must(struct cJSON *item);
void jsonpos_must_ok(int ok);

#endif
