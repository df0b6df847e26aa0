// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_gc_gov.c - the GC timing governor, driven by simulated games whose
 * frame times and collections the test sets: the share of time the probes
 * are in, the cost that follows, and which frames count as timed.
 */
#include <CUnit/CUnit.h>

#include "pmtrace/gc_gov.h"
#include "suites.h"

struct sim {
	uint64_t frame_ns, colls_per_frame;
	double hit_ns;
	uint64_t frames, timed_frames, timed_colls, on_ns, measured, toggles;
};

/* Run @secs of a game against the governor, acting on its ticks as the tool does. */
static void run(struct pmt_gc_gov *g, struct sim *s, double secs, uint64_t *now)
{
	uint64_t end = *now + (uint64_t)(secs * 1e9), on_at = g->on ? *now : 0;

	while (*now < end) {
		uint64_t start = *now;
		bool covered;

		*now += s->frame_ns;
		covered = pmt_gc_gov_covers(g, start, *now);
		/* probes in for the whole frame: every collection in it was timed */
		if (covered) {
			s->timed_frames++;
			s->timed_colls += s->colls_per_frame;
		}
		s->frames++;
		pmt_gc_gov_frame(g, *now, s->colls_per_frame);
		switch (pmt_gc_gov_tick(g, *now)) {
		case PMT_GC_GOV_MEASURE:
			s->measured++;
			pmt_gc_gov_set_hit_ns(g, s->hit_ns);
			break;
		case PMT_GC_GOV_ATTACH:
			s->toggles++;
			pmt_gc_gov_attached(g, *now);
			on_at = *now;
			break;
		case PMT_GC_GOV_DETACH:
			s->toggles++;
			s->on_ns += *now - on_at;
			pmt_gc_gov_detached(g, *now);
			break;
		default:
			break;
		}
	}
	if (g->on)
		s->on_ns += *now - on_at;
}

/* A 60 fps game collecting every frame: timing costs 0.1 % of its time, so every frame is timed. */
static void test_game_pace(void)
{
	struct pmt_gc_gov g;
	struct sim s = { .frame_ns = 16666667, .colls_per_frame = 1, .hit_ns = 7500 };
	uint64_t now = 1000000000;

	pmt_gc_gov_init(&g, PMT_GC_GOV_BUDGET, 2, true, now);
	run(&g, &s, 30, &now);
	CU_ASSERT_EQUAL(s.measured, 0);
	CU_ASSERT_EQUAL(s.toggles, 0);
	CU_ASSERT_EQUAL(s.timed_frames, s.frames);
	CU_ASSERT_DOUBLE_EQUAL(pmt_gc_gov_duty(&g), 1.0, 1e-9);
}

/* An uncapped loop collecting every frame: the probes' cost held at the budget. */
static void test_uncapped(void)
{
	struct pmt_gc_gov g;
	struct sim s = { .frame_ns = 30000, .colls_per_frame = 1, .hit_ns = 7500 };
	uint64_t now = 1000000000;
	double secs = 120, cost, want_duty = 0.01 / (1e9 / 30000.0 * 2 * 7500e-9);

	pmt_gc_gov_init(&g, PMT_GC_GOV_BUDGET, 2, true, now);
	run(&g, &s, secs, &now);
	CU_ASSERT_EQUAL(s.measured, 1);
	CU_ASSERT_DOUBLE_EQUAL(pmt_gc_gov_duty(&g), want_duty, want_duty * 0.01);
	/* on about duty of the time (the first 0.5 s before the rate was known is extra) */
	CU_ASSERT_DOUBLE_EQUAL(s.on_ns / (secs * 1e9), want_duty, 0.5 / secs + want_duty * 0.05);
	/* what the timed collections cost, after the first window */
	cost = (double)s.timed_colls * 2 * s.hit_ns / (secs * 1e9);
	CU_ASSERT_TRUE(cost < 0.01 + 0.5 * 0.495 / secs);
	CU_ASSERT_TRUE(s.timed_frames > 0);
	CU_ASSERT_TRUE(s.timed_frames < s.frames / 20);
	CU_ASSERT_TRUE(s.toggles >= 2 * 20);
	CU_ASSERT_EQUAL(g.periods_off, s.toggles / 2 + s.toggles % 2);
}

/* A game that stops collecting gets its probes back at once. */
static void test_back_on(void)
{
	struct pmt_gc_gov g;
	struct sim s = { .frame_ns = 30000, .colls_per_frame = 1, .hit_ns = 7500 };
	uint64_t now = 1000000000;

	pmt_gc_gov_init(&g, PMT_GC_GOV_BUDGET, 2, true, now);
	run(&g, &s, 3, &now);
	while (g.on) /* step until the probes are out */
		run(&g, &s, 0.01, &now);
	s.colls_per_frame = 0;
	run(&g, &s, 1.2, &now);
	CU_ASSERT_TRUE(g.on);
	CU_ASSERT_DOUBLE_EQUAL(pmt_gc_gov_duty(&g), 1.0, 1e-9);
}

/* Timed means the probes were in for all of the frame. */
static void test_covers(void)
{
	struct pmt_gc_gov g;

	pmt_gc_gov_init(&g, PMT_GC_GOV_BUDGET, 2, false, 100);
	CU_ASSERT_FALSE(pmt_gc_gov_covers(&g, 100, 200));
	pmt_gc_gov_attached(&g, 1000);
	CU_ASSERT_FALSE(pmt_gc_gov_covers(&g, 900, 1100));
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 1000, 1100));
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 1100, UINT64_MAX - 1));
	pmt_gc_gov_detached(&g, 2000);
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 1500, 2000));
	CU_ASSERT_FALSE(pmt_gc_gov_covers(&g, 1500, 2001));
	pmt_gc_gov_attached(&g, 3000);
	CU_ASSERT_FALSE(pmt_gc_gov_covers(&g, 1900, 3100));
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 1200, 1300));
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 3000, 3100));
	/* a detach or attach twice changes nothing */
	pmt_gc_gov_attached(&g, 3500);
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 3000, 3600));
	pmt_gc_gov_detached(&g, 4000);
	pmt_gc_gov_detached(&g, 4500);
	CU_ASSERT_TRUE(pmt_gc_gov_covers(&g, 3000, 4000));
	CU_ASSERT_EQUAL(g.periods_off, 2);
}

/* A hit too cheap to matter (or one that could not be measured) is taken at the floor. */
static void test_no_measure(void)
{
	struct pmt_gc_gov g;

	pmt_gc_gov_init(&g, PMT_GC_GOV_BUDGET, 2, true, 0);
	CU_ASSERT_EQUAL(pmt_gc_gov_tick(&g, 1), PMT_GC_GOV_NONE); /* no rate yet */
	pmt_gc_gov_set_hit_ns(&g, -1);
	CU_ASSERT_DOUBLE_EQUAL(g.hit_ns, PMT_GC_GOV_MIN_HIT, 1e-9);
}

void pmt_test_register_gc_gov(void)
{
	static const struct pmt_test tests[] = {
		{ "a paced game: always timed", test_game_pace },
		{ "an uncapped loop: held at the budget", test_uncapped },
		{ "collections stop: probes back", test_back_on },
		{ "timed frames", test_covers },
		{ "hit cost floor", test_no_measure },
	};

	pmt_test_add_suite("gc_gov", tests, PMT_ARRAY_SIZE(tests));
}
