// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pools.c - unit tests of the object pool analyzer's rules: per-frame
 * distributions, lifetime bins, classification, the pool size rule, the
 * young generation's counter replayed against an event-by-event model of
 * the interpreter, weights, savings and ranking.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/pools.h"
#include "suites.h"

#define NEAR(a, b, eps) CU_ASSERT_TRUE(fabs((double)(a) - (double)(b)) <= (eps))

static void test_dist_exact(void)
{
	struct pmt_pool_dist d;
	struct pmt_pool_quant q;
	int i;

	pmt_pool_dist_init(&d);
	/* 100 frames: 97 of 40 creations, one each of 10, 50 and 400 */
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, 40, 97), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, 400, 1), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, 10, 1), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, 50, 1), 0);
	CU_ASSERT_EQUAL(d.nb, 4);
	CU_ASSERT_EQUAL(d.b[0].v, 10); /* sorted */
	CU_ASSERT_EQUAL(d.b[3].v, 400);
	pmt_pool_dist_summary(&d, 100, &q);
	NEAR(q.mean, (97 * 40 + 400 + 10 + 50) / 100.0, 1e-9);
	CU_ASSERT_EQUAL(q.p50, 40);
	CU_ASSERT_EQUAL(q.p99, 50); /* rank 99 of 100 */
	CU_ASSERT_EQUAL(q.max, 400);
	/* the same over 200 frames: 100 without a value are zeros */
	pmt_pool_dist_summary(&d, 200, &q);
	CU_ASSERT_EQUAL(q.p50, 0);  /* rank 100: still a zero */
	CU_ASSERT_EQUAL(q.p99, 40); /* rank 198 */
	NEAR(q.mean, (97 * 40 + 460) / 200.0, 1e-9);
	/* a frames count below the values added is the values added */
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&d, 0.5, 3), 40);
	pmt_pool_dist_free(&d);
	/* empty */
	pmt_pool_dist_summary(&d, 0, &q);
	CU_ASSERT_EQUAL(q.p99, 0);
	CU_ASSERT_EQUAL(q.max, 0);
	NEAR(q.mean, 0, 0);
	pmt_pool_dist_summary(&d, 10, &q);
	CU_ASSERT_EQUAL(q.p50, 0);
	/* many distinct small values stay exact */
	for (i = 1; i <= 1000; i++)
		CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, (uint64_t)i, 1), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&d, 0.5, 1000), 500);
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&d, 0.99, 1000), 990);
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&d, 1.0, 1000), 1000);
	pmt_pool_dist_free(&d);
}

static void test_dist_large(void)
{
	struct pmt_pool_dist d, e;
	struct pmt_pool_quant q;
	uint64_t big = 1234567; /* 21 bits: kept to 16 significant bits */

	pmt_pool_dist_init(&d);
	pmt_pool_dist_init(&e);
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, 65535, 1), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&d, big, 2), 0);
	pmt_pool_dist_summary(&d, 3, &q);
	CU_ASSERT_EQUAL(q.max, big); /* exact */
	CU_ASSERT_EQUAL(q.p50, (big >> 5) << 5);
	CU_ASSERT_TRUE(big - q.p50 < big / 32768 + 1);
	NEAR(q.mean, (65535 + 2.0 * big) / 3, 1e-6);
	/* merge keeps the exact sum and max */
	CU_ASSERT_EQUAL(pmt_pool_dist_add(&e, 7, 5), 0);
	CU_ASSERT_EQUAL(pmt_pool_dist_merge(&e, &d), 0);
	CU_ASSERT_EQUAL(e.n, 8);
	CU_ASSERT_EQUAL(e.max, big);
	NEAR(e.sum, 35 + 65535 + 2.0 * big, 1e-6);
	CU_ASSERT_EQUAL(pmt_pool_dist_quantile(&e, 0.5, 8), 7);
	pmt_pool_dist_free(&d);
	pmt_pool_dist_free(&e);
}

static void test_life_bins(void)
{
	static const struct {
		uint64_t frames;
		enum pmt_pool_life bin;
	} cases[] = {
		{ 0, PMT_LIFE_SAME },	 { 1, PMT_LIFE_1 },	     { 2, PMT_LIFE_2_3 },
		{ 3, PMT_LIFE_2_3 },	 { 4, PMT_LIFE_4_15 },	     { 15, PMT_LIFE_4_15 },
		{ 16, PMT_LIFE_16_255 }, { 255, PMT_LIFE_16_255 }, { 256, PMT_LIFE_LONGER },
		{ UINT64_MAX, PMT_LIFE_LONGER },
	};
	size_t i;

	for (i = 0; i < PMT_ARRAY_SIZE(cases); i++)
		CU_ASSERT_EQUAL(pmt_pool_life_bin(cases[i].frames), cases[i].bin);
	CU_ASSERT_STRING_EQUAL(pmt_pool_life_name(PMT_LIFE_SAME), "same_frame");
	CU_ASSERT_STRING_EQUAL(pmt_pool_life_name(PMT_LIFE_2_3), "2-3");
	CU_ASSERT_STRING_EQUAL(pmt_pool_life_name(PMT_LIFE_ALIVE), "alive");
	CU_ASSERT_STRING_EQUAL(pmt_pool_life_name(PMT_LIFE_BINS), "?");
}

static void test_classify(void)
{
	struct pmt_pool_traits t;

	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_UNDETERMINED);
	t.life[PMT_LIFE_SAME] = 19;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_UNDETERMINED);
	t.life[PMT_LIFE_SAME] = 20;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_TRANSIENT);
	/* half die in their frame: transient */
	t.life[PMT_LIFE_SAME] = 50;
	t.life[PMT_LIFE_ALIVE] = 50;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_TRANSIENT);
	/* 3-frame lives */
	memset(&t, 0, sizeof(t));
	t.life[PMT_LIFE_2_3] = 300;
	t.life[PMT_LIFE_ALIVE] = 30;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_SHORT_LIVED);
	/* mostly short, but transient share under half */
	t.life[PMT_LIFE_SAME] = 200;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_SHORT_LIVED);
	/* still alive counts as long */
	memset(&t, 0, sizeof(t));
	t.life[PMT_LIFE_4_15] = 40;
	t.life[PMT_LIFE_ALIVE] = 41;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_PERSISTENT);
	t.life[PMT_LIFE_ALIVE] = 40;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_SHORT_LIVED);
	/* reuse wins over everything */
	t.reuse_seen = true;
	CU_ASSERT_EQUAL(pmt_pool_classify(&t), PMT_POOL_ALREADY_POOLED);
	CU_ASSERT_STRING_EQUAL(pmt_pool_kind_name(PMT_POOL_ALREADY_POOLED), "already pooled");
	CU_ASSERT_STRING_EQUAL(pmt_pool_kind_name(PMT_POOL_SHORT_LIVED), "short-lived");
	CU_ASSERT_STRING_EQUAL(pmt_pool_kind_name((enum pmt_pool_kind)99), "undetermined");
}

static void test_freelist(void)
{
	struct pmt_pool_freelist f;
	int i;

	memset(&f, 0, sizeof(f));
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 0));
	/* a pool's free list: up and down by 3, frame after frame, nothing made */
	for (i = 0; i < 10; i++)
		pmt_pool_freelist_see(&f, 100 + (uint64_t)i, i % 2 ? 7 : 10);
	CU_ASSERT_EQUAL(f.readings, 10);
	CU_ASSERT_EQUAL(f.first_frame, 100);
	CU_ASSERT_EQUAL(f.last_frame, 109);
	CU_ASSERT_EQUAL(f.len_min, 7);
	CU_ASSERT_EQUAL(f.len_max, 10);
	CU_ASSERT_EQUAL(f.len_last, 7);
	CU_ASSERT_EQUAL(f.moved, 27);
	CU_ASSERT_EQUAL(f.rises, 4);
	CU_ASSERT_EQUAL(f.falls, 5);
	CU_ASSERT_TRUE(pmt_pool_reuse_seen(&f, 0));
	/* 27 moved over 9 frames: explained by up to 0.75 events a frame */
	CU_ASSERT_TRUE(pmt_pool_reuse_seen(&f, 0.75));
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 0.76));
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, -1)); /* rate unknown */
	/* an entity list: grows with each creation, shrinks with each destruction */
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 50; i++)
		pmt_pool_freelist_see(&f, (uint64_t)i, 20 + (uint64_t)(i % 5));
	CU_ASSERT_TRUE(f.rises && f.falls);
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 2.0)); /* one made and one dropped a frame */
	/* grows only (a list of kept things), or moved too little */
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 50; i++)
		pmt_pool_freelist_see(&f, (uint64_t)i, (uint64_t)i * 3);
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 0));
	memset(&f, 0, sizeof(f));
	pmt_pool_freelist_see(&f, 1, 5);
	pmt_pool_freelist_see(&f, 2, 6);
	pmt_pool_freelist_see(&f, 3, 5);
	CU_ASSERT_EQUAL(f.moved, 2);
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 0));
	/* one reading, or two in the same frame */
	memset(&f, 0, sizeof(f));
	pmt_pool_freelist_see(&f, 7, 9);
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 0));
	pmt_pool_freelist_see(&f, 7, 1);
	pmt_pool_freelist_see(&f, 7, 9);
	CU_ASSERT_TRUE(pmt_pool_reuse_seen(&f, 0)); /* 16 moved in "1" frame, nothing made */
	CU_ASSERT_FALSE(pmt_pool_reuse_seen(&f, 4.1));
}

static void test_size_rule(void)
{
	struct pmt_pool_dist d;

	CU_ASSERT_EQUAL(pmt_pool_size_rule(0), 0);
	CU_ASSERT_EQUAL(pmt_pool_size_rule(1), 3);   /* at least 2 spare */
	CU_ASSERT_EQUAL(pmt_pool_size_rule(8), 10);  /* 8 + 2 */
	CU_ASSERT_EQUAL(pmt_pool_size_rule(9), 12);  /* 9 + ceil(9/4) */
	CU_ASSERT_EQUAL(pmt_pool_size_rule(100), 125);
	CU_ASSERT_EQUAL(pmt_pool_size_rule(101), 127);
	/* overflow: frames above the size miss the excess */
	pmt_pool_dist_init(&d);
	pmt_pool_dist_add(&d, 100, 98);
	pmt_pool_dist_add(&d, 130, 1);
	pmt_pool_dist_add(&d, 200, 1);
	CU_ASSERT_EQUAL(pmt_pool_overflow(&d, 125), 5 + 75);
	CU_ASSERT_EQUAL(pmt_pool_overflow(&d, 200), 0);
	CU_ASSERT_EQUAL(pmt_pool_overflow(&d, 99), 98 + 31 + 101);
	pmt_pool_dist_free(&d);
}

/* ---- the replay against an event-by-event model ---------------------------------- */

/*
 * The ground truth: the interpreter's rule applied one object at a time.
 * An event is +1 (a GC allocation) or -1 (a GC free) of the subject or of
 * the rest of the program.
 */
struct truth_ev {
	int delta;
	bool subject;
};

struct truth {
	int count, threshold;
	uint64_t collections;
};

static void truth_apply(struct truth *t, int delta)
{
	if (delta > 0) {
		t->count++;
		if (t->count > t->threshold) {
			t->collections++;
			t->count = 0;
		}
	} else if (t->count > 0) {
		t->count--;
	}
}

/* Collections of the run without the subject's events. */
static uint64_t truth_without(const struct truth_ev *e, size_t n, int threshold, int start)
{
	struct truth t = { start, threshold, 0 };
	size_t i;

	for (i = 0; i < n; i++)
		if (!e[i].subject)
			truth_apply(&t, e[i].delta);
	return t.collections;
}

/*
 * Run @e through the rule and record what a sampler probing only the
 * subject records: a reading after each subject allocation (a return
 * probe) and before each subject free (an entry probe), plus readings at
 * the start and the end. Subject events are removed in the alternative.
 */
static size_t record(const struct truth_ev *e, size_t n, int threshold, int start,
		     struct pmt_gen0_item *out, uint64_t *coll_seen)
{
	struct truth t = { start, threshold, 0 };
	size_t i, k = 0;

	out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = t.count };
	for (i = 0; i < n; i++) {
		if (e[i].subject && e[i].delta < 0) {
			out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ,
							   .count = t.count,
							   .collections = t.collections };
			out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .after_read = 1,
							   .real = -1, .alt = 0 };
		}
		truth_apply(&t, e[i].delta);
		if (e[i].subject && e[i].delta > 0) {
			out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .real = 1,
							   .alt = 0 };
			out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ,
							   .count = t.count,
							   .collections = t.collections };
		}
	}
	out[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = t.count,
					   .collections = t.collections };
	*coll_seen = t.collections;
	return k;
}

/* A frame: the subject makes @burst instances kept till the frame's end
 * while the rest allocates @other and frees @other_free, then all go. */
static size_t frame_events(struct truth_ev *e, size_t k, int burst, int other, int other_free)
{
	int i;

	for (i = 0; i < burst; i++) {
		e[k++] = (struct truth_ev){ 1, true };
		if (i < other)
			e[k++] = (struct truth_ev){ 1, false };
	}
	for (i = 0; i < burst; i++) {
		e[k++] = (struct truth_ev){ -1, true };
		if (i < other_free)
			e[k++] = (struct truth_ev){ -1, false };
	}
	return k;
}

static void test_replay_burst(void)
{
	enum { FRAMES = 40, BURST = 1000 };
	struct truth_ev *e = calloc(FRAMES * BURST * 4, sizeof(*e));
	struct pmt_gen0_item *it = calloc(FRAMES * BURST * 8 + 4, sizeof(*it));
	struct pmt_gen0_params p = { 700, true };
	struct pmt_gen0_result r;
	uint64_t seen, without;
	size_t n = 0, k;
	int f;

	/* The rest of the game grows by 30 objects a frame: a collection
	 * every ~23 frames without the subject. */
	for (f = 0; f < FRAMES; f++)
		n = frame_events(e, n, BURST, 100, 70);
	k = record(e, n, 700, 0, it, &seen);
	without = truth_without(e, n, 700, 0);
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, it, k, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.triggers_seen, seen);
	CU_ASSERT_TRUE(seen >= FRAMES); /* at least one a frame with the burst */
	NEAR(r.replayed, r.seen, 1e-9);
	/* The alternative agrees with the truth to within one collection
	 * (the truth counts whole collections, the replay equivalents). */
	NEAR(r.alt, (double)without, 1.0);
	CU_ASSERT_TRUE(r.seen - r.alt > 0.9 * (double)(seen - without));
	free(e);
	free(it);
}

static void test_replay_transient(void)
{
	enum { N = 50000 };
	struct truth_ev *e = calloc(3 * N, sizeof(*e));
	struct pmt_gen0_item *it = calloc(4 * N + 4, sizeof(*it));
	struct pmt_gen0_params p = { 700, true };
	struct pmt_gen0_result r;
	uint64_t seen, without;
	size_t n = 0, k;
	int i;

	/* Created and dropped at once, while the rest grows slowly: pooling
	 * saves no collection at all. */
	for (i = 0; i < N; i++) {
		e[n++] = (struct truth_ev){ 1, true };
		e[n++] = (struct truth_ev){ -1, true };
		if (i % 10 == 0)
			e[n++] = (struct truth_ev){ 1, false };
	}
	k = record(e, n, 700, 0, it, &seen);
	without = truth_without(e, n, 700, 0);
	CU_ASSERT_EQUAL(seen, without);
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, it, k, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.triggers_seen, seen);
	NEAR(r.seen - r.alt, 0, 0.01);
	NEAR(r.replayed, r.seen, 1e-9);
	free(e);
	free(it);
}

/* The collector disabled, a bad call, an alt function, a threshold. */
static double alt_by_tag(void *ctx, const struct pmt_gen0_item *it)
{
	return it->tag == *(uint32_t *)ctx ? 0 : it->real;
}

static void test_replay_misc(void)
{
	struct pmt_gen0_item v[8];
	struct pmt_gen0_params p = { 10, true };
	struct pmt_gen0_result r;
	uint32_t removed = 2;

	/* readings 0 -> 5 with five tagged +1 events: tag 2 removed */
	memset(v, 0, sizeof(v));
	v[0].kind = PMT_GEN0_READ;
	v[1] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .real = 1, .tag = 1 };
	v[2] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .real = 1, .tag = 2 };
	v[3] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .real = 1, .tag = 2 };
	v[4] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = 3 };
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 5, alt_by_tag, &removed, &r), 0);
	NEAR(r.seen, 3.0 / 11, 1e-12);
	NEAR(r.alt, 1.0 / 11, 1e-12);
	CU_ASSERT_EQUAL(r.readings, 2);
	CU_ASSERT_EQUAL(r.events, 3);
	/* a collection in the gap: others = 2 - 3 + 11 = 10 */
	v[5] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = 2, .collections = 1 };
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 6, alt_by_tag, &removed, &r), 0);
	CU_ASSERT_EQUAL(r.triggers_seen, 1);
	NEAR(r.seen, 1 + 2.0 / 11, 1e-12);
	NEAR(r.replayed, r.seen, 1e-12);
	/* without tag 2: 1 + 10 = 11: also one collection, count 0 */
	NEAR(r.alt, 1.0, 1e-12);
	/* disabled: nothing collected either way */
	p.enabled = false;
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 6, alt_by_tag, &removed, &r), 0);
	NEAR(r.seen, 0, 0);
	NEAR(r.alt, 0, 0);
	p.enabled = true;
	p.threshold = 0;
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 6, alt_by_tag, &removed, &r), 0);
	NEAR(r.seen, 0, 0);
	/* errors */
	p.threshold = 10;
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 1, NULL, NULL, &r), -EINVAL);
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v + 1, 3, NULL, NULL, &r), -EINVAL);
	p.threshold = -1;
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, 6, NULL, NULL, &r), -EINVAL);
}

/*
 * An in-process pool: its hits allocate nothing as run, the alternative
 * puts the allocations back (acquire +1, release -1). 1,000 acquires held
 * to the frame's end each frame, readings at each: pooling saved about one
 * collection a frame (1,000 / 701).
 */
static void test_replay_add_back(void)
{
	enum { FRAMES = 70, HELD = 1000 };
	struct pmt_gen0_item *v = calloc(FRAMES * HELD * 4 + 2, sizeof(*v));
	struct pmt_gen0_params p = { 700, true };
	struct pmt_gen0_result r;
	size_t k = 0;
	int f, i;

	for (f = 0; f < FRAMES; f++) {
		for (i = 0; i < HELD; i++) {
			v[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = 5 };
			v[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .after_read = 1,
							 .real = 0, .alt = 1 };
		}
		for (i = 0; i < HELD; i++) {
			v[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = 5 };
			v[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_EVENT, .after_read = 1,
							 .real = 0, .alt = -1 };
		}
	}
	v[k++] = (struct pmt_gen0_item){ .kind = PMT_GEN0_READ, .count = 5 };
	CU_ASSERT_EQUAL(pmt_gen0_replay(&p, v, k, NULL, NULL, &r), 0);
	NEAR(r.seen, 0, 1e-12);
	/* each frame climbs 1,000: one collection, the rest freed to 0 */
	NEAR(r.alt, FRAMES - 5.0 / 701, 1e-9); /* and from 5 down to 0 at the end */
	free(v);
}

static void test_weight(void)
{
	double s[20] = { 0 };
	int i;

	CU_ASSERT_EQUAL(pmt_gen0_weight(s, 7, 1.5), 1.5);
	/* 16 frees of instance + dict (2), two with the dict kept on the free
	 * list (1), and two outliers trimmed */
	for (i = 0; i < 16; i++)
		s[i] = 2;
	s[16] = 1;
	s[17] = 1;
	s[18] = 0;
	s[19] = 50;
	NEAR(pmt_gen0_weight(s, 20, 1), (1 + 15 * 2) / 16.0, 1e-12); /* 0, 1 and 2, 50 cut */
	for (i = 0; i < 10; i++)
		s[i] = 1;
	NEAR(pmt_gen0_weight(s, 10, 3), 1, 0);
}

static void test_weight_hist(void)
{
	uint64_t h[17] = { 0 };

	CU_ASSERT_EQUAL(pmt_gen0_weight_hist(h, 17, 2.5), 2.5);
	/* the steps of test_weight, the outlier 50 in the last bin (16) */
	h[0] = 1;
	h[1] = 2;
	h[2] = 16;
	h[16] = 1;
	NEAR(pmt_gen0_weight_hist(h, 17, 1), (1 + 15 * 2) / 16.0, 1e-12);
	memset(h, 0, sizeof(h));
	h[3] = 7;
	CU_ASSERT_EQUAL(pmt_gen0_weight_hist(h, 17, 1), 1); /* fewer than 8 */
	h[3] = 8;
	NEAR(pmt_gen0_weight_hist(h, 17, 1), 3, 0);
}

static void test_savings(void)
{
	struct pmt_pool_savings_in in = {
		.seconds = 2,
		.creations = 24000,
		.overflow = 400,
		.destructions = 23000,
		.instance_bytes = 64,
		.gen0_seen = 90,
		.gen0_alt = 10,
		.ns_per_collection = 50000,
		.ns_per_alloc = 100,
	};
	struct pmt_pool_savings s;

	CU_ASSERT_EQUAL(pmt_pool_savings(&in, &s), 0);
	NEAR(s.allocs_per_s, 11800, 1e-9);
	NEAR(s.frees_per_s, 11300, 1e-9);
	NEAR(s.bytes_per_s, 11800 * 64.0, 1e-9);
	NEAR(s.gen0_per_s, 40, 1e-9);
	NEAR(s.gen0_seen_per_s, 45, 1e-9);
	NEAR(s.time_ns_per_s, 40 * 50000.0 + 11800 * 100.0, 1e-6);
	CU_ASSERT_TRUE(pmt_pool_worth(PMT_POOL_TRANSIENT, &s));
	CU_ASSERT_FALSE(pmt_pool_worth(PMT_POOL_PERSISTENT, &s));
	CU_ASSERT_FALSE(pmt_pool_worth(PMT_POOL_ALREADY_POOLED, &s));
	/* the alternative worse than the run: nothing avoided, never negative */
	in.gen0_alt = 100;
	in.overflow = 30000;
	CU_ASSERT_EQUAL(pmt_pool_savings(&in, &s), 0);
	NEAR(s.gen0_per_s, 0, 0);
	NEAR(s.allocs_per_s, 0, 0);
	NEAR(s.frees_per_s, 0, 0);
	CU_ASSERT_FALSE(pmt_pool_worth(PMT_POOL_SHORT_LIVED, &s));
	s.gen0_per_s = 0.1;
	CU_ASSERT_TRUE(pmt_pool_worth(PMT_POOL_SHORT_LIVED, &s));
	in.seconds = 0;
	CU_ASSERT_EQUAL(pmt_pool_savings(&in, &s), -EINVAL);
}

static void test_rank(void)
{
	struct pmt_pool_rank_item v[] = {
		{ 1, 100, 0, 5000 }, { 2, 900, 3, 100 }, { 3, 100, 0, 7000 },
		{ 4, 100, 0, 7000 }, { 5, 100, 1, 0 },
	};
	uint64_t before[3] = { 2, 5, 4 }, now[3];
	size_t i;

	pmt_pool_rank(v, PMT_ARRAY_SIZE(v));
	CU_ASSERT_EQUAL(v[0].id, 2);
	CU_ASSERT_EQUAL(v[1].id, 5); /* same time: more collections */
	CU_ASSERT_EQUAL(v[2].id, 3); /* then more allocations, then id */
	CU_ASSERT_EQUAL(v[3].id, 4);
	CU_ASSERT_EQUAL(v[4].id, 1);
	for (i = 0; i < 3; i++)
		now[i] = v[i].id;
	CU_ASSERT_EQUAL(pmt_pool_rank_entered(before, 3, now, 3), 2); /* 3 is new */
	CU_ASSERT_EQUAL(pmt_pool_rank_entered(now, 3, now, 3), -1);
	CU_ASSERT_EQUAL(pmt_pool_rank_entered(before, 0, now, 1), 0);
	CU_ASSERT_EQUAL(pmt_pool_rank_entered(before, 3, now, 0), -1);
}

static void test_block_bytes(void)
{
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(0, true), 16);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(1, true), 16);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(48, true), 48);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(49, true), 64);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(512, true), 512);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(513, true), 528);  /* 513 + 8 -> 528 */
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(8, false), 32);    /* malloc's minimum chunk */
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(24, false), 32);
	CU_ASSERT_EQUAL(pmt_pool_block_bytes(25, false), 48);
}

void pmt_test_register_pools(void)
{
	static const struct pmt_test tests[] = {
		{ "distribution, exact values and zero frames", test_dist_exact },
		{ "distribution, large values and merge", test_dist_large },
		{ "lifetime bins", test_life_bins },
		{ "classification", test_classify },
		{ "a free list seen from outside: reuse or not", test_freelist },
		{ "pool size rule and overflow", test_size_rule },
		{ "gen-0 replay: a burst kept to the frame's end", test_replay_burst },
		{ "gen-0 replay: created and dropped at once", test_replay_transient },
		{ "gen-0 replay: gaps, collections, disabled, errors", test_replay_misc },
		{ "gen-0 replay: an in-process pool's hits added back", test_replay_add_back },
		{ "gen-0 weight of a life", test_weight },
		{ "gen-0 weight from a histogram", test_weight_hist },
		{ "savings and when a pool is worth it", test_savings },
		{ "ranking and entries into the top", test_rank },
		{ "allocator block sizes", test_block_bytes },
	};

	pmt_test_add_suite("pools", tests, PMT_ARRAY_SIZE(tests));
}
