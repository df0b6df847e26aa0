/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.h - from the backend's event stream to analysed frames.
 *
 * A session owns the frame history, the rolling baseline and the interval
 * and whole-run summaries. It is pure: callers feed it events and read
 * frames and summaries back; it never prints, reads files or the clock.
 */
#ifndef PMTRACE_SESSION_H
#define PMTRACE_SESSION_H

#include "pmtrace/events.h"
#include "pmtrace/frame.h"

struct pmt_session {
	struct pmt_analysis_config cfg;
	uint64_t page_size;
	struct pmt_frame_ring ring;
	struct pmt_baseline base;
	struct pmt_summary_acc interval;
	struct pmt_summary_acc total;
	struct pmt_event prev; /* last marker event (seq 0: none yet) */
	bool prev_gc_valid;
	bool gc_timed;        /* set by the caller once GC timing probes are live */
	double ns_per_fault;  /* measured cost of one page fault, for fault_ns */
	uint64_t frames;      /* frames produced */
	uint64_t lost_frames; /* frames whose record never arrived */
};

/*
 * Start a session keeping @history frames (>= 1). Returns 0 or -errno.
 */
int pmt_session_init(struct pmt_session *s, const struct pmt_analysis_config *cfg,
		     size_t history, uint64_t page_size);
void pmt_session_free(struct pmt_session *s);

/*
 * Feed one marker call. A frame is the work between two calls of the frame
 * marker, so the first call only starts frame 0; every later call ends the
 * current frame and fills @out with it: deltas against the previous call,
 * classification, history and summaries. Frame numbers follow the marker's
 * call count (frame = seq - 2), so a gap in seq (lost records) leaves the
 * numbering right, makes the frame partial and counts in lost_frames.
 * Returns 0 when @out holds a frame, 1 for the first call, -EINVAL for an
 * event that is not a marker call or is older than the previous one.
 *
 * fault_ns, the frame thread's time handling page faults, is estimated:
 * its faults times ns_per_fault, or its kernel time when that is larger,
 * counted up to PMT_FAULT_MAX_NS per fault. The measured cost of a fault
 * varies several-fold with what the hypervisor or the page allocator does;
 * kernel time includes that, and the cap keeps system calls of a frame with
 * few faults from being taken for fault handling.
 */
#define PMT_FAULT_MAX_NS 20000
int pmt_session_add(struct pmt_session *s, const struct pmt_event *ev, struct pmt_frame *out);

/*
 * pmt_session_add() for a frame the profiler acted in: @prof (PMT_PROF_*
 * bits) is set on the frame before it is classified (see frame.h).
 */
int pmt_session_add_prof(struct pmt_session *s, const struct pmt_event *ev, unsigned prof,
			 struct pmt_frame *out);

/* Read and restart the interval summary. */
void pmt_session_take_interval(struct pmt_session *s, struct pmt_summary *out);

#endif
