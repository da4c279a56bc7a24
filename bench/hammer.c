/* hammer: a closed-loop HTTP/1.1 load client for the bench.  N keep-alive
 * connections each send a request, wait for the whole reply and send the next,
 * until a fixed number of requests is done; prints throughput and latency
 * quantiles.  With --hold it sends one request per connection and keeps every
 * connection open without reading, so the chain holds that many requests in
 * flight while the bench reads each process's memory.
 *
 * Plain sockets and epoll rather than libcurl: the client should cost far less
 * CPU per request than the processes it measures. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CONN_BUF_LEN 8192 /* one reply: the chain's replies are a few hundred bytes */
#define MAX_CONNECTIONS 20000
#define EPOLL_BATCH 256
#define POLL_SLICE_MS 100 /* how often a quiet loop looks at the clock and signals */

struct opts {
	int connections;
	long requests;
	bool hold;
	double max_seconds; /* bound on the whole run */
	const char *path;
	struct sockaddr_in addr;
	char host[80]; /* "HOST:PORT" for the Host header */
};

struct conn {
	int fd;	       /* -1 when closed */
	bool busy;     /* a request is out, its reply not complete */
	double sent_s; /* when the current request was written */
	size_t len;    /* bytes of reply in buf */
	char buf[CONN_BUF_LEN];
};

/* Counts by category, the way the rest of cascade reports failures. */
struct tally {
	long sent;
	long done;	  /* replies complete or attempts failed */
	long ok;	  /* 2xx */
	long bad_status;  /* complete reply, not 2xx */
	long conn_errors; /* connect, reset, EOF before the reply was complete */
	long parse_errors;
	double *latency_ms; /* one per complete reply, in completion order */
	long nlatency;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) /* sigaction SIGINT/SIGTERM */
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Soft RLIMIT_NOFILE up to the hard limit: --hold opens one socket per
 * request, more than the usual soft limit of 1024.  Returns the limit now in
 * force. */
static long raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? (long)MAX_CONNECTIONS * 2 : (long)rl.rlim_cur;
}

static void usage(FILE *f)
{
	fputs("usage: hammer [options] HOST:PORT\n"
	      "Closed-loop HTTP/1.1 client over keep-alive connections.\n\n"
	      "options:\n"
	      "  -c, --connections N   concurrent connections (default 8)\n"
	      "  -n, --requests N      requests in all, closed loop (default 20000)\n"
	      "  --hold                one request per connection, then keep them open and\n"
	      "                        unread until SIGTERM/SIGINT or --max-seconds\n"
	      "  --path PATH           request path (default /)\n"
	      "  --max-seconds S       bound on the whole run (default 60); a load run not\n"
	      "                        done by then exits 1\n"
	      "  -h, --help\n\n"
	      "Load run prints one line: requests= ok= bad_status= conn_errors= parse_errors=\n"
	      "seconds= rps= p50_ms= p90_ms= p99_ms= max_ms= client_cpu_us_per_req=\n"
	      "Hold prints held=N once every request is written, then answered=K at the end.\n"
	      "Exit status: 0 ok, 1 failure (nothing answered, bound reached), 2 bad usage.\n",
	      f);
}

static int parse_target(const char *arg, struct opts *o)
{
	const char *colon = strrchr(arg, ':');
	char host[64];
	long port;
	char *end;

	if (!colon || (size_t)(colon - arg) >= sizeof(host))
		return -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return -1;
	memset(&o->addr, 0, sizeof(o->addr));
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &o->addr.sin_addr) != 1)
		return -1;
	snprintf(o->host, sizeof(o->host), "%s:%ld", host, port);
	return 0;
}

/* Returns 0 to go on, else the exit code. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"connections", required_argument, NULL, 'c'},
	    {"requests", required_argument, NULL, 'n'},
	    {"hold", no_argument, NULL, 'H'},
	    {"path", required_argument, NULL, 'p'},
	    {"max-seconds", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end;

	o->connections = 8;
	o->requests = 20000;
	o->hold = false;
	o->max_seconds = 60;
	o->path = "/";
	while ((c = getopt_long(argc, argv, "c:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->connections = (int)strtol(optarg, &end, 10);
			if (*end || o->connections < 1 || o->connections > MAX_CONNECTIONS) {
				fprintf(stderr, "hammer: --connections: expected 1..%d\n", MAX_CONNECTIONS);
				return 2;
			}
			break;
		case 'n':
			o->requests = strtol(optarg, &end, 10);
			if (*end || o->requests < 1) {
				fprintf(stderr, "hammer: --requests: expected a number >= 1\n");
				return 2;
			}
			break;
		case 'H':
			o->hold = true;
			break;
		case 'p':
			o->path = optarg;
			break;
		case 'm':
			o->max_seconds = strtod(optarg, &end);
			if (*end || !(o->max_seconds > 0)) {
				fprintf(stderr, "hammer: --max-seconds: expected a number > 0\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 1000;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || parse_target(argv[optind], o) < 0) {
		fprintf(stderr, "hammer: expected one target HOST:PORT (IPv4)\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int conn_open(const struct opts *o, int epfd, struct conn *c)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct epoll_event ev = {.events = EPOLLIN};

	if (fd < 0)
		return -1;
	/* Blocking connect: on loopback it completes at once, and it keeps the
	 * connection set up out of the event loop. */
	if (connect(fd, (const struct sockaddr *)&o->addr, sizeof(o->addr)) < 0)
		goto err;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (set_nonblock(fd) < 0)
		goto err;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto err;
	c->fd = fd;
	c->busy = false;
	c->len = 0;
	return 0;
err:
	close(fd);
	return -1;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->busy = false;
	c->len = 0;
}

static int conn_send(const struct opts *o, struct conn *c, struct tally *t)
{
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", o->path, o->host);

	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	c->sent_s = now_s();
	/* A request this small goes out in one write on a fresh or idle socket;
	 * anything shorter is treated as a broken connection. */
	if (write(c->fd, req, (size_t)n) != n)
		return -1;
	c->busy = true;
	t->sent++;
	return 0;
}

/* Length of the complete reply at the start of c->buf: > 0 complete, 0 not
 * yet, -1 unparseable.  *status gets the status code, *close whether the
 * server ends the connection after it. */
static long reply_length(const struct conn *c, int *status, bool *close_after)
{
	const char *hdr_end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	const char *line, *next;
	long content_length = -1;

	if (!hdr_end)
		return c->len >= CONN_BUF_LEN ? -1 : 0;
	if (c->len < 12 || strncmp(c->buf, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(c->buf + 9);
	*close_after = c->buf[7] == '0';
	for (line = memchr(c->buf, '\n', (size_t)(hdr_end - c->buf)); line && line < hdr_end; line = next) {
		line++;
		next = memchr(line, '\n', (size_t)(hdr_end + 2 - line));
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			content_length = strtol(line + 15, NULL, 10);
		else if (strncasecmp(line, "Connection:", 11) == 0)
			*close_after = strncasecmp(line + 11 + strspn(line + 11, " \t"), "close", 5) == 0;
		else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0)
			return -1; /* the chain always sends Content-Length */
	}
	if (content_length < 0)
		return -1;
	if ((size_t)(hdr_end + 4 - c->buf) + (size_t)content_length > CONN_BUF_LEN)
		return -1;
	if (c->len < (size_t)(hdr_end + 4 - c->buf) + (size_t)content_length)
		return 0;
	return (long)(hdr_end + 4 - c->buf) + content_length;
}

/* Read what arrived; close out a complete reply.  Returns 1 when a reply
 * completed and the connection can take the next request, 0 when more is
 * to come, -1 when the connection is gone (the caller reopens it). */
static int conn_read(struct conn *c, struct tally *t, bool hold)
{
	int status = 0;
	bool close_after = false;
	long len;
	ssize_t n = read(c->fd, c->buf + c->len, CONN_BUF_LEN - c->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (c->busy) {
			t->conn_errors++;
			t->done++;
		}
		return -1;
	}
	c->len += (size_t)n;
	len = reply_length(c, &status, &close_after);
	if (len == 0)
		return 0;
	t->done++;
	if (len < 0) {
		t->parse_errors++;
		return -1;
	}
	if (!hold)
		t->latency_ms[t->nlatency++] = (now_s() - c->sent_s) * 1000.0;
	if (status >= 200 && status < 300)
		t->ok++;
	else
		t->bad_status++;
	c->busy = false;
	memmove(c->buf, c->buf + len, c->len - (size_t)len);
	c->len -= (size_t)len;
	return close_after ? -1 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest rank on sorted values. */
static double quantile(const double *sorted, long n, double q)
{
	long i;
	if (n == 0)
		return NAN;
	i = (long)ceil(q * (double)n) - 1;
	return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static int run_load(const struct opts *o, int epfd, struct conn *conns, struct tally *t)
{
	struct epoll_event evs[EPOLL_BATCH];
	double start = now_s(), cpu0 = cpu_s(), end = start + o->max_seconds, elapsed, cpu;
	int i, rc = 0;

	t->latency_ms = xcalloc((size_t)o->requests, sizeof(double));
	for (i = 0; i < o->connections && t->sent < o->requests; i++)
		if (conn_open(o, epfd, &conns[i]) < 0 || conn_send(o, &conns[i], t) < 0) {
			fprintf(stderr, "hammer: %s: cannot connect: %s\n", o->host, strerror(errno));
			return 1;
		}
	while (t->done < t->sent && !stop_requested) {
		double left_ms = (end - now_s()) * 1000.0;
		int n;
		if (left_ms <= 0) {
			fprintf(stderr, "hammer: not done after %.0f s (%ld of %ld answered)\n",
				o->max_seconds, t->done, o->requests);
			rc = 1;
			break;
		}
		n = epoll_wait(epfd, evs, EPOLL_BATCH,
			       left_ms < POLL_SLICE_MS ? (int)left_ms + 1 : POLL_SLICE_MS);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int r = conn_read(c, t, false);
			if (r == 0)
				continue;
			if (r < 0) {
				conn_close(c);
				/* Too many broken connections means the target is gone. */
				if (t->conn_errors + t->parse_errors > o->requests / 10 + 10)
					continue;
				if (t->sent < o->requests && conn_open(o, epfd, c) < 0)
					continue;
			}
			if (t->sent < o->requests && conn_send(o, c, t) < 0) {
				t->conn_errors++;
				t->done++;
				conn_close(c);
			}
		}
	}
	elapsed = now_s() - start;
	cpu = cpu_s() - cpu0;
	qsort(t->latency_ms, (size_t)t->nlatency, sizeof(double), cmp_double);
	printf("requests=%ld ok=%ld bad_status=%ld conn_errors=%ld parse_errors=%ld seconds=%.3f rps=%.1f "
	       "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f client_cpu_us_per_req=%.2f\n",
	       t->done, t->ok, t->bad_status, t->conn_errors, t->parse_errors, elapsed,
	       (double)t->done / elapsed, quantile(t->latency_ms, t->nlatency, 0.5),
	       quantile(t->latency_ms, t->nlatency, 0.9), quantile(t->latency_ms, t->nlatency, 0.99),
	       quantile(t->latency_ms, t->nlatency, 1.0), t->done ? cpu * 1e6 / (double)t->done : 0.0);
	fflush(stdout);
	if (t->ok == 0)
		rc = 1;
	free(t->latency_ms);
	return rc;
}

static int run_hold(const struct opts *o, int epfd, struct conn *conns, struct tally *t)
{
	struct epoll_event evs[EPOLL_BATCH];
	double end = now_s() + o->max_seconds;
	int i, open_now = 0;

	for (i = 0; i < o->connections && !stop_requested; i++) {
		if (conn_open(o, epfd, &conns[i]) < 0 || conn_send(o, &conns[i], t) < 0) {
			fprintf(stderr, "hammer: connection %d: %s\n", i + 1, strerror(errno));
			conn_close(&conns[i]);
			return 1;
		}
		open_now++;
	}
	printf("held=%d\n", open_now);
	fflush(stdout);
	/* Replies are not expected (the chain is stalled); count any that
	 * come, and the connections the server closes. */
	while (!stop_requested && now_s() < end) {
		int n = epoll_wait(epfd, evs, EPOLL_BATCH, POLL_SLICE_MS);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (conn_read(c, t, true) < 0)
				conn_close(c);
		}
	}
	printf("answered=%ld ok=%ld bad_status=%ld conn_errors=%ld\n", t->done, t->ok, t->bad_status,
	       t->conn_errors);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct tally t = {0};
	struct conn *conns = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	int epfd = -1, rc, i;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc == 1000 ? 0 : rc;
	if (raise_nofile() < o.connections + 16L) {
		fprintf(stderr, "hammer: %d connections need more file descriptors than RLIMIT_NOFILE allows\n",
			o.connections);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("hammer: epoll_create1");
		return 1;
	}
	conns = xcalloc((size_t)o.connections, sizeof(*conns));
	for (i = 0; i < o.connections; i++)
		conns[i].fd = -1;
	rc = o.hold ? run_hold(&o, epfd, conns, &t) : run_load(&o, epfd, conns, &t);
	for (i = 0; i < o.connections; i++)
		conn_close(&conns[i]);
	free(conns);
	close(epfd);
	return rc;
}
