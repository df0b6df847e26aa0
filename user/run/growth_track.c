// SPDX-License-Identifier: BSD-2-Clause
/*
 * growth_track.c - growth sites in a run: kernel table -> named sites.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probes/bpf_backend.h"
#include "run/growth_track.h"

int pmt_growth_track_init(struct pmt_growth_track *g, size_t frame_top, size_t run_top,
			  uint64_t page_size)
{
	size_t most = frame_top > run_top ? frame_top : run_top;

	memset(g, 0, sizeof(*g));
	g->frame_top = frame_top;
	g->run_top = run_top;
	g->page_size = page_size;
	g->top = calloc(2 * most + 1, sizeof(*g->top));
	g->shown = calloc(2 * most + 1, sizeof(*g->shown));
	if (!g->top || !g->shown) {
		pmt_growth_track_free(g);
		return -ENOMEM;
	}
	return 0;
}

void pmt_growth_track_free(struct pmt_growth_track *g)
{
	if (!g)
		return;
	free(g->key_ix);
	free(g->pend);
	free(g->top);
	free(g->shown);
	pmt_growth_acc_free(&g->frame);
	pmt_growth_acc_free(&g->run);
	memset(g, 0, sizeof(*g));
}

void pmt_growth_track_start(struct pmt_growth_track *g, struct pmt_bpf *b,
			    struct pmt_stacknames *names)
{
	if (g->on)
		return;
	g->names = names;
	g->bpf = b;
	g->on = true;
	/* A frame that began before the kernel starts is not attributed. */
	g->on_epoch = pmt_bpf_growth_epoch(b) + 1;
	pmt_bpf_set_growth(b, true);
}

/* Remember which stackname a site id (the string id of its names) is. */
static void note_key(struct pmt_growth_track *g, uint32_t key, size_t ix)
{
	if (key >= g->nkey) {
		size_t n = g->nkey ? g->nkey : 256;
		uint32_t *nk;

		while (n <= key)
			n *= 2;
		nk = realloc(g->key_ix, n * sizeof(*nk));
		if (!nk)
			return; /* the site will show as unknown */
		memset(nk + g->nkey, 0, (n - g->nkey) * sizeof(*nk));
		g->key_ix = nk;
		g->nkey = n;
	}
	if (!g->key_ix[key])
		g->key_ix[key] = (uint32_t)ix + 1;
}

/* Name the stack at once: its code objects may be gone a frame later. */
static void on_entry(void *ctx, const struct pmt_growth_key *k, const struct pmt_growth_val *v)
{
	struct pmt_growth_track *g = ctx;
	const struct pmt_stackname *sn;
	struct pmt_growth_entry *e;

	if (g->npend == g->cappend) {
		size_t nc = g->cappend ? g->cappend * 2 : 64;
		struct pmt_growth_entry *np = realloc(g->pend, nc * sizeof(*np));

		if (!np)
			return;
		g->pend = np;
		g->cappend = nc;
	}
	e = &g->pend[g->npend++];
	memset(e, 0, sizeof(*e));
	e->epoch = k->epoch;
	e->faults = v->faults;
	e->mapped_bytes = v->mapped_bytes;
	e->site = PMT_SITE_NATIVE;
	if (k->stack_id == PMT_GROWTH_NATIVE)
		return;
	e->site = PMT_SITE_UNKNOWN;
	sn = pmt_stacknames_get(g->names, g->bpf, k->stack_id);
	if (!sn || !sn->key) {
		g->unresolved++;
		return;
	}
	e->site = sn->key;
	e->partial = (sn->flags & (PMT_PYF_FAULT | PMT_PYF_TRUNCATED)) != 0;
	note_key(g, sn->key, (size_t)(sn - g->names->v));
}

static void show(const struct pmt_growth_track *g, const struct pmt_growth_site *s,
		 struct pmt_growth_shown *o)
{
	const struct pmt_stackname *sn = NULL;
	uint32_t j;

	o->s = *s;
	o->depth = 1;
	if (s->site == PMT_SITE_NATIVE) {
		o->frames[0] = "<native code>";
		return;
	}
	if (s->site < g->nkey && g->key_ix[s->site])
		sn = &g->names->v[g->key_ix[s->site] - 1];
	if (!sn || !sn->depth) {
		o->frames[0] = "<unknown stack>";
		return;
	}
	o->depth = sn->depth;
	for (j = 0; j < sn->depth; j++)
		o->frames[j] = pmt_stacknames_str(g->names, sn->frames[j]);
}

static const struct pmt_growth_view *make_view(struct pmt_growth_track *g,
					       const struct pmt_growth_acc *a, size_t top_n)
{
	size_t i, n = pmt_growth_top(a, g->page_size, top_n, g->top);

	for (i = 0; i < n; i++)
		show(g, &g->top[i], &g->shown[i]);
	g->view.sites = g->shown;
	g->view.n = n;
	g->view.dropped = g->dropped;
	g->view.unresolved = g->unresolved;
	return &g->view;
}

/*
 * Move the pending entries of epochs [@start, @end) into the frame table;
 * drop older ones (growth before attribution began, or of frames never
 * emitted), keep later ones.
 */
static void take_entries(struct pmt_growth_track *g, uint64_t start, uint64_t end)
{
	size_t i, kept = 0;

	for (i = 0; i < g->npend; i++) {
		const struct pmt_growth_entry *e = &g->pend[i];
		struct pmt_growth_sample s = { .faults = e->faults,
					       .mapped_bytes = e->mapped_bytes,
					       .site = e->site,
					       .partial = e->partial };

		if (e->epoch >= end) {
			g->pend[kept++] = *e;
			continue;
		}
		if (e->epoch >= start)
			pmt_growth_acc_add(&g->frame, &s);
	}
	g->npend = kept;
}

static void note_spike(struct pmt_growth_track *g, const struct pmt_frame *f)
{
	struct pmt_growth_spike *sp = &g->spikes[g->nspikes++ % PMT_GROWTH_SPIKES];

	sp->frame = f->index;
	sp->top = g->shown[0];
}

const struct pmt_growth_view *pmt_growth_track_frame(struct pmt_growth_track *g,
						     const struct pmt_event *ev,
						     const struct pmt_frame *f)
{
	uint64_t start = g->epoch, end = ev->growth_epoch;
	const struct pmt_growth_view *v;
	bool first = !g->have_epoch;

	g->have_epoch = true;
	g->epoch = end;
	if (first || !f || !g->on || start < g->on_epoch || end <= start)
		return NULL;
	pmt_growth_acc_reset(&g->frame);
	if (f->minflt || f->mapped_bytes || f->brk_delta_bytes > 0) {
		/* Read late: the table then holds several frames, split by epoch. */
		if (g->drained_below < end) {
			uint64_t below = pmt_bpf_growth_epoch(g->bpf);

			if (pmt_bpf_growth_drain(g->bpf, below, on_entry, g) >= 0) {
				g->drained_below = below;
				g->drains++;
			}
			g->dropped = pmt_bpf_growth_dropped(g->bpf);
		}
		take_entries(g, start, end);
	}
	v = make_view(g, &g->frame, g->frame_top);
	if (g->frame.n) {
		g->frames_grown++;
		pmt_growth_acc_merge_frame(&g->run, &g->frame);
		if (f->spike && v->n)
			note_spike(g, f);
	}
	return v;
}

const struct pmt_growth_view *pmt_growth_track_run(struct pmt_growth_track *g)
{
	if (!g->on)
		return NULL;
	g->dropped = pmt_bpf_growth_dropped(g->bpf);
	return make_view(g, &g->run, g->run_top);
}

size_t pmt_growth_track_spikes(const struct pmt_growth_track *g, uint64_t first,
			       const struct pmt_growth_spike **out)
{
	size_t n = g->nspikes < PMT_GROWTH_SPIKES ? g->nspikes : PMT_GROWTH_SPIKES, i, k = 0;

	for (i = g->nspikes - n; i < g->nspikes; i++) {
		const struct pmt_growth_spike *sp = &g->spikes[i % PMT_GROWTH_SPIKES];

		if (sp->frame >= first)
			out[k++] = sp;
	}
	return k;
}
