/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pmtrace.bpf.h - state shared by the BPF programs of pmtrace.
 *
 * frames.bpf.c defines these globals; the other files declare them extern
 * and the static linker (bpftool gen object) joins them into one skeleton.
 * Configuration that never changes after load is rodata (set between
 * __open() and __load()); what userspace flips while running is in .bss.
 */
#ifndef PMTRACE_BPF_H
#define PMTRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pmtrace/events.h"

/* Configuration, set before load. */
extern const volatile __u32 pmt_target_tgid;

/* Shared run-time state. */
extern struct pmt_counters pmt_cnt;  /* cumulative since attach */
extern __u32 pmt_frame_tid;          /* thread that calls the marker */
extern __u64 pmt_lost;               /* ring-buffer reservations that failed */
extern struct pmt_pywalk_cfg pmt_pywalk; /* where Python frames are (interp 0: nowhere) */

/* Scratch start times, keyed by tid | kind << 32. */
#define PMT_START_GC 2ULL
#define PMT_START_MMAP 3ULL
#define PMT_START_MREMAP 4ULL
#define PMT_START_BRK 5ULL

struct pmt_starts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
};
extern struct pmt_starts_map pmt_starts SEC(".maps");

/* The one ring buffer every program publishes to (defined in frames.bpf.c). */
#define PMT_RB_BYTES (4 * 1024 * 1024) /* start-up (asset loads, detection stacks) must fit */
struct pmt_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PMT_RB_BYTES);
};
extern struct pmt_events_map pmt_events SEC(".maps");

/* Deep Python stacks by id (pystack.bpf.h), and a per-CPU scratch one. */
struct pmt_pystacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PMT_STACK_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* created at once; filled when used */
	__type(key, __u64);
	__type(value, struct pmt_pystack);
};
extern struct pmt_pystacks_map pmt_pystacks SEC(".maps");
struct pmt_stack_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pmt_pystack);
};
extern struct pmt_stack_scratch_map pmt_stack_scratch SEC(".maps");
extern __u64 pmt_stacks_dropped; /* stacks not stored: the map was full */

/* Trace mode (alloc.bpf.c): the traced range of marker hits and its totals. */
extern __u64 pmt_cur_seq;     /* the last hit of a counted slot: the frame in progress */
extern __u64 pmt_trace_from;  /* frames [from, to) are traced */
extern __u64 pmt_trace_to;
struct pmt_trace_tot_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PMT_TRACE_RING);
	__type(key, __u32);
	__type(value, struct pmt_trace_totals);
};
extern struct pmt_trace_tot_map pmt_trace_tot SEC(".maps");

/* Where the interpreter keeps its GC statistics (frames.bpf.c). */
extern __u64 pmt_gc_stats_addr;

/* Growth by (Python stack, epoch): memory.bpf.c adds, userspace drains. */
struct pmt_growth_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PMT_GROWTH_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* created at once; filled when used */
	__type(key, struct pmt_growth_key);
	__type(value, struct pmt_growth_val);
};
extern struct pmt_growth_map pmt_growth SEC(".maps");
extern __u32 pmt_growth_on;       /* userspace: attribute growth to stacks */
extern __u64 pmt_growth_epoch;    /* marker hits counted (frames.bpf.c) */
extern __u64 pmt_growth_dropped;  /* growth events not attributed: map full */

static __always_inline bool pmt_is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == pmt_target_tgid;
}

static __always_inline __u64 pmt_start_key(__u64 kind)
{
	return (bpf_get_current_pid_tgid() & 0xffffffffULL) | (kind << 32);
}

#endif /* PMTRACE_BPF_H */
