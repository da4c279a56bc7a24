/* report: turns a run folder's CSVs into timeseries.csv and summary.csv,
 * puts several runs' summaries side by side, checks that a run lost nothing,
 * and makes the classroom views:
 * plot data, report.html, trace.json and the terminal waterfall.  The
 * command line lives here; the work is in the other files of report/. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "compare.h"
#include "html.h"
#include "info.h"
#include "outfile.h"
#include "reqtree.h"
#include "run.h"
#include "outputs.h"
#include "series.h"
#include "summary.h"
#include "timeseries.h"
#include "tracejson.h"
#include "util.h"
#include "waterfall.h"

#ifndef CASCADE_VERSION
#define CASCADE_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_WRITE = 1, EXIT_INPUT = 2 };
#define EXIT_CHECK_FAILED 1 /* report check: an invariant does not hold */

static const char usage[] = "usage: report DIR\n"
			    "       report compare DIR... [-o FILE]\n"
			    "       report html DIR | report html -o OUT.html [--plots FOLDER] DIR...\n"
			    "       report trace [-n COUNT] [-o FILE] DIR\n"
			    "       report waterfall [-w COLUMNS] DIR [TRACE_ID]\n"
			    "       report series DIR\n"
			    "       report info DIR\n"
			    "       report check DIR\n"
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
			    "report html DIR\n"
			    "  Writes DIR/report.html: one self-contained page with the scenario, the\n"
			    "  summary, the plots of DIR/plots/ (make them with scripts/plot.sh) and the\n"
			    "  worst request's attempt tree.  With several DIRs, -o OUT.html is required\n"
			    "  and the page compares them; the overlaid plots are taken from FOLDER\n"
			    "  (default: compare-plots/ beside the first DIR, as scripts/plot.sh does).\n"
			    "\n"
			    "report trace [-n COUNT] [-o FILE] DIR\n"
			    "  Writes DIR/trace.json (or FILE) in Chrome Trace Event Format for\n"
			    "  ui.perfetto.dev or chrome://tracing: every span of about COUNT client\n"
			    "  requests (default 200, a fixed sample) and always the worst one.\n"
			    "\n"
			    "report waterfall [-w COLUMNS] DIR [TRACE_ID]\n"
			    "  Prints one request's attempt tree with a time bar per span, COLUMNS wide\n"
			    "  (default 80).  TRACE_ID (or a unique prefix) defaults to the request\n"
			    "  with the most database hits.\n"
			    "\n"
			    "report series DIR\n"
			    "  Writes the plots' data files into DIR/plots/ (arrivals, success,\n"
			    "  inflight, latency_cdf, dbwork .dat).\n"
			    "\n"
			    "report info DIR\n"
			    "  Prints the scenario facts scripts need as KEY<TAB>VALUE lines: name,\n"
			    "  time_scale, rate_rps, duration_s, client_timeout_s, db_workers, and\n"
			    "  fault<TAB>START_S<TAB>END_S<TAB>LABEL per fault.\n"
			    "\n"
			    "report check DIR\n"
			    "  Checks that the run lost nothing: every CSV whole (header, fields per\n"
			    "  row, final newline), each client attempt once in requests.csv, every\n"
			    "  span's parent present, and each tier's attempts = the next tier's\n"
			    "  requests + those recorded as conn_error or cancelled + those the next\n"
			    "  tier's stop cut (report/README.md).  One line per invariant, 'ok: ...'\n"
			    "  or 'FAIL: ...' naming the first offending FILE:LINE and span, then a\n"
			    "  summary.  Exit status 0 all hold, 1 one fails, 2 bad usage or a folder\n"
			    "  that cannot be read.  Missing files skip the checks that need them.\n"
			    "\n"
			    "  -o, --output FILE   where compare, html or trace writes\n"
			    "  -h, --help          this text\n"
			    "  -V, --version       the version\n"
			    "\n"
			    "Metrics are defined in report/README.md.  Exit status: 0 done, 1 an\n"
			    "output could not be written, 2 bad usage or a bad input file (the message\n"
			    "names FILE:LINE); on error nothing is written.\n";

/* `report DIR`; the table goes to stdout when print is set. */
static int report_dir(const char *dir, int print)
{
	char err[ERR_LEN] = "";
	struct run run = {0};
	struct summary sum;
	int code = EXIT_INPUT;

	if (run_load(&run, dir, err, sizeof(err)) < 0)
		goto done;
	code = EXIT_WRITE;
	if (report_write_outputs(&run, dir, &sum, err, sizeof(err)) < 0)
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
	run_free(&run);
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
	if (outfile_commit(tmp, out_path, err, sizeof(err)) < 0) {
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

/* Write text to path through a temporary file renamed into place. */
static int write_text(const char *path, const struct sbuf *text, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd = outfile_open_tmp(path, &tmp, err, errlen);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int rc = -1;
	if (!f) {
		if (fd >= 0) {
			errf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
		}
		goto done;
	}
	size_t len = text->len;
	int bad = fwrite(sbuf_str(text), 1, len, f) != len;
	if (fclose(f) != 0 || bad) {
		errf(err, errlen, "%s: write failed", path);
		unlink(tmp);
		goto done;
	}
	rc = outfile_commit(tmp, path, err, errlen);
done:
	free(tmp);
	return rc;
}

/* Load one run folder for a subcommand; prints the error itself. */
static int load_one(struct run *run, const char *dir)
{
	char err[ERR_LEN] = "";
	if (run_load(run, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		return -1;
	}
	return 0;
}

/* The argument count check every single-folder subcommand shares. */
static int want_dirs(const char *cmd, int argc, int min, int max)
{
	if (argc - optind < min || argc - optind > max) {
		fprintf(stderr, "report %s: %s\n%s", cmd,
			argc - optind < min ? "no run folder given" : "too many arguments", usage);
		return -1;
	}
	return 0;
}

/* getopt over a subcommand's own arguments; the short options it takes in
 * shortopts.  Returns the option, -1 at the end, or '?' (usage printed). */
static int next_opt(int argc, char **argv, const char *shortopts)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'}, {"plots", required_argument, NULL, 'p'},
	    {"width", required_argument, NULL, 'w'},  {"count", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (opt != -1 && opt != 'h' && (opt == '?' || !strchr(shortopts, opt))) {
		fputs(usage, stderr);
		return '?';
	}
	return opt;
}

/* A whole number >= min from an option, or -1. */
static long parse_count(const char *opt, const char *s, long min)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "report: %s: '%s' is not a whole number >= %ld\n", opt, s, min);
		return -1;
	}
	return v;
}

/* The arguments of a subcommand that takes only --help and one DIR (then
 * argv[optind]): EXIT_OK once the usage is printed for --help, EXIT_INPUT
 * for a bad option or folder count, -1 to go on. */
static int one_dir_args(const char *name, int argc, char **argv)
{
	int opt;
	optind = 1;
	while ((opt = next_opt(argc, argv, "h")) != -1) {
		if (opt != 'h')
			return EXIT_INPUT;
		fputs(usage, stdout);
		return EXIT_OK;
	}
	return want_dirs(name, argc, 1, 1) < 0 ? EXIT_INPUT : -1;
}

static int check_cmd(int argc, char **argv)
{
	struct sbuf out = SBUF_INIT;
	struct check_result res;
	char err[ERR_LEN] = "";
	int args = one_dir_args("check", argc, argv);
	if (args >= 0)
		return args;
	int rc = check_run(argv[optind], &out, &res, err, sizeof(err));
	fputs(sbuf_str(&out), stdout);
	sbuf_free(&out);
	if (rc < 0) {
		fprintf(stderr, "report check: %s\n", err);
		return EXIT_INPUT;
	}
	printf("%s: %u ok, %u failed, %u skipped: %s\n", argv[optind], res.ok, res.failed, res.skipped,
	       res.failed ? "records INCONSISTENT" : "nothing lost");
	return res.failed ? EXIT_CHECK_FAILED : EXIT_OK;
}

static int info_cmd(int argc, char **argv)
{
	struct scenario sc = {0};
	struct sbuf out = SBUF_INIT;
	char err[ERR_LEN] = "";
	int code = EXIT_INPUT;
	int args = one_dir_args("info", argc, argv);
	if (args >= 0)
		return args;
	char *path = xasprintf("%s/scenario.json", argv[optind]);
	if (scenario_load(&sc, path, NULL, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	info_format(&sc, &out);
	fputs(sbuf_str(&out), stdout);
	code = EXIT_OK;
done:
	free(path);
	sbuf_free(&out);
	scenario_free(&sc);
	return code;
}

static int series_cmd(int argc, char **argv)
{
	struct run run = {0};
	char err[ERR_LEN] = "";
	int code = EXIT_INPUT;
	int args = one_dir_args("series", argc, argv);
	if (args >= 0)
		return args;
	if (load_one(&run, argv[optind]) < 0)
		goto done;
	char *plots = xasprintf("%s/plots", argv[optind]);
	code = EXIT_OK;
	if (series_write(&run, plots, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		code = EXIT_WRITE;
	}
	free(plots);
done:
	run_free(&run);
	return code;
}

/* The trace id given in full or as a unique prefix; STRPOOL_NONE with a
 * message when there is none or several. */
static uint32_t find_trace(const struct run *r, const char *want)
{
	uint32_t found = strpool_find(&r->traces, want);
	if (found != STRPOOL_NONE)
		return found;
	size_t len = strlen(want), matches = 0;
	for (size_t t = 0; len && t < r->traces.n; t++)
		if (strncmp(strpool_str(&r->traces, (uint32_t)t), want, len) == 0) {
			found = (uint32_t)t;
			matches++;
		}
	if (matches == 1)
		return found;
	fprintf(stderr, "report waterfall: %s: %s\n", want,
		matches ? "matches several trace ids; give more of it" : "no such trace id in this run");
	return STRPOOL_NONE;
}

static int waterfall_cmd(int argc, char **argv)
{
	struct run run = {0};
	long width = 80;
	int opt, code = EXIT_INPUT;
	optind = 1;
	while ((opt = next_opt(argc, argv, "w:h")) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (opt == '?' || (width = parse_count("--width", optarg, 1)) < 0)
			return EXIT_INPUT;
	}
	if (want_dirs("waterfall", argc, 1, 2) < 0 || load_one(&run, argv[optind]) < 0)
		goto done;
	uint32_t trace = optind + 1 < argc ? find_trace(&run, argv[optind + 1]) : reqtree_worst(&run, NULL);
	if (trace == STRPOOL_NONE) {
		if (optind + 1 >= argc)
			fprintf(stderr, "report waterfall: %s: no client requests in this run\n",
				argv[optind]);
		goto done;
	}
	struct reqtree t;
	struct sbuf out = SBUF_INIT;
	reqtree_build(&run, trace, &t);
	waterfall_format(&run, &t, (int)(width > 10000 ? 10000 : width), &out);
	fputs(sbuf_str(&out), stdout);
	sbuf_free(&out);
	reqtree_free(&t);
	code = EXIT_OK;
done:
	run_free(&run);
	return code;
}

static int trace_cmd(int argc, char **argv)
{
	struct run run = {0};
	struct sbuf out = SBUF_INIT;
	const char *out_path = NULL;
	char *default_path = NULL;
	char err[ERR_LEN] = "";
	long count = TRACEJSON_SAMPLE;
	uint32_t *traces = NULL;
	int opt, code = EXIT_INPUT;
	optind = 1;
	while ((opt = next_opt(argc, argv, "n:o:h")) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (opt == '?')
			return EXIT_INPUT;
		if (opt == 'o')
			out_path = optarg;
		else if ((count = parse_count("--count", optarg, 0)) < 0)
			return EXIT_INPUT;
	}
	if (want_dirs("trace", argc, 1, 1) < 0 || load_one(&run, argv[optind]) < 0)
		goto done;
	if (!out_path)
		out_path = default_path = xasprintf("%s/trace.json", argv[optind]);
	size_t n = tracejson_sample(&run, (size_t)count, &traces);
	tracejson_format(&run, traces, n, &out);
	code = EXIT_WRITE;
	if (write_text(out_path, &out, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	printf("%s: %zu client requests\n", out_path, n);
	code = EXIT_OK;
done:
	free(traces);
	free(default_path);
	sbuf_free(&out);
	run_free(&run);
	return code;
}

static int html_cmd(int argc, char **argv)
{
	const char *out_path = NULL, *plots = NULL;
	char *default_out = NULL, *default_plots = NULL;
	char err[ERR_LEN] = "";
	struct html_run *runs = NULL;
	struct sbuf page = SBUF_INIT;
	size_t nruns = 0, missing = 0;
	int opt, code = EXIT_INPUT;
	optind = 1;
	while ((opt = next_opt(argc, argv, "o:p:h")) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (opt == '?')
			return EXIT_INPUT;
		if (opt == 'o')
			out_path = optarg;
		else
			plots = optarg;
	}
	if (want_dirs("html", argc, 1, argc) < 0)
		return EXIT_INPUT;
	nruns = (size_t)(argc - optind);
	if (nruns >= 2 && !out_path) {
		fprintf(stderr, "report html: several run folders need -o OUT.html\n");
		return EXIT_INPUT;
	}
	for (int i = optind; i < argc; i++)
		if (!is_dir(argv[i])) {
			fprintf(stderr, "report: %s: no such run folder\n", argv[i]);
			return EXIT_INPUT;
		}
	if (!out_path)
		out_path = default_out = xasprintf("%s/report.html", argv[optind]);
	if (!plots) {
		/* scripts/plot.sh's default: compare-plots/ in the first folder's parent */
		char *copy = xstrdup(argv[optind]);
		size_t len = strlen(copy);
		while (len > 1 && copy[len - 1] == '/')
			copy[--len] = '\0';
		char *slash = strrchr(copy, '/');
		if (!slash)
			plots = default_plots = xstrdup("compare-plots");
		else if (slash == copy)
			plots = default_plots = xstrdup("/compare-plots");
		else {
			*slash = '\0';
			plots = default_plots = xasprintf("%s/compare-plots", copy);
		}
		free(copy);
	}
	if (html_load_runs(argv + optind, nruns, &runs, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	html_page(runs, nruns, plots, &page, &missing);
	code = EXIT_WRITE;
	if (write_text(out_path, &page, err, sizeof(err)) < 0) {
		fprintf(stderr, "report: %s\n", err);
		goto done;
	}
	if (missing)
		fprintf(stderr, "report html: %zu plot%s missing; run scripts/plot.sh %s first\n", missing,
			missing == 1 ? "" : "s",
			nruns >= 2 ? "on the folders (with -o for the overlaid ones)" : "DIR");
	printf("%s\n", out_path);
	code = EXIT_OK;
done:
	html_free_runs(runs, nruns);
	sbuf_free(&page);
	free(default_out);
	free(default_plots);
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
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
	    {"compare", compare_cmd}, {"html", html_cmd}, {"trace", trace_cmd}, {"waterfall", waterfall_cmd},
	    {"series", series_cmd},   {"info", info_cmd}, {"check", check_cmd},
	};
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-' || argc > 2) {
		fprintf(stderr, "report: unexpected argument '%s'\n%s", argv[argc > 2 ? 2 : 1], usage);
		return EXIT_INPUT;
	}
	return report_dir(argv[1], 1);
}
