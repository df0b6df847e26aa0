// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pyheap.c - unit tests of pymalloc's state by shape (pyheap.c) over a
 * synthetic address space: an interpreter data page holding usedpools with
 * the 3.12 layout after it (arenas at +512, maxarenas at +520), an
 * arena_object array of four slots (two in use) and the pools of two
 * classes in 1 MiB arenas with 16 KiB pools, one arena not pool-aligned.
 * Expected values follow from the image by hand.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/pyheap.h"
#include "pmtrace/x86_sites.h"
#include "suites.h"

#define MIB (1ULL << 20)
#define DATA 0x600000ULL   /* interpreter data page */
#define USED (DATA + 0x100) /* usedpools */
#define ARR 0x700000ULL    /* arena objects */
#define ARR2 0x710000ULL   /* the same array after the interpreter grew it */
#define A0 0x10000000ULL   /* arena 0: pool-aligned */
#define A2 0x10201000ULL   /* arena 2: not aligned; first pool at 0x10204000 */
#define P0 (A0)            /* class 0's only pool (arena 0) */
#define P3A (A0 + 0x4000)  /* class 3's first pool (arena 0) */
#define P3B 0x10204000ULL  /* class 3's last pool (arena 2) */

struct region {
	uint64_t base;
	uint8_t *b;
	size_t len;
};

struct space {
	struct region r[5];
	int nr;
	int arr_reads;  /* reads of the arena array so far */
	int move_at;    /* on this read of the array, move it to ARR2 (0: never) */
	bool move_each; /* move it on every read (it never settles) */
};

static struct space g;

static struct region *region(struct space *s, uint64_t addr, size_t len)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (addr >= s->r[i].base && addr + len <= s->r[i].base + s->r[i].len)
			return &s->r[i];
	return NULL;
}

static void put64(uint64_t addr, uint64_t v)
{
	struct region *r = region(&g, addr, 8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	memcpy(r->b + (addr - r->base), &v, 8);
}

static void put32(uint64_t addr, uint32_t v)
{
	struct region *r = region(&g, addr, 4);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	memcpy(r->b + (addr - r->base), &v, 4);
}

static int rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct space *s = ctx;
	struct region *r = region(s, addr, len);

	if (!r)
		return -EFAULT;
	memcpy(buf, r->b + (addr - r->base), len);
	if (addr == ARR || addr == ARR2) {
		s->arr_reads++;
		if (s->move_each || s->arr_reads == s->move_at) {
			uint64_t to = addr == ARR ? ARR2 : ARR;

			memcpy(s->r[0].b + (USED + PMT_PYHEAP_MGMT_ARENAS - DATA), &to, 8);
		}
	}
	return 0;
}

static void add_region(uint64_t base, size_t len)
{
	g.r[g.nr].base = base;
	g.r[g.nr].b = calloc(1, len);
	g.r[g.nr].len = len;
	g.nr++;
}

static void arena(uint64_t arr, int idx, uint64_t address, uint32_t nfree, uint32_t ntotal)
{
	uint64_t ao = arr + (uint64_t)idx * PMT_PYHEAP_ARENA_OBJ;

	put64(ao, address);
	put64(ao + 8, address ? (address + 0x3fff) & ~0x3fffULL : 0);
	put32(ao + 16, nfree);
	put32(ao + 20, ntotal);
}

static void pool(uint64_t p, uint64_t next, uint64_t prev, uint32_t arenaindex, uint32_t szidx)
{
	put64(p + PMT_PYHEAP_POOL_NEXTPOOL, next);
	put64(p + PMT_PYHEAP_POOL_PREVPOOL, prev);
	put32(p + PMT_PYHEAP_POOL_ARENAINDEX, arenaindex);
	put32(p + PMT_PYHEAP_POOL_ARENAINDEX + 4, szidx);
}

static uint64_t head(int cls)
{
	return USED + 16 * (uint64_t)cls - 16;
}

/* The image: classes 0 and 3 used, arenas 0 and 2 of 4 allocated. */
static void build(void)
{
	int i;

	memset(&g, 0, sizeof(g));
	add_region(DATA, 0x1000);
	add_region(ARR, 4 * PMT_PYHEAP_ARENA_OBJ);
	add_region(ARR2, 8 * PMT_PYHEAP_ARENA_OBJ);
	add_region(A0, 0x8000);
	add_region(P3B, 0x4000);
	for (i = 0; i < 32; i++) {
		put64(USED + 16 * (uint64_t)i, head(i));
		put64(USED + 16 * (uint64_t)i + 8, head(i));
	}
	put64(USED, P0);
	put64(USED + 8, P0);
	pool(P0, head(0), head(0), 0, 0);
	put64(USED + 48, P3A);
	put64(USED + 56, P3B);
	pool(P3A, P3B, head(3), 0, 3);
	pool(P3B, head(3), P3A, 2, 3);
	put64(USED + PMT_PYHEAP_MGMT_ARENAS, ARR);
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	arena(ARR, 0, A0, 10, 64);
	arena(ARR, 2, A2, 60, 63);
	/* The grown copy: 8 slots, a third arena allocated since. */
	arena(ARR2, 0, A0, 10, 64);
	arena(ARR2, 2, A2, 60, 63);
	arena(ARR2, 5, 0x20000000, 64, 64);
}

static void teardown(void)
{
	int i;

	for (i = 0; i < g.nr; i++)
		free(g.r[i].b);
	memset(&g, 0, sizeof(g));
}

static const struct pmt_pyheap_layout layout = {
	.usedpools = USED,
	.arenas_addr = USED + PMT_PYHEAP_MGMT_ARENAS,
	.maxarenas_addr = USED + PMT_PYHEAP_MGMT_MAXARENAS,
	.arena_size = MIB,
	.pool_size = 16384,
};

static void test_geometry(void)
{
	uint64_t a = 0, p = 0;

	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 8, &a, &p), 0);
	CU_ASSERT_EQUAL(a, 256 * 1024);
	CU_ASSERT_EQUAL(p, 4096);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 9, &a, &p), 0);
	CU_ASSERT_EQUAL(a, 256 * 1024);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 10, &a, &p), 0);
	CU_ASSERT_EQUAL(a, MIB);
	CU_ASSERT_EQUAL(p, 16384);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 13, &a, &p), 0);
	CU_ASSERT_EQUAL(a, MIB);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 7, &a, &p), -ENOTSUP);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(3, 14, &a, &p), -ENOTSUP);
	CU_ASSERT_EQUAL(pmt_pyheap_geometry(2, 7, &a, &p), -ENOTSUP);
}

static void test_shape(void)
{
	uint64_t ent[64];
	int i;

	for (i = 0; i < 32; i++)
		ent[2 * i] = ent[2 * i + 1] = head(i);
	CU_ASSERT_TRUE(pmt_pyheap_used_shape(ent, USED, 16384)); /* before any allocation */
	ent[6] = P3A;
	ent[7] = P3B;
	CU_ASSERT_TRUE(pmt_pyheap_used_shape(ent, USED, 16384)); /* first and last pool */
	CU_ASSERT_FALSE(pmt_pyheap_used_shape(ent, USED + 8, 16384)); /* heads one slot off */
	ent[7] = head(3);
	CU_ASSERT_FALSE(pmt_pyheap_used_shape(ent, USED, 16384)); /* a pool and the head */
	ent[7] = P3B + 0x1000;
	CU_ASSERT_FALSE(pmt_pyheap_used_shape(ent, USED, 16384)); /* not pool-aligned */
	CU_ASSERT_TRUE(pmt_pyheap_used_shape(ent, USED, 4096));  /* it is for 4 KiB pools */
	ent[7] = 0;
	CU_ASSERT_FALSE(pmt_pyheap_used_shape(ent, USED, 4096)); /* null */
}

static void test_scan(void)
{
	uint8_t buf[0x400];
	uint64_t v;
	int i;

	memset(buf, 0, sizeof(buf));
	/* a decoy at 0x40: class 0 looks used, class 1 does not */
	v = 0x7f0000004000ULL;
	memcpy(buf + 0x40, &v, 8);
	memcpy(buf + 0x48, &v, 8);
	for (i = 0; i < 32; i++) {
		v = DATA + 0x100 + 16 * (uint64_t)i - 16;
		memcpy(buf + 0x100 + 16 * i, &v, 8);
		memcpy(buf + 0x108 + 16 * i, &v, 8);
	}
	CU_ASSERT_EQUAL(pmt_pyheap_scan_used(buf, sizeof(buf), DATA, 16384, 0), 0x100);
	CU_ASSERT_EQUAL(pmt_pyheap_scan_used(buf, sizeof(buf), DATA, 16384, 0x101), -1);
	CU_ASSERT_EQUAL(pmt_pyheap_scan_used(buf, 0x2ff, DATA, 16384, 0), -1); /* cut short */
	CU_ASSERT_EQUAL(pmt_pyheap_scan_used(buf, sizeof(buf), DATA + 8, 16384, 0), -1);
}

static void test_check_used(void)
{
	unsigned int n = 99;

	build();
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, USED, 16384, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, USED + 16, 16384, NULL), -ENOENT);
	put64(P3B + PMT_PYHEAP_POOL_NEXTPOOL, P3A); /* the last pool does not close the list */
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, USED, 16384, NULL), -ENOENT);
	put64(P3B + PMT_PYHEAP_POOL_NEXTPOOL, head(3));
	put64(P0 + PMT_PYHEAP_POOL_PREVPOOL, head(1));
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, USED, 16384, NULL), -ENOENT);
	put64(P0 + PMT_PYHEAP_POOL_PREVPOOL, head(0));
	put64(USED + 8, 0x30000000); /* an unmapped last pool */
	put64(USED, 0x30000000);
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, USED, 16384, NULL), -ENOENT);
	CU_ASSERT_EQUAL(pmt_pyheap_check_used(rd, &g, 0x40000000, 16384, NULL), -EFAULT);
	teardown();
}

static void test_check_arenas(void)
{
	struct pmt_pyheap_layout l = layout;
	int i;

	build();
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), 0);
	/* another global in place of arenas or maxarenas */
	l.arenas_addr = USED + 24;
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	l = layout;
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 2); /* P3B's arena index 2 is past it */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	arena(ARR, 2, A2 + MIB, 60, 63); /* the pool is below its arena */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	arena(ARR, 2, A2 - MIB, 60, 63); /* the pool is past its arena's end */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	arena(ARR, 2, A2, 60, 65); /* more pools than an arena holds */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	arena(ARR, 2, A2, 64, 63); /* more free pools than pools */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	arena(ARR, 2, A2, 60, 63);
	l.arena_size = 256 * 1024; /* 3.9 geometry: 63 pools of 16 KiB do not fit */
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	l = layout;
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, PMT_PYHEAP_MAX_ARENAS + 1);
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -ENOENT);
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	for (i = 0; i < 32; i++) { /* no pool in use: nothing to check against */
		put64(USED + 16 * (uint64_t)i, head(i));
		put64(USED + 16 * (uint64_t)i + 8, head(i));
	}
	CU_ASSERT_EQUAL(pmt_pyheap_check_arenas(rd, &g, &l), -EAGAIN);
	teardown();
}

static void test_count(void)
{
	uint8_t a[5 * PMT_PYHEAP_ARENA_OBJ];
	uint64_t v = 0x1234000;

	memset(a, 0xff, sizeof(a));
	memset(a, 0, 4 * PMT_PYHEAP_ARENA_OBJ);
	memcpy(a + PMT_PYHEAP_ARENA_OBJ, &v, 8);
	memcpy(a + 3 * PMT_PYHEAP_ARENA_OBJ, &v, 8);
	CU_ASSERT_EQUAL(pmt_pyheap_count(a, 4), 2); /* the fifth slot is not counted */
	CU_ASSERT_EQUAL(pmt_pyheap_count(a, 0), 0);
	CU_ASSERT_EQUAL(pmt_pyheap_count(a, 5), 3);
}

static void test_measure(void)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t bytes = 7;

	build();
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 2 * MIB);
	CU_ASSERT_EQUAL(cap, 4 * PMT_PYHEAP_ARENA_OBJ);
	/* the array moves (and grows) while it is read: read again, the new one */
	g.arr_reads = 0;
	g.move_at = 1;
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), 0);
	CU_ASSERT_EQUAL(g.arr_reads, 2);
	CU_ASSERT_EQUAL(bytes, 2 * MIB); /* ARR2's first 4 slots hold arenas 0 and 2 */
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 8);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 3 * MIB);
	CU_ASSERT_EQUAL(cap, 8 * PMT_PYHEAP_ARENA_OBJ);
	/* an array that never settles */
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	g.move_each = true;
	bytes = 7;
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), -EAGAIN);
	CU_ASSERT_EQUAL(bytes, 7);
	g.move_each = false;
	/* nothing allocated yet (or PYTHONMALLOC=malloc): 0 bytes */
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 0);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 0);
	/* implausible: too many, or slots without an array */
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, PMT_PYHEAP_MAX_ARENAS + 1);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), -ENOENT);
	put32(USED + PMT_PYHEAP_MGMT_MAXARENAS, 4);
	put64(USED + PMT_PYHEAP_MGMT_ARENAS, 0);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), -ENOENT);
	/* an unreadable array */
	put64(USED + PMT_PYHEAP_MGMT_ARENAS, 0x50000000);
	CU_ASSERT_EQUAL(pmt_pyheap_measure(rd, &g, &layout, &buf, &cap, &bytes), -EFAULT);
	free(buf);
	teardown();
}

/* Debian 12's python3.11 _Py_GetAllocatedBlocks at 0x6d0190 (objdump -s): it
 * loads raw_allocated_blocks, maxarenas (u32) and arenas, then walks them. */
static const uint8_t deb_get_allocated_blocks[] = {
	0x48, 0x8b, 0x15, 0x09, 0x42, 0x3b, 0x00, 0x44, 0x8b, 0x0d, 0x7a, 0x44,
	0x3f, 0x00, 0x45, 0x31, 0xc0, 0x48, 0x8b, 0x3d, 0x80, 0x44, 0x3f, 0x00,
	0x45, 0x39, 0xc1, 0x0f, 0x84, 0xef, 0x7f, 0xe1, 0xff, 0x48, 0x8b, 0x07,
	0x48, 0x85, 0xc0, 0x0f, 0x84, 0xe7, 0x7f, 0xe1, 0xff, 0x48, 0x05, 0xff,
	0x3f, 0x00, 0x00, 0x48, 0x8b, 0x77, 0x08, 0x48, 0x25, 0x00, 0xc0, 0xff,
	0xff, 0xeb, 0x0b, 0x8b, 0x08, 0x48, 0x05, 0x00, 0x40, 0x00, 0x00, 0x48,
	0x01, 0xca, 0x48, 0x39, 0xf0, 0x72, 0xf0, 0xe9, 0xc0, 0x7f, 0xe1, 0xff,
};

static void test_global_loads(void)
{
	struct pmt_x86_load ld[8];
	int n = pmt_x86_global_loads(deb_get_allocated_blocks, sizeof(deb_get_allocated_blocks),
				     0x6d0190, ld, 8);

	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(ld[0].addr, 0xa843a0); /* raw_allocated_blocks */
	CU_ASSERT_EQUAL(ld[0].size, 8);
	CU_ASSERT_EQUAL(ld[1].addr, 0xac4618); /* maxarenas */
	CU_ASSERT_EQUAL(ld[1].size, 4);
	CU_ASSERT_EQUAL(ld[2].addr, 0xac4628); /* arenas */
	CU_ASSERT_EQUAL(ld[2].size, 8);
	CU_ASSERT_EQUAL(pmt_x86_global_loads(deb_get_allocated_blocks,
					     sizeof(deb_get_allocated_blocks), 0x6d0190, ld, 2), 2);
}

void pmt_test_register_pyheap(void)
{
	static const struct pmt_test tests[] = {
		{ "arena and pool sizes per version", test_geometry },
		{ "usedpools shape", test_shape },
		{ "usedpools scan", test_scan },
		{ "usedpools against the live pools", test_check_used },
		{ "arenas against the live pools", test_check_arenas },
		{ "arenas counted", test_count },
		{ "measure, with the array moving", test_measure },
		{ "globals a stripped build loads", test_global_loads },
	};

	pmt_test_add_suite("pyheap", tests, PMT_ARRAY_SIZE(tests));
}
