// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool_track.c - the object pool analyzer's bookkeeping (see pool_track.h):
 * classes by type, lives by address, windows of frames, and the results.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/pool_track.h"

#define DEFAULT_MAX_LIVES (1ULL << 20)
#define EV_DEATH 1u /* item tag: cls << 1 | EV_DEATH */

/* ---- growable arrays ----------------------------------------------------------- */

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* ---- classes ------------------------------------------------------------------- */

int pmt_pool_track_init(struct pmt_pool_track *t, const struct pmt_pool_track_config *cfg)
{
	memset(t, 0, sizeof(*t));
	if (cfg)
		t->cfg = *cfg;
	if (!t->cfg.max_lives)
		t->cfg.max_lives = DEFAULT_MAX_LIVES;
	t->last_cls = -1;
	t->gc_enabled = true;
	return 0;
}

static void class_free(struct pmt_pool_class *c)
{
	free(c->name);
	pmt_pool_dist_free(&c->created_pf);
	pmt_pool_dist_free(&c->destroyed_pf);
	pmt_pool_dist_free(&c->live_pf);
	pmt_pool_dist_free(&c->demand_pf);
	free(c->w_created);
	free(c->w_destroyed);
	free(c->w_live);
	free(c->w_demand);
	free(c->w_retro);
}

void pmt_pool_track_free(struct pmt_pool_track *t)
{
	uint32_t i;

	for (i = 0; i < t->ncls; i++)
		class_free(&t->cls[i]);
	free(t->cls);
	free(t->cls_slot);
	free(t->lives);
	free(t->active);
	free(t->items);
	free(t->w_births);
	free(t->w_deaths);
	free(t->follow);
	memset(t, 0, sizeof(*t));
}

static int cls_rehash(struct pmt_pool_track *t)
{
	uint32_t n = t->ncls_slots ? t->ncls_slots * 2 : 256, i;
	uint64_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->ncls; i++) {
		uint32_t j = (uint32_t)mix(t->cls[i].id) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(t->cls_slot);
	t->cls_slot = s;
	t->ncls_slots = n;
	return 0;
}

long pmt_pool_track_find(const struct pmt_pool_track *t, uint64_t id)
{
	uint32_t j;

	if (!t->ncls_slots)
		return -ENOENT;
	for (j = (uint32_t)mix(id) & (t->ncls_slots - 1); t->cls_slot[j];
	     j = (j + 1) & (t->ncls_slots - 1))
		if (t->cls[t->cls_slot[j] - 1].id == id)
			return (long)t->cls_slot[j] - 1;
	return -ENOENT;
}

long pmt_pool_track_class(struct pmt_pool_track *t, uint64_t id)
{
	struct pmt_pool_class *c;
	size_t cap = t->capcls;
	uint32_t j;

	if ((t->ncls + 1) * 2 > t->ncls_slots && cls_rehash(t))
		return -ENOMEM;
	for (j = (uint32_t)mix(id) & (t->ncls_slots - 1); t->cls_slot[j];
	     j = (j + 1) & (t->ncls_slots - 1))
		if (t->cls[t->cls_slot[j] - 1].id == id)
			return (long)t->cls_slot[j] - 1;
	if (grow((void **)&t->cls, &cap, t->ncls + 1, sizeof(*t->cls)))
		return -ENOMEM;
	t->capcls = (uint32_t)cap;
	c = &t->cls[t->ncls];
	memset(c, 0, sizeof(*c));
	c->id = id;
	t->cls_slot[j] = ++t->ncls;
	return (long)t->ncls - 1;
}

int pmt_pool_track_describe(struct pmt_pool_track *t, uint32_t ix, const char *name,
			    uint32_t flags, uint64_t instance_bytes)
{
	struct pmt_pool_class *c;
	char *n;

	if (ix >= t->ncls)
		return -EINVAL;
	c = &t->cls[ix];
	if (!name)
		name = "?";
	n = malloc(strlen(name) + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n, name, strlen(name) + 1);
	free(c->name);
	c->name = n;
	c->flags = flags | PMT_PCF_NAMED;
	c->instance_bytes = instance_bytes;
	return 0;
}

/* ---- lives ---------------------------------------------------------------------- */

static uint64_t life_slot(const struct pmt_pool_track *t, uint64_t addr)
{
	return mix(addr >> 3) & (t->nlives_slots - 1);
}

static struct pmt_pool_inst *life_find(const struct pmt_pool_track *t, uint64_t addr)
{
	uint64_t j;

	if (!t->nlives_slots || !addr)
		return NULL;
	for (j = life_slot(t, addr); t->lives[j].addr; j = (j + 1) & (t->nlives_slots - 1))
		if (t->lives[j].addr == addr)
			return &t->lives[j];
	return NULL;
}

static int lives_rehash(struct pmt_pool_track *t, uint64_t n)
{
	struct pmt_pool_inst *old = t->lives, *nv = calloc(n, sizeof(*nv));
	uint64_t i, on = t->nlives_slots;

	if (!nv)
		return -ENOMEM;
	t->lives = nv;
	t->nlives_slots = n;
	for (i = 0; i < on; i++) {
		uint64_t j;

		if (!old[i].addr)
			continue;
		for (j = life_slot(t, old[i].addr); nv[j].addr; j = (j + 1) & (n - 1))
			;
		nv[j] = old[i];
	}
	free(old);
	return 0;
}

static struct pmt_pool_inst *life_add(struct pmt_pool_track *t, uint64_t addr)
{
	uint64_t j;

	if (t->nlives >= t->cfg.max_lives)
		return NULL;
	if ((t->nlives + 1) * 2 > t->nlives_slots &&
	    lives_rehash(t, t->nlives_slots ? t->nlives_slots * 2 : 4096))
		return NULL;
	for (j = life_slot(t, addr); t->lives[j].addr; j = (j + 1) & (t->nlives_slots - 1))
		;
	t->nlives++;
	memset(&t->lives[j], 0, sizeof(t->lives[j]));
	t->lives[j].addr = addr;
	return &t->lives[j];
}

/* Remove @l, shifting back the entries of its probe run (no tombstones). */
static void life_del(struct pmt_pool_track *t, struct pmt_pool_inst *l)
{
	uint64_t mask = t->nlives_slots - 1, i = (uint64_t)(l - t->lives), j = i, k;

	t->lives[i].addr = 0;
	t->nlives--;
	for (;;) {
		j = (j + 1) & mask;
		if (!t->lives[j].addr)
			return;
		k = life_slot(t, t->lives[j].addr);
		/* Leave it when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->lives[i] = t->lives[j];
		t->lives[j].addr = 0;
		i = j;
	}
}

/* ---- the open window ------------------------------------------------------------ */

static void active_add(struct pmt_pool_track *t, uint32_t ix)
{
	size_t cap = t->capactive;

	if (t->cls[ix].active_ix)
		return;
	if (grow((void **)&t->active, &cap, t->nactive + 1, sizeof(*t->active)))
		return; /* it misses per-frame values, nothing else */
	t->capactive = (uint32_t)cap;
	t->active[t->nactive++] = ix;
	t->cls[ix].active_ix = t->nactive;
}

/* The class takes part in the open window: arrays sized and zeroed. */
static int touch(struct pmt_pool_track *t, uint32_t ix)
{
	struct pmt_pool_class *c = &t->cls[ix];
	uint32_t n = (uint32_t)t->w_planned;

	active_add(t, ix);
	if (c->window_seen == t->window)
		return 0;
	if (c->w_cap < n + 1) {
		uint32_t **arr[5] = { &c->w_created, &c->w_destroyed, &c->w_live, &c->w_demand,
				      &c->w_retro };
		int i;

		for (i = 0; i < 5; i++) {
			uint32_t *nv = realloc(*arr[i], (n + 1) * sizeof(uint32_t));

			if (!nv)
				return -ENOMEM;
			*arr[i] = nv;
		}
		c->w_cap = n + 1;
	}
	memset(c->w_created, 0, (n + 1) * sizeof(uint32_t));
	memset(c->w_destroyed, 0, (n + 1) * sizeof(uint32_t));
	memset(c->w_live, 0, (n + 1) * sizeof(uint32_t));
	memset(c->w_demand, 0, (n + 1) * sizeof(uint32_t));
	memset(c->w_retro, 0, (n + 1) * sizeof(uint32_t));
	memset(c->young, 0, sizeof(c->young));
	c->young_n = c->young_peak = 0;
	c->w_events = 0;
	c->window_seen = t->window;
	return 0;
}

/* Frame w_cur ends: values at its end, young lives age. */
static void close_frame(struct pmt_pool_track *t)
{
	uint64_t j = t->w_cur - t->w_first;
	uint32_t i;

	for (i = 0; i < t->nactive; i++) {
		struct pmt_pool_class *c = &t->cls[t->active[i]];

		if (touch(t, t->active[i]))
			continue;
		c->w_live[j] = (uint32_t)(c->alive > UINT32_MAX ? UINT32_MAX : c->alive);
		c->w_demand[j] = (uint32_t)(c->young_peak > UINT32_MAX ? UINT32_MAX : c->young_peak);
		/* Births of frame w_cur - 15 are 16 frames old in the next frame. */
		c->young_n -= c->young[(t->w_cur + 1) % PMT_POOL_SHORT_FRAMES];
		c->young[(t->w_cur + 1) % PMT_POOL_SHORT_FRAMES] = 0;
		c->young_peak = c->young_n;
	}
	t->w_cur++;
	t->w_closed++;
}

/* Move to @frame (closing the frames before it); -EINVAL if outside. */
static int advance(struct pmt_pool_track *t, uint64_t frame)
{
	if (!t->in_window || frame < t->w_cur || frame >= t->w_first + t->w_planned)
		return -EINVAL;
	while (t->w_cur < frame)
		close_frame(t);
	return 0;
}

int pmt_pool_track_window_begin(struct pmt_pool_track *t, uint64_t first, uint64_t frames,
				const struct pmt_gen0_params *gc)
{
	if (t->in_window)
		return -EBUSY;
	if (!frames || frames > PMT_POOL_MAX_WINDOW)
		return -EINVAL;
	t->window++;
	t->in_window = true;
	t->w_first = t->w_cur = first;
	t->w_planned = frames;
	t->w_closed = 0;
	t->w_gc = *gc;
	t->threshold = gc->threshold;
	t->gc_enabled = gc->enabled;
	t->nitems = t->nbirths = t->ndeaths = 0;
	t->last_cls = -1;
	t->w_seconds = 0;
	return 0;
}

void pmt_pool_track_frame_time(struct pmt_pool_track *t, uint64_t frame, uint64_t ns)
{
	if (t->in_window && frame >= t->w_first && frame < t->w_first + t->w_planned)
		t->w_seconds += (double)ns / 1e9;
}

static void item_add(struct pmt_pool_track *t, const struct pmt_gen0_item *it)
{
	if (!grow((void **)&t->items, &t->capitems, t->nitems + 1, sizeof(*t->items)))
		t->items[t->nitems++] = *it;
}

static void reading_add(struct pmt_pool_track *t, const struct pmt_pool_reading *r)
{
	struct pmt_gen0_item it = { 0 };

	if (!r || !r->valid) {
		t->readings_missing++;
		return;
	}
	it.kind = PMT_GEN0_READ;
	it.count = r->count;
	it.collections = r->collections;
	item_add(t, &it);
}

/*
 * Consecutive events of one class, both creations or both destructions,
 * no collection between: the counter's step is what one life adds (the
 * instance and what its creation made that stays: its __dict__...) or
 * frees. A destruction step counts only while the counter stays above 0.
 */
static void step_sample(struct pmt_pool_track *t, uint32_t cls, const struct pmt_pool_reading *r,
			bool create)
{
	struct pmt_pool_class *c = &t->cls[cls];
	int32_t step;

	if (!r || !r->valid) {
		t->last_cls = -1;
		return;
	}
	if (t->last_cls == (int32_t)cls && t->last_create == create &&
	    r->collections == t->last_coll) {
		step = create ? r->count - t->last_count : t->last_count - r->count;
		if (step >= 0 && (create || r->count > 0)) {
			uint64_t *h = create ? c->steps_create : c->steps_destroy;

			h[step < PMT_POOL_STEP_BINS - 1 ? step : PMT_POOL_STEP_BINS - 1]++;
		}
	}
	t->last_cls = (int32_t)cls;
	t->last_create = create;
	t->last_count = r->count;
	t->last_coll = r->collections;
}

static void site_add(struct pmt_pool_class *c, uint32_t key)
{
	int i;

	for (i = 0; i < PMT_POOL_SITES; i++) {
		if (c->sites[i].n && c->sites[i].key == key) {
			c->sites[i].n++;
			return;
		}
		if (!c->sites[i].n) {
			c->sites[i].key = key;
			c->sites[i].n = 1;
			return;
		}
	}
	c->sites_other++;
}

/* A life ended without its destruction being seen. */
static void end_unknown(struct pmt_pool_track *t, struct pmt_pool_inst *l)
{
	struct pmt_pool_class *c = &t->cls[l->cls];

	if (c->alive)
		c->alive--;
	if (l->binned == 1) {
		c->life_unknown++;
		if (c->alive_binned)
			c->alive_binned--;
	}
	if (t->in_window && l->window == t->window && t->w_cur - l->birth < PMT_POOL_SHORT_FRAMES &&
	    c->young[l->birth % PMT_POOL_SHORT_FRAMES]) {
		c->young[l->birth % PMT_POOL_SHORT_FRAMES]--;
		c->young_n--;
	}
	life_del(t, l);
}

int pmt_pool_track_create(struct pmt_pool_track *t, uint64_t frame, uint32_t cls, uint64_t addr,
			  uint32_t site, const struct pmt_pool_reading *r)
{
	struct pmt_gen0_item it = { 0 };
	struct pmt_pool_class *c;
	struct pmt_pool_inst *l;
	size_t cap;
	int err;

	if (cls >= t->ncls || advance(t, frame))
		return -EINVAL;
	err = touch(t, cls);
	if (err)
		return err;
	c = &t->cls[cls];
	c->created++;
	c->w_created[frame - t->w_first]++;
	c->w_events++;
	t->events++;
	site_add(c, site);
	it.kind = PMT_GEN0_EVENT;
	it.real = (c->flags & PMT_PCF_GC) ? 1 : 0;
	it.tag = cls << 1;
	item_add(t, &it);
	reading_add(t, r);
	step_sample(t, cls, r, true);
	l = life_find(t, addr);
	if (l)
		end_unknown(t, l);
	l = addr ? life_add(t, addr) : NULL;
	if (!l) {
		t->lives_not_kept++;
		return addr ? -ENOMEM : 0;
	}
	l->birth = frame;
	l->cls = cls;
	l->window = t->window;
	c = &t->cls[cls];
	c->alive++;
	c->young[frame % PMT_POOL_SHORT_FRAMES]++;
	c->young_n++;
	if (c->young_n > c->young_peak)
		c->young_peak = c->young_n;
	cap = t->capbirths;
	if (!grow((void **)&t->w_births, &cap, t->nbirths + 1, sizeof(*t->w_births))) {
		t->capbirths = cap;
		t->w_births[t->nbirths++] = addr;
	}
	return 0;
}

int pmt_pool_track_destroy(struct pmt_pool_track *t, uint64_t frame, uint32_t cls,
			   uint64_t addr, const struct pmt_pool_reading *r)
{
	struct pmt_gen0_item it = { 0 };
	struct pmt_pool_class *c;
	struct pmt_pool_inst *l;
	uint64_t j;
	int err;

	if (cls >= t->ncls || advance(t, frame))
		return -EINVAL;
	err = touch(t, cls);
	if (err)
		return err;
	j = frame - t->w_first;
	c = &t->cls[cls];
	c->destroyed++;
	c->w_destroyed[j]++;
	c->w_events++;
	t->events++;
	step_sample(t, cls, r, false);
	reading_add(t, r);
	it.kind = PMT_GEN0_EVENT;
	it.after_read = 1;
	it.tag = cls << 1 | EV_DEATH;
	item_add(t, &it);
	l = life_find(t, addr);
	if (l && l->cls != cls) {
		end_unknown(t, l); /* an instance of another class died unseen there */
		l = NULL;
	}
	if (!l) {
		c->destroyed_unseen++;
		/* Born unseen: alive at the window's frame ends before this one. */
		if (j > 0) {
			c->w_retro[0]++;
			c->w_retro[j]--;
		}
		return 0;
	}
	if (c->alive)
		c->alive--;
	if (l->window == t->window) {
		struct pmt_pool_wdeath d = { frame - l->birth, cls, (uint32_t)(l->birth - t->w_first) };
		size_t cap = t->capdeaths;

		if (frame - l->birth < PMT_POOL_SHORT_FRAMES &&
		    c->young[l->birth % PMT_POOL_SHORT_FRAMES]) {
			c->young[l->birth % PMT_POOL_SHORT_FRAMES]--;
			c->young_n--;
		}
		if (!grow((void **)&t->w_deaths, &cap, t->ndeaths + 1, sizeof(*t->w_deaths))) {
			t->capdeaths = cap;
			t->w_deaths[t->ndeaths++] = d;
		}
	} else if (l->binned == 1) {
		c->life[pmt_pool_life_bin(frame - l->birth)]++;
		if (c->alive_binned)
			c->alive_binned--;
	}
	life_del(t, l);
	return 0;
}

int pmt_pool_track_count(struct pmt_pool_track *t, uint64_t frame, uint32_t cls, uint64_t n)
{
	struct pmt_pool_class *c;
	int err;

	if (cls >= t->ncls || advance(t, frame))
		return -EINVAL;
	err = touch(t, cls);
	if (err)
		return err;
	c = &t->cls[cls];
	c->destroyed += n;
	c->w_destroyed[frame - t->w_first] += (uint32_t)n;
	if (c->last_counted != frame + 1) {
		c->last_counted = frame + 1;
		c->frames_own++;
	}
	return 0;
}

/* ---- the window's end: per-frame values, bins, the replay ---------------------------- */

static void push_frames(struct pmt_pool_track *t, uint64_t n)
{
	uint32_t i;
	uint64_t j;

	for (i = 0; i < t->nactive; i++) {
		struct pmt_pool_class *c = &t->cls[t->active[i]];
		int64_t retro = 0;

		if (c->window_seen != t->window)
			continue;
		for (j = 0; j < n; j++) {
			retro += (int32_t)c->w_retro[j];
			if (c->w_created[j])
				pmt_pool_dist_add(&c->created_pf, c->w_created[j], 1);
			if (c->w_destroyed[j])
				pmt_pool_dist_add(&c->destroyed_pf, c->w_destroyed[j], 1);
			if (c->w_live[j] + retro)
				pmt_pool_dist_add(&c->live_pf, c->w_live[j] + (uint64_t)retro, 1);
			if (j >= PMT_POOL_SHORT_FRAMES - 1 && c->w_demand[j])
				pmt_pool_dist_add(&c->demand_pf, c->w_demand[j], 1);
		}
	}
}

static void bin_lives(struct pmt_pool_track *t, uint64_t n)
{
	int64_t cutoff = (int64_t)n - PMT_POOL_SHORT_FRAMES; /* births at j <= cutoff are binned */
	size_t i;

	for (i = 0; i < t->ndeaths; i++) {
		struct pmt_pool_class *c = &t->cls[t->w_deaths[i].cls];

		if ((int64_t)t->w_deaths[i].birth_j <= cutoff)
			c->life[pmt_pool_life_bin(t->w_deaths[i].lifetime)]++;
		else
			c->censored++;
	}
	for (i = 0; i < t->nbirths; i++) {
		struct pmt_pool_inst *l = life_find(t, t->w_births[i]);
		struct pmt_pool_class *c;
		size_t cap;

		if (!l || l->window != t->window || l->binned)
			continue;
		c = &t->cls[l->cls];
		if ((int64_t)(l->birth - t->w_first) <= cutoff) {
			l->binned = 1;
			c->alive_binned++;
		} else {
			l->binned = 2; /* censored: counted, never binned */
			c->censored++;
		}
		/* Followed either way: its end matters to the live counts. */
		cap = t->capfollow;
		if (!grow((void **)&t->follow, &cap, t->nfollow + 1, sizeof(*t->follow))) {
			t->capfollow = cap;
			t->follow[t->nfollow++] = l->addr;
			l->followed = 1;
		}
	}
}

static double class_weight(const struct pmt_pool_class *c)
{
	double fallback = pmt_gen0_weight_hist(c->steps_destroy, PMT_POOL_STEP_BINS,
					       (c->flags & PMT_PCF_GC) ? 1 : 0);

	return pmt_gen0_weight_hist(c->steps_create, PMT_POOL_STEP_BINS, fallback);
}

struct cand {
	uint64_t events;
	uint32_t cls;
};

static int cmp_events(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return x->cls < y->cls ? -1 : 1;
}

static bool same_reading_run(const struct pmt_gen0_item *a, const struct pmt_gen0_item *b)
{
	return a->kind == PMT_GEN0_READ && b->kind == PMT_GEN0_READ &&
	       a->collections == b->collections;
}

/*
 * Each event's effect on the counter as run (real) and with its class
 * pooled (alt). A creation adds its instance before the reading that
 * follows it and, after it, what its creation makes that stays (its
 * __dict__, containers it holds): the class's weight w in all. A
 * destruction, read just before it, frees w. Where the next event is one
 * of the same class with no collection between (a burst: a loop making
 * or dropping them), the readings say exactly what this one did, free
 * lists and clamping at 0 included: that is used instead of w, so that
 * the rest of the game's steps stay clean of the class's.
 */
/* What a life of @c adds with no free list to help: the largest common creation step. */
static double full_weight(const struct pmt_pool_class *c, double w)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < PMT_POOL_STEP_BINS; i++)
		n += c->steps_create[i];
	for (i = PMT_POOL_STEP_BINS - 1; i > 0 && n; i--)
		if (c->steps_create[i] * 10 >= n)
			return i;
	return ceil(w);
}

static void set_effects(struct pmt_pool_track *t, const double *w, const double *wfull,
			double *shift)
{
	struct pmt_gen0_item *v = t->items;
	size_t k, n = t->nitems;

	for (k = 0; k < n; k++) {
		struct pmt_gen0_item *e = &v[k];
		uint32_t cls;
		double wc;

		if (e->kind != PMT_GEN0_EVENT)
			continue;
		cls = e->tag >> 1;
		wc = w[cls];
		if (e->tag & EV_DEATH) {
			/* READ(k-1) EVENT(k) READ(k+1) EVENT(k+2): the next one's. */
			e->real = -wc;
			if (k >= 1 && k + 2 < n && v[k + 2].kind == PMT_GEN0_EVENT &&
			    v[k + 2].tag == e->tag && same_reading_run(&v[k - 1], &v[k + 1]) &&
			    v[k + 1].count <= v[k - 1].count) {
				e->real = (double)v[k + 1].count - (double)v[k - 1].count;
				/* Not clamped: what it gave a free list instead of freeing. */
				if (v[k + 1].count > 0 && wfull[cls] + e->real > 0)
					shift[cls] += wfull[cls] + e->real;
			}
			/*
			 * In another run (another class pooled) the counter may not be
			 * at 0 here: a destruction the clamp swallowed frees its weight
			 * there (alt, for a class that is not the one removed).
			 */
			e->alt = k + 1 < n && v[k + 1].kind == PMT_GEN0_READ && v[k + 1].count == 0 ? -wc :
												  e->real;
		} else {
			/* EVENT(k) READ(k+1) EVENT(k+2) READ(k+3): its part in between. */
			double owned = wc - e->real;

			if (k + 3 < n && v[k + 2].kind == PMT_GEN0_EVENT && v[k + 2].tag == e->tag &&
			    same_reading_run(&v[k + 1], &v[k + 3]) &&
			    v[k + 3].count - v[k + 1].count >= v[k + 2].real) {
				owned = (double)v[k + 3].count - (double)v[k + 1].count - v[k + 2].real;
				/* What it took from a free list instead of allocating. */
				if (wfull[cls] - e->real - owned > 0)
					shift[cls] -= wfull[cls] - e->real - owned;
			}
			e->alt = -owned; /* the owed part: see replay_window() */
		}
	}
}

/*
 * The counter replayed as run, and without each of the window's busiest
 * classes in turn: one compiled program, one run per class.
 */
static void replay_window(struct pmt_pool_track *t)
{
	struct pmt_gen0_prog g = { 0 };
	struct cand *cand = NULL;
	uint32_t ncand = 0, i;
	double *w = NULL, *wfull, *shift, *alt = NULL, replayed, owed, spread;
	size_t nothers = 0;
	size_t k;

	w = calloc(3 * (t->ncls ? t->ncls : 1), sizeof(*w));
	cand = calloc(t->nactive ? t->nactive : 1, sizeof(*cand));
	if (!w || !cand)
		goto out;
	wfull = w + t->ncls;
	shift = wfull + t->ncls;
	for (i = 0; i < t->nactive; i++) {
		struct pmt_pool_class *c = &t->cls[t->active[i]];

		w[t->active[i]] = class_weight(c);
		if (c->window_seen == t->window && c->w_events && !(c->flags & PMT_PCF_BUILTIN)) {
			cand[ncand].events = c->w_events;
			cand[ncand++].cls = t->active[i];
		}
	}
	for (i = 0; i < t->nactive; i++)
		wfull[t->active[i]] = full_weight(&t->cls[t->active[i]], w[t->active[i]]);
	set_effects(t, w, wfull, shift);
	if (pmt_gen0_compile(&t->w_gc, t->items, t->nitems, &g)) {
		t->gen0_unreplayed++;
		goto out;
	}
	replayed = pmt_gen0_run(&g, NULL);
	for (k = 0; k < g.n; k++)
		nothers += g.op[k].others;
	alt = malloc((g.n ? g.n : 1) * sizeof(*alt));
	if (!alt)
		goto out;
	qsort(cand, ncand, sizeof(*cand), cmp_events);
	for (i = 0; i < ncand; i++) {
		struct pmt_pool_class *c = &t->cls[cand[i].cls];
		uint32_t subject = cand[i].cls;

		if (i >= PMT_POOL_REPLAY_CLASSES) {
			c->gen0_skipped++;
			continue;
		}
		/*
		 * The subject's events removed. A creation's own part goes where
		 * it happened: its instance at once, what it made (owed, -alt)
		 * out of the rest's next step, where those allocations are (taken
		 * out in advance, they would be lost to the clamp at 0).
		 */
		owed = 0;
		/*
		 * What the class's lives put in free lists minus what they took
		 * (shift < 0: took more) went to the rest of the game, whose
		 * containers then missed or found them: without the class the
		 * rest would not have paid that. Handed back evenly.
		 */
		spread = nothers ? shift[subject] / (double)nothers : 0;
		for (k = 0; k < g.n; k++) {
			const struct pmt_gen0_op *o = &g.op[k];

			if (o->others) {
				alt[k] = o->real - owed + spread;
				owed = 0;
			} else if (o->tag >> 1 != subject) {
				alt[k] = (o->tag & EV_DEATH) ? o->alt : o->real;
			} else if (o->tag & EV_DEATH) {
				alt[k] = 0;
			} else {
				alt[k] = 0;
				owed += -o->alt;
			}
		}
		c->gen0_avoided += g.seen - pmt_gen0_run(&g, alt);
		c->gen0_windows++;
	}
	t->gen0_seen += g.seen;
	t->gen0_replayed += replayed;
	t->gen0_triggers += g.triggers_seen;
	t->gen0_windows++;
out:
	free(w);
	free(cand);
	free(alt);
	pmt_gen0_prog_free(&g);
}

int pmt_pool_track_window_end(struct pmt_pool_track *t, uint64_t last, bool partial)
{
	uint64_t n;
	uint32_t i, o;

	if (!t->in_window)
		return -EINVAL;
	/* Close the frames sampled whole; frames past @last are dropped. */
	if (last + 1 > t->w_cur && last < t->w_first + t->w_planned)
		while (t->w_cur <= last)
			close_frame(t);
	n = last + 1 > t->w_first ? last + 1 - t->w_first : 0;
	if (n > t->w_closed)
		n = t->w_closed;
	push_frames(t, n);
	bin_lives(t, n);
	replay_window(t);
	t->frames_sampled += n;
	t->frames_warm += n >= PMT_POOL_SHORT_FRAMES ? n - (PMT_POOL_SHORT_FRAMES - 1) : 0;
	t->seconds += t->w_seconds;
	t->windows_done++;
	if (partial)
		t->windows_partial++;
	t->in_window = false;
	/* Only classes with lives stay active. */
	for (i = 0, o = 0; i < t->nactive; i++) {
		struct pmt_pool_class *c = &t->cls[t->active[i]];

		if (c->alive) {
			t->active[o++] = t->active[i];
			c->active_ix = o;
		} else {
			c->active_ix = 0;
		}
	}
	t->nactive = o;
	return 0;
}

/* ---- between windows -------------------------------------------------------------- */

size_t pmt_pool_track_follow(struct pmt_pool_track *t, size_t max, pmt_pool_follow_fn fn,
			     void *ctx)
{
	size_t i = t->follow_pos, n = 0, want = max < t->nfollow ? max : t->nfollow;

	while (n < want && t->nfollow) {
		struct pmt_pool_inst *l;

		if (i >= t->nfollow)
			i = 0;
		l = life_find(t, t->follow[i]);
		if (!l || !l->followed) {
			t->follow[i] = t->follow[--t->nfollow];
			if (want > t->nfollow)
				want = t->nfollow;
			continue;
		}
		fn(ctx, l->addr, l->cls);
		n++;
		i++;
	}
	t->follow_pos = i;
	return n;
}

void pmt_pool_track_gone(struct pmt_pool_track *t, uint64_t addr, uint64_t frame)
{
	struct pmt_pool_inst *l = life_find(t, addr);
	struct pmt_pool_class *c;

	if (!l || (t->in_window && l->window == t->window))
		return;
	c = &t->cls[l->cls];
	l->followed = 0;
	if (c->alive)
		c->alive--;
	if (l->binned == 1) {
		c->life[pmt_pool_life_bin(frame >= l->birth ? frame - l->birth : 0)]++;
		if (c->alive_binned)
			c->alive_binned--;
	}
	life_del(t, l);
}

void pmt_pool_track_freelist(struct pmt_pool_track *t, uint32_t cls,
			     const struct pmt_pool_freelist *f, uint32_t containers)
{
	struct pmt_pool_class *c;

	if (cls >= t->ncls)
		return;
	c = &t->cls[cls];
	c->freelists = containers;
	if (!c->freelist.readings || f->moved > c->freelist.moved ||
	    (f->moved == c->freelist.moved && f->readings >= c->freelist.readings))
		c->freelist = *f;
}

void pmt_pool_track_gone_before(struct pmt_pool_track *t, uint64_t addr)
{
	struct pmt_pool_inst *l = life_find(t, addr);
	struct pmt_pool_class *c;
	uint64_t j;

	if (!t->in_window || !l || l->window == t->window)
		return;
	c = &t->cls[l->cls];
	/* It was counted alive at the window's frame ends so far: it was not. */
	if (c->window_seen == t->window)
		for (j = 0; j < t->w_closed && j < c->w_cap; j++)
			if (c->w_live[j])
				c->w_live[j]--;
	pmt_pool_track_gone(t, addr, t->w_first ? t->w_first - 1 : 0);
}

/* ---- results ---------------------------------------------------------------------- */

static void top_sites(const struct pmt_pool_class *c, struct pmt_pool_result *r)
{
	uint32_t k, i;

	r->n_top_sites = 0;
	for (k = 0; k < 3; k++) {
		int best = -1;

		for (i = 0; i < PMT_POOL_SITES; i++) {
			uint32_t m;
			bool taken = false;

			if (!c->sites[i].n)
				continue;
			for (m = 0; m < r->n_top_sites; m++)
				taken |= r->top_sites[m] == i;
			if (!taken && (best < 0 || c->sites[i].n > c->sites[best].n))
				best = (int)i;
		}
		if (best < 0)
			break;
		r->top_sites[r->n_top_sites++] = (uint64_t)best;
	}
}

static void class_result(const struct pmt_pool_track *t, uint32_t ix,
			 const struct pmt_pool_report_config *cfg, struct pmt_pool_result *r)
{
	const struct pmt_pool_class *c = &t->cls[ix];
	struct pmt_pool_savings_in in = { 0 };
	struct pmt_pool_traits tr = { 0 };
	uint64_t over = 0, steps_c = 0, steps_d = 0;
	int i;

	uint64_t frames = (c->flags & PMT_PCF_BUILTIN) ? c->frames_own : t->frames_sampled;

	memset(r, 0, sizeof(*r));
	r->cls = ix;
	r->churn = c->created + c->destroyed;
	pmt_pool_dist_summary(&c->created_pf, frames, &r->created);
	pmt_pool_dist_summary(&c->destroyed_pf, frames, &r->destroyed);
	pmt_pool_dist_summary(&c->live_pf, t->frames_sampled, &r->live);
	pmt_pool_dist_summary(&c->demand_pf, t->frames_warm, &r->demand);
	memcpy(r->life, c->life, sizeof(r->life));
	r->life[PMT_LIFE_ALIVE] = c->alive_binned;
	memcpy(tr.life, r->life, sizeof(tr.life));
	/* Reuse by its free list: moves its creations and destructions cannot explain. */
	if (c->freelist.readings && !(c->flags & PMT_PCF_BUILTIN))
		r->reuse_freelist = pmt_pool_reuse_seen(&c->freelist,
							t->frames_sampled ?
								(double)(c->created + c->destroyed) /
									(double)t->frames_sampled :
								-1.0);
	tr.reuse_seen = r->reuse_freelist || (c->flags & PMT_PCF_REUSE);
	r->kind = (c->flags & PMT_PCF_BUILTIN) ? PMT_POOL_UNDETERMINED : pmt_pool_classify(&tr);
	for (i = 0; i < PMT_POOL_STEP_BINS; i++) {
		steps_c += c->steps_create[i];
		steps_d += c->steps_destroy[i];
	}
	r->weight = class_weight(c);
	r->weight_measured = steps_c >= 8 || steps_d >= 8;
	r->gen0_known = c->gen0_windows > 0;
	r->pool_size = pmt_pool_size_rule(r->demand.p99);
	top_sites(c, r);
	if (t->frames_warm)
		over = (uint64_t)((double)pmt_pool_overflow(&c->demand_pf, r->pool_size) *
				  (double)t->frames_sampled / (double)t->frames_warm);
	in.seconds = t->seconds;
	in.creations = c->created;
	in.overflow = over;
	in.destructions = c->destroyed;
	in.instance_bytes = c->instance_bytes;
	in.gen0_seen = t->gen0_seen;
	in.gen0_alt = t->gen0_seen - c->gen0_avoided;
	in.ns_per_collection = cfg->ns_per_collection;
	in.ns_per_alloc = cfg->ns_per_alloc;
	pmt_pool_savings(&in, &r->sav); /* all zero when no time was sampled */
	if (c->flags & PMT_PCF_BUILTIN)
		r->reason = "built-in type: counted at its destructions only";
	else if (r->kind == PMT_POOL_ALREADY_POOLED)
		r->reason = r->reuse_freelist ? "already pooled: a list of its instances grows and "
						"shrinks with next to none made or destroyed" :
						"already pooled: the game reuses its instances";
	else if (r->kind == PMT_POOL_UNDETERMINED)
		r->reason = "too few lives seen to classify";
	else if (r->kind == PMT_POOL_PERSISTENT)
		r->reason = "persistent: most instances live 16 frames or more";
	else if (!pmt_pool_worth(r->kind, &r->sav))
		r->reason = "saves too little (under 600 allocations and 0.1 collections a second)";
	else if (!r->pool_size)
		r->reason = "no frame with instances in use";
	r->recommended = !r->reason;
	if (!r->recommended)
		r->pool_size = r->kind == PMT_POOL_TRANSIENT || r->kind == PMT_POOL_SHORT_LIVED ?
				       r->pool_size :
				       0;
}

static int cmp_results(const void *a, const void *b)
{
	const struct pmt_pool_result *x = a, *y = b;
	uint64_t cx, cy;

	if (x->recommended != y->recommended)
		return x->recommended ? -1 : 1;
	if (x->recommended) {
		struct pmt_pool_rank_item v[2] = {
			{ x->cls, x->sav.time_ns_per_s, x->sav.gen0_per_s, x->sav.allocs_per_s },
			{ y->cls, y->sav.time_ns_per_s, y->sav.gen0_per_s, y->sav.allocs_per_s },
		};

		pmt_pool_rank(v, 2);
		return v[0].id == x->cls ? -1 : 1;
	}
	cx = x->churn;
	cy = y->churn;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return x->cls < y->cls ? -1 : 1;
}

size_t pmt_pool_track_results(const struct pmt_pool_track *t,
			      const struct pmt_pool_report_config *cfg, struct pmt_pool_result *out)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < t->ncls; i++) {
		class_result(t, i, cfg, &out[i]);
		n += out[i].recommended;
	}
	qsort(out, t->ncls, sizeof(*out), cmp_results);
	return n;
}
