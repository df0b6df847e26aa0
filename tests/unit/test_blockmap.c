// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_blockmap.c - the block size map against a plain reference array:
 * random puts and takes over several regions, sizes around the 16-bit
 * limit, unaligned addresses, replacement, and every allocation failing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/blockmap.h"
#include "suites.h"

/* A small deterministic generator (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void test_basic(void)
{
	struct pmt_blockmap m;
	uint64_t size = 0;

	pmt_blockmap_init(&m, NULL, NULL);
	CU_ASSERT_FALSE(pmt_blockmap_take(&m, 0x10000, &size));
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x10000, 0), 0);
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x10010, 48), 0);
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x20000000, 65533), 0); /* last 16-bit size */
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x20000010, 65534), 0); /* first exact one */
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x30000008, 24), 0);    /* unaligned */
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0x40000000, UINT64_C(1) << 40), 0);
	CU_ASSERT_EQUAL(pmt_blockmap_put(&m, 0, 8), -EINVAL);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x10000, &size));
	CU_ASSERT_EQUAL(size, 0);
	CU_ASSERT_FALSE(pmt_blockmap_take(&m, 0x10000, &size)); /* taken once */
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x10010, &size));
	CU_ASSERT_EQUAL(size, 48);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x20000000, &size));
	CU_ASSERT_EQUAL(size, 65533);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x20000010, &size));
	CU_ASSERT_EQUAL(size, 65534);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x30000008, &size));
	CU_ASSERT_EQUAL(size, 24);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x40000000, &size));
	CU_ASSERT_EQUAL(size, UINT64_C(1) << 40);
	CU_ASSERT_EQUAL(m.big_count, 0);
	/* A put replaces: small over large and large over small. */
	pmt_blockmap_put(&m, 0x50000000, 100000);
	pmt_blockmap_put(&m, 0x50000000, 32);
	CU_ASSERT_EQUAL(m.big_count, 0);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x50000000, &size));
	CU_ASSERT_EQUAL(size, 32);
	pmt_blockmap_put(&m, 0x50000000, 32);
	pmt_blockmap_put(&m, 0x50000000, 100000);
	CU_ASSERT_TRUE(pmt_blockmap_take(&m, 0x50000000, &size));
	CU_ASSERT_EQUAL(size, 100000);
	CU_ASSERT(pmt_blockmap_bytes(&m) >= 4 * 128 * 1024);
	pmt_blockmap_free(&m);
	CU_ASSERT_EQUAL(pmt_blockmap_bytes(&m), 0);
	pmt_blockmap_free(&m); /* twice is fine */
}

#define SLOTS 20000

/* Random operations over 300 regions against a reference array of sizes. */
static void test_random(void)
{
	static uint64_t ref[SLOTS];
	static uintptr_t addr[SLOTS];
	struct pmt_blockmap m;
	uint64_t seed = 42, size;
	size_t i, step, bad = 0;

	pmt_blockmap_init(&m, NULL, NULL);
	for (i = 0; i < SLOTS; i++) {
		/* 300 regions, some slots unaligned by 8 */
		addr[i] = ((uintptr_t)(1 + i % 300) << 21) + (uintptr_t)(i / 300) * 16 +
			  (i % 97 == 0 ? 8 : 0);
		ref[i] = UINT64_MAX; /* not recorded */
	}
	for (step = 0; step < 400000; step++) {
		uint64_t r = rnd(&seed);

		i = (size_t)(r % SLOTS);
		if (ref[i] == UINT64_MAX || (r >> 32) % 3 == 0) {
			uint64_t sz = (r >> 40) % 7 == 0 ? 65500 + (r >> 20) % 100 : (r >> 20) % 600;

			CU_ASSERT_EQUAL(pmt_blockmap_put(&m, addr[i], sz), 0);
			ref[i] = sz;
		} else {
			if (!pmt_blockmap_take(&m, addr[i], &size) || size != ref[i])
				bad++;
			ref[i] = UINT64_MAX;
		}
	}
	for (i = 0; i < SLOTS; i++) {
		bool known = pmt_blockmap_take(&m, addr[i], &size);

		if (known != (ref[i] != UINT64_MAX) || (known && size != ref[i]))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(m.big_count, 0);
	CU_ASSERT_EQUAL(m.failed, 0);
	pmt_blockmap_free(&m);
}

static int budget_left;

static void *failing_calloc(size_t n, size_t size)
{
	if (budget_left-- <= 0)
		return NULL;
	return calloc(n, size);
}

/* Each allocation failing in turn: the put says so, the take says unknown, nothing leaks. */
static void test_enomem(void)
{
	static const uintptr_t addrs[] = { 0x100000, 0x200010, 0x300008, 0x400000 };
	static const uint64_t sizes[] = { 10, 70000, 5, 20 };
	struct pmt_blockmap m;
	int fail_at, i;

	for (fail_at = 0; fail_at < 12; fail_at++) {
		int failed = 0;
		uint64_t size;

		budget_left = fail_at;
		pmt_blockmap_init(&m, failing_calloc, free);
		for (i = 0; i < 4; i++)
			failed += pmt_blockmap_put(&m, addrs[i], sizes[i]) == -ENOMEM;
		CU_ASSERT_EQUAL((uint64_t)failed, m.failed);
		for (i = 0; i < 4; i++) {
			bool known = pmt_blockmap_take(&m, addrs[i], &size);

			CU_ASSERT(!known || size == sizes[i]);
		}
		pmt_blockmap_free(&m);
	}
}

void pmt_test_register_blockmap(void)
{
	static const struct pmt_test tests[] = {
		{ "puts and takes", test_basic },
		{ "random against a reference", test_random },
		{ "out of memory", test_enomem },
	};

	pmt_test_add_suite("blockmap", tests, PMT_ARRAY_SIZE(tests));
}
