// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_runfile.c - libFuzzer target: any bytes as a run file. The reader
 * (core/runfile.c) must accept or refuse them without a crash, a leak or
 * an out-of-bounds access, and whatever it accepted must go through every
 * reporter that reads runs: the text report, the HTML report, the
 * Perfetto trace and the Prometheus exposition.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pmtrace/runfile.h"
#include "report/report.h"
#include "report/report_html.h"
#include "report/report_prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmt_prom_view *v = calloc(1, sizeof(*v));
	struct pmt_run r;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	pmt_run_init(&r, NULL);
	pmt_run_parse(&r, (const char *)data, size);
	f = open_memstream(&out, &len);
	if (f && v) {
		pmt_replay_text(f, &r);
		pmt_html_write(f, &r, NULL);
		pmt_perfetto_write(f, &r);
		pmt_prom_view_from_run(v, &r);
		pmt_prom_text(f, v);
		fclose(f);
	}
	free(out);
	free(v);
	pmt_run_free(&r);
	return 0;
}
