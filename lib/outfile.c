/* outfile: output files created without following a planted symbolic link
 * (O_NOFOLLOW on the last component, regular files only, O_EXCL temporaries
 * renamed into place). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define TMP_TRIES 100 /* names tried before giving up on a crowded folder */

/* The message for an open that failed with e; errno stays e. */
static int open_error(const char *path, int flags, int e, char *err, size_t errlen)
{
	if (e == ELOOP)
		errf(err, errlen, "%s: is a symbolic link; refusing to write through it", path);
	else if (e == EEXIST && (flags & OUTFILE_EXCL))
		errf(err, errlen, "%s: already exists; refusing to reuse it", path);
	else if (e == ENXIO)
		errf(err, errlen, "%s: is a FIFO or socket, not a regular file", path);
	else
		errf(err, errlen, "%s: %s", path, strerror(e));
	errno = e;
	return -1;
}

int outfile_open(const char *path, int flags, char *err, size_t errlen)
{
	/* No O_TRUNC here: whatever is there must first prove to be a regular
	 * file.  O_NONBLOCK keeps a planted FIFO from blocking the open. */
	int oflags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	struct stat st;
	int fd, fl, e;

	if (flags & OUTFILE_EXCL)
		oflags |= O_EXCL;
	fd = open(path, oflags, 0644);
	if (fd < 0)
		return open_error(path, flags, errno, err, errlen);
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errf(err, errlen, "%s: not a regular file", path);
		errno = EINVAL;
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || ftruncate(fd, 0) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return open_error(path, flags, e, err, errlen);
}

FILE *outfile_fopen(const char *path, int flags, char *err, size_t errlen)
{
	int fd = outfile_open(path, flags, err, errlen);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int outfile_open_tmp(const char *final, char **tmp, char *err, size_t errlen)
{
	for (int n = 0; n < TMP_TRIES; n++) {
		char *name = xasprintf("%s.%ld.%d.tmp", final, (long)getpid(), n);
		int fd = outfile_open(name, OUTFILE_EXCL, err, errlen);
		if (fd >= 0) {
			*tmp = name;
			return fd;
		}
		free(name);
		if (errno != EEXIST && errno != ELOOP)
			break;
	}
	*tmp = NULL;
	return -1;
}

int outfile_commit(const char *tmp, const char *final, char *err, size_t errlen)
{
	if (rename(tmp, final) == 0)
		return 0;
	errf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
	unlink(tmp);
	return -1;
}
