/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evict.h - eviction plans: when a memory budget is exceeded, which tracked
 * assets to release, in which order, and how many bytes that frees, until
 * usage is back under the limit; or why it cannot be (the evictable assets
 * do not hold enough).
 *
 * Pure C: the caller turns its live assets into candidates (priorities come
 * from the budget file's [priorities] globs), the plan sorts them in place
 * into eviction order and picks the shortest prefix that is enough. Every
 * order is total: each has documented tie-breaks ending on the object
 * address, so a plan is the same for the same candidates in any input order.
 */
#ifndef PMTRACE_EVICT_H
#define PMTRACE_EVICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/assets.h"

/*
 * Eviction orders, first released first. "Used at" is last_use_frame, or
 * load_frame for an asset never used (uses 0). Candidates of 0 bytes (size
 * unknown) come last in every order and are never planned: releasing them
 * frees nothing that can be counted.
 *  LRU      used at ascending; ties: load_frame asc, bytes desc, obj asc
 *  LFU      uses ascending; ties: load_frame asc, bytes desc, obj asc
 *  PRIORITY priority ascending (higher = keep longer);
 *           ties: bytes desc, load_frame asc, obj asc
 *  SIZE     bytes descending; ties: load_frame asc, obj asc
 *  AGE      load_frame ascending; ties: bytes desc, obj asc
 *  HYBRID   score descending (see struct pmt_evict_weights);
 *           ties: bytes desc, load_frame asc, obj asc
 */
enum pmt_evict_strategy {
	PMT_EVICT_LRU = 0,
	PMT_EVICT_LFU,
	PMT_EVICT_PRIORITY,
	PMT_EVICT_SIZE,
	PMT_EVICT_AGE,
	PMT_EVICT_HYBRID,
	PMT_EVICT_STRATEGIES,
};

/* "lru", "lfu", "priority", "size", "age", "hybrid"; "unknown" otherwise. */
const char *pmt_evict_strategy_name(enum pmt_evict_strategy s);

/*
 * Parse a strategy name (as above, case-insensitive) into @out. Returns 0,
 * or -EINVAL for NULL or an unknown name (@out untouched).
 */
int pmt_evict_strategy_parse(const char *name, enum pmt_evict_strategy *out);

/*
 * One evictable asset, built by the caller from a live asset. obj must be
 * unique within a candidate set (it is the final tie-break).
 */
struct pmt_evict_candidate {
	uint64_t obj;            /* the object's address in the target */
	uint64_t bytes;          /* memory it holds; 0 = unknown, never planned */
	uint64_t load_frame;     /* frame it was created in */
	uint64_t last_use_frame; /* frame of its last use; ignored when uses is 0 */
	uint64_t uses;           /* use count (when use is tracked) */
	double score;            /* out: HYBRID's score in [0,1], else 0 */
	int32_t priority;        /* from the [priorities] globs, default 0 */
	uint32_t path_id;        /* interned source file, or PMT_NO_ID */
	uint32_t site_id;        /* interned load site, or PMT_NO_ID */
	uint32_t type;           /* enum pmt_asset_type */
};

/*
 * Candidate for live asset @a with @priority: the fields above copied from
 * it, score 0. @a and @c must not be NULL.
 */
void pmt_evict_candidate_from_asset(struct pmt_evict_candidate *c, const struct pmt_asset *a,
				    int32_t priority);

/*
 * HYBRID's weights. Each factor is normalised to [0,1] over the candidates
 * that hold bytes (min-max: the one most worth evicting by that factor gets
 * 1, the least 0, and all get 0 when they are equal), and
 *   score = (lru*f_lru + lfu*f_lfu + size*f_size + age*f_age
 *            + priority*f_priority) / (lru + lfu + size + age + priority)
 * so scores are in [0,1] whatever the weights' scale; higher goes first.
 *  f_lru      frames idle: now_frame - used at
 *  f_lfu      fewer uses
 *  f_size     more bytes
 *  f_age      frames since load: now_frame - load_frame
 *  f_priority lower priority
 * Frames after now_frame (events racing the snapshot) count as now_frame.
 * Weights must be finite, at least 0, and not all 0.
 */
struct pmt_evict_weights {
	double lru, lfu, size, age, priority;
};

/* The default weights: lru 0.4, lfu 0.2, size 0.2, age 0.1, priority 0.1. */
void pmt_evict_weights_default(struct pmt_evict_weights *w);

enum pmt_evict_status {
	PMT_EVICT_UNDER_LIMIT = 0, /* usage <= limit already: nothing to release */
	PMT_EVICT_ENOUGH,          /* the planned releases bring usage to the limit */
	PMT_EVICT_NOT_ENOUGH,      /* releasing every evictable asset is not enough */
	PMT_EVICT_STATUSES,
};

/*
 * "under the limit", "back under the limit", "not enough evictable
 * assets"; "unknown" otherwise.
 */
const char *pmt_evict_status_text(enum pmt_evict_status st);

struct pmt_evict_plan {
	uint64_t usage, limit;  /* as given */
	uint64_t bytes_needed;  /* usage - limit, 0 when under */
	uint64_t bytes_freed;   /* by the planned releases (saturating) */
	uint64_t usage_after;   /* usage - bytes_freed, at least 0 */
	uint64_t shortfall;     /* usage_after - limit when not enough, else 0 */
	size_t count;           /* release cands[0..count-1], in that order */
	size_t evictable;       /* candidates holding bytes: the most a plan releases */
	enum pmt_evict_strategy strategy; /* the order used: AGE after a fallback */
	enum pmt_evict_status status;
	bool enough;            /* usage_after <= limit */
	bool use_ignored;       /* use not tracked: LRU/LFU ran as AGE, HYBRID's
				 * lru and lfu weights were added to age */
};

/*
 * pmt_evict_plan - plan releases that bring @usage down to @limit.
 * @s: the order; @w: HYBRID's weights (NULL: the defaults; ignored by the
 * other strategies); @cands, @n: the candidates, sorted in place into
 * eviction order (always, even when under the limit, so a report can show
 * what would go first), HYBRID's scores left in their score fields;
 * @now_frame: the current frame (HYBRID's idle time and age);
 * @use_tracked: whether uses and last_use_frame mean anything; when false,
 * LRU and LFU fall back to AGE, HYBRID moves its lru and lfu weights onto
 * age, and @out says so in use_ignored.
 *
 * The plan is the shortest prefix of the order with usage - freed <= limit
 * (status ENOUGH), or every candidate holding bytes when even that is not
 * enough (status NOT_ENOUGH, enough false, shortfall > 0). When usage <=
 * limit, count is 0 and status UNDER_LIMIT.
 *
 * Returns 0, or -EINVAL (@cands and @out untouched) for a NULL @out, NULL
 * @cands with @n > 0, an unknown strategy, or invalid HYBRID weights.
 */
int pmt_evict_plan(enum pmt_evict_strategy s, const struct pmt_evict_weights *w,
		   struct pmt_evict_candidate *cands, size_t n, uint64_t usage, uint64_t limit,
		   uint64_t now_frame, bool use_tracked, struct pmt_evict_plan *out);

#endif /* PMTRACE_EVICT_H */
