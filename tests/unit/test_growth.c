// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_growth.c - unit tests of growth sites: merging samples by site,
 * the per-frame and whole-run top lists (by fault bytes and by mapped
 * bytes, their union and order), ties, empty sites, frames counted per
 * site, reset and growth of the table past its first size.
 */
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/growth.h"
#include "suites.h"

#define PAGE UINT64_C(4096)
#define MIB (UINT64_C(1) << 20)

static void add(struct pmt_growth_acc *a, uint32_t site, uint64_t faults, uint64_t mapped,
		bool partial)
{
	struct pmt_growth_sample s = { .faults = faults, .mapped_bytes = mapped, .site = site,
				       .partial = partial };

	CU_ASSERT_EQUAL_FATAL(pmt_growth_acc_add(a, &s), 0);
}

static void test_empty(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[4];

	pmt_growth_acc_init(&a);
	CU_ASSERT_EQUAL(pmt_growth_top(&a, PAGE, 2, out), 0);
	add(&a, 7, 0, 0, false); /* a site that did not grow is never shown */
	CU_ASSERT_EQUAL(pmt_growth_top(&a, PAGE, 2, out), 0);
	CU_ASSERT_EQUAL(pmt_growth_top(&a, PAGE, 0, out), 0);
	pmt_growth_acc_free(&a);
	pmt_growth_acc_free(&a); /* twice: harmless */
	pmt_growth_acc_free(NULL);
}

/* Two stacks with the same names (same site) merge; partial is or-ed. */
static void test_merge(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[4];

	pmt_growth_acc_init(&a);
	add(&a, 3, 4096, 64 * MIB, false);
	add(&a, 9, 10, 0, false);
	add(&a, 3, 100, 4096, true);
	CU_ASSERT_EQUAL(a.n, 2);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 2, out), 2);
	CU_ASSERT_EQUAL(out[0].site, 3);
	CU_ASSERT_EQUAL(out[0].faults, 4196);
	CU_ASSERT_EQUAL(out[0].fault_bytes, 4196 * PAGE);
	CU_ASSERT_EQUAL(out[0].mapped_bytes, 64 * MIB + 4096);
	CU_ASSERT_TRUE(out[0].partial);
	CU_ASSERT_EQUAL(out[1].site, 9);
	CU_ASSERT_EQUAL(out[1].faults, 10);
	CU_ASSERT_EQUAL(out[1].fault_bytes, 40960);
	CU_ASSERT_EQUAL(out[1].mapped_bytes, 0);
	CU_ASSERT_FALSE(out[1].partial);
	pmt_growth_acc_free(&a);
}

/*
 * Top 2 by faults: sites 1 (500), 2 (400). Top 2 by mapped: 5 (8 MiB),
 * 4 (2 MiB). Site 3 (300 faults, 1 MiB) is in neither list. The union is
 * shown in fault order: 1, 2, 4, 5 (4 and 5 have 0 and 10 faults).
 */
static void test_union_order(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[4];

	pmt_growth_acc_init(&a);
	add(&a, 3, 300, MIB, false);
	add(&a, 5, 10, 8 * MIB, false);
	add(&a, 1, 500, 0, false);
	add(&a, 4, 0, 2 * MIB, false);
	add(&a, 2, 400, 0, false);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 2, out), 4);
	CU_ASSERT_EQUAL(out[0].site, 1);
	CU_ASSERT_EQUAL(out[1].site, 2);
	CU_ASSERT_EQUAL(out[2].site, 5);
	CU_ASSERT_EQUAL(out[3].site, 4);
	CU_ASSERT_EQUAL(out[2].mapped_bytes, 8 * MIB);
	CU_ASSERT_EQUAL(out[3].faults, 0);
	/* top 1: site 1 by faults, site 5 by mapped bytes */
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 1, out), 2);
	CU_ASSERT_EQUAL(out[0].site, 1);
	CU_ASSERT_EQUAL(out[1].site, 5);
	pmt_growth_acc_free(&a);
}

/* One site heading both lists is shown once. */
static void test_same_site_both(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[6];

	pmt_growth_acc_init(&a);
	add(&a, 42, 16384, 64 * MIB + 4096, false);
	add(&a, 0, 12, 0, false); /* native code: site ids are opaque, 0 included */
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 3, out), 2);
	CU_ASSERT_EQUAL(out[0].site, 42);
	CU_ASSERT_EQUAL(out[0].fault_bytes, 64 * MIB);
	CU_ASSERT_EQUAL(out[1].site, 0);
	pmt_growth_acc_free(&a);
}

/* Equal faults: more mapped bytes first; then the lower site id. */
static void test_ties(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[6];

	pmt_growth_acc_init(&a);
	add(&a, 8, 50, 0, false);
	add(&a, 6, 50, 0, false);
	add(&a, 7, 50, 4096, false);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 3, out), 3);
	CU_ASSERT_EQUAL(out[0].site, 7);
	CU_ASSERT_EQUAL(out[1].site, 6);
	CU_ASSERT_EQUAL(out[2].site, 8);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 1, out), 1);
	CU_ASSERT_EQUAL(out[0].site, 7);
	pmt_growth_acc_free(&a);
}

/* A run: frames merged, each growing site counting one frame per frame. */
static void test_run(void)
{
	struct pmt_growth_acc fr, run;
	struct pmt_growth_site out[4];

	pmt_growth_acc_init(&fr);
	pmt_growth_acc_init(&run);
	add(&fr, 1, 10, 0, false);
	add(&fr, 1, 5, 0, false);
	add(&fr, 2, 0, 0, false); /* no growth: not counted */
	CU_ASSERT_EQUAL(pmt_growth_acc_merge_frame(&run, &fr), 0);
	pmt_growth_acc_reset(&fr);
	CU_ASSERT_EQUAL(fr.n, 0);
	CU_ASSERT_EQUAL(pmt_growth_top(&fr, PAGE, 2, out), 0);
	add(&fr, 2, 3, 8192, true);
	add(&fr, 1, 1, 0, false);
	CU_ASSERT_EQUAL(pmt_growth_acc_merge_frame(&run, &fr), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&run, PAGE, 2, out), 2);
	CU_ASSERT_EQUAL(out[0].site, 1);
	CU_ASSERT_EQUAL(out[0].faults, 16);
	CU_ASSERT_EQUAL(out[0].frames, 2);
	CU_ASSERT_FALSE(out[0].partial);
	CU_ASSERT_EQUAL(out[1].site, 2);
	CU_ASSERT_EQUAL(out[1].faults, 3);
	CU_ASSERT_EQUAL(out[1].mapped_bytes, 8192);
	CU_ASSERT_EQUAL(out[1].frames, 1);
	CU_ASSERT_TRUE(out[1].partial);
	pmt_growth_acc_free(&fr);
	pmt_growth_acc_free(&run);
}

/* Many sites: the table grows past its first size and keeps every sum. */
static void test_many(void)
{
	struct pmt_growth_acc a;
	struct pmt_growth_site out[10];
	uint32_t i;

	pmt_growth_acc_init(&a);
	for (i = 0; i < 5000; i++)
		add(&a, i * 7919u, i + 1, 0, false);
	for (i = 0; i < 5000; i++)
		add(&a, i * 7919u, 1, 0, false);
	CU_ASSERT_EQUAL(a.n, 5000);
	CU_ASSERT_EQUAL_FATAL(pmt_growth_top(&a, PAGE, 5, out), 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(out[i].site, (4999 - i) * 7919u);
		CU_ASSERT_EQUAL(out[i].faults, 5000 - i + 1);
	}
	pmt_growth_acc_free(&a);
}

/* pmt_test_register_growth - add the "growth" suite. */
void pmt_test_register_growth(void)
{
	static const struct pmt_test tests[] = {
		{ "empty and no-growth sites", test_empty },
		{ "samples merge by site", test_merge },
		{ "union of both top lists, in fault order", test_union_order },
		{ "one site heading both lists shown once", test_same_site_both },
		{ "ties", test_ties },
		{ "run totals and frames per site", test_run },
		{ "table growth", test_many },
	};

	pmt_test_add_suite("growth", tests, PMT_ARRAY_SIZE(tests));
}
