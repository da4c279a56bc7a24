/* outfile: how every output file of a run (CSVs, port files, the report's
 * files) is created, so that a symbolic link planted where an output goes is
 * refused instead of followed into a place the user did not name.
 *
 * The folder a path names (--out DIR) may be a link: the user named it.  Only
 * the last component is checked: it must be absent or a regular file; a
 * symbolic link (even a dangling one), a FIFO, a device or a folder there is
 * an error that names the path and says why. */
#ifndef CASCADE_OUTFILE_H
#define CASCADE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

enum {
	OUTFILE_EXCL = 1 /* the file must not exist yet (temporary files) */
};

/* Open path for writing, created 0644 (less the umask) or truncated, with
 * O_CLOEXEC.  The fd, or -1 with a message in err
 * ("out/gateway.csv: is a symbolic link; refusing to write through it"). */
int outfile_open(const char *path, int flags, char *err, size_t errlen);
/* The same as a stdio stream ("w"); NULL with a message in err. */
FILE *outfile_fopen(const char *path, int flags, char *err, size_t errlen);

/* A new temporary file beside final ("<final>.<pid>.<n>.tmp", created with
 * O_EXCL, so nothing planted there is followed or reused).  The fd, and the
 * name in *tmp (caller frees); -1 with a message and *tmp NULL on failure. */
int outfile_open_tmp(const char *final, char **tmp, char *err, size_t errlen);
/* rename(tmp, final): a link planted at final is replaced, not followed.
 * On failure tmp is removed; 0 or -1 with a message. */
int outfile_commit(const char *tmp, const char *final, char *err, size_t errlen);

#endif
