// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool_analyzer.c - ObjectPoolAnalyzer: makes ObjectPools and judges them
 * with the rules pmtrace-bpf --pools uses (the core's pools module): demand
 * per frame summarised the same way, the same size rule and overflow, the
 * same lifetime bins and classification, the same replay of the young
 * generation's counter (here: what the collector would have done had each
 * hit been an allocation and each return a free), the same savings and
 * ranking. So a pool the tool recommends and the pool the game then runs
 * are measured alike.
 *
 * The analyzer keeps the collector's count of collections and the time of
 * young ones through a callback in gc.callbacks; frames come from a
 * FrameMemoryProfiler, or from end_frame().
 */
#include "pool.h"

#include <math.h>
#include <string.h>

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	PyObject *cap;       /* capsule holding the struct pmt_analyzer (gc.callbacks points at it) */
	struct pmt_analyzer *an;
	PyObject *pools;     /* {name: ObjectPool} */
	PyObject *gc_cb;     /* registered in gc.callbacks, or NULL */
	PyObject *profiler;
	uint64_t born_ns;    /* rates are per second since the analyzer began */
	bool track_gc;
} AnalyzerObject;

/* ---- the GC callback (bound to the capsule, so gc.callbacks never holds the analyzer) ---- */

static PyObject *gc_cb(PyObject *capsule, PyObject *args)
{
	struct pmt_analyzer *an = PyCapsule_GetPointer(capsule, "pymemtrace.analyzer");
	PyObject *phase, *info, *g;

	if (!an || !PyArg_ParseTuple(args, "OO", &phase, &info))
		return NULL;
	if (PyUnicode_CompareWithASCIIString(phase, "start") == 0) {
		an->gc_in = true;
		an->gc_start_ns = pmt_os_now_ns();
		g = PyDict_Check(info) ? PyDict_GetItemString(info, "generation") : NULL;
		an->gen_in = g ? (int)PyLong_AsLong(g) : -1;
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	if (!an->gc_in)
		Py_RETURN_NONE;
	an->gc_in = false;
	an->collections++;
	if (an->gen_in == 0) {
		an->gen0_runs++;
		an->gen0_ns += pmt_os_now_ns() - an->gc_start_ns;
	}
	Py_RETURN_NONE;
}

static PyMethodDef gc_cb_def = { "_pymemtrace_pool_gc", gc_cb, METH_VARARGS,
				 "pymemtrace's pool analyzer: counts and times collections." };

static void capsule_free(PyObject *capsule)
{
	struct pmt_analyzer *an = PyCapsule_GetPointer(capsule, "pymemtrace.analyzer");

	if (an) {
		Py_XDECREF(an->get_count);
		PyMem_Free(an);
	}
}

/* ---- pools ------------------------------------------------------------------------------ */

static PoolObject *pool_named(AnalyzerObject *a, PyObject *name)
{
	PyObject *p = PyDict_GetItemWithError(a->pools, name);

	if (!p && !PyErr_Occurred())
		PyErr_Format(a->st->UnknownPoolError, "no pool named %R", name);
	return (PoolObject *)p;
}

PyDoc_STRVAR(create_doc,
"create_pool(cls, initial_size=10, max_size=100, name=None, reset=None,\n"
"            track_gc=None)\n--\n\nReturns ObjectPool. "
"A pool of cls objects (cls() makes a new one), with initial_size made up\n"
"front and at most max_size kept free. name defaults to the class's name\n"
"and must be unused (ValueError). reset(obj) is called on each release.\n"
"track_gc (default: the analyzer's) reads the collector's counter at each\n"
"acquire and release, for gc_impact_reduction: about 0.1 us each.");

static PyObject *an_create(AnalyzerObject *a, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "cls", "initial_size", "max_size", "name", "reset", "track_gc", NULL };
	PyObject *cls, *name = Py_None, *reset = Py_None, *tg = Py_None, *pool;
	Py_ssize_t initial = 10, max_size = 100;
	int has, track;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|nnOOO:create_pool", kwlist, &cls, &initial,
					 &max_size, &name, &reset, &tg))
		return NULL;
	if (!PyCallable_Check(cls)) {
		PyErr_SetString(PyExc_TypeError, "cls must be a class (or any callable making one object)");
		return NULL;
	}
	if (reset != Py_None && !PyCallable_Check(reset)) {
		PyErr_SetString(PyExc_TypeError, "reset must be callable or None");
		return NULL;
	}
	if (initial < 0 || max_size < 1 || initial > max_size || max_size > 100000000) {
		PyErr_Format(PyExc_ValueError,
			     "need 0 <= initial_size <= max_size, 1 <= max_size <= 1e8 (got %zd, %zd)",
			     initial, max_size);
		return NULL;
	}
	if (name == Py_None) {
		name = PyObject_GetAttrString(cls, "__name__");
		if (!name)
			return NULL;
	} else {
		Py_INCREF(name);
	}
	if (!PyUnicode_Check(name)) {
		Py_DECREF(name);
		PyErr_SetString(PyExc_TypeError, "a pool name is a str");
		return NULL;
	}
	has = PyDict_Contains(a->pools, name);
	if (has) {
		if (has > 0)
			PyErr_Format(PyExc_ValueError, "a pool named %R exists already", name);
		Py_DECREF(name);
		return NULL;
	}
	track = tg == Py_None ? a->track_gc : PyObject_IsTrue(tg);
	if (track < 0) {
		Py_DECREF(name);
		return NULL;
	}
	pool = pmt_pool_new(a->st, (PyObject *)a, a->an, name, cls, reset, (size_t)initial,
			    (size_t)max_size, track && a->gc_cb);
	if (!pool || PyDict_SetItem(a->pools, name, pool) < 0) {
		Py_DECREF(name);
		Py_XDECREF(pool);
		return NULL;
	}
	Py_DECREF(name);
	return pool;
}

PyDoc_STRVAR(get_doc, "get_pool(name)\n--\n\nReturns ObjectPool. The pool called name (UnknownPoolError).");

static PyObject *an_get(AnalyzerObject *a, PyObject *name)
{
	PyObject *p = (PyObject *)pool_named(a, name);

	Py_XINCREF(p);
	return p;
}

PyDoc_STRVAR(remove_doc,
"remove_pool(name)\n--\n\nForget a pool (UnknownPoolError); objects it lent stay the game's.");

static PyObject *an_remove(AnalyzerObject *a, PyObject *name)
{
	if (!pool_named(a, name) || PyDict_DelItem(a->pools, name) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(end_frame_doc,
"end_frame()\n--\n\n"
"A game frame ended (needed only without a profiler): pools measure their\n"
"demand, the most objects lent at once, per frame.");

static PyObject *an_end_frame(AnalyzerObject *a, PyObject *unused)
{
	(void)unused;
	a->an->frame++;
	Py_RETURN_NONE;
}

/* ---- the analysis ------------------------------------------------------------------------- */

struct pool_eval {
	struct pmt_pool_quant q;
	uint64_t frames, suggested, overflow_suggested, overflow_current;
	enum pmt_pool_kind kind;
	struct pmt_pool_savings sv;
	double seconds, alloc_reduction, gc_reduction, gen0_without, gen0_with, weight;
	double ns_per_collection, ns_per_alloc;
	bool worth;
};

static int evaluate(AnalyzerObject *a, PoolObject *p, struct pool_eval *e)
{
	struct pmt_pool_dist d;
	struct pmt_pool_traits t;
	struct pmt_pool_savings_in in;
	uint64_t returns = p->releases - p->discarded;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	pmt_pool_sync_frames(p);
	pmt_pool_flush_gc(p);
	/* closed frames, plus the open one so far */
	pmt_pool_dist_init(&d);
	if (pmt_pool_dist_merge(&d, &p->demand) || pmt_pool_dist_add(&d, p->frame_peak, 1)) {
		pmt_pool_dist_free(&d);
		PyErr_NoMemory();
		return -1;
	}
	e->frames = p->frames_closed + 1;
	pmt_pool_dist_summary(&d, e->frames, &e->q);
	e->suggested = pmt_pool_size_rule(e->q.p99);
	e->overflow_suggested = pmt_pool_overflow(&d, e->suggested);
	e->overflow_current = pmt_pool_overflow(&d, p->max_size);
	pmt_pool_dist_free(&d);
	memset(&t, 0, sizeof(t));
	memcpy(t.life, p->life, sizeof(t.life));
	t.life[PMT_LIFE_ALIVE] += p->in_use;
	t.reuse_seen = false; /* how the objects live, not that they are pooled */
	e->kind = pmt_pool_classify(&t);
	/* one window for every pool, so that the ranking compares like with like */
	e->seconds = (double)(pmt_os_now_ns() - a->born_ns) / 1e9;
	if (e->seconds <= 0)
		e->seconds = 1e-9;
	e->weight = pmt_gen0_weight_hist(p->gc.weight_hist, 16, 1.0);
	/* as run is with the pool; the replay's alternative is without it */
	e->gen0_with = p->gc.seen;
	e->gen0_without = p->gc.alt;
	e->ns_per_collection = a->an->gen0_runs ? (double)a->an->gen0_ns / (double)a->an->gen0_runs : 0;
	e->ns_per_alloc = p->create_count ? (double)p->create_ns / (double)p->create_count : 0;
	memset(&in, 0, sizeof(in));
	in.seconds = e->seconds;
	in.creations = p->acquires;     /* what the game would have made without a pool */
	in.overflow = p->misses;        /* of which the pool did not serve */
	in.destructions = returns + p->misses; /* so that frees avoided = returns */
	in.instance_bytes = p->instance_bytes;
	in.gen0_seen = e->gen0_without;
	in.gen0_alt = e->gen0_with;
	in.ns_per_collection = e->ns_per_collection;
	in.ns_per_alloc = e->ns_per_alloc;
	if (pmt_pool_savings(&in, &e->sv))
		rc = 0; /* no time elapsed: all rates 0 */
	e->alloc_reduction = p->acquires ? (double)p->hits / (double)p->acquires : 0.0;
	e->gc_reduction = e->gen0_without > 0 && e->gen0_without > e->gen0_with
				  ? (e->gen0_without - e->gen0_with) / e->gen0_without
				  : 0.0;
	e->worth = pmt_pool_worth(e->kind, &e->sv);
	return rc;
}

PyDoc_STRVAR(eff_doc,
"analyze_efficiency(name)\n--\n\nReturns dict. "
"What a pool saves, by pmtrace-bpf --pools' rules:\n"
"  allocation_reduction   share of acquires served from the free list (hits);\n"
"  gc_impact_reduction    share of generation-0 collections the pool avoided:\n"
"                         (without - with) / without, the collections without\n"
"                         the pool replayed from the collector's counter read\n"
"                         at each acquire and release (0 without track_gc);\n"
"  allocations_avoided_per_s, frees_avoided_per_s, bytes_avoided_per_s,\n"
"  gen0_avoided_per_s, gen0_per_s_without_pool, time_saved_ns_per_s (measured\n"
"  construction and collection costs), acquires, releases, hits, misses,\n"
"  discarded, peak_in_use, demand {mean, p50, p99, max} per frame, frames,\n"
"  lifetimes {bin: releases}, classification ('transient', 'short-lived',\n"
"  'persistent', 'undetermined'), worth_pooling, instance_bytes,\n"
"  gen0_weight (young objects one construction makes, measured), seconds (the\n"
"  window of every rate: since the analyzer was made).\n"
"UnknownPoolError for an unknown name.");

static PyObject *eval_dict(PoolObject *p, const struct pool_eval *e)
{
	PyObject *lives = PyDict_New();
	int b;

	for (b = 0; lives && b < PMT_LIFE_BINS - 1; b++) {
		PyObject *v = PyLong_FromUnsignedLongLong(p->life[b]);

		if (!v || PyDict_SetItemString(lives, pmt_pool_life_name((enum pmt_pool_life)b), v) < 0)
			Py_CLEAR(lives);
		Py_XDECREF(v);
	}
	if (!lives)
		return NULL;
	return Py_BuildValue(
		"{s:O,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:K,s:K,s:K,s:K,s:K,s:K,"
		"s:{s:d,s:K,s:K,s:K},s:K,s:N,s:s,s:O,s:K,s:d,s:d,s:d,s:d}",
		"name", p->name, "allocation_reduction", e->alloc_reduction, "gc_impact_reduction",
		e->gc_reduction, "allocations_avoided_per_s", e->sv.allocs_per_s, "frees_avoided_per_s",
		e->sv.frees_per_s, "bytes_avoided_per_s", e->sv.bytes_per_s, "gen0_avoided_per_s",
		e->sv.gen0_per_s, "gen0_per_s_without_pool", e->sv.gen0_seen_per_s,
		"time_saved_ns_per_s", e->sv.time_ns_per_s, "acquires", (unsigned long long)p->acquires,
		"releases", (unsigned long long)p->releases, "hits", (unsigned long long)p->hits,
		"misses", (unsigned long long)p->misses, "discarded", (unsigned long long)p->discarded,
		"peak_in_use", (unsigned long long)p->peak_in_use, "demand", "mean", e->q.mean, "p50",
		(unsigned long long)e->q.p50, "p99", (unsigned long long)e->q.p99, "max",
		(unsigned long long)e->q.max, "frames", (unsigned long long)e->frames, "lifetimes", lives,
		"classification", pmt_pool_kind_name(e->kind), "worth_pooling",
		e->worth ? Py_True : Py_False, "instance_bytes", (unsigned long long)p->instance_bytes,
		"gen0_weight", e->weight, "gen0_without_pool", e->gen0_without, "gen0_with_pool",
		e->gen0_with, "seconds", e->seconds);
}

static PyObject *an_efficiency(AnalyzerObject *a, PyObject *name)
{
	PoolObject *p = pool_named(a, name);
	struct pool_eval e;

	if (!p || evaluate(a, p, &e) < 0)
		return NULL;
	return eval_dict(p, &e);
}

PyDoc_STRVAR(suggest_doc,
"suggest_pool_size(name)\n--\n\nReturns dict. "
"The pool size for the demand seen (the most objects lent at once, per frame),\n"
"by the rule pmtrace-bpf --pools uses: p99 + max(2, ceil(p99 / 4)).\n"
"suggested_size, current_size (max_size), p99_demand, mean_demand,\n"
"max_demand, peak_in_use, frames, misses_at_suggested and misses_at_current\n"
"(acquires over the frames seen that a free list of that size could not\n"
"have served), objects_held (free + lent).");

static PyObject *an_suggest(AnalyzerObject *a, PyObject *name)
{
	PoolObject *p = pool_named(a, name);
	struct pool_eval e;

	if (!p || evaluate(a, p, &e) < 0)
		return NULL;
	return Py_BuildValue("{s:O,s:K,s:n,s:K,s:d,s:K,s:K,s:K,s:K,s:K,s:K,s:s}", "name", p->name,
			     "suggested_size", (unsigned long long)e.suggested, "current_size",
			     (Py_ssize_t)p->max_size, "p99_demand", (unsigned long long)e.q.p99,
			     "mean_demand", e.q.mean, "max_demand", (unsigned long long)e.q.max,
			     "peak_in_use", (unsigned long long)p->peak_in_use, "frames",
			     (unsigned long long)e.frames, "misses_at_suggested",
			     (unsigned long long)e.overflow_suggested, "misses_at_current",
			     (unsigned long long)e.overflow_current, "objects_held",
			     (unsigned long long)(p->nfree + p->in_use), "rule",
			     "p99 + max(2, ceil(p99 / 4))");
}

PyDoc_STRVAR(compare_doc,
"compare_pools()\n--\n\nReturns list[dict]. "
"Every pool ranked by what it saves (time saved, then collections avoided,\n"
"then allocations avoided), as pmtrace-bpf ranks classes: name, rank,\n"
"time_saved_ns_per_s, gen0_avoided_per_s, allocations_avoided_per_s,\n"
"allocation_reduction, gc_impact_reduction, suggested_size, current_size,\n"
"classification, worth_pooling.");

static PyObject *an_compare(AnalyzerObject *a, PyObject *unused)
{
	Py_ssize_t n = PyDict_Size(a->pools), i = 0, pos = 0;
	struct pmt_pool_rank_item *items = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*items));
	struct pool_eval *ev = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*ev));
	PoolObject **pools = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*pools));
	PyObject *k, *v, *list = NULL;

	(void)unused;
	if (!items || !ev || !pools) {
		PyErr_NoMemory();
		goto out;
	}
	while (PyDict_Next(a->pools, &pos, &k, &v)) {
		pools[i] = (PoolObject *)v;
		if (evaluate(a, pools[i], &ev[i]) < 0)
			goto out;
		items[i].id = (uint64_t)i;
		items[i].time_ns_per_s = ev[i].sv.time_ns_per_s;
		items[i].gen0_per_s = ev[i].sv.gen0_per_s;
		items[i].allocs_per_s = ev[i].sv.allocs_per_s;
		i++;
	}
	pmt_pool_rank(items, (size_t)n);
	list = PyList_New(0);
	for (i = 0; list && i < n; i++) {
		size_t j = (size_t)items[i].id;
		PyObject *d = Py_BuildValue(
			"{s:O,s:n,s:d,s:d,s:d,s:d,s:d,s:K,s:n,s:s,s:O}", "name", pools[j]->name, "rank",
			i + 1, "time_saved_ns_per_s", ev[j].sv.time_ns_per_s, "gen0_avoided_per_s",
			ev[j].sv.gen0_per_s, "allocations_avoided_per_s", ev[j].sv.allocs_per_s,
			"allocation_reduction", ev[j].alloc_reduction, "gc_impact_reduction",
			ev[j].gc_reduction, "suggested_size", (unsigned long long)ev[j].suggested,
			"current_size", (Py_ssize_t)pools[j]->max_size, "classification",
			pmt_pool_kind_name(ev[j].kind), "worth_pooling", ev[j].worth ? Py_True : Py_False);

		if (!d || PyList_Append(list, d) < 0)
			Py_CLEAR(list);
		Py_XDECREF(d);
	}
out:
	PyMem_Free(items);
	PyMem_Free(ev);
	PyMem_Free(pools);
	return list;
}

static PyObject *get_pools(AnalyzerObject *a, void *c)
{
	(void)c;
	return PySequence_List(a->pools);
}

static PyGetSetDef an_getset[] = {
	{ "pools", (getter)get_pools, NULL, "Pool names, in creation order.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef an_methods[] = {
	{ "create_pool", (PyCFunction)(void (*)(void))an_create, METH_VARARGS | METH_KEYWORDS,
	  create_doc },
	{ "get_pool", (PyCFunction)an_get, METH_O, get_doc },
	{ "remove_pool", (PyCFunction)an_remove, METH_O, remove_doc },
	{ "end_frame", (PyCFunction)an_end_frame, METH_NOARGS, end_frame_doc },
	{ "analyze_efficiency", (PyCFunction)an_efficiency, METH_O, eff_doc },
	{ "suggest_pool_size", (PyCFunction)an_suggest, METH_O, suggest_doc },
	{ "compare_pools", (PyCFunction)an_compare, METH_NOARGS, compare_doc },
	{ NULL, NULL, 0, NULL },
};

/* ---- the type ---------------------------------------------------------------------------- */

static PyObject *an_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "profiler", "track_gc", NULL };
	PyObject *profiler = Py_None, *gc = NULL, *cbs = NULL;
	int track_gc = 1;
	struct pmt_state *st = pmt_state_from_type(tp);
	struct pmt_analyzer *an;
	AnalyzerObject *a;

	if (!st)
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|Op:ObjectPoolAnalyzer", kwlist, &profiler,
					 &track_gc))
		return NULL;
	if (profiler != Py_None && !PyObject_TypeCheck(profiler, st->FrameMemoryProfiler)) {
		PyErr_SetString(PyExc_TypeError, "profiler must be a FrameMemoryProfiler or None");
		return NULL;
	}
	a = (AnalyzerObject *)tp->tp_alloc(tp, 0);
	if (!a)
		return NULL;
	a->st = st;
	a->track_gc = track_gc;
	a->born_ns = pmt_os_now_ns();
	a->pools = PyDict_New();
	an = PyMem_Calloc(1, sizeof(*an));
	if (!a->pools || !an) {
		PyMem_Free(an);
		Py_DECREF(a);
		return PyErr_NoMemory();
	}
	a->cap = PyCapsule_New(an, "pymemtrace.analyzer", capsule_free);
	if (!a->cap) {
		PyMem_Free(an);
		Py_DECREF(a);
		return NULL;
	}
	a->an = an;
	if (profiler != Py_None) {
		Py_INCREF(profiler);
		a->profiler = profiler;
		an->profiler = profiler;
	}
	if (track_gc) {
		gc = PyImport_ImportModule("gc");
		cbs = gc ? PyObject_GetAttrString(gc, "callbacks") : NULL;
		an->get_count = gc ? PyObject_GetAttrString(gc, "get_count") : NULL;
		a->gc_cb = PyCFunction_New(&gc_cb_def, a->cap);
		if (!cbs || !an->get_count || !a->gc_cb || PyList_Append(cbs, a->gc_cb) < 0) {
			Py_XDECREF(gc);
			Py_XDECREF(cbs);
			Py_DECREF(a);
			return NULL;
		}
		Py_DECREF(gc);
		Py_DECREF(cbs);
	}
	return (PyObject *)a;
}

static int an_traverse(AnalyzerObject *a, visitproc visit, void *arg)
{
	PMT_VISIT_TYPE(a);
	Py_VISIT(a->pools);
	Py_VISIT(a->profiler);
	Py_VISIT(a->cap);
	Py_VISIT(a->gc_cb);
	return 0;
}

static int an_clear(AnalyzerObject *a)
{
	Py_CLEAR(a->pools);
	return 0;
}

static void an_dealloc(AnalyzerObject *a)
{
	PyTypeObject *tp = Py_TYPE(a);

	PyObject_GC_UnTrack(a);
	if (a->gc_cb) {
		/* out of gc.callbacks: the capsule (and the counters) go with it */
		PyObject *exc_type, *exc, *tb, *gc, *cbs, *r;

		PyErr_Fetch(&exc_type, &exc, &tb);
		gc = PyImport_ImportModule("gc");
		cbs = gc ? PyObject_GetAttrString(gc, "callbacks") : NULL;
		r = cbs ? PyObject_CallMethod(cbs, "remove", "O", a->gc_cb) : NULL;
		Py_XDECREF(r);
		Py_XDECREF(cbs);
		Py_XDECREF(gc);
		PyErr_Clear();
		PyErr_Restore(exc_type, exc, tb);
	}
	an_clear(a);
	if (a->an)
		a->an->profiler = NULL;
	Py_CLEAR(a->profiler);
	Py_CLEAR(a->gc_cb);
	Py_CLEAR(a->cap);
	tp->tp_free(a);
	Py_DECREF(tp);
}

PyDoc_STRVAR(an_doc,
"ObjectPoolAnalyzer(profiler=None, track_gc=True)\n--\n\n"
"Object pools for the game's churning objects, and what they save: each pool\n"
"is a free list in C (create_pool()), measured as pmtrace-bpf --pools measures\n"
"a class: demand per frame, lifetimes, allocations and frees avoided, young\n"
"collections avoided (gc_impact_reduction), a size by the same rule, and a\n"
"ranking across pools. Frames come from profiler, or from end_frame().");

static PyType_Slot an_slots[] = {
	{ Py_tp_doc, (void *)an_doc },
	{ Py_tp_new, (void *)an_new },
	{ Py_tp_methods, an_methods },
	{ Py_tp_getset, an_getset },
	{ Py_tp_traverse, (void *)an_traverse },
	{ Py_tp_clear, (void *)an_clear },
	{ Py_tp_dealloc, (void *)an_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_ObjectPoolAnalyzer_spec = {
	.name = "pymemtrace.ObjectPoolAnalyzer",
	.basicsize = sizeof(AnalyzerObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
	.slots = an_slots,
};
