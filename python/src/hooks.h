/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hooks.h - counting the Python allocators: PyMem_SetAllocator() hooks on
 * the PYMEM_DOMAIN_MEM and PYMEM_DOMAIN_OBJ domains that wrap whatever
 * allocators are installed (pymalloc, the debug hooks, tracemalloc...) and
 * count every call: allocations, frees, reallocations and bytes. Bytes at
 * free come from a block map (include/pmtrace/blockmap.h) that records the
 * size of each block allocated while the hooks are in: exact for those
 * blocks; a free of a block allocated before the hooks went in is counted
 * in frees_unknown, its bytes not known.
 *
 * Both domains are only called with the GIL held, so plain counters are
 * enough; the hooks never call into Python and allocate only from the C
 * library (the map's leaves), so they cannot re-enter themselves. The raw
 * domain (PyMem_RawMalloc, no GIL) is not counted: the process's resident
 * memory covers it, and everything C libraries allocate.
 */
#ifndef PMT_HOOKS_H
#define PMT_HOOKS_H

#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

#include "pmtrace/blockmap.h"

/* Cumulative since the hooks went in; a frame takes differences. */
struct pmt_alloc_counts {
	uint64_t allocs;        /* malloc, calloc, and the new block of a realloc */
	uint64_t frees;         /* free, and the old block of a realloc */
	uint64_t reallocs;      /* also counted once in allocs and once in frees */
	uint64_t alloc_bytes;   /* requested sizes */
	uint64_t freed_bytes;   /* sizes of freed blocks allocated while hooked */
	uint64_t frees_unknown; /* frees of blocks allocated before the hooks */
	int64_t live_bytes;     /* alloc_bytes - freed_bytes */
};

struct pmt_hooks;

struct pmt_hook_domain {
	PyMemAllocatorEx orig; /* the allocator wrapped */
	struct pmt_hooks *h;
};

struct pmt_hooks {
	struct pmt_alloc_counts c;
	int64_t peak_bytes;    /* highest live_bytes since pmt_hooks_reset_peak() */
	struct pmt_blockmap map;
	struct pmt_hook_domain mem, obj;
	PyMemAllocatorEx mem_hook, obj_hook;
	int users;             /* profilers and explicit installs holding them */
	bool installed;
	bool stranded;         /* another hook went in on top: cannot be removed */
};

/*
 * Install the hooks (the first user) or count one more user. Returns 0,
 * or -EBUSY with a Python exception set when another copy of these hooks
 * (another interpreter's module) is already installed.
 */
int pmt_hooks_acquire(struct pmt_hooks *h);

/*
 * One user less; the last one removes the hooks and empties the map. When
 * another allocator hook was installed on top of ours since, removing ours
 * would cut it out: ours stay in, stop counting, and 1 is returned (the
 * struct must then never be freed); else 0.
 */
int pmt_hooks_release(struct pmt_hooks *h);

/* Whether the hooks are in and counting. */
static inline bool pmt_hooks_active(const struct pmt_hooks *h)
{
	return h && h->installed && !h->stranded;
}

/* Start a new peak at the current live bytes (a frame begins). */
static inline void pmt_hooks_reset_peak(struct pmt_hooks *h)
{
	h->peak_bytes = h->c.live_bytes;
}

#endif /* PMT_HOOKS_H */
