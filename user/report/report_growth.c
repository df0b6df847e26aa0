// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_growth.c - growth sites in JSON (frame and final records) and in
 * the text report (the run's top sites, each spike's top site).
 */
#include <inttypes.h>
#include <string.h>

#include "report/report.h"

#define TEXT_SPIKES 8 /* spike lines in a text report */
#define TEXT_COLS 99

void pmt_json_growth_sites(FILE *f, const struct pmt_growth_view *g, bool frames)
{
	size_t i;
	uint32_t j;

	fputs("\"growth_sites\":", f);
	if (!g) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (i = 0; i < g->n; i++) {
		const struct pmt_growth_shown *s = &g->sites[i];

		fputs(i ? ",{\"stack\":[" : "{\"stack\":[", f);
		for (j = 0; j < s->depth; j++) {
			if (j)
				fputc(',', f);
			pmt_json_str(f, s->frames[j]);
		}
		fprintf(f, "],\"faults\":%" PRIu64 ",\"fault_bytes\":%" PRIu64
			   ",\"mapped_bytes\":%" PRIu64,
			s->s.faults, s->s.fault_bytes, s->s.mapped_bytes);
		if (frames)
			fprintf(f, ",\"frames\":%" PRIu64, s->s.frames);
		fprintf(f, ",\"partial\":%s}", s->s.partial ? "true" : "false");
	}
	fputc(']', f);
}

/* The stack, innermost first, joined by " < " and cut at @room columns. */
static void stack_line(FILE *f, const struct pmt_growth_shown *s, int room)
{
	char buf[TEXT_COLS + 1], fr[512];
	size_t off = 0;
	uint32_t j;

	buf[0] = 0;
	for (j = 0; j < s->depth && off < sizeof(buf) - 1; j++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", j ? " < " : "",
					pmt_short_frame(fr, sizeof(fr), s->frames[j]));
	if (room < 4)
		room = 4;
	if (strlen(buf) > (size_t)room)
		strcpy(buf + room - 3, "...");
	fputs(buf, f);
	if (s->s.partial)
		fputs(" (partial)", f);
}

void pmt_text_growth(FILE *f, const struct pmt_growth_view *g)
{
	char b1[32], b2[32];
	size_t i;

	if (!g)
		return;
	fputs("  growth sites (first touches and mappings, whole run; innermost frame first):\n", f);
	if (!g->n)
		fputs("    none\n", f);
	for (i = 0; i < g->n; i++) {
		const struct pmt_growth_shown *s = &g->sites[i];
		int w = fprintf(f, "    %10s touched %10s mapped %6" PRIu64 " fr  ",
				pmt_fmt_bytes(b1, sizeof(b1), (double)s->s.fault_bytes, 0),
				pmt_fmt_bytes(b2, sizeof(b2), (double)s->s.mapped_bytes, 0), s->s.frames);

		stack_line(f, s, TEXT_COLS - w);
		fputc('\n', f);
	}
	if (g->dropped || g->unresolved)
		fprintf(f, "    not attributed: %" PRIu64 " events (table full), %" PRIu64
			   " stacks unresolved\n", g->dropped, g->unresolved);
	fflush(f);
}

void pmt_text_growth_spikes(FILE *f, const struct pmt_growth_spike *const *sp, size_t n)
{
	char b1[32], b2[32];
	size_t i, from = n > TEXT_SPIKES ? n - TEXT_SPIKES : 0;

	for (i = from; i < n; i++) {
		const struct pmt_growth_shown *s = &sp[i]->top;
		int w = fprintf(f, "  spike #%" PRIu64 " grew at: %s touched, %s mapped, ",
				sp[i]->frame, pmt_fmt_bytes(b1, sizeof(b1), (double)s->s.fault_bytes, 0),
				pmt_fmt_bytes(b2, sizeof(b2), (double)s->s.mapped_bytes, 0));

		stack_line(f, s, TEXT_COLS - w);
		fputc('\n', f);
	}
	fflush(f);
}
