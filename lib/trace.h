/* trace: W3C trace context (traceparent) and cascade's lineage header.
 *
 * traceparent: "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>",
 * lowercase hex, trace-id and parent-id not all zeros, version "ff" invalid.
 * Lineage (x-cascade-lineage): the retry path of a request, one
 * "<tier>#<attempt>" per hop joined by '>': "gateway#1>svc_a#3>svc_b#2" is
 * svc_b's 2nd attempt, made for svc_a's 3rd attempt, made for gateway's 1st. */
#ifndef CASCADE_TRACE_H
#define CASCADE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define TRACEPARENT_HEADER "traceparent"
#define LINEAGE_HEADER "x-cascade-lineage"
#define TRACE_ID_LEN 32
#define SPAN_ID_LEN 16
#define TRACEPARENT_LEN 55
#define LINEAGE_MAX 256

struct traceparent {
	char trace_id[TRACE_ID_LEN + 1];
	char parent_id[SPAN_ID_LEN + 1];
	uint8_t flags;
};

/* 0 and *out filled, or -1 with a reason (out untouched).  A version above
 * 00 is parsed as level 1 says: the first 55 characters as version 00,
 * anything after them only if it starts with '-'. */
int trace_parse(const char *value, struct traceparent *out, char *err, size_t errlen);
/* trace_id and span_id must be valid ids (32 and 16 lowercase hex). */
void trace_format(char out[TRACEPARENT_LEN + 1], const char *trace_id, const char *span_id, uint8_t flags);
void trace_new_trace_id(struct rng *r, char out[TRACE_ID_LEN + 1]); /* never all zeros */
void trace_new_span_id(struct rng *r, char out[SPAN_ID_LEN + 1]);   /* never all zeros */

/* 0 if value is a well-formed lineage (tiers: [a-z0-9_]+, attempts 1..9999
 * without leading zeros, at most 16 hops, at most LINEAGE_MAX-1 bytes), else
 * -1 with a reason.  NULL and "" are not well-formed: a request without a
 * lineage carries no header. */
int lineage_validate(const char *value, char *err, size_t errlen);
/* out = in ">" tier "#" attempt (or just tier#attempt when in is NULL/"").
 * out may be the same buffer as in.  -1 (out untouched) when it would not
 * fit in LINEAGE_MAX or tier is NULL; the hop limit is lineage_validate's. */
int lineage_append(char out[LINEAGE_MAX], const char *in, const char *tier, int attempt);
/* The attempt number of the last hop of a well-formed lineage; 0 for
 * NULL/"" or when there is no '#'. */
int lineage_last_attempt(const char *lineage);

#endif
