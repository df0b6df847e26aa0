// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gc.bpf.c - time spent in CPython's cyclic garbage collector.
 *
 * Collections are rare next to frames, so timing each one is cheap. Two
 * ways in: the interpreter's USDT notes (gc__start / gc__done, present in
 * Debian's python3) or a uprobe/uretprobe pair on the collector's main
 * function in builds with symbols. Either way the time of every collection
 * in the target is added to the cumulative counter: the GIL makes any
 * thread's collection a pause for the frame thread too.
 */
#include "pmtrace.bpf.h"
#include <bpf/usdt.bpf.h>

/*
 * The tool takes the probes out and puts them back when timing would cost
 * the game too much (user/run/gc_timing.c): a start recorded before they
 * went back in belongs to a collection whose end was not seen.
 */
__u64 pmt_gc_valid_from = 0;

static __always_inline void gc_begin(void)
{
	__u64 key, now;

	if (!pmt_is_target())
		return;
	key = pmt_start_key(PMT_START_GC);
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&pmt_starts, &key, &now, BPF_ANY);
}

static __always_inline void gc_end(void)
{
	__u64 key, *start;

	if (!pmt_is_target())
		return;
	key = pmt_start_key(PMT_START_GC);
	start = bpf_map_lookup_elem(&pmt_starts, &key);
	if (!start)
		return; /* started before attach */
	if (*start < pmt_gc_valid_from) {
		bpf_map_delete_elem(&pmt_starts, &key);
		return; /* started before the probes went back in */
	}
	__sync_fetch_and_add(&pmt_cnt.gc_ns, bpf_ktime_get_ns() - *start);
	__sync_fetch_and_add(&pmt_cnt.gc_runs, 1);
	bpf_map_delete_elem(&pmt_starts, &key);
}

SEC("usdt")
int BPF_USDT(pmt_gc_usdt_start)
{
	gc_begin();
	return 0;
}

SEC("usdt")
int BPF_USDT(pmt_gc_usdt_done)
{
	gc_end();
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(pmt_gc_enter)
{
	gc_begin();
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(pmt_gc_exit)
{
	gc_end();
	return 0;
}
