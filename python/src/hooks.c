// SPDX-License-Identifier: BSD-2-Clause
/*
 * hooks.c - the allocator hooks of hooks.h, after Modules/_tracemalloc.c:
 * the wrapped allocator is kept per domain and called through, and the
 * hook's context points at it. A hook counts after the wrapped call
 * succeeded, so a failed allocation counts nothing.
 */
#include "hooks.h"

#include <errno.h>

static inline void count_alloc(struct pmt_hooks *h, void *p, size_t size)
{
	h->c.allocs++;
	h->c.alloc_bytes += size;
	h->c.live_bytes += (int64_t)size;
	if (h->c.live_bytes > h->peak_bytes)
		h->peak_bytes = h->c.live_bytes;
	pmt_blockmap_put(&h->map, (uintptr_t)p, size);
}

static inline void count_free(struct pmt_hooks *h, void *p)
{
	uint64_t size;

	h->c.frees++;
	if (pmt_blockmap_take(&h->map, (uintptr_t)p, &size)) {
		h->c.freed_bytes += size;
		h->c.live_bytes -= (int64_t)size;
	} else {
		h->c.frees_unknown++;
	}
}

static void *hook_malloc(void *ctx, size_t size)
{
	struct pmt_hook_domain *d = ctx;
	void *p = d->orig.malloc(d->orig.ctx, size);

	if (p && !d->h->stranded)
		count_alloc(d->h, p, size);
	return p;
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
	struct pmt_hook_domain *d = ctx;
	void *p = d->orig.calloc(d->orig.ctx, nelem, elsize);

	/* The wrapped calloc checked nelem * elsize for overflow. */
	if (p && !d->h->stranded)
		count_alloc(d->h, p, nelem * elsize);
	return p;
}

static void *hook_realloc(void *ctx, void *ptr, size_t new_size)
{
	struct pmt_hook_domain *d = ctx;
	void *p = d->orig.realloc(d->orig.ctx, ptr, new_size);

	if (!p || d->h->stranded)
		return p; /* on failure the old block is untouched */
	if (ptr) {
		d->h->c.reallocs++;
		count_free(d->h, ptr);
	}
	count_alloc(d->h, p, new_size);
	return p;
}

static void hook_free(void *ctx, void *ptr)
{
	struct pmt_hook_domain *d = ctx;

	/* Count before the block goes: another thread may get its address once
	 * it is free, but not before (the GIL is held across both). */
	if (ptr && !d->h->stranded)
		count_free(d->h, ptr);
	d->orig.free(d->orig.ctx, ptr);
}

/* Whether @a is one of these hooks (any module's copy). */
static bool is_ours(const PyMemAllocatorEx *a)
{
	return a->malloc == hook_malloc;
}

int pmt_hooks_acquire(struct pmt_hooks *h)
{
	PyMemAllocatorEx cur_mem, cur_obj;

	if (h->installed && h->stranded) {
		/* Still in the chain as a pass-through: count again, from an
		 * empty map (frees went by uncounted meanwhile). */
		pmt_blockmap_free(&h->map);
		h->stranded = false;
		h->users = 1;
		return 0;
	}
	if (h->installed) {
		h->users++;
		return 0;
	}
	PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &cur_mem);
	PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &cur_obj);
	if (is_ours(&cur_mem) || is_ours(&cur_obj)) {
		PyErr_SetString(PyExc_RuntimeError,
				"pymemtrace: the allocator hooks are already installed by another "
				"interpreter's copy of the module");
		return -EBUSY;
	}
	memset(&h->c, 0, sizeof(h->c));
	h->peak_bytes = 0;
	pmt_blockmap_init(&h->map, NULL, NULL);
	h->mem.orig = cur_mem;
	h->mem.h = h;
	h->obj.orig = cur_obj;
	h->obj.h = h;
	h->mem_hook.ctx = &h->mem;
	h->obj_hook.ctx = &h->obj;
	h->mem_hook.malloc = h->obj_hook.malloc = hook_malloc;
	h->mem_hook.calloc = h->obj_hook.calloc = hook_calloc;
	h->mem_hook.realloc = h->obj_hook.realloc = hook_realloc;
	h->mem_hook.free = h->obj_hook.free = hook_free;
	h->stranded = false;
	PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &h->mem_hook);
	PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &h->obj_hook);
	h->installed = true;
	h->users = 1;
	return 0;
}

int pmt_hooks_release(struct pmt_hooks *h)
{
	PyMemAllocatorEx cur_mem, cur_obj;

	if (!h->installed || --h->users > 0)
		return h->stranded ? 1 : 0;
	PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &cur_mem);
	PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &cur_obj);
	if (cur_mem.ctx != &h->mem || cur_obj.ctx != &h->obj) {
		/* Someone wrapped us (tracemalloc started later, say): taking
		 * ours out would drop theirs. Stay in as a pass-through. */
		h->stranded = true;
		h->users = 0;
		pmt_blockmap_free(&h->map);
		return 1;
	}
	PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &h->mem.orig);
	PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &h->obj.orig);
	h->installed = false;
	pmt_blockmap_free(&h->map);
	return 0;
}
