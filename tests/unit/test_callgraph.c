// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_callgraph.c - unit tests of the call-graph walker over a synthetic
 * address space: forwarders (a `jmp *slot(%rip)` trampoline, and a load of
 * a table pointer then `jmp *off(%rax)` as libGL's glXSwapBuffers does),
 * bodies (branches both ways, call sites and their return addresses),
 * reachability through tail jumps, depth limits, unreadable memory.
 * The bytes are hand-assembled; each comment gives the instruction.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/callgraph.h"
#include "suites.h"

#define BASE 0x1000u
#define SIZE 0x3000u
#define F 0x1000u  /* push; call G; pop; ret */
#define G 0x1100u  /* mov 0x2000(%rip), %rax; jmp *0x10(%rax)  (-> H) */
#define H 0x1200u  /* push; pop; ret */
#define T 0x1300u  /* jmp *0x2100(%rip)  (-> H) */
#define F2 0x1400u /* test %rdi,%rdi; je L; call H; L: ret */
#define U 0x1500u  /* jmp *%rax with %rax unknown */

static uint8_t mem[SIZE];

static int rd(void *ctx, uint64_t addr, void *buf, size_t n)
{
	(void)ctx;
	if (addr < BASE || addr + n > BASE + SIZE)
		return -EFAULT;
	memcpy(buf, mem + (addr - BASE), n);
	return 0;
}

static void put(uint32_t at, const uint8_t *b, size_t n)
{
	memcpy(mem + (at - BASE), b, n);
}

static void put64(uint32_t at, uint64_t v)
{
	memcpy(mem + (at - BASE), &v, 8);
}

#define PUT(at, ...) put(at, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static const struct pmt_cg_io io = { rd, NULL, NULL };

static void build(void)
{
	memset(mem, 0xcc, sizeof(mem)); /* int3 everywhere else */
	PUT(F, 0x55, 0xe8, 0xfa, 0x00, 0x00, 0x00, 0x5d, 0xc3);
	/* mov 0xef9(%rip),%rax -> [0x2000]; jmp *0x10(%rax) */
	PUT(G, 0x48, 0x8b, 0x05, 0xf9, 0x0e, 0x00, 0x00, 0xff, 0x60, 0x10);
	put64(0x2000, 0x3000);
	put64(0x3010, H);
	PUT(H, 0x55, 0x5d, 0xc3);
	/* jmp *0xdfa(%rip) -> slot 0x2100 */
	PUT(T, 0xff, 0x25, 0xfa, 0x0d, 0x00, 0x00);
	put64(0x2100, H);
	/* test %rdi,%rdi; je +5; call H (rel -0x20a); ret */
	PUT(F2, 0x48, 0x85, 0xff, 0x74, 0x05, 0xe8, 0xf6, 0xfd, 0xff, 0xff, 0xc3);
	PUT(U, 0xff, 0xe0); /* jmp *%rax */
}

static void test_forward(void)
{
	uint64_t to = 0;

	build();
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, T, &to), 0);
	CU_ASSERT_EQUAL(to, H);
	to = 0;
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, G, &to), 0);
	CU_ASSERT_EQUAL(to, H);
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, F, &to), -ENOENT); /* calls first */
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, F2, &to), -ENOENT); /* branches first */
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, U, &to), -ENOENT);  /* target unknown */
	/* The table pointer unset (a library not relocated yet): no forward. */
	put64(0x2000, 0);
	CU_ASSERT_EQUAL(pmt_cg_forward(&io, G, &to), -ENOENT);
}

static void test_walk(void)
{
	struct pmt_cg_body b;

	build();
	CU_ASSERT_EQUAL_FATAL(pmt_cg_walk(&io, F2, 100, &b), 0);
	CU_ASSERT_EQUAL(b.insns.n, 4); /* both ways of the je */
	CU_ASSERT_TRUE(pmt_addr_set_has(&b.insns, F2 + 10));
	CU_ASSERT_TRUE(pmt_addr_set_has(&b.callees, H));
	CU_ASSERT_TRUE(pmt_addr_set_has(&b.rets, F2 + 10));
	CU_ASSERT_EQUAL(b.rets.n, 1);
	CU_ASSERT_FALSE(b.truncated);
	pmt_cg_body_free(&b);
	/* The tail jump through the table is walked into H as part of G. */
	CU_ASSERT_EQUAL_FATAL(pmt_cg_walk(&io, G, 100, &b), 0);
	CU_ASSERT_TRUE(pmt_addr_set_has(&b.insns, H));
	CU_ASSERT_EQUAL(b.unresolved, 0);
	pmt_cg_body_free(&b);
	CU_ASSERT_EQUAL_FATAL(pmt_cg_walk(&io, U, 100, &b), 0);
	CU_ASSERT_EQUAL(b.unresolved, 1);
	pmt_cg_body_free(&b);
	/* The budget. */
	CU_ASSERT_EQUAL_FATAL(pmt_cg_walk(&io, F2, 2, &b), 0);
	CU_ASSERT_TRUE(b.truncated);
	CU_ASSERT_EQUAL(b.insns.n, 2);
	pmt_cg_body_free(&b);
}

static void test_reaches(void)
{
	uint64_t targets[3] = { H, F2, F };
	bool r[3];

	build();
	/* F calls G, which tail-jumps to H: H is one call deep. */
	CU_ASSERT_EQUAL(pmt_cg_reaches(&io, F, targets, 3, 1, 1000, r), 1);
	CU_ASSERT_TRUE(r[0]);
	CU_ASSERT_FALSE(r[1]);
	CU_ASSERT_FALSE(r[2]); /* itself is not "reached" */
	CU_ASSERT_EQUAL(pmt_cg_reaches(&io, F, targets, 3, 0, 1000, r), 0);
	CU_ASSERT_FALSE(r[0]);
	/* H reaches nothing; an unreadable entry reaches nothing. */
	CU_ASSERT_EQUAL(pmt_cg_reaches(&io, H, targets, 3, 4, 1000, r), 0);
	CU_ASSERT_EQUAL(pmt_cg_reaches(&io, 0x9000, targets, 3, 4, 1000, r), 0);
}

static void test_addr_set(void)
{
	struct pmt_addr_set s = { 0 };
	uint64_t i;

	for (i = 1; i <= 1000; i++)
		CU_ASSERT_EQUAL(pmt_addr_set_add(&s, i * 16), 0);
	CU_ASSERT_EQUAL(pmt_addr_set_add(&s, 16), 0); /* again: no change */
	CU_ASSERT_EQUAL(s.n, 1000);
	CU_ASSERT_TRUE(pmt_addr_set_has(&s, 16000));
	CU_ASSERT_FALSE(pmt_addr_set_has(&s, 16001));
	CU_ASSERT_FALSE(pmt_addr_set_has(&s, 0));
	CU_ASSERT_EQUAL(pmt_addr_set_add(&s, 0), 0);
	CU_ASSERT_TRUE(pmt_addr_set_has(&s, 0));
	pmt_addr_set_free(&s);
	CU_ASSERT_FALSE(pmt_addr_set_has(&s, 16));
}

void pmt_test_register_callgraph(void)
{
	static const struct pmt_test tests[] = {
		{ "forwarders: trampoline, table jump, none", test_forward },
		{ "bodies: branches, call sites, tail jumps, budget", test_walk },
		{ "reachability and depth", test_reaches },
		{ "address sets", test_addr_set },
	};

	pmt_test_add_suite("callgraph", tests, PMT_ARRAY_SIZE(tests));
}
