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
	out->emulated = pmt_insn_is_cheap(out->kind);
}

bool pmt_insn_is_cheap(enum pmt_insn_kind kind)
{
	return kind == PMT_INSN_PUSH || kind == PMT_INSN_CALL || kind == PMT_INSN_JMP ||
	       kind == PMT_INSN_JCC || kind == PMT_INSN_NOP5;
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

/* Bytes taken by a ModRM operand (ModRM, SIB, displacement), or 0. */
static size_t modrm_len(const uint8_t *c, size_t n)
{
	uint8_t mod, rm;
	size_t len = 1;

	if (n < 1)
		return 0;
	mod = c[0] >> 6;
	rm = c[0] & 7;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (n < 2)
			return 0;
		len++;
		if (mod == 0 && (c[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4; /* rip-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len <= n ? len : 0;
}

size_t pmt_insn_length(const uint8_t *c, size_t n)
{
	size_t i = 0, m;
	int rex_w = 0, opsize16 = 0;
	uint8_t op;

	/* Legacy prefixes, then REX. */
	while (i < n && (c[i] == 0x66 || c[i] == 0x2e || c[i] == 0x3e || c[i] == 0x26 ||
			 c[i] == 0x64 || c[i] == 0x65 || c[i] == 0x36)) {
		opsize16 |= c[i] == 0x66;
		i++;
	}
	if (i < n && (c[i] & 0xf0) == 0x40) {
		rex_w = (c[i] & 8) != 0;
		i++;
	}
	if (i >= n)
		return 0;
	op = c[i++];
	switch (op) {
	/* op r/m, r and op r, r/m: add or adc and sbb sub xor cmp test mov lea movsxd */
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x08: case 0x09: case 0x0a:
	case 0x0b: case 0x10: case 0x11: case 0x12: case 0x13: case 0x18: case 0x19:
	case 0x1a: case 0x1b: case 0x20: case 0x21: case 0x22: case 0x23: case 0x28:
	case 0x29: case 0x2a: case 0x2b: case 0x30: case 0x31: case 0x32: case 0x33:
	case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x63: case 0x84: case 0x85:
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8d:
		m = modrm_len(c + i, n - i);
		return m ? i + m : 0;
	case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6: /* r/m, imm8 */
		m = modrm_len(c + i, n - i);
		return m && i + m + 1 <= n ? i + m + 1 : 0;
	case 0x81: case 0xc7: /* r/m, imm16/32 */
		m = modrm_len(c + i, n - i);
		m = m ? m + (opsize16 && !rex_w ? 2 : 4) : 0;
		return m && i + m <= n ? i + m : 0;
	case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
		m = rex_w ? 8 : (opsize16 ? 2 : 4);
		return i + m <= n ? i + m : 0;
	case 0x0f:
		if (i >= n)
			return 0;
		op = c[i++];
		/* movzx, movsx, cmovcc, setcc, nop r/m */
		if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0x1f ||
		    (op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f)) {
			m = modrm_len(c + i, n - i);
			return m ? i + m : 0;
		}
		return 0;
	default:
		return 0;
	}
}

long pmt_insn_find_cheap(const uint8_t *c, size_t n, struct pmt_insn *out)
{
	size_t off = 0, len;

	while (off < n) {
		pmt_insn_decode(c + off, n - off, out);
		if (out->emulated)
			return (long)off;
		if (out->kind == PMT_INSN_ENDBR64 || out->kind == PMT_INSN_JMP_INDIRECT_RIP)
			len = out->kind == PMT_INSN_ENDBR64 ? out->len : 0;
		else
			len = pmt_insn_length(c + off, n - off);
		if (!len)
			return -1;
		off += len;
	}
	return -1;
}
