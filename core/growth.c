// SPDX-License-Identifier: BSD-2-Clause
/*
 * growth.c - growth samples merged by site, and the sites reports show.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/growth.h"

void pmt_growth_acc_init(struct pmt_growth_acc *a)
{
	memset(a, 0, sizeof(*a));
}

void pmt_growth_acc_free(struct pmt_growth_acc *a)
{
	if (!a)
		return;
	free(a->v);
	free(a->slots);
	memset(a, 0, sizeof(*a));
}

void pmt_growth_acc_reset(struct pmt_growth_acc *a)
{
	a->n = 0;
	if (a->slots)
		memset(a->slots, 0, a->nslots * sizeof(*a->slots));
}

static size_t slot_of(const struct pmt_growth_acc *a, uint32_t site)
{
	size_t i = (size_t)(site * 2654435761u) & (a->nslots - 1);

	while (a->slots[i] && a->v[a->slots[i] - 1].site != site)
		i = (i + 1) & (a->nslots - 1);
	return i;
}

static int grow_slots(struct pmt_growth_acc *a)
{
	size_t n = a->nslots ? a->nslots * 2 : 64, i;
	uint32_t *slots = calloc(n, sizeof(*slots)), *prev = a->slots;

	if (!slots)
		return -ENOMEM;
	a->slots = slots;
	a->nslots = n;
	for (i = 0; i < a->n; i++)
		a->slots[slot_of(a, a->v[i].site)] = (uint32_t)i + 1;
	free(prev);
	return 0;
}

int pmt_growth_acc_add(struct pmt_growth_acc *a, const struct pmt_growth_sample *s)
{
	struct pmt_growth_sample *t;
	size_t i;

	if ((a->n + 1) * 2 > a->nslots && grow_slots(a))
		return -ENOMEM;
	i = slot_of(a, s->site);
	if (!a->slots[i]) {
		if (a->n == a->cap) {
			size_t nc = a->cap ? a->cap * 2 : 32;
			struct pmt_growth_sample *nv = realloc(a->v, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			a->v = nv;
			a->cap = nc;
		}
		t = &a->v[a->n];
		memset(t, 0, sizeof(*t));
		t->site = s->site;
		a->slots[i] = (uint32_t)++a->n;
	}
	t = &a->v[a->slots[i] - 1];
	t->faults += s->faults;
	t->mapped_bytes += s->mapped_bytes;
	t->frames += s->frames;
	t->partial = t->partial || s->partial;
	return 0;
}

int pmt_growth_acc_merge_frame(struct pmt_growth_acc *run, const struct pmt_growth_acc *frame)
{
	size_t i;

	for (i = 0; i < frame->n; i++) {
		struct pmt_growth_sample s = frame->v[i];

		if (!s.faults && !s.mapped_bytes)
			continue;
		s.frames = 1;
		if (pmt_growth_acc_add(run, &s))
			return -ENOMEM;
	}
	return 0;
}

/* Order of the list: fault bytes, mapped bytes descending, site ascending. */
static int by_faults(const struct pmt_growth_sample *x, const struct pmt_growth_sample *y)
{
	if (x->faults != y->faults)
		return x->faults > y->faults ? -1 : 1;
	if (x->mapped_bytes != y->mapped_bytes)
		return x->mapped_bytes > y->mapped_bytes ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

static int by_mapped(const struct pmt_growth_sample *x, const struct pmt_growth_sample *y)
{
	if (x->mapped_bytes != y->mapped_bytes)
		return x->mapped_bytes > y->mapped_bytes ? -1 : 1;
	return by_faults(x, y);
}

/*
 * The next pick of a top list, without marking anything: the best sample
 * ordered after @prev by @cmp (NULL: the best of all) among those with
 * mapped bytes (@mapped) or faults. Top lists are short: O(top_n x n).
 */
static const struct pmt_growth_sample *
next_best(const struct pmt_growth_acc *a, const struct pmt_growth_sample *prev, bool mapped,
	  int (*cmp)(const struct pmt_growth_sample *, const struct pmt_growth_sample *))
{
	const struct pmt_growth_sample *best = NULL;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct pmt_growth_sample *s = &a->v[i];

		if (!(mapped ? s->mapped_bytes : s->faults))
			continue;
		if (prev && cmp(s, prev) <= 0)
			continue;
		if (!best || cmp(s, best) < 0)
			best = s;
	}
	return best;
}

static void put(struct pmt_growth_site *o, const struct pmt_growth_sample *s, uint64_t page_size)
{
	o->site = s->site;
	o->partial = s->partial;
	o->faults = s->faults;
	o->fault_bytes = s->faults * page_size;
	o->mapped_bytes = s->mapped_bytes;
	o->frames = s->frames;
}

size_t pmt_growth_top(const struct pmt_growth_acc *a, uint64_t page_size, size_t top_n,
		      struct pmt_growth_site *out)
{
	const struct pmt_growth_sample *p = NULL;
	size_t n = 0, k, j, nf;

	for (k = 0; k < top_n && (p = next_best(a, p, false, by_faults)); k++)
		put(&out[n++], p, page_size);
	nf = n;
	p = NULL;
	for (k = 0; k < top_n && (p = next_best(a, p, true, by_mapped)); k++) {
		for (j = 0; j < nf && out[j].site != p->site; j++)
			;
		if (j == nf)
			put(&out[n++], p, page_size);
	}
	/* Insertion sort of the mapped-only picks into the fault order. */
	for (k = nf; k < n; k++) {
		struct pmt_growth_site t = out[k];

		for (j = k; j > 0; j--) {
			struct pmt_growth_sample x = { .faults = t.faults,
						       .mapped_bytes = t.mapped_bytes,
						       .site = t.site };
			struct pmt_growth_sample y = { .faults = out[j - 1].faults,
						       .mapped_bytes = out[j - 1].mapped_bytes,
						       .site = out[j - 1].site };

			if (by_faults(&y, &x) <= 0)
				break;
			out[j] = out[j - 1];
		}
		out[j] = t;
	}
	return n;
}
