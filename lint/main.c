/* lint: static analysis of a scenario before anything runs (lint/README.md).
 * Loads the scenario as every process does, so a bad one fails here with
 * the same message and status, then prints each finding of lint_scenario. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "scenario.h"
#include "util.h"

enum format { FORMAT_TEXT, FORMAT_CSV };

struct options {
	const char *file;
	char **sets;
	size_t nsets;
	bool strict;
	enum format format;
};

static void usage(FILE *out)
{
	fputs("usage: lint FILE [--set KEY.PATH=VALUE]... [--strict] [--format text|csv]\n"
	      "Static analysis of a scenario before anything runs: the worst-case attempts reaching\n"
	      "each tier per client request, timeouts that outlive their callers, retries that cannot\n"
	      "finish or start in time, orphaned work, the incident's pattern, a statement timeout\n"
	      "or a queue longer than anyone waits.  One finding a line:\n"
	      "  FILE:LINE:COL: SEVERITY: KEY: MESSAGE (suggestion: ...)\n"
	      "pointing at the key (a default: the nearest enclosing key in the file; a --set: the\n"
	      "--set).  Severities: note, warning, error.  The rules: lint/README.md.\n"
	      "  --set KEY.PATH=VALUE  override a scenario value, as a run would (repeatable)\n"
	      "  --strict              a warning fails too\n"
	      "  --format text|csv     text (default), or CSV with a header row:\n"
	      "                        file,line,col,origin,set,severity,rule,key,value,message,suggestion\n"
	      "  -h, --help, --version\n"
	      "Exit status: 0 no error (warnings and notes allowed); 1 an error, or a warning with\n"
	      "--strict; 2 bad usage or a bad scenario (the message of the scenario loader).\n",
	      out);
}

/* 0, or 2 after saying why (or 1 for --help/--version: done, status 0). */
static int parse_opts(int argc, char **argv, struct options *o)
{
	enum { OPT_SET = 256, OPT_STRICT, OPT_FORMAT, OPT_HELP, OPT_VERSION };
	static const struct option opts[] = {
	    {"set", required_argument, NULL, OPT_SET},	     {"strict", no_argument, NULL, OPT_STRICT},
	    {"format", required_argument, NULL, OPT_FORMAT}, {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},     {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SET:
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "lint: --set %s: expected KEY.PATH=VALUE\n", optarg);
				return 2;
			}
			o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
			o->sets[o->nsets++] = optarg;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text")) {
				o->format = FORMAT_TEXT;
			} else if (!strcmp(optarg, "csv")) {
				o->format = FORMAT_CSV;
			} else {
				fprintf(stderr, "lint: --format %s: expected text or csv\n", optarg);
				return 2;
			}
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("lint %s\n", CASCADE_VERSION);
			return 1;
		default:
			fprintf(stderr, "lint: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lint: %s\n",
			optind == argc ? "no scenario file given" : "more than one file given");
		usage(stderr);
		return 2;
	}
	o->file = argv[optind];
	return 0;
}

/* One CSV field, quoted RFC 4180-style when it needs to be. */
static void csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void print_csv(const struct lint_list *l, const struct lint_source *src)
{
	static const char *const origins[] = {"file", "default", "set"};
	char num[64];

	puts("file,line,col,origin,set,severity,rule,key,value,message,suggestion");
	for (size_t i = 0; i < l->n; i++) {
		const struct lint_finding *f = &l->v[i];
		csv_field(src->file, false);
		snprintf(num, sizeof(num), "%d", f->line);
		csv_field(f->origin == LINT_FROM_SET ? "" : num, false);
		snprintf(num, sizeof(num), "%d", f->col);
		csv_field(f->origin == LINT_FROM_SET ? "" : num, false);
		csv_field(origins[f->origin], false);
		csv_field(f->origin == LINT_FROM_SET ? src->sets[f->set] : "", false);
		csv_field(lint_severity_name(f->severity), false);
		csv_field(lint_rule_name(f->rule), false);
		csv_field(f->key, false);
		/* %.17g keeps every digit; infinity (no limit) is an empty field. */
		if (isfinite(f->value))
			snprintf(num, sizeof(num), "%.17g", f->value);
		else
			num[0] = '\0';
		csv_field(num, false);
		csv_field(f->message, false);
		csv_field(f->suggestion ? f->suggestion : "", true);
	}
}

int main(int argc, char **argv)
{
	struct options o = {.format = FORMAT_TEXT};
	struct scenario sc;
	struct scenario_origins origins = {0};
	struct lint_list findings = {0};
	struct sbuf line = SBUF_INIT;
	char err[ERR_LEN];
	int rc = parse_opts(argc, argv, &o);

	if (rc != 0) {
		free(o.sets);
		return rc == 1 ? 0 : 2;
	}
	if (scenario_load_origins(&sc, o.file, o.sets, o.nsets, &origins, err, sizeof(err)) < 0) {
		fprintf(stderr, "lint: %s\n", err);
		rc = 2;
		goto done;
	}
	struct lint_source src = {.file = o.file, .origins = &origins, .sets = o.sets, .nsets = o.nsets};
	lint_scenario(&sc, &src, &findings);
	if (o.format == FORMAT_CSV) {
		print_csv(&findings, &src);
	} else {
		for (size_t i = 0; i < findings.n; i++) {
			sbuf_reset(&line);
			lint_format(&findings.v[i], &src, &line);
			puts(sbuf_str(&line));
		}
	}
	if (fflush(stdout) != 0) {
		perror("lint: stdout");
		rc = 2;
	} else if (lint_count(&findings, LINT_ERROR) > 0 ||
		   (o.strict && lint_count(&findings, LINT_WARNING) > 0)) {
		rc = 1;
	}
done:
	sbuf_free(&line);
	lint_list_free(&findings);
	scenario_origins_free(&origins);
	scenario_free(&sc);
	free(o.sets);
	return rc;
}
