/* upstream: downstream HTTP calls through libcurl's multi interface, driven
 * by the process's event_base (curl's hiperfifo pattern, minus its known
 * pitfalls: see lib/README.md).  One struct upstream per process, one
 * upstream_call per attempt.  Completion is reported from the event loop,
 * never from inside a libcurl callback, so on_done may start new calls or
 * cancel others. */
#ifndef CASCADE_UPSTREAM_H
#define CASCADE_UPSTREAM_H

#include <stddef.h>

struct event_base;

enum upstream_error {
	UPSTREAM_OK,      /* an HTTP status arrived (any status) */
	UPSTREAM_TIMEOUT, /* timeout_ms passed first */
	UPSTREAM_CONNECT, /* could not connect (refused, unreachable, or the time ran out before the request was sent) */
	UPSTREAM_BROKEN,  /* connected, then the connection closed or broke before a full reply */
};

struct upstream_result {
	enum upstream_error error;
	int status;       /* HTTP status when error == UPSTREAM_OK, else 0 */
	const char *body; /* the response body (NUL-terminated), valid during on_done only */
	size_t body_len;
	const char *message; /* curl's message when error != UPSTREAM_OK */
};

struct upstream;
struct upstream_call;
typedef void (*upstream_done_fn)(void *arg, const struct upstream_result *res);

/* max_conns: connection cache and per-host cap (one attempt per connection),
 * in one multi handle; 0: no per-host cap, and calls spread over multi
 * handles of at most 128 in flight, each caching at most 128 connections. */
struct upstream *upstream_new(struct event_base *base, int max_conns);
/* Cancels every call still running (no callbacks), then frees.  Not from
 * inside an on_done. */
void upstream_free(struct upstream *u);

/* Start a GET.  headers: "Name: value" strings, copied.  timeout_real_ms:
 * the whole transfer's limit in *real* ms, counted from this call and
 * rounded up to whole ms (0 = none).  on_done runs exactly once unless the
 * call is cancelled first; the call is freed when on_done returns.  A body
 * over 1 MiB ends the call as UPSTREAM_BROKEN.  Never NULL. */
struct upstream_call *upstream_get(struct upstream *u, const char *url, const char *const *headers,
				   size_t nheaders, double timeout_real_ms, upstream_done_fn on_done, void *arg);
/* Abort a call that has not completed: its connection is closed (so the
 * server sees its caller leave) and on_done will not run.  The call is freed.
 * Safe from any event callback and from another call's on_done; on the call
 * whose on_done is running it does nothing.  NULL is ignored. */
void upstream_cancel(struct upstream_call *c);
size_t upstream_inflight(const struct upstream *u);

#endif
