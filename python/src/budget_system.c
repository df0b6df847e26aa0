// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget_system.c - MemoryBudgetSystem: hierarchical memory budgets that
 * evict. The budget tree, usage over it and the state tracker (warning,
 * exceeded, once per change with hysteresis) are the core's budget module;
 * which assets go first is the core's eviction planner, the same that
 * pmtrace-bpf uses to plan. Here the plan is carried out: each victim's
 * eviction callback is called (or it is just unregistered) until the
 * budget is back within its limit, and the violation passed to the
 * violation callbacks says what was evicted.
 *
 * Time for LRU, LFU, AGE and HYBRID is counted in the system's own events:
 * every registration and use advances a clock by one, so "least recently
 * used" is exact whatever the frame rate.
 */
#include "pmt_module.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/budget.h"
#include "pmtrace/evict.h"
#include "pmtrace/platform.h"
#include "records.h"
#include "sizes.h"

#define NO_STRATEGY (-1)
#define MAX_VIOLATIONS 1000 /* kept for get_violations() */

struct bs_asset {
	PyObject *name;     /* NULL: a free slot */
	PyObject *callback; /* eviction callback, or NULL */
	uint64_t bytes;
	uint64_t load_tick, last_use_tick, uses;
	int budget;         /* index in the core set */
	int32_t priority;
	uint32_t next_free;
	bool evictable;
	bool failed;        /* its callback raised during the current pass */
};

/* What the extension keeps per budget, by core index. */
struct bs_budget {
	uint64_t own;     /* bytes of the assets registered to it directly */
	uint64_t assets;  /* how many */
	int strategy;     /* enum pmt_evict_strategy, or NO_STRATEGY: the system's */
	bool no_eviction; /* eviction turned off for it */
};

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	struct pmt_budgets set;
	struct bs_budget *b; /* set.count entries */
	uint64_t *own;       /* own bytes by index, for samples */
	int strategy;        /* the default */
	struct pmt_evict_weights weights;
	struct bs_asset *a;
	uint32_t na, cap, free_head;
	PyObject *index;      /* {name: slot} */
	PyObject *callbacks;  /* violation callbacks */
	PyObject *violations; /* the last MAX_VIOLATIONS */
	uint64_t tick;
	int depth;            /* enforcement nesting (callbacks may register assets) */
	bool dirty;           /* something changed while enforcing */
} BudgetSystemObject;

/* ---- helpers ------------------------------------------------------------------------ */

static void sample_of(BudgetSystemObject *s, struct pmt_budget_sample *smp)
{
	memset(smp, 0, sizeof(*smp));
	smp->own_bytes = s->own;
	smp->n_own = pmt_budgets_count(&s->set);
}

static uint64_t usage_of(BudgetSystemObject *s, int idx)
{
	struct pmt_budget_sample smp;

	sample_of(s, &smp);
	return pmt_budget_usage(&s->set, idx, &smp);
}

static int budget_index(BudgetSystemObject *s, PyObject *name)
{
	const char *n = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
	int idx;

	if (!n) {
		if (!PyErr_Occurred())
			PyErr_Format(PyExc_TypeError, "a budget name is a str, not %.100s",
				     Py_TYPE(name)->tp_name);
		return -1;
	}
	idx = pmt_budgets_find(&s->set, n);
	if (idx < 0)
		PyErr_Format(s->st->UnknownBudgetError, "no budget named %R", name);
	return idx;
}

static long asset_slot(BudgetSystemObject *s, PyObject *name)
{
	PyObject *v = PyDict_GetItemWithError(s->index, name);

	if (!v) {
		if (!PyErr_Occurred())
			PyErr_Format(s->st->UnknownAssetError, "no asset registered as %R", name);
		return -1;
	}
	return PyLong_AsLong(v);
}

/* Whether budget @idx is @anc or below it. */
static bool within(BudgetSystemObject *s, int idx, int anc)
{
	for (; idx >= 0; idx = pmt_budget_parent(&s->set, idx))
		if (idx == anc)
			return true;
	return false;
}

static int strategy_of(BudgetSystemObject *s, int idx)
{
	/* the nearest budget up the tree with its own strategy, else the default */
	for (; idx >= 0; idx = pmt_budget_parent(&s->set, idx))
		if (s->b[idx].strategy != NO_STRATEGY)
			return s->b[idx].strategy;
	return s->strategy;
}

static PyObject *fmt_size(uint64_t bytes)
{
	char buf[48];

	pmt_budget_format_size(bytes, buf, sizeof(buf));
	return PyUnicode_FromString(buf);
}

static PyObject *strategy_member(BudgetSystemObject *s, int strat)
{
	PyObject *o;

	if (strat < 0)
		Py_RETURN_NONE;
	o = pmt_enum_member(s->st, PMT_ENUM_EVICTION, strat);
	Py_XINCREF(o);
	return o;
}

static void remove_asset(BudgetSystemObject *s, uint32_t slot)
{
	struct bs_asset *a = &s->a[slot];

	s->b[a->budget].own -= a->bytes;
	s->own[a->budget] -= a->bytes;
	s->b[a->budget].assets--;
	if (PyDict_DelItem(s->index, a->name) < 0)
		PyErr_Clear();
	Py_CLEAR(a->name);
	Py_CLEAR(a->callback);
	a->next_free = s->free_head;
	s->free_head = slot + 1;
}

/* ---- enforcement ---------------------------------------------------------------------- */

static int record_violation(BudgetSystemObject *s, PyObject *v, PyObject *pending)
{
	if (PyList_Append(s->violations, v) < 0)
		return -1;
	if (PyList_GET_SIZE(s->violations) > MAX_VIOLATIONS &&
	    PyList_SetSlice(s->violations, 0, PyList_GET_SIZE(s->violations) - MAX_VIOLATIONS, NULL) < 0)
		return -1;
	return PyList_Append(pending, v);
}

/*
 * Budget @idx is over its limit: plan with its strategy and evict until it
 * is within it. Appends the violation to @pending. 0 or -1 with an exception.
 */
static int evict_budget(BudgetSystemObject *s, int idx, PyObject *trigger, PyObject *pending)
{
	uint64_t limit = pmt_budget_limit(&s->set, idx), before = usage_of(s, idx), usage = before;
	int strat = s->b[idx].no_eviction ? NO_STRATEGY : strategy_of(s, idx);
	const char *bname = pmt_budget_name(&s->set, idx);
	struct pmt_evict_candidate *c = NULL;
	PyObject *evicted = PyList_New(0), *failed = PyList_New(0), *msg = NULL, *v;
	uint64_t freed = 0;
	bool enough = false, not_enough = false;
	int rounds, rc = -1;
	uint32_t i;

	if (!evicted || !failed)
		goto out;
	for (i = 0; i < s->na; i++)
		s->a[i].failed = false;
	for (rounds = 0; strat != NO_STRATEGY && usage > limit && rounds < 64; rounds++) {
		struct pmt_evict_plan plan;
		size_t n = 0, k;

		PyMem_Free(c);
		c = PyMem_Calloc(s->na ? s->na : 1, sizeof(*c));
		if (!c) {
			PyErr_NoMemory();
			goto out;
		}
		for (i = 0; i < s->na; i++) {
			struct bs_asset *a = &s->a[i];

			/* the asset being registered (or resized) is the one the game
			 * needs now: it makes room, it is not the room */
			if (!a->name || !a->evictable || a->failed || a->name == trigger ||
			    !within(s, a->budget, idx))
				continue;
			c[n].obj = (uint64_t)i + 1;
			c[n].bytes = a->bytes;
			c[n].load_frame = a->load_tick;
			c[n].last_use_frame = a->last_use_tick;
			c[n].uses = a->uses;
			c[n].priority = a->priority;
			n++;
		}
		if (pmt_evict_plan((enum pmt_evict_strategy)strat, &s->weights, c, n, usage, limit,
				   s->tick, true, &plan) < 0) {
			PyErr_SetString(PyExc_SystemError, "pymemtrace: eviction plan failed");
			goto out;
		}
		if (plan.status != PMT_EVICT_ENOUGH) {
			/* Releasing everything evictable would not do: evict nothing. */
			not_enough = plan.status == PMT_EVICT_NOT_ENOUGH;
			break;
		}
		for (k = 0; k < plan.count && usage > limit; k++) {
			uint32_t slot = (uint32_t)(c[k].obj - 1);
			struct bs_asset *a = &s->a[slot];
			PyObject *name = a->name, *r;
			uint64_t bytes = a->bytes;

			if (!name || a->bytes != c[k].bytes)
				continue; /* changed by an earlier callback */
			Py_INCREF(name);
			if (a->callback) {
				PyObject *cb = a->callback;

				Py_INCREF(cb);
				r = PyObject_CallFunctionObjArgs(cb, name, NULL);
				Py_DECREF(cb);
				if (!r) {
					/* the asset stays; the error is shown, the pass goes on */
					PyErr_WriteUnraisable(cb);
					a = &s->a[slot];
					if (a->name == name)
						a->failed = true;
					if (PyList_Append(failed, name) < 0) {
						Py_DECREF(name);
						goto out;
					}
					Py_DECREF(name);
					continue;
				}
				Py_DECREF(r);
			}
			a = &s->a[slot]; /* the callback may have grown the array */
			if (a->name == name)
				remove_asset(s, slot); /* unless the callback unregistered it */
			if (PyList_Append(evicted, name) < 0) {
				Py_DECREF(name);
				goto out;
			}
			Py_DECREF(name);
			freed += bytes;
			usage = usage_of(s, idx);
		}
	}
	enough = usage <= limit;
	{
		PyObject *lim_s = fmt_size(limit), *use_s = fmt_size(before), *after_s = fmt_size(usage);
		char pct[32], pct_after[32];

		snprintf(pct, sizeof(pct), "%.1f%%", limit ? 100.0 * (double)before / (double)limit : 0.0);
		snprintf(pct_after, sizeof(pct_after), "%.1f%%",
			 limit ? 100.0 * (double)usage / (double)limit : 0.0);
		if (!lim_s || !use_s || !after_s) {
			Py_XDECREF(lim_s);
			Py_XDECREF(use_s);
			Py_XDECREF(after_s);
			goto out;
		}
		if (PyList_GET_SIZE(evicted))
			msg = PyUnicode_FromFormat(
				"%s exceeded: %U of %U (%s)%s%R; evicted %R (%s): %U (%s) now%s",
				bname, use_s, lim_s, pct, trigger ? " after " : "",
				trigger ? trigger : Py_None, evicted,
				pmt_evict_strategy_name((enum pmt_evict_strategy)strat), after_s,
				pct_after, enough ? "" : ", still over");
		else if (strat == NO_STRATEGY)
			msg = PyUnicode_FromFormat("%s exceeded: %U of %U (%s)%s%R; eviction is off", bname,
						   use_s, lim_s, pct, trigger ? " after " : "",
						   trigger ? trigger : Py_None);
		else
			msg = PyUnicode_FromFormat(
				"%s exceeded: %U of %U (%s)%s%R; nothing evicted: %s", bname, use_s, lim_s,
				pct, trigger ? " after " : "", trigger ? trigger : Py_None,
				not_enough ? "its evictable assets hold too little to get back within "
					     "the limit"
					   : "no evictable asset");
		Py_DECREF(lim_s);
		Py_DECREF(use_s);
		Py_DECREF(after_s);
		if (msg && PyList_GET_SIZE(failed)) {
			PyObject *m2 = PyUnicode_FromFormat("%U (eviction callbacks failed for %R)", msg,
							    failed);

			Py_SETREF(msg, m2);
		}
	}
	if (!msg)
		goto out;
	Py_INCREF(msg);
	v = pmt_record_new(s->st->BudgetViolation, BV_FIELDS, PyUnicode_FromString(bname), msg,
			   PyUnicode_FromString("exceeded"),
			   PyUnicode_FromString(pmt_budget_state_name(pmt_budget_state(&s->set, idx))),
			   PyLong_FromUnsignedLongLong(before), PyLong_FromUnsignedLongLong(limit),
			   PyFloat_FromDouble(limit ? 100.0 * (double)before / (double)limit : 0.0),
			   (Py_INCREF(evicted), evicted), PyLong_FromUnsignedLongLong(freed),
			   PyLong_FromUnsignedLongLong(usage),
			   PyList_GET_SIZE(evicted) ? strategy_member(s, strat) : (Py_INCREF(Py_None), Py_None),
			   PyBool_FromLong(enough), trigger ? (Py_INCREF(trigger), trigger)
							    : (Py_INCREF(Py_None), Py_None));
	if (!v)
		goto out;
	rc = record_violation(s, v, pending);
	Py_DECREF(v);
out:
	PyMem_Free(c);
	Py_XDECREF(evicted);
	Py_XDECREF(failed);
	Py_XDECREF(msg);
	return rc;
}

/*
 * Bring every budget within its limit (deepest first, so a child's own
 * eviction comes before its parent's), then let the tracker report
 * warnings and the exceedances eviction could not fix; run the violation
 * callbacks on what happened. @trigger names the asset that caused it.
 * 0, or -1 with an exception (state is consistent either way).
 */
static int enforce(BudgetSystemObject *s, PyObject *trigger)
{
	PyObject *pending, *seen;
	struct pmt_budget_event ev[64];
	struct pmt_budget_sample smp;
	size_t n = pmt_budgets_count(&s->set);
	int i, k, nev, rc = -1, pass;
	unsigned int d, maxd = 0;

	if (s->depth) { /* a callback changed things: the outer pass repeats */
		s->dirty = true;
		return 0;
	}
	pending = PyList_New(0);
	seen = PySet_New(NULL);
	if (!pending || !seen)
		goto out;
	s->depth++;
	for (i = 0; i < (int)n; i++)
		if (pmt_budget_depth(&s->set, i) > maxd)
			maxd = pmt_budget_depth(&s->set, i);
	for (pass = 0; pass < 8; pass++) {
		s->dirty = false;
		for (d = maxd + 1; d-- > 0;) {
			for (i = 0; i < (int)n; i++) {
				PyObject *nm;

				if (pmt_budget_depth(&s->set, i) != d ||
				    usage_of(s, i) <= pmt_budget_limit(&s->set, i) ||
				    s->b[i].no_eviction)
					continue; /* eviction off: the tracker reports it, once */
				if (evict_budget(s, i, trigger, pending) < 0)
					goto out_depth;
				nm = PyUnicode_FromString(pmt_budget_name(&s->set, i));
				if (!nm || PySet_Add(seen, nm) < 0) {
					Py_XDECREF(nm);
					goto out_depth;
				}
				Py_DECREF(nm);
			}
		}
		if (!s->dirty)
			break;
	}
	sample_of(s, &smp);
	nev = pmt_budgets_check(&s->set, &smp, s->tick, pmt_os_now_ns(), ev, 64);
	for (k = 0; k < nev; k++) {
		PyObject *nm = PyUnicode_FromString(pmt_budget_name(&s->set, ev[k].idx)), *v, *msg;
		PyObject *lim_s = fmt_size(ev[k].limit), *use_s = fmt_size(ev[k].usage);
		int hit;

		if (!nm || !lim_s || !use_s) {
			Py_XDECREF(nm);
			Py_XDECREF(lim_s);
			Py_XDECREF(use_s);
			goto out_depth;
		}
		hit = PySet_Contains(seen, nm);
		if (ev[k].to == PMT_BUDGET_OK || (ev[k].to == PMT_BUDGET_EXCEEDED && hit)) {
			Py_DECREF(nm);
			Py_DECREF(lim_s);
			Py_DECREF(use_s);
			continue;
		}
		if (ev[k].to == PMT_BUDGET_WARNING)
			msg = PyUnicode_FromFormat("%U approaching its limit: %U of %U (%u%%, warning at %u%%)",
						   nm, use_s, lim_s, ev[k].percent,
						   pmt_budget_warn_pct(&s->set, ev[k].idx));
		else
			msg = PyUnicode_FromFormat("%U exceeded: %U of %U (%u%%)%s", nm, use_s, lim_s,
						   ev[k].percent,
						   s->b[ev[k].idx].no_eviction ? "; eviction is off" : "");
		Py_DECREF(lim_s);
		Py_DECREF(use_s);
		v = pmt_record_new(s->st->BudgetViolation, BV_FIELDS, nm, msg,
				   PyUnicode_FromString(pmt_budget_state_name(ev[k].to)),
				   PyUnicode_FromString(pmt_budget_state_name(ev[k].from)),
				   PyLong_FromUnsignedLongLong(ev[k].usage),
				   PyLong_FromUnsignedLongLong(ev[k].limit),
				   PyFloat_FromDouble(100.0 * (double)ev[k].usage / (double)ev[k].limit),
				   PyList_New(0), PyLong_FromLong(0), PyLong_FromUnsignedLongLong(ev[k].usage),
				   (Py_INCREF(Py_None), Py_None),
				   PyBool_FromLong(ev[k].to != PMT_BUDGET_EXCEEDED),
				   trigger ? (Py_INCREF(trigger), trigger) : (Py_INCREF(Py_None), Py_None));
		if (!v || record_violation(s, v, pending) < 0) {
			Py_XDECREF(v);
			goto out_depth;
		}
		Py_DECREF(v);
	}
	s->depth--;
	for (k = 0; k < PyList_GET_SIZE(pending); k++)
		if (pmt_call_each(s->callbacks, PyList_GET_ITEM(pending, k)) < 0)
			goto out;
	rc = 0;
	goto out;
out_depth:
	s->depth--;
out:
	Py_XDECREF(pending);
	Py_XDECREF(seen);
	return rc;
}

/* ---- budgets -------------------------------------------------------------------------- */

/* Make room for the per-budget arrays after the set grew to @n. */
static int grow_budgets(BudgetSystemObject *s, size_t n)
{
	struct bs_budget *b = PyMem_Realloc(s->b, n * sizeof(*b));
	uint64_t *own;

	if (!b)
		return -1;
	s->b = b;
	own = PyMem_Realloc(s->own, n * sizeof(*own));
	if (!own)
		return -1;
	s->own = own;
	return 0;
}

static int parse_warn(PyObject *v, unsigned int *pct)
{
	double d;

	if (!v || v == Py_None) {
		*pct = 0;
		return 0;
	}
	d = PyFloat_AsDouble(v);
	if (d == -1 && PyErr_Occurred())
		return -1;
	if (d > 1 && d <= 100) /* a percentage */
		d /= 100;
	if (!(d > 0 && d <= 1)) {
		PyErr_SetString(PyExc_ValueError,
				"warning_threshold must be a fraction of the limit in (0, 1] (or a "
				"percentage up to 100)");
		return -1;
	}
	*pct = (unsigned int)lround(d * 100);
	if (!*pct)
		*pct = 1;
	return 0;
}

static int parse_strategy(BudgetSystemObject *s, PyObject *v, int *out)
{
	if (!v || v == Py_None) {
		*out = NO_STRATEGY;
		return 0;
	}
	*out = pmt_enum_index(s->st, PMT_ENUM_EVICTION, v, "eviction_strategy");
	return *out < 0 ? -1 : 0;
}

/* Add budget @name (str) under @parent (or NULL). 0, or -1 with an exception. */
static int add_budget(BudgetSystemObject *s, PyObject *name, PyObject *parent, uint64_t limit,
		      unsigned int warn, int strategy)
{
	const char *n, *p = NULL;
	int err, idx;

	if (!PyUnicode_Check(name)) {
		PyErr_Format(PyExc_TypeError, "a budget name is a str, not %.100s",
			     Py_TYPE(name)->tp_name);
		return -1;
	}
	n = PyUnicode_AsUTF8(name);
	if (!n)
		return -1;
	if (parent && parent != Py_None) {
		if (PyUnicode_Check(parent) && PyUnicode_Compare(parent, name) == 0) {
			PyErr_Format(s->st->BudgetCycleError, "budget %R cannot be its own parent", name);
			return -1;
		}
		if (budget_index(s, parent) < 0)
			return -1;
		p = PyUnicode_AsUTF8(parent);
	}
	if (!limit) {
		PyErr_SetString(PyExc_ValueError, "max_bytes must be more than 0");
		return -1;
	}
	if (grow_budgets(s, pmt_budgets_count(&s->set) + 1) < 0) {
		PyErr_NoMemory();
		return -1;
	}
	err = pmt_budgets_add(&s->set, n, p, limit, warn, 0);
	if (err == -EEXIST) {
		PyErr_Format(PyExc_ValueError, "a budget named %R exists already", name);
		return -1;
	}
	if (err == -EINVAL) {
		PyErr_Format(PyExc_ValueError, "bad budget name %R (empty, with '/', or reserved)", name);
		return -1;
	}
	if (err) {
		PyErr_NoMemory();
		return -1;
	}
	idx = pmt_budgets_find(&s->set, n);
	s->b[idx].own = 0;
	s->b[idx].assets = 0;
	s->b[idx].strategy = strategy;
	s->b[idx].no_eviction = false;
	s->own[idx] = 0;
	return 0;
}

PyDoc_STRVAR(create_doc,
"create_budget(name, max_bytes, parent=None, warning_threshold=0.9,\n"
"              eviction_strategy=None)\n--\n\n"
"A budget of max_bytes (an int, or a size such as '256MiB') for the assets\n"
"registered to it and to the budgets below it. parent must exist\n"
"(UnknownBudgetError); a budget cannot be its own parent (BudgetCycleError).\n"
"warning_threshold: the fraction of the limit at which a 'warning' violation\n"
"is reported. eviction_strategy: this budget's own (else its parent's, else\n"
"the system's).");

static PyObject *s_create(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "max_bytes", "parent", "warning_threshold",
				  "eviction_strategy", NULL };
	PyObject *name, *max_obj, *parent = Py_None, *warn_obj = Py_None, *strat_obj = Py_None;
	uint64_t limit;
	unsigned int warn;
	int strat;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOO:create_budget", kwlist, &name, &max_obj,
					 &parent, &warn_obj, &strat_obj))
		return NULL;
	if (PyUnicode_Check(max_obj)) {
		const char *txt = PyUnicode_AsUTF8(max_obj);

		if (!txt)
			return NULL;
		if (pmt_budget_parse_size(txt, &limit)) {
			PyErr_Format(PyExc_ValueError, "max_bytes %R is not a size like '256MiB'", max_obj);
			return NULL;
		}
	} else if (pmt_bytes_arg(max_obj, "max_bytes", &limit) < 0) {
		return NULL;
	}
	if (parse_warn(warn_obj, &warn) < 0 || parse_strategy(s, strat_obj, &strat) < 0)
		return NULL;
	if (add_budget(s, name, parent, limit, warn, strat) < 0)
		return NULL;
	if (enforce(s, NULL) < 0) /* a new child can put its parent over */
		return NULL;
	Py_RETURN_NONE;
}

/*
 * Build the set again from scratch with budget @moved under @new_parent,
 * parents before children, keeping limits, strategies and assets. 0 or -1.
 */
static int rebuild(BudgetSystemObject *s, int moved, int new_parent)
{
	size_t n = pmt_budgets_count(&s->set), done = 0, i;
	int *parent = PyMem_Calloc(n ? n : 1, sizeof(int)), *newidx = PyMem_Calloc(n ? n : 1, sizeof(int));
	struct bs_budget *ob = PyMem_Calloc(n ? n : 1, sizeof(*ob));
	struct pmt_budgets fresh;
	struct pmt_budget_sample smp;
	struct pmt_budget_event ev[64];
	bool *placed = PyMem_Calloc(n ? n : 1, sizeof(bool));
	int rc = -1;
	uint32_t k;

	pmt_budgets_init(&fresh);
	if (!parent || !newidx || !ob || !placed) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < n; i++) {
		parent[i] = (int)i == moved ? new_parent : pmt_budget_parent(&s->set, (int)i);
		ob[i] = s->b[i];
	}
	while (done < n) {
		size_t before = done;

		for (i = 0; i < n; i++) {
			if (placed[i] || (parent[i] >= 0 && !placed[parent[i]]))
				continue;
			if (pmt_budgets_add(&fresh, pmt_budget_name(&s->set, (int)i),
					    parent[i] >= 0 ? pmt_budget_name(&s->set, parent[i]) : NULL,
					    pmt_budget_limit(&s->set, (int)i),
					    pmt_budget_warn_pct(&s->set, (int)i), 0)) {
				PyErr_NoMemory();
				goto out;
			}
			newidx[i] = pmt_budgets_find(&fresh, pmt_budget_name(&s->set, (int)i));
			placed[i] = true;
			done++;
		}
		if (done == before) {
			PyErr_SetString(PyExc_SystemError, "pymemtrace: budget tree has a cycle");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		s->b[newidx[i]] = ob[i];
		s->own[newidx[i]] = ob[i].own;
	}
	for (k = 0; k < s->na; k++)
		if (s->a[k].name)
			s->a[k].budget = newidx[s->a[k].budget];
	pmt_budgets_free(&s->set);
	s->set = fresh;
	pmt_budgets_init(&fresh);
	/* states as before the move: a silent check */
	sample_of(s, &smp);
	while (pmt_budgets_check(&s->set, &smp, s->tick, 0, ev, 64) == 64)
		;
	rc = 0;
out:
	pmt_budgets_free(&fresh);
	PyMem_Free(parent);
	PyMem_Free(newidx);
	PyMem_Free(ob);
	PyMem_Free(placed);
	return rc;
}

PyDoc_STRVAR(set_parent_doc,
"set_budget_parent(name, parent)\n--\n\n"
"Move a budget (with everything below it) under parent, or to the top with\n"
"None. BudgetCycleError when parent is the budget or below it; the tree is\n"
"then unchanged.");

static PyObject *s_set_parent(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "parent", NULL };
	PyObject *name, *parent;
	int idx, pidx = -1;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:set_budget_parent", kwlist, &name, &parent))
		return NULL;
	if (s->depth) {
		PyErr_SetString(PyExc_RuntimeError,
				"set_budget_parent() from an eviction callback");
		return NULL;
	}
	idx = budget_index(s, name);
	if (idx < 0)
		return NULL;
	if (parent != Py_None) {
		pidx = budget_index(s, parent);
		if (pidx < 0)
			return NULL;
		if (within(s, pidx, idx)) {
			PyErr_Format(s->st->BudgetCycleError,
				     "budget %R cannot go under %R: %R is %s", name, parent, parent,
				     pidx == idx ? "the budget itself" : "below it");
			return NULL;
		}
	}
	if (rebuild(s, idx, pidx) < 0 || enforce(s, NULL) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(platform_budget_doc,
"create_platform_budget(platform, name=None, recommended=True, parent=None)\n--\n\nReturns str. "
"A budget sized for a platform profile (an id such as 'switch', 'ios-3gb',\n"
"'web-wasm32-2gb'; see PlatformMemoryMonitor.get_platforms()): its\n"
"recommended target, or its whole game-available memory with\n"
"recommended=False. name defaults to the profile's id. Returns the name.");

static PyObject *s_platform_budget(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "platform", "name", "recommended", "parent", NULL };
	PyObject *pid, *name = Py_None, *parent = Py_None;
	int recommended = 1;
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	uint64_t limit;
	const char *id;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OpO:create_platform_budget", kwlist, &pid,
					 &name, &recommended, &parent))
		return NULL;
	if (PyObject_HasAttrString(pid, "value") && !PyUnicode_Check(pid)) {
		PyErr_SetString(PyExc_TypeError, "platform is a profile id such as 'switch'");
		return NULL;
	}
	id = PyUnicode_Check(pid) ? PyUnicode_AsUTF8(pid) : NULL;
	if (!id) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_TypeError, "platform is a profile id such as 'switch'");
		return NULL;
	}
	pmt_platforms_builtin(&ps);
	p = pmt_platform_find(&ps, id);
	if (!p) {
		PyErr_Format(PyExc_ValueError, "no platform profile %R", pid);
		return NULL;
	}
	limit = recommended && p->recommended_bytes != PMT_BYTES_UNKNOWN ? p->recommended_bytes
									 : p->game_available_bytes;
	if (limit == PMT_BYTES_UNKNOWN)
		limit = p->banks[p->main_bank].limit;
	if (name == Py_None)
		name = pid;
	if (add_budget(s, name, parent, limit, 0, NO_STRATEGY) < 0 || enforce(s, NULL) < 0)
		return NULL;
	Py_INCREF(name);
	return name;
}

/* ---- assets --------------------------------------------------------------------------- */

/* The names evicted by the violations recorded from number @nv on (a new list). */
static PyObject *evicted_since(BudgetSystemObject *s, Py_ssize_t nv)
{
	PyObject *res = PyList_New(0);

	if (nv > PyList_GET_SIZE(s->violations))
		nv = 0;
	for (; res && nv < PyList_GET_SIZE(s->violations); nv++) {
		PyObject *ev = pmt_record_get(PyList_GET_ITEM(s->violations, nv), BV_EVICTED);
		Py_ssize_t end = PyList_GET_SIZE(res);

		if (PyList_SetSlice(res, end, end, ev) < 0)
			Py_CLEAR(res);
	}
	return res;
}

PyDoc_STRVAR(register_doc,
"register_asset(name, budget, size=None, priority=0, eviction_callback=None,\n"
"               asset_object=None, evictable=True)\n--\n\nReturns list. "
"Charge an asset to a budget: size bytes (or what asset_object holds, as in\n"
"AssetMemoryManager). When that takes the budget (or one above it) over its\n"
"limit, eviction runs: the budget's strategy picks victims among the\n"
"evictable assets below it (not this one: it is what needs the room), each\n"
"victim's eviction_callback(name) is called\n"
"(a callback that raises keeps its asset), and the victim is unregistered,\n"
"until the budget is within its limit. When even evicting every evictable\n"
"asset would not be enough, nothing is evicted. Violations go to the\n"
"violation callbacks. priority: higher is kept longer (PRIORITY, HYBRID).\n"
"Returns the names evicted. UnknownBudgetError, ValueError (negative size,\n"
"name already registered) leave everything unchanged.");

static PyObject *s_register(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "budget", "size", "priority", "eviction_callback",
				  "asset_object", "evictable", NULL };
	PyObject *name, *bname, *size_obj = Py_None, *cb = Py_None, *obj = Py_None, *slot_obj;
	int priority = 0, evictable = 1, idx, has;
	uint64_t bytes = 0;
	uint32_t w, h;
	struct bs_asset *a;
	long slot;
	Py_ssize_t nv;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OiOOp:register_asset", kwlist, &name, &bname,
					 &size_obj, &priority, &cb, &obj, &evictable))
		return NULL;
	idx = budget_index(s, bname);
	if (idx < 0)
		return NULL;
	has = PyDict_Contains(s->index, name);
	if (has < 0)
		return NULL;
	if (has) {
		PyErr_Format(PyExc_ValueError, "asset %R is already registered", name);
		return NULL;
	}
	if (cb != Py_None && !PyCallable_Check(cb)) {
		PyErr_SetString(PyExc_TypeError, "eviction_callback must be callable or None");
		return NULL;
	}
	if (size_obj != Py_None) {
		if (pmt_bytes_arg(size_obj, "size", &bytes) < 0)
			return NULL;
	} else if (obj != Py_None) {
		int r = pmt_object_size(obj, &bytes, &w, &h);

		if (r < 0)
			return NULL;
		if (!r) {
			PyErr_SetString(PyExc_ValueError, "size= is needed: asset_object does not say its size");
			return NULL;
		}
	} else {
		PyErr_SetString(PyExc_ValueError, "give size= (or an asset_object that has one)");
		return NULL;
	}
	if (s->free_head) {
		slot = s->free_head - 1;
		s->free_head = s->a[slot].next_free;
	} else {
		if (s->na == s->cap) {
			uint32_t cap = s->cap ? s->cap * 2 : 64;
			struct bs_asset *na = PyMem_Realloc(s->a, (size_t)cap * sizeof(*na));

			if (!na)
				return PyErr_NoMemory();
			s->a = na;
			s->cap = cap;
		}
		slot = s->na++;
	}
	slot_obj = PyLong_FromLong(slot);
	if (!slot_obj || PyDict_SetItem(s->index, name, slot_obj) < 0) {
		Py_XDECREF(slot_obj);
		s->a[slot].name = NULL;
		s->a[slot].next_free = s->free_head;
		s->free_head = (uint32_t)slot + 1;
		return NULL;
	}
	Py_DECREF(slot_obj);
	a = &s->a[slot];
	memset(a, 0, sizeof(*a));
	Py_INCREF(name);
	a->name = name;
	if (cb != Py_None) {
		Py_INCREF(cb);
		a->callback = cb;
	}
	a->bytes = bytes;
	a->budget = idx;
	a->priority = priority;
	a->evictable = evictable;
	a->load_tick = a->last_use_tick = ++s->tick;
	s->b[idx].own += bytes;
	s->own[idx] += bytes;
	s->b[idx].assets++;
	nv = PyList_GET_SIZE(s->violations);
	if (enforce(s, name) < 0)
		return NULL;
	/* what this registration evicted */
	return evicted_since(s, nv);
}

PyDoc_STRVAR(unregister_doc,
"unregister_asset(name)\n--\n\nReturns int. "
"Release an asset from its budget; returns its size. UnknownAssetError when\n"
"it is not registered.");

static PyObject *s_unregister(BudgetSystemObject *s, PyObject *name)
{
	long slot = asset_slot(s, name);
	uint64_t bytes;

	if (slot < 0)
		return NULL;
	bytes = s->a[slot].bytes;
	remove_asset(s, (uint32_t)slot);
	if (enforce(s, NULL) < 0) /* states go back down */
		return NULL;
	return PyLong_FromUnsignedLongLong(bytes);
}

PyDoc_STRVAR(resize_doc,
"update_asset_size(name, size)\n--\n\nReturns list. "
"An asset grew or shrank; eviction runs as for register_asset() if a budget\n"
"is now over. Returns the names evicted.");

static PyObject *s_resize(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "size", NULL };
	PyObject *name, *size_obj;
	uint64_t bytes;
	Py_ssize_t nv;
	long slot;
	struct bs_asset *a;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:update_asset_size", kwlist, &name, &size_obj))
		return NULL;
	slot = asset_slot(s, name);
	if (slot < 0 || pmt_bytes_arg(size_obj, "size", &bytes) < 0)
		return NULL;
	a = &s->a[slot];
	s->b[a->budget].own = s->b[a->budget].own - a->bytes + bytes;
	s->own[a->budget] = s->own[a->budget] - a->bytes + bytes;
	a->bytes = bytes;
	a->last_use_tick = ++s->tick;
	a->uses++;
	nv = PyList_GET_SIZE(s->violations);
	if (enforce(s, name) < 0)
		return NULL;
	return evicted_since(s, nv);
}

PyDoc_STRVAR(use_doc,
"use_asset(name)\n--\n\n"
"The game used the asset now: it becomes the most recently used (LRU) and\n"
"one use more frequent (LFU).");

static PyObject *s_use(BudgetSystemObject *s, PyObject *name)
{
	long slot = asset_slot(s, name);

	if (slot < 0)
		return NULL;
	s->a[slot].uses++;
	s->a[slot].last_use_tick = ++s->tick;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(strategy_doc,
"set_eviction_strategy(strategy, budget=None)\n--\n\n"
"The EvictionStrategy (or its name) of the whole system, or of one budget and\n"
"those below it without their own. LRU: least recently used first; LFU:\n"
"least used; PRIORITY: lowest priority; SIZE: largest; AGE: registered\n"
"earliest; HYBRID: a weighted score of the five (set_hybrid_weights()). None\n"
"for a budget turns its eviction off (it only reports).");

static PyObject *s_set_strategy(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "strategy", "budget", NULL };
	PyObject *sobj, *bname = Py_None;
	int strat, idx;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:set_eviction_strategy", kwlist, &sobj, &bname))
		return NULL;
	if (bname == Py_None) {
		if (sobj == Py_None) {
			PyErr_SetString(PyExc_ValueError,
					"the system needs a strategy (None only turns one budget's "
					"eviction off)");
			return NULL;
		}
		strat = pmt_enum_index(s->st, PMT_ENUM_EVICTION, sobj, "strategy");
		if (strat < 0)
			return NULL;
		s->strategy = strat;
		Py_RETURN_NONE;
	}
	idx = budget_index(s, bname);
	if (idx < 0)
		return NULL;
	if (sobj == Py_None) {
		s->b[idx].no_eviction = true;
		Py_RETURN_NONE;
	}
	strat = pmt_enum_index(s->st, PMT_ENUM_EVICTION, sobj, "strategy");
	if (strat < 0)
		return NULL;
	s->b[idx].strategy = strat;
	s->b[idx].no_eviction = false;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(weights_doc,
"set_hybrid_weights(lru=0.4, lfu=0.2, size=0.2, age=0.1, priority=0.1)\n--\n\n"
"HYBRID's weights: each factor is scaled to [0, 1] over the candidates (most\n"
"idle, least used, largest, oldest, lowest priority = 1) and the weighted\n"
"mean ranks them. Weights are >= 0, not all 0 (ValueError).");

static PyObject *s_weights(BudgetSystemObject *s, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "lru", "lfu", "size", "age", "priority", NULL };
	struct pmt_evict_weights w;

	pmt_evict_weights_default(&w);
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|ddddd:set_hybrid_weights", kwlist, &w.lru,
					 &w.lfu, &w.size, &w.age, &w.priority))
		return NULL;
	if (!(w.lru >= 0 && w.lfu >= 0 && w.size >= 0 && w.age >= 0 && w.priority >= 0) ||
	    !isfinite(w.lru + w.lfu + w.size + w.age + w.priority) ||
	    !(w.lru + w.lfu + w.size + w.age + w.priority > 0)) {
		PyErr_SetString(PyExc_ValueError, "weights must be finite, >= 0 and not all 0");
		return NULL;
	}
	s->weights = w;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(add_cb_doc,
"add_violation_callback(callback)\n--\n\n"
"Call callback(violation) with a BudgetViolation when a budget starts to\n"
"approach its limit ('warning') or goes over it ('exceeded': then with what\n"
"eviction did). An exception it raises propagates from the call that caused\n"
"the violation, after the state is updated.");

static PyObject *s_add_cb(BudgetSystemObject *s, PyObject *fn)
{
	if (!PyCallable_Check(fn)) {
		PyErr_SetString(PyExc_TypeError, "callback must be callable");
		return NULL;
	}
	if (PyList_Append(s->callbacks, fn) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(rm_cb_doc, "remove_violation_callback(callback)\n--\n\nUndo add_violation_callback (ValueError if absent).");

static PyObject *s_rm_cb(BudgetSystemObject *s, PyObject *fn)
{
	PyObject *r = PyObject_CallMethod(s->callbacks, "remove", "O", fn);

	if (!r)
		return NULL;
	Py_DECREF(r);
	Py_RETURN_NONE;
}

static PyObject *status_dict(BudgetSystemObject *s, int idx)
{
	uint64_t usage = usage_of(s, idx), limit = pmt_budget_limit(&s->set, idx);
	int parent = pmt_budget_parent(&s->set, idx), strat;
	PyObject *children = PyList_New(0), *res;
	size_t i, n = pmt_budgets_count(&s->set);
	uint64_t assets = 0;

	if (!children)
		return NULL;
	for (i = 0; i < n; i++) {
		if (pmt_budget_parent(&s->set, (int)i) == idx) {
			PyObject *c = PyUnicode_FromString(pmt_budget_name(&s->set, (int)i));

			if (!c || PyList_Append(children, c) < 0) {
				Py_XDECREF(c);
				Py_DECREF(children);
				return NULL;
			}
			Py_DECREF(c);
		}
		if (within(s, (int)i, idx))
			assets += s->b[i].assets;
	}
	strat = s->b[idx].no_eviction ? NO_STRATEGY : strategy_of(s, idx);
	res = Py_BuildValue(
		"{s:s,s:s,s:z,s:N,s:K,s:K,s:K,s:d,s:K,s:s,s:d,s:K,s:N}", "name",
		pmt_budget_name(&s->set, idx), "path", pmt_budget_path(&s->set, idx), "parent",
		parent >= 0 ? pmt_budget_name(&s->set, parent) : NULL, "children", children,
		"max_bytes", (unsigned long long)limit, "current_usage", (unsigned long long)usage,
		"own_usage", (unsigned long long)s->b[idx].own, "usage_percentage",
		limit ? 100.0 * (double)usage / (double)limit : 0.0, "available_bytes",
		(unsigned long long)(usage < limit ? limit - usage : 0), "state",
		pmt_budget_state_name(pmt_budget_state(&s->set, idx)), "warning_threshold",
		pmt_budget_warn_pct(&s->set, idx) / 100.0, "asset_count", (unsigned long long)assets,
		"eviction_strategy", strategy_member(s, strat));
	return res;
}

PyDoc_STRVAR(status_doc,
"get_budget_status(name)\n--\n\nReturns dict. "
"name, path ('total_game/graphics'), parent, children, max_bytes,\n"
"current_usage (the subtree's bytes), own_usage (registered to it directly),\n"
"usage_percentage, available_bytes, state ('ok', 'warning', 'exceeded' as\n"
"last reported), warning_threshold, asset_count (subtree), eviction_strategy.\n"
"UnknownBudgetError for an unknown name.");

static PyObject *s_status(BudgetSystemObject *s, PyObject *name)
{
	int idx = budget_index(s, name);

	return idx < 0 ? NULL : status_dict(s, idx);
}

PyDoc_STRVAR(all_status_doc, "get_all_budget_status()\n--\n\nReturns dict. {name: get_budget_status(name)} for every budget, parents first.");

static PyObject *s_all_status(BudgetSystemObject *s, PyObject *unused)
{
	PyObject *d = PyDict_New();
	size_t i, n = pmt_budgets_count(&s->set);
	unsigned int depth, maxd = 0;

	(void)unused;
	for (i = 0; i < n; i++)
		if (pmt_budget_depth(&s->set, (int)i) > maxd)
			maxd = pmt_budget_depth(&s->set, (int)i);
	for (depth = 0; d && depth <= maxd; depth++) {
		for (i = 0; d && i < n; i++) {
			PyObject *st;

			if (pmt_budget_depth(&s->set, (int)i) != depth)
				continue;
			st = status_dict(s, (int)i);
			if (!st || PyDict_SetItemString(d, pmt_budget_name(&s->set, (int)i), st) < 0)
				Py_CLEAR(d);
			Py_XDECREF(st);
		}
	}
	return d;
}

PyDoc_STRVAR(violations_doc, "get_violations()\n--\n\nReturns list[BudgetViolation]. The last 1000 violations, oldest first.");

static PyObject *s_violations(BudgetSystemObject *s, PyObject *unused)
{
	(void)unused;
	return PyList_GetSlice(s->violations, 0, PyList_GET_SIZE(s->violations));
}

PyDoc_STRVAR(asset_info_doc,
"get_asset_info(name)\n--\n\nReturns dict. budget, size, priority, uses, evictable of a registered asset.");

static PyObject *s_asset_info(BudgetSystemObject *s, PyObject *name)
{
	long slot = asset_slot(s, name);
	struct bs_asset *a;

	if (slot < 0)
		return NULL;
	a = &s->a[slot];
	return Py_BuildValue("{s:O,s:s,s:K,s:i,s:K,s:O}", "name", a->name, "budget",
			     pmt_budget_name(&s->set, a->budget), "size", (unsigned long long)a->bytes,
			     "priority", a->priority, "uses", (unsigned long long)a->uses, "evictable",
			     a->evictable ? Py_True : Py_False);
}

static PyObject *get_budgets(BudgetSystemObject *s, void *c)
{
	PyObject *l = PyList_New(0);
	size_t i;

	(void)c;
	for (i = 0; l && i < pmt_budgets_count(&s->set); i++) {
		PyObject *n = PyUnicode_FromString(pmt_budget_name(&s->set, (int)i));

		if (!n || PyList_Append(l, n) < 0)
			Py_CLEAR(l);
		Py_XDECREF(n);
	}
	return l;
}

static PyObject *get_strategy(BudgetSystemObject *s, void *c)
{
	(void)c;
	return strategy_member(s, s->strategy);
}

static PyObject *get_assets(BudgetSystemObject *s, void *c)
{
	(void)c;
	return PySequence_List(s->index);
}

static PyGetSetDef s_getset[] = {
	{ "budgets", (getter)get_budgets, NULL, "Budget names, in creation order.", NULL },
	{ "assets", (getter)get_assets, NULL, "Names of the registered assets.", NULL },
	{ "eviction_strategy", (getter)get_strategy, NULL, "The system's EvictionStrategy.", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef s_methods[] = {
	{ "create_budget", (PyCFunction)(void (*)(void))s_create, METH_VARARGS | METH_KEYWORDS,
	  create_doc },
	{ "set_budget_parent", (PyCFunction)(void (*)(void))s_set_parent, METH_VARARGS | METH_KEYWORDS,
	  set_parent_doc },
	{ "create_platform_budget", (PyCFunction)(void (*)(void))s_platform_budget,
	  METH_VARARGS | METH_KEYWORDS, platform_budget_doc },
	{ "register_asset", (PyCFunction)(void (*)(void))s_register, METH_VARARGS | METH_KEYWORDS,
	  register_doc },
	{ "unregister_asset", (PyCFunction)s_unregister, METH_O, unregister_doc },
	{ "update_asset_size", (PyCFunction)(void (*)(void))s_resize, METH_VARARGS | METH_KEYWORDS,
	  resize_doc },
	{ "use_asset", (PyCFunction)s_use, METH_O, use_doc },
	{ "set_eviction_strategy", (PyCFunction)(void (*)(void))s_set_strategy,
	  METH_VARARGS | METH_KEYWORDS, strategy_doc },
	{ "set_hybrid_weights", (PyCFunction)(void (*)(void))s_weights, METH_VARARGS | METH_KEYWORDS,
	  weights_doc },
	{ "add_violation_callback", (PyCFunction)s_add_cb, METH_O, add_cb_doc },
	{ "remove_violation_callback", (PyCFunction)s_rm_cb, METH_O, rm_cb_doc },
	{ "get_budget_status", (PyCFunction)s_status, METH_O, status_doc },
	{ "get_all_budget_status", (PyCFunction)s_all_status, METH_NOARGS, all_status_doc },
	{ "get_violations", (PyCFunction)s_violations, METH_NOARGS, violations_doc },
	{ "get_asset_info", (PyCFunction)s_asset_info, METH_O, asset_info_doc },
	{ NULL, NULL, 0, NULL },
};

static PyObject *s_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "eviction_strategy", NULL };
	PyObject *strat_obj = NULL;
	struct pmt_state *st = pmt_state_from_type(tp);
	BudgetSystemObject *s;
	int strat = PMT_EVICT_LRU;

	if (!st)
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:MemoryBudgetSystem", kwlist, &strat_obj))
		return NULL;
	if (strat_obj && strat_obj != Py_None) {
		strat = pmt_enum_index(st, PMT_ENUM_EVICTION, strat_obj, "eviction_strategy");
		if (strat < 0)
			return NULL;
	}
	s = (BudgetSystemObject *)tp->tp_alloc(tp, 0);
	if (!s)
		return NULL;
	s->st = st;
	s->strategy = strat;
	pmt_budgets_init(&s->set);
	pmt_evict_weights_default(&s->weights);
	s->index = PyDict_New();
	s->callbacks = PyList_New(0);
	s->violations = PyList_New(0);
	if (!s->index || !s->callbacks || !s->violations) {
		Py_DECREF(s);
		return NULL;
	}
	return (PyObject *)s;
}

static int s_traverse(BudgetSystemObject *s, visitproc visit, void *arg)
{
	uint32_t i;

	PMT_VISIT_TYPE(s);
	Py_VISIT(s->index);
	Py_VISIT(s->callbacks);
	Py_VISIT(s->violations);
	for (i = 0; i < s->na; i++) {
		Py_VISIT(s->a[i].name);
		Py_VISIT(s->a[i].callback);
	}
	return 0;
}

static int s_clear(BudgetSystemObject *s)
{
	uint32_t i;

	for (i = 0; i < s->na; i++) {
		Py_CLEAR(s->a[i].name);
		Py_CLEAR(s->a[i].callback);
	}
	Py_CLEAR(s->index);
	Py_CLEAR(s->callbacks);
	Py_CLEAR(s->violations);
	return 0;
}

static void s_dealloc(BudgetSystemObject *s)
{
	PyTypeObject *tp = Py_TYPE(s);

	PyObject_GC_UnTrack(s);
	s_clear(s);
	pmt_budgets_free(&s->set);
	PyMem_Free(s->b);
	PyMem_Free(s->own);
	PyMem_Free(s->a);
	tp->tp_free(s);
	Py_DECREF(tp);
}

PyDoc_STRVAR(s_doc,
"MemoryBudgetSystem(eviction_strategy=None)\n--\n\n"
"(eviction_strategy: the system's EvictionStrategy, LRU by default.)\n"
"Hierarchical memory budgets for the game's assets, that evict. A budget's\n"
"usage is the bytes of the assets registered to it and to every budget below\n"
"it; when a registration takes a budget over its limit, its eviction strategy\n"
"(LRU, LFU, PRIORITY, SIZE, AGE or HYBRID: pymemtrace's C core, as in\n"
"pmtrace-bpf's eviction plans) picks the victims, whose eviction callbacks run\n"
"until the budget is within its limit. Violation callbacks hear when a budget\n"
"approaches its limit (warning_threshold) or exceeds it.");

static PyType_Slot s_slots[] = {
	{ Py_tp_doc, (void *)s_doc },
	{ Py_tp_new, (void *)s_new },
	{ Py_tp_methods, s_methods },
	{ Py_tp_getset, s_getset },
	{ Py_tp_traverse, (void *)s_traverse },
	{ Py_tp_clear, (void *)s_clear },
	{ Py_tp_dealloc, (void *)s_dealloc },
	{ 0, NULL },
};

PyType_Spec pmt_MemoryBudgetSystem_spec = {
	.name = "pymemtrace.MemoryBudgetSystem",
	.basicsize = sizeof(BudgetSystemObject),
	.flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
	.slots = s_slots,
};
