/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool_track.h - the object pool analyzer's bookkeeping: from the ordered
 * creations and destructions of instances, by class, in sampled windows of
 * consecutive frames, to per-class statistics and the rules of pools.h.
 *
 * A window is a run of consecutive frames in which every creation and
 * destruction of the classes watched is seen, in order, with the young
 * generation's counter read at each (pmt_pool_track_create/destroy). An
 * instance is a "life" from the creation seen to the destruction seen.
 * Lives are kept by address across windows:
 *
 *  - a life born in a window is "binned" (counted in the lifetime
 *    histogram) when the window went on for at least PMT_POOL_SHORT_FRAMES
 *    frames after its birth frame, so that every bin up to 4-15 is exact
 *    and unbiased; lives born later in the window are "censored" (counted,
 *    followed, never binned);
 *  - a life alive at the window's end is followed: the caller checks it
 *    between windows (pmt_pool_track_follow / pmt_pool_track_gone) and the
 *    next window's destruction of its address ends it (binned or not, its
 *    end matters to the live counts);
 *  - a destruction of an address no life holds is an instance born unseen
 *    (before the first window, or between windows): counted as such, never
 *    as a negative life; it was alive at the window's earlier frame ends;
 *  - a creation at an address a life still holds ends that life first
 *    (its destruction went unseen: lifetime unknown).
 *
 * Per frame of a window and per class: creations, destructions, instances
 * alive at the frame's end, and the demand a pool would have met: the most
 * instances younger than PMT_POOL_SHORT_FRAMES frames alive at once in the
 * frame, counted in the window's "warm" frames only (from the 16th on,
 * when every young instance was born in the window). Built-in types whose
 * destructions alone are counted (pmt_pool_track_count) keep per-frame
 * destructions only.
 *
 * Pure C: no I/O, no clock, no BPF. Not thread-safe.
 */
#ifndef PMTRACE_POOL_TRACK_H
#define PMTRACE_POOL_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/pools.h"

/* Class flags. */
#define PMT_PCF_GC 0x1u        /* a GC type: each instance counts in generation 0 */
#define PMT_PCF_BUILTIN 0x2u   /* a built-in type counted at its destructions only */
#define PMT_PCF_NAMED 0x4u     /* pmt_pool_track_describe() was called */
#define PMT_PCF_REUSE 0x8u     /* the caller knows the game reuses its instances */

#define PMT_POOL_MAX_WINDOW 1024  /* frames in a window, at most */
#define PMT_POOL_SITES 16          /* creation sites kept per class */
#define PMT_POOL_STEP_BINS 17      /* counter steps 0..15, and 16 or more */
#define PMT_POOL_REPLAY_CLASSES 64 /* classes replayed per window */

struct pmt_pool_site {
	uint32_t key; /* the caller's site id (0: none) */
	uint64_t n;
};

/* What the caller knows of the counter at an event (valid false: not read). */
struct pmt_pool_reading {
	uint64_t collections; /* automatic collections so far (all generations) */
	int32_t count;        /* generation 0's count */
	bool valid;
};

struct pmt_pool_class {
	uint64_t id;              /* the caller's: the type's address */
	char *name;               /* module-qualified, owned; NULL until described */
	uint32_t flags;           /* PMT_PCF_* */
	uint64_t instance_bytes;  /* the allocator's block per instance (0: unknown) */
	uint64_t created, destroyed;
	uint64_t destroyed_unseen; /* destructions of instances born unseen */
	uint64_t alive;           /* lives seen born, not seen dead */
	uint64_t alive_binned;    /* of which binned: the "alive" bin */
	uint64_t life[PMT_LIFE_BINS]; /* binned lives that ended (ALIVE unused) */
	uint64_t censored;        /* lives never binned (born too late in a window) */
	uint64_t life_unknown;    /* binned lives whose end went unseen */
	struct pmt_pool_dist created_pf, destroyed_pf, live_pf, demand_pf;
	/* The counter's steps between consecutive creations (increases) and
	 * consecutive destructions (decreases) of the class: what one life adds
	 * and frees (pmt_gen0_weight_hist). Creations first: destructions are
	 * sampled only while the counter is above 0, which a burst of them
	 * reaches early, when the interpreter's free lists take their
	 * containers (no decrease). */
	uint64_t steps_create[PMT_POOL_STEP_BINS];
	uint64_t steps_destroy[PMT_POOL_STEP_BINS];
	double gen0_avoided;      /* collection equivalents a pool would have avoided */
	uint64_t gen0_windows;    /* windows in which that was replayed */
	uint64_t gen0_skipped;    /* windows with events not replayed (too many classes) */
	struct pmt_pool_site sites[PMT_POOL_SITES];
	uint64_t sites_other;     /* creations at sites past the table */
	uint64_t frames_own;      /* built-ins: frames counted (they may skip windows) */
	struct pmt_pool_freelist freelist; /* the container of its instances that moved most */
	uint32_t freelists;       /* containers of its instances only, seen */
	uint64_t last_counted;    /* built-ins: frame + 1 last counted */
	/* The open window, by frame of the window (private). */
	uint32_t *w_created, *w_destroyed, *w_live, *w_demand, *w_retro;
	uint32_t w_cap;
	uint64_t w_events;
	uint32_t young[PMT_POOL_SHORT_FRAMES]; /* alive window-born lives by birth frame % 16 */
	uint64_t young_n, young_peak;
	uint32_t active_ix;       /* index + 1 in the active list, 0: not in it */
	uint32_t window_seen;     /* window number + 1 whose arrays are in use */
};

/* A death of a life born in the open window, binned when the window ends. */
struct pmt_pool_wdeath {
	uint64_t lifetime; /* frames */
	uint32_t cls;
	uint32_t birth_j;  /* birth frame within the window */
};

struct pmt_pool_inst {
	uint64_t addr;   /* 0: empty slot */
	uint64_t birth;  /* frame */
	uint32_t cls;
	uint32_t window; /* window number + 1 it was born in */
	uint8_t binned;
	uint8_t followed;
};

struct pmt_pool_track_config {
	uint64_t max_lives; /* lives kept at most (0: 1 << 20) */
};

struct pmt_pool_track {
	struct pmt_pool_track_config cfg;
	struct pmt_pool_class *cls;
	uint32_t ncls, capcls;
	uint64_t *cls_slot;     /* id -> index + 1, open addressing */
	uint32_t ncls_slots;
	struct pmt_pool_inst *lives; /* open addressing by address */
	uint64_t nlives, nlives_slots;
	uint32_t *active;       /* classes with lives or events in the window */
	uint32_t nactive, capactive;
	/* The window. */
	bool in_window;
	uint32_t window;        /* windows begun */
	uint64_t w_first, w_planned, w_cur; /* first frame, frames planned, frame open */
	uint64_t w_closed;      /* frames of the window closed */
	struct pmt_gen0_params w_gc;
	struct pmt_gen0_item *items;
	size_t nitems, capitems;
	uint64_t *w_births;     /* addresses born in the window */
	size_t nbirths, capbirths;
	struct pmt_pool_wdeath *w_deaths;
	size_t ndeaths, capdeaths;
	int32_t last_cls;       /* for counter steps: the previous event's class, */
	int32_t last_count;     /* the counter then, */
	uint64_t last_coll;     /* the collections then, */
	bool last_create;       /* and whether it was a creation (-1 class: none) */
	double w_seconds;
	/* Followed lives (addresses), checked between windows. */
	uint64_t *follow;
	size_t nfollow, capfollow, follow_pos;
	/* Totals. */
	uint64_t windows_done, windows_partial;
	uint64_t frames_sampled, frames_warm;
	double seconds;         /* time of the sampled frames */
	double gen0_seen, gen0_replayed; /* collection equivalents of replayed windows */
	uint64_t gen0_triggers, gen0_windows, gen0_unreplayed;
	uint64_t events, lives_not_kept, readings_missing;
	int32_t threshold;      /* last window's */
	bool gc_enabled;
};

/* Prepare @t (a zeroed config means defaults). 0 or -ENOMEM. */
int pmt_pool_track_init(struct pmt_pool_track *t, const struct pmt_pool_track_config *cfg);
void pmt_pool_track_free(struct pmt_pool_track *t);

/*
 * The class of type @id, added when new (flags 0, no name). Returns its
 * index, or -ENOMEM. Indexes stay valid; pointers into t->cls do not.
 */
long pmt_pool_track_class(struct pmt_pool_track *t, uint64_t id);
/* The class of type @id, or -ENOENT when it was never added. */
long pmt_pool_track_find(const struct pmt_pool_track *t, uint64_t id);
/* Name (copied), flags and block size of class @ix. 0 or -ENOMEM. */
int pmt_pool_track_describe(struct pmt_pool_track *t, uint32_t ix, const char *name,
			    uint32_t flags, uint64_t instance_bytes);

/*
 * Begin a window at frame @first, planned to last @frames frames (at most
 * PMT_POOL_MAX_WINDOW), with the collector's settings @gc. Returns 0,
 * -EBUSY when a window is open, -EINVAL for a bad length.
 */
int pmt_pool_track_window_begin(struct pmt_pool_track *t, uint64_t first, uint64_t frames,
				const struct pmt_gen0_params *gc);
/*
 * End the open window after frame @last (the last frame that was sampled
 * whole; frames after it are dropped from per-frame statistics but their
 * events stay counted). @partial: the window ended early (the game exited
 * or stopped presenting). Bins the window's lives, replays the counter.
 * Returns 0 or -ENOMEM (what was counted stays).
 */
int pmt_pool_track_window_end(struct pmt_pool_track *t, uint64_t last, bool partial);
/* Frame @frame of the open window took @ns (adds to the sampled time). */
void pmt_pool_track_frame_time(struct pmt_pool_track *t, uint64_t frame, uint64_t ns);

/*
 * In the open window, in the order they happened: an instance of class
 * @cls created at @addr in @frame (@site: where), the counter read just
 * after; or the instance at @addr destroyed in @frame, the counter read
 * just before (@cls: its type's class). Frames never go back. Returns 0,
 * -EINVAL outside a window or frame, -ENOMEM (the event is counted, its
 * life not kept).
 */
int pmt_pool_track_create(struct pmt_pool_track *t, uint64_t frame, uint32_t cls, uint64_t addr,
			  uint32_t site, const struct pmt_pool_reading *r);
int pmt_pool_track_destroy(struct pmt_pool_track *t, uint64_t frame, uint32_t cls,
			   uint64_t addr, const struct pmt_pool_reading *r);
/*
 * @n destructions (0 too) of built-in class @cls in @frame of the open
 * window: the frame counts among the class's own frames, so its per-frame
 * statistics cover only the frames in which it was counted.
 */
int pmt_pool_track_count(struct pmt_pool_track *t, uint64_t frame, uint32_t cls, uint64_t n);

/*
 * Lives alive at a window's end, followed until they end: @fn is called
 * with the address and class of up to @max of them, taking turns from one
 * call to the next; ended ones leave the list. Returns how many were
 * handed out.
 */
typedef void (*pmt_pool_follow_fn)(void *ctx, uint64_t addr, uint32_t cls);
size_t pmt_pool_track_follow(struct pmt_pool_track *t, size_t max, pmt_pool_follow_fn fn,
			     void *ctx);
/*
 * At the end of a window: the instance at @addr, alive at its start (a
 * life of an earlier window), is gone now. Its destruction would have
 * been seen in the window: it happened before. It ends before the window
 * and leaves the window's live counts.
 */
void pmt_pool_track_gone_before(struct pmt_pool_track *t, uint64_t addr);

/* Between windows: the instance at @addr was found gone at the end of @frame. */
void pmt_pool_track_gone(struct pmt_pool_track *t, uint64_t addr, uint64_t frame);

/*
 * Readings @f of a container holding instances of class @cls only (a
 * candidate free list, see pmt_pool_reuse_seen), as they stand: the class
 * keeps the one whose length moved most. @containers: how many such
 * containers of the class are followed now.
 */
void pmt_pool_track_freelist(struct pmt_pool_track *t, uint32_t cls,
			     const struct pmt_pool_freelist *f, uint32_t containers);

/* ---- results ------------------------------------------------------------------- */

struct pmt_pool_result {
	uint32_t cls;             /* index into t->cls */
	uint64_t churn;           /* creations + destructions */
	struct pmt_pool_quant created, destroyed, live, demand;
	uint64_t life[PMT_LIFE_BINS]; /* with ALIVE */
	enum pmt_pool_kind kind;
	bool reuse_freelist;      /* already pooled by its free list (pmt_pool_reuse_seen) */
	double weight;            /* young-generation objects per life */
	bool weight_measured;
	bool gen0_known;          /* replayed in at least one window */
	uint64_t pool_size;       /* by pmt_pool_size_rule(demand p99); 0: none */
	bool recommended;
	const char *reason;       /* why not recommended (static string), or NULL */
	struct pmt_pool_savings sav;
	uint64_t top_sites[3];    /* indexes into the class's sites, by count; -1 unused */
	uint32_t n_top_sites;
};

struct pmt_pool_report_config {
	double ns_per_collection; /* measured cost of a young collection (0: none) */
	double ns_per_alloc;      /* cost of an allocation and its free */
};

/*
 * Results for every class into @out (t->ncls entries, caller-allocated),
 * ranked: recommended classes first by pmt_pool_rank(), then the others
 * by creations and destructions. Returns the number of recommended ones.
 */
size_t pmt_pool_track_results(const struct pmt_pool_track *t,
			      const struct pmt_pool_report_config *cfg, struct pmt_pool_result *out);

#endif
