// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_sample.c - the reports of a sampling backend (--backend procfs):
 * the attached line, a "sample" record per sample, interval summaries
 * ("sample_report" records, text blocks) and the final summary's members.
 * Formatting only.
 */
#include <inttypes.h>

#include "report/report.h"

void pmt_json_sample(FILE *f, const struct pmt_sample *x)
{
	fprintf(f,
		"{\"type\":\"sample\",\"schema_version\":%d,\"sample\":%" PRIu64 ",\"ts_ns\":%" PRIu64
		",\"interval_ns\":%" PRIu64 ",\"rss_bytes\":%" PRIu64 ",\"rss_anon_bytes\":%" PRIu64
		",\"rss_file_bytes\":%" PRIu64 ",\"rss_shmem_bytes\":%" PRIu64 ",\"swap_bytes\":%" PRIu64
		",\"rss_delta_bytes\":%" PRId64 ",\"hwm_bytes\":%" PRIu64 ",\"minflt\":%" PRIu64
		",\"majflt\":%" PRIu64 ",\"threads\":%u}\n",
		PMT_SCHEMA_VERSION, x->index, x->ts_ns, x->interval_ns, x->rss_bytes,
		x->rss_anon_bytes, x->rss_file_bytes, x->rss_shmem_bytes, x->swap_bytes,
		x->rss_delta_bytes, x->hwm_bytes, x->minflt, x->majflt, x->threads);
	fflush(f);
}

void pmt_json_sample_summary(FILE *f, const struct pmt_sample_summary *s)
{
	fprintf(f,
		"\"first_sample\":%" PRIu64 ",\"samples\":%" PRIu64 ",\"seconds\":%.3f"
		",\"rss_bytes\":%" PRIu64 ",\"rss_min_bytes\":%" PRIu64 ",\"rss_peak_bytes\":%" PRIu64
		",\"hwm_bytes\":%" PRIu64 ",\"rss_growth_bytes\":%" PRId64
		",\"growth_per_s_bytes\":%.1f,\"minflt\":%" PRIu64 ",\"majflt\":%" PRIu64
		",\"threads\":%u,\"threads_max\":%u",
		s->first_index, s->samples, s->span_ns / 1e9, s->rss_last_bytes, s->rss_min_bytes,
		s->rss_peak_bytes, s->hwm_bytes, s->rss_growth_bytes, s->growth_per_s, s->minflt,
		s->majflt, s->threads_last, s->threads_max);
}

void pmt_json_sample_report(FILE *f, const struct pmt_sample_summary *s)
{
	fprintf(f, "{\"type\":\"sample_report\",\"schema_version\":%d,", PMT_SCHEMA_VERSION);
	pmt_json_sample_summary(f, s);
	fputs("}\n", f);
	fflush(f);
}

void pmt_text_sampled_attached(FILE *f, const struct pmt_attach_info *a)
{
	fprintf(f, "pmtrace: %s pid %d: python %s; sampling /proc at %g Hz: the memory timeline "
		   "only, no frames\n",
		a->mode[0] == 'l' ? "launched" : "attached to", a->pid,
		a->py_version ? a->py_version : "not found", a->sample_rate_hz);
	fflush(f);
}

void pmt_text_sample_summary(FILE *f, const char *title, const struct pmt_sample_summary *s)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], hdr[128];
	int n;

	n = snprintf(hdr, sizeof(hdr), "── %s: samples %" PRIu64 "-%" PRIu64 " (%.1f s, sampled) ",
		     title, s->first_index,
		     s->samples ? s->first_index + s->samples - 1 : s->first_index, s->span_ns / 1e9);
	fputs(hdr, f);
	for (; n < 100 + 4; n++) /* the box character is 3 bytes, 1 column */
		fputs("─", f);
	fputc('\n', f);
	fprintf(f, "  rss %s (min %s, peak %s among samples; VmHWM %s)\n",
		pmt_fmt_bytes(b1, sizeof(b1), (double)s->rss_last_bytes, 0),
		pmt_fmt_bytes(b2, sizeof(b2), (double)s->rss_min_bytes, 0),
		pmt_fmt_bytes(b3, sizeof(b3), (double)s->rss_peak_bytes, 0),
		pmt_fmt_bytes(b4, sizeof(b4), (double)s->hwm_bytes, 0));
	fprintf(f, "  growth %s (%s/s)  faults %" PRIu64 " minor %" PRIu64 " major  threads %u "
		   "(max %u)\n",
		pmt_fmt_bytes(b1, sizeof(b1), (double)s->rss_growth_bytes, 1),
		pmt_fmt_bytes(b5, sizeof(b5), s->growth_per_s, 1), s->minflt, s->majflt,
		s->threads_last, s->threads_max);
	fflush(f);
}
