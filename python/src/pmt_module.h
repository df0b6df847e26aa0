/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pmt_module.h - what the files of the pymemtrace extension share: the
 * module state (types, exceptions, the enums of pymemtrace._enums, the
 * allocator hooks), how an object finds it from its type on every CPython
 * from 3.8, and small conversion helpers. One C file per type; each
 * exports its PyType_Spec and the module's exec function creates them.
 */
#ifndef PMT_MODULE_H
#define PMT_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

#include "hooks.h"
#include "osmem.h"

/* The enums of pymemtrace/_enums.py, members cached in definition order. */
enum pmt_enum_id {
	PMT_ENUM_ASSET_TYPE = 0, /* order = enum pmt_asset_type */
	PMT_ENUM_ASSET_STATE,
	PMT_ENUM_EVICTION,       /* order = enum pmt_evict_strategy */
	PMT_ENUM_PLATFORM,
	PMT_ENUMS,
};

/* AssetState members, in _enums.py order. */
enum pmt_asset_state {
	PMT_STATE_LOADING = 0,
	PMT_STATE_LOADED,
	PMT_STATE_IN_USE,
	PMT_STATE_CACHED,
	PMT_STATE_UNLOADED,
	PMT_STATE_EVICTED,
	PMT_STATES,
};

struct pmt_state {
	/* types */
	PyTypeObject *FrameMemoryProfiler, *FrameContext, *FrameStats;
	PyTypeObject *AssetMemoryManager, *MemoryHeatmap, *MemoryLeak;
	PyTypeObject *MemoryBudgetSystem, *BudgetViolation;
	PyTypeObject *ObjectPoolAnalyzer, *ObjectPool;
	PyTypeObject *PlatformMemoryMonitor, *PlatformStatus;
	/* exceptions */
	PyObject *Error;            /* PyMemTraceError(Exception) */
	PyObject *UnknownBudgetError, *UnknownPoolError, *UnknownAssetError; /* + KeyError */
	PyObject *BudgetCycleError; /* + ValueError */
	PyObject *PoolReleaseError; /* + ValueError */
	PyObject *TraceFileError;   /* + ValueError */
	/* enums: the class and a tuple of its canonical members */
	PyObject *enum_cls[PMT_ENUMS];
	PyObject *enum_members[PMT_ENUMS];
	/* interned strings for GC callback info */
	PyObject *str_start, *str_generation, *str_collected, *str_uncollectable;
	/* the allocator hooks (one set per process: see hooks.h) */
	struct pmt_hooks *hooks;
};

extern PyModuleDef pmt_module_def;

/* The state of the module that defined @tp or one of its bases; NULL with an exception set. */
struct pmt_state *pmt_state_from_type(PyTypeObject *tp);

/* The cached member @idx of enum @e (borrowed), or NULL with an exception set. */
PyObject *pmt_enum_member(struct pmt_state *st, enum pmt_enum_id e, int idx);

/*
 * The index of @v in enum @e: a member of the class, or a string equal to a
 * member's value or name (case-insensitive). Returns the index, or -1 with
 * TypeError/ValueError set naming @what.
 */
int pmt_enum_index(struct pmt_state *st, enum pmt_enum_id e, PyObject *v, const char *what);

/*
 * A non-negative byte count from @v (an int, or a float that is whole):
 * 0 and *@out, or -1 with ValueError ("@what must not be negative") or
 * TypeError set.
 */
int pmt_bytes_arg(PyObject *v, const char *what, uint64_t *out);

/* "function (file:line)" of the Python code calling into us, or NULL (no exception) when none. */
PyObject *pmt_caller_site(void);

/* Call @fn(@arg) for each callable of list @cbs; returns 0 or -1 at the first exception. */
int pmt_call_each(PyObject *cbs, PyObject *arg);

/* Frames a FrameMemoryProfiler has recorded (its next frame's number). */
uint64_t pmt_profiler_frame_count(PyObject *profiler);

/*
 * Add the peak bytes of each asset category an AssetMemoryManager has seen
 * (textures, surfaces, audio...) into @peak_by_cat (enum pmt_category).
 */
void pmt_asset_manager_peaks(PyObject *manager, uint64_t *peak_by_cat);

/* Type specs, one per file. */
extern PyType_Spec pmt_FrameMemoryProfiler_spec, pmt_FrameContext_spec, pmt_FrameStats_spec;
extern PyType_Spec pmt_AssetMemoryManager_spec, pmt_MemoryHeatmap_spec, pmt_MemoryLeak_spec;
extern PyType_Spec pmt_MemoryBudgetSystem_spec, pmt_BudgetViolation_spec;
extern PyType_Spec pmt_ObjectPoolAnalyzer_spec, pmt_ObjectPool_spec;
extern PyType_Spec pmt_PlatformMemoryMonitor_spec, pmt_PlatformStatus_spec;

/* Visit/clear for heap types: the type itself must be visited from 3.9. */
#if PY_VERSION_HEX >= 0x03090000
#define PMT_VISIT_TYPE(self) Py_VISIT(Py_TYPE(self))
#else
#define PMT_VISIT_TYPE(self) ((void)0)
#endif

#endif /* PMT_MODULE_H */
