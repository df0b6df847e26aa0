/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * live_out.h - the HTML report, Perfetto trace and Prometheus endpoint of a
 * live run, fed by the run's own JSON Lines records.
 */
#ifndef PMT_LIVE_OUT_H
#define PMT_LIVE_OUT_H

#include <signal.h>
#include <stdio.h>

#include "run/options.h"

struct pmt_live;

/*
 * Set up the outputs @o asks for (--html, --perfetto, --prometheus); *@out
 * stays NULL when it asks for none. Records written to pmt_live_stream()
 * go on to @json (the --json stream, or NULL). The metrics address is said
 * on @text. Returns 0, or a negative errno with a one-line reason in @err
 * (an output path that cannot be written, an address in use).
 */
int pmt_live_open(struct pmt_live **out, const struct pmt_options *o, FILE *json, FILE *text,
		  char *err, size_t errlen);

/* The stream the run writes its JSON Lines records to. */
FILE *pmt_live_stream(struct pmt_live *l);

/* Publish the totals to the metrics endpoint (cheap: call every tick). Accepts NULL. */
void pmt_live_tick(struct pmt_live *l);

/* A report interval ended: rewrite the HTML report (rate-limited). Accepts NULL. */
void pmt_live_report(struct pmt_live *l);

/* The run ended: the last HTML report and the Perfetto trace. 0 or -EIO (said on stderr). */
int pmt_live_finish(struct pmt_live *l);

/* Keep serving metrics until one more scrape or @seconds, or *@stop. Accepts NULL. */
void pmt_live_linger(struct pmt_live *l, double seconds, volatile sig_atomic_t *stop);

/* Stop serving, flush the last records through to --json, free. Accepts NULL. */
void pmt_live_close(struct pmt_live *l);

#endif
