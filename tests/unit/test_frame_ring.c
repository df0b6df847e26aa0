// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_frame_ring.c - unit tests of the frame history ring: argument and
 * allocation failures, ordering before and after wraparound, eviction,
 * copying semantics and idempotent free.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/frame.h"
#include "suites.h"

static struct pmt_frame frame_at(uint64_t index)
{
	struct pmt_frame f;

	memset(&f, 0, sizeof(f));
	f.index = index;
	f.duration_ns = 1000 + index;
	return f;
}

static void push_n(struct pmt_frame_ring *r, uint64_t from, uint64_t n)
{
	uint64_t i;

	for (i = from; i < from + n; i++) {
		struct pmt_frame f = frame_at(i);

		pmt_frame_ring_push(r, &f);
	}
}

static void test_init_errors(void)
{
	struct pmt_frame_ring r;

	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(pmt_frame_ring_init(&r, 0), -EINVAL);
	CU_ASSERT_PTR_NULL(r.frames);
	CU_ASSERT_EQUAL(r.cap, 0);
	pmt_frame_ring_free(&r);

	memset(&r, 0xa5, sizeof(r));
	CU_ASSERT_EQUAL(pmt_frame_ring_init(&r, SIZE_MAX), -ENOMEM);
	CU_ASSERT_PTR_NULL(r.frames);
	CU_ASSERT_EQUAL(r.len, 0);
	pmt_frame_ring_free(&r);
	CU_ASSERT_EQUAL(pmt_frame_ring_init(&r, SIZE_MAX / sizeof(struct pmt_frame) + 1), -ENOMEM);
	pmt_frame_ring_free(&r);
}

static void test_empty(void)
{
	struct pmt_frame_ring r;

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 4), 0);
	CU_ASSERT_EQUAL(r.cap, 4);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_EQUAL(r.total, 0);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 0));
	pmt_frame_ring_free(&r);
}

static void test_partial_fill(void)
{
	struct pmt_frame_ring r;

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 3), 0);
	push_n(&r, 0, 2);
	CU_ASSERT_EQUAL(r.len, 2);
	CU_ASSERT_EQUAL(r.total, 2);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->index, 0);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 1)->index, 1);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 2));
	pmt_frame_ring_free(&r);
}

static void test_exactly_full(void)
{
	struct pmt_frame_ring r;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 3), 0);
	push_n(&r, 0, 3);
	CU_ASSERT_EQUAL(r.len, 3);
	CU_ASSERT_EQUAL(r.head, 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, i)->index, i);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 3));
	pmt_frame_ring_free(&r);
}

static void test_wraparound(void)
{
	struct pmt_frame_ring r;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 3), 0);
	push_n(&r, 0, 7); /* keeps 4, 5, 6; head at 7 % 3 */
	CU_ASSERT_EQUAL(r.len, 3);
	CU_ASSERT_EQUAL(r.total, 7);
	CU_ASSERT_EQUAL(r.head, 1);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, i)->index, 4 + i);
		CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, i)->duration_ns, 1004 + i);
	}
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 3));
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, SIZE_MAX));

	push_n(&r, 7, 2); /* 6, 7, 8 */
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->index, 6);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 1)->index, 7);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 2)->index, 8);
	CU_ASSERT_EQUAL(r.total, 9);
	pmt_frame_ring_free(&r);
}

static void test_capacity_one(void)
{
	struct pmt_frame_ring r;

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 1), 0);
	push_n(&r, 10, 1);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->index, 10);
	push_n(&r, 11, 5);
	CU_ASSERT_EQUAL(r.len, 1);
	CU_ASSERT_EQUAL(r.total, 6);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->index, 15);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 1));
	pmt_frame_ring_free(&r);
}

static void test_push_copies(void)
{
	struct pmt_frame_ring r;
	struct pmt_frame f = frame_at(3);

	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 2), 0);
	f.rss_delta_bytes = -4096;
	f.gc_collections[2] = 1;
	pmt_frame_ring_push(&r, &f);
	f.index = 99;
	f.rss_delta_bytes = 0;
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->index, 3);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->rss_delta_bytes, -4096);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&r, 0)->gc_collections[2], 1);
	pmt_frame_ring_free(&r);
}

static void test_free_idempotent(void)
{
	struct pmt_frame_ring r;

	memset(&r, 0, sizeof(r));
	pmt_frame_ring_free(&r);
	pmt_frame_ring_free(NULL);
	CU_ASSERT_EQUAL_FATAL(pmt_frame_ring_init(&r, 2), 0);
	push_n(&r, 0, 3);
	pmt_frame_ring_free(&r);
	CU_ASSERT_PTR_NULL(r.frames);
	CU_ASSERT_EQUAL(r.len, 0);
	pmt_frame_ring_free(&r);
	/* a freed ring ignores pushes and has nothing to get */
	push_n(&r, 0, 1);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&r, 0));
}

/* pmt_test_register_frame_ring - add the "frame_ring" suite. */
void pmt_test_register_frame_ring(void)
{
	static const struct pmt_test tests[] = {
		{ "init rejects 0 and unallocatable sizes", test_init_errors },
		{ "empty ring", test_empty },
		{ "partial fill keeps push order", test_partial_fill },
		{ "exactly full", test_exactly_full },
		{ "wraparound evicts oldest, keeps order", test_wraparound },
		{ "capacity one", test_capacity_one },
		{ "push copies the frame", test_push_copies },
		{ "free is idempotent", test_free_idempotent },
	};

	pmt_test_add_suite("frame_ring", tests, PMT_ARRAY_SIZE(tests));
}
