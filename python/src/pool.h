/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool.h - what ObjectPool (pool.c) and ObjectPoolAnalyzer
 * (pool_analyzer.c) share: the pool's layout, its statistics, and the
 * records of the young generation's counter its hits and returns feed to
 * the core's replay (include/pmtrace/pools.h).
 */
#ifndef PMT_POOL_H
#define PMT_POOL_H

#include "pmt_module.h"
#include "pmtrace/pools.h"

/* The state of an object the pool knows, in its address map. */
enum { OBJ_FREE = 1, OBJ_IN_USE = 2 };

struct pmt_pool_slot {
	uintptr_t key;  /* the object's address; 0 = empty */
	uint64_t frame; /* IN_USE: the frame it was acquired in */
	uint8_t state;
};

/* Replay results accumulated over finished chunks of items. */
struct pmt_pool_gc {
	struct pmt_gen0_item *items;
	size_t n, cap;
	double seen, alt;       /* collection equivalents as run (pooled) and without the pool */
	uint64_t readings, events;
	uint64_t weight_hist[16]; /* young objects one construction made, per measured creation */
};

struct pmt_analyzer;

typedef struct {
	PyObject_HEAD
	struct pmt_state *st;
	PyObject *name;
	PyObject *factory;     /* the class, called with no arguments for a new object */
	PyObject *reset;       /* called with the object on release, or NULL */
	PyObject *analyzer;    /* strong: frames and GC readings come from it */
	struct pmt_analyzer *an;
	PyObject **free;       /* the free list: a stack of max_size */
	size_t nfree, max_size, initial_size;
	struct pmt_pool_slot *map; /* every object the pool holds (free or lent) */
	size_t map_cap, map_count;
	/* statistics */
	uint64_t acquires, releases, hits, misses, created, discarded, errors;
	uint64_t in_use, peak_in_use;
	uint64_t create_ns, create_count; /* time in factory() */
	uint64_t instance_bytes;
	uint64_t life[PMT_LIFE_BINS];
	/* per-frame demand: the most objects lent at once in each frame */
	struct pmt_pool_dist demand;
	uint64_t frame, frame_peak, frames_closed;
	uint64_t born_ns;
	bool track_gc;
	struct pmt_pool_gc gc;
} PoolObject;

/* The analyzer's shared part: frames, GC readings and timing. */
struct pmt_analyzer {
	PyObject *profiler;       /* frames from it, or NULL */
	uint64_t frame;           /* own frames (end_frame()) */
	PyObject *get_count;      /* gc.get_count */
	uint64_t collections;     /* every collection seen by the callback */
	uint64_t gen0_runs, gen0_ns, gc_start_ns;
	bool gc_in;
	int gen_in;
};

/* The analyzer's current frame. */
static inline uint64_t pmt_analyzer_frame(const struct pmt_analyzer *an)
{
	return an->profiler ? pmt_profiler_frame_count(an->profiler) : an->frame;
}

/*
 * A new pool of @factory objects, prefilled with @initial objects; NULL
 * with an exception. @an lives in @analyzer, which the pool keeps alive.
 */
PyObject *pmt_pool_new(struct pmt_state *st, PyObject *analyzer, struct pmt_analyzer *an,
		       PyObject *name, PyObject *factory, PyObject *reset, size_t initial,
		       size_t max_size, bool track_gc);

/* Close the frames that went by since the pool last looked (demand per frame). */
void pmt_pool_sync_frames(PoolObject *p);

/* Replay what the pool recorded so far into p->gc's totals; 0 or -1 (no exception). */
int pmt_pool_flush_gc(PoolObject *p);

#endif /* PMT_POOL_H */
