// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frames.bpf.c - the frame marker and the dynamic linker's link-map hook.
 *
 * One probe hit per frame: the marker program snapshots the process's RSS
 * counters, the cumulative counters the other programs maintain, and the
 * interpreter's GC statistics (read from the target's memory at an address
 * userspace resolved), and publishes one record. Userspace turns records
 * into per-frame deltas, so the kernel side does no arithmetic per frame.
 */
#include "pmtrace.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 pmt_target_tgid = 0;

struct pmt_counters pmt_cnt = {};
__u32 pmt_frame_tid = 0;
__u64 pmt_lost = 0;
struct pmt_pywalk_cfg pmt_pywalk = {}; /* set by userspace once CPython is found */

/* Written by userspace while running. */
__u64 pmt_gc_stats_addr = 0;                 /* &gcstate->generation_stats */
__u32 pmt_active_alias[PMT_MAX_MARKERS] = {}; /* probe alias counted per slot */
__u32 pmt_stop_on_dlopen = 0;                /* launch mode: stop at dlopen */
__u32 pmt_stop_on_stub = 0;                  /* launch mode: stop at a trampoline */
__u32 pmt_wake_next = 0;                     /* wake userspace at the next frame */
__u64 pmt_hits[PMT_MAX_MARKERS] = {};
__u32 pmt_counted[PMT_MAX_MARKERS] = {};     /* the slot's hits are frames */
__u64 pmt_frames = 0;                        /* hits of counted slots */
__u32 pmt_detect_stack = 0;                  /* send stacks of uncounted hits */
__u32 pmt_stacks_sent[PMT_MAX_MARKERS] = {}; /* per slot, at most PMT_DETECT_STACKS_PER_SLOT */
__u64 pmt_last_ts[PMT_MAX_MARKERS] = {};
__u32 pmt_last_alias[PMT_MAX_MARKERS] = {};

/* Two hits of one slot this close through different aliases are one call
 * passing both the trampoline probe and the function probe mid-move. */
#define PMT_ALIAS_DEDUP_NS 100000

struct pmt_starts_map pmt_starts SEC(".maps");
struct pmt_pystacks_map pmt_pystacks SEC(".maps");
struct pmt_stack_scratch_map pmt_stack_scratch SEC(".maps");
__u64 pmt_stacks_dropped = 0;
struct pmt_trace_tot_map pmt_trace_tot SEC(".maps");
struct pmt_trace_totals pmt_tot_zero = {}; /* never written: the value a new frame starts from */
__u64 pmt_cur_seq = 0;
__u64 pmt_trace_from = 0;
__u64 pmt_trace_to = 0;
struct pmt_growth_map pmt_growth SEC(".maps");
__u32 pmt_growth_on = 0;
__u64 pmt_growth_epoch = 0;
__u64 pmt_growth_dropped = 0;

#define PMT_RB_WAKE (PMT_RB_BYTES / 4)

struct pmt_events_map pmt_events SEC(".maps");

/* Kernels before 6.2 kept RSS counters as atomics in struct mm_rss_stat. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
};
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
};

static __always_inline void read_rss(struct mm_struct *mm, __u64 *out)
{
	__s64 v[PMT_RSS_KINDS];
	int i;

	if (bpf_core_type_exists(struct mm_rss_stat___old)) {
		struct mm_struct___old *o = (void *)mm;

		for (i = 0; i < PMT_RSS_KINDS; i++)
			v[i] = BPF_CORE_READ(o, rss_stat.count[i].counter);
	} else {
		for (i = 0; i < PMT_RSS_KINDS; i++)
			v[i] = BPF_CORE_READ(mm, rss_stat[i].count);
	}
	for (i = 0; i < PMT_RSS_KINDS; i++)
		out[i] = v[i] > 0 ? v[i] : 0;
}

/* Trace mode: a new frame begins; clear its totals when it is traced. */
static __always_inline void next_frame(__u64 seq)
{
	struct pmt_trace_totals *t;
	__u32 k = seq % PMT_TRACE_RING;

	if (seq >= pmt_trace_from && seq < pmt_trace_to) {
		bpf_map_update_elem(&pmt_trace_tot, &k, &pmt_tot_zero, BPF_ANY);
		t = bpf_map_lookup_elem(&pmt_trace_tot, &k);
		if (t)
			t->seq = seq;
	}
	pmt_cur_seq = seq;
}

/* Detection: the hit's stack, for the return addresses it holds. */
static __always_inline void send_stack(struct pt_regs *regs, __u32 slot, __u64 now)
{
	struct pmt_stack_event *s = bpf_ringbuf_reserve(&pmt_events, sizeof(*s), 0);
	__u64 sp = PT_REGS_SP(regs);

	if (!s)
		return;
	s->ts_ns = now;
	s->kind = PMT_EV_STACK;
	s->tid = (__u32)bpf_get_current_pid_tgid();
	s->sp = sp;
	s->marker = slot;
	/* Near the top of the stack fewer bytes may be mapped. */
	if (!bpf_probe_read_user(s->stack, PMT_DETECT_STACK, (void *)sp))
		s->len = PMT_DETECT_STACK;
	else if (!bpf_probe_read_user(s->stack, PMT_DETECT_STACK / 2, (void *)sp))
		s->len = PMT_DETECT_STACK / 2;
	else
		s->len = 0;
	bpf_ringbuf_submit(s, BPF_RB_FORCE_WAKEUP);
}

SEC("uprobe")
int BPF_KPROBE(pmt_marker)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 slot = cookie & 0xff, alias = (cookie >> 8) & 0xff;
	struct task_struct *task;
	struct pmt_event *e;
	__u64 addr, now, seq, epoch;
	bool counted;

	if (!pmt_is_target() || slot >= PMT_MAX_MARKERS)
		return 0;
	/* While a probe moves to a cheaper address, count one alias only. */
	if (pmt_active_alias[slot] != alias)
		return 0;
	/*
	 * Launch mode: the first call through a trampoline stops the game, so
	 * userspace can move the probes to the real functions (the jump table
	 * is set by now) and remove the trampoline probes while nothing runs:
	 * removing a uprobe that is being hit stalls the thread hitting it.
	 * The call is not counted here; the probe it reaches next counts it.
	 */
	if ((cookie & PMT_COOKIE_STUB) && pmt_stop_on_stub) {
		pmt_stop_on_stub = 0; /* once: presents come from one thread */
		e = bpf_ringbuf_reserve(&pmt_events, sizeof(*e), 0);
		if (e) {
			__builtin_memset(e, 0, sizeof(*e));
			e->kind = PMT_EV_STUB;
			e->marker = slot;
			bpf_send_signal(19 /* SIGSTOP */);
			bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
			return 0;
		}
	}
	now = bpf_ktime_get_ns();
	if (pmt_last_alias[slot] != alias && now - pmt_last_ts[slot] < PMT_ALIAS_DEDUP_NS)
		return 0;
	pmt_last_ts[slot] = now;
	pmt_last_alias[slot] = alias;
	/* Growth from here on belongs to the next frame (struct pmt_growth_key). */
	epoch = __sync_fetch_and_add(&pmt_growth_epoch, 1) + 1;

	seq = __sync_fetch_and_add(&pmt_hits[slot], 1) + 1;
	counted = pmt_counted[slot];
	if (counted) {
		seq = __sync_fetch_and_add(&pmt_frames, 1) + 1;
		next_frame(seq);
	} else if (pmt_detect_stack && pmt_stacks_sent[slot] < PMT_DETECT_STACKS_PER_SLOT) {
		/* A few per candidate: 4 KiB each would crowd the frame records out. */
		__sync_fetch_and_add(&pmt_stacks_sent[slot], 1);
		send_stack(ctx, slot, now);
	}
	e = bpf_ringbuf_reserve(&pmt_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&pmt_lost, 1);
		return 0;
	}
	e->ts_ns = now;
	e->seq = seq;
	e->growth_epoch = epoch;
	e->kind = PMT_EV_FRAME;
	e->marker = slot;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->flags = counted ? PMT_EVF_COUNTED : 0;
	pmt_frame_tid = e->tid;

	task = bpf_get_current_task_btf();
	read_rss(task->mm, e->rss_pages);
	e->thread_minflt = BPF_CORE_READ(task, min_flt);
	e->thread_majflt = BPF_CORE_READ(task, maj_flt);
	e->thread_stime_ns = BPF_CORE_READ(task, stime);
	e->c = pmt_cnt;

	addr = pmt_gc_stats_addr;
	if (addr && !bpf_probe_read_user(e->gc, sizeof(e->gc), (void *)addr))
		e->flags |= PMT_EVF_GC_VALID;
	else
		__builtin_memset(e->gc, 0, sizeof(e->gc));

	/* Waking the reader costs the game more than the probe itself: let
	 * userspace's periodic poll collect frames, unless the buffer fills. */
	bpf_ringbuf_submit(e, pmt_wake_next ||
					      bpf_ringbuf_query(&pmt_events, BPF_RB_AVAIL_DATA) >
						      PMT_RB_WAKE ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * The dynamic linker calls _dl_debug_state() around every change of the
 * link map. Userspace rescans the maps then; in launch mode the target is
 * stopped until the new libraries' probes are in place.
 */
SEC("uprobe")
int BPF_KPROBE(pmt_dlopen)
{
	struct pmt_event *e;

	if (!pmt_is_target())
		return 0;
	e = bpf_ringbuf_reserve(&pmt_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&pmt_lost, 1);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = PMT_EV_DLOPEN;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	if (pmt_stop_on_dlopen)
		bpf_send_signal(19 /* SIGSTOP */);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}
