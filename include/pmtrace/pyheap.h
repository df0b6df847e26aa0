/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pyheap.h - the memory pymalloc (CPython's small-object allocator) holds
 * from the OS, read from a live interpreter's own bookkeeping: the number
 * of arenas currently allocated times the arena size. Blocks larger than
 * 512 bytes never reach pymalloc (they go to malloc: native heap).
 *
 * pymalloc's state, on x86-64 CPython 3.8 to 3.13:
 *  - usedpools: 64 pointers, two per size class (32 classes of 16 bytes).
 *    Entries 2i and 2i+1 are the nextpool and prevpool of a fake pool
 *    header that starts 16 bytes before entry 2i, the head of a circular
 *    list of the class's used pools: an unused class has both entries
 *    pointing at that head (&entry[2i] - 16); a used class has its first
 *    pool in 2i (whose prevpool is the head) and its last in 2i+1 (whose
 *    nextpool is the head), equal when it has one. Pools are aligned to the
 *    pool size.
 *  - arenas: an array of maxarenas arena_objects of 48 bytes, {address,
 *    pool_address, nfreepools, ntotalpools, freepools, nextarena,
 *    prevarena}; address is 0 for an unused slot. A pool's arenaindex (a
 *    u32 at offset 32 of its header) names its arena: address <= pool <
 *    address + arena size.
 *  - up to 3.11 usedpools, arenas and maxarenas are file-static globals;
 *    from 3.12 they are fields of struct _obmalloc_state, arenas at 512
 *    and maxarenas at 520 bytes after usedpools.
 *  - arena size 256 KiB and pool size 4 KiB up to 3.9; 1 MiB and 16 KiB
 *    from 3.10 (64-bit builds, the radix tree on).
 *
 * Pure: memory comes from a caller's read function (process_vm_readv in
 * the tool, a synthetic image in the tests); nothing here does I/O itself.
 */
#ifndef PMTRACE_PYHEAP_H
#define PMTRACE_PYHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMT_PYHEAP_USED_ENTRIES 64   /* usedpools[] pointers */
#define PMT_PYHEAP_USED_BYTES (PMT_PYHEAP_USED_ENTRIES * 8)
#define PMT_PYHEAP_ARENA_OBJ 48      /* sizeof(struct arena_object) */
#define PMT_PYHEAP_POOL_NEXTPOOL 16  /* offsetof(struct pool_header, nextpool) */
#define PMT_PYHEAP_POOL_PREVPOOL 24  /* offsetof(struct pool_header, prevpool) */
#define PMT_PYHEAP_POOL_ARENAINDEX 32
#define PMT_PYHEAP_MGMT_ARENAS 512    /* 3.12+: &mgmt.arenas - &pools.used[0] */
#define PMT_PYHEAP_MGMT_MAXARENAS 520 /* 3.12+: &mgmt.maxarenas - &pools.used[0] */
#define PMT_PYHEAP_MAX_ARENAS (1u << 24) /* 16 TiB of 1 MiB arenas: more is garbage */

/* Copy @len bytes at @addr of the target into @buf; 0 or -errno. */
typedef int (*pmt_pyheap_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* Where pymalloc's state is in one process, and its geometry. */
struct pmt_pyheap_layout {
	uint64_t usedpools;      /* &usedpools[0] */
	uint64_t arenas_addr;    /* &arenas (the pointer variable) */
	uint64_t maxarenas_addr; /* &maxarenas (a uint32) */
	uint64_t arena_size;
	uint64_t pool_size;
};

/*
 * Arena and pool size of CPython @major.@minor (x86-64 builds). Returns 0,
 * or -ENOTSUP outside 3.8..3.13.
 */
int pmt_pyheap_geometry(int major, int minor, uint64_t *arena_size, uint64_t *pool_size);

/*
 * Whether the 64 entries @ent, stored at target address @addr, have the
 * usedpools shape: each pair either twice its own head (&ent[2i] - 16) or
 * two pointers aligned to @pool_size. Cheap and pure: a
 * candidate that passes must still be confirmed by pmt_pyheap_check_used().
 */
bool pmt_pyheap_used_shape(const uint64_t *ent, uint64_t addr, uint64_t pool_size);

/*
 * The first 8-aligned offset at or after @from in @buf (@len bytes, at
 * target address @base) where pmt_pyheap_used_shape() holds, or -1.
 */
long pmt_pyheap_scan_used(const uint8_t *buf, size_t len, uint64_t base, uint64_t pool_size,
			  size_t from);

/*
 * Confirm usedpools at @addr through @rd: the shape, and for every used
 * class, its first pool's prevpool and its last pool's nextpool are its
 * head. Stores the number of used classes in
 * @nused (may be NULL). Returns 0, -ENOENT when the shape does not hold, or
 * the read function's error.
 */
int pmt_pyheap_check_used(pmt_pyheap_read_fn rd, void *ctx, uint64_t addr, uint64_t pool_size,
			  unsigned int *nused);

/*
 * Confirm that @l's arenas and maxarenas are the ones the pools of
 * @l->usedpools live in: for the first and last pool of every used class,
 * its arenaindex is below maxarenas and its arena_object has address <=
 * pool < address + arena_size and at most arena_size / pool_size pools. Returns 0, -ENOENT
 * on a mismatch, -EAGAIN when no class is used yet (nothing to check
 * against: try again later), or the read function's error.
 */
int pmt_pyheap_check_arenas(pmt_pyheap_read_fn rd, void *ctx, const struct pmt_pyheap_layout *l);

/* Arena objects in use (address != 0) among the @n at @arenas. */
uint64_t pmt_pyheap_count(const uint8_t *arenas, uint32_t n);

/*
 * The memory pymalloc holds now: arenas allocated times the arena size,
 * into @bytes. @buf/@cap is caller-owned scratch space grown with realloc()
 * (free it when done). The arenas pointer is read again after the array:
 * if the array moved meanwhile (the interpreter grew it), the read is
 * retried. Returns 0, -EAGAIN when the array kept moving, -ENOENT for an
 * implausible maxarenas, -ENOMEM, or the read function's error.
 */
int pmt_pyheap_measure(pmt_pyheap_read_fn rd, void *ctx, const struct pmt_pyheap_layout *l,
		       uint8_t **buf, size_t *cap, uint64_t *bytes);

#endif
