/* schemadoc: the key tables of scenarios/README.md, generated from the
 * schema (lib/schema.h) so that the documentation cannot drift from what
 * loading accepts.  The prose around the tables stays hand-written; each
 * table sits between two markers and only what is between them changes:
 *
 *   <!-- schema:begin NAME -->
 *   | key | type / unit | default | meaning |
 *   ...
 *   <!-- schema:end -->
 *
 * NAME is one of:
 *   top                  the top-level keys
 *   PATH                 the members of the object PATH ("load", "tiers.*",
 *                        "tiers.dbsim"); for a list element ("faults[*]") a
 *                        "required" column replaces the defaults, and the
 *                        members that depend on a selector are left out
 *   PATH PATH ...        objects of one shape (the backoffs): one row per
 *                        member, the defaults of each path when they differ
 *   ENUM-PATH            an enum with a line per value ("faults[*].kind"),
 *                        with the value key each one takes
 *   dist                 the keys of each distribution */
#ifndef CASCADE_SCHEMADOC_H
#define CASCADE_SCHEMADOC_H

#include <stddef.h>

/* The table for NAME, as markdown lines ending in '\n'; caller frees.
 * NULL with err filled when NAME names nothing. */
char *schemadoc_table(const char *name, char *err, size_t errlen);

/* text with the block between each pair of markers regenerated; caller
 * frees.  NULL with err filled ("line 12: ...") for an unknown NAME or a
 * begin without its end. */
char *schemadoc_update(const char *text, char *err, size_t errlen);

#endif
