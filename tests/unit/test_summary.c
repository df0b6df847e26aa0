// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_summary.c - unit tests of the duration histogram (exact small
 * values, quantile definition, <= 1 % relative error on known
 * distributions, open-ended last bucket) and of the summary accumulator
 * (sums, extremes, counts, and the partial-frame rules).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/frame.h"
#include "suites.h"

#define MIB (UINT64_C(1) << 20)
#define MS UINT64_C(1000000)

/* The histogram is 34 KiB: keep it off the stack. */
static struct pmt_hist *hist_new(void)
{
	return calloc(1, sizeof(struct pmt_hist));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The exact quantile by the same definition: the ceil(q n)-th smallest. */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

/* Reported value within [truth, truth * 1.01]. */
static int within_1pc(uint64_t got, uint64_t truth)
{
	return got >= truth && (double)got <= (double)truth * 1.01;
}

static void test_hist_empty(void)
{
	struct pmt_hist *h = hist_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.0), 0);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.5), 0);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), 0);
	free(h);
}

static void test_hist_single(void)
{
	struct pmt_hist *h = hist_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	pmt_hist_add(h, 12345);
	CU_ASSERT_EQUAL(h->n, 1);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.0), 12345);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.5), 12345);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), 12345);
	free(h);
}

static void test_hist_small_exact(void)
{
	struct pmt_hist *h = hist_new();
	uint64_t v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (v = 100; v >= 1; v--)
		pmt_hist_add(h, v);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.0), 1);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.01), 1);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.07), 7);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.5), 50);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.505), 51);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.95), 95);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.99), 99);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), 100);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, -1.0), 1);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 2.0), 100);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, NAN), 1);
	free(h);
}

static void test_hist_bucket_edges(void)
{
	struct pmt_hist *h = hist_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	/* 993 is in [992, 995]: the octave [512, 1024) in 128 buckets of 4 */
	pmt_hist_add(h, 993);
	pmt_hist_add(h, 5000);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.5), 995);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), 5000);
	/* the upper bound is clamped to the maximum */
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.75), 5000);
	free(h);
}

static void test_hist_uniform(void)
{
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999 };
	struct pmt_hist *h = hist_new();
	uint64_t v;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (v = 1; v <= 100000; v++)
		pmt_hist_add(h, v * 1000); /* 1 us .. 100 ms */
	for (i = 0; i < PMT_ARRAY_SIZE(qs); i++) {
		uint64_t truth = (uint64_t)ceil(qs[i] * 100000 - 1e-9) * 1000;

		CU_ASSERT_TRUE(within_1pc(pmt_hist_quantile(h, qs[i]), truth));
	}
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), 100000000);
	free(h);
}

/* Log-uniform over 1 ns .. 1000 s from a fixed LCG, against a sort. */
static void test_hist_log_uniform(void)
{
	enum { N = 200000 };
	struct pmt_hist *h = hist_new();
	uint64_t *vals = malloc(N * sizeof(*vals));
	uint64_t state = 0x9e3779b97f4a7c15u;
	double q;
	size_t i;
	int bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vals);
	for (i = 0; i < N; i++) {
		double u;

		state = state * 6364136223846793005u + 1442695040888963407u;
		u = (double)(state >> 11) / 9007199254740992.0;
		vals[i] = (uint64_t)exp(u * log(1e12)) + 1;
		pmt_hist_add(h, vals[i]);
	}
	qsort(vals, N, sizeof(*vals), cmp_u64);
	for (q = 0.0; q < 1.0; q += 0.001)
		if (!within_1pc(pmt_hist_quantile(h, q), exact_quantile(vals, N, q)))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), vals[N - 1]);
	CU_ASSERT_TRUE(vals[N - 1] > 100 * UINT64_C(1000000000)); /* reached > 100 s */
	free(vals);
	free(h);
}

static void test_hist_huge(void)
{
	struct pmt_hist *h = hist_new();
	uint64_t v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	/* the last bounded octave, [2^39, 2^40), in buckets of 2^32 */
	v = (UINT64_C(1) << 39) + 12345;
	pmt_hist_add(h, v);
	pmt_hist_add(h, (UINT64_C(1) << 40) - 1);
	pmt_hist_add(h, 5);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.3), 5);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.6), (UINT64_C(1) << 39) + (UINT64_C(1) << 32) - 1);
	CU_ASSERT_TRUE(within_1pc(pmt_hist_quantile(h, 0.6), v));
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), (UINT64_C(1) << 40) - 1);
	free(h);

	h = hist_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	pmt_hist_add(h, UINT64_C(1) << 41);
	pmt_hist_add(h, UINT64_C(1) << 50);
	pmt_hist_add(h, UINT64_MAX);
	pmt_hist_add(h, 0);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.25), 0);
	/* beyond 2^40 the last bucket is open: the maximum is reported */
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 0.5), UINT64_MAX);
	CU_ASSERT_EQUAL(pmt_hist_quantile(h, 1.0), UINT64_MAX);
	CU_ASSERT_EQUAL(h->n, 4);
	free(h);
}

static struct pmt_frame mkframe(uint64_t index, uint64_t ts, uint64_t dur, uint64_t rss,
				int64_t delta)
{
	struct pmt_frame f;

	memset(&f, 0, sizeof(f));
	f.index = index;
	f.ts_ns = ts;
	f.duration_ns = dur;
	f.rss_bytes = rss;
	f.rss_delta_bytes = delta;
	f.gc_known = true;
	f.gc_timed = true;
	f.gc_generation = -1;
	return f;
}

static struct pmt_summary_acc *acc_new(void)
{
	struct pmt_summary_acc *acc = malloc(sizeof(*acc));

	if (acc) {
		memset(acc, 0xa5, sizeof(*acc));
		pmt_summary_acc_reset(acc);
	}
	return acc;
}

static void test_summary_empty(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_summary s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.frames, 0);
	CU_ASSERT_EQUAL(s.span_ns, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.fps, 0.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(s.growth_per_frame, 0.0, 0.0);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 0);
	CU_ASSERT_EQUAL(s.dur_p99_ns, 0);
	CU_ASSERT_EQUAL(s.dur_max_ns, 0);
	CU_ASSERT_EQUAL(s.causes[0], 0);
	free(acc);
}

/*
 * Frame 0 partial (ends at 1 s after 500 ms), then frames of 10, 20, 30,
 * 40 ms back to back: the span is 100 ms with 4 frames, so 40 fps.
 */
static void test_summary_sums(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_frame f[5];
	struct pmt_summary s;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	f[0] = mkframe(0, 1000 * MS, 500 * MS, 100 * MIB, 100 * MIB);
	f[0].partial = true;
	f[0].minflt = 1000;
	f[0].gc_collections[0] = 1;
	f[1] = mkframe(1, 1010 * MS, 10 * MS, 102 * MIB, 2 * MIB);
	f[1].minflt = 10;
	f[1].majflt = 1;
	f[1].mapped_bytes = 4 * MIB;
	f[1].brk_delta_bytes = 3 * 4096;
	f[1].spike = true;
	f[1].spike_kind = PMT_SPIKE_MEMORY;
	f[2] = mkframe(2, 1030 * MS, 20 * MS, 110 * MIB, 8 * MIB);
	f[2].minflt = 20;
	f[2].unmapped_bytes = 1 * MIB;
	f[2].brk_delta_bytes = -4096;
	f[2].gc_collections[0] = 2;
	f[2].gc_collections[2] = 1;
	f[2].gc_collected = 500;
	f[2].gc_ns = 3 * MS;
	f[2].spike = true;
	f[2].spike_kind = PMT_SPIKE_MEMORY | PMT_SPIKE_TIME;
	f[3] = mkframe(3, 1060 * MS, 30 * MS, 101 * MIB, -9 * (int64_t)MIB);
	f[3].dropped = true;
	f[3].cause = PMT_CAUSE_GC;
	f[3].gc_collections[1] = 1;
	f[3].gc_collected = 20;
	f[3].gc_ns = 7 * MS;
	f[4] = mkframe(4, 1100 * MS, 40 * MS, 105 * MIB, 4 * MIB);
	f[4].dropped = true;
	f[4].cause = PMT_CAUSE_NONE;
	f[4].gc_timed = false;
	f[4].gc_ns = 999; /* not measured: ignored */
	f[4].gc_collections[0] = 4;
	for (i = 0; i < 5; i++)
		pmt_summary_acc_add(acc, &f[i]);
	pmt_summary_acc_get(acc, &s);

	CU_ASSERT_EQUAL(s.frames, 5);
	CU_ASSERT_EQUAL(s.first_index, 0);
	CU_ASSERT_EQUAL(s.span_ns, 100 * MS);
	CU_ASSERT_DOUBLE_EQUAL(s.fps, 40.0, 1e-9);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 25 * MS);
	CU_ASSERT_TRUE(within_1pc(s.dur_p50_ns, 20 * MS));
	CU_ASSERT_EQUAL(s.dur_p95_ns, 40 * MS); /* clamped to the max */
	CU_ASSERT_EQUAL(s.dur_p99_ns, 40 * MS);
	CU_ASSERT_EQUAL(s.dur_max_ns, 40 * MS);
	CU_ASSERT_EQUAL(s.rss_first_bytes, 100 * MIB);
	CU_ASSERT_EQUAL(s.rss_last_bytes, 105 * MIB);
	CU_ASSERT_EQUAL(s.rss_peak_bytes, 110 * MIB);
	CU_ASSERT_EQUAL(s.rss_growth_bytes, (int64_t)(105 * MIB));
	CU_ASSERT_DOUBLE_EQUAL(s.growth_per_frame, 105.0 * MIB / 5, 1e-6);
	CU_ASSERT_EQUAL(s.minflt, 1030);
	CU_ASSERT_EQUAL(s.majflt, 1);
	CU_ASSERT_EQUAL(s.mapped_bytes, 4 * MIB);
	CU_ASSERT_EQUAL(s.unmapped_bytes, 1 * MIB);
	CU_ASSERT_EQUAL(s.brk_bytes, 2 * 4096);
	CU_ASSERT_EQUAL(s.gc_collections[0], 7);
	CU_ASSERT_EQUAL(s.gc_collections[1], 1);
	CU_ASSERT_EQUAL(s.gc_collections[2], 1);
	CU_ASSERT_EQUAL(s.gc_collected, 520);
	CU_ASSERT_EQUAL(s.gc_ns, 10 * MS);
	CU_ASSERT_EQUAL(s.spikes, 2);
	CU_ASSERT_EQUAL(s.spikes_memory, 2);
	CU_ASSERT_EQUAL(s.spikes_time, 1);
	CU_ASSERT_EQUAL(s.dropped, 2);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_NONE], 1);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_GC], 1);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_PAGE_FAULTS], 0);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_HEAP_GROWTH], 0);

	/* get does not disturb the accumulator; reset empties it */
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.frames, 5);
	pmt_summary_acc_reset(acc);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.frames, 0);
	CU_ASSERT_EQUAL(s.rss_peak_bytes, 0);
	CU_ASSERT_EQUAL(s.dur_max_ns, 0);
	free(acc);
}

static void test_summary_unknown_gc(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_frame f = mkframe(7, 20 * MS, 10 * MS, MIB, 0);
	struct pmt_summary s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	f.gc_known = false;
	f.gc_collections[2] = 3;
	f.gc_collected = 10;
	f.gc_ns = 5; /* still timed: summed */
	pmt_summary_acc_add(acc, &f);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.first_index, 7);
	CU_ASSERT_EQUAL(s.gc_collections[2], 0);
	CU_ASSERT_EQUAL(s.gc_collected, 0);
	CU_ASSERT_EQUAL(s.gc_ns, 5);
	CU_ASSERT_EQUAL(s.span_ns, 10 * MS);
	CU_ASSERT_DOUBLE_EQUAL(s.fps, 100.0, 1e-9);
	free(acc);
}

static void test_summary_only_partial(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_frame f = mkframe(0, 1000 * MS, 1000 * MS, 50 * MIB, 50 * MIB);
	struct pmt_summary s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	f.partial = true;
	pmt_summary_acc_add(acc, &f);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.frames, 1);
	CU_ASSERT_EQUAL(s.span_ns, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.fps, 0.0, 0.0);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 0);
	CU_ASSERT_EQUAL(s.dur_p50_ns, 0);
	CU_ASSERT_EQUAL(s.dur_max_ns, 0);
	CU_ASSERT_EQUAL(s.rss_first_bytes, 50 * MIB);
	CU_ASSERT_EQUAL(s.rss_peak_bytes, 50 * MIB);
	CU_ASSERT_DOUBLE_EQUAL(s.growth_per_frame, 50.0 * MIB, 1e-6);
	free(acc);
}

/*
 * A partial frame after lost records, mid-interval: it ends inside the
 * span, so it counts for fps, but its duration stays out of the stats.
 */
static void test_summary_partial_middle(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_frame f;
	struct pmt_summary s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	f = mkframe(10, 110 * MS, 10 * MS, MIB, 0); /* span starts at 100 ms */
	pmt_summary_acc_add(acc, &f);
	f = mkframe(14, 190 * MS, 80 * MS, MIB, 0);
	f.partial = true;
	pmt_summary_acc_add(acc, &f);
	f = mkframe(15, 200 * MS, 10 * MS, MIB, 0);
	pmt_summary_acc_add(acc, &f);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.frames, 3);
	CU_ASSERT_EQUAL(s.first_index, 10);
	CU_ASSERT_EQUAL(s.span_ns, 100 * MS);
	CU_ASSERT_DOUBLE_EQUAL(s.fps, 30.0, 1e-9);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 10 * MS);
	CU_ASSERT_EQUAL(s.dur_max_ns, 10 * MS);
	free(acc);
}

static void test_summary_mean_rounding(void)
{
	struct pmt_summary_acc *acc = acc_new();
	struct pmt_frame f;
	struct pmt_summary s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	f = mkframe(0, 10, 1, 0, 0);
	pmt_summary_acc_add(acc, &f);
	f = mkframe(1, 12, 2, 0, 0);
	pmt_summary_acc_add(acc, &f);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 2); /* 1.5 rounds to nearest (up) */
	CU_ASSERT_EQUAL(s.dur_p50_ns, 1);
	CU_ASSERT_EQUAL(s.span_ns, 3);
	f = mkframe(2, 13, 1, 0, 0);
	pmt_summary_acc_add(acc, &f);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.dur_mean_ns, 1); /* 4/3 */
	free(acc);
}

/* Frames the profiler acted in are counted apart: never the game's drops. */
static void test_summary_profiler(void)
{
	struct pmt_summary_acc *acc = calloc(1, sizeof(*acc));
	struct pmt_summary s;
	struct pmt_frame f[3];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	pmt_summary_acc_reset(acc);
	f[0] = mkframe(0, 20 * MS, 16 * MS, 100 * MIB, 0);
	f[1] = mkframe(1, 60 * MS, 40 * MS, 100 * MIB, 0);
	f[1].dropped = true;
	f[1].cause = PMT_CAUSE_PROFILER;
	f[1].prof = PMT_PROF_TRACED | PMT_PROF_PROBES;
	f[1].prof_cost_ns = 24 * MS;
	f[1].prof_slow = true;
	f[2] = mkframe(2, 90 * MS, 30 * MS, 100 * MIB, 0);
	f[2].dropped = true;
	f[2].cause = PMT_CAUSE_NONE;
	for (i = 0; i < 3; i++)
		pmt_summary_acc_add(acc, &f[i]);
	pmt_summary_acc_get(acc, &s);
	CU_ASSERT_EQUAL(s.dropped, 1);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_NONE], 1);
	CU_ASSERT_EQUAL(s.causes[PMT_CAUSE_PROFILER], 1);
	CU_ASSERT_EQUAL(s.prof_frames, 1);
	CU_ASSERT_EQUAL(s.prof_traced, 1);
	CU_ASSERT_EQUAL(s.prof_dropped, 1);
	CU_ASSERT_EQUAL(s.prof_slow, 1);
	CU_ASSERT_EQUAL(s.prof_cost_ns, 24 * MS);
	free(acc);
}


/* pmt_test_register_summary - add the "summary" suite. */
void pmt_test_register_summary(void)
{
	static const struct pmt_test tests[] = {
		{ "hist: empty", test_hist_empty },
		{ "hist: single value", test_hist_single },
		{ "hist: small values are exact", test_hist_small_exact },
		{ "hist: bucket upper bound, clamped", test_hist_bucket_edges },
		{ "hist: uniform within 1%", test_hist_uniform },
		{ "hist: log-uniform 1 ns..1000 s within 1%", test_hist_log_uniform },
		{ "hist: values at and past 2^40", test_hist_huge },
		{ "summary: empty", test_summary_empty },
		{ "summary: the profiler's frames apart", test_summary_profiler },
		{ "summary: sums, extremes, counts", test_summary_sums },
		{ "summary: unknown GC counters not summed", test_summary_unknown_gc },
		{ "summary: only partial frames", test_summary_only_partial },
		{ "summary: partial frame mid-span", test_summary_partial_middle },
		{ "summary: mean rounding", test_summary_mean_rounding },
	};

	pmt_test_add_suite("summary", tests, PMT_ARRAY_SIZE(tests));
}
