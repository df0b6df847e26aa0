// SPDX-License-Identifier: BSD-2-Clause
/*
 * evict.c - eviction plans: sort the candidates into the chosen eviction
 * order, then take the shortest prefix that brings usage under the limit.
 *
 * Each order is one qsort() comparator, picked from a table by strategy.
 * qsort() is not stable, so every comparator is a total order (its last key
 * is the object address, unique in a candidate set): the plan does not
 * depend on the order the caller listed the assets in. HYBRID scores are
 * computed once before the sort and kept in the candidates, so its
 * comparator needs no context; they are rounded to 9 decimal places so that
 * weighted sums equal in exact arithmetic (0.4 * 1 and 0.2 * 1 + 0.2 * 1)
 * tie instead of being ordered by rounding noise.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "pmtrace/evict.h"

#define SCORE_SCALE 1e9 /* scores kept to 9 decimal places */

static const char *const strategy_names[PMT_EVICT_STRATEGIES] = {
	[PMT_EVICT_LRU] = "lru",
	[PMT_EVICT_LFU] = "lfu",
	[PMT_EVICT_PRIORITY] = "priority",
	[PMT_EVICT_SIZE] = "size",
	[PMT_EVICT_AGE] = "age",
	[PMT_EVICT_HYBRID] = "hybrid",
};

static const char *const status_texts[PMT_EVICT_STATUSES] = {
	[PMT_EVICT_UNDER_LIMIT] = "under the limit",
	[PMT_EVICT_ENOUGH] = "back under the limit",
	[PMT_EVICT_NOT_ENOUGH] = "not enough evictable assets",
};

/* pmt_evict_strategy_name - see evict.h. */
const char *pmt_evict_strategy_name(enum pmt_evict_strategy s)
{
	if ((unsigned int)s >= PMT_EVICT_STRATEGIES)
		return "unknown";
	return strategy_names[s];
}

/* pmt_evict_strategy_parse - see evict.h. */
int pmt_evict_strategy_parse(const char *name, enum pmt_evict_strategy *out)
{
	unsigned int i;

	if (!name || !out)
		return -EINVAL;
	for (i = 0; i < PMT_EVICT_STRATEGIES; i++) {
		if (strcasecmp(name, strategy_names[i]) == 0) {
			*out = (enum pmt_evict_strategy)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* pmt_evict_status_text - see evict.h. */
const char *pmt_evict_status_text(enum pmt_evict_status st)
{
	if ((unsigned int)st >= PMT_EVICT_STATUSES)
		return "unknown";
	return status_texts[st];
}

/* pmt_evict_weights_default - see evict.h. */
void pmt_evict_weights_default(struct pmt_evict_weights *w)
{
	w->lru = 0.4;
	w->lfu = 0.2;
	w->size = 0.2;
	w->age = 0.1;
	w->priority = 0.1;
}

/* pmt_evict_candidate_from_asset - see evict.h. */
void pmt_evict_candidate_from_asset(struct pmt_evict_candidate *c, const struct pmt_asset *a,
				    int32_t priority)
{
	c->obj = a->l.obj;
	c->bytes = a->l.bytes;
	c->load_frame = a->l.frame;
	c->last_use_frame = a->last_use_frame;
	c->uses = a->uses;
	c->score = 0;
	c->priority = priority;
	c->path_id = a->l.path_id;
	c->site_id = a->l.site_id;
	c->type = a->l.type;
}

/* The frame an asset was last used in; one never used counts as used when loaded. */
static uint64_t used_at(const struct pmt_evict_candidate *c)
{
	return c->uses ? c->last_use_frame : c->load_frame;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_i32(int32_t a, int32_t b)
{
	return (a > b) - (a < b);
}

static int cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

/* Candidates of unknown size after all others, in every order. */
static int cmp_unknown_last(const struct pmt_evict_candidate *a,
			    const struct pmt_evict_candidate *b)
{
	return (a->bytes == 0) - (b->bytes == 0);
}

/*
 * The comparators: negative when @pa goes first. Each chains its keys with
 * "r = r ? r : next", ending on the object address.
 */
static int cmp_lru(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_u64(used_at(a), used_at(b));
	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	r = r ? r : cmp_u64(b->bytes, a->bytes);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int cmp_lfu(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_u64(a->uses, b->uses);
	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	r = r ? r : cmp_u64(b->bytes, a->bytes);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int cmp_priority(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_i32(a->priority, b->priority);
	r = r ? r : cmp_u64(b->bytes, a->bytes);
	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int cmp_size(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_u64(b->bytes, a->bytes);
	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int cmp_age(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	r = r ? r : cmp_u64(b->bytes, a->bytes);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int cmp_hybrid(const void *pa, const void *pb)
{
	const struct pmt_evict_candidate *a = pa, *b = pb;
	int r = cmp_unknown_last(a, b);

	r = r ? r : cmp_double(b->score, a->score);
	r = r ? r : cmp_u64(b->bytes, a->bytes);
	r = r ? r : cmp_u64(a->load_frame, b->load_frame);
	return r ? r : cmp_u64(a->obj, b->obj);
}

static int (*const comparators[PMT_EVICT_STRATEGIES])(const void *, const void *) = {
	[PMT_EVICT_LRU] = cmp_lru,
	[PMT_EVICT_LFU] = cmp_lfu,
	[PMT_EVICT_PRIORITY] = cmp_priority,
	[PMT_EVICT_SIZE] = cmp_size,
	[PMT_EVICT_AGE] = cmp_age,
	[PMT_EVICT_HYBRID] = cmp_hybrid,
};

static bool weight_ok(double w)
{
	return isfinite(w) && w >= 0;
}

/* Weights usable for HYBRID: each finite and >= 0, their sum finite and > 0. */
static bool weights_ok(const struct pmt_evict_weights *w)
{
	double sum = w->lru + w->lfu + w->size + w->age + w->priority;

	return weight_ok(w->lru) && weight_ok(w->lfu) && weight_ok(w->size) &&
	       weight_ok(w->age) && weight_ok(w->priority) && isfinite(sum) && sum > 0;
}

/* Frames from @frame to @now, 0 for a frame after @now. */
static uint64_t frames_since(uint64_t frame, uint64_t now)
{
	return frame < now ? now - frame : 0;
}

/* Range of one factor over the candidates holding bytes. */
struct range {
	uint64_t lo, hi;
};

static void range_add(struct range *r, uint64_t v, bool first)
{
	if (first || v < r->lo)
		r->lo = v;
	if (first || v > r->hi)
		r->hi = v;
}

/* (@v - lo) / (hi - lo), or 0 when every candidate has the same value. */
static double norm_up(const struct range *r, uint64_t v)
{
	return r->hi == r->lo ? 0 : (double)(v - r->lo) / (double)(r->hi - r->lo);
}

/* (hi - @v) / (hi - lo): 1 for the smallest value; 0 when all are equal. */
static double norm_down(const struct range *r, uint64_t v)
{
	return r->hi == r->lo ? 0 : (double)(r->hi - v) / (double)(r->hi - r->lo);
}

/* Priorities shifted into uint64_t so they share the ranges' arithmetic. */
static uint64_t prio_key(int32_t p)
{
	return (uint64_t)((int64_t)p - INT32_MIN);
}

/*
 * Fill every candidate's score (0 for those of unknown size) with weights
 * @w, already valid, normalising each factor over the candidates holding
 * bytes. Precondition: n > 0 implies cands != NULL.
 */
static void score_hybrid(const struct pmt_evict_weights *w, struct pmt_evict_candidate *cands,
			 size_t n, uint64_t now)
{
	struct range idle = { 0, 0 }, uses = { 0, 0 }, size = { 0, 0 }, age = { 0, 0 };
	struct range prio = { 0, 0 };
	double wsum = w->lru + w->lfu + w->size + w->age + w->priority;
	bool first = true;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct pmt_evict_candidate *c = &cands[i];

		if (!c->bytes)
			continue;
		range_add(&idle, frames_since(used_at(c), now), first);
		range_add(&uses, c->uses, first);
		range_add(&size, c->bytes, first);
		range_add(&age, frames_since(c->load_frame, now), first);
		range_add(&prio, prio_key(c->priority), first);
		first = false;
	}
	for (i = 0; i < n; i++) {
		struct pmt_evict_candidate *c = &cands[i];
		double s;

		if (!c->bytes) {
			c->score = 0;
			continue;
		}
		s = w->lru * norm_up(&idle, frames_since(used_at(c), now)) +
		    w->lfu * norm_down(&uses, c->uses) + w->size * norm_up(&size, c->bytes) +
		    w->age * norm_up(&age, frames_since(c->load_frame, now)) +
		    w->priority * norm_down(&prio, prio_key(c->priority));
		c->score = round(s / wsum * SCORE_SCALE) / SCORE_SCALE;
	}
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* pmt_evict_plan - see evict.h. */
int pmt_evict_plan(enum pmt_evict_strategy s, const struct pmt_evict_weights *w,
		   struct pmt_evict_candidate *cands, size_t n, uint64_t usage, uint64_t limit,
		   uint64_t now_frame, bool use_tracked, struct pmt_evict_plan *out)
{
	struct pmt_evict_weights hw = { 0 };
	struct pmt_evict_plan p = { 0 };
	size_t i;

	if (!out || (!cands && n > 0) || (unsigned int)s >= PMT_EVICT_STRATEGIES)
		return -EINVAL;
	if (s == PMT_EVICT_HYBRID) {
		if (w) {
			if (!weights_ok(w))
				return -EINVAL;
			hw = *w;
		} else {
			pmt_evict_weights_default(&hw);
		}
	}

	p.usage = usage;
	p.limit = limit;
	p.strategy = s;
	if (!use_tracked) {
		/* Uses and last uses are all 0: say so rather than rank by them. */
		if (s == PMT_EVICT_LRU || s == PMT_EVICT_LFU) {
			p.strategy = PMT_EVICT_AGE;
			p.use_ignored = true;
		} else if (s == PMT_EVICT_HYBRID) {
			hw.age += hw.lru + hw.lfu;
			hw.lru = 0;
			hw.lfu = 0;
			p.use_ignored = true;
		}
	}

	for (i = 0; i < n; i++) {
		if (p.strategy != PMT_EVICT_HYBRID)
			cands[i].score = 0;
		if (cands[i].bytes)
			p.evictable++;
	}
	if (p.strategy == PMT_EVICT_HYBRID)
		score_hybrid(&hw, cands, n, now_frame);
	if (n > 1)
		qsort(cands, n, sizeof(*cands), comparators[p.strategy]);

	if (usage <= limit) {
		p.usage_after = usage;
		p.status = PMT_EVICT_UNDER_LIMIT;
		p.enough = true;
		*out = p;
		return 0;
	}

	p.bytes_needed = usage - limit;
	/* Unknown sizes sort last: the plan stops at the first one. */
	for (i = 0; i < n && cands[i].bytes && p.bytes_freed < p.bytes_needed; i++) {
		p.bytes_freed = add_sat(p.bytes_freed, cands[i].bytes);
		p.count++;
	}
	p.usage_after = p.bytes_freed >= usage ? 0 : usage - p.bytes_freed;
	p.enough = p.usage_after <= limit;
	p.shortfall = p.enough ? 0 : p.usage_after - limit;
	p.status = p.enough ? PMT_EVICT_ENOUGH : PMT_EVICT_NOT_ENOUGH;
	*out = p;
	return 0;
}
