// SPDX-License-Identifier: BSD-2-Clause
/*
 * sample.c - the memory timeline of a sampling backend: readings to
 * samples, summaries of samples, and the parsers of /proc/PID/status and
 * /proc/PID/stat text (pure: the caller reads the files).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/sample.h"

void pmt_sample_series_init(struct pmt_sample_series *s)
{
	memset(s, 0, sizeof(*s));
}

static uint64_t delta(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

int pmt_sample_series_add(struct pmt_sample_series *s, const struct pmt_proc_reading *r,
			  struct pmt_sample *out)
{
	const struct pmt_proc_reading *p = &s->prev;

	if (s->have_prev && r->ts_ns < p->ts_ns)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->index = s->count;
	out->ts_ns = r->ts_ns;
	out->rss_anon_bytes = r->rss_anon_bytes;
	out->rss_file_bytes = r->rss_file_bytes;
	out->rss_shmem_bytes = r->rss_shmem_bytes;
	out->rss_bytes = r->rss_anon_bytes + r->rss_file_bytes + r->rss_shmem_bytes;
	out->swap_bytes = r->swap_bytes;
	out->hwm_bytes = r->hwm_bytes;
	out->threads = r->threads;
	if (s->have_prev) {
		uint64_t before = p->rss_anon_bytes + p->rss_file_bytes + p->rss_shmem_bytes;

		out->interval_ns = r->ts_ns - p->ts_ns;
		out->rss_delta_bytes = (int64_t)out->rss_bytes - (int64_t)before;
		out->minflt = delta(r->minflt, p->minflt);
		out->majflt = delta(r->majflt, p->majflt);
	}
	s->prev = *r;
	s->have_prev = true;
	s->count++;
	pmt_sample_acc_add(&s->interval, out);
	pmt_sample_acc_add(&s->total, out);
	return 0;
}

void pmt_sample_acc_add(struct pmt_sample_acc *a, const struct pmt_sample *x)
{
	if (!a->samples) {
		a->first_index = x->index;
		a->first_ts_ns = x->ts_ns;
		a->start_ts_ns = x->ts_ns - x->interval_ns;
		a->rss_first_bytes = x->rss_bytes;
		a->rss_min_bytes = x->rss_bytes;
	}
	a->samples++;
	a->last_ts_ns = x->ts_ns;
	a->rss_last_bytes = x->rss_bytes;
	if (x->rss_bytes < a->rss_min_bytes)
		a->rss_min_bytes = x->rss_bytes;
	if (x->rss_bytes > a->rss_peak_bytes)
		a->rss_peak_bytes = x->rss_bytes;
	a->hwm_bytes = x->hwm_bytes;
	a->rss_growth_bytes += x->rss_delta_bytes;
	a->minflt += x->minflt;
	a->majflt += x->majflt;
	a->threads_last = x->threads;
	if (x->threads > a->threads_max)
		a->threads_max = x->threads;
}

void pmt_sample_acc_get(const struct pmt_sample_acc *a, struct pmt_sample_summary *out)
{
	uint64_t took;

	memset(out, 0, sizeof(*out));
	if (!a->samples)
		return;
	out->samples = a->samples;
	out->first_index = a->first_index;
	out->span_ns = a->last_ts_ns - a->first_ts_ns;
	out->rss_first_bytes = a->rss_first_bytes;
	out->rss_last_bytes = a->rss_last_bytes;
	out->rss_min_bytes = a->rss_min_bytes;
	out->rss_peak_bytes = a->rss_peak_bytes;
	out->hwm_bytes = a->hwm_bytes;
	out->rss_growth_bytes = a->rss_growth_bytes;
	took = a->last_ts_ns - a->start_ts_ns;
	out->growth_per_s = took ? (double)a->rss_growth_bytes * 1e9 / (double)took : 0;
	out->minflt = a->minflt;
	out->majflt = a->majflt;
	out->threads_last = a->threads_last;
	out->threads_max = a->threads_max;
}

void pmt_sample_series_take_interval(struct pmt_sample_series *s, struct pmt_sample_summary *out)
{
	pmt_sample_acc_get(&s->interval, out);
	memset(&s->interval, 0, sizeof(s->interval));
}

/* ---- /proc text ------------------------------------------------------------ */

/* The value after "@key:" at the start of a line of @text, in @out. */
static bool status_field(const char *text, size_t len, const char *key, uint64_t *out)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		const char *line = text + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t llen = nl ? (size_t)(nl - line) : len - i;

		if (llen > klen && !memcmp(line, key, klen) && line[klen] == ':') {
			size_t k = klen + 1;
			uint64_t v = 0;
			bool digits = false;

			while (k < llen && (line[k] == ' ' || line[k] == '\t'))
				k++;
			while (k < llen && line[k] >= '0' && line[k] <= '9') {
				v = v * 10 + (uint64_t)(line[k++] - '0');
				digits = true;
			}
			if (!digits)
				return false;
			*out = v;
			return true;
		}
		i += llen + 1;
	}
	return false;
}

int pmt_proc_status_parse(const char *text, size_t len, struct pmt_proc_reading *r)
{
	uint64_t anon, file = 0, shmem = 0, swap = 0, hwm = 0, threads;

	if (!status_field(text, len, "RssAnon", &anon) ||
	    !status_field(text, len, "Threads", &threads))
		return -ENOENT;
	status_field(text, len, "RssFile", &file);
	status_field(text, len, "RssShmem", &shmem);
	status_field(text, len, "VmSwap", &swap);
	status_field(text, len, "VmHWM", &hwm);
	r->rss_anon_bytes = anon << 10;
	r->rss_file_bytes = file << 10;
	r->rss_shmem_bytes = shmem << 10;
	r->swap_bytes = swap << 10;
	r->hwm_bytes = hwm << 10;
	r->threads = (uint32_t)threads;
	return 0;
}

int pmt_proc_stat_parse(const char *text, size_t len, struct pmt_proc_reading *r)
{
	const char *p = NULL, *end = text + len;
	uint64_t v[10];
	size_t i;
	int field;

	for (i = len; i > 0; i--)
		if (text[i - 1] == ')') {
			p = text + i;
			break;
		}
	if (!p)
		return -EINVAL;
	/* After "(comm)": field 3 (state), then 4, 5... minflt is 10, majflt 12. */
	for (field = 3; field <= 12; field++) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return -EINVAL;
		if (field == 3) {
			p++;
			continue;
		}
		v[field - 3] = 0;
		if (*p == '-')
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < end && *p >= '0' && *p <= '9')
			v[field - 3] = v[field - 3] * 10 + (uint64_t)(*p++ - '0');
	}
	r->minflt = v[10 - 3];
	r->majflt = v[12 - 3];
	return 0;
}
