/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * insn.h - what a uprobe costs on the instruction it lands on (x86-64).
 *
 * The kernel emulates push, call, jmp and jcc at a uprobe and optimises a
 * 5-byte nop; anything else (mov, lea, sub, endbr64, indirect jumps...) is
 * single-stepped out of line, about 30 times slower on the machines measured
 * (DESIGN.md). Decoding the first bytes of a function lets pmtrace skip an
 * endbr64, follow a jump-table trampoline, and say which instruction every
 * probe sits on.
 */
#ifndef PMTRACE_INSN_H
#define PMTRACE_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pmt_insn_kind {
	PMT_INSN_OTHER = 0, /* single-stepped: expensive */
	PMT_INSN_ENDBR64,   /* single-stepped, but skippable (4 bytes) */
	PMT_INSN_PUSH,
	PMT_INSN_CALL,
	PMT_INSN_JMP,
	PMT_INSN_JCC,
	PMT_INSN_NOP5,
	PMT_INSN_JMP_INDIRECT_RIP, /* jmp *disp32(%rip): a jump-table trampoline */
};

struct pmt_insn {
	enum pmt_insn_kind kind;
	unsigned len;      /* bytes of the instruction, 0 when unknown */
	bool emulated;     /* the kernel does not single-step it */
	int64_t rip_disp;  /* for JMP_INDIRECT_RIP: slot = address + len + disp */
};

/* Decode the instruction at the start of @code (@n bytes available). */
void pmt_insn_decode(const uint8_t *code, size_t n, struct pmt_insn *out);

/*
 * Length of the instruction at @code for the common integer instructions
 * of function prologues (mov, lea, sub, add, test, cmp, xor, movzx...), or
 * 0 when it is not one pmtrace can measure.
 */
size_t pmt_insn_length(const uint8_t *code, size_t n);

/*
 * Walk the straight-line code at the start of a function (no branch can
 * be taken before it) to the first instruction the kernel emulates, which
 * every call then executes exactly once. Returns its offset from @code and
 * fills @out, or -1 when an instruction that cannot be measured, or a
 * control transfer that is not emulated, comes first.
 */
long pmt_insn_find_cheap(const uint8_t *code, size_t n, struct pmt_insn *out);

/* True for the kinds the kernel does not single-step. */
bool pmt_insn_is_cheap(enum pmt_insn_kind kind);

/* Short name for reports: "push", "endbr64", "jmp *rip", "other"... */
const char *pmt_insn_name(enum pmt_insn_kind kind);

#endif
