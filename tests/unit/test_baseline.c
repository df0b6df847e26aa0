// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_baseline.c - unit tests of the rolling baseline: medians for odd
 * and even counts, negative growths, the rounding of even medians, extreme
 * values without overflow, and window eviction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/frame.h"
#include "suites.h"

static void test_init_errors(void)
{
	struct pmt_baseline b;

	memset(&b, 0xa5, sizeof(b));
	CU_ASSERT_EQUAL(pmt_baseline_init(&b, 0), -EINVAL);
	CU_ASSERT_PTR_NULL(b.durations);
	CU_ASSERT_EQUAL(b.window, 0);
	pmt_baseline_free(&b);
	pmt_baseline_free(&b);
	pmt_baseline_free(NULL);
	/* a baseline without storage ignores adds */
	pmt_baseline_add(&b, 5, 5);
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 0);
}

static void test_empty(void)
{
	struct pmt_baseline b;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 5), 0);
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 0);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), 0);
	pmt_baseline_free(&b);
}

static void test_odd(void)
{
	struct pmt_baseline b;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 5), 0);
	pmt_baseline_add(&b, 5, -5);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 5);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -5);
	pmt_baseline_add(&b, 1, 10);
	pmt_baseline_add(&b, 3, -1);
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -1);
	/* reading the medians twice gives the same (insertion order kept) */
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -1);
	pmt_baseline_add(&b, 100, -100);
	pmt_baseline_add(&b, 2, 7);
	/* durations 5 1 3 100 2 -> 3; growths -5 10 -1 -100 7 -> -1 */
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -1);
	pmt_baseline_free(&b);
}

static void test_even(void)
{
	struct pmt_baseline b;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 8), 0);
	pmt_baseline_add(&b, 10, 6);
	pmt_baseline_add(&b, 2, 4);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 6);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), 5);
	pmt_baseline_add(&b, 3, -4);
	pmt_baseline_add(&b, 1, -1);
	/* durations 1 2 3 10 -> 2.5 -> 2; growths -4 -1 4 6 -> 1.5 -> 1 */
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 2);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), 1);
	pmt_baseline_free(&b);

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 8), 0);
	pmt_baseline_add(&b, 0, -4);
	pmt_baseline_add(&b, 0, -1);
	/* -2.5 rounds toward minus infinity */
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -3);
	pmt_baseline_add(&b, 0, -10);
	pmt_baseline_add(&b, 0, -20);
	/* -20 -10 -4 -1 -> -7 */
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -7);
	pmt_baseline_free(&b);
}

static void test_extremes(void)
{
	struct pmt_baseline b;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 2), 0);
	pmt_baseline_add(&b, UINT64_MAX, INT64_MAX);
	pmt_baseline_add(&b, UINT64_MAX - 2, INT64_MAX - 2);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), UINT64_MAX - 1);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), INT64_MAX - 1);
	pmt_baseline_add(&b, 0, INT64_MIN);
	pmt_baseline_add(&b, UINT64_MAX, INT64_MAX);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), UINT64_MAX / 2);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -1); /* -0.5 rounded down */
	pmt_baseline_add(&b, 0, INT64_MIN);
	pmt_baseline_add(&b, 0, INT64_MIN + 2);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), INT64_MIN + 1);
	pmt_baseline_free(&b);
}

static void test_window_eviction(void)
{
	struct pmt_baseline b;
	int i;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 3), 0);
	for (i = 0; i < 3; i++)
		pmt_baseline_add(&b, 100, 1000);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 100);
	pmt_baseline_add(&b, 1, -1);
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 100);
	pmt_baseline_add(&b, 1, -1);
	/* window now 100 1 1 */
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 3);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 1);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), -1);
	pmt_baseline_add(&b, 7, 7);
	/* 1 1 7 */
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 1);
	pmt_baseline_add(&b, 7, 7);
	pmt_baseline_add(&b, 9, 9);
	/* 7 7 9 */
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 7);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), 7);
	pmt_baseline_free(&b);
}

static void test_window_one(void)
{
	struct pmt_baseline b;

	CU_ASSERT_EQUAL_FATAL(pmt_baseline_init(&b, 1), 0);
	pmt_baseline_add(&b, 4, -4);
	pmt_baseline_add(&b, 9, 9);
	CU_ASSERT_EQUAL(pmt_baseline_count(&b), 1);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&b), 9);
	CU_ASSERT_EQUAL(pmt_baseline_growth(&b), 9);
	pmt_baseline_free(&b);
}

/* pmt_test_register_baseline - add the "baseline" suite. */
static int cmp_sel(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Selection against a sort: every k of many sizes, duplicates included. */
static void test_select(void)
{
	uint64_t v[70], sorted[70], w[70];
	uint32_t seed = 12345;
	size_t n, k, i;
	int round;

	for (round = 0; round < 40; round++) {
		for (n = 1; n <= 70; n += (round % 3) + 1) {
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				v[i] = round % 2 ? (seed >> 16) % 7 : (uint64_t)seed << 20;
			}
			memcpy(sorted, v, n * sizeof(v[0]));
			qsort(sorted, n, sizeof(v[0]), cmp_sel);
			for (k = 0; k < n; k++) {
				memcpy(w, v, n * sizeof(v[0]));
				CU_ASSERT_EQUAL(pmt_select_u64(w, n, k), sorted[k]);
				for (i = 0; i < k; i++)
					CU_ASSERT_TRUE(w[i] <= w[k]);
				for (i = k + 1; i < n; i++)
					CU_ASSERT_TRUE(w[i] >= w[k]);
			}
		}
	}
}

void pmt_test_register_baseline(void)
{
	static const struct pmt_test tests[] = {
		{ "selection against a sort", test_select },
		{ "init rejects window 0; free is idempotent", test_init_errors },
		{ "empty medians are 0", test_empty },
		{ "odd count median, negative growths", test_odd },
		{ "even count median rounds down", test_even },
		{ "extreme values do not overflow", test_extremes },
		{ "window evicts the oldest", test_window_eviction },
		{ "window of one", test_window_one },
	};

	pmt_test_add_suite("baseline", tests, PMT_ARRAY_SIZE(tests));
}
