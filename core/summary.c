// SPDX-License-Identifier: BSD-2-Clause
/*
 * summary.c - constant-memory summaries of a run or of an interval.
 *
 * A report needs percentiles of frame time over any number of frames, so
 * durations go into a log-linear histogram (HdrHistogram's layout with 128
 * sub-buckets a power of two, see PMT_HIST_BUCKETS), everything else into
 * sums, counts and extremes. Feeding and reading are separate so a report
 * can be taken at any time without disturbing the accumulator.
 */
#include <math.h>
#include <string.h>

#include "pmtrace/frame.h"

#define PMT_HIST_SUB (UINT64_C(1) << PMT_HIST_SUB_BITS)

/* Bucket of @v: exact below PMT_HIST_SUB, then PMT_HIST_SUB per octave. */
static size_t hist_index(uint64_t v)
{
	unsigned int k, shift;
	uint64_t idx;

	if (v < PMT_HIST_SUB)
		return (size_t)v;
	k = 63 - (unsigned int)__builtin_clzll(v);
	shift = k - PMT_HIST_SUB_BITS;
	idx = (uint64_t)(shift + 1) * PMT_HIST_SUB + ((v >> shift) - PMT_HIST_SUB);
	if (idx >= PMT_HIST_BUCKETS)
		idx = PMT_HIST_BUCKETS - 1;
	return (size_t)idx;
}

/* Largest value that falls in bucket @idx; the last bucket is open-ended. */
static uint64_t hist_upper(size_t idx)
{
	unsigned int shift;
	uint64_t m;

	if (idx < PMT_HIST_SUB)
		return idx;
	if (idx == PMT_HIST_BUCKETS - 1)
		return UINT64_MAX;
	shift = (unsigned int)(idx / PMT_HIST_SUB) - 1;
	m = idx % PMT_HIST_SUB + PMT_HIST_SUB;
	return ((m + 1) << shift) - 1;
}

/* pmt_hist_add - count one value @v (any uint64_t) into @h. */
void pmt_hist_add(struct pmt_hist *h, uint64_t v)
{
	h->counts[hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/*
 * pmt_hist_quantile - the value at quantile @q of the values in @h.
 *
 * Returns the upper bound, clamped to the maximum, of the first bucket at
 * which max(1, ceil(q * n)) values are reached: never below the true
 * quantile and at most 1/128 above it up to 2^40. q <= 0 (or NaN) gives
 * the bucketed minimum, q >= 1 the exact maximum, an empty @h 0.
 */
uint64_t pmt_hist_quantile(const struct pmt_hist *h, double q)
{
	uint64_t rank, seen = 0, up;
	size_t i;

	if (h->n == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	rank = 1;
	if (q > 0) {
		/* the tolerance keeps 0.07 * 100 from becoming rank 8 */
		double r = ceil(q * (double)h->n - 1e-9);

		if (r > 1)
			rank = (uint64_t)r;
	}
	for (i = 0; i < PMT_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
	up = hist_upper(i < PMT_HIST_BUCKETS ? i : PMT_HIST_BUCKETS - 1);
	return up < h->max ? up : h->max;
}

/* pmt_summary_acc_reset - empty @acc, ready for a new run or interval. */
void pmt_summary_acc_reset(struct pmt_summary_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
}

/*
 * pmt_summary_acc_add - account frame @f (already classified) in @acc.
 *
 * Every frame counts in frames, RSS, sums and classification counts; GC
 * counters only when f->gc_known, gc_ns only when f->gc_timed. Partial
 * frames stay out of the duration statistics, and the span starts at the
 * first non-partial frame's start (ts_ns - duration_ns). Frames are
 * expected in marker order.
 */
void pmt_summary_acc_add(struct pmt_summary_acc *acc, const struct pmt_frame *f)
{
	struct pmt_summary *s = &acc->s;
	int g;

	if (s->frames == 0) {
		s->first_index = f->index;
		s->rss_first_bytes = f->rss_bytes;
	}
	s->frames++;
	s->rss_last_bytes = f->rss_bytes;
	if (f->rss_bytes > s->rss_peak_bytes)
		s->rss_peak_bytes = f->rss_bytes;
	s->rss_growth_bytes += f->rss_delta_bytes;
	s->minflt += f->minflt;
	s->majflt += f->majflt;
	s->mapped_bytes += f->mapped_bytes;
	s->unmapped_bytes += f->unmapped_bytes;
	s->brk_bytes += f->brk_delta_bytes;
	if (f->gc_known) {
		for (g = 0; g < PMT_GENS; g++)
			s->gc_collections[g] += f->gc_collections[g];
		s->gc_collected += f->gc_collected;
	}
	if (f->gc_timed) {
		s->gc_ns += f->gc_ns;
		s->gc_timed_frames++;
	}
	if (f->spike) {
		s->spikes++;
		if (f->spike_kind & PMT_SPIKE_MEMORY)
			s->spikes_memory++;
		if (f->spike_kind & PMT_SPIKE_TIME)
			s->spikes_time++;
	}
	if (f->dropped) {
		if (f->cause != PMT_CAUSE_PROFILER)
			s->dropped++;
		if ((unsigned int)f->cause < sizeof(s->causes) / sizeof(s->causes[0]))
			s->causes[f->cause]++;
	}
	if (f->paced) {
		s->paced_frames++;
		s->pace_ns = f->budget_ns;
	}
	if (f->prof) {
		s->prof_frames++;
		s->prof_traced += (f->prof & PMT_PROF_TRACED) != 0;
		s->prof_dropped += f->dropped;
		s->prof_slow += f->prof_slow;
		s->prof_cost_ns += f->prof_cost_ns;
	}

	if (!f->partial) {
		pmt_hist_add(&acc->hist, f->duration_ns);
		acc->dur_sum += f->duration_ns;
		if (acc->span_frames == 0)
			acc->start_ns = f->ts_ns > f->duration_ns ? f->ts_ns - f->duration_ns : 0;
	}
	if (acc->span_frames > 0 || !f->partial) {
		acc->span_frames++;
		s->span_ns = f->ts_ns > acc->start_ns ? f->ts_ns - acc->start_ns : 0;
	}
}

/*
 * pmt_summary_acc_get - the summary of what @acc has seen, into @out.
 *
 * fps is the frames ending inside the span over the span in seconds (0
 * for an empty span); the mean is rounded to the nearest ns; percentiles
 * come from pmt_hist_quantile(), the maximum is exact; growth_per_frame
 * divides the growth sum by all frames. Duration fields are 0 when only
 * partial frames were seen. @acc is not modified.
 */
void pmt_summary_acc_get(const struct pmt_summary_acc *acc, struct pmt_summary *out)
{
	const struct pmt_hist *h = &acc->hist;

	*out = acc->s;
	out->fps = out->span_ns ? (double)acc->span_frames * 1e9 / (double)out->span_ns : 0.0;
	out->growth_per_frame = out->frames ? (double)out->rss_growth_bytes / (double)out->frames : 0.0;
	out->dur_mean_ns = h->n ? (acc->dur_sum + h->n / 2) / h->n : 0;
	out->dur_p50_ns = pmt_hist_quantile(h, 0.50);
	out->dur_p95_ns = pmt_hist_quantile(h, 0.95);
	out->dur_p99_ns = pmt_hist_quantile(h, 0.99);
	out->dur_max_ns = h->max;
}
