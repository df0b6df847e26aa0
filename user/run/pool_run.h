/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool_run.h - the pool analyzer's controller (--pools): places the
 * creation and destruction probes before a window of consecutive frames
 * begins, feeds what they record to the bookkeeping (core/pool_track.c),
 * removes them when the window ends, follows the lives still open between
 * windows by reading the game's memory, governs the duty cycle like trace
 * mode, and writes the pools records.
 */
#ifndef PMT_POOL_RUN_H
#define PMT_POOL_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cpython/pylayout.h"
#include "cpython/python.h"
#include "cpython/stacknames.h"
#include "pmtrace/frame.h"
#include "pmtrace/pool_track.h"
#include "pmtrace/trace.h"
#include "probes/bpf_backend.h"
#include "probes/pool_sites.h"
#include "run/pool_freelist.h"
#include "run/options.h"
#include "run/trace_run.h"

#define PMT_POOL_RANGES 64 /* sampled windows listed in records */
#define PMT_POOL_TOP 3     /* a class entering the top 3 is said at once */
#define PMT_POOL_BUILTIN_EVERY 4 /* built-ins are counted in one window of 4 */

struct pmt_bpf;

struct pmt_pool_run {
	bool enabled, verbose, quiet;
	pid_t pid;
	uint64_t window_frames;      /* --pools-window */
	size_t top_n;                /* classes listed in text */
	struct pmt_trace_sched sched; /* every N frames, governed (trace mode's governor) */
	bool plan_tried, plan_ok;
	char why[256];               /* why the analyzer is off, when it is */
	struct pmt_pool_plan *plan;
	struct pmt_pylayout pyl;
	const struct pmt_python *py;
	struct pmt_stacknames *names; /* shared (the tracer's) */
	struct pmt_pool_track track;
	/* The window. */
	bool attached, discovering;
	uint64_t from, to;           /* frames [from, to) */
	uint64_t last_whole;         /* last frame of the window seen end (UINT64_MAX: none) */
	uint64_t last_end_ns;
	double window_cost;
	uint64_t dur[64];            /* untraced frame durations, for the cost */
	unsigned ndur, dur_head;
	uint64_t last_account_ns;
	uint64_t ranges[PMT_POOL_RANGES][2]; /* sampled windows [first, last] */
	size_t nranges;
	uint64_t ranges_more;        /* windows past the list */
	/* The run. */
	uint64_t frames_run, first_frame;
	bool first_seen;
	uint64_t coll_sampled;       /* collections in sampled frames (frame records) */
	double gc_ns, gc_count;      /* timed collections over the run */
	double cost_ns;              /* what windows cost the game */
	uint64_t discoveries, discovery_frames;
	uint64_t types_tracked, types_ignored, types_no_slot;
	uint64_t type_errors;
	uint64_t follow_checks, follow_gone;
	struct {
		uint64_t addr, frame;
	} gone[4096];                /* lives found gone, until a later frame begins */
	size_t ngone;
	uint64_t top[PMT_POOL_TOP];
	size_t ntop;
	bool subtype_checked, subtype_matches; /* against the symbol, where there is one */
	struct pmt_pool_result *res;
	size_t nres, nrec;
	struct pmt_bpf_pool_stats st;
	struct pmt_prof_log spans;   /* when pool probes were in the game */
	FILE *text;
	/* Records of the frame in progress, held until its marker call ends it:
	 * when the game exits instead, they are its teardown, not a frame's. */
	struct pmt_pool_event *pend;
	size_t npend, cappend;
	bool target_gone;
	uint64_t teardown_events;
	uint64_t pend_lost;          /* records not held: out of memory */
	uint64_t windows_begun;      /* windows sampled (discovery aside) */
	bool builtin_window;         /* this window counts the built-ins */
	/* A window ended, its numbers not final until a frame begins after the
	 * check of the lives of earlier windows (pool_run.c: finalize()). */
	bool closing;
	uint64_t fin_last;
	bool fin_partial;
	uint64_t *before;            /* lives found gone at the window's end */
	size_t nbefore;
	uint64_t before_seq;         /* marker hits when they were checked */
	/* The game's own pools: lists of one class's instances (pool_freelist.h). */
	struct pmt_pool_flfinder fl;
};

void pmt_pool_run_init(struct pmt_pool_run *pr, const struct pmt_options *o, pid_t pid);
void pmt_pool_run_free(struct pmt_pool_run *pr, struct pmt_bpf *b);

/* CPython is known, its stack walker ready: plan the probes. */
void pmt_pool_run_python(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			 const struct pmt_python *py, const struct pmt_pylayout *pyl,
			 struct pmt_stacknames *names);

/* Frame @f ended: collect, follow, schedule (unless @busy: trace mode's probes are in). */
void pmt_pool_run_frame(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			const struct pmt_frame *f, uint64_t now_ns, bool busy, FILE *text);

/* Frame @frame is in a pools window: the probes slow it, it says nothing of the game. */
bool pmt_pool_run_sampling(const struct pmt_pool_run *pr, uint64_t frame);

/*
 * PMT_PROF_* bits for the frame [@start_ns, @end_ns] numbered @index: its
 * creations and destructions were sampled (PMT_PROF_TRACED, as trace
 * mode's frames), or pool probes were placed, in place or removed then.
 */
unsigned pmt_pool_run_prof(const struct pmt_pool_run *pr, uint64_t start_ns, uint64_t end_ns,
			   uint64_t index);

/* Periodic: a window whose frames stopped coming is ended, partial. */
void pmt_pool_run_tick(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
		       uint64_t now_ns);

/* The game exited: records of its unfinished frame are its teardown. */
void pmt_pool_run_target_gone(struct pmt_pool_run *pr);

/* The pools records: periodic (@final false) and final, when enabled. */
void pmt_pool_run_report(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			 bool final, FILE *text, FILE *json);

#endif
