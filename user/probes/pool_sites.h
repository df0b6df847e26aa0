/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool_sites.h - where the pool analyzer's probes go in one target: the
 * return of PyType_GenericAlloc (every instance a type allocates through
 * it), subtype_dealloc (every Python class instance's destruction), the
 * tp_dealloc of extension types that allocate through PyType_GenericAlloc,
 * and the tp_dealloc of list, tuple, dict and float (destructions counted).
 *
 * Every address comes from the target: PyType_GenericAlloc and the
 * built-in type objects are exported symbols, dealloc functions are read
 * from type objects in memory, and subtype_dealloc is the tp_dealloc most
 * heap types hold (checked against the symbol where the build has one).
 */
#ifndef PMT_POOL_SITES_H
#define PMT_POOL_SITES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/events.h"
#include "pmtrace/insn.h"
#include "os/proc.h"
#include "cpython/python.h"

#define PMT_POOL_FILES 8

/* One probe: a function's entry (or its return). */
struct pmt_pool_probe {
	uint64_t fn;       /* the function in the target */
	uint64_t off;      /* file offset of the probe */
	uint64_t cookie;
	int file;          /* index into files */
	enum pmt_insn_kind insn; /* the instruction under the probe */
	bool emulated;
};

struct pmt_pool_plan {
	char files[PMT_POOL_FILES][PATH_MAX + 32];
	int nfiles;
	struct pmt_pool_probe alloc;      /* PyType_GenericAlloc, return probe */
	uint64_t alloc_fn;                /* its address (tp_alloc of classes) */
	/* Destruction probes by cookie: 0 subtype_dealloc, then types' own. */
	struct pmt_pool_probe dealloc[PMT_POOL_DEALLOCS];
	int ndealloc;                     /* used cookies (0 counts once known) */
	uint64_t subtype_dealloc;         /* 0: not known yet */
	char subtype_how[96];             /* how it was found, and checked */
	/* Built-ins counted at destruction: list, tuple, dict, float. */
	uint64_t builtin_type[PMT_POOL_BUILTINS];
	struct pmt_pool_probe builtin[PMT_POOL_BUILTINS];
	bool builtin_ok[PMT_POOL_BUILTINS];
	uint64_t runtime_lo, runtime_hi;  /* the runtime file's mappings */
	uint64_t symbol_subtype_dealloc;  /* from .symtab where present, else 0 */
	uint32_t n_expensive;             /* probes on single-stepped instructions */
};

extern const char *const pmt_pool_builtin_names[PMT_POOL_BUILTINS];

/*
 * The plan for @pid running @py: the creation probe and the built-ins.
 * Returns 0, or -errno with a reason in @why.
 */
int pmt_pool_plan_build(pid_t pid, const struct pmt_maps *maps, const struct pmt_python *py,
			struct pmt_pool_plan *p, char *why, size_t len);

/*
 * subtype_dealloc is @fn (found by @how): place its probe (cookie 0).
 * Returns 0 or -errno.
 */
int pmt_pool_plan_subtype(pid_t pid, const struct pmt_maps *maps, struct pmt_pool_plan *p,
			  uint64_t fn, const char *how);

/*
 * A type's own tp_dealloc @fn: its cookie (an existing one when another
 * type shares it), or -ENOSPC when the table is full, -ENOENT when @fn is
 * not code. Functions inside the interpreter's own file are refused with
 * -EPERM: those are built-in types (enumerate, zip, range...), not the
 * game's.
 */
int pmt_pool_plan_dealloc(pid_t pid, const struct pmt_maps *maps, struct pmt_pool_plan *p,
			  uint64_t fn);

#endif
