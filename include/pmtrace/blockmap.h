/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blockmap.h - the size of every live heap block by its address, so that a
 * free, which gives only the address, can be counted in bytes. Used by the
 * Python extension's allocator hooks, where it must cost a few nanoseconds.
 *
 * A shadow map: the address space is cut into 1 MiB regions, and a region
 * holding a block start gets a leaf with one 16-bit slot per granule (16
 * bytes on 64-bit systems, where allocators return 16-byte aligned
 * blocks): the block's size + 1, 0 for none, PMT_BLOCKMAP_BIG when the
 * size is in the exact table instead (sizes of 65534 bytes and more, and
 * blocks whose address is not granule-aligned). So the memory cost is an
 * eighth of the address span holding blocks (128 KiB per MiB touched),
 * and a put or take is a shift, a compare with the last region used, and
 * one 16-bit store. Exact: a take returns the size that was put.
 *
 * Pure C, no locking: callers serialise (the hooks run under the GIL).
 */
#ifndef PMTRACE_BLOCKMAP_H
#define PMTRACE_BLOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMT_BLOCKMAP_REGION_SHIFT 20 /* 1 MiB regions */
#define PMT_BLOCKMAP_BIG 0xFFFFu     /* slot value: size in the exact table */

struct pmt_blockmap_region {
	uintptr_t key;  /* (address >> REGION_SHIFT) + 1; 0 = empty slot */
	uint16_t *leaf; /* slots of the region's granules */
};

struct pmt_blockmap_big {
	uintptr_t addr; /* 0 = empty slot */
	uint64_t size;
};

struct pmt_blockmap {
	/* the region table: open addressing, never shrinks */
	struct pmt_blockmap_region *regions;
	size_t region_cap, region_count;
	/* the last region used: most consecutive blocks share one */
	uintptr_t last_key;
	uint16_t *last_leaf;
	/* exact sizes: open addressing with backward-shift deletion */
	struct pmt_blockmap_big *big;
	size_t big_cap, big_count;
	unsigned int granule_shift; /* 4 on 64-bit systems, 3 on 32-bit ones */
	uint64_t failed;            /* puts lost for lack of memory */
	void *(*calloc_fn)(size_t n, size_t size);
	void (*free_fn)(void *p);
};

/*
 * Start an empty map. @calloc_fn/@free_fn: its allocator (NULL: calloc and
 * free; tests pass one that fails). Allocates nothing yet. Returns 0.
 */
int pmt_blockmap_init(struct pmt_blockmap *m, void *(*calloc_fn)(size_t, size_t),
		      void (*free_fn)(void *));
/* Release everything; the map is empty and usable again. Accepts a zeroed map. */
void pmt_blockmap_free(struct pmt_blockmap *m);

/* Slow paths of the inline functions below (a region or an exact entry to find or make). */
int pmt_blockmap_put_slow(struct pmt_blockmap *m, uintptr_t addr, uint64_t size);
bool pmt_blockmap_take_slow(struct pmt_blockmap *m, uintptr_t addr, uint64_t *size);

/*
 * Record that a block of @size bytes starts at @addr (replacing whatever
 * was recorded there). Returns 0, or -ENOMEM (counted in failed: a later
 * take of @addr then says unknown), or -EINVAL for address 0.
 */
static inline int pmt_blockmap_put(struct pmt_blockmap *m, uintptr_t addr, uint64_t size)
{
	uintptr_t key = (addr >> PMT_BLOCKMAP_REGION_SHIFT) + 1;

	if (key == m->last_key && size < PMT_BLOCKMAP_BIG - 1 &&
	    !(addr & (((uintptr_t)1 << m->granule_shift) - 1))) {
		uint16_t *slot = &m->last_leaf[(addr & (((uintptr_t)1 << PMT_BLOCKMAP_REGION_SHIFT) - 1)) >>
					       m->granule_shift];

		if (*slot != PMT_BLOCKMAP_BIG) {
			*slot = (uint16_t)(size + 1);
			return 0;
		}
	}
	return pmt_blockmap_put_slow(m, addr, size);
}

/*
 * Forget the block at @addr: true with its size in *@size when it was
 * recorded, false when not (allocated before the map, or lost).
 */
static inline bool pmt_blockmap_take(struct pmt_blockmap *m, uintptr_t addr, uint64_t *size)
{
	uintptr_t key = (addr >> PMT_BLOCKMAP_REGION_SHIFT) + 1;

	if (key == m->last_key && !(addr & (((uintptr_t)1 << m->granule_shift) - 1))) {
		uint16_t *slot = &m->last_leaf[(addr & (((uintptr_t)1 << PMT_BLOCKMAP_REGION_SHIFT) - 1)) >>
					       m->granule_shift];
		uint16_t v = *slot;

		if (v && v != PMT_BLOCKMAP_BIG) {
			*slot = 0;
			*size = (uint64_t)v - 1;
			return true;
		}
	}
	return pmt_blockmap_take_slow(m, addr, size);
}

/* Bytes the map itself holds (leaves and tables). */
uint64_t pmt_blockmap_bytes(const struct pmt_blockmap *m);

#endif /* PMTRACE_BLOCKMAP_H */
