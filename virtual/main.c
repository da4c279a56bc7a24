/* virtual: a whole scenario in virtual time, in one process (engine.h).
 * Reads the scenario with the same loader as the real processes, so a bad
 * file gets the same file:line:col message and exit status 2. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "engine.h"
#include "outfile.h"
#include "records.h"
#include "scenario.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: virtual --scenario FILE --out DIR [options]\n"
		"Runs a scenario in the deterministic virtual-time engine: the same decision cores as\n"
		"the real processes, a modelled network, no sockets and no clock.  Writes the run\n"
		"folder a real run leaves (requests.csv, spans.csv, stats.csv, tiers/, summary.csv,\n"
		"timeseries.csv, scenario.json, run.log).\n\n"
		"options:\n"
		"  --scenario FILE     scenario JSON; without it the incident's defaults apply\n"
		"  --out DIR           the run folder (created; its files are replaced)\n"
		"  --records MODE      full (default): every CSV; summary: summary.csv and\n"
		"                      timeseries.csv only; none: nothing (time the simulation)\n"
		"  --seed N            seed for every random choice of the run\n"
		"  --time-scale X      recorded in scenario.json; a virtual run takes no real time\n"
		"  --set KEY.PATH=VAL  override a scenario value (repeatable)\n"
		"  --quiet             print nothing but errors\n"
		"  --print-scenario    print the resolved scenario as JSON and exit (validates it)\n"
		"  --help, --version\n\n"
		"Exit status: 0 ok, 1 a file could not be written, 2 bad usage or invalid scenario.\n");
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = outfile_fopen(path, 0, err, errlen);
	int rc = 0;

	if (!f) {
		free(path);
		return -1;
	}
	fputs(text, f);
	if (fclose(f) != 0)
		rc = errf(err, errlen, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

static int append_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "a");
	int rc = 0;

	if (!f || fputs(text, f) < 0)
		rc = errf(err, errlen, "%s: %s", path, strerror(errno));
	if (f && fclose(f) != 0 && rc == 0)
		rc = errf(err, errlen, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_SCENARIO = 256, OPT_OUT, OPT_RECORDS, OPT_SEED, OPT_TIME_SCALE, OPT_SET, OPT_QUIET, OPT_PRINT,
	       OPT_HELP, OPT_VERSION };
	static const struct option opts[] = {
	    {"scenario", required_argument, NULL, OPT_SCENARIO},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"records", required_argument, NULL, OPT_RECORDS},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"time-scale", required_argument, NULL, OPT_TIME_SCALE},
	    {"set", required_argument, NULL, OPT_SET},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"print-scenario", no_argument, NULL, OPT_PRINT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	const char *scenario_path = NULL, *out = NULL, *seed = NULL, *time_scale = NULL;
	enum records_mode mode = RECORDS_FULL;
	bool quiet = false, print = false;
	char **sets = NULL;
	size_t nsets = 0;
	struct scenario sc = {0};
	char err[ERR_LEN];
	int c, rc = 2;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SCENARIO: scenario_path = optarg; break;
		case OPT_OUT: out = optarg; break;
		case OPT_RECORDS:
			if (records_mode_from_name(optarg) < 0) {
				fprintf(stderr, "virtual: --records %s: expected full, summary or none\n", optarg);
				goto done;
			}
			mode = (enum records_mode)records_mode_from_name(optarg);
			break;
		case OPT_SEED: seed = optarg; break;
		case OPT_TIME_SCALE: time_scale = optarg; break;
		case OPT_SET:
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "virtual: --set %s: expected KEY.PATH=VALUE\n", optarg);
				goto done;
			}
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			sets[nsets++] = xstrdup(optarg);
			break;
		case OPT_QUIET: quiet = true; break;
		case OPT_PRINT: print = true; break;
		case OPT_HELP: usage(stdout); rc = 0; goto done;
		case OPT_VERSION: printf("virtual %s\n", CASCADE_VERSION); rc = 0; goto done;
		default:
			fprintf(stderr, "virtual: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			goto done;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "virtual: unexpected argument '%s'\n", argv[optind]);
		goto done;
	}
	/* --time-scale and --seed win over every --set, as for the real processes */
	if (time_scale) {
		sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
		sets[nsets++] = xasprintf("time_scale=%s", time_scale);
	}
	if (seed) {
		sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
		sets[nsets++] = xasprintf("seed=%s", seed);
	}
	if (scenario_load(&sc, scenario_path, sets, nsets, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtual: %s\n", err);
		goto done;
	}
	char *json = scenario_resolved_json(&sc);
	if (print) {
		fputs(json, stdout);
		free(json);
		rc = 0;
		goto done;
	}
	if (!out && mode != RECORDS_NONE) {
		fprintf(stderr, "virtual: --out DIR is needed (or --records none)\n");
		free(json);
		goto done;
	}
	rc = 1;
	if (out && mkdir(out, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "virtual: --out %s: %s\n", out, strerror(errno));
		free(json);
		goto done;
	}
	if (out && mode == RECORDS_FULL && write_file(out, "scenario.json", json, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtual: %s\n", err);
		free(json);
		goto done;
	}
	free(json);

	struct records *w = records_open(out ? out : ".", mode, &sc, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "virtual: %s\n", err);
		goto done;
	}
	struct engine_stats st;
	double t0 = mono_s();
	engine_run(&sc, w, &st);
	double t1 = mono_s();
	size_t rows = records_rows(w);
	if (records_close(w, !quiet, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtual: %s\n", err);
		goto done;
	}
	double t2 = mono_s();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	char *log = xasprintf("events: %llu\n"
			      "rows: %zu\n"
			      "scenario_end_ms: %.3f\n"
			      "simulation_s: %.6f\n"
			      "records_s: %.6f\n"
			      "peak_connections: %zu\n"
			      "max_rss_kb: %ld\n",
			      (unsigned long long)st.events, rows, st.end_ms, t1 - t0,
			      t2 - t1, st.peak_conns, ru.ru_maxrss);
	if (out && mode == RECORDS_FULL && append_file(out, "run.log", log, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtual: %s\n", err);
		free(log);
		goto done;
	}
	if (!quiet)
		printf("virtual: %llu events, %zu rows, %.1f ms simulating, %.1f ms writing records (%.0f events/s), "
		       "at most %zu connections in flight\n",
		       (unsigned long long)st.events, rows, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
		       t1 > t0 ? (double)st.events / (t1 - t0) : 0, st.peak_conns);
	free(log);
	rc = 0;
done:
	scenario_free(&sc);
	for (size_t i = 0; i < nsets; i++)
		free(sets[i]);
	free(sets);
	return rc;
}
