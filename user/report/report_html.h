/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_html.h - the HTML report and the Perfetto trace of a run (live or
 * read back): formatting only, from the records of runfile.h.
 */
#ifndef PMT_REPORT_HTML_H
#define PMT_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "pmtrace/runfile.h"
#include "run/options.h"

struct pmt_html_opts {
	const char *source;        /* what the report was made from (a file name), or NULL */
	bool live;                 /* the run goes on: the page reloads itself */
	double refresh_s;          /* ... every this many seconds */
	const char *const *notes;  /* lines shown under the header (skipped records...) */
	size_t nnotes;
};

/*
 * Write the whole HTML report of @r to @f. Returns 0, -ENOMEM, or -EIO
 * when writing failed.
 */
int pmt_html_write(FILE *f, const struct pmt_run *r, const struct pmt_html_opts *o);

/*
 * Write @r as a Chrome/Perfetto Trace Event JSON file to @f (frames as
 * complete slices on the game's thread, counters, instant events).
 * Returns 0, -ENOMEM or -EIO.
 */
int pmt_perfetto_write(FILE *f, const struct pmt_run *r);

#endif
