// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_trace_text.c - trace mode's text summary, from what it shows
 * (struct pmt_trace_text): a live run fills it from its tables
 * (report_trace.c), a run read back from its trace_summary record
 * (report_replay.c).
 */
#include <inttypes.h>

#include "report/report.h"
#include "report/report_trace.h"

void pmt_text_trace_site(FILE *f, const struct pmt_trace_text_site *site)
{
	char buf[PMT_PYFUNC_MAX + PMT_PYFILE_MAX + 32];
	uint32_t i;

	fprintf(f, "    %10s %8" PRIu64 " allocs  ", pmt_fmt_bytes(buf, sizeof(buf), (double)site->bytes, 0),
		site->allocs);
	for (i = 0; i < site->depth && i < PMT_TRACE_TEXT_FRAMES; i++)
		fprintf(f, "%s%s", i ? " <- " : "", pmt_short_frame(buf, sizeof(buf), site->frames[i]));
	fprintf(f, "%s%s\n", site->depth > PMT_TRACE_TEXT_FRAMES ? " <- ..." : "",
		site->partial ? " (partial)" : "");
}

void pmt_text_trace_model(FILE *f, const struct pmt_trace_text *s)
{
	char a[32], b[32];
	size_t i;

	if (s->why) {
		fprintf(f, "  trace   : off: %s\n", s->why);
		return;
	}
	if (!s->total_frames) {
		fprintf(f, "  trace   : no frame traced yet\n");
		return;
	}
	fprintf(f, "  trace   : %" PRIu64 " frame(s) traced%s; cost %.2f %% of run time (limit %g %%)",
		s->frames, s->final ? "" : " this interval", s->overhead_pct, s->max_overhead);
	if (s->every && s->eff_every != s->every)
		fprintf(f, "; governed to every %" PRIu64 "th frame", s->eff_every);
	fputc('\n', f);
	if (s->final && s->total_frames) {
		double per = (double)s->total_frames;

		fprintf(f, "            per traced frame: %.0f allocations (%s), %.0f frees, %.0f freed "
			"within the frame (%s)\n", s->allocs / per, pmt_fmt_bytes(a, sizeof(a), s->alloc_bytes / per, 0),
			s->frees / per, s->churn / per, pmt_fmt_bytes(b, sizeof(b), s->churn_bytes / per, 0));
		if (s->has_plan)
			fprintf(f, "            probes: %u allocator functions, %u inlined copies; %.1f %% of "
				"allocations at inlined copies, %.2f %% of unknown size\n",
				s->n_funcs, s->n_inline,
				s->allocs ? 100.0 * s->inline_allocs / s->allocs : 0,
				s->allocs ? 100.0 * s->size_unknown / s->allocs : 0);
	}
	if (s->nsites)
		fprintf(f, "  top allocation sites (%s traced frames, by bytes):\n",
			s->final ? "all" : "this interval's");
	for (i = 0; i < s->nsites; i++)
		pmt_text_trace_site(f, &s->sites[i]);
}

