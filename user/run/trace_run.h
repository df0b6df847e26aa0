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
};

void pmt_trace_run_init(struct pmt_trace_run *tr, const struct pmt_options *o, pid_t pid);
void pmt_trace_run_free(struct pmt_trace_run *tr, struct pmt_bpf *b);

/* CPython is known, its stack walker configured and @names ready: build the plan. */
void pmt_trace_run_python(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_maps *maps,
			  const struct pmt_python *py, struct pmt_stacknames *names);

/* Frame @f ended (classified): collect, schedule. Writes trace records. */
void pmt_trace_run_frame(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_frame *f,
			 uint64_t now_ns, FILE *text, FILE *json);

/* Periodic check: a traced frame that never ends loses its probes. */
void pmt_trace_run_tick(struct pmt_trace_run *tr, struct pmt_bpf *b, uint64_t now_ns,
			FILE *json);

/* Reports: the interval's and the whole run's trace summary. */
void pmt_trace_run_report(struct pmt_trace_run *tr, bool final, FILE *text, FILE *json);

#endif
