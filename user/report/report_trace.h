/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_trace.h - trace mode's records: one {"type":"trace"} per traced
 * frame, a {"type":"trace_summary"} at the end, and the text summary.
 * Formatting only.
 */
#ifndef PMT_REPORT_TRACE_H
#define PMT_REPORT_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probes/alloc_sites.h"
#include "pmtrace/trace.h"
#include "cpython/stacknames.h"

struct pmt_trace_frame;

struct pmt_trace_summary {
	bool final, enabled;
	const char *why;   /* why tracing is off, or NULL */
	uint64_t frames;   /* traced frames in the scope */
	struct pmt_trace_sites *sites;
	const struct pmt_stacknames *names;
	size_t top_n;
	const struct pmt_alloc_plan *plan;
	uint64_t total_frames, incomplete, missed;
	uint64_t allocs, alloc_bytes, frees, churn, churn_bytes, inline_allocs, size_unknown,
		ptr_unknown;
	double cost_ns, overhead_pct, max_overhead;
	uint64_t every, eff_every, spikes_skipped;
	uint64_t no_room; /* windows not opened: a traced frame would have dropped */
};

/* What the text summary shows, from a live run or a trace_summary record. */
#define PMT_TRACE_TEXT_SITES 5
#define PMT_TRACE_TEXT_FRAMES 4
struct pmt_trace_text_site {
	uint64_t bytes, allocs;
	uint32_t depth;                                /* frames in the whole stack */
	const char *frames[PMT_TRACE_TEXT_FRAMES];     /* innermost first */
	bool partial;
};
struct pmt_trace_text {
	bool final;
	const char *why;
	uint64_t frames, total_frames;
	double overhead_pct, max_overhead;
	uint64_t every, eff_every;
	uint64_t allocs, alloc_bytes, frees, churn, churn_bytes, inline_allocs, size_unknown;
	bool has_plan;
	unsigned int n_funcs, n_inline;
	size_t nsites;
	struct pmt_trace_text_site sites[PMT_TRACE_TEXT_SITES];
};
void pmt_text_trace_model(FILE *f, const struct pmt_trace_text *m);
/* One site line of the summary: bytes, allocations, up to 4 frames. */
void pmt_text_trace_site(FILE *f, const struct pmt_trace_text_site *site);

const char *pmt_trace_trigger_name(enum pmt_trace_trigger t);
void pmt_json_trace(FILE *f, const struct pmt_trace_frame *tf, const struct pmt_stacknames *names,
		    size_t top_n, const struct pmt_alloc_plan *plan);
void pmt_json_trace_summary(FILE *f, const struct pmt_trace_summary *s);
void pmt_text_trace_summary(FILE *f, const struct pmt_trace_summary *s);
/* At once, when the frames traced after a spike are done. */
void pmt_text_trace_spike(FILE *f, uint64_t spike, uint64_t from, uint64_t to,
			  struct pmt_trace_sites *sites, const struct pmt_stacknames *names);

#endif
