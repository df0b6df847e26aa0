/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refwalk.h - which registered objects an object refers to, through the
 * collector's referents (tp_traverse, what gc.get_referents() returns),
 * walking past objects that are not registered. Used to find reference
 * cycles among assets. The walk runs no Python code and allocates only C
 * memory, so the borrowed pointers it holds stay valid throughout.
 */
#ifndef PMT_REFWALK_H
#define PMT_REFWALK_H

#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

struct pmt_ptrmap {
	uintptr_t *keys;
	uint32_t *vals;
	uint32_t *gens; /* a slot is live when gens[i] == gen */
	size_t cap;     /* power of two */
	size_t count;
	uint32_t gen;
};

struct pmt_refwalk {
	struct pmt_ptrmap targets; /* registered object -> node */
	struct pmt_ptrmap seen;    /* visited in the current walk */
	PyObject **queue;
	size_t qcap, qlen, qhead;
	size_t max_visit;
	PyTypeObject *skip_types[16]; /* never walked into (the manager's own types) */
	size_t nskip;
	bool truncated;            /* the last walk hit max_visit */
	int err;                   /* -ENOMEM once memory ran out */
};

/* Start a walker for @n targets visiting at most @max_visit objects a walk. 0 or -ENOMEM. */
int pmt_refwalk_init(struct pmt_refwalk *w, size_t n, size_t max_visit);
void pmt_refwalk_free(struct pmt_refwalk *w);
/* Register target @obj as node @node. 0 or -ENOMEM. */
int pmt_refwalk_add_target(struct pmt_refwalk *w, PyObject *obj, uint32_t node);

/*
 * The targets reachable from @root without passing through another target
 * (nor modules, classes, functions, code, or the skip types): @emit(ctx,
 * node) once per target reached, @root's own node included when it refers
 * back to itself. Returns 0 or -ENOMEM.
 */
int pmt_refwalk_from(struct pmt_refwalk *w, PyObject *root,
		     void (*emit)(void *ctx, uint32_t node), void *ctx);

#endif /* PMT_REFWALK_H */
