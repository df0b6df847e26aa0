/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_pools.h - the pool analyzer's records: {"type":"pools"} with every
 * report and at the end, and the pools block of the text reports.
 * Formatting only: the numbers come from core/pool_track.c through the
 * controller (user/run/pool_run.c).
 */
#ifndef PMT_REPORT_POOLS_H
#define PMT_REPORT_POOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pmt_pool_run;

struct pmt_pools_view {
	bool final;
	const struct pmt_pool_run *pr;
	size_t top_n; /* classes in the text table */
};

void pmt_json_pools(FILE *f, const struct pmt_pools_view *v);
void pmt_text_pools(FILE *f, const struct pmt_pools_view *v);

#endif
