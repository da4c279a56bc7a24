/* harness: process, HTTP and CSV helpers for the integration tests (see
 * harness.h).  Waits are on events (inotify for port files, waitpid for
 * exits) or on a polled condition with a bound, never on a fixed sleep. */
#include "harness.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const tier_names[H_TIERS] = {"dbsim", "svc_b", "svc_a", "gateway"};

const char *h_tier_name(int i) { return tier_names[i]; }

/* Every process this test started and has not reaped: a failed assertion
 * ends the test early, and h_cleanup (the suites' .fini) ends them then. */
#define ARRAY_LEN_SPAWNED 32
static pid_t spawned[ARRAY_LEN_SPAWNED];
static size_t nspawned;

static void forget(pid_t pid)
{
	for (size_t i = 0; i < nspawned; i++)
		if (spawned[i] == pid)
			spawned[i] = spawned[--nspawned];
}

void h_kill(pid_t pid)
{
	const char *list = getenv("CASCADE_KILLED");

	if (list && *list) {
		FILE *f = fopen(list, "a");
		if (f) {
			fprintf(f, "%ld\n", (long)pid);
			fclose(f);
		}
	}
	kill(pid, SIGKILL);
}

/* Every scratch folder this test made, for h_cleanup to remove. */
#define ARRAY_LEN_TMPDIRS 8
static char *tmpdirs[ARRAY_LEN_TMPDIRS];
static size_t ntmpdirs;

char *h_tmpdir(char *template)
{
	cr_assert_not_null(mkdtemp(template), "mkdtemp %s: %s", template, strerror(errno));
	cr_assert_lt(ntmpdirs, ARRAY_LEN_TMPDIRS, "more scratch folders than h_tmpdir keeps");
	tmpdirs[ntmpdirs++] = strdup(template);
	return template;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

void h_cleanup(void)
{
	const char *keep = getenv("CASCADE_KEEP");

	while (nspawned > 0) {
		pid_t pid = spawned[--nspawned];
		h_kill(pid);
		waitpid(pid, NULL, 0);
	}
	while (ntmpdirs > 0) {
		char *dir = tmpdirs[--ntmpdirs];
		if (!keep || !*keep)
			nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(dir);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *h_bin(void)
{
	const char *b = getenv("CASCADE_BIN");
	return b && *b ? b : "build/bin";
}

char *h_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	cr_assert_not_null(buf);
	n = (long)fread(buf, 1, n, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

double h_slow(void)
{
	const char *s = getenv("CASCADE_SLOW");
	double f = s ? atof(s) : 1;
	return f >= 1 ? f : 1;
}

/* argv with $CASCADE_WRAP's words in front when argv[0] is a cascade
 * program; the words point into a static copy of the variable. */
static char *const *wrapped(char *const argv[])
{
	static char words[1024];
	static char *out[128];
	const char *wrap = getenv("CASCADE_WRAP");
	size_t n = 0;

	if (!wrap || !*wrap || strncmp(argv[0], h_bin(), strlen(h_bin())) != 0)
		return argv;
	snprintf(words, sizeof(words), "%s", wrap);
	for (char *w = strtok(words, " "); w && n < 64; w = strtok(NULL, " "))
		out[n++] = w;
	for (size_t i = 0; argv[i] && n < 127; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	return out;
}

pid_t h_spawn(const char *dir, const char *name, char *const argv[])
{
	char log[512];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		char *const *av = wrapped(argv);
		execvp(av[0], av);
		_exit(127);
	}
	if (nspawned < ARRAY_LEN_SPAWNED)
		spawned[nspawned++] = pid;
	return pid;
}

int h_wait_port_file(const char *dir, const char *file, double timeout_s)
{
	char path[512];
	double end = now_s() + timeout_s * h_slow();
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	char *text;
	int port;

	cr_assert(fd >= 0);
	/* Port files are written to a temporary name and renamed into place. */
	cr_assert(inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) >= 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	while (access(path, F_OK) != 0) {
		char buf[4096];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = end - now_s();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) > 0)
			while (read(fd, buf, sizeof(buf)) > 0)
				;
	}
	close(fd);
	text = h_read_file(path);
	cr_assert_not_null(text, "%s did not appear within %.1f s", path, timeout_s);
	port = atoi(text);
	free(text);
	return port;
}

int h_wait_exit(pid_t pid, double timeout_s)
{
	/* A pidfd would let us poll; waitpid with WNOHANG in a bounded loop
	 * keeps to older kernels.  The bound is a hang guard. */
	double end = now_s() + timeout_s * h_slow();
	int status;
	struct timespec tick = {0, 2000000};

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			forget(pid);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (now_s() > end) {
			h_kill(pid);
			waitpid(pid, &status, 0);
			forget(pid);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
}

int h_free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	port = ntohs(sa.sin_port);
	close(fd); /* nothing listens there now (it was never listening) */
	return port;
}

/* Start tier i of c listening on addr, its upstream the next tier's port. */
static void spawn_tier(struct chain *c, int i, const char *addr)
{
	char path[512], upstream[64], pf[600], bin[512], listen[64], scale[32];
	char *argv[64];
	int n = 0;

	snprintf(path, sizeof(path), "%s/scenario.json", c->dir);
	snprintf(bin, sizeof(bin), "%s/%s", h_bin(), tier_names[i]);
	snprintf(pf, sizeof(pf), "%s/%s.port", c->dir, tier_names[i]);
	snprintf(listen, sizeof(listen), "%s", addr);
	argv[n++] = bin;
	argv[n++] = "--scenario";
	argv[n++] = path;
	argv[n++] = "--out";
	argv[n++] = c->dir;
	argv[n++] = "--t0";
	argv[n++] = c->t0;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--port-file";
	argv[n++] = pf;
	if (h_slow() > 1) { /* scenario time runs slower, as the checker does */
		snprintf(scale, sizeof(scale), "%g", h_slow());
		argv[n++] = "--time-scale";
		argv[n++] = scale;
	}
	if (i > 0) {
		snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d/", c->port[i - 1]);
		argv[n++] = "--upstream";
		argv[n++] = upstream;
	}
	for (const char *const *s = c->sets; s && *s && n < 50; s++) {
		argv[n++] = "--set";
		argv[n++] = (char *)*s;
	}
	for (const char *const *a = c->args; a && *a && n < 62; a++)
		argv[n++] = (char *)*a;
	argv[n] = NULL;
	c->pid[i] = h_spawn(c->dir, tier_names[i], argv);
}

static int wait_tier_port(struct chain *c, int i)
{
	char portfile[64];
	int port;

	snprintf(portfile, sizeof(portfile), "%s.port", tier_names[i]);
	port = h_wait_port_file(c->dir, portfile, 10);
	cr_assert(port > 0, "%s did not start (see %s/%s.log)", tier_names[i], c->dir, tier_names[i]);
	return port;
}

void chain_start(struct chain *c, const char *scenario_json, const char *const *sets)
{
	chain_start_args(c, scenario_json, sets, NULL);
}

void chain_start_args(struct chain *c, const char *scenario_json, const char *const *sets,
		      const char *const *args)
{
	char path[512];
	struct timespec rt;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->sets = sets;
	c->args = args;
	snprintf(c->dir, sizeof(c->dir), "/tmp/cascade-it-XXXXXX");
	h_tmpdir(c->dir);
	snprintf(path, sizeof(path), "%s/scenario.json", c->dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(scenario_json, f);
	fclose(f);
	clock_gettime(CLOCK_REALTIME, &rt);
	snprintf(c->t0, sizeof(c->t0), "%lld", (long long)rt.tv_sec * 1000000000LL + rt.tv_nsec);

	for (int i = 0; i < H_TIERS; i++) {
		spawn_tier(c, i, "127.0.0.1:0");
		c->port[i] = wait_tier_port(c, i);
	}
}

int chain_report_check(const struct chain *c)
{
	char bin[512], out[300];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/report", h_bin());
	snprintf(out, sizeof(out), "%s/check.txt", c->dir);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, bin, "check", c->dir, (char *)NULL);
		_exit(127);
	}
	return h_wait_exit(pid, 60);
}

void chain_restart(struct chain *c, int i)
{
	char from[600], to[600], addr[32];
	static const char *const suffixes[] = {"", "_stats"};

	cr_assert_eq(c->pid[i], 0, "%s is still running", tier_names[i]);
	for (size_t k = 0; k < 2; k++) {
		snprintf(from, sizeof(from), "%s/%s%s.csv", c->dir, tier_names[i], suffixes[k]);
		snprintf(to, sizeof(to), "%s/%s%s.before.csv", c->dir, tier_names[i], suffixes[k]);
		rename(from, to);
	}
	snprintf(from, sizeof(from), "%s/%s.port", c->dir, tier_names[i]);
	unlink(from);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", c->port[i]);
	spawn_tier(c, i, addr);
	cr_assert_eq(wait_tier_port(c, i), c->port[i]);
}

void chain_stop(struct chain *c)
{
	int i;
	for (i = H_TIERS - 1; i >= 0; i--) {
		if (c->pid[i] <= 0)
			continue;
		kill(c->pid[i], SIGTERM);
		c->exit_status[i] = h_wait_exit(c->pid[i], 5);
		c->pid[i] = 0;
	}
}

void chain_stop_all(struct chain *c, double timeout_s, double *exit_s)
{
	struct timespec tick = {0, 1000000};
	double start, end;
	int left = 0, i, status;

	for (i = 0; i < H_TIERS; i++)
		if (exit_s)
			exit_s[i] = -1;
	start = now_s();
	for (i = H_TIERS - 1; i >= 0; i--)
		if (c->pid[i] > 0 && kill(c->pid[i], SIGTERM) == 0)
			left++;
	end = start + timeout_s * h_slow();
	while (left > 0 && now_s() < end) {
		for (i = 0; i < H_TIERS; i++) {
			if (c->pid[i] <= 0 || waitpid(c->pid[i], &status, WNOHANG) != c->pid[i])
				continue;
			if (exit_s)
				exit_s[i] = now_s() - start;
			c->exit_status[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			forget(c->pid[i]);
			c->pid[i] = 0;
			left--;
		}
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < H_TIERS; i++) {
		if (c->pid[i] <= 0)
			continue;
		c->exit_status[i] = h_wait_exit(c->pid[i], 0); /* still running: killed */
		c->pid[i] = 0;
	}
}

char *h_url(const struct chain *c, int tier, const char *path)
{
	char *u = malloc(128);
	snprintf(u, 128, "http://127.0.0.1:%d%s", c->port[tier], path);
	return u;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg) /* CURLOPT_WRITEFUNCTION */
{
	struct h_response *res = arg;
	size_t have = strlen(res->body), len = size * n;
	size_t room = sizeof(res->body) - 1 - have;
	memcpy(res->body + have, data, len < room ? len : room);
	res->body[have + (len < room ? len : room)] = 0;
	return len;
}

void h_get(const char *url, const char *const *headers, long timeout_ms, struct h_response *res)
{
	CURL *e = curl_easy_init();
	struct curl_slist *hl = NULL;
	double start = now_s();

	memset(res, 0, sizeof(*res));
	for (; headers && *headers; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_ms * h_slow()));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, res);
	res->curl_code = curl_easy_perform(e);
	if (res->curl_code == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res->status);
	res->elapsed_ms = (now_s() - start) * 1000;
	curl_slist_free_all(hl);
	curl_easy_cleanup(e);
}

double chain_metric(const struct chain *c, int i, const char *name)
{
	char url[96];
	struct h_response res;
	size_t len = strlen(name);
	double sum = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", c->port[i]);
	h_get(url, NULL, 1000, &res);
	if (res.status != 200)
		return -1;
	for (const char *line = res.body; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *close;
		if (strncmp(line, name, len) != 0 || line[len] != '{' || !(close = strchr(line, '}')))
			continue;
		sum += strtod(close + 1, NULL);
	}
	return sum;
}

bool chain_wait_inflight(struct chain *c, int i, long n, double timeout_s)
{
	double end = now_s() + timeout_s * h_slow();
	struct timespec tick = {0, 5000000};

	while (now_s() < end) {
		if (chain_metric(c, i, "cascade_inflight") == n)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

bool chain_wait_idle(struct chain *c, double timeout_s)
{
	double end = now_s() + timeout_s * h_slow();
	struct timespec tick = {0, 5000000};

	while (now_s() < end) {
		bool idle = true;
		for (int i = 0; i < H_TIERS && idle; i++)
			idle = c->pid[i] <= 0 || (chain_metric(c, i, "cascade_inflight") == 0 &&
						  chain_metric(c, i, "cascade_orphaned") == 0);
		if (idle)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

int h_connect(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to port %d: %s", port,
		  strerror(errno));
	return fd;
}

void h_send(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void h_recv_all(int fd, long timeout_ms, struct h_raw *out)
{
	double end = now_s() + timeout_ms * h_slow() / 1000.0;
	size_t cap = 4096;

	memset(out, 0, sizeof(*out));
	out->data = malloc(cap);
	cr_assert_not_null(out->data);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = end - now_s();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			break;
		if (out->len + 1 == cap) {
			cap *= 2;
			out->data = realloc(out->data, cap);
			cr_assert_not_null(out->data);
		}
		n = recv(fd, out->data + out->len, cap - out->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			out->closed = true;
			out->reset = n < 0 && errno == ECONNRESET;
			break;
		}
		out->len += (size_t)n;
	}
	out->data[out->len] = 0;
}

void h_raw_exchange(int port, const void *data, size_t len, bool shut_wr, long timeout_ms, struct h_raw *out)
{
	int fd = h_connect(port);
	h_send(fd, data, len);
	if (shut_wr)
		cr_assert(shutdown(fd, SHUT_WR) == 0);
	h_recv_all(fd, timeout_ms, out);
	close(fd);
}

/* The value of header name in the header block [p, end), or NULL. */
static const char *find_header(const char *p, const char *end, const char *name)
{
	size_t nlen = strlen(name);
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			p += nlen + 1;
			while (*p == ' ')
				p++;
			return p;
		}
		p = eol + 2;
	}
	return NULL;
}

size_t h_raw_replies(const struct h_raw *raw, struct h_raw_reply *out, size_t max)
{
	const char *p = raw->data, *end = raw->data + raw->len;
	size_t n = 0;

	while (n < max && p < end) {
		const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		const char *v;
		long clen;

		if (!hdr_end || strncmp(p, "HTTP/1.", 7) != 0 || end - p < 12)
			break;
		out[n].status = strtol(p + 9, NULL, 10);
		v = find_header(p, hdr_end + 2, "Content-Length");
		clen = v ? strtol(v, NULL, 10) : 0;
		v = find_header(p, hdr_end + 2, "Connection");
		out[n].conn_close = v && strncasecmp(v, "close", 5) == 0;
		out[n].body = hdr_end + 4;
		out[n].body_len = (size_t)clen;
		if (clen < 0 || out[n].body + clen > end)
			break;
		p = out[n].body + clen;
		n++;
	}
	return n;
}

bool h_wait_closed(int fd, long timeout_ms)
{
	double end = now_s() + timeout_ms * h_slow() / 1000.0;
	char buf[4096];

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = end - now_s();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			return false;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return true;
	}
}

static char **split(char *line, size_t *n)
{
	size_t cap = 16;
	char **f = malloc(cap * sizeof(*f));
	char *s = line, *comma;

	*n = 0;
	for (;;) {
		if (*n == cap)
			f = realloc(f, (cap *= 2) * sizeof(*f));
		f[(*n)++] = s;
		if (!(comma = strchr(s, ',')))
			break;
		*comma = 0;
		s = comma + 1;
	}
	return f;
}

bool h_csv_load(const char *path, struct h_csv *csv)
{
	char *text = h_read_file(path), *line, *save = NULL;
	size_t n, cap = 64;

	memset(csv, 0, sizeof(*csv));
	if (!text)
		return false;
	cr_assert(text[0] == 0 || text[strlen(text) - 1] == '\n', "%s ends with a partial line", path);
	csv->rows = malloc(cap * sizeof(*csv->rows));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **fields = split(strdup(line), &n);
		if (!csv->header) {
			csv->header = fields;
			csv->ncols = n;
			continue;
		}
		cr_assert_eq(n, csv->ncols, "%s: row %zu has %zu fields, the header %zu", path, csv->nrows + 2, n,
			     csv->ncols);
		if (csv->nrows == cap)
			csv->rows = realloc(csv->rows, (cap *= 2) * sizeof(*csv->rows));
		csv->rows[csv->nrows++] = fields;
	}
	free(text);
	return csv->header != NULL;
}

void h_csv_free(struct h_csv *csv)
{
	if (csv->header) {
		free(csv->header[0]);
		free(csv->header);
	}
	for (size_t i = 0; i < csv->nrows; i++) {
		free(csv->rows[i][0]);
		free(csv->rows[i]);
	}
	free(csv->rows);
	memset(csv, 0, sizeof(*csv));
}

int h_csv_col(const struct h_csv *csv, const char *name)
{
	for (size_t i = 0; i < csv->ncols; i++)
		if (strcmp(csv->header[i], name) == 0)
			return (int)i;
	return -1;
}

const char *h_csv_get(const struct h_csv *csv, size_t row, const char *col)
{
	int i = h_csv_col(csv, col);
	cr_assert(i >= 0, "no column %s", col);
	return csv->rows[row][i];
}

struct h_csv chain_csv(const struct chain *c, const char *name)
{
	char path[512];
	struct h_csv csv;
	snprintf(path, sizeof(path), "%s/%s.csv", c->dir, name);
	/* h_csv_load also asserts the file ends with a whole line */
	cr_assert(h_csv_load(path, &csv), "cannot read %s", path);
	return csv;
}

size_t h_csv_count(const struct h_csv *csv, const char *col1, const char *v1, const char *col2, const char *v2)
{
	size_t n = 0;
	for (size_t i = 0; i < csv->nrows; i++)
		if ((!v1 || strcmp(h_csv_get(csv, i, col1), v1) == 0) &&
		    (!v2 || strcmp(h_csv_get(csv, i, col2), v2) == 0))
			n++;
	return n;
}
