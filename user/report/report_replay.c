// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_replay.c - the text report of a run read back (runfile.h): the
 * run's header, its budget alerts and its final report, printed by the
 * same formatters the live run used, fed from the records instead of the
 * live state. The summary is recomputed from the frame records with the
 * live run's accumulator, so it is exact even when the run was killed
 * before its final record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "os/host.h"
#include "report/report.h"
#include "report/report_trace.h"

#define STACK_SCRATCH 8192

static void header(FILE *f, const struct pmt_run_attached *a)
{
	struct pmt_attach_info ai = {
		.pid = a->pid,
		.mode = a->mode,
		.py_version = a->py_version,
		.py_build = a->py_build,
		.py_path = a->py_path,
		.marker_lib = a->marker_lib,
		.marker_symbol = a->marker_symbol,
		.marker_function = a->marker_function,
		.marker_offset = a->marker_offset,
		.marker_insn = a->marker_insn,
		.gc_state = a->gc_state,
		.gc_timing = a->gc_timing,
		.ts_ns = a->ts_ns,
	};

	pmt_text_attached(f, &ai);
}

/* Growth sites as the text reporter takes them; each with its own scratch. */
struct shown {
	struct pmt_growth_shown *v;
	char *scratch;
	size_t n;
};

static int shown_fill(const struct pmt_run *r, const struct pmt_run_growth *g, size_t n,
		      struct shown *s)
{
	size_t i;

	s->n = 0;
	s->v = n ? calloc(n, sizeof(*s->v)) : NULL;
	s->scratch = n ? malloc(n * STACK_SCRATCH) : NULL;
	if (n && (!s->v || !s->scratch))
		return -1;
	for (i = 0; i < n; i++) {
		struct pmt_growth_shown *x = &s->v[i];

		x->s.faults = g[i].faults;
		x->s.fault_bytes = g[i].fault_bytes;
		x->s.mapped_bytes = g[i].mapped_bytes;
		x->s.frames = g[i].frames;
		x->s.partial = g[i].partial;
		x->depth = (uint32_t)pmt_run_stack(r, g[i].stack, x->frames, PMT_STACK_DEPTH,
						   s->scratch + i * STACK_SCRATCH, STACK_SCRATCH);
	}
	s->n = n;
	return 0;
}

static void shown_free(struct shown *s)
{
	free(s->v);
	free(s->scratch);
}

/* Each spike frame's top growth site: the last PMT_GROWTH_SPIKES, as the live run kept them. */
static void growth_spikes(FILE *f, const struct pmt_run *r)
{
	const struct pmt_growth_spike *ptrs[PMT_GROWTH_SPIKES];
	struct pmt_growth_spike *sp = NULL;
	char *scratch = NULL;
	size_t i, n = 0, total = 0;

	for (i = 0; i < r->nframes && n < PMT_GROWTH_SPIKES; i++)
		n += r->frames[i].f.spike && r->frames[i].growth_n;
	if (!n)
		return;
	sp = calloc(PMT_GROWTH_SPIKES, sizeof(*sp));
	scratch = malloc(PMT_GROWTH_SPIKES * STACK_SCRATCH);
	if (!sp || !scratch)
		goto out;
	for (i = 0; i < r->nframes; i++) {
		const struct pmt_run_frame *rf = &r->frames[i];
		const struct pmt_run_growth *g;
		size_t k;
		struct pmt_growth_shown *x;

		if (!rf->f.spike || !rf->growth_n)
			continue;
		g = &r->growth[rf->growth_first];
		k = total++ % PMT_GROWTH_SPIKES;
		x = &sp[k].top;
		sp[k].frame = rf->f.index;
		memset(x, 0, sizeof(*x));
		x->s.faults = g->faults;
		x->s.fault_bytes = g->fault_bytes;
		x->s.mapped_bytes = g->mapped_bytes;
		x->s.partial = g->partial;
		x->depth = (uint32_t)pmt_run_stack(r, g->stack, x->frames, PMT_STACK_DEPTH,
						   scratch + k * STACK_SCRATCH, STACK_SCRATCH);
	}
	n = total < PMT_GROWTH_SPIKES ? total : PMT_GROWTH_SPIKES;
	for (i = 0; i < n; i++)
		ptrs[i] = &sp[(total - n + i) % PMT_GROWTH_SPIKES];
	pmt_text_growth_spikes(f, ptrs, n);
out:
	free(sp);
	free(scratch);
}

static void host(FILE *f, const struct pmt_run_host *rh)
{
	struct pmt_host h;

	memset(&h, 0, sizeof(h));
	snprintf(h.os, sizeof(h.os), "%s", rh->os);
	snprintf(h.arch, sizeof(h.arch), "%s", rh->arch);
	snprintf(h.kernel, sizeof(h.kernel), "%s", rh->kernel);
	h.total_bytes = rh->total_bytes;
	h.available_bytes = rh->available_bytes;
	h.cgroup_limit = rh->cgroup_limit;
	h.cgroup_usage = rh->cgroup_usage;
	h.game_rss = rh->game_rss;
	h.game_share = pmt_host_game_share(&h); /* exact, not the record's 4 decimals */
	h.critical = rh->critical;
	pmt_host_text(f, &h);
}

static void trace_site(const struct pmt_run *r, const struct pmt_run_tsite *t,
		       struct pmt_trace_text_site *out, char *scratch)
{
	const char *fr[64];

	memset(out, 0, sizeof(*out));
	out->bytes = t->bytes;
	out->allocs = t->allocs;
	out->partial = t->partial;
	out->depth = (uint32_t)pmt_run_stack(r, t->stack, fr, 64, scratch, STACK_SCRATCH);
	memcpy(out->frames, fr, sizeof(out->frames[0]) *
				       (out->depth < PMT_TRACE_TEXT_FRAMES ? out->depth :
									   PMT_TRACE_TEXT_FRAMES));
}

static void trace_summary(FILE *f, const struct pmt_run *r)
{
	const struct pmt_run_trace_summary *s = &r->trace_summary;
	char *scratch = malloc(PMT_TRACE_TEXT_SITES * STACK_SCRATCH);
	struct pmt_trace_text m = {
		.final = true,
		.why = s->off_reason,
		.frames = s->frames_traced,
		.total_frames = s->frames_traced,
		.overhead_pct = s->overhead_pct,
		.max_overhead = s->max_overhead_pct,
		.every = s->every,
		.eff_every = s->governed_every,
		.allocs = s->allocs,
		.alloc_bytes = s->alloc_bytes,
		.frees = s->frees,
		.churn = s->churn,
		.churn_bytes = s->churn_bytes,
		.inline_allocs = s->at_inlined_copies,
		.size_unknown = s->size_unknown,
		.has_plan = s->has_probes,
		.n_funcs = s->probe_functions,
		.n_inline = s->probe_inlined,
	};
	size_t i;

	if (!scratch)
		return;
	m.nsites = s->ntop_bytes < PMT_TRACE_TEXT_SITES ? s->ntop_bytes : PMT_TRACE_TEXT_SITES;
	for (i = 0; i < m.nsites; i++)
		trace_site(r, &s->top_by_bytes[i], &m.sites[i], scratch + i * STACK_SCRATCH);
	pmt_text_trace_model(f, &m);
	free(scratch);
}

/* Records the HTML shows as tables (pools, snapshots): one line each. */
static void generic(FILE *f, const struct pmt_run *r)
{
	size_t i;

	for (i = 0; i < r->ngeneric; i++)
		fprintf(f, "  %-8s: after frame %" PRIu64 ": %.80s%s\n", r->generic[i].type,
			r->generic[i].frame ? r->generic[i].frame - 1 : 0, r->generic[i].json,
			strlen(r->generic[i].json) > 80 ? "..." : "");
}

int pmt_replay_text(FILE *f, const struct pmt_run *r)
{
	struct pmt_report_frames rf = { NULL, 0 };
	struct pmt_frame_ring ring = { 0 };
	struct pmt_summary s;
	struct shown g = { 0 };
	size_t i;
	int err = 0;

	if (r->attached.present)
		header(f, &r->attached);
	for (i = 0; i < r->nalerts; i++)
		pmt_text_alert(f, &r->alerts[i]);
	/* Recomputed from the frames unless some are missing from the file. */
	if (pmt_run_summary(r, 0, &s) || (r->final.present && s.frames != r->final.summary.frames))
		s = r->final.summary;
	if (r->nframes) {
		size_t cap = r->attached.present ? r->attached.history : 1000;

		/* The last @cap frames, as the live run's ring held them. */
		err = pmt_run_ring(r, cap < r->nframes ? cap : r->nframes, &ring);
		if (err)
			return err;
		rf.ring = &ring;
	}
	pmt_text_summary(f, "final", &s, &rf,
			 r->final.present ? r->final.lost_events : r->totals.lost_events);
	growth_spikes(f, r);
	if (r->final.present && r->final.growth_known) {
		struct pmt_growth_view v = { .dropped = r->final.growth_dropped,
					     .unresolved = r->final.growth_unresolved };

		if (shown_fill(r, r->final.growth_n ? r->growth + r->final.growth_first : NULL,
			       r->final.growth_n, &g)) {
			err = -ENOMEM;
			goto out;
		}
		v.sites = g.v;
		v.n = g.n;
		pmt_text_growth(f, &v);
	}
	if (r->assets.present)
		pmt_text_assets_rec(f, &r->assets);
	if (r->nbudgets)
		pmt_text_budgets(f, &r->budgets[r->nbudgets - 1]);
	if (r->platforms.present)
		pmt_text_platforms(f, &r->platforms);
	if (r->host.present)
		host(f, &r->host);
	if (r->trace_summary.present)
		trace_summary(f, r);
	generic(f, r);
	fflush(f);
out:
	shown_free(&g);
	pmt_frame_ring_free(&ring);
	return err;
}
