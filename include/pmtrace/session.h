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
	struct pmt_event prev; /* last frame event, or the attach-time baseline */
	bool prev_gc_valid;
	bool gc_timed;        /* set by the caller once GC timing probes are live */
	uint64_t frames;      /* frames produced */
	uint64_t lost_frames; /* frames whose record never arrived */
};

/*
 * Start a session at @attach_ts_ns with the target's RSS @attach_rss_bytes.
 * @history is the number of frames kept (>= 1). Returns 0 or -errno.
 */
int pmt_session_init(struct pmt_session *s, const struct pmt_analysis_config *cfg,
		     size_t history, uint64_t page_size, uint64_t attach_ts_ns,
		     uint64_t attach_rss_bytes);
void pmt_session_free(struct pmt_session *s);

/* GC statistics read when the interpreter state was located. */
void pmt_session_set_gc_baseline(struct pmt_session *s,
				 const __s64 gc[PMT_GC_GENERATIONS][PMT_GC_STAT_FIELDS]);

/*
 * Turn a PMT_EV_FRAME event into the next frame: deltas against the
 * previous event, classification, history and summaries. Events must come
 * in seq order for one marker; a gap in seq (lost records) makes the frame
 * partial and is counted in lost_frames. Returns 0, or -EINVAL for an event
 * that is not a frame or is older than the previous one.
 */
int pmt_session_add(struct pmt_session *s, const struct pmt_event *ev, struct pmt_frame *out);

/* Read and restart the interval summary. */
void pmt_session_take_interval(struct pmt_session *s, struct pmt_summary *out);

#endif
