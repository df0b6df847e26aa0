/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * trace_run.h - trace mode's controller: attaches the allocator probes
 * before a frame to trace begins, collects what the kernel summed when it
 * ends, removes the probes after, governs the duty cycle, and writes the
 * trace records.
 */
#ifndef PMT_TRACE_RUN_H
#define PMT_TRACE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "probes/alloc_sites.h"
#include "run/options.h"
#include "pmtrace/frame.h"
#include "pmtrace/trace.h"
#include "cpython/pylayout.h"
#include "cpython/python.h"
#include "cpython/stacknames.h"

struct pmt_bpf;

/*
 * When the profiler acted in the game (probes placed, in place or being
 * removed): a few recent spans of CLOCK_MONOTONIC time, so that frames
 * read later can be marked (pmt_frame.prof). t1 UINT64_MAX: still going.
 */
#define PMT_PROF_SPANS 16
/* A removal's span runs on this long: the kernel finishes removing probes
 * (grace periods) after the call that asked returns, and the game's thread
 * can wait on it then (stalls of 20-40 ms seen inside a present). */
#define PMT_PROF_TAIL_NS 50000000ULL
struct pmt_prof_log {
	uint64_t t0[PMT_PROF_SPANS], t1[PMT_PROF_SPANS];
	unsigned n, head;
};
/* Record a span; @t1 UINT64_MAX while it lasts (then pmt_prof_log_end). */
void pmt_prof_log_add(struct pmt_prof_log *l, uint64_t t0, uint64_t t1);
/* End the open span at @t1. */
void pmt_prof_log_end(struct pmt_prof_log *l, uint64_t t1);
/* Whether [start, end] overlaps a span. */
bool pmt_prof_log_overlaps(const struct pmt_prof_log *l, uint64_t start, uint64_t end);

/* One traced frame, as reported. */
struct pmt_trace_frame {
	uint64_t index;
	enum pmt_trace_trigger trigger;
	uint64_t spike_frame;       /* trigger spike: the frame that spiked */
	bool complete;              /* the whole frame was traced */
	struct pmt_trace_totals tot;
	struct pmt_trace_sites *sites;
	uint64_t duration_ns;
	double cost_ns;             /* duration above the untraced median */
};

struct pmt_trace_run {
	bool enabled;
	bool verbose;
	size_t top_n;
	unsigned depth;             /* --trace-depth */
	bool idle;                  /* benchmarks: probes placed, nothing counted */
	pid_t pid;
	struct pmt_trace_sched sched;
	bool plan_tried;
	bool plan_ok;
	char why[256];              /* why tracing is off, when it is */
	struct pmt_alloc_plan *plan;
	struct pmt_stacknames *names; /* shared with growth sites (the tracer's) */
	/* The window being traced: frames [from, to). */
	bool attached;
	enum pmt_trace_trigger trig;
	uint64_t from, to;
	uint64_t attach_ns;         /* when the probes went in */
	uint64_t last_end_ns;       /* last frame end seen while attached */
	uint64_t attach_cost_ns;    /* time to attach + detach, last window */
	double window_cost;         /* cost of the open window's frames so far */
	/* Untraced frame durations, for the cost of traced ones. */
	uint64_t dur[64];
	unsigned ndur, dur_head;
	uint64_t dur_pushed, med_pushed, med_ns; /* the median, cached for 8 frames */
	uint64_t last_account_ns;
	/* Results. */
	struct pmt_trace_sites frame_sites; /* the frame being reported */
	struct pmt_trace_sites all_sites;   /* every traced frame */
	struct pmt_trace_sites interval_sites;
	struct pmt_trace_sites window_sites; /* the open window's frames */
	uint64_t spike_frame;       /* the spike a SPIKE window follows */
	uint64_t frames_traced, interval_traced, incomplete;
	uint64_t missed;            /* frames of --trace-frames that went by untraced */
	uint64_t allocs, alloc_bytes, frees, churn, churn_bytes, inline_allocs, size_unknown,
		ptr_unknown;
	double cost_ns;             /* summed over traced frames */
	uint64_t windows;
	struct pmt_prof_log spans;  /* when trace probes were in the game */
	/* Tracing waits for frames with room (see pmt_trace_run_frame). */
	double drop_ns;             /* a frame longer than this is dropped */
	double est_cost_ns;         /* what a traced frame cost last time, < 0: unknown */
	double window_max_cost;     /* the open window's costliest frame */
	uint64_t no_room;           /* windows not opened: the frame had no room */
};

void pmt_trace_run_init(struct pmt_trace_run *tr, const struct pmt_options *o, pid_t pid);
void pmt_trace_run_free(struct pmt_trace_run *tr, struct pmt_bpf *b);

/* CPython is known, its stack walker configured and @names ready: build the plan. */
void pmt_trace_run_python(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_maps *maps,
			  const struct pmt_python *py, struct pmt_stacknames *names);

/*
 * PMT_PROF_* bits for the frame [@start_ns, @end_ns] numbered @index, read
 * before it is classified: traced (in the open window's range), and probes
 * placed or in place during it.
 */
unsigned pmt_trace_run_prof(const struct pmt_trace_run *tr, uint64_t start_ns, uint64_t end_ns,
			    uint64_t index);

/*
 * Frame @f ended (classified): collect, schedule. Writes trace records.
 * Windows opened by --trace-on-spike wait for a frame with room: the median untraced frame plus 1.5 times what the costliest
 * frame of a window cost (placing the probes included; the estimate fades
 * by a tenth a window) must stay under the drop threshold (1.25 frame
 * budgets); before any window was measured, the first traces one frame to
 * learn it. --trace-frames and --trace-all are done as asked.
 */
void pmt_trace_run_frame(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_frame *f,
			 uint64_t now_ns, FILE *text, FILE *json);

/* Periodic check: a traced frame that never ends loses its probes. */
void pmt_trace_run_tick(struct pmt_trace_run *tr, struct pmt_bpf *b, uint64_t now_ns,
			FILE *json);

/* Reports: the interval's and the whole run's trace summary. */
void pmt_trace_run_report(struct pmt_trace_run *tr, bool final, FILE *text, FILE *json);

#endif
