/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * marker_choice.h - which frame-marker candidates the game calls itself.
 *
 * Every candidate present gets a probe; once some have been called, a
 * called candidate is nested when another called one reaches it in its
 * machine code (callgraph.h) or was active on the stack of most of its
 * hits (a return address into the other's call sites: this catches calls
 * through function pointers the code walk cannot resolve). The others are
 * kept, with the other presenters of an engine module that is kept; a kept
 * candidate that only forwards to another hands its probe over.
 */
#ifndef PMT_MARKER_CHOICE_H
#define PMT_MARKER_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/callgraph.h"
#include "pmtrace/events.h"

/* One candidate, as the caller sees it (PMT_MAX_MARKERS of them, by slot). */
struct pmt_choice_cand {
	bool used;        /* a probe is attached */
	int engine;       /* row of pmt_engine_table, -1 for a library's function */
	const char *name; /* the function the game calls */
	const char *lib;  /* the library it is called in */
	uint64_t entry;   /* its entry in the target; 0 when not known yet */
	size_t hits;      /* calls seen while choosing */
	/* Filled by pmt_marker_choose(). */
	unsigned stacks;                  /* stack records of its hits */
	unsigned inside[PMT_MAX_MARKERS]; /* of them, with candidate j active */
	bool kept;                        /* its hits are frames */
	int takes_over;                   /* -1, or the forwarder whose calls it counts */
};

typedef void (*pmt_say_fn)(void *ctx, const char *msg);

/*
 * Decide which candidates of @c are kept, from their code (read through
 * @io) and the @nstk detection stack records @stk. Writes the names of the
 * called candidates found nested to @nested (", "-separated), and says why
 * through @say (--verbose). Returns how many are kept (0: none was called).
 */
int pmt_marker_choose(const struct pmt_cg_io *io, struct pmt_choice_cand *c,
		      const struct pmt_stack_event *stk, size_t nstk, char *nested, size_t len,
		      pmt_say_fn say, void *ctx);

#endif
