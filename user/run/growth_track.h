/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * growth_track.h - growth sites in a run: from the kernel's (stack, epoch)
 * growth table to per-frame and whole-run site lists with names.
 *
 * The kernel keys growth by Python stack and by epoch (marker hits so far;
 * see struct pmt_growth_key). At the end of a frame that grew, the entries
 * of finished epochs are drained from the kernel, their stacks named
 * (stacknames), and the frame's entries handed to the pure growth analysis
 * (pmtrace/growth.h). Frames that did not grow cost nothing here.
 */
#ifndef PMT_GROWTH_TRACK_H
#define PMT_GROWTH_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/events.h"
#include "pmtrace/frame.h"
#include "pmtrace/growth.h"
#include "cpython/stacknames.h"

struct pmt_bpf;

/* Site ids beyond any string id: growth with no Python frame, and growth
 * whose stack the kernel could not store (its table was full). */
#define PMT_SITE_NATIVE 0xfffffffeu
#define PMT_SITE_UNKNOWN 0xffffffffu

/* A site as reporters print it. */
struct pmt_growth_shown {
	struct pmt_growth_site s;
	uint32_t depth;                        /* frames in @frames */
	const char *frames[PMT_STACK_DEPTH];   /* innermost first */
};

/* What a report shows: NULL view pointer = growth not attributed. */
struct pmt_growth_view {
	const struct pmt_growth_shown *sites;
	size_t n;
	uint64_t dropped;   /* growth events the kernel could not attribute */
	uint64_t unresolved; /* stacks not found in the kernel's stack table */
};

/* The top growth site of a spike frame, for text reports. */
struct pmt_growth_spike {
	uint64_t frame;
	struct pmt_growth_shown top;
};
#define PMT_GROWTH_SPIKES 64 /* spike frames remembered */

struct pmt_growth_entry {
	uint64_t epoch;
	uint64_t faults;
	uint64_t mapped_bytes;
	uint32_t site;
	bool partial;
};

struct pmt_growth_track {
	bool on;                 /* the kernel attributes growth */
	uint64_t on_epoch;       /* ... since this epoch */
	bool have_epoch;
	uint64_t epoch;          /* growth_epoch of the last marker record */
	uint64_t drained_below;  /* kernel entries below this epoch are in pend */
	struct pmt_stacknames *names; /* shared, owned by the caller */
	struct pmt_bpf *bpf;     /* set at start */
	uint32_t *key_ix;        /* stackname index + 1 by site id (string id) */
	size_t nkey;
	struct pmt_growth_entry *pend; /* drained, not yet given to a frame */
	size_t npend, cappend;
	struct pmt_growth_acc frame, run;
	uint64_t page_size;
	size_t frame_top, run_top;     /* sites per list, per frame and per run */
	struct pmt_growth_site *top;   /* 2 x the larger */
	struct pmt_growth_shown *shown; /* 2 x the larger */
	struct pmt_growth_view view;
	struct pmt_growth_spike spikes[PMT_GROWTH_SPIKES]; /* ring */
	size_t nspikes;          /* ever recorded */
	uint64_t dropped, unresolved;
	uint64_t drains;         /* times the kernel table was read */
	uint64_t frames_grown;   /* frames with growth attributed */
};

/*
 * Set up: each frame lists its @frame_top largest sites by fault bytes and
 * by mapped bytes, the run its @run_top (0: none). 0 or -ENOMEM.
 */
int pmt_growth_track_init(struct pmt_growth_track *g, size_t frame_top, size_t run_top,
			  uint64_t page_size);
void pmt_growth_track_free(struct pmt_growth_track *g);

/*
 * Start attributing: the BPF walker is configured and @names resolves its
 * stacks. Growth counts from the next marker record's epoch on.
 */
void pmt_growth_track_start(struct pmt_growth_track *g, struct pmt_bpf *b,
			    struct pmt_stacknames *names);

/*
 * Feed every marker record given to the session, with the frame it ended
 * (@f NULL for the first record). Returns the frame's growth sites (n 0:
 * it did not grow), or NULL when growth was not attributed for the whole
 * frame (off, or started during it). The view lives until the next call.
 */
const struct pmt_growth_view *pmt_growth_track_frame(struct pmt_growth_track *g,
						     const struct pmt_event *ev,
						     const struct pmt_frame *f);

/* The whole run's growth sites, or NULL when growth was never attributed. */
const struct pmt_growth_view *pmt_growth_track_run(struct pmt_growth_track *g);

/* Spike frames' top sites with index >= @first (ring order, oldest first):
 * fills @out (PMT_GROWTH_SPIKES) and returns how many. */
size_t pmt_growth_track_spikes(const struct pmt_growth_track *g, uint64_t first,
			       const struct pmt_growth_spike **out);

#endif
