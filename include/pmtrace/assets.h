/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * assets.h - the game's assets (surfaces, textures, sounds, music, fonts,
 * rendered text) from load to free, and the analyses over them: heatmap by
 * type, top assets, leaking load sites, duplicate loads, per-frame churn.
 *
 * Pure C: the store is fed asset events (already decoded from the backend's
 * records: an object address, what happened to it, sizes, interned ids for
 * its file and load site) and frame boundaries; it never does I/O.
 * Strings (paths, sites) are interned by the caller; the store keeps ids.
 */
#ifndef PMTRACE_ASSETS_H
#define PMTRACE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pmt_asset_type {
	PMT_ASSET_SURFACE = 0, /* SDL surfaces: images, render targets */
	PMT_ASSET_TEXT,        /* surfaces rendered from text (SDL_ttf) */
	PMT_ASSET_TEXTURE,     /* SDL renderer textures (GPU) */
	PMT_ASSET_AUDIO,       /* SDL_mixer chunks (decoded samples) */
	PMT_ASSET_MUSIC,       /* SDL_mixer music (streamed from its file) */
	PMT_ASSET_FONT,        /* SDL_ttf fonts */
	PMT_ASSET_GPU_BUFFER,  /* GL buffers */
	PMT_ASSET_TYPES,
};

/* "surface", "text", "texture", "audio", "music", "font", "gpu_buffer"; "unknown" otherwise. */
const char *pmt_asset_type_name(enum pmt_asset_type t);

#define PMT_NO_ID 0u /* no path, no site */

/* One creation, as decoded from the backend. */
struct pmt_asset_load {
	uint64_t obj;       /* the object's address in the target (the key) */
	uint64_t bytes;     /* memory it holds (0 when unknown) */
	uint64_t ts_ns;
	uint64_t frame;     /* frame during which it was created */
	uint32_t type;      /* enum pmt_asset_type */
	uint32_t path_id;   /* interned source file, or PMT_NO_ID */
	uint32_t site_id;   /* interned load site (Python code or loader), or PMT_NO_ID */
	uint32_t loader_id; /* interned function that created it (e.g. IMG_Load_RW) */
	uint32_t width, height;
	uint32_t flags;     /* PMT_ASSET_F_* */
};

/*
 * Found alive in a heap snapshot taken at attach (loaded before it): not a
 * load since attach (not in `loads`, never churn), but live, sized and
 * freed like any other.
 */
#define PMT_ASSET_F_BEFORE_ATTACH 0x1u

struct pmt_asset {
	struct pmt_asset_load l;
	uint64_t uses;      /* use count (blits, render copies) when tracked */
	uint64_t last_use_frame;
};

/*
 * Per load site: how many assets it has live now and the live count at the
 * end of each of the last PMT_LEAK_WINDOW report intervals.
 */
#define PMT_LEAK_WINDOW 4
struct pmt_site_stats {
	uint32_t site_id;
	uint32_t type;        /* type of the assets it loaded last */
	uint64_t loads, frees;
	uint64_t live, live_bytes;
	uint64_t live_history[PMT_LEAK_WINDOW]; /* oldest first */
	uint32_t history_len;
};

struct pmt_type_stats {
	uint64_t live, live_bytes;      /* now */
	uint64_t peak_bytes;
	uint64_t loads, frees;          /* since attach */
	uint64_t frame_loads, frame_frees;             /* in the current frame */
	uint64_t frame_churn, frame_churn_bytes;       /* short-lived, freed in it */
	uint64_t churn_frames;          /* frames with any churn of this type */
	uint64_t churn_total, churn_total_bytes;
};

struct pmt_asset_store;

/*
 * Churn: assets freed at most this many frame boundaries after they were
 * created. 1 catches the common case of text rendered anew every frame,
 * whose previous surface is dropped when the next one replaces it.
 */
#define PMT_CHURN_FRAMES 1

/*
 * The store's allocator: @ptr resized to @size bytes (a new block when @ptr
 * is NULL), or NULL with @ptr untouched on failure; @size 0 frees @ptr and
 * returns NULL. Tests pass one that fails each allocation in turn.
 */
typedef void *(*pmt_asset_realloc_fn)(void *ctx, void *ptr, size_t size);

struct pmt_asset_config {
	size_t max_assets;        /* live assets tracked at most (default 200000) */
	uint32_t leak_intervals;  /* intervals of growth that make a leak (3), 1..PMT_LEAK_WINDOW */
	uint64_t leak_min_live;   /* a leaking site has at least this many live (5) */
	pmt_asset_realloc_fn realloc_fn; /* NULL (default): realloc() and free() */
	void *alloc_ctx;          /* passed to realloc_fn */
};

void pmt_asset_config_default(struct pmt_asset_config *cfg);

/*
 * Create a store; NULL with errno EINVAL (max_assets 0 or above UINT32_MAX,
 * leak_intervals outside 1..PMT_LEAK_WINDOW) or ENOMEM. Memory grows with
 * the live assets, sites and paths; pmt_asset_store_free() accepts NULL.
 */
struct pmt_asset_store *pmt_asset_store_new(const struct pmt_asset_config *cfg);
void pmt_asset_store_free(struct pmt_asset_store *st);

/*
 * Record a creation. An object already live at that address is updated
 * instead (an outer loader such as IMG_Load returning the surface an inner
 * SDL call created: the outer one knows the file and the better type).
 * Returns 0, or -ENOSPC when max_assets are live (counted in dropped()),
 * -EINVAL for object 0 or a type out of range, -ENOMEM (store unchanged).
 * Sites and paths PMT_NO_ID are not aggregated.
 */
int pmt_asset_loaded(struct pmt_asset_store *st, const struct pmt_asset_load *l);

/*
 * Record a free of @obj during @frame. Returns 0, or -ENOENT for an object
 * not tracked (loaded before attach, or not an asset): counted in
 * unknown_frees(), never an error for the caller.
 */
int pmt_asset_freed(struct pmt_asset_store *st, uint64_t obj, uint64_t frame, uint64_t ts_ns);

/* Copy up to @n live assets (any order) into @out; returns how many. */
size_t pmt_asset_live_list(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n);

/* The live asset at @obj, or NULL; valid until the store changes. */
const struct pmt_asset *pmt_asset_get(const struct pmt_asset_store *st, uint64_t obj);

/*
 * Record a use (blit source, render copy) of @obj during @frame by the code
 * at @site_id (interned "function (file:line)", or PMT_NO_ID: unknown).
 * Returns 0, -ENOENT for an object not tracked (ignored: nothing counted),
 * -EINVAL for object 0, or -ENOMEM (store unchanged).
 */
int pmt_asset_used(struct pmt_asset_store *st, uint64_t obj, uint64_t frame, uint32_t site_id);

/* A frame ended: fold the frame's churn into the totals, reset frame counters. */
void pmt_asset_frame_end(struct pmt_asset_store *st, uint64_t frame);

/* A report interval ended: push every site's live count into its history. */
void pmt_asset_interval_end(struct pmt_asset_store *st);

const struct pmt_type_stats *pmt_asset_type_stats(const struct pmt_asset_store *st,
						  enum pmt_asset_type t);
uint64_t pmt_asset_live_count(const struct pmt_asset_store *st);
uint64_t pmt_asset_dropped(const struct pmt_asset_store *st);
uint64_t pmt_asset_unknown_frees(const struct pmt_asset_store *st);

/* The stats of load site @site_id, or NULL when it never loaded a live-tracked asset. */
const struct pmt_site_stats *pmt_asset_site_stats(const struct pmt_asset_store *st,
						  uint32_t site_id);

/*
 * The @n largest live assets by bytes (ties: older first, by ts_ns, then
 * lower address) into @out, largest first; returns count.
 */
size_t pmt_asset_top(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n);

/*
 * Leaking sites: live count strictly rising over the last leak_intervals
 * intervals and now at least leak_min_live. Largest live_bytes first
 * (ties: lower site_id). Returns count, at most @n.
 */
size_t pmt_asset_leaks(const struct pmt_asset_store *st, struct pmt_site_stats *out, size_t n);

struct pmt_duplicate {
	uint32_t path_id;
	uint32_t type;
	uint64_t copies;      /* live assets loaded from this file */
	uint64_t bytes;       /* their total bytes */
	uint64_t wasted_bytes; /* bytes beyond one average copy: bytes - bytes / copies */
};

/*
 * Files loaded and held more than once (largest waste first, ties: lower
 * path_id); type is the type of the copy that was live first. Returns count,
 * at most @n.
 */
size_t pmt_asset_duplicates(const struct pmt_asset_store *st, struct pmt_duplicate *out,
			    size_t n);

/*
 * Use sites. Each live asset counts its uses by site exactly for its first
 * PMT_USE_SITES_KEPT distinct sites; uses from further sites, or without a
 * site, are its "other" uses. Memory: nothing for assets never used, about
 * 110 bytes for each asset used.
 */
#define PMT_USE_SITES_KEPT 8
#define PMT_USE_SITES 4 /* reported per asset */

struct pmt_use_site {
	uint32_t site_id;
	uint64_t uses;
};

/*
 * The use sites of live asset @obj, most uses first (ties: lower site_id),
 * up to @n into @out; *@other (may be NULL) gets the asset's uses not listed
 * there (sites beyond @n or beyond the kept ones, uses without a site).
 * Returns count; 0 with *@other 0 for an unknown or never used asset.
 */
size_t pmt_asset_use_sites(const struct pmt_asset_store *st, uint64_t obj,
			   struct pmt_use_site *out, size_t n, uint64_t *other);

/*
 * Per use site, across assets: the game's systems by what they draw.
 * live_assets and live_bytes count the live assets this site has used
 * (each once), among those whose kept sites include it.
 */
struct pmt_use_site_stats {
	uint32_t site_id;
	uint64_t uses;                       /* since attach */
	uint64_t live_assets, live_bytes;
	uint64_t type_uses[PMT_ASSET_TYPES]; /* uses by the used asset's type */
};

/*
 * The @n use sites with the most uses into @out (ties: lower site_id);
 * returns count.
 */
size_t pmt_asset_top_use_sites(const struct pmt_asset_store *st, struct pmt_use_site_stats *out,
			       size_t n);

/*
 * Live assets never used since load (only meaningful when use is tracked),
 * oldest first (by ts_ns, then lower address). Returns count, at most @n.
 */
size_t pmt_asset_orphans(const struct pmt_asset_store *st, struct pmt_asset *out, size_t n);

#endif /* PMTRACE_ASSETS_H */
