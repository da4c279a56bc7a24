/* Unit tests for httpd and upstream: a server and a client in one process on
 * one event_base, on 127.0.0.1 port 0.  Every loop is bounded by a safety
 * timer; time bounds are correctness bounds (no hang, no late detection),
 * not performance targets. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "httpd.h"
#include "upstream.h"
#include "util.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define SAFETY_MS 5000

/* An upper time bound, stretched under valgrind (code runs ~20x slower). */
static int64_t bound_us(int64_t us)
{
	return RUNNING_ON_VALGRIND ? us * 20 : us;
}

/* What the test server does with a request. */
enum srv_mode {
	SRV_REPLY,	 /* 200 "hello" at once */
	SRV_HOLD,	 /* keep it pending, unwatched */
	SRV_HOLD_WATCH,	 /* keep it pending with a caller-gone watch */
	SRV_REPLY_LATER, /* watch, then after 20 ms unwatch and reply */
	SRV_ABORT_LATER, /* watch, then after 20 ms httpd_abort (watch still on) */
	SRV_TRICKLE,	 /* start a chunked reply, a chunk every 200 us in [trickle_at, trickle_end) */
};

/* What a test's on_gone does besides counting. */
enum gone_mode {
	GONE_PLAIN,
	GONE_UNWATCH, /* calls httpd_unwatch on its own watch */
	GONE_ABORT,   /* calls httpd_abort on its own request */
};

#define MAX_HELD 8

struct held {
	struct evhttp_request *req;
	struct httpd_watch *watch;
	int peer_port;
};

struct call_log {
	int done;
	struct upstream_result res;
	char body[256];
	char message[256];
	int64_t t_done_us;
};

static struct fx {
	struct event_base *base;
	struct httpd *httpd;
	struct upstream *up;
	struct event *safety;
	int timed_out;
	char url[64];
	int port;
	/* server side */
	enum srv_mode mode;
	enum gone_mode gone_mode;
	int requests;
	int break_on_request;
	int gone;
	int64_t t_gone_us;
	struct held held[MAX_HELD];
	int nheld;
	int peer_ports[MAX_HELD];
	struct event *later;
	int64_t trickle_at_us, trickle_end_us;
	/* client side */
	struct call_log log[MAX_HELD];
	struct upstream_call *calls[MAX_HELD];
	int64_t t_start_us, t_cancel_us;
	int stop_after_done; /* loopbreak once this many calls are done */
	int ndone;
	/* raw client */
	struct bufferevent *raw;
	struct sbuf raw_in;
	int raw_want; /* loopbreak once this many responses are in */
	int raw_eof;
} fx;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- server ---- */

static void on_srv_gone(void *arg)
{
	struct held *hd = arg;

	fx.gone++;
	fx.t_gone_us = now_us();
	if (fx.gone_mode == GONE_UNWATCH)
		httpd_unwatch(hd->watch);
	else if (fx.gone_mode == GONE_ABORT)
		httpd_abort(hd->req);
	hd->req = NULL;
	hd->watch = NULL;
	event_base_loopbreak(fx.base);
}

/* evtimer for SRV_REPLY_LATER / SRV_ABORT_LATER */
static void on_srv_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (int i = 0; i < fx.nheld; i++) {
		struct held *hd = &fx.held[i];
		if (!hd->req)
			continue;
		if (fx.mode == SRV_TRICKLE) {
			struct evbuffer *chunk = evbuffer_new();
			evbuffer_add(chunk, "abc", 3);
			evhttp_send_reply_chunk(hd->req, chunk);
			evbuffer_free(chunk);
			if (now_us() < fx.trickle_end_us) {
				struct timeval tv = {0, 200};
				evtimer_add(fx.later, &tv);
			}
			continue;
		}
		if (fx.mode == SRV_REPLY_LATER) {
			httpd_unwatch(hd->watch);
			httpd_reply(hd->req, 200, "later", NULL);
		} else {
			httpd_abort(hd->req);
			httpd_unwatch(hd->watch);
		}
		hd->req = NULL;
		hd->watch = NULL;
	}
}

static void on_srv_request(struct evhttp_request *req, void *arg)
{
	struct held *hd;
	char *peer = NULL;
	ev_uint16_t peer_port = 0;
	(void)arg;

	evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &peer_port);
	if (fx.requests < MAX_HELD)
		fx.peer_ports[fx.requests] = peer_port;
	fx.requests++;
	if (fx.break_on_request)
		event_base_loopbreak(fx.base);
	if (fx.mode == SRV_REPLY) {
		httpd_reply(req, 200, "hello", "X-Test", "1", NULL);
		return;
	}
	cr_assert(fx.nheld < MAX_HELD);
	hd = &fx.held[fx.nheld++];
	hd->req = req;
	hd->peer_port = peer_port;
	if (fx.mode != SRV_HOLD)
		hd->watch = httpd_watch_caller(req, on_srv_gone, hd);
	if (fx.mode == SRV_REPLY_LATER || fx.mode == SRV_ABORT_LATER) {
		struct timeval tv = {0, 20000};
		evtimer_add(fx.later, &tv);
	}
	if (fx.mode == SRV_TRICKLE) {
		int64_t wait_us = fx.trickle_at_us - now_us();
		struct timeval tv = {0, wait_us > 0 ? (suseconds_t)wait_us : 0};
		evhttp_send_reply_start(req, 200, "OK");
		evtimer_add(fx.later, &tv);
	}
}

/* ---- loop ---- */

static void on_safety(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fx.timed_out = 1;
	event_base_loopbreak(fx.base);
}

/* Run until a callback breaks the loop or max_ms pass. */
static void run_for(int max_ms)
{
	struct timeval tv = {max_ms / 1000, (max_ms % 1000) * 1000};

	fx.timed_out = 0;
	evtimer_add(fx.safety, &tv);
	event_base_dispatch(fx.base);
	evtimer_del(fx.safety);
}

/* Run until the server has seen n requests in all. */
static void wait_requests(int n)
{
	fx.break_on_request = 1;
	while (fx.requests < n) {
		run_for(SAFETY_MS);
		cr_assert_not(fx.timed_out, "server saw %d of %d requests", fx.requests, n);
	}
	fx.break_on_request = 0;
}

static void fx_init(void)
{
	struct event_config *cfg = event_config_new();
	char err[ERR_LEN];

	memset(&fx, 0, sizeof(fx));
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	fx.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	cr_assert_not_null(fx.base);
	fx.httpd = httpd_new(fx.base, "127.0.0.1:0", on_srv_request, NULL, err, sizeof(err));
	cr_assert_not_null(fx.httpd, "%s", err);
	fx.port = httpd_port(fx.httpd);
	cr_assert_gt(fx.port, 0);
	snprintf(fx.url, sizeof(fx.url), "http://127.0.0.1:%d/x", fx.port);
	fx.up = upstream_new(fx.base, 8);
	fx.safety = evtimer_new(fx.base, on_safety, NULL);
	fx.later = evtimer_new(fx.base, on_srv_later, NULL);
}

static void fx_fini(void)
{
	for (int i = 0; i < fx.nheld; i++)
		httpd_unwatch(fx.held[i].watch);
	if (fx.raw)
		bufferevent_free(fx.raw);
	sbuf_free(&fx.raw_in);
	upstream_free(fx.up);
	httpd_free(fx.httpd);
	event_free(fx.later);
	event_free(fx.safety);
	event_base_free(fx.base);
	libevent_global_shutdown();
}

/* ---- client helpers ---- */

static void on_call_done(void *arg, const struct upstream_result *res)
{
	struct call_log *l = arg;

	l->done++;
	l->res = *res;
	l->t_done_us = now_us();
	snprintf(l->body, sizeof(l->body), "%.*s", (int)res->body_len, res->body ? res->body : "");
	snprintf(l->message, sizeof(l->message), "%s", res->message ? res->message : "");
	l->res.body = l->body;
	l->res.message = l->message;
	fx.ndone++;
	if (fx.stop_after_done && fx.ndone >= fx.stop_after_done)
		event_base_loopbreak(fx.base);
}

static struct upstream_call *get(int i, double timeout_ms, upstream_done_fn done)
{
	fx.calls[i] =
	    upstream_get(fx.up, fx.url, NULL, 0, timeout_ms, done ? done : on_call_done, &fx.log[i]);
	return fx.calls[i];
}

/* Raw client: blocking connect and send (small), then read through a
 * bufferevent on the loop. */
static void on_raw_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);
	int responses = 0;
	(void)arg;

	sbuf_add(&fx.raw_in, evbuffer_pullup(in, (ev_ssize_t)n), n);
	evbuffer_drain(in, n);
	for (const char *p = sbuf_str(&fx.raw_in); (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
		responses++;
	if (fx.raw_want && responses >= fx.raw_want)
		event_base_loopbreak(fx.base);
}

static void on_raw_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		fx.raw_eof = 1;
		event_base_loopbreak(fx.base);
	}
}

static int raw_open(const char *text)
{
	struct sockaddr_in sin = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)fx.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "%s", strerror(errno));
	if (text)
		cr_assert_eq(send(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	evutil_make_socket_nonblocking(fd);
	fx.raw = bufferevent_socket_new(fx.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fx.raw, on_raw_read, NULL, on_raw_event, NULL);
	bufferevent_enable(fx.raw, EV_READ);
	return fd;
}

static int count_responses(void)
{
	int n = 0;
	for (const char *p = sbuf_str(&fx.raw_in); (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
		n++;
	return n;
}

/* ================= httpd ================= */

TestSuite(httpd, .init = fx_init, .fini = fx_fini, .timeout = 20);

Test(httpd, reply_status_body_headers)
{
	raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	fx.raw_want = 1;
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	run_for(20); /* let the body arrive if it came in a second segment */
	const char *r = sbuf_str(&fx.raw_in);
	cr_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", r);
	cr_assert_not_null(strstr(r, "Content-Type: text/plain"), "%s", r);
	cr_assert_not_null(strstr(r, "X-Test: 1\r\n"), "%s", r);
	cr_assert_not_null(strstr(r, "Content-Length: 5\r\n"), "%s", r);
	cr_assert(strlen(r) >= 9 && strcmp(r + strlen(r) - 9, "\r\n\r\nhello") == 0, "%s", r);
}

Test(httpd, head_has_length_but_no_body)
{
	raw_open("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
	fx.raw_want = 2;
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	run_for(20);
	const char *r = sbuf_str(&fx.raw_in);
	/* The HEAD reply is headers only: the next thing on the wire is the
	 * GET's status line. */
	const char *end = strstr(r, "\r\n\r\n");
	cr_assert_not_null(end);
	cr_assert(strncmp(end + 4, "HTTP/1.1 200", 12) == 0, "%s", r);
	cr_assert(strstr(r, "Content-Length: 5\r\n") < end, "%s", r);
	cr_assert_eq(fx.requests, 2);
}

Test(httpd, disallowed_method_rejected)
{
	raw_open("DELETE /a HTTP/1.1\r\nHost: x\r\n\r\n");
	fx.raw_want = 1;
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	cr_assert(strncmp(sbuf_str(&fx.raw_in), "HTTP/1.1 200", 12) != 0);
	cr_assert_eq(fx.requests, 0);
}

Test(httpd, oversized_header_400)
{
	char big[HTTPD_MAX_HEADERS_SIZE + 1024];
	const char *hdrs[1] = {big};

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "X-Big: ", 7);
	fx.stop_after_done = 1;
	fx.calls[0] = upstream_get(fx.up, fx.url, hdrs, 1, 2000, on_call_done, &fx.log[0]);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_OK, "%s", fx.log[0].message);
	cr_assert_eq(fx.log[0].res.status, 400);
	cr_assert_eq(fx.requests, 0, "the handler must not see it");
}

/* evbuffer write of a POST whose body is over the limit. */
Test(httpd, body_over_limit_413)
{
	size_t body_len = HTTPD_MAX_BODY_SIZE + 4096;
	char head[128];
	char *body = xmalloc(body_len);

	memset(body, 'b', body_len);
	snprintf(head, sizeof(head), "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", body_len);
	raw_open(NULL);
	bufferevent_write(fx.raw, head, strlen(head));
	bufferevent_write(fx.raw, body, body_len);
	free(body);
	fx.raw_want = 1;
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	cr_assert(strncmp(sbuf_str(&fx.raw_in), "HTTP/1.1 413", 12) == 0, "%s", sbuf_str(&fx.raw_in));
	cr_assert_eq(fx.requests, 0);
}

Test(httpd, body_under_limit_reaches_handler)
{
	raw_open("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
	fx.raw_want = 1;
	run_for(SAFETY_MS);
	cr_assert(strncmp(sbuf_str(&fx.raw_in), "HTTP/1.1 200", 12) == 0, "%s", sbuf_str(&fx.raw_in));
	cr_assert_eq(fx.requests, 1);
}

Test(httpd, port_in_use)
{
	char listen[32], err[ERR_LEN] = "", want[64];
	struct httpd *second;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", fx.port);
	second = httpd_new(fx.base, listen, on_srv_request, NULL, err, sizeof(err));
	cr_assert_null(second);
	snprintf(want, sizeof(want), "127.0.0.1:%d: Address already in use", fx.port);
	cr_assert_str_eq(err, want);

	snprintf(listen, sizeof(listen), "%d", fx.port);
	second = httpd_new(fx.base, listen, on_srv_request, NULL, err, sizeof(err));
	cr_assert_null(second);
	cr_assert_str_eq(err, want);
}

Test(httpd, bad_listen_strings)
{
	const char *bad[] = {"",    "abc",	    "127.0.0.1:",  "127.0.0.1:99999",
			     ":80", "127.0.0.1:-1", "1.2.3.4.5:80"};
	char err[ERR_LEN];

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		cr_assert_null(httpd_new(fx.base, bad[i], on_srv_request, NULL, err, sizeof(err)), "%s",
			       bad[i]);
		cr_assert_neq(err[0], '\0', "no message for '%s'", bad[i]);
	}
}

Test(httpd, port_only_listens_on_loopback)
{
	char err[ERR_LEN];
	struct httpd *h = httpd_new(fx.base, "0", on_srv_request, NULL, err, sizeof(err));
	char want[32];

	cr_assert_not_null(h, "%s", err);
	cr_assert_gt(httpd_port(h), 0);
	cr_assert_neq(httpd_port(h), fx.port);
	snprintf(want, sizeof(want), "127.0.0.1:%d", httpd_port(h));
	cr_assert_str_eq(httpd_address(h), want);
	httpd_free(h);
}

Test(httpd, port_file)
{
	char dir[] = "/tmp/cascade-httpd-XXXXXX", path[128], err[ERR_LEN], line[32] = "";
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/port", dir);
	cr_assert_eq(httpd_write_port_file(fx.httpd, path, err, sizeof(err)), 0, "%s", err);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_eq(atoi(line), fx.port);
	cr_assert_eq(line[strlen(line) - 1], '\n');
	unlink(path);
	rmdir(dir);

	cr_assert_eq(httpd_write_port_file(fx.httpd, "/nonexistent-dir/port", err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "/nonexistent-dir/"), "%s", err);
}

Test(httpd, stop_accepting_keeps_pending)
{
	fx.mode = SRV_REPLY_LATER;
	fx.stop_after_done = 1;
	get(0, 2000, NULL);
	wait_requests(1);
	httpd_stop_accepting(fx.httpd);
	httpd_stop_accepting(fx.httpd);
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.status, 200);
	cr_assert_str_eq(fx.log[0].body, "later");

	/* New connections are refused now. */
	fx.ndone = 0;
	upstream_free(fx.up); /* drop the pooled connection */
	fx.up = upstream_new(fx.base, 8);
	get(1, 2000, NULL);
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	cr_assert_eq(fx.log[1].res.error, UPSTREAM_CONNECT, "%s", fx.log[1].message);
}

/* Out of descriptors, the listener pauses instead of retrying accept() in
 * a loop at full CPU; once descriptors free up, the connections that waited
 * in the backlog are served. */
Test(httpd, out_of_descriptors_pauses_accepting_then_recovers)
{
	enum { CLIENTS = 3, FILLERS = 1024 };
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct rlimit saved, low;
	struct rusage r0, r1;
	int client[CLIENTS], filler[FILLERS], nfill = 0, highest = 0;
	double cpu_ms;
	char buf[512];
	ssize_t n;

	if (RUNNING_ON_VALGRIND) /* it keeps descriptors of its own and virtualises the limit */
		cr_skip_test("the descriptor limit is valgrind's under valgrind");
	sin.sin_port = htons((uint16_t)fx.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < CLIENTS; i++) { /* connected, waiting in the backlog */
		client[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_geq(client[i], 0);
		cr_assert_eq(connect(client[i], (struct sockaddr *)&sin, sizeof(sin)), 0, "%s", strerror(errno));
	}
	/* No descriptor left: the limit just above the highest one open, and
	 * every hole below it filled. */
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			highest = fd;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)highest + 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0, "%s", strerror(errno));
	while (nfill < FILLERS && (filler[nfill] = dup(0)) >= 0)
		nfill++;
	cr_assert_eq(errno, EMFILE);

	getrusage(RUSAGE_SELF, &r0);
	run_for(350);
	getrusage(RUSAGE_SELF, &r1);
	cpu_ms = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 +
		 (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3;
	/* one pause per 100 ms, not one retry per loop turn */
	cr_assert_lt(cpu_ms, 100, "the loop spun: %.1f ms of CPU in 350 ms", cpu_ms);
	cr_assert_geq(httpd_accept_pauses(fx.httpd), 2, "%lu pauses", httpd_accept_pauses(fx.httpd));
	cr_assert_leq(httpd_accept_pauses(fx.httpd), 5, "%lu pauses", httpd_accept_pauses(fx.httpd));

	while (nfill > 0)
		close(filler[--nfill]);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	for (int i = 0; i < CLIENTS; i++) {
		const char req[] = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
		cr_assert_eq(send(client[i], req, sizeof(req) - 1, 0), (ssize_t)sizeof(req) - 1);
	}
	wait_requests(CLIENTS);
	run_for(50); /* the replies go out */
	for (int i = 0; i < CLIENTS; i++) {
		n = recv(client[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
		cr_assert_gt(n, 0, "client %d: no reply", i);
		buf[n] = 0;
		cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
		close(client[i]);
	}
}

Test(httpd, reply_after_unwatch)
{
	fx.mode = SRV_REPLY_LATER;
	fx.stop_after_done = 1;
	get(0, 2000, NULL);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_OK);
	cr_assert_eq(fx.log[0].res.status, 200);
	cr_assert_str_eq(fx.log[0].body, "later");
	cr_assert_eq(fx.gone, 0);
}

Test(httpd, half_close_is_gone)
{
	int fd;

	fx.mode = SRV_HOLD_WATCH;
	fd = raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_requests(1);
	cr_assert_eq(fx.gone, 0);
	shutdown(fd, SHUT_WR);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.gone, 1);
	cr_assert_null(fx.held[0].req);
}

Test(httpd, reset_is_gone)
{
	struct linger lg = {1, 0};
	int fd;

	fx.mode = SRV_HOLD_WATCH;
	fd = raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_requests(1);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	bufferevent_free(fx.raw); /* close with RST */
	fx.raw = NULL;
	run_for(SAFETY_MS);
	cr_assert_eq(fx.gone, 1);
}

/* A client that sends its next request while the first is pending is not
 * gone; both get answered in order. */
Test(httpd, pipelined_request_is_not_gone)
{
	int fd;
	const char *second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";

	fx.mode = SRV_HOLD_WATCH;
	fd = raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_requests(1);
	cr_assert_eq(send(fd, second, strlen(second), 0), (ssize_t)strlen(second));
	run_for(50);
	cr_assert_eq(fx.gone, 0);
	cr_assert_eq(fx.requests, 1);

	fx.mode = SRV_REPLY;
	httpd_unwatch(fx.held[0].watch);
	httpd_reply(fx.held[0].req, 200, "first", NULL);
	fx.held[0].watch = NULL;
	fx.held[0].req = NULL;
	fx.raw_want = 2;
	run_for(SAFETY_MS);
	run_for(20);
	cr_assert_eq(count_responses(), 2, "%s", sbuf_str(&fx.raw_in));
	cr_assert_eq(fx.requests, 2);
	cr_assert_not_null(strstr(sbuf_str(&fx.raw_in), "first"));
	cr_assert_not_null(strstr(sbuf_str(&fx.raw_in), "hello"));
}

Test(httpd, unwatch_inside_on_gone)
{
	int fd;

	fx.mode = SRV_HOLD_WATCH;
	fx.gone_mode = GONE_UNWATCH;
	fd = raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_requests(1);
	shutdown(fd, SHUT_WR);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.gone, 1);
}

Test(httpd, abort_inside_on_gone)
{
	int fd;

	fx.mode = SRV_HOLD_WATCH;
	fx.gone_mode = GONE_ABORT;
	fd = raw_open("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	wait_requests(1);
	shutdown(fd, SHUT_WR);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.gone, 1);
}

/* httpd_abort with the watch still on: no on_gone, the client sees the
 * connection close, and the later httpd_unwatch frees the watch once. */
Test(httpd, abort_with_watch)
{
	fx.mode = SRV_ABORT_LATER;
	fx.stop_after_done = 1;
	get(0, 2000, NULL);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_BROKEN, "%s", fx.log[0].message);
	cr_assert_eq(fx.gone, 0);
}

Test(httpd, free_with_pending_requests)
{
	fx.mode = SRV_HOLD;
	get(0, 2000, NULL);
	get(1, 2000, NULL);
	wait_requests(2);
	cr_assert_eq(fx.requests, 2);
	/* fx_fini frees the server with both requests pending. */
}

/* ================= upstream ================= */

TestSuite(upstream, .init = fx_init, .fini = fx_fini, .timeout = 20);

Test(upstream, get_ok)
{
	const char *hdrs[] = {"X-One: 1", "X-Two: 2"};

	fx.stop_after_done = 1;
	fx.calls[0] = upstream_get(fx.up, fx.url, hdrs, 2, 1000, on_call_done, &fx.log[0]);
	cr_assert_eq(upstream_inflight(fx.up), 1);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_OK);
	cr_assert_eq(fx.log[0].res.status, 200);
	cr_assert_str_eq(fx.log[0].body, "hello");
	cr_assert_eq(fx.log[0].res.body_len, 5);
	cr_assert_eq(upstream_inflight(fx.up), 0);
}

/* on_done of call i starts call i+1 until three are done. */
static void on_chain_done(void *arg, const struct upstream_result *res)
{
	struct call_log *l = arg;
	int i = (int)(l - fx.log);

	on_call_done(arg, res);
	if (i < 2)
		get(i + 1, 1000, on_chain_done);
}

Test(upstream, keepalive_reuses_connection)
{
	fx.stop_after_done = 3;
	get(0, 1000, on_chain_done);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.ndone, 3);
	cr_assert_eq(fx.requests, 3);
	cr_assert_eq(fx.peer_ports[0], fx.peer_ports[1]);
	cr_assert_eq(fx.peer_ports[1], fx.peer_ports[2]);
}

Test(upstream, chained_calls_from_on_done)
{
	fx.stop_after_done = 3;
	get(0, 1000, on_chain_done);
	run_for(SAFETY_MS);
	cr_assert_not(fx.timed_out);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(fx.log[i].done, 1, "call %d", i);
		cr_assert_eq(fx.log[i].res.status, 200, "call %d", i);
	}
}

Test(upstream, timeout)
{
	int64_t elapsed_us;

	fx.mode = SRV_HOLD;
	fx.stop_after_done = 1;
	fx.t_start_us = now_us();
	get(0, 100, NULL);
	run_for(SAFETY_MS);
	elapsed_us = fx.log[0].t_done_us - fx.t_start_us;
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_TIMEOUT, "%s", fx.log[0].message);
	cr_assert_eq(fx.log[0].res.status, 0);
	cr_assert_not_null(fx.log[0].res.message);
	cr_assert_geq(elapsed_us, 100000);
	cr_assert_lt(elapsed_us, bound_us(300000), "timed out after %lld us", (long long)elapsed_us);
	cr_log_info("timeout 100 ms reported after %.2f ms", elapsed_us / 1000.0);
}

Test(upstream, fractional_timeout_rounds_up)
{
	int64_t elapsed_us;

	fx.mode = SRV_HOLD;
	fx.stop_after_done = 1;
	fx.t_start_us = now_us();
	get(0, 2.2, NULL);
	run_for(SAFETY_MS);
	elapsed_us = fx.log[0].t_done_us - fx.t_start_us;
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_TIMEOUT, "%s", fx.log[0].message);
	cr_assert_geq(elapsed_us, 2200);
	cr_assert_lt(elapsed_us, bound_us(200000), "timed out after %lld us", (long long)elapsed_us);
}

/* Data that arrives just before the deadline without completing the reply
 * must not postpone the timeout (libcurl 7.88 loses it: curl issue #11937). */
Test(upstream, activity_just_before_deadline_keeps_timeout)
{
	int64_t elapsed_us;

	fx.mode = SRV_TRICKLE;
	fx.stop_after_done = 1;
	fx.t_start_us = now_us();
	fx.trickle_at_us = fx.t_start_us + 47000;
	fx.trickle_end_us = fx.t_start_us + 49700;
	get(0, 50, NULL);
	run_for(1000);
	elapsed_us = fx.log[0].t_done_us - fx.t_start_us;
	cr_assert_eq(fx.log[0].done, 1, "no timeout reported within 1 s");
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_TIMEOUT, "%s", fx.log[0].message);
	cr_assert_geq(elapsed_us, 50000, "timed out after %lld us: %s", (long long)elapsed_us, fx.log[0].message);
	cr_assert_lt(elapsed_us, bound_us(80000), "timed out after %lld us", (long long)elapsed_us);
}

/* A bound socket that does not listen: connecting to it is refused. */
static int closed_port(int *fd_out)
{
	struct sockaddr_in sin = {0};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*fd_out = fd;
	return ntohs(sin.sin_port);
}

Test(upstream, connect_refused_is_fast)
{
	int fd, port = closed_port(&fd);
	int64_t elapsed_us;

	snprintf(fx.url, sizeof(fx.url), "http://127.0.0.1:%d/x", port);
	fx.stop_after_done = 1;
	fx.t_start_us = now_us();
	get(0, 2000, NULL);
	run_for(SAFETY_MS);
	elapsed_us = fx.log[0].t_done_us - fx.t_start_us;
	close(fd);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_CONNECT, "%s", fx.log[0].message);
	cr_assert_lt(elapsed_us, bound_us(100000), "refused after %lld us", (long long)elapsed_us);
	cr_log_info("refused connect reported after %.3f ms", elapsed_us / 1000.0);
}

Test(upstream, connect_refused_localhost_is_fast)
{
	int fd, port = closed_port(&fd);
	int64_t elapsed_us;

	snprintf(fx.url, sizeof(fx.url), "http://localhost:%d/x", port);
	fx.stop_after_done = 1;
	fx.t_start_us = now_us();
	get(0, 2000, NULL);
	run_for(SAFETY_MS);
	elapsed_us = fx.log[0].t_done_us - fx.t_start_us;
	close(fd);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_CONNECT, "%s", fx.log[0].message);
	cr_assert_lt(elapsed_us, bound_us(100000), "refused after %lld us", (long long)elapsed_us);
}

/* evtimer: cancel call 0 and note when. */
static void on_cancel_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fx.t_cancel_us = now_us();
	upstream_cancel(fx.calls[0]);
	fx.calls[0] = NULL;
}

Test(upstream, cancel_makes_server_see_caller_gone)
{
	struct event *cancel = evtimer_new(fx.base, on_cancel_timer, NULL);
	struct timeval tv = {0, 10000};
	int64_t latency_us;

	fx.mode = SRV_HOLD_WATCH;
	get(0, 2000, NULL);
	wait_requests(1);
	cr_assert_eq(fx.requests, 1);
	evtimer_add(cancel, &tv);
	run_for(SAFETY_MS);
	event_free(cancel);
	cr_assert_eq(fx.gone, 1);
	cr_assert_eq(fx.log[0].done, 0, "a cancelled call reports nothing");
	cr_assert_eq(upstream_inflight(fx.up), 0);
	latency_us = fx.t_gone_us - fx.t_cancel_us;
	cr_assert_geq(latency_us, 0);
	cr_assert_lt(latency_us, bound_us(50000), "on_gone %lld us after cancel", (long long)latency_us);
	cr_log_info("cancel -> on_gone: %.3f ms", latency_us / 1000.0);
}

/* on_done of a finished call cancels the pending one. */
static void on_done_cancel_other(void *arg, const struct upstream_result *res)
{
	struct call_log *l = arg;
	int other = l == &fx.log[0] ? 1 : 0;

	on_call_done(arg, res);
	upstream_cancel(fx.calls[other]);
	fx.calls[other] = NULL;
}

/* Call 0 is answered at once, call 1 is held; call 0's on_done cancels
 * call 1, whose server side then sees its caller leave. */
Test(upstream, cancel_from_on_done)
{
	fx.mode = SRV_HOLD_WATCH;
	get(1, 2000, on_done_cancel_other);
	wait_requests(1);
	fx.mode = SRV_REPLY;
	get(0, 2000, on_done_cancel_other);
	run_for(SAFETY_MS); /* ends at on_gone */
	cr_assert_not(fx.timed_out);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(fx.log[0].res.status, 200);
	cr_assert_eq(fx.log[1].done, 0);
	cr_assert_eq(fx.gone, 1);
	cr_assert_eq(upstream_inflight(fx.up), 0);
}

/* Both calls time out in the same turn of curl's timer most of the time:
 * the first one's on_done cancels the other while its completion is already
 * queued.  Exactly one on_done must run. */
Test(upstream, cancel_finished_but_undelivered_call)
{
	fx.mode = SRV_HOLD;
	get(0, 50, on_done_cancel_other);
	get(1, 50, on_done_cancel_other);
	run_for(300);
	cr_assert_eq(fx.log[0].done + fx.log[1].done, 1);
	cr_assert_eq(upstream_inflight(fx.up), 0);
}

/* Cancelling its own call from on_done is harmless. */
static void on_done_cancel_self(void *arg, const struct upstream_result *res)
{
	on_call_done(arg, res);
	upstream_cancel(fx.calls[0]);
}

Test(upstream, cancel_self_from_on_done)
{
	fx.stop_after_done = 1;
	get(0, 1000, on_done_cancel_self);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].done, 1);
	cr_assert_eq(upstream_inflight(fx.up), 0);
}

Test(upstream, broken_when_server_drops)
{
	fx.mode = SRV_ABORT_LATER;
	fx.stop_after_done = 1;
	get(0, 2000, NULL);
	run_for(SAFETY_MS);
	cr_assert_eq(fx.log[0].res.error, UPSTREAM_BROKEN, "%s", fx.log[0].message);
	cr_assert_neq(fx.log[0].message[0], '\0');
}

Test(upstream, many_concurrent_calls)
{
	enum { N = 40 };
	struct call_log logs[N];

	memset(logs, 0, sizeof(logs));
	fx.stop_after_done = N;
	for (int i = 0; i < N; i++)
		upstream_get(fx.up, fx.url, NULL, 0, 3000, on_call_done, &logs[i]);
	cr_assert_eq(upstream_inflight(fx.up), N);
	run_for(SAFETY_MS);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(logs[i].done, 1, "call %d", i);
		cr_assert_eq(logs[i].res.status, 200, "call %d: %s", i, logs[i].message);
	}
	cr_assert_leq(fx.requests, N);
}

Test(upstream, free_with_calls_pending)
{
	fx.mode = SRV_HOLD;
	get(0, 2000, NULL);
	get(1, 0, NULL);
	wait_requests(2);
	cr_assert_eq(upstream_inflight(fx.up), 2);
	upstream_free(fx.up);
	fx.up = NULL;
	run_for(20);
	cr_assert_eq(fx.ndone, 0);
}

/* A wave: many calls time out together, so that most finish in one turn of
 * curl's timer and wait in one batch for delivery; each on_done cancels the
 * next call, often one already finished and waiting in that batch.  Every
 * call must end exactly once: delivered, or cancelled before delivery. */
#define WAVE 64
static struct upstream_call *wave_calls[WAVE];
static int wave_done[WAVE], wave_cancelled[WAVE], wave_ended;

static void on_wave_done(void *arg, const struct upstream_result *res)
{
	int i = (int)(intptr_t)arg, next = (i + 1) % WAVE;

	/* timed out waiting for the answer, or, on a loaded machine, before
	 * the request went out */
	cr_assert(res->error == UPSTREAM_TIMEOUT || res->error == UPSTREAM_CONNECT, "call %d: %d %s", i, res->error,
		  res->message);
	wave_done[i]++;
	wave_ended++;
	wave_calls[i] = NULL;
	if (wave_calls[next]) {
		upstream_cancel(wave_calls[next]);
		wave_calls[next] = NULL;
		wave_cancelled[next]++;
		wave_ended++;
	}
	if (wave_ended == WAVE)
		event_base_loopbreak(fx.base);
}

static void busy_wait_us(int64_t us)
{
	int64_t end = now_us() + us;
	while (now_us() < end)
		;
}

Test(upstream, wave_of_timeouts_cancelling_each_other)
{
	/* A server that accepts no connection: the kernel completes each
	 * handshake and takes the request, and no answer ever comes. */
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), ndone = 0;
	struct upstream *u = upstream_new(fx.base, 0);
	char url[64];

	cr_assert(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(lfd, 2 * WAVE) == 0);
	getsockname(lfd, (struct sockaddr *)&sin, &len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sin.sin_port));
	for (int i = 0; i < WAVE; i++)
		wave_calls[i] = upstream_get(u, url, NULL, 0, 100, on_wave_done, (void *)(intptr_t)i);
	/* Let the requests go out, then hold the loop past every timeout, as a
	 * loaded machine does: curl's one timer then finds all of them expired
	 * in a single call. */
	run_for(30);
	busy_wait_us(150000);
	run_for(bound_us(2000000) / 1000);
	cr_assert_not(fx.timed_out, "%zu calls never ended", upstream_inflight(u));
	cr_assert_eq(upstream_inflight(u), 0);
	for (int i = 0; i < WAVE; i++) {
		cr_assert_eq(wave_done[i] + wave_cancelled[i], 1, "call %d: %d on_done, %d cancels", i, wave_done[i],
			     wave_cancelled[i]);
		ndone += wave_done[i];
	}
	cr_log_info("%d of %d calls delivered, the others cancelled", ndone, WAVE);
	upstream_free(u);
	close(lfd);
}
