// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pool_track.c - unit tests of the pool analyzer's bookkeeping:
 * planted creations and destructions in windows of frames, against counts,
 * bins, live counts, demand and pool sizes worked out by hand, lives
 * followed across windows, instances born unseen, partial windows, the
 * counter replay per class and the ranking.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/pool_track.h"
#include "suites.h"

#define NEAR(a, b, eps) CU_ASSERT_TRUE(fabs((double)(a) - (double)(b)) <= (eps))

static const struct pmt_gen0_params gc700 = { 700, true };

static uint32_t add_class(struct pmt_pool_track *t, uint64_t id, const char *name, uint32_t flags)
{
	long ix = pmt_pool_track_class(t, id);

	CU_ASSERT_TRUE(ix >= 0);
	CU_ASSERT_EQUAL(pmt_pool_track_describe(t, (uint32_t)ix, name, flags, 48), 0);
	return (uint32_t)ix;
}

static const struct pmt_pool_result *find(const struct pmt_pool_result *r, size_t n,
					  uint32_t cls)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].cls == cls)
			return &r[i];
	return NULL;
}

/*
 * One 32-frame window from frame 100, each frame: 10 A made and dropped
 * (transient), 5 B made after the 5 B of three frames ago die (3 frames),
 * 2 C made and kept (persistent); 3 D born before the window die in frame
 * 105. Every frame 1/60 s.
 */
static void plant_window(struct pmt_pool_track *t, uint32_t a, uint32_t b, uint32_t c,
			 uint32_t d, uint64_t first, uint64_t base)
{
	uint64_t f, j, i;

	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(t, first, 32, &gc700), 0);
	for (j = 0; j < 32; j++) {
		f = first + j;
		for (i = 0; i < 10; i++)
			CU_ASSERT_EQUAL(pmt_pool_track_create(t, f, a, base + 0x1000 + i * 16, 7, NULL), 0);
		for (i = 0; i < 10; i++)
			CU_ASSERT_EQUAL(pmt_pool_track_destroy(t, f, a, base + 0x1000 + i * 16, NULL), 0);
		if (j >= 3)
			for (i = 0; i < 5; i++)
				CU_ASSERT_EQUAL(pmt_pool_track_destroy(t, f, b,
						base + 0x10000 + ((j - 3) * 5 + i) * 16, NULL), 0);
		for (i = 0; i < 5; i++)
			CU_ASSERT_EQUAL(pmt_pool_track_create(t, f, b,
					base + 0x10000 + (j * 5 + i) * 16, i < 4 ? 8 : 9, NULL), 0);
		for (i = 0; i < 2; i++)
			CU_ASSERT_EQUAL(pmt_pool_track_create(t, f, c, base + 0x20000 + (j * 2 + i) * 16,
							      0, NULL), 0);
		if (j == 5)
			for (i = 0; i < 3; i++)
				CU_ASSERT_EQUAL(pmt_pool_track_destroy(t, f, d, base + 0x30000 + i * 16,
								       NULL), 0);
		pmt_pool_track_frame_time(t, f, 16000000);
	}
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(t, first + 31, false), 0);
}

static void test_planted_window(void)
{
	struct pmt_pool_track t;
	struct pmt_pool_report_config cfg = { 50000, 100 };
	struct pmt_pool_result *res;
	const struct pmt_pool_result *ra, *rb, *rc, *rd;
	uint32_t a, b, c, d;
	size_t nrec;

	pmt_pool_track_init(&t, NULL);
	a = add_class(&t, 0xa000, "game.A", PMT_PCF_GC);
	b = add_class(&t, 0xb000, "game.B", PMT_PCF_GC);
	c = add_class(&t, 0xc000, "game.C", PMT_PCF_GC);
	d = add_class(&t, 0xd000, "game.D", PMT_PCF_GC);
	plant_window(&t, a, b, c, d, 100, 0x100000);
	CU_ASSERT_EQUAL(t.frames_sampled, 32);
	CU_ASSERT_EQUAL(t.frames_warm, 17);
	NEAR(t.seconds, 0.512, 1e-9);
	/* A: 10 a frame, all in their own frame; births of frames 0-16 binned */
	CU_ASSERT_EQUAL(t.cls[a].created, 320);
	CU_ASSERT_EQUAL(t.cls[a].life[PMT_LIFE_SAME], 170);
	CU_ASSERT_EQUAL(t.cls[a].censored, 150);
	/* B: lives of 3 frames; births 17-31 censored (5 x 15) */
	CU_ASSERT_EQUAL(t.cls[b].life[PMT_LIFE_2_3], 85);
	CU_ASSERT_EQUAL(t.cls[b].censored, 75);
	CU_ASSERT_EQUAL(t.cls[b].alive, 15);
	CU_ASSERT_EQUAL(t.cls[b].destroyed, 145);
	/* C: all alive; 34 binned and followed */
	CU_ASSERT_EQUAL(t.cls[c].alive_binned, 34);
	CU_ASSERT_EQUAL(t.cls[c].alive, 64);
	CU_ASSERT_EQUAL(t.nfollow, 64 + 15); /* C's, and B's born in the last 3 frames */
	/* D: born unseen */
	CU_ASSERT_EQUAL(t.cls[d].destroyed_unseen, 3);
	CU_ASSERT_EQUAL(t.cls[d].alive, 0);

	res = calloc(t.ncls, sizeof(*res));
	nrec = pmt_pool_track_results(&t, &cfg, res);
	ra = find(res, t.ncls, a);
	rb = find(res, t.ncls, b);
	rc = find(res, t.ncls, c);
	rd = find(res, t.ncls, d);
	CU_ASSERT_EQUAL(ra->created.p50, 10);
	CU_ASSERT_EQUAL(ra->created.max, 10);
	NEAR(ra->created.mean, 10, 1e-9);
	CU_ASSERT_EQUAL(ra->live.max, 0);
	CU_ASSERT_EQUAL(ra->kind, PMT_POOL_TRANSIENT);
	CU_ASSERT_EQUAL(ra->demand.p99, 10); /* all 10 alive at once */
	CU_ASSERT_EQUAL(ra->pool_size, 13); /* 10 + max(2, ceil(10 / 4)) */
	NEAR(ra->sav.allocs_per_s, 625, 1e-6); /* 320 in 0.512 s */
	CU_ASSERT_TRUE(ra->recommended);
	CU_ASSERT_EQUAL(ra->n_top_sites, 1);
	CU_ASSERT_EQUAL(t.cls[a].sites[ra->top_sites[0]].key, 7);
	/* B: 15 alive at each frame end from frame 2; destroyed before made */
	CU_ASSERT_EQUAL(rb->live.p50, 15);
	CU_ASSERT_EQUAL(rb->live.max, 15);
	CU_ASSERT_EQUAL(rb->destroyed.p50, 5);
	CU_ASSERT_EQUAL(rb->kind, PMT_POOL_SHORT_LIVED);
	CU_ASSERT_EQUAL(rb->demand.p99, 15);
	CU_ASSERT_EQUAL(rb->pool_size, 19);
	CU_ASSERT_FALSE(rb->recommended); /* 300 creations a second */
	CU_ASSERT_EQUAL(rb->n_top_sites, 2);
	CU_ASSERT_EQUAL(t.cls[b].sites[rb->top_sites[0]].key, 8); /* 4 of 5 */
	/* C: persistent, alive bin */
	CU_ASSERT_EQUAL(rc->life[PMT_LIFE_ALIVE], 34);
	CU_ASSERT_EQUAL(rc->kind, PMT_POOL_PERSISTENT);
	CU_ASSERT_EQUAL(rc->live.max, 64);
	CU_ASSERT_EQUAL(rc->pool_size, 0);
	CU_ASSERT_FALSE(rc->recommended);
	/* D: alive at the ends of frames 100-104 (3 each), then none */
	CU_ASSERT_EQUAL(rd->live.max, 3);
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&t.cls[d].live_pf, 1.0, 32), 3);
	CU_ASSERT_EQUAL(t.cls[d].live_pf.n, 5);
	CU_ASSERT_EQUAL(rd->kind, PMT_POOL_UNDETERMINED);
	/* ranking: A, the one recommended, first */
	CU_ASSERT_EQUAL(nrec, 1);
	CU_ASSERT_EQUAL(res[0].cls, a);
	free(res);
	pmt_pool_track_free(&t);
}

/*
 * Free lists: E, never made or destroyed in the window, has a list of its
 * instances going 8 -> 4 -> 8...: already pooled, never recommended. A's
 * own list moves as much, but its 20 events a frame explain that: A stays
 * transient and recommended. C flagged by the caller (an in-process pool).
 */
static void test_freelist_classes(void)
{
	struct pmt_pool_track t;
	struct pmt_pool_report_config cfg = { 50000, 100 };
	struct pmt_pool_freelist fe, fa, small;
	struct pmt_pool_result *res;
	const struct pmt_pool_result *r;
	uint32_t a, b, c, d, e;
	uint64_t f;

	pmt_pool_track_init(&t, NULL);
	a = add_class(&t, 0xa000, "game.A", PMT_PCF_GC);
	b = add_class(&t, 0xb000, "game.B", PMT_PCF_GC);
	c = add_class(&t, 0xc000, "game.C", PMT_PCF_GC | PMT_PCF_REUSE);
	d = add_class(&t, 0xd000, "game.D", PMT_PCF_GC);
	e = add_class(&t, 0xe000, "game.E", PMT_PCF_GC);
	plant_window(&t, a, b, c, d, 100, 0x100000);
	memset(&fe, 0, sizeof(fe));
	memset(&fa, 0, sizeof(fa));
	memset(&small, 0, sizeof(small));
	for (f = 140; f < 240; f++) {
		pmt_pool_freelist_see(&fe, f, f % 2 ? 4 : 8);
		pmt_pool_freelist_see(&fa, f, f % 2 ? 4 : 8);
	}
	pmt_pool_freelist_see(&small, 150, 1);
	pmt_pool_freelist_see(&small, 151, 2);
	pmt_pool_track_freelist(&t, e, &small, 2);
	pmt_pool_track_freelist(&t, e, &fe, 2);
	pmt_pool_track_freelist(&t, e, &small, 2); /* the one that moved most stays */
	CU_ASSERT_EQUAL(t.cls[e].freelist.moved, 396);
	CU_ASSERT_EQUAL(t.cls[e].freelists, 2);
	pmt_pool_track_freelist(&t, a, &fa, 1);
	pmt_pool_track_freelist(&t, 99, &fa, 1); /* no such class: ignored */
	CU_ASSERT_EQUAL(pmt_pool_track_find(&t, 0xe000), (long)e);
	CU_ASSERT_EQUAL(pmt_pool_track_find(&t, 0xf000), -ENOENT);

	res = calloc(t.ncls, sizeof(*res));
	CU_ASSERT_EQUAL(pmt_pool_track_results(&t, &cfg, res), 1);
	r = find(res, t.ncls, e);
	CU_ASSERT_EQUAL(r->kind, PMT_POOL_ALREADY_POOLED);
	CU_ASSERT_TRUE(r->reuse_freelist);
	CU_ASSERT_FALSE(r->recommended);
	CU_ASSERT_PTR_NOT_NULL(r->reason);
	r = find(res, t.ncls, a);
	CU_ASSERT_FALSE(r->reuse_freelist); /* 396 moved, 99 frames x 20 events explain it */
	CU_ASSERT_EQUAL(r->kind, PMT_POOL_TRANSIENT);
	CU_ASSERT_TRUE(r->recommended);
	r = find(res, t.ncls, c);
	CU_ASSERT_EQUAL(r->kind, PMT_POOL_ALREADY_POOLED);
	CU_ASSERT_FALSE(r->reuse_freelist);
	CU_ASSERT_FALSE(r->recommended);
	free(res);
	pmt_pool_track_free(&t);
}

/* C's binned lives followed: one found gone, one ended by a later window. */
struct follow_ctx {
	uint64_t addr[64];
	size_t n;
};

static void follow_fn(void *ctx, uint64_t addr, uint32_t cls)
{
	struct follow_ctx *f = ctx;

	(void)cls;
	if (f->n < 64)
		f->addr[f->n++] = addr;
}

static void test_follow(void)
{
	struct pmt_pool_track t;
	struct follow_ctx f = { { 0 }, 0 };
	uint32_t a, b, c, d;
	uint64_t c0 = 0x100000 + 0x20000, c1 = c0 + 16;

	pmt_pool_track_init(&t, NULL);
	a = add_class(&t, 0xa000, "A", PMT_PCF_GC);
	b = add_class(&t, 0xb000, "B", PMT_PCF_GC);
	c = add_class(&t, 0xc000, "C", PMT_PCF_GC);
	d = add_class(&t, 0xd000, "D", PMT_PCF_GC);
	plant_window(&t, a, b, c, d, 100, 0x100000);
	/* C's 64 and B's 15 alive at the window's end */
	CU_ASSERT_EQUAL(pmt_pool_track_follow(&t, 1000, follow_fn, &f), 64 + 15);
	CU_ASSERT_EQUAL(f.n, 64);
	/* a censored life found gone: no bin, no longer alive */
	pmt_pool_track_gone(&t, 0x100000 + 0x10000 + (31 * 5) * 16, 134);
	CU_ASSERT_EQUAL(t.cls[b].alive, 14);
	CU_ASSERT_EQUAL(t.cls[b].life[PMT_LIFE_2_3], 85);
	/* found gone at the end of frame 140: 40 frames */
	pmt_pool_track_gone(&t, c0, 140);
	CU_ASSERT_EQUAL(t.cls[c].life[PMT_LIFE_16_255], 1);
	CU_ASSERT_EQUAL(t.cls[c].alive_binned, 33);
	CU_ASSERT_EQUAL(t.cls[c].alive, 63);
	/* unknown addresses and second calls change nothing */
	pmt_pool_track_gone(&t, c0, 141);
	pmt_pool_track_gone(&t, 0x5, 141);
	CU_ASSERT_EQUAL(t.cls[c].life[PMT_LIFE_16_255], 1);
	/* taking turns, ended ones leaving the list */
	f.n = 0;
	CU_ASSERT_EQUAL(pmt_pool_track_follow(&t, 50, follow_fn, &f), 50);
	CU_ASSERT_EQUAL(pmt_pool_track_follow(&t, 50, follow_fn, &f), 50); /* on, then from the start */
	CU_ASSERT_EQUAL(t.nfollow, 77);
	/* a later window sees the other one die: 300 frames, "longer" */
	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, 400, 32, &gc700), 0);
	CU_ASSERT_EQUAL(pmt_pool_track_destroy(&t, 400, c, c1, NULL), 0);
	/* a creation where a followed life was: that one ended unseen */
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 401, c, c1 + 16, 0, NULL), 0);
	CU_ASSERT_EQUAL(t.cls[c].life_unknown, 1);
	/* a destruction of another class at a life's address */
	CU_ASSERT_EQUAL(pmt_pool_track_destroy(&t, 402, a, c1 + 32, NULL), 0);
	CU_ASSERT_EQUAL(t.cls[c].life_unknown, 2);
	CU_ASSERT_EQUAL(t.cls[a].destroyed_unseen, 1);
	/* at the window's end, a life of the first window is found gone: it died
	 * before this window (its death in it would have been seen) */
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 430, a, 0x777770, 0, NULL), 0); /* 400-429 end */
	CU_ASSERT_EQUAL(t.cls[c].w_live[29], 61);
	pmt_pool_track_gone_before(&t, c0 + 64);
	CU_ASSERT_EQUAL(t.cls[c].w_live[29], 60);
	CU_ASSERT_EQUAL(t.cls[c].w_live[0], 61); /* 62 at frame 400's end, then 61 */
	CU_ASSERT_EQUAL(t.cls[c].alive, 60);
	pmt_pool_track_gone_before(&t, 0x5); /* unknown: nothing */
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, 431, false), 0);
	CU_ASSERT_EQUAL(t.cls[c].life[PMT_LIFE_LONGER], 2); /* born 100, gone by 399 */
	CU_ASSERT_EQUAL(t.cls[c].alive_binned, 29 + 1); /* the new one, born in frame 1 */
	CU_ASSERT_EQUAL(t.frames_sampled, 64);
	pmt_pool_track_free(&t);
}

/* The game exits in frame 110 of a window planned from 100 to 131. */
static void test_partial(void)
{
	struct pmt_pool_track t;
	struct pmt_pool_report_config cfg = { 0, 0 };
	struct pmt_pool_result r[1];
	uint32_t a;
	uint64_t f, i;

	pmt_pool_track_init(&t, NULL);
	a = add_class(&t, 1, "A", PMT_PCF_GC);
	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, 100, 32, &gc700), 0);
	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, 100, 32, &gc700), -EBUSY);
	for (f = 100; f <= 110; f++) {
		for (i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(pmt_pool_track_create(&t, f, a, 0x1000 + f * 64 + i * 16, 0, NULL), 0);
		if (f < 110)
			pmt_pool_track_frame_time(&t, f, 10000000);
	}
	/* frames never go back; nothing outside the window */
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 109, a, 0x99990, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 132, a, 0x99990, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 110, 5, 0x99990, 0, NULL), -EINVAL);
	/* frame 110 was cut short: 10 whole frames */
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, 109, true), 0);
	CU_ASSERT_EQUAL(t.windows_partial, 1);
	CU_ASSERT_EQUAL(t.frames_sampled, 10);
	CU_ASSERT_EQUAL(t.frames_warm, 0);
	CU_ASSERT_EQUAL(t.cls[a].created, 44); /* the partial frame's are counted */
	CU_ASSERT_EQUAL(t.cls[a].censored, 44); /* no life had 16 frames ahead */
	CU_ASSERT_EQUAL(t.cls[a].alive, 44);
	NEAR(t.seconds, 0.1, 1e-9);
	pmt_pool_track_results(&t, &cfg, r);
	CU_ASSERT_EQUAL(r[0].created.max, 4); /* frame 110 not among the frames */
	CU_ASSERT_EQUAL(r[0].created.p50, 4);
	CU_ASSERT_EQUAL(r[0].live.max, 40);
	CU_ASSERT_EQUAL(r[0].kind, PMT_POOL_UNDETERMINED);
	CU_ASSERT_EQUAL(pmt_pool_track_create(&t, 112, a, 1, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, 112, false), -EINVAL);
	pmt_pool_track_free(&t);
}

/* Lives past the cap are counted, not kept; built-ins counted by frame. */
static void test_limits_builtins(void)
{
	struct pmt_pool_track_config cfg = { 4 };
	struct pmt_pool_report_config rc = { 0, 0 };
	struct pmt_pool_track t;
	struct pmt_pool_result r[2];
	const struct pmt_pool_result *rt;
	uint32_t a, tup;
	uint64_t i;

	pmt_pool_track_init(&t, &cfg);
	a = add_class(&t, 1, "A", 0);
	tup = add_class(&t, 2, "tuple", PMT_PCF_GC | PMT_PCF_BUILTIN);
	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, 0, 20, &gc700), 0);
	for (i = 0; i < 6; i++)
		pmt_pool_track_create(&t, 0, a, 0x100 + i * 16, 0, NULL);
	CU_ASSERT_EQUAL(t.lives_not_kept, 2);
	CU_ASSERT_EQUAL(t.cls[a].alive, 4);
	CU_ASSERT_EQUAL(t.cls[a].created, 6);
	for (i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(pmt_pool_track_count(&t, i, tup, i < 10 ? 1000 : 3000), 0);
	CU_ASSERT_EQUAL(pmt_pool_track_count(&t, 19, tup, 0), 0); /* a second call: one frame */
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, 19, false), 0);
	/* a window without built-in counts: not among the tuple's frames */
	CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, 100, 20, &gc700), 0);
	CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, 119, false), 0);
	CU_ASSERT_EQUAL(t.cls[tup].frames_own, 20);
	CU_ASSERT_EQUAL(t.frames_sampled, 40);
	pmt_pool_track_results(&t, &rc, r);
	rt = find(r, 2, tup);
	CU_ASSERT_EQUAL(rt->destroyed.p50, 1000);
	CU_ASSERT_EQUAL(rt->destroyed.max, 3000);
	NEAR(rt->destroyed.mean, 2000, 1e-9);
	CU_ASSERT_FALSE(rt->recommended);
	CU_ASSERT_PTR_NOT_NULL(rt->reason);
	CU_ASSERT_EQUAL(rt->kind, PMT_POOL_UNDETERMINED);
	pmt_pool_track_free(&t);
}

/*
 * The counter, per class: a ground truth run one object at a time. Each
 * frame B makes 1,000 instances, each with a __dict__ (two GC objects a
 * creation, two freed at the destruction), keeps them to the frame's end
 * and drops them; A is made and dropped 300 times (one GC object); the
 * rest of the game grows by 30 objects a frame. The tracker sees only
 * the creations and destructions with the counter read at each.
 */
struct sim {
	struct pmt_pool_track *t;
	int count, threshold;
	uint64_t coll;
	bool skip_b; /* the run with B pooled */
};

static void sim_one(struct sim *s, int delta)
{
	if (delta > 0) {
		if (++s->count > s->threshold) {
			s->coll++;
			s->count = 0;
		}
	} else if (s->count > 0) {
		s->count--;
	}
}

static void sim_frames(struct sim *s, uint32_t a, uint32_t b, uint64_t first, uint64_t frames)
{
	struct pmt_pool_reading r;
	uint64_t f, i;

	for (f = first; f < first + frames; f++) {
		for (i = 0; i < 1000; i++) {
			if (!s->skip_b) {
				sim_one(s, 1); /* the instance */
				r = (struct pmt_pool_reading){ s->coll, s->count, true };
				if (s->t)
					pmt_pool_track_create(s->t, f, b, 0x100000 + i * 64, 0, &r);
				sim_one(s, 1); /* its __dict__, in __init__ */
			}
			if (i < 300) {
				sim_one(s, 1);
				r = (struct pmt_pool_reading){ s->coll, s->count, true };
				if (s->t)
					pmt_pool_track_create(s->t, f, a, 0x900000, 0, &r);
				r = (struct pmt_pool_reading){ s->coll, s->count, true };
				if (s->t)
					pmt_pool_track_destroy(s->t, f, a, 0x900000, &r);
				sim_one(s, -1);
			}
			if (i < 30)
				sim_one(s, 1);
		}
		for (i = 0; !s->skip_b && i < 1000; i++) {
			r = (struct pmt_pool_reading){ s->coll, s->count, true };
			if (s->t)
				pmt_pool_track_destroy(s->t, f, b, 0x100000 + i * 64, &r);
			sim_one(s, -1);
			sim_one(s, -1);
		}
		if (s->t)
			pmt_pool_track_frame_time(s->t, f, 16666667);
	}
}

static void test_gen0(void)
{
	struct pmt_pool_track t;
	struct pmt_pool_report_config rc = { 100000, 0 };
	struct pmt_pool_result r[2];
	const struct pmt_pool_result *ra, *rb;
	struct sim with = { &t, 0, 700, 0, false };
	double seen = 0, without = 0, secs;
	uint32_t a, b;
	uint64_t w;

	pmt_pool_track_init(&t, NULL);
	a = add_class(&t, 1, "A", PMT_PCF_GC);
	b = add_class(&t, 2, "B", PMT_PCF_GC);
	for (w = 0; w < 4; w++) {
		uint64_t c0 = with.coll;
		int n0 = with.count;

		CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, w * 100, 32, &gc700), 0);
		sim_frames(&with, a, b, w * 100, 32);
		CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, w * 100 + 31, false), 0);
		seen += (double)(with.coll - c0) + (with.count - n0) / 701.0;
		/* With B pooled only the rest's 30 a frame remain (A nets 0). */
		without += 32 * 30 / 701.0;
	}
	CU_ASSERT_TRUE(with.coll >= 4 * 32 * 2);
	/* The readings begin after a window's first creation: 1/701 short each. */
	NEAR(t.gen0_seen, seen, 4 * 2 / 701.0);
	NEAR(t.gen0_replayed, t.gen0_seen, 1e-9);
	CU_ASSERT_EQUAL(t.gen0_windows, 4);
	/* B frees two objects a destruction: its weight is measured as 2 */
	pmt_pool_track_results(&t, &rc, r);
	ra = find(r, 2, a);
	rb = find(r, 2, b);
	CU_ASSERT_TRUE(rb->weight_measured);
	NEAR(rb->weight, 2, 1e-9);
	CU_ASSERT_FALSE(ra->weight_measured);
	NEAR(ra->weight, 1, 0);
	/* B's pool avoids what the run without B shows, to 3 % */
	NEAR(t.cls[b].gen0_avoided, seen - without, 0.03 * (seen - without));
	/* A, made and dropped at once, saves nothing */
	NEAR(t.cls[a].gen0_avoided, 0, 0.5);
	secs = 4 * 32 / 60.0;
	NEAR(rb->sav.gen0_per_s, t.cls[b].gen0_avoided / secs, 1e-3);
	NEAR(rb->sav.gen0_seen_per_s, seen / secs, 0.01);
	CU_ASSERT_TRUE(rb->recommended);
	CU_ASSERT_EQUAL(r[0].cls, b); /* ranked first: collections saved */
	CU_ASSERT_EQUAL(rb->kind, PMT_POOL_TRANSIENT);
	pmt_pool_track_free(&t);
}

/*
 * Another class's destructions come when the subject's burst has taken the
 * counter to 0: the clamp swallows them as run, not in the run without the
 * subject. Each frame: the 40 E made last frame die, 40 E are made, 1,000 B
 * (two GC objects each) are made and dropped. Without B, E nets 0: no
 * collection at all.
 */
static void test_gen0_clamped_others(void)
{
	struct pmt_pool_track t;
	struct pmt_pool_reading r;
	struct sim sm = { &t, 0, 700, 0, false };
	double seen = 0;
	uint32_t e, b;
	uint64_t w, f, i;

	pmt_pool_track_init(&t, NULL);
	e = add_class(&t, 1, "E", PMT_PCF_GC);
	b = add_class(&t, 2, "B", PMT_PCF_GC);
	for (w = 0; w < 3; w++) {
		uint64_t c0 = sm.coll;
		int n0 = sm.count;

		CU_ASSERT_EQUAL(pmt_pool_track_window_begin(&t, w * 100, 32, &gc700), 0);
		for (f = w * 100; f < w * 100 + 32; f++) {
			for (i = 0; i < 40; i++) {
				r = (struct pmt_pool_reading){ sm.coll, sm.count, true };
				pmt_pool_track_destroy(&t, f, e, 0x500000 + ((f + 1) % 2) * 0x1000 + i * 64,
						       &r);
				sim_one(&sm, -1);
			}
			for (i = 0; i < 40; i++) {
				sim_one(&sm, 1);
				r = (struct pmt_pool_reading){ sm.coll, sm.count, true };
				pmt_pool_track_create(&t, f, e, 0x500000 + (f % 2) * 0x1000 + i * 64, 0, &r);
			}
			for (i = 0; i < 1000; i++) {
				sim_one(&sm, 1);
				r = (struct pmt_pool_reading){ sm.coll, sm.count, true };
				pmt_pool_track_create(&t, f, b, 0x100000 + i * 64, 0, &r);
				sim_one(&sm, 1);
			}
			for (i = 0; i < 1000; i++) {
				r = (struct pmt_pool_reading){ sm.coll, sm.count, true };
				pmt_pool_track_destroy(&t, f, b, 0x100000 + i * 64, &r);
				sim_one(&sm, -1);
				sim_one(&sm, -1);
			}
			pmt_pool_track_frame_time(&t, f, 16666667);
		}
		CU_ASSERT_EQUAL(pmt_pool_track_window_end(&t, w * 100 + 31, false), 0);
		seen += (double)(sm.coll - c0) + (sm.count - n0) / 701.0;
	}
	CU_ASSERT_TRUE(seen > 3 * 32 * 2 - 1); /* two a frame */
	/* without B: no collection, so all of them avoided (to 1 %) */
	NEAR(t.cls[b].gen0_avoided, seen, 0.01 * seen);
	NEAR(t.cls[e].gen0_avoided, 0, 0.5);
	pmt_pool_track_free(&t);
}

void pmt_test_register_pool_track(void)
{
	static const struct pmt_test tests[] = {
		{ "a planted window: counts, bins, live, demand, sizes", test_planted_window },
		{ "lives followed across windows", test_follow },
		{ "free lists: already pooled, or explained by creations", test_freelist_classes },
		{ "a window cut short", test_partial },
		{ "lives past the cap, built-ins", test_limits_builtins },
		{ "generation-0 collections a pool avoids, per class", test_gen0 },
		{ "the rest's frees the clamp swallowed, counted without the subject",
		  test_gen0_clamped_others },
	};

	pmt_test_add_suite("pool_track", tests, PMT_ARRAY_SIZE(tests));
}
