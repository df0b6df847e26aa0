// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_perfetto.c - a run as a Trace Event JSON file, which
 * ui.perfetto.dev and chrome://tracing open.
 *
 * Why this format and not Perfetto's protobuf: it is documented text,
 * written with fprintf and checked by a test in a few lines of Python;
 * the protobuf would need Perfetto's schema vendored and a protobuf
 * library for a gain (file size, load speed) that matters only for runs
 * of hours.
 *
 * Frames are complete ("X") slices on the game's frame thread, one after
 * the other: each starts where the previous one ended, both given in
 * microseconds with three decimals, so the nanosecond clock of the run is
 * kept exactly and slices never overlap. Counters ("C") carry RSS, the
 * Python heap, the bytes mapped in each frame and live asset bytes per
 * type, written when they change. Instant events ("i") mark spikes, drops
 * (with their cause), GC collections, traced frames, budget alerts and
 * frames in which the number of live assets of a type changed. Times are
 * the run's CLOCK_MONOTONIC, so a trace from another tool on the same
 * machine lines up.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "report/report.h"
#include "report/report_html.h"

typedef unsigned long long ull;

/* Nanoseconds as microseconds with three decimals: exact. */
static void us(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%03llu", (ull)(ns / 1000), (ull)(ns % 1000));
}

static void head(FILE *f, const char *ph, const char *name, int pid, unsigned tid, uint64_t ts)
{
	fprintf(f, ",\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u,\"ts\":", ph, pid, tid);
	us(f, ts);
	fputs(",\"name\":", f);
	pmt_json_str(f, name);
}

static void counter(FILE *f, const char *name, int pid, unsigned tid, uint64_t ts, const char *arg,
		    uint64_t v)
{
	head(f, "C", name, pid, tid, ts);
	fprintf(f, ",\"args\":{\"%s\":%" PRIu64 "}}", arg, v);
}

static void instant(FILE *f, const char *name, const char *cat, int pid, unsigned tid, uint64_t ts,
		    char scope)
{
	head(f, "i", name, pid, tid, ts);
	fprintf(f, ",\"cat\":\"%s\",\"s\":\"%c\"", cat, scope);
}

static void frame_events(FILE *f, const struct pmt_run *r, int pid, unsigned tid)
{
	static const char *const cause_names[] = { "other", "gc", "page_faults", "heap_growth" };
	uint64_t last_rss = UINT64_MAX, last_heap = UINT64_MAX;
	uint64_t last_bytes[PMT_ASSET_TYPES], last_live[PMT_ASSET_TYPES];
	bool first_sample = true;
	char name[200], b[32];
	size_t i;
	int t;

	memset(last_bytes, 0, sizeof(last_bytes));
	memset(last_live, 0, sizeof(last_live));
	for (i = 0; i < r->nframes; i++) {
		const struct pmt_run_frame *rf = &r->frames[i];
		const struct pmt_frame *fr = &rf->f;
		uint64_t end = fr->ts_ns, start = end - (fr->duration_ns < end ? fr->duration_ns : end);
		const struct pmt_run_asset_sample *s =
			rf->assets == PMT_RUN_NONE ? NULL : &r->asset_samples[rf->assets];

		snprintf(name, sizeof(name), "frame %" PRIu64, fr->index);
		head(f, "X", name, pid, tid, start);
		fputs(",\"cat\":\"frame\",\"dur\":", f);
		us(f, end - start);
		fprintf(f, ",\"args\":{\"frame\":%" PRIu64 ",\"rss_delta_bytes\":%" PRId64
			",\"minflt\":%" PRIu64 ",\"mapped_bytes\":%" PRIu64, fr->index,
			fr->rss_delta_bytes, fr->minflt, fr->mapped_bytes);
		if (fr->gc_timed)
			fprintf(f, ",\"gc_ns\":%" PRIu64, fr->gc_ns);
		if (fr->partial)
			fputs(",\"partial\":true", f);
		if (fr->dropped)
			fprintf(f, ",\"dropped\":true,\"cause\":\"%s\"", cause_names[fr->cause & 3]);
		if (rf->trace != PMT_RUN_NONE)
			fputs(",\"traced\":true", f);
		fputs("}}", f);

		if (fr->rss_bytes != last_rss)
			counter(f, "RSS", pid, tid, end, "bytes", last_rss = fr->rss_bytes);
		if (fr->python_heap_known && fr->python_heap_bytes != last_heap)
			counter(f, "Python heap", pid, tid, end, "bytes",
				last_heap = fr->python_heap_bytes);
		if (fr->mapped_bytes || i == 0 || r->frames[i - 1].f.mapped_bytes)
			counter(f, "mapped in frame", pid, tid, end, "bytes", fr->mapped_bytes);
		if (s) {
			char lf[160];
			int off = 0;
			bool moved = false;

			for (t = 0; t < PMT_ASSET_TYPES; t++) {
				if (first_sample || s->bytes[t] != last_bytes[t]) {
					snprintf(b, sizeof(b), "assets %s", pmt_asset_type_name(t));
					if (!first_sample || s->bytes[t])
						counter(f, b, pid, tid, end, "bytes", s->bytes[t]);
				}
				if (!first_sample && s->live[t] != last_live[t])
					moved = true;
			}
			for (t = 0; moved && t < PMT_ASSET_TYPES && off < (int)sizeof(lf) - 40; t++)
				if (s->loads[t] || s->frees[t])
					off += snprintf(lf + off, sizeof(lf) - (size_t)off, "%s%s +%u -%u",
							off ? "," : "", pmt_asset_type_name(t),
							s->loads[t], s->frees[t]);
			if (moved) {
				snprintf(name, sizeof(name), "assets:%s", off ? lf : " freed before attach");
				instant(f, name, "assets", pid, tid, end, 't');
				fputs(",\"args\":{", f);
				for (t = 0, off = 0; t < PMT_ASSET_TYPES; t++)
					if (s->loads[t] || s->frees[t] || s->live[t] != last_live[t])
						fprintf(f, "%s\"%s\":{\"loads\":%u,\"frees\":%u,\"live\":%" PRIu64
							"}", off++ ? "," : "", pmt_asset_type_name(t),
							s->loads[t], s->frees[t], s->live[t]);
				fputs("}}", f);
			}
			memcpy(last_bytes, s->bytes, sizeof(last_bytes));
			memcpy(last_live, s->live, sizeof(last_live));
			first_sample = false;
		}
		if (fr->spike) {
			snprintf(name, sizeof(name), "spike: %s%s%s",
				 fr->spike_kind & PMT_SPIKE_MEMORY ?
					 pmt_fmt_bytes(b, sizeof(b), (double)fr->rss_delta_bytes, 1) : "",
				 fr->spike_kind == (PMT_SPIKE_MEMORY | PMT_SPIKE_TIME) ? " " : "",
				 fr->spike_kind & PMT_SPIKE_TIME ? "slow" : "");
			instant(f, name, "spike", pid, tid, end, 't');
			fprintf(f, ",\"args\":{\"frame\":%" PRIu64 "}}", fr->index);
		}
		if (fr->dropped) {
			snprintf(name, sizeof(name), "drop (%s)", cause_names[fr->cause & 3]);
			instant(f, name, "drop", pid, tid, end, 't');
			fprintf(f, ",\"args\":{\"frame\":%" PRIu64 ",\"duration_ns\":%" PRIu64 "}}",
				fr->index, fr->duration_ns);
		}
		if (fr->gc_known && (fr->gc_collections[0] || fr->gc_collections[1] ||
				     fr->gc_collections[2])) {
			snprintf(name, sizeof(name), "gc (gen%d)", fr->gc_generation < 0 ? 0 :
								     fr->gc_generation);
			instant(f, name, "gc", pid, tid, end, 't');
			fprintf(f, ",\"args\":{\"collections\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64
				"],\"collected\":%" PRIu64, fr->gc_collections[0], fr->gc_collections[1],
				fr->gc_collections[2], fr->gc_collected);
			if (fr->gc_timed)
				fprintf(f, ",\"gc_ns\":%" PRIu64, fr->gc_ns);
			fputs("}}", f);
		}
		if (rf->trace != PMT_RUN_NONE) {
			const struct pmt_run_trace *tr = &r->traces[rf->trace];

			instant(f, "traced", "trace", pid, tid, end, 't');
			fprintf(f, ",\"args\":{\"allocs\":%" PRIu64 ",\"alloc_bytes\":%" PRIu64 "}}",
				tr->allocs, tr->alloc_bytes);
		}
	}
}

static void alerts(FILE *f, const struct pmt_run *r, int pid, unsigned tid)
{
	char name[200];
	size_t i;

	for (i = 0; i < r->nalerts; i++) {
		const struct pmt_run_alert *a = &r->alerts[i];
		long ix = pmt_run_find_frame(r, a->frame);
		uint64_t ts = ix >= 0 ? r->frames[ix].f.ts_ns : a->ts_ns;

		if (!ts)
			continue; /* neither the frame nor a time: nothing to place it at */
		snprintf(name, sizeof(name), "budget %s: %s", a->state, a->budget);
		instant(f, name, "budget", pid, tid, ts, 'p');
		fprintf(f, ",\"args\":{\"usage_bytes\":%" PRIu64 ",\"limit_bytes\":%" PRIu64
			",\"percent\":%u,\"frame\":%" PRIu64 "}}", a->usage, a->limit, a->percent,
			a->frame);
	}
}

int pmt_perfetto_write(FILE *f, const struct pmt_run *r)
{
	const struct pmt_run_attached *a = &r->attached;
	int pid = a->present ? a->pid : 1;
	unsigned tid = a->present && a->frame_tid ? a->frame_tid : (unsigned)pid;
	char name[512];

	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"tool\":\"pmtrace-bpf " PMT_VERSION "\"",
	      f);
	if (a->present) {
		fputs(",\"python\":", f);
		pmt_json_str(f, a->py_version);
		fputs(",\"frame_marker\":", f);
		pmt_json_str(f, a->marker_symbol);
	}
	if (r->final.present) {
		fputs(",\"exit_reason\":", f);
		pmt_json_str(f, r->final.exit_reason);
	}
	fputs("},\"traceEvents\":[\n", f);
	snprintf(name, sizeof(name), "%s (pid %d)",
		 a->cmdline ? a->cmdline : a->executable ? a->executable : "game", pid);
	fprintf(f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"name\":\"process_name\",\"args\":{\"name\":",
		pid, tid);
	pmt_json_str(f, name);
	fprintf(f, "}},\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"name\":\"thread_name\",\"args\":"
		"{\"name\":", pid, tid);
	snprintf(name, sizeof(name), "frames (%s)", a->present ? a->marker_symbol : "frame marker");
	pmt_json_str(f, name);
	fputs("}}", f);
	frame_events(f, r, pid, tid);
	alerts(f, r, pid, tid);
	fputs("\n]}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
