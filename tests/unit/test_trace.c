// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_trace.c - unit tests of trace mode's schedule, governor, per-site
 * sums and histogram bins.
 */
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/trace.h"
#include "suites.h"

static void test_every(void)
{
	struct pmt_trace_sched s;
	uint64_t from, to;

	pmt_trace_sched_init(&s, 60, 0, 0, 0, false, 5);
	CU_ASSERT_TRUE(pmt_trace_sched_enabled(&s));
	/* due at once */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 10, &from, &to), PMT_TRIG_EVERY);
	CU_ASSERT_EQUAL(from, 10);
	CU_ASSERT_EQUAL(to, 11);
	pmt_trace_sched_done(&s, PMT_TRIG_EVERY, 10, 11);
	/* then 60 frames later */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 11, &from, &to), PMT_TRIG_NONE);
	CU_ASSERT_EQUAL(from, 70);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 70, &from, &to), PMT_TRIG_EVERY);
	CU_ASSERT_EQUAL(from, 70);
	/* late: the first frame that can still be traced */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 75, &from, &to), PMT_TRIG_EVERY);
	CU_ASSERT_EQUAL(from, 75);
	CU_ASSERT_EQUAL(to, 76);
}

static void test_off(void)
{
	struct pmt_trace_sched s;
	uint64_t from, to;

	pmt_trace_sched_init(&s, 0, 0, 0, 0, false, 5);
	CU_ASSERT_FALSE(pmt_trace_sched_enabled(&s));
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 0, &from, &to), PMT_TRIG_NONE);
	CU_ASSERT_EQUAL(from, UINT64_MAX);
	pmt_trace_sched_spike(&s, 5); /* K = 0: nothing */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 6, &from, &to), PMT_TRIG_NONE);
}

static void test_range(void)
{
	struct pmt_trace_sched s;
	uint64_t from, to;

	pmt_trace_sched_init(&s, 0, 0, 100, 103, false, 5);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 50, &from, &to), PMT_TRIG_NONE);
	CU_ASSERT_EQUAL(from, 100);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 100, &from, &to), PMT_TRIG_RANGE);
	CU_ASSERT_EQUAL(from, 100);
	CU_ASSERT_EQUAL(to, 103);
	/* joined late: what is left of it */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 102, &from, &to), PMT_TRIG_RANGE);
	CU_ASSERT_EQUAL(from, 102);
	CU_ASSERT_EQUAL(to, 103);
	pmt_trace_sched_done(&s, PMT_TRIG_RANGE, 102, 103);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 103, &from, &to), PMT_TRIG_NONE);
	CU_ASSERT_EQUAL(from, UINT64_MAX);
}

static void test_spike(void)
{
	struct pmt_trace_sched s;
	uint64_t from, to;

	pmt_trace_sched_init(&s, 0, 3, 0, 0, false, 5);
	pmt_trace_sched_spike(&s, 40);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 41, &from, &to), PMT_TRIG_SPIKE);
	CU_ASSERT_EQUAL(from, 41);
	CU_ASSERT_EQUAL(to, 44);
	/* a second spike inside the window does not extend it */
	pmt_trace_sched_spike(&s, 42);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 41, &from, &to), PMT_TRIG_SPIKE);
	CU_ASSERT_EQUAL(to, 44);
	/* seen late, even past the K frames: still K frames */
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 50, &from, &to), PMT_TRIG_SPIKE);
	CU_ASSERT_EQUAL(from, 50);
	CU_ASSERT_EQUAL(to, 53);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 43, &from, &to), PMT_TRIG_SPIKE);
	CU_ASSERT_EQUAL(from, 43);
	CU_ASSERT_EQUAL(to, 46);
	pmt_trace_sched_done(&s, PMT_TRIG_SPIKE, 43, 46);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 44, &from, &to), PMT_TRIG_NONE);
	/* over budget: a spike waits */
	pmt_trace_sched_account(&s, 10e6, 100e6); /* 10 % > 5 % */
	pmt_trace_sched_spike(&s, 50);
	CU_ASSERT_EQUAL(s.spikes_skipped, 1);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 51, &from, &to), PMT_TRIG_NONE);
}

static void test_all(void)
{
	struct pmt_trace_sched s;
	uint64_t from, to;

	pmt_trace_sched_init(&s, 0, 3, 0, 0, true, 5);
	CU_ASSERT_EQUAL(pmt_trace_sched_next(&s, 7, &from, &to), PMT_TRIG_ALL);
	CU_ASSERT_EQUAL(from, 7);
	CU_ASSERT_EQUAL(to, UINT64_MAX);
}

static void test_governor(void)
{
	struct pmt_trace_sched s;
	double pct;

	pmt_trace_sched_init(&s, 10, 0, 0, 0, false, 5);
	/* 20 ms of tracing in 100 ms: 20 %, the interval doubles */
	pct = pmt_trace_sched_account(&s, 20e6, 100e6);
	CU_ASSERT_DOUBLE_EQUAL(pct, 20.0, 1e-9);
	CU_ASSERT_EQUAL(s.eff_every, 20);
	CU_ASSERT_EQUAL(s.governed, 1);
	/* decayed: 0.8 * 20 + 0 over 0.8 * 100 + 1000 ms */
	pct = pmt_trace_sched_account(&s, 0, 1000e6);
	CU_ASSERT_DOUBLE_EQUAL(pct, 100.0 * 16e6 / 1080e6, 1e-9);
	CU_ASSERT_EQUAL(s.eff_every, 20); /* 1.48 % is not under 5 / 4 */
	pct = pmt_trace_sched_account(&s, 0, 10000e6);
	CU_ASSERT_TRUE(pct < 1.25);
	CU_ASSERT_EQUAL(s.eff_every, 10); /* back to what was asked, never below */
	pmt_trace_sched_account(&s, 0, 10000e6);
	CU_ASSERT_EQUAL(s.eff_every, 10);
}

static void test_sites(void)
{
	struct pmt_trace_sites s, all;
	size_t idx[4], n;

	pmt_trace_sites_init(&s);
	pmt_trace_sites_init(&all);
	/* key 7 twice (two stack ids, same names): merged */
	CU_ASSERT_EQUAL(pmt_trace_sites_add(&s, 7, 100, 10, 480), 0);
	CU_ASSERT_EQUAL(pmt_trace_sites_add(&s, 3, 101, 50, 400), 0);
	CU_ASSERT_EQUAL(pmt_trace_sites_add(&s, 7, 102, 5, 240), 0);
	CU_ASSERT_EQUAL(pmt_trace_sites_add(&s, 0, 0, 50, 100), 0);
	n = pmt_trace_sites_top(&s, true, idx, 4);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(s.v[idx[0]].key, 7);
	CU_ASSERT_EQUAL(s.v[idx[0]].allocs, 15);
	CU_ASSERT_EQUAL(s.v[idx[0]].bytes, 720);
	CU_ASSERT_EQUAL(s.v[idx[1]].key, 3);
	CU_ASSERT_EQUAL(s.v[idx[2]].key, 0);
	/* by count: 50 and 50 tie, bytes break it (400 > 100) */
	n = pmt_trace_sites_top(&s, false, idx, 2);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(s.v[idx[0]].key, 3);
	CU_ASSERT_EQUAL(s.v[idx[1]].key, 0);
	/* merged into a run total, twice */
	CU_ASSERT_EQUAL(pmt_trace_sites_merge(&all, &s), 0);
	CU_ASSERT_EQUAL(pmt_trace_sites_merge(&all, &s), 0);
	n = pmt_trace_sites_top(&all, true, idx, 1);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(all.v[idx[0]].bytes, 1440);
	CU_ASSERT_EQUAL(all.n, 3);
	pmt_trace_sites_clear(&s);
	CU_ASSERT_EQUAL(pmt_trace_sites_top(&s, true, idx, 4), 0);
	pmt_trace_sites_free(&s);
	pmt_trace_sites_free(&all);
}

static void test_bins(void)
{
	/* pymalloc classes of 16 bytes, then powers of two from 1 KiB */
	CU_ASSERT_EQUAL(pmt_trace_bin_min(0), 0);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(0), 16);
	CU_ASSERT_EQUAL(pmt_trace_bin_min(2), 33);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(2), 48);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(PMT_HIST_SMALL - 1), 512);
	CU_ASSERT_EQUAL(pmt_trace_bin_min(PMT_HIST_SMALL), 513);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(PMT_HIST_SMALL), 1024);
	CU_ASSERT_EQUAL(pmt_trace_bin_min(PMT_HIST_SMALL + 1), 1025);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(PMT_HIST_SMALL + 1), 2048);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(PMT_HIST_BINS - 1), UINT64_MAX);
	CU_ASSERT_EQUAL(pmt_trace_bin_max(PMT_HIST_BINS), 0);
}

void pmt_test_register_trace(void)
{
	static const struct pmt_test tests[] = {
		{ "every N frames", test_every },
		{ "nothing asked", test_off },
		{ "a range of frames", test_range },
		{ "after a spike", test_spike },
		{ "every frame", test_all },
		{ "governor", test_governor },
		{ "sites merged and ranked", test_sites },
		{ "histogram bins", test_bins },
	};

	pmt_test_add_suite("trace", tests, PMT_ARRAY_SIZE(tests));
}
