// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_evict.c - unit tests of eviction plans: the exact order of small
 * hand-made candidate sets for every strategy, each tie-break exercised
 * and every input order giving the same plan; hybrid scores computed by
 * hand (with the default weights, custom ones, rounding ties, frames after
 * now); the stop point (the limit reached exactly, one byte short); not
 * enough evictable assets; usage already under the limit; the fallback
 * when use is not tracked; argument errors; saturation at the extremes;
 * and random sets checked against a reference ordering and a minimal
 * prefix.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/evict.h"
#include "suites.h"

#define MAXC 48 /* candidates in a set, at most */
#define EPS 1e-9

/* A candidate of @bytes loaded in @load, used @uses times, last in @last. */
static struct pmt_evict_candidate mk(uint64_t obj, uint64_t bytes, uint64_t load, uint64_t last,
				     uint64_t uses, int32_t prio)
{
	struct pmt_evict_candidate c;

	memset(&c, 0, sizeof(c));
	c.obj = obj;
	c.bytes = bytes;
	c.load_frame = load;
	c.last_use_frame = last;
	c.uses = uses;
	c.priority = prio;
	c.score = -1; /* the plan must overwrite it */
	return c;
}

/* Plan over a copy of @in with its first element moved @rot places on and reversed if @rev. */
static int plan_permuted(enum pmt_evict_strategy s, const struct pmt_evict_weights *w,
			 const struct pmt_evict_candidate *in, size_t n, size_t rot, bool rev,
			 uint64_t usage, uint64_t limit, uint64_t now, bool tracked,
			 struct pmt_evict_candidate *out_c, struct pmt_evict_plan *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t j = (i + rot) % n;

		out_c[rev ? n - 1 - i : i] = in[j];
	}
	return pmt_evict_plan(s, w, out_c, n, usage, limit, now, tracked, p);
}

/*
 * Check that @s orders @in as @want (object addresses) from every rotation
 * of the input, forwards and reversed; leave the sorted set in @sorted.
 */
static void expect_order(enum pmt_evict_strategy s, const struct pmt_evict_weights *w,
			 const struct pmt_evict_candidate *in, size_t n, uint64_t now, bool tracked,
			 const uint64_t *want, struct pmt_evict_candidate *sorted)
{
	struct pmt_evict_candidate c[MAXC];
	struct pmt_evict_plan p;
	size_t rot, i;
	int rev;

	CU_ASSERT_FATAL(n <= MAXC);
	for (rot = 0; rot < n; rot++) {
		for (rev = 0; rev < 2; rev++) {
			CU_ASSERT_EQUAL_FATAL(plan_permuted(s, w, in, n, rot, rev, 0, 0, now,
							    tracked, c, &p), 0);
			for (i = 0; i < n; i++)
				CU_ASSERT_EQUAL(c[i].obj, want[i]);
			CU_ASSERT_EQUAL(p.count, 0);
			CU_ASSERT_EQUAL(p.status, PMT_EVICT_UNDER_LIMIT);
		}
	}
	if (sorted)
		memcpy(sorted, c, n * sizeof(*c));
}

/* The score of candidate @obj in the sorted set @c. */
static double score_of(const struct pmt_evict_candidate *c, size_t n, uint64_t obj)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].obj == obj)
			return c[i].score;
	CU_FAIL("object not in the set");
	return NAN;
}

static void test_names(void)
{
	static const char *const want[PMT_EVICT_STRATEGIES] = {
		"lru", "lfu", "priority", "size", "age", "hybrid",
	};
	enum pmt_evict_strategy s;
	int i;

	for (i = 0; i < PMT_EVICT_STRATEGIES; i++) {
		CU_ASSERT_STRING_EQUAL(pmt_evict_strategy_name((enum pmt_evict_strategy)i),
				       want[i]);
		s = PMT_EVICT_STRATEGIES;
		CU_ASSERT_EQUAL(pmt_evict_strategy_parse(want[i], &s), 0);
		CU_ASSERT_EQUAL(s, i);
	}
	CU_ASSERT_STRING_EQUAL(pmt_evict_strategy_name(PMT_EVICT_STRATEGIES), "unknown");
	CU_ASSERT_STRING_EQUAL(pmt_evict_strategy_name((enum pmt_evict_strategy)-1), "unknown");

	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("LRU", &s), 0);
	CU_ASSERT_EQUAL(s, PMT_EVICT_LRU);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("Hybrid", &s), 0);
	CU_ASSERT_EQUAL(s, PMT_EVICT_HYBRID);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("mru", &s), -EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("", &s), -EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("lru ", &s), -EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse(NULL, &s), -EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_strategy_parse("lru", NULL), -EINVAL);
	CU_ASSERT_EQUAL(s, PMT_EVICT_HYBRID); /* untouched by the failures */

	CU_ASSERT_STRING_EQUAL(pmt_evict_status_text(PMT_EVICT_UNDER_LIMIT), "under the limit");
	CU_ASSERT_STRING_EQUAL(pmt_evict_status_text(PMT_EVICT_ENOUGH), "back under the limit");
	CU_ASSERT_STRING_EQUAL(pmt_evict_status_text(PMT_EVICT_NOT_ENOUGH),
			       "not enough evictable assets");
	CU_ASSERT_STRING_EQUAL(pmt_evict_status_text(PMT_EVICT_STATUSES), "unknown");
}

static void test_defaults_and_from_asset(void)
{
	struct pmt_evict_weights w;
	struct pmt_evict_candidate c;
	struct pmt_asset a;

	pmt_evict_weights_default(&w);
	CU_ASSERT_DOUBLE_EQUAL(w.lru, 0.4, EPS);
	CU_ASSERT_DOUBLE_EQUAL(w.lfu, 0.2, EPS);
	CU_ASSERT_DOUBLE_EQUAL(w.size, 0.2, EPS);
	CU_ASSERT_DOUBLE_EQUAL(w.age, 0.1, EPS);
	CU_ASSERT_DOUBLE_EQUAL(w.priority, 0.1, EPS);

	memset(&a, 0, sizeof(a));
	a.l.obj = 0xabc0;
	a.l.bytes = 4096;
	a.l.ts_ns = 123;
	a.l.frame = 7;
	a.l.type = PMT_ASSET_TEXTURE;
	a.l.path_id = 3;
	a.l.site_id = 4;
	a.uses = 9;
	a.last_use_frame = 41;
	memset(&c, 0xff, sizeof(c));
	pmt_evict_candidate_from_asset(&c, &a, -3);
	CU_ASSERT_EQUAL(c.obj, 0xabc0);
	CU_ASSERT_EQUAL(c.bytes, 4096);
	CU_ASSERT_EQUAL(c.load_frame, 7);
	CU_ASSERT_EQUAL(c.last_use_frame, 41);
	CU_ASSERT_EQUAL(c.uses, 9);
	CU_ASSERT_EQUAL(c.priority, -3);
	CU_ASSERT_EQUAL(c.path_id, 3);
	CU_ASSERT_EQUAL(c.site_id, 4);
	CU_ASSERT_EQUAL(c.type, PMT_ASSET_TEXTURE);
	CU_ASSERT_EQUAL(c.score, 0);
}

static void test_order_lru(void)
{
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 20, 3, 0),  /* used at 20 */
		mk(0x20, 100, 8, 99, 0, 0),  /* never used: at its load, 8; last ignored */
		mk(0x30, 100, 2, 8, 1, 0),   /* at 8, loaded before 0x20 */
		mk(0x40, 300, 2, 8, 2, 0),   /* ties 0x30 but larger */
		mk(0x08, 300, 2, 8, 5, 0),   /* ties 0x40 but lower address */
		mk(0x50, 50, 1, 30, 1, -9),  /* used last */
		mk(0x01, 0, 0, 0, 0, -9),    /* size unknown: last whatever its keys */
	};
	const uint64_t want[] = { 0x08, 0x40, 0x30, 0x20, 0x10, 0x50, 0x01 };

	expect_order(PMT_EVICT_LRU, NULL, in, PMT_ARRAY_SIZE(in), 100, true, want, NULL);
}

static void test_order_lfu(void)
{
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 0, 0, 0),
		mk(0x20, 100, 3, 0, 0, 0),     /* loaded before 0x10 */
		mk(0x30, 200, 3, 0, 0, 0),     /* ties 0x20 but larger */
		mk(0x05, 200, 3, 0, 0, 0),     /* ties 0x30 but lower address */
		mk(0x40, 1000, 0, 90, 1, 0),   /* one use */
		mk(0x50, 10, 0, 1, 7, -5),     /* most used */
		mk(0x01, 0, 0, 0, 0, 0),       /* size unknown */
	};
	const uint64_t want[] = { 0x05, 0x30, 0x20, 0x10, 0x40, 0x50, 0x01 };

	expect_order(PMT_EVICT_LFU, NULL, in, PMT_ARRAY_SIZE(in), 100, true, want, NULL);
}

static void test_order_priority(void)
{
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 0, 0, 0),
		mk(0x20, 10, 9, 0, 0, -5),
		mk(0x30, 500, 9, 0, 0, 0),           /* same priority as 0x10, larger */
		mk(0x40, 100, 1, 0, 0, 0),           /* ties 0x10 on bytes, older */
		mk(0x08, 100, 1, 0, 0, 0),           /* ties 0x40 but lower address */
		mk(0x50, 9999, 0, 0, 0, 10),
		mk(0x60, 1, 50, 50, 3, INT32_MIN),
		mk(0x70, 5, 0, 0, 0, INT32_MAX),
		mk(0x02, 0, 0, 0, 0, INT32_MIN),     /* size unknown */
	};
	const uint64_t want[] = { 0x60, 0x20, 0x30, 0x08, 0x40, 0x10, 0x50, 0x70, 0x02 };

	expect_order(PMT_EVICT_PRIORITY, NULL, in, PMT_ARRAY_SIZE(in), 100, true, want, NULL);
}

static void test_order_size(void)
{
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 0, 0, 0),
		mk(0x20, 400, 5, 0, 0, 0),
		mk(0x30, 400, 2, 0, 0, 0),           /* ties 0x20, older */
		mk(0x05, 400, 2, 0, 0, 0),           /* ties 0x30, lower address */
		mk(0x40, 0, 0, 0, 0, -1),            /* size unknown */
		mk(0x50, UINT64_MAX, 9, 0, 0, 99),
	};
	const uint64_t want[] = { 0x50, 0x05, 0x30, 0x20, 0x10, 0x40 };

	expect_order(PMT_EVICT_SIZE, NULL, in, PMT_ARRAY_SIZE(in), 100, true, want, NULL);
}

static void test_order_age(void)
{
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 99, 9, 0),
		mk(0x20, 100, 1, 0, 0, 0),
		mk(0x30, 300, 1, 0, 0, 0),           /* same load as 0x20, larger */
		mk(0x40, 300, 1, 0, 0, 0),           /* ties 0x30, higher address */
		mk(0x50, 10, 9, 9, 100, 0),
		mk(0x60, 0, 0, 0, 0, 0),             /* size unknown */
	};
	const uint64_t want[] = { 0x30, 0x40, 0x20, 0x10, 0x50, 0x60 };

	expect_order(PMT_EVICT_AGE, NULL, in, PMT_ARRAY_SIZE(in), 100, true, want, NULL);
}

/*
 * Default weights at frame 100. Ranges: idle 0..100, uses 0..10, bytes
 * 1000..4000, age 20..100, priority -5..5.
 *  0x10 idle 100 (never used), uses 0, 1000 B, age 100, prio 0:
 *       .4*1 + .2*1 + .2*0 + .1*1 + .1*.5 = .75
 *  0x20 idle 10, uses 10, 4000 B, age 50, prio 0:
 *       .4*.1 + .2*0 + .2*1 + .1*.375 + .1*.5 = .3275
 *  0x30 idle 0, uses 5, 2000 B, age 20, prio 5:
 *       .4*0 + .2*.5 + .2*(1/3) + .1*0 + .1*0 = .166666667
 *  0x40 idle 40, uses 2, 3000 B, age 80, prio -5:
 *       .4*.4 + .2*.8 + .2*(2/3) + .1*.75 + .1*1 = .628333333
 *  0x50 size unknown: 0, and last.
 */
#define CAND(o, b, l, lu, u, p) \
	{ .obj = (o), .bytes = (b), .load_frame = (l), .last_use_frame = (lu), .uses = (u), \
	  .score = -1, .priority = (p) }
static const struct pmt_evict_candidate hybrid_set[] = {
	CAND(0x10, 1000, 0, 0, 0, 0),
	CAND(0x20, 4000, 50, 90, 10, 0),
	CAND(0x30, 2000, 80, 100, 5, 5),
	CAND(0x40, 3000, 20, 60, 2, -5),
	CAND(0x50, 0, 0, 0, 0, -100),
};

static void test_hybrid_default(void)
{
	const uint64_t want[] = { 0x10, 0x40, 0x20, 0x30, 0x50 };
	struct pmt_evict_candidate c[PMT_ARRAY_SIZE(hybrid_set)];
	struct pmt_evict_weights w;
	struct pmt_evict_plan p;
	size_t n = PMT_ARRAY_SIZE(hybrid_set);

	expect_order(PMT_EVICT_HYBRID, NULL, hybrid_set, n, 100, true, want, c);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x10), 0.75, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x20), 0.3275, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x30), 0.166666667, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x40), 0.628333333, EPS);
	CU_ASSERT_EQUAL(score_of(c, n, 0x50), 0);

	/* Explicit defaults and the same weights scaled by 10 score the same. */
	pmt_evict_weights_default(&w);
	w.lru *= 10, w.lfu *= 10, w.size *= 10, w.age *= 10, w.priority *= 10;
	expect_order(PMT_EVICT_HYBRID, &w, hybrid_set, n, 100, true, want, c);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x40), 0.628333333, EPS);

	/* The plan takes the best-scored first: 1000 + 3000 B reach 4000 needed. */
	memcpy(c, hybrid_set, sizeof(c));
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, NULL, c, n, 14000, 10000, 100, true, &p),
			0);
	CU_ASSERT_EQUAL(p.count, 2);
	CU_ASSERT_EQUAL(p.bytes_freed, 4000);
	CU_ASSERT_EQUAL(p.usage_after, 10000);
	CU_ASSERT(p.enough);
	CU_ASSERT_EQUAL(p.strategy, PMT_EVICT_HYBRID);
	CU_ASSERT_FALSE(p.use_ignored);
}

static void test_hybrid_weights(void)
{
	/* lru only: plain idle time, ties on idle broken by bytes then load. */
	const struct pmt_evict_weights lru_only = { 1, 0, 0, 0, 0 };
	/* priority only: -5 -> 1, 0 -> .5, 5 -> 0. */
	const struct pmt_evict_weights prio_only = { 0, 0, 0, 0, 2 };
	const uint64_t want_lru[] = { 0x10, 0x40, 0x20, 0x30, 0x50 };
	const uint64_t want_prio[] = { 0x40, 0x20, 0x10, 0x30, 0x50 };
	struct pmt_evict_candidate c[PMT_ARRAY_SIZE(hybrid_set)];
	size_t n = PMT_ARRAY_SIZE(hybrid_set);

	expect_order(PMT_EVICT_HYBRID, &lru_only, hybrid_set, n, 100, true, want_lru, c);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x10), 1.0, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x40), 0.4, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x20), 0.1, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x30), 0.0, EPS);

	/* 0x20 and 0x10 tie at .5: the larger (0x20, 4000 B) goes first. */
	expect_order(PMT_EVICT_HYBRID, &prio_only, hybrid_set, n, 100, true, want_prio, c);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x40), 1.0, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x20), 0.5, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x10), 0.5, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x30), 0.0, EPS);
}

/*
 * Weights .1/.2/.3 (sum .6): 0x10 scores (.1 + .2) / .6 and 0x20 .3 / .6,
 * both .5 in exact arithmetic but not in binary floating point; rounding
 * makes them tie, so the larger, 0x20, goes first.
 */
static void test_hybrid_rounding_tie(void)
{
	const struct pmt_evict_weights w = { 0.1, 0.2, 0.3, 0, 0 };
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 0, 0, 0, 0),   /* idle 10 -> 1, uses 0 -> 1, smallest -> 0 */
		mk(0x20, 500, 0, 10, 5, 0),  /* idle 0 -> 0, most uses -> 0, largest -> 1 */
	};
	const uint64_t want[] = { 0x20, 0x10 };
	struct pmt_evict_candidate c[2];

	expect_order(PMT_EVICT_HYBRID, &w, in, 2, 10, true, want, c);
	CU_ASSERT_EQUAL(c[0].score, c[1].score);
	CU_ASSERT_DOUBLE_EQUAL(c[0].score, 0.5, EPS);
}

/* Equal factors score 0; frames after now count as now. */
static void test_hybrid_degenerate(void)
{
	const struct pmt_evict_weights age_only = { 0, 0, 0, 1, 0 };
	const struct pmt_evict_candidate same[] = {
		mk(0x30, 100, 4, 6, 2, 1),
		mk(0x10, 100, 4, 6, 2, 1),
		mk(0x20, 100, 4, 6, 2, 1),
	};
	const struct pmt_evict_candidate future[] = {
		mk(0x10, 100, 5, 0, 0, 0),   /* age 5 -> 1 */
		mk(0x20, 100, 10, 0, 0, 0),  /* age 0 */
		mk(0x30, 200, 50, 0, 0, 0),  /* loaded "after" now: age 0, ties 0x20 */
	};
	const uint64_t want_same[] = { 0x10, 0x20, 0x30 };
	const uint64_t want_future[] = { 0x10, 0x30, 0x20 };
	const uint64_t want_one[] = { 0x30 };
	struct pmt_evict_candidate c[3];

	expect_order(PMT_EVICT_HYBRID, NULL, same, 3, 10, true, want_same, c);
	CU_ASSERT_EQUAL(c[0].score, 0);
	CU_ASSERT_EQUAL(c[2].score, 0);
	expect_order(PMT_EVICT_HYBRID, NULL, same, 1, 10, true, want_one, c);
	CU_ASSERT_EQUAL(c[0].score, 0);

	expect_order(PMT_EVICT_HYBRID, &age_only, future, 3, 10, true, want_future, c);
	CU_ASSERT_DOUBLE_EQUAL(c[0].score, 1.0, EPS);
	CU_ASSERT_EQUAL(c[1].score, 0);
	CU_ASSERT_EQUAL(c[2].score, 0);
}

/* Sizes 500, 300, 200, 100 planned by SIZE against a usage of @usage. */
static void plan_sizes(uint64_t usage, uint64_t limit, struct pmt_evict_plan *p)
{
	struct pmt_evict_candidate c[] = {
		mk(0x40, 100, 0, 0, 0, 0),
		mk(0x30, 300, 0, 0, 0, 0),
		mk(0x10, 500, 0, 0, 0, 0),
		mk(0x20, 200, 0, 0, 0, 0),
	};

	CU_ASSERT_EQUAL_FATAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, c, 4, usage, limit, 0, true, p),
			      0);
	CU_ASSERT_EQUAL(c[0].obj, 0x10);
	CU_ASSERT_EQUAL(c[1].obj, 0x30);
	CU_ASSERT_EQUAL(p->usage, usage);
	CU_ASSERT_EQUAL(p->limit, limit);
	CU_ASSERT_EQUAL(p->evictable, 4);
}

static void test_stop_point(void)
{
	struct pmt_evict_plan p;

	/* 500 needed, the first frees exactly 500: usage lands on the limit. */
	plan_sizes(1000, 500, &p);
	CU_ASSERT_EQUAL(p.bytes_needed, 500);
	CU_ASSERT_EQUAL(p.count, 1);
	CU_ASSERT_EQUAL(p.bytes_freed, 500);
	CU_ASSERT_EQUAL(p.usage_after, 500);
	CU_ASSERT_EQUAL(p.shortfall, 0);
	CU_ASSERT(p.enough);
	CU_ASSERT_EQUAL(p.status, PMT_EVICT_ENOUGH);

	/* One byte more needed: the next one too. */
	plan_sizes(1000, 499, &p);
	CU_ASSERT_EQUAL(p.bytes_needed, 501);
	CU_ASSERT_EQUAL(p.count, 2);
	CU_ASSERT_EQUAL(p.bytes_freed, 800);
	CU_ASSERT_EQUAL(p.usage_after, 200);
	CU_ASSERT(p.enough);

	plan_sizes(1000, 200, &p);
	CU_ASSERT_EQUAL(p.count, 2);
	CU_ASSERT_EQUAL(p.usage_after, 200);
	plan_sizes(1000, 199, &p);
	CU_ASSERT_EQUAL(p.count, 3);
	CU_ASSERT_EQUAL(p.bytes_freed, 1000);
	CU_ASSERT_EQUAL(p.usage_after, 0);

	/* Limit 0: everything tracked is the whole usage; the last 100 B is not needed. */
	plan_sizes(1000, 0, &p);
	CU_ASSERT_EQUAL(p.count, 3);
	CU_ASSERT_EQUAL(p.usage_after, 0);
	CU_ASSERT(p.enough);

	/* One byte over: one release of 500. */
	plan_sizes(1001, 1000, &p);
	CU_ASSERT_EQUAL(p.bytes_needed, 1);
	CU_ASSERT_EQUAL(p.count, 1);
	CU_ASSERT_EQUAL(p.usage_after, 501);

	/* Assets freeing more than the usage counts (partial accounting): 0 after, not a wrap. */
	plan_sizes(1001, 0, &p);
	CU_ASSERT_EQUAL(p.count, 4);
	CU_ASSERT_EQUAL(p.bytes_freed, 1100);
	CU_ASSERT_EQUAL(p.usage_after, 0);
	CU_ASSERT(p.enough);
}

static void test_not_enough(void)
{
	struct pmt_evict_candidate c[] = {
		mk(0x10, 500, 3, 0, 0, 0),
		mk(0x20, 0, 1, 0, 0, 0),     /* unknown size: never planned */
		mk(0x30, 300, 1, 0, 0, 0),
		mk(0x40, 200, 2, 0, 0, 0),
		mk(0x50, 100, 0, 0, 0, 0),
	};
	struct pmt_evict_plan p;

	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_AGE, NULL, c, 5, 5000, 1000, 9, true, &p), 0);
	CU_ASSERT_EQUAL(p.bytes_needed, 4000);
	CU_ASSERT_EQUAL(p.evictable, 4);
	CU_ASSERT_EQUAL(p.count, 4);
	CU_ASSERT_EQUAL(p.bytes_freed, 1100);
	CU_ASSERT_EQUAL(p.usage_after, 3900);
	CU_ASSERT_EQUAL(p.shortfall, 2900);
	CU_ASSERT_FALSE(p.enough);
	CU_ASSERT_EQUAL(p.status, PMT_EVICT_NOT_ENOUGH);
	CU_ASSERT_STRING_EQUAL(pmt_evict_status_text(p.status), "not enough evictable assets");
	CU_ASSERT_EQUAL(c[0].obj, 0x50);
	CU_ASSERT_EQUAL(c[1].obj, 0x30);
	CU_ASSERT_EQUAL(c[2].obj, 0x40);
	CU_ASSERT_EQUAL(c[3].obj, 0x10);
	CU_ASSERT_EQUAL(c[4].obj, 0x20);

	/* Short by one byte. */
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, c, 5, 2101, 1000, 9, true, &p), 0);
	CU_ASSERT_EQUAL(p.count, 4);
	CU_ASSERT_EQUAL(p.usage_after, 1001);
	CU_ASSERT_EQUAL(p.shortfall, 1);
	CU_ASSERT_FALSE(p.enough);

	/* Nothing to evict at all (NULL accepted with n 0). */
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_LRU, NULL, NULL, 0, 10, 5, 9, true, &p), 0);
	CU_ASSERT_EQUAL(p.count, 0);
	CU_ASSERT_EQUAL(p.evictable, 0);
	CU_ASSERT_EQUAL(p.bytes_freed, 0);
	CU_ASSERT_EQUAL(p.usage_after, 10);
	CU_ASSERT_EQUAL(p.shortfall, 5);
	CU_ASSERT_EQUAL(p.status, PMT_EVICT_NOT_ENOUGH);

	/* Only assets of unknown size. */
	c[0] = mk(0x10, 0, 0, 0, 0, 0);
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, NULL, c, 1, 10, 5, 9, true, &p), 0);
	CU_ASSERT_EQUAL(p.count, 0);
	CU_ASSERT_EQUAL(p.evictable, 0);
	CU_ASSERT_FALSE(p.enough);
}

static void test_under_limit(void)
{
	struct pmt_evict_candidate c[] = {
		mk(0x10, 100, 0, 0, 0, 0),
		mk(0x20, 900, 0, 0, 0, 0),
	};
	struct pmt_evict_plan p;
	uint64_t usage;

	for (usage = 999; usage <= 1000; usage++) {
		c[0] = mk(0x10, 100, 0, 0, 0, 0);
		c[1] = mk(0x20, 900, 0, 0, 0, 0);
		memset(&p, 0xab, sizeof(p));
		CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, c, 2, usage, 1000, 0, true,
					       &p), 0);
		CU_ASSERT_EQUAL(p.count, 0);
		CU_ASSERT_EQUAL(p.bytes_needed, 0);
		CU_ASSERT_EQUAL(p.bytes_freed, 0);
		CU_ASSERT_EQUAL(p.usage_after, usage);
		CU_ASSERT_EQUAL(p.shortfall, 0);
		CU_ASSERT_EQUAL(p.evictable, 2);
		CU_ASSERT(p.enough);
		CU_ASSERT_EQUAL(p.status, PMT_EVICT_UNDER_LIMIT);
		/* Still sorted, so a report can show what would go first. */
		CU_ASSERT_EQUAL(c[0].obj, 0x20);
		CU_ASSERT_EQUAL(c[0].score, 0);
	}
}

static void test_untracked_fallback(void)
{
	/* AGE: 0x30 (load 1), 0x20 (3), 0x10 (5); LRU and LFU would differ. */
	const struct pmt_evict_candidate in[] = {
		mk(0x10, 100, 5, 0, 0, 0),
		mk(0x20, 100, 3, 4, 9, 0),
		mk(0x30, 100, 1, 90, 99, 0),
	};
	const uint64_t want_age[] = { 0x30, 0x20, 0x10 };
	const uint64_t want_lru[] = { 0x20, 0x10, 0x30 };
	const uint64_t want_lfu[] = { 0x10, 0x20, 0x30 };
	static const enum pmt_evict_strategy others[] = {
		PMT_EVICT_PRIORITY, PMT_EVICT_SIZE, PMT_EVICT_AGE,
	};
	struct pmt_evict_candidate c[3];
	struct pmt_evict_plan p;
	size_t i;

	expect_order(PMT_EVICT_LRU, NULL, in, 3, 100, true, want_lru, NULL);
	expect_order(PMT_EVICT_LFU, NULL, in, 3, 100, true, want_lfu, NULL);
	expect_order(PMT_EVICT_LRU, NULL, in, 3, 100, false, want_age, NULL);
	expect_order(PMT_EVICT_LFU, NULL, in, 3, 100, false, want_age, NULL);

	memcpy(c, in, sizeof(c));
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_LRU, NULL, c, 3, 300, 150, 100, false, &p), 0);
	CU_ASSERT_EQUAL(p.strategy, PMT_EVICT_AGE);
	CU_ASSERT(p.use_ignored);
	CU_ASSERT_EQUAL(p.count, 2);
	CU_ASSERT_EQUAL(c[0].obj, 0x30);
	CU_ASSERT_EQUAL(c[1].obj, 0x20);
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_LFU, NULL, c, 3, 300, 150, 100, false, &p), 0);
	CU_ASSERT_EQUAL(p.strategy, PMT_EVICT_AGE);
	CU_ASSERT(p.use_ignored);

	/* Tracked: no fallback. */
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_LRU, NULL, c, 3, 300, 150, 100, true, &p), 0);
	CU_ASSERT_EQUAL(p.strategy, PMT_EVICT_LRU);
	CU_ASSERT_FALSE(p.use_ignored);

	/* Orders that never look at uses are unaffected. */
	for (i = 0; i < PMT_ARRAY_SIZE(others); i++) {
		CU_ASSERT_EQUAL(pmt_evict_plan(others[i], NULL, c, 3, 300, 150, 100, false, &p),
				0);
		CU_ASSERT_EQUAL(p.strategy, others[i]);
		CU_ASSERT_FALSE(p.use_ignored);
	}
}

/*
 * Untracked hybrid: the default lru .4 and lfu .2 move onto age (.7), so
 * with hybrid_set at frame 100 (ranges as in test_hybrid_default):
 *  0x10 .2*0 + .7*1 + .1*.5 = .75
 *  0x20 .2*1 + .7*.375 + .1*.5 = .5125
 *  0x30 .2*(1/3) + .7*0 + .1*0 = .066666667
 *  0x40 .2*(2/3) + .7*.75 + .1*1 = .758333333
 */
static void test_untracked_hybrid(void)
{
	const uint64_t want[] = { 0x40, 0x10, 0x20, 0x30, 0x50 };
	struct pmt_evict_candidate c[PMT_ARRAY_SIZE(hybrid_set)];
	struct pmt_evict_plan p;
	size_t n = PMT_ARRAY_SIZE(hybrid_set);

	expect_order(PMT_EVICT_HYBRID, NULL, hybrid_set, n, 100, false, want, c);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x10), 0.75, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x20), 0.5125, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x30), 0.066666667, EPS);
	CU_ASSERT_DOUBLE_EQUAL(score_of(c, n, 0x40), 0.758333333, EPS);

	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, NULL, c, n, 10, 5, 100, false, &p), 0);
	CU_ASSERT_EQUAL(p.strategy, PMT_EVICT_HYBRID);
	CU_ASSERT(p.use_ignored);
}

static void test_invalid(void)
{
	static const struct pmt_evict_weights bad[] = {
		{ -0.1, 0.2, 0.2, 0.1, 0.1 },
		{ 0.4, NAN, 0.2, 0.1, 0.1 },
		{ 0.4, 0.2, INFINITY, 0.1, 0.1 },
		{ 0, 0, 0, 0, 0 },
		{ DBL_MAX, DBL_MAX, 0, 0, 0 }, /* each finite, the sum not */
	};
	struct pmt_evict_candidate c[2], orig[2];
	struct pmt_evict_plan p, sentinel;
	size_t i;

	c[0] = mk(0x20, 100, 0, 0, 0, 0);
	c[1] = mk(0x10, 200, 0, 0, 0, 0);
	memcpy(orig, c, sizeof(c));
	memset(&sentinel, 0xab, sizeof(sentinel));
	memset(&p, 0xab, sizeof(p));

	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, c, 2, 10, 0, 0, true, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, NULL, 2, 10, 0, 0, true, &p),
			-EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_STRATEGIES, NULL, c, 2, 10, 0, 0, true, &p),
			-EINVAL);
	CU_ASSERT_EQUAL(pmt_evict_plan((enum pmt_evict_strategy)-1, NULL, c, 2, 10, 0, 0, true,
				       &p), -EINVAL);
	for (i = 0; i < PMT_ARRAY_SIZE(bad); i++) {
		CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, &bad[i], c, 2, 10, 0, 0, true,
					       &p), -EINVAL);
		CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, &bad[i], c, 2, 10, 0, 0, false,
					       &p), -EINVAL);
	}
	CU_ASSERT_EQUAL(memcmp(c, orig, sizeof(c)), 0);
	CU_ASSERT_EQUAL(memcmp(&p, &sentinel, sizeof(p)), 0);

	/* Weights are only checked by the strategy that uses them. */
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, &bad[0], c, 2, 10, 0, 0, true, &p), 0);
	CU_ASSERT_EQUAL(c[0].obj, 0x10);
}

static void test_extremes(void)
{
	struct pmt_evict_candidate c[] = {
		mk(0x10, UINT64_MAX / 2 + 1, 0, UINT64_MAX, 1, INT32_MIN),
		mk(0x20, UINT64_MAX / 2 + 1, UINT64_MAX, 0, UINT64_MAX, INT32_MAX),
		mk(0x30, 1, UINT64_MAX, UINT64_MAX, 0, 0),
	};
	struct pmt_evict_plan p;
	size_t i;
	int s;

	/* Freed bytes saturate instead of wrapping past the need. */
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_SIZE, NULL, c, 3, UINT64_MAX, 0, 0, true, &p), 0);
	CU_ASSERT_EQUAL(p.bytes_needed, UINT64_MAX);
	CU_ASSERT_EQUAL(p.count, 2);
	CU_ASSERT_EQUAL(p.bytes_freed, UINT64_MAX);
	CU_ASSERT_EQUAL(p.usage_after, 0);
	CU_ASSERT(p.enough);

	for (s = 0; s < PMT_EVICT_STRATEGIES; s++) {
		CU_ASSERT_EQUAL(pmt_evict_plan((enum pmt_evict_strategy)s, NULL, c, 3, UINT64_MAX,
					       1, UINT64_MAX / 2, true, &p), 0);
		for (i = 0; i < 3; i++)
			CU_ASSERT(c[i].score >= 0 && c[i].score <= 1);
	}
	CU_ASSERT_EQUAL(pmt_evict_plan(PMT_EVICT_HYBRID, NULL, c, 3, 2, 1, UINT64_MAX, true, &p),
			0);
	for (i = 0; i < 3; i++)
		CU_ASSERT(c[i].score >= 0 && c[i].score <= 1);
}

/* Same plan, field by field (padding aside). */
static bool plan_eq(const struct pmt_evict_plan *a, const struct pmt_evict_plan *b)
{
	return a->usage == b->usage && a->limit == b->limit &&
	       a->bytes_needed == b->bytes_needed && a->bytes_freed == b->bytes_freed &&
	       a->usage_after == b->usage_after && a->shortfall == b->shortfall &&
	       a->count == b->count && a->evictable == b->evictable &&
	       a->strategy == b->strategy && a->status == b->status && a->enough == b->enough &&
	       a->use_ignored == b->use_ignored;
}

/* xorshift64: a fixed sequence, the same on every run. */
static uint64_t rnd(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*st = x;
	return x;
}

/*
 * The documented order as a key tuple compared lexicographically, written
 * independently of evict.c: desc keys negated, priorities offset, scores
 * as integers of 1e-9.
 */
static void ref_keys(enum pmt_evict_strategy s, const struct pmt_evict_candidate *c,
		     uint64_t k[5])
{
	uint64_t used = c->uses ? c->last_use_frame : c->load_frame;
	uint64_t big_first = UINT64_MAX - c->bytes;

	memset(k, 0, 5 * sizeof(*k));
	k[0] = c->bytes == 0;
	switch (s) {
	case PMT_EVICT_LRU:
		k[1] = used, k[2] = c->load_frame, k[3] = big_first, k[4] = c->obj;
		break;
	case PMT_EVICT_LFU:
		k[1] = c->uses, k[2] = c->load_frame, k[3] = big_first, k[4] = c->obj;
		break;
	case PMT_EVICT_PRIORITY:
		k[1] = (uint64_t)((int64_t)c->priority + 0x80000000LL);
		k[2] = big_first, k[3] = c->load_frame, k[4] = c->obj;
		break;
	case PMT_EVICT_SIZE:
		k[1] = big_first, k[2] = c->load_frame, k[3] = c->obj;
		break;
	case PMT_EVICT_AGE:
		k[1] = c->load_frame, k[2] = big_first, k[3] = c->obj;
		break;
	default:
		k[1] = (uint64_t)llround((1 - c->score) * 1e9);
		k[2] = big_first, k[3] = c->load_frame, k[4] = c->obj;
		break;
	}
}

static int ref_cmp(enum pmt_evict_strategy s, const struct pmt_evict_candidate *a,
		   const struct pmt_evict_candidate *b)
{
	uint64_t ka[5], kb[5];
	int i;

	ref_keys(s, a, ka);
	ref_keys(s, b, kb);
	for (i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* Naive hybrid score of @c over @all (the candidates holding bytes). */
static double ref_score(const struct pmt_evict_weights *w, const struct pmt_evict_candidate *all,
			size_t n, const struct pmt_evict_candidate *c, uint64_t now)
{
	double f[5] = { 0 }, lo[5], hi[5], v[5] = { 0 }, ws[5], num = 0, den = 0;
	size_t i;
	int k;

	if (!c->bytes)
		return 0;
	for (k = 0; k < 5; k++)
		lo[k] = INFINITY, hi[k] = -INFINITY;
	for (i = 0; i <= n; i++) {
		const struct pmt_evict_candidate *x = i < n ? &all[i] : c;
		uint64_t used = x->uses ? x->last_use_frame : x->load_frame;

		if (!x->bytes)
			continue;
		/* "evict first" is the larger value of each */
		v[0] = used >= now ? 0 : (double)(now - used);
		v[1] = -(double)x->uses;
		v[2] = (double)x->bytes;
		v[3] = x->load_frame >= now ? 0 : (double)(now - x->load_frame);
		v[4] = -(double)x->priority;
		for (k = 0; k < 5; k++) {
			lo[k] = fmin(lo[k], v[k]);
			hi[k] = fmax(hi[k], v[k]);
		}
	}
	/* v now holds @c's values (it was visited last) */
	ws[0] = w->lru, ws[1] = w->lfu, ws[2] = w->size, ws[3] = w->age, ws[4] = w->priority;
	for (k = 0; k < 5; k++) {
		f[k] = hi[k] > lo[k] ? (v[k] - lo[k]) / (hi[k] - lo[k]) : 0;
		num += ws[k] * f[k];
		den += ws[k];
	}
	return num / den;
}

/*
 * Random small-valued sets (many ties) for every strategy, tracked or not:
 * the result is a permutation in the reference order whatever the input
 * order, hybrid scores match a naive computation, and the plan is the
 * shortest enough prefix.
 */
static void test_random(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int iter, s, tracked;

	for (iter = 0; iter < 300; iter++) {
		struct pmt_evict_candidate in[MAXC], a[MAXC], b[MAXC];
		struct pmt_evict_weights w, wr;
		struct pmt_evict_plan pa, pb;
		enum pmt_evict_strategy eff;
		size_t n = rnd(&seed) % MAXC, i, j;
		uint64_t now = 12, total = 0, usage, limit, sum;

		for (i = 0; i < n; i++) {
			uint64_t load = rnd(&seed) % 10, uses = rnd(&seed) % 4;

			in[i] = mk(0x1000 + ((i * 37) % MAXC) * 16, (rnd(&seed) % 5) * 100, load,
				   uses ? load + rnd(&seed) % 6 : 0, uses,
				   (int32_t)(rnd(&seed) % 5) - 2);
			total += in[i].bytes;
		}
		if (iter % 3 == 0) {
			pmt_evict_weights_default(&w);
		} else {
			w.lru = (double)(rnd(&seed) % 4), w.lfu = (double)(rnd(&seed) % 4);
			w.size = (double)(rnd(&seed) % 4), w.age = (double)(rnd(&seed) % 4);
			w.priority = 1 + (double)(rnd(&seed) % 3);
		}
		usage = 1000 + rnd(&seed) % (total + 1000);
		limit = rnd(&seed) % (usage + 500);

		for (s = 0; s < PMT_EVICT_STRATEGIES; s++) {
			for (tracked = 0; tracked < 2; tracked++) {
				CU_ASSERT_EQUAL_FATAL(
					plan_permuted((enum pmt_evict_strategy)s, &w, in, n, 0,
						      false, usage, limit, now, tracked, a, &pa),
					0);
				CU_ASSERT_EQUAL_FATAL(
					plan_permuted((enum pmt_evict_strategy)s, &w, in, n,
						      n ? rnd(&seed) % n : 0, true, usage, limit,
						      now, tracked, b, &pb),
					0);
				CU_ASSERT(plan_eq(&pa, &pb));
				CU_ASSERT_EQUAL(memcmp(a, b, n * sizeof(*a)), 0);

				eff = (enum pmt_evict_strategy)s;
				if (!tracked && (s == PMT_EVICT_LRU || s == PMT_EVICT_LFU))
					eff = PMT_EVICT_AGE;
				CU_ASSERT_EQUAL(pa.strategy, eff);
				wr = w;
				if (!tracked)
					wr.age += wr.lru + wr.lfu, wr.lru = 0, wr.lfu = 0;

				/* a permutation: every input object once */
				for (i = 0; i < n; i++) {
					int found = 0;

					for (j = 0; j < n; j++)
						found += a[j].obj == in[i].obj &&
							 a[j].bytes == in[i].bytes;
					CU_ASSERT_EQUAL(found, 1);
				}
				for (i = 0; i < n; i++) {
					if (eff == PMT_EVICT_HYBRID) {
						CU_ASSERT_DOUBLE_EQUAL(
							a[i].score, ref_score(&wr, in, n, &a[i], now),
							2e-9);
					} else {
						CU_ASSERT_EQUAL(a[i].score, 0);
					}
					if (i > 0)
						CU_ASSERT(ref_cmp(eff, &a[i - 1], &a[i]) < 0);
				}

				/* the shortest prefix that is enough, or all that hold bytes */
				for (sum = 0, i = 0; i < pa.count; i++) {
					CU_ASSERT(a[i].bytes > 0);
					if (i + 1 == pa.count && usage > limit) {
						CU_ASSERT(sum < usage - limit);
					}
					sum += a[i].bytes;
				}
				CU_ASSERT_EQUAL(pa.bytes_freed, sum);
				CU_ASSERT_EQUAL(pa.enough, usage - (sum < usage ? sum : usage) <= limit);
				if (usage <= limit) {
					CU_ASSERT_EQUAL(pa.count, 0);
				} else if (!pa.enough) {
					CU_ASSERT_EQUAL(pa.count, pa.evictable);
				}
				CU_ASSERT(pa.evictable <= n);
			}
		}
	}
}

static const struct pmt_test tests[] = {
	{ "strategy names and status texts", test_names },
	{ "default weights, candidate from an asset", test_defaults_and_from_asset },
	{ "order: lru and its ties", test_order_lru },
	{ "order: lfu and its ties", test_order_lfu },
	{ "order: priority and its ties", test_order_priority },
	{ "order: size and its ties", test_order_size },
	{ "order: age and its ties", test_order_age },
	{ "hybrid: default weights by hand", test_hybrid_default },
	{ "hybrid: single-factor weights", test_hybrid_weights },
	{ "hybrid: rounding makes exact ties", test_hybrid_rounding_tie },
	{ "hybrid: equal factors, future frames", test_hybrid_degenerate },
	{ "stop point: limit reached exactly, one byte over", test_stop_point },
	{ "not enough evictable assets", test_not_enough },
	{ "usage already under the limit", test_under_limit },
	{ "use not tracked: lru/lfu fall back to age", test_untracked_fallback },
	{ "use not tracked: hybrid weights onto age", test_untracked_hybrid },
	{ "invalid arguments leave everything untouched", test_invalid },
	{ "extremes: saturation, scores in [0,1]", test_extremes },
	{ "random sets against a reference order", test_random },
};

/* pmt_test_register_evict - add the eviction plan suite. */
void pmt_test_register_evict(void)
{
	pmt_test_add_suite("evict", tests, PMT_ARRAY_SIZE(tests));
}
