/* report: turns a run folder's CSVs into timeseries.csv and summary.csv, and
 * puts several runs' summaries side by side.  The command line lives here;
 * the work is in run.c, summary.c, timeseries.c and compare.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "run.h"
#include "summary.h"
#include "timeseries.h"
#include "util.h"

#ifndef CASCADE_VERSION
#define CASCADE_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_WRITE = 1, EXIT_INPUT = 2 };

static const char usage[] = "usage: report DIR\n"
			    "       report compare DIR... [-o FILE]\n"
			    "       report --help | --version\n"
			    "\n"
			    "report DIR\n"
			    "  Reads DIR/requests.csv, spans.csv, stats.csv and scenario.json (one run\n"
			    "  folder), writes DIR/timeseries.csv (per second and tier) and\n"
			    "  DIR/summary.csv (metric,value,unit), and prints the summary.\n"
			    "\n"
			    "report compare DIR... [-o FILE]\n"
			    "  Puts the runs' summary.csv side by side (computing any that is missing),\n"
			    "  one column per run headed by its scenario name, prints the table and\n"
			    "  writes it as CSV to FILE (default: compare.csv).\n"
			    "\n"
			    "  -o, --output FILE   where compare writes its CSV\n"
			    "  -h, --help          this text\n"
			    "  -V, --version       the version\n"
			    "\n"
			    "Metrics are defined in report/README.md.  Exit status: 0 done, 1 an\n"
			    "output could not be written, 2 bad usage or a bad input file (the message\n"
			    "names FILE:LINE); on error nothing is written.\n";

/* Replace final with tmp, or remove tmp. */
static int commit_file(const char *tmp, const char *final, char *err, size_t errlen)
{
	if (rename(tmp, final) == 0)
		return 0;
	errf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
	unlink(tmp);
	return -1;
}

/* `report DIR`; the table goes to stdout when print is set. */
static int report_dir(const char *dir, int print)
{
	char err[ERR_LEN] = "";
	struct run run = {0};
	struct summary sum;
	struct timeseries ts = {0};
	char *ts_path = xasprintf("%s/timeseries.csv", dir), *sum_path = xasprintf("%s/summary.csv", dir);
	char *ts_tmp = xasprintf("%s/.timeseries.csv.%ld.tmp", dir, (long)getpid());
	char *sum_tmp = xasprintf("%s/.summary.csv.%ld.tmp", dir, (long)getpid());
	int code = EXIT_INPUT;

	if (run_load(&run, dir, err, sizeof(err)) < 0)
		goto done;
	summary_compute(&run, &sum);
	timeseries_build(&run, &ts);
	code = EXIT_WRITE;
	if (timeseries_write(&ts, ts_tmp, err, sizeof(err)) < 0 ||
	    summary_write(&sum, sum_tmp, err, sizeof(err)) < 0) {
		unlink(ts_tmp);
		unlink(sum_tmp);
		goto done;
	}
	if (commit_file(ts_tmp, ts_path, err, sizeof(err)) < 0) {
		unlink(sum_tmp);
		goto done;
	}
	if (commit_file(sum_tmp, sum_path, err, sizeof(err)) < 0)
		goto done;
	code = EXIT_OK;
	if (print) {
		struct sbuf table = SBUF_INIT;
		summary_format(&sum, &table);
		fputs(sbuf_str(&table), stdout);
		sbuf_free(&table);
	}
done:
	if (code != EXIT_OK)
		fprintf(stderr, "report: %s\n", err);
	timeseries_free(&ts);
	run_free(&run);
	free(ts_path);
	free(sum_path);
	free(ts_tmp);
	free(sum_tmp);
	return code;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int compare_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out_path = "compare.csv";
	char err[ERR_LEN] = "";
	struct compare cmp = COMPARE_INIT;
	char *tmp = NULL;
	int opt, code = EXIT_INPUT;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "report compare: no run folders given\n%s", usage);
		return EXIT_INPUT;
	}
	for (int i = optind; i < argc; i++) {
		if (!is_dir(argv[i])) {
			fprintf(stderr, "report: %s: no such run folder\n", argv[i]);
			return EXIT_INPUT;
		}
	}
	for (int i = optind; i < argc; i++) {
		char *sum_path = xasprintf("%s/summary.csv", argv[i]);
		int missing = access(sum_path, F_OK) != 0;
		if (missing && (code = report_dir(argv[i], 0)) != EXIT_OK) {
			free(sum_path);
			goto done;
		}
		code = EXIT_INPUT;
		char *label = compare_label(argv[i], err, sizeof(err));
		int rc = label ? compare_add(&cmp, label, sum_path, err, sizeof(err)) : -1;
		free(label);
		free(sum_path);
		if (rc < 0) {
			fprintf(stderr, "report: %s\n", err);
			goto done;
		}
	}
	code = EXIT_WRITE;
	tmp = xasprintf("%s.%ld.tmp", out_path, (long)getpid());
	if (compare_write(&cmp, tmp, err, sizeof(err)) < 0) {
		unlink(tmp);
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	if (commit_file(tmp, out_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	struct sbuf table = SBUF_INIT;
	compare_format(&cmp, &table);
	fputs(sbuf_str(&table), stdout);
	sbuf_free(&table);
	code = EXIT_OK;
done:
	free(tmp);
	compare_free(&cmp);
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("report %s\n", CASCADE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "compare") == 0)
		return compare_cmd(argc - 1, argv + 1);
	if (argv[1][0] == '-' || argc > 2) {
		fprintf(stderr, "report: unexpected argument '%s'\n%s", argv[argc > 2 ? 2 : 1], usage);
		return EXIT_INPUT;
	}
	return report_dir(argv[1], 1);
}
