/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tracer.h - one profiling run against one target: discovery, probe
 * placement, frame-marker detection, the event loop and the reports.
 */
#ifndef PMT_TRACER_H
#define PMT_TRACER_H

#include <signal.h>

#include "run/options.h"

/* Set from signal handlers: stop the run and report. */
extern volatile sig_atomic_t pmt_exiting;

/*
 * Run the whole profile described by @o. Returns an enum pmt_exit value;
 * errors are printed as one line on stderr.
 */
int pmt_tracer_run(const struct pmt_options *o);

#endif
