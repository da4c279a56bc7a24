/* httpd: the evhttp server every cascade process runs, plus the caller-gone
 * watch evhttp lacks (it stops reading a connection while its request is
 * pending, so a client that leaves is only noticed when we reply). */
#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "log.h"
#include "outfile.h"
#include "util.h"

/* Out of descriptors, the listener is paused this long before it tries
 * accept() again: the pending connections stay in the kernel's backlog. */
#define HTTPD_ACCEPT_PAUSE_MS 100

struct httpd {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound; /* NULL once we stopped accepting */
	int port;
	char address[INET6_ADDRSTRLEN + 8]; /* "HOST:PORT" as bound */
	httpd_handler_fn handler;
	void *arg;
	struct event *accept_pause; /* re-enables the listener after EMFILE */
	unsigned long accept_pauses;
	struct httpd *next_live;    /* every httpd, for the listener's error callback */
};

static struct httpd *live_httpds;

/* The watch struct belongs to its owner until httpd_unwatch, except when
 * on_gone fires: then the glue frees it after on_gone returns.  While the
 * watch is registered as the connection's closecb, any free of the
 * connection (httpd_abort, httpd_free) tells us, so the fd event never
 * outlives the fd. */
struct httpd_watch {
	struct evhttp_connection *evcon;
	struct event *ev; /* NULL once watching stopped (pipelined, or conn freed) */
	httpd_gone_fn on_gone;
	void *arg;
	int firing;	/* inside on_gone: httpd_unwatch leaves the free to the glue */
	int conn_freed; /* the connection went away under the watch */
};

/* The listener's error callback gets the evhttp it serves, not us. */
static struct httpd *httpd_of(const void *http)
{
	for (struct httpd *h = live_httpds; h; h = h->next_live)
		if (h->http == http)
			return h;
	return NULL;
}

/* evtimer: try accepting again */
static void on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;
	(void)fd;
	(void)what;
	if (h->bound)
		evconnlistener_enable(evhttp_bound_socket_get_listener(h->bound));
}

/* evconnlistener error callback.  accept() failed for want of a descriptor
 * or of memory: the listening socket stays readable, and retrying at once
 * would spin the loop at full CPU (starving every timer and /metrics) until
 * a descriptor frees up.  Pause the listener instead; the connections wait
 * in the backlog.  Other errors are left to libevent (it goes on). */
static void on_accept_error(struct evconnlistener *lev, void *http)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct httpd *h = httpd_of(http);
	struct timeval tv = {0, HTTPD_ACCEPT_PAUSE_MS * 1000};

	if (!h || !(err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM))
		return;
	evconnlistener_disable(lev);
	evtimer_add(h->accept_pause, &tv);
	if (h->accept_pauses++ % 100 == 0)
		log_warn("accept: %s; not accepting for %d ms (%lu time%s)", strerror(err), HTTPD_ACCEPT_PAUSE_MS,
			 h->accept_pauses, h->accept_pauses == 1 ? "" : "s");
}

/* evhttp_set_gencb */
static void on_request(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	h->handler(req, h->arg);
}

/* "HOST:PORT" or "PORT" → host (caller frees) and port; -1 when malformed. */
static int parse_listen(const char *listen, char **host, int *port)
{
	const char *colon = strrchr(listen, ':');
	const char *digits = colon ? colon + 1 : listen;
	char *end;
	long v;

	if (*digits == '\0')
		return -1;
	for (const char *c = digits; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	errno = 0;
	v = strtol(digits, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	if (colon && colon == listen)
		return -1;
	*host = colon ? strndup(listen, (size_t)(colon - listen)) : xstrdup("127.0.0.1");
	if (!*host)
		abort();
	*port = (int)v;
	return 0;
}

/* The port and "HOST:PORT" the listener is bound to (getsockname): what
 * the kernel did, not what was asked. */
static int bound_port(struct evconnlistener *lev, char *address, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = -1;

	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &sslen) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(address, len, "%s:%d", host, port);
	return port;
}

struct httpd *httpd_new(struct event_base *base, const char *listen, httpd_handler_fn handler, void *arg,
			char *err, size_t errlen)
{
	struct httpd *h = NULL;
	struct addrinfo hints = {0}, *ai = NULL;
	struct evconnlistener *lev = NULL;
	char *host = NULL;
	char portstr[16];
	int port, rc;

	if (parse_listen(listen, &host, &port) < 0) {
		errf(err, errlen, "%s: expected HOST:PORT or PORT (0-65535)", listen);
		goto err;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0) {
		errf(err, errlen, "%s:%d: %s", host, port, gai_strerror(rc));
		goto err;
	}
	/* evconnlistener_new_bind closes its socket on failure, and close()
	 * leaves errno alone: errno still says why bind or listen failed. */
	errno = 0;
	lev = evconnlistener_new_bind(base, NULL, NULL,
				      LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				      HTTPD_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	if (!lev) {
		errf(err, errlen, "%s:%d: %s", host, port, errno ? strerror(errno) : "cannot listen");
		goto err;
	}

	h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->handler = handler;
	h->arg = arg;
	h->port = bound_port(lev, h->address, sizeof(h->address));
	h->http = evhttp_new(base);
	if (!h->http) {
		errf(err, errlen, "%s:%d: evhttp_new failed", host, port);
		goto err;
	}
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(h->http, HTTPD_MAX_BODY_SIZE);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	/* Read and discard an over-limit body before answering 413; closing
	 * with unread input would send a RST that can destroy the 413. */
	evhttp_set_flags(h->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_gencb(h->http, on_request, h);
	httpd_set_idle_timeout(h, HTTPD_IDLE_TIMEOUT_MS);
	h->bound = evhttp_bind_listener(h->http, lev);
	if (!h->bound) {
		errf(err, errlen, "%s:%d: evhttp_bind_listener failed", host, port);
		goto err;
	}
	lev = NULL; /* owned by h->http now */
	h->accept_pause = evtimer_new(base, on_accept_resume, h);
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(h->bound), on_accept_error);
	h->next_live = live_httpds;
	live_httpds = h;
	free(host);
	freeaddrinfo(ai);
	return h;

err:
	if (lev)
		evconnlistener_free(lev);
	if (h) {
		if (h->http)
			evhttp_free(h->http);
		free(h);
	}
	if (ai)
		freeaddrinfo(ai);
	free(host);
	return NULL;
}

int httpd_port(const struct httpd *h)
{
	return h->port;
}

const char *httpd_address(const struct httpd *h)
{
	return h->address;
}

int httpd_write_port_file(const struct httpd *h, const char *path, char *err, size_t errlen)
{
	char *tmp = NULL;
	char line[16];
	int len = snprintf(line, sizeof(line), "%d\n", h->port);
	int fd, rc = -1;

	fd = outfile_open_tmp(path, &tmp, err, errlen);
	if (fd < 0)
		goto done;
	errno = 0;
	if (write(fd, line, (size_t)len) != len) {
		errf(err, errlen, "%s: %s", tmp, errno ? strerror(errno) : "short write");
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (close(fd) < 0) {
		errf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto done;
	}
	if (outfile_commit(tmp, path, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	free(tmp);
	return rc;
}

void httpd_set_idle_timeout(struct httpd *h, double idle_ms)
{
	struct timeval tv;
	long long us = (long long)(idle_ms * 1000.0);

	/* evhttp arms it as the bufferevent's read and write timeouts; reading
	 * is off while a request is pending, so a slow handler is not cut. */
	if (idle_ms <= 0 || us <= 0) {
		evhttp_set_timeout_tv(h->http, NULL);
		return;
	}
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	evhttp_set_timeout_tv(h->http, &tv);
}

void httpd_stop_accepting(struct httpd *h)
{
	if (!h->bound)
		return;
	evtimer_del(h->accept_pause);
	evhttp_del_accept_socket(h->http, h->bound);
	h->bound = NULL;
}

unsigned long httpd_accept_pauses(const struct httpd *h) { return h->accept_pauses; }

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	for (struct httpd **p = &live_httpds; *p; p = &(*p)->next_live)
		if (*p == h) {
			*p = h->next_live;
			break;
		}
	if (h->accept_pause)
		event_free(h->accept_pause);
	evhttp_free(h->http);
	free(h);
}

/* The Date header evhttp adds to every HTTP/1.1 reply, formatted by the same
 * function but once per second instead of once per reply (gmtime and a
 * printf each time were 3 k instructions per request). */
static void add_date(struct evhttp_request *req)
{
	static time_t cached_at = -1;
	static char date[50];
	time_t now = time(NULL);

	if (req->major != 1 || req->minor < 1)
		return; /* evhttp adds none to an HTTP/1.0 reply either */
	if (now != cached_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		evutil_date_rfc1123(date, sizeof(date), &tm);
		cached_at = now;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Date", date);
}

/* A HEAD reply carries the length its GET would have, and no body (evhttp
 * would otherwise send the body bytes after the headers). */
static void send_reply(struct evhttp_request *req, int status, const void *body, size_t len)
{
	struct evbuffer *buf = NULL;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", len);
		evhttp_remove_header(evhttp_request_get_output_headers(req), "Content-Length");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", n);
	} else if (len > 0) {
		buf = evbuffer_new();
		if (!buf)
			abort();
		evbuffer_add(buf, body, len);
	}
	add_date(req);
	evhttp_send_reply(req, status, NULL, buf);
	if (buf)
		evbuffer_free(buf);
}

void httpd_reply(struct evhttp_request *req, int status, const char *body, ...)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *name;
	va_list ap;

	evhttp_add_header(out, "Content-Type", "text/plain; charset=utf-8");
	va_start(ap, body);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		evhttp_add_header(out, name, value ? value : "");
	}
	va_end(ap);
	send_reply(req, status, body, body ? strlen(body) : 0);
}

void httpd_reply_buf(struct evhttp_request *req, int status, const char *content_type, const void *body,
		     size_t len)
{
	if (content_type)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
	send_reply(req, status, body, body ? len : 0);
}

static void watch_stop(struct httpd_watch *w)
{
	if (w->ev) {
		event_free(w->ev); /* event_free deletes it first */
		w->ev = NULL;
	}
}

/* evhttp_connection_set_closecb: the connection is being freed by someone
 * else (httpd_abort, httpd_free, or the owner from inside on_gone).  Its fd
 * closes right after this returns. */
static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct httpd_watch *w = arg;
	(void)evcon;
	watch_stop(w);
	w->conn_freed = 1;
}

/* The connection's fd became readable or the peer hung up.  evhttp is not
 * reading it (the request is pending), so only the peek tells what it is. */
static void on_caller_readable(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_watch *w = arg;
	char c;
	ssize_t n;
	(void)what;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0) {
		/* The client already sent its next request: it is still there,
		 * and evhttp will read that request after our reply. */
		watch_stop(w);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;

	/* EOF (close or half-close) or an error such as ECONNRESET. */
	watch_stop(w);
	w->firing = 1;
	w->on_gone(w->arg);
	if (!w->conn_freed) {
		evhttp_connection_set_closecb(w->evcon, NULL, NULL);
		evhttp_connection_free(w->evcon); /* frees the pending request too */
	}
	free(w);
}

struct httpd_watch *httpd_watch_caller(struct evhttp_request *req, httpd_gone_fn on_gone, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct httpd_watch *w;
	evutil_socket_t fd;

	if (!evcon)
		return NULL;
	bev = evhttp_connection_get_bufferevent(evcon);
	fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0)
		return NULL;

	w = xcalloc(1, sizeof(*w));
	w->evcon = evcon;
	w->on_gone = on_gone;
	w->arg = arg;
	w->ev = event_new(evhttp_connection_get_base(evcon), fd, EV_READ | EV_PERSIST | EV_CLOSED,
			  on_caller_readable, w);
	if (!w->ev || event_add(w->ev, NULL) < 0)
		abort();
	evhttp_connection_set_closecb(evcon, on_conn_close, w);
	return w;
}

void httpd_unwatch(struct httpd_watch *w)
{
	if (!w)
		return;
	if (w->firing) {
		/* on_gone is on the stack; the glue frees w when it returns. */
		return;
	}
	watch_stop(w);
	if (!w->conn_freed)
		evhttp_connection_set_closecb(w->evcon, NULL, NULL);
	free(w);
}

void httpd_abort(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req ? evhttp_request_get_connection(req) : NULL;

	if (evcon)
		evhttp_connection_free(evcon);
}
