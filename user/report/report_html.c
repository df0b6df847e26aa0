// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_html.c - the HTML report: one self-contained file (no network, no
 * CDN) holding the run's data and a small canvas-drawing script.
 *
 * The data goes in a <script type="application/json"> block: per-frame
 * columns as base64 typed arrays (little-endian, what JavaScript's typed
 * arrays read on every platform we ship), the run's records as they were
 * written, and summaries recomputed from the frames. Every '<' in the JSON
 * is written as \u003c, so no string in the data (a file path, a Python
 * function name) can close the script element. The page's behaviour is
 * user/report/html/report.js, embedded at build time.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "report/report.h"
#include "report/report_html.h"

extern const char pmt_html_js[];
extern const size_t pmt_html_js_len;
extern const char pmt_html_css[];
extern const size_t pmt_html_css_len;

#define GROWTH_ENTRIES_MAX 200000 /* per-frame growth sites embedded */

/* ---- JSON for a script element ---------------------------------------------- */

/* A JSON string; '<', '>' and '&' as \u escapes so the HTML parser never sees markup. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A record's JSON text as written (null when absent), '<' escaped. */
static void jraw(FILE *f, const char *json)
{
	const char *p;

	if (!json || !*json) {
		fputs("null", f);
		return;
	}
	/* '<' only occurs inside JSON strings, where \u003c means the same. */
	for (p = json; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", f);
		else if (*p == '>')
			fputs("\\u003e", f);
		else if (*p == '&')
			fputs("\\u0026", f);
		else
			fputc(*p, f);
	}
}

static void jnum(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

/* ---- base64 columns ------------------------------------------------------------- */

static void b64_raw(FILE *f, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		fputc(tab[v >> 18], f);
		fputc(tab[(v >> 12) & 63], f);
		fputc(tab[(v >> 6) & 63], f);
		fputc(tab[v & 63], f);
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);

		fputc(tab[v >> 18], f);
		fputc(tab[(v >> 12) & 63], f);
		fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', f);
		fputc('=', f);
	}
}


/* Little-endian stores (the columns are read as typed arrays). */
static void put_f64(unsigned char *p, double v)
{
	uint64_t u;
	int i;

	memcpy(&u, &v, 8);
	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static void put_f32(unsigned char *p, float v)
{
	uint32_t u;
	int i;

	memcpy(&u, &v, 4);
	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static void put_u16(unsigned char *p, uint64_t v)
{
	if (v > 65535)
		v = 65535;
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

/* A column: @width bytes per frame, filled by @fill for each frame. */
struct col {
	const char *name;
	size_t width;
	void (*fill)(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0,
		     int arg, unsigned char *out);
	int arg;
};

static void c_t(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		unsigned char *o)
{
	(void)r, (void)a;
	put_f64(o, (double)(int64_t)(rf->f.ts_ns - t0) / 1e6);
}

static void c_dur(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		  unsigned char *o)
{
	(void)r, (void)t0, (void)a;
	put_f32(o, (float)(rf->f.duration_ns / 1e6));
}

/* Byte counts are page multiples (RSS, mappings) or display-only: float32 keeps
 * page multiples exact up to 64 GiB and halves the page. */
static void c_bytes(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	const struct pmt_frame *f = &rf->f;
	double v = 0;

	(void)r, (void)t0;
	switch (a) {
	case 0: v = (double)f->rss_bytes; break;
	case 1: v = (double)f->rss_delta_bytes; break;
	case 2: v = f->python_heap_known ? (double)f->python_heap_bytes : NAN; break;
	case 3: v = (double)f->mapped_bytes; break;
	case 4: v = (double)f->unmapped_bytes; break;
	case 5: v = (double)f->brk_delta_bytes; break;
	}
	put_f32(o, (float)v);
}

static void c_index(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	(void)r, (void)t0, (void)a;
	put_f64(o, (double)rf->f.index);
}

static void c_f32(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		  unsigned char *o)
{
	const struct pmt_frame *f = &rf->f;
	double v = 0;

	(void)r, (void)t0;
	switch (a) {
	case 0: v = (double)f->minflt; break;
	case 1: v = (double)f->majflt; break;
	case 2: v = f->gc_known ? (double)f->gc_collected : NAN; break;
	case 3: v = f->gc_timed ? f->gc_ns / 1e6 : NAN; break;
	case 4: v = f->fault_ns / 1e6; break;
	}
	put_f32(o, (float)v);
}

static void c_gcc(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		  unsigned char *o)
{
	int g;

	(void)r, (void)t0, (void)a;
	for (g = 0; g < PMT_GENS; g++)
		put_u16(o + 2 * g, rf->f.gc_known ? rf->f.gc_collections[g] : 0);
}

/* flags: 1 memory spike, 2 time spike, 4 dropped, 8 partial, 16 traced, 32 growth
 * sites, 64 GC state known, 128 GC timed. */
static void c_flags(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	const struct pmt_frame *f = &rf->f;

	(void)r, (void)t0, (void)a;
	o[0] = (unsigned char)((f->spike && (f->spike_kind & PMT_SPIKE_MEMORY) ? 1 : 0) |
			       (f->spike && (f->spike_kind & PMT_SPIKE_TIME) ? 2 : 0) |
			       (f->dropped ? 4 : 0) | (f->partial ? 8 : 0) |
			       (rf->trace != PMT_RUN_NONE ? 16 : 0) | (rf->growth_n ? 32 : 0) |
			       (f->gc_known ? 64 : 0) | (f->gc_timed ? 128 : 0));
}

/* cause (0 none, 1 gc, 2 page faults, 3 heap growth, 4 profiler) | (oldest generation + 1) << 4 */
static void c_cause(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	(void)r, (void)t0, (void)a;
	o[0] = (unsigned char)(((unsigned)rf->f.cause & 15) | (unsigned)(rf->f.gc_generation + 1) << 4);
}

static const struct pmt_run_asset_sample *sample_of(const struct pmt_run *r,
						      const struct pmt_run_frame *rf)
{
	return rf->assets == PMT_RUN_NONE ? NULL : &r->asset_samples[rf->assets];
}

static void c_abytes(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		     unsigned char *o)
{
	const struct pmt_run_asset_sample *s = sample_of(r, rf);

	(void)t0;
	put_f32(o, s ? (float)s->bytes[a] : NAN);
}

static void c_alive(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	const struct pmt_run_asset_sample *s = sample_of(r, rf);

	(void)t0;
	put_f32(o, s ? (float)s->live[a] : NAN);
}

static void c_aload(const struct pmt_run *r, const struct pmt_run_frame *rf, uint64_t t0, int a,
		    unsigned char *o)
{
	const struct pmt_run_asset_sample *s = sample_of(r, rf);

	(void)t0;
	put_u16(o, s ? s->loads[a] : 0);
	put_u16(o + 2, s ? s->frees[a] : 0);
}

/* Column storage: a scratch row buffer and the binary area the columns go to. */
struct colbuf {
	unsigned char *tmp;       /* nframes x 8 bytes */
	FILE *bin;                /* the binary area (a memory stream) */
	size_t off;               /* its length so far */
};

/* A column into the binary area (8-byte aligned, for typed arrays); {"o":offset,"n":bytes} in the JSON. */
static void write_col(FILE *f, const struct pmt_run *r, const struct col *c, uint64_t t0,
		      struct colbuf *cb)
{
	static const unsigned char pad[8];
	size_t i, n = r->nframes * c->width;

	for (i = 0; i < r->nframes; i++)
		c->fill(r, &r->frames[i], t0, c->arg, cb->tmp + i * c->width);
	fputs(",", f);
	jstr(f, c->name);
	fprintf(f, ":{\"o\":%zu,\"n\":%zu}", cb->off, n);
	fwrite(cb->tmp, 1, n, cb->bin);
	fwrite(pad, 1, (8 - n % 8) % 8, cb->bin);
	cb->off += n + (8 - n % 8) % 8;
}

static const struct col frame_cols[] = {
	{ "t", 8, c_t, 0 },            { "dur", 4, c_dur, 0 },      { "rss", 4, c_bytes, 0 },
	{ "delta", 4, c_bytes, 1 },    { "heap", 4, c_bytes, 2 },   { "mapped", 4, c_bytes, 3 },
	{ "unmapped", 4, c_bytes, 4 }, { "brk", 4, c_bytes, 5 },    { "minflt", 4, c_f32, 0 },
	{ "majflt", 4, c_f32, 1 },     { "collected", 4, c_f32, 2 }, { "gcms", 4, c_f32, 3 },
	{ "faultms", 4, c_f32, 4 },    { "gcc", 6, c_gcc, 0 },      { "flags", 1, c_flags, 0 },
	{ "cause", 1, c_cause, 0 },
};

/* Frame numbers are written only when they are not first, first + 1, ... */
static bool contiguous(const struct pmt_run *r)
{
	size_t i;

	for (i = 1; i < r->nframes; i++)
		if (r->frames[i].f.index != r->frames[0].f.index + i)
			return false;
	return true;
}

static int write_frames(FILE *f, const struct pmt_run *r, struct colbuf *buf)
{
	uint64_t t0 = r->nframes ? r->frames[0].f.ts_ns - r->frames[0].f.duration_ns : 0;
	bool used[PMT_ASSET_TYPES] = { false };
	size_t i, k;
	int t;

	fprintf(f, "\"frames\":{\"n\":%zu,\"t0_ns\":%" PRIu64 ",\"first\":%" PRIu64, r->nframes, t0,
		r->nframes ? r->frames[0].f.index : 0);
	for (k = 0; k < sizeof(frame_cols) / sizeof(frame_cols[0]); k++)
		write_col(f, r, &frame_cols[k], t0, buf);
	if (!contiguous(r)) {
		struct col ci = { "index", 8, c_index, 0 };

		write_col(f, r, &ci, t0, buf);
	}
	fputs("},\"assets\":", f);
	for (i = 0; i < r->nsamples; i++)
		for (t = 0; t < PMT_ASSET_TYPES; t++)
			if (r->asset_samples[i].live[t] || r->asset_samples[i].bytes[t] ||
			    r->asset_samples[i].loads[t])
				used[t] = true;
	if (!r->nsamples) {
		fputs("null", f);
		return 0;
	}
	fputs("{\"types\":[", f);
	for (t = 0, k = 0; t < PMT_ASSET_TYPES; t++)
		if (used[t])
			fprintf(f, "%s\"%s\"", k++ ? "," : "", pmt_asset_type_name(t));
	fputs("]", f);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		struct col c1 = { "bytes", 4, c_abytes, t }, c2 = { "live", 4, c_alive, t },
			   c3 = { "loadfree", 4, c_aload, t };
		if (!used[t])
			continue;
		fprintf(f, ",\"%s\":{\"x\":0", pmt_asset_type_name(t));
		write_col(f, r, &c1, t0, buf);
		write_col(f, r, &c2, t0, buf);
		write_col(f, r, &c3, t0, buf);
		fputc('}', f);
	}
	fputc('}', f);
	return 0;
}

/* ---- records ------------------------------------------------------------------ */

static void write_summary(FILE *f, const struct pmt_run *r)
{
	struct pmt_summary s;
	uint64_t heap_peak = 0;
	bool recomputed = !pmt_run_summary(r, 0, &s);
	size_t i;

	if (!recomputed)
		s = r->final.summary;
	for (i = 0; i < r->nframes; i++)
		if (r->frames[i].f.python_heap_known && r->frames[i].f.python_heap_bytes > heap_peak)
			heap_peak = r->frames[i].f.python_heap_bytes;
	fprintf(f, "\"summary\":{\"recomputed\":%s,\"frames\":%" PRIu64 ",\"first_frame\":%" PRIu64
		",\"span_ns\":%" PRIu64 ",\"fps\":", recomputed ? "true" : "false", s.frames,
		s.first_index, s.span_ns);
	jnum(f, s.fps);
	fprintf(f, ",\"frame_time_ns\":{\"mean\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p95\":%" PRIu64
		",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "},\"rss_first_bytes\":%" PRIu64
		",\"rss_bytes\":%" PRIu64 ",\"rss_peak_bytes\":%" PRIu64 ",\"rss_growth_bytes\":%" PRId64
		",\"python_heap_peak_bytes\":%" PRIu64 ",\"gc_collections\":[%" PRIu64 ",%" PRIu64
		",%" PRIu64 "],\"gc_collected\":%" PRIu64 ",\"gc_ns\":%" PRIu64 ",\"minflt\":%" PRIu64
		",\"majflt\":%" PRIu64 ",\"mapped_bytes\":%" PRIu64 ",\"unmapped_bytes\":%" PRIu64
		",\"spikes\":%" PRIu64 ",\"spikes_memory\":%" PRIu64 ",\"spikes_time\":%" PRIu64
		",\"dropped\":%" PRIu64 ",\"causes\":{\"gc\":%" PRIu64 ",\"page_faults\":%" PRIu64
		",\"heap_growth\":%" PRIu64 ",\"none\":%" PRIu64 "},\"paced_frames\":%" PRIu64
		",\"pace_ns\":%" PRIu64 "}",
		s.dur_mean_ns, s.dur_p50_ns, s.dur_p95_ns, s.dur_p99_ns, s.dur_max_ns,
		s.rss_first_bytes, s.rss_last_bytes, s.rss_peak_bytes, s.rss_growth_bytes, heap_peak,
		s.gc_collections[0], s.gc_collections[1], s.gc_collections[2], s.gc_collected,
		s.gc_ns, s.minflt, s.majflt, s.mapped_bytes, s.unmapped_bytes, s.spikes,
		s.spikes_memory, s.spikes_time, s.dropped, s.causes[PMT_CAUSE_GC],
		s.causes[PMT_CAUSE_PAGE_FAULTS], s.causes[PMT_CAUSE_HEAP_GROWTH],
		s.causes[PMT_CAUSE_NONE], s.paced_frames, s.paced_frames ? s.pace_ns : 0);
}

static void write_stack(FILE *f, const struct pmt_run *r, uint32_t id, char *scratch)
{
	const char *fr[64];
	size_t n = pmt_run_stack(r, id, fr, 64, scratch, 8192), i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		jstr(f, fr[i]);
	}
	fputc(']', f);
}

/* Growth sites per frame: [frame position, stack, faults, fault bytes, mapped bytes, partial]. */
static void write_growth(FILE *f, const struct pmt_run *r, char *scratch)
{
	size_t i, k, shown = 0;
	uint32_t maxstack = 0;

	fputs(",\"growth\":{\"sites\":[", f);
	for (i = 0; i < r->nframes && shown < GROWTH_ENTRIES_MAX; i++) {
		const struct pmt_run_frame *rf = &r->frames[i];

		for (k = 0; k < rf->growth_n && shown < GROWTH_ENTRIES_MAX; k++, shown++) {
			const struct pmt_run_growth *g = &r->growth[rf->growth_first + k];

			fprintf(f, "%s[%zu,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d]", shown ? "," : "",
				i, g->stack, g->faults, g->fault_bytes, g->mapped_bytes, g->partial);
			if (g->stack > maxstack)
				maxstack = g->stack;
		}
	}
	fprintf(f, "],\"complete\":%s,\"run\":[", shown < GROWTH_ENTRIES_MAX ? "true" : "false");
	for (i = 0; r->final.present && i < r->final.growth_n; i++) {
		const struct pmt_run_growth *g = &r->growth[r->final.growth_first + i];

		fprintf(f, "%s[%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d]", i ? "," : "",
			g->stack, g->faults, g->fault_bytes, g->mapped_bytes, g->frames, g->partial);
		if (g->stack > maxstack)
			maxstack = g->stack;
	}
	fputs("],\"stacks\":[null", f);
	for (i = 1; i <= maxstack; i++) {
		fputc(',', f);
		write_stack(f, r, (uint32_t)i, scratch);
	}
	fputs("]}", f);
}

static void write_lists(FILE *f, const struct pmt_run *r)
{
	size_t i, k;

	fputs(",\"reports\":[", f);
	for (i = 0; i < r->nreports; i++) {
		const struct pmt_summary *s = &r->reports[i].s;

		fprintf(f, "%s{\"first_frame\":%" PRIu64 ",\"frames\":%" PRIu64 ",\"span_ns\":%" PRIu64
			",\"fps\":", i ? "," : "", s->first_index, s->frames, s->span_ns);
		jnum(f, s->fps);
		fprintf(f, ",\"p50\":%" PRIu64 ",\"p95\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64
			",\"rss\":%" PRIu64 ",\"rss_peak\":%" PRIu64 ",\"spikes\":%" PRIu64
			",\"dropped\":%" PRIu64 ",\"gc\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]}",
			s->dur_p50_ns, s->dur_p95_ns, s->dur_p99_ns, s->dur_max_ns, s->rss_last_bytes,
			s->rss_peak_bytes, s->spikes, s->dropped, s->gc_collections[0],
			s->gc_collections[1], s->gc_collections[2]);
	}
	fputs("],\"budgets\":[", f);
	for (i = 0; i < r->nbudgets; i++) {
		const struct pmt_run_budgets *b = &r->budgets[i];

		fprintf(f, "%s{\"frame\":%" PRIu64 ",\"violations\":%" PRIu64 ",\"budgets\":[",
			i ? "," : "", b->frame, b->violations);
		for (k = 0; k < b->n; k++) {
			fprintf(f, "%s{\"path\":", k ? "," : "");
			jstr(f, b->v[k].path);
			fprintf(f, ",\"usage\":%" PRIu64 ",\"limit\":%" PRIu64 ",\"warn\":%u,\"state\":",
				b->v[k].usage, b->v[k].limit, b->v[k].warn_pct);
			jstr(f, b->v[k].state);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"alerts\":[", f);
	for (i = 0; i < r->nalerts; i++) {
		const struct pmt_run_alert *a = &r->alerts[i];

		fprintf(f, "%s{\"budget\":", i ? "," : "");
		jstr(f, a->budget);
		fputs(",\"state\":", f);
		jstr(f, a->state);
		fputs(",\"from\":", f);
		jstr(f, a->from);
		fprintf(f, ",\"usage\":%" PRIu64 ",\"limit\":%" PRIu64 ",\"percent\":%u,\"frame\":%" PRIu64,
			a->usage, a->limit, a->percent, a->frame);
		if (a->has_plan) {
			fputs(",\"plan\":{\"strategy\":", f);
			jstr(f, a->strategy);
			fputs(",\"status\":", f);
			jstr(f, a->status);
			fprintf(f, ",\"bytes_needed\":%" PRIu64 ",\"bytes_freed\":%" PRIu64 ",\"release\":[",
				a->bytes_needed, a->bytes_freed);
			for (k = 0; k < a->nrelease && k < 20; k++) {
				fprintf(f, "%s{\"bytes\":%" PRIu64 ",\"type\":", k ? "," : "",
					a->release[k].bytes);
				jstr(f, a->release[k].type);
				fputs(",\"path\":", f);
				if (a->release[k].path)
					jstr(f, a->release[k].path);
				else
					fputs("null", f);
				fputs(",\"site\":", f);
				jstr(f, a->release[k].site);
				fputc('}', f);
			}
			fprintf(f, "],\"count\":%zu}", a->nrelease);
		}
		fputc('}', f);
	}
	fputs("],\"asset_points\":[", f);
	for (i = 0; i < r->npoints; i++) {
		int t;

		fprintf(f, "%s[%" PRIu64, i ? "," : "", r->asset_points[i].frame);
		for (t = 0; t < PMT_ASSET_TYPES; t++)
			fprintf(f, ",%" PRIu64, r->asset_points[i].bytes[t]);
		fputc(']', f);
	}
	fputs("],\"traces\":{", f);
	for (i = 0, k = 0; i < r->ntraces; i++) {
		if (!r->traces[i].json || !*r->traces[i].json)
			continue;
		fprintf(f, "%s\"%" PRIu64 "\":", k++ ? "," : "", r->traces[i].frame);
		jraw(f, r->traces[i].json);
	}
	fputs("},\"generic\":[", f);
	for (i = 0; i < r->ngeneric; i++) {
		fprintf(f, "%s{\"type\":", i ? "," : "");
		jstr(f, r->generic[i].type);
		fprintf(f, ",\"frame\":%" PRIu64 ",\"record\":", r->generic[i].frame);
		jraw(f, r->generic[i].json);
		fputc('}', f);
	}
	fputc(']', f);
}

static void write_notes(FILE *f, const struct pmt_html_opts *o)
{
	size_t i;

	fputs(",\"notes\":[", f);
	for (i = 0; o && i < o->nnotes; i++) {
		if (i)
			fputc(',', f);
		jstr(f, o->notes[i]);
	}
	fputc(']', f);
}

/* The data block's JSON (columns into @cb). */
static int write_data(FILE *f, const struct pmt_run *r, const struct pmt_html_opts *o,
		      struct colbuf *cb)
{
	char *scratch = malloc(8192);

	if (!scratch)
		return -ENOMEM;
	fputs("{\"format\":1,\"tool\":\"pmtrace-bpf " PMT_VERSION "\",\"source\":", f);
	jstr(f, o && o->source ? o->source : "");
	fprintf(f, ",\"live\":%s,\"refresh_s\":", o && o->live ? "true" : "false");
	jnum(f, o ? o->refresh_s : 0);
	fprintf(f, ",\"written_unix\":%lld", (long long)time(NULL));
	write_notes(f, o);
	fputs(",\"attached\":", f);
	jraw(f, r->attached.present ? r->attached.json : NULL);
	fputs(",\"final\":", f);
	jraw(f, r->final.present ? r->final.json : NULL);
	fputs(",\"assets_record\":", f);
	jraw(f, r->assets.present ? r->assets.json : NULL);
	fputs(",\"platforms\":", f);
	jraw(f, r->platforms.present ? r->platforms.json : NULL);
	fputs(",\"host\":", f);
	jraw(f, r->host.present ? r->host.json : NULL);
	fputs(",\"trace_summary\":", f);
	jraw(f, r->trace_summary.present ? r->trace_summary.json : NULL);
	fputc(',', f);
	write_summary(f, r);
	fputc(',', f);
	write_frames(f, r, cb);
	write_growth(f, r, scratch);
	write_lists(f, r);
	fputc('}', f);
	free(scratch);
	return 0;
}

/*
 * The data block's bytes: "PMT1", the JSON's length (32 bits, little
 * endian), the JSON, zeros to a multiple of 8, then the binary area. The
 * page reads the columns in place as typed arrays.
 */
static int make_block(const struct pmt_run *r, const struct pmt_html_opts *o, char **out,
		      size_t *outlen)
{
	struct colbuf cb = { 0 };
	char *json = NULL, *bin = NULL;
	size_t jlen = 0, blen = 0, head, i;
	FILE *jf = NULL;
	int err = -ENOMEM;

	*out = NULL;
	cb.tmp = malloc((r->nframes ? r->nframes : 1) * 8);
	jf = open_memstream(&json, &jlen);
	cb.bin = open_memstream(&bin, &blen);
	if (!cb.tmp || !jf || !cb.bin)
		goto out;
	err = write_data(jf, r, o, &cb);
	if (fclose(jf) && !err)
		err = -ENOMEM;
	jf = NULL;
	if (fclose(cb.bin) && !err)
		err = -ENOMEM;
	cb.bin = NULL;
	if (err || jlen > UINT32_MAX) {
		err = err ? err : -EFBIG;
		goto out;
	}
	head = 8 + jlen + (8 - jlen % 8) % 8;
	*out = calloc(1, head + blen);
	if (!*out) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(*out, "PMT1", 4);
	for (i = 0; i < 4; i++)
		(*out)[4 + i] = (char)(jlen >> (8 * i));
	memcpy(*out + 8, json, jlen);
	memcpy(*out + head, bin, blen);
	*outlen = head + blen;
	err = 0;
out:
	if (jf)
		fclose(jf);
	if (cb.bin)
		fclose(cb.bin);
	free(cb.tmp);
	free(json);
	free(bin);
	return err;
}

/*
 * The block, deflated (zlib format, what the browser's DecompressionStream
 * calls "deflate"): a 1-hour run's page is several times smaller and loads
 * that much faster. NULL when it cannot be made.
 */
static unsigned char *deflated(const char *data, size_t len, size_t *zlen)
{
	uLongf n = compressBound((uLong)len);
	unsigned char *z = len == (uLong)len ? malloc(n) : NULL;

	if (!z)
		return NULL;
	if (compress2(z, &n, (const Bytef *)data, (uLong)len, Z_BEST_SPEED) != Z_OK) {
		free(z);
		return NULL;
	}
	*zlen = n;
	return z;
}

int pmt_html_write(FILE *f, const struct pmt_run *r, const struct pmt_html_opts *o)
{
	unsigned char *z = NULL;
	char *data = NULL;
	size_t len = 0, zlen = 0;
	int err = make_block(r, o, &data, &len);

	if (err)
		return err;
	z = deflated(data, len, &zlen);
	if (!z) {
		err = -ENOMEM;
		goto out;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"pmtrace-bpf\">\n<title>pmtrace report</title>\n"
	      "<style>\n", f);
	fwrite(pmt_html_css, 1, pmt_html_css_len, f);
	fputs("</style>\n</head>\n<body>\n<noscript>This report draws its charts with JavaScript."
	      "</noscript>\n<div id=\"app\"></div>\n"
	      "<script type=\"application/octet-stream\" id=\"pmt-data\">", f);
	b64_raw(f, z, zlen);
	fputs("</script>\n<script>\n", f);
	fwrite(pmt_html_js, 1, pmt_html_js_len, f);
	fputs("</script>\n</body></html>\n", f);
	if (fflush(f) || ferror(f))
		err = -EIO;
out:
	free(z);
	free(data);
	return err;
}
