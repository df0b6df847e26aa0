// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pystack.bpf.c - deep Python stacks (PMT_STACK_DEPTH frames), walked
 * with bpf_loop() so the verifier checks one step, not every depth.
 */
#include "pmtrace.bpf.h"
#include "pystack.bpf.h"

/* Frames kept per stack (--trace-depth), at most PMT_STACK_DEPTH; 0: no stacks. */
__u32 pmt_stack_depth = PMT_STACK_DEPTH;

struct walk {
	struct pmt_pystack *st;
	__u64 fr;
	__u32 n;
	__u32 skipped;
	__u32 max;
	bool bad;
};

static long walk_step(__u32 i, void *data)
{
	const struct pmt_pywalk_cfg *c = &pmt_pywalk;
	struct walk *w = data;
	struct pmt_pystack *st = w->st;
	__u64 fr = w->fr, co, p = 0;

	if (!fr || w->bad)
		return 1;
	if (c->owner_cstack != PMT_PYOFF_NONE_U32 && c->frame_owner != PMT_PYOFF_NONE_U32) {
		__u8 owner = 0;

		if (bpf_probe_read_user(&owner, 1, (void *)(fr + c->frame_owner))) {
			w->bad = true;
			return 1;
		}
		if (owner == c->owner_cstack) {
			if (++w->skipped > PMT_PY_MAX_SKIP * 4)
				return 1;
			w->fr = py_ptr(fr, c->frame_previous, &w->bad);
			return 0; /* a shim frame between C and Python */
		}
	}
	co = py_ptr(fr, c->frame_code, &w->bad);
	if (c->pos_is_ptr) {
		p = py_ptr(fr, c->frame_pos, &w->bad);
	} else {
		__s32 lasti = 0;

		if (bpf_probe_read_user(&lasti, sizeof(lasti), (void *)(fr + c->frame_pos)))
			w->bad = true;
		p = (__u64)(__s64)lasti;
	}
	if (w->bad)
		return 1;
	if (w->n >= PMT_STACK_DEPTH || w->n >= w->max) {
		st->flags |= PMT_PYF_TRUNCATED;
		return 1;
	}
	st->code[w->n & (PMT_STACK_DEPTH - 1)] = co;
	st->pos[w->n & (PMT_STACK_DEPTH - 1)] = p;
	w->n++;
	w->fr = py_ptr(fr, c->frame_previous, &w->bad);
	return 0;
}

static long hash_step(__u32 i, void *data)
{
	struct walk *w = data;
	struct pmt_pystack *st = w->st;

	if (i >= w->n)
		return 1;
	w->fr = (w->fr ^ st->code[i & (PMT_STACK_DEPTH - 1)]) * 0x100000001b3ULL;
	w->fr = (w->fr ^ st->pos[i & (PMT_STACK_DEPTH - 1)]) * 0x100000001b3ULL;
	return 0;
}

static __always_inline __u64 stack_id(__u32 max)
{
	struct walk w = {};
	__u32 zero = 0;
	__u64 ts, h;

	w.st = bpf_map_lookup_elem(&pmt_stack_scratch, &zero);
	if (!w.st)
		return 0;
	w.st->flags = 0;
	w.st->depth = 0;
	w.max = max;
	if (!pmt_pywalk.interp_addr || !max)
		return 0;
	ts = py_tstate(&pmt_pywalk, &w.bad);
	if (!ts) {
		w.st->flags |= w.bad ? PMT_PYF_FAULT : PMT_PYF_NO_THREAD;
		return 0;
	}
	w.fr = py_ptr(ts, pmt_pywalk.tstate_frame, &w.bad);
	if (pmt_pywalk.cframe_current != PMT_PYOFF_NONE_U32 && w.fr)
		w.fr = py_ptr(w.fr, pmt_pywalk.cframe_current, &w.bad);
	bpf_loop(PMT_STACK_DEPTH + PMT_PY_MAX_SKIP * 4 + 1, walk_step, &w, 0);
	if (w.bad)
		w.st->flags |= PMT_PYF_FAULT;
	w.st->depth = w.n;
	if (!w.n)
		return 0;
	w.fr = 0xcbf29ce484222325ULL;
	bpf_loop(PMT_STACK_DEPTH, hash_step, &w, 0);
	h = (w.fr ^ ((__u64)w.st->flags << 32 | w.n)) * 0x100000001b3ULL;
	if (!h)
		h = 1;
	if (bpf_map_update_elem(&pmt_pystacks, &h, w.st, BPF_NOEXIST) == -7 /* -E2BIG: full */)
		__sync_fetch_and_add(&pmt_stacks_dropped, 1);
	return h;
}

__noinline __u64 py_stack_id(void)
{
	return stack_id(pmt_stack_depth);
}

__noinline __u64 py_stack_id_top(void)
{
	return stack_id(1);
}
