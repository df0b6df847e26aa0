/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pystack.bpf.h - the current thread's Python frames, read in BPF.
 *
 * From the main interpreter to this thread's PyThreadState (matched by
 * kernel tid from 3.11, by pthread_t == %fs base before), then along the
 * frame chain, recording each frame's code object and position; userspace
 * turns those into function, file and line (user/cpython/pystack.c). Every read
 * goes through bpf_probe_read_user, so a frame changing underneath or an
 * unmapped page makes a partial stack (PMT_PYF_FAULT), never a fault in
 * the game. Loops are bounded.
 */
#ifndef PMTRACE_PYSTACK_BPF_H
#define PMTRACE_PYSTACK_BPF_H

#include "pmtrace.bpf.h"

#define PMT_PY_MAX_THREADS 32
#define PMT_PY_MAX_SKIP 8 /* shim frames skipped at most */

static __always_inline __u64 py_ptr(__u64 base, __u32 off, bool *bad)
{
	__u64 v = 0;

	if (off == PMT_PYOFF_NONE_U32 || bpf_probe_read_user(&v, sizeof(v), (void *)(base + off)))
		*bad = true;
	return v;
}

/* Find this thread's PyThreadState; 0 when it has none. */
static __always_inline __u64 py_tstate(const struct pmt_pywalk_cfg *c, bool *bad)
{
	__u64 ts, want;
	__u32 idoff;
	int i;

	if (c->tstate_native_tid != PMT_PYOFF_NONE_U32) {
		want = (__u32)bpf_get_current_pid_tgid();
		idoff = c->tstate_native_tid;
	} else {
		struct task_struct *task = bpf_get_current_task_btf();

		want = BPF_CORE_READ(task, thread.fsbase);
		idoff = c->tstate_thread_id;
	}
	ts = py_ptr(c->interp_addr, c->threads_head, bad);
	for (i = 0; i < PMT_PY_MAX_THREADS && ts && !*bad; i++) {
		__u64 id = py_ptr(ts, idoff, bad);

		if (!*bad && (c->tstate_native_tid != PMT_PYOFF_NONE_U32 ? (__u32)id == (__u32)want :
									     id == want))
			return ts;
		ts = py_ptr(ts, c->tstate_next, bad);
	}
	return 0;
}

/*
 * Fill code/pos with up to @max frames (a power of two, a constant at each
 * call site); returns the count.
 */
static __always_inline __u32 py_walk_max(const struct pmt_pywalk_cfg *c, __u64 *code, __u64 *pos,
					 __u32 *flags, const __u32 max)
{
	bool bad = false;
	__u64 ts, fr;
	__u32 n = 0;
	int i;

	if (!c->interp_addr)
		return 0;
	ts = py_tstate(c, &bad);
	if (!ts) {
		*flags |= bad ? PMT_PYF_FAULT : PMT_PYF_NO_THREAD;
		return 0;
	}
	fr = py_ptr(ts, c->tstate_frame, &bad);
	if (c->cframe_current != PMT_PYOFF_NONE_U32 && fr)
		fr = py_ptr(fr, c->cframe_current, &bad);
	for (i = 0; i < max + PMT_PY_MAX_SKIP && fr && !bad; i++) {
		__u64 co, p = 0;

		if (c->owner_cstack != PMT_PYOFF_NONE_U32 && c->frame_owner != PMT_PYOFF_NONE_U32) {
			__u8 owner = 0;

			if (bpf_probe_read_user(&owner, 1, (void *)(fr + c->frame_owner)))
				bad = true;
			if (owner == c->owner_cstack) {
				fr = py_ptr(fr, c->frame_previous, &bad);
				continue; /* a shim frame between C and Python */
			}
		}
		co = py_ptr(fr, c->frame_code, &bad);
		if (c->pos_is_ptr) {
			p = py_ptr(fr, c->frame_pos, &bad);
		} else {
			__s32 lasti = 0;

			if (bpf_probe_read_user(&lasti, sizeof(lasti), (void *)(fr + c->frame_pos)))
				bad = true;
			p = (__u64)(__s64)lasti;
		}
		if (bad)
			break;
		if (n >= max) {
			*flags |= PMT_PYF_TRUNCATED;
			break;
		}
		code[n & (max - 1)] = co;
		pos[n & (max - 1)] = p;
		n++;
		fr = py_ptr(fr, c->frame_previous, &bad);
	}
	if (bad)
		*flags |= PMT_PYF_FAULT;
	return n;
}

static __always_inline __u32 py_walk(const struct pmt_pywalk_cfg *c, __u64 *code, __u64 *pos,
				     __u32 *flags)
{
	return py_walk_max(c, code, pos, flags, PMT_PY_DEPTH);
}

/*
 * The current thread's Python stack, up to PMT_STACK_DEPTH frames, stored
 * in pmt_pystacks under its hash (FNV-1a over frames and flags), which is
 * returned; 0 when no Python frame is current (native code only). The
 * scratch copy (pmt_stack_scratch) keeps the walk's flags for the caller.
 * A global function (pystack.bpf.c): verified once, not at every caller.
 */
__u64 py_stack_id(void);

/* The same with the innermost frame only: where a call was made. */
__u64 py_stack_id_top(void);

#endif
