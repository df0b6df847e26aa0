// SPDX-License-Identifier: BSD-2-Clause
/*
 * assets_bench.c - how long the asset part of a report takes on a large
 * game: 100,000 live assets of every type from ~5,000 load sites, ~20,000
 * files of which some are loaded twice or more, with churn, uses and four
 * report intervals behind them. Times (CLOCK_MONOTONIC, median of 21 runs)
 * each query of the report and the whole report, and prints JSON with the
 * medians in microseconds, plus the cost of the events that built the store.
 * Target: the whole report under 5 ms.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmtrace/assets.h"

#define LIVE 100000
#define EXTRA 10000 /* loaded then freed along the way */
#define SITES 5000
#define PATHS 20000
#define DUP_LOADS 2000
#define PER_FRAME 100
#define FRAMES_PER_INTERVAL 250
#define REPS 21
#define TOP_N 20

enum { PART_TYPES, PART_TOP, PART_LEAKS, PART_DUPS, PART_ORPHANS, PART_TOTAL, PARTS };
static const char *const part_names[PARTS] = {
	"type_stats_us", "top20_us", "leaks_us", "duplicates_us", "orphans_us", "report_us",
};

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* A plausible size for an asset of type @t. */
static uint64_t asset_bytes(uint32_t t, uint64_t *seed)
{
	uint64_t side = 16 + rng(seed) % 497;

	switch (t) {
	case PMT_ASSET_AUDIO:
		return 10000 + rng(seed) % 2000000;
	case PMT_ASSET_MUSIC:
		return 4096 + rng(seed) % 65536;
	case PMT_ASSET_FONT:
		return 50000 + rng(seed) % 200000;
	case PMT_ASSET_GPU_BUFFER:
		return 1024 * (1 + rng(seed) % 1024);
	case PMT_ASSET_TEXT:
		return side * 24 * 4;
	default:
		return side * side * 4;
	}
}

/* Mostly surfaces, text and textures, as in a 2D game. */
static uint32_t asset_type(uint64_t r)
{
	static const uint32_t mix[20] = {
		0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 6,
	};

	return mix[r % 20];
}

/*
 * Load LIVE + EXTRA assets, free down to LIVE, use most, with frame and
 * interval ends; the event count and time go to @events and @event_ns.
 * Returns 0 or the first error of an event.
 */
static int fill(struct pmt_asset_store *st, uint64_t *events, uint64_t *event_ns)
{
	uint64_t seed = 0x2545f4914f6cdd1du, frame = 1, ts = 1000000, t0, n = 0;
	uint64_t *objs = calloc(LIVE + EXTRA, sizeof(*objs));
	uint32_t path_next = 1;
	size_t i;
	int err = 0;

	if (!objs)
		return -ENOMEM;
	t0 = now_ns();
	for (i = 0; i < LIVE + EXTRA; i++) {
		struct pmt_asset_load l;
		uint64_t r = rng(&seed);

		memset(&l, 0, sizeof(l));
		l.obj = objs[i] = 0x7f0000000000u + (uint64_t)i * 0x70 + (r % 4) * 0x10;
		l.type = asset_type(r >> 8);
		l.bytes = asset_bytes(l.type, &seed);
		l.frame = frame;
		l.ts_ns = ts += 1000 + r % 100000;
		l.site_id = 1 + (uint32_t)(rng(&seed) % SITES);
		l.loader_id = 1 + l.type;
		/* One in five from a file: every file once, some again. */
		if (r % 5 == 0) {
			if (path_next <= PATHS)
				l.path_id = path_next++;
			else if (rng(&seed) % 2)
				l.path_id = 1 + (uint32_t)(rng(&seed) % PATHS);
		}
		err = pmt_asset_loaded(st, &l);
		if (err)
			goto out;
		n++;
		if (r % 10 < 8) {
			pmt_asset_used(st, l.obj, frame, l.site_id);
			n++;
		}
		/* Free one in eleven of the earlier ones (churn), keeping LIVE. */
		if (i % 11 == 10) {
			err = pmt_asset_freed(st, objs[i - rng(&seed) % 10], frame, ts);
			if (err && err != -ENOENT)
				goto out;
			n++;
		}
		if (i % PER_FRAME == PER_FRAME - 1) {
			pmt_asset_frame_end(st, frame);
			if (frame % FRAMES_PER_INTERVAL == 0)
				pmt_asset_interval_end(st);
			frame++;
			n++;
		}
	}
	/* Bring the store to exactly LIVE. */
	for (i = 0; pmt_asset_live_count(st) > LIVE; i++) {
		pmt_asset_freed(st, objs[i * 7 % (LIVE + EXTRA)], frame, ts);
		n++;
	}
	pmt_asset_interval_end(st);
	*event_ns = now_ns() - t0;
	*events = n;
out:
	free(objs);
	return err;
}

/* main - build the store, time REPS reports, print JSON; 0, or 1 on an error. */
int main(void)
{
	static struct pmt_asset top[TOP_N], orph[TOP_N];
	static struct pmt_site_stats leaks[TOP_N];
	static struct pmt_duplicate dups[TOP_N];
	static uint64_t times[PARTS][REPS];
	struct pmt_asset_config cfg;
	struct pmt_asset_store *st;
	uint64_t events = 0, event_ns = 0, counts[4] = { 0 };
	int rep, p, err;

	pmt_asset_config_default(&cfg);
	st = pmt_asset_store_new(&cfg);
	if (!st) {
		perror("pmt_asset_store_new");
		return 1;
	}
	err = fill(st, &events, &event_ns);
	if (err) {
		fprintf(stderr, "fill: %s\n", strerror(-err));
		pmt_asset_store_free(st);
		return 1;
	}

	for (rep = 0; rep < REPS; rep++) {
		uint64_t t[PARTS + 1], acc = 0;
		int k;

		t[0] = now_ns();
		for (k = 0; k < PMT_ASSET_TYPES; k++) {
			const struct pmt_type_stats *ts;

			ts = pmt_asset_type_stats(st, (enum pmt_asset_type)k);

			acc += ts->live + ts->live_bytes + ts->peak_bytes + ts->churn_total_bytes;
		}
		t[1] = now_ns();
		counts[0] = pmt_asset_top(st, top, TOP_N);
		t[2] = now_ns();
		counts[1] = pmt_asset_leaks(st, leaks, TOP_N);
		t[3] = now_ns();
		counts[2] = pmt_asset_duplicates(st, dups, TOP_N);
		t[4] = now_ns();
		counts[3] = pmt_asset_orphans(st, orph, TOP_N);
		t[5] = now_ns();
		sink += acc + top[0].l.bytes + orph[0].l.ts_ns;
		for (p = 0; p < PART_TOTAL; p++)
			times[p][rep] = t[p + 1] - t[p];
		times[PART_TOTAL][rep] = t[5] - t[0];
	}

	printf("{\n  \"live_assets\": %llu,\n  \"sites\": %d,\n  \"paths\": %d,\n",
	       (unsigned long long)pmt_asset_live_count(st), SITES, PATHS);
	printf("  \"results\": {\"top\": %llu, \"leaks\": %llu, \"duplicates\": %llu, "
	       "\"orphans\": %llu},\n",
	       (unsigned long long)counts[0], (unsigned long long)counts[1],
	       (unsigned long long)counts[2], (unsigned long long)counts[3]);
	printf("  \"events\": %llu,\n  \"event_ns_mean\": %.1f,\n  \"repetitions\": %d,\n",
	       (unsigned long long)events, (double)event_ns / (double)events, REPS);
	for (p = 0; p < PARTS; p++)
		printf("  \"%s\": %.1f%s\n", part_names[p], (double)median(times[p], REPS) / 1000.0,
		       p == PARTS - 1 ? "" : ",");
	printf("}\n");
	pmt_asset_store_free(st);
	return 0;
}
