/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * frame_profiler.h - what frame_profiler.c and frame_stats.c share: the
 * in-process measurements a frame has beyond the core's struct pmt_frame,
 * and the constructor of FrameStats objects.
 */
#ifndef PMT_FRAME_PROFILER_H
#define PMT_FRAME_PROFILER_H

#include "pmt_module.h"
#include "pmtrace/frame.h"

/* A frame's measurements the core's struct pmt_frame has no field for. */
struct pmt_frame_extra {
	uint64_t start_ns;      /* monotonic, at the frame's start */
	uint64_t rss_start;     /* resident bytes at the start */
	uint64_t peak_rss;      /* the process's resident peak within the frame */
	int64_t rss_net;        /* resident bytes at the end minus at the start */
	uint64_t allocs, frees, reallocs, alloc_bytes, freed_bytes, frees_unknown;
	int64_t py_peak_bytes;  /* highest Python bytes above the start, in the frame */
	int64_t python_heap;    /* Python bytes live at the end (hooked blocks), or -1 */
	bool allocs_known;      /* the allocator hooks counted this frame */
	bool peak_exact;        /* peak_rss is exact (the lifetime peak rose in the frame) */
	bool loaded;            /* read from a pmtrace-bpf JSON file, not measured here */
};

/* A new FrameStats for frame @f with @x. */
PyObject *pmt_frame_stats_new(struct pmt_state *st, const struct pmt_frame *f,
			      const struct pmt_frame_extra *x);

#endif /* PMT_FRAME_PROFILER_H */
