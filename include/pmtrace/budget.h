/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * budget.h - memory budgets: a tree of named limits a game developer sets
 * on parts of the game's memory ("graphics may use 256 MiB of the game's
 * 512 MiB"), read from an INI budget file or built from a platform profile,
 * and a tracker that reports when a budget starts to approach its limit,
 * exceeds it, or comes back, once per change rather than every frame.
 *
 * Pure C: the caller reads the file into a string, measures memory into a
 * struct pmt_budget_sample and passes frame numbers and times; nothing here
 * does I/O, reads a clock, prints or keeps globals. The file format is
 * documented in scripts/budgets.example.ini.
 *
 * Usage of a budget: the memory of the categories and asset globs of its
 * whole subtree (itself and every budget below it), each counted once.
 * When no two budgets of a subtree name the same memory, that is simply
 * its own categories plus the sum of its children's usage; when they do
 * (a parent and a child both listing "textures"), the shared memory is not
 * counted twice. rss is the whole resident process and already holds the
 * CPU-side categories (PMT_BUDGET_CATS_IN_RSS): in a subtree that counts
 * rss they are not added again, so "rss" at the root with "surfaces" and
 * "audio" below means RSS plus the GPU-side textures and gpu_buffers.
 */
#ifndef PMTRACE_BUDGET_H
#define PMTRACE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/category.h"
#include "pmtrace/evict.h"

/* ---- categories ---------------------------------------------------------- */

/* Bit of category @c (enum pmt_category) in a category mask. */
#define PMT_BUDGET_CAT(c) (1u << (c))
#define PMT_BUDGET_CATS_ALL ((1u << PMT_CAT_COUNT) - 1u)
/*
 * The categories resident in the process, hence inside rss: the Python and
 * native heaps and the CPU-side assets. textures and gpu_buffers live in
 * GPU memory (driver-managed) and are not in rss.
 */
#define PMT_BUDGET_CATS_IN_RSS                                                            \
	(PMT_BUDGET_CAT(PMT_CAT_PYTHON_HEAP) | PMT_BUDGET_CAT(PMT_CAT_NATIVE_HEAP) |       \
	 PMT_BUDGET_CAT(PMT_CAT_SURFACES) | PMT_BUDGET_CAT(PMT_CAT_TEXT) |                 \
	 PMT_BUDGET_CAT(PMT_CAT_AUDIO) | PMT_BUDGET_CAT(PMT_CAT_MUSIC) |                   \
	 PMT_BUDGET_CAT(PMT_CAT_FONTS))

/*
 * The category that holds assets of @asset_type (enum pmt_asset_type):
 * surface -> surfaces, text -> text, texture -> textures, audio -> audio,
 * music -> music, font -> fonts, gpu_buffer -> gpu_buffers. Returns the
 * enum pmt_category value, or -EINVAL for a type out of range.
 */
int pmt_budget_cat_of_asset(uint32_t asset_type);

/*
 * Whether asset file @path matches @glob (fnmatch(3) syntax, no flags: '*'
 * also matches '/'). A glob starting with '/' must match the whole path; any
 * other glob matches the whole path or any tail of it that starts after a
 * '/', so "sounds/jump*.ogg" matches both "sounds/jump2.ogg" and
 * "/home/me/game/sounds/jump.ogg", but not "/game/oldsounds/jump.ogg".
 * False for NULL.
 */
bool pmt_budget_path_match(const char *glob, const char *path);

/* ---- sizes --------------------------------------------------------------- */

/*
 * Parse a size such as "512MiB", "1.5 GiB", "1000KB" or "7B" into @out:
 * a non-negative decimal number (digits, optionally a '.' and more digits),
 * optional spaces, then a unit, case-insensitive: B; KB, MB, GB, TB (powers
 * of 1000); KiB, MiB, GiB, TiB (powers of 1024). The result is rounded to
 * the nearest byte. Returns 0, -EINVAL (no number, a sign, no or an unknown
 * unit, trailing text) or -ERANGE (above UINT64_MAX); @out is untouched on
 * error.
 */
int pmt_budget_parse_size(const char *s, uint64_t *out);

/*
 * Write @bytes to @buf for people: the largest binary unit that keeps the
 * number at least 1, with up to two decimals and trailing zeros dropped
 * ("256 MiB", "1.5 GiB", "976.56 KiB", "7 B"). Returns snprintf's count.
 */
int pmt_budget_format_size(uint64_t bytes, char *buf, size_t len);

/* ---- the budget set ------------------------------------------------------ */

/*
 * The set's allocator: @ptr resized to @size bytes (a new block when @ptr
 * is NULL), or NULL with @ptr untouched on failure; @size 0 frees @ptr and
 * returns NULL. Tests pass one that fails each allocation in turn.
 */
typedef void *(*pmt_budget_realloc_fn)(void *ctx, void *ptr, size_t size);

struct pmt_budget;          /* one budget, private to budget.c */
struct pmt_budget_priority; /* one [priorities] rule, private */

/*
 * A set of budgets forming a forest (usually one tree), owned by the
 * caller. The fields are private: use the functions below. Budgets keep the
 * index they were defined with (file order, then pmt_budgets_add() order);
 * an index is valid while 0 <= idx < pmt_budgets_count().
 */
struct pmt_budgets {
	struct pmt_budget *items;
	size_t count;
	struct pmt_budget_priority *prios;
	size_t nprios;
	char **warnings;
	size_t nwarnings;
	struct pmt_evict_weights hybrid;
	unsigned int hysteresis_pct;
	pmt_budget_realloc_fn realloc_fn;
	void *alloc_ctx;
};

#define PMT_BUDGET_WARN_DEFAULT 90u      /* percent of the limit */
#define PMT_BUDGET_HYSTERESIS_DEFAULT 2u /* percentage points, see pmt_budgets_check() */

/*
 * Make @b an empty set: no budgets or priorities, the default hybrid
 * weights (pmt_evict_weights_default()), hysteresis 2 points, realloc()
 * and free(). Every other function needs a set initialised by this; a
 * zero-filled struct is taken as initialised by parse, add and free.
 */
void pmt_budgets_init(struct pmt_budgets *b);

/*
 * Use @fn (with @ctx) for every allocation of @b from now on; NULL restores
 * realloc()/free(). Returns 0, or -EBUSY when @b already holds budgets,
 * priorities or warnings (they were allocated by the other allocator).
 */
int pmt_budgets_set_allocator(struct pmt_budgets *b, pmt_budget_realloc_fn fn, void *ctx);

/*
 * Set the hysteresis of pmt_budgets_check(), in percentage points of each
 * limit, 0..50. Returns 0 or -EINVAL.
 */
int pmt_budgets_set_hysteresis(struct pmt_budgets *b, unsigned int pct);

/*
 * Release everything @b holds and leave it empty as after
 * pmt_budgets_init() (same allocator and hysteresis). Accepts NULL and a
 * zero-filled struct.
 */
void pmt_budgets_free(struct pmt_budgets *b);

/*
 * pmt_budgets_parse - add the budgets of budget file @text to @out.
 * @text: the whole file, NUL-terminated (the caller reads it);
 * @filename: used in messages only (NULL: "<budgets>");
 * @out: an initialised set; budgets already in it (from a platform profile)
 * may be named as parents and their names may not be reused; its
 * [priorities] rules are added to, a [hybrid] section replaces its weights;
 * @err, @errlen: receive one message on failure, "FILE:LINE: reason"
 * (or "FILE: out of memory"); may be NULL/0.
 *
 * Errors, each with the line it is about: a line that is neither a
 * section, a "key = value" pair nor a comment, or longer than 198
 * characters; a key outside any section; an unknown or repeated key (only
 * categories may be repeated, each adding to the list); a bad size, percent
 * (1..100), category, eviction strategy, priority (an integer) or hybrid
 * weight; a budget without a limit (its section line), a budget name
 * defined twice (the second section line), empty or containing '/'; a
 * parent that names no budget (the parent line); parents forming a cycle
 * (the parent line of the cycle's first budget in the file). Lines are
 * checked first, in order, then each budget in order, then cycles.
 *
 * Returns 0, -EINVAL with @err filled and @out unchanged, or -ENOMEM with
 * @out unchanged. On success, the load warnings (pmt_budgets_warning())
 * are recomputed: a budget whose children's limits add up to more than
 * its own limit is legal (not every part peaks at once) but reported.
 */
int pmt_budgets_parse(const char *text, const char *filename, struct pmt_budgets *out,
		      char *err, size_t errlen);

/*
 * pmt_budgets_add - add budget @name below @parent (NULL: a root), e.g.
 * from a platform profile. @limit > 0; @warn_pct 1..100, or 0 for the
 * default 90; @category_mask: PMT_BUDGET_CAT() bits. The budget has no
 * asset globs, eviction or description. Returns 0, -EINVAL (bad name,
 * limit, percent or mask), -EEXIST (name taken), -ENOENT (no budget
 * @parent) or -ENOMEM, @b unchanged on error. Warnings are recomputed.
 */
int pmt_budgets_add(struct pmt_budgets *b, const char *name, const char *parent, uint64_t limit,
		    unsigned int warn_pct, uint32_t category_mask);

/* ---- accessors (idx out of range: NULL, 0, -1 or false) ------------------- */

/* Budgets in the set; their indices are 0..count-1. */
size_t pmt_budgets_count(const struct pmt_budgets *b);
/* Index of the budget called @name (exact match), or -ENOENT. */
int pmt_budgets_find(const struct pmt_budgets *b, const char *name);
/* Its name (the section name); strings stay valid until @b changes. */
const char *pmt_budget_name(const struct pmt_budgets *b, int idx);
/* Names from the root down joined with '/': "total_game/graphics". */
const char *pmt_budget_path(const struct pmt_budgets *b, int idx);
/* "FILE:LINE" of its section, or NULL for a budget from pmt_budgets_add(). */
const char *pmt_budget_origin(const struct pmt_budgets *b, int idx);
/* The description key's text, or NULL. */
const char *pmt_budget_description(const struct pmt_budgets *b, int idx);
/* Index of the parent, or -1 for a root. */
int pmt_budget_parent(const struct pmt_budgets *b, int idx);
/* Depth in the tree: 0 for a root. */
unsigned int pmt_budget_depth(const struct pmt_budgets *b, int idx);
/* Its limit in bytes (> 0). */
uint64_t pmt_budget_limit(const struct pmt_budgets *b, int idx);
/* Its warning threshold, percent of the limit (1..100, default 90). */
unsigned int pmt_budget_warn_pct(const struct pmt_budgets *b, int idx);
/* Its own categories (PMT_BUDGET_CAT() bits), not its subtree's. */
uint32_t pmt_budget_categories(const struct pmt_budgets *b, int idx);
/* Its own asset globs, the text after "assets:", in file order, duplicates dropped. */
size_t pmt_budget_glob_count(const struct pmt_budgets *b, int idx);
/* Glob @i of budget @idx, or NULL when i >= pmt_budget_glob_count(). */
const char *pmt_budget_glob(const struct pmt_budgets *b, int idx, size_t i);

#define PMT_BUDGET_NO_EVICTION (-1)
/* The eviction strategy (enum pmt_evict_strategy) or PMT_BUDGET_NO_EVICTION. */
int pmt_budget_eviction(const struct pmt_budgets *b, int idx);

/*
 * Load warnings, recomputed on every parse and add, one line each without
 * a newline, "ORIGIN: PATH: ..." (parsed) or "PATH: ..." (added):
 *  "...: its children's limits add up to 320 MiB (335544320 bytes), more
 *   than its own limit of 256 MiB (268435456 bytes)"
 *  "...: counts nothing (no categories, in it or below it)"
 * pmt_budgets_warning() returns NULL when i >= the count.
 */
size_t pmt_budgets_warning_count(const struct pmt_budgets *b);
const char *pmt_budgets_warning(const struct pmt_budgets *b, size_t i);

/*
 * [priorities] rules in file order (several files: in parse order): the
 * asset glob (NULL when i >= count) and its integer priority (0 then).
 */
size_t pmt_budgets_priority_count(const struct pmt_budgets *b);
const char *pmt_budgets_priority_glob(const struct pmt_budgets *b, size_t i);
int32_t pmt_budgets_priority_value(const struct pmt_budgets *b, size_t i);
/*
 * The priority of asset @path: the value of the first rule (in file order)
 * whose glob matches it (pmt_budget_path_match()), stored in @prio; false
 * and @prio untouched when none matches.
 */
bool pmt_budgets_priority(const struct pmt_budgets *b, const char *path, int32_t *prio);

/*
 * The HYBRID eviction weights: from the [hybrid] section (weights it does
 * not name are 0), else the defaults of pmt_evict_weights_default().
 */
void pmt_budgets_hybrid(const struct pmt_budgets *b, struct pmt_evict_weights *out);

/* ---- usage and the tracker ----------------------------------------------- */

/*
 * One measurement of the game's memory. @asset_bytes returns the bytes of
 * the live assets whose path matches at least one of @n globs
 * (pmt_budget_path_match()) and whose category (pmt_budget_cat_of_asset())
 * is NOT in @counted: those are already in bytes[]. NULL counts asset globs
 * as 0. It is called at most once per budget per usage computation.
 */
struct pmt_budget_sample {
	uint64_t bytes[PMT_CAT_COUNT]; /* current bytes per enum pmt_category */
	uint64_t (*asset_bytes)(void *ctx, const char *const *globs, size_t n, uint32_t counted);
	void *ctx;
	/*
	 * Bytes charged to budgets directly, by index (@n_own entries; NULL:
	 * none): what the Python extension's register_asset(name, budget,
	 * size=) puts in a budget. A budget's usage adds those of every budget
	 * in its subtree, itself included.
	 */
	const uint64_t *own_bytes;
	size_t n_own;
};

/*
 * Usage of budget @idx in @s (see the top of this file), saturating at
 * UINT64_MAX; 0 for an index out of range.
 */
uint64_t pmt_budget_usage(const struct pmt_budgets *b, int idx, const struct pmt_budget_sample *s);

enum pmt_budget_state {
	PMT_BUDGET_OK = 0,   /* below the warning threshold */
	PMT_BUDGET_WARNING,  /* approaching: at least warn_pct of the limit */
	PMT_BUDGET_EXCEEDED, /* above the limit */
	PMT_BUDGET_STATES,
};

/* "ok", "warning", "exceeded"; "unknown" otherwise. */
const char *pmt_budget_state_name(enum pmt_budget_state s);

/* The state the tracker last reported for @idx (PMT_BUDGET_OK before any check). */
enum pmt_budget_state pmt_budget_state(const struct pmt_budgets *b, int idx);

/* One change of a budget's state. */
struct pmt_budget_event {
	uint64_t usage;
	uint64_t limit;
	uint64_t frame;            /* as passed to pmt_budgets_check() */
	uint64_t ts_ns;            /* as passed */
	const char *path;          /* the budget's path, valid until @b changes */
	int idx;                   /* the budget */
	uint32_t percent;          /* usage * 100 / limit, rounded down (saturating) */
	enum pmt_budget_state from, to;
};

/*
 * pmt_budgets_check - compute every budget's usage in @s and return the
 * state changes since the previous check, in budget index order, into
 * @out (at most @max); returns their number, or -EINVAL for a NULL @b or
 * @s, or a NULL @out with @max > 0. All budgets start OK.
 *
 * Going up: EXCEEDED when usage > limit, else WARNING when usage >=
 * warn_pct % of the limit. Going down needs the usage to fall h points
 * (the hysteresis, default 2) below the threshold it crossed, so memory
 * that jitters around a threshold is reported once: EXCEEDED is left when
 * usage <= (100 - h) % of the limit, WARNING when usage <= (warn_pct - h) %
 * (0 at least). A change may skip a state (OK -> EXCEEDED, EXCEEDED -> OK):
 * one event. When more than @max budgets change, the ones not reported keep
 * their old state, so the next check reports them.
 */
int pmt_budgets_check(struct pmt_budgets *b, const struct pmt_budget_sample *s, uint64_t frame,
		      uint64_t ts_ns, struct pmt_budget_event *out, size_t max);

/* Forget the tracked states: every budget OK again, as if never checked. */
void pmt_budgets_reset_states(struct pmt_budgets *b);

#endif /* PMTRACE_BUDGET_H */
