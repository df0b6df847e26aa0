// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_marker_choice.c - unit tests of the frame-marker choice over a
 * synthetic address space (hand-assembled code, as in test_callgraph.c)
 * and synthetic stack records: nesting read from the code, nesting read
 * from the stacks (a call through a pointer the code walk cannot follow),
 * an engine module's other presenter kept, a forwarder handing its probe
 * over, and nothing kept when nothing was called.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/marker_choice.h"
#include "suites.h"

#define BASE 0x1000u
#define SIZE 0x3000u
#define OUTER 0x1000u /* push; call INNER; pop; ret */
#define INNER 0x1100u /* push; pop; ret */
#define VIA 0x1200u   /* push; call *%rax (unknown); pop; ret: calls INDIRECT */
#define INDIRECT 0x1300u /* push; pop; ret */
#define FWD 0x1400u   /* jmp *0x2100(%rip) -> INNER */
#define ENG2 0x1500u  /* push; pop; ret: the engine's other presenter */

static uint8_t mem[SIZE];

static int rd(void *ctx, uint64_t addr, void *buf, size_t n)
{
	(void)ctx;
	if (addr < BASE || addr + n > BASE + SIZE)
		return -EFAULT;
	memcpy(buf, mem + (addr - BASE), n);
	return 0;
}

#define PUT(at, ...) \
	memcpy(mem + ((at) - BASE), (const uint8_t[]){ __VA_ARGS__ },             \
	       sizeof((const uint8_t[]){ __VA_ARGS__ }))

static const struct pmt_cg_io io = { rd, NULL, NULL };

static void build(void)
{
	uint64_t inner = INNER;

	memset(mem, 0xcc, sizeof(mem));
	/* call INNER: rel = 0x1100 - 0x1006 = 0xfa */
	PUT(OUTER, 0x55, 0xe8, 0xfa, 0x00, 0x00, 0x00, 0x5d, 0xc3);
	PUT(INNER, 0x55, 0x5d, 0xc3);
	PUT(VIA, 0x55, 0xff, 0xd0, 0x5d, 0xc3); /* call *%rax: returns to VIA + 3 */
	PUT(INDIRECT, 0x55, 0x5d, 0xc3);
	/* jmp *0xcfa(%rip): 0x1406 + 0xcfa = 0x2100 */
	PUT(FWD, 0xff, 0x25, 0xfa, 0x0c, 0x00, 0x00);
	memcpy(mem + (0x2100 - BASE), &inner, 8);
	PUT(ENG2, 0x55, 0x5d, 0xc3);
}

static void cand(struct pmt_choice_cand *c, const char *name, uint64_t entry, size_t hits,
		 int engine)
{
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->name = name;
	c->lib = "lib";
	c->entry = entry;
	c->hits = hits;
	c->engine = engine;
}

/* A stack record of a hit of @slot holding @ret somewhere above sp. */
static void stack_rec(struct pmt_stack_event *e, unsigned slot, uint64_t ret)
{
	memset(e, 0, sizeof(*e));
	e->kind = PMT_EV_STACK;
	e->marker = slot;
	e->len = 256;
	memcpy(e->stack + 64, &ret, 8);
}

static void test_code(void)
{
	struct pmt_choice_cand c[PMT_MAX_MARKERS] = { 0 };
	char nested[128];

	build();
	cand(&c[0], "inner", INNER, 3, -1);
	cand(&c[1], "outer", OUTER, 3, -1);
	cand(&c[2], "never", INDIRECT, 0, -1);
	CU_ASSERT_EQUAL(pmt_marker_choose(&io, c, NULL, 0, nested, sizeof(nested), NULL, NULL), 1);
	CU_ASSERT_TRUE(c[1].kept);
	CU_ASSERT_FALSE(c[0].kept);
	CU_ASSERT_FALSE(c[2].kept);
	CU_ASSERT_STRING_EQUAL(nested, "inner");
}

static void test_stack(void)
{
	struct pmt_choice_cand c[PMT_MAX_MARKERS] = { 0 };
	struct pmt_stack_event st[3];
	char nested[128];

	build();
	cand(&c[0], "via", VIA, 3, -1);
	cand(&c[1], "indirect", INDIRECT, 3, -1);
	/* The code cannot say VIA calls INDIRECT (call *%rax); 2 of 3 stacks do. */
	stack_rec(&st[0], 1, VIA + 3);
	stack_rec(&st[1], 1, VIA + 3);
	stack_rec(&st[2], 1, 0x1234);
	CU_ASSERT_EQUAL(pmt_marker_choose(&io, c, st, 3, nested, sizeof(nested), NULL, NULL), 1);
	CU_ASSERT_TRUE(c[0].kept);
	CU_ASSERT_FALSE(c[1].kept);
	CU_ASSERT_EQUAL(c[1].stacks, 3);
	CU_ASSERT_EQUAL(c[1].inside[0], 2);
	/* Only 1 of 3 stacks: not nested (the game calls it too, mostly). */
	stack_rec(&st[1], 1, 0x1234);
	CU_ASSERT_EQUAL(pmt_marker_choose(&io, c, st, 3, nested, sizeof(nested), NULL, NULL), 2);
	CU_ASSERT_TRUE(c[1].kept);
}

static void test_engine_and_forwarder(void)
{
	struct pmt_choice_cand c[PMT_MAX_MARKERS] = { 0 };
	char nested[128];

	build();
	/* An engine presenter called, its sibling not: both kept. */
	cand(&c[0], "flip", OUTER, 3, 0);
	cand(&c[1], "update", ENG2, 0, 0);
	cand(&c[2], "inner", INNER, 3, -1);
	CU_ASSERT_EQUAL(pmt_marker_choose(&io, c, NULL, 0, nested, sizeof(nested), NULL, NULL), 2);
	CU_ASSERT_TRUE(c[0].kept);
	CU_ASSERT_TRUE(c[1].kept);
	CU_ASSERT_FALSE(c[2].kept);
	/* A forwarder the game calls hands its probe to the function it jumps to. */
	memset(c, 0, sizeof(c));
	cand(&c[0], "wrapper", FWD, 3, -1);
	cand(&c[1], "inner", INNER, 3, -1);
	pmt_marker_choose(&io, c, NULL, 0, nested, sizeof(nested), NULL, NULL);
	CU_ASSERT_FALSE(c[0].kept);
	CU_ASSERT_TRUE(c[1].kept);
	CU_ASSERT_EQUAL(c[1].takes_over, 0);
	/* Nothing called: nothing kept. */
	memset(c, 0, sizeof(c));
	cand(&c[0], "outer", OUTER, 0, -1);
	CU_ASSERT_EQUAL(pmt_marker_choose(&io, c, NULL, 0, nested, sizeof(nested), NULL, NULL), 0);
	CU_ASSERT_FALSE(c[0].kept);
}

void pmt_test_register_marker_choice(void)
{
	static const struct pmt_test tests[] = {
		{ "nested by the code", test_code },
		{ "nested by the stacks (a call through a pointer)", test_stack },
		{ "engine siblings kept; a forwarder hands over", test_engine_and_forwarder },
	};

	pmt_test_add_suite("marker_choice", tests, PMT_ARRAY_SIZE(tests));
}
