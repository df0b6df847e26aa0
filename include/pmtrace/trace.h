/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace.h - trace mode's pure parts: which frames to trace (the schedule
 * and the overhead governor), and what one traced frame, or all of them,
 * allocated by site. No I/O, no BPF: the controller (user/run/trace_run.c)
 * feeds them what the kernel summed.
 */
#ifndef PMTRACE_TRACE_H
#define PMTRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/events.h"

/* ---- schedule and governor ------------------------------------------------ */

enum pmt_trace_trigger {
	PMT_TRIG_NONE = 0,
	PMT_TRIG_EVERY, /* --trace-every N */
	PMT_TRIG_SPIKE, /* --trace-on-spike K, after a spike or a memory-caused drop */
	PMT_TRIG_RANGE, /* --trace-frames A-B */
	PMT_TRIG_ALL,   /* --trace-all */
};

struct pmt_trace_sched {
	/* What was asked. */
	uint64_t every, spike_k, range_from, range_to; /* range: [from, to) */
	bool all;
	double max_overhead; /* percent */
	/* State. */
	uint64_t eff_every;   /* the governed interval (>= every) */
	uint64_t next_every;  /* first frame --trace-every wants next */
	uint64_t spike_from, spike_to; /* frames wanted after the last spike */
	double cost_ns;       /* what tracing cost the game, decayed */
	double run_ns;        /* run time over the same window, decayed */
	uint64_t governed;    /* times the governor lengthened the interval */
	uint64_t spikes_skipped; /* spike windows refused by the governor */
};

void pmt_trace_sched_init(struct pmt_trace_sched *s, uint64_t every, uint64_t spike_k,
			  uint64_t range_from, uint64_t range_to, bool all, double max_overhead);

/* True when any tracing was asked for. */
bool pmt_trace_sched_enabled(const struct pmt_trace_sched *s);

/*
 * The frames to trace next when frame @first is the first that can still
 * be traced whole: [*from, *to) with *from >= @first, and the trigger. A
 * spike's K frames are the first K from @first on (the spike is seen after
 * it ended, and the probes take a while to place).
 * PMT_TRIG_NONE when nothing is due at @first (then *from is the first
 * frame something is due, or UINT64_MAX).
 */
enum pmt_trace_trigger pmt_trace_sched_next(const struct pmt_trace_sched *s, uint64_t first,
					    uint64_t *from, uint64_t *to);

/* Frames [from, to) were traced (or given up): move the schedule on. */
void pmt_trace_sched_done(struct pmt_trace_sched *s, enum pmt_trace_trigger trig, uint64_t from,
			  uint64_t to);

/* Frame @index was a spike or a memory-caused drop. */
void pmt_trace_sched_spike(struct pmt_trace_sched *s, uint64_t index);

/*
 * Account @cost_ns of tracing in @elapsed_ns of run time, and adjust the
 * interval: above max_overhead the interval doubles, well under it
 * halves back towards what was asked. Returns the overhead in percent.
 */
double pmt_trace_sched_account(struct pmt_trace_sched *s, double cost_ns, double elapsed_ns);

/* The overhead in percent the governor sees now. */
double pmt_trace_sched_overhead(const struct pmt_trace_sched *s);

/* ---- one traced frame, or many, by site ----------------------------------- */

/* Allocations of one site: @key identifies the stack by its names. */
struct pmt_trace_site {
	uint32_t key;      /* equal names, equal keys (0: native code) */
	uint64_t stack_id; /* one of the kernel's ids for it */
	uint64_t allocs;
	uint64_t bytes;
};

struct pmt_trace_sites {
	struct pmt_trace_site *v;
	size_t n, cap;
	bool sorted; /* by key, merged */
};

void pmt_trace_sites_init(struct pmt_trace_sites *s);
void pmt_trace_sites_free(struct pmt_trace_sites *s);
void pmt_trace_sites_clear(struct pmt_trace_sites *s);
/* Add (merging later). 0 or -ENOMEM. */
int pmt_trace_sites_add(struct pmt_trace_sites *s, uint32_t key, uint64_t stack_id,
			uint64_t allocs, uint64_t bytes);
/* Merge @from into @into. 0 or -ENOMEM. */
int pmt_trace_sites_merge(struct pmt_trace_sites *into, struct pmt_trace_sites *from);
/*
 * The @n largest sites by bytes (@by_bytes) or by count, largest first,
 * ties by the other measure then by key; indexes into s->v (which is
 * merged by key first). Returns how many were stored.
 */
size_t pmt_trace_sites_top(struct pmt_trace_sites *s, bool by_bytes, size_t *out, size_t n);

/* Upper bound in bytes of histogram bin @bin (0 for an invalid bin). */
uint64_t pmt_trace_bin_max(unsigned bin);
/* Lower bound in bytes of histogram bin @bin. */
uint64_t pmt_trace_bin_min(unsigned bin);

#endif
