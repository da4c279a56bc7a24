/* Unit tests for schemadoc: the key tables checked into scenarios/README.md
 * are the ones the schema generates, and markers are handled strictly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* schemadoc's header lives beside its sources; the build puts only lib/ on
 * the include path of tests */
#include "../../schemadoc/schemadoc.h"

/* The unit tests run from the repository root (make unit). */
#define README "scenarios/README.md"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&sb, chunk, n);
	fclose(f);
	return sbuf_detach(&sb);
}

/* The first line where a and b differ, 1-based; 0 when equal. */
static int first_difference(const char *a, const char *b, const char **la, const char **lb)
{
	int line = 1;
	*la = a;
	*lb = b;
	for (; *a == *b; a++, b++) {
		if (!*a)
			return 0;
		if (*a == '\n') {
			line++;
			*la = a + 1;
			*lb = b + 1;
		}
	}
	return line;
}

Test(schemadoc, readme_tables_are_what_the_schema_generates)
{
	char err[ERR_LEN] = "";
	char *text = read_text(README);
	cr_assert_not_null(text, README
			   ": cannot read it (the unit tests run from the repository root: make unit)");
	char *want = schemadoc_update(text, err, sizeof(err));
	cr_assert_not_null(want, README ": %s", err);
	const char *have_line, *want_line;
	int line = first_difference(text, want, &have_line, &want_line);
	cr_assert_eq(line, 0,
		     README ":%d: the key tables differ from what lib/schema.c generates (make schema-doc "
			    "rewrites them)\n  have: %.*s\n  want: %.*s",
		     line, (int)strcspn(have_line, "\n"), have_line, (int)strcspn(want_line, "\n"),
		     want_line);
	free(text);
	free(want);
}

Test(schemadoc, only_the_text_between_markers_changes)
{
	static const char text[] = "# Title\n"
				   "prose stays\n"
				   "<!-- schema:begin deadline -->\n"
				   "| stale | table |\n"
				   "<!-- schema:end -->\n"
				   "more prose";
	char err[ERR_LEN] = "";
	char *out = schemadoc_update(text, err, sizeof(err));
	cr_assert_not_null(out, "%s", err);
	cr_assert(!strncmp(out, "# Title\nprose stays\n<!-- schema:begin deadline -->\n| key |", 54), "%s",
		  out);
	cr_assert_null(strstr(out, "stale"));
	cr_assert(strstr(out, "| `margin` | duration >= 0 | `\"5ms\"` |"), "%s", out);
	cr_assert(strstr(out, "|\n<!-- schema:end -->\nmore prose"), "%s", out);
	/* Generating again changes nothing. */
	char *again = schemadoc_update(out, err, sizeof(err));
	cr_assert_str_eq(again, out);
	free(again);
	free(out);
}

Test(schemadoc, bad_markers_are_errors)
{
	char err[ERR_LEN] = "";
	cr_assert_null(
	    schemadoc_update("x\n<!-- schema:begin lode -->\n<!-- schema:end -->\n", err, sizeof(err)));
	cr_assert_str_eq(err, "line 2: 'lode' is not a key of the schema (as lib/schema.c writes it)");
	cr_assert_null(schemadoc_update("<!-- schema:begin load -->\n| old |\n", err, sizeof(err)));
	cr_assert_str_eq(err, "line 1: a begin marker without its end (<!-- schema:end -->)");
	cr_assert_null(
	    schemadoc_update("<!-- schema:begin tiers.svc_a -->\n<!-- schema:end -->\n", err, sizeof(err)));
	cr_assert_str_eq(err, "line 1: 'tiers.svc_a' is not a key of the schema (as lib/schema.c writes it)");
	cr_assert_null(
	    schemadoc_update("<!-- schema:begin load.rate -->\n<!-- schema:end -->\n", err, sizeof(err)));
	cr_assert_str_eq(err, "line 1: 'load.rate' is not an object, nor an enum with a line per value");
}
