// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pools.bpf.c - the object pool analyzer: creations and destructions of
 * instances by type, in sampled windows of frames.
 *
 * Attached only around sampled windows (user/run/pool_run.c), through
 * uprobe_multi links. A return probe on PyType_GenericAlloc sees every
 * instance a type allocates through it (Python classes, and extension
 * types that use it); an entry probe on subtype_dealloc sees every
 * destruction of a Python class's instance, and entry probes on watched
 * types' own tp_dealloc functions see theirs. Each is one record in order
 * in the pools ring buffer, with the young generation's counter and the
 * collections so far read from the interpreter's memory, so userspace can
 * replay the counter. Destructions of list, tuple, dict and float are
 * counted per frame only (their creations mostly skip any function: free
 * lists and inlined constructors).
 *
 * The Python class fast path: a heap type whose tp_dealloc is
 * subtype_dealloc is recorded at once. Any other type is looked up in
 * pmt_pool_types; a type seen for the first time is put there pending
 * (userspace decides between windows) and counted as a vote for its
 * tp_dealloc when it is a heap type: before subtype_dealloc is known,
 * the most voted dealloc of heap types is it.
 */
#include "pmtrace.bpf.h"
#include "pystack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PMT_POOL_RB_BYTES);
} pmt_pool_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PMT_POOL_TYPES);
	__type(key, __u64);
	__type(value, struct pmt_pool_type);
} pmt_pool_types SEC(".maps");

/* Heap types' tp_dealloc functions, by distinct types seen. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u64);
} pmt_pool_votes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PMT_POOL_RING);
	__type(key, __u32);
	__type(value, struct pmt_pool_bcount);
} pmt_pool_bcounts SEC(".maps");

/* Written by userspace. */
__u64 pmt_pools_from = 0;          /* frames [from, to) of marker hits are sampled */
__u64 pmt_pools_to = 0;
__u64 pmt_pool_subtype_dealloc = 0; /* 0: not known yet */
__u64 pmt_pool_gen0_addr = 0;       /* &generations[0] (threshold at +16, count at +20) */
__u64 pmt_pool_builtin[PMT_POOL_BUILTINS] = {}; /* the built-in types counted */
__u32 pmt_pool_stacks = 1;          /* walk the Python stack at creations */
/* Read by userspace. */
__u64 pmt_pool_lost = 0;            /* records the full ring buffer dropped */
__u64 pmt_pool_hits = 0;            /* probe hits in sampled frames */
__u64 pmt_pool_prog_ns = 0;         /* time inside these programs then */
__u64 pmt_pool_types_full = 0;      /* types not remembered: map full */

#define PMT_POOL_WAKE (PMT_POOL_RB_BYTES / 4)

static __always_inline bool sampling(__u64 *seq)
{
	*seq = pmt_cur_seq;
	return *seq >= pmt_pools_from && *seq < pmt_pools_to;
}

static __always_inline void emit(__u32 kind, __u64 obj, __u64 type, __u64 seq)
{
	struct pmt_pool_event *e;
	__s64 st[PMT_GC_GENERATIONS * PMT_GC_STAT_FIELDS];
	__u64 addr = pmt_pool_gen0_addr, sa = pmt_gc_stats_addr;
	__s32 count = PMT_POOL_NO_COUNT;

	e = bpf_ringbuf_reserve(&pmt_pool_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&pmt_pool_lost, 1);
		return;
	}
	e->obj = obj;
	e->type = type;
	e->seq = seq;
	e->kind = kind;
	e->stack_id = kind == PMT_POOL_EV_CREATE && pmt_pool_stacks ? py_stack_id_top() : 0;
	e->collections = 0;
	if (addr && sa && !bpf_probe_read_user(&count, sizeof(count), (void *)(addr + 20)) &&
	    !bpf_probe_read_user(st, sizeof(st), (void *)sa))
		e->collections = (__u64)(st[0] + st[3] + st[6]);
	else
		count = PMT_POOL_NO_COUNT;
	e->count = count;
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&pmt_pool_events, BPF_RB_AVAIL_DATA) > PMT_POOL_WAKE ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP);
}

/* A type the fast path does not know: remember it, vote for its dealloc. */
static __always_inline void first_sight(__u64 type, __u64 flags, __u64 dealloc)
{
	struct pmt_pool_type nt = { dealloc, PMT_POOL_T_PENDING, 0 };
	__u64 one = 1, *v;
	long err;

	err = bpf_map_update_elem(&pmt_pool_types, &type, &nt, BPF_NOEXIST);
	if (err == -7 /* -E2BIG: full */)
		__sync_fetch_and_add(&pmt_pool_types_full, 1);
	if (err || !(flags & PMT_PYTPF_HEAPTYPE) || !dealloc)
		return;
	v = bpf_map_lookup_elem(&pmt_pool_votes, &dealloc);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&pmt_pool_votes, &dealloc, &one, BPF_NOEXIST);
}

/* PyType_GenericAlloc returned a new instance. */
SEC("uretprobe")
int BPF_KRETPROBE(pmt_pool_alloc_ret)
{
	__u64 obj = PT_REGS_RC(ctx), seq, type = 0, flags = 0, dealloc = 0, t0;
	struct pmt_pool_type *pt;

	if (!pmt_is_target() || !obj || !sampling(&seq))
		return 0;
	t0 = bpf_ktime_get_ns();
	__sync_fetch_and_add(&pmt_pool_hits, 1);
	if (bpf_probe_read_user(&type, sizeof(type), (void *)(obj + 8)) || !type ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(type + PMT_TYPEOFF_FLAGS)) ||
	    bpf_probe_read_user(&dealloc, sizeof(dealloc), (void *)(type + PMT_TYPEOFF_DEALLOC)))
		goto out;
	if (!((flags & PMT_PYTPF_HEAPTYPE) && dealloc && dealloc == pmt_pool_subtype_dealloc)) {
		pt = bpf_map_lookup_elem(&pmt_pool_types, &type);
		if (!pt) {
			first_sight(type, flags, dealloc);
			goto out;
		}
		if (pt->state != PMT_POOL_T_TRACKED)
			goto out;
	}
	emit(PMT_POOL_EV_CREATE, obj, type, seq);
out:
	__sync_fetch_and_add(&pmt_pool_prog_ns, bpf_ktime_get_ns() - t0);
	return 0;
}

static __always_inline void count_builtin(__u32 b, __u64 type, __u64 seq)
{
	struct pmt_pool_bcount *c;
	__u32 k = seq % PMT_POOL_RING;

	if (b >= PMT_POOL_BUILTINS || type != pmt_pool_builtin[b])
		return; /* a subclass instance: its own dealloc called this one */
	c = bpf_map_lookup_elem(&pmt_pool_bcounts, &k);
	if (!c)
		return;
	if (c->seq != seq) {
		/* First destruction of a new frame in this slot. */
		__builtin_memset(c->n, 0, sizeof(c->n));
		c->seq = seq;
	}
	__sync_fetch_and_add(&c->n[b], 1);
}

/* A dealloc function was entered: subtype_dealloc, a watched type's, a built-in's. */
SEC("uprobe")
int BPF_KPROBE(pmt_pool_dealloc)
{
	__u32 cookie = (__u32)bpf_get_attach_cookie(ctx);
	__u64 obj = PT_REGS_PARM1(ctx), seq, type = 0, t0;
	struct pmt_pool_type *pt;

	if (!pmt_is_target() || !obj || !sampling(&seq))
		return 0;
	t0 = bpf_ktime_get_ns();
	__sync_fetch_and_add(&pmt_pool_hits, 1);
	if (bpf_probe_read_user(&type, sizeof(type), (void *)(obj + 8)) || !type)
		goto out;
	if (cookie >= PMT_POOL_COOKIE_BUILTIN) {
		count_builtin(cookie - PMT_POOL_COOKIE_BUILTIN, type, seq);
		goto out;
	}
	if (cookie) {
		/* A type's own dealloc: only for that type (subclasses pass through it). */
		pt = bpf_map_lookup_elem(&pmt_pool_types, &type);
		if (!pt || pt->state != PMT_POOL_T_TRACKED || pt->cookie != cookie)
			goto out;
	}
	emit(PMT_POOL_EV_DESTROY, obj, type, seq);
out:
	__sync_fetch_and_add(&pmt_pool_prog_ns, bpf_ktime_get_ns() - t0);
	return 0;
}
