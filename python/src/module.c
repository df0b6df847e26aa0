// SPDX-License-Identifier: BSD-2-Clause
/*
 * module.c - the pymemtrace._pymemtrace extension module: multi-phase
 * initialisation (PEP 489) with all its state in the module object (types,
 * exceptions, the cached enums of pymemtrace._enums, the allocator hooks),
 * the module-level functions, and the helpers the type files share.
 */
#include "pmt_module.h"

#include <frameobject.h> /* PyFrameObject before 3.9, PyFrame_GetLineNumber */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pmtrace/assets.h"
#include "pmtrace/evict.h"

/* ---- finding the state ----------------------------------------------------- */

struct pmt_state *pmt_state_from_type(PyTypeObject *tp)
{
#if PY_VERSION_HEX >= 0x030B0000
	PyObject *m = PyType_GetModuleByDef(tp, &pmt_module_def);

	return m ? PyModule_GetState(m) : NULL;
#else
	PyObject *mro = tp->tp_mro;
	Py_ssize_t i;

	for (i = 0; mro && i < PyTuple_GET_SIZE(mro); i++) {
		PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
		PyObject *m;

		if (!PyType_HasFeature(base, Py_TPFLAGS_HEAPTYPE))
			continue;
#if PY_VERSION_HEX >= 0x03090000
		m = ((PyHeapTypeObject *)base)->ht_module;
#else
		m = base->tp_dict ? PyDict_GetItemString(base->tp_dict, "_pmt_module") : NULL;
#endif
		if (m && PyModule_Check(m) && PyModule_GetDef(m) == &pmt_module_def)
			return PyModule_GetState(m);
	}
	PyErr_Format(PyExc_TypeError, "%s is not a pymemtrace type", tp->tp_name);
	return NULL;
#endif
}

/* A type from @spec belonging to @module (3.8: remembered in its dict). */
static PyTypeObject *new_type(PyObject *module, PyType_Spec *spec)
{
#if PY_VERSION_HEX >= 0x03090000
	return (PyTypeObject *)PyType_FromModuleAndSpec(module, spec, NULL);
#else
	PyTypeObject *tp = (PyTypeObject *)PyType_FromSpec(spec);

	if (tp && PyDict_SetItemString(tp->tp_dict, "_pmt_module", module) < 0)
		Py_CLEAR(tp);
	return tp;
#endif
}

/* ---- enums ------------------------------------------------------------------ */

static const char *const enum_names[PMT_ENUMS] = {
	[PMT_ENUM_ASSET_TYPE] = "AssetType",
	[PMT_ENUM_ASSET_STATE] = "AssetState",
	[PMT_ENUM_EVICTION] = "EvictionStrategy",
	[PMT_ENUM_PLATFORM] = "Platform",
};

PyObject *pmt_enum_member(struct pmt_state *st, enum pmt_enum_id e, int idx)
{
	PyObject *t = st->enum_members[e];

	if (idx < 0 || idx >= PyTuple_GET_SIZE(t)) {
		PyErr_Format(PyExc_SystemError, "pymemtrace: %s member %d out of range",
			     enum_names[e], idx);
		return NULL;
	}
	return PyTuple_GET_ITEM(t, idx);
}

int pmt_enum_index(struct pmt_state *st, enum pmt_enum_id e, PyObject *v, const char *what)
{
	PyObject *t = st->enum_members[e];
	Py_ssize_t i, n = PyTuple_GET_SIZE(t);

	for (i = 0; i < n; i++)
		if (PyTuple_GET_ITEM(t, i) == v)
			return (int)i;
	if (PyObject_TypeCheck(v, (PyTypeObject *)st->enum_cls[e])) {
		/* an alias resolves to its canonical member through its value */
		PyObject *val = PyObject_GetAttrString(v, "value");
		int idx = -1;

		if (!val)
			return -1;
		for (i = 0; i < n && idx < 0; i++) {
			PyObject *mv = PyObject_GetAttrString(PyTuple_GET_ITEM(t, i), "value");
			int eq = mv ? PyObject_RichCompareBool(mv, val, Py_EQ) : -1;

			Py_XDECREF(mv);
			if (eq < 0) {
				Py_DECREF(val);
				return -1;
			}
			if (eq)
				idx = (int)i;
		}
		Py_DECREF(val);
		if (idx >= 0)
			return idx;
	}
	if (PyUnicode_Check(v)) {
		PyObject *lv = PyObject_CallMethod(v, "lower", NULL);
		PyObject *cls = st->enum_cls[e];
		PyObject *members;
		Py_ssize_t k;

		if (!lv)
			return -1;
		/* names and values, aliases included (cls.__members__) */
		members = PyObject_GetAttrString(cls, "__members__");
		if (!members) {
			Py_DECREF(lv);
			return -1;
		}
		{
			PyObject *items = PyMapping_Items(members);

			Py_DECREF(members);
			if (!items) {
				Py_DECREF(lv);
				return -1;
			}
			for (k = 0; k < PyList_GET_SIZE(items); k++) {
				PyObject *kv = PyList_GET_ITEM(items, k);
				PyObject *name = PyTuple_GET_ITEM(kv, 0), *mem = PyTuple_GET_ITEM(kv, 1);
				PyObject *ln = PyObject_CallMethod(name, "lower", NULL);
				PyObject *mval = PyObject_GetAttrString(mem, "value");
				int hit = 0;

				if (ln && mval)
					hit = PyObject_RichCompareBool(ln, lv, Py_EQ) == 1 ||
					      PyObject_RichCompareBool(mval, lv, Py_EQ) == 1;
				Py_XDECREF(ln);
				Py_XDECREF(mval);
				if (hit) {
					Py_DECREF(items);
					Py_DECREF(lv);
					return pmt_enum_index(st, e, mem, what);
				}
			}
			Py_DECREF(items);
		}
		Py_DECREF(lv);
		PyErr_Format(PyExc_ValueError, "%s: unknown %s %R", what, enum_names[e], v);
		return -1;
	}
	PyErr_Format(PyExc_TypeError, "%s must be a %s or its name, not %.100s", what,
		     enum_names[e], Py_TYPE(v)->tp_name);
	return -1;
}

/* Import pymemtrace._enums and cache each enum's members in definition order. */
static int load_enums(struct pmt_state *st)
{
	PyObject *mod = PyImport_ImportModule("pymemtrace._enums");
	int e, i;

	if (!mod)
		return -1;
	for (e = 0; e < PMT_ENUMS; e++) {
		PyObject *cls = PyObject_GetAttrString(mod, enum_names[e]);
		PyObject *list;

		if (!cls)
			goto fail;
		st->enum_cls[e] = cls;
		list = PySequence_List(cls); /* canonical members, aliases skipped */
		if (!list)
			goto fail;
		st->enum_members[e] = PyList_AsTuple(list);
		Py_DECREF(list);
		if (!st->enum_members[e])
			goto fail;
	}
	/* The asset types and strategies must be the core's, in its order. */
	for (i = 0; i < PMT_ASSET_TYPES; i++) {
		PyObject *v = PyObject_GetAttrString(PyTuple_GET_ITEM(st->enum_members[PMT_ENUM_ASSET_TYPE], i), "value");
		const char *s = v ? PyUnicode_AsUTF8(v) : NULL;
		bool ok = s && strcmp(s, pmt_asset_type_name((enum pmt_asset_type)i)) == 0;

		Py_XDECREF(v);
		if (!ok)
			goto mismatch;
	}
	for (i = 0; i < PMT_EVICT_STRATEGIES; i++) {
		PyObject *v = PyObject_GetAttrString(PyTuple_GET_ITEM(st->enum_members[PMT_ENUM_EVICTION], i), "value");
		const char *s = v ? PyUnicode_AsUTF8(v) : NULL;
		bool ok = s && strcmp(s, pmt_evict_strategy_name((enum pmt_evict_strategy)i)) == 0;

		Py_XDECREF(v);
		if (!ok)
			goto mismatch;
	}
	if (PyTuple_GET_SIZE(st->enum_members[PMT_ENUM_ASSET_STATE]) != PMT_STATES)
		goto mismatch;
	Py_DECREF(mod);
	return 0;
mismatch:
	if (!PyErr_Occurred())
		PyErr_SetString(PyExc_SystemError,
				"pymemtrace._enums does not match the C core (asset types, "
				"asset states or eviction strategies)");
fail:
	Py_DECREF(mod);
	return -1;
}

/* ---- small helpers ---------------------------------------------------------- */

int pmt_bytes_arg(PyObject *v, const char *what, uint64_t *out)
{
	if (PyFloat_Check(v)) {
		double d = PyFloat_AS_DOUBLE(v);

		if (d != d || d < 0) {
			PyErr_Format(PyExc_ValueError, "%s must not be negative (got %R)", what, v);
			return -1;
		}
		if (d >= 18446744073709551616.0 || d != (double)(uint64_t)d) {
			PyErr_Format(PyExc_ValueError, "%s must be a whole number of bytes (got %R)",
				     what, v);
			return -1;
		}
		*out = (uint64_t)d;
		return 0;
	}
	if (!PyLong_Check(v)) {
		PyErr_Format(PyExc_TypeError, "%s must be a number of bytes, not %.100s", what,
			     Py_TYPE(v)->tp_name);
		return -1;
	}
	if (PyObject_RichCompareBool(v, Py_False, Py_LT) == 1) { /* v < 0 */
		PyErr_Format(PyExc_ValueError, "%s must not be negative (got %R)", what, v);
		return -1;
	}
	*out = PyLong_AsUnsignedLongLong(v);
	if (*out == (uint64_t)-1 && PyErr_Occurred()) {
		PyErr_Clear();
		PyErr_Format(PyExc_ValueError, "%s is too large (got %R)", what, v);
		return -1;
	}
	return 0;
}

PyObject *pmt_caller_site(void)
{
	PyFrameObject *f = PyEval_GetFrame(); /* borrowed */
	PyCodeObject *code;
	PyObject *s;
	int line;

	if (!f)
		return NULL;
#if PY_VERSION_HEX >= 0x03090000
	code = PyFrame_GetCode(f); /* new reference */
#else
	code = f->f_code;
	Py_INCREF(code);
#endif
	line = PyFrame_GetLineNumber(f);
	s = PyUnicode_FromFormat("%U (%U:%d)", code->co_name, code->co_filename, line);
	Py_DECREF(code);
	if (!s)
		PyErr_Clear();
	return s;
}

int pmt_call_each(PyObject *cbs, PyObject *arg)
{
	Py_ssize_t i;

	/* A copy: a callback may add or remove callbacks. */
	PyObject *copy = PyList_GetSlice(cbs, 0, PyList_GET_SIZE(cbs));

	if (!copy)
		return -1;
	for (i = 0; i < PyList_GET_SIZE(copy); i++) {
		PyObject *r = PyObject_CallFunctionObjArgs(PyList_GET_ITEM(copy, i), arg, NULL);

		if (!r) {
			Py_DECREF(copy);
			return -1;
		}
		Py_DECREF(r);
	}
	Py_DECREF(copy);
	return 0;
}

/* ---- module functions ------------------------------------------------------- */

PyDoc_STRVAR(install_doc,
"install_allocator_hooks()\n--\n\n"
"Start counting the Python allocators (PyMem and PyObject domains): every\n"
"allocation, free and reallocation, with bytes. Each call must be matched by\n"
"remove_allocator_hooks(); FrameMemoryProfiler.start_profiling() does this\n"
"itself. Raises RuntimeError if another interpreter's copy of pymemtrace has\n"
"them installed.");

static PyObject *install_hooks(PyObject *module, PyObject *unused)
{
	struct pmt_state *st = PyModule_GetState(module);

	(void)unused;
	if (pmt_hooks_acquire(st->hooks))
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(remove_doc,
"remove_allocator_hooks()\n--\n\nReturns bool. "
"Undo one install_allocator_hooks(); the last user takes the hooks out.\n"
"Returns True when the hooks are out (or still in for other users), False\n"
"when another allocator hook (tracemalloc started later, say) was installed\n"
"on top of ours since: ours then stay in the chain, passing calls through\n"
"without counting, so as not to cut the other one out.");

static PyObject *remove_hooks(PyObject *module, PyObject *unused)
{
	struct pmt_state *st = PyModule_GetState(module);

	(void)unused;
	if (!st->hooks->installed || st->hooks->stranded || st->hooks->users <= 0) {
		PyErr_SetString(PyExc_RuntimeError, "pymemtrace: the allocator hooks are not installed");
		return NULL;
	}
	return PyBool_FromLong(pmt_hooks_release(st->hooks) == 0);
}

PyDoc_STRVAR(stats_doc,
"allocator_stats()\n--\n\nReturns dict. "
"The allocator hooks' counters since they went in: allocations, frees,\n"
"reallocations (each also one allocation and one free), allocated_bytes\n"
"(requested sizes), freed_bytes (blocks allocated while hooked: exact),\n"
"frees_unknown (blocks allocated before: bytes not known), live_bytes,\n"
"installed, and map_bytes (the block map's own memory).");

static PyObject *alloc_stats(PyObject *module, PyObject *unused)
{
	struct pmt_state *st = PyModule_GetState(module);
	struct pmt_hooks *h = st->hooks;

	(void)unused;
	return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:K,s:L,s:O,s:K,s:K}", "allocations",
			     (unsigned long long)h->c.allocs, "frees",
			     (unsigned long long)h->c.frees, "reallocations",
			     (unsigned long long)h->c.reallocs, "allocated_bytes",
			     (unsigned long long)h->c.alloc_bytes, "freed_bytes",
			     (unsigned long long)h->c.freed_bytes, "frees_unknown",
			     (unsigned long long)h->c.frees_unknown, "live_bytes",
			     (long long)h->c.live_bytes, "installed",
			     pmt_hooks_active(h) ? Py_True : Py_False, "map_bytes",
			     (unsigned long long)pmt_blockmap_bytes(&h->map), "map_failures",
			     (unsigned long long)h->map.failed);
}

PyDoc_STRVAR(os_doc, "os_name()\n--\n\nReturns str. The OS the extension was built for: \"linux\", \"macos\" or \"windows\".");

static PyObject *os_name(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	return PyUnicode_FromString(pmt_os_name());
}

static PyMethodDef module_methods[] = {
	{ "install_allocator_hooks", install_hooks, METH_NOARGS, install_doc },
	{ "remove_allocator_hooks", remove_hooks, METH_NOARGS, remove_doc },
	{ "allocator_stats", alloc_stats, METH_NOARGS, stats_doc },
	{ "os_name", os_name, METH_NOARGS, os_doc },
	{ NULL, NULL, 0, NULL },
};

/* ---- exceptions and types ----------------------------------------------------- */

struct exc_row {
	size_t off;
	const char *name;
	const char *doc;
	PyObject **extra_base; /* a builtin also inherited, or NULL */
};

struct type_row {
	size_t off;
	PyType_Spec *spec;
	const char *name;
};

static const struct type_row type_rows[] = {
	{ offsetof(struct pmt_state, FrameStats), &pmt_FrameStats_spec, "FrameStats" },
	{ offsetof(struct pmt_state, FrameContext), &pmt_FrameContext_spec, "FrameContext" },
	{ offsetof(struct pmt_state, FrameMemoryProfiler), &pmt_FrameMemoryProfiler_spec,
	  "FrameMemoryProfiler" },
	{ offsetof(struct pmt_state, MemoryHeatmap), &pmt_MemoryHeatmap_spec, "MemoryHeatmap" },
	{ offsetof(struct pmt_state, MemoryLeak), &pmt_MemoryLeak_spec, "MemoryLeak" },
	{ offsetof(struct pmt_state, AssetMemoryManager), &pmt_AssetMemoryManager_spec,
	  "AssetMemoryManager" },
	{ offsetof(struct pmt_state, BudgetViolation), &pmt_BudgetViolation_spec, "BudgetViolation" },
	{ offsetof(struct pmt_state, MemoryBudgetSystem), &pmt_MemoryBudgetSystem_spec,
	  "MemoryBudgetSystem" },
	{ offsetof(struct pmt_state, PlatformStatus), &pmt_PlatformStatus_spec, "PlatformStatus" },
	{ offsetof(struct pmt_state, PlatformMemoryMonitor), &pmt_PlatformMemoryMonitor_spec,
	  "PlatformMemoryMonitor" },
	{ offsetof(struct pmt_state, ObjectPool), &pmt_ObjectPool_spec, "ObjectPool" },
	{ offsetof(struct pmt_state, ObjectPoolAnalyzer), &pmt_ObjectPoolAnalyzer_spec,
	  "ObjectPoolAnalyzer" },
};

static int add_exception(PyObject *module, PyObject **slot, const char *name, const char *doc,
			 PyObject *base1, PyObject *base2)
{
	char full[128];
	PyObject *bases = base2 ? PyTuple_Pack(2, base1, base2) : PyTuple_Pack(1, base1);

	if (!bases)
		return -1;
	snprintf(full, sizeof(full), "pymemtrace.%s", name);
	*slot = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
	Py_DECREF(bases);
	if (!*slot)
		return -1;
	Py_INCREF(*slot);
	if (PyModule_AddObject(module, name, *slot) < 0) {
		Py_DECREF(*slot);
		return -1;
	}
	return 0;
}

static int module_exec(PyObject *module)
{
	struct pmt_state *st = PyModule_GetState(module);
	size_t i;

	st->hooks = calloc(1, sizeof(*st->hooks));
	if (!st->hooks) {
		PyErr_NoMemory();
		return -1;
	}
	if (load_enums(st) < 0)
		return -1;
	if (add_exception(module, &st->Error, "PyMemTraceError",
			  "Base class of the errors pymemtrace raises for wrong use of its API.",
			  PyExc_Exception, NULL) < 0 ||
	    add_exception(module, &st->UnknownBudgetError, "UnknownBudgetError",
			  "No budget has that name (also a KeyError).", st->Error, PyExc_KeyError) < 0 ||
	    add_exception(module, &st->UnknownPoolError, "UnknownPoolError",
			  "No pool has that name (also a KeyError).", st->Error, PyExc_KeyError) < 0 ||
	    add_exception(module, &st->UnknownAssetError, "UnknownAssetError",
			  "No asset is registered under that id (also a KeyError).", st->Error,
			  PyExc_KeyError) < 0 ||
	    add_exception(module, &st->BudgetCycleError, "BudgetCycleError",
			  "A budget would become its own ancestor (also a ValueError).", st->Error,
			  PyExc_ValueError) < 0 ||
	    add_exception(module, &st->TraceFileError, "TraceFileError",
			  "A pmtrace-bpf JSON Lines file pymemtrace.load() cannot read (also a "
			  "ValueError): the message names the line.",
			  st->Error, PyExc_ValueError) < 0 ||
	    add_exception(module, &st->PoolReleaseError, "PoolReleaseError",
			  "An object released twice, or to a pool it does not come from (also a "
			  "ValueError).",
			  st->Error, PyExc_ValueError) < 0)
		return -1;
	for (i = 0; i < sizeof(type_rows) / sizeof(type_rows[0]); i++) {
		PyTypeObject **slot = (PyTypeObject **)((char *)st + type_rows[i].off);

		*slot = new_type(module, type_rows[i].spec);
		if (!*slot)
			return -1;
		Py_INCREF(*slot);
		if (PyModule_AddObject(module, type_rows[i].name, (PyObject *)*slot) < 0) {
			Py_DECREF(*slot);
			return -1;
		}
	}
	st->str_start = PyUnicode_InternFromString("start");
	st->str_generation = PyUnicode_InternFromString("generation");
	st->str_collected = PyUnicode_InternFromString("collected");
	st->str_uncollectable = PyUnicode_InternFromString("uncollectable");
	if (!st->str_start || !st->str_generation || !st->str_collected || !st->str_uncollectable)
		return -1;
	return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
	struct pmt_state *st = PyModule_GetState(module);
	size_t i;
	int e;

	if (!st)
		return 0;
	for (i = 0; i < sizeof(type_rows) / sizeof(type_rows[0]); i++)
		Py_VISIT(*(PyObject **)((char *)st + type_rows[i].off));
	Py_VISIT(st->Error);
	Py_VISIT(st->UnknownBudgetError);
	Py_VISIT(st->UnknownPoolError);
	Py_VISIT(st->UnknownAssetError);
	Py_VISIT(st->BudgetCycleError);
	Py_VISIT(st->PoolReleaseError);
	Py_VISIT(st->TraceFileError);
	for (e = 0; e < PMT_ENUMS; e++) {
		Py_VISIT(st->enum_cls[e]);
		Py_VISIT(st->enum_members[e]);
	}
	return 0;
}

static int module_clear(PyObject *module)
{
	struct pmt_state *st = PyModule_GetState(module);
	size_t i;
	int e;

	if (!st)
		return 0;
	for (i = 0; i < sizeof(type_rows) / sizeof(type_rows[0]); i++)
		Py_CLEAR(*(PyObject **)((char *)st + type_rows[i].off));
	Py_CLEAR(st->Error);
	Py_CLEAR(st->UnknownBudgetError);
	Py_CLEAR(st->UnknownPoolError);
	Py_CLEAR(st->UnknownAssetError);
	Py_CLEAR(st->BudgetCycleError);
	Py_CLEAR(st->PoolReleaseError);
	Py_CLEAR(st->TraceFileError);
	for (e = 0; e < PMT_ENUMS; e++) {
		Py_CLEAR(st->enum_cls[e]);
		Py_CLEAR(st->enum_members[e]);
	}
	Py_CLEAR(st->str_start);
	Py_CLEAR(st->str_generation);
	Py_CLEAR(st->str_collected);
	Py_CLEAR(st->str_uncollectable);
	return 0;
}

static void module_free(void *m)
{
	struct pmt_state *st = PyModule_GetState((PyObject *)m);

	if (!st)
		return;
	module_clear((PyObject *)m);
	if (st->hooks) {
		/* Take the hooks out if we can; if something wrapped them they
		 * must outlive us (see pmt_hooks_release()): leak them on purpose. */
		bool keep = false;

		if (st->hooks->installed) {
			st->hooks->users = 1;
			keep = pmt_hooks_release(st->hooks) != 0;
		}
		if (!keep)
			free(st->hooks);
		st->hooks = NULL;
	}
}

static PyModuleDef_Slot module_slots[] = {
	{ Py_mod_exec, (void *)module_exec },
#if PY_VERSION_HEX >= 0x030C0000
	/* Subinterpreters sharing the GIL only: one set of allocator hooks per
	 * process, counted under the GIL (3.12 has no NOT_SUPPORTED value). */
	{ Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED },
#endif
	{ 0, NULL },
};

PyDoc_STRVAR(module_doc,
"pymemtrace's C core: frame memory profiling, asset tracking, object pools,\n"
"memory budgets with eviction and platform fit, measured in-process. Import\n"
"the classes from the pymemtrace package.");

PyModuleDef pmt_module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "pymemtrace._pymemtrace",
	.m_doc = module_doc,
	.m_size = sizeof(struct pmt_state),
	.m_methods = module_methods,
	.m_slots = module_slots,
	.m_traverse = module_traverse,
	.m_clear = module_clear,
	.m_free = module_free,
};

/* Built with -fvisibility=hidden; 3.8's PyMODINIT_FUNC does not export by itself. */
#if defined(__GNUC__) && !defined(_WIN32)
#define PMT_EXPORT __attribute__((visibility("default")))
#else
#define PMT_EXPORT
#endif

PMT_EXPORT PyMODINIT_FUNC PyInit__pymemtrace(void);

PMT_EXPORT PyMODINIT_FUNC PyInit__pymemtrace(void)
{
	return PyModuleDef_Init(&pmt_module_def);
}
