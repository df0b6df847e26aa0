// SPDX-License-Identifier: BSD-2-Clause
/*
 * core_check.c - a small program over the extension's C core and platform
 * layer, built by `make cross-windows` with mingw-w64 so that the Windows
 * port is compiled and linked on every CI run (the Python glue needs
 * Windows' Python headers, which Debian does not ship). On Windows it
 * prints the process's and the system's memory, one frame classified by
 * the core, and the fit of the process on the Switch profile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "osmem.h"
#include "pmtrace/blockmap.h"
#include "pmtrace/budget.h"
#include "pmtrace/evict.h"
#include "pmtrace/frame.h"
#include "pmtrace/platform.h"

int main(void)
{
	struct pmt_analysis_config cfg;
	struct pmt_baseline base;
	struct pmt_os os;
	struct pmt_os_proc proc;
	struct pmt_os_system sys;
	struct pmt_platforms ps;
	struct pmt_measured m;
	struct pmt_fit fit;
	struct pmt_frame f;
	struct pmt_blockmap map;
	struct pmt_budgets budgets;
	const struct pmt_platform *sw;
	uint64_t t0 = pmt_os_now_ns(), size = 0;
	int rc = 1;

	if (pmt_os_open(&os) || pmt_os_process(&os, &proc) || pmt_os_system(&sys))
		goto cleanup;
	printf("%s: rss %" PRIu64 " peak %" PRIu64 " system %" PRIu64 "/%" PRIu64 "\n",
	       pmt_os_name(), proc.rss_bytes, proc.peak_rss_bytes, sys.available_bytes,
	       sys.total_bytes);
	pmt_analysis_config_default(&cfg);
	if (pmt_baseline_init(&base, cfg.baseline_window))
		goto cleanup;
	memset(&f, 0, sizeof(f));
	f.duration_ns = pmt_os_now_ns() - t0 + 40000000;
	pmt_frame_classify(&cfg, &base, &f);
	printf("frame: dropped %d\n", f.dropped);
	pmt_baseline_free(&base);
	pmt_platforms_builtin(&ps);
	sw = pmt_platform_find(&ps, "switch");
	if (!sw)
		goto cleanup;
	memset(&m, 0, sizeof(m));
	m.peak_rss = proc.peak_rss_bytes;
	pmt_platform_fit(sw, &m, &fit);
	printf("switch: %s\n", pmt_fit_verdict_name(fit.worst));
	pmt_blockmap_init(&map, NULL, NULL);
	pmt_blockmap_put(&map, (uintptr_t)&map, 48);
	pmt_blockmap_take(&map, (uintptr_t)&map, &size);
	pmt_blockmap_free(&map);
	pmt_budgets_init(&budgets);
	pmt_budgets_add(&budgets, "game", NULL, 512u << 20, 0, 0);
	printf("blockmap %" PRIu64 ", budgets %zu, eviction %s\n", size, pmt_budgets_count(&budgets),
	       pmt_evict_strategy_name(PMT_EVICT_HYBRID));
	pmt_budgets_free(&budgets);
	rc = 0;
cleanup:
	pmt_os_close(&os);
	return rc;
}
