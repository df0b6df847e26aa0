// SPDX-License-Identifier: BSD-2-Clause
/*
 * trace.c - trace mode's schedule, governor and per-site sums.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/trace.h"

#define DECAY 0.8            /* weight of the past at each account */
#define MAX_EVERY 100000000ULL

void pmt_trace_sched_init(struct pmt_trace_sched *s, uint64_t every, uint64_t spike_k,
			  uint64_t range_from, uint64_t range_to, bool all, double max_overhead)
{
	memset(s, 0, sizeof(*s));
	s->every = every;
	s->spike_k = spike_k;
	s->range_from = range_from;
	s->range_to = range_to > range_from ? range_to : range_from;
	s->all = all;
	s->max_overhead = max_overhead;
	s->eff_every = every;
	s->next_every = 0;
}

bool pmt_trace_sched_enabled(const struct pmt_trace_sched *s)
{
	return s->every || s->spike_k || s->range_to > s->range_from || s->all;
}

enum pmt_trace_trigger pmt_trace_sched_next(const struct pmt_trace_sched *s, uint64_t first,
					    uint64_t *from, uint64_t *to)
{
	uint64_t due = UINT64_MAX;

	if (s->all) {
		*from = first;
		*to = UINT64_MAX;
		return PMT_TRIG_ALL;
	}
	/* Asked for by number: the part of the range still ahead. */
	if (s->range_to > s->range_from && first < s->range_to) {
		if (first >= s->range_from) {
			*from = first;
			*to = s->range_to;
			return PMT_TRIG_RANGE;
		}
		due = s->range_from;
	}
	/* A spike seen late (the tool was busy) still gets its K frames. */
	if (s->spike_to > s->spike_from) {
		*from = first > s->spike_from ? first : s->spike_from;
		if (*from == first) {
			/* K frames, the first K that can still be traced whole */
			*to = *from + (s->spike_to - s->spike_from);
			return PMT_TRIG_SPIKE;
		}
		if (*from < due)
			due = *from;
	}
	if (s->eff_every) {
		if (first >= s->next_every) {
			*from = first;
			*to = first + 1;
			return PMT_TRIG_EVERY;
		}
		if (s->next_every < due)
			due = s->next_every;
	}
	*from = due;
	*to = due;
	return PMT_TRIG_NONE;
}

void pmt_trace_sched_done(struct pmt_trace_sched *s, enum pmt_trace_trigger trig, uint64_t from,
			  uint64_t to)
{
	(void)from;
	if (trig == PMT_TRIG_SPIKE)
		s->spike_from = s->spike_to = 0;
	if (trig == PMT_TRIG_EVERY && s->eff_every)
		s->next_every = from + s->eff_every;
	if (trig == PMT_TRIG_RANGE && to >= s->range_to)
		s->range_from = s->range_to = 0;
}

void pmt_trace_sched_spike(struct pmt_trace_sched *s, uint64_t index)
{
	if (!s->spike_k)
		return;
	/* Over budget: spikes wait until tracing is cheap again. */
	if (s->max_overhead > 0 && pmt_trace_sched_overhead(s) > s->max_overhead) {
		s->spikes_skipped++;
		return;
	}
	if (s->spike_to > index + 1)
		return; /* already tracing after an earlier spike */
	s->spike_from = index + 1;
	s->spike_to = index + 1 + s->spike_k;
}

double pmt_trace_sched_overhead(const struct pmt_trace_sched *s)
{
	return s->run_ns > 0 ? 100.0 * s->cost_ns / s->run_ns : 0;
}

double pmt_trace_sched_account(struct pmt_trace_sched *s, double cost_ns, double elapsed_ns)
{
	double pct;

	if (cost_ns < 0)
		cost_ns = 0;
	s->cost_ns = s->cost_ns * DECAY + cost_ns;
	s->run_ns = s->run_ns * DECAY + (elapsed_ns > 0 ? elapsed_ns : 0);
	pct = pmt_trace_sched_overhead(s);
	if (!s->every || s->max_overhead <= 0)
		return pct;
	if (pct > s->max_overhead && s->eff_every < MAX_EVERY) {
		s->eff_every *= 2;
		s->governed++;
	} else if (pct < s->max_overhead / 4 && s->eff_every / 2 >= s->every) {
		s->eff_every /= 2;
	}
	return pct;
}

/* ---- sites ------------------------------------------------------------------- */

void pmt_trace_sites_init(struct pmt_trace_sites *s)
{
	memset(s, 0, sizeof(*s));
	s->sorted = true;
}

void pmt_trace_sites_free(struct pmt_trace_sites *s)
{
	free(s->v);
	pmt_trace_sites_init(s);
}

void pmt_trace_sites_clear(struct pmt_trace_sites *s)
{
	s->n = 0;
	s->sorted = true;
}

int pmt_trace_sites_add(struct pmt_trace_sites *s, uint32_t key, uint64_t stack_id,
			uint64_t allocs, uint64_t bytes)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct pmt_trace_site *nv = realloc(s->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n].key = key;
	s->v[s->n].stack_id = stack_id;
	s->v[s->n].allocs = allocs;
	s->v[s->n].bytes = bytes;
	s->n++;
	s->sorted = false;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct pmt_trace_site *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static void merge_by_key(struct pmt_trace_sites *s)
{
	size_t i, o = 0;

	if (s->sorted)
		return;
	qsort(s->v, s->n, sizeof(*s->v), by_key);
	for (i = 0; i < s->n; i++) {
		if (o && s->v[o - 1].key == s->v[i].key) {
			s->v[o - 1].allocs += s->v[i].allocs;
			s->v[o - 1].bytes += s->v[i].bytes;
		} else {
			s->v[o++] = s->v[i];
		}
	}
	s->n = o;
	s->sorted = true;
}

int pmt_trace_sites_merge(struct pmt_trace_sites *into, struct pmt_trace_sites *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (pmt_trace_sites_add(into, from->v[i].key, from->v[i].stack_id,
					from->v[i].allocs, from->v[i].bytes))
			return -ENOMEM;
	merge_by_key(into);
	return 0;
}

static const struct pmt_trace_site *g_sort_v;
static bool g_sort_bytes;

static int top_cmp(const void *a, const void *b)
{
	const struct pmt_trace_site *x = &g_sort_v[*(const size_t *)a];
	const struct pmt_trace_site *y = &g_sort_v[*(const size_t *)b];
	uint64_t x1 = g_sort_bytes ? x->bytes : x->allocs, y1 = g_sort_bytes ? y->bytes : y->allocs;
	uint64_t x2 = g_sort_bytes ? x->allocs : x->bytes, y2 = g_sort_bytes ? y->allocs : y->bytes;

	if (x1 != y1)
		return x1 > y1 ? -1 : 1;
	if (x2 != y2)
		return x2 > y2 ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

size_t pmt_trace_sites_top(struct pmt_trace_sites *s, bool by_bytes, size_t *out, size_t n)
{
	size_t *idx, i, k;

	merge_by_key(s);
	if (!s->n || !n)
		return 0;
	idx = malloc(s->n * sizeof(*idx));
	if (!idx)
		return 0;
	for (i = 0; i < s->n; i++)
		idx[i] = i;
	g_sort_v = s->v;
	g_sort_bytes = by_bytes;
	qsort(idx, s->n, sizeof(*idx), top_cmp);
	k = s->n < n ? s->n : n;
	memcpy(out, idx, k * sizeof(*out));
	free(idx);
	return k;
}

uint64_t pmt_trace_bin_max(unsigned bin)
{
	if (bin < PMT_HIST_SMALL)
		return 16ULL * (bin + 1);
	if (bin < PMT_HIST_BINS - 1)
		return 1024ULL << (bin - PMT_HIST_SMALL);
	return bin == PMT_HIST_BINS - 1 ? UINT64_MAX : 0;
}

uint64_t pmt_trace_bin_min(unsigned bin)
{
	if (bin == 0)
		return 0;
	if (bin >= PMT_HIST_BINS)
		return 0;
	return pmt_trace_bin_max(bin - 1) + 1;
}
