/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pools.h - the object pool analyzer's rules: which classes a game should
 * pool, how big the pool should be, and what it would save.
 *
 * Shared by both front ends: pmtrace-bpf feeds it what it sampled from an
 * unmodified game (creations and destructions of each class's instances in
 * chosen frames), and the pymemtrace extension feeds it what an in-process
 * pool knows (acquires, releases, misses, the pool's high-water mark, the
 * collector's counters). Both get the same numbers from the same rules:
 *
 *  - per-frame distributions (pmt_pool_dist): mean, p50, p99, max;
 *  - lifetimes in frames, binned (pmt_pool_life_bin);
 *  - a classification (pmt_pool_classify);
 *  - the pool size rule (pmt_pool_size_rule) and the creations a pool of
 *    that size would still miss (pmt_pool_overflow);
 *  - the generation-0 collections a pool avoids (pmt_gen0_replay), from a
 *    replay of the young generation's counter as the interpreter keeps it;
 *  - savings per second (pmt_pool_savings) and a ranking (pmt_pool_rank).
 *
 * An in-process pool maps onto them so: its demand is its peak number of
 * objects in use in each frame (pmt_pool_dist_add once a frame); the size
 * it should have is pmt_pool_size_rule() of that demand's p99; its misses
 * are pmt_pool_overflow()'s counterpart; the collections it saves come
 * from a replay with the counter read (gc.get_count()[0] and the
 * collections so far) at each acquire and release, each hit an event with
 * real 0 and alt +w (the allocation it avoided) and each return one with
 * real 0 and alt -w (the free it avoided); and pmt_pool_savings() turns
 * hits, returns and the replay into rates.
 *
 * Pure C: no I/O, no clock, no globals, no BPF, no Python.
 */
#ifndef PMTRACE_POOLS_H
#define PMTRACE_POOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- per-frame distributions ---------------------------------------------- */

/*
 * Values seen once per frame (creations in a frame, instances live at its
 * end...), kept as sorted (value, count) pairs: exact below 65,536, and
 * above that to 16 significant bits (a relative error under 1/32,768).
 * Frames in which nothing was added are zeros: the caller says how many
 * frames the distribution covers when it asks for a summary. A zeroed
 * struct is an empty distribution.
 */
struct pmt_pool_dist_bin {
	uint64_t v; /* the value (its 16 leading significant bits above 65,535) */
	uint64_t n; /* frames with that value */
};

struct pmt_pool_dist {
	struct pmt_pool_dist_bin *b;
	uint32_t nb, cap;
	uint64_t n;   /* values added */
	double sum;   /* their exact sum */
	uint64_t max; /* exact */
};

struct pmt_pool_quant {
	double mean;
	uint64_t p50, p99, max;
};

void pmt_pool_dist_init(struct pmt_pool_dist *d);
void pmt_pool_dist_free(struct pmt_pool_dist *d);
/* Add @v for @times frames. 0 or -ENOMEM (the distribution is unchanged). */
int pmt_pool_dist_add(struct pmt_pool_dist *d, uint64_t v, uint64_t times);
/* Add every value of @from into @into. 0 or -ENOMEM. */
int pmt_pool_dist_merge(struct pmt_pool_dist *into, const struct pmt_pool_dist *from);
/*
 * The nearest-rank quantile @q (0 < q <= 1) over @frames frames, those
 * without a value counting as 0 (@frames below d->n is taken as d->n):
 * the smallest value v with at least ceil(q * frames) frames <= v.
 * 0 for an empty distribution over no frames.
 */
uint64_t pmt_pool_dist_quantile(const struct pmt_pool_dist *d, double q, uint64_t frames);
/* Mean, p50, p99 and max over @frames frames (see pmt_pool_dist_quantile). */
void pmt_pool_dist_summary(const struct pmt_pool_dist *d, uint64_t frames,
			   struct pmt_pool_quant *out);

/* ---- lifetimes ------------------------------------------------------------- */

/*
 * An instance's lifetime in frames: the frame it was destroyed in minus
 * the frame it was created in (0: it died in the frame that made it).
 */
enum pmt_pool_life {
	PMT_LIFE_SAME = 0, /* died in the frame that made it */
	PMT_LIFE_1,        /* in the next frame */
	PMT_LIFE_2_3,
	PMT_LIFE_4_15,
	PMT_LIFE_16_255,
	PMT_LIFE_LONGER,   /* 256 frames or more */
	PMT_LIFE_ALIVE,    /* still alive when reported */
	PMT_LIFE_BINS,
};

/* Lives shorter than this many frames are "short": a pool serves them. */
#define PMT_POOL_SHORT_FRAMES 16

/* The bin of a life of @frames frames (never PMT_LIFE_ALIVE). */
enum pmt_pool_life pmt_pool_life_bin(uint64_t frames);
/* "same_frame", "1", "2-3", "4-15", "16-255", "longer", "alive"; "?" else. */
const char *pmt_pool_life_name(enum pmt_pool_life b);

/* ---- classification ---------------------------------------------------------- */

enum pmt_pool_kind {
	PMT_POOL_UNDETERMINED = 0, /* too few lives seen to say */
	PMT_POOL_TRANSIENT,        /* most die in the frame that made them */
	PMT_POOL_SHORT_LIVED,      /* most die within PMT_POOL_SHORT_FRAMES frames */
	PMT_POOL_PERSISTENT,       /* most live longer */
	PMT_POOL_ALREADY_POOLED,   /* the game reuses its instances */
};

/* Lives needed before a class is classified. */
#define PMT_POOL_MIN_LIVES 20

/* What classifying a class looks at. */
struct pmt_pool_traits {
	uint64_t life[PMT_LIFE_BINS]; /* lives by bin, ALIVE included */
	bool reuse_seen; /* evidence that the game reuses instances: a free list
			    of them seen changing, or an in-process pool */
};

/*
 * The rule, in order: reuse seen -> already pooled; fewer than
 * PMT_POOL_MIN_LIVES lives -> undetermined; at least half of the lives died
 * in their own frame -> transient; at least half lived under
 * PMT_POOL_SHORT_FRAMES frames -> short-lived; else persistent. Lives
 * still alive count as long ones.
 */
enum pmt_pool_kind pmt_pool_classify(const struct pmt_pool_traits *t);
/* "undetermined", "transient", "short-lived", "persistent", "already pooled". */
const char *pmt_pool_kind_name(enum pmt_pool_kind k);

/* ---- a free list seen from outside ---------------------------------------------- */

/*
 * A pooled class and a persistent one look alike from their creations
 * (next to none) and live counts (steady). What tells them apart is the
 * pool's free list: a container holding instances of that class only,
 * whose length goes up when the game returns instances and down when it
 * takes them, while none are created or destroyed. A list of live
 * entities changes length too, but each change is a creation or a
 * destruction (or a move to another container).
 *
 * pmt_pool_freelist_see() records one reading of such a container's
 * length, taken at the end of frame @frame (readings in frame order).
 */
struct pmt_pool_freelist {
	uint64_t readings;
	uint64_t first_frame, last_frame;
	uint64_t len_last, len_min, len_max;
	uint64_t moved;         /* sum of |length change| between consecutive readings */
	uint64_t rises, falls;  /* readings longer / shorter than the one before */
};

void pmt_pool_freelist_see(struct pmt_pool_freelist *f, uint64_t frame, uint64_t len);

/*
 * Reuse is seen in @f when: the container both grew and shrank; its length
 * moved by at least PMT_POOL_REUSE_MIN_MOVES in all; and by at least
 * PMT_POOL_REUSE_FACTOR times what the class's creations and destructions
 * could explain over the frames from the first reading to the last
 * (@events_per_frame: the class's creations plus destructions per frame,
 * as sampled; negative: not known, and then no). The readings see the
 * length only now and then, so the movement is a lower bound; the
 * explanation assumes every creation and destruction moved it.
 */
#define PMT_POOL_REUSE_MIN_MOVES 4
#define PMT_POOL_REUSE_FACTOR 4.0
bool pmt_pool_reuse_seen(const struct pmt_pool_freelist *f, double events_per_frame);

/* ---- pool size -------------------------------------------------------------- */

/*
 * The pool size for a class whose demand (the most short-lived instances
 * in use at once, per frame) has 99th percentile @p99_demand: the p99 plus
 * a quarter of it as headroom, at least 2 more, rounded up:
 *     size = p99 + max(2, ceil(p99 / 4)),  and 0 when p99 is 0.
 */
uint64_t pmt_pool_size_rule(uint64_t p99_demand);

/*
 * The creations a pool of @size would not have served over the frames of
 * @demand: the sum over frames of max(0, demand - size).
 */
uint64_t pmt_pool_overflow(const struct pmt_pool_dist *demand, uint64_t size);

/* ---- the young generation's collections --------------------------------------- */

/*
 * CPython 3.8-3.13 (3.13.0 without the incremental collector) keep a
 * counter in generation 0: every allocation of a GC object (a type with
 * Py_TPFLAGS_HAVE_GC: instances of Python classes, lists, dicts,
 * tuples...) adds 1, every GC free subtracts 1 while it is above 0. When
 * an allocation takes it above the generation's threshold (700 unless the
 * game changed it) and the collector is enabled, a collection runs (3.12+:
 * is scheduled for the next check of the eval breaker) and sets the
 * counter to 0; every tenth one collects generation 1 too, and so on. Free
 * lists (tuples, lists, dicts, floats) bypass the counter both ways.
 *
 * A replay follows the counter through a run in the order events happened,
 * from readings of the counter and of the collections done so far, and
 * replays it as it would have gone in an alternative run: with a class
 * pooled (its events removed), or with an in-process pool's hits turned
 * back into allocations (events added). Between two readings the
 * interpreter did things the replay does not see one by one ("others"):
 * their net effect is what the readings say minus the events between them
 * (the collections in between counted as threshold + 1 each), applied as
 * one step between the events that followed the earlier reading and those
 * that precede the later one. Clamping at 0 and the collections are
 * simulated step by step.
 *
 * Collections are counted in "collection equivalents": triggers plus the
 * counter's net progress towards the next one, (last - first) /
 * (threshold + 1), so that a run too short to trigger still says how far
 * it got, and runs as seen and as replayed are compared alike.
 */
enum pmt_gen0_kind {
	PMT_GEN0_READ = 0, /* a reading of the counter */
	PMT_GEN0_EVENT,    /* an event of the subject (a class, a pool) */
};

struct pmt_gen0_item {
	uint64_t collections; /* READ: collections so far (any generation, automatic) */
	double real;          /* EVENT: its effect on the counter as run */
	double alt;           /* EVENT: its effect in the alternative run (when the
				 replay has no alt function) */
	int32_t count;        /* READ: the young generation's count */
	uint32_t tag;         /* EVENT: the caller's (e.g. a class index) */
	uint8_t kind;         /* enum pmt_gen0_kind */
	uint8_t after_read;   /* EVENT: happened right after the previous reading
				 (else right before the next one) */
};

/* The alternative effect of event @it (a pool hit, a removed class...). */
typedef double (*pmt_gen0_alt_fn)(void *ctx, const struct pmt_gen0_item *it);

struct pmt_gen0_params {
	int32_t threshold; /* generation 0's threshold (gc.get_threshold()[0]) */
	bool enabled;      /* automatic collection on (gc.isenabled()) */
};

struct pmt_gen0_result {
	double seen;      /* collection equivalents as run, from the readings */
	double replayed;  /* as run, replayed step by step (checks the replay) */
	double alt;       /* in the alternative run */
	uint64_t triggers_seen; /* collections between the first and last reading */
	uint64_t readings;
	uint64_t events;
};

/*
 * Replay the @n items @v (at least two readings; items before the first
 * reading are ignored). The alternative effect of an event is @alt(ctx, it)
 * when @alt is given, else it->alt. With the collector disabled or a
 * threshold of 0 nothing is collected either way: every count is 0.
 * Returns 0, or -EINVAL for fewer than two readings or a bad threshold.
 */
int pmt_gen0_replay(const struct pmt_gen0_params *p, const struct pmt_gen0_item *v, size_t n,
		    pmt_gen0_alt_fn alt, void *ctx, struct pmt_gen0_result *out);

/*
 * A replay compiled once and run many times (one alternative per class):
 * the items turned into steps on the counter, in order, each gap's
 * unexplained part one step of its own (others, tag 0).
 */
struct pmt_gen0_op {
	double real; /* the step as run */
	double alt;  /* the item's alt (the step itself for others) */
	uint32_t tag;
	uint8_t others;
};

struct pmt_gen0_prog {
	struct pmt_gen0_op *op;
	size_t n, cap;
	double first_count, t1, seen;
	uint64_t triggers_seen, readings, events;
	bool collect;
};

/*
 * Compile @v into @g (zeroed, or reused: its memory is kept). Same errors
 * as pmt_gen0_replay(), and -ENOMEM.
 */
int pmt_gen0_compile(const struct pmt_gen0_params *p, const struct pmt_gen0_item *v, size_t n,
		     struct pmt_gen0_prog *g);
/*
 * Collection equivalents of a run of @g: with the steps as run (@alt_by_op
 * NULL) or with @alt_by_op[i] for step i (g->n of them). 0 when nothing is
 * collected automatically.
 */
double pmt_gen0_run(const struct pmt_gen0_prog *g, const double *alt_by_op);
void pmt_gen0_prog_free(struct pmt_gen0_prog *g);

/*
 * Young-generation objects one instance's life adds and removes: the
 * instance if its type is a GC type, plus what it alone holds (its
 * __dict__ where that is a separate object, containers in its
 * attributes), estimated from the counter's steps between consecutive
 * destructions of instances of the class (each such step is what one
 * destruction freed): the mean of the steps after dropping the lowest and
 * highest tenth. @steps are the counter's decreases (positive numbers).
 * Returns the weight, or @fallback when fewer than 8 steps are given.
 */
double pmt_gen0_weight(const double *steps, size_t n, double fallback);
/*
 * The same from a histogram: @hist[i] steps of i objects, the last bin
 * (@nbins - 1) holding steps of that many or more, taken as that many.
 */
double pmt_gen0_weight_hist(const uint64_t *hist, size_t nbins, double fallback);

/* ---- savings and ranking ------------------------------------------------------ */

/* What a pool of one class would have avoided over a stretch of run. */
struct pmt_pool_savings_in {
	double seconds;          /* run time the counts cover (> 0) */
	uint64_t creations;      /* short-lived creations a pool would serve */
	uint64_t overflow;       /* of which a pool of the recommended size misses */
	uint64_t destructions;   /* destructions of short-lived instances */
	uint64_t instance_bytes; /* the allocator's block per instance */
	double gen0_seen;        /* collection equivalents over @seconds, as run */
	double gen0_alt;         /* with the class pooled */
	double ns_per_collection; /* what one young collection costs (measured) */
	double ns_per_alloc;     /* what one allocation and its free cost */
};

struct pmt_pool_savings {
	double allocs_per_s;    /* allocations avoided per second */
	double frees_per_s;     /* frees avoided per second */
	double bytes_per_s;     /* bytes no longer churned through the allocator */
	double gen0_per_s;      /* generation-0 collections avoided per second */
	double gen0_seen_per_s; /* generation-0 collections per second, as run */
	double time_ns_per_s;   /* estimated time saved per second of run */
};

/*
 * Allocations avoided = creations - overflow; frees avoided =
 * destructions minus the same overflow (at least 0); bytes = allocations
 * avoided x instance bytes; collections avoided = seen - alternative (at
 * least 0); time saved = collections avoided x ns_per_collection +
 * allocations avoided x ns_per_alloc. All per second of @in->seconds.
 * Returns 0, or -EINVAL for seconds <= 0.
 */
int pmt_pool_savings(const struct pmt_pool_savings_in *in, struct pmt_pool_savings *out);

/* A candidate for the cross-class table. */
struct pmt_pool_rank_item {
	uint64_t id;           /* the caller's */
	double time_ns_per_s;  /* pmt_pool_savings().time_ns_per_s */
	double gen0_per_s;
	double allocs_per_s;
};

/*
 * Sort @v (n items) by savings: time saved, then collections avoided, then
 * allocations avoided, all descending, then id ascending (a stable,
 * reproducible order).
 */
void pmt_pool_rank(struct pmt_pool_rank_item *v, size_t n);

/*
 * The first id among the @n_new first of @now that is not among the
 * @n_old first of @before: a class that entered the top of the ranking.
 * Returns its index in @now, or -1 when none did.
 */
long pmt_pool_rank_entered(const uint64_t *before, size_t n_old, const uint64_t *now,
			   size_t n_new);

/*
 * Is a pool worth recommending? A transient or short-lived class whose
 * pool would avoid at least PMT_POOL_MIN_ALLOCS_PER_S allocations or
 * PMT_POOL_MIN_GEN0_PER_S collections a second.
 */
#define PMT_POOL_MIN_ALLOCS_PER_S 600.0 /* ten a frame at 60 fps */
#define PMT_POOL_MIN_GEN0_PER_S 0.1
bool pmt_pool_worth(enum pmt_pool_kind k, const struct pmt_pool_savings *s);

/* ---- bytes per instance ---------------------------------------------------------- */

/*
 * The block the allocator hands out for a request of @request bytes:
 * pymalloc (@pymalloc, requests up to 512 bytes) rounds up to 16 bytes;
 * larger requests, or all with PYTHONMALLOC=malloc, go to glibc's malloc,
 * whose chunk is the request plus its 8-byte header rounded up to 16, at
 * least 32.
 */
uint64_t pmt_pool_block_bytes(uint64_t request, bool pymalloc);

#endif
