// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_ring.c - the last N frames, oldest evicted first.
 *
 * The reporter keeps recent frames to list spikes and drops of an interval
 * without storing the whole run. A plain circular buffer: one allocation at
 * init, copies in and out, no allocation on the hot path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/frame.h"

/*
 * pmt_frame_ring_init - allocate an empty ring of @cap frames.
 *
 * Returns 0, -EINVAL when @cap is 0, or -ENOMEM. On failure @ring is left
 * zeroed, so pmt_frame_ring_free() is always safe on it.
 */
int pmt_frame_ring_init(struct pmt_frame_ring *ring, size_t cap)
{
	memset(ring, 0, sizeof(*ring));
	if (cap == 0)
		return -EINVAL;
	if (cap > SIZE_MAX / sizeof(*ring->frames))
		return -ENOMEM;
	ring->frames = calloc(cap, sizeof(*ring->frames));
	if (!ring->frames)
		return -ENOMEM;
	ring->cap = cap;
	return 0;
}

/*
 * pmt_frame_ring_free - release the storage and zero @ring.
 *
 * Accepts a zeroed ring, a ring whose init failed, or one already freed.
 */
void pmt_frame_ring_free(struct pmt_frame_ring *ring)
{
	if (!ring)
		return;
	free(ring->frames);
	memset(ring, 0, sizeof(*ring));
}

/*
 * pmt_frame_ring_push - copy @f into the ring, evicting the oldest frame
 * when the ring is full. A ring without storage ignores the push.
 */
void pmt_frame_ring_push(struct pmt_frame_ring *ring, const struct pmt_frame *f)
{
	if (!ring->frames || ring->cap == 0)
		return;
	ring->frames[ring->head] = *f;
	ring->head = (ring->head + 1) % ring->cap;
	if (ring->len < ring->cap)
		ring->len++;
	ring->total++;
}

/*
 * pmt_frame_ring_get - the @i-th oldest frame kept (0 = oldest).
 *
 * Returns a pointer into the ring, valid until the next push or free, or
 * NULL when @i >= len.
 */
const struct pmt_frame *pmt_frame_ring_get(const struct pmt_frame_ring *ring, size_t i)
{
	size_t oldest;

	if (i >= ring->len)
		return NULL;
	oldest = (ring->head + ring->cap - ring->len) % ring->cap;
	return &ring->frames[(oldest + i) % ring->cap];
}
