/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events.h - records that cross the BPF/userspace boundary.
 *
 * Pure ABI: fixed-size integers, #define limits and enums only, largest
 * fields first. The BPF side publishes cumulative counters (since attach)
 * with every frame-marker hit; userspace turns consecutive samples into
 * per-frame deltas. Keeping the kernel side cumulative makes a lost record
 * cost one frame's resolution, never a wrong total.
 */
#ifndef PMTRACE_EVENTS_H
#define PMTRACE_EVENTS_H

#ifdef __BPF__
/* vmlinux.h provides __u64 and friends */
#else
#include <linux/types.h>
#endif

#define PMT_MAX_MARKERS 16 /* frame-marker probe slots (candidates) */
#define PMT_GC_GENERATIONS 3
#define PMT_GC_STAT_FIELDS 3 /* collections, collected, uncollectable */

/* Indices into pmt_sample.rss_pages, as the kernel's NR_MM_COUNTERS. */
enum pmt_rss_kind {
	PMT_RSS_FILE = 0,
	PMT_RSS_ANON = 1,
	PMT_RSS_SWAP = 2,
	PMT_RSS_SHMEM = 3,
	PMT_RSS_KINDS = 4,
};

enum pmt_event_kind {
	PMT_EV_FRAME = 1,  /* a frame marker was called */
	PMT_EV_DLOPEN = 2, /* the dynamic linker changed the link map */
	PMT_EV_STUB = 3,   /* launch mode: a trampoline probe was hit first */
};

/* Cookie of a marker probe: slot | alias << 8 | flags. */
#define PMT_COOKIE_STUB (1u << 16) /* the probe sits on a jump-table trampoline */

/* Flags in pmt_event.flags. */
#define PMT_EVF_GC_VALID (1u << 0) /* gc[][] holds the interpreter's stats */

/* Cumulative counters since attach, maintained by the BPF programs. */
struct pmt_counters {
	__u64 faults;         /* page-fault exceptions on user addresses, all threads */
	__u64 faults_frame;   /* the same, frame thread only */
	__u64 mapped_bytes;   /* successful mmap and mremap growth */
	__u64 unmapped_bytes; /* munmap and mremap shrink */
	__s64 brk_bytes;      /* net program break movement */
	__u64 gc_ns;          /* time inside the cyclic GC, frame thread */
	__u64 gc_runs;        /* collections timed */
};

/*
 * One record in the ring buffer. For PMT_EV_FRAME every field is filled;
 * for PMT_EV_DLOPEN only ts_ns, tid, kind.
 */
struct pmt_event {
	__u64 ts_ns;                     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 seq;                       /* hits of this marker slot, 1-based */
	__u64 rss_pages[PMT_RSS_KINDS];  /* mm counters at the hit */
	struct pmt_counters c;           /* cumulative since attach */
	__u64 thread_minflt;             /* frame thread's own min_flt, maj_flt */
	__u64 thread_majflt;
	__u64 thread_stime_ns;           /* frame thread's system time (tick-sampled) */
	__s64 gc[PMT_GC_GENERATIONS][PMT_GC_STAT_FIELDS]; /* raw gc stats */
	__u32 kind;                      /* enum pmt_event_kind */
	__u32 marker;                    /* marker slot (cookie low byte) */
	__u32 tid;                       /* thread that hit the probe */
	__u32 flags;                     /* PMT_EVF_* */
};

#endif /* PMTRACE_EVENTS_H */
