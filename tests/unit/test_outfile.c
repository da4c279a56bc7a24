/* Unit tests for outfile: output files never follow a symbolic link planted
 * where they go, temporaries are new files, and errors say what was found. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "util.h"

static char dir[] = "/tmp/cascade-outfile-XXXXXX";
static char target[128]; /* a file the user did not name as an output */

static void setup(void)
{
	FILE *f;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/precious", dir);
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs("precious\n", f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[256];
	/* the folder is ours and named by mkdtemp */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(outfile, .init = setup, .fini = teardown);

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void assert_target_untouched(void)
{
	char buf[64] = "";
	FILE *f = fopen(target, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, "precious\n", "the link's target was written through");
}

static void write_str(int fd, const char *s)
{
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

Test(outfile, creates_and_truncates_regular_files)
{
	char err[ERR_LEN] = "";
	char *p = path_in("out.csv");
	struct stat st;
	int fd = outfile_open(p, 0, err, sizeof(err));

	cr_assert_geq(fd, 0, "%s", err);
	write_str(fd, "first run, longer\n");
	close(fd);
	fd = outfile_open(p, 0, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 0, "a second open truncates");
	close(fd);
	free(p);
}

Test(outfile, planted_symlink_is_refused_with_a_clear_error)
{
	char err[ERR_LEN] = "";
	char *p = path_in("gateway.csv");

	cr_assert_eq(symlink(target, p), 0);
	cr_assert_eq(outfile_open(p, 0, err, sizeof(err)), -1);
	cr_assert_eq(errno, ELOOP);
	cr_assert(strstr(err, "gateway.csv: is a symbolic link; refusing to write through it"), "%s", err);
	cr_assert_null(outfile_fopen(p, 0, err, sizeof(err)));
	assert_target_untouched();
	free(p);
}

Test(outfile, dangling_symlink_is_refused_and_nothing_is_created)
{
	char err[ERR_LEN] = "";
	char *p = path_in("stats.csv"), *nowhere = path_in("nowhere");

	cr_assert_eq(symlink(nowhere, p), 0);
	cr_assert_eq(outfile_open(p, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "symbolic link"), "%s", err);
	cr_assert_neq(access(nowhere, F_OK), 0, "the link's target was created");
	free(p);
	free(nowhere);
}

Test(outfile, fifo_is_refused_without_blocking)
{
	char err[ERR_LEN] = "";
	char *p = path_in("dbsim.csv");

	cr_assert_eq(mkfifo(p, 0644), 0);
	cr_assert_eq(outfile_open(p, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "dbsim.csv: "), "%s", err);
	free(p);
}

Test(outfile, folder_is_refused)
{
	char err[ERR_LEN] = "";
	char *p = path_in("sub");

	cr_assert_eq(mkdir(p, 0755), 0);
	cr_assert_eq(outfile_open(p, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "sub: "), "%s", err);
	free(p);
}

/* Links planted at the temporary names a process would pick are skipped,
 * and renaming into place replaces a link at the final name itself. */
Test(outfile, temporary_never_reuses_a_planted_name_and_commit_replaces_a_link)
{
	char err[ERR_LEN] = "";
	char *final = path_in("gateway.port"), *tmp = NULL;
	char *planted0 = xasprintf("%s.%ld.0.tmp", final, (long)getpid());
	char *planted1 = xasprintf("%s.%ld.1.tmp", final, (long)getpid());
	struct stat st;
	int fd;

	cr_assert_eq(symlink(target, planted0), 0);
	cr_assert_eq(symlink(target, planted1), 0);
	cr_assert_eq(symlink(target, final), 0);
	fd = outfile_open_tmp(final, &tmp, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_not_null(tmp);
	cr_assert_str_neq(tmp, planted0);
	cr_assert_str_neq(tmp, planted1);
	write_str(fd, "8080\n");
	close(fd);
	cr_assert_eq(outfile_commit(tmp, final, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lstat(final, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the final name is still a link");
	cr_assert_eq(st.st_size, 5);
	assert_target_untouched();
	free(final);
	free(tmp);
	free(planted0);
	free(planted1);
}

Test(outfile, excl_refuses_an_existing_file)
{
	char err[ERR_LEN] = "";
	char *p = path_in("x.tmp");
	int fd = outfile_open(p, OUTFILE_EXCL, err, sizeof(err));

	cr_assert_geq(fd, 0, "%s", err);
	close(fd);
	cr_assert_eq(outfile_open(p, OUTFILE_EXCL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "x.tmp: already exists"), "%s", err);
	free(p);
}

Test(outfile, failed_commit_removes_the_temporary)
{
	char err[ERR_LEN] = "";
	char *final = path_in("no-such-dir/summary.csv"), *tmp = NULL;
	int fd = outfile_open_tmp(target, &tmp, err, sizeof(err)); /* beside precious */

	cr_assert_geq(fd, 0, "%s", err);
	close(fd);
	cr_assert_eq(outfile_commit(tmp, final, err, sizeof(err)), -1);
	cr_assert(strstr(err, "summary.csv: cannot rename into place"), "%s", err);
	cr_assert_neq(access(tmp, F_OK), 0, "the temporary is left behind");
	free(final);
	free(tmp);
}
