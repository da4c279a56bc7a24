/* harness: start the real cascade processes on free loopback ports for the
 * integration tests, talk HTTP to them, stop them by PID and read their CSVs.
 * Binaries come from $CASCADE_BIN (set by `make integration`).
 *
 * Under a checker (`make test-valgrind`): $CASCADE_WRAP is a command prefix
 * (space-separated words, e.g. "valgrind --error-exitcode=99 ...") put in
 * front of every cascade process the harness spawns, and $CASCADE_SLOW a
 * factor (default 1) by which every wait bound, every client timeout and
 * every real-time speed assertion is multiplied, since such a checker runs
 * the processes 20-50 times slower; chain_start then also passes it as
 * --time-scale, so the scenario (and the CSVs' scenario-time columns) keep
 * their meaning.  Assertions about what happens, and in which order, are
 * unchanged, except the few that only hold when a hop takes far less than a
 * per-hop margin (e.g. which tier's deadline fires first): those are skipped
 * under a checker. */
#ifndef CASCADE_HARNESS_H
#define CASCADE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define H_TIERS 4 /* dbsim, svc_b, svc_a, gateway: start order */
enum { H_DBSIM, H_SVC_B, H_SVC_A, H_GATEWAY };

struct chain {
	char dir[256];          /* temp folder: scenario, CSVs, logs */
	pid_t pid[H_TIERS];
	int port[H_TIERS];
	int exit_status[H_TIERS]; /* after chain_stop */
	char t0[32];              /* the shared --t0, for a restart */
	const char *const *sets;  /* chain_start's overrides (the caller keeps them alive) */
	const char *const *args;  /* chain_start_args' extra arguments (likewise) */
};

/* Write scenario_json to dir/scenario.json and start the four processes with
 * one shared t0 and the given --set overrides (NULL-terminated, may be NULL);
 * returns once all four have written their port file. */
void chain_start(struct chain *c, const char *scenario_json, const char *const *sets);
/* The same, with extra command-line arguments for every process
 * (NULL-terminated, may be NULL), e.g. "--idle-timeout", "1s". */
void chain_start_args(struct chain *c, const char *scenario_json, const char *const *sets,
		      const char *const *args);
/* SIGTERM each process (gateway first), wait for it, record its exit status. */
void chain_stop(struct chain *c);
/* SIGTERM every running tier at once, as run_scenario does, and reap each
 * as it exits: exit_status[i], and exit_s[i] (may be NULL) the seconds from
 * the signal to its exit (-1: still running after timeout_s, then killed). */
void chain_stop_all(struct chain *c, double timeout_s, double *exit_s);
/* Start tier i again (after it was killed and reaped: pid[i] == 0) on the
 * same port with the same arguments; returns once its port file is back.
 * Its previous <name>.csv and <name>_stats.csv are kept as <name>.before.csv
 * and <name>_stats.before.csv (the new process truncates its own). */
void chain_restart(struct chain *c, int i);
/* Wait (bounded by timeout_s) until no running tier has a request awaiting its
 * answer or orphaned with work still running. */
bool chain_wait_idle(struct chain *c, double timeout_s);
/* Wait (bounded) until tier i reports exactly n inbound requests in flight. */
bool chain_wait_inflight(struct chain *c, int i, long n, double timeout_s);
/* The sum of every sample of a metric (`name{...} value` lines) on tier i's
 * /metrics; -1 when /metrics does not answer. */
double chain_metric(const struct chain *c, int i, const char *name);
const char *h_tier_name(int i);

/* `report check` on the chain's folder (the tiers' own CSVs): its exit
 * status (0: every record consistent); its output goes to dir/check.txt. */
int chain_report_check(const struct chain *c);

/* SIGKILL one process by PID, and append the PID to the file $CASCADE_KILLED
 * names, if set: a checker's log for that process has no summary, and
 * scripts/valgrind.sh must know that was meant. */
void h_kill(pid_t pid);

/* Kill (SIGKILL, by PID) and reap every process started and not yet reaped,
 * then remove every folder h_tmpdir made (kept when $CASCADE_KEEP is set,
 * to look at after a failure): the .fini of every suite, so a test leaves
 * nothing running and nothing in /tmp. */
void h_cleanup(void);

/* mkdtemp(template) for a test's scratch folder, removed by h_cleanup;
 * asserts that it was made.  Returns template. */
char *h_tmpdir(char *template);

/* Start one process; stdout and stderr go to dir/<name>.log.  It dies with
 * the test process (PR_SET_PDEATHSIG). */
pid_t h_spawn(const char *dir, const char *name, char *const argv[]);
/* Wait until dir/<file> exists (inotify), bounded; its content as an int. */
int h_wait_port_file(const char *dir, const char *file, double timeout_s);
int h_wait_exit(pid_t pid, double timeout_s); /* exit status, or -1 on timeout (then SIGKILLed) */
const char *h_bin(void);
double h_slow(void);                          /* $CASCADE_SLOW, >= 1 */
char *h_read_file(const char *path);         /* whole file, caller frees; NULL if missing */
int h_free_port(void);                        /* a port nothing listens on */

struct h_response {
	long status; /* 0 when no HTTP answer */
	char body[8192];
	int curl_code;
	double elapsed_ms;
};
/* GET url with extra headers (NULL-terminated "Name: value" list); the
 * timeout is multiplied by h_slow(). */
void h_get(const char *url, const char *const *headers, long timeout_ms, struct h_response *res);
char *h_url(const struct chain *c, int tier, const char *path); /* caller frees */

/* Raw HTTP over a loopback socket, for what curl will not send (malformed,
 * pipelined, half-closed, never finished). */
int h_connect(int port);                                   /* to 127.0.0.1:port; asserts */
void h_send(int fd, const void *data, size_t len);         /* all of it; asserts */
struct h_raw {
	char *data;  /* everything received, NUL-terminated (caller frees) */
	size_t len;
	bool closed; /* the server closed (EOF or reset) */
	bool reset;  /* it was a reset */
};
/* Read until the server closes or timeout_ms passes. */
void h_recv_all(int fd, long timeout_ms, struct h_raw *out);
/* Connect, send, optionally shutdown(SHUT_WR), read until closed or timeout,
 * close. */
void h_raw_exchange(int port, const void *data, size_t len, bool shut_wr, long timeout_ms, struct h_raw *out);
/* Split received bytes into HTTP responses (status line, headers,
 * Content-Length body).  Up to max; returns how many were whole. */
struct h_raw_reply {
	long status;
	const char *body; /* into the h_raw's data; not NUL-terminated */
	size_t body_len;
	bool conn_close;  /* the reply said Connection: close */
};
size_t h_raw_replies(const struct h_raw *raw, struct h_raw_reply *out, size_t max);
/* Wait until the server closed fd (EOF or reset, anything before is read
 * and dropped); false after timeout_ms. */
bool h_wait_closed(int fd, long timeout_ms);

/* CSV rows of dir/<name>.csv, split into fields (no quoting in cascade's own rows). */
struct h_csv {
	size_t nrows, ncols;
	char **header;
	char ***rows;
};
bool h_csv_load(const char *path, struct h_csv *csv);
/* c->dir/<name>.csv, which must exist and end with a whole line. */
struct h_csv chain_csv(const struct chain *c, const char *name);
/* Rows whose column col1 equals v1 and col2 equals v2; a NULL value
 * matches any row. */
size_t h_csv_count(const struct h_csv *csv, const char *col1, const char *v1, const char *col2, const char *v2);
void h_csv_free(struct h_csv *csv);
int h_csv_col(const struct h_csv *csv, const char *name); /* -1 when absent */
const char *h_csv_get(const struct h_csv *csv, size_t row, const char *col);

#endif
