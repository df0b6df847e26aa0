/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * memcache.h - a copy of a running process's memory, made in 64 KiB
 * chunks with process_vm_readv as a walker first touches them, and kept
 * until cleared: a heap walk reads each chunk of the heap once, however
 * many objects it holds, and never stops the process.
 *
 * Reads are confined to the readable mappings the caller gives (a fresh
 * /proc/PID/maps); an address outside them fails at once without a system
 * call. Within a chunk, the part of each mapping is copied when first
 * needed; a part that cannot be read whole (pages unmapped meanwhile) is
 * read page by page and its unreadable pages fail. The copy is as old as
 * the moment each chunk was read: the target keeps running, so a walker
 * validates what it reads and may pmt_memcache_forget() a chunk to read it
 * again.
 */
#ifndef PMT_MEMCACHE_H
#define PMT_MEMCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "os/proc.h"

#define PMT_MEMCACHE_CHUNK (64u * 1024)

struct pmt_memchunk;
struct slab;

struct pmt_memcache {
	pid_t pid;
	const struct pmt_maps *maps;    /* readable mappings, by address (not owned) */
	struct pmt_memchunk *slots;     /* open addressing by chunk address */
	size_t cap, used;
	struct pmt_memchunk *last;      /* the last chunk hit */
	size_t limit;                   /* bytes of copies at most (0: no limit) */
	struct slab *slabs;             /* chunk buffers, mapped populated, reused */
	uint8_t *free_bufs;             /* free chunk buffers, chained through their first word */
	/* Statistics since init. */
	uint64_t bytes;                 /* copied */
	uint64_t syscalls;
	uint64_t failures;              /* reads refused (outside the mappings, unreadable) */
	bool over_limit;                /* a chunk was refused for the limit */
};

/*
 * Prepare @mc to copy from @pid within @maps (kept by pointer: it must
 * outlive @mc's use), at most @limit bytes of copies (0: unlimited).
 * Returns 0 or -ENOMEM.
 */
int pmt_memcache_init(struct pmt_memcache *mc, pid_t pid, const struct pmt_maps *maps,
		      size_t limit);

/* Release every copy and buffer; @mc may be zeroed. */
void pmt_memcache_free(struct pmt_memcache *mc);

/* Forget every copy (the next reads copy again); keeps the table and the buffers. */
void pmt_memcache_clear(struct pmt_memcache *mc);

/* Forget the chunk holding @addr, if copied. */
void pmt_memcache_forget(struct pmt_memcache *mc, uint64_t addr);

/*
 * Copy @len bytes at @addr of the target into @buf, from the copies
 * (copying the chunks first when needed). Returns 0, -EFAULT (outside the
 * mappings or unreadable), -ENOMEM, or -ENOSPC past the limit.
 */
int pmt_memcache_read(struct pmt_memcache *mc, uint64_t addr, void *buf, size_t len);

/*
 * A pointer to the copy of @len bytes at @addr when they lie in one chunk
 * (valid until the chunk is forgotten or cleared), else NULL: then use
 * pmt_memcache_read().
 */
const void *pmt_memcache_peek(struct pmt_memcache *mc, uint64_t addr, size_t len);

/* Bytes of copies held now. */
size_t pmt_memcache_held(const struct pmt_memcache *mc);

/* True when @addr lies in one of the readable mappings. */
bool pmt_memcache_mapped(const struct pmt_memcache *mc, uint64_t addr);

#endif
