// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_trace.c - trace mode's JSON records and text summary.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_trace.h"
#include "run/trace_run.h"

#define TOP_MAX 50

typedef unsigned long long ull;

const char *pmt_trace_trigger_name(enum pmt_trace_trigger t)
{
	switch (t) {
	case PMT_TRIG_EVERY: return "every";
	case PMT_TRIG_SPIKE: return "spike";
	case PMT_TRIG_RANGE: return "range";
	case PMT_TRIG_ALL: return "all";
	default: return "none";
	}
}

static void json_stack(FILE *f, const struct pmt_stacknames *names, const struct pmt_trace_site *s)
{
	const struct pmt_stackname *sn = s->key ? pmt_stacknames_find(names, s->stack_id) : NULL;
	uint32_t i;

	fputs("{\"stack\":[", f);
	if (!s->key)
		pmt_json_str(f, "<native code: no Python frame>");
	else if (!sn)
		pmt_json_str(f, "<stack lost: table full>");
	for (i = 0; sn && i < sn->depth; i++) {
		if (i)
			fputc(',', f);
		pmt_json_str(f, pmt_stacknames_str(names, sn->frames[i]));
	}
	fprintf(f, "],\"allocs\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"partial\":%s,\"truncated\":%s}",
		s->allocs, s->bytes, sn && (sn->flags & PMT_PYF_FAULT) ? "true" : "false",
		sn && (sn->flags & PMT_PYF_TRUNCATED) ? "true" : "false");
}

static void json_top(FILE *f, const char *name, struct pmt_trace_sites *sites,
		     const struct pmt_stacknames *names, size_t top_n, bool by_bytes)
{
	size_t idx[TOP_MAX], n, i;

	n = pmt_trace_sites_top(sites, by_bytes, idx, top_n < TOP_MAX ? top_n : TOP_MAX);
	fprintf(f, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_stack(f, names, &sites->v[idx[i]]);
	}
	fputc(']', f);
}

static void json_coverage(FILE *f, const struct pmt_alloc_plan *p)
{
	if (!p)
		return;
	fprintf(f, ",\"probes\":{\"functions\":%u,\"inlined_copies\":%u,\"inlined_size_unknown\":%u,"
		"\"single_stepped\":%u}", p->n_funcs, p->n_inline, p->n_nosize, p->n_expensive);
}

void pmt_json_trace(FILE *f, const struct pmt_trace_frame *tf, const struct pmt_stacknames *names,
		    size_t top_n, const struct pmt_alloc_plan *plan)
{
	const struct pmt_trace_totals *t = &tf->tot;
	ull known = t->allocs - t->ptr_unknown;
	ull known_bytes = t->alloc_bytes - t->ptr_unknown_bytes;
	unsigned b;
	bool first = true;

	fprintf(f, "{\"type\":\"trace\",\"schema_version\":%d,\"frame\":%llu,\"trigger\":\"%s\","
		"\"complete\":%s,\"duration_ns\":%llu,\"cost_ns\":%.0f,"
		"\"allocs\":%llu,\"alloc_bytes\":%llu,\"frees\":%llu"
		",\"freed_bytes_known\":%llu,\"reallocs\":%llu",
		PMT_SCHEMA_VERSION, (ull)tf->index, pmt_trace_trigger_name(tf->trigger),
		tf->complete ? "true" : "false", (ull)tf->duration_ns, tf->cost_ns, (ull)t->allocs,
		(ull)t->alloc_bytes, (ull)t->frees, (ull)t->free_bytes, (ull)t->reallocs);
	if (tf->trigger == PMT_TRIG_SPIKE)
		fprintf(f, ",\"spike_frame\":%llu", (ull)tf->spike_frame);
	fprintf(f, ",\"churn\":{\"count\":%llu,\"bytes\":%llu}"
		",\"survivors\":{\"count\":%llu,\"bytes\":%llu}"
		",\"unclassified\":{\"count\":%llu,\"bytes\":%llu}",
		(ull)t->churn, (ull)t->churn_bytes, known - t->churn, known_bytes - t->churn_bytes,
		(ull)t->ptr_unknown, (ull)t->ptr_unknown_bytes);
	fputs(",\"histogram\":[", f);
	for (b = 0; b < PMT_HIST_BINS; b++) {
		uint64_t max = pmt_trace_bin_max(b);

		if (!t->hist_count[b])
			continue;
		fprintf(f, "%s{\"min\":%llu,\"max\":", first ? "" : ",",
			(ull)pmt_trace_bin_min(b));
		if (max == UINT64_MAX)
			fputs("null", f);
		else
			fprintf(f, "%llu", (ull)max);
		fprintf(f, ",\"count\":%llu,\"bytes\":%llu,\"pymalloc\":%s}",
			(ull)t->hist_count[b], (ull)t->hist_bytes[b],
			b < PMT_HIST_SMALL ? "true" : "false");
		first = false;
	}
	fputc(']', f);
	json_top(f, "top_by_bytes", tf->sites, names, top_n, true);
	json_top(f, "top_by_count", tf->sites, names, top_n, false);
	fprintf(f, ",\"coverage\":{\"at_inlined_copies\":%llu,\"size_unknown\":%llu"
		",\"native\":%llu,\"partial_stacks\":%llu,\"not_attributed\":%llu"
		",\"addresses_not_kept\":%llu}",
		(ull)t->by_inline, (ull)t->size_unknown, (ull)t->native, (ull)t->partial,
		(ull)t->sites_full, (ull)t->live_full);
	json_coverage(f, plan);
	fprintf(f, ",\"probe_hits\":%llu,\"probe_ns\":%llu}\n", (ull)t->hits, (ull)t->prog_ns);
	fflush(f);
}

void pmt_json_trace_summary(FILE *f, const struct pmt_trace_summary *s)
{
	fprintf(f, "{\"type\":\"trace_summary\",\"schema_version\":%d,\"enabled\":%s,\"off_reason\":",
		PMT_SCHEMA_VERSION, s->why ? "false" : "true");
	if (s->why)
		pmt_json_str(f, s->why);
	else
		fputs("null", f);
	fprintf(f, ",\"missed\":%" PRIu64, s->missed);
	fprintf(f, ",\"frames_traced\":%" PRIu64 ",\"incomplete\":%" PRIu64 ",\"allocs\":%" PRIu64
		",\"alloc_bytes\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"churn\":{\"count\":%" PRIu64
		",\"bytes\":%" PRIu64 "},\"cost_ns\":%.0f,\"overhead_pct\":%.17g,\"max_overhead_pct\":%g,"
		"\"every\":%" PRIu64 ",\"governed_every\":%" PRIu64 ",\"spikes_skipped\":%" PRIu64
		",\"skipped_no_room\":%" PRIu64,
		s->frames, s->incomplete, s->allocs, s->alloc_bytes, s->frees, s->churn, s->churn_bytes,
		s->cost_ns, s->overhead_pct, s->max_overhead, s->every, s->eff_every,
		s->spikes_skipped, s->no_room);
	json_top(f, "top_by_bytes", s->sites, s->names, s->top_n, true);
	json_top(f, "top_by_count", s->sites, s->names, s->top_n, false);
	json_coverage(f, s->plan);
	fprintf(f, ",\"coverage\":{\"at_inlined_copies\":%" PRIu64 ",\"size_unknown\":%" PRIu64 "}",
		s->inline_allocs, s->size_unknown);
	fputs("}\n", f);
	fflush(f);
}

/* A site of the live tables as the text shows it (names borrowed from @names). */
static void site_text(const struct pmt_stacknames *names, const struct pmt_trace_site *site,
		      struct pmt_trace_text_site *out)
{
	const struct pmt_stackname *sn = site->key ? pmt_stacknames_find(names, site->stack_id) :
						     NULL;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->bytes = site->bytes;
	out->allocs = site->allocs;
	out->depth = 1;
	if (!site->key) {
		out->frames[0] = "<native code: no Python frame>";
		return;
	}
	if (!sn) {
		out->frames[0] = "<stack lost: table full>";
		return;
	}
	out->depth = sn->depth;
	for (i = 0; i < sn->depth && i < PMT_TRACE_TEXT_FRAMES; i++)
		out->frames[i] = pmt_stacknames_str(names, sn->frames[i]);
	out->partial = sn->flags & PMT_PYF_FAULT;
}

void pmt_text_trace_summary(FILE *f, const struct pmt_trace_summary *s)
{
	size_t idx[PMT_TRACE_TEXT_SITES], i, top = s->top_n < PMT_TRACE_TEXT_SITES ? s->top_n :
											PMT_TRACE_TEXT_SITES;
	struct pmt_trace_text m = {
		.final = s->final,
		.why = s->why,
		.frames = s->frames,
		.total_frames = s->total_frames,
		.overhead_pct = s->overhead_pct,
		.max_overhead = s->max_overhead,
		.every = s->every,
		.eff_every = s->eff_every,
		.allocs = s->allocs,
		.alloc_bytes = s->alloc_bytes,
		.frees = s->frees,
		.churn = s->churn,
		.churn_bytes = s->churn_bytes,
		.inline_allocs = s->inline_allocs,
		.size_unknown = s->size_unknown,
		.has_plan = s->plan != NULL,
		.n_funcs = s->plan ? s->plan->n_funcs : 0,
		.n_inline = s->plan ? s->plan->n_inline : 0,
	};

	if (!s->why && s->total_frames) {
		m.nsites = pmt_trace_sites_top(s->sites, true, idx, top);
		for (i = 0; i < m.nsites; i++)
			site_text(s->names, &s->sites->v[idx[i]], &m.sites[i]);
	}
	pmt_text_trace_model(f, &m);
}

void pmt_text_trace_spike(FILE *f, uint64_t spike, uint64_t from, uint64_t to,
			  struct pmt_trace_sites *sites, const struct pmt_stacknames *names)
{
	struct pmt_trace_text_site ts;
	size_t idx[3], n, i;

	n = pmt_trace_sites_top(sites, true, idx, 3);
	fprintf(f, "pmtrace: after the spike at frame %llu, frames %llu-%llu allocated most at:\n",
		(ull)spike, (ull)from, (ull)to - 1);
	for (i = 0; i < n; i++) {
		site_text(names, &sites->v[idx[i]], &ts);
		pmt_text_trace_site(f, &ts);
	}
	fflush(f);
}
