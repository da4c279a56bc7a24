/* info: the scenario facts plot.sh needs, one per line. */
#include "info.h"

#include <stdio.h>
#include <string.h>

void info_fault_label(const struct fault *f, char *buf, size_t len)
{
	const char *tier = tier_name(f->tier), *kind = fault_kind_name(f->kind);
	switch (f->kind) {
	case FAULT_SLOWDOWN:
		snprintf(buf, len, "%s %s x%g", tier, kind, f->value);
		break;
	case FAULT_LATENCY:
		snprintf(buf, len, "%s %s +%gms", tier, kind, f->value);
		break;
	case FAULT_ERRORS:
		snprintf(buf, len, "%s %s %g%%", tier, kind, f->value * 100);
		break;
	case FAULT_CAPACITY:
		snprintf(buf, len, "%s %s %g", tier, kind, f->value);
		break;
	default:
		snprintf(buf, len, "%s %s", tier, kind);
		break;
	}
}

/* A value on one line of its own: tabs and line breaks would split it. */
static void add_flat(struct sbuf *out, const char *s)
{
	for (; s && *s; s++)
		sbuf_add(out, strchr("\t\r\n", *s) ? " " : s, 1);
}

void info_format(const struct scenario *sc, struct sbuf *out)
{
	sbuf_adds(out, "name\t");
	add_flat(out, sc->name);
	sbuf_adds(out, "\n");
	sbuf_addf(out, "time_scale\t%g\n", sc->time_scale);
	sbuf_addf(out, "rate_rps\t%g\n", sc->load.rate_rps);
	sbuf_addf(out, "duration_s\t%g\n", sc->load.duration_ms / 1000.0);
	sbuf_addf(out, "client_timeout_s\t%g\n", sc->load.client_timeout_ms / 1000.0);
	sbuf_addf(out, "db_workers\t%d\n", sc->db.workers);
	for (size_t i = 0; i < sc->nfaults; i++) {
		char label[96];
		info_fault_label(&sc->faults[i], label, sizeof(label));
		sbuf_addf(out, "fault\t%g\t%g\t%s\n", sc->faults[i].start_ms / 1000.0,
			  sc->faults[i].end_ms / 1000.0, label);
	}
}
