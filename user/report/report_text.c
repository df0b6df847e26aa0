// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_text.c - human-readable reports, at most 100 columns wide.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define LIST_MAX 8

const char *pmt_fmt_bytes(char *buf, size_t len, double v, int sign)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double a = v < 0 ? -v : v;
	int u = 0;

	while (a >= 1024 && u < 4) {
		a /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%.*f %s", sign ? (v < 0 ? "-" : "+") : (v < 0 ? "-" : ""),
		 u ? 1 : 0, a, units[u]);
	return buf;
}

const char *pmt_short_frame(char *buf, size_t len, const char *fr)
{
	const char *open = strrchr(fr, '('), *slash;

	if (!open)
		return fr;
	slash = strrchr(open, '/');
	if (!slash)
		return fr;
	snprintf(buf, len, "%.*s%s", (int)(open - fr + 1), fr, slash + 1);
	return buf;
}

void pmt_text_attached(FILE *f, const struct pmt_attach_info *a)
{
	fprintf(f, "pmtrace: %s pid %d: python %s (%s), frame marker %s in %s [%s]\n",
		a->mode[0] == 'l' ? "launched" : "attached to", a->pid, a->py_version,
		a->py_build, a->marker_function ? a->marker_function : a->marker_symbol,
		a->marker_lib, a->marker_insn);
	fprintf(f, "pmtrace: gc statistics %s, gc timing %s\n",
		a->gc_state ? "located" : "not located", a->gc_timing);
	fflush(f);
}

static void list_frames(FILE *f, const struct pmt_report_frames *rf, int drops)
{
	size_t i, n = rf && rf->ring ? rf->ring->len : 0;
	int shown = 0, col;
	char b[32];

	col = fprintf(f, drops ? "  drops :" : "  spikes:");
	for (i = 0; i < n; i++) {
		const struct pmt_frame *fr = pmt_frame_ring_get(rf->ring, i);
		char item[96];
		int w;

		if (fr->index < rf->first_index ||
		    !(drops ? fr->dropped && fr->cause != PMT_CAUSE_PROFILER : fr->spike))
			continue;
		if (shown == LIST_MAX) {
			fputs(" ...", f);
			break;
		}
		if (drops) {
			const char *c = pmt_cause_name(fr->cause);

			w = snprintf(item, sizeof(item), " #%" PRIu64 " %.1f ms %s", fr->index,
				     fr->duration_ns / 1e6, c ? c : "-");
			if (fr->cause == PMT_CAUSE_GC && fr->gc_generation >= 0)
				w += snprintf(item + w, sizeof(item) - w, "(gen%d)",
					      fr->gc_generation);
		} else {
			w = snprintf(item, sizeof(item), " #%" PRIu64 " %s%s%s", fr->index,
				     fr->spike_kind & PMT_SPIKE_MEMORY ?
					     pmt_fmt_bytes(b, sizeof(b), (double)fr->rss_delta_bytes, 1) :
					     "",
				     fr->spike_kind == (PMT_SPIKE_MEMORY | PMT_SPIKE_TIME) ? " " :
											 "",
				     fr->spike_kind & PMT_SPIKE_TIME ? "slow" : "");
		}
		if (col + w + 1 > 99) {
			fputs("\n         ", f);
			col = 9;
		}
		fputs(item, f);
		fputc(';', f);
		col += w + 1;
		shown++;
	}
	if (!shown)
		fputs(" none", f);
	fputc('\n', f);
}

void pmt_text_summary(FILE *f, const char *title, const struct pmt_summary *s,
		      const struct pmt_report_frames *rf, unsigned long long lost)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], hdr[128];
	int n;

	n = snprintf(hdr, sizeof(hdr), "── %s: frames %" PRIu64 "-%" PRIu64 " (%.1f s) ", title,
		     s->first_index, s->frames ? s->first_index + s->frames - 1 : s->first_index,
		     s->span_ns / 1e9);
	fputs(hdr, f);
	for (; n < 100 + 4; n++) /* the box character is 3 bytes, 1 column */
		fputs("─", f);
	fputc('\n', f);
	fprintf(f,
		"  frames %-7" PRIu64 " fps %-7.1f frame ms: mean %.2f  p50 %.2f  p95 %.2f  p99 %.2f"
		"  max %.2f\n",
		s->frames, s->fps, s->dur_mean_ns / 1e6, s->dur_p50_ns / 1e6, s->dur_p95_ns / 1e6,
		s->dur_p99_ns / 1e6, s->dur_max_ns / 1e6);
	fprintf(f, "  rss %s (peak %s)  growth %s, %s/frame  faults %" PRIu64 " minor %" PRIu64
		   " major\n",
		pmt_fmt_bytes(b1, sizeof(b1), (double)s->rss_last_bytes, 0),
		pmt_fmt_bytes(b2, sizeof(b2), (double)s->rss_peak_bytes, 0),
		pmt_fmt_bytes(b3, sizeof(b3), (double)s->rss_growth_bytes, 1),
		pmt_fmt_bytes(b4, sizeof(b4), s->growth_per_frame, 1), s->minflt, s->majflt);
	fprintf(f, "  mmap %s  munmap %s  brk %s  gc %" PRIu64 "/%" PRIu64 "/%" PRIu64
		   " collections, %" PRIu64 " collected, %.1f ms",
		pmt_fmt_bytes(b1, sizeof(b1), (double)s->mapped_bytes, 0),
		pmt_fmt_bytes(b2, sizeof(b2), (double)s->unmapped_bytes, 0),
		pmt_fmt_bytes(b5, sizeof(b5), (double)s->brk_bytes, 1), s->gc_collections[0],
		s->gc_collections[1], s->gc_collections[2], s->gc_collected, s->gc_ns / 1e6);
	/* GC timing sampled (the governor): the time is the timed frames' only. */
	if (s->gc_timed_frames && s->gc_timed_frames < s->frames)
		fprintf(f, " in the %" PRIu64 " frames timed", s->gc_timed_frames);
	fputc('\n', f);
	fprintf(f, "  %" PRIu64 " spikes (%" PRIu64 " memory, %" PRIu64 " time), %" PRIu64
		   " dropped (gc %" PRIu64 ", page_faults %" PRIu64 ", heap_growth %" PRIu64
		   ", other %" PRIu64 ")\n",
		s->spikes, s->spikes_memory, s->spikes_time, s->dropped, s->causes[PMT_CAUSE_GC],
		s->causes[PMT_CAUSE_PAGE_FAULTS], s->causes[PMT_CAUSE_HEAP_GROWTH],
		s->causes[PMT_CAUSE_NONE]);
	if (s->paced_frames && s->pace_ns)
		fprintf(f, "  paced : %" PRIu64 " frames judged against the game's own pace, %.2f ms "
			   "(%.1f fps; it caps itself below the target; --target-fps sets one)\n",
			s->paced_frames, s->pace_ns / 1e6, 1e9 / (double)s->pace_ns);
	if (s->prof_frames)
		fprintf(f, "  profiler: %" PRIu64 " frames (%" PRIu64 " traced) slowed by %.1f ms in all"
			   "; %" PRIu64 " of them dropped, %" PRIu64 " slow: not the game's\n",
			s->prof_frames, s->prof_traced, s->prof_cost_ns / 1e6, s->prof_dropped,
			s->prof_slow);
	if (lost)
		fprintf(f, "  lost events: %llu (ring buffer full)\n", lost);
	if (s->frames >= 30 && s->dropped * 10 >= s->frames * 9 && s->fps > 0)
		fprintf(f, "  note: %.0f %% of frames miss the budget; if the game aims at %.0f fps, "
			   "say --target-fps %.0f\n",
			100.0 * (double)s->dropped / (double)s->frames, s->fps, s->fps);
	if (s->spikes)
		list_frames(f, rf, 0);
	if (s->dropped)
		list_frames(f, rf, 1);
	fflush(f);
}
