/* test_faults: the chain when a process dies under it or is stopped in the
 * middle of a storm.  dbsim killed with requests in flight, dbsim started
 * again on its port, and SIGTERM to all four while hundreds of requests are
 * in flight at every tier. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "record.h"
#include <unistd.h>

#include "harness.h"

TestSuite(faults, .fini = h_cleanup);

/* dbsim holds every query (a stall), so requests stay in flight at every
 * tier until something else ends them; every timeout is 10 s, far above any
 * time these tests allow for an answer. */
static const char *const BASE = "{\n"
				"  \"name\": \"faults\",\n"
				"  \"seed\": 7,\n"
				"  \"time_scale\": 1,\n"
				"  \"tiers\": {\n"
				"    \"gateway\": {\"retries\": 0, \"timeout\": \"10s\"},\n"
				"    \"svc_a\": {\"retries\": 0, \"timeout\": \"10s\"},\n"
				"    \"svc_b\": {\"retries\": 2, \"timeout\": \"10s\"},\n"
				"    \"dbsim\": {\"workers\": 4, \"statement_timeout\": \"10s\",\n"
				"               \"service_time\": {\"dist\": \"fixed\", \"value\": \"5ms\"}}\n"
				"  }\n"
				"}\n";

#define STALL "faults=[{\"tier\":\"dbsim\",\"kind\":\"stall\",\"start\":\"0s\",\"end\":\"1h\"}]"

/* How soon after SIGTERM every process must have exited: 1 s, or 3 s when
 * the processes carry ASan/UBSan (this test binary is built the same way):
 * they run 2-3 times slower, and LeakSanitizer scans the heap at exit. */
#if defined(__SANITIZE_ADDRESS__)
#define EXIT_BOUND_S 3.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXIT_BOUND_S 3.0
#endif
#endif
#ifndef EXIT_BOUND_S
#define EXIT_BOUND_S 1.0
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A GET on the gateway sent on a raw socket, so that hundreds can be in
 * flight from this one thread; the reply is read later by read_status. */
static int send_request(const struct chain *c, int n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char req[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0), len;

	cr_assert(fd >= 0);
	sa.sin_port = htons(c->port[H_GATEWAY]);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	len = snprintf(req, sizeof(req),
		       "GET / HTTP/1.1\r\nHost: x\r\n"
		       "traceparent: 00-0af7651916cd43dd8448eb21%08x-b7ad6b7169203331-01\r\n\r\n",
		       n);
	cr_assert_eq(write(fd, req, len), len);
	return fd;
}

/* Read the status line of the reply on fd, waiting at most timeout_s: the
 * status, or 0 when the connection closed without one, -1 on timeout. */
static int read_status(int fd, double timeout_s, char *body, size_t bodylen)
{
	char buf[1024];
	size_t have = 0;
	double end = now_s() + timeout_s * h_slow();

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = end - now_s();
		ssize_t n;
		char *eoh;
		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			return -1;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = 0;
		if ((eoh = strstr(buf, "\r\n\r\n")) || have == sizeof(buf) - 1) {
			if (body)
				snprintf(body, bodylen, "%s", eoh ? eoh + 4 : "");
			return strncmp(buf, "HTTP/1.1 ", 9) == 0 ? atoi(buf + 9) : 0;
		}
	}
}

static size_t count(const struct h_csv *csv, const char *kind, const char *outcome)
{
	return h_csv_count(csv, "kind", kind, "outcome", outcome);
}

/* Every tier's span CSV and stats CSV: whole lines, the right header. */
static void check_csvs_complete(const struct chain *c)
{
	static const char *const spans_header = SPAN_CSV_HEADER "\n";
	static const char *const stats_header = STATS_CSV_HEADER "\n";

	for (int i = 0; i < H_TIERS; i++) {
		char path[512], *text;
		snprintf(path, sizeof(path), "%s/%s.csv", c->dir, h_tier_name(i));
		text = h_read_file(path);
		cr_assert_not_null(text, "%s missing", path);
		cr_assert(strncmp(text, spans_header, strlen(spans_header)) == 0, "%s: header", path);
		cr_assert(text[strlen(text) - 1] == '\n', "%s ends with a partial line", path);
		free(text);
		snprintf(path, sizeof(path), "%s/%s_stats.csv", c->dir, h_tier_name(i));
		text = h_read_file(path);
		cr_assert_not_null(text, "%s missing", path);
		cr_assert(strncmp(text, stats_header, strlen(stats_header)) == 0, "%s: header", path);
		cr_assert(text[strlen(text) - 1] == '\n', "%s ends with a partial line", path);
		free(text);
	}
}

static void get_gateway(const struct chain *c, long timeout_ms, struct h_response *res)
{
	char *url = h_url(c, H_GATEWAY, "/");
	h_get(url, NULL, timeout_ms, res);
	free(url);
}

/* SIGKILL dbsim (by PID) and reap it: the kernel closes its sockets. */
static double kill_dbsim(struct chain *c)
{
	double at;
	h_kill(c->pid[H_DBSIM]);
	at = now_s();
	cr_assert_eq(h_wait_exit(c->pid[H_DBSIM], 5), 128 + SIGKILL);
	c->pid[H_DBSIM] = 0;
	return at;
}

#define KILL_INFLIGHT 20

Test(faults, dbsim_killed_in_flight_gets_502_at_once_and_nothing_hangs, .timeout = 60)
{
	static const char *const sets[] = {STALL, NULL};
	struct chain c;
	struct h_response res;
	int fd[KILL_INFLIGHT];
	double killed_at, slowest = 0, exit_s[H_TIERS];
	struct h_csv b, db;

	chain_start(&c, BASE, sets);
	for (int i = 0; i < KILL_INFLIGHT; i++)
		fd[i] = send_request(&c, i);
	cr_assert(chain_wait_inflight(&c, H_DBSIM, KILL_INFLIGHT, 10), "the requests did not all reach dbsim");
	killed_at = kill_dbsim(&c);

	/* Each request in flight: svc_b's attempt breaks, its retries are
	 * refused, and its 502 comes up the chain well before any timeout. */
	for (int i = 0; i < KILL_INFLIGHT; i++) {
		char body[512];
		int status = read_status(fd[i], 5, body, sizeof(body));
		double took = now_s() - killed_at;
		cr_assert_eq(status, 502, "request %d: status %d after %.3f s", i, status, took);
		cr_assert(strstr(body, "svc_b: upstream unreachable"), "svc_b answered it: %s", body);
		if (took > slowest)
			slowest = took;
		close(fd[i]);
	}
	cr_log_info("in-flight requests: the last 502 %.1f ms after the SIGKILL", slowest * 1000);
	cr_assert_lt(slowest, 2.0 * h_slow(), "the last 502 came %.3f s after the kill", slowest);

	/* A new request: every svc_b attempt is refused at once. */
	get_gateway(&c, 5000, &res);
	cr_log_info("a new request: 502 after %.1f ms", res.elapsed_ms);
	cr_assert_eq(res.status, 502, "%ld %s", res.status, res.body);
	cr_assert_lt(res.elapsed_ms, 2000 * h_slow(), "took %.1f ms", res.elapsed_ms);
	cr_assert(chain_wait_idle(&c, 5), "a tier still has requests in flight");

	chain_stop_all(&c, 5, exit_s);
	for (int i = H_SVC_B; i < H_TIERS; i++) {
		cr_assert_eq(c.exit_status[i], 0, "%s exited with %d", h_tier_name(i), c.exit_status[i]);
		cr_log_info("%s exited %.1f ms after SIGTERM", h_tier_name(i), exit_s[i] * 1000);
	}
	check_csvs_complete(&c);
	cr_assert_eq(chain_report_check(&c), 0, "report check: see %s/check.txt", c.dir);

	/* svc_b: one 502 server row per request, each made of three attempts
	 * that all ended in conn_error (the broken one, then two refused). */
	b = chain_csv(&c, "svc_b");
	cr_assert_eq(count(&b, "server", NULL), KILL_INFLIGHT + 1);
	cr_assert_eq(count(&b, "server", "conn_error"), KILL_INFLIGHT + 1);
	for (size_t r = 0; r < b.nrows; r++)
		if (strcmp(h_csv_get(&b, r, "kind"), "server") == 0)
			cr_assert_str_eq(h_csv_get(&b, r, "status"), "502");
	cr_assert_eq(count(&b, "client", NULL), 3 * (KILL_INFLIGHT + 1));
	cr_assert_eq(count(&b, "client", "conn_error"), 3 * (KILL_INFLIGHT + 1));
	h_csv_free(&b);
	/* dbsim died with its queries held: it wrote no row for them, but what
	 * it wrote is whole (the header). */
	db = chain_csv(&c, "dbsim");
	cr_assert_eq(db.nrows, 0);
	h_csv_free(&db);
}

#define RECOVER_BURST 20

Test(faults, dbsim_restarted_on_its_port_and_the_chain_recovers, .timeout = 60)
{
	static const char *const sets[] = {"tiers.svc_b.retries=0", NULL};
	struct chain c;
	struct h_response res;
	double restarted_at, recovered_s;
	int tries = 0, fd[RECOVER_BURST];

	chain_start(&c, BASE, sets);
	/* A burst first, so that svc_b holds pooled connections to the dbsim
	 * about to die. */
	for (int i = 0; i < RECOVER_BURST; i++)
		fd[i] = send_request(&c, i);
	for (int i = 0; i < RECOVER_BURST; i++) {
		int status = read_status(fd[i], 5, NULL, 0);
		cr_assert_eq(status, 200, "request %d before the kill: %d", i, status);
		close(fd[i]);
	}
	kill_dbsim(&c);
	get_gateway(&c, 5000, &res);
	cr_assert_eq(res.status, 502, "with dbsim gone: %ld %s", res.status, res.body);

	restarted_at = now_s();
	chain_restart(&c, H_DBSIM); /* returns once it listens again */
	do {
		get_gateway(&c, 5000, &res);
		tries++;
	} while (res.status != 200 && tries < 20);
	recovered_s = now_s() - restarted_at;
	cr_log_info("recovered %.1f ms after the restart began, on try %d", recovered_s * 1000, tries);
	cr_assert_eq(res.status, 200, "still %ld after %d tries: %s", res.status, tries, res.body);
	/* svc_b's pooled connection to the old dbsim is dead; curl must notice
	 * that itself rather than hand it out and fail the request. */
	cr_assert_eq(tries, 1, "the first request after the restart failed");
	cr_assert_lt(recovered_s, 5.0 * h_slow());
	/* Enough at once that svc_b needs more connections than the one it
	 * made since the restart. */
	for (int i = 0; i < RECOVER_BURST; i++)
		fd[i] = send_request(&c, i);
	for (int i = 0; i < RECOVER_BURST; i++) {
		int status = read_status(fd[i], 5, NULL, 0);
		cr_assert_eq(status, 200, "request %d of the burst after the restart: %d", i, status);
		close(fd[i]);
	}

	chain_stop_all(&c, 5, NULL);
	for (int i = 0; i < H_TIERS; i++)
		cr_assert_eq(c.exit_status[i], 0, "%s exited with %d", h_tier_name(i), c.exit_status[i]);
	/* No report check: dbsim's rows are split between its two lives'
	 * files (dbsim.before.csv), which a run folder does not have. */
	check_csvs_complete(&c);
	struct h_csv db = chain_csv(&c, "dbsim");
	cr_assert_eq(count(&db, "server", "ok"), 1 + RECOVER_BURST, "the new dbsim answered every request");
	h_csv_free(&db);
}

#define STORM 300

Test(faults, sigterm_in_a_storm_every_process_exits_within_a_second, .timeout = 120)
{
	static const char *const sets[] = {STALL, "tiers.gateway.retries=2", "tiers.svc_a.retries=2", NULL};
	struct chain c;
	int fd[STORM];
	double inflight[H_TIERS], closed[H_TIERS], exit_s[H_TIERS];

	chain_start(&c, BASE, sets);
	for (int i = 0; i < STORM; i++)
		fd[i] = send_request(&c, i);
	cr_assert(chain_wait_inflight(&c, H_DBSIM, STORM, 30), "the storm did not reach dbsim");
	for (int i = 0; i < H_TIERS; i++) {
		inflight[i] = chain_metric(&c, i, "cascade_inflight");
		closed[i] = chain_metric(&c, i, "cascade_requests_total");
		cr_assert_eq(inflight[i], STORM, "%s: %.0f in flight", h_tier_name(i), inflight[i]);
	}

	chain_stop_all(&c, 10, exit_s);
	for (int i = 0; i < H_TIERS; i++) {
		cr_log_info("%s exited %.1f ms after SIGTERM", h_tier_name(i), exit_s[i] * 1000);
		cr_assert_eq(c.exit_status[i], 0, "%s exited with %d", h_tier_name(i), c.exit_status[i]);
		cr_assert_lt(exit_s[i], EXIT_BOUND_S * h_slow(), "%s took %.3f s to exit", h_tier_name(i), exit_s[i]);
	}
	check_csvs_complete(&c);
	cr_assert_eq(chain_report_check(&c), 0, "report check: see %s/check.txt", c.dir);

	/* Each request in flight at the signal became exactly one server row:
	 * `cancelled` when its own tier closed it out; the others saw the tier
	 * below stop first (conn_error, upstream_error) or the tier above
	 * leave (caller_gone).  None ended on its own. */
	for (int i = 0; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(&c, h_tier_name(i));
		size_t servers = count(&csv, "server", NULL);
		size_t cut = count(&csv, "server", "cancelled") + count(&csv, "server", "conn_error") +
			     count(&csv, "server", "upstream_error") + count(&csv, "server", "caller_gone");
		cr_log_info("%s: %.0f in flight, %zu rows, %zu cancelled", h_tier_name(i), inflight[i], servers,
			    count(&csv, "server", "cancelled"));
		cr_assert_eq(servers, closed[i] + inflight[i], "%s: %zu server rows for %.0f closed + %.0f in flight",
			     h_tier_name(i), servers, closed[i], inflight[i]);
		cr_assert_eq(cut, servers, "%s: a request ended other than by the stop", h_tier_name(i));
		h_csv_free(&csv);
	}
	for (int i = 0; i < STORM; i++)
		close(fd[i]);
}

/* The same stop while svc_b retries into the stalled dbsim: each attempt
 * times out after 200 ms, its connection closes and a new one opens, so
 * dbsim sees a churn of arrivals and departures when the signal comes. */
Test(faults, sigterm_in_a_retry_storm_every_process_exits_within_a_second, .timeout = 120)
{
	static const char *const sets[] = {
		STALL, "tiers.svc_b.retries=10", "tiers.svc_b.attempt_timeout=200ms",
		"tiers.svc_b.backoff={\"base\":\"1ms\",\"cap\":\"2ms\",\"jitter\":\"none\"}", NULL};
	struct chain c;
	int fd[STORM];
	double inflight[H_TIERS], closed[H_TIERS], arrivals_db, exit_s[H_TIERS];
	double end;

	chain_start(&c, BASE, sets);
	for (int i = 0; i < STORM; i++)
		fd[i] = send_request(&c, i);
	/* Wait until the whole storm reached svc_b, then until the retries
	 * flow: dbsim has seen it three times. */
	end = now_s() + 30;
	while (chain_metric(&c, H_SVC_B, "cascade_arrivals_total") < STORM && now_s() < end)
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	while (chain_metric(&c, H_DBSIM, "cascade_arrivals_total") < 3 * STORM && now_s() < end)
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	/* A request svc_b gives up on (after 11 attempts, 2.2 s; sooner than
	 * the stop only on a slow build) is answered up the chain and not
	 * retried above svc_b: from here on no tier but dbsim gets a new one. */
	for (int i = H_SVC_B; i < H_TIERS; i++) {
		inflight[i] = chain_metric(&c, i, "cascade_inflight");
		closed[i] = chain_metric(&c, i, "cascade_requests_total");
	}
	arrivals_db = chain_metric(&c, H_DBSIM, "cascade_arrivals_total");
	cr_assert_geq(arrivals_db, 3 * STORM, "the retries did not reach dbsim: %.0f arrivals", arrivals_db);

	chain_stop_all(&c, 10, exit_s);
	for (int i = 0; i < H_TIERS; i++) {
		cr_log_info("%s exited %.1f ms after SIGTERM", h_tier_name(i), exit_s[i] * 1000);
		cr_assert_eq(c.exit_status[i], 0, "%s exited with %d", h_tier_name(i), c.exit_status[i]);
		cr_assert_lt(exit_s[i], EXIT_BOUND_S * h_slow(), "%s took %.3f s to exit", h_tier_name(i), exit_s[i]);
	}
	check_csvs_complete(&c);
	cr_assert_eq(chain_report_check(&c), 0, "report check: see %s/check.txt", c.dir);

	for (int i = H_SVC_B; i < H_TIERS; i++) {
		struct h_csv csv = chain_csv(&c, h_tier_name(i));
		size_t servers = count(&csv, "server", NULL);
		cr_log_info("%s: %.0f in flight, %zu rows, %zu cancelled", h_tier_name(i), inflight[i], servers,
			    count(&csv, "server", "cancelled"));
		cr_assert_eq(servers, STORM, "%s: %zu server rows for %d requests", h_tier_name(i), servers, STORM);
		cr_assert_eq(servers, closed[i] + inflight[i], "%s: %zu server rows for %.0f closed + %.0f in flight",
			     h_tier_name(i), servers, closed[i], inflight[i]);
		h_csv_free(&csv);
	}
	/* dbsim: a row for every arrival, each held query ended by its caller
	 * leaving (a timed-out attempt) or by the stop. */
	struct h_csv db = chain_csv(&c, "dbsim");
	cr_log_info("dbsim: %.0f arrivals before the stop, %zu rows, %zu cancelled", arrivals_db, db.nrows,
		    count(&db, "server", "cancelled"));
	cr_assert_geq(db.nrows, arrivals_db);
	cr_assert_eq(count(&db, "server", "caller_gone") + count(&db, "server", "cancelled"), db.nrows);
	h_csv_free(&db);
	for (int i = 0; i < STORM; i++)
		close(fd[i]);
}
