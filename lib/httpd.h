/* httpd: the evhttp server side of every cascade process.
 * One listener on the process's event_base (evconnlistener with a deep
 * backlog, header and body limits set), and the one thing evhttp cannot do
 * by itself: notice that a client left while its request is still pending
 * (libevent stops reading a connection while a request is being handled; see
 * lib/README.md).  httpd_watch_caller watches the connection's fd with
 * EV_CLOSED and a MSG_PEEK check. */
#ifndef CASCADE_HTTPD_H
#define CASCADE_HTTPD_H

#include <stddef.h>

struct event_base;
struct evhttp_request;

#define HTTPD_MAX_HEADERS_SIZE 8192 /* over it: 400 */
#define HTTPD_MAX_BODY_SIZE 65536   /* over it: 413 */
#define HTTPD_BACKLOG 4096
/* A connection that sends nothing (or does not read its reply) for this long
 * is closed, real time.  It is reset by every byte: it bounds idle and
 * stalled connections, not a client that trickles a byte now and then. */
#define HTTPD_IDLE_TIMEOUT_MS 10000

struct httpd;
/* Every request goes to one handler (it routes /healthz, /metrics itself). */
typedef void (*httpd_handler_fn)(struct evhttp_request *req, void *arg);

/* listen: "HOST:PORT" or "PORT" (host 127.0.0.1; HOST is an IPv4 address or
 * name); port 0 = any free port.  NULL and a message
 * ("127.0.0.1:8080: Address already in use") on failure. */
struct httpd *httpd_new(struct event_base *base, const char *listen, httpd_handler_fn handler, void *arg,
			char *err, size_t errlen);
/* Close connections idle for idle_ms of real time (reading a request or
 * writing a reply; a request being handled is never cut by it).  <= 0: no
 * limit.  Applies to connections accepted from then on. */
void httpd_set_idle_timeout(struct httpd *h, double idle_ms);
int httpd_port(const struct httpd *h); /* the bound port */
const char *httpd_address(const struct httpd *h); /* "127.0.0.1:8080": where it is bound */
/* Write the bound port and a newline to path atomically (a new O_EXCL
 * temporary beside it, renamed into place: nothing planted is followed). */
int httpd_write_port_file(const struct httpd *h, const char *path, char *err, size_t errlen);
void httpd_stop_accepting(struct httpd *h); /* close the listener; pending requests stay */
/* How often accept() found no descriptor (or memory) left: each time the
 * listener pauses for 100 ms instead of retrying at once, which would spin
 * the loop; pending connections wait in the backlog meanwhile. */
unsigned long httpd_accept_pauses(const struct httpd *h);
/* Frees every connection, pending requests included (no on_gone): close out
 * pending requests first.  A watch still registered must still be released
 * with httpd_unwatch. */
void httpd_free(struct httpd *h);

/* Reply with a plain-text body (may be NULL); extra headers as name/value
 * pairs terminated by NULL, e.g. "Retry-After", "1", NULL.  A HEAD request
 * gets the headers and Content-Length only.  req is evhttp's again after. */
void httpd_reply(struct evhttp_request *req, int status, const char *body, ...) __attribute__((sentinel));
void httpd_reply_buf(struct evhttp_request *req, int status, const char *content_type, const void *body,
		     size_t len);

/* Caller-gone watch.  on_gone runs at most once, from the event loop, when
 * the client closed or reset the connection (or half-closed it); after it
 * returns the glue frees the connection and the watch, and req is gone:
 * on_gone must drop every pointer to both.  Inside on_gone, httpd_unwatch
 * is a no-op and httpd_abort is allowed (the connection is freed once).
 * Before replying, call httpd_unwatch (safe with NULL).  A client that
 * already pipelined its next request is not "gone": the watch stops quietly
 * (it still needs httpd_unwatch).  NULL when req has no connection left. */
struct httpd_watch;
typedef void (*httpd_gone_fn)(void *arg);
struct httpd_watch *httpd_watch_caller(struct evhttp_request *req, httpd_gone_fn on_gone, void *arg);
void httpd_unwatch(struct httpd_watch *w);

/* Drop a pending request without replying: closes its connection (used at
 * shutdown and for stall faults that end).  Fires no on_gone.  A watch on
 * req is not freed by this: httpd_unwatch it before or after (either order
 * is safe; the watch stops when the connection goes). */
void httpd_abort(struct evhttp_request *req); /* NULL is ignored */

#endif
