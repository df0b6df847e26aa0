/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pytypes.h - type objects of a live CPython 3.8-3.13 process: flags,
 * sizes, dealloc function, and the module-qualified name a developer
 * knows the class by; and the block the allocator really gave one of its
 * instances.
 */
#ifndef PMT_PYTYPES_H
#define PMT_PYTYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpython/pylayout.h"

#define PMT_PYCLASS_NAME_MAX 256

struct pmt_pyclass {
	uint64_t addr;
	uint64_t flags;     /* tp_flags */
	uint64_t basicsize, itemsize;
	uint64_t dealloc;   /* tp_dealloc */
	bool heap;          /* Py_TPFLAGS_HEAPTYPE: a class made at run time */
	bool gc;            /* Py_TPFLAGS_HAVE_GC */
	char name[PMT_PYCLASS_NAME_MAX]; /* "module.Qual.Name" ("list" for built-ins) */
};

/*
 * Read the type object at @addr of @pid (CPython @l->minor). Heap types
 * are named from their __module__ (in their dict) and __qualname__; other
 * types by tp_name, which carries the module of extension types. Returns
 * 0, -EINVAL when @addr is not a plausible type, or -errno of a read.
 */
int pmt_pyclass_read(pid_t pid, const struct pmt_pylayout *l, uint64_t addr, struct pmt_pyclass *out);

/*
 * The allocator's block for the instance @obj of @t: read from pymalloc's
 * pool header (the size class of the pool holding it, checked against the
 * block's position in the pool), or else what malloc would give the
 * object's basic size and pre-header. Always succeeds; @from_pool says
 * which it was.
 */
uint64_t pmt_pyclass_block_bytes(pid_t pid, const struct pmt_pylayout *l, const struct pmt_pyclass *t,
				uint64_t obj, bool *from_pool);

/* Bytes in front of an instance of @t: the GC header, managed dict and weakref. */
uint64_t pmt_pyclass_preheader(const struct pmt_pylayout *l, const struct pmt_pyclass *t);

#endif
