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
#include <string.h>

#include "pmtrace/frame.h"

/* Maps int64 order onto uint64 order, so growths sort in the same scratch. */
#define PMT_SIGN_BIT (UINT64_C(1) << 63)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Median of the first @n values of @v, sorted in place; for an even count
 * the mean of the middle two rounded down, computed without overflow.
 */
static uint64_t median_sorted(uint64_t *v, uint32_t n)
{
	uint64_t lo, hi;

	qsort(v, n, sizeof(*v), cmp_u64);
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
	b->scratch = calloc(window, sizeof(*b->scratch));
	if (!b->durations || !b->growths || !b->scratch) {
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
	free(b->scratch);
	memset(b, 0, sizeof(*b));
}

/*
 * pmt_baseline_add - append one frame's duration and RSS growth, dropping
 * the oldest entry once @b holds a full window. A baseline without storage
 * ignores the call.
 */
void pmt_baseline_add(struct pmt_baseline *b, uint64_t duration_ns, int64_t growth)
{
	if (b->window == 0)
		return;
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
	memcpy(b->scratch, b->durations, b->len * sizeof(*b->scratch));
	return median_sorted(b->scratch, b->len);
}

/*
 * pmt_baseline_growth - median RSS growth of the entries held, 0 when
 * empty. Even counts give the mean of the middle two, rounded toward
 * minus infinity (so -2.5 is -3).
 */
int64_t pmt_baseline_growth(const struct pmt_baseline *b)
{
	uint32_t i;

	if (b->len == 0)
		return 0;
	for (i = 0; i < b->len; i++)
		b->scratch[i] = (uint64_t)b->growths[i] ^ PMT_SIGN_BIT;
	return (int64_t)(median_sorted(b->scratch, b->len) ^ PMT_SIGN_BIT);
}
