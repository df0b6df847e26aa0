// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_json.c - JSON Lines records: attached, frame, report, final.
 * One object per line, flushed per record so a crash loses nothing written.
 */
#include <inttypes.h>

#include "report/report.h"
#include "run/options.h"

#define LIST_MAX 50

void pmt_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_str_or_null(FILE *f, const char *s)
{
	if (s)
		pmt_json_str(f, s);
	else
		fputs("null", f);
}

/* The options that shape what the reports show. */
static void json_options(FILE *f, const struct pmt_options *o)
{
	size_t i;

	fprintf(f, ",\"options\":{\"interval\":%g,\"duration\":%g,\"target_fps\":%g,"
		"\"spike_threshold\":%g,\"spike_floor_bytes\":%lu,\"max_frame_history\":%zu,"
		"\"top\":%zu,\"assets\":%s,\"gl_assets\":%s,\"track_use\":%s,\"growth_sites\":%s,"
		"\"frame_marker\":",
		o->interval_s, o->duration_s, o->target_fps, o->spike_threshold, o->spike_floor,
		o->history, o->top_n, o->no_assets ? "false" : "true",
		o->no_assets || o->no_gl_assets ? "false" : "true", o->track_use ? "true" : "false",
		o->no_growth_sites ? "false" : "true");
	pmt_json_str(f, o->marker ? o->marker : "auto");
	fputs(",\"budget\":", f);
	json_str_or_null(f, o->budget_file);
	fputs(",\"platform\":", f);
	json_str_or_null(f, o->platform);
	fprintf(f, ",\"trace_every\":%lu,\"trace_on_spike\":%lu,\"trace_all\":%s,"
		"\"trace_depth\":%lu,\"max_overhead\":%g",
		o->trace_every, o->trace_on_spike, o->trace_all ? "true" : "false", o->trace_depth,
		o->max_overhead);
	if (o->trace_to)
		fprintf(f, ",\"trace_frames\":[%lu,%lu]", o->trace_from, o->trace_to - 1);
	else
		fputs(",\"trace_frames\":null", f);
	fputs(",\"html\":", f);
	json_str_or_null(f, o->html_path);
	fputs(",\"perfetto\":", f);
	json_str_or_null(f, o->perfetto_path);
	fputs(",\"prometheus\":", f);
	json_str_or_null(f, o->prometheus);
	fputs(",\"labels\":{", f);
	for (i = 0; i < o->nlabels; i++) {
		if (i)
			fputc(',', f);
		pmt_json_str(f, o->labels[i].name);
		fputc(':', f);
		pmt_json_str(f, o->labels[i].value);
	}
	fputs("}}", f);
}

void pmt_json_attached(FILE *f, const struct pmt_attach_info *a)
{
	int i;

	fprintf(f, "{\"type\":\"attached\",\"schema_version\":%d,\"ts_ns\":%llu,\"pid\":%d,\"mode\":",
		PMT_SCHEMA_VERSION, a->ts_ns, a->pid);
	pmt_json_str(f, a->mode);
	fputs(",\"backend\":", f);
	pmt_json_str(f, a->backend ? a->backend : "bpf");
	if (a->sample_rate_hz > 0)
		fprintf(f, ",\"sample_rate_hz\":%g", a->sample_rate_hz);
	else
		fputs(",\"sample_rate_hz\":null", f);
	if (a->py_version) {
		fputs(",\"python\":{\"version\":", f);
		pmt_json_str(f, a->py_version);
		fputs(",\"build\":", f);
		pmt_json_str(f, a->py_build);
		fputs(",\"path\":", f);
		pmt_json_str(f, a->py_path);
		fputc('}', f);
	} else {
		fputs(",\"python\":null", f);
	}
	if (a->marker_lib) {
		fputs(",\"frame_marker\":{\"library\":", f);
		pmt_json_str(f, a->marker_lib);
		fputs(",\"symbol\":", f);
		pmt_json_str(f, a->marker_symbol);
		fprintf(f, ",\"offset\":%llu,\"instruction\":", a->marker_offset);
		pmt_json_str(f, a->marker_insn);
		fputs(",\"function\":", f);
		pmt_json_str(f, a->marker_function);
		fputs(",\"counts_also\":[", f);
		for (i = 0; i < a->n_also; i++) {
			if (i)
				fputc(',', f);
			pmt_json_str(f, a->counts_also[i]);
		}
		fputs("],\"nested\":", f);
		pmt_json_str(f, a->nested);
		fputs(",\"probes\":[", f);
		for (i = 0; i < a->n_probes; i++) {
			const struct pmt_attach_probe *p = &a->probes[i];

			fputs(i ? ",{\"function\":" : "{\"function\":", f);
			pmt_json_str(f, p->function);
			fputs(",\"library\":", f);
			pmt_json_str(f, p->library);
			fprintf(f, ",\"offset\":%llu,\"entry_offset\":%u,\"instruction\":",
				p->offset, p->entry_offset);
			pmt_json_str(f, p->insn);
			fputc('}', f);
		}
		fputs("]}", f);
	} else {
		fputs(",\"frame_marker\":null", f);
	}
	fprintf(f, ",\"gc_state\":%s,\"gc_timing\":", a->gc_state ? "true" : "false");
	pmt_json_str(f, a->gc_timing);
	fputs(",\"executable\":", f);
	json_str_or_null(f, a->executable);
	fputs(",\"cmdline\":", f);
	json_str_or_null(f, a->cmdline);
	if (a->frame_tid)
		fprintf(f, ",\"frame_tid\":%u", a->frame_tid);
	else
		fputs(",\"frame_tid\":null", f);
	fprintf(f, ",\"tool\":\"pmtrace-bpf %s\"", PMT_VERSION);
	if (a->options)
		json_options(f, a->options);
	fputs("}\n", f);
	fflush(f);
}

static const char *spike_kind(uint8_t k)
{
	switch (k & (PMT_SPIKE_MEMORY | PMT_SPIKE_TIME)) {
	case PMT_SPIKE_MEMORY:
		return "\"memory\"";
	case PMT_SPIKE_TIME:
		return "\"time\"";
	case PMT_SPIKE_MEMORY | PMT_SPIKE_TIME:
		return "\"memory+time\"";
	default:
		return "null";
	}
}

static void cause(FILE *f, enum pmt_cause c)
{
	const char *n = pmt_cause_name(c);

	if (n)
		fprintf(f, "\"%s\"", n);
	else
		fputs("null", f);
}

/* "assets":{type:{live,bytes,loads,frees}} for types with anything live or moving. */
static void json_frame_assets(FILE *f, const struct pmt_frame_assets *a)
{
	int t, k = 0;

	if (!a) {
		fputs(",\"assets\":null", f);
		return;
	}
	fputs(",\"assets\":{", f);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		if (!a->live[t] && !a->loads[t] && !a->frees[t])
			continue;
		fprintf(f, "%s\"%s\":{\"live\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"loads\":%" PRIu64
			",\"frees\":%" PRIu64 "}", k++ ? "," : "", pmt_asset_type_name(t), a->live[t],
			a->bytes[t], a->loads[t], a->frees[t]);
	}
	fputc('}', f);
}

void pmt_json_frame(FILE *f, const struct pmt_frame *fr, const struct pmt_growth_view *g,
		    const struct pmt_frame_assets *a)
{
	fprintf(f,
		"{\"type\":\"frame\",\"schema_version\":%d,\"frame\":%" PRIu64 ",\"ts_ns\":%" PRIu64
		",\"duration_ns\":%" PRIu64 ",\"rss_bytes\":%" PRIu64 ",\"rss_anon_bytes\":%" PRIu64
		",\"rss_file_bytes\":%" PRIu64 ",\"rss_shmem_bytes\":%" PRIu64
		",\"swap_bytes\":%" PRIu64 ",\"rss_delta_bytes\":%" PRId64 ",\"minflt\":%" PRIu64
		",\"majflt\":%" PRIu64 ",\"fault_time_est_ns\":%" PRIu64 ",\"sys_ns\":%" PRIu64 ",\"mapped_bytes\":%" PRIu64
		",\"unmapped_bytes\":%" PRIu64 ",\"brk_delta_bytes\":%" PRId64,
		PMT_SCHEMA_VERSION, fr->index, fr->ts_ns, fr->duration_ns, fr->rss_bytes,
		fr->rss_anon_bytes, fr->rss_file_bytes, fr->rss_shmem_bytes, fr->swap_bytes,
		fr->rss_delta_bytes, fr->minflt, fr->majflt, fr->fault_ns, fr->sys_ns, fr->mapped_bytes,
		fr->unmapped_bytes, fr->brk_delta_bytes);
	if (fr->gc_known)
		fprintf(f,
			",\"gc_collections\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64
			"],\"gc_collected\":%" PRIu64 ",\"gc_uncollectable\":%" PRIu64,
			fr->gc_collections[0], fr->gc_collections[1], fr->gc_collections[2],
			fr->gc_collected, fr->gc_uncollectable);
	else
		fputs(",\"gc_collections\":null,\"gc_collected\":null,\"gc_uncollectable\":null", f);
	if (fr->python_heap_known)
		fprintf(f, ",\"python_heap_bytes\":%" PRIu64, fr->python_heap_bytes);
	else
		fputs(",\"python_heap_bytes\":null", f);
	if (fr->gc_timed)
		fprintf(f, ",\"gc_ns\":%" PRIu64, fr->gc_ns);
	else
		fputs(",\"gc_ns\":null", f);
	fprintf(f, ",\"partial\":%s,\"spike\":%s,\"spike_kind\":%s,\"dropped\":%s,\"cause\":",
		fr->partial ? "true" : "false", fr->spike ? "true" : "false",
		spike_kind(fr->spike_kind), fr->dropped ? "true" : "false");
	cause(f, fr->cause);
	fprintf(f, ",\"budget_ns\":%" PRIu64 ",\"paced\":%s", fr->budget_ns,
		fr->paced ? "true" : "false");
	if (fr->prof)
		fprintf(f, ",\"profiler\":{\"traced\":%s,\"probes\":%s,\"cost_ns\":%" PRIu64
			",\"slow\":%s}", (fr->prof & PMT_PROF_TRACED) ? "true" : "false",
			(fr->prof & PMT_PROF_PROBES) ? "true" : "false", fr->prof_cost_ns,
			fr->prof_slow ? "true" : "false");
	else
		fputs(",\"profiler\":null", f);
	if (fr->gc_generation >= 0)
		fprintf(f, ",\"gc_generation\":%d,", fr->gc_generation);
	else
		fputs(",\"gc_generation\":null,", f);
	pmt_json_growth_sites(f, g, false);
	json_frame_assets(f, a);
	fputs("}\n", f);
}

/* The members of a report (no braces), shared by report and final. */
static void summary_members(FILE *f, const struct pmt_summary *s,
			    const struct pmt_report_frames *rf, unsigned long long lost)
{
	size_t i, n;
	int first;

	fprintf(f,
		"\"interval\":{\"first_frame\":%" PRIu64
		",\"frames\":%" PRIu64 ",\"seconds\":%.3f},\"frames\":%" PRIu64 ",\"fps\":%.2f"
		",\"frame_time_ns\":{\"mean\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p95\":%" PRIu64
		",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "},\"rss_bytes\":%" PRIu64
		",\"rss_peak_bytes\":%" PRIu64 ",\"rss_growth_bytes\":%" PRId64
		",\"growth_per_frame_bytes\":%.1f,\"gc_collections\":[%" PRIu64 ",%" PRIu64
		",%" PRIu64 "],\"gc_collected\":%" PRIu64 ",\"gc_ns\":%" PRIu64 ",\"minflt\":%" PRIu64
		",\"majflt\":%" PRIu64 ",\"mapped_bytes\":%" PRIu64 ",\"unmapped_bytes\":%" PRIu64
		",\"brk_bytes\":%" PRId64 ",\"spikes\":%" PRIu64 ",\"dropped\":%" PRIu64
		",\"causes\":{\"gc\":%" PRIu64 ",\"page_faults\":%" PRIu64 ",\"heap_growth\":%" PRIu64
		",\"none\":%" PRIu64 ",\"profiler\":%" PRIu64 "},\"profiler\":{\"frames\":%" PRIu64
		",\"traced\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"slow\":%" PRIu64
		",\"cost_ns\":%" PRIu64 "},\"lost_events\":%llu,\"spikes_memory\":%" PRIu64
		",\"spikes_time\":%" PRIu64 ",\"span_ns\":%" PRIu64,
		s->first_index, s->frames,
		s->span_ns / 1e9, s->frames, s->fps, s->dur_mean_ns, s->dur_p50_ns, s->dur_p95_ns,
		s->dur_p99_ns, s->dur_max_ns, s->rss_last_bytes, s->rss_peak_bytes,
		s->rss_growth_bytes, s->growth_per_frame, s->gc_collections[0],
		s->gc_collections[1], s->gc_collections[2], s->gc_collected, s->gc_ns, s->minflt,
		s->majflt, s->mapped_bytes, s->unmapped_bytes, s->brk_bytes, s->spikes, s->dropped,
		s->causes[PMT_CAUSE_GC], s->causes[PMT_CAUSE_PAGE_FAULTS],
		s->causes[PMT_CAUSE_HEAP_GROWTH], s->causes[PMT_CAUSE_NONE],
		s->causes[PMT_CAUSE_PROFILER], s->prof_frames, s->prof_traced, s->prof_dropped,
		s->prof_slow, s->prof_cost_ns, lost, s->spikes_memory, s->spikes_time, s->span_ns);
	fprintf(f, ",\"gc_timed_frames\":%" PRIu64, s->gc_timed_frames);
	fprintf(f, ",\"paced_frames\":%" PRIu64 ",\"pace_ns\":", s->paced_frames);
	if (s->paced_frames)
		fprintf(f, "%" PRIu64, s->pace_ns);
	else
		fputs("null", f);
	fputs(",\"spike_frames\":[", f);
	n = rf && rf->ring ? rf->ring->len : 0;
	for (i = 0, first = 1; i < n; i++) {
		const struct pmt_frame *fr = pmt_frame_ring_get(rf->ring, i);

		if (fr->index < rf->first_index || !fr->spike)
			continue;
		if (first > LIST_MAX)
			break;
		fprintf(f, "%s%" PRIu64, first == 1 ? "" : ",", fr->index);
		first++;
	}
	fputs("],\"drops\":[", f);
	for (i = 0, first = 1; i < n; i++) {
		const struct pmt_frame *fr = pmt_frame_ring_get(rf->ring, i);

		if (fr->index < rf->first_index || !fr->dropped || fr->cause == PMT_CAUSE_PROFILER)
			continue;
		if (first > LIST_MAX)
			break;
		fprintf(f, "%s{\"frame\":%" PRIu64 ",\"duration_ns\":%" PRIu64 ",\"cause\":",
			first == 1 ? "" : ",", fr->index, fr->duration_ns);
		cause(f, fr->cause);
		fputc('}', f);
		first++;
	}
	fputc(']', f);
}

void pmt_json_report(FILE *f, const struct pmt_summary *s, const struct pmt_report_frames *rf,
		     unsigned long long lost)
{
	fprintf(f, "{\"type\":\"report\",\"schema_version\":%d,", PMT_SCHEMA_VERSION);
	summary_members(f, s, rf, lost);
	fputs("}\n", f);
	fflush(f);
}

void pmt_json_final(FILE *f, const struct pmt_summary *s, const struct pmt_report_frames *rf,
		    const struct pmt_final_info *fi)
{
	fprintf(f,
		"{\"type\":\"final\",\"schema_version\":%d,\"frames\":%llu,\"lost_events\":%llu,"
		"\"lost_frames\":%llu,\"exit_reason\":",
		PMT_SCHEMA_VERSION, fi->frames, fi->lost_events, fi->lost_frames);
	pmt_json_str(f, fi->exit_reason);
	if (fi->target_exit_code >= 0)
		fprintf(f, ",\"target_exit_code\":%d", fi->target_exit_code);
	else
		fputs(",\"target_exit_code\":null", f);
	fputc(',', f);
	pmt_json_growth_sites(f, fi->growth, true);
	if (fi->growth)
		fprintf(f, ",\"growth_dropped\":%" PRIu64 ",\"growth_unresolved\":%" PRIu64,
			fi->growth->dropped, fi->growth->unresolved);
	else
		fputs(",\"growth_dropped\":null,\"growth_unresolved\":null", f);
	if (s) {
		fputs(",\"summary\":{", f);
		summary_members(f, s, rf, fi->lost_events);
		fputc('}', f);
	} else {
		fputs(",\"summary\":null", f);
	}
	if (fi->samples) {
		fputs(",\"samples\":{", f);
		pmt_json_sample_summary(f, fi->samples);
		fputc('}', f);
	} else {
		fputs(",\"samples\":null", f);
	}
	fputs("}\n", f);
	fflush(f);
}
