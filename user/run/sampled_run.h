/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sampled_run.h - one profiling run on a sampling backend (--backend
 * procfs): launch or attach, read the target at a fixed rate, write the
 * memory timeline (sample records), interval and final summaries, budgets
 * counting RSS and native heap, platform fit and host. No frames.
 */
#ifndef PMT_SAMPLED_RUN_H
#define PMT_SAMPLED_RUN_H

#include "probes/sampler.h"
#include "run/options.h"

/*
 * Run the whole sampled profile described by @o with backend @ops. Returns
 * an enum pmt_exit value; errors are printed as one line on stderr.
 */
int pmt_sampled_run(const struct pmt_options *o, const struct pmt_sampler_ops *ops);

#endif
