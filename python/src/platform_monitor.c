// SPDX-License-Identifier: BSD-2-Clause
/*
 * platform_monitor.c - PlatformMemoryMonitor: the game's memory now against
 * the machine it runs on (the platform layer, osmem.c) and against the
 * platform profiles pmtrace knows (consoles, phones, browsers, PC tiers:
 * data/platforms.json as compiled-in tables), judged and advised by the
 * core's platform module exactly as pmtrace-bpf's --platform report.
 *
 * What is measured: the process's resident peak (its whole footprint), and
 * when an AssetMemoryManager is given, the peak of each asset category, so
 * that split-memory profiles (PS3, Vita, Xbox Series X) put textures in
 * their video bank; the Python allocators' live bytes while the hooks run.
 */
#include "pmt_module.h"

#include <math.h>
#include <string.h>

#include "pmtrace/assets.h"
#include "pmtrace/budget.h"
#include "pmtrace/platform.h"
#include "records.h"

#define MAX_ADVICE 16

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	struct pmt_platforms ps;
	struct pmt_os os;
	bool os_open;
	const struct pmt_platform *target; /* NULL: the host */
	double critical;                   /* percent */
	double interval;                   /* seconds a status is reused */
	uint64_t last_ns;
	PyObject *last;                    /* the last status */
	PyObject *assets;                  /* an AssetMemoryManager, or None */
	PyObject *critical_cbs;
	bool was_critical;
} MonitorObject;

/* ---- measuring ----------------------------------------------------------------------- */

static int measure(MonitorObject *m, struct pmt_measured *out, uint64_t *rss, uint64_t *peak)
{
	struct pmt_os_proc proc;
	struct pmt_hooks *h = m->st->hooks;

	memset(out, 0, sizeof(*out));
	if (!m->os_open) {
		if (pmt_os_open(&m->os)) {
			PyErr_SetString(PyExc_OSError, "pymemtrace: cannot read this process's memory");
			return -1;
		}
		m->os_open = true;
	}
	if (pmt_os_process(&m->os, &proc)) {
		PyErr_SetString(PyExc_OSError, "pymemtrace: cannot read this process's memory");
		return -1;
	}
	*rss = proc.rss_bytes;
	*peak = proc.peak_rss_bytes;
	out->peak_rss = proc.peak_rss_bytes;
	if (pmt_hooks_active(h) && h->c.live_bytes > 0)
		out->peak_by_cat[PMT_CAT_PYTHON_HEAP] = (uint64_t)h->c.live_bytes;
	if (m->assets && m->assets != Py_None)
		pmt_asset_manager_peaks(m->assets, out->peak_by_cat);
	return 0;
}

/* The PC tier profile for a host with @total bytes of memory. */
static const struct pmt_platform *host_tier(MonitorObject *m, uint64_t total)
{
	const char *id = total <= (UINT64_C(10) << 30)	 ? "pc-low-8gb"
			 : total <= (UINT64_C(20) << 30) ? "pc-mid-16gb"
							 : "pc-high-32gb";

	return pmt_platform_find(&m->ps, id);
}

/* The Platform member of profile @p (or the host when NULL). */
static PyObject *platform_member(MonitorObject *m, const struct pmt_platform *p)
{
	const char *v = "unknown";
	PyObject *cls = m->st->enum_cls[PMT_ENUM_PLATFORM];

	if (!p) {
		v = pmt_os_name();
	} else if (!strncmp(p->id, "ios", 3) || !strncmp(p->id, "ipad", 4)) {
		v = "ios";
	} else if (!strncmp(p->id, "android", 7)) {
		v = "android";
	} else if (!strcmp(p->family, "web")) {
		v = "web";
	} else if (!strcmp(p->family, "console")) {
		v = "console";
	} else if (!strcmp(p->family, "pc")) {
		v = p->form_factor && !strcmp(p->form_factor, "handheld") ? "handheld_pc" : "pc";
	}
	return PyObject_CallFunction(cls, "s", v);
}

static PyObject *advice_list(const struct pmt_platform *p, const struct pmt_measured *me,
			     const struct pmt_fit *fit)
{
	char lines[MAX_ADVICE][PMT_ADVICE_LINE];
	size_t n = pmt_platform_advice(p, me, fit, lines, MAX_ADVICE), i;
	PyObject *l = PyList_New(0);

	for (i = 0; l && i < n; i++) {
		PyObject *s = PyUnicode_DecodeUTF8(lines[i], (Py_ssize_t)strlen(lines[i]), "replace");

		if (!s || PyList_Append(l, s) < 0)
			Py_CLEAR(l);
		Py_XDECREF(s);
	}
	return l;
}

static PyObject *size_or_none(uint64_t v)
{
	if (v == PMT_BYTES_UNKNOWN)
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLongLong(v);
}

/* ---- status ----------------------------------------------------------------------------- */

static PyObject *make_status(MonitorObject *m)
{
	struct pmt_measured me;
	struct pmt_os_system sys;
	struct pmt_fit fit;
	const struct pmt_platform *p;
	uint64_t rss, peak, total, avail, limit;
	double pct;
	bool critical;
	PyObject *recs, *line;
	char buf[256];

	if (measure(m, &me, &rss, &peak) < 0)
		return NULL;
	if (pmt_os_system(&sys))
		memset(&sys, 0, sizeof(sys));
	p = m->target ? m->target : host_tier(m, sys.total_bytes);
	if (!p) {
		PyErr_SetString(PyExc_SystemError, "pymemtrace: no platform profile");
		return NULL;
	}
	pmt_platform_fit(p, &me, &fit);
	recs = advice_list(p, &me, &fit);
	if (!recs)
		return NULL;
	limit = fit.total.limit;
	if (m->target) {
		uint64_t base = limit != PMT_BYTES_UNKNOWN ? limit : fit.total.recommended;

		total = base;
		avail = base != PMT_BYTES_UNKNOWN && base > peak ? base - peak : 0;
		pct = base && base != PMT_BYTES_UNKNOWN ? 100.0 * (double)peak / (double)base : 0.0;
		critical = fit.worst == PMT_FIT_OVER || pct >= m->critical;
	} else {
		total = sys.total_bytes;
		avail = sys.available_bytes;
		pct = total ? 100.0 * (double)(total - (avail < total ? avail : total)) / (double)total
			    : 0.0;
		critical = pct >= m->critical;
		if (critical) {
			snprintf(buf, sizeof(buf),
				 "The system's memory is %.1f%% used (%.0f MiB free): the game risks "
				 "swapping or being killed; free caches or lower texture quality now.",
				 pct, (double)avail / 1048576.0);
			line = PyUnicode_FromString(buf);
			if (!line || PyList_Insert(recs, 0, line) < 0) {
				Py_XDECREF(line);
				Py_DECREF(recs);
				return NULL;
			}
			Py_DECREF(line);
		}
	}
	return pmt_record_new(m->st->PlatformStatus, PS_FIELDS, platform_member(m, m->target),
			      PyUnicode_FromString(p->id), PyLong_FromUnsignedLongLong(rss),
			      PyLong_FromUnsignedLongLong(peak), size_or_none(total),
			      PyLong_FromUnsignedLongLong(avail), PyFloat_FromDouble(pct),
			      PyBool_FromLong(critical), recs, size_or_none(limit),
			      PyUnicode_FromString(pmt_fit_verdict_name(fit.worst)),
			      me.peak_by_cat[PMT_CAT_PYTHON_HEAP]
				      ? PyLong_FromUnsignedLongLong(me.peak_by_cat[PMT_CAT_PYTHON_HEAP])
				      : (Py_INCREF(Py_None), Py_None));
}

PyDoc_STRVAR(status_doc,
"get_current_status()\n--\n\nReturns PlatformStatus. "
"The game's memory now: platform, process_memory, peak_memory,\n"
"memory_percentage and is_critical, recommendations. On the host: the\n"
"system's memory in use, critical at critical_threshold %, advice from the\n"
"PC tier matching its memory. With a target profile: the game's peak against\n"
"the memory the profile gives a game, critical when over it or at\n"
"critical_threshold %, with the profile's advice. A status is reused for\n"
"update_interval seconds; critical callbacks run when it turns critical.");

static PyObject *mon_status(MonitorObject *m, PyObject *unused)
{
	uint64_t now = pmt_os_now_ns();
	PyObject *st;
	bool crit;

	(void)unused;
	if (m->last && (double)(now - m->last_ns) < m->interval * 1e9) {
		Py_INCREF(m->last);
		return m->last;
	}
	st = make_status(m);
	if (!st)
		return NULL;
	Py_XSETREF(m->last, st);
	m->last_ns = now;
	crit = pmt_record_get(st, PS_CRITICAL) == Py_True;
	if (crit && !m->was_critical) {
		m->was_critical = true;
		if (pmt_call_each(m->critical_cbs, st) < 0)
			return NULL;
	}
	m->was_critical = crit;
	Py_INCREF(st);
	return st;
}

/* ---- compatibility ------------------------------------------------------------------- */

static PyObject *fit_dict(MonitorObject *m, const struct pmt_platform *p, const struct pmt_measured *me)
{
	struct pmt_fit fit;
	PyObject *banks = PyList_New(0), *d;
	size_t b;
	uint64_t limit;
	double pct;

	if (!banks)
		return NULL;
	(void)m;
	pmt_platform_fit(p, me, &fit);
	for (b = 0; b < p->n_banks; b++) {
		const struct pmt_fit_part *bp = &fit.banks[b];
		PyObject *e;

		if (!p->banks[b].holds)
			continue;
		e = Py_BuildValue("{s:s,s:K,s:N,s:s}", "name", p->banks[b].name, "used_bytes",
				  (unsigned long long)bp->used, "limit_bytes", size_or_none(bp->limit),
				  "verdict", pmt_fit_verdict_name(bp->verdict));
		if (!e || PyList_Append(banks, e) < 0) {
			Py_XDECREF(e);
			Py_DECREF(banks);
			return NULL;
		}
		Py_DECREF(e);
	}
	limit = fit.total.limit;
	pct = limit && limit != PMT_BYTES_UNKNOWN ? 100.0 * (double)fit.total.used / (double)limit : 0.0;
	d = Py_BuildValue("{s:s,s:s,s:O,s:O,s:s,s:K,s:N,s:N,s:K,s:K,s:d,s:N}", "name", p->name,
			  "family", p->family, "fits",
			  fit.worst == PMT_FIT_RECOMMENDED || fit.worst == PMT_FIT_FITS ? Py_True : Py_False,
			  "meets_recommended", fit.worst == PMT_FIT_RECOMMENDED ? Py_True : Py_False,
			  "verdict", pmt_fit_verdict_name(fit.worst), "used_bytes",
			  (unsigned long long)fit.total.used, "available_bytes", size_or_none(limit),
			  "recommended_bytes", size_or_none(fit.total.recommended), "over_bytes",
			  (unsigned long long)fit.total.over_bytes, "headroom_bytes",
			  (unsigned long long)fit.total.headroom_bytes, "usage_percentage", pct,
			  "banks", banks);
	return d;
}

PyDoc_STRVAR(compat_doc,
"estimate_platform_compatibility(memory_bytes=None, platforms=None)\n--\n\nReturns dict. "
"Would the game fit each platform profile? {profile_id: {'name', 'family',\n"
"'fits' (within the memory a game gets), 'meets_recommended' (within the\n"
"profile's recommended target), 'verdict' ('fits-recommended', 'fits', 'over',\n"
"'unknown'), 'used_bytes', 'available_bytes', 'recommended_bytes',\n"
"'over_bytes', 'headroom_bytes', 'usage_percentage', 'banks': [{'name',\n"
"'used_bytes', 'limit_bytes', 'verdict'}]}}. memory_bytes: the footprint to\n"
"judge (default: the process's resident peak); with an AssetMemoryManager,\n"
"its categories' peaks place textures and audio in their banks. platforms:\n"
"ids to judge (default: all).");

static PyObject *mon_compat(MonitorObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "memory_bytes", "platforms", NULL };
	PyObject *mem = Py_None, *which = Py_None, *res;
	struct pmt_measured me;
	uint64_t rss, peak;
	size_t i;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:estimate_platform_compatibility", kwlist, &mem,
					 &which))
		return NULL;
	if (measure(m, &me, &rss, &peak) < 0)
		return NULL;
	if (mem != Py_None) {
		if (pmt_bytes_arg(mem, "memory_bytes", &me.peak_rss) < 0)
			return NULL;
		me.peak_by_cat[PMT_CAT_PYTHON_HEAP] = 0;
	}
	res = PyDict_New();
	if (!res)
		return NULL;
	if (which == Py_None) {
		for (i = 0; i < m->ps.n; i++) {
			PyObject *d = fit_dict(m, &m->ps.v[i], &me);

			if (!d || PyDict_SetItemString(res, m->ps.v[i].id, d) < 0) {
				Py_XDECREF(d);
				Py_DECREF(res);
				return NULL;
			}
			Py_DECREF(d);
		}
		return res;
	}
	{
		PyObject *it = PyObject_GetIter(which), *id;

		if (!it) {
			Py_DECREF(res);
			return NULL;
		}
		while ((id = PyIter_Next(it))) {
			const char *s = PyUnicode_Check(id) ? PyUnicode_AsUTF8(id) : NULL;
			const struct pmt_platform *p = s ? pmt_platform_find(&m->ps, s) : NULL;
			PyObject *d;

			if (!p) {
				PyErr_Format(PyExc_ValueError, "no platform profile %R", id);
				Py_DECREF(id);
				break;
			}
			d = fit_dict(m, p, &me);
			if (!d || PyDict_SetItem(res, id, d) < 0) {
				Py_XDECREF(d);
				Py_DECREF(id);
				break;
			}
			Py_DECREF(d);
			Py_DECREF(id);
		}
		Py_DECREF(it);
		if (PyErr_Occurred()) {
			Py_DECREF(res);
			return NULL;
		}
	}
	return res;
}

/* ---- guide, banks, profiles ---------------------------------------------------------------- */

static PyObject *str_list(const char *const *v, size_t n)
{
	PyObject *l = PyList_New(0);
	size_t i;

	for (i = 0; l && i < n; i++) {
		PyObject *s = PyUnicode_FromString(v[i]);

		if (!s || PyList_Append(l, s) < 0)
			Py_CLEAR(l);
		Py_XDECREF(s);
	}
	return l;
}

/* Profile @id (NULL/None: the target, or the host's tier), or NULL with ValueError. */
static const struct pmt_platform *profile_arg(MonitorObject *m, PyObject *id)
{
	const struct pmt_platform *p;
	const char *s;

	if (!id || id == Py_None) {
		struct pmt_os_system sys;

		if (m->target)
			return m->target;
		if (pmt_os_system(&sys))
			memset(&sys, 0, sizeof(sys));
		return host_tier(m, sys.total_bytes);
	}
	s = PyUnicode_Check(id) ? PyUnicode_AsUTF8(id) : NULL;
	p = s ? pmt_platform_find(&m->ps, s) : NULL;
	if (!p)
		PyErr_Format(PyExc_ValueError, "no platform profile %R (see get_platforms())", id);
	return p;
}

static PyObject *banks_list(const struct pmt_platform *p, const struct pmt_fit *fit)
{
	PyObject *l = PyList_New(0);
	size_t b;
	int c;

	for (b = 0; l && b < p->n_banks; b++) {
		const struct pmt_platform_bank *k = &p->banks[b];
		PyObject *holds = PyList_New(0), *e;

		for (c = 0; holds && c < PMT_CAT_COUNT; c++) {
			PyObject *s;

			if (!(k->holds & (1u << c)))
				continue;
			s = PyUnicode_FromString(pmt_category_name((enum pmt_category)c));
			if (!s || PyList_Append(holds, s) < 0)
				Py_CLEAR(holds);
			Py_XDECREF(s);
		}
		e = holds ? Py_BuildValue("{s:s,s:s,s:K,s:N,s:N,s:N,s:N,s:K,s:s}", "name", k->name,
					  "purpose", k->purpose, "bytes", (unsigned long long)k->bytes,
					  "game_bytes", size_or_none(k->game_bytes), "limit_bytes",
					  size_or_none(k->limit), "recommended_bytes",
					  size_or_none(k->recommended), "holds", holds, "used_bytes",
					  (unsigned long long)(fit ? fit->banks[b].used : 0), "verdict",
					  fit ? pmt_fit_verdict_name(fit->banks[b].verdict) : "unknown")
			  : NULL;
		if (!e || PyList_Append(l, e) < 0)
			Py_CLEAR(l);
		Py_XDECREF(e);
	}
	return l;
}

PyDoc_STRVAR(guide_doc,
"get_platform_optimization_guide(platform=None)\n--\n\nReturns dict. "
"How to spend memory on a platform profile (default: the target, or the\n"
"host's PC tier): platform, name, texture_formats (preferred first),\n"
"memory_techniques, preferred_texture_format and its bits_per_pixel,\n"
"game_available_bytes, recommended_bytes, memory_model, memory_banks (as\n"
"get_memory_banks()), notes, sources.");

static PyObject *mon_guide(MonitorObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "platform", NULL };
	PyObject *id = Py_None;
	const struct pmt_platform *p;
	struct pmt_texture_format tf;
	bool has_tf;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:get_platform_optimization_guide", kwlist, &id))
		return NULL;
	p = profile_arg(m, id);
	if (!p)
		return NULL;
	has_tf = pmt_platform_texture_format(p, &tf) == 0;
	return Py_BuildValue("{s:s,s:s,s:N,s:N,s:z,s:N,s:N,s:N,s:s,s:N,s:s,s:N}", "platform", p->id,
			     "name", p->name, "texture_formats",
			     str_list(p->texture_formats, p->n_texture_formats), "memory_techniques",
			     str_list(p->techniques, p->n_techniques), "preferred_texture_format",
			     has_tf ? tf.label : NULL, "bits_per_pixel",
			     has_tf ? PyFloat_FromDouble(tf.bpp_x100 / 100.0) : (Py_INCREF(Py_None), Py_None),
			     "game_available_bytes", size_or_none(p->game_available_bytes),
			     "recommended_bytes", size_or_none(p->recommended_bytes), "memory_model",
			     p->memory_model, "memory_banks", banks_list(p, NULL), "notes", p->notes,
			     "sources", str_list(p->sources, p->n_sources));
}

PyDoc_STRVAR(banks_doc,
"get_memory_banks(platform=None)\n--\n\nReturns list[dict]. "
"The memory banks of a profile (consoles with split memory have several) and\n"
"the game's use of each: name, purpose, bytes, game_bytes, limit_bytes,\n"
"recommended_bytes, holds (the categories placed there), used_bytes and\n"
"verdict for the game as measured now.");

static PyObject *mon_banks(MonitorObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "platform", NULL };
	PyObject *id = Py_None;
	const struct pmt_platform *p;
	struct pmt_measured me;
	struct pmt_fit fit;
	uint64_t rss, peak;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:get_memory_banks", kwlist, &id))
		return NULL;
	p = profile_arg(m, id);
	if (!p || measure(m, &me, &rss, &peak) < 0)
		return NULL;
	pmt_platform_fit(p, &me, &fit);
	return banks_list(p, &fit);
}

PyDoc_STRVAR(platforms_doc,
"get_platforms()\n--\n\nReturns dict. {profile_id: name} of every platform profile, in the data's order.");

static PyObject *mon_platforms(MonitorObject *m, PyObject *unused)
{
	PyObject *d = PyDict_New();
	size_t i;

	(void)unused;
	for (i = 0; d && i < m->ps.n; i++) {
		PyObject *n = PyUnicode_FromString(m->ps.v[i].name);

		if (!n || PyDict_SetItemString(d, m->ps.v[i].id, n) < 0)
			Py_CLEAR(d);
		Py_XDECREF(n);
	}
	return d;
}

PyDoc_STRVAR(add_crit_doc,
"add_critical_callback(callback)\n--\n\n"
"Call callback(status) when get_current_status() finds memory critical after\n"
"it was not.");

static PyObject *mon_add_crit(MonitorObject *m, PyObject *fn)
{
	if (!PyCallable_Check(fn)) {
		PyErr_SetString(PyExc_TypeError, "callback must be callable");
		return NULL;
	}
	if (PyList_Append(m->critical_cbs, fn) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *get_target(MonitorObject *m, void *c)
{
	(void)c;
	if (!m->target)
		Py_RETURN_NONE;
	return PyUnicode_FromString(m->target->id);
}

static PyObject *get_platform(MonitorObject *m, void *c)
{
	(void)c;
	return platform_member(m, m->target);
}

static PyGetSetDef mon_getset[] = {
	{ "target", (getter)get_target, NULL, "The target profile id, or None (the host).", NULL },
	{ "platform", (getter)get_platform, NULL, "The Platform judged.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef mon_methods[] = {
	{ "get_current_status", (PyCFunction)mon_status, METH_NOARGS, status_doc },
	{ "estimate_platform_compatibility", (PyCFunction)(void (*)(void))mon_compat,
	  METH_VARARGS | METH_KEYWORDS, compat_doc },
	{ "get_platform_optimization_guide", (PyCFunction)(void (*)(void))mon_guide,
	  METH_VARARGS | METH_KEYWORDS, guide_doc },
	{ "get_memory_banks", (PyCFunction)(void (*)(void))mon_banks, METH_VARARGS | METH_KEYWORDS,
	  banks_doc },
	{ "get_platforms", (PyCFunction)mon_platforms, METH_NOARGS, platforms_doc },
	{ "add_critical_callback", (PyCFunction)mon_add_crit, METH_O, add_crit_doc },
	{ NULL, NULL, 0, NULL },
};

static PyObject *mon_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "target", "critical_threshold", "update_interval", "asset_manager",
				  NULL };
	PyObject *target = Py_None, *assets = Py_None;
	double critical = 90.0, interval = 0.0;
	struct pmt_state *st = pmt_state_from_type(tp);
	MonitorObject *m;

	if (!st)
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OddO:PlatformMemoryMonitor", kwlist, &target,
					 &critical, &interval, &assets))
		return NULL;
	if (!(critical > 0 && critical <= 100)) {
		PyErr_SetString(PyExc_ValueError, "critical_threshold is a percentage in (0, 100]");
		return NULL;
	}
	if (!(interval >= 0) || !isfinite(interval)) {
		PyErr_SetString(PyExc_ValueError, "update_interval must be >= 0 seconds");
		return NULL;
	}
	if (assets != Py_None && !PyObject_TypeCheck(assets, st->AssetMemoryManager)) {
		PyErr_SetString(PyExc_TypeError, "asset_manager must be an AssetMemoryManager or None");
		return NULL;
	}
	m = (MonitorObject *)tp->tp_alloc(tp, 0);
	if (!m)
		return NULL;
	m->st = st;
	m->os.statm_fd = -1;
	m->critical = critical;
	m->interval = interval;
	pmt_platforms_builtin(&m->ps);
	Py_INCREF(assets);
	m->assets = assets;
	m->critical_cbs = PyList_New(0);
	if (!m->critical_cbs) {
		Py_DECREF(m);
		return NULL;
	}
	if (target != Py_None) {
		m->target = profile_arg(m, target);
		if (!m->target) {
			Py_DECREF(m);
			return NULL;
		}
	}
	return (PyObject *)m;
}

static int mon_traverse(MonitorObject *m, visitproc visit, void *arg)
{
	PMT_VISIT_TYPE(m);
	Py_VISIT(m->last);
	Py_VISIT(m->assets);
	Py_VISIT(m->critical_cbs);
	return 0;
}

static int mon_clear(MonitorObject *m)
{
	Py_CLEAR(m->last);
	Py_CLEAR(m->assets);
	Py_CLEAR(m->critical_cbs);
	return 0;
}

static void mon_dealloc(MonitorObject *m)
{
	PyTypeObject *tp = Py_TYPE(m);

	PyObject_GC_UnTrack(m);
	mon_clear(m);
	if (m->os_open)
		pmt_os_close(&m->os);
	tp->tp_free(m);
	Py_DECREF(tp);
}

PyDoc_STRVAR(mon_doc,
"PlatformMemoryMonitor(target=None, critical_threshold=90.0, update_interval=0.0,\n"
"                      asset_manager=None)\n--\n\n"
"The game's memory against the machine it runs on (Linux, macOS, Windows)\n"
"and against platform profiles: consoles (with their memory banks), phones,\n"
"browser tabs, PC tiers. target: a profile id ('switch', 'ios-3gb',\n"
"'web-wasm32-2gb'...) to judge get_current_status() against; None judges the\n"
"host. The fit and the advice are pymemtrace's C core, as pmtrace-bpf\n"
"--platform reports them.");

static PyType_Slot mon_slots[] = {
	{ Py_tp_doc, (void *)mon_doc },
	{ Py_tp_new, (void *)mon_new },
	{ Py_tp_methods, mon_methods },
	{ Py_tp_getset, mon_getset },
	{ Py_tp_traverse, (void *)mon_traverse },
	{ Py_tp_clear, (void *)mon_clear },
	{ Py_tp_dealloc, (void *)mon_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_PlatformMemoryMonitor_spec = {
	.name = "pymemtrace.PlatformMemoryMonitor",
	.basicsize = sizeof(MonitorObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
	.slots = mon_slots,
};
