// SPDX-License-Identifier: BSD-2-Clause
/*
 * session.c - events to frames: per-frame deltas of the cumulative
 * counters the BPF side publishes, then classification and bookkeeping.
 */
#include <errno.h>
#include <string.h>

#include "pmtrace/session.h"

int pmt_session_init(struct pmt_session *s, const struct pmt_analysis_config *cfg,
		     size_t history, uint64_t page_size, uint64_t attach_ts_ns,
		     uint64_t attach_rss_bytes)
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
	s->prev.ts_ns = attach_ts_ns;
	/* The attach-time RSS is not split by kind: book it as anon. */
	s->prev.rss_pages[PMT_RSS_ANON] = attach_rss_bytes / page_size;
	return 0;
}

void pmt_session_free(struct pmt_session *s)
{
	if (!s)
		return;
	pmt_frame_ring_free(&s->ring);
	pmt_baseline_free(&s->base);
}

void pmt_session_set_gc_baseline(struct pmt_session *s,
				 const __s64 gc[PMT_GC_GENERATIONS][PMT_GC_STAT_FIELDS])
{
	if (s->prev_gc_valid)
		return;
	memcpy(s->prev.gc, gc, sizeof(s->prev.gc));
	s->prev_gc_valid = true;
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

int pmt_session_add(struct pmt_session *s, const struct pmt_event *ev, struct pmt_frame *f)
{
	const struct pmt_event *p = &s->prev;
	uint64_t page = s->page_size;
	int g;

	if (ev->kind != PMT_EV_FRAME || !ev->seq || ev->seq <= p->seq || ev->ts_ns < p->ts_ns)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->index = ev->seq - 1;
	f->ts_ns = ev->ts_ns;
	f->duration_ns = ev->ts_ns - p->ts_ns;
	f->partial = p->seq == 0 || ev->seq != p->seq + 1;
	if (ev->seq > p->seq + 1)
		s->lost_frames += ev->seq - p->seq - 1;
	f->rss_bytes = rss_of(ev, page);
	f->rss_anon_bytes = ev->rss_pages[PMT_RSS_ANON] * page;
	f->rss_file_bytes = ev->rss_pages[PMT_RSS_FILE] * page;
	f->rss_shmem_bytes = ev->rss_pages[PMT_RSS_SHMEM] * page;
	f->swap_bytes = ev->rss_pages[PMT_RSS_SWAP] * page;
	f->rss_delta_bytes = (int64_t)f->rss_bytes - (int64_t)rss_of(p, page);
	f->minflt = udelta(ev->c.minflt, p->c.minflt);
	f->majflt = udelta(ev->c.majflt, p->c.majflt);
	f->fault_ns = udelta(ev->c.fault_ns, p->c.fault_ns);
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
