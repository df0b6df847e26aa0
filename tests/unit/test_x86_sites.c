// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_x86_sites.c - unit tests of the allocator-site decoder: the table a
 * wrapper reads, usedpools, where a function's probe sits, and an inlined
 * copy's branch and size register. The byte arrays are machine code copied
 * (objdump -s) from the builds named at each array, at the address given:
 * Debian 12's python3.11 (non-PIE, LTO: PyObject_Malloc holds an inlined
 * copy of _PyObject_Malloc at 0x4fb450), and pyenv's libpython3.8 and
 * libpython3.12 (plain wrappers: a table read through rip, or through the
 * GOT). Expected values are what `objdump -d` shows for the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/events.h"
#include "pmtrace/x86_sites.h"
#include "suites.h"

/* deb_pyobject_malloc at 0x4fb350 */
static const uint8_t deb_pyobject_malloc[] = {
	0x53, 0x48, 0x85, 0xff, 0x0f, 0x88, 0x65, 0xad, 0xf2, 0xff, 0x48, 0x8b,
	0x05, 0xe7, 0xeb, 0x45, 0x00, 0x48, 0x89, 0xfb, 0x48, 0x8b, 0x3d, 0xd5,
	0xeb, 0x45, 0x00, 0x48, 0x3d, 0x50, 0xb4, 0x4f, 0x00, 0x0f, 0x85, 0xc3,
	0x00, 0x00, 0x00, 0x48, 0x8d, 0x43, 0xff, 0x48, 0x3d, 0xff, 0x01, 0x00,
	0x00, 0x77, 0x7d, 0x8d, 0x7b, 0xff, 0xc1, 0xef, 0x04, 0x8d, 0x04, 0x3f,
	0x48, 0x8b, 0x14, 0xc5, 0x20, 0x9d, 0x95, 0x00, 0x48, 0x8b, 0x72, 0x10,
	0x48, 0x39, 0xf2, 0x74, 0x59, 0x48, 0x8b, 0x42, 0x08, 0x83, 0x02, 0x01,
	0x48, 0x8b, 0x08, 0x48, 0x89, 0x4a, 0x08, 0x48, 0x85, 0xc9, 0x74, 0x08,
	0x5b, 0xc3, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x44, 0x8b, 0x42, 0x28,
	0x44, 0x39, 0x42, 0x2c, 0x72, 0x26, 0x83, 0xc7, 0x01, 0x44, 0x89, 0xc1,
	0xc1, 0xe7, 0x04, 0x48, 0x01, 0xd1, 0x44, 0x01, 0xc7, 0x48, 0x89, 0x4a,
	0x08, 0x89, 0x7a, 0x28, 0x48, 0xc7, 0x01, 0x00, 0x00, 0x00, 0x00, 0x5b,
	0xc3, 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x52, 0x18,
	0x48, 0x89, 0x56, 0x18, 0x48, 0x89, 0x72, 0x10, 0x5b, 0xc3, 0xe8, 0x45,
	0x01, 0x00, 0x00, 0x48, 0x85, 0xc0, 0x75, 0xb0, 0x48, 0x8b, 0x05, 0x61,
	0xec, 0x45, 0x00, 0x48, 0x8b, 0x3d, 0x52, 0xec, 0x45, 0x00, 0x48, 0x3d,
	0x50, 0x73, 0x4f, 0x00, 0x75, 0x2a, 0x48, 0x85, 0xdb, 0xbf, 0x01, 0x00,
	0x00, 0x00, 0x48, 0x0f, 0x45, 0xfb, 0xe8, 0xe9, 0x41, 0xf2, 0xff, 0x48,
	0x85, 0xc0, 0x0f, 0x84, 0x8f, 0xac, 0xf2, 0xff, 0x48, 0x83, 0x05, 0x68,
	0x8f, 0x58, 0x00, 0x01, 0x5b, 0xc3, 0x48, 0x89, 0xde, 0x5b, 0xff, 0xe0,
	0x48, 0x89, 0xde, 0xff, 0xd0, 0xeb, 0xe0, 0x66, 0x0f, 0x1f, 0x84, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
/* deb_obj_malloc_fn at 0x4fb450 */
static const uint8_t deb_obj_malloc_fn[] = {
	0x48, 0x8d, 0x46, 0xff, 0x48, 0x83, 0xec, 0x18, 0x48, 0x3d, 0xff, 0x01,
	0x00, 0x00, 0x0f, 0x87, 0xca, 0x00, 0x00, 0x00, 0x8d, 0x7e, 0xff, 0xc1,
	0xef, 0x04, 0x8d, 0x04, 0x3f, 0x48, 0x8b, 0x14,
};
/* py38_pyobject_malloc at 0xe1b10 */
static const uint8_t py38_pyobject_malloc[] = {
	0x48, 0x89, 0xfe, 0x48, 0x85, 0xff, 0x78, 0x10, 0x48, 0x8b, 0x3d, 0xe1,
	0x0c, 0x25, 0x00, 0xff, 0x25, 0xe3, 0x0c, 0x25, 0x00, 0x0f, 0x1f, 0x00,
	0x31, 0xc0, 0xc3,
};
/* py312_pyobject_malloc at 0x1cf430 */
static const uint8_t py312_pyobject_malloc[] = {
	0x48, 0x89, 0xfe, 0x48, 0x85, 0xff, 0x78, 0x18, 0x48, 0x8b, 0x05, 0xc1,
	0x48, 0x37, 0x00, 0x48, 0x8b, 0xb8, 0xb0, 0x00, 0x00, 0x00, 0xff, 0xa0,
	0xb8, 0x00, 0x00, 0x00, 0x0f, 0x1f, 0x40, 0x00,
};
/* py312_obj_free_fn at 0x1cef80 */
static const uint8_t py312_obj_free_fn[] = {
	0x48, 0x85, 0xf6, 0x0f, 0x84, 0xb7, 0x00, 0x00, 0x00, 0x41, 0x54, 0x55,
	0x53, 0x48, 0x89, 0xf3, 0x66, 0x48, 0x8d, 0x3d, 0x58, 0x4f, 0x37, 0x00,
	0x66, 0x66, 0x48, 0xe8, 0x40, 0x96, 0xf3, 0xff,
};

#define PT_RBX 5
#define PT_RAX 10
#define PT_RSI 13

static void test_wrapper_lto(void)
{
	struct pmt_slot_ref r;

	/* mov 0x959f48,%rax ... cmp $0x4fb450,%rax: the malloc slot of _PyObject */
	CU_ASSERT_EQUAL(pmt_x86_wrapper_slot(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					     0x4fb350, &r), 0);
	CU_ASSERT_EQUAL(r.addr, 0x959f48);
	CU_ASSERT_FALSE(r.deref);
	CU_ASSERT_EQUAL(r.off, 0);
}

static void test_wrapper_rip(void)
{
	struct pmt_slot_ref r;

	/* jmp *0x250ce3(%rip) # 332808 <_PyObject+0x8> */
	CU_ASSERT_EQUAL(pmt_x86_wrapper_slot(py38_pyobject_malloc, sizeof(py38_pyobject_malloc),
					     0xe1b10, &r), 0);
	CU_ASSERT_EQUAL(r.addr, 0x332808);
	CU_ASSERT_FALSE(r.deref);
}

static void test_wrapper_got(void)
{
	struct pmt_slot_ref r;

	/* mov 0x3748c1(%rip),%rax (GOT: &_PyRuntime); jmp *0xb8(%rax) */
	CU_ASSERT_EQUAL(pmt_x86_wrapper_slot(py312_pyobject_malloc, sizeof(py312_pyobject_malloc),
					     0x1cf430, &r), 0);
	CU_ASSERT_EQUAL(r.addr, 0x543d00);
	CU_ASSERT_TRUE(r.deref);
	CU_ASSERT_EQUAL(r.off, 0xb8);
}

static void test_wrapper_none(void)
{
	static const uint8_t ret[] = { 0x31, 0xc0, 0xc3 }; /* xor %eax,%eax; ret */
	struct pmt_slot_ref r;

	CU_ASSERT_EQUAL(pmt_x86_wrapper_slot(ret, sizeof(ret), 0x1000, &r), -ENOENT);
}

static void test_usedpools(void)
{
	uint64_t u = 0;

	/* mov 0x959d20(,%rax,8),%rdx */
	CU_ASSERT_EQUAL(pmt_x86_usedpools(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					  0x4fb350, &u), 0);
	CU_ASSERT_EQUAL(u, 0x959d20);
	CU_ASSERT_EQUAL(pmt_x86_usedpools(py38_pyobject_malloc, sizeof(py38_pyobject_malloc),
					  0xe1b10, &u), -ENOENT);
}

static void test_entry_probe(void)
{
	uint64_t at = 0;
	bool emu = true;

	/* lea -0x1(%rsi),%rax; sub $0x18,%rsp: the stack moves at +4, nothing
	 * emulated before: the probe goes on the sub, single-stepped */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe(deb_obj_malloc_fn, sizeof(deb_obj_malloc_fn), 0x4fb450,
					    &at, &emu), 0);
	CU_ASSERT_EQUAL(at, 0x4fb454);
	CU_ASSERT_FALSE(emu);
	/* test %rsi,%rsi; je ...: the je, emulated */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe(py312_obj_free_fn, sizeof(py312_obj_free_fn), 0x1cef80,
					    &at, &emu), 0);
	CU_ASSERT_EQUAL(at, 0x1cef83);
	CU_ASSERT_TRUE(emu);
	/* push %rbx at the entry of the Debian wrapper */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					    0x4fb350, &at, &emu), 0);
	CU_ASSERT_EQUAL(at, 0x4fb350);
	CU_ASSERT_TRUE(emu);
	/* mov %rsi,%rdi first: an argument changes, the entry it is */
	{
		static const uint8_t mv[] = { 0x48, 0x89, 0xf7, 0xe9, 0, 0, 0, 0 };

		CU_ASSERT_EQUAL(pmt_x86_entry_probe(mv, sizeof(mv), 0x2000, &at, &emu), 0);
		CU_ASSERT_EQUAL(at, 0x2000);
		CU_ASSERT_FALSE(emu);
	}
}

/* Mesa 22.3's swrast_dri.so (Debian 12): _mesa_TexImage2D, _mesa_BindBuffer,
 * _mesa_DeleteBuffers, _mesa_TexStorage2D, as the dispatch table reaches them. */
static const uint8_t mesa_teximage2d[] = {
	0x48, 0x83, 0xec, 0x08, 0x48, 0x8b, 0x05, 0xe5, 0x3c, 0x75, 0x01, 0x64, 0x48, 0x8b,
	0x00, 0xff, 0x74, 0x24, 0x20, 0x6a, 0x00, 0x44, 0x8b, 0x54, 0x24, 0x28, 0x41, 0x52,
	0x44, 0x8b, 0x54, 0x24, 0x28, 0x41, 0x52, 0x41, 0x51, 0x41, 0x89, 0xd1, 0xba, 0x02,
	0x00, 0x00, 0x00,
};
static const uint8_t mesa_bindbuffer[] = {
	0x48, 0x8b, 0x05, 0x39, 0x34, 0x68, 0x01, 0x53, 0x41, 0x89, 0xf8, 0x41, 0x89, 0xf1,
	0x89, 0xfe, 0x64, 0x48, 0x8b, 0x18,
};
static const uint8_t mesa_deletebuffers[] = {
	0x48, 0x8b, 0x05, 0x19, 0x33, 0x68, 0x01, 0x48, 0x89, 0xf2, 0x64, 0x48, 0x8b, 0x00,
	0x85, 0xff, 0x78, 0x0e, 0x89, 0xfe,
};
static const uint8_t mesa_texstorage2d[] = {
	0x48, 0x83, 0xec, 0x08, 0x48, 0x8d, 0x05, 0xe7, 0x7a, 0xfa, 0x00, 0x45, 0x89, 0xc1,
	0x41, 0x89, 0xc8, 0x50, 0x89, 0xd1,
};

static void test_entry_probe_regs(void)
{
	struct pmt_entry_probe ep;

	/* sub $8,%rsp; mov; mov %fs; push 0x20(%rsp); push $0; mov ..,%r10d;
	 * push %r10: the first emulated instruction, 24 bytes down, rdi..r8 intact */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_teximage2d, sizeof(mesa_teximage2d),
						 0xa6190, PMT_X86_ARG_REGS(5), 64, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0xa61aa);
	CU_ASSERT_EQUAL(ep.sp_delta, 24);
	CU_ASSERT_TRUE(ep.emulated);
	/* without room for the stack to move: the sub, single-stepped */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_teximage2d, sizeof(mesa_teximage2d),
						 0xa6190, PMT_X86_ARG_REGS(5), 0, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0xa6190);
	CU_ASSERT_EQUAL(ep.sp_delta, 0);
	CU_ASSERT_FALSE(ep.emulated);
	/* mov ..,%rax; push %rbx */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_bindbuffer, sizeof(mesa_bindbuffer),
						 0x176a40, PMT_X86_ARG_REGS(2), 64, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0x176a47);
	CU_ASSERT_EQUAL(ep.sp_delta, 0);
	CU_ASSERT_TRUE(ep.emulated);
	/* mov %rsi,%rdx changes no argument of a 2-argument call: on to the js */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_deletebuffers, sizeof(mesa_deletebuffers),
						 0x176b60, PMT_X86_ARG_REGS(2), 64, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0x176b70);
	CU_ASSERT_TRUE(ep.emulated);
	/* ...but does for three arguments: the probe stays on it, single-stepped */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_deletebuffers, sizeof(mesa_deletebuffers),
						 0x176b60, PMT_X86_ARG_REGS(3), 64, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0x176b67);
	CU_ASSERT_FALSE(ep.emulated);
	/* mov %ecx,%r8d overwrites the 5th argument before any push */
	CU_ASSERT_EQUAL(pmt_x86_entry_probe_regs(mesa_texstorage2d, sizeof(mesa_texstorage2d),
						 0xb6830, PMT_X86_ARG_REGS(5), 64, &ep), 0);
	CU_ASSERT_EQUAL(ep.addr, 0xb683e);
	CU_ASSERT_EQUAL(ep.sp_delta, 8);
	CU_ASSERT_FALSE(ep.emulated);
}

static void test_jumps_to(void)
{
	/* jne 4fb3b0 at 4fb3fe (back into the wrapper), js 4260bf (far away) */
	CU_ASSERT_TRUE(pmt_x86_jumps_to(deb_pyobject_malloc, sizeof(deb_pyobject_malloc), 0x4fb350,
					0x4fb3b0));
	CU_ASSERT_TRUE(pmt_x86_jumps_to(deb_pyobject_malloc, sizeof(deb_pyobject_malloc), 0x4fb350,
					0x4260bf));
	/* nothing comes back to the second instruction */
	CU_ASSERT_FALSE(pmt_x86_jumps_to(deb_pyobject_malloc, sizeof(deb_pyobject_malloc), 0x4fb350,
					 0x4fb351));
}

static void test_find_cmps(void)
{
	uint64_t out[8];

	/* cmp $0x4fb450,%rax at +0x1b; cmp $0x4f7350,%rax at +0xc4 */
	CU_ASSERT_EQUAL(pmt_x86_find_cmps(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					  0x4fb350, 0x4fb450, out, 8), 1);
	CU_ASSERT_EQUAL(out[0], 0x4fb36b);
	CU_ASSERT_EQUAL(pmt_x86_find_cmps(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					  0x4fb350, 0x4f7350, out, 8), 1);
	CU_ASSERT_EQUAL(out[0], 0x4fb40e);
	CU_ASSERT_EQUAL(pmt_x86_find_cmps(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					  0x4fb350, 0x12345678, out, 8), 0);
}

static void test_inline_site(void)
{
	struct pmt_inline_site s;

	/* cmp $0x4fb450,%rax; jne 4fb43a -> mov %rbx,%rsi; pop %rbx; jmp *%rax:
	 * branch at 0x4fb371, the size in %rbx */
	CU_ASSERT_EQUAL(pmt_x86_inline_site(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					    0x4fb350, 0x4fb36b, 0x4fb450, 1, &s), PMT_INLINE_OK);
	CU_ASSERT_EQUAL(s.branch, 0x4fb371);
	CU_ASSERT_EQUAL(s.check_reg, PT_RAX);
	CU_ASSERT_EQUAL(s.arg[0].reg, PT_RBX);
	CU_ASSERT_EQUAL(s.arg[0].off, 0);
	CU_ASSERT_FALSE(s.arg[0].mask32);
	/* the raw one: cmp $0x4f7350,%rax; jne 4fb440 -> mov %rbx,%rsi; call *%rax */
	CU_ASSERT_EQUAL(pmt_x86_inline_site(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					    0x4fb350, 0x4fb40e, 0x4f7350, 1, &s), PMT_INLINE_OK);
	CU_ASSERT_EQUAL(s.branch, 0x4fb414);
	CU_ASSERT_EQUAL(s.arg[0].reg, PT_RBX);
	/* not a cmp */
	CU_ASSERT_EQUAL(pmt_x86_inline_site(deb_pyobject_malloc, sizeof(deb_pyobject_malloc),
					    0x4fb350, 0x4fb350, 0x4fb450, 1, &s), PMT_INLINE_BAD);
}

/* Hand-assembled: constants, lea offsets, 32-bit moves and a direct call. */
static void test_inline_shapes(void)
{
	/*
	 * 0x1000: cmp $0x401000,%rax   48 3d 00 10 40 00
	 * 0x1006: jne 0x1010           75 08
	 * 0x1008: (inline body) ret    c3 + 7 nops
	 * 0x1010: mov $0x20,%esi       be 20 00 00 00
	 * 0x1015: mov ctx(%rip),%rdi   48 8b 3d 00 00 00 00
	 * 0x101c: call *%rax           ff d0
	 */
	static const uint8_t konst[] = { 0x48, 0x3d, 0x00, 0x10, 0x40, 0x00, 0x75, 0x08, 0xc3,
					 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xbe, 0x20,
					 0x00, 0x00, 0x00, 0x48, 0x8b, 0x3d, 0x00, 0x00, 0x00,
					 0x00, 0xff, 0xd0 };
	/* ... jne; 0x1010: lea 0x18(%rbx),%esi; call *%rax */
	static const uint8_t lea32[] = { 0x48, 0x3d, 0x00, 0x10, 0x40, 0x00, 0x75, 0x08, 0xc3,
					 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x8d, 0x73,
					 0x18, 0xff, 0xd0 };
	/* ... jne; inline path: call 0x401000 (the function itself) */
	static const uint8_t direct[] = { 0x48, 0x3d, 0x00, 0x10, 0x40, 0x00, 0x75, 0x05, 0xe8,
					  0xf3, 0xff, 0x3f, 0x00, 0xff, 0xd0 };
	/* ... jne; 0x1010: mov (%rbx),%rsi (unknown); call *%rax */
	static const uint8_t unknown[] = { 0x48, 0x3d, 0x00, 0x10, 0x40, 0x00, 0x75, 0x08, 0xc3,
					   0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x48, 0x8b,
					   0x33, 0xff, 0xd0 };
	struct pmt_inline_site s;

	CU_ASSERT_EQUAL(pmt_x86_inline_site(konst, sizeof(konst), 0x1000, 0x1000, 0x401000, 1, &s),
			PMT_INLINE_OK);
	CU_ASSERT_EQUAL(s.arg[0].reg, PMT_REG_NONE);
	CU_ASSERT_EQUAL(s.arg[0].off, 0x20);
	CU_ASSERT_EQUAL(pmt_x86_inline_site(lea32, sizeof(lea32), 0x1000, 0x1000, 0x401000, 1, &s),
			PMT_INLINE_OK);
	CU_ASSERT_EQUAL(s.arg[0].reg, PT_RBX);
	CU_ASSERT_EQUAL(s.arg[0].off, 0x18);
	CU_ASSERT_TRUE(s.arg[0].mask32);
	CU_ASSERT_EQUAL(pmt_x86_inline_site(direct, sizeof(direct), 0x1000, 0x1000, 0x401000, 1,
					    &s), PMT_INLINE_DIRECT_CALL);
	CU_ASSERT_EQUAL(pmt_x86_inline_site(unknown, sizeof(unknown), 0x1000, 0x1000, 0x401000, 1,
					    &s), PMT_INLINE_ARGS_UNKNOWN);
}

void pmt_test_register_x86_sites(void)
{
	static const struct pmt_test tests[] = {
		{ "wrapper slot: LTO guard", test_wrapper_lto },
		{ "wrapper slot: jmp through rip", test_wrapper_rip },
		{ "wrapper slot: through the GOT", test_wrapper_got },
		{ "wrapper slot: none", test_wrapper_none },
		{ "usedpools", test_usedpools },
		{ "entry probe placement", test_entry_probe },
		{ "entry probe past stack moves, by argument registers", test_entry_probe_regs },
		{ "jumps back to a probe", test_jumps_to },
		{ "cmp against an address", test_find_cmps },
		{ "inlined copy in the Debian wrapper", test_inline_site },
		{ "inlined copy shapes", test_inline_shapes },
	};

	pmt_test_add_suite("x86_sites", tests, PMT_ARRAY_SIZE(tests));
}
