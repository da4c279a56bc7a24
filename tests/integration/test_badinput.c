/* test_badinput: hostile and odd HTTP at each of the four servers (gateway,
 * svc_a, svc_b, dbsim), sent over raw loopback sockets: oversized and
 * numerous headers, invalid header values, bodies nobody asked for, idle and
 * half-sent connections, half-closed and pipelined connections.  Each server
 * must answer as scenarios/README.md ("Bad input") says, record what it
 * answered, and go on serving.  Also: where the servers listen by default,
 * and output files that must not follow a planted symbolic link. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

TestSuite(badinput, .fini = h_cleanup);

static const char *const BASE = "{\n"
				"  \"name\": \"badinput\",\n"
				"  \"seed\": 7,\n"
				"  \"time_scale\": 1,\n"
				"  \"tiers\": {\n"
				"    \"gateway\": {\"retries\": 0, \"propagate_deadline\": true},\n"
				"    \"svc_a\": {\"retries\": 0, \"propagate_deadline\": true},\n"
				"    \"svc_b\": {\"retries\": 0, \"propagate_deadline\": true},\n"
				"    \"dbsim\": {\"workers\": 4, \"service_time\": {\"dist\": \"fixed\", \"value\": \"5ms\"}}\n"
				"  }\n"
				"}\n";

#define GET_ROOT "GET / HTTP/1.1\r\nHost: cascade\r\n"
#define REPLIES_MAX 8

/* A well-formed traceparent line whose trace id is n in hex. */
static void traceparent_line(char *out, size_t len, unsigned long long n)
{
	snprintf(out, len, "traceparent: 00-%032llx-b7ad6b7169203331-01\r\n", n);
}

static void trace_id_of(char *out, size_t len, unsigned long long n)
{
	snprintf(out, len, "%032llx", n);
}

/* The tier answers a plain GET / (through the chain below it) with 200. */
static void assert_serves(const struct chain *c, int tier)
{
	struct h_response res;
	char *url = h_url(c, tier, "/");
	h_get(url, NULL, 10000, &res);
	free(url);
	cr_assert_eq(res.status, 200, "%s no longer serves: status %ld (curl %d) %s", h_tier_name(tier),
		     res.status, res.curl_code, res.body);
}

/* One raw request (Connection: close is the caller's business); the replies. */
static size_t exchange(const struct chain *c, int tier, const char *data, size_t len, bool shut_wr,
		       struct h_raw *raw, struct h_raw_reply *replies)
{
	h_raw_exchange(c->port[tier], data, len, shut_wr, 10000, raw);
	return h_raw_replies(raw, replies, REPLIES_MAX);
}

static struct h_csv load_tier(const struct chain *c, int tier) { return chain_csv(c, h_tier_name(tier)); }

static size_t rows_with(const struct h_csv *csv, const char *col, const char *value)
{
	size_t n = 0;
	for (size_t r = 0; r < csv->nrows; r++)
		if (strcmp(h_csv_get(csv, r, col), value) == 0)
			n++;
	return n;
}

/* The server row of the trace (exactly one). */
static size_t server_row(const struct h_csv *csv, const char *trace, const char *tier)
{
	size_t found = csv->nrows, n = 0;
	for (size_t r = 0; r < csv->nrows; r++)
		if (strcmp(h_csv_get(csv, r, "trace_id"), trace) == 0 &&
		    strcmp(h_csv_get(csv, r, "kind"), "server") == 0) {
			found = r;
			n++;
		}
	cr_assert_eq(n, 1, "%s: %zu server rows for trace %s", tier, n, trace);
	return found;
}

static void stop_ok(struct chain *c)
{
	cr_assert(chain_wait_idle(c, 10), "the chain did not go idle");
	chain_stop(c);
	for (int i = 0; i < H_TIERS; i++)
		cr_assert_eq(c->exit_status[i], 0, "%s exited with %d", h_tier_name(i), c->exit_status[i]);
}

/* A request with one header of value_len bytes. */
static char *one_long_header(size_t value_len, size_t *len)
{
	char *p = malloc(value_len + 128);
	cr_assert_not_null(p);
	*len = (size_t)sprintf(p, GET_ROOT "X-Long: ");
	memset(p + *len, 'a', value_len);
	*len += value_len;
	*len += (size_t)sprintf(p + *len, "\r\nConnection: close\r\n\r\n");
	return p;
}

Test(badinput, oversized_header_block_is_refused_and_the_server_goes_on, .timeout = 60)
{
	struct chain c;
	size_t big_len, fits_len;
	/* 16 KiB of header (the limit is 8 KiB), and 7 KiB that fits */
	char *big = one_long_header(16384, &big_len), *fits = one_long_header(7000, &fits_len);

	chain_start(&c, BASE, NULL);
	for (int t = 0; t < H_TIERS; t++) {
		struct h_raw raw;
		struct h_raw_reply rep[REPLIES_MAX];
		size_t n = exchange(&c, t, big, big_len, false, &raw, rep);

		/* evhttp answers 400 (not 431) and closes; a close alone would do */
		cr_assert(raw.closed, "%s kept the connection after an oversized header", h_tier_name(t));
		cr_assert(n == 0 || (n == 1 && rep[0].status == 400), "%s: %zu replies, first %ld",
			  h_tier_name(t), n, n ? rep[0].status : 0L);
		free(raw.data);

		n = exchange(&c, t, fits, fits_len, false, &raw, rep);
		cr_assert_eq(n, 1, "%s: no reply to a 7 KiB header", h_tier_name(t));
		cr_assert_eq(rep[0].status, 200, "%s: %ld to a header under the limit", h_tier_name(t),
			     rep[0].status);
		free(raw.data);
		assert_serves(&c, t);
	}
	stop_ok(&c);
	free(big);
	free(fits);
}

/* count headers "a: b" after the request line.  evhttp's size limit counts
 * header bytes without the line ends: 4 per header. */
static char *many_headers(int count, size_t *len)
{
	char *p = malloc((size_t)count * 6 + 128);
	cr_assert_not_null(p);
	*len = (size_t)sprintf(p, GET_ROOT);
	for (int i = 0; i < count; i++)
		*len += (size_t)sprintf(p + *len, "a: b\r\n");
	*len += (size_t)sprintf(p + *len, "Connection: close\r\n\r\n");
	return p;
}

Test(badinput, many_headers_are_served_within_the_size_limit_and_refused_beyond, .timeout = 60)
{
	struct chain c;
	size_t ok_len, over_len;
	char *ok = many_headers(1000, &ok_len), *over = many_headers(2500, &over_len);

	chain_start(&c, BASE, NULL);
	for (int t = 0; t < H_TIERS; t++) {
		struct h_raw raw;
		struct h_raw_reply rep[REPLIES_MAX];
		size_t n = exchange(&c, t, ok, ok_len, false, &raw, rep);

		cr_assert(n == 1 && rep[0].status == 200, "%s: 1000 headers (4 KB): %zu replies, %ld",
			  h_tier_name(t), n, n ? rep[0].status : 0L);
		free(raw.data);

		n = exchange(&c, t, over, over_len, false, &raw, rep);
		cr_assert(raw.closed, "%s kept the connection after 2500 headers", h_tier_name(t));
		cr_assert(n == 0 || (n == 1 && rep[0].status == 400), "%s: 2500 headers (10 KB): %zu replies, %ld",
			  h_tier_name(t), n, n ? rep[0].status : 0L);
		free(raw.data);
		assert_serves(&c, t);
	}
	stop_ok(&c);
	free(ok);
	free(over);
}

struct bad_value {
	const char *what;
	const char *lines;  /* header lines, each ending in \r\n */
	bool own_trace;     /* lines carry no traceparent: the test adds a valid one */
	const char *reason; /* in the 400 body */
};

/* Each is refused by cascade itself (400 with the reason and a row). */
static const struct bad_value bad_values[] = {
	{"grpc-timeout not a number", "grpc-timeout: abc\r\n", true, "grpc-timeout: "},
	{"grpc-timeout too long", "grpc-timeout: 123456789S\r\n", true, "grpc-timeout: "},
	{"grpc-timeout without unit", "grpc-timeout: 100\r\n", true, "grpc-timeout: "},
	{"traceparent too short", "traceparent: 00-abc\r\n", false, "traceparent: "},
	{"traceparent upper case", "traceparent: 00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01\r\n",
	 false, "traceparent: "},
	{"lineage with comma and quote", "x-cascade-lineage: gateway#1,\"x\"\r\n", true, "x-cascade-lineage: "},
	{"lineage folded over two lines", "x-cascade-lineage: gateway#1,\r\n \"x\",y\r\n", true,
	 "x-cascade-lineage: "},
	{"control characters", "traceparent: \x01\x1b[31m\x7f\r\n", false, "\\x01\\x1b[31m\\x7f"},
	{"non-ASCII", "x-cascade-lineage: caf\xc3\xa9#1\r\n", true, "caf\\xc3\\xa9#1"},
	{"tab and backslash", "x-cascade-lineage: a\t\\b#1\r\n", true, "a\\x09\\x5cb#1"},
};

/* The reply body is one line of printable ASCII. */
static void assert_printable(const struct h_raw_reply *r, const char *what)
{
	for (size_t i = 0; i < r->body_len; i++) {
		unsigned char ch = (unsigned char)r->body[i];
		bool last_newline = i + 1 == r->body_len && ch == '\n';
		cr_assert(last_newline || (ch >= 0x20 && ch < 0x7f), "%s: raw byte 0x%02x in the 400 body: %.*s", what,
			  ch, (int)r->body_len, r->body);
	}
}

Test(badinput, invalid_header_values_get_400_with_the_reason_and_a_whole_row, .timeout = 60)
{
	struct chain c;
	size_t nbad = sizeof(bad_values) / sizeof(bad_values[0]);

	chain_start(&c, BASE, NULL);
	for (int t = 0; t < H_TIERS; t++) {
		for (size_t b = 0; b < nbad; b++) {
			const struct bad_value *bv = &bad_values[b];
			char req[1024], tp[96];
			struct h_raw raw;
			struct h_raw_reply rep[REPLIES_MAX];
			size_t n;

			tp[0] = 0;
			if (bv->own_trace)
				traceparent_line(tp, sizeof(tp), 0x1000ULL * (t + 1) + b);
			snprintf(req, sizeof(req), GET_ROOT "%s%sConnection: close\r\n\r\n", tp, bv->lines);
			n = exchange(&c, t, req, strlen(req), false, &raw, rep);
			cr_assert_eq(n, 1, "%s, %s: %zu replies: %s", h_tier_name(t), bv->what, n, raw.data);
			cr_assert_eq(rep[0].status, 400, "%s, %s: %ld", h_tier_name(t), bv->what, rep[0].status);
			cr_assert(memmem(rep[0].body, rep[0].body_len, "bad request: ", 13) &&
				      memmem(rep[0].body, rep[0].body_len, bv->reason, strlen(bv->reason)),
				  "%s, %s: the reason (%s) is not in the body: %.*s", h_tier_name(t), bv->what,
				  bv->reason, (int)rep[0].body_len, rep[0].body);
			assert_printable(&rep[0], bv->what);
			free(raw.data);
		}
		/* A bare CR inside a value is refused by the HTTP parser itself:
		 * 400 and a close, before cascade sees a request (no row). */
		{
			static const char req[] = GET_ROOT "x-cascade-lineage: a\rb#1\r\nConnection: close\r\n\r\n";
			struct h_raw raw;
			struct h_raw_reply rep[REPLIES_MAX];
			size_t n = exchange(&c, t, req, sizeof(req) - 1, false, &raw, rep);
			cr_assert(n == 1 && rep[0].status == 400, "%s, bare CR: %zu replies: %s", h_tier_name(t), n,
				  raw.data);
			free(raw.data);
		}
		assert_serves(&c, t);
	}
	stop_ok(&c);

	for (int t = 0; t < H_TIERS; t++) {
		struct h_csv csv = load_tier(&c, t);
		size_t bad_rows = rows_with(&csv, "outcome", "bad_request");

		/* one row per refused request, and only those */
		cr_assert_eq(bad_rows, nbad, "%s: %zu bad_request rows, want %zu", h_tier_name(t), bad_rows, nbad);
		for (size_t b = 0; b < nbad; b++) {
			char trace[40];
			size_t r;
			if (!bad_values[b].own_trace)
				continue;
			trace_id_of(trace, sizeof(trace), 0x1000ULL * (t + 1) + b);
			r = server_row(&csv, trace, h_tier_name(t));
			cr_assert_str_eq(h_csv_get(&csv, r, "status"), "400");
			cr_assert_str_eq(h_csv_get(&csv, r, "outcome"), "bad_request");
			/* the refused value is not recorded */
			cr_assert_str_eq(h_csv_get(&csv, r, "lineage"), "");
		}
		h_csv_free(&csv);
	}
}

/* dbsim's 200 body names the trace; it passes up through every tier. */
static bool body_has(const struct h_raw_reply *r, const char *s)
{
	return memmem(r->body, r->body_len, s, strlen(s)) != NULL;
}

Test(badinput, bodies_nobody_asked_for_are_read_and_ignored_up_to_the_limit, .timeout = 60)
{
	static const char inner[] = "GET /metrics HTTP/1.1\r\nHost: cascade\r\n\r\n";
	struct chain c;
	size_t huge_body = 100000, huge_len;
	char *huge = malloc(huge_body + 128);

	cr_assert_not_null(huge);
	huge_len = (size_t)sprintf(huge, "POST / HTTP/1.1\r\nHost: cascade\r\nContent-Length: %zu\r\n\r\n", huge_body);
	memset(huge + huge_len, 'z', huge_body);
	huge_len += huge_body;

	chain_start(&c, BASE, NULL);
	for (int t = 0; t < H_TIERS; t++) {
		char req[1024];
		struct h_raw raw;
		struct h_raw_reply rep[REPLIES_MAX];
		size_t n;

		/* A GET with a body, then a pipelined GET: the body is consumed
		 * by its length, never read as a request of its own. */
		snprintf(req, sizeof(req),
			 GET_ROOT "Content-Length: %zu\r\n\r\n%s"
				  "GET /healthz HTTP/1.1\r\nHost: cascade\r\nConnection: close\r\n\r\n",
			 sizeof(inner) - 1, inner);
		n = exchange(&c, t, req, strlen(req), false, &raw, rep);
		cr_assert_eq(n, 2, "%s: %zu replies to GET-with-body + GET: %s", h_tier_name(t), n, raw.data);
		cr_assert_eq(rep[0].status, 200, "%s: GET with a body: %ld", h_tier_name(t), rep[0].status);
		cr_assert(body_has(&rep[0], "\"tier\":\"dbsim\""), "%s: %.*s", h_tier_name(t), (int)rep[0].body_len,
			  rep[0].body);
		cr_assert(rep[1].status == 200 && rep[1].body_len == 3 && memcmp(rep[1].body, "ok\n", 3) == 0,
			  "%s: the second reply is not /healthz's: %.*s", h_tier_name(t), (int)rep[1].body_len,
			  rep[1].body);
		cr_assert(!strstr(raw.data, "cascade_arrivals_total"), "%s ran the body as a request", h_tier_name(t));
		free(raw.data);

		/* A POST with a small body: served like a GET, body ignored. */
		snprintf(req, sizeof(req),
			 "POST / HTTP/1.1\r\nHost: cascade\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
		n = exchange(&c, t, req, strlen(req), false, &raw, rep);
		cr_assert(n == 1 && rep[0].status == 200, "%s: POST with a body: %zu replies, %ld", h_tier_name(t), n,
			  n ? rep[0].status : 0L);
		free(raw.data);

		/* A body over 64 KiB: read and dropped, then 413 and a close
		 * (answering before it is read would reset the connection and
		 * could destroy the 413). */
		n = exchange(&c, t, huge, huge_len, false, &raw, rep);
		cr_assert(n == 1 && rep[0].status == 413, "%s: 100 kB body: %zu replies, %ld", h_tier_name(t), n,
			  n ? rep[0].status : 0L);
		cr_assert(raw.closed);
		free(raw.data);
		assert_serves(&c, t);
	}
	stop_ok(&c);
	free(huge);
}

#define LORIS_PER_TIER 100 /* idle or half-sent connections held open at each server */

Test(badinput, idle_and_half_sent_connections_time_out_and_block_nobody, .timeout = 120)
{
	/* dbsim takes 1.5 s per query: longer than the 1 s idle timeout, so
	 * the requests below also show that a pending request is not cut.
	 * Both are real time: the idle timeout is, whatever the time scale,
	 * so the query's scenario time shrinks by h_slow() as the scale grows. */
	char service[96];
	const char *const sets[] = {service, NULL};
	static const char *const args[] = {"--idle-timeout", "1s", NULL};
	static const char partial[] = GET_ROOT "X-Slow: 1\r\n"; /* no blank line: never finished */
	struct chain c;
	int fds[H_TIERS][LORIS_PER_TIER];

	snprintf(service, sizeof(service), "tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"%.0fms\"}",
		 1500 / h_slow());
	chain_start_args(&c, BASE, sets, args);
	for (int t = 0; t < H_TIERS; t++)
		for (int i = 0; i < LORIS_PER_TIER; i++) {
			fds[t][i] = h_connect(c.port[t]);
			if (i % 2)
				h_send(fds[t][i], partial, sizeof(partial) - 1);
		}
	/* Accepted and held: nothing refuses them or closes them at once. */
	for (int t = 0; t < H_TIERS; t++)
		for (int i = 0; i < LORIS_PER_TIER; i++)
			cr_assert_not(h_wait_closed(fds[t][i], 0), "%s closed connection %d at once", h_tier_name(t), i);

	/* Meanwhile every server still serves, the gateway through all four. */
	for (int t = H_TIERS - 1; t >= 0; t--)
		assert_serves(&c, t);

	/* Each held connection is closed by its server, after the timeout. */
	for (int t = 0; t < H_TIERS; t++)
		for (int i = 0; i < LORIS_PER_TIER; i++) {
			cr_assert(h_wait_closed(fds[t][i], 10000), "%s kept connection %d open for 10 s", h_tier_name(t),
				  i);
			close(fds[t][i]);
		}
	for (int t = 0; t < H_TIERS; t++)
		assert_serves(&c, t);
	stop_ok(&c);
}

Test(badinput, half_closed_caller_counts_as_gone_unless_answered_at_once, .timeout = 60)
{
	/* 300 ms per query: the half-close is seen while the request waits */
	static const char *const sets[] = {"tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"300ms\"}",
					   NULL};
	struct chain c;

	chain_start(&c, BASE, sets);
	for (int t = 0; t < H_TIERS; t++) {
		char req[512], tp[96];
		struct h_raw raw;
		struct h_raw_reply rep[REPLIES_MAX];
		size_t n;

		traceparent_line(tp, sizeof(tp), 0x2000ULL + t);
		snprintf(req, sizeof(req), GET_ROOT "%s\r\n", tp);
		n = exchange(&c, t, req, strlen(req), true, &raw, rep);
		cr_assert(raw.closed && raw.len == 0 && n == 0, "%s answered a caller that half-closed: %s",
			  h_tier_name(t), raw.data);
		free(raw.data);

		/* What is answered at once is still delivered. */
		snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\nHost: cascade\r\n\r\n");
		n = exchange(&c, t, req, strlen(req), true, &raw, rep);
		cr_assert(n == 1 && rep[0].status == 200, "%s: /healthz after a half-close: %s", h_tier_name(t),
			  raw.data);
		free(raw.data);
	}
	stop_ok(&c);

	for (int t = 0; t < H_TIERS; t++) {
		struct h_csv csv = load_tier(&c, t);
		char trace[40];
		size_t r;
		trace_id_of(trace, sizeof(trace), 0x2000ULL + t);
		r = server_row(&csv, trace, h_tier_name(t));
		cr_assert_str_eq(h_csv_get(&csv, r, "status"), "499", "%s", h_tier_name(t));
		cr_assert_str_eq(h_csv_get(&csv, r, "outcome"), "caller_gone", "%s", h_tier_name(t));
		h_csv_free(&csv);
	}
}

Test(badinput, pipelined_requests_are_all_answered_in_order, .timeout = 60)
{
	struct chain c;

	chain_start(&c, BASE, NULL);
	for (int t = 0; t < H_TIERS; t++) {
		char req[2048], tp[3][96], trace[3][40];
		struct h_raw raw;
		struct h_raw_reply rep[REPLIES_MAX];
		size_t n;

		for (int i = 0; i < 3; i++) {
			traceparent_line(tp[i], sizeof(tp[i]), 0x3000ULL + 16 * t + i);
			trace_id_of(trace[i], sizeof(trace[i]), 0x3000ULL + 16 * t + i);
		}
		snprintf(req, sizeof(req), GET_ROOT "%s\r\n" GET_ROOT "%s\r\n" GET_ROOT "%sConnection: close\r\n\r\n",
			 tp[0], tp[1], tp[2]);
		n = exchange(&c, t, req, strlen(req), false, &raw, rep);
		cr_assert_eq(n, 3, "%s: %zu replies to 3 pipelined GETs: %s", h_tier_name(t), n, raw.data);
		for (int i = 0; i < 3; i++) {
			cr_assert_eq(rep[i].status, 200, "%s: reply %d: %ld", h_tier_name(t), i, rep[i].status);
			cr_assert(body_has(&rep[i], trace[i]), "%s: reply %d is not request %d's: %.*s", h_tier_name(t),
				  i, i, (int)rep[i].body_len, rep[i].body);
		}
		free(raw.data);

		/* mixed: served, refused, served */
		snprintf(req, sizeof(req),
			 GET_ROOT "\r\n" GET_ROOT "traceparent: bad\r\n\r\n"
				  "GET /healthz HTTP/1.1\r\nHost: cascade\r\nConnection: close\r\n\r\n");
		n = exchange(&c, t, req, strlen(req), false, &raw, rep);
		cr_assert_eq(n, 3, "%s: %zu replies: %s", h_tier_name(t), n, raw.data);
		cr_assert(rep[0].status == 200 && rep[1].status == 400 && rep[2].status == 200,
			  "%s: statuses %ld %ld %ld", h_tier_name(t), rep[0].status, rep[1].status, rep[2].status);
		cr_assert(body_has(&rep[1], "traceparent: "), "%s", h_tier_name(t));
		free(raw.data);
	}
	stop_ok(&c);
}

/* The local address of the listening TCP socket on port, from /proc/net/tcp
 * ("0100007F" is 127.0.0.1); NULL when none listens there. */
static char *listen_address(int port, char *addr, size_t len)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	char *found = NULL;

	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64], remote[64];
		unsigned st;
		int p;
		char *colon;
		if (sscanf(line, " %*d: %63s %63s %x", local, remote, &st) != 3 || st != 0x0A)
			continue;
		colon = strchr(local, ':');
		if (!colon)
			continue;
		*colon = 0;
		p = (int)strtol(colon + 1, NULL, 16);
		if (p == port) {
			snprintf(addr, len, "%s", local);
			found = addr;
		}
	}
	fclose(f);
	return found;
}

Test(badinput, servers_listen_on_loopback_unless_told_otherwise, .timeout = 30)
{
	char dir[] = "/tmp/cascade-it-XXXXXX";
	static const char *const names[] = {"dbsim", "svc_b", "svc_a", "gateway"};

	h_tmpdir(dir);
	for (size_t i = 0; i < 4; i++) {
		char bin[512], portfile[600], addr[64];
		char pfname[64];
		pid_t pid;
		int port;

		snprintf(bin, sizeof(bin), "%s/%s", h_bin(), names[i]);
		snprintf(pfname, sizeof(pfname), "%s.port", names[i]);
		snprintf(portfile, sizeof(portfile), "%s/%s", dir, pfname);
		/* --listen with a port only: the host is the default's */
		char *argv[] = {bin, "--listen", "0", "--port-file", portfile, "--out", dir, NULL};
		pid = h_spawn(dir, names[i], argv);
		port = h_wait_port_file(dir, pfname, 10);
		cr_assert_gt(port, 0);
		cr_assert_not_null(listen_address(port, addr, sizeof(addr)), "%s: nothing listens on %d", names[i],
				   port);
		cr_assert_str_eq(addr, "0100007F", "%s listens on %s, not 127.0.0.1", names[i], addr);
		kill(pid, SIGTERM);
		cr_assert_eq(h_wait_exit(pid, 5), 0);
	}
}

Test(badinput, a_symlink_planted_in_the_out_dir_is_refused_not_followed, .timeout = 30)
{
	char dir[] = "/tmp/cascade-it-XXXXXX";
	char target[600], link[600], portfile[600], bin[512], *text, *log;
	static const char precious[] = "precious\n";
	FILE *f;
	pid_t pid;

	h_tmpdir(dir);
	snprintf(target, sizeof(target), "%s/precious.txt", dir);
	snprintf(link, sizeof(link), "%s/out", dir);
	cr_assert(mkdir(link, 0755) == 0);
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs(precious, f);
	fclose(f);
	/* the span CSV dbsim is about to create points at the precious file */
	snprintf(link, sizeof(link), "%s/out/dbsim.csv", dir);
	cr_assert(symlink(target, link) == 0);

	snprintf(bin, sizeof(bin), "%s/dbsim", h_bin());
	snprintf(portfile, sizeof(portfile), "%s/out/dbsim.port", dir);
	snprintf(link, sizeof(link), "%s/out", dir);
	char *argv[] = {bin, "--listen", "127.0.0.1:0", "--port-file", portfile, "--out", link, NULL};
	pid = h_spawn(dir, "dbsim", argv);
	cr_assert_eq(h_wait_exit(pid, 10), 1, "dbsim should refuse to start");

	text = h_read_file(target);
	cr_assert_str_eq(text, precious, "the link's target was written through");
	snprintf(link, sizeof(link), "%s/dbsim.log", dir);
	log = h_read_file(link);
	cr_assert(log && strstr(log, "dbsim.csv: is a symbolic link"), "no clear error: %s", log ? log : "");
	free(text);
	free(log);
}
