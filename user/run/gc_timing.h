/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gc_timing.h - the GC timing probes: placed at start-up through the
 * interpreter's USDT notes or a uprobe pair, and taken out and put back
 * as the governor (include/pmtrace/gc_gov.h) says, so that timing the
 * collections of a game that collects very often costs it at most 1 % of
 * its time.
 */
#ifndef PMT_GC_TIMING_H
#define PMT_GC_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "cpython/python.h"
#include "pmtrace/frame.h"
#include "pmtrace/gc_gov.h"
#include "run/trace_run.h"

struct pmt_bpf;

struct pmt_gc_timing {
	const char *how;            /* "usdt", "uprobe" or "none" */
	char file[PATH_MAX + 32];   /* where the probes go (as pmt_python.file) */
	uint64_t off[PMT_GC_FUNCS];
	int n_off;
	struct pmt_gc_gov gov;
	struct pmt_prof_log *prof;  /* the tracer's: probes placed and removed */
	bool verbose;
};

/* Place the probes in the interpreter @py (none when @off). */
void pmt_gc_timing_start(struct pmt_gc_timing *g, struct pmt_bpf *b, const struct pmt_python *py,
			 bool off, struct pmt_prof_log *prof, bool verbose);
/* Whether the probes were in for the whole frame [@start_ns, @end_ns]. */
bool pmt_gc_timing_covers(const struct pmt_gc_timing *g, uint64_t start_ns, uint64_t end_ns);
/* A frame was made (its collections counted from the interpreter's statistics). */
void pmt_gc_timing_frame(struct pmt_gc_timing *g, const struct pmt_frame *f);
/* Act on the governor. */
void pmt_gc_timing_tick(struct pmt_gc_timing *g, struct pmt_bpf *b, uint64_t now_ns);

#endif /* PMT_GC_TIMING_H */
