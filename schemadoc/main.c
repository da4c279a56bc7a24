/* schemadoc: rewrites the key tables of scenarios/README.md from the schema
 * (make schema-doc), or checks that they match it (--check).  A tool for
 * whoever changes lib/schema.c; no run uses it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"
#include "schemadoc.h"
#include "util.h"

static const char usage[] =
    "usage: schemadoc [--check] FILE\n"
    "Rewrite the tables between <!-- schema:begin NAME --> and <!-- schema:end --> in FILE\n"
    "(scenarios/README.md) from the scenario schema (lib/schema.c).\n"
    "  --check   change nothing; exit 1 when a table differs from the schema\n";

static char *read_all(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f) {
		errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_add(&sb, chunk, n);
	if (ferror(f) || memchr(sbuf_str(&sb), '\0', sb.len)) {
		errf(err, errlen, "%s: cannot read it as text", path);
		fclose(f);
		sbuf_free(&sb);
		return NULL;
	}
	fclose(f);
	return sbuf_detach(&sb);
}

static int write_all(const char *path, const char *text, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd = outfile_open_tmp(path, &tmp, err, errlen);
	size_t len = strlen(text), done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0) {
			errf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		done += (size_t)w;
	}
	int rc = close(fd) < 0 ? errf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno))
			       : outfile_commit(tmp, path, err, errlen);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int main(int argc, char **argv)
{
	char err[ERR_LEN] = "", msg[ERR_LEN];
	char *text = NULL, *updated = NULL;
	const char *path = NULL;
	int check = 0, rc = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--check")) {
			check = 1;
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!path) {
		fputs(usage, stderr);
		return 2;
	}
	text = read_all(path, err, sizeof(err));
	if (!text)
		goto done;
	updated = schemadoc_update(text, msg, sizeof(msg));
	if (!updated) {
		errf(err, sizeof(err), "%s: %s", path, msg);
		goto done;
	}
	rc = 0;
	if (!strcmp(text, updated))
		goto done;
	if (check) {
		errf(err, sizeof(err),
		     "%s: the key tables differ from lib/schema.c (make schema-doc rewrites them)", path);
		rc = 1;
	} else if (write_all(path, updated, err, sizeof(err)) < 0) {
		rc = 1;
	} else {
		printf("schemadoc: %s: key tables rewritten\n", path);
	}
done:
	if (rc != 0)
		fprintf(stderr, "schemadoc: %s\n", err);
	free(text);
	free(updated);
	return rc;
}
