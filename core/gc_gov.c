// SPDX-License-Identifier: BSD-2-Clause
/*
 * gc_gov.c - the GC timing probes' cost kept within a share of the game's
 * time; see include/pmtrace/gc_gov.h for the rule.
 */
#include <string.h>

#include "pmtrace/gc_gov.h"

void pmt_gc_gov_init(struct pmt_gc_gov *g, double budget, double hits_per_gc, bool on,
		     uint64_t now_ns)
{
	memset(g, 0, sizeof(*g));
	g->budget = budget > 0 ? budget : PMT_GC_GOV_BUDGET;
	g->hits_per_gc = hits_per_gc > 0 ? hits_per_gc : 2;
	g->rate = -1;
	if (on)
		pmt_gc_gov_attached(g, now_ns);
	g->since_ns = now_ns;
}

bool pmt_gc_gov_covers(const struct pmt_gc_gov *g, uint64_t start_ns, uint64_t end_ns)
{
	unsigned i, n = g->nspan < PMT_GC_GOV_SPANS ? g->nspan : PMT_GC_GOV_SPANS;

	for (i = 0; i < n; i++) {
		unsigned k = (g->nspan - 1 - i) % PMT_GC_GOV_SPANS;

		if (g->span[k].a <= start_ns && end_ns <= g->span[k].b)
			return true;
		if (g->span[k].b < start_ns)
			break; /* older spans end earlier still */
	}
	return false;
}

void pmt_gc_gov_frame(struct pmt_gc_gov *g, uint64_t end_ns, uint64_t collections)
{
	if (!g->win_start_ns || end_ns < g->win_start_ns) {
		g->win_start_ns = end_ns;
		g->win_colls = 0;
		return;
	}
	g->win_colls += collections;
	if (end_ns - g->win_start_ns >= PMT_GC_GOV_WINDOW) {
		g->rate = (double)g->win_colls * 1e9 / (double)(end_ns - g->win_start_ns);
		g->win_start_ns = end_ns;
		g->win_colls = 0;
	}
}

/* The estimated share of the game's time timing every collection costs. */
static double full_cost(const struct pmt_gc_gov *g, double hit_ns)
{
	return g->rate * g->hits_per_gc * hit_ns / 1e9;
}

double pmt_gc_gov_duty(const struct pmt_gc_gov *g)
{
	double c;

	if (g->rate <= 0 || g->hit_ns <= 0)
		return 1;
	c = full_cost(g, g->hit_ns);
	return c > g->budget ? g->budget / c : 1;
}

enum pmt_gc_gov_act pmt_gc_gov_tick(struct pmt_gc_gov *g, uint64_t now_ns)
{
	double d, off;

	if (g->rate < 0)
		return PMT_GC_GOV_NONE;
	if (g->hit_ns <= 0 && full_cost(g, PMT_GC_GOV_MAX_HIT) > g->budget)
		return PMT_GC_GOV_MEASURE;
	d = pmt_gc_gov_duty(g);
	if (d >= 0.9) /* pauses of a few ms are not worth taking the probes out for */
		return g->on ? PMT_GC_GOV_NONE : PMT_GC_GOV_ATTACH;
	if (g->on)
		return now_ns - g->since_ns >= PMT_GC_GOV_ON_NS ? PMT_GC_GOV_DETACH : PMT_GC_GOV_NONE;
	off = (double)PMT_GC_GOV_ON_NS * (1 / d - 1);
	if (off > (double)PMT_GC_GOV_MAX_OFF)
		off = (double)PMT_GC_GOV_MAX_OFF;
	return (double)(now_ns - g->since_ns) >= off ? PMT_GC_GOV_ATTACH : PMT_GC_GOV_NONE;
}

void pmt_gc_gov_set_hit_ns(struct pmt_gc_gov *g, double hit_ns)
{
	g->hit_ns = hit_ns > PMT_GC_GOV_MIN_HIT ? hit_ns : PMT_GC_GOV_MIN_HIT;
}

void pmt_gc_gov_attached(struct pmt_gc_gov *g, uint64_t now_ns)
{
	unsigned k = g->nspan % PMT_GC_GOV_SPANS;

	if (g->on)
		return;
	g->span[k].a = now_ns;
	g->span[k].b = UINT64_MAX;
	g->nspan++;
	g->on = true;
	g->since_ns = now_ns;
}

void pmt_gc_gov_detached(struct pmt_gc_gov *g, uint64_t now_ns)
{
	if (!g->on)
		return;
	g->span[(g->nspan - 1) % PMT_GC_GOV_SPANS].b = now_ns;
	g->on = false;
	g->since_ns = now_ns;
	g->periods_off++;
}
