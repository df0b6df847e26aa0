// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_budget.c - budgets, budget alerts with their eviction plans, and
 * platform fit, as text. They format the record structs of runfile.h, so
 * a live run (budget_run.c fills them from its state) and a run read back
 * (report_replay.c) print the same lines.
 */
#include <string.h>

#include "pmtrace/budget.h"
#include "pmtrace/platform.h"
#include "report/report.h"

#define PLAN_SHOWN 5

void pmt_text_alert(FILE *f, const struct pmt_run_alert *a)
{
	char b1[32], b2[32];
	size_t i;

	if (!f)
		return;
	pmt_budget_format_size(a->usage, b1, sizeof(b1));
	pmt_budget_format_size(a->limit, b2, sizeof(b2));
	fprintf(f, "pmtrace: budget %s %s at %s %llu: %s of %s (%u %%)\n", a->budget, a->state,
		a->sampled ? "sample" : "frame", (unsigned long long)a->frame, b1, b2, a->percent);
	if (a->has_plan) {
		pmt_budget_format_size(a->bytes_freed, b1, sizeof(b1));
		pmt_budget_format_size(a->bytes_needed, b2, sizeof(b2));
		fprintf(f, "    eviction (%s%s): release %zu assets, %s of %s needed: %s\n",
			a->strategy, a->use_tracking ? "" : ", no use tracking: by age", a->nrelease,
			b1, b2, a->status);
		for (i = 0; i < a->nrelease && i < PLAN_SHOWN; i++) {
			const struct pmt_run_release *c = &a->release[i];

			pmt_budget_format_size(c->bytes, b1, sizeof(b1));
			fprintf(f, "      %zu. %9s %-7s %.40s%s%.30s\n", i + 1, b1, c->type,
				c->path ? c->path : "", c->path ? "  " : "", c->site ? c->site : "");
		}
		if (a->nrelease > PLAN_SHOWN)
			fprintf(f, "      ... %zu more\n", a->nrelease - PLAN_SHOWN);
	}
	fflush(f);
}

void pmt_text_budgets(FILE *f, const struct pmt_run_budgets *b)
{
	size_t i;

	if (!f)
		return;
	fprintf(f, "  budgets:\n");
	for (i = 0; i < b->n; i++) {
		const struct pmt_run_budget *x = &b->v[i];
		char b1[32], b2[32];

		pmt_budget_format_size(x->usage, b1, sizeof(b1));
		pmt_budget_format_size(x->limit, b2, sizeof(b2));
		fprintf(f, "    %-40.40s %10s of %-10s %5.1f %%  %s\n", x->path, b1, b2,
			x->limit ? 100.0 * (double)x->usage / (double)x->limit : 0.0, x->state);
	}
}

/* One advice line, wrapped at a word to stay under 100 columns. */
static void print_wrapped(FILE *f, const char *s)
{
	const int width = 94;
	int indent = 4;

	while (strlen(s) > (size_t)width) {
		int cut = width;

		while (cut > 20 && s[cut] != ' ')
			cut--;
		fprintf(f, "%*s%.*s\n", indent, "", cut, s);
		s += cut + (s[cut] == ' ');
		indent = 6;
	}
	fprintf(f, "%*s%s\n", indent, "", s);
}

static enum pmt_fit_verdict verdict_of(const char *name)
{
	int v;

	for (v = PMT_FIT_UNKNOWN; v <= PMT_FIT_OVER; v++)
		if (name && !strcmp(name, pmt_fit_verdict_name((enum pmt_fit_verdict)v)))
			return (enum pmt_fit_verdict)v;
	return PMT_FIT_UNKNOWN;
}

void pmt_text_platforms(FILE *f, const struct pmt_run_platforms *p)
{
	static const char *const title[] = { "", "fits the recommended target", "fits", "over",
					     "unknown limit" };
	size_t i;
	int k;

	if (!f)
		return;
	if (p->python_heap_peak_bytes)
		fprintf(f, "  platforms (peak %.1f MiB, python heap peak %.1f MiB):",
			p->peak_bytes / 1048576.0, p->python_heap_peak_bytes / 1048576.0);
	else
		fprintf(f, "  platforms (peak %.1f MiB):", p->peak_bytes / 1048576.0);
	for (k = PMT_FIT_RECOMMENDED; k <= PMT_FIT_OVER + 1; k++) {
		int col = 0, any = 0;

		for (i = 0; i < p->n; i++) {
			const struct pmt_run_profile *x = &p->profiles[i];
			enum pmt_fit_verdict v = verdict_of(x->verdict);

			if ((k <= PMT_FIT_OVER && (int)v != k) ||
			    (k == PMT_FIT_OVER + 1 && v != PMT_FIT_UNKNOWN))
				continue;
			if (!any++)
				col = fprintf(f, "\n    %s:", title[k]);
			if (col > 88) {
				fputs("\n      ", f);
				col = 6;
			}
			if (v == PMT_FIT_OVER) {
				/* as pmt_platform_fit() computes over_pct */
				double pct = x->available != UINT64_MAX && x->available ?
						     (double)x->over * 100.0 / (double)x->available : 0.0;

				col += fprintf(f, " %s(+%.0f%%)", x->id, pct > 0 ? pct : 0.0);
			} else {
				col += fprintf(f, " %s", x->id);
			}
		}
	}
	fputc('\n', f);
	if (p->platform) {
		fprintf(f, "  advice for %s (%s):\n", p->platform,
			p->platform_name ? p->platform_name : p->platform);
		for (i = 0; i < p->nadvice; i++)
			print_wrapped(f, p->advice[i]);
	}
}
