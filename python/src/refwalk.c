// SPDX-License-Identifier: BSD-2-Clause
/*
 * refwalk.c - breadth-first walks over tp_traverse referents (refwalk.h).
 * The visited set is a pointer map whose slots carry a generation number:
 * starting a walk is bumping the generation, not clearing the table, so a
 * walk costs what it visits, however many walks the caller makes.
 */
#include "refwalk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_hash(uintptr_t k, size_t cap)
{
	return (size_t)(((uint64_t)(k >> 4) * UINT64_C(0x9E3779B97F4A7C15)) >> 24) & (cap - 1);
}

static int map_init(struct pmt_ptrmap *m, size_t n)
{
	size_t cap = 64;

	while (cap < n * 2 + 2)
		cap *= 2;
	memset(m, 0, sizeof(*m));
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->gens = calloc(cap, sizeof(*m->gens));
	if (!m->keys || !m->vals || !m->gens)
		return -ENOMEM;
	m->cap = cap;
	m->gen = 1;
	return 0;
}

static void map_free(struct pmt_ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->gens);
	memset(m, 0, sizeof(*m));
}

/* The value of @k, or -1. */
static long map_get(const struct pmt_ptrmap *m, uintptr_t k)
{
	size_t i;

	for (i = slot_hash(k, m->cap); m->gens[i] == m->gen; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return (long)m->vals[i];
	return -1;
}

/* Add @k (absent) -> @v; the map never fills beyond half (callers size it). */
static void map_put(struct pmt_ptrmap *m, uintptr_t k, uint32_t v)
{
	size_t i;

	for (i = slot_hash(k, m->cap); m->gens[i] == m->gen; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k) {
			m->vals[i] = v;
			return;
		}
	m->keys[i] = k;
	m->vals[i] = v;
	m->gens[i] = m->gen;
	m->count++;
}

int pmt_refwalk_init(struct pmt_refwalk *w, size_t n, size_t max_visit)
{
	memset(w, 0, sizeof(*w));
	w->max_visit = max_visit ? max_visit : 1;
	if (map_init(&w->targets, n) || map_init(&w->seen, w->max_visit + 1))
		return -ENOMEM;
	w->qcap = w->max_visit + 1;
	w->queue = malloc(w->qcap * sizeof(*w->queue));
	return w->queue ? 0 : -ENOMEM;
}

void pmt_refwalk_free(struct pmt_refwalk *w)
{
	map_free(&w->targets);
	map_free(&w->seen);
	free(w->queue);
	memset(w, 0, sizeof(*w));
}

int pmt_refwalk_add_target(struct pmt_refwalk *w, PyObject *obj, uint32_t node)
{
	if (w->targets.count * 2 + 2 > w->targets.cap)
		return -ENOMEM; /* sized by init for n targets */
	map_put(&w->targets, (uintptr_t)obj, node);
	return 0;
}

struct visit_ctx {
	struct pmt_refwalk *w;
	void (*emit)(void *ctx, uint32_t node);
	void *ectx;
	PyObject *root;
};

static bool walk_into(const struct pmt_refwalk *w, PyObject *o)
{
	size_t i;

	if (!PyObject_IS_GC(o) || !Py_TYPE(o)->tp_traverse)
		return false;
	if (PyModule_Check(o) || PyType_Check(o) || PyFunction_Check(o) || PyCode_Check(o))
		return false;
	for (i = 0; i < w->nskip; i++)
		if (PyObject_TypeCheck(o, w->skip_types[i]))
			return false;
	return true;
}

static int visit(PyObject *o, void *arg)
{
	struct visit_ctx *v = arg;
	struct pmt_refwalk *w = v->w;
	long node;

	if (!o || map_get(&w->seen, (uintptr_t)o) >= 0)
		return 0;
	node = map_get(&w->targets, (uintptr_t)o);
	if (w->seen.count + 1 >= w->max_visit) {
		w->truncated = true;
		return 0;
	}
	map_put(&w->seen, (uintptr_t)o, 0);
	if (node >= 0) {
		v->emit(v->ectx, (uint32_t)node); /* a target: an edge, not walked past */
		return 0;
	}
	if (walk_into(w, o) && w->qlen < w->qcap)
		w->queue[w->qlen++] = o;
	return 0;
}

int pmt_refwalk_from(struct pmt_refwalk *w, PyObject *root,
		     void (*emit)(void *ctx, uint32_t node), void *ctx)
{
	struct visit_ctx v = { w, emit, ctx, root };

	w->seen.gen++;
	w->seen.count = 0;
	if (w->seen.gen == 0) { /* wrapped: clear for real once in 4 billion walks */
		memset(w->seen.gens, 0, w->seen.cap * sizeof(*w->seen.gens));
		w->seen.gen = 1;
	}
	w->truncated = false;
	w->qlen = w->qhead = 0;
	if (!walk_into(w, root))
		return 0;
	/* root is not marked seen: reaching it again is a self-reference */
	w->queue[w->qlen++] = root;
	while (w->qhead < w->qlen) {
		PyObject *o = w->queue[w->qhead++];

		Py_TYPE(o)->tp_traverse(o, visit, &v);
	}
	return 0;
}
