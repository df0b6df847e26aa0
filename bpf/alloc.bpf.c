// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * alloc.bpf.c - trace mode: every allocation and free of chosen frames.
 *
 * Attached only around traced frames (user/run/trace_run.c), through
 * uprobe_multi links: one link for hundreds of probes, removed with one
 * grace period. Probes sit on the entries and returns of the functions the
 * interpreter's allocator tables call, and on the branches where LTO builds
 * chose an inlined copy of the pymalloc fast path (pmt_alloc_site says how
 * to read each one). A per-thread depth keeps a call counted once: an
 * allocator that calls another (a large pymalloc block from the raw
 * allocator, a realloc that frees) counts as the outer call only.
 *
 * Counting happens only while the frame in progress is in the traced range
 * [pmt_trace_from, pmt_trace_to) of marker hits; what a frame allocates is
 * summed in the kernel by Python stack (pmt_trace_sites) and in totals with
 * a size histogram (pmt_trace_tot); addresses of blocks allocated while
 * tracing are kept (pmt_live) so a free finds its size and whether the
 * block lived less than its frame (churn).
 */
#include "pmtrace.bpf.h"
#include "pystack.bpf.h"

#define PMT_SMALL_MAX 512 /* largest pymalloc block */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PMT_ALLOC_SITES);
	__type(key, __u32);
	__type(value, struct pmt_alloc_site);
} pmt_alloc_sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* created at once; filled when used */
	__type(key, struct pmt_trace_site_key);
	__type(value, struct pmt_trace_site_val);
} pmt_trace_sites SEC(".maps");

struct pmt_live_val {
	__u64 seq;
	__u64 size;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* created at once; filled when used */
	__type(key, __u64);
	__type(value, struct pmt_live_val);
} pmt_live SEC(".maps");

/* pymalloc's usedpools in an LTO build (0: unknown): where an inlined
 * fast path takes its block from, read just before it does. */
__u64 pmt_usedpools = 0;

/*
 * The block the inlined pymalloc fast path is about to hand out for @size:
 * the first free block of the size class's first used pool (the pool is
 * its list's head when the class has no pool: a new one is set up, and
 * the address is not known here).
 */
static __always_inline __u64 next_block(__u64 size)
{
	__u64 u = pmt_usedpools, pool = 0, next = 0, bp = 0;

	if (!u || !size || size > PMT_SMALL_MAX)
		return 0;
	if (bpf_probe_read_user(&pool, sizeof(pool), (void *)(u + 16 * ((size - 1) >> 4))) ||
	    !pool || bpf_probe_read_user(&next, sizeof(next), (void *)(pool + 16)) || next == pool ||
	    bpf_probe_read_user(&bp, sizeof(bp), (void *)(pool + 8)))
		return 0;
	return bp;
}

/* Per thread: allocator calls in progress, and what the outermost wants. */
struct pmt_alloc_thread {
	__u32 depth;
	__u32 kind;
	__u64 a, b;
	__u64 stack_id;
	__u64 expect_raw; /* size of a raw allocation a large inlined one makes */
	__u64 last_free;  /* address freed last: a nested raw free of it is the same */
	__u32 flags;
	__u32 counted;    /* the outermost call is inside the traced range */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pmt_alloc_thread);
} pmt_alloc_threads SEC(".maps");

static __always_inline bool tracing(__u64 *seq)
{
	*seq = pmt_cur_seq;
	return *seq >= pmt_trace_from && *seq < pmt_trace_to;
}

static __always_inline __u64 reg_value(struct pt_regs *ctx, __u8 reg, __s64 off)
{
	__u64 v = 0;

	if (reg == PMT_REG_NONE)
		return (__u64)off;
	if (reg >= sizeof(struct pt_regs) / 8)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)ctx + reg * 8);
	return v + (__u64)off;
}

static __always_inline __u32 hist_bin(__u64 size)
{
	__u32 b = 9;
	__u64 v;

	if (size <= PMT_SMALL_MAX)
		return size ? (__u32)((size - 1) >> 4) : 0;
	v = (size - 1) >> 10; /* 513..1024 -> bin 32 */
	b = 0;
	if (v >> 32) { b += 32; v >>= 32; }
	if (v >> 16) { b += 16; v >>= 16; }
	if (v >> 8) { b += 8; v >>= 8; }
	if (v >> 4) { b += 4; v >>= 4; }
	if (v >> 2) { b += 2; v >>= 2; }
	if (v >> 1) { b += 1; v >>= 1; }
	if (v)
		b += 1;
	b += PMT_HIST_SMALL;
	return b < PMT_HIST_BINS ? b : PMT_HIST_BINS - 1;
}

static __always_inline struct pmt_trace_totals *totals(__u64 seq)
{
	__u32 k = seq % PMT_TRACE_RING;
	struct pmt_trace_totals *t = bpf_map_lookup_elem(&pmt_trace_tot, &k);

	return t && t->seq == seq ? t : NULL;
}

static __always_inline void count_free(struct pmt_trace_totals *t, __u64 seq, __u64 ptr)
{
	struct pmt_live_val *lv;

	if (!ptr)
		return;
	__sync_fetch_and_add(&t->frees, 1);
	lv = bpf_map_lookup_elem(&pmt_live, &ptr);
	if (!lv)
		return;
	__sync_fetch_and_add(&t->free_bytes, lv->size);
	if (lv->seq == seq) {
		__sync_fetch_and_add(&t->churn, 1);
		__sync_fetch_and_add(&t->churn_bytes, lv->size);
	}
	bpf_map_delete_elem(&pmt_live, &ptr);
}

static __always_inline void count_alloc(struct pmt_trace_totals *t, __u64 seq, __u64 size,
					__u64 ptr, __u64 stack_id, __u32 flags)
{
	struct pmt_trace_site_key k = { .stack_id = stack_id, .seq = seq };
	struct pmt_trace_site_val *v, nv = { 1, size };
	__u32 bin = hist_bin(size);

	__sync_fetch_and_add(&t->allocs, 1);
	__sync_fetch_and_add(&t->alloc_bytes, size);
	if (bin < PMT_HIST_BINS) {
		__sync_fetch_and_add(&t->hist_count[bin], 1);
		__sync_fetch_and_add(&t->hist_bytes[bin], size);
	}
	if (flags & PMT_ASF_INLINE)
		__sync_fetch_and_add(&t->by_inline, 1);
	if (!stack_id)
		__sync_fetch_and_add(&t->native, 1);
	else if (flags & PMT_PYF_FAULT << 8)
		__sync_fetch_and_add(&t->partial, 1);
	v = bpf_map_lookup_elem(&pmt_trace_sites, &k);
	if (v) {
		__sync_fetch_and_add(&v->allocs, 1);
		__sync_fetch_and_add(&v->bytes, size);
	} else if (bpf_map_update_elem(&pmt_trace_sites, &k, &nv, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&pmt_trace_sites, &k);
		if (v) {
			__sync_fetch_and_add(&v->allocs, 1);
			__sync_fetch_and_add(&v->bytes, size);
		} else {
			__sync_fetch_and_add(&t->sites_full, 1);
		}
	}
	if (ptr) {
		struct pmt_live_val lv = { seq, size };

		if (bpf_map_update_elem(&pmt_live, &ptr, &lv, BPF_ANY))
			__sync_fetch_and_add(&t->live_full, 1);
	} else {
		__sync_fetch_and_add(&t->ptr_unknown, 1);
		__sync_fetch_and_add(&t->ptr_unknown_bytes, size);
	}
}

/* The current Python stack, and whether it is partial (in flags << 8). */
static __always_inline __u64 stack_now(__u32 *flags)
{
	__u64 id = py_stack_id();
	__u32 zero = 0;
	struct pmt_pystack *st = bpf_map_lookup_elem(&pmt_stack_scratch, &zero);

	if (id && st && (st->flags & PMT_PYF_FAULT))
		*flags |= PMT_PYF_FAULT << 8;
	return id;
}

static __always_inline struct pmt_alloc_thread *thread_state(__u32 tid)
{
	struct pmt_alloc_thread *th = bpf_map_lookup_elem(&pmt_alloc_threads, &tid), z = {};

	if (th)
		return th;
	bpf_map_update_elem(&pmt_alloc_threads, &tid, &z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pmt_alloc_threads, &tid);
}

/*
 * A large block from an inlined pymalloc path goes on to the raw allocator
 * (inlined too, or its function): that second step is the same allocation.
 */
static __always_inline bool raw_step_of_large(struct pmt_alloc_thread *th,
					      const struct pmt_alloc_site *s, __u64 size)
{
	__u64 want = th->expect_raw;

	th->expect_raw = 0;
	return want && (s->flags & PMT_ASF_RAW) && want == size;
}

/* Function entries (and inlined sites, which have no return). */
SEC("uprobe")
int BPF_KPROBE(pmt_alloc_enter)
{
	__u32 idx = (__u32)bpf_get_attach_cookie(ctx), tid, fl = 0;
	struct pmt_trace_totals *t = NULL;
	const struct pmt_alloc_site *s;
	struct pmt_alloc_thread *th;
	__u64 seq, a, b, size = 0, t0;
	bool on;

	if (!pmt_is_target())
		return 0;
	t0 = bpf_ktime_get_ns();
	s = bpf_map_lookup_elem(&pmt_alloc_sites, &idx);
	if (!s)
		return 0;
	on = tracing(&seq);
	if (on)
		t = totals(seq);
	if (t)
		__sync_fetch_and_add(&t->hits, 1);
	else if (s->flags & PMT_ASF_INLINE)
		return 0; /* nothing to count, and no call depth to keep */
	if (s->check_reg == PMT_REG_MEM) {
		__u64 v = 0;

		bpf_probe_read_user(&v, sizeof(v), (void *)s->check_addr);
		if (v != s->check_val)
			goto out;
	} else if (s->check_reg != PMT_REG_NONE &&
		   reg_value(ctx, s->check_reg, 0) != s->check_val) {
		goto out; /* the branch goes to the indirect call, probed at its target */
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	th = thread_state(tid);
	if (!th)
		goto out;
	if (th->depth)
		goto nested; /* inside an allocator already counted */
	a = reg_value(ctx, s->a_reg, s->a_off);
	b = reg_value(ctx, s->b_reg, s->b_off);
	if (s->mask32 & 1)
		a &= 0xffffffffULL;
	if (s->mask32 & 2)
		b &= 0xffffffffULL;
	if (s->flags & PMT_ASF_NOSIZE)
		a = b = 0;
	if (s->kind == PMT_AK_MALLOC)
		size = a;
	else if (s->kind == PMT_AK_CALLOC)
		size = a * b;
	else if (s->kind == PMT_AK_REALLOC)
		size = b;
	if (s->kind != PMT_AK_FREE) {
		if (raw_step_of_large(th, s, size))
			goto nested;
		th->last_free = 0;
	} else if (a && a == th->last_free) {
		th->last_free = 0; /* the raw free a large block's free makes */
		goto nested;
	}
	if (!(s->flags & PMT_ASF_INLINE)) {
		/* A function: its return has the address; count there. */
		th->depth = 1;
		th->kind = s->kind;
		th->a = a;
		th->b = size;
		th->flags = s->flags;
		th->counted = t != NULL;
		th->stack_id = t && s->kind != PMT_AK_FREE ? stack_now(&th->flags) : 0;
		if (s->kind == PMT_AK_FREE) {
			/* Remembered only when counted: uncounted hits at inlined
			 * copies return early and would not clear it. */
			if (t) {
				count_free(t, seq, a);
				th->last_free = a;
			}
			th->depth = 0; /* frees have no return probe */
		}
		goto out;
	}
	/* An inlined fast path: count now, the address is not known. */
	if (s->kind == PMT_AK_FREE) {
		if (t && (s->flags & PMT_ASF_NOSIZE))
			__sync_fetch_and_add(&t->frees, 1);
		else if (t)
			count_free(t, seq, a);
		th->last_free = a;
		goto out;
	}
	if (size > PMT_SMALL_MAX && !(s->flags & PMT_ASF_RAW))
		th->expect_raw = size;
	if (!t)
		goto out;
	if (s->kind == PMT_AK_REALLOC) {
		__sync_fetch_and_add(&t->reallocs, 1);
		count_free(t, seq, a);
	}
	fl = s->flags;
	if (fl & PMT_ASF_NOSIZE)
		__sync_fetch_and_add(&t->size_unknown, 1);
	count_alloc(t, seq, size,
		    (fl & (PMT_ASF_RAW | PMT_ASF_NOSIZE)) || s->kind == PMT_AK_REALLOC ? 0 :
											  next_block(size),
		    stack_now(&fl), fl);
	goto out;
nested:
	if (!(s->flags & PMT_ASF_INLINE) && s->kind != PMT_AK_FREE) {
		/* An outermost call skipped as the second step of one allocation:
		 * its return must not count what the thread's last call left. */
		if (!th->depth)
			th->counted = 0;
		th->depth++;
	}
out:
	if (t)
		__sync_fetch_and_add(&t->prog_ns, bpf_ktime_get_ns() - t0);
	return 0;
}

/* Function returns: the outermost call is counted with its address. */
SEC("uretprobe")
int BPF_KRETPROBE(pmt_alloc_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pmt_trace_totals *t = NULL;
	struct pmt_alloc_thread *th;
	__u64 seq, ret = PT_REGS_RC(ctx), t0;

	if (!pmt_is_target())
		return 0;
	t0 = bpf_ktime_get_ns();
	th = bpf_map_lookup_elem(&pmt_alloc_threads, &tid);
	if (!th || !th->depth)
		return 0; /* entered before the probes were in place */
	if (--th->depth)
		return 0;
	if (!th->counted || !tracing(&seq) || !(t = totals(seq)))
		return 0;
	__sync_fetch_and_add(&t->hits, 1);
	if (th->kind == PMT_AK_REALLOC) {
		__sync_fetch_and_add(&t->reallocs, 1);
		if (ret || !th->b)
			count_free(t, seq, th->a);
	}
	if (ret)
		count_alloc(t, seq, th->b, ret, th->stack_id, th->flags);
	__sync_fetch_and_add(&t->prog_ns, bpf_ktime_get_ns() - t0);
	return 0;
}
