// SPDX-License-Identifier: BSD-2-Clause
/*
 * pools_bench.c - how long the pool analyzer's report takes on a large
 * game: 10,000 classes and 1,000,000 lives tracked at once (alive, to be
 * followed), built by windows of 32 frames in which every class has
 * creations and destructions with the counter read at each. Times
 * (CLOCK_MONOTONIC, median of 21 runs) pmt_pool_track_results() over all
 * classes (what every pools record does) and prints JSON with the median
 * in milliseconds, the cost of an event, and the memory the bookkeeping
 * holds (its own arrays and tables, counted from their sizes).
 * Target: a report in under 5 ms.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmtrace/pool_track.h"

#define CLASSES 10000
#define LIVES 1000000
#define WINDOWS 4
#define FRAMES 32
#ifndef REPS
#define REPS 21
#endif

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t dist_bytes(const struct pmt_pool_dist *d)
{
	return (uint64_t)d->cap * sizeof(*d->b);
}

int main(void)
{
	struct pmt_pool_track_config cfg = { LIVES + LIVES / 2 };
	struct pmt_pool_report_config rc = { 50000, 0 };
	struct pmt_gen0_params gc = { 700, true };
	struct pmt_pool_track t;
	struct pmt_pool_result *res = calloc(CLASSES, sizeof(*res));
	uint64_t times[REPS], t0, ev_ns, events = 0, mem = 0, addr = 0x10000000, w, f, i;
	uint32_t c;
	int32_t count = 0;
	uint64_t coll = 0;
	size_t nrec = 0;
	char name[64];

	if (!res)
		return 1;
	pmt_pool_track_init(&t, &cfg);
	for (c = 0; c < CLASSES; c++) {
		snprintf(name, sizeof(name), "game.module%u.Class%u", c % 97, c);
		if (pmt_pool_track_class(&t, 0x7f0000000000ULL + c * 4096) != (long)c ||
		    pmt_pool_track_describe(&t, c, name, PMT_PCF_GC, 64))
			return 1;
	}
	/*
	 * Each window: every class makes lives; 1,000,000 of them stay alive
	 * over the windows (persistent ones), others die within the frame.
	 */
	t0 = now_ns();
	for (w = 0; w < WINDOWS; w++) {
		uint64_t keep = LIVES / WINDOWS / FRAMES, churn = 2 * CLASSES / FRAMES;

		pmt_pool_track_window_begin(&t, w * 1000, FRAMES, &gc);
		for (f = w * 1000; f < w * 1000 + FRAMES; f++) {
			for (i = 0; i < keep; i++) {
				struct pmt_pool_reading r = { coll, count, true };

				pmt_pool_track_create(&t, f, (uint32_t)(i % CLASSES), addr, (uint32_t)(i % 7) + 1,
						      &r);
				addr += 64;
				if (++count > 700) {
					count = 0;
					coll++;
				}
				events++;
			}
			for (i = 0; i < churn; i++) {
				struct pmt_pool_reading r = { coll, count, true };
				uint32_t k = (uint32_t)((i * 7919) % CLASSES);

				pmt_pool_track_create(&t, f, k, 0x1000 + i * 64, 1, &r);
				pmt_pool_track_destroy(&t, f, k, 0x1000 + i * 64, &r);
				events += 2;
			}
			pmt_pool_track_frame_time(&t, f, 16666667);
		}
		pmt_pool_track_window_end(&t, w * 1000 + FRAMES - 1, false);
	}
	ev_ns = now_ns() - t0;
	for (i = 0; i < REPS; i++) {
		t0 = now_ns();
		nrec = pmt_pool_track_results(&t, &rc, res);
		times[i] = now_ns() - t0;
	}
	qsort(times, REPS, sizeof(times[0]), cmp_u64);
	/* What the bookkeeping holds, from its own sizes. */
	mem += t.capcls * sizeof(*t.cls) + t.ncls_slots * sizeof(*t.cls_slot);
	mem += t.nlives_slots * sizeof(*t.lives);
	mem += t.capfollow * sizeof(*t.follow) + t.capitems * sizeof(*t.items);
	mem += t.capbirths * sizeof(*t.w_births) + t.capdeaths * sizeof(*t.w_deaths);
	for (c = 0; c < t.ncls; c++) {
		const struct pmt_pool_class *k = &t.cls[c];

		mem += dist_bytes(&k->created_pf) + dist_bytes(&k->destroyed_pf) +
		       dist_bytes(&k->live_pf) + dist_bytes(&k->demand_pf);
		mem += 5ULL * k->w_cap * sizeof(uint32_t) + (k->name ? strlen(k->name) + 1 : 0);
	}
	printf("{\"classes\":%u,\"lives_tracked\":%llu,\"events\":%llu,\"event_ns\":%.0f,"
	       "\"report_ms\":%.3f,\"report_ms_max\":%.3f,\"recommended\":%zu,"
	       "\"memory_mib\":%.1f}\n",
	       t.ncls, (unsigned long long)t.nlives, (unsigned long long)events,
	       (double)ev_ns / (double)events, times[REPS / 2] / 1e6, times[REPS - 1] / 1e6, nrec,
	       mem / 1048576.0);
	pmt_pool_track_free(&t);
	free(res);
	return 0;
}
