// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_prom.c - a run's totals in the Prometheus text exposition format
 * (version 0.0.4): counters end in _total, byte gauges in _bytes, times in
 * _seconds, histograms with cumulative buckets, _sum and _count. Every
 * series carries the game's labels (pid, executable, and the user's
 * --label KEY=VALUE), so one Prometheus server scrapes a room of
 * playtest machines and still tells them apart.
 */
#include <inttypes.h>
#include <string.h>

#include "pmtrace/budget.h"
#include "report/report.h"
#include "report/report_prom.h"

/* A label value, escaped as the exposition format wants (\\, \", \n). */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

bool pmt_prom_label_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= PMT_PROM_LABEL_LEN || (s[0] >= '0' && s[0] <= '9') ||
	    (len >= 2 && s[0] == '_' && s[1] == '_'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* The game's labels and @extra (already formatted "k=\"v\"" or NULL), in braces. */
static void labels(FILE *f, const struct pmt_prom_view *v, const char *k1, const char *v1,
		   const char *k2, const char *v2)
{
	size_t i;

	fputs("{pid=", f);
	fprintf(f, "\"%d\"", v->pid);
	fputs(",executable=", f);
	label_value(f, v->executable);
	for (i = 0; i < v->nlabels; i++) {
		fprintf(f, ",%s=", v->labels[i].name);
		label_value(f, v->labels[i].value);
	}
	if (k1) {
		fprintf(f, ",%s=", k1);
		label_value(f, v1);
	}
	if (k2) {
		fprintf(f, ",%s=", k2);
		label_value(f, v2);
	}
	fputc('}', f);
}

static void meta(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const struct pmt_prom_view *v, const char *name, const char *k1,
		   const char *v1, const char *k2, const char *v2, double x)
{
	fputs(name, f);
	labels(f, v, k1, v1, k2, v2);
	if (x >= 0 && x < 1e18 && x == (double)(uint64_t)x)
		fprintf(f, " %" PRIu64 "\n", (uint64_t)x);
	else
		fprintf(f, " %.17g\n", x);
}

static void one(FILE *f, const struct pmt_prom_view *v, const char *name, const char *type,
		const char *help, double x)
{
	meta(f, name, type, help);
	sample(f, v, name, NULL, NULL, NULL, NULL, x);
}

static void histogram(FILE *f, const struct pmt_prom_view *v, const char *name, const char *help,
		      const double *bounds, size_t nb, const uint64_t *counts, double sum)
{
	char n[96], le[32];
	uint64_t cum = 0;
	size_t i;

	meta(f, name, "histogram", help);
	snprintf(n, sizeof(n), "%s_bucket", name);
	for (i = 0; i < nb; i++) {
		cum += counts[i];
		snprintf(le, sizeof(le), "%g", bounds[i]);
		sample(f, v, n, "le", le, NULL, NULL, (double)cum);
	}
	cum += counts[nb];
	sample(f, v, n, "le", "+Inf", NULL, NULL, (double)cum);
	snprintf(n, sizeof(n), "%s_sum", name);
	sample(f, v, n, NULL, NULL, NULL, NULL, sum);
	snprintf(n, sizeof(n), "%s_count", name);
	sample(f, v, n, NULL, NULL, NULL, NULL, (double)cum);
}

void pmt_prom_text(FILE *f, const struct pmt_prom_view *v)
{
	static const char *const causes[] = { "other", "gc", "page_faults", "heap_growth" };
	static const char *const kinds[] = { "memory", "time", "memory+time" };
	static const char *const gens[] = { "0", "1", "2" };
	static const char *const states[] = { "ok", "approaching", "exceeded" };
	const struct pmt_run_totals *t = &v->t;
	size_t i;
	int k;

	one(f, v, "pmtrace_up", "gauge",
	    "1 while pmtrace-bpf follows the game, 0 once the run ended (totals stay final)",
	    v->attached && !t->ended ? 1 : 0);
	if (!v->attached)
		return;
	meta(f, "pmtrace_info", "gauge", "The run: Python version, frame marker, attach or launch");
	fputs("pmtrace_info", f);
	labels(f, v, "python_version", v->python_version, "frame_marker", v->frame_marker);
	fputs(" 1\n", f);
	one(f, v, "pmtrace_frames_total", "counter", "Frames seen (marker calls after the first)",
	    (double)t->frames);
	one(f, v, "pmtrace_partial_frames_total", "counter",
	    "Frames spanning records lost to a full ring buffer", (double)t->partial_frames);
	meta(f, "pmtrace_dropped_frames_total", "counter",
	     "Frames over 1.25 frame budgets, by the memory cause that explains them (other: none)");
	for (k = 0; k < 4; k++)
		sample(f, v, "pmtrace_dropped_frames_total", "cause", causes[k], NULL, NULL,
		       (double)t->dropped[k]);
	meta(f, "pmtrace_spikes_total", "counter",
	     "Spike frames (memory growth or frame time far above the rolling baseline), by kind");
	for (k = 0; k < 3; k++)
		sample(f, v, "pmtrace_spikes_total", "kind", kinds[k], NULL, NULL, (double)t->spikes[k]);
	histogram(f, v, "pmtrace_frame_duration_seconds", "Frame time (partial frames left out)",
		  pmt_run_dur_bounds, PMT_RUN_DUR_BUCKETS, t->dur_count, t->dur_sum_s);
	histogram(f, v, "pmtrace_frame_rss_growth_bytes",
		  "RSS change over one frame (le=\"0\": frames that did not grow)",
		  pmt_run_growth_bounds, PMT_RUN_GROWTH_BUCKETS, t->growth_count, t->growth_sum);
	one(f, v, "pmtrace_rss_bytes", "gauge", "Resident memory at the last frame", (double)t->rss);
	one(f, v, "pmtrace_rss_peak_bytes", "gauge", "Highest resident memory at a frame's end",
	    (double)t->rss_peak);
	if (t->python_heap_known)
		one(f, v, "pmtrace_python_heap_bytes", "gauge",
		    "pymalloc's arenas (the Python object heap) at the last frame",
		    (double)t->python_heap);
	if (t->gc_known) {
		meta(f, "pmtrace_gc_collections_total", "counter",
		     "Collections of CPython's cyclic GC, by generation");
		for (k = 0; k < PMT_GENS; k++)
			sample(f, v, "pmtrace_gc_collections_total", "generation", gens[k], NULL, NULL,
			       (double)t->gc_collections[k]);
		one(f, v, "pmtrace_gc_collected_objects_total", "counter",
		    "Objects the cyclic GC freed", (double)t->gc_collected);
	}
	if (t->gc_timed) {
		meta(f, "pmtrace_gc_seconds_total", "counter",
		     "Time in the cyclic GC, by the oldest generation collected in the frame");
		for (k = 0; k < PMT_GENS; k++)
			sample(f, v, "pmtrace_gc_seconds_total", "generation", gens[k], NULL, NULL,
			       t->gc_ns[k] / 1e9);
	}
	meta(f, "pmtrace_page_faults_total", "counter", "Page faults of the game, minor and major");
	sample(f, v, "pmtrace_page_faults_total", "kind", "minor", NULL, NULL, (double)t->minflt);
	sample(f, v, "pmtrace_page_faults_total", "kind", "major", NULL, NULL, (double)t->majflt);
	one(f, v, "pmtrace_mapped_bytes_total", "counter", "Bytes mapped (mmap, mremap growth)",
	    (double)t->mapped);
	one(f, v, "pmtrace_unmapped_bytes_total", "counter", "Bytes unmapped (munmap, mremap shrink)",
	    (double)t->unmapped);
	if (t->assets_known) {
		meta(f, "pmtrace_assets", "gauge", "Live assets by type (surfaces, textures, sounds...)");
		for (k = 0; k < PMT_ASSET_TYPES; k++)
			sample(f, v, "pmtrace_assets", "type", pmt_asset_type_name(k), NULL, NULL,
			       (double)t->asset_live[k]);
		meta(f, "pmtrace_asset_bytes", "gauge", "Bytes held by live assets, by type");
		for (k = 0; k < PMT_ASSET_TYPES; k++)
			sample(f, v, "pmtrace_asset_bytes", "type", pmt_asset_type_name(k), NULL, NULL,
			       (double)t->asset_bytes[k]);
		meta(f, "pmtrace_asset_loads_total", "counter", "Assets created, by type");
		for (k = 0; k < PMT_ASSET_TYPES; k++)
			sample(f, v, "pmtrace_asset_loads_total", "type", pmt_asset_type_name(k), NULL,
			       NULL, (double)t->asset_loads[k]);
		meta(f, "pmtrace_asset_frees_total", "counter", "Assets freed, by type");
		for (k = 0; k < PMT_ASSET_TYPES; k++)
			sample(f, v, "pmtrace_asset_frees_total", "type", pmt_asset_type_name(k), NULL,
			       NULL, (double)t->asset_frees[k]);
	}
	if (t->nbudgets) {
		meta(f, "pmtrace_budget_usage_bytes", "gauge", "Memory a budget counts, at the last check");
		for (i = 0; i < t->nbudgets; i++)
			sample(f, v, "pmtrace_budget_usage_bytes", "budget", t->budgets[i].path, NULL,
			       NULL, (double)t->budgets[i].usage);
		meta(f, "pmtrace_budget_limit_bytes", "gauge", "A budget's limit");
		for (i = 0; i < t->nbudgets; i++)
			sample(f, v, "pmtrace_budget_limit_bytes", "budget", t->budgets[i].path, NULL,
			       NULL, (double)t->budgets[i].limit);
		meta(f, "pmtrace_budget_state", "gauge",
		     "1 for a budget's current state (ok, approaching, exceeded), 0 for the others");
		for (i = 0; i < t->nbudgets; i++)
			for (k = 0; k < 3; k++)
				sample(f, v, "pmtrace_budget_state", "budget", t->budgets[i].path,
				       "state", states[k], t->budgets[i].state == k ? 1 : 0);
	}
	one(f, v, "pmtrace_budget_violations_total", "counter",
	    "Times a budget went to exceeded", (double)t->budget_violations);
	one(f, v, "pmtrace_lost_events_total", "counter",
	    "Records the kernel's ring buffer dropped (frames then read as partial)",
	    (double)t->lost_events);
}

void pmt_prom_view_from_run(struct pmt_prom_view *v, const struct pmt_run *r)
{
	const struct pmt_run_attached *a = &r->attached;

	v->t = r->totals;
	v->attached = a->present;
	if (!a->present)
		return;
	v->pid = a->pid;
	snprintf(v->executable, sizeof(v->executable), "%s", a->executable ? a->executable : "");
	snprintf(v->python_version, sizeof(v->python_version), "%s", a->py_version);
	snprintf(v->frame_marker, sizeof(v->frame_marker), "%s", a->marker_symbol);
}
