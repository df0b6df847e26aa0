// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_heapdiff.c - unit tests of heap snapshot comparisons: objects
 * counted by type name (two types of one name merged), growth since the
 * previous and the first snapshot, types that vanish, growth streaks, and
 * survivors (objects new at the previous snapshot still alive, by address
 * and type: an address reused by another type is not one), counted from
 * the third snapshot on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/heapdiff.h"
#include "suites.h"

enum { BULLET = 1, ENEMY = 2, LIST = 3, TILE = 4 };

static void test_count(void)
{
	/* type indexes 0, 1, 2; indexes 0 and 2 share the name BULLET */
	const uint32_t type[] = { 0, 1, 0, 2, 2, 1 };
	const uint64_t bytes[] = { 64, 48, 64, 80, 80, 48 };
	const uint32_t names[] = { BULLET, ENEMY, BULLET };
	const uint32_t bad[] = { 0, 5 };
	struct pmt_typestat *s;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(pmt_typestats_count(type, bytes, 6, names, 3, &s, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(s[0].name, BULLET);
	CU_ASSERT_EQUAL(s[0].count, 4);
	CU_ASSERT_EQUAL(s[0].bytes, 64 + 64 + 80 + 80);
	CU_ASSERT_EQUAL(s[1].name, ENEMY);
	CU_ASSERT_EQUAL(s[1].count, 2);
	free(s);
	CU_ASSERT_EQUAL(pmt_typestats_count(bad, bytes, 2, names, 3, &s, &n), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(pmt_typestats_count(type, bytes, 0, names, 3, &s, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(s);
}

static struct pmt_typestat *stats(const struct pmt_typestat *v, size_t n)
{
	struct pmt_typestat *s = malloc((n + 1) * sizeof(*s));

	memcpy(s, v, n * sizeof(*s));
	return s;
}

/* @n objects of @name at @base, @base + 64..., @bytes each, into @k from @at. */
static size_t objs(struct pmt_objkey *k, size_t at, uint64_t base, size_t n, uint32_t name,
		   uint32_t bytes)
{
	size_t i;

	for (i = 0; i < n; i++) {
		k[at + i].addr = base + 64 * i;
		k[at + i].name = name;
		k[at + i].bytes = bytes;
	}
	return at + n;
}

static const struct pmt_heapdelta *find(const struct pmt_heapdelta *d, size_t n, uint32_t name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].name == name)
			return &d[i];
	return NULL;
}

/*
 * Snapshot 1: 100 bullets, 10 enemies, 5 tiles. Snapshot 2: 30 bullets
 * more (at new addresses), the tiles gone, a list. Snapshot 3: 20 of the
 * 30 new bullets alive and 50 newer ones; one of the 30's addresses reused
 * by an enemy; the 10 enemies unchanged.
 */
static void test_history(void)
{
	const struct pmt_typestat s1[] = { { BULLET, 100, 6400 }, { ENEMY, 10, 1000 },
					   { TILE, 5, 500 } };
	const struct pmt_typestat s2[] = { { BULLET, 130, 8320 }, { ENEMY, 10, 1000 },
					   { LIST, 1, 120 } };
	const struct pmt_typestat s3[] = { { BULLET, 170, 10880 }, { ENEMY, 11, 1100 },
					   { LIST, 1, 120 } };
	struct pmt_heaphistory h;
	struct pmt_heapdelta *d;
	const struct pmt_heapdelta *e;
	struct pmt_objkey *k;
	size_t n, nk;

	pmt_heaphistory_init(&h);
	k = malloc(200 * sizeof(*k));
	nk = objs(k, 0, 0x10000, 100, BULLET, 64);
	nk = objs(k, nk, 0x90000, 10, ENEMY, 100);
	nk = objs(k, nk, 0xa0000, 5, TILE, 100);
	pmt_objkeys_sort(k, nk);
	CU_ASSERT_EQUAL_FATAL(pmt_heaphistory_add(&h, stats(s1, 3), 3, k, nk, &d, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_FALSE(pmt_heaphistory_survivors_known(&h));
	e = find(d, n, BULLET);
	CU_ASSERT_EQUAL(e->count, 100);
	CU_ASSERT_EQUAL(e->dcount_prev, 0); /* nothing to compare with */
	CU_ASSERT_EQUAL(e->streak, 0);
	free(d);

	k = malloc(200 * sizeof(*k));
	nk = objs(k, 0, 0x10000, 100, BULLET, 64);
	nk = objs(k, nk, 0x50000, 30, BULLET, 64);
	nk = objs(k, nk, 0x90000, 10, ENEMY, 100);
	nk = objs(k, nk, 0xb0000, 1, LIST, 120);
	pmt_objkeys_sort(k, nk);
	CU_ASSERT_EQUAL_FATAL(pmt_heaphistory_add(&h, stats(s2, 3), 3, k, nk, &d, &n), 0);
	CU_ASSERT_EQUAL(n, 4); /* bullet, enemy, list, and the vanished tile */
	CU_ASSERT_FALSE(pmt_heaphistory_survivors_known(&h));
	e = find(d, n, BULLET);
	CU_ASSERT_EQUAL(e->dcount_prev, 30);
	CU_ASSERT_EQUAL(e->dbytes_prev, 1920);
	CU_ASSERT_EQUAL(e->dcount_first, 30);
	CU_ASSERT_EQUAL(e->streak, 1);
	e = find(d, n, TILE);
	CU_ASSERT_EQUAL(e->count, 0);
	CU_ASSERT_EQUAL(e->dcount_prev, -5);
	CU_ASSERT_EQUAL(e->dbytes_prev, -500);
	e = find(d, n, LIST);
	CU_ASSERT_EQUAL(e->dcount_prev, 1);
	CU_ASSERT_EQUAL(e->dcount_first, 1);
	CU_ASSERT_EQUAL(find(d, n, ENEMY)->streak, 0);
	pmt_heapdelta_sort_growth(d, n);
	CU_ASSERT_EQUAL(d[0].name, BULLET);
	CU_ASSERT_EQUAL(d[1].name, LIST);
	CU_ASSERT_EQUAL(d[n - 1].name, TILE);
	pmt_heapdelta_sort_bytes(d, n);
	CU_ASSERT_EQUAL(d[0].name, BULLET);
	CU_ASSERT_EQUAL(d[1].name, ENEMY);
	free(d);

	k = malloc(200 * sizeof(*k));
	nk = objs(k, 0, 0x10000, 100, BULLET, 64);
	nk = objs(k, nk, 0x50000, 20, BULLET, 64);        /* 20 of the 30 survive */
	nk = objs(k, nk, 0x50000 + 64 * 20, 1, ENEMY, 100); /* one's address reused */
	nk = objs(k, nk, 0x70000, 50, BULLET, 64);        /* newer ones */
	nk = objs(k, nk, 0x90000, 10, ENEMY, 100);
	nk = objs(k, nk, 0xb0000, 1, LIST, 120);
	pmt_objkeys_sort(k, nk);
	CU_ASSERT_EQUAL_FATAL(pmt_heaphistory_add(&h, stats(s3, 3), 3, k, nk, &d, &n), 0);
	CU_ASSERT_TRUE(pmt_heaphistory_survivors_known(&h));
	e = find(d, n, BULLET);
	CU_ASSERT_EQUAL(e->surv_count, 20);
	CU_ASSERT_EQUAL(e->surv_bytes, 20 * 64);
	CU_ASSERT_EQUAL(e->dcount_prev, 40);
	CU_ASSERT_EQUAL(e->dcount_first, 70);
	CU_ASSERT_EQUAL(e->streak, 2);
	e = find(d, n, ENEMY);
	CU_ASSERT_EQUAL(e->surv_count, 0); /* the reused address was a bullet's */
	CU_ASSERT_EQUAL(e->streak, 1);
	e = find(d, n, LIST);
	CU_ASSERT_EQUAL(e->surv_count, 1); /* new at snapshot 2, still there */
	CU_ASSERT_EQUAL(e->streak, 0);
	CU_ASSERT_PTR_NULL(find(d, n, TILE)); /* gone before the previous snapshot */
	free(d);
	pmt_heaphistory_free(&h);
	pmt_heaphistory_free(&h);
}

/* Without object lists: differences, no survivors. */
static void test_no_objects(void)
{
	const struct pmt_typestat s1[] = { { BULLET, 1, 64 } };
	const struct pmt_typestat s2[] = { { BULLET, 3, 192 } };
	struct pmt_heaphistory h;
	struct pmt_heapdelta *d;
	size_t n, i;

	pmt_heaphistory_init(&h);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(pmt_heaphistory_add(&h, stats(i ? s2 : s1, 1), 1, NULL, 0, &d,
							  &n), 0);
		CU_ASSERT_FALSE(pmt_heaphistory_survivors_known(&h));
		CU_ASSERT_EQUAL(d[0].surv_count, 0);
		free(d);
	}
	pmt_heaphistory_free(&h);
}

static void test_find(void)
{
	struct pmt_objkey k[4] = { { 0x300, 1, 8 }, { 0x100, 2, 8 }, { 0x100, 1, 8 },
				   { 0x200, 1, 8 } };
	struct pmt_objkey q = { 0x100, 2, 0 };

	pmt_objkeys_sort(k, 4);
	CU_ASSERT_EQUAL(k[0].addr, 0x100);
	CU_ASSERT_EQUAL(k[0].name, 1);
	CU_ASSERT_EQUAL(k[3].addr, 0x300);
	CU_ASSERT_TRUE(pmt_objkeys_find(k, 4, &q));
	q.name = 3;
	CU_ASSERT_FALSE(pmt_objkeys_find(k, 4, &q));
	CU_ASSERT_FALSE(pmt_objkeys_find(k, 0, &q));
}

/* pmt_test_register_heapdiff - add the "heapdiff" suite. */
void pmt_test_register_heapdiff(void)
{
	static const struct pmt_test tests[] = {
		{ "objects counted by type name", test_count },
		{ "growth, streaks, vanished types, survivors", test_history },
		{ "no object lists: no survivors", test_no_objects },
		{ "object keys: sort and find", test_find },
	};

	pmt_test_add_suite("heapdiff", tests, PMT_ARRAY_SIZE(tests));
}
