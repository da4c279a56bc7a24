/* Unit tests for log: the exact line format the run's merged logs rely on. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "clock.h"
#include "log.h"

static void log_redirect(void)
{
	cr_redirect_stderr();
}

Test(log, line_without_clock, .init = log_redirect)
{
	log_init("svc_a", NULL, LOG_INFO);
	log_warn("event loop lag %d ms", 12);
	log_debug("hidden");
	log_error("done\n");
	fflush(stderr);
	cr_assert_stderr_eq_str("svc_a   WARN event loop lag 12 ms\n"
				"svc_a   ERROR done\n");
}

Test(log, line_with_scenario_time, .init = log_redirect)
{
	/* At scale 1e6 a real second is a scenario microsecond, so however
	 * slowly this runs the time stays 12345.2 ms, away from rounding edges. */
	static struct sclock c;
	sclock_init(&c, clock_mono_ns() - 12345200000000000LL, 1e6);
	log_init("gateway", &c, LOG_DEBUG);
	log_debug("x");
	fflush(stderr);
	cr_assert_stderr_eq_str("gateway 12.345s DEBUG x\n");
}

Test(log, min_level_filters, .init = log_redirect)
{
	log_init("dbsim", NULL, LOG_ERROR);
	log_info("no");
	log_warn("no");
	log_error("yes");
	fflush(stderr);
	cr_assert_stderr_eq_str("dbsim   ERROR yes\n");
}
