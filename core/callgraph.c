// SPDX-License-Identifier: BSD-2-Clause
/*
 * callgraph.c - control-flow walks of x86-64 functions (see callgraph.h).
 *
 * The walk follows every branch of a function (jcc both ways, direct and
 * resolvable indirect jumps) depth first, carrying a tiny register state:
 * a 64-bit general register is "known" after a load of a constant address
 * (lea), a load from a known address (mov from rip-relative or known+disp
 * memory, read through the callback) or a copy of a known register, and
 * unknown after anything else writes it (calls clobber the caller-saved
 * ones). An indirect call or jump through a known register or a known
 * address is followed. Each path keeps its own state; an instruction is
 * walked once (the first state that reaches it wins).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "pmtrace/callgraph.h"

#define CHUNK 256
#define CACHE_CHUNKS 8
#define FWD_MAX_INSNS 12
#define STACK_MAX 4096

/* ---- address sets (open addressing) ---------------------------------------- */

void pmt_addr_set_free(struct pmt_addr_set *s)
{
	if (!s)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static size_t slot_of(uint64_t a, size_t cap)
{
	a ^= a >> 29;
	a *= 0xbf58476d1ce4e5b9ULL;
	a ^= a >> 32;
	return (size_t)a & (cap - 1);
}

/* Address 0 marks an empty slot: whether the set holds it is has_zero. */
static int grow(struct pmt_addr_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64, i;
	uint64_t *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		size_t k;

		if (!s->v[i])
			continue;
		for (k = slot_of(s->v[i], cap); v[k]; k = (k + 1) & (cap - 1))
			;
		v[k] = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

int pmt_addr_set_add(struct pmt_addr_set *s, uint64_t a)
{
	size_t k;

	if (!a) {
		if (!s->has_zero)
			s->n++;
		s->has_zero = true;
		return 0;
	}
	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	for (k = slot_of(a, s->cap); s->v[k]; k = (k + 1) & (s->cap - 1))
		if (s->v[k] == a)
			return 0;
	s->v[k] = a;
	s->n++;
	return 0;
}

bool pmt_addr_set_has(const struct pmt_addr_set *s, uint64_t a)
{
	size_t k;

	if (!a)
		return s->has_zero;
	if (!s->cap)
		return false;
	for (k = slot_of(a, s->cap); s->v[k]; k = (k + 1) & (s->cap - 1))
		if (s->v[k] == a)
			return true;
	return false;
}

/* ---- code reading ------------------------------------------------------------ */

struct chunk {
	uint64_t base;
	size_t len; /* 0: empty */
	uint8_t b[CHUNK];
};

struct reader {
	const struct pmt_cg_io *io;
	struct chunk c[CACHE_CHUNKS];
	unsigned next;
};

/* Up to 16 bytes of code at @a into @out; returns how many (0: unreadable). */
static size_t code_at(struct reader *r, uint64_t a, uint8_t *out)
{
	uint64_t base = a & ~(uint64_t)(CHUNK - 1);
	size_t got = 0;
	int i;

	while (got < 16) {
		struct chunk *c = NULL;
		uint64_t cur = a + got;
		size_t off, n;

		base = cur & ~(uint64_t)(CHUNK - 1);
		for (i = 0; i < CACHE_CHUNKS; i++)
			if (r->c[i].len && r->c[i].base == base)
				c = &r->c[i];
		if (!c) {
			c = &r->c[r->next++ % CACHE_CHUNKS];
			c->len = 0;
			if (r->io->read(r->io->ctx, base, c->b, CHUNK)) {
				/* The end of a mapping: try the first half alone. */
				if (r->io->read(r->io->ctx, base, c->b, CHUNK / 2))
					break;
				c->len = CHUNK / 2;
			} else {
				c->len = CHUNK;
			}
			c->base = base;
		}
		off = (size_t)(cur - base);
		if (off >= c->len)
			break;
		n = c->len - off;
		if (n > 16 - got)
			n = 16 - got;
		memcpy(out + got, c->b + off, n);
		got += n;
	}
	return got;
}

static int read_u64(const struct pmt_cg_io *io, uint64_t a, uint64_t *v)
{
	return io->read(io->ctx, a, v, sizeof(*v));
}

/* ---- Capstone ------------------------------------------------------------------ */

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

/* General register index 0-15 of a Capstone register, and whether it is
 * the full 64-bit register; -1 for anything else. */
static int gpr(unsigned reg, bool *full)
{
	static const unsigned r64[16] = { X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
					  X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
					  X86_REG_R8,  X86_REG_R9,  X86_REG_R10, X86_REG_R11,
					  X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
	static const unsigned r32[16] = { X86_REG_EAX, X86_REG_ECX,  X86_REG_EDX,  X86_REG_EBX,
					  X86_REG_ESP, X86_REG_EBP,  X86_REG_ESI,  X86_REG_EDI,
					  X86_REG_R8D, X86_REG_R9D,  X86_REG_R10D, X86_REG_R11D,
					  X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
	static const unsigned r16[16] = { X86_REG_AX,  X86_REG_CX,   X86_REG_DX,   X86_REG_BX,
					  X86_REG_SP,  X86_REG_BP,   X86_REG_SI,   X86_REG_DI,
					  X86_REG_R8W, X86_REG_R9W,  X86_REG_R10W, X86_REG_R11W,
					  X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
	static const unsigned r8[16] = { X86_REG_AL,  X86_REG_CL,   X86_REG_DL,   X86_REG_BL,
					 X86_REG_SPL, X86_REG_BPL,  X86_REG_SIL,  X86_REG_DIL,
					 X86_REG_R8B, X86_REG_R9B,  X86_REG_R10B, X86_REG_R11B,
					 X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };
	int i;

	*full = false;
	for (i = 0; i < 16; i++) {
		if (reg == r64[i]) {
			*full = true;
			return i;
		}
		if (reg == r32[i] || reg == r16[i] || reg == r8[i])
			return i;
	}
	if (reg == X86_REG_AH)
		return 0;
	if (reg == X86_REG_CH)
		return 1;
	if (reg == X86_REG_DH)
		return 2;
	if (reg == X86_REG_BH)
		return 3;
	return -1;
}

struct regs {
	uint64_t v[16];
	uint16_t known;
};

static void forget(struct regs *st, unsigned reg)
{
	bool full;
	int g = gpr(reg, &full);

	if (g >= 0)
		st->known &= (uint16_t)~(1u << g);
}

/* The address a memory operand names, when the state knows it. */
static bool mem_addr(const cs_insn *in, const cs_x86_op *op, const struct regs *st, uint64_t *a)
{
	bool full;
	int g;

	if (op->mem.index != X86_REG_INVALID || op->mem.segment != X86_REG_INVALID)
		return false;
	if (op->mem.base == X86_REG_RIP) {
		*a = in->address + in->size + (uint64_t)op->mem.disp;
		return true;
	}
	if (op->mem.base == X86_REG_INVALID) {
		*a = (uint64_t)op->mem.disp;
		return true;
	}
	g = gpr(op->mem.base, &full);
	if (g < 0 || !full || !(st->known & (1u << g)))
		return false;
	*a = st->v[g] + (uint64_t)op->mem.disp;
	return true;
}

/* The target of a call or jmp operand, when known. */
static bool target_of(const struct pmt_cg_io *io, const cs_insn *in, const struct regs *st,
		      uint64_t *to)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *op;
	bool full;
	uint64_t a;
	int g;

	if (x->op_count < 1)
		return false;
	op = &x->operands[0];
	if (op->type == X86_OP_IMM) {
		*to = (uint64_t)op->imm;
		return true;
	}
	if (op->type == X86_OP_REG) {
		g = gpr(op->reg, &full);
		if (g < 0 || !full || !(st->known & (1u << g)))
			return false;
		*to = st->v[g];
		return true;
	}
	if (op->type == X86_OP_MEM && op->size == 8 && mem_addr(in, op, st, &a))
		return !read_u64(io, a, to) && *to;
	return false;
}

/* Update the register state for an instruction that is not a branch. */
static void step(const struct pmt_cg_io *io, csh h, const cs_insn *in, struct regs *st)
{
	const cs_x86 *x = &in->detail->x86;
	cs_regs rr, ww;
	uint8_t nr, nw, i;
	bool full, full2;
	uint64_t a, v;
	int d = -1, s;

	if (x->op_count == 2 && x->operands[0].type == X86_OP_REG) {
		d = gpr(x->operands[0].reg, &full);
		if (d >= 0 && !full)
			d = -1;
	}
	if (d >= 0 && (in->id == X86_INS_MOV || in->id == X86_INS_LEA || in->id == X86_INS_ADD ||
		       in->id == X86_INS_SUB)) {
		const cs_x86_op *src = &x->operands[1];
		bool ok = false;

		if (in->id == X86_INS_LEA && src->type == X86_OP_MEM) {
			ok = mem_addr(in, src, st, &v);
		} else if (in->id == X86_INS_MOV && src->type == X86_OP_MEM && src->size == 8) {
			ok = mem_addr(in, src, st, &a) && !read_u64(io, a, &v);
		} else if (in->id == X86_INS_MOV && src->type == X86_OP_REG) {
			s = gpr(src->reg, &full2);
			ok = s >= 0 && full2 && (st->known & (1u << s));
			if (ok)
				v = st->v[s];
		} else if (in->id == X86_INS_MOV && src->type == X86_OP_IMM) {
			ok = true;
			v = (uint64_t)src->imm;
		} else if ((in->id == X86_INS_ADD || in->id == X86_INS_SUB) &&
			   src->type == X86_OP_IMM && (st->known & (1u << d))) {
			ok = true;
			v = st->v[d] + (in->id == X86_INS_ADD ? (uint64_t)src->imm : -(uint64_t)src->imm);
		}
		if (ok) {
			st->v[d] = v;
			st->known |= (uint16_t)(1u << d);
			return;
		}
	}
	if (cs_regs_access(h, in, rr, &nr, ww, &nw)) {
		st->known = 0;
		return;
	}
	for (i = 0; i < nw; i++)
		forget(st, ww[i]);
}

static void clobber_call(struct regs *st)
{
	/* rax rcx rdx rsi rdi r8-r11 */
	st->known &= (uint16_t) ~((1u << 0) | (1u << 1) | (1u << 2) | (1u << 6) | (1u << 7) |
				  (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11));
}

static bool is_end(unsigned id)
{
	return id == X86_INS_RET || id == X86_INS_RETF || id == X86_INS_HLT || id == X86_INS_UD2 ||
	       id == X86_INS_INT3;
}

/* ---- walks -------------------------------------------------------------------- */

struct path {
	uint64_t at;
	struct regs st;
};

void pmt_cg_body_free(struct pmt_cg_body *b)
{
	if (!b)
		return;
	pmt_addr_set_free(&b->insns);
	pmt_addr_set_free(&b->callees);
	pmt_addr_set_free(&b->rets);
}

int pmt_cg_walk(const struct pmt_cg_io *io, uint64_t entry, size_t max_insns,
		struct pmt_cg_body *out)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct path *stack = malloc(STACK_MAX * sizeof(*stack));
	cs_insn *in = NULL;
	size_t sp = 0, walked = 0;
	csh h = cs();
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->entry = entry;
	if (!h) {
		err = -ENOTSUP;
		goto cleanup;
	}
	if (!r || !stack) {
		err = -ENOMEM;
		goto cleanup;
	}
	in = cs_malloc(h);
	if (!in) {
		err = -ENOMEM;
		goto cleanup;
	}
	r->io = io;
	stack[sp].at = entry;
	memset(&stack[sp].st, 0, sizeof(stack[sp].st));
	sp++;
	while (sp) {
		struct path p = stack[--sp];

		for (;;) {
			uint8_t code[16];
			const uint8_t *c = code;
			size_t n = code_at(r, p.at, code);
			uint64_t a = p.at, to;

			if (!n || pmt_addr_set_has(&out->insns, p.at))
				break;
			if (walked >= max_insns) {
				out->truncated = true;
				sp = 0;
				break;
			}
			if (!cs_disasm_iter(h, &c, &n, &a, in))
				break;
			walked++;
			if (pmt_addr_set_add(&out->insns, p.at)) {
				err = -ENOMEM;
				goto cleanup;
			}
			if (is_end(in->id))
				break;
			if (in->id == X86_INS_CALL) {
				if (target_of(io, in, &p.st, &to)) {
					if (pmt_addr_set_add(&out->callees, to)) {
						err = -ENOMEM;
						goto cleanup;
					}
				} else {
					out->unresolved++;
				}
				if (pmt_addr_set_add(&out->rets, p.at + in->size)) {
					err = -ENOMEM;
					goto cleanup;
				}
				clobber_call(&p.st);
				p.at += in->size;
				continue;
			}
			if (in->id == X86_INS_JMP) {
				if (!target_of(io, in, &p.st, &to)) {
					out->unresolved++;
					break;
				}
				p.at = to; /* a branch inside, or a tail call: walked as one body */
				continue;
			}
			if (cs_insn_group(h, in, CS_GRP_JUMP)) {
				/* Conditional: both ways. */
				if (target_of(io, in, &p.st, &to) && sp < STACK_MAX) {
					stack[sp].at = to;
					stack[sp].st = p.st;
					sp++;
				}
				p.at += in->size;
				continue;
			}
			step(io, h, in, &p.st);
			p.at += in->size;
		}
	}
cleanup:
	if (in)
		cs_free(in, 1);
	free(stack);
	free(r);
	if (err)
		pmt_cg_body_free(out);
	return err;
}

int pmt_cg_forward(const struct pmt_cg_io *io, uint64_t entry, uint64_t *to)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct regs st = { { 0 }, 0 };
	uint64_t at = entry;
	cs_insn *in = NULL;
	csh h = cs();
	int k, err = -ENOENT;

	if (!r || !h)
		goto cleanup;
	in = cs_malloc(h);
	if (!in)
		goto cleanup;
	r->io = io;
	for (k = 0; k < FWD_MAX_INSNS; k++) {
		uint8_t code[16];
		const uint8_t *c = code;
		size_t n = code_at(r, at, code);
		uint64_t a = at;

		if (!n || !cs_disasm_iter(h, &c, &n, &a, in))
			break;
		if (in->id == X86_INS_JMP) {
			if (target_of(io, in, &st, to))
				err = 0;
			break;
		}
		if (in->id == X86_INS_CALL || is_end(in->id) || cs_insn_group(h, in, CS_GRP_JUMP))
			break;
		step(io, h, in, &st);
		at += in->size;
	}
cleanup:
	if (in)
		cs_free(in, 1);
	free(r);
	return err;
}

int pmt_cg_reaches(const struct pmt_cg_io *io, uint64_t entry, const uint64_t *targets,
		   size_t n, unsigned depth, size_t budget, bool *reached)
{
	struct fn {
		uint64_t at;
		unsigned depth;
	} *q = NULL;
	struct pmt_addr_set seen = { 0 };
	size_t head = 0, tail = 0, qcap = 256, i, count = 0;
	int err = 0;

	memset(reached, 0, n * sizeof(*reached));
	q = malloc(qcap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	q[tail++] = (struct fn){ entry, 0 };
	pmt_addr_set_add(&seen, entry);
	while (head < tail && budget > 0) {
		struct fn f = q[head++];
		struct pmt_cg_body b;
		size_t k;

		err = pmt_cg_walk(io, f.at, budget < 2000 ? budget : 2000, &b);
		if (err == -ENOMEM || err == -ENOTSUP)
			break;
		err = 0;
		if (!b.insns.n) {
			pmt_cg_body_free(&b);
			continue;
		}
		budget = budget > b.insns.n ? budget - b.insns.n : 0;
		for (i = 0; i < n; i++) {
			if (reached[i] || targets[i] == entry)
				continue;
			if (pmt_addr_set_has(&b.insns, targets[i]) ||
			    pmt_addr_set_has(&b.callees, targets[i])) {
				reached[i] = true;
				count++;
			}
		}
		for (k = 0; f.depth + 1 <= depth && k < b.callees.cap; k++) {
			uint64_t c = b.callees.v[k], to = c;
			int fw;

			if (!c || pmt_addr_set_has(&seen, c))
				continue;
			/* A PLT stub to an export to a jump-table slot: a target at
			 * the end of the forwarders is reached without reading it. */
			for (fw = 0; fw < 3 && !pmt_cg_forward(io, to, &to); fw++)
				for (i = 0; i < n; i++)
					if (!reached[i] && targets[i] == to && to != entry) {
						reached[i] = true;
						count++;
					}
			if (io->follow && !io->follow(io->ctx, c))
				continue;
			if (pmt_addr_set_add(&seen, c)) {
				err = -ENOMEM;
				break;
			}
			if (tail == qcap) {
				struct fn *nq = realloc(q, 2 * qcap * sizeof(*q));

				if (!nq) {
					err = -ENOMEM;
					break;
				}
				q = nq;
				qcap *= 2;
			}
			q[tail++] = (struct fn){ c, f.depth + 1 };
		}
		pmt_cg_body_free(&b);
		if (err)
			break;
	}
	free(q);
	pmt_addr_set_free(&seen);
	return err ? err : (int)count;
}
