// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_classify.c - unit tests of spike, drop and cause classification
 * against hand-computed boundaries at the default configuration (60 fps:
 * budget 16 666 666.67 ns, drop above 20 833 333.33 ns, time floor
 * 8 333 333.33 ns, memory floor 1 MiB).
 */
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/frame.h"
#include "suites.h"

#define MIB (UINT64_C(1) << 20)
#define MS UINT64_C(1000000)
#define US UINT64_C(1000)

struct fixture {
	struct pmt_analysis_config cfg;
	struct pmt_baseline b;
};

/* A whole frame with GC stats known and timed, nothing happening in it. */
static struct pmt_frame mkframe(uint64_t duration_ns, int64_t growth)
{
	struct pmt_frame f;

	memset(&f, 0, sizeof(f));
	f.duration_ns = duration_ns;
	f.rss_delta_bytes = growth;
	f.gc_known = true;
	f.gc_timed = true;
	/* garbage the classifier must overwrite */
	f.spike = true;
	f.spike_kind = 0xff;
	f.dropped = true;
	f.cause = PMT_CAUSE_HEAP_GROWTH;
	f.gc_generation = 7;
	return f;
}

/* Default config and a baseline warmed with @n frames of @dur and @growth. */
static void setup(struct fixture *fx, uint32_t n, uint64_t dur, int64_t growth)
{
	uint32_t i;

	pmt_analysis_config_default(&fx->cfg);
	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&fx->b, fx->cfg.baseline_window), 0);
	for (i = 0; i < n; i++)
		pmt_baseline_add(&fx->b, dur, growth);
}

static struct pmt_frame classify(struct fixture *fx, struct pmt_frame f)
{
	pmt_frame_classify(&fx->cfg, &fx->b, &f);
	return f;
}

static void teardown(struct fixture *fx)
{
	pmt_baseline_free(&fx->b);
}

static void test_defaults(void)
{
	struct pmt_analysis_config c;

	memset(&c, 0xa5, sizeof(c));
	pmt_analysis_config_default(&c);
	CU_ASSERT_DOUBLE_EQUAL(c.target_fps, 60.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.spike_threshold, 0.1, 0.0);
	CU_ASSERT_EQUAL(c.spike_floor_bytes, 1048576);
	CU_ASSERT_EQUAL(c.time_floor_ns, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.drop_factor, 1.25, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.cause_share, 0.5, 0.0);
	CU_ASSERT_EQUAL(c.baseline_window, 60);
	CU_ASSERT_EQUAL(c.baseline_min, 4);
}

/*
 * A frame the profiler acted in: slow and dropped, but cause profiler, no
 * time spike, its cost above the baseline, kept out of the baseline; its
 * memory spike stays the game's.
 */
static void test_profiler_frames(void)
{
	struct fixture fx;
	struct pmt_frame f;
	uint32_t before;

	setup(&fx, 10, 10000000, 0); /* 10 ms frames */
	before = pmt_baseline_count(&fx.b);
	f = mkframe(40000000, 0);
	f.prof = PMT_PROF_TRACED;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PROFILER);
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_TRUE(f.prof_slow);
	CU_ASSERT_EQUAL(f.prof_cost_ns, 30000000);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), before);
	/* The same frame without the profiler is the game's. */
	f = mkframe(40000000, 0);
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_NOT_EQUAL(f.cause, PMT_CAUSE_PROFILER);
	/* Probes placed in a frame that grew by 64 MiB: a memory spike still. */
	f = mkframe(12000000, 64 << 20);
	f.prof = PMT_PROF_PROBES;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_FALSE(f.prof_slow);
	teardown(&fx);
}

static void test_cause_names(void)
{
	CU_ASSERT_PTR_NULL(pmt_cause_name(PMT_CAUSE_NONE));
	CU_ASSERT_STRING_EQUAL(pmt_cause_name(PMT_CAUSE_GC), "gc");
	CU_ASSERT_STRING_EQUAL(pmt_cause_name(PMT_CAUSE_PAGE_FAULTS), "page_faults");
	CU_ASSERT_STRING_EQUAL(pmt_cause_name(PMT_CAUSE_HEAP_GROWTH), "heap_growth");
	CU_ASSERT_STRING_EQUAL(pmt_cause_name(PMT_CAUSE_PROFILER), "profiler");
	CU_ASSERT_PTR_NULL(pmt_cause_name((enum pmt_cause)PMT_CAUSES));
	CU_ASSERT_PTR_NULL(pmt_cause_name((enum pmt_cause)-1));
}

static void test_warmup(void)
{
	struct fixture fx;
	struct pmt_frame f;
	uint32_t i;

	setup(&fx, 0, 0, 0);
	/* frames 1..4: huge growth and time, yet no spike; all enter */
	for (i = 0; i < 4; i++) {
		f = classify(&fx, mkframe(i == 0 ? 18 * MS : 10 * MS, 64 * MIB));
		CU_ASSERT_FALSE(f.spike);
		CU_ASSERT_EQUAL(f.spike_kind, 0);
		CU_ASSERT_FALSE(f.dropped);
		CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
		CU_ASSERT_EQUAL(f.gc_generation, -1);
		CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), i + 1);
	}
	/* the baseline is now 10 ms / 64 MiB: the same again is no spike */
	f = classify(&fx, mkframe(10 * MS, 64 * MIB));
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 5);
	teardown(&fx);
}

static void test_warmup_drop_uses_budget(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 0, 0, 0);
	/* excess = 30 ms - 16.67 ms = 13.33 ms; half is 6 666 666.67 ns */
	f = mkframe(30 * MS, 0);
	f.gc_ns = 6666667;
	f.gc_collections[0] = 1;
	f = classify(&fx, f);
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	CU_ASSERT_EQUAL(f.gc_generation, 0);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 1);

	f = mkframe(30 * MS, 0);
	f.gc_ns = 6666666;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

static void test_partial(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = mkframe(100 * MS, 10 * MIB);
	f.partial = true;
	f.gc_timed = false;
	f.gc_collections[2] = 1;
	f.fault_ns = 90 * MS;
	f = classify(&fx, f);
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_EQUAL(f.spike_kind, 0);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	CU_ASSERT_EQUAL(f.gc_generation, 2);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 4);

	/* a partial frame during warm-up does not enter either */
	teardown(&fx);
	setup(&fx, 0, 0, 0);
	f = mkframe(10 * MS, 0);
	f.partial = true;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 0);
	teardown(&fx);
}

static void test_memory_floor(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = classify(&fx, mkframe(10 * MS, 1048575));
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 5); /* entered */
	f = classify(&fx, mkframe(10 * MS, 1048576));
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE); /* causes only for drops */
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 5); /* kept out */
	teardown(&fx);

	/* base growth 1000: threshold 1000 * 1.1 = 1100 above the floor */
	setup(&fx, 4, 10 * MS, 1000);
	f = classify(&fx, mkframe(10 * MS, 1048576 + 1099));
	CU_ASSERT_FALSE(f.spike);
	f = classify(&fx, mkframe(10 * MS, 1048576 + 1100));
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	teardown(&fx);

	/* a shrinking baseline counts as 0 */
	setup(&fx, 4, 10 * MS, -5 * (int64_t)MIB);
	f = classify(&fx, mkframe(10 * MS, 1048575));
	CU_ASSERT_FALSE(f.spike);
	f = classify(&fx, mkframe(10 * MS, 1048576));
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	/* shrinking frames are never memory spikes */
	f = classify(&fx, mkframe(10 * MS, -64 * (int64_t)MIB));
	CU_ASSERT_FALSE(f.spike);
	teardown(&fx);
}

/* A peak within the frame counts for memory spikes; the net growth still feeds the baseline. */
static void test_memory_peak(void)
{
	struct fixture fx;
	struct pmt_frame f, in;

	setup(&fx, 4, 10 * MS, 0);
	in = mkframe(10 * MS, 0);
	in.peak_growth_bytes = 1048575;
	f = classify(&fx, in);
	CU_ASSERT_FALSE(f.spike);
	in.peak_growth_bytes = 1048576; /* allocated and freed within the frame */
	f = classify(&fx, in);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	/* the larger of the two is judged */
	in = mkframe(10 * MS, 2 * (int64_t)MIB);
	in.peak_growth_bytes = 1;
	f = classify(&fx, in);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY);
	/* 0 or negative: not measured, rss_delta alone */
	in = mkframe(10 * MS, -5);
	in.peak_growth_bytes = 0;
	fx.cfg.spike_floor_bytes = 0;
	f = classify(&fx, in);
	CU_ASSERT_FALSE(f.spike);
	teardown(&fx);
}

static void test_time_spike(void)
{
	struct fixture fx;
	struct pmt_frame f;

	/* base 10 ms: the floor (8.33 ms) binds, 18 333 334 ns is the first */
	setup(&fx, 4, 10 * MS, 0);
	f = classify(&fx, mkframe(18333333, 0));
	CU_ASSERT_FALSE(f.spike);
	f = classify(&fx, mkframe(18333334, 0));
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	CU_ASSERT_FALSE(f.dropped);
	teardown(&fx);

	/* base 100 ms: the threshold (10 ms) binds, above 110 ms */
	setup(&fx, 4, 100 * MS, 0);
	f = classify(&fx, mkframe(110 * MS, 0));
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_TRUE(f.dropped);
	f = classify(&fx, mkframe(110 * MS + 1, 0));
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	teardown(&fx);

	/* an explicit floor above half the budget wins */
	setup(&fx, 4, 10 * MS, 0);
	fx.cfg.time_floor_ns = 20 * MS;
	f = classify(&fx, mkframe(30 * MS - 1, 0));
	CU_ASSERT_FALSE(f.spike);
	f = classify(&fx, mkframe(30 * MS, 0));
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	/* and one below it does not lower the effective floor */
	fx.cfg.time_floor_ns = 1 * MS;
	f = classify(&fx, mkframe(18333333, 0));
	CU_ASSERT_FALSE(f.spike);
	teardown(&fx);

	/* both kinds at once */
	setup(&fx, 4, 10 * MS, 0);
	f = classify(&fx, mkframe(19 * MS, 2 * MIB));
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY | PMT_SPIKE_TIME);
	teardown(&fx);
}

static void test_drop_boundary(void)
{
	struct fixture fx;
	struct pmt_frame f;

	/* budget * 1.25 = 20 833 333.33 ns */
	setup(&fx, 4, 16 * MS, 0);
	f = classify(&fx, mkframe(20833333, 0));
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_FALSE(f.spike);
	f = classify(&fx, mkframe(20833334, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_FALSE(f.spike); /* 4.8 ms over a 16 ms base: no spike */
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	/* a dropped non-spike frame enters the baseline */
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 6);

	/* 30 fps: budget 33.33 ms, drops above 41 666 666.67 ns */
	fx.cfg.target_fps = 30;
	f = classify(&fx, mkframe(41666666, 0));
	CU_ASSERT_FALSE(f.dropped);
	f = classify(&fx, mkframe(41666667, 0));
	CU_ASSERT_TRUE(f.dropped);

	/* no target: nothing is dropped */
	fx.cfg.target_fps = 0;
	f = classify(&fx, mkframe(1000 * MS, 0));
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

/* Base 10 ms: a 30 ms frame has 20 ms excess, a cause needs 10 ms. */
static void test_cause_gc_timed(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = mkframe(30 * MS, 0);
	f.gc_ns = 10 * MS;
	f.gc_collections[0] = 3;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	CU_ASSERT_EQUAL(f.gc_generation, 0);

	f = mkframe(30 * MS, 0);
	f.gc_ns = 10 * MS - 1;
	f.gc_collections[0] = 3;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* timed GC: an old-generation collection does not matter by itself */
	f = mkframe(30 * MS, 0);
	f.gc_ns = 1 * MS;
	f.gc_collections[2] = 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, 2);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* both cover the share: the larger wins, GC on a tie */
	f = mkframe(30 * MS, 0);
	f.gc_ns = 12 * MS;
	f.fault_ns = 15 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	f = mkframe(30 * MS, 0);
	f.gc_ns = 15 * MS;
	f.fault_ns = 15 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	teardown(&fx);
}

static void test_cause_gc_untimed(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = mkframe(30 * MS, 0);
	f.gc_timed = false;
	f.gc_collections[0] = 5;
	f.gc_collections[2] = 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, 2);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);

	f = mkframe(30 * MS, 0);
	f.gc_timed = false;
	f.gc_collections[1] = 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, 1);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);

	/* young collections alone are too cheap to blame */
	f = mkframe(30 * MS, 0);
	f.gc_timed = false;
	f.gc_collections[0] = 3;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, 0);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* measured fault time beats the guess */
	f = mkframe(30 * MS, 0);
	f.gc_timed = false;
	f.gc_collections[2] = 1;
	f.fault_ns = 10 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);

	/* unknown GC stats: neither generation nor cause */
	f = mkframe(30 * MS, 0);
	f.gc_known = false;
	f.gc_timed = false;
	f.gc_collections[2] = 1;
	f.gc_ns = 20 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, -1);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* unknown counters but measured GC time: the time still counts */
	f = mkframe(30 * MS, 0);
	f.gc_known = false;
	f.gc_ns = 10 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.gc_generation, -1);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);

	/* the heuristic is for drops only */
	f = mkframe(10 * MS, 0);
	f.gc_timed = false;
	f.gc_collections[2] = 1;
	f = classify(&fx, f);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.gc_generation, 2);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

static void test_cause_faults(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	/* faults without growth */
	f = mkframe(30 * MS, 0);
	f.fault_ns = 10 * MS;
	f.minflt = 5000;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	f = mkframe(30 * MS, 0);
	f.fault_ns = 10 * MS - 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* faults with a memory spike */
	f = mkframe(30 * MS, 2 * MIB);
	f.fault_ns = 10 * MS;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY | PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_HEAP_GROWTH);

	/* a memory spike without fault time is no cause */
	f = mkframe(30 * MS, 2 * MIB);
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);

	/* faults with mapped - unmapped + brk exactly at the floor */
	f = mkframe(30 * MS, 0);
	f.fault_ns = 10 * MS;
	f.mapped_bytes = 3 * MIB;
	f.unmapped_bytes = 1 * MIB;
	f.brk_delta_bytes = -1 * (int64_t)MIB;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_HEAP_GROWTH);
	f = mkframe(30 * MS, 0);
	f.fault_ns = 10 * MS;
	f.mapped_bytes = 3 * MIB;
	f.unmapped_bytes = 1 * MIB;
	f.brk_delta_bytes = -1 * (int64_t)MIB - 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	f = mkframe(30 * MS, 0);
	f.fault_ns = 10 * MS;
	f.brk_delta_bytes = (int64_t)MIB;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_HEAP_GROWTH);
	teardown(&fx);
}

/* A 30 ms frame over a 10 ms base with @gc_ns and @fault_ns in it. */
static struct pmt_frame mkdrop(uint64_t gc_ns, uint64_t fault_ns)
{
	struct pmt_frame f = mkframe(30 * MS, 0);

	f.gc_ns = gc_ns;
	f.fault_ns = fault_ns;
	return f;
}

/* @f after four 10 ms frames: each slow frame of a test stays rare (a spike). */
static struct pmt_frame classify_apart(struct fixture *fx, struct pmt_frame f)
{
	int i;

	for (i = 0; i < 4; i++)
		classify(fx, mkframe(10 * MS, 0));
	return classify(fx, f);
}

/*
 * Base 10 ms, 30 ms frames: memory is the cause when gc_ns + fault_ns
 * reaches 10 ms, even when neither does alone; the larger names it.
 */
static void test_cause_combined(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	/* neither alone reaches 10 ms, the sum does: GC is the larger */
	f = classify_apart(&fx, mkdrop(6 * MS, 4 * MS));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	/* faults the larger */
	f = classify_apart(&fx, mkdrop(4 * MS, 6 * MS));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	/* a tie goes to GC */
	f = classify_apart(&fx, mkdrop(5 * MS, 5 * MS));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	/* one ns short of the share: none */
	f = classify_apart(&fx, mkdrop(5 * MS, 5 * MS - 1));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	f = classify_apart(&fx, mkdrop(1, 10 * MS - 2));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	f = classify_apart(&fx, mkdrop(1, 10 * MS - 1));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);

	/* faults the larger with growth: heap_growth, by spike or by mappings */
	f = mkdrop(4 * MS, 6 * MS);
	f.rss_delta_bytes = 2 * MIB;
	f = classify_apart(&fx, f);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY | PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_HEAP_GROWTH);
	f = mkdrop(4 * MS, 6 * MS);
	f.mapped_bytes = 2 * MIB;
	f.unmapped_bytes = 1 * MIB;
	f = classify_apart(&fx, f);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_HEAP_GROWTH);
	f = mkdrop(4 * MS, 6 * MS);
	f.mapped_bytes = 2 * MIB;
	f.unmapped_bytes = 1 * MIB + 1;
	f = classify_apart(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	/* GC the larger: growth does not turn it into heap_growth */
	f = mkdrop(6 * MS, 4 * MS);
	f.rss_delta_bytes = 2 * MIB;
	f.mapped_bytes = 4 * MIB;
	f = classify_apart(&fx, f);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_MEMORY | PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	/* growth without any measured time is still no cause */
	f = mkdrop(0, 0);
	f.rss_delta_bytes = 2 * MIB;
	f.mapped_bytes = 4 * MIB;
	f = classify_apart(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

/* Without GC timing gc_ns counts for nothing, in the sum or the choice. */
static void test_cause_combined_untimed(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = mkdrop(6 * MS, 4 * MS);
	f.gc_timed = false;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	/* the generation fallback still applies when the sum falls short */
	f = mkdrop(6 * MS, 4 * MS);
	f.gc_timed = false;
	f.gc_collections[1] = 1;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	/* an untimed gc_ns larger than the faults does not name GC */
	f = mkdrop(20 * MS, 10 * MS);
	f.gc_timed = false;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	teardown(&fx);
}

static void test_cause_combined_share(void)
{
	struct fixture fx;
	struct pmt_frame f;

	/* warm-up: excess 13.33 ms against the budget, 6 666 666.67 ns needed */
	setup(&fx, 0, 0, 0);
	f = classify(&fx, mkdrop(3333334, 3333333));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	f = classify(&fx, mkdrop(3333333, 3333333));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	f = classify(&fx, mkdrop(3333333, 3333334));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	teardown(&fx);

	/* a quarter share of 20 ms: 5 ms */
	setup(&fx, 4, 10 * MS, 0);
	fx.cfg.cause_share = 0.25;
	f = classify(&fx, mkdrop(2 * MS, 3 * MS));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	f = classify(&fx, mkdrop(2 * MS, 3 * MS - 1));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	/* share 0: any measured time is a cause, none at all is not */
	fx.cfg.cause_share = 0;
	f = classify(&fx, mkdrop(0, 0));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	f = classify(&fx, mkdrop(0, 1));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	f = classify(&fx, mkdrop(1, 0));
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	teardown(&fx);
}

static void test_cause_cpu_only(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 4, 10 * MS, 0);
	f = classify(&fx, mkframe(50 * MS, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_TRUE(f.spike);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	CU_ASSERT_EQUAL(f.gc_generation, -1);

	/* untimed GC with no old collection: still none */
	f = mkframe(50 * MS, 0);
	f.gc_timed = false;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

static void test_cause_reference_is_min(void)
{
	struct fixture fx;
	struct pmt_frame f;

	/*
	 * Base 20 ms is above the budget, so the reference is 16.67 ms: a
	 * 40 ms frame has 23.33 ms excess, a cause needs 11 666 666.67 ns
	 * (with the base as reference it would need only 10 ms).
	 */
	setup(&fx, 4, 20 * MS, 0);
	f = mkframe(40 * MS, 0);
	f.gc_ns = 11 * MS;
	f = classify(&fx, f);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	f = mkframe(40 * MS, 0);
	f.gc_ns = 11666667;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	f = mkframe(40 * MS, 0);
	f.gc_ns = 11666666;
	f = classify(&fx, f);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	teardown(&fx);
}

/* A game presenting twice a loop: 0.3 ms, 16.6 ms, 0.3 ms, ... Its long
 * frames are its rhythm; a frame far slower than both is still a spike. */
static void test_rhythm(void)
{
	struct fixture fx;
	struct pmt_frame f;
	int i, spikes = 0;

	setup(&fx, 0, 0, 0);
	for (i = 0; i < 600; i++) {
		f = classify(&fx, mkframe(i % 2 ? 16600 * US : 300 * US, 0));
		spikes += f.spike && i > 2 * PMT_RHYTHM_MIN;
	}
	CU_ASSERT_EQUAL(spikes, 0);
	f = classify(&fx, mkframe(45 * MS, 0));
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	f = classify(&fx, mkframe(300 * US, 0));
	CU_ASSERT_FALSE(f.spike);
	teardown(&fx);

	/* A hitch every 5th frame (12 of 60: not more than a quarter) stays a spike. */
	setup(&fx, 0, 0, 0);
	for (i = 0; i < 600; i++) {
		f = classify(&fx, mkframe(i % 5 == 4 ? 30 * MS : 10 * MS, 0));
		if (i > 60 && i % 5 == 4)
			CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
		if (i % 5 != 4)
			CU_ASSERT_FALSE(f.spike);
	}
	teardown(&fx);

	/* A game slowing down for good: its first slow frames are spikes (up to
	 * a quarter of the window), then its new pace is normal. */
	setup(&fx, 0, 0, 0);
	for (i = 0; i < 120; i++)
		classify(&fx, mkframe(10 * MS, 0));
	for (i = 0, spikes = 0; i < 120; i++) {
		f = classify(&fx, mkframe(25 * MS, 0));
		spikes += f.spike;
		if (i >= 16)
			CU_ASSERT_FALSE(f.spike);
	}
	CU_ASSERT_EQUAL(spikes, 16);
	teardown(&fx);
}

static void test_spikes_stay_out(void)
{
	struct fixture fx;
	struct pmt_frame f;
	int i;

	setup(&fx, 4, 10 * MS, 0);
	for (i = 0; i < 100; i++) {
		f = classify(&fx, mkframe(50 * MS, 4 * MIB));
		/* slow frames that keep coming are the game's pace, not time spikes */
		CU_ASSERT_EQUAL(f.spike_kind, i < PMT_RHYTHM_MIN ? PMT_SPIKE_MEMORY | PMT_SPIKE_TIME :
								   PMT_SPIKE_MEMORY);
		CU_ASSERT_TRUE(f.spike);
	}
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 4);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&fx.b), 10 * MS);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&fx.b), 0);

	/* normal frames do enter and move the baseline */
	for (i = 0; i < 5; i++) {
		f = classify(&fx, mkframe(12 * MS, 1000));
		CU_ASSERT_FALSE(f.spike);
	}
	CU_ASSERT_EQUAL(pmt_baseline_count(&fx.b), 9);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&fx.b), 12 * MS);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&fx.b), 1000);
	teardown(&fx);
}

static void test_gc_generation_always(void)
{
	struct fixture fx;
	struct pmt_frame f;

	setup(&fx, 0, 0, 0);
	f = mkframe(5 * MS, 0);
	f.gc_collections[1] = 2;
	f.gc_collections[0] = 9;
	f = classify(&fx, f);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.gc_generation, 1);
	f = classify(&fx, mkframe(5 * MS, 0));
	CU_ASSERT_EQUAL(f.gc_generation, -1);
	teardown(&fx);
}

/*
 * A game capping itself at 40 fps (25 ms frames, +-3 %) is judged against
 * its own pace when auto_pace is on: its normal frames are no drops, a
 * frame over 25 ms x 1.25 is; without auto_pace every frame drops at 60 fps.
 */
static void test_auto_pace(void)
{
	struct fixture fx;
	struct pmt_frame f;
	uint64_t pace;
	uint32_t i;

	setup(&fx, 0, 0, 0);
	for (i = 0; i < PMT_PACE_MIN_FRAMES; i++)
		pmt_baseline_add(&fx.b, 25 * MS + (i % 7) * 100000 - 300000, 0); /* 24.7-25.3 ms */
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_TRUE(f.dropped); /* auto_pace off: the 60 fps budget */
	CU_ASSERT_FALSE(f.paced);
	CU_ASSERT_EQUAL(f.budget_ns, 16666666);
	fx.cfg.auto_pace = true;
	pace = pmt_baseline_pace(&fx.b);
	CU_ASSERT_TRUE(pace >= 24700000 && pace <= 25300000);
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_TRUE(f.paced);
	CU_ASSERT_EQUAL(f.budget_ns, pace);
	/* 1.25 x the pace is the boundary */
	pace = pmt_baseline_pace(&fx.b);
	f = classify(&fx, mkframe(pace * 5 / 4, 0));
	CU_ASSERT_FALSE(f.dropped);
	pace = pmt_baseline_pace(&fx.b);
	f = classify(&fx, mkframe(pace * 5 / 4 + 2, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_TRUE(f.paced);
	teardown(&fx);

	/* a 60 fps game: no pace above the target, the target's budget */
	setup(&fx, PMT_PACE_MIN_FRAMES, 16600000, 0);
	fx.cfg.auto_pace = true;
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_FALSE(f.paced);
	teardown(&fx);

	/* slow but unsteady (an uncapped game under load): no pace */
	setup(&fx, 0, 0, 0);
	fx.cfg.auto_pace = true;
	for (i = 0; i < 40; i++)
		pmt_baseline_add(&fx.b, (i % 2 ? 20 : 30) * MS, 0);
	CU_ASSERT_EQUAL(pmt_baseline_pace(&fx.b), 0);
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_FALSE(f.paced);
	teardown(&fx);

	/* too few frames to see a pace: with auto_pace no drop is called yet
	 * (budget 0), without it the target's budget judges from the start */
	setup(&fx, PMT_PACE_MIN_FRAMES - 1, 25 * MS, 0);
	CU_ASSERT_EQUAL(pmt_baseline_pace(&fx.b), 0);
	fx.cfg.auto_pace = true;
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_FALSE(f.paced);
	CU_ASSERT_EQUAL(f.budget_ns, 0);
	f = classify(&fx, mkframe(100 * MS, 0)); /* 10 frames in the baseline: its pace */
	CU_ASSERT_EQUAL(f.budget_ns, 25 * MS);
	CU_ASSERT_TRUE(f.paced);
	CU_ASSERT_TRUE(f.dropped);
	teardown(&fx);
	setup(&fx, 0, 0, 0);
	f = classify(&fx, mkframe(25 * MS, 0));
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.budget_ns, 16666666);
	teardown(&fx);
}

/* pmt_test_register_classify - add the "classify" suite. */
/* The fault-time rule: the larger of faults x cost and kernel time capped per fault. */
static void test_fault_time(void)
{
	CU_ASSERT_EQUAL(pmt_fault_time_estimate(0, 5000000, 1500.0, 20000), 0);
	CU_ASSERT_EQUAL(pmt_fault_time_estimate(100, 0, 1500.0, 20000), 150000);
	CU_ASSERT_EQUAL(pmt_fault_time_estimate(100, 400000, 1500.0, 20000), 400000);
	CU_ASSERT_EQUAL(pmt_fault_time_estimate(10, 4000000, 1500.0, 20000), 200000);
}

void pmt_test_register_classify(void)
{
	static const struct pmt_test tests[] = {
		{ "fault time estimate", test_fault_time },
		{ "config defaults", test_defaults },
		{ "cause names", test_cause_names },
		{ "profiler frames: never the game's drop or time spike", test_profiler_frames },
		{ "warm-up: no spikes, frames enter", test_warmup },
		{ "warm-up: drop cause against the budget", test_warmup_drop_uses_budget },
		{ "partial frames are never classified", test_partial },
		{ "memory spike floor boundary", test_memory_floor },
		{ "memory spike from a peak within the frame", test_memory_peak },
		{ "time spike floor and threshold", test_time_spike },
		{ "drop boundary", test_drop_boundary },
		{ "cause gc, timed", test_cause_gc_timed },
		{ "cause gc, untimed fallback", test_cause_gc_untimed },
		{ "cause page_faults vs heap_growth", test_cause_faults },
		{ "cause from gc + faults combined", test_cause_combined },
		{ "combined cause ignores untimed gc_ns", test_cause_combined_untimed },
		{ "combined cause against the share", test_cause_combined_share },
		{ "cause none for CPU-only frames", test_cause_cpu_only },
		{ "cause reference is min(base, budget)", test_cause_reference_is_min },
		{ "spikes stay out of the baseline", test_spikes_stay_out },
		{ "slow frames as the game's rhythm", test_rhythm },
		{ "gc_generation on every frame", test_gc_generation_always },
		{ "auto pace: a game capping itself is judged against its pace", test_auto_pace },
	};

	pmt_test_add_suite("classify", tests, PMT_ARRAY_SIZE(tests));
}
