/* log: stderr lines "<name> <scenario s>s LEVEL message", each emitted by a
 * single write() so lines from a run's processes never interleave mid-line. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "util.h"

/* Process scope: set once by main through log_init. */
static const char *log_name = "cascade";
static const struct sclock *log_clock;
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = {
    [LOG_DEBUG] = "DEBUG",
    [LOG_INFO] = "INFO",
    [LOG_WARN] = "WARN",
    [LOG_ERROR] = "ERROR",
};

void log_init(const char *name, const struct sclock *clock, enum log_level min_level)
{
	log_name = name ? name : "cascade";
	log_clock = clock;
	log_min = min_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct sbuf line = SBUF_INIT;
	va_list ap;

	if (level < log_min)
		return;
	if ((unsigned)level >= ARRAY_LEN(level_names))
		level = LOG_ERROR;
	/* Width 7 fits "gateway", the longest process name, so the times of
	 * all processes line up in a merged log. */
	sbuf_addf(&line, "%-7s ", log_name);
	if (log_clock)
		sbuf_addf(&line, "%.3fs ", sclock_now_ms(log_clock) / 1000);
	sbuf_addf(&line, "%s ", level_names[level]);
	va_start(ap, fmt);
	sbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	if (line.len == 0 || line.buf[line.len - 1] != '\n')
		sbuf_add(&line, "\n", 1);

	/* Retry only an interrupted call: a partial write to stderr cannot be
	 * completed without risking the interleaving this file exists to avoid,
	 * and there is nowhere to report a logging failure. */
	int saved_errno = errno;
	while (write(STDERR_FILENO, line.buf, line.len) < 0 && errno == EINTR)
		;
	errno = saved_errno;
	sbuf_free(&line);
}
