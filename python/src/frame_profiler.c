// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_profiler.c - FrameMemoryProfiler and its frame() context manager.
 *
 * A frame is the body of `with profiler.frame():` (or the time between two
 * mark_frame() calls). At its start and end the profiler reads the
 * process's resident memory and lifetime peak, the thread's page faults,
 * the allocator hooks' counters and its own GC counters (fed by a
 * callback in gc.callbacks); the differences make a struct pmt_frame that
 * the core classifies (spikes against the rolling baseline, drops against
 * the frame budget, their memory cause) exactly as it does for pmtrace-bpf,
 * then keeps in its history ring and whole-run summary. The in-process
 * extras (allocations, bytes, peaks) sit in a ring parallel to the core's.
 *
 * The clock is read last at a frame's start and first at its end, so the
 * profiler's own reads stay out of frame_duration.
 */
#include "frame_profiler.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/session.h" /* PMT_FAULT_MAX_NS */

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	struct pmt_analysis_config cfg;
	struct pmt_frame_ring ring;
	struct pmt_frame_extra *extra; /* parallel to ring.frames */
	struct pmt_baseline base;
	struct pmt_summary_acc total;
	struct pmt_os os;
	bool os_open;
	bool profiling, hooks_held, gc_registered;
	bool track_allocations, track_gc;
	int in_frame;         /* 0, FRAME_WITH or FRAME_TICK */
	uint64_t frames;      /* frames recorded (the next frame's number) */
	double ns_per_fault;  /* measured at the first start */
	/* the open frame's start */
	uint64_t t0, rss0, hwm0, minflt0, majflt0, sys0;
	struct pmt_alloc_counts c0;
	uint64_t gc_runs0[PMT_GENS], gc_collected0, gc_uncollectable0, gc_ns0;
	/* GC counters, cumulative, from the gc.callbacks callback */
	uint64_t gc_runs[PMT_GENS], gc_collected, gc_uncollectable, gc_ns, gc_start_ns;
	bool gc_in;
	PyObject *gc_callback; /* bound to self, registered in gc.callbacks */
	PyObject *spike_cbs, *drop_cbs;
	PyObject *ctx;         /* the FrameContext frame() returns */
	PyObject *last_stats;  /* FrameStats of the last frame, made on demand */
} ProfilerObject;

typedef struct {
	PyObject_HEAD
	ProfilerObject *p;
} ContextObject;

enum { FRAME_NONE = 0, FRAME_WITH, FRAME_TICK };

/* ---- measuring ----------------------------------------------------------------- */

/*
 * The cost of one first-touch page fault here, ns: fault in 256 fresh
 * pages of a large malloc block (the C library maps those on demand) and
 * time it. 1500 ns when the pages came back already touched.
 */
static double measure_fault_cost(void)
{
	const size_t pages = 256;
	size_t ps = (size_t)pmt_os_page_size(), i;
	struct pmt_os_thread a, b;
	volatile char *buf = malloc(pages * ps + ps);
	uint64_t t0, t1, n;

	if (!buf)
		return 1500.0;
	pmt_os_thread(&a);
	t0 = pmt_os_now_ns();
	for (i = 0; i < pages; i++)
		buf[i * ps] = 1;
	t1 = pmt_os_now_ns();
	pmt_os_thread(&b);
	free((void *)buf);
	n = (b.minflt + b.majflt) - (a.minflt + a.majflt);
	if (n < pages / 2)
		return 1500.0;
	return (double)(t1 - t0) / (double)n;
}

static void frame_begin(ProfilerObject *p)
{
	struct pmt_os_proc proc;
	struct pmt_os_thread th;
	struct pmt_hooks *h = p->st->hooks;
	int g;

	if (pmt_os_sample(&p->os, &proc, &th) == 0) {
		p->rss0 = proc.rss_bytes;
		p->hwm0 = proc.peak_rss_bytes;
	} else {
		p->rss0 = p->hwm0 = 0;
	}
	p->minflt0 = th.minflt;
	p->majflt0 = th.majflt;
	p->sys0 = th.sys_ns;
	for (g = 0; g < PMT_GENS; g++)
		p->gc_runs0[g] = p->gc_runs[g];
	p->gc_collected0 = p->gc_collected;
	p->gc_uncollectable0 = p->gc_uncollectable;
	p->gc_ns0 = p->gc_ns;
	if (p->hooks_held && pmt_hooks_active(h)) {
		p->c0 = h->c;
		pmt_hooks_reset_peak(h);
	}
	p->t0 = pmt_os_now_ns();
}

/* End the open frame: measure, classify, keep. Returns the frame's ring slot. */
static size_t frame_end(ProfilerObject *p)
{
	uint64_t t1 = pmt_os_now_ns();
	struct pmt_hooks *h = p->st->hooks;
	struct pmt_os_proc proc;
	struct pmt_os_thread th;
	struct pmt_frame f;
	struct pmt_frame_extra x;
	size_t slot;
	int g;

	memset(&f, 0, sizeof(f));
	memset(&x, 0, sizeof(x));
	pmt_os_sample(&p->os, &proc, &th);
	x.start_ns = p->t0;
	x.rss_start = p->rss0;
	f.index = p->frames;
	f.ts_ns = t1;
	f.duration_ns = t1 - p->t0;
	f.rss_bytes = proc.rss_bytes;
	f.rss_delta_bytes = (int64_t)proc.rss_bytes - (int64_t)p->rss0;
	x.rss_net = f.rss_delta_bytes;
	if (proc.peak_rss_bytes > p->hwm0) {
		/* the process's lifetime peak rose in the frame: that is its peak */
		x.peak_rss = proc.peak_rss_bytes;
		x.peak_exact = true;
	} else {
		x.peak_rss = proc.rss_bytes > p->rss0 ? proc.rss_bytes : p->rss0;
	}
	f.peak_growth_bytes = (int64_t)x.peak_rss - (int64_t)p->rss0;
	f.minflt = th.minflt - p->minflt0;
	f.majflt = th.majflt - p->majflt0;
	f.sys_ns = th.sys_ns - p->sys0;
	f.fault_ns = pmt_fault_time_estimate(f.minflt + f.majflt, f.sys_ns, p->ns_per_fault,
					     PMT_FAULT_MAX_NS);
	f.gc_generation = -1;
	if (p->gc_registered) {
		f.gc_known = f.gc_timed = true;
		for (g = 0; g < PMT_GENS; g++)
			f.gc_collections[g] = p->gc_runs[g] - p->gc_runs0[g];
		f.gc_collected = p->gc_collected - p->gc_collected0;
		f.gc_uncollectable = p->gc_uncollectable - p->gc_uncollectable0;
		f.gc_ns = p->gc_ns - p->gc_ns0;
	}
	x.python_heap = -1;
	if (p->hooks_held && pmt_hooks_active(h)) {
		x.allocs_known = true;
		x.allocs = h->c.allocs - p->c0.allocs;
		x.frees = h->c.frees - p->c0.frees;
		x.reallocs = h->c.reallocs - p->c0.reallocs;
		x.alloc_bytes = h->c.alloc_bytes - p->c0.alloc_bytes;
		x.freed_bytes = h->c.freed_bytes - p->c0.freed_bytes;
		x.frees_unknown = h->c.frees_unknown - p->c0.frees_unknown;
		x.py_peak_bytes = h->peak_bytes - p->c0.live_bytes;
		x.python_heap = h->c.live_bytes;
	}
	pmt_frame_classify(&p->cfg, &p->base, &f);
	slot = p->ring.head;
	p->extra[slot] = x;
	pmt_frame_ring_push(&p->ring, &f);
	pmt_summary_acc_add(&p->total, &f);
	p->frames++;
	Py_CLEAR(p->last_stats);
	return slot;
}

/* FrameStats of ring slot @slot. */
static PyObject *stats_at_slot(ProfilerObject *p, size_t slot)
{
	return pmt_frame_stats_new(p->st, &p->ring.frames[slot], &p->extra[slot]);
}

/* After frame_end(): run the spike and drop callbacks. 0, or -1 with an exception. */
static int run_callbacks(ProfilerObject *p, size_t slot)
{
	const struct pmt_frame *f = &p->ring.frames[slot];
	PyObject *stats;
	int rc = 0;

	if (!((f->spike && PyList_GET_SIZE(p->spike_cbs)) ||
	      (f->dropped && PyList_GET_SIZE(p->drop_cbs))))
		return 0;
	stats = stats_at_slot(p, slot);
	if (!stats)
		return -1;
	if (f->spike)
		rc = pmt_call_each(p->spike_cbs, stats);
	if (!rc && f->dropped)
		rc = pmt_call_each(p->drop_cbs, stats);
	Py_DECREF(stats);
	return rc;
}

/* ---- GC callback ---------------------------------------------------------------- */

/* gc.callbacks entry: callback(phase, info). Never raises into the collector. */
static PyObject *gc_callback(PyObject *self, PyObject *args)
{
	ProfilerObject *p = (ProfilerObject *)self;
	PyObject *phase, *info, *v;
	long gen;

	if (!PyArg_ParseTuple(args, "OO", &phase, &info))
		return NULL;
	if (PyUnicode_Compare(phase, p->st->str_start) == 0) {
		p->gc_start_ns = pmt_os_now_ns();
		p->gc_in = true;
		Py_RETURN_NONE;
	}
	if (!p->gc_in || !PyDict_Check(info))
		Py_RETURN_NONE;
	p->gc_in = false;
	p->gc_ns += pmt_os_now_ns() - p->gc_start_ns;
	v = PyDict_GetItem(info, p->st->str_generation);
	gen = v ? PyLong_AsLong(v) : -1;
	if (gen >= 0 && gen < PMT_GENS)
		p->gc_runs[gen]++;
	v = PyDict_GetItem(info, p->st->str_collected);
	if (v)
		p->gc_collected += (uint64_t)PyLong_AsLongLong(v);
	v = PyDict_GetItem(info, p->st->str_uncollectable);
	if (v)
		p->gc_uncollectable += (uint64_t)PyLong_AsLongLong(v);
	PyErr_Clear();
	Py_RETURN_NONE;
}

static PyMethodDef gc_callback_def = { "_pymemtrace_gc_callback", gc_callback, METH_VARARGS,
				       "pymemtrace's GC timer (gc.callbacks)." };

/* gc.callbacks, borrowed from the gc module kept alive by sys.modules; NULL with an exception. */
static PyObject *gc_callbacks_list(void)
{
	PyObject *gc = PyImport_ImportModule("gc");
	PyObject *cbs;

	if (!gc)
		return NULL;
	cbs = PyObject_GetAttrString(gc, "callbacks");
	Py_DECREF(gc);
	if (cbs && !PyList_Check(cbs)) {
		Py_DECREF(cbs);
		PyErr_SetString(PyExc_TypeError, "gc.callbacks is not a list");
		return NULL;
	}
	return cbs; /* new reference */
}

static int gc_register(ProfilerObject *p)
{
	PyObject *cbs = gc_callbacks_list();
	int rc;

	if (!cbs)
		return -1;
	if (!p->gc_callback) {
		p->gc_callback = PyCFunction_New(&gc_callback_def, (PyObject *)p);
		if (!p->gc_callback) {
			Py_DECREF(cbs);
			return -1;
		}
	}
	rc = PyList_Append(cbs, p->gc_callback);
	Py_DECREF(cbs);
	if (rc == 0)
		p->gc_registered = true;
	return rc;
}

static void gc_unregister(ProfilerObject *p)
{
	PyObject *cbs, *r;

	if (!p->gc_registered)
		return;
	p->gc_registered = false;
	p->gc_in = false;
	cbs = gc_callbacks_list();
	if (!cbs) {
		PyErr_Clear();
		return;
	}
	r = PyObject_CallMethod(cbs, "remove", "O", p->gc_callback);
	if (!r)
		PyErr_Clear(); /* someone removed it already */
	Py_XDECREF(r);
	Py_DECREF(cbs);
}

/* ---- start / stop --------------------------------------------------------------- */

static int start(ProfilerObject *p)
{
	if (p->profiling)
		return 0;
	if (!p->os_open) {
		int err = pmt_os_open(&p->os);

		if (err) {
			errno = -err;
			PyErr_SetFromErrno(PyExc_OSError);
			return -1;
		}
		p->os_open = true;
	}
	if (p->ns_per_fault <= 0)
		p->ns_per_fault = measure_fault_cost();
	if (p->track_allocations) {
		if (pmt_hooks_acquire(p->st->hooks))
			return -1;
		p->hooks_held = true;
	}
	if (p->track_gc && gc_register(p) < 0) {
		if (p->hooks_held) {
			pmt_hooks_release(p->st->hooks);
			p->hooks_held = false;
		}
		return -1;
	}
	p->profiling = true;
	return 0;
}

static void stop(ProfilerObject *p)
{
	if (!p->profiling)
		return;
	p->in_frame = FRAME_NONE; /* an open frame is dropped */
	gc_unregister(p);
	if (p->hooks_held) {
		pmt_hooks_release(p->st->hooks);
		p->hooks_held = false;
	}
	p->profiling = false;
}

PyDoc_STRVAR(start_doc,
"start_profiling()\n--\n\n"
"Start measuring: install the allocator hooks (track_allocations) and the GC\n"
"timer in gc.callbacks (track_gc). Calling it again does nothing. frame()\n"
"and mark_frame() start profiling themselves when needed.");

static PyObject *p_start(ProfilerObject *p, PyObject *unused)
{
	(void)unused;
	if (start(p) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(stop_doc,
"stop_profiling()\n--\n\n"
"Stop measuring: remove the hooks and the GC timer. The history stays; an\n"
"open frame is dropped. start_profiling() resumes (numbering goes on).");

static PyObject *p_stop(ProfilerObject *p, PyObject *unused)
{
	(void)unused;
	stop(p);
	Py_RETURN_NONE;
}

/* ---- frames --------------------------------------------------------------------- */

PyDoc_STRVAR(frame_doc,
"frame()\n--\n\nReturns context manager. "
"`with profiler.frame():` measures its body as one frame. Frames do not\n"
"nest (RuntimeError). An exception in the body ends the frame normally and\n"
"propagates. Spike and drop callbacks run when the frame ends.");

static PyObject *p_frame(ProfilerObject *p, PyObject *unused)
{
	(void)unused;
	Py_INCREF(p->ctx);
	return p->ctx;
}

PyDoc_STRVAR(mark_doc,
"mark_frame()\n--\n\n"
"For game loops that cannot wrap a frame in `with`: call once per frame\n"
"(where the frame is presented). Each call ends the frame the previous call\n"
"began and begins the next; the first call only begins. Returns the\n"
"FrameStats of the frame it ended, or None.");

static PyObject *p_mark(ProfilerObject *p, PyObject *unused)
{
	size_t slot;

	(void)unused;
	if (p->in_frame == FRAME_WITH) {
		PyErr_SetString(PyExc_RuntimeError,
				"mark_frame() inside `with profiler.frame()`: use one or the other");
		return NULL;
	}
	if (start(p) < 0)
		return NULL;
	if (p->in_frame != FRAME_TICK) {
		p->in_frame = FRAME_TICK;
		frame_begin(p);
		Py_RETURN_NONE;
	}
	slot = frame_end(p);
	frame_begin(p);
	if (run_callbacks(p, slot) < 0)
		return NULL;
	return stats_at_slot(p, slot);
}

static PyObject *ctx_enter(ContextObject *c, PyObject *unused)
{
	ProfilerObject *p = c->p;

	(void)unused;
	if (p->in_frame == FRAME_WITH) {
		PyErr_SetString(PyExc_RuntimeError, "profiler frames do not nest");
		return NULL;
	}
	if (p->in_frame == FRAME_TICK) {
		PyErr_SetString(PyExc_RuntimeError,
				"`with profiler.frame()` while mark_frame() frames run: use one or "
				"the other");
		return NULL;
	}
	if (start(p) < 0)
		return NULL;
	p->in_frame = FRAME_WITH;
	frame_begin(p);
	Py_INCREF(c);
	return (PyObject *)c;
}

static PyObject *ctx_exit(ContextObject *c, PyObject *args)
{
	ProfilerObject *p = c->p;
	PyObject *exc_type = Py_None, *exc = NULL, *tb = NULL;
	size_t slot;

	if (!PyArg_ParseTuple(args, "|OOO", &exc_type, &exc, &tb))
		return NULL;
	if (p->in_frame != FRAME_WITH)
		Py_RETURN_FALSE; /* profiling stopped inside the frame: nothing to end */
	p->in_frame = FRAME_NONE;
	slot = frame_end(p);
	if (run_callbacks(p, slot) < 0) {
		if (exc_type == Py_None)
			return NULL;
		/* the body's exception wins; the callback's is reported */
		PyErr_WriteUnraisable((PyObject *)p);
	}
	Py_RETURN_FALSE;
}

static PyObject *ctx_stats(ContextObject *c, void *closure)
{
	ProfilerObject *p = c->p;

	(void)closure;
	if (!p->ring.len)
		Py_RETURN_NONE;
	return stats_at_slot(p, (p->ring.head + p->ring.cap - 1) % p->ring.cap);
}

/* ---- reading the history -------------------------------------------------------- */

/* The ring slot of frame number @n, or -1 (frames are kept in increasing numbers, maybe with gaps). */
static long slot_of(ProfilerObject *p, uint64_t n)
{
	size_t lo = 0, hi = p->ring.len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pmt_frame *f = pmt_frame_ring_get(&p->ring, mid);

		if (f->index == n)
			return (long)(f - p->ring.frames);
		if (f->index < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

PyDoc_STRVAR(get_stats_doc,
"get_frame_stats(frame_number=None)\n--\n\nReturns FrameStats | None. "
"The last frame's FrameStats (None before the first frame ends), or those of\n"
"frame_number while it is in the history (IndexError otherwise).");

static PyObject *p_get_stats(ProfilerObject *p, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "frame_number", NULL };
	PyObject *num = Py_None;
	unsigned long long n;
	long slot;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:get_frame_stats", kwlist, &num))
		return NULL;
	if (num == Py_None) {
		if (!p->ring.len)
			Py_RETURN_NONE;
		if (!p->last_stats) {
			p->last_stats = stats_at_slot(p, (p->ring.head + p->ring.cap - 1) % p->ring.cap);
			if (!p->last_stats)
				return NULL;
		}
		Py_INCREF(p->last_stats);
		return p->last_stats;
	}
	n = PyLong_AsUnsignedLongLong(num);
	if (n == (unsigned long long)-1 && PyErr_Occurred()) {
		if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
			PyErr_Clear();
			PyErr_Format(PyExc_IndexError, "frame %R is not in the history", num);
		}
		return NULL;
	}
	slot = slot_of(p, n);
	if (slot < 0) {
		PyErr_Format(PyExc_IndexError, "frame %llu is not in the history (frames %llu..%llu kept)",
			     n, p->ring.len ? (unsigned long long)pmt_frame_ring_get(&p->ring, 0)->index : 0ULL,
			     p->ring.len ? (unsigned long long)pmt_frame_ring_get(&p->ring, p->ring.len - 1)->index
					 : 0ULL);
		return NULL;
	}
	return stats_at_slot(p, (size_t)slot);
}

PyDoc_STRVAR(history_doc,
"get_frame_history(last=None)\n--\n\nReturns list[FrameStats]. "
"The frames kept (at most max_frame_history), oldest first; only the last\n"
"`last` of them when given.");

static PyObject *p_history(ProfilerObject *p, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "last", NULL };
	Py_ssize_t last = -1;
	size_t i, from = 0;
	PyObject *list;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n:get_frame_history", kwlist, &last))
		return NULL;
	if (last >= 0 && (size_t)last < p->ring.len)
		from = p->ring.len - (size_t)last;
	list = PyList_New(0);
	for (i = from; list && i < p->ring.len; i++) {
		const struct pmt_frame *f = pmt_frame_ring_get(&p->ring, i);
		PyObject *s = stats_at_slot(p, (size_t)(f - p->ring.frames));

		if (!s || PyList_Append(list, s) < 0)
			Py_CLEAR(list);
		Py_XDECREF(s);
	}
	return list;
}

/*
 * Classify a copy of the history again at @fps (and @drop_factor when > 0)
 * with a fresh baseline, as the frames came; @out gets the copies. Returns
 * the count, or -1 with an exception.
 */
static Py_ssize_t reclassify(ProfilerObject *p, double fps, double drop_factor,
			     struct pmt_frame **out)
{
	struct pmt_analysis_config cfg = p->cfg;
	struct pmt_baseline b;
	struct pmt_frame *v;
	size_t i;

	if (!(fps > 0) || !isfinite(fps)) {
		PyErr_SetString(PyExc_ValueError, "target_fps must be a positive number");
		return -1;
	}
	if (drop_factor > 0)
		cfg.drop_factor = drop_factor;
	cfg.target_fps = fps;
	v = PyMem_Calloc(p->ring.len ? p->ring.len : 1, sizeof(*v));
	if (!v || pmt_baseline_init(&b, cfg.baseline_window)) {
		PyMem_Free(v);
		PyErr_NoMemory();
		return -1;
	}
	for (i = 0; i < p->ring.len; i++) {
		v[i] = *pmt_frame_ring_get(&p->ring, i);
		pmt_frame_classify(&cfg, &b, &v[i]);
	}
	pmt_baseline_free(&b);
	*out = v;
	return (Py_ssize_t)p->ring.len;
}

PyDoc_STRVAR(drops_doc,
"detect_frame_drops(target_fps=60, drop_factor=None)\n--\n\nReturns list[int]. "
"Numbers of the frames in the history that missed the frame budget at\n"
"target_fps: longer than drop_factor (default 1.25) x 1/target_fps.");

static PyObject *p_drops(ProfilerObject *p, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "target_fps", "drop_factor", NULL };
	double fps = 60.0, factor = 0;
	PyObject *dfo = Py_None, *list;
	struct pmt_frame *v;
	Py_ssize_t n, i;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|dO:detect_frame_drops", kwlist, &fps, &dfo))
		return NULL;
	if (dfo != Py_None) {
		factor = PyFloat_AsDouble(dfo);
		if (factor == -1 && PyErr_Occurred())
			return NULL;
		if (!(factor > 0)) {
			PyErr_SetString(PyExc_ValueError, "drop_factor must be positive");
			return NULL;
		}
	}
	n = reclassify(p, fps, factor, &v);
	if (n < 0)
		return NULL;
	list = PyList_New(0);
	for (i = 0; list && i < n; i++) {
		PyObject *num;

		if (!v[i].dropped)
			continue;
		num = PyLong_FromUnsignedLongLong(v[i].index);
		if (!num || PyList_Append(list, num) < 0)
			Py_CLEAR(list);
		Py_XDECREF(num);
	}
	PyMem_Free(v);
	return list;
}

PyDoc_STRVAR(correlate_doc,
"correlate_frame_drops(target_fps=60)\n--\n\nReturns dict. "
"Which dropped frames memory explains: {'dropped': n, 'memory_related': n,\n"
"'by_cause': {'gc': n, 'page_faults': n, 'heap_growth': n, 'none': n},\n"
"'frames': [FrameStats of each dropped frame, drop_cause set at target_fps]}.\n"
"A cause is named when GC time or page-fault time covers half the time the\n"
"frame took over its normal duration (docs/measurements.md).");

static PyObject *p_correlate(ProfilerObject *p, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "target_fps", NULL };
	double fps = 60.0;
	uint64_t causes[4] = { 0 }, dropped = 0;
	PyObject *frames = NULL, *res = NULL;
	struct pmt_frame *v;
	Py_ssize_t n, i;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|d:correlate_frame_drops", kwlist, &fps))
		return NULL;
	n = reclassify(p, fps, 0, &v);
	if (n < 0)
		return NULL;
	frames = PyList_New(0);
	for (i = 0; frames && i < n; i++) {
		const struct pmt_frame *f = pmt_frame_ring_get(&p->ring, (size_t)i);
		PyObject *s;

		if (!v[i].dropped)
			continue;
		dropped++;
		causes[v[i].cause < 4 ? v[i].cause : 0]++;
		s = pmt_frame_stats_new(p->st, &v[i], &p->extra[f - p->ring.frames]);
		if (!s || PyList_Append(frames, s) < 0)
			Py_CLEAR(frames);
		Py_XDECREF(s);
	}
	if (frames)
		res = Py_BuildValue("{s:K,s:K,s:{s:K,s:K,s:K,s:K},s:O}", "dropped",
				    (unsigned long long)dropped, "memory_related",
				    (unsigned long long)(dropped - causes[PMT_CAUSE_NONE]), "by_cause",
				    "gc", (unsigned long long)causes[PMT_CAUSE_GC], "page_faults",
				    (unsigned long long)causes[PMT_CAUSE_PAGE_FAULTS], "heap_growth",
				    (unsigned long long)causes[PMT_CAUSE_HEAP_GROWTH], "none",
				    (unsigned long long)causes[PMT_CAUSE_NONE], "frames", frames);
	Py_XDECREF(frames);
	PyMem_Free(v);
	return res;
}

PyDoc_STRVAR(spikes_doc,
"get_spikes()\n--\n\nReturns list[FrameStats]. "
"The frames in the history that were memory or time spikes when they ended.");

static PyObject *p_spikes(ProfilerObject *p, PyObject *unused)
{
	PyObject *list = PyList_New(0);
	size_t i;

	(void)unused;
	for (i = 0; list && i < p->ring.len; i++) {
		const struct pmt_frame *f = pmt_frame_ring_get(&p->ring, i);
		PyObject *s;

		if (!f->spike)
			continue;
		s = stats_at_slot(p, (size_t)(f - p->ring.frames));
		if (!s || PyList_Append(list, s) < 0)
			Py_CLEAR(list);
		Py_XDECREF(s);
	}
	return list;
}

PyDoc_STRVAR(summary_doc,
"get_summary()\n--\n\nReturns dict. "
"The whole run (every frame since the profiler was made, not only the\n"
"history): frames, fps, frame_time {mean, p50, p95, p99, max} (seconds;\n"
"percentiles within 0.8 %), memory_first, memory_last, memory_peak,\n"
"memory_growth, growth_per_frame (bytes), minor_faults, major_faults,\n"
"gc_collections (gen0, gen1, gen2), gc_collected, gc_time, spikes,\n"
"memory_spikes, time_spikes, dropped, causes {gc, page_faults, heap_growth,\n"
"none}.");

static PyObject *p_summary(ProfilerObject *p, PyObject *unused)
{
	struct pmt_summary s;

	(void)unused;
	pmt_summary_acc_get(&p->total, &s);
	return Py_BuildValue(
		"{s:K,s:d,s:{s:d,s:d,s:d,s:d,s:d},s:K,s:K,s:K,s:L,s:d,s:K,s:K,s:(KKK),s:K,s:d,"
		"s:K,s:K,s:K,s:K,s:{s:K,s:K,s:K,s:K}}",
		"frames", (unsigned long long)s.frames, "fps", s.fps, "frame_time", "mean",
		(double)s.dur_mean_ns / 1e9, "p50", (double)s.dur_p50_ns / 1e9, "p95",
		(double)s.dur_p95_ns / 1e9, "p99", (double)s.dur_p99_ns / 1e9, "max",
		(double)s.dur_max_ns / 1e9, "memory_first", (unsigned long long)s.rss_first_bytes,
		"memory_last", (unsigned long long)s.rss_last_bytes, "memory_peak",
		(unsigned long long)s.rss_peak_bytes, "memory_growth", (long long)s.rss_growth_bytes,
		"growth_per_frame", s.growth_per_frame, "minor_faults", (unsigned long long)s.minflt,
		"major_faults", (unsigned long long)s.majflt, "gc_collections",
		(unsigned long long)s.gc_collections[0], (unsigned long long)s.gc_collections[1],
		(unsigned long long)s.gc_collections[2], "gc_collected",
		(unsigned long long)s.gc_collected, "gc_time", (double)s.gc_ns / 1e9, "spikes",
		(unsigned long long)s.spikes, "memory_spikes", (unsigned long long)s.spikes_memory,
		"time_spikes", (unsigned long long)s.spikes_time, "dropped",
		(unsigned long long)s.dropped, "causes", "gc",
		(unsigned long long)s.causes[PMT_CAUSE_GC], "page_faults",
		(unsigned long long)s.causes[PMT_CAUSE_PAGE_FAULTS], "heap_growth",
		(unsigned long long)s.causes[PMT_CAUSE_HEAP_GROWTH], "none",
		(unsigned long long)s.causes[PMT_CAUSE_NONE]);
}

/* add_spike_callback / add_drop_callback and their removals */
static PyObject *add_cb(PyObject *list, PyObject *fn)
{
	if (!PyCallable_Check(fn)) {
		PyErr_Format(PyExc_TypeError, "callback must be callable, not %.100s",
			     Py_TYPE(fn)->tp_name);
		return NULL;
	}
	if (PyList_Append(list, fn) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *remove_cb(PyObject *list, PyObject *fn)
{
	PyObject *r = PyObject_CallMethod(list, "remove", "O", fn);

	if (!r)
		return NULL; /* ValueError: not registered */
	Py_DECREF(r);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(add_spike_doc,
"add_spike_callback(callback)\n--\n\n"
"Call callback(stats) when a frame ends as a memory or time spike (a spike\n"
"alert). An exception it raises propagates from the frame's end.");

static PyObject *p_add_spike(ProfilerObject *p, PyObject *fn)
{
	return add_cb(p->spike_cbs, fn);
}

PyDoc_STRVAR(rm_spike_doc, "remove_spike_callback(callback)\n--\n\nUndo add_spike_callback (ValueError if absent).");

static PyObject *p_rm_spike(ProfilerObject *p, PyObject *fn)
{
	return remove_cb(p->spike_cbs, fn);
}

PyDoc_STRVAR(add_drop_doc,
"add_drop_callback(callback)\n--\n\n"
"Call callback(stats) when a frame ends dropped (over the frame budget at\n"
"the profiler's target_fps); stats.drop_cause says whether memory caused it.");

static PyObject *p_add_drop(ProfilerObject *p, PyObject *fn)
{
	return add_cb(p->drop_cbs, fn);
}

PyDoc_STRVAR(rm_drop_doc, "remove_drop_callback(callback)\n--\n\nUndo add_drop_callback (ValueError if absent).");

static PyObject *p_rm_drop(ProfilerObject *p, PyObject *fn)
{
	return remove_cb(p->drop_cbs, fn);
}

PyDoc_STRVAR(reset_doc,
"reset()\n--\n\n"
"Forget the history, the baseline and the summary; numbering restarts at 0.\n"
"Profiling goes on if it was on (an open frame is dropped).");

static PyObject *p_reset(ProfilerObject *p, PyObject *unused)
{
	size_t cap = p->ring.cap;

	(void)unused;
	if (p->in_frame == FRAME_WITH) {
		PyErr_SetString(PyExc_RuntimeError, "reset() inside a frame");
		return NULL;
	}
	p->in_frame = FRAME_NONE;
	pmt_frame_ring_free(&p->ring);
	pmt_baseline_free(&p->base);
	if (pmt_frame_ring_init(&p->ring, cap) || pmt_baseline_init(&p->base, p->cfg.baseline_window))
		return PyErr_NoMemory();
	pmt_summary_acc_reset(&p->total);
	p->frames = 0;
	Py_CLEAR(p->last_stats);
	Py_RETURN_NONE;
}

/* Private: pymemtrace.load() puts a frame read from a pmtrace-bpf file in the history as it was classified. */
static PyObject *p_load_frame(ProfilerObject *p, PyObject *args)
{
	struct pmt_frame f;
	struct pmt_frame_extra x;
	unsigned long long index, ts, dur, rss, minflt, majflt, fault_ns, gc0, gc1, gc2, coll,
		uncoll, gc_ns, mapped, unmapped, sys_ns, prof_cost;
	long long delta, heap, brk;
	int gc_known, gc_timed, partial, spike, spike_kind, dropped, cause, gen, prof, prof_slow;

	if (!PyArg_ParseTuple(args, "KKKKLKKKpKKKKKKpLpppiiiKKLKiKp:_load_frame", &index, &ts, &dur,
			      &rss, &delta, &minflt, &majflt, &fault_ns, &gc_known, &gc0, &gc1,
			      &gc2, &coll, &uncoll, &gc_ns, &gc_timed, &heap, &partial, &spike,
			      &dropped, &spike_kind, &cause, &gen, &mapped, &unmapped, &brk, &sys_ns,
			      &prof, &prof_cost, &prof_slow))
		return NULL;
	memset(&f, 0, sizeof(f));
	memset(&x, 0, sizeof(x));
	f.index = index;
	f.ts_ns = ts;
	f.duration_ns = dur;
	f.rss_bytes = rss;
	f.rss_delta_bytes = delta;
	f.minflt = minflt;
	f.majflt = majflt;
	f.fault_ns = fault_ns;
	f.gc_known = gc_known;
	f.gc_collections[0] = gc0;
	f.gc_collections[1] = gc1;
	f.gc_collections[2] = gc2;
	f.gc_collected = coll;
	f.gc_uncollectable = uncoll;
	f.gc_ns = gc_ns;
	f.gc_timed = gc_timed;
	f.python_heap_known = heap >= 0;
	f.python_heap_bytes = heap >= 0 ? (uint64_t)heap : 0;
	f.partial = partial;
	f.spike = spike;
	f.spike_kind = (uint8_t)spike_kind;
	f.dropped = dropped;
	f.cause = (enum pmt_cause)(cause >= 0 && cause < PMT_CAUSES ? cause : 0);
	f.prof = (uint8_t)(prof & (PMT_PROF_TRACED | PMT_PROF_PROBES));
	f.prof_cost_ns = prof_cost;
	f.prof_slow = prof_slow;
	f.gc_generation = gen;
	f.mapped_bytes = mapped;
	f.unmapped_bytes = unmapped;
	f.brk_delta_bytes = brk;
	f.sys_ns = sys_ns;
	x.loaded = true;
	x.start_ns = ts > dur ? ts - dur : 0;
	x.rss_start = delta < 0 || (uint64_t)delta <= rss ? (uint64_t)((int64_t)rss - delta) : 0;
	x.rss_net = delta;
	x.peak_rss = rss > x.rss_start ? rss : x.rss_start;
	x.python_heap = heap;
	/* partial frames keep their loaded classification; the rest feed the baseline
	 * (frames the profiler acted in stay out of it, as in the tool) */
	p->extra[p->ring.head] = x;
	pmt_frame_ring_push(&p->ring, &f);
	pmt_summary_acc_add(&p->total, &f);
	if (!f.partial && !f.spike && !f.prof)
		pmt_baseline_add(&p->base, f.duration_ns, f.rss_delta_bytes);
	p->frames = index + 1;
	Py_CLEAR(p->last_stats);
	Py_RETURN_NONE;
}

uint64_t pmt_profiler_frame_count(PyObject *profiler)
{
	return ((ProfilerObject *)profiler)->frames;
}

/* ---- the type ------------------------------------------------------------------- */

static PyObject *p_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "max_frame_history", "spike_threshold", "target_fps",
				  "spike_floor_bytes", "track_allocations", "track_gc",
				  "baseline_window", "drop_factor", NULL };
	Py_ssize_t history = 1000, window = 60;
	double threshold = 0.1, fps = 60.0, drop_factor = 1.25;
	PyObject *floor_obj = NULL;
	uint64_t floor = 1024 * 1024;
	int track_allocs = 1, track_gc = 1;
	struct pmt_state *st = pmt_state_from_type(tp);
	ProfilerObject *p;
	ContextObject *c;

	if (!st)
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|nddOppnd:FrameMemoryProfiler", kwlist,
					 &history, &threshold, &fps, &floor_obj, &track_allocs,
					 &track_gc, &window, &drop_factor))
		return NULL;
	if (history < 1) {
		PyErr_SetString(PyExc_ValueError, "max_frame_history must be at least 1");
		return NULL;
	}
	if (!(threshold >= 0) || !isfinite(threshold)) {
		PyErr_SetString(PyExc_ValueError, "spike_threshold must be a number >= 0");
		return NULL;
	}
	if (!(fps > 0) || !isfinite(fps)) {
		PyErr_SetString(PyExc_ValueError, "target_fps must be a positive number");
		return NULL;
	}
	if (!(drop_factor > 0) || !isfinite(drop_factor)) {
		PyErr_SetString(PyExc_ValueError, "drop_factor must be a positive number");
		return NULL;
	}
	if (window < 1 || window > 100000) {
		PyErr_SetString(PyExc_ValueError, "baseline_window must be 1..100000");
		return NULL;
	}
	if (floor_obj && pmt_bytes_arg(floor_obj, "spike_floor_bytes", &floor) < 0)
		return NULL;
	p = (ProfilerObject *)tp->tp_alloc(tp, 0);
	if (!p)
		return NULL;
	p->st = st;
	p->os.statm_fd = -1;
	pmt_analysis_config_default(&p->cfg);
	p->cfg.spike_threshold = threshold;
	p->cfg.target_fps = fps;
	p->cfg.spike_floor_bytes = floor;
	p->cfg.drop_factor = drop_factor;
	p->cfg.baseline_window = (uint32_t)window;
	if (p->cfg.baseline_min > p->cfg.baseline_window)
		p->cfg.baseline_min = p->cfg.baseline_window;
	p->track_allocations = track_allocs;
	p->track_gc = track_gc;
	pmt_summary_acc_reset(&p->total);
	p->spike_cbs = PyList_New(0);
	p->drop_cbs = PyList_New(0);
	if (!p->spike_cbs || !p->drop_cbs)
		goto fail;
	if (pmt_frame_ring_init(&p->ring, (size_t)history) ||
	    pmt_baseline_init(&p->base, p->cfg.baseline_window)) {
		PyErr_NoMemory();
		goto fail;
	}
	p->extra = PyMem_Calloc((size_t)history, sizeof(*p->extra));
	if (!p->extra) {
		PyErr_NoMemory();
		goto fail;
	}
	c = (ContextObject *)st->FrameContext->tp_alloc(st->FrameContext, 0);
	if (!c)
		goto fail;
	Py_INCREF(p);
	c->p = p;
	p->ctx = (PyObject *)c;
	return (PyObject *)p;
fail:
	Py_DECREF(p);
	return NULL;
}

static int p_traverse(ProfilerObject *p, visitproc visit, void *arg)
{
	PMT_VISIT_TYPE(p);
	Py_VISIT(p->gc_callback);
	Py_VISIT(p->spike_cbs);
	Py_VISIT(p->drop_cbs);
	Py_VISIT(p->ctx);
	Py_VISIT(p->last_stats);
	return 0;
}

static int p_clear(ProfilerObject *p)
{
	stop(p);
	Py_CLEAR(p->gc_callback);
	Py_CLEAR(p->spike_cbs);
	Py_CLEAR(p->drop_cbs);
	Py_CLEAR(p->ctx);
	Py_CLEAR(p->last_stats);
	return 0;
}

static void p_dealloc(ProfilerObject *p)
{
	PyTypeObject *tp = Py_TYPE(p);

	PyObject_GC_UnTrack(p);
	p_clear(p);
	if (p->os_open)
		pmt_os_close(&p->os);
	pmt_frame_ring_free(&p->ring);
	pmt_baseline_free(&p->base);
	PyMem_Free(p->extra);
	tp->tp_free(p);
	Py_DECREF(tp);
}

static PyObject *get_profiling(ProfilerObject *p, void *c)
{
	(void)c;
	return PyBool_FromLong(p->profiling);
}

static PyObject *get_frame_count(ProfilerObject *p, void *c)
{
	(void)c;
	return PyLong_FromUnsignedLongLong(p->frames);
}

static PyObject *get_history(ProfilerObject *p, void *c)
{
	(void)c;
	return PyLong_FromSize_t(p->ring.cap);
}

static PyObject *get_threshold(ProfilerObject *p, void *c)
{
	(void)c;
	return PyFloat_FromDouble(p->cfg.spike_threshold);
}

static PyObject *get_fps(ProfilerObject *p, void *c)
{
	(void)c;
	return PyFloat_FromDouble(p->cfg.target_fps);
}

static PyObject *get_floor(ProfilerObject *p, void *c)
{
	(void)c;
	return PyLong_FromUnsignedLongLong(p->cfg.spike_floor_bytes);
}

static PyObject *get_fault_cost(ProfilerObject *p, void *c)
{
	(void)c;
	return PyFloat_FromDouble(p->ns_per_fault / 1e9);
}

static PyObject *get_allocs_tracked(ProfilerObject *p, void *c)
{
	(void)c;
	return PyBool_FromLong(p->hooks_held && pmt_hooks_active(p->st->hooks));
}

static PyGetSetDef p_getset[] = {
	{ "is_profiling", (getter)get_profiling, NULL, "True between start and stop.", NULL },
	{ "frame_count", (getter)get_frame_count, NULL,
	  "Frames recorded since the profiler was made (or reset).", NULL },
	{ "max_frame_history", (getter)get_history, NULL, "Frames kept in the history.", NULL },
	{ "spike_threshold", (getter)get_threshold, NULL,
	  "Fraction above the rolling baseline that makes a spike.", NULL },
	{ "target_fps", (getter)get_fps, NULL, "Frame rate whose budget defines drops.", NULL },
	{ "spike_floor_bytes", (getter)get_floor, NULL,
	  "Memory growth below this is never a memory spike.", NULL },
	{ "fault_cost", (getter)get_fault_cost, NULL,
	  "Measured cost of one page fault, seconds (fault_time estimates).", NULL },
	{ "allocations_tracked", (getter)get_allocs_tracked, NULL,
	  "True while the allocator hooks count for this profiler.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef p_methods[] = {
	{ "start_profiling", (PyCFunction)p_start, METH_NOARGS, start_doc },
	{ "stop_profiling", (PyCFunction)p_stop, METH_NOARGS, stop_doc },
	{ "frame", (PyCFunction)p_frame, METH_NOARGS, frame_doc },
	{ "mark_frame", (PyCFunction)p_mark, METH_NOARGS, mark_doc },
	{ "get_frame_stats", (PyCFunction)(void (*)(void))p_get_stats, METH_VARARGS | METH_KEYWORDS,
	  get_stats_doc },
	{ "get_frame_history", (PyCFunction)(void (*)(void))p_history, METH_VARARGS | METH_KEYWORDS,
	  history_doc },
	{ "detect_frame_drops", (PyCFunction)(void (*)(void))p_drops, METH_VARARGS | METH_KEYWORDS,
	  drops_doc },
	{ "correlate_frame_drops", (PyCFunction)(void (*)(void))p_correlate,
	  METH_VARARGS | METH_KEYWORDS, correlate_doc },
	{ "get_spikes", (PyCFunction)p_spikes, METH_NOARGS, spikes_doc },
	{ "get_summary", (PyCFunction)p_summary, METH_NOARGS, summary_doc },
	{ "add_spike_callback", (PyCFunction)p_add_spike, METH_O, add_spike_doc },
	{ "remove_spike_callback", (PyCFunction)p_rm_spike, METH_O, rm_spike_doc },
	{ "add_drop_callback", (PyCFunction)p_add_drop, METH_O, add_drop_doc },
	{ "remove_drop_callback", (PyCFunction)p_rm_drop, METH_O, rm_drop_doc },
	{ "reset", (PyCFunction)p_reset, METH_NOARGS, reset_doc },
	{ "_load_frame", (PyCFunction)p_load_frame, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

PyDoc_STRVAR(p_doc,
"FrameMemoryProfiler(max_frame_history=1000, spike_threshold=0.1, target_fps=60,\n"
"                    spike_floor_bytes=1048576, track_allocations=True,\n"
"                    track_gc=True, baseline_window=60, drop_factor=1.25)\n"
"--\n\n"
"Per-frame memory of the running game, measured in-process: resident memory\n"
"and its peak, page faults, Python allocations and bytes (allocator hooks),\n"
"GC collections and their time (gc.callbacks). Each frame is classified by\n"
"pymemtrace's C core, as pmtrace-bpf does: a memory spike grows at least\n"
"spike_floor_bytes (plus spike_threshold of the usual growth) above the\n"
"rolling baseline of baseline_window frames; a time spike runs\n"
"spike_threshold over the baseline by at least half the frame budget; a\n"
"dropped frame lasts over drop_factor x 1/target_fps and gets a memory cause\n"
"(gc, page_faults, heap_growth) when that time explains it.\n\n"
"    profiler = FrameMemoryProfiler(max_frame_history=1000, spike_threshold=0.1)\n"
"    profiler.start_profiling()\n"
"    with profiler.frame():\n"
"        update(); render()\n"
"    stats = profiler.get_frame_stats()");

static PyType_Slot p_slots[] = {
	{ Py_tp_doc, (void *)p_doc },
	{ Py_tp_new, (void *)p_new },
	{ Py_tp_methods, p_methods },
	{ Py_tp_getset, p_getset },
	{ Py_tp_traverse, (void *)p_traverse },
	{ Py_tp_clear, (void *)p_clear },
	{ Py_tp_dealloc, (void *)p_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_FrameMemoryProfiler_spec = {
	.name = "pymemtrace.FrameMemoryProfiler",
	.basicsize = sizeof(ProfilerObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
	.slots = p_slots,
};

/* ---- FrameContext ---------------------------------------------------------------- */

static int ctx_traverse(ContextObject *c, visitproc visit, void *arg)
{
	PMT_VISIT_TYPE(c);
	Py_VISIT(c->p);
	return 0;
}

static int ctx_clear(ContextObject *c)
{
	Py_CLEAR(c->p);
	return 0;
}

static void ctx_dealloc(ContextObject *c)
{
	PyTypeObject *tp = Py_TYPE(c);

	PyObject_GC_UnTrack(c);
	ctx_clear(c);
	tp->tp_free(c);
	Py_DECREF(tp);
}

static PyMethodDef ctx_methods[] = {
	{ "__enter__", (PyCFunction)ctx_enter, METH_NOARGS, "Begin the frame." },
	{ "__exit__", (PyCFunction)ctx_exit, METH_VARARGS, "End the frame; exceptions propagate." },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef ctx_getset[] = {
	{ "stats", (getter)ctx_stats, NULL, "FrameStats of the profiler's last frame, or None.",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyType_Slot ctx_slots[] = {
	{ Py_tp_doc, (void *)"The context manager FrameMemoryProfiler.frame() returns." },
	{ Py_tp_methods, ctx_methods },
	{ Py_tp_getset, ctx_getset },
	{ Py_tp_traverse, (void *)ctx_traverse },
	{ Py_tp_clear, (void *)ctx_clear },
	{ Py_tp_dealloc, (void *)ctx_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_FrameContext_spec = {
	.name = "pymemtrace.FrameContext",
	.basicsize = sizeof(ContextObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.slots = ctx_slots,
};
