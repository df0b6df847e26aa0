// SPDX-License-Identifier: BSD-2-Clause
/*
 * x86_sites.c - allocator tables, function entries and inlined allocator
 * copies in x86-64 machine code, decoded with Capstone.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <string.h>

#include "pmtrace/events.h"
#include "pmtrace/insn.h"
#include "pmtrace/x86_sites.h"

#define MAX_WRAPPER_INSNS 48
#define MAX_PATH_INSNS 24
#define MAX_JUMPS 4
#define NGPR 15 /* pt_regs words r15 ... rdi */
#define PT_RSI 13
#define PT_RDX 12
#define PT_RDI 14

static csh g_cs;
static int g_cs_state; /* 0 not tried, 1 open, -1 failed */

static csh cs(void)
{
	if (!g_cs_state) {
		g_cs_state = cs_open(CS_ARCH_X86, CS_MODE_64, &g_cs) == CS_ERR_OK ? 1 : -1;
		if (g_cs_state > 0)
			cs_option(g_cs, CS_OPT_DETAIL, CS_OPT_ON);
	}
	return g_cs_state > 0 ? g_cs : 0;
}

/* Capstone register -> struct pt_regs word index; -1 for others. */
static int gpr(x86_reg r, bool *is32)
{
	static const struct { x86_reg r64, r32; int idx; } map[] = {
		{ X86_REG_R15, X86_REG_R15D, 0 }, { X86_REG_R14, X86_REG_R14D, 1 },
		{ X86_REG_R13, X86_REG_R13D, 2 }, { X86_REG_R12, X86_REG_R12D, 3 },
		{ X86_REG_RBP, X86_REG_EBP, 4 },  { X86_REG_RBX, X86_REG_EBX, 5 },
		{ X86_REG_R11, X86_REG_R11D, 6 }, { X86_REG_R10, X86_REG_R10D, 7 },
		{ X86_REG_R9, X86_REG_R9D, 8 },   { X86_REG_R8, X86_REG_R8D, 9 },
		{ X86_REG_RAX, X86_REG_EAX, 10 }, { X86_REG_RCX, X86_REG_ECX, 11 },
		{ X86_REG_RDX, X86_REG_EDX, 12 }, { X86_REG_RSI, X86_REG_ESI, 13 },
		{ X86_REG_RDI, X86_REG_EDI, 14 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (r == map[i].r64 || r == map[i].r32) {
			if (is32)
				*is32 = r == map[i].r32;
			return map[i].idx;
		}
	}
	return -1;
}

/* The pt_regs index of any width of a register (al, ax, eax, rax...). */
static int gpr_any(x86_reg r)
{
	static const struct { x86_reg a, b; int idx; } part[] = {
		{ X86_REG_AL, X86_REG_AX, 10 },	  { X86_REG_CL, X86_REG_CX, 11 },
		{ X86_REG_DL, X86_REG_DX, 12 },	  { X86_REG_SIL, X86_REG_SI, 13 },
		{ X86_REG_DIL, X86_REG_DI, 14 },  { X86_REG_BL, X86_REG_BX, 5 },
		{ X86_REG_BPL, X86_REG_BP, 4 },	  { X86_REG_R8B, X86_REG_R8W, 9 },
		{ X86_REG_R9B, X86_REG_R9W, 8 },  { X86_REG_R10B, X86_REG_R10W, 7 },
		{ X86_REG_R11B, X86_REG_R11W, 6 }, { X86_REG_R12B, X86_REG_R12W, 3 },
		{ X86_REG_R13B, X86_REG_R13W, 2 }, { X86_REG_R14B, X86_REG_R14W, 1 },
		{ X86_REG_R15B, X86_REG_R15W, 0 },
	};
	size_t i;
	int g = gpr(r, NULL);

	if (g >= 0)
		return g;
	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		if (r == part[i].a || r == part[i].b)
			return part[i].idx;
	return -1;
}

static bool writes_sp(csh h, const cs_insn *in)
{
	cs_regs rr, ww;
	uint8_t nr, nw, i;

	if (cs_regs_access(h, in, rr, &nr, ww, &nw))
		return true;
	for (i = 0; i < nw; i++)
		if (ww[i] == X86_REG_RSP || ww[i] == X86_REG_ESP || ww[i] == X86_REG_SP)
			return true;
	return false;
}

/* Mark every general register @in writes as @fn says (callback per index). */
static int written_gprs(csh h, const cs_insn *in, int *out, int max)
{
	cs_regs rr, ww;
	uint8_t nr, nw, i;
	int n = 0;

	if (cs_regs_access(h, in, rr, &nr, ww, &nw))
		return -1;
	for (i = 0; i < nw && n < max; i++) {
		int g = gpr_any((x86_reg)ww[i]);

		if (g >= 0)
			out[n++] = g;
	}
	return n;
}

static bool is_jcc(unsigned id)
{
	switch (id) {
	case X86_INS_JAE: case X86_INS_JA: case X86_INS_JBE: case X86_INS_JB:
	case X86_INS_JE: case X86_INS_JGE: case X86_INS_JG: case X86_INS_JLE:
	case X86_INS_JL: case X86_INS_JNE: case X86_INS_JNO: case X86_INS_JNP:
	case X86_INS_JNS: case X86_INS_JO: case X86_INS_JP: case X86_INS_JS:
		return true;
	default:
		return false;
	}
}

/* ---- the wrapper's table slot ---------------------------------------------- */

struct loaded {
	bool known;
	struct pmt_slot_ref src; /* the register holds the 8 bytes at src */
};

/* The slot a memory operand names, given what registers hold. */
static bool mem_slot(const cs_insn *in, const cs_x86_op *op, const struct loaded *st,
		     struct pmt_slot_ref *out)
{
	int b;

	if (op->type != X86_OP_MEM || op->mem.index != X86_REG_INVALID)
		return false;
	if (op->mem.base == X86_REG_RIP) {
		out->addr = in->address + in->size + (uint64_t)op->mem.disp;
		out->off = 0;
		out->deref = false;
		return true;
	}
	b = gpr(op->mem.base, NULL);
	if (b < 0 || !st[b].known || st[b].src.deref || st[b].src.off)
		return false;
	/* The register holds a pointer read from a static slot (a GOT entry). */
	out->addr = st[b].src.addr;
	out->off = op->mem.disp;
	out->deref = true;
	return true;
}

int pmt_x86_wrapper_slot(const uint8_t *code, size_t n, uint64_t addr, struct pmt_slot_ref *out)
{
	csh h = cs();
	struct loaded st[NGPR] = {};
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = n;
	cs_insn *in;
	int k, rc = -ENOENT;

	if (!h)
		return -ENOMEM;
	in = cs_malloc(h);
	if (!in)
		return -ENOMEM;
	for (k = 0; k < MAX_WRAPPER_INSNS && cs_disasm_iter(h, &p, &left, &a, in); k++) {
		cs_x86 *x = &in->detail->x86;
		int w[8], nw, i, d;

		if (in->id == X86_INS_RET)
			break;
		if ((in->id == X86_INS_JMP || in->id == X86_INS_CALL) && x->op_count == 1) {
			if (mem_slot(in, &x->operands[0], st, out)) {
				rc = 0;
				break;
			}
			if (x->operands[0].type == X86_OP_REG &&
			    (d = gpr(x->operands[0].reg, NULL)) >= 0 && st[d].known) {
				*out = st[d].src;
				rc = 0;
				break;
			}
		}
		if (in->id == X86_INS_CMP && x->op_count == 2 && x->operands[1].type == X86_OP_IMM) {
			if (x->operands[0].type == X86_OP_REG &&
			    (d = gpr(x->operands[0].reg, NULL)) >= 0 && st[d].known) {
				*out = st[d].src;
				rc = 0;
				break;
			}
			if (x->operands[0].type == X86_OP_MEM && x->operands[0].size == 8 &&
			    mem_slot(in, &x->operands[0], st, out)) {
				rc = 0;
				break;
			}
		}
		if (in->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		    x->operands[1].type == X86_OP_MEM && x->operands[1].size == 8 &&
		    (d = gpr(x->operands[0].reg, NULL)) >= 0) {
			struct pmt_slot_ref s;

			if (mem_slot(in, &x->operands[1], st, &s)) {
				st[d].known = true;
				st[d].src = s;
				continue;
			}
		}
		nw = written_gprs(h, in, w, 8);
		for (i = 0; i < nw; i++)
			st[w[i]].known = false;
	}
	cs_free(in, 1);
	return rc;
}

int pmt_x86_usedpools(const uint8_t *code, size_t n, uint64_t addr, uint64_t *out)
{
	csh h = cs();
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = n;
	cs_insn *in;
	int k, rc = -ENOENT;

	if (!h)
		return -ENOMEM;
	in = cs_malloc(h);
	if (!in)
		return -ENOMEM;
	for (k = 0; k < MAX_WRAPPER_INSNS && cs_disasm_iter(h, &p, &left, &a, in); k++) {
		cs_x86 *x = &in->detail->x86;
		const cs_x86_op *m = &x->operands[1];

		if (in->id == X86_INS_RET)
			break;
		if (in->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		    m->type == X86_OP_MEM && m->size == 8 && m->mem.base == X86_REG_INVALID &&
		    m->mem.index != X86_REG_INVALID && m->mem.scale == 8 && m->mem.disp > 0) {
			*out = (uint64_t)m->mem.disp;
			rc = 0;
			break;
		}
	}
	cs_free(in, 1);
	return rc;
}

int pmt_x86_global_loads(const uint8_t *code, size_t n, uint64_t addr, struct pmt_x86_load *out,
			 int max)
{
	csh h = cs();
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = n;
	cs_insn *in;
	int k, nout = 0;

	if (!h)
		return -ENOMEM;
	in = cs_malloc(h);
	if (!in)
		return -ENOMEM;
	for (k = 0; k < MAX_WRAPPER_INSNS && nout < max && cs_disasm_iter(h, &p, &left, &a, in);
	     k++) {
		cs_x86 *x = &in->detail->x86;
		const cs_x86_op *m = &x->operands[1];

		if (in->id == X86_INS_RET)
			break;
		if (in->id != X86_INS_MOV || x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
		    m->type != X86_OP_MEM || m->mem.index != X86_REG_INVALID ||
		    m->mem.segment != X86_REG_INVALID)
			continue;
		if (m->mem.base == X86_REG_RIP)
			out[nout].addr = in->address + in->size + (uint64_t)m->mem.disp;
		else if (m->mem.base == X86_REG_INVALID && m->mem.disp > 0)
			out[nout].addr = (uint64_t)m->mem.disp;
		else
			continue;
		out[nout++].size = m->size;
	}
	cs_free(in, 1);
	return nout;
}

/* ---- where a function's probe goes ----------------------------------------- */

/*
 * Bytes @in moves the stack pointer down by: a push, or a subtraction of a
 * constant. False for any other write to it (its effect is not followed).
 */
static bool sp_moves(const cs_insn *in, uint32_t *down)
{
	const cs_x86 *x = &in->detail->x86;

	if (in->id == X86_INS_PUSH) {
		*down = x->op_count == 1 && x->operands[0].size == 2 ? 2 : 8;
		return true;
	}
	if (in->id == X86_INS_SUB && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	    x->operands[0].reg == X86_REG_RSP && x->operands[1].type == X86_OP_IMM &&
	    x->operands[1].imm >= 0 && x->operands[1].imm < 4096) {
		*down = (uint32_t)x->operands[1].imm;
		return true;
	}
	return false;
}

int pmt_x86_entry_probe_regs(const uint8_t *code, size_t n, uint64_t addr, uint32_t arg_regs,
			     uint32_t max_sp, struct pmt_entry_probe *out)
{
	csh h = cs();
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = n;
	uint32_t sp = 0, down;
	cs_insn *in;
	int k, rc = -ENOENT, max_insns = max_sp ? 16 : 8;

	if (!h)
		return -ENOMEM;
	in = cs_malloc(h);
	if (!in)
		return -ENOMEM;
	for (k = 0; k < max_insns; k++) {
		struct pmt_insn pi;
		uint64_t at = a;
		int w[8], nw, i;
		bool stop = false;

		pmt_insn_decode(p, left, &pi);
		if (!cs_disasm_iter(h, &p, &left, &a, in))
			break;
		out->addr = at;
		out->sp_delta = sp;
		rc = 0;
		if (pi.emulated && pi.kind != PMT_INSN_NOP5) {
			out->emulated = true;
			break;
		}
		out->emulated = false; /* no cheaper place before the frame changes */
		nw = written_gprs(h, in, w, 8);
		for (i = 0; i < nw; i++)
			if (w[i] >= 0 && w[i] < 32 && (arg_regs & (1u << w[i])))
				stop = true;
		if (stop || nw < 0 || in->id == X86_INS_RET || in->id == X86_INS_JMP ||
		    in->id == X86_INS_CALL || is_jcc(in->id) || k == max_insns - 1)
			break;
		if (writes_sp(h, in)) {
			if (!sp_moves(in, &down) || sp + down > max_sp)
				break;
			sp += down;
		}
	}
	cs_free(in, 1);
	return rc;
}

int pmt_x86_entry_probe(const uint8_t *code, size_t n, uint64_t addr, uint64_t *probe,
			bool *emulated)
{
	struct pmt_entry_probe ep;
	int rc = pmt_x86_entry_probe_regs(code, n, addr,
					  1u << PT_RDI | 1u << PT_RSI | 1u << PT_RDX, 0, &ep);

	if (!rc) {
		*probe = ep.addr;
		*emulated = ep.emulated;
	}
	return rc;
}

bool pmt_x86_jumps_to(const uint8_t *code, size_t n, uint64_t addr, uint64_t target)
{
	csh h = cs();
	const uint8_t *p = code;
	uint64_t a = addr;
	size_t left = n;
	cs_insn *in;
	bool hit = false;

	if (!h)
		return true; /* cannot tell: assume the worst */
	in = cs_malloc(h);
	if (!in)
		return true;
	while (left && !hit) {
		if (!cs_disasm_iter(h, &p, &left, &a, in)) {
			/* data or padding: skip a byte and go on */
			p++;
			a++;
			left--;
			continue;
		}
		if ((in->id == X86_INS_JMP || in->id == X86_INS_CALL || is_jcc(in->id)) &&
		    in->detail->x86.op_count == 1 && in->detail->x86.operands[0].type == X86_OP_IMM &&
		    (uint64_t)in->detail->x86.operands[0].imm == target)
			hit = true;
	}
	cs_free(in, 1);
	return hit;
}

/* ---- inlined copies ---------------------------------------------------------- */

size_t pmt_x86_find_cmps(const uint8_t *text, size_t n, uint64_t text_addr, uint32_t imm,
			 uint64_t *out, size_t max)
{
	csh h = cs();
	uint8_t pat[4] = { imm & 0xff, (imm >> 8) & 0xff, (imm >> 16) & 0xff, imm >> 24 };
	size_t i, found = 0;
	uint64_t last = 0;
	cs_insn *in;

	if (!h || n < 4)
		return 0;
	in = cs_malloc(h);
	if (!in)
		return 0;
	for (i = 2; i + 4 <= n && found < max; i++) {
		size_t s;

		if (memcmp(text + i, pat, 4))
			continue;
		for (s = 2; s <= 11 && s <= i; s++) {
			const uint8_t *p = text + i - s;
			uint64_t a = text_addr + i - s;
			size_t left = s + 4;
			cs_x86 *x;

			if (!cs_disasm_iter(h, &p, &left, &a, in) || in->id != X86_INS_CMP ||
			    in->size != s + 4)
				continue;
			x = &in->detail->x86;
			if (x->op_count != 2 || x->operands[1].type != X86_OP_IMM ||
			    (uint64_t)x->operands[1].imm != imm)
				continue;
			if (in->address != last)
				out[found++] = in->address;
			last = in->address;
			break;
		}
	}
	cs_free(in, 1);
	return found;
}

/* What a register holds, in terms of the registers at the branch. */
struct val {
	int kind; /* 0 unknown, 1 register at the branch + off, 2 constant */
	uint8_t reg;
	bool mask32;
	int64_t off;
};

static void set_from(struct val *dst, const struct val *src, bool is32)
{
	*dst = *src;
	if (is32)
		dst->mask32 = true;
}

static bool in_text(uint64_t a, uint64_t text_addr, size_t n)
{
	return a >= text_addr && a < text_addr + n;
}

int pmt_x86_inline_site(const uint8_t *text, size_t n, uint64_t text_addr, uint64_t cmp_addr,
			uint64_t fn, int nargs, struct pmt_inline_site *out)
{
	csh h = cs();
	struct val st[NGPR];
	uint64_t a, inline_start, indirect_start, jcc_target;
	const uint8_t *p;
	size_t left;
	cs_insn *in;
	cs_x86 *x;
	int k, jumps = 0, i, rc = PMT_INLINE_ARGS_UNKNOWN;
	bool jne;

	if (!h || !in_text(cmp_addr, text_addr, n))
		return PMT_INLINE_BAD;
	in = cs_malloc(h);
	if (!in)
		return PMT_INLINE_BAD;
	memset(out, 0, sizeof(*out));
	/* The comparison. */
	a = cmp_addr;
	p = text + (cmp_addr - text_addr);
	left = n - (cmp_addr - text_addr);
	if (!cs_disasm_iter(h, &p, &left, &a, in) || in->id != X86_INS_CMP) {
		rc = PMT_INLINE_BAD;
		goto out;
	}
	x = &in->detail->x86;
	if (x->operands[0].type == X86_OP_REG && gpr(x->operands[0].reg, NULL) >= 0) {
		out->check_reg = (uint8_t)gpr(x->operands[0].reg, NULL);
	} else if (x->operands[0].type == X86_OP_MEM && x->operands[0].mem.base == X86_REG_RIP &&
		   x->operands[0].mem.index == X86_REG_INVALID) {
		out->check_reg = PMT_REG_MEM;
		out->check_addr = in->address + in->size + (uint64_t)x->operands[0].mem.disp;
	} else {
		rc = PMT_INLINE_BAD;
		goto out;
	}
	/* The branch. */
	if (!cs_disasm_iter(h, &p, &left, &a, in) ||
	    (in->id != X86_INS_JNE && in->id != X86_INS_JE) ||
	    in->detail->x86.operands[0].type != X86_OP_IMM) {
		rc = PMT_INLINE_NOT_BRANCH;
		goto out;
	}
	out->branch = in->address;
	jne = in->id == X86_INS_JNE;
	jcc_target = (uint64_t)in->detail->x86.operands[0].imm;
	inline_start = jne ? in->address + in->size : jcc_target;
	indirect_start = jne ? jcc_target : in->address + in->size;
	if (!in_text(inline_start, text_addr, n) || !in_text(indirect_start, text_addr, n)) {
		rc = PMT_INLINE_NOT_BRANCH;
		goto out;
	}
	/* A path that calls the function itself is a direct call, not a copy. */
	a = inline_start;
	p = text + (a - text_addr);
	left = n - (a - text_addr);
	for (k = 0; k < 4 && cs_disasm_iter(h, &p, &left, &a, in); k++) {
		x = &in->detail->x86;
		if ((in->id == X86_INS_CALL || in->id == X86_INS_JMP) && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM && (uint64_t)x->operands[0].imm == fn) {
			rc = PMT_INLINE_DIRECT_CALL;
			goto out;
		}
		if (in->id == X86_INS_RET || in->id == X86_INS_CALL || in->id == X86_INS_JMP)
			break;
	}
	/* The indirect path: how it sets up the call's arguments. */
	for (i = 0; i < NGPR; i++) {
		st[i].kind = 1;
		st[i].reg = (uint8_t)i;
		st[i].mask32 = false;
		st[i].off = 0;
	}
	a = indirect_start;
	p = text + (a - text_addr);
	left = n - (a - text_addr);
	for (k = 0; k < MAX_PATH_INSNS && cs_disasm_iter(h, &p, &left, &a, in); k++) {
		int w[8], nw, d, s;
		bool d32 = false, s32 = false;

		x = &in->detail->x86;
		if ((in->id == X86_INS_CALL || in->id == X86_INS_JMP) && x->op_count == 1 &&
		    x->operands[0].type != X86_OP_IMM) {
			const int want[2] = { PT_RSI, PT_RDX };

			for (i = 0; i < nargs && i < 2; i++) {
				const struct val *v = &st[want[i]];

				if (!v->kind)
					goto out;
				out->arg[i].reg = v->kind == 2 ? PMT_REG_NONE : v->reg;
				out->arg[i].off = v->off;
				out->arg[i].mask32 = v->mask32;
			}
			rc = PMT_INLINE_OK;
			goto out;
		}
		if (in->id == X86_INS_JMP && x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
			uint64_t t = (uint64_t)x->operands[0].imm;

			if (++jumps > MAX_JUMPS || !in_text(t, text_addr, n))
				goto out;
			a = t;
			p = text + (t - text_addr);
			left = n - (t - text_addr);
			continue;
		}
		if (in->id == X86_INS_RET || in->id == X86_INS_CALL)
			goto out; /* not the set-up of the call we follow */
		if (is_jcc(in->id))
			continue; /* the fall-through path is the usual one */
		if (x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		    (d = gpr(x->operands[0].reg, &d32)) >= 0) {
			const cs_x86_op *o = &x->operands[1];

			if (in->id == X86_INS_MOV && o->type == X86_OP_REG &&
			    (s = gpr(o->reg, &s32)) >= 0) {
				set_from(&st[d], &st[s], d32 || s32);
				continue;
			}
			if (in->id == X86_INS_MOV && o->type == X86_OP_IMM) {
				st[d].kind = 2;
				st[d].off = d32 ? (int64_t)(uint32_t)o->imm : o->imm;
				st[d].mask32 = false;
				continue;
			}
			if (in->id == X86_INS_LEA && o->type == X86_OP_MEM &&
			    o->mem.index == X86_REG_INVALID && o->mem.base != X86_REG_RIP &&
			    (s = gpr(o->mem.base, &s32)) >= 0 && st[s].kind) {
				struct val v = st[s];

				v.off += o->mem.disp;
				set_from(&st[d], &v, d32);
				continue;
			}
			if (in->id == X86_INS_XOR && o->type == X86_OP_REG && o->reg == x->operands[0].reg) {
				st[d].kind = 2;
				st[d].off = 0;
				st[d].mask32 = false;
				continue;
			}
		}
		nw = written_gprs(h, in, w, 8);
		if (nw < 0)
			goto out;
		for (i = 0; i < nw; i++)
			st[w[i]].kind = 0;
	}
out:
	cs_free(in, 1);
	return rc;
}
