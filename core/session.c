// SPDX-License-Identifier: BSD-2-Clause
/*
 * session.c - events to frames: per-frame deltas of the cumulative
 * counters the BPF side publishes, then classification and bookkeeping.
 */
#include <errno.h>
#include <string.h>

#include "pmtrace/session.h"

int pmt_session_init(struct pmt_session *s, const struct pmt_analysis_config *cfg,
		     size_t history, uint64_t page_size)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (!page_size || !history)
		return -EINVAL;
	s->cfg = *cfg;
	s->page_size = page_size;
	err = pmt_frame_ring_init(&s->ring, history);
	if (err)
		return err;
	err = pmt_baseline_init(&s->base, cfg->baseline_window);
	if (err) {
		pmt_frame_ring_free(&s->ring);
		return err;
	}
	pmt_summary_acc_reset(&s->interval);
	pmt_summary_acc_reset(&s->total);
	return 0;
}

void pmt_session_free(struct pmt_session *s)
{
	if (!s)
		return;
	pmt_frame_ring_free(&s->ring);
	pmt_baseline_free(&s->base);
}

static uint64_t rss_of(const struct pmt_event *e, uint64_t page)
{
	return (e->rss_pages[PMT_RSS_FILE] + e->rss_pages[PMT_RSS_ANON] +
		e->rss_pages[PMT_RSS_SHMEM]) * page;
}

static uint64_t udelta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : 0;
}

static uint64_t fault_time(const struct pmt_session *s, uint64_t faults, uint64_t sys_ns)
{
	return pmt_fault_time_estimate(faults, sys_ns, s->ns_per_fault, PMT_FAULT_MAX_NS);
}

int pmt_session_add(struct pmt_session *s, const struct pmt_event *ev, struct pmt_frame *f)
{
	return pmt_session_add_prof(s, ev, 0, f);
}

int pmt_session_add_prof(struct pmt_session *s, const struct pmt_event *ev, unsigned prof,
			 struct pmt_frame *f)
{
	const struct pmt_event *p = &s->prev;
	uint64_t page = s->page_size;
	int g;

	if (ev->kind != PMT_EV_FRAME || !ev->seq || ev->seq <= p->seq || ev->ts_ns < p->ts_ns)
		return -EINVAL;
	if (!p->seq) {
		s->prev = *ev;
		s->prev_gc_valid = ev->flags & PMT_EVF_GC_VALID;
		return 1;
	}
	memset(f, 0, sizeof(*f));
	f->index = ev->seq - 2;
	f->ts_ns = ev->ts_ns;
	f->duration_ns = ev->ts_ns - p->ts_ns;
	f->partial = ev->seq != p->seq + 1;
	if (f->partial)
		s->lost_frames += ev->seq - p->seq - 1;
	f->rss_bytes = rss_of(ev, page);
	f->rss_anon_bytes = ev->rss_pages[PMT_RSS_ANON] * page;
	f->rss_file_bytes = ev->rss_pages[PMT_RSS_FILE] * page;
	f->rss_shmem_bytes = ev->rss_pages[PMT_RSS_SHMEM] * page;
	f->swap_bytes = ev->rss_pages[PMT_RSS_SWAP] * page;
	f->rss_delta_bytes = (int64_t)f->rss_bytes - (int64_t)rss_of(p, page);
	/* Major faults are read from the frame thread; the tracepoints count
	 * every thread's fault exceptions, minor or major. */
	if (p->tid == ev->tid)
		f->majflt = udelta(ev->thread_majflt, p->thread_majflt);
	f->minflt = udelta(ev->c.faults, p->c.faults);
	f->minflt = f->minflt > f->majflt ? f->minflt - f->majflt : 0;
	if (p->tid == ev->tid)
		f->sys_ns = udelta(ev->thread_stime_ns, p->thread_stime_ns);
	f->fault_ns = fault_time(s, udelta(ev->c.faults_frame, p->c.faults_frame), f->sys_ns);
	f->mapped_bytes = udelta(ev->c.mapped_bytes, p->c.mapped_bytes);
	f->unmapped_bytes = udelta(ev->c.unmapped_bytes, p->c.unmapped_bytes);
	f->brk_delta_bytes = ev->c.brk_bytes - p->c.brk_bytes;
	f->gc_ns = udelta(ev->c.gc_ns, p->c.gc_ns);
	f->gc_timed = s->gc_timed;
	f->gc_generation = -1;
	if ((ev->flags & PMT_EVF_GC_VALID) && s->prev_gc_valid) {
		f->gc_known = true;
		for (g = 0; g < PMT_GENS; g++) {
			f->gc_collections[g] = (uint64_t)(ev->gc[g][0] - p->gc[g][0]);
			f->gc_collected += (uint64_t)(ev->gc[g][1] - p->gc[g][1]);
			f->gc_uncollectable += (uint64_t)(ev->gc[g][2] - p->gc[g][2]);
		}
	}
	f->prof = (uint8_t)prof;
	pmt_frame_classify(&s->cfg, &s->base, f);
	pmt_frame_ring_push(&s->ring, f);
	pmt_summary_acc_add(&s->interval, f);
	pmt_summary_acc_add(&s->total, f);
	s->frames++;

	/* Keep the previous GC stats when this record could not read them. */
	if (!(ev->flags & PMT_EVF_GC_VALID)) {
		__s64 keep[PMT_GC_GENERATIONS][PMT_GC_STAT_FIELDS];

		memcpy(keep, s->prev.gc, sizeof(keep));
		s->prev = *ev;
		memcpy(s->prev.gc, keep, sizeof(keep));
	} else {
		s->prev = *ev;
		s->prev_gc_valid = true;
	}
	return 0;
}

void pmt_session_take_interval(struct pmt_session *s, struct pmt_summary *out)
{
	pmt_summary_acc_get(&s->interval, out);
	pmt_summary_acc_reset(&s->interval);
}
