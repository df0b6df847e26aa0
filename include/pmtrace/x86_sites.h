/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_sites.h - reading an interpreter's machine code for trace mode's
 * allocator probes (x86-64, decoded with Capstone). Pure: bytes in,
 * addresses and register recipes out; no I/O.
 *
 * CPython calls its allocators through tables of function pointers
 * (PyMem_Raw / PyMem / PyObject domains: ctx, malloc, calloc, realloc,
 * free). An exported wrapper such as PyObject_Malloc() reads the table: its
 * code says where the table is. LTO builds (Debian's python3.11) also copy
 * the pymalloc fast path into its callers, guarded by a comparison of the
 * table's pointer with the default function's address:
 *
 *     mov  table.malloc(%rip), %rax
 *     cmp  $_PyObject_Malloc, %rax
 *     jne  indirect          ; -> mov %rbx, %rsi; call *%rax
 *     ...inlined fast path...
 *
 * A probe on that branch (a jcc: emulated, cheap) sees every allocation
 * the copy makes; the indirect path's argument set-up says which register
 * (or constant) holds the size at the branch.
 */
#ifndef PMTRACE_X86_SITES_H
#define PMTRACE_X86_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a table slot is: @addr, or (deref) the pointer stored at @addr plus @off. */
struct pmt_slot_ref {
	uint64_t addr;
	int64_t off;
	bool deref;
};

/*
 * Decode the wrapper at @addr (@code, @n bytes) and find the slot its
 * indirect call reads (or the slot it compares with a default function).
 * Returns 0, -ENOENT when no such read was found, -ENOMEM.
 */
int pmt_x86_wrapper_slot(const uint8_t *code, size_t n, uint64_t addr, struct pmt_slot_ref *out);

/*
 * pymalloc's usedpools array as an LTO wrapper's inlined fast path indexes
 * it (mov usedpools(,%reg,8), %reg): its address, or -ENOENT.
 */
int pmt_x86_usedpools(const uint8_t *code, size_t n, uint64_t addr, uint64_t *out);

/* A load from a fixed address: a global variable and the bytes read. */
struct pmt_x86_load {
	uint64_t addr;
	uint8_t size;
};

/*
 * The mov loads from fixed addresses (rip-relative or absolute, no index)
 * into a register in the function at @addr, in code order up to its first
 * ret, at most @max of them: how a stripped build's small functions name
 * its globals (pymalloc's arenas and maxarenas in _Py_GetAllocatedBlocks).
 * Returns how many were stored, or -ENOMEM.
 */
int pmt_x86_global_loads(const uint8_t *code, size_t n, uint64_t addr, struct pmt_x86_load *out,
			 int max);

/*
 * Where a function's entry (and return) probe should sit: the first
 * instruction the kernel emulates, reached before the stack pointer or an
 * argument register (rdi, rsi, rdx) changes; else the last instruction
 * before such a change. Stores the address and whether it is emulated.
 * Returns 0 or -ENOENT when the bytes do not decode.
 */
int pmt_x86_entry_probe(const uint8_t *code, size_t n, uint64_t addr, uint64_t *probe,
			bool *emulated);

/* Where pmt_x86_entry_probe_regs() puts a function's entry probe. */
struct pmt_entry_probe {
	uint64_t addr;     /* the probe's address */
	uint32_t sp_delta; /* bytes the stack pointer moved down from the entry to there */
	bool emulated;     /* the instruction there is one the kernel emulates */
};

/* pt_regs word indexes of the argument registers, for @arg_regs masks. */
#define PMT_X86_ARG_REGS(nargs)                                                              \
	((nargs) >= 6 ? 0x7b00u : (nargs) == 5 ? 0x7a00u : (nargs) == 4 ? 0x7800u :       \
	 (nargs) == 3 ? 0x7000u : (nargs) == 2 ? 0x6000u : (nargs) == 1 ? 0x4000u : 0u)

/*
 * Like pmt_x86_entry_probe(), for a function whose arguments in the
 * registers of @arg_regs (bits by pt_regs word index: PMT_X86_ARG_REGS())
 * must be intact at the probe. The stack may move first, by pushes and
 * subtractions of constants, up to @max_sp bytes: *@out says by how much,
 * so the return address and stack arguments are still found (at
 * sp + sp_delta and above). Returns 0, -ENOENT when nothing decodes, -ENOMEM.
 */
int pmt_x86_entry_probe_regs(const uint8_t *code, size_t n, uint64_t addr, uint32_t arg_regs,
			     uint32_t max_sp, struct pmt_entry_probe *out);

/*
 * True when a direct jump or call in @code (at @addr, decoded linearly, up
 * to @n bytes) lands on @target: a return probe may sit past a function's
 * first instruction only if nothing jumps back there.
 */
bool pmt_x86_jumps_to(const uint8_t *code, size_t n, uint64_t addr, uint64_t target);

/* Addresses of cmp instructions against immediate @imm in @text (at @text_addr). */
size_t pmt_x86_find_cmps(const uint8_t *text, size_t n, uint64_t text_addr, uint32_t imm,
			 uint64_t *out, size_t max);

/* One argument at the branch: register (pt_regs word index) + offset, or a constant. */
struct pmt_x86_arg {
	uint8_t reg;  /* PMT_REG_NONE (0xff): @off is the value */
	bool mask32;  /* a 32-bit value */
	int64_t off;
};

/* An inlined copy of an allocator function, found at a comparison. */
struct pmt_inline_site {
	uint64_t branch;     /* the jcc after the cmp: the probe goes here */
	uint8_t check_reg;   /* compared register (pt_regs index), or PMT_REG_MEM */
	uint64_t check_addr; /* PMT_REG_MEM: the compared memory */
	struct pmt_x86_arg arg[2]; /* the function's 2nd and 3rd arguments (after ctx) */
};

enum pmt_inline_status {
	PMT_INLINE_OK = 0,
	PMT_INLINE_NOT_BRANCH = -1,  /* no jcc after the cmp */
	PMT_INLINE_DIRECT_CALL = -2, /* the "inline" path calls the function: not a copy */
	PMT_INLINE_ARGS_UNKNOWN = -3,/* the argument set-up did not decode */
	PMT_INLINE_BAD = -4,         /* the cmp did not decode */
};

/*
 * Analyse the comparison at @cmp_addr with default function @fn, whose
 * @nargs (1 or 2) arguments after ctx are needed. @text/@text_addr: the
 * whole code section. Returns an enum pmt_inline_status.
 */
int pmt_x86_inline_site(const uint8_t *text, size_t n, uint64_t text_addr, uint64_t cmp_addr,
			uint64_t fn, int nargs, struct pmt_inline_site *out);

#endif
