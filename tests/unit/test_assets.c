// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_assets.c - unit tests of the asset store: type, site and path
 * aggregates through loads, updates and frees; per-frame churn; unknown
 * frees; the max_assets limit; leak detection over interval histories;
 * duplicates, top assets and orphans with their orderings; use sites per
 * asset and per site; a random sequence checked against a naive model;
 * and every allocation failed in turn. Events are hand-made, as the backend would decode them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/assets.h"
#include "suites.h"

#define MS UINT64_C(1000000)

static struct pmt_asset_store *new_store(size_t max_assets)
{
	struct pmt_asset_config cfg;
	struct pmt_asset_store *st;

	pmt_asset_config_default(&cfg);
	if (max_assets)
		cfg.max_assets = max_assets;
	st = pmt_asset_store_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

/* A creation of @obj of @type and @bytes in @frame, at a time derived from the frame. */
static struct pmt_asset_load mkload(uint64_t obj, uint32_t type, uint64_t bytes, uint64_t frame,
				    uint32_t path, uint32_t site)
{
	struct pmt_asset_load l;

	memset(&l, 0, sizeof(l));
	l.obj = obj;
	l.type = type;
	l.bytes = bytes;
	l.frame = frame;
	l.ts_ns = frame * 16 * MS + obj % 1000;
	l.path_id = path;
	l.site_id = site;
	l.loader_id = 1;
	return l;
}

static void load(struct pmt_asset_store *st, uint64_t obj, uint32_t type, uint64_t bytes,
		 uint64_t frame, uint32_t path, uint32_t site)
{
	struct pmt_asset_load l = mkload(obj, type, bytes, frame, path, site);

	CU_ASSERT_EQUAL_FATAL(pmt_asset_loaded(st, &l), 0);
}

static const struct pmt_type_stats *tstats(struct pmt_asset_store *st, enum pmt_asset_type t)
{
	const struct pmt_type_stats *ts = pmt_asset_type_stats(st, t);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	return ts;
}

static const struct pmt_site_stats *sstats(struct pmt_asset_store *st, uint32_t site)
{
	const struct pmt_site_stats *s = pmt_asset_site_stats(st, site);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

static void test_type_names(void)
{
	static const char *const want[PMT_ASSET_TYPES] = {
		"surface", "text", "texture", "audio", "music", "font", "gpu_buffer",
	};
	int t;

	for (t = 0; t < PMT_ASSET_TYPES; t++)
		CU_ASSERT_STRING_EQUAL(pmt_asset_type_name((enum pmt_asset_type)t), want[t]);
	CU_ASSERT_STRING_EQUAL(pmt_asset_type_name(PMT_ASSET_TYPES), "unknown");
	CU_ASSERT_STRING_EQUAL(pmt_asset_type_name((enum pmt_asset_type)-1), "unknown");
}

static void test_config(void)
{
	struct pmt_asset_config cfg;
	struct pmt_asset_store *st;

	pmt_asset_config_default(&cfg);
	CU_ASSERT_EQUAL(cfg.max_assets, 200000);
	CU_ASSERT_EQUAL(cfg.leak_intervals, 3);
	CU_ASSERT_EQUAL(cfg.leak_min_live, 5);
	CU_ASSERT_PTR_NULL(cfg.realloc_fn);

	cfg.max_assets = 0;
	errno = 0;
	CU_ASSERT_PTR_NULL(pmt_asset_store_new(&cfg));
	CU_ASSERT_EQUAL(errno, EINVAL);
	pmt_asset_config_default(&cfg);
	cfg.leak_intervals = 0;
	CU_ASSERT_PTR_NULL(pmt_asset_store_new(&cfg));
	cfg.leak_intervals = PMT_LEAK_WINDOW + 1;
	CU_ASSERT_PTR_NULL(pmt_asset_store_new(&cfg));
	cfg.leak_intervals = PMT_LEAK_WINDOW;
	st = pmt_asset_store_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL(st);
	CU_ASSERT_PTR_NULL(pmt_asset_type_stats(st, PMT_ASSET_TYPES));
	CU_ASSERT_PTR_NULL(pmt_asset_site_stats(st, PMT_NO_ID));
	CU_ASSERT_PTR_NULL(pmt_asset_site_stats(st, 5));
	pmt_asset_store_free(st);
	pmt_asset_store_free(NULL);
}

static void test_load_free(void)
{
	struct pmt_asset_store *st = new_store(0);
	const struct pmt_type_stats *surf, *aud;
	const struct pmt_site_stats *s;

	load(st, 0x1000, PMT_ASSET_SURFACE, 4000, 1, 10, 100);
	load(st, 0x2000, PMT_ASSET_SURFACE, 6000, 1, 11, 100);
	load(st, 0x3000, PMT_ASSET_AUDIO, 90000, 1, 12, 200);
	load(st, 0x4000, PMT_ASSET_SURFACE, 500, 1, PMT_NO_ID, PMT_NO_ID);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 4);

	surf = tstats(st, PMT_ASSET_SURFACE);
	CU_ASSERT_EQUAL(surf->live, 3);
	CU_ASSERT_EQUAL(surf->live_bytes, 10500);
	CU_ASSERT_EQUAL(surf->peak_bytes, 10500);
	CU_ASSERT_EQUAL(surf->loads, 3);
	CU_ASSERT_EQUAL(surf->frame_loads, 3);
	aud = tstats(st, PMT_ASSET_AUDIO);
	CU_ASSERT_EQUAL(aud->live, 1);
	CU_ASSERT_EQUAL(aud->live_bytes, 90000);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_TEXTURE)->loads, 0);

	s = sstats(st, 100);
	CU_ASSERT_EQUAL(s->site_id, 100);
	CU_ASSERT_EQUAL(s->type, PMT_ASSET_SURFACE);
	CU_ASSERT_EQUAL(s->loads, 2);
	CU_ASSERT_EQUAL(s->live, 2);
	CU_ASSERT_EQUAL(s->live_bytes, 10000);
	CU_ASSERT_EQUAL(sstats(st, 200)->type, PMT_ASSET_AUDIO);
	CU_ASSERT_PTR_NULL(pmt_asset_site_stats(st, PMT_NO_ID));

	pmt_asset_frame_end(st, 1);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x2000, 2, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x4000, 2, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 2);
	CU_ASSERT_EQUAL(surf->live, 1);
	CU_ASSERT_EQUAL(surf->live_bytes, 4000);
	CU_ASSERT_EQUAL(surf->peak_bytes, 10500);
	CU_ASSERT_EQUAL(surf->frees, 2);
	CU_ASSERT_EQUAL(surf->frame_frees, 2);
	CU_ASSERT_EQUAL(surf->frame_loads, 0);
	CU_ASSERT_EQUAL(surf->frame_churn, 2); /* loaded in frame 1, freed in 2 */
	CU_ASSERT_EQUAL(surf->frame_churn_bytes, 6500);
	s = sstats(st, 100);
	CU_ASSERT_EQUAL(s->loads, 2);
	CU_ASSERT_EQUAL(s->frees, 1);
	CU_ASSERT_EQUAL(s->live, 1);
	CU_ASSERT_EQUAL(s->live_bytes, 4000);

	/* The remaining ones are still found after the slot moves. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x3000, 2, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x1000, 2, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 0);
	CU_ASSERT_EQUAL(surf->live_bytes, 0);
	CU_ASSERT_EQUAL(aud->live_bytes, 0);
	CU_ASSERT_EQUAL(aud->peak_bytes, 90000);
	CU_ASSERT_EQUAL(pmt_asset_unknown_frees(st), 0);
	pmt_asset_store_free(st);
}

static void test_invalid_load(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_asset_load l = mkload(0, PMT_ASSET_SURFACE, 10, 1, 1, 1);

	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), -EINVAL);
	l = mkload(0x10, PMT_ASSET_TYPES, 10, 1, 1, 1);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), -EINVAL);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 0);
	CU_ASSERT_EQUAL(pmt_asset_dropped(st), 0);
	CU_ASSERT_PTR_NULL(pmt_asset_site_stats(st, 1));
	pmt_asset_store_free(st);
}

static void test_churn(void)
{
	struct pmt_asset_store *st = new_store(0);
	const struct pmt_type_stats *t = tstats(st, PMT_ASSET_TEXT);
	const struct pmt_type_stats *tex = tstats(st, PMT_ASSET_TEXTURE);

	/* Frame 10: two text surfaces, one freed in the frame. */
	load(st, 0xa0, PMT_ASSET_TEXT, 300, 10, PMT_NO_ID, 7);
	load(st, 0xb0, PMT_ASSET_TEXT, 500, 10, PMT_NO_ID, 7);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xa0, 10, 0), 0);
	CU_ASSERT_EQUAL(t->frame_loads, 2);
	CU_ASSERT_EQUAL(t->frame_frees, 1);
	CU_ASSERT_EQUAL(t->frame_churn, 1);
	CU_ASSERT_EQUAL(t->frame_churn_bytes, 300);
	CU_ASSERT_EQUAL(t->churn_total, 0);
	pmt_asset_frame_end(st, 10);
	CU_ASSERT_EQUAL(t->churn_frames, 1);
	CU_ASSERT_EQUAL(t->churn_total, 1);
	CU_ASSERT_EQUAL(t->churn_total_bytes, 300);
	CU_ASSERT_EQUAL(t->frame_loads, 0);
	CU_ASSERT_EQUAL(t->frame_frees, 0);
	CU_ASSERT_EQUAL(t->frame_churn, 0);
	CU_ASSERT_EQUAL(t->frame_churn_bytes, 0);
	CU_ASSERT_EQUAL(tex->churn_frames, 0);

	/* Frame 11: the one from frame 10 freed: churn too (one boundary). */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xb0, 11, 0), 0);
	CU_ASSERT_EQUAL(t->frame_frees, 1);
	CU_ASSERT_EQUAL(t->frame_churn, 1);
	CU_ASSERT_EQUAL(t->frame_churn_bytes, 500);
	/* One from frame 9 freed now, two boundaries later: not churn. */
	load(st, 0x90, PMT_ASSET_TEXT, 700, 9, PMT_NO_ID, 7);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x90, 11, 0), 0);
	CU_ASSERT_EQUAL(t->frame_churn, 1);
	pmt_asset_frame_end(st, 11);
	CU_ASSERT_EQUAL(t->churn_frames, 2);
	CU_ASSERT_EQUAL(t->churn_total, 2);

	/* Frame 12: three created and freed, plus a texture. */
	load(st, 0xc0, PMT_ASSET_TEXT, 100, 12, PMT_NO_ID, 7);
	load(st, 0xc1, PMT_ASSET_TEXT, 200, 12, PMT_NO_ID, 7);
	load(st, 0xc2, PMT_ASSET_TEXT, 400, 12, PMT_NO_ID, 7);
	load(st, 0xd0, PMT_ASSET_TEXTURE, 64, 12, PMT_NO_ID, 8);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xc2, 12, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xc0, 12, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xc1, 12, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xd0, 12, 0), 0);
	pmt_asset_frame_end(st, 12);
	CU_ASSERT_EQUAL(t->churn_frames, 3);
	CU_ASSERT_EQUAL(t->churn_total, 5);
	CU_ASSERT_EQUAL(t->churn_total_bytes, 1500);
	CU_ASSERT_EQUAL(tex->churn_frames, 1);
	CU_ASSERT_EQUAL(tex->churn_total_bytes, 64);
	CU_ASSERT_EQUAL(t->loads, 6);
	CU_ASSERT_EQUAL(t->frees, 6);
	CU_ASSERT_EQUAL(t->live, 0);

	/* An empty frame changes nothing. */
	pmt_asset_frame_end(st, 13);
	CU_ASSERT_EQUAL(t->churn_frames, 3);
	pmt_asset_store_free(st);
}

static void test_update_on_reload(void)
{
	struct pmt_asset_store *st = new_store(0);
	const struct pmt_type_stats *surf = tstats(st, PMT_ASSET_SURFACE);
	const struct pmt_type_stats *text = tstats(st, PMT_ASSET_TEXT);
	struct pmt_duplicate d[4];
	struct pmt_asset top[4];
	struct pmt_asset_load l;
	uint64_t created;

	/* SDL_CreateRGBSurface inside IMG_Load: no file, no site yet. */
	l = mkload(0x5000, PMT_ASSET_SURFACE, 4096, 3, PMT_NO_ID, PMT_NO_ID);
	l.loader_id = 7;
	l.width = 32;
	l.height = 32;
	created = l.ts_ns;
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	/* IMG_Load returns it: the file and site known, size unknown. */
	l = mkload(0x5000, PMT_ASSET_SURFACE, 0, 3, 42, 9);
	l.loader_id = 8;
	l.ts_ns += 5;
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);

	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 1);
	CU_ASSERT_EQUAL(surf->loads, 1);
	CU_ASSERT_EQUAL(surf->frame_loads, 1);
	CU_ASSERT_EQUAL(surf->live, 1);
	CU_ASSERT_EQUAL(surf->live_bytes, 4096);
	CU_ASSERT_EQUAL(surf->peak_bytes, 4096);
	CU_ASSERT_EQUAL(sstats(st, 9)->loads, 1);
	CU_ASSERT_EQUAL(sstats(st, 9)->live, 1);
	CU_ASSERT_EQUAL(sstats(st, 9)->live_bytes, 4096);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, top, 4), 1);
	CU_ASSERT_EQUAL(top[0].l.path_id, 42);
	CU_ASSERT_EQUAL(top[0].l.site_id, 9);
	CU_ASSERT_EQUAL(top[0].l.loader_id, 8);
	CU_ASSERT_EQUAL(top[0].l.bytes, 4096);
	CU_ASSERT_EQUAL(top[0].l.width, 32);
	CU_ASSERT_EQUAL(top[0].l.ts_ns, created); /* the creation's time is kept */

	/* A second load of the same file counts as a copy. */
	load(st, 0x6000, PMT_ASSET_SURFACE, 4096, 3, 42, 9);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 1);
	CU_ASSERT_EQUAL(d[0].path_id, 42);
	CU_ASSERT_EQUAL(d[0].copies, 2);
	CU_ASSERT_EQUAL(d[0].bytes, 8192);
	CU_ASSERT_EQUAL(d[0].wasted_bytes, 4096);

	/* Text rendering: a surface from site 20, re-typed by TTF_RenderText at site 21. */
	load(st, 0x7000, PMT_ASSET_SURFACE, 100, 3, PMT_NO_ID, 20);
	CU_ASSERT_EQUAL(surf->peak_bytes, 8292);
	l = mkload(0x7000, PMT_ASSET_TEXT, 120, 3, PMT_NO_ID, 21);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(surf->loads, 2);
	CU_ASSERT_EQUAL(surf->frame_loads, 2);
	CU_ASSERT_EQUAL(surf->live, 2);
	CU_ASSERT_EQUAL(surf->live_bytes, 8192);
	CU_ASSERT_EQUAL(text->loads, 1);
	CU_ASSERT_EQUAL(text->frame_loads, 1);
	CU_ASSERT_EQUAL(text->live, 1);
	CU_ASSERT_EQUAL(text->live_bytes, 120);
	CU_ASSERT_EQUAL(text->peak_bytes, 120);
	CU_ASSERT_EQUAL(sstats(st, 20)->loads, 0);
	CU_ASSERT_EQUAL(sstats(st, 20)->live, 0);
	CU_ASSERT_EQUAL(sstats(st, 20)->live_bytes, 0);
	CU_ASSERT_EQUAL(sstats(st, 21)->loads, 1);
	CU_ASSERT_EQUAL(sstats(st, 21)->live_bytes, 120);
	CU_ASSERT_EQUAL(sstats(st, 21)->type, PMT_ASSET_TEXT);

	/* Freed in its frame: text churn, with the updated size. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x7000, 3, 0), 0);
	CU_ASSERT_EQUAL(text->frame_churn, 1);
	CU_ASSERT_EQUAL(text->frame_churn_bytes, 120);
	CU_ASSERT_EQUAL(surf->frame_churn, 0);
	CU_ASSERT_EQUAL(sstats(st, 21)->frees, 1);

	/* A re-type in a later frame moves the load but not the frame's loads. */
	pmt_asset_frame_end(st, 3);
	load(st, 0x8000, PMT_ASSET_SURFACE, 1, 4, PMT_NO_ID, PMT_NO_ID);
	l = mkload(0x6000, PMT_ASSET_TEXTURE, 0, 4, PMT_NO_ID, PMT_NO_ID);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(surf->loads, 2);
	CU_ASSERT_EQUAL(surf->frame_loads, 1); /* 0x8000's, this frame */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x8000, 4, 0), 0);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_TEXTURE)->loads, 1);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_TEXTURE)->frame_loads, 0);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_TEXTURE)->live_bytes, 4096);
	CU_ASSERT_EQUAL(sstats(st, 9)->live, 2); /* site and path kept */
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 1);
	CU_ASSERT_EQUAL(d[0].type, PMT_ASSET_SURFACE); /* the first copy's */

	/* A bigger size replaces the old one in every aggregate. */
	l = mkload(0x5000, PMT_ASSET_SURFACE, 10000, 4, PMT_NO_ID, PMT_NO_ID);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(surf->live_bytes, 10000);
	CU_ASSERT_EQUAL(surf->peak_bytes, 10000);
	CU_ASSERT_EQUAL(sstats(st, 9)->live_bytes, 14096);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 1);
	CU_ASSERT_EQUAL(d[0].bytes, 14096);
	CU_ASSERT_EQUAL(d[0].wasted_bytes, 14096 - 7048);
	pmt_asset_store_free(st);
}

static void test_unknown_frees(void)
{
	struct pmt_asset_store *st = new_store(0);
	const struct pmt_type_stats *t = tstats(st, PMT_ASSET_AUDIO);
	struct pmt_asset o[2];

	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0xdead, 1, 0), -ENOENT);
	CU_ASSERT_EQUAL(pmt_asset_unknown_frees(st), 1);
	load(st, 0x100, PMT_ASSET_AUDIO, 77, 1, 3, 4);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x100, 2, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x100, 2, 0), -ENOENT); /* double free */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0, 2, 0), -ENOENT);
	CU_ASSERT_EQUAL(pmt_asset_unknown_frees(st), 3);
	CU_ASSERT_EQUAL(t->frees, 1);
	CU_ASSERT_EQUAL(t->live, 0);
	CU_ASSERT_EQUAL(sstats(st, 4)->frees, 1);
	CU_ASSERT_EQUAL(pmt_asset_used(st, 0xdead, 3, 9), -ENOENT); /* ignored */
	CU_ASSERT_EQUAL(pmt_asset_used(st, 0, 3, 9), -EINVAL);
	CU_ASSERT_EQUAL(pmt_asset_top_use_sites(st, NULL, 4), 0);
	CU_ASSERT_EQUAL(pmt_asset_orphans(st, o, 2), 0);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 0);
	pmt_asset_store_free(st);
}

static void test_max_assets(void)
{
	struct pmt_asset_store *st = new_store(3);
	const struct pmt_type_stats *t = tstats(st, PMT_ASSET_FONT);
	struct pmt_asset_load l;

	load(st, 0x1, PMT_ASSET_FONT, 10, 1, 1, 1);
	load(st, 0x2, PMT_ASSET_FONT, 10, 1, 1, 1);
	load(st, 0x3, PMT_ASSET_FONT, 10, 1, 2, 1);
	l = mkload(0x4, PMT_ASSET_FONT, 10, 1, 3, 2);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), -ENOSPC);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), -ENOSPC);
	CU_ASSERT_EQUAL(pmt_asset_dropped(st), 2);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 3);
	CU_ASSERT_EQUAL(t->loads, 3);
	CU_ASSERT_EQUAL(t->live_bytes, 30);
	CU_ASSERT_PTR_NULL(pmt_asset_site_stats(st, 2));
	/* Updating a live one is not a creation. */
	l = mkload(0x3, PMT_ASSET_FONT, 25, 1, PMT_NO_ID, PMT_NO_ID);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(t->live_bytes, 45);
	/* The dropped one's free is unknown; after a real free there is room. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x4, 1, 0), -ENOENT);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x1, 1, 0), 0);
	l = mkload(0x4, PMT_ASSET_FONT, 10, 1, 3, 2);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(pmt_asset_live_count(st), 3);
	CU_ASSERT_EQUAL(pmt_asset_dropped(st), 2);
	pmt_asset_store_free(st);
}

/* Bring site @site to @live assets of @bytes each (objects site << 16 | i). */
static void set_site_live(struct pmt_asset_store *st, uint32_t site, uint64_t *cur, uint64_t live,
			  uint64_t bytes)
{
	while (*cur < live) {
		load(st, (uint64_t)site << 16 | *cur, PMT_ASSET_SURFACE, bytes, 1, PMT_NO_ID, site);
		(*cur)++;
	}
	while (*cur > live) {
		(*cur)--;
		CU_ASSERT_EQUAL(pmt_asset_freed(st, (uint64_t)site << 16 | *cur, 2, 0), 0);
	}
}

static void test_leaks(void)
{
	/* Live counts per interval, per site; the site id is the row + 1. */
	static const uint64_t plan[][3] = {
		{ 5, 6, 7 },  /* 1: growing, reported */
		{ 6, 6, 6 },  /* 2: stable */
		{ 9, 8, 7 },  /* 3: shrinking */
		{ 1, 2, 4 },  /* 4: growing, below leak_min_live */
		{ 3, 4, 5 },  /* 5: growing, exactly leak_min_live: reported */
		{ 5, 6, 6 },  /* 6: not strictly */
		{ 0, 9, 10 }, /* 7: first seen at the second: history too short */
		{ 6, 5, 8 },  /* 8: dip then up */
	};
	static const uint64_t bytes_each[] = { 100, 1, 1, 1, 50, 1, 10, 1 };
	uint64_t cur[PMT_ARRAY_SIZE(plan)] = { 0 };
	struct pmt_asset_store *st = new_store(0);
	struct pmt_site_stats out[8];
	size_t i, k;

	for (k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 8), 0); /* history too short */
		for (i = 0; i < PMT_ARRAY_SIZE(plan); i++)
			set_site_live(st, (uint32_t)i + 1, &cur[i], plan[i][k], bytes_each[i]);
		pmt_asset_interval_end(st);
	}
	/* Largest live_bytes first: site 1 (700), then 5 (250). */
	CU_ASSERT_EQUAL_FATAL(pmt_asset_leaks(st, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].site_id, 1);
	CU_ASSERT_EQUAL(out[0].live, 7);
	CU_ASSERT_EQUAL(out[0].live_bytes, 700);
	CU_ASSERT_EQUAL(out[0].history_len, 3);
	CU_ASSERT_EQUAL(out[0].live_history[0], 5);
	CU_ASSERT_EQUAL(out[0].live_history[2], 7);
	CU_ASSERT_EQUAL(out[1].site_id, 5);
	CU_ASSERT_EQUAL(out[1].live_bytes, 250);
	CU_ASSERT_EQUAL(sstats(st, 7)->history_len, 2);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 1), 1);
	CU_ASSERT_EQUAL(out[0].site_id, 1);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, NULL, 8), 0);

	/* Live dropping under the threshold after the interval: no longer reported. */
	set_site_live(st, 5, &cur[4], 4, 50);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 8), 1);
	set_site_live(st, 5, &cur[4], 5, 50);

	/* A fourth interval: 1 stops growing; 5, 7 (9, 10, 11) and 8 (5, 8, 9) rise. */
	for (i = 0; i < PMT_ARRAY_SIZE(plan); i++)
		set_site_live(st, (uint32_t)i + 1, &cur[i], plan[i][2] + (i == 4 || i >= 6),
			      bytes_each[i]);
	pmt_asset_interval_end(st);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_leaks(st, out, 8), 3);
	CU_ASSERT_EQUAL(out[0].site_id, 5);
	CU_ASSERT_EQUAL(out[0].live, 6);
	CU_ASSERT_EQUAL(out[0].live_bytes, 300);
	CU_ASSERT_EQUAL(out[1].site_id, 7);
	CU_ASSERT_EQUAL(out[1].live_bytes, 110);
	CU_ASSERT_EQUAL(out[2].site_id, 8);
	CU_ASSERT_EQUAL(out[2].live, 9);
	pmt_asset_store_free(st);
}

static void test_leak_intervals(void)
{
	struct pmt_asset_config cfg;
	struct pmt_asset_store *st;
	struct pmt_site_stats out[2];
	uint64_t cur = 0, k;

	pmt_asset_config_default(&cfg);
	cfg.leak_intervals = PMT_LEAK_WINDOW;
	cfg.leak_min_live = 1;
	st = pmt_asset_store_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (k = 1; k <= PMT_LEAK_WINDOW; k++) {
		CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 2), 0);
		set_site_live(st, 3, &cur, k, 8);
		pmt_asset_interval_end(st);
	}
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 2), 1);
	pmt_asset_store_free(st);

	/* One interval: any site at leak_min_live with a history. */
	cfg.leak_intervals = 1;
	cfg.leak_min_live = 2;
	st = pmt_asset_store_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	cur = 0;
	set_site_live(st, 3, &cur, 2, 8);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 2), 0);
	pmt_asset_interval_end(st);
	CU_ASSERT_EQUAL(pmt_asset_leaks(st, out, 2), 1);
	pmt_asset_store_free(st);
}

static void test_history_shift(void)
{
	struct pmt_asset_store *st = new_store(0);
	const struct pmt_site_stats *s;
	uint64_t cur = 0, k;

	set_site_live(st, 9, &cur, 1, 1);
	s = sstats(st, 9);
	CU_ASSERT_EQUAL(s->history_len, 0);
	pmt_asset_interval_end(st);
	CU_ASSERT_EQUAL(s->history_len, 1);
	CU_ASSERT_EQUAL(s->live_history[0], 1);
	for (k = 2; k <= 6; k++) {
		set_site_live(st, 9, &cur, k * k, 1);
		pmt_asset_interval_end(st);
	}
	s = sstats(st, 9);
	CU_ASSERT_EQUAL(s->history_len, PMT_LEAK_WINDOW);
	CU_ASSERT_EQUAL(s->live_history[0], 9);
	CU_ASSERT_EQUAL(s->live_history[1], 16);
	CU_ASSERT_EQUAL(s->live_history[2], 25);
	CU_ASSERT_EQUAL(s->live_history[3], 36);
	/* A site whose assets are all gone keeps recording zeros. */
	set_site_live(st, 9, &cur, 0, 1);
	pmt_asset_interval_end(st);
	s = sstats(st, 9);
	CU_ASSERT_EQUAL(s->live_history[3], 0);
	CU_ASSERT_EQUAL(s->live_history[0], 16);
	pmt_asset_store_free(st);
}

static void test_duplicates(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_duplicate d[4];

	load(st, 0x11, PMT_ASSET_AUDIO, 1000, 1, 5, 1);
	load(st, 0x12, PMT_ASSET_AUDIO, 1000, 1, 5, 2);
	load(st, 0x13, PMT_ASSET_AUDIO, 1000, 1, 5, 2);
	load(st, 0x21, PMT_ASSET_SURFACE, 500, 1, 6, 1);
	load(st, 0x22, PMT_ASSET_SURFACE, 700, 1, 6, 1);
	load(st, 0x31, PMT_ASSET_SURFACE, 9999, 1, 7, 1);           /* single copy */
	load(st, 0x41, PMT_ASSET_SURFACE, 9999, 1, PMT_NO_ID, 1);   /* no path */
	load(st, 0x42, PMT_ASSET_SURFACE, 9999, 1, PMT_NO_ID, 1);

	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 2);
	CU_ASSERT_EQUAL(d[0].path_id, 5);
	CU_ASSERT_EQUAL(d[0].type, PMT_ASSET_AUDIO);
	CU_ASSERT_EQUAL(d[0].copies, 3);
	CU_ASSERT_EQUAL(d[0].bytes, 3000);
	CU_ASSERT_EQUAL(d[0].wasted_bytes, 2000);
	CU_ASSERT_EQUAL(d[1].path_id, 6);
	CU_ASSERT_EQUAL(d[1].type, PMT_ASSET_SURFACE);
	CU_ASSERT_EQUAL(d[1].copies, 2);
	CU_ASSERT_EQUAL(d[1].bytes, 1200);
	CU_ASSERT_EQUAL(d[1].wasted_bytes, 600);
	CU_ASSERT_EQUAL(pmt_asset_duplicates(st, d, 1), 1);
	CU_ASSERT_EQUAL(d[0].path_id, 5);

	/* One of three freed: still a duplicate, less waste, and now second. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x12, 2, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 2);
	CU_ASSERT_EQUAL(d[0].path_id, 5);
	CU_ASSERT_EQUAL(d[0].copies, 2);
	CU_ASSERT_EQUAL(d[0].wasted_bytes, 1000);
	CU_ASSERT_EQUAL(d[1].path_id, 6);
	/* Down to one copy: gone; the other pair stays found. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x11, 2, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 1);
	CU_ASSERT_EQUAL(d[0].path_id, 6);
	/* Ties on waste: lower path first. */
	load(st, 0x32, PMT_ASSET_SURFACE, 9999, 2, 7, 1);
	load(st, 0x51, PMT_ASSET_SURFACE, 9999, 2, 4, 1);
	load(st, 0x52, PMT_ASSET_SURFACE, 9999, 2, 4, 1);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 3);
	CU_ASSERT_EQUAL(d[0].path_id, 4);
	CU_ASSERT_EQUAL(d[1].path_id, 7);
	CU_ASSERT_EQUAL(d[2].path_id, 6);
	/* All copies gone, then loaded again with another type. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x21, 3, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x22, 3, 0), 0);
	load(st, 0x23, PMT_ASSET_TEXTURE, 10, 3, 6, 1);
	load(st, 0x24, PMT_ASSET_SURFACE, 10, 3, 6, 1);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 4), 3);
	CU_ASSERT_EQUAL(d[2].path_id, 6);
	CU_ASSERT_EQUAL(d[2].type, PMT_ASSET_TEXTURE);
	CU_ASSERT_EQUAL(d[2].wasted_bytes, 10);
	pmt_asset_store_free(st);
}

static void test_top(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_asset top[8];
	struct pmt_asset_load l;

	load(st, 0x10, PMT_ASSET_SURFACE, 10, 1, PMT_NO_ID, 1);
	load(st, 0x20, PMT_ASSET_SURFACE, 50, 5, PMT_NO_ID, 1);
	load(st, 0x30, PMT_ASSET_AUDIO, 30, 1, PMT_NO_ID, 1);
	load(st, 0x40, PMT_ASSET_SURFACE, 50, 2, PMT_NO_ID, 1);
	load(st, 0x50, PMT_ASSET_MUSIC, 5, 1, PMT_NO_ID, 1);
	/* Same bytes and time as 0x40 but a lower address. */
	l = mkload(0x38, PMT_ASSET_FONT, 50, 2, PMT_NO_ID, 1);
	l.ts_ns = mkload(0x40, PMT_ASSET_FONT, 50, 2, 0, 0).ts_ns;
	CU_ASSERT_EQUAL_FATAL(pmt_asset_loaded(st, &l), 0);

	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, top, 3), 3);
	CU_ASSERT_EQUAL(top[0].l.obj, 0x38);
	CU_ASSERT_EQUAL(top[1].l.obj, 0x40);
	CU_ASSERT_EQUAL(top[2].l.obj, 0x20);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, top, 8), 6);
	CU_ASSERT_EQUAL(top[3].l.obj, 0x30);
	CU_ASSERT_EQUAL(top[4].l.obj, 0x10);
	CU_ASSERT_EQUAL(top[5].l.obj, 0x50);
	CU_ASSERT_EQUAL(top[5].l.type, PMT_ASSET_MUSIC);
	CU_ASSERT_EQUAL(pmt_asset_top(st, top, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_top(st, NULL, 3), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, top, 1), 1);
	CU_ASSERT_EQUAL(top[0].l.obj, 0x38);

	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x38, 3, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x10, 3, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, top, 8), 4);
	CU_ASSERT_EQUAL(top[0].l.obj, 0x40);
	CU_ASSERT_EQUAL(top[1].l.obj, 0x20);
	CU_ASSERT_EQUAL(top[2].l.obj, 0x30);
	CU_ASSERT_EQUAL(top[3].l.obj, 0x50);
	pmt_asset_store_free(st);
}

static void test_orphans(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_asset o[8];
	uint64_t f;

	for (f = 1; f <= 5; f++)
		load(st, 0x100 * f, PMT_ASSET_TEXTURE, 64, 6 - f, PMT_NO_ID, 1);
	/* Ages: 0x500 oldest (frame 1) ... 0x100 newest (frame 5). */
	CU_ASSERT_EQUAL_FATAL(pmt_asset_orphans(st, o, 8), 5);
	CU_ASSERT_EQUAL(o[0].l.obj, 0x500);
	CU_ASSERT_EQUAL(o[4].l.obj, 0x100);

	CU_ASSERT_EQUAL(pmt_asset_used(st, 0x500, 7, 2), 0);
	CU_ASSERT_EQUAL(pmt_asset_used(st, 0x500, 9, 2), 0);
	CU_ASSERT_EQUAL(pmt_asset_used(st, 0x300, 8, PMT_NO_ID), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_orphans(st, o, 8), 3);
	CU_ASSERT_EQUAL(o[0].l.obj, 0x400);
	CU_ASSERT_EQUAL(o[1].l.obj, 0x200);
	CU_ASSERT_EQUAL(o[2].l.obj, 0x100);
	CU_ASSERT_EQUAL(o[0].uses, 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_orphans(st, o, 2), 2);
	CU_ASSERT_EQUAL(o[0].l.obj, 0x400);
	CU_ASSERT_EQUAL(o[1].l.obj, 0x200);
	CU_ASSERT_EQUAL(pmt_asset_orphans(st, o, 0), 0);

	/* Uses are kept per asset and survive slot moves. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x100, 10, 0), 0);
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x200, 10, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top(st, o, 8), 3);
	CU_ASSERT_EQUAL(o[0].l.obj, 0x500); /* equal bytes: oldest first */
	CU_ASSERT_EQUAL(o[0].uses, 2);
	CU_ASSERT_EQUAL(o[0].last_use_frame, 9);
	CU_ASSERT_EQUAL(o[1].l.obj, 0x400);
	CU_ASSERT_EQUAL(o[1].uses, 0);
	CU_ASSERT_EQUAL(o[2].l.obj, 0x300);
	CU_ASSERT_EQUAL(o[2].uses, 1);
	CU_ASSERT_EQUAL(o[2].last_use_frame, 8);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_orphans(st, o, 8), 1);
	CU_ASSERT_EQUAL(o[0].l.obj, 0x400);
	pmt_asset_store_free(st);
}

static void use(struct pmt_asset_store *st, uint64_t obj, uint64_t frame, uint32_t site, int times)
{
	int i;

	for (i = 0; i < times; i++)
		CU_ASSERT_EQUAL_FATAL(pmt_asset_used(st, obj, frame, site), 0);
}

static const struct pmt_use_site_stats *ustats(const struct pmt_use_site_stats *v, size_t n,
					       uint32_t site)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].site_id == site)
			return &v[i];
	CU_FAIL_FATAL("use site not listed");
	return NULL;
}

static void test_use_sites(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_use_site u[PMT_USE_SITES_KEPT];
	struct pmt_use_site_stats us[16];
	struct pmt_asset_load l;
	uint64_t other = 99;
	uint32_t site;

	load(st, 0x100, PMT_ASSET_SURFACE, 1000, 1, 1, 1);
	load(st, 0x200, PMT_ASSET_TEXTURE, 300, 1, 2, 1);
	load(st, 0x300, PMT_ASSET_SURFACE, 50, 1, 3, 1);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x100, u, 4, &other), 0);
	CU_ASSERT_EQUAL(other, 0);

	/* 0x100: site 20 x5, site 10 x5 (tie: lower id first), site 30 x2, 2 without a site. */
	use(st, 0x100, 2, 20, 5);
	use(st, 0x100, 2, 30, 2);
	use(st, 0x100, 3, 10, 5);
	use(st, 0x100, 3, PMT_NO_ID, 2);
	/* 0x200: site 10 x3; 0x300 never used. */
	use(st, 0x200, 3, 10, 3);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_use_sites(st, 0x100, u, 4, &other), 3);
	CU_ASSERT_EQUAL(u[0].site_id, 10);
	CU_ASSERT_EQUAL(u[0].uses, 5);
	CU_ASSERT_EQUAL(u[1].site_id, 20);
	CU_ASSERT_EQUAL(u[1].uses, 5);
	CU_ASSERT_EQUAL(u[2].site_id, 30);
	CU_ASSERT_EQUAL(u[2].uses, 2);
	CU_ASSERT_EQUAL(other, 2);
	CU_ASSERT_EQUAL(pmt_asset_get(st, 0x100)->uses, 14);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_use_sites(st, 0x100, u, 2, &other), 2);
	CU_ASSERT_EQUAL(u[1].site_id, 20);
	CU_ASSERT_EQUAL(other, 4); /* site 30's 2 and the 2 without a site */
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x100, NULL, 4, &other), 0);
	CU_ASSERT_EQUAL(other, 14);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x300, u, 4, &other), 0);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0xdead, u, 4, NULL), 0);

	/* Per site: uses, live assets it used and their bytes, uses by type. */
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top_use_sites(st, us, 16), 3);
	CU_ASSERT_EQUAL(us[0].site_id, 10);
	CU_ASSERT_EQUAL(us[0].uses, 8);
	CU_ASSERT_EQUAL(us[0].live_assets, 2);
	CU_ASSERT_EQUAL(us[0].live_bytes, 1300);
	CU_ASSERT_EQUAL(us[0].type_uses[PMT_ASSET_SURFACE], 5);
	CU_ASSERT_EQUAL(us[0].type_uses[PMT_ASSET_TEXTURE], 3);
	CU_ASSERT_EQUAL(us[1].site_id, 20);
	CU_ASSERT_EQUAL(us[1].uses, 5);
	CU_ASSERT_EQUAL(us[1].live_assets, 1);
	CU_ASSERT_EQUAL(us[1].live_bytes, 1000);
	CU_ASSERT_EQUAL(us[2].site_id, 30);
	CU_ASSERT_EQUAL(us[2].uses, 2);
	CU_ASSERT_EQUAL(pmt_asset_top_use_sites(st, us, 1), 1);
	CU_ASSERT_EQUAL(us[0].site_id, 10);
	CU_ASSERT_EQUAL(pmt_asset_top_use_sites(st, us, 0), 0);

	/* An update that changes the size moves the sites' live bytes. */
	l = mkload(0x100, PMT_ASSET_SURFACE, 1200, 4, PMT_NO_ID, PMT_NO_ID);
	CU_ASSERT_EQUAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top_use_sites(st, us, 16), 3);
	CU_ASSERT_EQUAL(ustats(us, 3, 10)->live_bytes, 1500);
	CU_ASSERT_EQUAL(ustats(us, 3, 20)->live_bytes, 1200);

	/* A free: the sites keep their uses, lose the asset; 0x300 moves into its slot. */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x100, 5, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top_use_sites(st, us, 16), 3);
	CU_ASSERT_EQUAL(ustats(us, 3, 10)->uses, 8);
	CU_ASSERT_EQUAL(ustats(us, 3, 10)->live_assets, 1);
	CU_ASSERT_EQUAL(ustats(us, 3, 10)->live_bytes, 300);
	CU_ASSERT_EQUAL(ustats(us, 3, 20)->live_assets, 0);
	CU_ASSERT_EQUAL(ustats(us, 3, 20)->live_bytes, 0);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x100, u, 4, &other), 0);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x300, u, 4, &other), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_use_sites(st, 0x200, u, 4, &other), 1);
	CU_ASSERT_EQUAL(u[0].site_id, 10);
	CU_ASSERT_EQUAL(u[0].uses, 3);

	/* A new asset at the freed address starts with no sites (its record reused). */
	load(st, 0x100, PMT_ASSET_TEXT, 10, 6, PMT_NO_ID, 1);
	CU_ASSERT_EQUAL(pmt_asset_use_sites(st, 0x100, u, 4, &other), 0);
	CU_ASSERT_EQUAL(other, 0);

	/* Beyond PMT_USE_SITES_KEPT distinct sites, uses count as other. */
	for (site = 100; site < 100 + PMT_USE_SITES_KEPT + 2; site++)
		use(st, 0x100, 7, site, (int)(site - 99));
	CU_ASSERT_EQUAL_FATAL(pmt_asset_use_sites(st, 0x100, u, PMT_USE_SITES_KEPT, &other),
			      PMT_USE_SITES_KEPT);
	CU_ASSERT_EQUAL(u[0].site_id, 100 + PMT_USE_SITES_KEPT - 1);
	CU_ASSERT_EQUAL(u[0].uses, PMT_USE_SITES_KEPT);
	CU_ASSERT_EQUAL(u[PMT_USE_SITES_KEPT - 1].site_id, 100);
	CU_ASSERT_EQUAL(other, (PMT_USE_SITES_KEPT + 1) + (PMT_USE_SITES_KEPT + 2));
	CU_ASSERT_EQUAL_FATAL(pmt_asset_top_use_sites(st, us, 16), 3 + PMT_USE_SITES_KEPT + 2);
	/* The overflowed sites count the uses, not the asset. */
	CU_ASSERT_EQUAL(ustats(us, 3 + PMT_USE_SITES_KEPT + 2, 100 + PMT_USE_SITES_KEPT + 1)->uses,
			PMT_USE_SITES_KEPT + 2);
	CU_ASSERT_EQUAL(ustats(us, 3 + PMT_USE_SITES_KEPT + 2, 100 + PMT_USE_SITES_KEPT + 1)
				->live_assets, 0);
	CU_ASSERT_EQUAL(ustats(us, 3 + PMT_USE_SITES_KEPT + 2, 100)->live_assets, 1);
	CU_ASSERT_EQUAL(ustats(us, 3 + PMT_USE_SITES_KEPT + 2, 100)->live_bytes, 10);
	CU_ASSERT_EQUAL(ustats(us, 3 + PMT_USE_SITES_KEPT + 2, 100)->type_uses[PMT_ASSET_TEXT], 1);
	pmt_asset_store_free(st);
}

/* ---- a random sequence against a naive model ---- */

#define M_OBJS 400
#define M_PATHS 40
#define M_SITES 30
#define M_MAX 300

struct model {
	bool live[M_OBJS + 1];
	struct pmt_asset a[M_OBJS + 1];
	uint64_t type_loads[PMT_ASSET_TYPES], type_frees[PMT_ASSET_TYPES];
	uint64_t site_loads[M_SITES + 1], site_frees[M_SITES + 1];
	uint32_t path_type[M_PATHS + 1]; /* type of the copy live first */
	uint64_t path_copies[M_PATHS + 1];
	size_t nlive;
	uint64_t dropped, unknown;
	/* use sites: per asset the first PMT_USE_SITES_KEPT, per site since the start */
	uint32_t usite[M_OBJS + 1][PMT_USE_SITES_KEPT];
	uint64_t uuses[M_OBJS + 1][PMT_USE_SITES_KEPT], uother[M_OBJS + 1];
	uint32_t un[M_OBJS + 1];
	uint64_t overflows; /* uses past an asset's kept sites */
	uint64_t site_uses[M_SITES + 1], site_type_uses[M_SITES + 1][PMT_ASSET_TYPES];
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_top(const void *x, const void *y)
{
	const struct pmt_asset *a = x, *b = y;

	if (a->l.bytes != b->l.bytes)
		return a->l.bytes > b->l.bytes ? -1 : 1;
	if (a->l.ts_ns != b->l.ts_ns)
		return a->l.ts_ns < b->l.ts_ns ? -1 : 1;
	return (a->l.obj > b->l.obj) - (a->l.obj < b->l.obj);
}

static int cmp_age(const void *x, const void *y)
{
	const struct pmt_asset *a = x, *b = y;

	if (a->l.ts_ns != b->l.ts_ns)
		return a->l.ts_ns < b->l.ts_ns ? -1 : 1;
	return (a->l.obj > b->l.obj) - (a->l.obj < b->l.obj);
}

static void model_path_join(struct model *m, const struct pmt_asset_load *l)
{
	if (l->path_id == PMT_NO_ID)
		return;
	if (m->path_copies[l->path_id]++ == 0)
		m->path_type[l->path_id] = l->type;
}

static void model_check(struct pmt_asset_store *st, const struct model *m)
{
	static struct pmt_asset all[M_OBJS], got[M_OBJS];
	struct pmt_duplicate d[M_PATHS];
	uint64_t live[PMT_ASSET_TYPES] = { 0 }, bytes[PMT_ASSET_TYPES] = { 0 };
	uint64_t slive[M_SITES + 1] = { 0 }, sbytes[M_SITES + 1] = { 0 };
	uint64_t pbytes[M_PATHS + 1] = { 0 };
	uint64_t ulive[M_SITES + 1] = { 0 }, ubytes[M_SITES + 1] = { 0 };
	struct pmt_use_site_stats us[M_SITES + 1];
	size_t n = 0, norph = 0, i, ndup = 0, k;
	uint32_t p;

	for (i = 1; i <= M_OBJS; i++) {
		if (!m->live[i])
			continue;
		all[n++] = m->a[i];
		live[m->a[i].l.type]++;
		bytes[m->a[i].l.type] += m->a[i].l.bytes;
		slive[m->a[i].l.site_id]++;
		sbytes[m->a[i].l.site_id] += m->a[i].l.bytes;
		pbytes[m->a[i].l.path_id] += m->a[i].l.bytes;
	}
	CU_ASSERT_EQUAL_FATAL(pmt_asset_live_count(st), n);
	CU_ASSERT_EQUAL(pmt_asset_dropped(st), m->dropped);
	CU_ASSERT_EQUAL(pmt_asset_unknown_frees(st), m->unknown);
	for (i = 0; i < PMT_ASSET_TYPES; i++) {
		const struct pmt_type_stats *t = tstats(st, (enum pmt_asset_type)i);

		CU_ASSERT_EQUAL(t->live, live[i]);
		CU_ASSERT_EQUAL(t->live_bytes, bytes[i]);
		CU_ASSERT_EQUAL(t->loads, m->type_loads[i]);
		CU_ASSERT_EQUAL(t->frees, m->type_frees[i]);
		CU_ASSERT(t->peak_bytes >= t->live_bytes);
	}
	for (i = 1; i <= M_SITES; i++) {
		const struct pmt_site_stats *s = pmt_asset_site_stats(st, (uint32_t)i);

		if (!s) {
			CU_ASSERT_EQUAL(slive[i], 0);
			continue;
		}
		CU_ASSERT_EQUAL(s->live, slive[i]);
		CU_ASSERT_EQUAL(s->live_bytes, sbytes[i]);
		CU_ASSERT_EQUAL(s->loads, m->site_loads[i]);
		CU_ASSERT_EQUAL(s->frees, m->site_frees[i]);
	}

	qsort(all, n, sizeof(*all), cmp_top);
	k = pmt_asset_top(st, got, 10);
	CU_ASSERT_EQUAL_FATAL(k, n < 10 ? n : 10);
	for (i = 0; i < k; i++)
		CU_ASSERT_EQUAL(memcmp(&got[i], &all[i], sizeof(got[i])), 0);

	qsort(all, n, sizeof(*all), cmp_age);
	k = pmt_asset_orphans(st, got, 7);
	for (i = 0; i < n && norph < k; i++) {
		if (all[i].uses)
			continue;
		CU_ASSERT_EQUAL(got[norph].l.obj, all[i].l.obj);
		norph++;
	}
	CU_ASSERT_EQUAL(norph, k);
	for (; i < n && norph < 7; i++)
		norph += !all[i].uses;
	CU_ASSERT_EQUAL(norph, k);

	for (i = 1; i <= M_OBJS; i++) {
		struct pmt_use_site u[PMT_USE_SITES_KEPT];
		uint64_t other, sum = 0;
		uint32_t j;

		if (!m->live[i])
			continue;
		k = pmt_asset_use_sites(st, i * 64, u, PMT_USE_SITES_KEPT, &other);
		CU_ASSERT_EQUAL_FATAL(k, m->un[i]);
		for (j = 0; j < k; j++) {
			uint32_t x;

			for (x = 0; x < m->un[i] && m->usite[i][x] != u[j].site_id; x++)
				;
			CU_ASSERT_FATAL(x < m->un[i]);
			CU_ASSERT_EQUAL(u[j].uses, m->uuses[i][x]);
			if (j)
				CU_ASSERT(u[j - 1].uses > u[j].uses ||
					  (u[j - 1].uses == u[j].uses &&
					   u[j - 1].site_id < u[j].site_id));
			sum += u[j].uses;
			ulive[u[j].site_id]++;
			ubytes[u[j].site_id] += m->a[i].l.bytes;
		}
		CU_ASSERT_EQUAL(other, m->uother[i]);
		CU_ASSERT_EQUAL(sum + other, m->a[i].uses);
	}
	k = pmt_asset_top_use_sites(st, us, M_SITES + 1);
	for (i = 0; i < k; i++) {
		uint32_t t;

		CU_ASSERT_FATAL(us[i].site_id >= 1 && us[i].site_id <= M_SITES);
		CU_ASSERT_EQUAL(us[i].uses, m->site_uses[us[i].site_id]);
		CU_ASSERT_EQUAL(us[i].live_assets, ulive[us[i].site_id]);
		CU_ASSERT_EQUAL(us[i].live_bytes, ubytes[us[i].site_id]);
		for (t = 0; t < PMT_ASSET_TYPES; t++)
			CU_ASSERT_EQUAL(us[i].type_uses[t], m->site_type_uses[us[i].site_id][t]);
		if (i)
			CU_ASSERT(us[i - 1].uses > us[i].uses ||
				  (us[i - 1].uses == us[i].uses && us[i - 1].site_id < us[i].site_id));
	}
	for (i = 1, norph = 0; i <= M_SITES; i++)
		norph += m->site_uses[i] > 0;
	CU_ASSERT_EQUAL(k, norph);

	k = pmt_asset_duplicates(st, d, M_PATHS);
	for (p = 1; p <= M_PATHS; p++)
		ndup += m->path_copies[p] >= 2;
	CU_ASSERT_EQUAL_FATAL(k, ndup);
	for (i = 0; i < k; i++) {
		p = d[i].path_id;
		CU_ASSERT_FATAL(p >= 1 && p <= M_PATHS);
		CU_ASSERT_EQUAL(d[i].copies, m->path_copies[p]);
		CU_ASSERT_EQUAL(d[i].bytes, pbytes[p]);
		CU_ASSERT_EQUAL(d[i].type, m->path_type[p]);
		CU_ASSERT_EQUAL(d[i].wasted_bytes, pbytes[p] - pbytes[p] / m->path_copies[p]);
		if (i)
			CU_ASSERT(d[i - 1].wasted_bytes > d[i].wasted_bytes ||
				  (d[i - 1].wasted_bytes == d[i].wasted_bytes &&
				   d[i - 1].path_id < d[i].path_id));
	}
}

static void model_update(struct model *m, struct pmt_asset *a, const struct pmt_asset_load *l)
{
	struct pmt_asset_load nl = a->l;

	nl.type = l->type;
	if (l->path_id)
		nl.path_id = l->path_id;
	if (l->site_id)
		nl.site_id = l->site_id;
	if (l->loader_id)
		nl.loader_id = l->loader_id;
	if (l->bytes)
		nl.bytes = l->bytes;
	if (l->width)
		nl.width = l->width;
	if (l->height)
		nl.height = l->height;
	m->type_loads[a->l.type]--;
	m->type_loads[nl.type]++;
	m->site_loads[a->l.site_id]--;
	m->site_loads[nl.site_id]++;
	if (a->l.path_id)
		m->path_copies[a->l.path_id]--;
	model_path_join(m, &nl);
	a->l = nl;
}

static void test_model_random(void)
{
	static struct model m;
	struct pmt_asset_store *st = new_store(M_MAX);
	uint64_t seed = 0x9e3779b97f4a7c15u, frame = 1, ts = 1000;
	int op;

	memset(&m, 0, sizeof(m));
	for (op = 0; op < 30000; op++) {
		uint64_t r = rng_next(&seed), obj = 1 + r % M_OBJS;
		unsigned int what = (unsigned int)(r >> 32) % 10;

		if (what < 4) {
			struct pmt_asset_load l;
			int ret;

			memset(&l, 0, sizeof(l));
			l.obj = obj * 64; /* aligned, as addresses are */
			l.type = (uint32_t)(rng_next(&seed) % PMT_ASSET_TYPES);
			l.bytes = rng_next(&seed) % 4 ? 1 + rng_next(&seed) % 64 : 0;
			l.path_id = (uint32_t)(rng_next(&seed) % (M_PATHS + 1));
			l.site_id = (uint32_t)(rng_next(&seed) % (M_SITES + 1));
			l.loader_id = (uint32_t)(rng_next(&seed) % 3);
			l.ts_ns = ts += rng_next(&seed) % 3; /* some equal times */
			l.frame = frame;
			ret = pmt_asset_loaded(st, &l);
			if (m.live[obj]) {
				CU_ASSERT_EQUAL_FATAL(ret, 0);
				model_update(&m, &m.a[obj], &l);
			} else if (m.nlive >= M_MAX) {
				CU_ASSERT_EQUAL_FATAL(ret, -ENOSPC);
				m.dropped++;
			} else {
				CU_ASSERT_EQUAL_FATAL(ret, 0);
				m.live[obj] = true;
				m.nlive++;
				memset(&m.a[obj], 0, sizeof(m.a[obj]));
				m.un[obj] = 0;
				m.uother[obj] = 0;
				m.a[obj].l = l;
				m.type_loads[l.type]++;
				m.site_loads[l.site_id]++;
				model_path_join(&m, &l);
			}
		} else if (what < 6) {
			int ret = pmt_asset_freed(st, obj * 64, frame, ts);

			if (m.live[obj]) {
				const struct pmt_asset_load *l = &m.a[obj].l;

				CU_ASSERT_EQUAL_FATAL(ret, 0);
				m.live[obj] = false;
				m.nlive--;
				m.type_frees[l->type]++;
				m.site_frees[l->site_id]++;
				if (l->path_id)
					m.path_copies[l->path_id]--;
			} else {
				CU_ASSERT_EQUAL_FATAL(ret, -ENOENT);
				m.unknown++;
			}
		} else if (what < 9) {
			/* Few sites per object, so that some exceed PMT_USE_SITES_KEPT. */
			uint32_t site = (uint32_t)((obj + rng_next(&seed) % 12) % (M_SITES + 1)), x;
			int ret = pmt_asset_used(st, obj * 64, frame, site);

			if (m.live[obj]) {
				CU_ASSERT_EQUAL_FATAL(ret, 0);
				m.a[obj].uses++;
				m.a[obj].last_use_frame = frame;
				if (site) {
					m.site_uses[site]++;
					m.site_type_uses[site][m.a[obj].l.type]++;
				}
				for (x = 0; x < m.un[obj] && m.usite[obj][x] != site; x++)
					;
				if (!site || (x == m.un[obj] && x == PMT_USE_SITES_KEPT)) {
					m.uother[obj]++;
					m.overflows += site != 0;
				} else if (x == m.un[obj]) {
					m.usite[obj][x] = site;
					m.uuses[obj][x] = 1;
					m.un[obj]++;
				} else {
					m.uuses[obj][x]++;
				}
			} else {
				CU_ASSERT_EQUAL_FATAL(ret, -ENOENT);
			}
		} else {
			pmt_asset_frame_end(st, frame++);
			if (frame % 16 == 0)
				pmt_asset_interval_end(st);
		}
		if (op % 997 == 0)
			model_check(st, &m);
	}
	model_check(st, &m);
	CU_ASSERT(m.overflows > 0);
	pmt_asset_store_free(st);
}

/* ---- allocation failures ---- */

struct fail_alloc {
	long calls;    /* allocations and resizes so far */
	long fail_at;  /* the one to fail (-1: none) */
	long failed;
	long blocks;   /* outstanding */
};

static void *fail_realloc(void *ctx, void *ptr, size_t size)
{
	struct fail_alloc *fa = ctx;
	void *q;

	if (size == 0) {
		if (ptr)
			fa->blocks--;
		free(ptr);
		return NULL;
	}
	if (fa->calls++ == fa->fail_at) {
		fa->failed++;
		return NULL;
	}
	q = realloc(ptr, size);
	if (q && !ptr)
		fa->blocks++;
	return q;
}

/* An event the scenario retries once when it ran out of memory, checking nothing changed. */
static int retry_load(struct pmt_asset_store *st, const struct pmt_asset_load *l)
{
	uint64_t live = pmt_asset_live_count(st);
	struct pmt_type_stats before = *tstats(st, (enum pmt_asset_type)l->type);
	int ret = pmt_asset_loaded(st, l);

	if (ret == -ENOMEM) {
		CU_ASSERT_EQUAL(pmt_asset_live_count(st), live);
		CU_ASSERT_EQUAL(memcmp(&before, tstats(st, (enum pmt_asset_type)l->type),
				       sizeof(before)), 0);
		ret = pmt_asset_loaded(st, l);
	}
	return ret;
}

/* A use the scenario retries once when it ran out of memory, checking nothing changed. */
static int retry_use(struct pmt_asset_store *st, uint64_t obj, uint32_t site)
{
	const struct pmt_asset *a = pmt_asset_get(st, obj);
	uint64_t uses = a ? a->uses : 0, other;
	struct pmt_use_site before[PMT_USE_SITES_KEPT], after[PMT_USE_SITES_KEPT];
	size_t n = pmt_asset_use_sites(st, obj, before, PMT_USE_SITES_KEPT, &other);
	size_t i;
	int ret = pmt_asset_used(st, obj, 1, site);

	if (ret == -ENOMEM) {
		CU_ASSERT_EQUAL(pmt_asset_get(st, obj)->uses, uses);
		CU_ASSERT_EQUAL(pmt_asset_use_sites(st, obj, after, PMT_USE_SITES_KEPT, NULL), n);
		for (i = 0; i < n; i++) {
			CU_ASSERT_EQUAL(before[i].site_id, after[i].site_id);
			CU_ASSERT_EQUAL(before[i].uses, after[i].uses);
		}
		ret = pmt_asset_used(st, obj, 1, site);
	}
	return ret;
}

/*
 * Loads and updates enough to grow every table several times, a few frees,
 * an interval and the queries. Summarises the end state into @sum.
 */
static int alloc_scenario(struct fail_alloc *fa, uint64_t sum[8])
{
	struct pmt_use_site_stats us[4];
	struct pmt_use_site u[4];
	uint64_t other;
	struct pmt_asset_config cfg;
	struct pmt_asset_store *st;
	struct pmt_duplicate d[8];
	struct pmt_asset top[4];
	struct pmt_site_stats lk[4];
	uint64_t i;

	pmt_asset_config_default(&cfg);
	cfg.realloc_fn = fail_realloc;
	cfg.alloc_ctx = fa;
	st = pmt_asset_store_new(&cfg);
	if (!st) {
		CU_ASSERT_EQUAL(errno, ENOMEM);
		return -ENOMEM;
	}
	for (i = 1; i <= 600; i++) {
		struct pmt_asset_load l = mkload(i * 16, PMT_ASSET_SURFACE, i, 1,
						 (uint32_t)(i % 300) + 1, (uint32_t)(i % 150) + 1);

		CU_ASSERT_EQUAL(retry_load(st, &l), 0);
		if (i % 5 == 0) {
			l = mkload(i * 16, PMT_ASSET_TEXTURE, 0, 1, 1000 + (uint32_t)i,
				   2000 + (uint32_t)i);
			CU_ASSERT_EQUAL(retry_load(st, &l), 0);
		}
	}
	for (i = 1; i <= 600; i += 3)
		CU_ASSERT_EQUAL(retry_use(st, i * 16, (uint32_t)(i % 90) + 1), 0);
	for (i = 1; i <= 600; i += 7)
		CU_ASSERT_EQUAL(pmt_asset_freed(st, i * 16, 2, 0), 0);
	for (i = 1; i <= 600; i += 5)
		CU_ASSERT_EQUAL(retry_use(st, i * 16, (uint32_t)(i % 70) + 1),
				i % 7 == 1 ? -ENOENT : 0);
	pmt_asset_frame_end(st, 2);
	pmt_asset_interval_end(st);
	sum[0] = pmt_asset_live_count(st);
	sum[1] = tstats(st, PMT_ASSET_SURFACE)->live_bytes;
	sum[2] = tstats(st, PMT_ASSET_TEXTURE)->loads;
	sum[3] = pmt_asset_duplicates(st, d, 8) ? d[0].wasted_bytes : 0;
	sum[4] = pmt_asset_top(st, top, 4) ? top[0].l.obj : 0;
	sum[5] = pmt_asset_leaks(st, lk, 4) + 10 * sstats(st, 2005)->live;
	sum[6] = pmt_asset_top_use_sites(st, us, 4) ? us[0].site_id * 1000000 + us[0].uses * 1000 +
						       us[0].live_assets : 0;
	sum[7] = pmt_asset_use_sites(st, 16 * 16, u, 4, &other) * 1000 + other +
		 pmt_asset_get(st, 16 * 16)->uses * 100 + u[0].site_id * 10000;
	pmt_asset_store_free(st);
	return 0;
}

static void test_alloc_failure(void)
{
	struct fail_alloc fa = { 0, -1, 0, 0 };
	uint64_t want[8], got[8];
	long k, total;

	CU_ASSERT_EQUAL_FATAL(alloc_scenario(&fa, want), 0);
	CU_ASSERT_EQUAL(fa.blocks, 0);
	total = fa.calls;
	CU_ASSERT(total > 20);
	for (k = 0; k < total; k++) {
		struct fail_alloc f = { 0, k, 0, 0 };
		int ret = alloc_scenario(&f, got);

		CU_ASSERT_EQUAL(f.failed, 1);
		CU_ASSERT_EQUAL(f.blocks, 0);
		if (k == 0) {
			CU_ASSERT_EQUAL(ret, -ENOMEM);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(ret, 0);
		CU_ASSERT_EQUAL(memcmp(got, want, sizeof(want)), 0);
	}
}

/*
 * Assets found alive at attach (a heap snapshot): live and sized, in the
 * heatmap and duplicates, but not loads since attach nor churn; their
 * later frees count and match.
 */
static void test_before_attach(void)
{
	struct pmt_asset_store *st = new_store(0);
	struct pmt_asset_load l = mkload(0x71, PMT_ASSET_SURFACE, 4096, 0, 9, PMT_NO_ID);
	struct pmt_duplicate d[2];

	l.flags = PMT_ASSET_F_BEFORE_ATTACH;
	CU_ASSERT_EQUAL_FATAL(pmt_asset_loaded(st, &l), 0);
	l.obj = 0x72;
	CU_ASSERT_EQUAL_FATAL(pmt_asset_loaded(st, &l), 0);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->live, 2);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->live_bytes, 8192);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->loads, 0);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->frame_loads, 0);
	CU_ASSERT_EQUAL_FATAL(pmt_asset_duplicates(st, d, 2), 1);
	CU_ASSERT_EQUAL(d[0].copies, 2);
	CU_ASSERT_TRUE(pmt_asset_get(st, 0x71)->l.flags & PMT_ASSET_F_BEFORE_ATTACH);
	/* freed in the next frame: a free, not churn */
	CU_ASSERT_EQUAL(pmt_asset_freed(st, 0x71, 1, 20 * MS), 0);
	pmt_asset_frame_end(st, 1);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->frees, 1);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->churn_total, 0);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->live, 1);
	CU_ASSERT_EQUAL(pmt_asset_unknown_frees(st), 0);
	CU_ASSERT_EQUAL(pmt_asset_duplicates(st, d, 2), 0);
	/* a load since attach counts as one */
	load(st, 0x73, PMT_ASSET_SURFACE, 100, 1, PMT_NO_ID, 4);
	CU_ASSERT_EQUAL(tstats(st, PMT_ASSET_SURFACE)->loads, 1);
	pmt_asset_store_free(st);
}

static const struct pmt_test tests[] = {
	{ "type names", test_type_names },
	{ "assets found at attach", test_before_attach },
	{ "config and invalid configs", test_config },
	{ "load and free: type and site stats", test_load_free },
	{ "invalid loads", test_invalid_load },
	{ "churn within a frame vs across frames", test_churn },
	{ "update on reload (inner then outer loader)", test_update_on_reload },
	{ "unknown and double frees", test_unknown_frees },
	{ "max_assets overflow", test_max_assets },
	{ "leaks: growing, stable, shrinking, thresholds", test_leaks },
	{ "leaks: leak_intervals bounds", test_leak_intervals },
	{ "site history shifting", test_history_shift },
	{ "duplicates: copies, frees, ties", test_duplicates },
	{ "top: order and ties", test_top },
	{ "orphans and uses", test_orphans },
	{ "use sites per asset and per site", test_use_sites },
	{ "random sequence against a model", test_model_random },
	{ "every allocation failed in turn", test_alloc_failure },
};

/* pmt_test_register_assets - add the asset store suite. */
void pmt_test_register_assets(void)
{
	pmt_test_add_suite("assets", tests, PMT_ARRAY_SIZE(tests));
}
