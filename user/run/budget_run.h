/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * budget_run.h - budgets and platform fit while the game runs: loading the
 * budget file and the platform profiles, sampling usage every frame,
 * alerting at once on a change of state (text, JSON, --on-violation),
 * eviction plans, and the final compatibility estimate and host status.
 */
#ifndef PMT_BUDGET_RUN_H
#define PMT_BUDGET_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "probes/asset_track.h"
#include "pmtrace/budget.h"
#include "pmtrace/category.h"
#include "pmtrace/evict.h"
#include "pmtrace/frame.h"
#include "pmtrace/platform.h"

struct pmt_options;

struct pmt_budget_run {
	struct pmt_budgets budgets;
	bool active;               /* a budget file or a platform gave budgets */
	struct pmt_platforms platforms;
	const struct pmt_platform *platform; /* --platform, or NULL */
	const char *on_violation;
	uint64_t *last_hook_ns;    /* per budget: rate limit of --on-violation */
	char **hook_env;           /* --on-violation's environment (NULL: the tool's) */
	bool any_exceeded;
	uint64_t violations;
	enum pmt_evict_strategy strategy; /* when a budget names none */
	bool use_tracked;
	pid_t pid;
	uint64_t heap_bytes, heap_next_ns;
	bool counts_python_heap;   /* a budget counts python_heap */
	uint64_t python_heap_bytes; /* the last frame's, for reports */
	uint64_t peak[PMT_CAT_COUNT];
	uint64_t last_check_frame;
	struct pmt_asset *scratch; /* live assets, for globs and plans */
	size_t scratch_cap;
};

/* The embedded profiles, for `pmtrace-bpf platforms` and --platform. */
int pmt_platforms_load(struct pmt_platforms *ps, char *err, size_t errlen);

/*
 * Set up from the options: read and check the budget file, find the
 * platform. Returns 0, or -EINVAL with a one-line message in @err.
 */
int pmt_budget_run_init(struct pmt_budget_run *r, const struct pmt_options *o, char *err,
			size_t errlen);
void pmt_budget_run_free(struct pmt_budget_run *r);

/*
 * Check the budgets after frame @f; alerts go out at once. python_heap is
 * f->python_heap_bytes (0 while f->python_heap_known is false).
 */
void pmt_budget_run_frame(struct pmt_budget_run *r, const struct pmt_frame *f,
			  struct pmt_asset_track *at, FILE *text, FILE *json, uint64_t now_ns);

/*
 * The same after sample @index of a sampling backend (--backend procfs):
 * RSS and native_heap are counted, alerts name the sample, not a frame.
 */
void pmt_budget_run_sample(struct pmt_budget_run *r, uint64_t rss, uint64_t index, uint64_t ts_ns,
			   FILE *text, FILE *json, uint64_t now_ns);

/* Budgets (and at the end, platform fit and host) in a report. */
void pmt_budget_run_report(struct pmt_budget_run *r, struct pmt_asset_track *at,
			   uint64_t rss_now, uint64_t rss_peak, bool final, FILE *text, FILE *json);

#endif
