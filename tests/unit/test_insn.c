// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_insn.c - unit tests of the probe-site decoder: the cost class of
 * the first instruction, the length of common prologue instructions and
 * the walk to the first emulated one. Byte sequences marked with a
 * library and address were copied from `objdump -d -w --insn-width=15`
 * of the Debian x86-64 libraries named, so the expected lengths are the
 * disassembler's, not ours.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/insn.h"
#include "suites.h"

#define B(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NB(...) sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Decode @n bytes of @code into a struct first filled with garbage. */
static struct pmt_insn decode(const uint8_t *code, size_t n)
{
	struct pmt_insn in;

	memset(&in, 0xa5, sizeof(in));
	pmt_insn_decode(code, n, &in);
	return in;
}

#define DECODE(...) decode(B(__VA_ARGS__), NB(__VA_ARGS__))

static void check_insn(struct pmt_insn in, enum pmt_insn_kind kind, unsigned len, bool emulated)
{
	CU_ASSERT_EQUAL(in.kind, kind);
	CU_ASSERT_EQUAL(in.len, len);
	CU_ASSERT_EQUAL(in.emulated, emulated);
	if (kind != PMT_INSN_JMP_INDIRECT_RIP)
		CU_ASSERT_EQUAL(in.rip_disp, 0);
}

static void test_decode_endbr64(void)
{
	check_insn(DECODE(0xf3, 0x0f, 0x1e, 0xfa), PMT_INSN_ENDBR64, 4, false);
	check_insn(DECODE(0xf3, 0x0f, 0x1e, 0xfa, 0x55), PMT_INSN_ENDBR64, 4, false);
	/* cut short: not an endbr64 */
	check_insn(decode(B(0xf3, 0x0f, 0x1e, 0xfa), 3), PMT_INSN_OTHER, 0, false);
	/* endbr32 is another instruction */
	check_insn(DECODE(0xf3, 0x0f, 0x1e, 0xfb), PMT_INSN_OTHER, 0, false);
}

static void test_decode_push(void)
{
	uint8_t code[2];
	unsigned r;

	for (r = 0; r < 8; r++) {
		code[0] = (uint8_t)(0x50 + r);
		check_insn(decode(code, 1), PMT_INSN_PUSH, 1, true);
		code[0] = 0x41;
		code[1] = (uint8_t)(0x50 + r);
		check_insn(decode(code, 2), PMT_INSN_PUSH, 2, true);
	}
	/* pop %rax, pop %r8 */
	check_insn(DECODE(0x58), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0x41, 0x58), PMT_INSN_OTHER, 0, false);
	/* REX.B alone */
	check_insn(decode(B(0x41, 0x57), 1), PMT_INSN_OTHER, 0, false);
	/* push $imm32 is not emulated */
	check_insn(DECODE(0x68, 0x1a, 0x00, 0x00, 0x00), PMT_INSN_OTHER, 0, false);
}

static void test_decode_call_jmp(void)
{
	/* libpython3.11 0x1137d4: jmp 113750 */
	check_insn(DECODE(0xe9, 0x77, 0xff, 0xff, 0xff), PMT_INSN_JMP, 5, true);
	check_insn(DECODE(0xe8, 0x00, 0x00, 0x00, 0x00), PMT_INSN_CALL, 5, true);
	check_insn(DECODE(0xeb, 0x10), PMT_INSN_JMP, 2, true);
	/* truncated rel32 and rel8 */
	check_insn(decode(B(0xe8, 0, 0, 0, 0), 4), PMT_INSN_OTHER, 0, false);
	check_insn(decode(B(0xe9, 0, 0, 0, 0), 4), PMT_INSN_OTHER, 0, false);
	check_insn(decode(B(0xeb, 0x10), 1), PMT_INSN_OTHER, 0, false);
	/* indirect call and jump through a register */
	check_insn(DECODE(0xff, 0xd0), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0xff, 0xe0), PMT_INSN_OTHER, 0, false);
}

static void test_decode_jcc(void)
{
	uint8_t code[6] = { 0 };
	unsigned cc;

	for (cc = 0; cc < 16; cc++) {
		code[0] = (uint8_t)(0x70 + cc);
		check_insn(decode(code, 2), PMT_INSN_JCC, 2, true);
		code[0] = 0x0f;
		code[1] = (uint8_t)(0x80 + cc);
		check_insn(decode(code, 6), PMT_INSN_JCC, 6, true);
		check_insn(decode(code, 5), PMT_INSN_OTHER, 0, false);
	}
	/* libSDL2 0x36834: jne rel32 */
	check_insn(DECODE(0x0f, 0x85, 0xfe, 0x00, 0x00, 0x00), PMT_INSN_JCC, 6, true);
	check_insn(decode(B(0x74, 0x5f), 1), PMT_INSN_OTHER, 0, false);
	/* setcc and cmovcc are neighbours, not branches */
	check_insn(DECODE(0x0f, 0x94, 0xc0), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0x0f, 0x44, 0xd8), PMT_INSN_OTHER, 0, false);
	/* jrcxz and loop are not jcc */
	check_insn(DECODE(0xe3, 0x10), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0xe2, 0x10), PMT_INSN_OTHER, 0, false);
}

static void test_decode_nop5(void)
{
	/* libc 0x51c2b: nopl 0x0(%rax,%rax,1) */
	check_insn(DECODE(0x0f, 0x1f, 0x44, 0x00, 0x00), PMT_INSN_NOP5, 5, true);
	check_insn(decode(B(0x0f, 0x1f, 0x44, 0x00, 0x00), 4), PMT_INSN_OTHER, 0, false);
	/* other nops are single-stepped */
	check_insn(DECODE(0x0f, 0x1f, 0x40, 0x00), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0x0f, 0x1f, 0x44, 0x00, 0x01), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0x90), PMT_INSN_OTHER, 0, false);
}

static void test_decode_jmp_rip(void)
{
	struct pmt_insn in;

	/* libz.so.1 memcpy@plt at 0x31e0: jmp *0x1aef2(%rip), slot 0x1e0d8 */
	in = DECODE(0xff, 0x25, 0xf2, 0xae, 0x01, 0x00);
	CU_ASSERT_EQUAL(in.kind, PMT_INSN_JMP_INDIRECT_RIP);
	CU_ASSERT_EQUAL(in.len, 6);
	CU_ASSERT_FALSE(in.emulated);
	CU_ASSERT_EQUAL(in.rip_disp, 0x1aef2);
	CU_ASSERT_EQUAL(0x31e0 + in.len + in.rip_disp, 0x1e0d8);

	/* a negative displacement is sign-extended */
	in = DECODE(0xff, 0x25, 0xf0, 0xff, 0xff, 0xff);
	CU_ASSERT_EQUAL(in.kind, PMT_INSN_JMP_INDIRECT_RIP);
	CU_ASSERT_EQUAL(in.rip_disp, -16);
	in = DECODE(0xff, 0x25, 0x00, 0x00, 0x00, 0x80);
	CU_ASSERT_EQUAL(in.rip_disp, INT32_MIN);
	in = DECODE(0xff, 0x25, 0xff, 0xff, 0xff, 0x7f);
	CU_ASSERT_EQUAL(in.rip_disp, INT32_MAX);

	/* truncated, and jmp *abs32 (SIB, no base) is something else */
	check_insn(decode(B(0xff, 0x25, 0xf2, 0xae, 0x01, 0x00), 5), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0xff, 0x24, 0x25, 0x00, 0x10, 0x00, 0x00), PMT_INSN_OTHER, 0, false);
	/* call *disp32(%rip) is not a trampoline */
	check_insn(DECODE(0xff, 0x15, 0xf2, 0xae, 0x01, 0x00), PMT_INSN_OTHER, 0, false);
}

static void test_decode_other(void)
{
	/* libpython3.11 0x1137a6: mov %rsp,%rbp */
	check_insn(DECODE(0x48, 0x89, 0xe5), PMT_INSN_OTHER, 0, false);
	/* libSDL2 0xe2310: sub $0x28,%rsp */
	check_insn(DECODE(0x48, 0x83, 0xec, 0x28), PMT_INSN_OTHER, 0, false);
	check_insn(DECODE(0xc3), PMT_INSN_OTHER, 0, false);
	check_insn(decode(B(0x55), 0), PMT_INSN_OTHER, 0, false);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_ENDBR64), "endbr64");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_PUSH), "push");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_CALL), "call");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_JMP), "jmp");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_JCC), "jcc");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name(PMT_INSN_NOP5), "nop5");
	CU_ASSERT_EQUAL(strncmp(pmt_insn_name(PMT_INSN_OTHER), "other", 5), 0);
	CU_ASSERT_EQUAL(strncmp(pmt_insn_name(PMT_INSN_JMP_INDIRECT_RIP), "jmp *rip", 8), 0);
	CU_ASSERT_STRING_EQUAL(pmt_insn_name((enum pmt_insn_kind)8), "?");
	CU_ASSERT_STRING_EQUAL(pmt_insn_name((enum pmt_insn_kind)-1), "?");
}

/* One instruction and the length objdump gives it (0: not measurable). */
struct len_case {
	const char *what;
	uint8_t code[15];
	size_t len;
};

static const struct len_case len_cases[] = {
	/* libSDL2-2.0.so.0 at 0xe2310 */
	{ "sub $0x28,%rsp (imm8)", { 0x48, 0x83, 0xec, 0x28 }, 4 },
	{ "mov %fs:0x28,%rax (seg, SIB no base)",
	  { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00 }, 9 },
	{ "mov %rax,0x18(%rsp) (SIB disp8)", { 0x48, 0x89, 0x44, 0x24, 0x18 }, 5 },
	{ "mov 0xf2e3f(%rip),%rax", { 0x48, 0x8b, 0x05, 0x3f, 0x2e, 0x0f, 0x00 }, 7 },
	{ "test %rax,%rax", { 0x48, 0x85, 0xc0 }, 3 },
	{ "cmp %rax,(%rdi)", { 0x48, 0x39, 0x07 }, 3 },
	/* libc.so.6 srand48_r at 0x415c0 */
	{ "mov $0x330e,%eax (b8 imm32)", { 0xb8, 0x0e, 0x33, 0x00, 0x00 }, 5 },
	{ "mov %edi,0x2(%rsi) (disp8)", { 0x89, 0x7e, 0x02 }, 3 },
	{ "mov %ax,(%rsi) (66)", { 0x66, 0x89, 0x06 }, 3 },
	{ "movabs $0x5deece66d,%rax",
	  { 0x48, 0xb8, 0x6d, 0xe6, 0xec, 0xde, 0x05, 0x00, 0x00, 0x00 }, 10 },
	{ "mov %rax,0x10(%rsi)", { 0x48, 0x89, 0x46, 0x10 }, 4 },
	{ "mov 0x160239(%rip),%eax (no REX)", { 0x8b, 0x05, 0x39, 0x02, 0x16, 0x00 }, 6 },
	{ "xor %eax,%eax", { 0x31, 0xc0 }, 2 },
	{ "ret", { 0xc3 }, 0 },
	{ "cs nopw 0x0(%rax,%rax,1) (66 2e, SIB disp32)",
	  { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 }, 10 },
	/* libc.so.6 strfmon at 0x415f0 */
	{ "sub $0xd8,%rsp (imm32)", { 0x48, 0x81, 0xec, 0xd8, 0x00, 0x00, 0x00 }, 7 },
	{ "mov %r8,0x40(%rsp) (REX.WR)", { 0x4c, 0x89, 0x44, 0x24, 0x40 }, 5 },
	{ "test %al,%al", { 0x84, 0xc0 }, 2 },
	{ "movaps %xmm0,0x50(%rsp) (SSE)", { 0x0f, 0x29, 0x44, 0x24, 0x50 }, 0 },
	{ "lea 0xe0(%rsp),%rax (SIB disp32)",
	  { 0x48, 0x8d, 0x84, 0x24, 0xe0, 0x00, 0x00, 0x00 }, 8 },
	{ "xor %r9d,%r9d", { 0x45, 0x31, 0xc9 }, 3 },
	/* libc.so.6, elsewhere */
	{ "movq $0x0,0x80(%rsp) (SIB disp32 imm32)",
	  { 0x48, 0xc7, 0x84, 0x24, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, 12 },
	{ "movl $0xe0000000,0x88(%rsp)",
	  { 0xc7, 0x84, 0x24, 0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0 }, 11 },
	{ "movq $-1,0x8(%rsp) (SIB disp8 imm32)",
	  { 0x48, 0xc7, 0x44, 0x24, 0x08, 0xff, 0xff, 0xff, 0xff }, 9 },
	{ "movl $0x16,%fs:(%rax)", { 0x64, 0xc7, 0x00, 0x16, 0x00, 0x00, 0x00 }, 7 },
	{ "movzbl 0x0,%eax (0f b6, SIB abs)", { 0x0f, 0xb6, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00 }, 8 },
	{ "movzbl 0x11(%rdi),%ebx", { 0x0f, 0xb6, 0x5f, 0x11 }, 4 },
	{ "cmove %rax,%rdi", { 0x48, 0x0f, 0x44, 0xf8 }, 4 },
	{ "mov 0x90(%rdi),%rax (disp32)", { 0x48, 0x8b, 0x87, 0x90, 0x00, 0x00, 0x00 }, 7 },
	{ "mov 0x18(%rsp),%r10", { 0x4c, 0x8b, 0x54, 0x24, 0x18 }, 5 },
	{ "mov %rdi,%rbx", { 0x48, 0x89, 0xfb }, 3 },
	{ "shr $0x2,%rax (c1 imm8)", { 0x48, 0xc1, 0xe8, 0x02 }, 4 },
	{ "movb $0x0,0x8(%rdi) (c6 imm8)", { 0xc6, 0x47, 0x08, 0x00 }, 4 },
	{ "nopl 0x0(%rax) (disp32)", { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 }, 7 },
	{ "push %rbx", { 0x53 }, 0 },
	/* libz.so.1 at 0x4c41 */
	{ "cmp 0x172c(%rbx),%eax (disp32, no SIB)", { 0x3b, 0x83, 0x2c, 0x17, 0x00, 0x00 }, 6 },
	/* libpython3.11.so.1.0 PyErr_Occurred area at 0x113790 */
	{ "cmpb $0x0,0x64ca05(%rip) (rip imm8)", { 0x80, 0x3d, 0x05, 0xca, 0x64, 0x00, 0x00 }, 7 },
	{ "cmpq $0x0,0x50e402(%rip) (REX.W rip imm8)",
	  { 0x48, 0x83, 0x3d, 0x02, 0xe4, 0x50, 0x00, 0x00 }, 8 },
	/* libSDL2-2.0.so.0, 16-bit operands */
	{ "movw $0x8120,0x4(%r13) (66 41 imm16)", { 0x66, 0x41, 0xc7, 0x45, 0x04, 0x20, 0x81 }, 7 },
	{ "and $0xefff,%si (66 81 imm16)", { 0x66, 0x81, 0xe6, 0xff, 0xef }, 5 },
	{ "cmp $0x10,%si (66 83 imm8)", { 0x66, 0x83, 0xfe, 0x10 }, 4 },
};

/*
 * Every case at its exact size, followed by other bytes, and cut one byte
 * short (which must never read past the end: ASan checks that part).
 */
static void test_length_real(void)
{
	uint8_t buf[32];
	size_t i, len;

	for (i = 0; i < PMT_ARRAY_SIZE(len_cases); i++) {
		const struct len_case *c = &len_cases[i];
		size_t n = c->len ? c->len : sizeof(c->code);
		uint8_t *exact;

		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->code, sizeof(c->code));
		len = pmt_insn_length(buf, sizeof(buf));
		/* name the failing case in the report */
		CU_assertImplementation(len == c->len, __LINE__, c->what, __FILE__, "", CU_FALSE);
		if (!c->len)
			continue;
		/* an exactly sized heap copy, so ASan sees any overread */
		exact = malloc(n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		memcpy(exact, c->code, n);
		CU_ASSERT_EQUAL(pmt_insn_length(exact, n), c->len);
		CU_ASSERT_EQUAL(pmt_insn_length(exact, n - 1), 0);
		free(exact);
	}
	CU_ASSERT_EQUAL(pmt_insn_length(buf, 0), 0);
}

static void test_length_synthetic(void)
{
	/* mov $imm16,%ax and REX.W mov imm64 with a 66 prefix too */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0xb8, 0x34, 0x12), 4), 4);
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x49, 0xbc, 1, 2, 3, 4, 5, 6, 7, 8), 10), 10);
	/* mod 00, SIB with base 101: disp32 and no base */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x8b, 0x04, 0xc5, 0, 0, 0, 0), 7), 7);
	/* mod 01 SIB with base 101 is %rbp + disp8 */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x8b, 0x44, 0x25, 0x08), 4), 4);
	/* mod 01 rm 101 is %rbp + disp8, not rip */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x48, 0x8b, 0x45, 0xf8), 4), 4);
	/* REX without an opcode */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x48), 1), 0);
	/* prefixes only */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0x2e, 0x64), 3), 0);
	/* 0f without its second byte, and an unknown 0f opcode */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x0f), 1), 0);
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x0f, 0x05), 2), 0);
	/* SIB missing */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x48, 0x89, 0x04), 3), 0);
}

/*
 * REX.W takes precedence over the 66 prefix: the immediate of 81 and c7
 * stays 32 bits (objdump -b binary: "66 48 c7 c0 01 00 00 00  data16 mov
 * $0x1,%rax", 8 bytes; "66 48 81 c0 01 00 00 00  data16 add $0x1,%rax").
 * Compilers do not emit this, but a wrong length makes find_cheap walk
 * into the middle of an instruction and put a probe there.
 */
static void test_length_rex_w_over_66(void)
{
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0x48, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00), 8), 8);
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0x48, 0x81, 0xc0, 0x01, 0x00, 0x00, 0x00), 8), 8);
	/* without REX.W the 66 prefix does shorten it */
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0xc7, 0xc0, 0x01, 0x00), 5), 5);
	CU_ASSERT_EQUAL(pmt_insn_length(B(0x66, 0x41, 0x81, 0xc0, 0x01, 0x00), 6), 6);
}

/* find_cheap over @n bytes; checks offset, kind and length. */
static void check_cheap(const uint8_t *code, size_t n, long off, enum pmt_insn_kind kind,
			unsigned len)
{
	struct pmt_insn in;
	uint8_t *exact = malloc(n ? n : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
	memcpy(exact, code, n);
	memset(&in, 0xa5, sizeof(in));
	CU_ASSERT_EQUAL(pmt_insn_find_cheap(exact, n, &in), off);
	if (off >= 0) {
		CU_ASSERT_EQUAL(in.kind, kind);
		CU_ASSERT_EQUAL(in.len, len);
		CU_ASSERT_TRUE(in.emulated);
	}
	free(exact);
}

#define CHEAP(off, kind, len, ...) check_cheap(B(__VA_ARGS__), NB(__VA_ARGS__), off, kind, len)

static void test_find_cheap_real(void)
{
	/* libSDL2 0xe2310: sub, mov %fs, mov, mov rip, test, je at 0x1c */
	CHEAP(0x1c, PMT_INSN_JCC, 2, 0x48, 0x83, 0xec, 0x28, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28,
	      0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0x18, 0x48, 0x8b, 0x05, 0x3f, 0x2e, 0x0f,
	      0x00, 0x48, 0x85, 0xc0, 0x74, 0x5f, 0x48, 0x85, 0xff);
	/* libc cuserid 0x51c30: push %rbx at the entry */
	CHEAP(0, PMT_INSN_PUSH, 1, 0x53, 0x48, 0x89, 0xfb, 0x48, 0x81, 0xec, 0x50, 0x04, 0x00,
	      0x00);
	/* libc 0x175910: endbr64; push %r15 */
	CHEAP(4, PMT_INSN_PUSH, 2, 0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x57, 0x41, 0x56);
	/* libpython 0x1137d0: endbr64; jmp */
	CHEAP(4, PMT_INSN_JMP, 5, 0xf3, 0x0f, 0x1e, 0xfa, 0xe9, 0x77, 0xff, 0xff, 0xff);
	/* libpython 0x113790: endbr64; cmpb $0,rip; jne at 11 */
	CHEAP(11, PMT_INSN_JCC, 2, 0xf3, 0x0f, 0x1e, 0xfa, 0x80, 0x3d, 0x05, 0xca, 0x64, 0x00,
	      0x00, 0x75, 0x2b, 0x55);
	/* libc strfmon 0x415f0: sub imm32, three SIB movs, test, je at 0x18 */
	CHEAP(0x18, PMT_INSN_JCC, 2, 0x48, 0x81, 0xec, 0xd8, 0x00, 0x00, 0x00, 0x48, 0x89, 0x4c,
	      0x24, 0x38, 0x4c, 0x89, 0x44, 0x24, 0x40, 0x4c, 0x89, 0x4c, 0x24, 0x48, 0x84, 0xc0,
	      0x74, 0x37, 0x0f, 0x29, 0x44, 0x24, 0x50);
	/* libc srand48_r 0x415c0: straight-line to its ret, nothing emulated */
	CHEAP(-1, 0, 0, 0xb8, 0x0e, 0x33, 0x00, 0x00, 0x89, 0x7e, 0x02, 0x66, 0x89, 0x06, 0x48,
	      0xb8, 0x6d, 0xe6, 0xec, 0xde, 0x05, 0x00, 0x00, 0x00, 0x48, 0x89, 0x46, 0x10, 0x8b,
	      0x05, 0x39, 0x02, 0x16, 0x00, 0x89, 0x46, 0x0c, 0x31, 0xc0, 0xc3, 0x66, 0x2e, 0x0f,
	      0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x90, 0x55);
}

static void test_find_cheap_synthetic(void)
{
	struct pmt_insn in;

	/* call and nop5 after measurable instructions */
	CHEAP(3, PMT_INSN_CALL, 5, 0x48, 0x89, 0xfb, 0xe8, 0x00, 0x00, 0x00, 0x00);
	CHEAP(0, PMT_INSN_NOP5, 5, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x55);
	CHEAP(8, PMT_INSN_NOP5, 5, 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x83, 0xec, 0x28, 0x0f, 0x1f,
	      0x44, 0x00, 0x00);
	/* ret, an SSE store or an unknown opcode before any emulated one */
	CHEAP(-1, 0, 0, 0xc3, 0x55);
	CHEAP(-1, 0, 0, 0x48, 0x83, 0xec, 0x28, 0x0f, 0x29, 0x04, 0x24, 0x53);
	CHEAP(-1, 0, 0, 0xf3, 0x0f, 0x1e, 0xfa, 0xf3, 0x0f, 0x6f, 0x07, 0x55);
	CHEAP(-1, 0, 0, 0x48, 0x89, 0xe5, 0xcc, 0x55);
	/* a trampoline is not followed here: the caller reads the slot */
	CHEAP(-1, 0, 0, 0xff, 0x25, 0xf2, 0xae, 0x01, 0x00, 0x55);
	memset(&in, 0, sizeof(in));
	CU_ASSERT_EQUAL(pmt_insn_find_cheap(B(0xf3, 0x0f, 0x1e, 0xfa, 0xff, 0x25, 0x10, 0, 0, 0),
					    10, &in), -1);
	CU_ASSERT_EQUAL(in.kind, PMT_INSN_JMP_INDIRECT_RIP);
	CU_ASSERT_EQUAL(in.rip_disp, 0x10);
	/* the buffer ends first: between instructions, inside one, or empty */
	CHEAP(-1, 0, 0, 0x48, 0x83, 0xec, 0x28);
	CHEAP(-1, 0, 0, 0x48, 0x83, 0xec, 0x28, 0x64, 0x48, 0x8b);
	CHEAP(-1, 0, 0, 0xf3, 0x0f, 0x1e, 0xfa);
	CHEAP(-1, 0, 0, 0xf3, 0x0f, 0x1e, 0xfa, 0xe8, 0x00, 0x00, 0x00);
	check_cheap(B(0x55), 0, -1, 0, 0);
}

/* pmt_test_register_insn - add the "insn" suite. */
void pmt_test_register_insn(void)
{
	static const struct pmt_test tests[] = {
		{ "decode endbr64", test_decode_endbr64 },
		{ "decode push", test_decode_push },
		{ "decode call and jmp", test_decode_call_jmp },
		{ "decode jcc", test_decode_jcc },
		{ "decode nop5", test_decode_nop5 },
		{ "decode jmp *disp32(%rip)", test_decode_jmp_rip },
		{ "decode other", test_decode_other },
		{ "kind names", test_names },
		{ "length of real prologue instructions", test_length_real },
		{ "length edge cases", test_length_synthetic },
		{ "length: REX.W overrides 66 for imm32", test_length_rex_w_over_66 },
		{ "find_cheap on real function entries", test_find_cheap_real },
		{ "find_cheap stops and bounds", test_find_cheap_synthetic },
	};

	pmt_test_add_suite("insn", tests, PMT_ARRAY_SIZE(tests));
}
