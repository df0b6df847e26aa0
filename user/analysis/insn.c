// SPDX-License-Identifier: BSD-2-Clause
/*
 * insn.c - classify the first instruction of a probe site (x86-64).
 *
 * Only the handful of encodings that decide a uprobe's cost are decoded;
 * everything else is reported as "other" (single-stepped).
 */
#include <string.h>

#include "pmtrace/insn.h"

void pmt_insn_decode(const uint8_t *c, size_t n, struct pmt_insn *out)
{
	memset(out, 0, sizeof(*out));
	if (n >= 4 && c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa) {
		out->kind = PMT_INSN_ENDBR64;
		out->len = 4;
	} else if (n >= 1 && c[0] >= 0x50 && c[0] <= 0x57) {
		out->kind = PMT_INSN_PUSH;
		out->len = 1;
	} else if (n >= 2 && c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57) {
		out->kind = PMT_INSN_PUSH;
		out->len = 2;
	} else if (n >= 5 && c[0] == 0xe8) {
		out->kind = PMT_INSN_CALL;
		out->len = 5;
	} else if (n >= 5 && c[0] == 0xe9) {
		out->kind = PMT_INSN_JMP;
		out->len = 5;
	} else if (n >= 2 && c[0] == 0xeb) {
		out->kind = PMT_INSN_JMP;
		out->len = 2;
	} else if (n >= 2 && c[0] >= 0x70 && c[0] <= 0x7f) {
		out->kind = PMT_INSN_JCC;
		out->len = 2;
	} else if (n >= 6 && c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f) {
		out->kind = PMT_INSN_JCC;
		out->len = 6;
	} else if (n >= 5 && c[0] == 0x0f && c[1] == 0x1f && c[2] == 0x44 && c[3] == 0x00 &&
		   c[4] == 0x00) {
		out->kind = PMT_INSN_NOP5;
		out->len = 5;
	} else if (n >= 6 && c[0] == 0xff && c[1] == 0x25) {
		int32_t d;

		memcpy(&d, c + 2, 4);
		out->kind = PMT_INSN_JMP_INDIRECT_RIP;
		out->len = 6;
		out->rip_disp = d;
	} else {
		out->kind = PMT_INSN_OTHER;
	}
	out->emulated = out->kind != PMT_INSN_OTHER && out->kind != PMT_INSN_ENDBR64 &&
			out->kind != PMT_INSN_JMP_INDIRECT_RIP;
}

const char *pmt_insn_name(enum pmt_insn_kind kind)
{
	static const char *const names[] = {
		[PMT_INSN_OTHER] = "other (single-stepped)",
		[PMT_INSN_ENDBR64] = "endbr64",
		[PMT_INSN_PUSH] = "push",
		[PMT_INSN_CALL] = "call",
		[PMT_INSN_JMP] = "jmp",
		[PMT_INSN_JCC] = "jcc",
		[PMT_INSN_NOP5] = "nop5",
		[PMT_INSN_JMP_INDIRECT_RIP] = "jmp *rip (single-stepped)",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[kind];
}
