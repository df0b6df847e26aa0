// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool.c - ObjectPool: a free list of objects in C. acquire() pops one (a
 * hit) or makes one with the pool's class (a miss); release() pushes it
 * back (or drops it when the list is full). An address map knows every
 * object the pool holds, so a double release or the release of an object
 * that does not come from this pool raises PoolReleaseError and changes
 * nothing. The pool holds the objects it lends, so an address is never
 * reused while the map names it.
 *
 * What the analyzer needs is counted on the way: hits, misses, returns,
 * the most objects lent at once in each frame (the demand the core's size
 * rule reads), how many frames each object was out (lifetimes), the time
 * a construction takes, and, when GC tracking is on, the young
 * generation's counter at each acquire and release with the hit or return
 * as an event, for the core's replay of what the collector would have done
 * without the pool.
 */
#include "pool.h"

#include <errno.h>
#include <string.h>

#define GC_CHUNK 65536 /* items replayed at a time */

enum { TAG_HIT = 1, TAG_RETURN = 2 };

/* ---- the address map -------------------------------------------------------------- */

static size_t slot_hash(uintptr_t k, size_t cap)
{
	return (size_t)(((uint64_t)(k >> 4) * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static struct pmt_pool_slot *map_find(PoolObject *p, uintptr_t k)
{
	size_t i;

	if (!p->map_cap)
		return NULL;
	for (i = slot_hash(k, p->map_cap); p->map[i].key; i = (i + 1) & (p->map_cap - 1))
		if (p->map[i].key == k)
			return &p->map[i];
	return NULL;
}

static int map_grow(PoolObject *p)
{
	size_t cap = p->map_cap ? p->map_cap * 2 : 64, i, j;
	struct pmt_pool_slot *m = PyMem_Calloc(cap, sizeof(*m));

	if (!m)
		return -1;
	for (i = 0; i < p->map_cap; i++) {
		if (!p->map[i].key)
			continue;
		for (j = slot_hash(p->map[i].key, cap); m[j].key; j = (j + 1) & (cap - 1))
			;
		m[j] = p->map[i];
	}
	PyMem_Free(p->map);
	p->map = m;
	p->map_cap = cap;
	return 0;
}

/* Add @k (absent); NULL when out of memory. */
static struct pmt_pool_slot *map_add(PoolObject *p, uintptr_t k)
{
	size_t i;

	if ((p->map_count + 1) * 2 > p->map_cap && map_grow(p) < 0)
		return NULL;
	for (i = slot_hash(k, p->map_cap); p->map[i].key; i = (i + 1) & (p->map_cap - 1))
		;
	p->map[i].key = k;
	p->map_count++;
	return &p->map[i];
}

/* Remove the entry @e (backward-shift deletion: no tombstones). */
static void map_del(PoolObject *p, struct pmt_pool_slot *e)
{
	size_t mask = p->map_cap - 1, i = (size_t)(e - p->map), j, home;

	for (j = (i + 1) & mask; p->map[j].key; j = (j + 1) & mask) {
		home = slot_hash(p->map[j].key, p->map_cap);
		if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
			p->map[i] = p->map[j];
			i = j;
		}
	}
	memset(&p->map[i], 0, sizeof(p->map[i]));
	p->map_count--;
}

/* ---- frames and the GC record --------------------------------------------------------- */

void pmt_pool_sync_frames(PoolObject *p)
{
	uint64_t now = pmt_analyzer_frame(p->an);

	if (now <= p->frame)
		return;
	/* the frame that ended, then those that went by with the level held */
	pmt_pool_dist_add(&p->demand, p->frame_peak, 1);
	if (now - p->frame > 1)
		pmt_pool_dist_add(&p->demand, p->in_use, now - p->frame - 1);
	p->frames_closed += now - p->frame;
	p->frame = now;
	p->frame_peak = p->in_use;
}

/* The young generation's count now, or -1 (no exception) when it cannot be read. */
static long gen0_count(PoolObject *p)
{
	PyObject *t = PyObject_CallObject(p->an->get_count, NULL);
	long c = -1;

	if (t && PyTuple_Check(t) && PyTuple_GET_SIZE(t) > 0)
		c = PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
	Py_XDECREF(t);
	if (c < 0)
		PyErr_Clear();
	return c;
}

static double weight(const PoolObject *p)
{
	return pmt_gen0_weight_hist(p->gc.weight_hist, 16, 1.0);
}

static double alt_effect(void *ctx, const struct pmt_gen0_item *it)
{
	const PoolObject *p = ctx;

	return it->tag == TAG_HIT ? weight(p) : -weight(p);
}

int pmt_pool_flush_gc(PoolObject *p)
{
	struct pmt_gen0_params prm;
	struct pmt_gen0_result r;
	PyObject *gc, *v;
	size_t i, last = p->gc.n;

	/* close the record with a reading now, so its last events count */
	if (p->gc.n && p->gc.items[p->gc.n - 1].kind == PMT_GEN0_EVENT) {
		long c = gen0_count(p);

		if (c >= 0 && p->gc.n < p->gc.cap) {
			struct pmt_gen0_item *it = &p->gc.items[p->gc.n++];

			memset(it, 0, sizeof(*it));
			it->kind = PMT_GEN0_READ;
			it->count = (int32_t)c;
			it->collections = p->an->collections;
		}
	}
	if (p->gc.n < 2)
		return 0;
	prm.threshold = 700;
	prm.enabled = true;
	gc = PyImport_ImportModule("gc");
	if (gc) {
		v = PyObject_CallMethod(gc, "get_threshold", NULL);
		if (v && PyTuple_Check(v) && PyTuple_GET_SIZE(v) > 0)
			prm.threshold = (int32_t)PyLong_AsLong(PyTuple_GET_ITEM(v, 0));
		Py_XDECREF(v);
		v = PyObject_CallMethod(gc, "isenabled", NULL);
		if (v)
			prm.enabled = PyObject_IsTrue(v) == 1;
		Py_XDECREF(v);
		Py_DECREF(gc);
	}
	PyErr_Clear();
	if (pmt_gen0_replay(&prm, p->gc.items, p->gc.n, alt_effect, p, &r) == 0) {
		p->gc.seen += r.seen;
		p->gc.alt += r.alt;
		p->gc.readings += r.readings;
		p->gc.events += r.events;
	}
	/* the last reading starts the next chunk */
	for (i = p->gc.n; i-- > 0;)
		if (p->gc.items[i].kind == PMT_GEN0_READ) {
			last = i;
			break;
		}
	if (last < p->gc.n) {
		p->gc.items[0] = p->gc.items[last];
		p->gc.n = 1;
	} else {
		p->gc.n = 0;
	}
	return 0;
}

static int gc_push(PoolObject *p, const struct pmt_gen0_item *it)
{
	if (p->gc.n + 1 >= p->gc.cap) {
		if (p->gc.cap >= GC_CHUNK) {
			pmt_pool_flush_gc(p);
		} else {
			size_t cap = p->gc.cap ? p->gc.cap * 4 : 1024;
			struct pmt_gen0_item *v = PyMem_Realloc(p->gc.items, cap * sizeof(*v));

			if (!v)
				return -1;
			p->gc.items = v;
			p->gc.cap = cap;
		}
	}
	p->gc.items[p->gc.n++] = *it;
	return 0;
}

/* A reading of the counter, then the hit or return it goes with. */
static void gc_record(PoolObject *p, int tag)
{
	struct pmt_gen0_item it;
	long c = gen0_count(p);

	if (c < 0)
		return;
	memset(&it, 0, sizeof(it));
	it.kind = PMT_GEN0_READ;
	it.count = (int32_t)c;
	it.collections = p->an->collections;
	if (gc_push(p, &it) < 0)
		return;
	memset(&it, 0, sizeof(it));
	it.kind = PMT_GEN0_EVENT;
	it.tag = (uint32_t)tag;
	it.after_read = 1;
	it.real = 0; /* a hit allocates nothing, a return frees nothing */
	gc_push(p, &it);
}

/* ---- making objects -------------------------------------------------------------------- */

/* A new object from the factory, timed, its young-generation weight measured. */
static PyObject *make(PoolObject *p)
{
	long before = p->track_gc ? gen0_count(p) : -1, after;
	uint64_t coll = p->an->collections, t0 = pmt_os_now_ns();
	PyObject *o = PyObject_CallObject(p->factory, NULL);

	if (!o)
		return NULL;
	p->create_ns += pmt_os_now_ns() - t0;
	p->create_count++;
	if (!p->instance_bytes)
		p->instance_bytes = pmt_pool_block_bytes((uint64_t)Py_TYPE(o)->tp_basicsize, true);
	if (before >= 0) {
		after = gen0_count(p);
		if (after >= before && p->an->collections == coll)
			p->gc.weight_hist[after - before < 15 ? after - before : 15]++;
	}
	p->created++;
	return o;
}

/* ---- acquire / release ----------------------------------------------------------------- */

PyDoc_STRVAR(acquire_doc,
"acquire()\n--\n\nReturns object. "
"An object from the pool: one released earlier (a hit) or, when none is\n"
"free, a new one made by calling the pool's class with no arguments (a miss).\n"
"Give it back with release().");

static PyObject *pool_acquire(PoolObject *p, PyObject *unused)
{
	struct pmt_pool_slot *e;
	PyObject *o;
	bool hit = p->nfree > 0;

	(void)unused;
	pmt_pool_sync_frames(p);
	if (hit) {
		o = p->free[--p->nfree]; /* the map keeps its reference while it is lent */
		e = map_find(p, (uintptr_t)o);
		Py_INCREF(o); /* the one returned */
		p->hits++;
	} else {
		o = make(p);
		if (!o)
			return NULL;
		if (map_find(p, (uintptr_t)o)) {
			PyErr_Format(PyExc_ValueError,
				     "the class of pool %R returned %R, an object the pool already holds "
				     "(a pool needs a new object from each call)",
				     p->name, o);
			Py_DECREF(o);
			return NULL;
		}
		e = map_add(p, (uintptr_t)o);
		if (!e) {
			Py_DECREF(o);
			return PyErr_NoMemory();
		}
		Py_INCREF(o); /* the map's */
		p->misses++;
	}
	e->state = OBJ_IN_USE;
	e->frame = p->frame;
	p->acquires++;
	p->in_use++;
	if (p->in_use > p->peak_in_use)
		p->peak_in_use = p->in_use;
	if (p->in_use > p->frame_peak)
		p->frame_peak = p->in_use;
	if (hit && p->track_gc)
		gc_record(p, TAG_HIT);
	return o;
}

PyDoc_STRVAR(release_doc,
"release(obj)\n--\n\n"
"Give back an object acquire() lent. It goes on the free list (the pool's\n"
"reset callable, if any, is called with it first), or is dropped when\n"
"max_size objects are already free. PoolReleaseError for an object released\n"
"twice or one this pool did not lend; the pool is unchanged then.");

static PyObject *pool_release(PoolObject *p, PyObject *o)
{
	struct pmt_pool_slot *e = map_find(p, (uintptr_t)o);
	uint64_t lived;

	if (!e || e->state != OBJ_IN_USE) {
		p->errors++;
		PyErr_Format(p->st->PoolReleaseError,
			     e ? "%R was released twice to pool %R (it is already free)"
			       : "%R does not come from pool %R",
			     o, p->name);
		return NULL;
	}
	if (p->reset && p->reset != Py_None) {
		PyObject *r = PyObject_CallFunctionObjArgs(p->reset, o, NULL);

		if (!r)
			return NULL; /* still lent: the game can release it again */
		Py_DECREF(r);
		e = map_find(p, (uintptr_t)o); /* reset may have used the pool */
		if (!e || e->state != OBJ_IN_USE) {
			PyErr_Format(p->st->PoolReleaseError, "%R was released during its own reset", o);
			return NULL;
		}
	}
	pmt_pool_sync_frames(p);
	lived = p->frame >= e->frame ? p->frame - e->frame : 0;
	p->life[pmt_pool_life_bin(lived)]++;
	p->releases++;
	p->in_use--;
	if (p->nfree < p->max_size) {
		e->state = OBJ_FREE;
		p->free[p->nfree++] = o; /* keeps the map's reference */
		if (p->track_gc)
			gc_record(p, TAG_RETURN);
	} else {
		map_del(p, e);
		p->discarded++;
		Py_DECREF(o); /* the map's: the game's own reference may still hold it */
	}
	Py_RETURN_NONE;
}

/* ---- reading ----------------------------------------------------------------------------- */

static PyObject *pool_stats(PoolObject *p, PyObject *unused)
{
	(void)unused;
	pmt_pool_sync_frames(p);
	return Py_BuildValue("{s:O,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:n,s:n,s:n,s:K}", "name",
			     p->name, "acquires", (unsigned long long)p->acquires, "releases",
			     (unsigned long long)p->releases, "hits", (unsigned long long)p->hits,
			     "misses", (unsigned long long)p->misses, "created",
			     (unsigned long long)p->created, "discarded",
			     (unsigned long long)p->discarded, "in_use", (unsigned long long)p->in_use,
			     "peak_in_use", (unsigned long long)p->peak_in_use, "release_errors",
			     (unsigned long long)p->errors, "free", (Py_ssize_t)p->nfree, "max_size",
			     (Py_ssize_t)p->max_size, "initial_size", (Py_ssize_t)p->initial_size,
			     "frames", (unsigned long long)p->frames_closed);
}

PyDoc_STRVAR(stats_doc,
"stats()\n--\n\nReturns dict. "
"name, acquires, releases, hits (served from the free list), misses (made\n"
"new), created (including the initial_size made up front), discarded\n"
"(released with the free list full), in_use, peak_in_use, release_errors,\n"
"free, max_size, initial_size, frames (frames seen end).");

static Py_ssize_t pool_len(PoolObject *p)
{
	return (Py_ssize_t)p->nfree;
}

static PyObject *get_name(PoolObject *p, void *c)
{
	(void)c;
	Py_INCREF(p->name);
	return p->name;
}

static PyObject *get_in_use(PoolObject *p, void *c)
{
	(void)c;
	return PyLong_FromUnsignedLongLong(p->in_use);
}

static PyObject *get_free(PoolObject *p, void *c)
{
	(void)c;
	return PyLong_FromSize_t(p->nfree);
}

static PyObject *get_max(PoolObject *p, void *c)
{
	(void)c;
	return PyLong_FromSize_t(p->max_size);
}

static PyObject *get_factory(PoolObject *p, void *c)
{
	(void)c;
	Py_INCREF(p->factory);
	return p->factory;
}

static PyGetSetDef pool_getset[] = {
	{ "name", (getter)get_name, NULL, "The pool's name.", NULL },
	{ "in_use", (getter)get_in_use, NULL, "Objects lent now.", NULL },
	{ "free", (getter)get_free, NULL, "Objects on the free list now (also len(pool)).", NULL },
	{ "max_size", (getter)get_max, NULL, "The most objects the free list keeps.", NULL },
	{ "object_class", (getter)get_factory, NULL, "The class the pool makes objects of.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef pool_methods[] = {
	{ "acquire", (PyCFunction)pool_acquire, METH_NOARGS, acquire_doc },
	{ "release", (PyCFunction)pool_release, METH_O, release_doc },
	{ "stats", (PyCFunction)pool_stats, METH_NOARGS, stats_doc },
	{ NULL, NULL, 0, NULL },
};

/* ---- the type ---------------------------------------------------------------------------- */

PyObject *pmt_pool_new(struct pmt_state *st, PyObject *analyzer, struct pmt_analyzer *an,
		       PyObject *name, PyObject *factory, PyObject *reset, size_t initial,
		       size_t max_size, bool track_gc)
{
	PoolObject *p = (PoolObject *)st->ObjectPool->tp_alloc(st->ObjectPool, 0);
	size_t i;

	if (!p)
		return NULL;
	p->st = st;
	Py_INCREF(name);
	p->name = name;
	Py_INCREF(factory);
	p->factory = factory;
	if (reset && reset != Py_None) {
		Py_INCREF(reset);
		p->reset = reset;
	}
	Py_INCREF(analyzer);
	p->analyzer = analyzer;
	p->an = an;
	p->max_size = max_size;
	p->initial_size = initial;
	p->track_gc = track_gc && an->get_count;
	p->born_ns = pmt_os_now_ns();
	p->frame = pmt_analyzer_frame(an);
	pmt_pool_dist_init(&p->demand);
	p->free = PyMem_Calloc(max_size ? max_size : 1, sizeof(*p->free));
	if (!p->free) {
		Py_DECREF(p);
		return PyErr_NoMemory();
	}
	for (i = 0; i < initial; i++) {
		PyObject *o = make(p);
		struct pmt_pool_slot *e;

		if (!o) {
			Py_DECREF(p);
			return NULL;
		}
		if (map_find(p, (uintptr_t)o)) {
			PyErr_Format(PyExc_ValueError, "the class of pool %R returned the same object twice",
				     p->name);
			Py_DECREF(o);
			Py_DECREF(p);
			return NULL;
		}
		e = map_add(p, (uintptr_t)o);
		if (!e) {
			Py_DECREF(o);
			Py_DECREF(p);
			return PyErr_NoMemory();
		}
		e->state = OBJ_FREE;
		p->free[p->nfree++] = o;
	}
	return (PyObject *)p;
}

static int pool_traverse(PoolObject *p, visitproc visit, void *arg)
{
	size_t i;

	PMT_VISIT_TYPE(p);
	Py_VISIT(p->name);
	Py_VISIT(p->factory);
	Py_VISIT(p->reset);
	Py_VISIT(p->analyzer);
	/* every object the map names holds one reference from the pool */
	for (i = 0; i < p->map_cap; i++)
		if (p->map[i].key)
			Py_VISIT((PyObject *)p->map[i].key);
	return 0;
}

static int pool_clear(PoolObject *p)
{
	size_t i;

	for (i = 0; i < p->map_cap; i++) {
		if (p->map[i].key) {
			PyObject *o = (PyObject *)p->map[i].key;

			p->map[i].key = 0;
			Py_DECREF(o);
		}
	}
	p->map_count = 0;
	p->nfree = 0;
	Py_CLEAR(p->name);
	Py_CLEAR(p->factory);
	Py_CLEAR(p->reset);
	Py_CLEAR(p->analyzer);
	return 0;
}

static void pool_dealloc(PoolObject *p)
{
	PyTypeObject *tp = Py_TYPE(p);

	PyObject_GC_UnTrack(p);
	pool_clear(p);
	PyMem_Free(p->free);
	PyMem_Free(p->map);
	PyMem_Free(p->gc.items);
	pmt_pool_dist_free(&p->demand);
	tp->tp_free(p);
	Py_DECREF(tp);
}

static PyObject *pool_repr(PoolObject *p)
{
	return PyUnicode_FromFormat("<ObjectPool %R: %zu free, %llu in use, max %zu>", p->name,
				    p->nfree, (unsigned long long)p->in_use, p->max_size);
}

PyDoc_STRVAR(pool_doc,
"A pool of reusable objects, made by ObjectPoolAnalyzer.create_pool(): a\n"
"free list in C with acquire() and release(), counting what the analyzer\n"
"needs (hits, misses, demand per frame, lifetimes, the collector's counter).");

static PyType_Slot pool_slots[] = {
	{ Py_tp_doc, (void *)pool_doc },
	{ Py_tp_methods, pool_methods },
	{ Py_tp_getset, pool_getset },
	{ Py_tp_repr, (void *)pool_repr },
	{ Py_sq_length, (void *)pool_len },
	{ Py_tp_traverse, (void *)pool_traverse },
	{ Py_tp_clear, (void *)pool_clear },
	{ Py_tp_dealloc, (void *)pool_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_ObjectPool_spec = {
	.name = "pymemtrace.ObjectPool",
	.basicsize = sizeof(PoolObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.slots = pool_slots,
};
