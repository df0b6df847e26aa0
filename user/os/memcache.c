// SPDX-License-Identifier: BSD-2-Clause
/*
 * memcache.c - chunked copies of a live process's memory for heap walks.
 *
 * Chunks are 64 KiB aligned, clipped to the mapping that holds them, and
 * copied by one process_vm_readv; a short read (a page unmapped since the
 * maps were read) is completed page by page, unreadable pages marked. A
 * table by chunk address (open addressing, at most half full) holds them,
 * and the last chunk hit is tried first: a walk reads several fields of
 * one object in a row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "os/memcache.h"

#define PAGE 4096u
#define PAGES_PER_CHUNK (PMT_MEMCACHE_CHUNK / PAGE)
#define SLAB_CHUNKS 64 /* chunks mapped at once: 4 MiB, populated by the kernel in one go */

/*
 * Chunk buffers come from slabs mapped with MAP_POPULATE: touching fresh
 * pages one fault at a time costs more than the copy itself on a VM.
 * Slabs are kept (and their chunks reused) until pmt_memcache_free().
 */
struct slab {
	struct slab *next;
	uint8_t *base;
};

struct pmt_memchunk {
	uint64_t base;     /* chunk-aligned address; 0: empty slot */
	uint8_t *data;     /* the chunk's 64 KiB, page p at data + p * 4096 */
	uint16_t have;     /* pages copied */
	uint16_t bad;      /* pages that could not be: outside the mappings, or unreadable */
};

_Static_assert(PAGES_PER_CHUNK <= 16, "page mask");

static size_t home(uint64_t base, size_t cap)
{
	return (size_t)(((base >> 16) * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static uint8_t *buf_get(struct pmt_memcache *mc)
{
	struct slab *sl;
	uint8_t *b;
	size_t i;

	if (mc->free_bufs) {
		b = mc->free_bufs;
		memcpy(&mc->free_bufs, b, sizeof(b));
		return b;
	}
	sl = malloc(sizeof(*sl));
	if (!sl)
		return NULL;
	sl->base = mmap(NULL, (size_t)SLAB_CHUNKS * PMT_MEMCACHE_CHUNK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (sl->base == MAP_FAILED) {
		free(sl);
		return NULL;
	}
	sl->next = mc->slabs;
	mc->slabs = sl;
	/* the first chunk is returned, the others chained as free */
	for (i = SLAB_CHUNKS - 1; i >= 1; i--) {
		b = sl->base + i * PMT_MEMCACHE_CHUNK;
		memcpy(b, &mc->free_bufs, sizeof(b));
		mc->free_bufs = b;
	}
	return sl->base;
}

static void buf_put(struct pmt_memcache *mc, uint8_t *b)
{
	memcpy(b, &mc->free_bufs, sizeof(b));
	mc->free_bufs = b;
}

/* pmt_memcache_init - an empty cache over @maps; see memcache.h. */
int pmt_memcache_init(struct pmt_memcache *mc, pid_t pid, const struct pmt_maps *maps,
		      size_t limit)
{
	memset(mc, 0, sizeof(*mc));
	mc->cap = 1024;
	mc->slots = calloc(mc->cap, sizeof(*mc->slots));
	if (!mc->slots)
		return -ENOMEM;
	mc->pid = pid;
	mc->maps = maps;
	mc->limit = limit;
	return 0;
}

/* pmt_memcache_clear - forget every copy. */
void pmt_memcache_clear(struct pmt_memcache *mc)
{
	size_t i;

	for (i = 0; i < mc->cap; i++) {
		if (mc->slots[i].data)
			buf_put(mc, mc->slots[i].data);
		memset(&mc->slots[i], 0, sizeof(mc->slots[i]));
	}
	mc->used = 0;
	mc->last = NULL;
	mc->over_limit = false;
}

/* pmt_memcache_free - release everything. */
void pmt_memcache_free(struct pmt_memcache *mc)
{
	struct slab *sl = mc->slabs, *next;

	for (; sl; sl = next) {
		next = sl->next;
		munmap(sl->base, (size_t)SLAB_CHUNKS * PMT_MEMCACHE_CHUNK);
		free(sl);
	}
	free(mc->slots);
	memset(mc, 0, sizeof(*mc));
}

/* pmt_memcache_held - bytes of copies held. */
size_t pmt_memcache_held(const struct pmt_memcache *mc)
{
	return mc->used * PMT_MEMCACHE_CHUNK;
}

/* The readable mapping holding @addr (maps are sorted by address), or NULL. */
static const struct pmt_mapping *mapping_of(const struct pmt_memcache *mc, uint64_t addr)
{
	size_t lo = 0, hi = mc->maps->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pmt_mapping *m = &mc->maps->v[mid];

		if (addr < m->start)
			hi = mid;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m->perms[0] == 'r' ? m : NULL;
	}
	return NULL;
}

/* pmt_memcache_mapped - @addr lies in a readable mapping. */
bool pmt_memcache_mapped(const struct pmt_memcache *mc, uint64_t addr)
{
	return mapping_of(mc, addr) != NULL;
}

static struct pmt_memchunk *slot_of(struct pmt_memcache *mc, uint64_t base)
{
	size_t i;

	for (i = home(base, mc->cap); mc->slots[i].base; i = (i + 1) & (mc->cap - 1))
		if (mc->slots[i].base == base)
			return &mc->slots[i];
	return &mc->slots[i];
}

static int grow(struct pmt_memcache *mc)
{
	size_t cap = mc->cap * 2, i;
	struct pmt_memchunk *ns = calloc(cap, sizeof(*ns)), *old = mc->slots;
	size_t ocap = mc->cap;

	if (!ns)
		return -ENOMEM;
	mc->slots = ns;
	mc->cap = cap;
	for (i = 0; i < ocap; i++)
		if (old[i].base)
			*slot_of(mc, old[i].base) = old[i];
	free(old);
	mc->last = NULL;
	return 0;
}

/* Copy bytes [from, to) of chunk @c (page-aligned offsets); pages that fail go to c->bad. */
static void fill_range(struct pmt_memcache *mc, struct pmt_memchunk *c, size_t from, size_t to)
{
	struct iovec local = { c->data + from, to - from };
	struct iovec remote = { (void *)(uintptr_t)(c->base + from), to - from };
	ssize_t n;
	size_t p;

	mc->syscalls++;
	n = process_vm_readv(mc->pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)(to - from)) {
		mc->bytes += to - from;
		for (p = from / PAGE; p < to / PAGE; p++)
			c->have |= (uint16_t)(1u << p);
		return;
	}
	/* Page by page: a page may have been unmapped since the maps were read. */
	for (p = from / PAGE; p < to / PAGE; p++) {
		local.iov_base = c->data + p * PAGE;
		local.iov_len = PAGE;
		remote.iov_base = (void *)(uintptr_t)(c->base + p * PAGE);
		remote.iov_len = PAGE;
		mc->syscalls++;
		if (process_vm_readv(mc->pid, &local, 1, &remote, 1, 0) == PAGE) {
			c->have |= (uint16_t)(1u << p);
			mc->bytes += PAGE;
		} else {
			c->bad |= (uint16_t)(1u << p);
		}
	}
}

/*
 * Copy page @p of chunk @c and the rest of its mapping within the chunk
 * (a chunk may span several mappings: each is read when first needed).
 */
static void fill_page(struct pmt_memcache *mc, struct pmt_memchunk *c, size_t p)
{
	const struct pmt_mapping *m = mapping_of(mc, c->base + p * PAGE);
	uint64_t from, to;

	if (!m) {
		c->bad |= (uint16_t)(1u << p);
		mc->failures++;
		return;
	}
	from = m->start > c->base ? m->start - c->base : 0;
	to = m->end < c->base + PMT_MEMCACHE_CHUNK ? m->end - c->base : PMT_MEMCACHE_CHUNK;
	fill_range(mc, c, (size_t)from, (size_t)to);
}

/* The chunk holding @addr (its buffer allocated, nothing copied yet when new); NULL: *@err. */
static struct pmt_memchunk *chunk(struct pmt_memcache *mc, uint64_t addr, int *err)
{
	uint64_t base = addr & ~(uint64_t)(PMT_MEMCACHE_CHUNK - 1);
	struct pmt_memchunk *c;

	if (mc->last && mc->last->base == base)
		return (struct pmt_memchunk *)mc->last;
	c = slot_of(mc, base);
	if (c->base) {
		mc->last = c;
		return c;
	}
	if (!mapping_of(mc, addr)) {
		mc->failures++;
		*err = -EFAULT;
		return NULL;
	}
	if (mc->limit && (mc->used + 1) * PMT_MEMCACHE_CHUNK > mc->limit) {
		mc->over_limit = true;
		*err = -ENOSPC;
		return NULL;
	}
	if ((mc->used + 1) * 2 > mc->cap) {
		if (grow(mc)) {
			*err = -ENOMEM;
			return NULL;
		}
		c = slot_of(mc, base);
	}
	c->data = buf_get(mc);
	if (!c->data) {
		*err = -ENOMEM;
		return NULL;
	}
	c->base = base;
	c->have = c->bad = 0;
	mc->used++;
	mc->last = c;
	return c;
}

/* Whether [addr, addr + len) of chunk @c is copied, copying the pages missing. */
static bool covered(struct pmt_memcache *mc, struct pmt_memchunk *c, uint64_t addr, size_t len)
{
	size_t p, first = (size_t)(addr - c->base) / PAGE, last = (size_t)(addr + len - 1 - c->base) / PAGE;

	for (p = first; p <= last; p++) {
		if (c->have & (1u << p))
			continue;
		if (!(c->bad & (1u << p)))
			fill_page(mc, c, p);
		if (!(c->have & (1u << p))) {
			mc->failures++;
			return false;
		}
	}
	return true;
}

/* pmt_memcache_peek - the copy of [addr, addr + len) when inside one chunk; else NULL. */
const void *pmt_memcache_peek(struct pmt_memcache *mc, uint64_t addr, size_t len)
{
	struct pmt_memchunk *c;
	int err;

	if (!len || ((addr & (PMT_MEMCACHE_CHUNK - 1)) + len) > PMT_MEMCACHE_CHUNK)
		return NULL;
	c = chunk(mc, addr, &err);
	if (!c || !covered(mc, c, addr, len))
		return NULL;
	return c->data + (addr - c->base);
}

/* pmt_memcache_read - copy target bytes out of the chunks; see memcache.h. */
int pmt_memcache_read(struct pmt_memcache *mc, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	if (addr + len < addr)
		return -EFAULT;
	while (len) {
		size_t in = PMT_MEMCACHE_CHUNK - (size_t)(addr & (PMT_MEMCACHE_CHUNK - 1));
		struct pmt_memchunk *c;
		int err = 0;

		if (in > len)
			in = len;
		c = chunk(mc, addr, &err);
		if (!c)
			return err;
		if (!covered(mc, c, addr, in))
			return -EFAULT;
		memcpy(out, c->data + (addr - c->base), in);
		out += in;
		addr += in;
		len -= in;
	}
	return 0;
}

/* pmt_memcache_forget - drop the chunk holding @addr (read it again next time). */
void pmt_memcache_forget(struct pmt_memcache *mc, uint64_t addr)
{
	uint64_t base = addr & ~(uint64_t)(PMT_MEMCACHE_CHUNK - 1);
	struct pmt_memchunk *c = slot_of(mc, base);
	size_t i, j;

	if (!c->base)
		return;
	buf_put(mc, c->data);
	c->base = 0;
	c->data = NULL;
	mc->used--;
	mc->last = NULL;
	/* Backward-shift the cluster after the hole. */
	i = (size_t)(c - mc->slots);
	for (j = (i + 1) & (mc->cap - 1); mc->slots[j].base; j = (j + 1) & (mc->cap - 1)) {
		size_t h = home(mc->slots[j].base, mc->cap);

		if (((j - h) & (mc->cap - 1)) >= ((j - i) & (mc->cap - 1))) {
			mc->slots[i] = mc->slots[j];
			memset(&mc->slots[j], 0, sizeof(mc->slots[j]));
			i = j;
		}
	}
}
