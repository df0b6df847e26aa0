// SPDX-License-Identifier: BSD-2-Clause
/*
 * baseline.c - rolling medians of frame duration and RSS growth.
 *
 * The classifier compares each frame with what is normal for this game
 * right now. Medians, not means: a few slow or growing frames that slip in
 * (during warm-up, say) do not move the reference. The window is small (60
 * frames by default), so each median is a copy and a sort of the window.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "pmtrace/frame.h"

/* Maps int64 order onto uint64 order, so growths sort as unsigned values. */
#define PMT_SIGN_BIT (UINT64_C(1) << 63)

/*
 * pmt_select_u64 - the @k-th smallest of the @n values of @v (k < n),
 * reordering @v in place so that v[0..k) <= v[k] <= v(k..n). Quickselect
 * (Hoare), middle pivot: linear on average, no allocation. Classifying a
 * frame takes two medians: at thousands of frames a second, a sort each
 * time was most of the tool's own CPU.
 */
uint64_t pmt_select_u64(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = v[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/*
 * Median of the @n sorted values of @v; for an even count the mean of the
 * middle two rounded down, computed without overflow.
 */
static uint64_t median_of_sorted(const uint64_t *v, uint32_t n)
{
	uint64_t lo, hi;

	if (n % 2)
		return v[n / 2];
	lo = v[n / 2 - 1];
	hi = v[n / 2];
	return lo + (hi - lo) / 2;
}

/*
 * pmt_baseline_init - allocate an empty baseline over @window frames.
 *
 * Returns 0, -EINVAL when @window is 0, or -ENOMEM. On failure @b is left
 * zeroed, so pmt_baseline_free() is always safe on it.
 */
int pmt_baseline_init(struct pmt_baseline *b, uint32_t window)
{
	memset(b, 0, sizeof(*b));
	if (window == 0)
		return -EINVAL;
	b->durations = calloc(window, sizeof(*b->durations));
	b->growths = calloc(window, sizeof(*b->growths));
	b->sorted_dur = calloc(window, sizeof(*b->sorted_dur));
	b->sorted_growth = calloc(window, sizeof(*b->sorted_growth));
	b->recent = calloc(window, sizeof(*b->recent));
	if (!b->durations || !b->growths || !b->sorted_dur || !b->sorted_growth ||
	    !b->recent) {
		pmt_baseline_free(b);
		return -ENOMEM;
	}
	b->window = window;
	return 0;
}

/*
 * pmt_baseline_free - release the storage and zero @b.
 *
 * Accepts a zeroed baseline, one whose init failed, or one already freed.
 */
void pmt_baseline_free(struct pmt_baseline *b)
{
	if (!b)
		return;
	free(b->durations);
	free(b->growths);
	free(b->sorted_dur);
	free(b->sorted_growth);
	free(b->recent);
	memset(b, 0, sizeof(*b));
}

/*
 * pmt_baseline_add - append one frame's duration and RSS growth, dropping
 * the oldest entry once @b holds a full window. A baseline without storage
 * ignores the call.
 */
/* Position of the first value >= @x in the @n sorted values of @v. */
static uint32_t lower_bound(const uint64_t *v, uint32_t n, uint64_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace @old (when @have_old) by @x in the @n sorted values of @v
 * (@v has room for n + 1 when !have_old). */
static void sorted_replace(uint64_t *v, uint32_t n, bool have_old, uint64_t old, uint64_t x)
{
	uint32_t i;

	if (have_old) {
		i = lower_bound(v, n, old);
		memmove(v + i, v + i + 1, (n - i - 1) * sizeof(*v));
		n--;
	}
	i = lower_bound(v, n, x);
	memmove(v + i + 1, v + i, (n - i) * sizeof(*v));
	v[i] = x;
}

void pmt_baseline_add(struct pmt_baseline *b, uint64_t duration_ns, int64_t growth)
{
	bool full;

	if (b->window == 0)
		return;
	/* The window kept sorted too: medians without sorting at every frame. */
	full = b->len == b->window;
	sorted_replace(b->sorted_dur, b->len, full, b->durations[b->head], duration_ns);
	sorted_replace(b->sorted_growth, b->len, full,
		       (uint64_t)b->growths[b->head] ^ PMT_SIGN_BIT,
		       (uint64_t)growth ^ PMT_SIGN_BIT);
	b->durations[b->head] = duration_ns;
	b->growths[b->head] = growth;
	b->head = (b->head + 1) % b->window;
	if (b->len < b->window)
		b->len++;
}

/* pmt_baseline_count - entries currently held, at most the window. */
uint32_t pmt_baseline_count(const struct pmt_baseline *b)
{
	return b->len;
}

/*
 * pmt_baseline_duration - median duration of the entries held, 0 when
 * empty. Even counts give the mean of the middle two, rounded down.
 */
uint64_t pmt_baseline_duration(const struct pmt_baseline *b)
{
	if (b->len == 0)
		return 0;
	return median_of_sorted(b->sorted_dur, b->len);
}

/* pmt_baseline_pace - the game's own steady frame time, or 0; see frame.h. */
uint64_t pmt_baseline_pace(const struct pmt_baseline *b)
{
	uint64_t med, lo, hi;

	if (b->len < PMT_PACE_MIN_FRAMES)
		return 0;
	med = median_of_sorted(b->sorted_dur, b->len);
	lo = b->sorted_dur[b->len / 10];
	hi = b->sorted_dur[b->len - 1 - b->len / 10];
	if ((double)lo < (double)med * (1 - PMT_PACE_SPREAD) ||
	    (double)hi > (double)med * (1 + PMT_PACE_SPREAD))
		return 0;
	return med;
}

/*
 * pmt_baseline_growth - median RSS growth of the entries held, 0 when
 * empty. Even counts give the mean of the middle two, rounded toward
 * minus infinity (so -2.5 is -3).
 */
int64_t pmt_baseline_growth(const struct pmt_baseline *b)
{
	if (b->len == 0)
		return 0;
	return (int64_t)(median_of_sorted(b->sorted_growth, b->len) ^ PMT_SIGN_BIT);
}

/* pmt_baseline_note - add @duration_ns to the recent window (spikes too). */
void pmt_baseline_note(struct pmt_baseline *b, uint64_t duration_ns)
{
	if (b->window == 0)
		return;
	b->recent[b->rhead] = duration_ns;
	b->rhead = (b->rhead + 1) % b->window;
	if (b->rlen < b->window)
		b->rlen++;
}

uint32_t pmt_baseline_recent(const struct pmt_baseline *b)
{
	return b->rlen;
}

/* pmt_baseline_recent_at_least - recent frames that lasted @ns or more. */
uint32_t pmt_baseline_recent_at_least(const struct pmt_baseline *b, uint64_t ns)
{
	uint32_t i, n = 0;

	for (i = 0; i < b->rlen; i++)
		n += b->recent[i] >= ns;
	return n;
}
