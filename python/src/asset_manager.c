// SPDX-License-Identifier: BSD-2-Clause
/*
 * asset_manager.c - AssetMemoryManager: the game's assets from load to
 * free, on the core's asset store (the same store pmtrace-bpf fills from
 * its probes): per-type totals and peaks, the largest assets, load sites
 * whose live assets keep growing, duplicate files, use sites (the game's
 * systems), churn per frame.
 *
 * The extension keeps what the store cannot: the asset's id, a weak
 * reference to its object (a strong one when the object cannot be weakly
 * referenced), metadata, state and per-system reference counts. Records
 * live in a slot array; the store knows each asset by its slot + 1.
 *
 * Sizes come from the object when it says (pygame surfaces: pitch x
 * height; the buffer protocol: its length; an nbytes attribute), else
 * from the metadata (size, or width x height x the pixel format's cost),
 * unless the caller gives size=.
 */
#include "pmt_module.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/assets.h"
#include "pmtrace/budget.h"
#include "pmtrace/cycles.h"
#include "pmtrace/platform.h"
#include "pmtrace/strtab.h"
#include "records.h"
#include "refwalk.h"
#include "sizes.h"

struct asset_rec {
	PyObject *id;       /* NULL: a free slot */
	PyObject *ref;      /* weakref, the object itself (strong), or NULL */
	PyObject *metadata; /* or NULL */
	PyObject *systems;  /* {system: count} of acquire_asset(), or NULL */
	uint64_t bytes;
	uint64_t registered_ns, last_use_ns, uses;
	uint32_t site_id, path_id;
	uint32_t next_free;
	uint8_t type, state;
	bool strong, collected;
};

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	struct pmt_asset_store *store;
	struct pmt_strtab strs;
	struct asset_rec *recs;
	uint32_t nrecs, cap, free_head; /* free_head: slot + 1, 0 = none */
	PyObject *index;       /* {asset_id: slot} */
	PyObject *wr_index;    /* {id(weakref): slot} */
	PyObject *wr_callback; /* bound to self */
	PyObject *profiler;    /* frames from it, or None */
	uint64_t frame;        /* own frame counter (end_frame()) */
	double unused_threshold;
	uint64_t state_bytes[PMT_STATES];
	uint64_t live, live_bytes, collected;
	uint32_t leak_checks;
} ManagerObject;

/* ---- helpers --------------------------------------------------------------------- */

static uint64_t current_frame(ManagerObject *m)
{
	if (m->profiler && m->profiler != Py_None)
		return pmt_profiler_frame_count(m->profiler);
	return m->frame;
}

static uint32_t intern(ManagerObject *m, PyObject *s)
{
	Py_ssize_t len;
	const char *u;

	if (!s || s == Py_None)
		return PMT_NO_ID;
	if (!PyUnicode_Check(s)) {
		PyObject *str = PyObject_Str(s);
		uint32_t id;

		if (!str) {
			PyErr_Clear();
			return PMT_NO_ID;
		}
		id = intern(m, str);
		Py_DECREF(str);
		return id;
	}
	u = PyUnicode_AsUTF8AndSize(s, &len);
	if (!u) {
		PyErr_Clear();
		return PMT_NO_ID;
	}
	return pmt_strtab_intern(&m->strs, u, (size_t)len);
}

static PyObject *str_of(ManagerObject *m, uint32_t id)
{
	const char *s = pmt_strtab_get(&m->strs, id);

	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_FromString(s);
}

/* The live object of @r (new reference), or NULL (no exception) when none. */
static PyObject *rec_object(const struct asset_rec *r)
{
	PyObject *o;

	if (!r->ref)
		return NULL;
	if (r->strong) {
		Py_INCREF(r->ref);
		return r->ref;
	}
#if PY_VERSION_HEX >= 0x030D0000
	if (PyWeakref_GetRef(r->ref, &o) <= 0) {
		PyErr_Clear();
		return NULL;
	}
	return o;
#else
	o = PyWeakref_GetObject(r->ref);
	if (!o || o == Py_None)
		return NULL;
	Py_INCREF(o);
	return o;
#endif
}

/* The slot of @id, or -1 with UnknownAssetError set. */
static long slot_of(ManagerObject *m, PyObject *id)
{
	PyObject *v = PyDict_GetItemWithError(m->index, id);

	if (!v) {
		if (!PyErr_Occurred())
			PyErr_Format(m->st->UnknownAssetError, "no asset registered as %R", id);
		return -1;
	}
	return PyLong_AsLong(v);
}

/* ---- records --------------------------------------------------------------------- */

static long new_slot(ManagerObject *m)
{
	uint32_t s;

	if (m->free_head) {
		s = m->free_head - 1;
		m->free_head = m->recs[s].next_free;
		return s;
	}
	if (m->nrecs == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 64;
		struct asset_rec *n = PyMem_Realloc(m->recs, (size_t)cap * sizeof(*n));

		if (!n) {
			PyErr_NoMemory();
			return -1;
		}
		m->recs = n;
		m->cap = cap;
	}
	return m->nrecs++;
}

static void release_slot(ManagerObject *m, uint32_t s)
{
	struct asset_rec *r = &m->recs[s];

	if (r->ref && !r->strong) {
		PyObject *key = PyLong_FromVoidPtr(r->ref);

		if (key && PyDict_DelItem(m->wr_index, key) < 0)
			PyErr_Clear();
		Py_XDECREF(key);
	}
	Py_CLEAR(r->id);
	Py_CLEAR(r->ref);
	Py_CLEAR(r->metadata);
	Py_CLEAR(r->systems);
	r->next_free = m->free_head;
	m->free_head = s + 1;
}

/* Take @r's memory out of the totals (freed, unregistered or collected). */
static void account_gone(ManagerObject *m, uint32_t s)
{
	struct asset_rec *r = &m->recs[s];

	if (r->collected)
		return;
	pmt_asset_freed(m->store, (uint64_t)s + 1, current_frame(m), pmt_os_now_ns());
	m->state_bytes[r->state] -= r->bytes;
	m->live--;
	m->live_bytes -= r->bytes;
}

/* ---- the weakref callback ---------------------------------------------------------- */

static PyObject *on_collected(PyObject *self, PyObject *wr)
{
	ManagerObject *m = (ManagerObject *)self;
	PyObject *key = PyLong_FromVoidPtr(wr), *v;
	long s;

	if (!key)
		return NULL;
	v = PyDict_GetItemWithError(m->wr_index, key);
	Py_DECREF(key);
	if (!v) {
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	s = PyLong_AsLong(v);
	if (s >= 0 && (uint32_t)s < m->nrecs && m->recs[s].id && !m->recs[s].collected) {
		account_gone(m, (uint32_t)s);
		m->recs[s].collected = true;
		m->collected++;
	}
	Py_RETURN_NONE;
}

static PyMethodDef on_collected_def = { "_pymemtrace_asset_collected", on_collected, METH_O,
					"An asset object was collected while registered." };

/* ---- register / unregister ------------------------------------------------------------ */

PyDoc_STRVAR(register_doc,
"register_asset(asset_id, asset_type, asset_object=None, metadata=None, size=None,\n"
"               path=None, state=None)\n--\n\nReturns int. "
"Track an asset from now on (in AssetState state, LOADED by default); returns\n"
"its size in bytes. asset_id: any hashable\n"
"id not registered yet (ValueError otherwise). asset_type: an AssetType (or its\n"
"name). The size is size= when given, else what asset_object holds (pygame\n"
"surfaces: pitch x height; bytes-like objects and arrays: their buffer; an\n"
"nbytes attribute), else metadata: 'size', or 'width' x 'height' (x 'depth' or\n"
"'layers') at the 'format''s cost (RGBA, RGB, DXT1, BC7, ETC2, ASTC 6x6...; or\n"
"'bytes_per_pixel'; RGBA8 when neither is given), x 4/3 with 'mipmaps'; else 0\n"
"(unknown). The object is held by a weak reference when it allows one (the\n"
"manager then sees it freed), else strongly. path (or metadata 'path'/'file')\n"
"names the file, for duplicate loads; the Python line calling this is the\n"
"asset's load site.");

static PyObject *m_register(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "asset_id", "asset_type", "asset_object", "metadata", "size",
				  "path", "state", NULL };
	PyObject *id, *type_obj, *obj = Py_None, *md = Py_None, *size_obj = Py_None;
	PyObject *path = Py_None, *state_obj = NULL, *slot_obj = NULL, *site = NULL;
	struct pmt_asset_load l;
	struct asset_rec *r;
	uint64_t bytes = 0;
	uint32_t w = 0, h = 0;
	int type, state = PMT_STATE_LOADED, got = 0, err;
	long s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOOO:register_asset", kwlist, &id, &type_obj,
					 &obj, &md, &size_obj, &path, &state_obj))
		return NULL;
	type = pmt_enum_index(m->st, PMT_ENUM_ASSET_TYPE, type_obj, "asset_type");
	if (type < 0)
		return NULL;
	if (state_obj && state_obj != Py_None) {
		state = pmt_enum_index(m->st, PMT_ENUM_ASSET_STATE, state_obj, "state");
		if (state < 0)
			return NULL;
		if (state == PMT_STATE_UNLOADED || state == PMT_STATE_EVICTED) {
			PyErr_SetString(PyExc_ValueError, "an asset cannot be registered unloaded");
			return NULL;
		}
	}
	if (md != Py_None && !PyDict_Check(md)) {
		PyErr_SetString(PyExc_TypeError, "metadata must be a dict or None");
		return NULL;
	}
	if (md == Py_None)
		md = NULL;
	err = PyDict_Contains(m->index, id);
	if (err < 0)
		return NULL; /* unhashable */
	if (err) {
		PyErr_Format(PyExc_ValueError, "asset %R is already registered (unregister it first)", id);
		return NULL;
	}
	if (size_obj != Py_None) {
		if (pmt_bytes_arg(size_obj, "size", &bytes) < 0)
			return NULL;
		got = 1;
	}
	if (obj != Py_None) {
		uint64_t ob = 0;
		int r2 = pmt_object_size(obj, &ob, &w, &h);

		if (r2 < 0)
			return NULL;
		if (r2 && !got) {
			bytes = ob;
			got = 1;
		}
	}
	if (md) {
		uint64_t mb = 0;
		uint32_t mw = 0, mh = 0;
		int r2 = pmt_metadata_size(md, &mb, &mw, &mh);

		if (r2 < 0 && !got)
			return NULL; /* the metadata was the only way to size it */
		PyErr_Clear();
		if (r2 > 0 && !got) {
			bytes = mb;
			got = 1;
		}
		if (!w)
			w = mw;
		if (!h)
			h = mh;
		if (path == Py_None) {
			path = pmt_meta_get(md, "path");
			if (!path)
				path = pmt_meta_get(md, "file");
			if (!path)
				path = Py_None;
		}
	}
	s = new_slot(m);
	if (s < 0)
		return NULL;
	r = &m->recs[s];
	memset(r, 0, sizeof(*r));
	r->bytes = bytes;
	r->type = (uint8_t)type;
	r->state = (uint8_t)state;
	r->registered_ns = r->last_use_ns = pmt_os_now_ns();
	r->path_id = intern(m, path);
	site = pmt_caller_site();
	r->site_id = intern(m, site);
	Py_XDECREF(site);
	memset(&l, 0, sizeof(l));
	l.obj = (uint64_t)s + 1;
	l.bytes = bytes;
	l.ts_ns = r->registered_ns;
	l.frame = current_frame(m);
	l.type = (uint32_t)type;
	l.path_id = r->path_id;
	l.site_id = r->site_id;
	l.width = w;
	l.height = h;
	err = pmt_asset_loaded(m->store, &l);
	if (err) {
		if (err == -ENOSPC)
			PyErr_SetString(m->st->Error, "too many assets registered (max_assets)");
		else
			PyErr_NoMemory();
		goto fail;
	}
	if (obj != Py_None) {
		r->ref = PyWeakref_NewRef(obj, m->wr_callback);
		if (!r->ref) {
			if (!PyErr_ExceptionMatches(PyExc_TypeError))
				goto fail_store;
			PyErr_Clear();
			Py_INCREF(obj);
			r->ref = obj;
			r->strong = true;
		} else {
			PyObject *key = PyLong_FromVoidPtr(r->ref);

			slot_obj = PyLong_FromLong(s);
			if (!key || !slot_obj || PyDict_SetItem(m->wr_index, key, slot_obj) < 0) {
				Py_XDECREF(key);
				goto fail_store;
			}
			Py_DECREF(key);
			Py_CLEAR(slot_obj);
		}
	}
	slot_obj = PyLong_FromLong(s);
	if (!slot_obj || PyDict_SetItem(m->index, id, slot_obj) < 0)
		goto fail_store;
	Py_DECREF(slot_obj);
	Py_INCREF(id);
	r->id = id;
	Py_XINCREF(md);
	r->metadata = md;
	m->state_bytes[state] += bytes;
	m->live++;
	m->live_bytes += bytes;
	return PyLong_FromUnsignedLongLong(bytes);

fail_store:
	pmt_asset_freed(m->store, (uint64_t)s + 1, l.frame, l.ts_ns);
fail:
	Py_XDECREF(slot_obj);
	r->collected = true; /* nothing to account */
	release_slot(m, (uint32_t)s);
	return NULL;
}

static int unregister(ManagerObject *m, long s)
{
	PyObject *id = m->recs[s].id;
	int rc;

	account_gone(m, (uint32_t)s);
	Py_INCREF(id);
	rc = PyDict_DelItem(m->index, id);
	Py_DECREF(id);
	if (m->recs[s].collected)
		m->collected--;
	release_slot(m, (uint32_t)s);
	return rc;
}

PyDoc_STRVAR(unregister_doc,
"unregister_asset(asset_id)\n--\n\nReturns int. "
"Stop tracking an asset (it was unloaded); returns the bytes it held.\n"
"UnknownAssetError when it is not registered.");

static PyObject *m_unregister(ManagerObject *m, PyObject *id)
{
	long s = slot_of(m, id);
	uint64_t bytes;

	if (s < 0)
		return NULL;
	bytes = m->recs[s].bytes;
	if (unregister(m, s) < 0)
		return NULL;
	return PyLong_FromUnsignedLongLong(bytes);
}

/* A use of slot @s by @system (or the calling line). */
static int use(ManagerObject *m, long s, PyObject *system)
{
	struct asset_rec *r = &m->recs[s];
	uint32_t site;

	r->uses++;
	r->last_use_ns = pmt_os_now_ns();
	if (system && system != Py_None) {
		site = intern(m, system);
	} else {
		PyObject *caller = pmt_caller_site();

		site = intern(m, caller);
		Py_XDECREF(caller);
	}
	if (!r->collected && pmt_asset_used(m->store, (uint64_t)s + 1, current_frame(m), site) == -ENOMEM) {
		PyErr_NoMemory();
		return -1;
	}
	return 0;
}

PyDoc_STRVAR(update_doc,
"update_asset_state(asset_id, state)\n--\n\n"
"Move an asset to AssetState state. IN_USE counts as a use (recency,\n"
"frequency, the calling line as the system using it); UNLOADED and EVICTED\n"
"end its registration, like unregister_asset(). UnknownAssetError when it\n"
"is not registered.");

static PyObject *m_update(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "asset_id", "state", NULL };
	PyObject *id, *state_obj;
	struct asset_rec *r;
	int state;
	long s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:update_asset_state", kwlist, &id, &state_obj))
		return NULL;
	state = pmt_enum_index(m->st, PMT_ENUM_ASSET_STATE, state_obj, "state");
	if (state < 0)
		return NULL;
	s = slot_of(m, id);
	if (s < 0)
		return NULL;
	if (state == PMT_STATE_UNLOADED || state == PMT_STATE_EVICTED) {
		if (unregister(m, s) < 0)
			return NULL;
		Py_RETURN_NONE;
	}
	r = &m->recs[s];
	if (!r->collected) {
		m->state_bytes[r->state] -= r->bytes;
		m->state_bytes[state] += r->bytes;
	}
	r->state = (uint8_t)state;
	if (state == PMT_STATE_IN_USE && use(m, s, NULL) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(use_doc,
"use_asset(asset_id, system=None)\n--\n\n"
"Count one use of an asset (a draw, a play) by system (a name such as\n"
"'renderer'; by default the calling line). Uses drive leak detection\n"
"(unused assets) and get_system_usage().");

static PyObject *m_use(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "asset_id", "system", NULL };
	PyObject *id, *system = Py_None;
	long s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:use_asset", kwlist, &id, &system))
		return NULL;
	s = slot_of(m, id);
	if (s < 0 || use(m, s, system) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(acquire_doc,
"acquire_asset(asset_id, system)\n--\n\nReturns int. "
"Game system `system` (a name) takes a reference to the asset: counts a use\n"
"and returns the asset's total reference count across systems.");

static PyObject *m_acquire(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "asset_id", "system", NULL };
	PyObject *id, *system, *cur, *n;
	struct asset_rec *r;
	Py_ssize_t pos = 0;
	PyObject *k, *v;
	long long total = 0;
	long s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:acquire_asset", kwlist, &id, &system))
		return NULL;
	s = slot_of(m, id);
	if (s < 0)
		return NULL;
	r = &m->recs[s];
	if (!r->systems && !(r->systems = PyDict_New()))
		return NULL;
	cur = PyDict_GetItemWithError(r->systems, system);
	if (!cur && PyErr_Occurred())
		return NULL;
	n = PyLong_FromLongLong((cur ? PyLong_AsLongLong(cur) : 0) + 1);
	if (!n || PyDict_SetItem(r->systems, system, n) < 0) {
		Py_XDECREF(n);
		return NULL;
	}
	Py_DECREF(n);
	if (use(m, s, system) < 0)
		return NULL;
	while (PyDict_Next(r->systems, &pos, &k, &v))
		total += PyLong_AsLongLong(v);
	return PyLong_FromLongLong(total);
}

PyDoc_STRVAR(release_doc,
"release_asset(asset_id, system)\n--\n\nReturns int. "
"Undo one acquire_asset() by system; returns the total reference count left.\n"
"ValueError when system holds no reference to it.");

static PyObject *m_release(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "asset_id", "system", NULL };
	PyObject *id, *system, *cur;
	struct asset_rec *r;
	Py_ssize_t pos = 0;
	PyObject *k, *v;
	long long c, total = 0;
	long s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:release_asset", kwlist, &id, &system))
		return NULL;
	s = slot_of(m, id);
	if (s < 0)
		return NULL;
	r = &m->recs[s];
	cur = r->systems ? PyDict_GetItemWithError(r->systems, system) : NULL;
	if (!cur) {
		if (!PyErr_Occurred())
			PyErr_Format(PyExc_ValueError, "system %R holds no reference to asset %R",
				     system, id);
		return NULL;
	}
	c = PyLong_AsLongLong(cur) - 1;
	if (c <= 0) {
		if (PyDict_DelItem(r->systems, system) < 0)
			return NULL;
	} else {
		PyObject *n = PyLong_FromLongLong(c);

		if (!n || PyDict_SetItem(r->systems, system, n) < 0) {
			Py_XDECREF(n);
			return NULL;
		}
		Py_DECREF(n);
	}
	while (PyDict_Next(r->systems, &pos, &k, &v))
		total += PyLong_AsLongLong(v);
	return PyLong_FromLongLong(total);
}

PyDoc_STRVAR(refs_doc,
"get_asset_references(asset_id)\n--\n\nReturns dict. "
"{system: references} the game's systems hold on the asset (acquire_asset).");

static PyObject *m_refs(ManagerObject *m, PyObject *id)
{
	long s = slot_of(m, id);

	if (s < 0)
		return NULL;
	if (!m->recs[s].systems)
		return PyDict_New();
	return PyDict_Copy(m->recs[s].systems);
}

/* ---- reading ---------------------------------------------------------------------- */

static PyObject *type_member(ManagerObject *m, int t)
{
	PyObject *o = pmt_enum_member(m->st, PMT_ENUM_ASSET_TYPE, t);

	Py_XINCREF(o);
	return o;
}

PyDoc_STRVAR(info_doc,
"get_asset_info(asset_id)\n--\n\nReturns dict. "
"asset_id, type, state, size, uses, references ({system: n}), site (the\n"
"registering line), path, alive (False once its object was collected),\n"
"held ('weak', 'strong' or None), registered_at and last_used (monotonic\n"
"seconds), metadata.");

static PyObject *m_info(ManagerObject *m, PyObject *id)
{
	struct asset_rec *r;
	PyObject *obj, *res;
	long s = slot_of(m, id);

	if (s < 0)
		return NULL;
	r = &m->recs[s];
	obj = rec_object(r);
	res = Py_BuildValue("{s:O,s:N,s:O,s:K,s:K,s:N,s:N,s:N,s:O,s:s,s:d,s:d,s:O}", "asset_id",
			    r->id, "type", type_member(m, r->type), "state",
			    pmt_enum_member(m->st, PMT_ENUM_ASSET_STATE, r->state),
			    "size", (unsigned long long)r->bytes, "uses", (unsigned long long)r->uses,
			    "references", r->systems ? PyDict_Copy(r->systems) : PyDict_New(), "site",
			    str_of(m, r->site_id), "path", str_of(m, r->path_id), "alive",
			    (r->ref && !obj) ? Py_False : Py_True, "held",
			    r->ref ? (r->strong ? "strong" : "weak") : NULL, "registered_at",
			    (double)r->registered_ns / 1e9, "last_used", (double)r->last_use_ns / 1e9,
			    "metadata", r->metadata ? r->metadata : Py_None);
	Py_XDECREF(obj);
	return res;
}

PyDoc_STRVAR(heatmap_doc,
"get_memory_heatmap(top_n=10)\n--\n\nReturns MemoryHeatmap. "
"Asset memory now: total_memory, asset_count, by_type, count_by_type,\n"
"peak_by_type, by_state, and the top_n largest assets (hotspots as\n"
"(asset_id, bytes), top_assets with details). Assets whose object was\n"
"collected count no more. str(heatmap) draws a table.");

static PyObject *m_heatmap(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "top_n", NULL };
	Py_ssize_t top_n = 10, i;
	struct pmt_asset *top = NULL;
	size_t n;
	int t;
	PyObject *hot = NULL, *tops = NULL, *by_type = NULL, *count = NULL, *peak = NULL,
		 *by_state = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n:get_memory_heatmap", kwlist, &top_n))
		return NULL;
	if (top_n < 0) {
		PyErr_SetString(PyExc_ValueError, "top_n must not be negative");
		return NULL;
	}
	if ((size_t)top_n > m->live)
		top_n = (Py_ssize_t)m->live;
	top = PyMem_Malloc(((size_t)top_n + 1) * sizeof(*top));
	hot = PyList_New(0);
	tops = PyList_New(0);
	by_type = PyDict_New();
	count = PyDict_New();
	peak = PyDict_New();
	by_state = PyDict_New();
	if (!top || !hot || !tops || !by_type || !count || !peak || !by_state)
		goto fail;
	n = pmt_asset_top(m->store, top, (size_t)top_n);
	for (i = 0; i < (Py_ssize_t)n; i++) {
		struct asset_rec *r = &m->recs[top[i].l.obj - 1];
		PyObject *t1 = Py_BuildValue("(OK)", r->id, (unsigned long long)r->bytes);
		PyObject *d = Py_BuildValue("{s:O,s:K,s:N,s:O,s:K,s:N,s:N}", "asset_id", r->id,
					    "bytes", (unsigned long long)r->bytes, "type",
					    type_member(m, r->type), "state",
					    pmt_enum_member(m->st, PMT_ENUM_ASSET_STATE, r->state),
					    "uses", (unsigned long long)r->uses, "site",
					    str_of(m, r->site_id), "path", str_of(m, r->path_id));

		if (!t1 || !d || PyList_Append(hot, t1) < 0 || PyList_Append(tops, d) < 0) {
			Py_XDECREF(t1);
			Py_XDECREF(d);
			goto fail;
		}
		Py_DECREF(t1);
		Py_DECREF(d);
	}
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(m->store, (enum pmt_asset_type)t);
		PyObject *key = pmt_enum_member(m->st, PMT_ENUM_ASSET_TYPE, t), *v1, *v2, *v3;

		if (!ts || !key || (!ts->live && !ts->peak_bytes))
			continue;
		v1 = PyLong_FromUnsignedLongLong(ts->live_bytes);
		v2 = PyLong_FromUnsignedLongLong(ts->live);
		v3 = PyLong_FromUnsignedLongLong(ts->peak_bytes);
		if (!v1 || !v2 || !v3 || (ts->live && (PyDict_SetItem(by_type, key, v1) < 0 ||
						       PyDict_SetItem(count, key, v2) < 0)) ||
		    PyDict_SetItem(peak, key, v3) < 0) {
			Py_XDECREF(v1);
			Py_XDECREF(v2);
			Py_XDECREF(v3);
			goto fail;
		}
		Py_DECREF(v1);
		Py_DECREF(v2);
		Py_DECREF(v3);
	}
	for (t = 0; t < PMT_STATES; t++) {
		PyObject *v;

		if (!m->state_bytes[t])
			continue;
		v = PyLong_FromUnsignedLongLong(m->state_bytes[t]);
		if (!v || PyDict_SetItem(by_state, pmt_enum_member(m->st, PMT_ENUM_ASSET_STATE, t), v) < 0) {
			Py_XDECREF(v);
			goto fail;
		}
		Py_DECREF(v);
	}
	PyMem_Free(top);
	return pmt_record_new(m->st->MemoryHeatmap, HM_FIELDS,
			      PyLong_FromUnsignedLongLong(m->live_bytes),
			      PyLong_FromUnsignedLongLong(m->live), hot, by_type, count, peak,
			      by_state, tops);
fail:
	PyMem_Free(top);
	Py_XDECREF(hot);
	Py_XDECREF(tops);
	Py_XDECREF(by_type);
	Py_XDECREF(count);
	Py_XDECREF(peak);
	Py_XDECREF(by_state);
	if (!PyErr_Occurred())
		PyErr_NoMemory();
	return NULL;
}

PyDoc_STRVAR(systems_doc,
"get_system_usage(top_n=20)\n--\n\nReturns list[dict]. "
"The game's systems (use_asset/acquire_asset system names, or calling lines)\n"
"with the most uses: [{'system', 'uses', 'live_assets', 'live_bytes' (of the\n"
"live assets it used), 'by_type': {AssetType: uses}}, ...].");

static PyObject *m_systems(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "top_n", NULL };
	Py_ssize_t top_n = 20;
	struct pmt_use_site_stats *us;
	PyObject *list;
	size_t n, i;
	int t;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n:get_system_usage", kwlist, &top_n))
		return NULL;
	if (top_n < 0) {
		PyErr_SetString(PyExc_ValueError, "top_n must not be negative");
		return NULL;
	}
	us = PyMem_Malloc(((size_t)top_n + 1) * sizeof(*us));
	list = PyList_New(0);
	if (!us || !list) {
		PyMem_Free(us);
		Py_XDECREF(list);
		return PyErr_NoMemory();
	}
	n = pmt_asset_top_use_sites(m->store, us, (size_t)top_n);
	for (i = 0; i < n; i++) {
		PyObject *bt = PyDict_New(), *d;

		for (t = 0; bt && t < PMT_ASSET_TYPES; t++) {
			PyObject *v;

			if (!us[i].type_uses[t])
				continue;
			v = PyLong_FromUnsignedLongLong(us[i].type_uses[t]);
			if (!v || PyDict_SetItem(bt, pmt_enum_member(m->st, PMT_ENUM_ASSET_TYPE, t), v) < 0)
				Py_CLEAR(bt);
			Py_XDECREF(v);
		}
		d = bt ? Py_BuildValue("{s:N,s:K,s:K,s:K,s:N}", "system", str_of(m, us[i].site_id),
				       "uses", (unsigned long long)us[i].uses, "live_assets",
				       (unsigned long long)us[i].live_assets, "live_bytes",
				       (unsigned long long)us[i].live_bytes, "by_type", bt)
		       : NULL;
		if (!d || PyList_Append(list, d) < 0) {
			Py_XDECREF(d);
			Py_CLEAR(list);
			break;
		}
		Py_DECREF(d);
	}
	PyMem_Free(us);
	return list;
}

PyDoc_STRVAR(dups_doc,
"find_duplicates()\n--\n\nReturns list[dict]. "
"Files loaded and held more than once (by path): [{'path', 'type', 'copies',\n"
"'bytes', 'wasted_bytes'}, ...], most waste first.");

static PyObject *m_dups(ManagerObject *m, PyObject *unused)
{
	struct pmt_duplicate d[64];
	PyObject *list = PyList_New(0);
	size_t n, i;

	(void)unused;
	if (!list)
		return NULL;
	n = pmt_asset_duplicates(m->store, d, 64);
	for (i = 0; i < n; i++) {
		PyObject *e = Py_BuildValue("{s:N,s:N,s:K,s:K,s:K}", "path", str_of(m, d[i].path_id),
					    "type", type_member(m, (int)d[i].type), "copies",
					    (unsigned long long)d[i].copies, "bytes",
					    (unsigned long long)d[i].bytes, "wasted_bytes",
					    (unsigned long long)d[i].wasted_bytes);

		if (!e || PyList_Append(list, e) < 0) {
			Py_XDECREF(e);
			Py_DECREF(list);
			return NULL;
		}
		Py_DECREF(e);
	}
	return list;
}

PyDoc_STRVAR(end_frame_doc,
"end_frame()\n--\n\n"
"A game frame ended (needed only without a profiler): assets created and freed\n"
"within one frame count as churn, and uses are dated by frame.");

static PyObject *m_end_frame(ManagerObject *m, PyObject *unused)
{
	(void)unused;
	pmt_asset_frame_end(m->store, current_frame(m));
	m->frame++;
	Py_RETURN_NONE;
}

/* ---- cycles ------------------------------------------------------------------------ */

struct edges {
	struct pmt_edge *v;
	size_t n, cap;
	uint32_t from;
	bool oom;
};

static void emit_edge(void *ctx, uint32_t to)
{
	struct edges *e = ctx;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		struct pmt_edge *v = realloc(e->v, cap * sizeof(*v));

		if (!v) {
			e->oom = true;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].from = e->from;
	e->v[e->n].to = to;
	e->n++;
}

/*
 * The cycles among the live assets' objects, as a list of lists of asset
 * ids; *@truncated gets how many walks hit @max_visit.
 */
static PyObject *cycles_list(ManagerObject *m, size_t max_visit, size_t *truncated)
{
	struct pmt_refwalk w;
	struct edges e = { 0 };
	struct pmt_cycle_set cs = { 0 };
	uint32_t *nodes = NULL, nn = 0, i;
	PyObject **objs = NULL, *res = NULL;
	size_t c, k;

	*truncated = 0;
	nodes = PyMem_Malloc(((size_t)m->nrecs + 1) * sizeof(*nodes));
	objs = PyMem_Malloc(((size_t)m->nrecs + 1) * sizeof(*objs));
	if (!nodes || !objs || pmt_refwalk_init(&w, m->nrecs + 1, max_visit)) {
		PyErr_NoMemory();
		goto out_nowalk;
	}
	w.skip_types[w.nskip++] = Py_TYPE(m);
	for (i = 0; i < m->nrecs; i++) {
		PyObject *o;

		if (!m->recs[i].id || m->recs[i].collected)
			continue;
		o = rec_object(&m->recs[i]);
		if (!o)
			continue;
		objs[nn] = o; /* a reference held for the walk */
		nodes[nn] = i;
		pmt_refwalk_add_target(&w, o, nn);
		nn++;
	}
	for (i = 0; i < nn && !e.oom; i++) {
		e.from = i;
		pmt_refwalk_from(&w, objs[i], emit_edge, &e);
		*truncated += w.truncated;
	}
	if (e.oom || pmt_find_cycles(nn, e.v, e.n, &cs)) {
		PyErr_NoMemory();
		goto out;
	}
	res = PyList_New(0);
	for (c = 0; res && c < cs.count; c++) {
		PyObject *cyc = PyList_New(0);

		for (k = cs.start[c]; cyc && k < cs.start[c + 1]; k++)
			if (PyList_Append(cyc, m->recs[nodes[cs.nodes[k]]].id) < 0)
				Py_CLEAR(cyc);
		if (!cyc || PyList_Append(res, cyc) < 0)
			Py_CLEAR(res);
		Py_XDECREF(cyc);
	}
out:
	for (i = 0; i < nn; i++)
		Py_DECREF(objs[i]);
	pmt_refwalk_free(&w);
out_nowalk:
	pmt_cycle_set_free(&cs);
	free(e.v);
	PyMem_Free(nodes);
	PyMem_Free(objs);
	return res;
}

PyDoc_STRVAR(cycles_doc,
"find_reference_cycles(max_visit=10000)\n--\n\nReturns list[list]. "
"Registered assets that hold each other alive: each cycle as the asset ids in\n"
"reference order ([a, b] means a refers to b and b to a), found through the\n"
"collector's referents (what gc.get_referents() gives), through any objects\n"
"that are not assets, but not through modules, classes or functions. A walk\n"
"from one asset visits at most max_visit objects.");

static PyObject *m_cycles(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "max_visit", NULL };
	Py_ssize_t max_visit = 10000;
	size_t truncated;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n:find_reference_cycles", kwlist, &max_visit))
		return NULL;
	if (max_visit < 1) {
		PyErr_SetString(PyExc_ValueError, "max_visit must be at least 1");
		return NULL;
	}
	return cycles_list(m, (size_t)max_visit, &truncated);
}

/* ---- leaks ------------------------------------------------------------------------- */

static int add_leak(ManagerObject *m, PyObject *list, const char *kind, struct asset_rec *r,
		    uint64_t size, PyObject *detail, PyObject *cycle, uint32_t site)
{
	PyObject *leak = pmt_record_new(m->st->MemoryLeak, LK_FIELDS, PyUnicode_FromString(kind),
					r ? (Py_INCREF(r->id), r->id) : (Py_INCREF(Py_None), Py_None),
					PyLong_FromUnsignedLongLong(size),
					r ? type_member(m, r->type) : (Py_INCREF(Py_None), Py_None),
					detail, cycle ? cycle : (Py_INCREF(Py_None), Py_None),
					str_of(m, site));
	int rc;

	if (!leak)
		return -1;
	rc = PyList_Append(list, leak);
	Py_DECREF(leak);
	return rc;
}

PyDoc_STRVAR(leaks_doc,
"detect_memory_leaks(unused_seconds=None, collect=True, cycles=True)\n--\n\nReturns list[MemoryLeak]. "
"Potential leaks, largest first within each kind:\n"
"  'collected'    the object was freed while still registered (never unloaded);\n"
"  'unreferenced' only the manager still holds the object (strongly held ones);\n"
"  'unused'       alive but not used for unused_seconds (default: the manager's\n"
"                 unused_threshold);\n"
"  'cycle'        assets holding each other alive (find_reference_cycles());\n"
"  'load_site'    a line whose registered assets grew at each of the last three\n"
"                 leak checks (each call is a check) and number 5 or more.\n"
"collect=True runs gc.collect() first, so assets only garbage cycles kept are\n"
"reported 'collected'.");

static PyObject *m_leaks(ManagerObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "unused_seconds", "collect", "cycles", NULL };
	PyObject *unused_obj = Py_None, *list;
	int collect = 1, cycles = 1;
	double unused = m->unused_threshold;
	uint64_t now;
	struct pmt_site_stats sites[16];
	size_t n, i;
	uint32_t s;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|Opp:detect_memory_leaks", kwlist, &unused_obj,
					 &collect, &cycles))
		return NULL;
	if (unused_obj != Py_None) {
		unused = PyFloat_AsDouble(unused_obj);
		if (unused == -1 && PyErr_Occurred())
			return NULL;
		if (!(unused >= 0)) {
			PyErr_SetString(PyExc_ValueError, "unused_seconds must not be negative");
			return NULL;
		}
	}
	if (collect) {
		PyObject *gc = PyImport_ImportModule("gc"), *r;

		if (!gc)
			return NULL;
		r = PyObject_CallMethod(gc, "collect", NULL);
		Py_DECREF(gc);
		if (!r)
			return NULL;
		Py_DECREF(r);
	}
	list = PyList_New(0);
	if (!list)
		return NULL;
	now = pmt_os_now_ns();
	for (s = 0; s < m->nrecs; s++) {
		struct asset_rec *r = &m->recs[s];
		PyObject *detail;
		const char *kind = NULL;

		if (!r->id)
			continue;
		if (r->collected) {
			kind = "collected";
			detail = PyUnicode_FromFormat(
				"%R was freed while registered: its memory is gone but it was never "
				"unregistered or unloaded",
				r->id);
		} else if (r->strong && Py_REFCNT(r->ref) == 1) {
			kind = "unreferenced";
			detail = PyUnicode_FromFormat(
				"%R: the game holds no reference to its object any more; only the "
				"manager keeps it alive",
				r->id);
		} else if ((double)(now - r->last_use_ns) / 1e9 >= unused) {
			char buf[64];

			kind = "unused";
			snprintf(buf, sizeof(buf), "%.1f", (double)(now - r->last_use_ns) / 1e9);
			detail = PyUnicode_FromFormat("%R not used for %s s (%llu uses in all)", r->id,
						      buf, (unsigned long long)r->uses);
		} else {
			continue;
		}
		if (add_leak(m, list, kind, r, r->bytes, detail, NULL, r->site_id) < 0)
			goto fail;
	}
	if (cycles) {
		size_t truncated, c, k;
		PyObject *cyc = cycles_list(m, 10000, &truncated);

		if (!cyc)
			goto fail;
		for (c = 0; c < (size_t)PyList_GET_SIZE(cyc); c++) {
			PyObject *ids = PyList_GET_ITEM(cyc, c), *parts = PyList_New(0), *sep, *path,
				 *tuple;
			uint64_t bytes = 0;
			long first = slot_of(m, PyList_GET_ITEM(ids, 0));

			for (k = 0; parts && k < (size_t)PyList_GET_SIZE(ids); k++) {
				PyObject *rep = PyObject_Repr(PyList_GET_ITEM(ids, k));
				long sk = slot_of(m, PyList_GET_ITEM(ids, k));

				if (sk >= 0)
					bytes += m->recs[sk].bytes;
				if (!rep || PyList_Append(parts, rep) < 0)
					Py_CLEAR(parts);
				Py_XDECREF(rep);
			}
			if (!parts || first < 0 || PyList_Append(parts, PyList_GET_ITEM(parts, 0)) < 0) {
				Py_XDECREF(parts);
				Py_DECREF(cyc);
				goto fail;
			}
			sep = PyUnicode_FromString(" -> ");
			path = sep ? PyUnicode_Join(sep, parts) : NULL;
			Py_XDECREF(sep);
			Py_DECREF(parts);
			tuple = PyList_AsTuple(ids);
			if (!path || !tuple ||
			    add_leak(m, list, "cycle", &m->recs[first], bytes,
				     PyUnicode_FromFormat("reference cycle: %U", path), tuple,
				     m->recs[first].site_id) < 0) {
				Py_XDECREF(path);
				Py_DECREF(cyc);
				goto fail;
			}
			Py_DECREF(path);
		}
		Py_DECREF(cyc);
	}
	/* each call is a leak check: the sites' live counts go into their histories */
	pmt_asset_interval_end(m->store);
	m->leak_checks++;
	n = pmt_asset_leaks(m->store, sites, 16);
	for (i = 0; i < n; i++) {
		PyObject *site = str_of(m, sites[i].site_id);
		PyObject *detail = PyUnicode_FromFormat(
			"%S registered %llu assets still alive (%llu bytes), more at each of the "
			"last leak checks",
			site, (unsigned long long)sites[i].live, (unsigned long long)sites[i].live_bytes);

		Py_XDECREF(site);
		if (add_leak(m, list, "load_site", NULL, sites[i].live_bytes, detail, NULL,
			     sites[i].site_id) < 0)
			goto fail;
	}
	return list;
fail:
	Py_DECREF(list);
	return NULL;
}

/* ---- mapping protocol, properties -------------------------------------------------- */

static Py_ssize_t m_len(ManagerObject *m)
{
	return PyDict_Size(m->index);
}

static int m_contains(ManagerObject *m, PyObject *id)
{
	return PyDict_Contains(m->index, id);
}

static PyObject *get_total(ManagerObject *m, void *c)
{
	(void)c;
	return PyLong_FromUnsignedLongLong(m->live_bytes);
}

static PyObject *get_count(ManagerObject *m, void *c)
{
	(void)c;
	return PyLong_FromUnsignedLongLong(m->live);
}

static PyObject *get_unused(ManagerObject *m, void *c)
{
	(void)c;
	return PyFloat_FromDouble(m->unused_threshold);
}

static int set_unused(ManagerObject *m, PyObject *v, void *c)
{
	double d;

	(void)c;
	if (!v) {
		PyErr_SetString(PyExc_AttributeError, "cannot delete unused_threshold");
		return -1;
	}
	d = PyFloat_AsDouble(v);
	if (d == -1 && PyErr_Occurred())
		return -1;
	if (!(d >= 0)) {
		PyErr_SetString(PyExc_ValueError, "unused_threshold must not be negative");
		return -1;
	}
	m->unused_threshold = d;
	return 0;
}

static PyObject *get_ids(ManagerObject *m, void *c)
{
	(void)c;
	return PySequence_List(m->index);
}

static PyGetSetDef m_getset[] = {
	{ "total_memory", (getter)get_total, NULL, "Bytes the live registered assets hold.", NULL },
	{ "asset_count", (getter)get_count, NULL, "Live registered assets.", NULL },
	{ "asset_ids", (getter)get_ids, NULL, "Every registered id (collected ones too).", NULL },
	{ "unused_threshold", (getter)get_unused, (setter)set_unused,
	  "Seconds without a use after which detect_memory_leaks() reports an asset.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef m_methods[] = {
	{ "register_asset", (PyCFunction)(void (*)(void))m_register, METH_VARARGS | METH_KEYWORDS,
	  register_doc },
	{ "unregister_asset", (PyCFunction)m_unregister, METH_O, unregister_doc },
	{ "update_asset_state", (PyCFunction)(void (*)(void))m_update, METH_VARARGS | METH_KEYWORDS,
	  update_doc },
	{ "use_asset", (PyCFunction)(void (*)(void))m_use, METH_VARARGS | METH_KEYWORDS, use_doc },
	{ "acquire_asset", (PyCFunction)(void (*)(void))m_acquire, METH_VARARGS | METH_KEYWORDS,
	  acquire_doc },
	{ "release_asset", (PyCFunction)(void (*)(void))m_release, METH_VARARGS | METH_KEYWORDS,
	  release_doc },
	{ "get_asset_references", (PyCFunction)m_refs, METH_O, refs_doc },
	{ "get_asset_info", (PyCFunction)m_info, METH_O, info_doc },
	{ "get_memory_heatmap", (PyCFunction)(void (*)(void))m_heatmap, METH_VARARGS | METH_KEYWORDS,
	  heatmap_doc },
	{ "get_system_usage", (PyCFunction)(void (*)(void))m_systems, METH_VARARGS | METH_KEYWORDS,
	  systems_doc },
	{ "find_duplicates", (PyCFunction)m_dups, METH_NOARGS, dups_doc },
	{ "find_reference_cycles", (PyCFunction)(void (*)(void))m_cycles,
	  METH_VARARGS | METH_KEYWORDS, cycles_doc },
	{ "detect_memory_leaks", (PyCFunction)(void (*)(void))m_leaks, METH_VARARGS | METH_KEYWORDS,
	  leaks_doc },
	{ "end_frame", (PyCFunction)m_end_frame, METH_NOARGS, end_frame_doc },
	{ NULL, NULL, 0, NULL },
};

void pmt_asset_manager_peaks(PyObject *manager, uint64_t *peak_by_cat)
{
	ManagerObject *m = (ManagerObject *)manager;
	int t;

	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(m->store, (enum pmt_asset_type)t);
		int cat = pmt_budget_cat_of_asset((uint32_t)t);

		if (ts && cat >= 0)
			peak_by_cat[cat] += ts->peak_bytes;
	}
}

/* ---- the type ------------------------------------------------------------------------ */

static PyObject *m_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "unused_threshold", "max_assets", "profiler", NULL };
	double unused = 300.0;
	Py_ssize_t max_assets = 1000000;
	PyObject *profiler = Py_None;
	struct pmt_state *st = pmt_state_from_type(tp);
	struct pmt_asset_config cfg;
	ManagerObject *m;

	if (!st)
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|dnO:AssetMemoryManager", kwlist, &unused,
					 &max_assets, &profiler))
		return NULL;
	if (!(unused >= 0)) {
		PyErr_SetString(PyExc_ValueError, "unused_threshold must not be negative");
		return NULL;
	}
	if (max_assets < 1 || max_assets > 100000000) {
		PyErr_SetString(PyExc_ValueError, "max_assets must be 1..100000000");
		return NULL;
	}
	if (profiler != Py_None && !PyObject_TypeCheck(profiler, st->FrameMemoryProfiler)) {
		PyErr_SetString(PyExc_TypeError, "profiler must be a FrameMemoryProfiler or None");
		return NULL;
	}
	m = (ManagerObject *)tp->tp_alloc(tp, 0);
	if (!m)
		return NULL;
	m->st = st;
	m->unused_threshold = unused;
	pmt_strtab_init(&m->strs);
	pmt_asset_config_default(&cfg);
	cfg.max_assets = (size_t)max_assets;
	m->store = pmt_asset_store_new(&cfg);
	m->index = PyDict_New();
	m->wr_index = PyDict_New();
	m->wr_callback = PyCFunction_New(&on_collected_def, (PyObject *)m);
	Py_INCREF(profiler);
	m->profiler = profiler;
	if (!m->store || !m->index || !m->wr_index || !m->wr_callback) {
		if (!PyErr_Occurred())
			PyErr_NoMemory();
		Py_DECREF(m);
		return NULL;
	}
	return (PyObject *)m;
}

static int m_traverse(ManagerObject *m, visitproc visit, void *arg)
{
	uint32_t i;

	PMT_VISIT_TYPE(m);
	Py_VISIT(m->index);
	Py_VISIT(m->wr_index);
	Py_VISIT(m->wr_callback);
	Py_VISIT(m->profiler);
	for (i = 0; i < m->nrecs; i++) {
		Py_VISIT(m->recs[i].id);
		Py_VISIT(m->recs[i].ref);
		Py_VISIT(m->recs[i].metadata);
		Py_VISIT(m->recs[i].systems);
	}
	return 0;
}

static int m_clear(ManagerObject *m)
{
	uint32_t i;

	for (i = 0; i < m->nrecs; i++) {
		Py_CLEAR(m->recs[i].id);
		Py_CLEAR(m->recs[i].ref);
		Py_CLEAR(m->recs[i].metadata);
		Py_CLEAR(m->recs[i].systems);
	}
	Py_CLEAR(m->index);
	Py_CLEAR(m->wr_index);
	Py_CLEAR(m->wr_callback);
	Py_CLEAR(m->profiler);
	return 0;
}

static void m_dealloc(ManagerObject *m)
{
	PyTypeObject *tp = Py_TYPE(m);

	PyObject_GC_UnTrack(m);
	m_clear(m);
	pmt_asset_store_free(m->store);
	pmt_strtab_free(&m->strs);
	PyMem_Free(m->recs);
	tp->tp_free(m);
	Py_DECREF(tp);
}

PyDoc_STRVAR(m_doc,
"AssetMemoryManager(unused_threshold=300.0, max_assets=1000000, profiler=None)\n--\n\n"
"The game's assets (textures, surfaces, sounds, fonts, GPU buffers) from load\n"
"to free: memory by type and state (heatmaps), the largest assets, leaks\n"
"(assets freed or dropped without being unloaded, unused ones, reference\n"
"cycles among them, load sites that keep growing), duplicate files, and which\n"
"game systems use what. With a FrameMemoryProfiler, uses and loads are dated\n"
"by its frames; else call end_frame() each frame for churn. The analyses are\n"
"pymemtrace's C core, the same as pmtrace-bpf's asset reports.");

static PyType_Slot m_slots[] = {
	{ Py_tp_doc, (void *)m_doc },
	{ Py_tp_new, (void *)m_new },
	{ Py_tp_methods, m_methods },
	{ Py_tp_getset, m_getset },
	{ Py_sq_length, (void *)m_len },
	{ Py_sq_contains, (void *)m_contains },
	{ Py_tp_traverse, (void *)m_traverse },
	{ Py_tp_clear, (void *)m_clear },
	{ Py_tp_dealloc, (void *)m_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_AssetMemoryManager_spec = {
	.name = "pymemtrace.AssetMemoryManager",
	.basicsize = sizeof(ManagerObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
	.slots = m_slots,
};
