// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_session.c - unit tests of the event-to-frame session: per-frame
 * deltas of the cumulative counters, GC stats validity, lost records,
 * rejected events, the history ring and the interval and total summaries.
 * Events are synthetic marker records as the BPF side would publish them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/events.h"
#include "pmtrace/session.h"
#include "suites.h"

#define PAGE UINT64_C(4096)
#define MIB (UINT64_C(1) << 20)
#define MS UINT64_C(1000000)
#define T0 (UINT64_C(5000) * MS) /* first marker call */
#define TID 4242

/* A session with the default config; the struct is large, so on the heap. */
static struct pmt_session *new_session(size_t history)
{
	struct pmt_analysis_config cfg;
	struct pmt_session *s = calloc(1, sizeof(*s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	pmt_analysis_config_default(&cfg);
	CU_ASSERT_EQUAL_FATAL(pmt_session_init(s, &cfg, history, PAGE), 0);
	return s;
}

static void del_session(struct pmt_session *s)
{
	pmt_session_free(s);
	free(s);
}

/*
 * Marker call @seq at @ts_ns on the frame thread, GC stats valid, every
 * counter at a base value so deltas can be set by adding to it.
 */
static struct pmt_event mkev(uint64_t seq, uint64_t ts_ns)
{
	struct pmt_event e;

	memset(&e, 0, sizeof(e));
	e.kind = PMT_EV_FRAME;
	e.seq = seq;
	e.ts_ns = ts_ns;
	e.tid = TID;
	e.flags = PMT_EVF_GC_VALID;
	e.rss_pages[PMT_RSS_FILE] = 1000;
	e.rss_pages[PMT_RSS_ANON] = 2000;
	e.rss_pages[PMT_RSS_SWAP] = 50;
	e.rss_pages[PMT_RSS_SHMEM] = 10;
	e.c.faults = 100;
	e.c.faults_frame = 40;
	e.c.mapped_bytes = 1 * MIB;
	e.c.brk_bytes = 4096;
	e.thread_minflt = 77;
	e.thread_majflt = 3;
	e.gc[0][0] = 10;
	e.gc[0][1] = 500;
	e.gc[0][2] = 1;
	e.gc[1][0] = 2;
	e.gc[1][1] = 100;
	e.gc[2][0] = 1;
	e.gc[2][1] = 50;
	return e;
}

/* Add @e, expecting a frame; returns it. */
static struct pmt_frame add_frame(struct pmt_session *s, const struct pmt_event *e)
{
	struct pmt_frame f;

	memset(&f, 0xa5, sizeof(f));
	CU_ASSERT_EQUAL(pmt_session_add(s, e, &f), 0);
	return f;
}

static void test_init_errors(void)
{
	struct pmt_analysis_config cfg;
	struct pmt_session *s = calloc(1, sizeof(*s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	pmt_analysis_config_default(&cfg);
	memset(s, 0xa5, sizeof(*s));
	CU_ASSERT_EQUAL(pmt_session_init(s, &cfg, 0, PAGE), -EINVAL);
	pmt_session_free(s); /* a failed init leaves a freeable session */
	memset(s, 0xa5, sizeof(*s));
	CU_ASSERT_EQUAL(pmt_session_init(s, &cfg, 8, 0), -EINVAL);
	pmt_session_free(s);
	pmt_session_free(NULL);

	CU_ASSERT_EQUAL(pmt_session_init(s, &cfg, 1, PAGE), 0);
	CU_ASSERT_EQUAL(s->frames, 0);
	CU_ASSERT_EQUAL(s->lost_frames, 0);
	CU_ASSERT_EQUAL(s->prev.seq, 0);
	pmt_session_free(s);
	free(s);
}

static void test_first_event(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f, before;
	struct pmt_summary sum;

	memset(&f, 0x5a, sizeof(f));
	before = f;
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	CU_ASSERT_EQUAL(memcmp(&f, &before, sizeof(f)), 0);
	CU_ASSERT_EQUAL(s->frames, 0);
	CU_ASSERT_EQUAL(s->lost_frames, 0);
	CU_ASSERT_EQUAL(s->ring.len, 0);
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&s->ring, 0));
	pmt_session_take_interval(s, &sum);
	CU_ASSERT_EQUAL(sum.frames, 0);
	pmt_summary_acc_get(&s->total, &sum);
	CU_ASSERT_EQUAL(sum.frames, 0);
	del_session(s);
}

static void test_deltas(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event a = mkev(1, T0), b = mkev(2, T0 + 16 * MS);
	struct pmt_frame f;

	s->gc_timed = true;
	s->ns_per_fault = 1500.5;
	b.rss_pages[PMT_RSS_ANON] = 2256;
	b.rss_pages[PMT_RSS_SWAP] = 60;
	b.rss_pages[PMT_RSS_SHMEM] = 12;
	b.c.faults = 400;        /* +300, all threads */
	b.c.faults_frame = 140;  /* +100 on the frame thread */
	b.thread_majflt = 5;     /* +2 */
	b.thread_minflt = 1000;  /* not used */
	b.c.mapped_bytes = 4 * MIB;
	b.c.unmapped_bytes = 1 * MIB;
	b.c.brk_bytes = 4096 - 8192;
	b.c.gc_ns = 2 * MS;
	b.c.gc_runs = 4;
	b.gc[0][0] = 13;
	b.gc[0][1] = 800;
	b.gc[1][0] = 3;
	b.gc[1][1] = 160;
	b.gc[1][2] = 2;

	CU_ASSERT_EQUAL(pmt_session_add(s, &a, &f), 1);
	f = add_frame(s, &b);
	CU_ASSERT_EQUAL(f.index, 0);
	CU_ASSERT_EQUAL(f.ts_ns, T0 + 16 * MS);
	CU_ASSERT_EQUAL(f.duration_ns, 16 * MS);
	CU_ASSERT_FALSE(f.partial);
	CU_ASSERT_EQUAL(f.rss_bytes, (1000 + 2256 + 12) * PAGE);
	CU_ASSERT_EQUAL(f.rss_anon_bytes, 2256 * PAGE);
	CU_ASSERT_EQUAL(f.rss_file_bytes, 1000 * PAGE);
	CU_ASSERT_EQUAL(f.rss_shmem_bytes, 12 * PAGE);
	CU_ASSERT_EQUAL(f.swap_bytes, 60 * PAGE);
	CU_ASSERT_EQUAL(f.rss_delta_bytes, (int64_t)(258 * PAGE));
	CU_ASSERT_EQUAL(f.majflt, 2);
	CU_ASSERT_EQUAL(f.minflt, 298);
	CU_ASSERT_EQUAL(f.fault_ns, 150050);
	CU_ASSERT_EQUAL(f.mapped_bytes, 3 * MIB);
	CU_ASSERT_EQUAL(f.unmapped_bytes, 1 * MIB);
	CU_ASSERT_EQUAL(f.brk_delta_bytes, -8192);
	CU_ASSERT_EQUAL(f.gc_ns, 2 * MS);
	CU_ASSERT_TRUE(f.gc_timed);
	CU_ASSERT_TRUE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 3);
	CU_ASSERT_EQUAL(f.gc_collections[1], 1);
	CU_ASSERT_EQUAL(f.gc_collections[2], 0);
	CU_ASSERT_EQUAL(f.gc_collected, 360);
	CU_ASSERT_EQUAL(f.gc_uncollectable, 2);
	/* classified: oldest generation 1, warming up, within budget */
	CU_ASSERT_EQUAL(f.gc_generation, 1);
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_FALSE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	CU_ASSERT_EQUAL(s->frames, 1);
	CU_ASSERT_EQUAL(s->lost_frames, 0);

	/* the next frame is against b: shrinking RSS, nothing else moving */
	a = b;
	a.seq = 3;
	a.ts_ns = b.ts_ns + 17 * MS;
	a.rss_pages[PMT_RSS_ANON] = 2000;
	s->gc_timed = false;
	f = add_frame(s, &a);
	CU_ASSERT_EQUAL(f.index, 1);
	CU_ASSERT_EQUAL(f.duration_ns, 17 * MS);
	CU_ASSERT_EQUAL(f.rss_delta_bytes, -(int64_t)(256 * PAGE));
	CU_ASSERT_EQUAL(f.minflt, 0);
	CU_ASSERT_EQUAL(f.majflt, 0);
	CU_ASSERT_EQUAL(f.fault_ns, 0);
	CU_ASSERT_EQUAL(f.mapped_bytes, 0);
	CU_ASSERT_EQUAL(f.unmapped_bytes, 0);
	CU_ASSERT_EQUAL(f.brk_delta_bytes, 0);
	CU_ASSERT_EQUAL(f.gc_ns, 0);
	CU_ASSERT_FALSE(f.gc_timed);
	CU_ASSERT_TRUE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 0);
	CU_ASSERT_EQUAL(f.gc_collected, 0);
	CU_ASSERT_EQUAL(f.gc_generation, -1);
	del_session(s);
}

static void test_majflt_thread(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f;

	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	/* another thread hit the marker: its majflt is no delta of ours */
	e.seq = 2;
	e.ts_ns += 16 * MS;
	e.tid = TID + 1;
	e.thread_majflt = 9;
	e.c.faults += 50;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.majflt, 0);
	CU_ASSERT_EQUAL(f.minflt, 50);
	/* same thread again: a delta */
	e.seq = 3;
	e.ts_ns += 16 * MS;
	e.thread_majflt = 12;
	e.c.faults += 50;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.majflt, 3);
	CU_ASSERT_EQUAL(f.minflt, 47);
	/* more major faults than exceptions counted: minflt stops at 0 */
	e.seq = 4;
	e.ts_ns += 16 * MS;
	e.thread_majflt = 18;
	e.c.faults += 2;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.majflt, 6);
	CU_ASSERT_EQUAL(f.minflt, 0);
	/* back on the first thread, whose count is lower: no delta either */
	e.seq = 5;
	e.ts_ns += 16 * MS;
	e.tid = TID;
	e.thread_majflt = 2;
	e.c.faults += 4;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.majflt, 0);
	CU_ASSERT_EQUAL(f.minflt, 4);
	del_session(s);
}

static void test_gc_validity(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f;

	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	/* 2: stats unreadable, garbage in gc[][] */
	e.seq = 2;
	e.ts_ns += 16 * MS;
	e.flags = 0;
	memset(e.gc, 0x7f, sizeof(e.gc));
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 0);
	CU_ASSERT_EQUAL(f.gc_collections[1], 0);
	CU_ASSERT_EQUAL(f.gc_collections[2], 0);
	CU_ASSERT_EQUAL(f.gc_collected, 0);
	CU_ASSERT_EQUAL(f.gc_uncollectable, 0);
	CU_ASSERT_EQUAL(f.gc_generation, -1);
	/* 3: valid again, delta against record 1 (record 2 had none) */
	e = mkev(3, T0 + 32 * MS);
	e.gc[0][0] += 4;
	e.gc[0][1] += 40;
	e.gc[2][0] += 1;
	e.gc[2][1] += 7;
	e.gc[2][2] += 2;
	f = add_frame(s, &e);
	CU_ASSERT_TRUE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 4);
	CU_ASSERT_EQUAL(f.gc_collections[1], 0);
	CU_ASSERT_EQUAL(f.gc_collections[2], 1);
	CU_ASSERT_EQUAL(f.gc_collected, 47);
	CU_ASSERT_EQUAL(f.gc_uncollectable, 2);
	CU_ASSERT_EQUAL(f.gc_generation, 2);
	/* two unreadable records in a row, then valid: still against 3 */
	e.seq = 4;
	e.ts_ns += 16 * MS;
	e.flags = 0;
	memset(e.gc, 0, sizeof(e.gc));
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.gc_known);
	e.seq = 5;
	e.ts_ns += 16 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.gc_known);
	e = mkev(6, e.ts_ns + 16 * MS);
	e.gc[0][0] += 4 + 1;
	e.gc[0][1] += 40 + 3;
	e.gc[2][0] += 1;
	e.gc[2][1] += 7;
	e.gc[2][2] += 2;
	f = add_frame(s, &e);
	CU_ASSERT_TRUE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 1);
	CU_ASSERT_EQUAL(f.gc_collections[2], 0);
	CU_ASSERT_EQUAL(f.gc_collected, 3);
	CU_ASSERT_EQUAL(f.gc_uncollectable, 0);
	del_session(s);

	/* never valid before: the first valid record only starts the deltas */
	s = new_session(8);
	e = mkev(1, T0);
	e.flags = 0;
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	e = mkev(2, T0 + 16 * MS);
	e.gc[0][0] += 1;
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 0);
	e.seq = 3;
	e.ts_ns += 16 * MS;
	e.gc[0][0] += 2;
	f = add_frame(s, &e);
	CU_ASSERT_TRUE(f.gc_known);
	CU_ASSERT_EQUAL(f.gc_collections[0], 2);
	del_session(s);
}

static void test_seq_gap(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f;
	struct pmt_summary sum;

	s->ns_per_fault = 1000;
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	e.seq = 2;
	e.ts_ns += 16 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.partial);
	/* records 3 and 4 lost: frame 3 spans frames 1..3 */
	e.seq = 5;
	e.ts_ns += 100 * MS;
	e.c.faults += 30;
	e.c.faults_frame += 20;
	e.c.gc_ns += 90 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 3);
	CU_ASSERT_TRUE(f.partial);
	CU_ASSERT_EQUAL(f.duration_ns, 100 * MS);
	CU_ASSERT_EQUAL(f.minflt, 30);
	CU_ASSERT_EQUAL(f.fault_ns, 20000);
	CU_ASSERT_FALSE(f.dropped); /* partial frames are never drops */
	CU_ASSERT_FALSE(f.spike);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_NONE);
	CU_ASSERT_EQUAL(s->lost_frames, 2);
	CU_ASSERT_EQUAL(s->frames, 2);
	/* numbering goes on from the marker's count */
	e.seq = 6;
	e.ts_ns += 16 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 4);
	CU_ASSERT_FALSE(f.partial);
	CU_ASSERT_EQUAL(s->lost_frames, 2);
	e.seq = 8;
	e.ts_ns += 32 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 6);
	CU_ASSERT_TRUE(f.partial);
	CU_ASSERT_EQUAL(s->lost_frames, 3);
	CU_ASSERT_EQUAL(s->frames, 4);
	pmt_summary_acc_get(&s->total, &sum);
	CU_ASSERT_EQUAL(sum.frames, 4);
	CU_ASSERT_EQUAL(sum.first_index, 0);
	del_session(s);

	/* attached mid-run: the first record seen has a high seq */
	s = new_session(8);
	e = mkev(41, T0);
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	e.seq = 42;
	e.ts_ns += 16 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 40);
	CU_ASSERT_FALSE(f.partial);
	CU_ASSERT_EQUAL(s->lost_frames, 0);
	del_session(s);
}

static void test_rejected(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0), bad;
	struct pmt_frame f, before;

	/* a non-marker record first: still waiting for the first call */
	bad = e;
	bad.kind = PMT_EV_DLOPEN;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad = mkev(0, T0);
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);

	e.seq = 2;
	e.ts_ns += 16 * MS;
	e.c.faults += 10;
	f = add_frame(s, &e);

	memset(&f, 0x5a, sizeof(f));
	before = f;
	bad = e; /* same seq again */
	bad.ts_ns += 16 * MS;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad.seq = 1; /* older seq */
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad.seq = 3; /* newer seq, older time */
	bad.ts_ns = e.ts_ns - 1;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad = e; /* non-frame kinds */
	bad.seq = 3;
	bad.ts_ns += 16 * MS;
	bad.kind = PMT_EV_DLOPEN;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad.kind = 0;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	bad.kind = PMT_EV_FRAME;
	bad.seq = 0;
	CU_ASSERT_EQUAL(pmt_session_add(s, &bad, &f), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&f, &before, sizeof(f)), 0);
	CU_ASSERT_EQUAL(s->frames, 1);
	CU_ASSERT_EQUAL(s->lost_frames, 0);
	CU_ASSERT_EQUAL(s->ring.len, 1);

	/* none of them moved the session: the next delta is against seq 2 */
	e.seq = 3;
	e.ts_ns += 16 * MS;
	e.c.faults += 5;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 1);
	CU_ASSERT_FALSE(f.partial);
	CU_ASSERT_EQUAL(f.duration_ns, 16 * MS);
	CU_ASSERT_EQUAL(f.minflt, 5);
	CU_ASSERT_EQUAL(s->frames, 2);
	del_session(s);
}

/* Feed @n frames of @dur with @minflt faults each after the current @e. */
static void feed(struct pmt_session *s, struct pmt_event *e, unsigned n, uint64_t dur,
		 uint64_t minflt)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		e->seq++;
		e->ts_ns += dur;
		e->c.faults += minflt;
		(void)add_frame(s, e);
	}
}

static void test_summaries(void)
{
	struct pmt_session *s = new_session(8);
	struct pmt_event e = mkev(1, T0);
	struct pmt_summary iv, tot;
	struct pmt_frame f;

	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	feed(s, &e, 5, 10 * MS, 3);
	pmt_session_take_interval(s, &iv);
	CU_ASSERT_EQUAL(iv.frames, 5);
	CU_ASSERT_EQUAL(iv.first_index, 0);
	CU_ASSERT_EQUAL(iv.minflt, 15);
	CU_ASSERT_EQUAL(iv.dur_max_ns, 10 * MS);
	CU_ASSERT_EQUAL(iv.span_ns, 50 * MS);

	/* the interval restarts */
	pmt_session_take_interval(s, &iv);
	CU_ASSERT_EQUAL(iv.frames, 0);
	CU_ASSERT_EQUAL(iv.minflt, 0);

	/* a dropped frame with its cause, then two normal ones */
	e.seq++;
	e.ts_ns += 30 * MS;
	e.c.gc_ns += 10 * MS;
	s->gc_timed = true;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.index, 5);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_GC);
	feed(s, &e, 2, 10 * MS, 1);
	pmt_session_take_interval(s, &iv);
	CU_ASSERT_EQUAL(iv.frames, 3);
	CU_ASSERT_EQUAL(iv.first_index, 5);
	CU_ASSERT_EQUAL(iv.minflt, 2);
	CU_ASSERT_EQUAL(iv.dropped, 1);
	CU_ASSERT_EQUAL(iv.causes[PMT_CAUSE_GC], 1);
	CU_ASSERT_EQUAL(iv.gc_ns, 10 * MS);
	CU_ASSERT_EQUAL(iv.dur_max_ns, 30 * MS);

	/* the total keeps counting through both intervals */
	pmt_summary_acc_get(&s->total, &tot);
	CU_ASSERT_EQUAL(tot.frames, 8);
	CU_ASSERT_EQUAL(tot.first_index, 0);
	CU_ASSERT_EQUAL(tot.minflt, 17);
	CU_ASSERT_EQUAL(tot.dropped, 1);
	CU_ASSERT_EQUAL(tot.span_ns, 100 * MS);
	CU_ASSERT_EQUAL(s->frames, 8);
	del_session(s);
}

static void test_ring(void)
{
	struct pmt_session *s = new_session(3);
	struct pmt_event e = mkev(1, T0);
	const struct pmt_frame *r;
	struct pmt_frame f;
	size_t i;

	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	feed(s, &e, 2, 10 * MS, 0);
	CU_ASSERT_EQUAL(s->ring.len, 2);
	feed(s, &e, 3, 10 * MS, 0);
	CU_ASSERT_EQUAL(s->ring.len, 3);
	CU_ASSERT_EQUAL(s->ring.total, 5);
	/* frames 2, 3, 4, oldest first, as returned */
	for (i = 0; i < 3; i++) {
		r = pmt_frame_ring_get(&s->ring, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->index, 2 + i);
		CU_ASSERT_EQUAL(r->ts_ns, T0 + (3 + i) * 10 * MS);
		CU_ASSERT_EQUAL(r->duration_ns, 10 * MS);
	}
	CU_ASSERT_PTR_NULL(pmt_frame_ring_get(&s->ring, 3));
	del_session(s);
}

/* The session classifies with its config and feeds its own baseline. */
static void test_classified(void)
{
	struct pmt_session *s = new_session(16);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f;

	s->gc_timed = true;
	s->ns_per_fault = 2000;
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);
	feed(s, &e, 4, 10 * MS, 0);
	CU_ASSERT_EQUAL(pmt_baseline_count(&s->base), 4);
	CU_ASSERT_EQUAL(pmt_baseline_duration(&s->base), 10 * MS);

	/* 30 ms over a 10 ms base: a cause needs 10 ms; 4 ms GC + 6 ms faults */
	e.seq++;
	e.ts_ns += 30 * MS;
	e.c.gc_ns += 4 * MS;
	e.c.faults_frame += 3000;
	e.c.faults += 3000;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.fault_ns, 6 * MS);
	CU_ASSERT_TRUE(f.dropped);
	CU_ASSERT_EQUAL(f.spike_kind, PMT_SPIKE_TIME);
	CU_ASSERT_EQUAL(f.cause, PMT_CAUSE_PAGE_FAULTS);
	CU_ASSERT_EQUAL(pmt_baseline_count(&s->base), 4); /* spike kept out */

	/* a config change in the session is honoured */
	s->cfg.target_fps = 0;
	e.seq++;
	e.ts_ns += 30 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_FALSE(f.dropped);
	del_session(s);
}

/*
 * fault_ns: faults x ns_per_fault, or the frame thread's kernel time when
 * larger, counted up to PMT_FAULT_MAX_NS a fault; kernel time only from
 * the same thread.
 */
static void test_fault_time(void)
{
	struct pmt_session *s = new_session(16);
	struct pmt_event e = mkev(1, T0);
	struct pmt_frame f;

	s->ns_per_fault = 1000.0;
	e.thread_stime_ns = 100 * MS;
	CU_ASSERT_EQUAL(pmt_session_add(s, &e, &f), 1);

	/* 1000 faults, 5 ms of kernel time: the kernel time (cap 20 ms). */
	e.seq = 2;
	e.ts_ns += 30 * MS;
	e.c.faults_frame += 1000;
	e.thread_stime_ns += 5 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.sys_ns, 5 * MS);
	CU_ASSERT_EQUAL(f.fault_ns, 5 * MS);

	/* 1000 faults, 30 ms of kernel time: capped at 1000 x 20 us. */
	e.seq = 3;
	e.ts_ns += 40 * MS;
	e.c.faults_frame += 1000;
	e.thread_stime_ns += 30 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.sys_ns, 30 * MS);
	CU_ASSERT_EQUAL(f.fault_ns, 1000 * (uint64_t)PMT_FAULT_MAX_NS);

	/* 2000 faults, 1 ms of kernel time: the estimate, 2 ms, is larger. */
	e.seq = 4;
	e.ts_ns += 20 * MS;
	e.c.faults_frame += 2000;
	e.thread_stime_ns += 1 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.fault_ns, 2 * MS);

	/* No fault: kernel time is not fault time. */
	e.seq = 5;
	e.ts_ns += 20 * MS;
	e.thread_stime_ns += 8 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.sys_ns, 8 * MS);
	CU_ASSERT_EQUAL(f.fault_ns, 0);

	/* Another thread ended the frame: its kernel time is not this frame's. */
	e.seq = 6;
	e.ts_ns += 20 * MS;
	e.tid = TID + 1;
	e.c.faults_frame += 10;
	e.thread_stime_ns = 999 * MS;
	f = add_frame(s, &e);
	CU_ASSERT_EQUAL(f.sys_ns, 0);
	CU_ASSERT_EQUAL(f.fault_ns, 10 * 1000);
	del_session(s);
}

/* pmt_test_register_session - add the "session" suite. */
void pmt_test_register_session(void)
{
	static const struct pmt_test tests[] = {
		{ "init errors", test_init_errors },
		{ "first call starts frame 0", test_first_event },
		{ "exact deltas", test_deltas },
		{ "majflt only from the same thread", test_majflt_thread },
		{ "GC stats validity", test_gc_validity },
		{ "seq gaps: partial, lost_frames", test_seq_gap },
		{ "rejected events leave no trace", test_rejected },
		{ "interval and total summaries", test_summaries },
		{ "history ring", test_ring },
		{ "frames are classified", test_classified },
		{ "fault time from estimate and kernel time", test_fault_time },
	};

	pmt_test_add_suite("session", tests, PMT_ARRAY_SIZE(tests));
}
