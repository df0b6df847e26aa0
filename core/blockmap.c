// SPDX-License-Identifier: BSD-2-Clause
/*
 * blockmap.c - the slow paths of the block size map (blockmap.h): finding
 * or adding a region's leaf, and the exact table for large or unaligned
 * blocks. Both tables are open-addressed with linear probing and a
 * multiplicative hash; the region table only grows, the exact table
 * deletes by shifting the following entries back (no tombstones), so
 * probes stay short however long the game runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/blockmap.h"

#define LEAF_SLOTS(m) ((size_t)1 << (PMT_BLOCKMAP_REGION_SHIFT - (m)->granule_shift))
#define GRANULE_MASK(m) (((uintptr_t)1 << (m)->granule_shift) - 1)
#define REGION_MASK (((uintptr_t)1 << PMT_BLOCKMAP_REGION_SHIFT) - 1)

static size_t hash(uintptr_t v, size_t cap)
{
	return (size_t)(((uint64_t)v * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

int pmt_blockmap_init(struct pmt_blockmap *m, void *(*calloc_fn)(size_t, size_t),
		      void (*free_fn)(void *))
{
	memset(m, 0, sizeof(*m));
	m->granule_shift = sizeof(void *) >= 8 ? 4 : 3;
	m->calloc_fn = calloc_fn ? calloc_fn : calloc;
	m->free_fn = free_fn ? free_fn : free;
	return 0;
}

void pmt_blockmap_free(struct pmt_blockmap *m)
{
	void *(*cf)(size_t, size_t) = m->calloc_fn;
	void (*ff)(void *) = m->free_fn;
	size_t i;

	if (!ff) /* zeroed, never initialised */
		return;
	for (i = 0; i < m->region_cap; i++)
		if (m->regions[i].key)
			ff(m->regions[i].leaf);
	ff(m->regions);
	ff(m->big);
	pmt_blockmap_init(m, cf, ff);
}

/* ---- regions ------------------------------------------------------------- */

static struct pmt_blockmap_region *region_slot(struct pmt_blockmap_region *t, size_t cap,
					       uintptr_t key)
{
	size_t i = hash(key, cap);

	while (t[i].key && t[i].key != key)
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* Double the region table (or make it); false when out of memory. */
static bool regions_grow(struct pmt_blockmap *m)
{
	size_t cap = m->region_cap ? m->region_cap * 2 : 64, i;
	struct pmt_blockmap_region *t = m->calloc_fn(cap, sizeof(*t));

	if (!t)
		return false;
	for (i = 0; i < m->region_cap; i++)
		if (m->regions[i].key)
			*region_slot(t, cap, m->regions[i].key) = m->regions[i];
	m->free_fn(m->regions);
	m->regions = t;
	m->region_cap = cap;
	return true;
}

/* The leaf of region @key, made when @make; NULL when absent or out of memory. */
static uint16_t *leaf_of(struct pmt_blockmap *m, uintptr_t key, bool make)
{
	struct pmt_blockmap_region *r;
	uint16_t *leaf;

	if (m->region_cap) {
		r = region_slot(m->regions, m->region_cap, key);
		if (r->key) {
			m->last_key = key;
			m->last_leaf = r->leaf;
			return r->leaf;
		}
	}
	if (!make)
		return NULL;
	if ((m->region_count + 1) * 2 > m->region_cap && !regions_grow(m))
		return NULL;
	leaf = m->calloc_fn(LEAF_SLOTS(m), sizeof(uint16_t));
	if (!leaf)
		return NULL;
	r = region_slot(m->regions, m->region_cap, key);
	r->key = key;
	r->leaf = leaf;
	m->region_count++;
	m->last_key = key;
	m->last_leaf = leaf;
	return leaf;
}

/* ---- the exact table ----------------------------------------------------- */

static bool big_grow(struct pmt_blockmap *m)
{
	size_t cap = m->big_cap ? m->big_cap * 2 : 64, i, j;
	struct pmt_blockmap_big *t = m->calloc_fn(cap, sizeof(*t));

	if (!t)
		return false;
	for (i = 0; i < m->big_cap; i++) {
		if (!m->big[i].addr)
			continue;
		for (j = hash(m->big[i].addr >> 3, cap); t[j].addr; j = (j + 1) & (cap - 1))
			;
		t[j] = m->big[i];
	}
	m->free_fn(m->big);
	m->big = t;
	m->big_cap = cap;
	return true;
}

static int big_put(struct pmt_blockmap *m, uintptr_t addr, uint64_t size)
{
	size_t i;

	if (m->big_cap) {
		for (i = hash(addr >> 3, m->big_cap); m->big[i].addr; i = (i + 1) & (m->big_cap - 1)) {
			if (m->big[i].addr == addr) {
				m->big[i].size = size;
				return 0;
			}
		}
	}
	if ((m->big_count + 1) * 2 > m->big_cap && !big_grow(m))
		return -ENOMEM;
	for (i = hash(addr >> 3, m->big_cap); m->big[i].addr; i = (i + 1) & (m->big_cap - 1))
		;
	m->big[i].addr = addr;
	m->big[i].size = size;
	m->big_count++;
	return 0;
}

/* Remove @addr; its size in *@size. Deletion shifts the rest of the run back. */
static bool big_take(struct pmt_blockmap *m, uintptr_t addr, uint64_t *size)
{
	size_t mask = m->big_cap - 1, i, j, home;

	if (!m->big_cap)
		return false;
	for (i = hash(addr >> 3, m->big_cap); m->big[i].addr != addr; i = (i + 1) & mask)
		if (!m->big[i].addr)
			return false;
	*size = m->big[i].size;
	for (j = (i + 1) & mask; m->big[j].addr; j = (j + 1) & mask) {
		home = hash(m->big[j].addr >> 3, m->big_cap);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
			m->big[i] = m->big[j];
			i = j;
		}
	}
	m->big[i].addr = 0;
	m->big[i].size = 0;
	m->big_count--;
	return true;
}

/* ---- the slow paths ------------------------------------------------------ */

int pmt_blockmap_put_slow(struct pmt_blockmap *m, uintptr_t addr, uint64_t size)
{
	uintptr_t key = (addr >> PMT_BLOCKMAP_REGION_SHIFT) + 1;
	uint16_t *leaf;
	size_t slot;

	if (!addr)
		return -EINVAL;
	if (addr & GRANULE_MASK(m)) {
		if (big_put(m, addr, size)) {
			m->failed++;
			return -ENOMEM;
		}
		return 0;
	}
	leaf = leaf_of(m, key, true);
	if (!leaf) {
		m->failed++;
		/* Never leave an older size behind at this address. */
		leaf = leaf_of(m, key, false);
		if (leaf)
			leaf[(addr & REGION_MASK) >> m->granule_shift] = 0;
		return -ENOMEM;
	}
	slot = (addr & REGION_MASK) >> m->granule_shift;
	if (size >= PMT_BLOCKMAP_BIG - 1) {
		if (big_put(m, addr, size)) {
			m->failed++;
			leaf[slot] = 0;
			return -ENOMEM;
		}
		leaf[slot] = PMT_BLOCKMAP_BIG;
		return 0;
	}
	if (leaf[slot] == PMT_BLOCKMAP_BIG) { /* a large block here was never taken */
		uint64_t old;

		big_take(m, addr, &old);
	}
	leaf[slot] = (uint16_t)(size + 1);
	return 0;
}

bool pmt_blockmap_take_slow(struct pmt_blockmap *m, uintptr_t addr, uint64_t *size)
{
	uintptr_t key = (addr >> PMT_BLOCKMAP_REGION_SHIFT) + 1;
	uint16_t *leaf, v;
	size_t slot;

	if (!addr)
		return false;
	if (addr & GRANULE_MASK(m))
		return big_take(m, addr, size);
	leaf = leaf_of(m, key, false);
	if (!leaf)
		return false;
	slot = (addr & REGION_MASK) >> m->granule_shift;
	v = leaf[slot];
	if (!v)
		return false;
	leaf[slot] = 0;
	if (v == PMT_BLOCKMAP_BIG)
		return big_take(m, addr, size);
	*size = (uint64_t)v - 1;
	return true;
}

uint64_t pmt_blockmap_bytes(const struct pmt_blockmap *m)
{
	return (uint64_t)m->region_count * LEAF_SLOTS(m) * sizeof(uint16_t) +
	       (uint64_t)m->region_cap * sizeof(struct pmt_blockmap_region) +
	       (uint64_t)m->big_cap * sizeof(struct pmt_blockmap_big);
}
