// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_stats.c - FrameStats: one profiled frame, read-only. Built from the
 * core's analysed struct pmt_frame (classification included) and the
 * in-process extras; times in seconds, memory in bytes.
 */
#include "frame_profiler.h"

#include <structmember.h>

typedef struct {
	PyObject_HEAD
	unsigned long long frame_number;
	double start_time, frame_duration;
	unsigned long long memory_start, memory_end, peak_memory;
	long long memory_delta, memory_growth;
	unsigned long long python_allocations, python_frees, python_reallocations;
	unsigned long long python_allocated_bytes, python_freed_bytes, python_frees_unknown;
	long long python_net_bytes, python_peak_bytes, python_heap_bytes;
	unsigned long long gc_collected, gc_uncollectable;
	double gc_time;
	unsigned long long minor_faults, major_faults;
	double fault_time;
	int gc_generation;
	char is_spike, is_dropped, partial, peak_exact, allocations_tracked, gc_tracked;
	PyObject *gc_collections; /* (gen0, gen1, gen2) or None */
	PyObject *spike_kind;     /* "memory", "time", "memory+time" or None */
	PyObject *drop_cause;     /* "gc", "page_faults", "heap_growth" or None */
	PyObject *source;         /* "in-process" or "pmtrace-bpf" */
} FrameStatsObject;

static const char *spike_kind(const struct pmt_frame *f)
{
	if (!f->spike)
		return NULL;
	if ((f->spike_kind & PMT_SPIKE_MEMORY) && (f->spike_kind & PMT_SPIKE_TIME))
		return "memory+time";
	return (f->spike_kind & PMT_SPIKE_MEMORY) ? "memory" : "time";
}

static PyObject *str_or_none(const char *s)
{
	if (s)
		return PyUnicode_FromString(s);
	Py_RETURN_NONE;
}

PyObject *pmt_frame_stats_new(struct pmt_state *st, const struct pmt_frame *f,
			      const struct pmt_frame_extra *x)
{
	FrameStatsObject *o = (FrameStatsObject *)st->FrameStats->tp_alloc(st->FrameStats, 0);

	if (!o)
		return NULL;
	o->frame_number = f->index;
	o->start_time = (double)x->start_ns / 1e9;
	o->frame_duration = (double)f->duration_ns / 1e9;
	o->memory_start = x->rss_start;
	o->memory_end = f->rss_bytes;
	o->memory_delta = x->rss_net;
	o->memory_growth = f->rss_delta_bytes;
	o->peak_memory = x->peak_rss;
	o->peak_exact = x->peak_exact;
	o->allocations_tracked = x->allocs_known;
	o->python_allocations = x->allocs;
	o->python_frees = x->frees;
	o->python_reallocations = x->reallocs;
	o->python_allocated_bytes = x->alloc_bytes;
	o->python_freed_bytes = x->freed_bytes;
	o->python_frees_unknown = x->frees_unknown;
	o->python_net_bytes = (long long)x->alloc_bytes - (long long)x->freed_bytes;
	o->python_peak_bytes = x->py_peak_bytes;
	o->python_heap_bytes = x->python_heap;
	o->gc_tracked = f->gc_known;
	o->gc_collected = f->gc_collected;
	o->gc_uncollectable = f->gc_uncollectable;
	o->gc_time = (double)f->gc_ns / 1e9;
	o->gc_generation = f->gc_generation;
	o->minor_faults = f->minflt;
	o->major_faults = f->majflt;
	o->fault_time = (double)f->fault_ns / 1e9;
	o->is_spike = f->spike;
	o->is_dropped = f->dropped;
	o->partial = f->partial;
	if (f->gc_known) {
		o->gc_collections = Py_BuildValue("(KKK)", (unsigned long long)f->gc_collections[0],
						  (unsigned long long)f->gc_collections[1],
						  (unsigned long long)f->gc_collections[2]);
	} else {
		Py_INCREF(Py_None);
		o->gc_collections = Py_None;
	}
	o->spike_kind = str_or_none(spike_kind(f));
	o->drop_cause = str_or_none(f->dropped ? pmt_cause_name(f->cause) : NULL);
	o->source = PyUnicode_FromString(x->loaded ? "pmtrace-bpf" : "in-process");
	if (!o->gc_collections || !o->spike_kind || !o->drop_cause || !o->source) {
		Py_DECREF(o);
		return NULL;
	}
	return (PyObject *)o;
}

static int stats_traverse(FrameStatsObject *self, visitproc visit, void *arg)
{
	PMT_VISIT_TYPE(self);
	Py_VISIT(self->gc_collections);
	Py_VISIT(self->spike_kind);
	Py_VISIT(self->drop_cause);
	Py_VISIT(self->source);
	return 0;
}

static int stats_clear(FrameStatsObject *self)
{
	Py_CLEAR(self->gc_collections);
	Py_CLEAR(self->spike_kind);
	Py_CLEAR(self->drop_cause);
	Py_CLEAR(self->source);
	return 0;
}

static void stats_dealloc(FrameStatsObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	stats_clear(self);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyObject *stats_repr(FrameStatsObject *self)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "FrameStats(frame_number=%llu, frame_duration=%.3fms, memory_end=%.1fMiB, "
		 "memory_delta=%+lldB, peak_memory=%.1fMiB, python_allocations=%llu, "
		 "is_spike=%s, is_dropped=%s)",
		 self->frame_number, self->frame_duration * 1e3,
		 (double)self->memory_end / 1048576.0, self->memory_delta,
		 (double)self->peak_memory / 1048576.0, self->python_allocations,
		 self->is_spike ? "True" : "False", self->is_dropped ? "True" : "False");
	return PyUnicode_FromString(buf);
}

#define M(name, type, doc) { #name, type, offsetof(FrameStatsObject, name), READONLY, doc }
static PyMemberDef stats_members[] = {
	M(frame_number, T_ULONGLONG, "0-based number of the frame since profiling started."),
	M(start_time, T_DOUBLE, "Monotonic clock at the frame's start, seconds."),
	M(frame_duration, T_DOUBLE, "The frame's wall time, seconds."),
	M(memory_start, T_ULONGLONG, "Process resident memory at the start, bytes."),
	M(memory_end, T_ULONGLONG, "Process resident memory at the end, bytes."),
	M(memory_delta, T_LONGLONG, "memory_end - memory_start, bytes."),
	M(memory_growth, T_LONGLONG,
	  "The growth the spike rules judge: to the frame's peak or its end, whichever is higher."),
	M(peak_memory, T_ULONGLONG,
	  "Process resident peak within the frame, bytes (exact when peak_exact, else the\n"
	  "larger of memory_start and memory_end: a lower bound)."),
	M(peak_exact, T_BOOL, "True when the process's lifetime peak rose during the frame."),
	M(allocations_tracked, T_BOOL, "True when the allocator hooks counted this frame."),
	M(python_allocations, T_ULONGLONG, "Python allocator calls that allocated (PyMem, PyObject)."),
	M(python_frees, T_ULONGLONG, "Python allocator frees."),
	M(python_reallocations, T_ULONGLONG,
	  "Reallocations (each is also one allocation and one free)."),
	M(python_allocated_bytes, T_ULONGLONG, "Bytes requested from the Python allocators."),
	M(python_freed_bytes, T_ULONGLONG,
	  "Bytes freed, of blocks allocated while the hooks were in (exact)."),
	M(python_frees_unknown, T_ULONGLONG,
	  "Frees of blocks allocated before the hooks went in (bytes unknown)."),
	M(python_net_bytes, T_LONGLONG, "python_allocated_bytes - python_freed_bytes."),
	M(python_peak_bytes, T_LONGLONG,
	  "Highest Python bytes live above the frame's start, within the frame."),
	M(python_heap_bytes, T_LONGLONG,
	  "Python bytes live at the frame's end (blocks allocated while hooked), -1 if not\n"
	  "counted; from pmtrace-bpf: pymalloc's arenas."),
	M(gc_tracked, T_BOOL, "True when GC collections were counted."),
	M(gc_collections, T_OBJECT, "Collections in the frame per generation (gen0, gen1, gen2)."),
	M(gc_collected, T_ULONGLONG, "Objects the collector freed in the frame."),
	M(gc_uncollectable, T_ULONGLONG, "Uncollectable objects found in the frame."),
	M(gc_time, T_DOUBLE, "Time in the collector during the frame, seconds."),
	M(gc_generation, T_INT, "Oldest generation collected in the frame, -1 if none."),
	M(minor_faults, T_ULONGLONG, "Page faults served without I/O during the frame."),
	M(major_faults, T_ULONGLONG, "Page faults that needed I/O."),
	M(fault_time, T_DOUBLE, "Estimated time handling page faults, seconds."),
	M(is_spike, T_BOOL, "True when the frame is a memory or time spike."),
	M(spike_kind, T_OBJECT, "\"memory\", \"time\", \"memory+time\" or None."),
	M(is_dropped, T_BOOL, "True when the frame overran the frame budget (see target_fps)."),
	M(drop_cause, T_OBJECT,
	  "For a dropped frame, the memory cause: \"gc\", \"page_faults\", \"heap_growth\", or\n"
	  "None when memory does not explain it."),
	M(partial, T_BOOL, "True for a frame spanning lost records (pmtrace-bpf files only)."),
	M(source, T_OBJECT, "\"in-process\" (measured here) or \"pmtrace-bpf\" (pymemtrace.load())."),
	{ NULL, 0, 0, 0, NULL },
};
#undef M

PyDoc_STRVAR(stats_doc,
"One profiled frame (read-only), as FrameMemoryProfiler.get_frame_stats()\n"
"returns it. Times are seconds, memory bytes. Spikes, drops and their causes\n"
"are decided by the same C rules as pmtrace-bpf (docs/measurements.md).");

static PyType_Slot stats_slots[] = {
	{ Py_tp_doc, (void *)stats_doc },
	{ Py_tp_members, stats_members },
	{ Py_tp_repr, (void *)stats_repr },
	{ Py_tp_traverse, (void *)stats_traverse },
	{ Py_tp_clear, (void *)stats_clear },
	{ Py_tp_dealloc, (void *)stats_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_FrameStats_spec = {
	.name = "pymemtrace.FrameStats",
	.basicsize = sizeof(FrameStatsObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.slots = stats_slots,
};
