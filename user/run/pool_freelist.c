// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool_freelist.c - finding a game's own object pools from outside (see
 * pool_freelist.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "cpython/heapwalk.h"
#include "os/proc.h"
#include "run/pool_freelist.h"
#include "os/clock.h"

#define WALK_GAP_MIN_NS 5000000000ULL /* walks at least this far apart */
#define WALK_GAP_FACTOR 20            /* and 20 times their own duration */
#define WALK_RETRY_NS 300000000ULL    /* after a partial walk (the lists moved under it) */
#define WALK_RETRIES 5                /* partial walks in a row retried that soon */
#define CACHE_LIMIT (64u << 20)
#define STALE_READINGS 20             /* a list that never moved in this many: replaceable */
#define LIST_SIZE 16                  /* PyVarObject.ob_size */
#define LIST_ITEMS 24                 /* PyListObject.ob_item */

void pmt_pool_fl_init(struct pmt_pool_flfinder *ff, pid_t pid, const struct pmt_python *py)
{
	memset(ff, 0, sizeof(*ff));
	ff->pid = pid;
	ff->py = py;
}

void pmt_pool_fl_free(struct pmt_pool_flfinder *ff)
{
	if (ff->hw) {
		pmt_heapwalk_close(ff->hw);
		free(ff->hw);
	}
	ff->hw = NULL;
	ff->n = 0;
}

bool pmt_pool_fl_due(const struct pmt_pool_flfinder *ff, uint64_t now_ns)
{
	return ff->py && now_ns >= ff->next_walk_ns;
}

/* ---- the walk ------------------------------------------------------------------ */

struct cand {
	uint64_t addr, list_type, item_type, len;
};

struct walk_ctx {
	struct pmt_heapwalk *hw;
	struct cand *c;
	size_t n, cap;
	uint64_t objects, lists;
};

struct items_ctx {
	struct pmt_heapwalk *hw;
	uint64_t type;
	unsigned n, idle;
	bool mixed;
};

/* Each item of a list: instances of one heap class, or not a candidate. */
static int on_item(void *ctx, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	struct items_ctx *ic = ctx;
	const struct pmt_pytype *t;
	uint64_t refcnt = 0;

	(void)zero;
	if (l->kind != PMT_REF_INDEX)
		return 0; /* a list subclass's own class */
	t = pmt_heapwalk_type_of(ic->hw, ref, &refcnt);
	if (!t || !t->heap || t->kind == PMT_OBJ_TYPE || (ic->type && t->addr != ic->type)) {
		ic->mixed = true;
		return 1;
	}
	ic->type = t->addr;
	ic->idle += refcnt == 1;
	return ++ic->n >= PMT_POOL_FL_ITEMS;
}

static int on_object(void *ctx, uint64_t obj)
{
	struct walk_ctx *w = ctx;
	const struct pmt_pytype *t = pmt_heapwalk_type_of(w->hw, obj, NULL);
	struct items_ctx ic = { w->hw, 0, 0, 0, false };
	int64_t len;

	w->objects++;
	if (!t || t->kind != PMT_OBJ_LIST)
		return 0;
	w->lists++;
	if (pmt_heapwalk_len(w->hw, obj, t, &len) || len < 2 || len > (1 << 24))
		return 0;
	/* Referents skipped (outside the heap) are not items of a class: a
	 * list with fewer items seen than its length is mixed. */
	if (pmt_heapwalk_referents(w->hw, obj, t, on_item, &ic) < 0 || ic.mixed || !ic.type ||
	    (ic.n < PMT_POOL_FL_ITEMS && ic.n < (uint64_t)len))
		return 0;
	/* Idle: nine in ten held by this list alone (a pool's spares are; a list
	 * of things also kept elsewhere, visible enemies, is not a pool). */
	if ((uint64_t)ic.idle * 10 < (uint64_t)ic.n * 9)
		return 0;
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 1024;
		struct cand *n;

		if (nc > (1u << 20))
			return 0;
		n = realloc(w->c, nc * sizeof(*n));
		if (!n)
			return 0;
		w->c = n;
		w->cap = nc;
	}
	w->c[w->n++] = (struct cand){ obj, t->addr, ic.type, (uint64_t)len };
	return 0;
}

static int by_len_desc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t followed_of(const struct pmt_pool_flfinder *ff, uint64_t item_type)
{
	size_t i, n = 0;

	for (i = 0; i < ff->n; i++)
		n += ff->fl[i].item_type == item_type;
	return n;
}

static bool followed(const struct pmt_pool_flfinder *ff, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ff->n; i++)
		if (ff->fl[i].addr == addr)
			return true;
	return false;
}

/* A slot for a new list: a free one, or one that never moved. */
static long slot(struct pmt_pool_flfinder *ff)
{
	size_t i;

	if (ff->n < PMT_POOL_FREELISTS)
		return (long)ff->n++;
	for (i = 0; i < ff->n; i++)
		if (ff->fl[i].f.readings >= STALE_READINGS && !ff->fl[i].f.moved)
			return (long)i;
	return -1;
}

int pmt_pool_fl_walk(struct pmt_pool_flfinder *ff, uint64_t now_ns)
{
	struct walk_ctx w;
	uint64_t t0 = pmt_mono_ns(), gap;
	long r, s;
	size_t i;
	int err;

	ff->next_walk_ns = now_ns + WALK_GAP_MIN_NS;
	if (!ff->hw) {
		ff->hw = calloc(1, sizeof(*ff->hw));
		if (!ff->hw)
			return ff->err = -ENOMEM;
		err = pmt_heapwalk_open(ff->hw, ff->pid, ff->py, CACHE_LIMIT);
		if (err) {
			free(ff->hw);
			ff->hw = NULL;
			if (err != -EAGAIN)
				ff->next_walk_ns = UINT64_MAX; /* not this version */
			ff->walks_failed++;
			return ff->err = err;
		}
	}
	err = pmt_heapwalk_begin(ff->hw);
	if (err) {
		ff->walks_failed++;
		return ff->err = err;
	}
	memset(&w, 0, sizeof(w));
	w.hw = ff->hw;
	r = pmt_heapwalk_gc_objects(ff->hw, on_object, &w, PMT_POOL_FL_OBJECTS);
	if (r < 0) {
		free(w.c);
		ff->walks_failed++;
		return ff->err = (int)r;
	}
	ff->err = 0;
	ff->walks++;
	ff->walks_partial += ff->hw->partial;
	ff->partial_run = ff->hw->partial ? ff->partial_run + 1 : 0;
	ff->objects_last = w.objects;
	ff->lists_last = w.lists;
	ff->candidates_last = w.n;
	qsort(w.c, w.n, sizeof(*w.c), by_len_desc);
	for (i = 0; i < w.n; i++) {
		if (followed(ff, w.c[i].addr) ||
		    followed_of(ff, w.c[i].item_type) >= PMT_POOL_FREELISTS_PER_CLASS)
			continue;
		s = slot(ff);
		if (s < 0)
			break;
		memset(&ff->fl[s], 0, sizeof(ff->fl[s]));
		ff->fl[s].addr = w.c[i].addr;
		ff->fl[s].list_type = w.c[i].list_type;
		ff->fl[s].item_type = w.c[i].item_type;
	}
	free(w.c);
	/* The heap walker's copies are not needed until the next walk. */
	pmt_heapwalk_close(ff->hw);
	err = pmt_heapwalk_open(ff->hw, ff->pid, ff->py, CACHE_LIMIT);
	if (err) {
		free(ff->hw);
		ff->hw = NULL;
	}
	ff->walk_ms_last = (double)(pmt_mono_ns() - t0) / 1e6;
	ff->walk_ms_total += ff->walk_ms_last;
	gap = (uint64_t)(ff->walk_ms_last * 1e6) * WALK_GAP_FACTOR;
	if (gap < WALK_GAP_MIN_NS)
		gap = WALK_GAP_MIN_NS;
	/* A partial walk (a collection moved the lists under it) may have missed
	 * a pool: try again soon, a few times, at the same share of the time. */
	if (ff->partial_run && ff->partial_run <= WALK_RETRIES) {
		gap = (uint64_t)(ff->walk_ms_last * 1e6) * WALK_GAP_FACTOR;
		if (gap < WALK_RETRY_NS)
			gap = WALK_RETRY_NS;
	}
	ff->next_walk_ns = now_ns + gap;
	return (int)ff->n;
}

/* ---- readings ------------------------------------------------------------------- */

/* Read @n blocks of @each bytes at @addr into @out: one system call, then one a block
 * from the first that failed. */
static void read_batch(pid_t pid, const uint64_t *addr, size_t each, uint8_t *out, bool *ok,
		       size_t n)
{
	struct iovec loc[PMT_POOL_FREELISTS] = { { 0 } }, rem[PMT_POOL_FREELISTS] = { { 0 } };
	ssize_t r;
	size_t i, done;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		loc[i].iov_base = out + i * each;
		loc[i].iov_len = each;
		rem[i].iov_base = (void *)(uintptr_t)addr[i];
		rem[i].iov_len = each;
	}
	r = process_vm_readv(pid, loc, n, rem, n, 0);
	done = r > 0 ? (size_t)r / each : 0;
	for (i = 0; i < n; i++)
		ok[i] = i < done || !pmt_mem_read(pid, addr[i], out + i * each, each);
}

void pmt_pool_fl_read(struct pmt_pool_flfinder *ff, uint64_t frame, pmt_pool_fl_done_fn done,
		      void *ctx)
{
	uint64_t hdr[PMT_POOL_FREELISTS][4], addr[PMT_POOL_FREELISTS], item[PMT_POOL_FREELISTS];
	uint64_t ihdr[PMT_POOL_FREELISTS][2];
	bool ok[PMT_POOL_FREELISTS], bad[PMT_POOL_FREELISTS], odd[PMT_POOL_FREELISTS];
	size_t idx[PMT_POOL_FREELISTS], pos[PMT_POOL_FREELISTS], i, k, o;

	if (!ff->n || (ff->read_any && frame == ff->last_frame))
		return;
	ff->read_any = true;
	ff->last_frame = frame;
	for (i = 0; i < ff->n; i++)
		addr[i] = ff->fl[i].addr;
	read_batch(ff->pid, addr, sizeof(hdr[0]), (uint8_t *)hdr, ok, ff->n);
	/* [refcnt, type, size, items]: still a list of the same type? */
	for (i = 0, k = 0; i < ff->n; i++) {
		odd[i] = false;
		bad[i] = !ok[i] || !hdr[i][0] || hdr[i][0] >= (1ULL << 40) ||
			 hdr[i][1] != ff->fl[i].list_type || hdr[i][2] > (1ULL << 28) ||
			 (hdr[i][2] && !hdr[i][3]);
		if (!bad[i] && hdr[i][2]) {
			pos[i] = k;
			idx[k] = i;
			addr[k++] = hdr[i][3];
		}
	}
	/* Its first item still of the class? */
	read_batch(ff->pid, addr, 8, (uint8_t *)item, ok, k);
	for (i = 0; i < k; i++) {
		addr[i] = ok[i] ? item[i] : 0;
		if (!ok[i])
			odd[idx[i]] = true;
	}
	/* ... and idle (only the list holds it)? */
	read_batch(ff->pid, addr, sizeof(ihdr[0]), (uint8_t *)ihdr, ok, k);
	for (i = 0; i < k; i++)
		if (!ok[i] || ihdr[i][0] != 1 || ihdr[i][1] != ff->fl[idx[i]].item_type)
			odd[idx[i]] = true;
	for (i = 0, o = 0; i < ff->n; i++) {
		/* A first item not of the class, or in use: the list may be moving
		 * its items as it was read; twice in a row, it is no free list now. */
		if (!bad[i] && odd[i] && ++ff->fl[i].strikes >= 2)
			bad[i] = true;
		if (bad[i]) {
			if (done)
				done(ctx, &ff->fl[i], true);
			ff->dropped++;
			continue;
		}
		if (!odd[i]) {
			ff->fl[i].strikes = 0;
			/* A new item array: another list at the same address, or this
			 * one reallocated; either way its readings start over. */
			if (ff->fl[i].f.readings && hdr[i][3] != ff->fl[i].items) {
				if (done)
					done(ctx, &ff->fl[i], false);
				memset(&ff->fl[i].f, 0, sizeof(ff->fl[i].f));
				ff->restarts++;
			}
			ff->fl[i].items = hdr[i][3];
			if (hdr[i][2])
				ff->fl[i].item = item[pos[i]];
			pmt_pool_freelist_see(&ff->fl[i].f, frame, hdr[i][2]);
			ff->readings++;
		}
		ff->fl[o++] = ff->fl[i];
	}
	ff->n = o;
}
