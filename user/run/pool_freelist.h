/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool_freelist.h - finding a game's own object pools from outside: now and
 * then a walk of the collector's lists (cpython/heapwalk.h) looks for lists
 * whose items (at least two) are all instances of one Python class, nine in
 * ten of them held by that list alone (idle spares, not things also kept
 * elsewhere); between windows their lengths are read at frame ends, with
 * the first item (still of the class, still held by the list alone). What
 * the readings mean is the core's rule (pmt_pool_reuse_seen in pools.h): a
 * list that grows and shrinks by much more than its class's creations and
 * destructions explain is the class's free list, and the class is already
 * pooled.
 *
 * Nothing is injected, nothing stops the game: the walk and the readings
 * copy memory with process_vm_readv. A walk costs the tool's CPU (about
 * 2 µs an object); walks are spaced so that they take at most 1/20th of
 * the time between them, and at least 5 s apart (0.3 s after a partial
 * walk, up to five in a row: a collection moved the lists under it).
 */
#ifndef PMT_POOL_FREELIST_H
#define PMT_POOL_FREELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpython/python.h"
#include "pmtrace/pools.h"

#define PMT_POOL_FREELISTS 128          /* lists followed at once, at most */
#define PMT_POOL_FREELISTS_PER_CLASS 4  /* of one class (the longest ones) */
#define PMT_POOL_FL_ITEMS 256           /* items checked per list at a walk */
#define PMT_POOL_FL_OBJECTS 4000000     /* objects a walk visits, at most */

struct pmt_heapwalk;

/* A list of one class's instances, followed. */
struct pmt_pool_flist {
	uint64_t addr;      /* the list object */
	uint64_t list_type; /* its type (list, or a subclass) */
	uint64_t item_type; /* the class of its items */
	uint64_t item;      /* its first item when last read (0: none) */
	uint64_t items;     /* its item array (ob_item) when last read */
	struct pmt_pool_freelist f;
	uint8_t strikes;    /* readings in a row whose first item was not of the class */
};

struct pmt_pool_flfinder {
	pid_t pid;
	const struct pmt_python *py;
	struct pmt_heapwalk *hw;
	int err;                 /* why walks fail (0: they do not) */
	struct pmt_pool_flist fl[PMT_POOL_FREELISTS];
	size_t n;
	/* Walks. */
	uint64_t walks, walks_failed, walks_partial;
	uint64_t objects_last, lists_last, candidates_last;
	double walk_ms_last, walk_ms_total;
	uint64_t next_walk_ns;
	unsigned partial_run;    /* partial walks in a row */
	/* Readings. */
	uint64_t readings, dropped, restarts, last_frame;
	bool read_any;
};

void pmt_pool_fl_init(struct pmt_pool_flfinder *ff, pid_t pid, const struct pmt_python *py);
void pmt_pool_fl_free(struct pmt_pool_flfinder *ff);

/* Is a walk due at @now_ns? */
bool pmt_pool_fl_due(const struct pmt_pool_flfinder *ff, uint64_t now_ns);

/*
 * Walk the collector's lists for lists of one class's instances and
 * follow the new ones (the longest of each class first; lists followed
 * already keep their readings). @now_ns schedules the next walk. Returns
 * the number of lists followed, or -errno (ff->err says it too).
 */
int pmt_pool_fl_walk(struct pmt_pool_flfinder *ff, uint64_t now_ns);

/*
 * Called with the readings of a list before they end: @gone, the list is
 * no longer one (freed, turned to something else, holding another class
 * now) and is dropped; else its item array was replaced, which a list
 * freed and made again at the same address also does, and its readings
 * start over.
 */
typedef void (*pmt_pool_fl_done_fn)(void *ctx, const struct pmt_pool_flist *l, bool gone);

/*
 * Read the length of every followed list at the end of frame @frame
 * (nothing when it was read at that frame already).
 */
void pmt_pool_fl_read(struct pmt_pool_flfinder *ff, uint64_t frame, pmt_pool_fl_done_fn done,
		      void *ctx);

#endif
