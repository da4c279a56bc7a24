/* upstream: downstream GETs through libcurl multi handles driven by the
 * process's event_base (the hiperfifo layout: one event per curl socket, one
 * timer per multi handle for curl's timeouts; a multi handle for every
 * UPSTREAM_SHARD_INFLIGHT calls in flight).  User callbacks run only from our
 * own event callbacks, after the transfer left the multi handle, never from
 * inside libcurl, so they may start and cancel calls freely. */
#include "upstream.h"

#include <stdbool.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "util.h"

#define UPSTREAM_BODY_MAX (1u << 20)	  /* a bigger reply is treated as broken */
#define UPSTREAM_CONNECT_TIMEOUT_MS 3000L /* loopback connects take microseconds */
#define UPSTREAM_RECV_BUFFER 1024L /* CURLOPT_BUFFERSIZE's minimum */
/* curl's own timeout is a backstop this much after the call's own timer
 * (on_deadline), which alone decides: libcurl 7.88 was seen reporting a
 * 50 ms timeout 49.76 ms after the call started, and a simulated timeout
 * must never fire early. */
#define UPSTREAM_CURL_TIMEOUT_SLACK_MS 5L
/* Calls in flight per multi handle ("shard").  libcurl 7.88 finds a reusable
 * connection by walking every connection to the host in its multi handle's
 * cache, busy ones included, and trims an over-full cache by walking them
 * all again: with thousands of attempts in flight in one handle, each new
 * attempt cost milliseconds of CPU and the event loop fell seconds behind.
 * A call goes to the first handle with fewer than this many in flight (a
 * new handle when none has): each walk stays this short whatever the storm,
 * and attempts that complete leave their connection in their handle's pool
 * for the next attempt there.  Each handle's cache holds at most this many
 * connections, busy and idle. */
#define UPSTREAM_SHARD_INFLIGHT 128
/* Every idle easy handle is kept for reuse, with the options every call
 * shares already set.  A handle set up once per attempt (curl_easy_init,
 * its defaults, its buffers, or curl_easy_reset) cost more than the
 * attempt's own options; with thousands in flight, a handle made and freed
 * for each attempt (5 KiB zeroed, then a dozen more allocations) cost 20 k
 * instructions more per attempt than at a hundred in flight.  Handles in
 * use and spare never outnumber the most calls ever in flight at once, whose
 * memory the process needed then anyway (about 6.5 KiB each, its receive
 * buffer included). */
#define UPSTREAM_SPARE_EASY_FIRST 64 /* the list's first allocation */

/* One multi handle, its timer and the calls it runs. */
struct shard {
	struct upstream *u;
	CURLM *multi;
	struct event *timer; /* curl's single timeout */
	struct event *soon;  /* curl's timeout of 0 ms: run in this loop turn */
	bool in_soon;	     /* on_soon is calling into curl */
	size_t inflight;
};

/* One curl socket: its event, created and changed by on_socket. */
struct sock_state {
	struct upstream *u;
	curl_socket_t fd;
	struct event *ev;
	short kind; /* ev's flags */
	TAILQ_ENTRY(sock_state) link;
};

enum call_state {
	CALL_RUNNING,	 /* in the multi handle */
	CALL_COMPLETING, /* removed from the multi handle, on_done on the stack */
};

struct upstream_call {
	struct upstream *u;
	struct shard *shard; /* the multi handle that runs it */
	CURL *easy;
	bool easy_on_uh; /* easy has CURLOPT_CURLU = u->uh set, not a URL string */
	struct curl_slist *headers; /* nodes and text in this allocation, after the struct */
	struct sbuf body;
	int body_overflow;
	long timeout_ms; /* as given to CURLOPT_TIMEOUT_MS; 0 = none */
	int64_t start_ns;
	struct event *deadline; /* NULL when timeout_ms == 0 */
	upstream_done_fn on_done;
	void *arg;
	enum call_state state;
	CURLcode done_rc;   /* its completion, while it waits in the batch */
	size_t batch_index; /* where it waits in u->batch, while in_batch */
	bool in_batch;
	char errbuf[CURL_ERROR_SIZE];
	TAILQ_ENTRY(upstream_call) link;
};

struct upstream {
	struct event_base *base;
	struct shard **shards; /* shards[0] always exists; more are made as needed */
	size_t nshards;
	long max_conns; /* a per-host cap (> 0) keeps one shard, uncapped in calls */
	TAILQ_HEAD(, upstream_call) calls;
	TAILQ_HEAD(, sock_state) socks;
	size_t inflight;
	/* calls curl reported done, not yet delivered (drain_done); NULL once
	 * cancelled by an earlier on_done of the same batch */
	struct upstream_call **batch;
	size_t batch_len, batch_cap;
	/* idle easy handles, shared options set, and whether each carries uh */
	struct spare {
		CURL *easy;
		bool on_uh;
	} *spare;
	size_t nspare, spare_cap;
	/* The URL calls go to, parsed once (the first URL asked for): a call to
	 * it hands curl this handle instead of the string.  NULL: none yet. */
	char *uh_url;
	CURLU *uh;
};

static void drain_done(struct shard *sh);
static struct shard *shard_for_call(struct upstream *u);

/* ---- socket and timer glue ---- */

/* event_new in on_socket: curl's socket is ready */
static void on_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg; /* not the sock_state: curl may free it below */
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;

	curl_multi_socket_action(sh->multi, fd, action, &running);
	drain_done(sh);
}

/* evtimer_new in shard_new: curl's timeout expired */
static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;
	int running;
	(void)fd;
	(void)what;

	curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain_done(sh);
}

static void sock_free(struct upstream *u, struct sock_state *ss)
{
	TAILQ_REMOVE(&u->socks, ss, link);
	event_free(ss->ev);
	free(ss);
}

/* CURLMOPT_SOCKETFUNCTION */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct shard *sh = userp;
	struct upstream *u = sh->u;
	struct sock_state *ss = socketp;
	short kind;
	(void)easy;

	if (what == CURL_POLL_REMOVE) {
		if (ss)
			sock_free(u, ss);
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (!ss) {
		ss = xcalloc(1, sizeof(*ss));
		ss->u = u;
		ss->fd = fd;
		TAILQ_INSERT_HEAD(&u->socks, ss, link);
		curl_multi_assign(sh->multi, fd, ss);
		ss->ev = event_new(u->base, fd, kind, on_sock_event, sh);
		if (!ss->ev)
			abort();
	} else if (kind == ss->kind) {
		return 0; /* curl repeats itself; a re-add would cost two epoll_ctl calls */
	} else {
		event_del(ss->ev);
		event_assign(ss->ev, u->base, fd, kind, on_sock_event, sh);
	}
	ss->kind = kind;
	if (event_add(ss->ev, NULL) < 0)
		abort();
	return 0;
}

/* event_new in shard_new, made active by on_timer_update: curl asked for
 * a timeout of 0 ms (a new transfer to start, mostly). */
static void on_soon(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;
	int running;
	(void)fd;
	(void)what;

	sh->in_soon = true;
	curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	sh->in_soon = false;
	drain_done(sh);
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 means "soon", which must
 * not be done by calling back into libcurl from here.  "Soon" is an event
 * made active, run once the callbacks of this loop turn are done: a 0 ms
 * timer would cost two timerfd_settime calls (PRECISE_TIMER) and a trip
 * through epoll_wait for every attempt started.  A 0 asked for while curl
 * runs on_soon's own call goes through the timer, so that sockets are
 * polled between two rounds: curl can never keep the loop to itself. */
static int on_timer_update(CURLM *multi, long timeout_ms, void *userp)
{
	struct shard *sh = userp;
	(void)multi;

	if (timeout_ms < 0) {
		evtimer_del(sh->timer);
		event_del(sh->soon);
	} else if (timeout_ms == 0 && !sh->in_soon) {
		evtimer_del(sh->timer);
		event_active(sh->soon, EV_TIMEOUT, 1);
	} else {
		struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		event_del(sh->soon);
		evtimer_add(sh->timer, &tv);
	}
	return 0;
}

/* CURLOPT_WRITEFUNCTION */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_call *c = userp;
	size_t n = size * nmemb;

	if (c->body.len + n > UPSTREAM_BODY_MAX) {
		c->body_overflow = 1;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	sbuf_add(&c->body, data, n);
	return n;
}

/* ---- calls ---- */

static void call_unlink_free(struct upstream_call *c)
{
	struct upstream *u = c->u;

	TAILQ_REMOVE(&u->calls, c, link);
	u->inflight--;
	c->shard->inflight--;
	if (c->deadline)
		event_free(c->deadline);
	/* No pointer into the freed call stays behind. */
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, NULL);
	if (u->nspare == u->spare_cap) {
		u->spare_cap = u->spare_cap ? 2 * u->spare_cap : UPSTREAM_SPARE_EASY_FIRST;
		u->spare = xrealloc(u->spare, u->spare_cap * sizeof(*u->spare));
	}
	u->spare[u->nspare++] = (struct spare){c->easy, c->easy_on_uh};
	sbuf_free(&c->body);
	free(c);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Did the request leave?  An attempt whose time ran out before it could
 * even send (a server too busy to accept, its backlog full) never reached the
 * server: that is a failure to connect, not a slow answer. */
static bool request_sent(const struct upstream_call *c)
{
	long sent = 0;
	curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &sent);
	return sent > 0;
}

static enum upstream_error classify(const struct upstream_call *c, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return UPSTREAM_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return request_sent(c) ? UPSTREAM_TIMEOUT : UPSTREAM_CONNECT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return UPSTREAM_CONNECT;
	default: /* GOT_NOTHING, RECV_ERROR, SEND_ERROR, PARTIAL_FILE, WRITE_ERROR, ... */
		return UPSTREAM_BROKEN;
	}
}

/* The call has left the multi handle: report it, then free it. */
static void deliver(struct upstream_call *c, struct upstream_result *res)
{
	res->body = sbuf_str(&c->body);
	res->body_len = c->body.len;
	c->state = CALL_COMPLETING;
	c->on_done(c->arg, res);
	call_unlink_free(c);
}

static void finish(struct upstream_call *c, CURLcode rc)
{
	struct upstream_result res = {0};
	long status = 0;

	res.error = classify(c, rc);
	if (res.error == UPSTREAM_OK) {
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
		res.status = (int)status;
	} else if (c->body_overflow) {
		res.message = "response body over 1 MiB";
	} else {
		res.message = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	}
	deliver(c, &res);
}

/* evtimer_new in upstream_get: the call's own limit, and the one that ends
 * a call on time.  libcurl 7.88's own timeout is no good for that: it drops
 * a transfer's pending timeout when socket activity comes less than 1 ms
 * before it (its expiry list compares truncated ms; fixed in curl 8.4, issue
 * #11937), and the timeout then waits for another timer, possibly forever;
 * and it can fire a fraction of a ms early.  curl's timeout stays set, a
 * few ms later, as a backstop. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_call *c = arg;
	struct upstream_result res = {0};
	(void)fd;
	(void)what;

	res.error = request_sent(c) ? UPSTREAM_TIMEOUT : UPSTREAM_CONNECT;
	curl_multi_remove_handle(c->shard->multi, c->easy); /* closes the connection, as curl would */
	snprintf(c->errbuf, sizeof(c->errbuf), "%s timed out after %ld milliseconds",
		 res.error == UPSTREAM_TIMEOUT ? "Operation" : "Connection", c->timeout_ms);
	res.message = c->errbuf;
	deliver(c, &res);
}

/* Deliver every finished transfer.  Every message is read first, and only
 * then are the handles removed: libcurl 7.88's curl_multi_remove_handle
 * walks the whole message queue looking for the handle's own message, so
 * removing each handle while the others still waited there made a wave of
 * n attempts ending in one curl call (thousands timing out together in a
 * storm) cost n^2/2 steps; a tier's loop was measured blocked for 14 s.
 * With the queue empty each removal is O(1).  An on_done that cancels a
 * call still waiting in the batch strikes it out (upstream_cancel).  Never
 * re-entered: on_done may start and cancel calls, which do not drain. */
static void drain_done(struct shard *sh)
{
	struct upstream *u = sh->u;
	CURLMsg *msg;
	int left;

	u->batch_len = 0;
	while ((msg = curl_multi_info_read(sh->multi, &left)) != NULL) {
		char *priv = NULL;
		struct upstream_call *c;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		c = (struct upstream_call *)priv;
		c->done_rc = msg->data.result;
		if (u->batch_len == u->batch_cap) {
			u->batch_cap = u->batch_cap ? 2 * u->batch_cap : 64;
			u->batch = xrealloc(u->batch, u->batch_cap * sizeof(*u->batch));
		}
		c->batch_index = u->batch_len;
		c->in_batch = true;
		u->batch[u->batch_len++] = c;
	}
	for (size_t i = 0; i < u->batch_len; i++) {
		struct upstream_call *c = u->batch[i];
		if (!c)
			continue; /* cancelled by an earlier on_done */
		u->batch[i] = NULL;
		c->in_batch = false;
		curl_multi_remove_handle(sh->multi, c->easy);
		finish(c, c->done_rc);
	}
	u->batch_len = 0;
}

/* The URL of a call.  libcurl 7.88 parses a URL string for every transfer
 * (curl_url_set) and renders it back (curl_url_get), about 10 k
 * instructions; given a URL handle (CURLOPT_CURLU) it copies the parsed
 * parts instead, and renders the string once per easy handle (kept while
 * the handle keeps the same CURLU).  So the upstream URL, which nearly every
 * call uses, is parsed once; any other URL (a key's path) goes as a string. */
static void set_url(struct upstream *u, struct upstream_call *c, const char *url)
{
	if (!u->uh_url) {
		u->uh_url = xstrdup(url);
		u->uh = curl_url();
		/* The flags curl parses a CURLOPT_URL string with. */
		if (!u->uh || curl_url_set(u->uh, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME)) {
			curl_url_cleanup(u->uh);
			u->uh = NULL;
		}
	}
	if (u->uh && strcmp(url, u->uh_url) == 0) {
		if (!c->easy_on_uh) {
			/* Drop the string, so the next transfer renders it from uh. */
			curl_easy_setopt(c->easy, CURLOPT_URL, NULL);
			curl_easy_setopt(c->easy, CURLOPT_CURLU, u->uh);
			c->easy_on_uh = true;
		}
		return;
	}
	if (c->easy_on_uh) {
		curl_easy_setopt(c->easy, CURLOPT_CURLU, NULL);
		c->easy_on_uh = false;
	}
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
}

/* An easy handle with the options every call shares: a spare one, or new.
 * *on_uh: whether it has CURLOPT_CURLU set. */
static CURL *easy_take(struct upstream *u, bool *on_uh)
{
	CURL *easy;

	if (u->nspare) {
		u->nspare--;
		*on_uh = u->spare[u->nspare].on_uh;
		return u->spare[u->nspare].easy;
	}
	*on_uh = false;
	easy = curl_easy_init();
	if (!easy)
		abort();
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	/* Loopback only: no proxy, and no proxy environment variables read
	 * for every transfer (five getenv calls each). */
	curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
	/* Replies in the chain are a few hundred bytes: curl's smallest receive
	 * buffer holds them in one read, and every attempt in flight carries
	 * one (16 KiB by default). */
	curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, UPSTREAM_RECV_BUFFER);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, UPSTREAM_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	return easy;
}

struct upstream_call *upstream_get(struct upstream *u, const char *url, const char *const *headers,
				   size_t nheaders, double timeout_real_ms, upstream_done_fn on_done,
				   void *arg)
{
	struct upstream_call *c;
	struct curl_slist *nodes;
	size_t text_len = 0, i;
	char *text;
	CURLMcode mrc;

	/* One allocation for the call, its header list and the headers' text:
	 * curl only reads the list, so it need not be curl_slist_append's.
	 * The list ends with "Accept:", which removes the Accept header curl
	 * sends by default: nobody in the chain reads it, and every header
	 * costs curl about 170 instructions a byte to format (its printf
	 * appends to the request one byte at a time) and the receiving evhttp
	 * three allocations to parse. */
	for (i = 0; i < nheaders; i++)
		text_len += strlen(headers[i]) + 1;
	c = xcalloc(1, sizeof(*c) + (nheaders + 1) * sizeof(*nodes) + text_len);
	nodes = (struct curl_slist *)(c + 1);
	text = (char *)(nodes + nheaders + 1);
	for (i = 0; i < nheaders; i++) {
		size_t len = strlen(headers[i]) + 1;
		memcpy(text, headers[i], len);
		nodes[i].data = text;
		nodes[i].next = &nodes[i + 1];
		text += len;
	}
	nodes[nheaders].data = (char *)"Accept:";
	nodes[nheaders].next = NULL;
	c->headers = nodes;
	c->u = u;
	c->on_done = on_done;
	c->arg = arg;
	c->state = CALL_RUNNING;
	c->easy = easy_take(u, &c->easy_on_uh);
	if (timeout_real_ms > 0) {
		double ms = ceil(timeout_real_ms);
		c->timeout_ms = ms < 1 ? 1 : ms > 1e9 ? 1000000000L : (long)ms;
	}
	c->start_ns = mono_ns();

	/* Every option a previous call on this handle may have set differently
	 * is set again here. */
	set_url(u, c, url);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, /* 0: none */
			 c->timeout_ms ? c->timeout_ms + UPSTREAM_CURL_TIMEOUT_SLACK_MS : 0L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, (void *)c);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, (void *)c);
	c->shard = shard_for_call(u);

	TAILQ_INSERT_HEAD(&u->calls, c, link);
	u->inflight++;
	c->shard->inflight++;

	if (c->timeout_ms > 0) {
		struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
		c->deadline = evtimer_new(u->base, on_deadline, c);
		if (!c->deadline)
			abort();
		evtimer_add(c->deadline, &tv);
	}

	/* Only misuse fails here (a call from inside a libcurl callback, which
	 * this module never makes) or an allocation: treat it like OOM. */
	mrc = curl_multi_add_handle(c->shard->multi, c->easy);
	if (mrc != CURLM_OK) {
		fprintf(stderr, "upstream: curl_multi_add_handle: %s\n", curl_multi_strerror(mrc));
		abort();
	}
	return c;
}

void upstream_cancel(struct upstream_call *c)
{
	if (!c || c->state == CALL_COMPLETING)
		return; /* its own on_done is running; it is freed right after */
	if (c->in_batch)
		c->u->batch[c->batch_index] = NULL; /* finished, not yet delivered: never will be */
	/* Removing an unfinished transfer closes its connection (the socket
	 * callback runs in here and drops the socket's event). */
	curl_multi_remove_handle(c->shard->multi, c->easy);
	call_unlink_free(c);
}

size_t upstream_inflight(const struct upstream *u)
{
	return u->inflight;
}

/* ---- the multi handles ---- */

static struct shard *shard_new(struct upstream *u)
{
	struct shard *sh = xcalloc(1, sizeof(*sh));
	long cache = u->max_conns ? u->max_conns : (long)UPSTREAM_SHARD_INFLIGHT;

	sh->u = u;
	sh->timer = evtimer_new(u->base, on_timeout, sh);
	sh->soon = event_new(u->base, -1, 0, on_soon, sh);
	sh->multi = curl_multi_init();
	if (!sh->timer || !sh->soon || !sh->multi)
		abort();
	curl_multi_setopt(sh->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(sh->multi, CURLMOPT_SOCKETDATA, sh);
	curl_multi_setopt(sh->multi, CURLMOPT_TIMERFUNCTION, on_timer_update);
	curl_multi_setopt(sh->multi, CURLMOPT_TIMERDATA, sh);
	/* Without an explicit cap the cache holds 4 x the handles currently
	 * added, so pooled connections are dropped whenever a burst drains. */
	curl_multi_setopt(sh->multi, CURLMOPT_MAXCONNECTS, cache);
	curl_multi_setopt(sh->multi, CURLMOPT_MAX_HOST_CONNECTIONS, u->max_conns);
	u->shards = xrealloc(u->shards, (u->nshards + 1) * sizeof(*u->shards));
	u->shards[u->nshards++] = sh;
	return sh;
}

/* The first shard with room, so that a light load stays in one handle (and
 * its pool); a new one when every shard is full. */
static struct shard *shard_for_call(struct upstream *u)
{
	if (u->max_conns) /* a per-host cap is one handle's: it keeps the one handle */
		return u->shards[0];
	for (size_t i = 0; i < u->nshards; i++)
		if (u->shards[i]->inflight < UPSTREAM_SHARD_INFLIGHT)
			return u->shards[i];
	return shard_new(u);
}

struct upstream *upstream_new(struct event_base *base, int max_conns)
{
	struct upstream *u = xcalloc(1, sizeof(*u));

	/* libcurl allocates a few dozen small objects per transfer, many with
	 * calloc: calloc_cached takes them from glibc's thread cache. */
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, free, realloc, strdup, calloc_cached) != CURLE_OK)
		abort();
	u->base = base;
	u->max_conns = max_conns > 0 ? max_conns : 0;
	TAILQ_INIT(&u->calls);
	TAILQ_INIT(&u->socks);
	shard_new(u);
	return u;
}

void upstream_free(struct upstream *u)
{
	if (!u)
		return;
	struct upstream_call *c;
	struct sock_state *ss;

	while ((c = TAILQ_FIRST(&u->calls))) {
		curl_multi_remove_handle(c->shard->multi, c->easy);
		call_unlink_free(c);
	}
	for (size_t i = 0; i < u->nshards; i++) {
		struct shard *sh = u->shards[i];
		curl_multi_cleanup(sh->multi);
		event_free(sh->timer);
		event_free(sh->soon);
		free(sh);
	}
	/* Whatever sockets curl did not report removed while cleaning up. */
	while ((ss = TAILQ_FIRST(&u->socks)))
		sock_free(u, ss);
	while (u->nspare)
		curl_easy_cleanup(u->spare[--u->nspare].easy);
	free(u->spare);
	curl_url_cleanup(u->uh); /* after every easy handle that had it */
	free(u->uh_url);
	free(u->shards);
	free(u->batch);
	free(u);
	curl_global_cleanup();
}
