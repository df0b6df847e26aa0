// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cycles.c - cycles among assets: none in a tree, a self-reference,
 * the shortest cycle shown for a component, several components in node
 * order, a long chain (no recursion), bad input.
 */
#include <errno.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "pmtrace/cycles.h"
#include "suites.h"

static void check_cycle(const struct pmt_cycle_set *c, size_t i, const uint32_t *want, size_t n)
{
	size_t k;

	CU_ASSERT_FATAL(i < c->count);
	CU_ASSERT_EQUAL_FATAL(c->start[i + 1] - c->start[i], n);
	for (k = 0; k < n; k++)
		CU_ASSERT_EQUAL(c->nodes[c->start[i] + k], want[k]);
}

static void test_basic(void)
{
	static const struct pmt_edge tree[] = { { 0, 1 }, { 0, 2 }, { 2, 3 }, { 1, 3 } };
	/* 1 -> 2 -> 3 -> 1 and 3 -> 4 -> 1 (component {1,2,3,4}); 5 self; 6 -> 7 -> 6 */
	static const struct pmt_edge g[] = { { 1, 2 }, { 2, 3 }, { 3, 1 }, { 3, 4 }, { 4, 1 },
					     { 5, 5 }, { 7, 6 }, { 6, 7 }, { 0, 1 }, { 2, 3 } };
	static const uint32_t c0[] = { 1, 2, 3 }, c1[] = { 5 }, c2[] = { 6, 7 };
	struct pmt_cycle_set c;

	CU_ASSERT_EQUAL(pmt_find_cycles(4, tree, 4, &c), 0);
	CU_ASSERT_EQUAL(c.count, 0);
	pmt_cycle_set_free(&c);
	CU_ASSERT_EQUAL(pmt_find_cycles(8, g, sizeof(g) / sizeof(g[0]), &c), 0);
	CU_ASSERT_EQUAL(c.count, 3);
	check_cycle(&c, 0, c0, 3);
	check_cycle(&c, 1, c1, 1);
	check_cycle(&c, 2, c2, 2);
	CU_ASSERT_EQUAL(c.scc_nodes, 4 + 1 + 2);
	pmt_cycle_set_free(&c);
	pmt_cycle_set_free(&c);
}

static void test_long_chain(void)
{
	const uint32_t n = 200000;
	struct pmt_edge *e = malloc(n * sizeof(*e));
	struct pmt_cycle_set c;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (i = 0; i < n; i++) {
		e[i].from = i;
		e[i].to = (i + 1) % n; /* one cycle through every node */
	}
	CU_ASSERT_EQUAL(pmt_find_cycles(n, e, n, &c), 0);
	CU_ASSERT_EQUAL(c.count, 1);
	CU_ASSERT_EQUAL(c.start[1], n);
	CU_ASSERT_EQUAL(c.nodes[0], 0);
	CU_ASSERT_EQUAL(c.nodes[n - 1], n - 1);
	pmt_cycle_set_free(&c);
	e[n - 1].to = n - 1; /* a chain ending in a self-reference */
	CU_ASSERT_EQUAL(pmt_find_cycles(n, e, n, &c), 0);
	CU_ASSERT_EQUAL(c.count, 1);
	CU_ASSERT_EQUAL(c.nodes[0], n - 1);
	pmt_cycle_set_free(&c);
	free(e);
}

static void test_bad(void)
{
	static const struct pmt_edge g[] = { { 0, 3 } };
	struct pmt_cycle_set c;

	CU_ASSERT_EQUAL(pmt_find_cycles(3, g, 1, &c), -EINVAL);
	CU_ASSERT_EQUAL(c.count, 0);
	CU_ASSERT_EQUAL(pmt_find_cycles(3, NULL, 1, &c), -EINVAL);
	CU_ASSERT_EQUAL(pmt_find_cycles(0, NULL, 0, &c), 0);
	CU_ASSERT_EQUAL(c.count, 0);
	CU_ASSERT_EQUAL(pmt_find_cycles(3, NULL, 0, NULL), -EINVAL);
}

void pmt_test_register_cycles(void)
{
	static const struct pmt_test tests[] = {
		{ "cycles per component", test_basic },
		{ "a long chain", test_long_chain },
		{ "bad input", test_bad },
	};

	pmt_test_add_suite("cycles", tests, PMT_ARRAY_SIZE(tests));
}
