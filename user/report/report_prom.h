/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_prom.h - a run's totals as Prometheus metrics (text exposition
 * format). Formatting only: the view is a self-contained copy, so the HTTP
 * thread formats it without touching the run.
 */
#ifndef PMT_REPORT_PROM_H
#define PMT_REPORT_PROM_H

#include <stdbool.h>
#include <stdio.h>

#include "pmtrace/runfile.h"

#define PMT_PROM_LABELS 8
#define PMT_PROM_LABEL_LEN 64
#define PMT_PROM_VALUE_LEN 256

struct pmt_prom_label {
	char name[PMT_PROM_LABEL_LEN];
	char value[PMT_PROM_VALUE_LEN];
};

/* Everything the exposition shows, by value. */
struct pmt_prom_view {
	struct pmt_run_totals t;
	bool attached;            /* the run's attached record was read */
	int pid;
	char executable[PMT_PROM_VALUE_LEN];
	char python_version[32];
	char frame_marker[128];
	struct pmt_prom_label labels[PMT_PROM_LABELS]; /* --label KEY=VALUE */
	size_t nlabels;
};

/* True when @s (@len bytes) is a valid Prometheus label name, not reserved (__*). */
bool pmt_prom_label_name_ok(const char *s, size_t len);

/* The totals and game labels of @r into @v (user labels untouched). */
void pmt_prom_view_from_run(struct pmt_prom_view *v, const struct pmt_run *r);

/* Write @v in the text exposition format to @f. */
void pmt_prom_text(FILE *f, const struct pmt_prom_view *v);

#endif
