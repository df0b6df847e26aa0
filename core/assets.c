// SPDX-License-Identifier: BSD-2-Clause
/*
 * assets.c - the live-asset store and its analyses: per-type heatmap and
 * churn, the largest assets, leaking load sites, duplicate loads, orphans.
 *
 * Reports run every interval over up to 10^5 live assets, so the store is
 * laid out for them rather than for generality:
 *  - live assets sit in dense slots 0..live-1 (a free moves the last slot
 *    into the hole), with the keys of the scans (bytes, ts_ns) copied into
 *    parallel arrays so a top-N or orphan scan reads 16 bytes per asset;
 *  - an open-addressing hash (linear probing, backward-shift deletion, no
 *    tombstones) maps each object address to its slot, another each site id
 *    and path id to its aggregate;
 *  - site and path aggregates are updated on every load, update and free,
 *    and the paths held twice or more are kept in their own list, so leaks
 *    and duplicates never look at the assets at all; leak candidates are
 *    listed once per interval, when the site histories move;
 *  - use sites live in a pool of small records, one per asset used (a slot
 *    index per live asset, NO_REC until its first use), recycled through a
 *    free list; the use-site aggregates are updated on every use, free and
 *    update, like the load sites.
 * Rankings fill the caller's array as a bounded heap (the worst kept at the
 * root), then sort it in place: O(k log n) for k candidates, no allocation.
 *
 * Every allocation goes through the configured allocator and happens before
 * the store is changed, so a failed event leaves the store as it was.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/assets.h"

#define PMT_ASSET_DEFAULT_MAX 200000
#define PMT_ASSET_MIN_CAP 64 /* first size of every array and hash table */

static const char *const type_names[PMT_ASSET_TYPES] = {
	[PMT_ASSET_SURFACE] = "surface",
	[PMT_ASSET_TEXT] = "text",
	[PMT_ASSET_TEXTURE] = "texture",
	[PMT_ASSET_AUDIO] = "audio",
	[PMT_ASSET_MUSIC] = "music",
	[PMT_ASSET_FONT] = "font",
	[PMT_ASSET_GPU_BUFFER] = "gpu_buffer",
};

/* A hash entry: key 0 marks an empty one (object 0 and PMT_NO_ID are never keys). */
struct idmap_ent {
	uint64_t key;
	uint32_t val;
};

/* Open addressing, linear probing; capacity a power of two, at most half full. */
struct idmap {
	struct idmap_ent *ents;
	size_t cap;
	size_t count;
	unsigned int shift; /* 64 - log2(cap): Fibonacci hashing keeps the high bits */
};

#define NO_REC UINT32_MAX

/* The use sites of one asset: the first PMT_USE_SITES_KEPT, exactly. */
struct use_rec {
	uint32_t site[PMT_USE_SITES_KEPT];
	uint64_t uses[PMT_USE_SITES_KEPT];
	uint64_t other; /* uses from further sites or without one */
	uint32_t n;     /* sites kept; in a free record, the next free one */
};

/* Live copies of one file. */
struct path_agg {
	uint32_t path_id;
	uint32_t type;     /* of the copy that was live first */
	uint64_t copies;
	uint64_t bytes;
	uint32_t dup_pos;  /* index in dups[] while copies >= 2 */
};

struct pmt_asset_store {
	struct pmt_asset_config cfg;

	/* Live assets, dense; bytes[] and ts[] mirror assets[i].l for scans. */
	struct pmt_asset *assets;
	uint64_t *bytes;
	uint64_t *ts;
	uint32_t *use_of; /* index in urecs[], or NO_REC */
	size_t live;
	size_t slot_cap;
	struct idmap objs;

	/* Load sites, never removed; leak_cand[] lists rising ones (per interval). */
	struct pmt_site_stats *sites;
	uint32_t *leak_cand;
	size_t nsites, site_cap, ncand;
	struct idmap site_ids;

	/* Paths, never removed; dups[] lists those with two copies or more. */
	struct path_agg *paths;
	uint32_t *dups;
	size_t npaths, path_cap, ndups;
	struct idmap path_ids;

	/* Use records (free ones chained from ufree) and use sites, never removed. */
	struct use_rec *urecs;
	size_t nurecs, urec_cap;
	uint32_t ufree;
	struct pmt_use_site_stats *usites;
	size_t nusites, usite_cap;
	struct idmap usite_ids;

	struct pmt_type_stats types[PMT_ASSET_TYPES];
	uint64_t dropped;
	uint64_t unknown_frees;
};

/* -------------------------------------------------------------------------
 * Memory
 */

static void *default_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static void *st_realloc(const struct pmt_asset_config *cfg, void *ptr, size_t n, size_t elem)
{
	if (n > SIZE_MAX / elem)
		return NULL;
	return cfg->realloc_fn(cfg->alloc_ctx, ptr, n * elem);
}

static void st_free(const struct pmt_asset_config *cfg, void *ptr)
{
	if (ptr)
		cfg->realloc_fn(cfg->alloc_ctx, ptr, 0);
}

/* Resize *@p to @n elements of @elem bytes; *@p is untouched on failure. */
static int grow(const struct pmt_asset_config *cfg, void *p, size_t n, size_t elem)
{
	void **pp = p;
	void *q = st_realloc(cfg, *pp, n, elem);

	if (!q)
		return -ENOMEM;
	*pp = q;
	return 0;
}

/* Next capacity for an array of @cap holding @need, at most @limit (> 0). */
static size_t next_cap(size_t cap, size_t need, size_t limit)
{
	size_t n = cap ? cap : PMT_ASSET_MIN_CAP;

	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	return n < limit ? n : limit;
}

/* -------------------------------------------------------------------------
 * Hash: key -> uint32 value
 */

static size_t idmap_home(const struct idmap *m, uint64_t key)
{
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
}

static struct idmap_ent *idmap_lookup(const struct idmap *m, uint64_t key)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return NULL;
	for (i = idmap_home(m, key);; i = (i + 1) & mask) {
		struct idmap_ent *e = &m->ents[i];

		if (e->key == key)
			return e;
		if (!e->key)
			return NULL;
	}
}

/* Insert @key (not present, room reserved). */
static void idmap_put(struct idmap *m, uint64_t key, uint32_t val)
{
	size_t mask = m->cap - 1, i = idmap_home(m, key);

	while (m->ents[i].key)
		i = (i + 1) & mask;
	m->ents[i].key = key;
	m->ents[i].val = val;
	m->count++;
}

/* Make room for @need keys (load at most 1/2); the map is untouched on failure. */
static int idmap_reserve(const struct pmt_asset_config *cfg, struct idmap *m, size_t need)
{
	struct idmap old = *m, nm;
	size_t cap = old.cap ? old.cap : PMT_ASSET_MIN_CAP, i;
	unsigned int bits = 0;

	if (need <= old.cap / 2)
		return 0;
	while (need > cap / 2) {
		if (cap > SIZE_MAX / 2 / sizeof(struct idmap_ent))
			return -ENOMEM;
		cap *= 2;
	}
	while ((size_t)1 << bits < cap)
		bits++;
	nm.ents = st_realloc(cfg, NULL, cap, sizeof(*nm.ents));
	if (!nm.ents)
		return -ENOMEM;
	memset(nm.ents, 0, cap * sizeof(*nm.ents));
	nm.cap = cap;
	nm.count = 0;
	nm.shift = 64 - bits;
	for (i = 0; i < old.cap; i++)
		if (old.ents[i].key)
			idmap_put(&nm, old.ents[i].key, old.ents[i].val);
	st_free(cfg, old.ents);
	*m = nm;
	return 0;
}

/* Remove entry @e: shift back the entries of its cluster that may not skip the hole. */
static void idmap_remove(struct idmap *m, struct idmap_ent *e)
{
	size_t mask = m->cap - 1;
	size_t hole = (size_t)(e - m->ents), i = hole;

	for (;;) {
		size_t home;

		i = (i + 1) & mask;
		if (!m->ents[i].key)
			break;
		home = idmap_home(m, m->ents[i].key);
		/* Entry i may move into the hole unless its home is cyclically in (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->ents[hole] = m->ents[i];
			hole = i;
		}
	}
	m->ents[hole].key = 0;
	m->count--;
}

/* -------------------------------------------------------------------------
 * Aggregates
 */

static struct pmt_site_stats *site_of(const struct pmt_asset_store *st, uint32_t id)
{
	struct idmap_ent *e = id == PMT_NO_ID ? NULL : idmap_lookup(&st->site_ids, id);

	return e ? &st->sites[e->val] : NULL;
}

static struct path_agg *path_of(const struct pmt_asset_store *st, uint32_t id)
{
	struct idmap_ent *e = id == PMT_NO_ID ? NULL : idmap_lookup(&st->path_ids, id);

	return e ? &st->paths[e->val] : NULL;
}

/* Room for site @id, so that site_get() after it cannot fail. */
static int site_reserve(struct pmt_asset_store *st, uint32_t id)
{
	size_t cap;
	int err;

	if (id == PMT_NO_ID || site_of(st, id))
		return 0;
	if (st->nsites == st->site_cap) {
		cap = next_cap(st->site_cap, st->nsites + 1, UINT32_MAX);
		if (cap <= st->nsites)
			return -ENOMEM;
		err = grow(&st->cfg, &st->sites, cap, sizeof(*st->sites));
		if (!err)
			err = grow(&st->cfg, &st->leak_cand, cap, sizeof(*st->leak_cand));
		if (err)
			return err;
		st->site_cap = cap;
	}
	return idmap_reserve(&st->cfg, &st->site_ids, st->nsites + 1);
}

/* Site @id, created if new (reserved); NULL for PMT_NO_ID. */
static struct pmt_site_stats *site_get(struct pmt_asset_store *st, uint32_t id)
{
	struct pmt_site_stats *s = site_of(st, id);

	if (s || id == PMT_NO_ID)
		return s;
	s = &st->sites[st->nsites];
	memset(s, 0, sizeof(*s));
	s->site_id = id;
	idmap_put(&st->site_ids, id, (uint32_t)st->nsites++);
	return s;
}

static int path_reserve(struct pmt_asset_store *st, uint32_t id)
{
	size_t cap;
	int err;

	if (id == PMT_NO_ID || path_of(st, id))
		return 0;
	if (st->npaths == st->path_cap) {
		cap = next_cap(st->path_cap, st->npaths + 1, UINT32_MAX);
		if (cap <= st->npaths)
			return -ENOMEM;
		err = grow(&st->cfg, &st->paths, cap, sizeof(*st->paths));
		if (!err)
			err = grow(&st->cfg, &st->dups, cap, sizeof(*st->dups));
		if (err)
			return err;
		st->path_cap = cap;
	}
	return idmap_reserve(&st->cfg, &st->path_ids, st->npaths + 1);
}

static struct path_agg *path_get(struct pmt_asset_store *st, uint32_t id)
{
	struct path_agg *p = path_of(st, id);

	if (p || id == PMT_NO_ID)
		return p;
	p = &st->paths[st->npaths];
	memset(p, 0, sizeof(*p));
	p->path_id = id;
	idmap_put(&st->path_ids, id, (uint32_t)st->npaths++);
	return p;
}

static void type_attach(struct pmt_type_stats *t, uint64_t bytes)
{
	t->live++;
	t->live_bytes += bytes;
	if (t->live_bytes > t->peak_bytes)
		t->peak_bytes = t->live_bytes;
}

static void type_detach(struct pmt_type_stats *t, uint64_t bytes)
{
	t->live--;
	t->live_bytes -= bytes;
}

static void site_attach(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	struct pmt_site_stats *s = site_get(st, l->site_id);

	if (!s)
		return;
	s->type = l->type;
	s->live++;
	s->live_bytes += l->bytes;
}

static void site_detach(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	struct pmt_site_stats *s = site_of(st, l->site_id);

	if (!s)
		return;
	s->live--;
	s->live_bytes -= l->bytes;
}

static void path_attach(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	struct path_agg *p = path_get(st, l->path_id);

	if (!p)
		return;
	if (p->copies == 0)
		p->type = l->type;
	p->copies++;
	p->bytes += l->bytes;
	if (p->copies == 2) {
		p->dup_pos = (uint32_t)st->ndups;
		st->dups[st->ndups++] = (uint32_t)(p - st->paths);
	}
}

static void path_detach(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	struct path_agg *p = path_of(st, l->path_id);

	if (!p)
		return;
	if (p->copies == 2) {
		uint32_t last = st->dups[--st->ndups];

		st->dups[p->dup_pos] = last;
		st->paths[last].dup_pos = p->dup_pos;
	}
	p->copies--;
	p->bytes -= l->bytes;
}

static struct pmt_use_site_stats *usite_of(const struct pmt_asset_store *st, uint32_t id)
{
	struct idmap_ent *e = id == PMT_NO_ID ? NULL : idmap_lookup(&st->usite_ids, id);

	return e ? &st->usites[e->val] : NULL;
}

/* Room for use site @id, so that usite_get() after it cannot fail. */
static int usite_reserve(struct pmt_asset_store *st, uint32_t id)
{
	size_t cap;
	int err;

	if (id == PMT_NO_ID || usite_of(st, id))
		return 0;
	if (st->nusites == st->usite_cap) {
		cap = next_cap(st->usite_cap, st->nusites + 1, UINT32_MAX);
		if (cap <= st->nusites)
			return -ENOMEM;
		err = grow(&st->cfg, &st->usites, cap, sizeof(*st->usites));
		if (err)
			return err;
		st->usite_cap = cap;
	}
	return idmap_reserve(&st->cfg, &st->usite_ids, st->nusites + 1);
}

/* Use site @id, created if new (reserved); NULL for PMT_NO_ID. */
static struct pmt_use_site_stats *usite_get(struct pmt_asset_store *st, uint32_t id)
{
	struct pmt_use_site_stats *s = usite_of(st, id);

	if (s || id == PMT_NO_ID)
		return s;
	s = &st->usites[st->nusites];
	memset(s, 0, sizeof(*s));
	s->site_id = id;
	idmap_put(&st->usite_ids, id, (uint32_t)st->nusites++);
	return s;
}

/* Room for one more use record, so that urec_get() after it cannot fail. */
static int urec_reserve(struct pmt_asset_store *st)
{
	size_t cap;
	int err;

	if (st->ufree != NO_REC || st->nurecs < st->urec_cap)
		return 0;
	cap = next_cap(st->urec_cap, st->nurecs + 1, NO_REC);
	if (cap <= st->nurecs)
		return -ENOMEM;
	err = grow(&st->cfg, &st->urecs, cap, sizeof(*st->urecs));
	if (err)
		return err;
	st->urec_cap = cap;
	return 0;
}

/* An empty use record (reserved): a free one, else a new one. */
static uint32_t urec_get(struct pmt_asset_store *st)
{
	uint32_t i = st->ufree;

	if (i != NO_REC)
		st->ufree = st->urecs[i].n;
	else
		i = (uint32_t)st->nurecs++;
	memset(&st->urecs[i], 0, sizeof(st->urecs[i]));
	return i;
}

/* The asset in @slot is going: its sites lose it, its record is freed. */
static void use_release(struct pmt_asset_store *st, size_t slot)
{
	uint32_t r = st->use_of[slot], i;
	struct use_rec *u;

	if (r == NO_REC)
		return;
	u = &st->urecs[r];
	for (i = 0; i < u->n; i++) {
		struct pmt_use_site_stats *us = usite_of(st, u->site[i]);

		us->live_assets--;
		us->live_bytes -= st->bytes[slot];
	}
	u->n = st->ufree;
	st->ufree = r;
	st->use_of[slot] = NO_REC;
}

/* The asset in @slot changed size: so do the live bytes of its sites. */
static void use_rebytes(struct pmt_asset_store *st, size_t slot, uint64_t from, uint64_t to)
{
	uint32_t r = st->use_of[slot], i;
	struct use_rec *u;

	if (r == NO_REC)
		return;
	u = &st->urecs[r];
	for (i = 0; i < u->n; i++) {
		struct pmt_use_site_stats *us = usite_of(st, u->site[i]);

		us->live_bytes = us->live_bytes - from + to;
	}
}

/* -------------------------------------------------------------------------
 * Store
 */

/* pmt_asset_type_name - the short lower-case name of @t, "unknown" when out of range. */
const char *pmt_asset_type_name(enum pmt_asset_type t)
{
	if ((unsigned int)t >= PMT_ASSET_TYPES)
		return "unknown";
	return type_names[t];
}

/* pmt_asset_config_default - fill @cfg with the defaults: 200000 assets, 3 intervals, 5 live. */
void pmt_asset_config_default(struct pmt_asset_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_assets = PMT_ASSET_DEFAULT_MAX;
	cfg->leak_intervals = 3;
	cfg->leak_min_live = 5;
}

/*
 * pmt_asset_store_new - an empty store configured by @cfg (copied).
 * NULL with errno EINVAL for a bad config, ENOMEM when out of memory.
 */
struct pmt_asset_store *pmt_asset_store_new(const struct pmt_asset_config *cfg)
{
	struct pmt_asset_config c = *cfg;
	struct pmt_asset_store *st;

	if (!c.max_assets || c.max_assets > UINT32_MAX || !c.leak_intervals ||
	    c.leak_intervals > PMT_LEAK_WINDOW) {
		errno = EINVAL;
		return NULL;
	}
	if (!c.realloc_fn)
		c.realloc_fn = default_realloc;
	st = c.realloc_fn(c.alloc_ctx, NULL, sizeof(*st));
	if (!st) {
		errno = ENOMEM;
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	st->cfg = c;
	st->ufree = NO_REC;
	return st;
}

/* pmt_asset_store_free - release @st and everything it holds; NULL is a no-op. */
void pmt_asset_store_free(struct pmt_asset_store *st)
{
	struct pmt_asset_config cfg;

	if (!st)
		return;
	cfg = st->cfg;
	st_free(&cfg, st->assets);
	st_free(&cfg, st->bytes);
	st_free(&cfg, st->ts);
	st_free(&cfg, st->use_of);
	st_free(&cfg, st->objs.ents);
	st_free(&cfg, st->urecs);
	st_free(&cfg, st->usites);
	st_free(&cfg, st->usite_ids.ents);
	st_free(&cfg, st->sites);
	st_free(&cfg, st->leak_cand);
	st_free(&cfg, st->site_ids.ents);
	st_free(&cfg, st->paths);
	st_free(&cfg, st->dups);
	st_free(&cfg, st->path_ids.ents);
	st_free(&cfg, st);
}

/* Room for one more live asset in the slots and the object hash. */
static int slot_reserve(struct pmt_asset_store *st)
{
	size_t cap;
	int err;

	if (st->live == st->slot_cap) {
		cap = next_cap(st->slot_cap, st->live + 1, st->cfg.max_assets);
		err = grow(&st->cfg, &st->assets, cap, sizeof(*st->assets));
		if (!err)
			err = grow(&st->cfg, &st->bytes, cap, sizeof(*st->bytes));
		if (!err)
			err = grow(&st->cfg, &st->ts, cap, sizeof(*st->ts));
		if (!err)
			err = grow(&st->cfg, &st->use_of, cap, sizeof(*st->use_of));
		if (err)
			return err;
		st->slot_cap = cap;
	}
	return idmap_reserve(&st->cfg, &st->objs, st->live + 1);
}

/*
 * An asset already live was created again (an outer loader returning what
 * an inner call made): take what the new record knows, move the asset
 * between aggregates, and move its load when its type or site changed.
 */
static int asset_update(struct pmt_asset_store *st, uint32_t slot, const struct pmt_asset_load *l)
{
	struct pmt_asset *a = &st->assets[slot];
	struct pmt_asset_load old = a->l, nl = a->l;
	struct pmt_type_stats *ot, *nt;
	int err;

	nl.type = l->type;
	if (l->path_id != PMT_NO_ID)
		nl.path_id = l->path_id;
	if (l->site_id != PMT_NO_ID)
		nl.site_id = l->site_id;
	if (l->loader_id != PMT_NO_ID)
		nl.loader_id = l->loader_id;
	if (l->bytes)
		nl.bytes = l->bytes;
	if (l->width)
		nl.width = l->width;
	if (l->height)
		nl.height = l->height;

	err = site_reserve(st, nl.site_id);
	if (!err)
		err = path_reserve(st, nl.path_id);
	if (err)
		return err;

	ot = &st->types[old.type];
	nt = &st->types[nl.type];
	type_detach(ot, old.bytes);
	type_attach(nt, nl.bytes);
	if (ot != nt) {
		ot->loads--;
		nt->loads++;
		if (old.frame == l->frame && ot->frame_loads) {
			ot->frame_loads--;
			nt->frame_loads++;
		}
	}
	site_detach(st, &old);
	site_attach(st, &nl);
	if (old.site_id != nl.site_id) {
		struct pmt_site_stats *os = site_of(st, old.site_id);
		struct pmt_site_stats *ns = site_of(st, nl.site_id);

		if (os)
			os->loads--;
		if (ns)
			ns->loads++;
	}
	path_detach(st, &old);
	path_attach(st, &nl);
	if (nl.bytes != old.bytes)
		use_rebytes(st, slot, old.bytes, nl.bytes);

	a->l = nl;
	st->bytes[slot] = nl.bytes;
	return 0;
}

/* pmt_asset_loaded - record a creation or update an asset already live; see assets.h. */
int pmt_asset_loaded(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	struct pmt_type_stats *t;
	struct pmt_site_stats *s;
	struct idmap_ent *e;
	size_t slot;
	int err;

	if (!l->obj || l->type >= PMT_ASSET_TYPES)
		return -EINVAL;
	e = idmap_lookup(&st->objs, l->obj);
	if (e)
		return asset_update(st, e->val, l);
	if (st->live >= st->cfg.max_assets) {
		st->dropped++;
		return -ENOSPC;
	}
	err = slot_reserve(st);
	if (!err)
		err = site_reserve(st, l->site_id);
	if (!err)
		err = path_reserve(st, l->path_id);
	if (err)
		return err;

	slot = st->live++;
	memset(&st->assets[slot], 0, sizeof(st->assets[slot]));
	st->assets[slot].l = *l;
	st->bytes[slot] = l->bytes;
	st->ts[slot] = l->ts_ns;
	st->use_of[slot] = NO_REC;
	idmap_put(&st->objs, l->obj, (uint32_t)slot);

	t = &st->types[l->type];
	type_attach(t, l->bytes);
	site_attach(st, l);
	path_attach(st, l);
	if (l->flags & PMT_ASSET_F_BEFORE_ATTACH)
		return 0; /* alive, but not loaded since attach */
	t->loads++;
	t->frame_loads++;
	s = site_of(st, l->site_id);
	if (s)
		s->loads++;
	return 0;
}

/* pmt_asset_freed - record the free of @obj during @frame; see assets.h. */
int pmt_asset_freed(struct pmt_asset_store *st, uint64_t obj, uint64_t frame, uint64_t ts_ns)
{
	struct idmap_ent *e = obj ? idmap_lookup(&st->objs, obj) : NULL;
	struct pmt_asset_load l;
	struct pmt_type_stats *t;
	struct pmt_site_stats *s;
	size_t slot, last;

	(void)ts_ns;
	if (!e) {
		st->unknown_frees++;
		return -ENOENT;
	}
	slot = e->val;
	l = st->assets[slot].l;
	idmap_remove(&st->objs, e);

	t = &st->types[l.type];
	type_detach(t, l.bytes);
	t->frees++;
	t->frame_frees++;
	if (!(l.flags & PMT_ASSET_F_BEFORE_ATTACH) && frame >= l.frame &&
	    frame - l.frame <= PMT_CHURN_FRAMES) {
		t->frame_churn++;
		t->frame_churn_bytes += l.bytes;
	}
	site_detach(st, &l);
	s = site_of(st, l.site_id);
	if (s)
		s->frees++;
	path_detach(st, &l);
	use_release(st, slot);

	last = --st->live;
	if (slot != last) {
		st->assets[slot] = st->assets[last];
		st->bytes[slot] = st->bytes[last];
		st->ts[slot] = st->ts[last];
		st->use_of[slot] = st->use_of[last];
		idmap_lookup(&st->objs, st->assets[slot].l.obj)->val = (uint32_t)slot;
	}
	return 0;
}

/*
 * pmt_asset_used - count a use of @obj during @frame from @site_id; see
 * assets.h. Room for a new use record and a new use site is made first.
 */
int pmt_asset_used(struct pmt_asset_store *st, uint64_t obj, uint64_t frame, uint32_t site_id)
{
	struct idmap_ent *e;
	struct pmt_use_site_stats *us;
	struct pmt_asset *a;
	struct use_rec *u;
	uint32_t slot, i;
	int err;

	if (!obj)
		return -EINVAL;
	e = idmap_lookup(&st->objs, obj);
	if (!e)
		return -ENOENT;
	slot = e->val;
	err = st->use_of[slot] == NO_REC ? urec_reserve(st) : 0;
	if (!err)
		err = usite_reserve(st, site_id);
	if (err)
		return err;

	a = &st->assets[slot];
	a->uses++;
	a->last_use_frame = frame;
	if (st->use_of[slot] == NO_REC)
		st->use_of[slot] = urec_get(st);
	u = &st->urecs[st->use_of[slot]];
	us = usite_get(st, site_id);
	if (!us) {
		u->other++;
		return 0;
	}
	us->uses++;
	us->type_uses[a->l.type]++;
	for (i = 0; i < u->n; i++) {
		if (u->site[i] == site_id) {
			u->uses[i]++;
			return 0;
		}
	}
	if (u->n == PMT_USE_SITES_KEPT) {
		u->other++;
		return 0;
	}
	u->site[u->n] = site_id;
	u->uses[u->n++] = 1;
	us->live_assets++;
	us->live_bytes += a->l.bytes;
	return 0;
}

/* pmt_asset_live_list - copy up to @n live assets, in no particular order. */
size_t pmt_asset_live_list(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n)
{
	size_t k = st->live < n ? st->live : n;

	memcpy(out, st->assets, k * sizeof(*out));
	return k;
}

/* pmt_asset_get - the live asset at @obj, or NULL. */
const struct pmt_asset *pmt_asset_get(const struct pmt_asset_store *st, uint64_t obj)
{
	struct idmap_ent *e = obj ? idmap_lookup(&st->objs, obj) : NULL;

	return e ? &st->assets[e->val] : NULL;
}

/* pmt_asset_frame_end - fold each type's frame churn into its totals, reset the frame counters. */
void pmt_asset_frame_end(struct pmt_asset_store *st, uint64_t frame)
{
	size_t i;

	(void)frame;
	for (i = 0; i < PMT_ASSET_TYPES; i++) {
		struct pmt_type_stats *t = &st->types[i];

		if (t->frame_churn)
			t->churn_frames++;
		t->churn_total += t->frame_churn;
		t->churn_total_bytes += t->frame_churn_bytes;
		t->frame_loads = 0;
		t->frame_frees = 0;
		t->frame_churn = 0;
		t->frame_churn_bytes = 0;
	}
}

/* True when the last @k values of @s's history rise strictly. */
static bool site_rising(const struct pmt_site_stats *s, uint32_t k)
{
	uint32_t i;

	if (s->history_len < k)
		return false;
	for (i = s->history_len - k + 1; i < s->history_len; i++)
		if (s->live_history[i - 1] >= s->live_history[i])
			return false;
	return true;
}

/*
 * pmt_asset_interval_end - push each site's live count into its history
 * (dropping the oldest when full) and list the sites now rising.
 */
void pmt_asset_interval_end(struct pmt_asset_store *st)
{
	size_t i;

	st->ncand = 0;
	for (i = 0; i < st->nsites; i++) {
		struct pmt_site_stats *s = &st->sites[i];

		if (s->history_len == PMT_LEAK_WINDOW) {
			memmove(&s->live_history[0], &s->live_history[1],
				(PMT_LEAK_WINDOW - 1) * sizeof(s->live_history[0]));
			s->history_len--;
		}
		s->live_history[s->history_len++] = s->live;
		if (site_rising(s, st->cfg.leak_intervals))
			st->leak_cand[st->ncand++] = (uint32_t)i;
	}
}

/* pmt_asset_type_stats - the counters of type @t, NULL when @t is out of range. */
const struct pmt_type_stats *pmt_asset_type_stats(const struct pmt_asset_store *st,
						  enum pmt_asset_type t)
{
	if ((unsigned int)t >= PMT_ASSET_TYPES)
		return NULL;
	return &st->types[t];
}

/* pmt_asset_live_count - assets live now. */
uint64_t pmt_asset_live_count(const struct pmt_asset_store *st)
{
	return st->live;
}

/* pmt_asset_dropped - creations refused because max_assets were live. */
uint64_t pmt_asset_dropped(const struct pmt_asset_store *st)
{
	return st->dropped;
}

/* pmt_asset_unknown_frees - frees of objects the store did not hold. */
uint64_t pmt_asset_unknown_frees(const struct pmt_asset_store *st)
{
	return st->unknown_frees;
}

/* pmt_asset_site_stats - site @site_id's stats, NULL if unknown; valid until the next event. */
const struct pmt_site_stats *pmt_asset_site_stats(const struct pmt_asset_store *st,
						  uint32_t site_id)
{
	return site_of(st, site_id);
}

/* -------------------------------------------------------------------------
 * Rankings: a bounded heap in the caller's array
 */

union topn_elem {
	struct pmt_asset a;
	struct pmt_site_stats s;
	struct pmt_duplicate d;
	struct pmt_use_site u;
	struct pmt_use_site_stats us;
};

/* @before(x, y): x ranks ahead of y; a strict total order. Root = worst kept. */
struct topn {
	unsigned char *base;
	size_t size, len, cap;
	bool (*before)(const void *x, const void *y);
};

static void *topn_at(const struct topn *h, size_t i)
{
	return h->base + i * h->size;
}

static void topn_swap(struct topn *h, size_t i, size_t j)
{
	unsigned char tmp[sizeof(union topn_elem)];

	memcpy(tmp, topn_at(h, i), h->size);
	memcpy(topn_at(h, i), topn_at(h, j), h->size);
	memcpy(topn_at(h, j), tmp, h->size);
}

/* Restore the heap below @i within the first @len elements. */
static void topn_down(struct topn *h, size_t i, size_t len)
{
	for (;;) {
		size_t worst = i, c = 2 * i + 1;

		if (c < len && h->before(topn_at(h, worst), topn_at(h, c)))
			worst = c;
		if (c + 1 < len && h->before(topn_at(h, worst), topn_at(h, c + 1)))
			worst = c + 1;
		if (worst == i)
			return;
		topn_swap(h, i, worst);
		i = worst;
	}
}

/* Keep @x if there is room or it ranks ahead of the worst kept. */
static void topn_offer(struct topn *h, const void *x)
{
	size_t i;

	if (!h->cap)
		return;
	if (h->len < h->cap) {
		i = h->len++;
		memcpy(topn_at(h, i), x, h->size);
		while (i > 0 && h->before(topn_at(h, (i - 1) / 2), topn_at(h, i))) {
			topn_swap(h, i, (i - 1) / 2);
			i = (i - 1) / 2;
		}
		return;
	}
	if (!h->before(x, topn_at(h, 0)))
		return;
	memcpy(topn_at(h, 0), x, h->size);
	topn_down(h, 0, h->len);
}

/* Sort the kept elements best first; returns their count. */
static size_t topn_finish(struct topn *h)
{
	size_t end;

	for (end = h->len; end > 1; end--) {
		topn_swap(h, 0, end - 1);
		topn_down(h, 0, end - 1);
	}
	return h->len;
}

static bool top_before(const void *x, const void *y)
{
	const struct pmt_asset *a = x, *b = y;

	if (a->l.bytes != b->l.bytes)
		return a->l.bytes > b->l.bytes;
	if (a->l.ts_ns != b->l.ts_ns)
		return a->l.ts_ns < b->l.ts_ns;
	return a->l.obj < b->l.obj;
}

/* pmt_asset_top - the @n largest live assets into @out, largest first; see assets.h. */
size_t pmt_asset_top(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, n, top_before };
	const uint64_t *bytes = st->bytes;
	size_t i;

	if (!out || !n)
		return 0;
	for (i = 0; i < st->live; i++) {
		/* Most assets lose to the smallest kept on bytes alone. */
		if (h.len == n && bytes[i] < out[0].l.bytes)
			continue;
		topn_offer(&h, &st->assets[i]);
	}
	return topn_finish(&h);
}

static bool leak_before(const void *x, const void *y)
{
	const struct pmt_site_stats *a = x, *b = y;

	if (a->live_bytes != b->live_bytes)
		return a->live_bytes > b->live_bytes;
	return a->site_id < b->site_id;
}

/* pmt_asset_leaks - the leaking sites into @out, largest live_bytes first; see assets.h. */
size_t pmt_asset_leaks(const struct pmt_asset_store *st, struct pmt_site_stats *out, size_t n)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, n, leak_before };
	size_t i;

	if (!out || !n)
		return 0;
	for (i = 0; i < st->ncand; i++) {
		const struct pmt_site_stats *s = &st->sites[st->leak_cand[i]];

		if (s->live >= st->cfg.leak_min_live)
			topn_offer(&h, s);
	}
	return topn_finish(&h);
}

static bool dup_before(const void *x, const void *y)
{
	const struct pmt_duplicate *a = x, *b = y;

	if (a->wasted_bytes != b->wasted_bytes)
		return a->wasted_bytes > b->wasted_bytes;
	return a->path_id < b->path_id;
}

/* pmt_asset_duplicates - files held twice or more into @out, most waste first; see assets.h. */
size_t pmt_asset_duplicates(const struct pmt_asset_store *st, struct pmt_duplicate *out,
			    size_t n)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, n, dup_before };
	size_t i;

	if (!out || !n)
		return 0;
	for (i = 0; i < st->ndups; i++) {
		const struct path_agg *p = &st->paths[st->dups[i]];
		struct pmt_duplicate d = {
			.path_id = p->path_id,
			.type = p->type,
			.copies = p->copies,
			.bytes = p->bytes,
			.wasted_bytes = p->bytes - p->bytes / p->copies,
		};

		topn_offer(&h, &d);
	}
	return topn_finish(&h);
}

static bool orphan_before(const void *x, const void *y)
{
	const struct pmt_asset *a = x, *b = y;

	if (a->l.ts_ns != b->l.ts_ns)
		return a->l.ts_ns < b->l.ts_ns;
	return a->l.obj < b->l.obj;
}

/* pmt_asset_orphans - the @n oldest live assets never used into @out; see assets.h. */
size_t pmt_asset_orphans(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, n, orphan_before };
	const uint64_t *ts = st->ts;
	size_t i;

	if (!out || !n)
		return 0;
	for (i = 0; i < st->live; i++) {
		/* Once full, only assets older than the newest kept can enter. */
		if (h.len == n && ts[i] > out[0].l.ts_ns)
			continue;
		if (st->assets[i].uses)
			continue;
		topn_offer(&h, &st->assets[i]);
	}
	return topn_finish(&h);
}

static bool use_before(const void *x, const void *y)
{
	const struct pmt_use_site *a = x, *b = y;

	if (a->uses != b->uses)
		return a->uses > b->uses;
	return a->site_id < b->site_id;
}

/* pmt_asset_use_sites - @obj's use sites, most uses first; see assets.h. */
size_t pmt_asset_use_sites(const struct pmt_asset_store *st, uint64_t obj,
			   struct pmt_use_site *out, size_t n, uint64_t *other)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, out ? n : 0, use_before };
	struct idmap_ent *e = obj ? idmap_lookup(&st->objs, obj) : NULL;
	const struct use_rec *u;
	uint64_t listed = 0;
	size_t i, k;

	if (other)
		*other = 0;
	if (!e || st->use_of[e->val] == NO_REC)
		return 0;
	u = &st->urecs[st->use_of[e->val]];
	for (i = 0; i < u->n; i++) {
		struct pmt_use_site x = { .site_id = u->site[i], .uses = u->uses[i] };

		topn_offer(&h, &x);
	}
	k = topn_finish(&h);
	for (i = 0; i < k; i++)
		listed += out[i].uses;
	if (other)
		*other = st->assets[e->val].uses - listed;
	return k;
}

static bool usite_before(const void *x, const void *y)
{
	const struct pmt_use_site_stats *a = x, *b = y;

	if (a->uses != b->uses)
		return a->uses > b->uses;
	return a->site_id < b->site_id;
}

/* pmt_asset_top_use_sites - the @n use sites with the most uses; see assets.h. */
size_t pmt_asset_top_use_sites(const struct pmt_asset_store *st, struct pmt_use_site_stats *out,
			       size_t n)
{
	struct topn h = { (unsigned char *)out, sizeof(*out), 0, n, usite_before };
	size_t i;

	if (!out || !n)
		return 0;
	for (i = 0; i < st->nusites; i++)
		topn_offer(&h, &st->usites[i]);
	return topn_finish(&h);
}
