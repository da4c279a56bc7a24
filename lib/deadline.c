/* deadline: grpc-timeout values on the wire, and the budget arithmetic each
 * tier does between receiving a deadline and sending one on. */
#include "deadline.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define WIRE_DIGITS_MAX 8
#define WIRE_VALUE_MAX 99999999

struct wire_unit {
	char c;
	int64_t ns;
};

/* Finest first: deadline_format takes the first that fits. */
static const struct wire_unit wire_units[] = {
    {'n', 1},
    {'u', 1000},
    {'m', 1000000},
    {'S', 1000000000},
    {'M', 60LL * 1000000000},
    {'H', 3600LL * 1000000000},
};

static const struct wire_unit *unit_of(char c)
{
	for (size_t i = 0; i < ARRAY_LEN(wire_units); i++)
		if (wire_units[i].c == c)
			return &wire_units[i];
	return NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int deadline_parse(const char *value, int64_t *out_ns, char *err, size_t errlen)
{
	if (!value || !*value)
		return errf(err, errlen, "empty value");

	const char *p = value;
	int64_t v = 0;
	while (is_digit(*p)) {
		if (p - value == WIRE_DIGITS_MAX)
			return errf(err, errlen, "more than %d digits in \"%s\"", WIRE_DIGITS_MAX, value);
		v = v * 10 + (*p++ - '0');
	}
	if (p == value)
		return errf(err, errlen, "not a digit: '%c' in \"%s\"", *p, value);
	if (!*p)
		return errf(err, errlen, "no unit in \"%s\"", value);
	const struct wire_unit *u = unit_of(*p);
	if (!u)
		return errf(err, errlen, "unknown unit '%c' in \"%s\"", *p, value);
	p++;
	if (*p) {
		if (unit_of(*p))
			return errf(err, errlen, "two units in \"%s\"", value);
		return errf(err, errlen, "trailing characters after the unit in \"%s\"", value);
	}

	/* 99999999H is about 3.6e20 ns, past int64; such a budget means "no
	 * practical limit", which the largest int64 says just as well. */
	*out_ns = v > INT64_MAX / u->ns ? INT64_MAX : v * u->ns;
	return 0;
}

void deadline_format(int64_t budget_ns, char out[DEADLINE_WIRE_MAX])
{
	if (budget_ns <= 0) {
		memcpy(out, "0n", 3);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(wire_units); i++) {
		/* Integer division truncates: rounds down for positive budgets,
		 * so the receiver never gets more time than the sender had. */
		int64_t v = budget_ns / wire_units[i].ns;
		if (v <= WIRE_VALUE_MAX || i == ARRAY_LEN(wire_units) - 1) {
			if (v > WIRE_VALUE_MAX)
				v = WIRE_VALUE_MAX;
			snprintf(out, DEADLINE_WIRE_MAX, "%d%c", (int)v, wire_units[i].c);
			return;
		}
	}
}

void deadline_format_ms(double budget_ms, char out[DEADLINE_WIRE_MAX])
{
	double ns = budget_ms * 1e6;

	/* Converting a double at or past 2^63 to int64 is undefined; the
	 * comparison is false for NaN too, hence the order. */
	if (!(ns > 0))
		deadline_format(0, out);
	else if (ns >= 9223372036854775808.0)
		deadline_format(INT64_MAX, out);
	else
		deadline_format((int64_t)ns, out);
}

double deadline_wire_ms(double budget_ms)
{
	char wire[DEADLINE_WIRE_MAX];
	int64_t ns;

	deadline_format_ms(budget_ms, wire);
	if (deadline_parse(wire, &ns, NULL, 0) < 0)
		return 0; /* cannot happen: the format always parses */
	return (double)ns / 1e6;
}

double deadline_effective_ms(double arrival_ms, double own_timeout_ms, double received_budget_ms)
{
	double budget_ms = -1;

	if (own_timeout_ms > 0)
		budget_ms = own_timeout_ms;
	if (received_budget_ms >= 0 && (budget_ms < 0 || received_budget_ms < budget_ms))
		budget_ms = received_budget_ms;
	if (budget_ms < 0)
		return -1;
	/* Before t0 the sum could go negative and read as "none". */
	double deadline_ms = arrival_ms + budget_ms;
	return deadline_ms > 0 ? deadline_ms : 0;
}

double deadline_send_budget_ms(double deadline_ms, double now_ms, double margin_ms)
{
	if (deadline_ms < 0)
		return -1;
	double budget_ms = deadline_ms - now_ms - margin_ms;
	return budget_ms > 0 ? budget_ms : 0;
}
