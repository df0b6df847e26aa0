// SPDX-License-Identifier: BSD-2-Clause
/*
 * records.c - the result types of records.h: one member table each over
 * the same object layout, a generic repr, and MemoryHeatmap's text form
 * (str(heatmap): a table of bytes per asset type with bars).
 */
#include "records.h"

#include <stdarg.h>
#include <stddef.h>

#include <structmember.h>

PyObject *pmt_record_new(PyTypeObject *tp, int n, ...)
{
	PmtRecord *r = (PmtRecord *)tp->tp_alloc(tp, 0);
	bool bad = !r;
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n && i < PMT_RECORD_MAX; i++) {
		PyObject *v = va_arg(ap, PyObject *);

		if (!v)
			bad = true;
		if (r)
			r->v[i] = v;
		else
			Py_XDECREF(v);
	}
	va_end(ap);
	if (bad) {
		Py_XDECREF(r);
		return NULL;
	}
	return (PyObject *)r;
}

static int rec_traverse(PmtRecord *r, visitproc visit, void *arg)
{
	int i;

	PMT_VISIT_TYPE(r);
	for (i = 0; i < PMT_RECORD_MAX; i++)
		Py_VISIT(r->v[i]);
	return 0;
}

static int rec_clear(PmtRecord *r)
{
	int i;

	for (i = 0; i < PMT_RECORD_MAX; i++)
		Py_CLEAR(r->v[i]);
	return 0;
}

static void rec_dealloc(PmtRecord *r)
{
	PyTypeObject *tp = Py_TYPE(r);

	PyObject_GC_UnTrack(r);
	rec_clear(r);
	tp->tp_free(r);
	Py_DECREF(tp);
}

/* "Name(a=..., b=...)" over the first @n members of @m. */
static PyObject *rec_repr_fields(PmtRecord *r, const char *name, const PyMemberDef *m, int n)
{
	PyObject *parts = PyList_New(0), *sep = NULL, *joined = NULL, *res = NULL;
	int i;

	if (!parts)
		return NULL;
	for (i = 0; i < n; i++) {
		PyObject *s = PyUnicode_FromFormat("%s=%R", m[i].name, r->v[i] ? r->v[i] : Py_None);

		if (!s || PyList_Append(parts, s) < 0) {
			Py_XDECREF(s);
			goto out;
		}
		Py_DECREF(s);
	}
	sep = PyUnicode_FromString(", ");
	if (!sep)
		goto out;
	joined = PyUnicode_Join(sep, parts);
	if (joined)
		res = PyUnicode_FromFormat("%s(%U)", name, joined);
out:
	Py_XDECREF(parts);
	Py_XDECREF(sep);
	Py_XDECREF(joined);
	return res;
}

/*
 * Type(**fields): a record from keyword arguments named as its attributes
 * (missing ones are None), for pymemtrace.load() and for tests.
 */
static PyObject *rec_new_kw(PyTypeObject *tp, PyObject *args, PyObject *kw, const PyMemberDef *m)
{
	PmtRecord *r;
	Py_ssize_t used = 0;
	int i;

	if (PyTuple_GET_SIZE(args)) {
		PyErr_Format(PyExc_TypeError, "%s() takes keyword arguments only", tp->tp_name);
		return NULL;
	}
	r = (PmtRecord *)tp->tp_alloc(tp, 0);
	if (!r)
		return NULL;
	for (i = 0; m[i].name; i++) {
		PyObject *v = kw ? PyDict_GetItemString(kw, m[i].name) : NULL;

		if (v)
			used++;
		else
			v = Py_None;
		Py_INCREF(v);
		r->v[i] = v;
	}
	if (kw && used != PyDict_Size(kw)) {
		PyErr_Format(PyExc_TypeError, "%s() got an unknown field", tp->tp_name);
		Py_DECREF(r);
		return NULL;
	}
	return (PyObject *)r;
}

#define SLOT(i) (offsetof(PmtRecord, v) + (i) * sizeof(PyObject *))
#define MEMBER(i, name, doc) [i] = { name, T_OBJECT, SLOT(i), READONLY, doc }

/* ---- MemoryHeatmap ---- */

static PyMemberDef hm_members[] = {
	MEMBER(HM_TOTAL, "total_memory", "Bytes held by the registered assets still alive."),
	MEMBER(HM_COUNT, "asset_count", "Registered assets still alive."),
	MEMBER(HM_HOTSPOTS, "hotspots",
	       "The top_n largest assets, largest first: [(asset_id, bytes), ...]."),
	MEMBER(HM_BY_TYPE, "by_type", "{AssetType: bytes} for the types holding any."),
	MEMBER(HM_COUNT_BY_TYPE, "count_by_type", "{AssetType: live assets}."),
	MEMBER(HM_PEAK_BY_TYPE, "peak_by_type", "{AssetType: highest bytes held at once}."),
	MEMBER(HM_BY_STATE, "by_state", "{AssetState: bytes}."),
	MEMBER(HM_TOP, "top_assets",
	       "The hotspots with details: [{'asset_id', 'bytes', 'type', 'state', 'uses', "
	       "'site', 'path'}, ...]."),
	{ NULL, 0, 0, 0, NULL },
};

static PyObject *hm_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	return rec_new_kw(tp, args, kw, hm_members);
}

static PyObject *hm_repr(PmtRecord *r)
{
	return rec_repr_fields(r, "MemoryHeatmap", hm_members, 4);
}

/* str(heatmap): bytes per type with a bar, then the hotspots. */
static PyObject *hm_str(PmtRecord *r)
{
	PyObject *by_type = r->v[HM_BY_TYPE], *lines = PyList_New(0), *res = NULL, *nl = NULL;
	PyObject *key, *val;
	Py_ssize_t pos = 0, i;
	double total = r->v[HM_TOTAL] ? PyLong_AsDouble(r->v[HM_TOTAL]) : 0;
	PyObject *line;

	if (!lines)
		return NULL;
	line = PyUnicode_FromFormat("asset memory: %S bytes in %S assets", r->v[HM_TOTAL],
				    r->v[HM_COUNT]);
	if (!line || PyList_Append(lines, line) < 0)
		goto out;
	Py_CLEAR(line);
	while (by_type && PyDict_Next(by_type, &pos, &key, &val)) {
		double b = PyLong_AsDouble(val);
		int bar = total > 0 ? (int)(40.0 * b / total + 0.5) : 0;
		char buf[160], bars[41];
		PyObject *name = PyObject_GetAttrString(key, "value");

		if (!name)
			goto out;
		memset(bars, '#', (size_t)bar);
		bars[bar] = '\0';
		{
			static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
			double x = b;
			int u = 0;

			while (x >= 1024 && u < 4) {
				x /= 1024;
				u++;
			}
			snprintf(buf, sizeof(buf), "  %-11s %8.1f %-3s %5.1f%% %s",
				 PyUnicode_AsUTF8(name), x, units[u],
				 total > 0 ? 100.0 * b / total : 0.0, bars);
		}
		Py_DECREF(name);
		line = PyUnicode_FromString(buf);
		if (!line || PyList_Append(lines, line) < 0)
			goto out;
		Py_CLEAR(line);
	}
	for (i = 0; r->v[HM_HOTSPOTS] && i < PyList_GET_SIZE(r->v[HM_HOTSPOTS]); i++) {
		PyObject *t = PyList_GET_ITEM(r->v[HM_HOTSPOTS], i);

		line = PyUnicode_FromFormat("  #%zd %S: %S bytes", i + 1, PyTuple_GET_ITEM(t, 0),
					    PyTuple_GET_ITEM(t, 1));
		if (!line || PyList_Append(lines, line) < 0)
			goto out;
		Py_CLEAR(line);
	}
	nl = PyUnicode_FromString("\n");
	if (nl)
		res = PyUnicode_Join(nl, lines);
out:
	Py_XDECREF(line);
	Py_XDECREF(nl);
	Py_DECREF(lines);
	return res;
}

/* ---- MemoryLeak ---- */

static PyMemberDef lk_members[] = {
	MEMBER(LK_KIND, "kind",
	       "'collected' (the object was freed but never unregistered), 'unreferenced' (only\n"
	       "the manager still holds it), 'unused' (not used for unused_seconds), 'cycle'\n"
	       "(assets holding each other alive) or 'load_site' (a site whose live assets grew\n"
	       "over the last leak checks)."),
	MEMBER(LK_ASSET, "asset_id", "The asset (for 'cycle': its first asset; None for 'load_site')."),
	MEMBER(LK_SIZE, "size", "Bytes concerned."),
	MEMBER(LK_TYPE, "asset_type", "AssetType of the asset (None for 'load_site')."),
	MEMBER(LK_DETAIL, "detail", "What was found, in words (the cycle printed for 'cycle')."),
	MEMBER(LK_CYCLE, "cycle", "For 'cycle': the asset ids in reference order, else None."),
	MEMBER(LK_SITE, "site", "Where the asset was registered: 'function (file:line)'."),
	{ NULL, 0, 0, 0, NULL },
};

static PyObject *lk_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	return rec_new_kw(tp, args, kw, lk_members);
}

static PyObject *lk_repr(PmtRecord *r)
{
	return rec_repr_fields(r, "MemoryLeak", lk_members, 5);
}

/* ---- BudgetViolation ---- */

static PyMemberDef bv_members[] = {
	MEMBER(BV_BUDGET, "budget_name", "The budget."),
	MEMBER(BV_MESSAGE, "message", "What happened, in words, with what was evicted."),
	MEMBER(BV_STATE, "state", "'warning' (approaching the limit) or 'exceeded'."),
	MEMBER(BV_PREVIOUS, "previous_state", "'ok', 'warning' or 'exceeded' before."),
	MEMBER(BV_USAGE, "usage", "Bytes in the budget's subtree when it was exceeded."),
	MEMBER(BV_LIMIT, "limit", "The budget's max_bytes."),
	MEMBER(BV_PERCENT, "usage_percentage", "usage / limit * 100."),
	MEMBER(BV_EVICTED, "evicted", "Names of the assets evicted, in eviction order."),
	MEMBER(BV_FREED, "freed_bytes", "Bytes the evictions released."),
	MEMBER(BV_USAGE_AFTER, "usage_after", "Bytes in the subtree after the evictions."),
	MEMBER(BV_STRATEGY, "strategy", "The EvictionStrategy used, or None when none ran."),
	MEMBER(BV_ENOUGH, "resolved", "True when the budget is back within its limit."),
	MEMBER(BV_TRIGGER, "asset_name", "The asset whose registration or growth caused it."),
	{ NULL, 0, 0, 0, NULL },
};

static PyObject *bv_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	return rec_new_kw(tp, args, kw, bv_members);
}

static PyObject *bv_repr(PmtRecord *r)
{
	return rec_repr_fields(r, "BudgetViolation", bv_members, 4);
}

/* ---- PlatformStatus ---- */

static PyMemberDef ps_members[] = {
	MEMBER(PS_PLATFORM, "platform", "Platform: the host OS, or the target profile's family."),
	MEMBER(PS_PROFILE, "profile", "The platform profile judged against (an id), or None."),
	MEMBER(PS_PROCESS, "process_memory", "The game's resident memory now, bytes."),
	MEMBER(PS_PEAK, "peak_memory", "The game's resident peak, bytes."),
	MEMBER(PS_TOTAL, "total_memory", "Memory the platform has for the game (host: physical)."),
	MEMBER(PS_AVAILABLE, "available_memory", "Memory still free for it, bytes."),
	MEMBER(PS_PERCENT, "memory_percentage",
	       "Host: the system's memory in use, %; a target profile: the game's peak against\n"
	       "its game-available memory, %."),
	MEMBER(PS_CRITICAL, "is_critical", "True at or above critical_threshold, or over the limit."),
	MEMBER(PS_RECOMMENDATIONS, "recommendations", "What to do, one line each."),
	MEMBER(PS_LIMIT, "limit", "The profile's game-available bytes (None when unknown)."),
	MEMBER(PS_VERDICT, "verdict",
	       "The profile's fit: 'fits-recommended', 'fits', 'over' or 'unknown'."),
	MEMBER(PS_PYTHON, "python_memory",
	       "Bytes live in the Python allocators (while the allocator hooks run), else None."),
	{ NULL, 0, 0, 0, NULL },
};

static PyObject *ps_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	return rec_new_kw(tp, args, kw, ps_members);
}

static PyObject *ps_repr(PmtRecord *r)
{
	return rec_repr_fields(r, "PlatformStatus", ps_members, 8);
}

#define RECORD_SPEC(cname, pyname, doc, repr, ...)                                         \
	static PyType_Slot cname##_slots[] = {                                               \
		{ Py_tp_doc, (void *)doc },                                                  \
		{ Py_tp_members, cname##_members },                                          \
		{ Py_tp_repr, (void *)repr },                                                \
		{ Py_tp_new, (void *)cname##_new },                                          \
		{ Py_tp_traverse, (void *)rec_traverse },                                    \
		{ Py_tp_clear, (void *)rec_clear },                                          \
		{ Py_tp_dealloc, (void *)rec_dealloc },                                      \
		__VA_ARGS__ { 0, NULL },                                                     \
	};                                                                                   \
	PyType_Spec pmt_##pyname##_spec = {                                                  \
		.name = "pymemtrace." #pyname,                                               \
		.basicsize = sizeof(PmtRecord),                                              \
		.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,                            \
		.slots = cname##_slots,                                                      \
	}

RECORD_SPEC(hm, MemoryHeatmap,
	    "Asset memory by type and state, and the largest assets\n"
	    "(AssetMemoryManager.get_memory_heatmap()). str() draws it as a table.",
	    hm_repr, { Py_tp_str, (void *)hm_str },);
RECORD_SPEC(lk, MemoryLeak, "One finding of AssetMemoryManager.detect_memory_leaks().", lk_repr);
RECORD_SPEC(bv, BudgetViolation,
	    "A budget approaching (warning) or over (exceeded) its limit, and what\n"
	    "eviction did about it; passed to MemoryBudgetSystem's violation callbacks.",
	    bv_repr);
RECORD_SPEC(ps, PlatformStatus, "PlatformMemoryMonitor.get_current_status(): memory now.",
	    ps_repr);
