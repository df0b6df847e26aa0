// SPDX-License-Identifier: BSD-2-Clause
/*
 * trace_run.c - trace mode's controller (see trace_run.h).
 *
 * The probes go in before the first frame to trace begins: the BPF side
 * counts only frames begun by marker hits in [from + 1, to + 1), so a
 * frame is traced whole or not at all, wherever the attach lands. They
 * come out when the last traced frame ends, or when no frame ends for a
 * while (the game stopped presenting). Every probe is in uprobe_multi
 * links: one grace period per link to remove, however many sites.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes/bpf_backend.h"
#include "report/report_trace.h"
#include "run/trace_run.h"
#include "os/clock.h"

#define NEVER_ENDS_MIN_NS 2000000000ULL /* a traced frame longer than this is given up */

void pmt_prof_log_add(struct pmt_prof_log *l, uint64_t t0, uint64_t t1)
{
	l->t0[l->head] = t0;
	l->t1[l->head] = t1;
	l->head = (l->head + 1) % PMT_PROF_SPANS;
	if (l->n < PMT_PROF_SPANS)
		l->n++;
}

void pmt_prof_log_end(struct pmt_prof_log *l, uint64_t t1)
{
	unsigned last = (l->head + PMT_PROF_SPANS - 1) % PMT_PROF_SPANS;

	if (l->n && l->t1[last] == UINT64_MAX)
		l->t1[last] = t1;
}

bool pmt_prof_log_overlaps(const struct pmt_prof_log *l, uint64_t start, uint64_t end)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->t0[i] <= end && l->t1[i] >= start)
			return true;
	return false;
}

unsigned pmt_trace_run_prof(const struct pmt_trace_run *tr, uint64_t start_ns, uint64_t end_ns,
			    uint64_t index)
{
	unsigned prof = 0;

	if (tr->attached && index >= tr->from && index < tr->to)
		prof |= PMT_PROF_TRACED;
	if (pmt_prof_log_overlaps(&tr->spans, start_ns, end_ns))
		prof |= PMT_PROF_PROBES;
	return prof;
}

void pmt_trace_run_init(struct pmt_trace_run *tr, const struct pmt_options *o, pid_t pid)
{
	memset(tr, 0, sizeof(*tr));
	pmt_trace_sched_init(&tr->sched, o->trace_every, o->trace_on_spike, o->trace_from,
			     o->trace_to, o->trace_all, o->max_overhead);
	tr->enabled = pmt_trace_sched_enabled(&tr->sched);
	tr->verbose = o->verbose;
	tr->top_n = o->top_n ? o->top_n : 10;
	tr->depth = (unsigned)o->trace_depth;
	/* Benchmarks only (scripts/bench/trace.py): probes in place, never counting. */
	tr->idle = getenv("PMT_BENCH_TRACE_IDLE") != NULL;
	tr->pid = pid;
	tr->drop_ns = o->target_fps > 0 ? 1.25e9 / o->target_fps : 0;
	tr->est_cost_ns = -1;
	pmt_trace_sites_init(&tr->frame_sites);
	pmt_trace_sites_init(&tr->all_sites);
	pmt_trace_sites_init(&tr->interval_sites);
	pmt_trace_sites_init(&tr->window_sites);
	snprintf(tr->why, sizeof(tr->why), "%s", "CPython not found yet");
}

static void detach_window(struct pmt_trace_run *tr, struct pmt_bpf *b)
{
	uint64_t t0 = pmt_mono_ns();

	pmt_bpf_set_trace_range(b, 0, 0);
	pmt_bpf_detach_alloc(b);
	pmt_bpf_trace_forget_live(b);
	pmt_bpf_wake_each_frame(b, PMT_WAKE_TRACE, false);
	tr->attached = false;
	pmt_prof_log_end(&tr->spans, pmt_mono_ns() + PMT_PROF_TAIL_NS);
	tr->attach_cost_ns += pmt_mono_ns() - t0;
	if (tr->verbose)
		fprintf(stderr, "pmtrace: trace probes removed (attach + detach took %.1f ms)\n",
			tr->attach_cost_ns / 1e6);
}

void pmt_trace_run_free(struct pmt_trace_run *tr, struct pmt_bpf *b)
{
	if (tr->attached && b)
		detach_window(tr, b);
	free(tr->plan);
	pmt_trace_sites_free(&tr->frame_sites);
	pmt_trace_sites_free(&tr->all_sites);
	pmt_trace_sites_free(&tr->interval_sites);
	pmt_trace_sites_free(&tr->window_sites);
}

void pmt_trace_run_python(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_maps *maps,
			  const struct pmt_python *py, struct pmt_stacknames *names)
{
	struct pmt_alloc_plan *p;
	uint32_t i;
	int err;

	if (!tr->enabled || tr->plan_tried)
		return;
	tr->plan_tried = true;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(tr->why, sizeof(tr->why), "out of memory");
		return;
	}
	err = pmt_alloc_plan_build(tr->pid, maps, py, p, tr->why, sizeof(tr->why));
	tr->names = names;
	for (i = 0; !err && i < p->n; i++)
		err = pmt_bpf_set_alloc_site(b, i, &p->site[i]);
	if (err) {
		if (!tr->why[0] || !strcmp(tr->why, "CPython not found yet"))
			snprintf(tr->why, sizeof(tr->why), "cannot prepare the allocator probes: %s",
				 strerror(-err));
		fprintf(stderr, "pmtrace-bpf: trace mode off: %s\n", tr->why);
		free(p);
		return;
	}
	pmt_bpf_set_usedpools(b, p->usedpools);
	pmt_bpf_set_stack_depth(b, tr->depth);
	tr->plan = p;
	tr->plan_ok = true;
	tr->why[0] = 0;
	if (tr->verbose)
		fprintf(stderr,
			"pmtrace: trace probes: %u allocator functions (%u on single-stepped "
			"instructions), %u inlined copies (%u of unknown size), %u direct calls and "
			"%u undecoded comparisons skipped; usedpools %s\n",
			p->n_funcs, p->n_expensive, p->n_inline, p->n_nosize, p->n_direct, p->n_bad,
			p->usedpools ? "found" : "not used");
}

static int attach_probes(struct pmt_trace_run *tr, struct pmt_bpf *b)
{
	const struct pmt_alloc_plan *p = tr->plan;
	uint64_t *off = malloc(p->n * sizeof(*off)), *ck = malloc(p->n * sizeof(*ck));
	int f, err = 0, pass;
	uint32_t i, n;

	if (!off || !ck) {
		free(off);
		free(ck);
		return -ENOMEM;
	}
	/*
	 * Return probes first: a call whose entry is seen must have its return
	 * seen too, or its thread would stay "inside an allocator" (uncounted).
	 */
	for (pass = 0; pass < 2 && !err; pass++) {
		for (f = 0; f < p->nfiles && !err; f++) {
			for (i = 0, n = 0; i < p->n; i++) {
				if (p->file[i] != f || (!pass && !p->ret[i]))
					continue;
				off[n] = p->off[i];
				ck[n++] = i;
			}
			err = pmt_bpf_attach_alloc(b, p->files[f], off, ck, (int)n, pass == 0);
			if (err && tr->verbose)
				fprintf(stderr, "pmtrace: attaching %u trace probes in %s: %s\n", n,
					p->files[f], strerror(-err));
		}
	}
	free(off);
	free(ck);
	return err;
}

static void attach_window(struct pmt_trace_run *tr, struct pmt_bpf *b,
			  enum pmt_trace_trigger trig, uint64_t from, uint64_t to)
{
	uint64_t t0 = pmt_mono_ns(), cur;
	int err, tries;

	pmt_prof_log_add(&tr->spans, t0, UINT64_MAX);
	err = attach_probes(tr, b);
	if (err) {
		pmt_bpf_detach_alloc(b);
		snprintf(tr->why, sizeof(tr->why),
			 "the kernel refused the allocator probes (%s); uprobe_multi needs Linux 6.6",
			 strerror(-err));
		fprintf(stderr, "pmtrace-bpf: trace mode off: %s\n", tr->why);
		tr->plan_ok = false;
		pmt_prof_log_end(&tr->spans, pmt_mono_ns());
		return;
	}
	/* The first frame that can be traced whole begins at the next hit. */
	for (tries = 0; tries < 4; tries++) {
		cur = pmt_bpf_cur_seq(b); /* the frame in progress is cur - 1 */
		if (from < cur) {
			/* "The next K frames" move with the attach; a range by number does not. */
			if (trig != PMT_TRIG_RANGE && to != UINT64_MAX)
				to += cur - from;
			from = cur;
		}
		if (from >= to)
			break;
		if (!tr->idle)
			pmt_bpf_set_trace_range(b, from + 1, to == UINT64_MAX ? UINT64_MAX : to + 1);
		if (pmt_bpf_cur_seq(b) < from + 1)
			break; /* no frame began meanwhile: [from, to) is whole */
	}
	tr->attach_cost_ns = pmt_mono_ns() - t0;
	tr->attached = true;
	tr->trig = trig;
	tr->from = from;
	tr->to = to;
	tr->attach_ns = pmt_mono_ns();
	tr->last_end_ns = tr->attach_ns;
	tr->windows++;
	pmt_bpf_wake_each_frame(b, PMT_WAKE_TRACE, true);
	if (tr->verbose)
		fprintf(stderr, "pmtrace: tracing frames %llu to %llu (%s; frame in progress %llu; %u untraced frames timed)\n",
			(unsigned long long)from,
			to == UINT64_MAX ? 0ULL : (unsigned long long)to - 1,
			pmt_trace_trigger_name(trig), (unsigned long long)pmt_bpf_cur_seq(b) - 1, tr->ndur);
	if (from >= to) {
		detach_window(tr, b);
		pmt_trace_sched_done(&tr->sched, trig, from, to);
	}
}

/* The median untraced frame, recomputed every 8 frames (a selection of 64). */
static uint64_t median_dur(struct pmt_trace_run *tr)
{
	uint64_t v[64];
	unsigned n = tr->ndur;

	if (n < 8)
		return 0; /* too few untraced frames to say what one costs */
	if (tr->med_ns && tr->dur_pushed - tr->med_pushed < 8)
		return tr->med_ns;
	memcpy(v, tr->dur, n * sizeof(v[0]));
	tr->med_ns = pmt_select_u64(v, n, n / 2);
	tr->med_pushed = tr->dur_pushed;
	return tr->med_ns;
}

struct take_ctx {
	struct pmt_trace_run *tr;
	struct pmt_bpf *b;
};

static void take_site(void *ctx, uint64_t stack_id, uint64_t allocs, uint64_t bytes)
{
	struct take_ctx *c = ctx;
	const struct pmt_stackname *s = pmt_stacknames_get(c->tr->names, c->b, stack_id);

	/* Key 0: native code. An id whose stack is lost keeps its own key. */
	pmt_trace_sites_add(&c->tr->frame_sites, s ? s->key : stack_id ? UINT32_MAX : 0,
			    stack_id, allocs, bytes);
}

static void collect(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_frame *f,
		    bool complete, FILE *json)
{
	struct pmt_trace_frame tf = { 0 };
	struct take_ctx c = { tr, b };
	uint64_t seq = f->index + 1, med = median_dur(tr);

	tf.index = f->index;
	tf.trigger = tr->trig;
	tf.spike_frame = tr->spike_frame;
	tf.complete = complete;
	tf.duration_ns = f->duration_ns;
	tf.cost_ns = med && f->duration_ns > med ? (double)(f->duration_ns - med) : 0;
	if (pmt_bpf_trace_totals(b, seq, &tf.tot)) {
		if (tr->verbose)
			fprintf(stderr, "pmtrace: frame %llu was not traced whole (probes late)\n",
				(unsigned long long)f->index);
		tr->incomplete++;
		return; /* it began before the probes were ready */
	}
	pmt_trace_sites_clear(&tr->frame_sites);
	pmt_bpf_trace_sites_take(b, seq, take_site, &c);
	tf.sites = &tr->frame_sites;
	if (json)
		pmt_json_trace(json, &tf, tr->names, tr->top_n, tr->plan);
	pmt_trace_sites_merge(&tr->interval_sites, &tr->frame_sites);
	pmt_trace_sites_merge(&tr->window_sites, &tr->frame_sites);
	pmt_trace_sites_merge(&tr->all_sites, &tr->frame_sites);
	tr->frames_traced++;
	tr->interval_traced++;
	if (!complete)
		tr->incomplete++;
	tr->allocs += tf.tot.allocs;
	tr->alloc_bytes += tf.tot.alloc_bytes;
	tr->frees += tf.tot.frees;
	tr->churn += tf.tot.churn;
	tr->churn_bytes += tf.tot.churn_bytes;
	tr->inline_allocs += tf.tot.by_inline;
	tr->size_unknown += tf.tot.size_unknown;
	tr->ptr_unknown += tf.tot.ptr_unknown;
	tr->cost_ns += tf.cost_ns;
}

static void end_window(struct pmt_trace_run *tr, struct pmt_bpf *b, uint64_t now_ns,
		       double window_cost_ns, FILE *text)
{
	detach_window(tr, b);
	/* What the next window's frames should expect: the costliest frame seen
	 * (this window's, or an earlier one's, fading by a tenth a window). */
	tr->est_cost_ns = tr->window_max_cost > 0.9 * tr->est_cost_ns ? tr->window_max_cost :
									 0.9 * tr->est_cost_ns;
	tr->window_max_cost = 0;
	/* A spike's report: what the frames right after it allocated. */
	if (tr->trig == PMT_TRIG_SPIKE && text && tr->window_sites.n)
		pmt_text_trace_spike(text, tr->spike_frame, tr->from, tr->to, &tr->window_sites,
				     tr->names);
	pmt_trace_sites_clear(&tr->window_sites);
	pmt_trace_sched_done(&tr->sched, tr->trig, tr->from, tr->to);
	pmt_trace_sched_account(&tr->sched, window_cost_ns, (double)(now_ns - tr->last_account_ns));
	tr->last_account_ns = now_ns;
}

static uint64_t lookahead_frames(uint64_t median_ns)
{
	uint64_t n = 1000000000ULL / (median_ns ? median_ns : 16666667ULL);

	return n < 2 ? 2 : n > 240 ? 240 : n;
}


void pmt_trace_run_frame(struct pmt_trace_run *tr, struct pmt_bpf *b, const struct pmt_frame *f,
			 uint64_t now_ns, FILE *text, FILE *json)
{
	enum pmt_trace_trigger trig;
	uint64_t first, from, to, med;
	bool was_attached = tr->attached;

	(void)text;
	if (!tr->enabled)
		return;
	if (!tr->last_account_ns)
		tr->last_account_ns = now_ns - f->duration_ns; /* the run's time starts here */
	if (tr->attached) {
		med = median_dur(tr);
		if (med && f->duration_ns > med) {
			tr->window_cost += (double)(f->duration_ns - med);
			if ((double)(f->duration_ns - med) > tr->window_max_cost)
				tr->window_max_cost = (double)(f->duration_ns - med);
		}
		if (f->index >= tr->from && f->index < tr->to)
			collect(tr, b, f, true, json);
		tr->last_end_ns = now_ns;
		if (tr->to != UINT64_MAX && f->index + 1 >= tr->to) {
			end_window(tr, b, now_ns, tr->window_cost, text);
			tr->window_cost = 0;
		}
	} else {
		tr->dur[tr->dur_head] = f->duration_ns;
		tr->dur_head = (tr->dur_head + 1) % 64;
		tr->dur_pushed++;
		if (tr->ndur < 64)
			tr->ndur++;
	}
	/* A memory spike or a drop memory caused: look at what comes next. */
	if (!was_attached && ((f->spike && (f->spike_kind & PMT_SPIKE_MEMORY)) ||
			      (f->dropped && f->cause != PMT_CAUSE_NONE &&
			       f->cause != PMT_CAUSE_PROFILER)))
		pmt_trace_sched_spike(&tr->sched, f->index);
	if (tr->attached || !tr->plan_ok)
		return;
	/* The frame in progress began at hit first (frame first - 1). */
	first = pmt_bpf_cur_seq(b);
	if (first < f->index + 2)
		first = f->index + 2;
	trig = pmt_trace_sched_next(&tr->sched, first, &from, &to);
	/* Frames asked for by number: be ready early (records arrive late, and
	 * placing the probes takes a while): about a second ahead.
	 * Other windows are "the next frames": no need to wait with probes in. */
	med = median_dur(tr);
	if (trig == PMT_TRIG_NONE && from != UINT64_MAX && from == tr->sched.range_from &&
	    tr->sched.range_to > tr->sched.range_from && from <= first + lookahead_frames(med))
		trig = pmt_trace_sched_next(&tr->sched, from, &from, &to);
	/* A range that went by before the tool could place its probes. */
	if (trig == PMT_TRIG_NONE && tr->sched.range_to > tr->sched.range_from &&
	    first > tr->sched.range_from) {
		tr->missed += tr->sched.range_to - tr->sched.range_from;
		fprintf(stderr, "pmtrace-bpf: frames %llu-%llu went by before the trace probes were "
			"in place (the tool was late by %llu frames)\n",
			(unsigned long long)tr->sched.range_from,
			(unsigned long long)tr->sched.range_to - 1,
			(unsigned long long)(first - tr->sched.range_from));
		pmt_trace_sched_done(&tr->sched, PMT_TRIG_RANGE, first, tr->sched.range_to);
	}
	/* Spike windows (on by default) wait for a frame with room: never a drop
	 * of ours. --trace-every is governed by its overhead share instead. */
	if (trig == PMT_TRIG_SPIKE && tr->drop_ns > 0) {
		/* A margin of half the expected cost: traced frames vary with what
		 * the game allocates, and the probes in place cost every frame. */
		double need = (double)med + (tr->est_cost_ns >= 0 ? 1.5 * tr->est_cost_ns : 0);

		/* Nothing measured yet: one frame, to learn what a traced frame costs. */
		if (tr->est_cost_ns < 0 && to > from + 1)
			to = from + 1;
		if (!med || need > tr->drop_ns) {
			if (tr->verbose)
				fprintf(stderr, "pmtrace: frames %llu-%llu not traced: a traced frame "
					"would take %.1f ms (drops from %.1f ms)\n",
					(unsigned long long)from, (unsigned long long)to - 1,
					need / 1e6, tr->drop_ns / 1e6);
			tr->no_room++;
			tr->sched.spikes_skipped++;
			pmt_trace_sched_done(&tr->sched, trig, from, to);
			trig = PMT_TRIG_NONE;
		}
	}
	if (trig != PMT_TRIG_NONE) {
		tr->window_cost = 0;
		tr->window_max_cost = 0;
		if (trig == PMT_TRIG_SPIKE)
			tr->spike_frame = tr->sched.spike_from - 1;
		attach_window(tr, b, trig, from, to);
	}
}

void pmt_trace_run_tick(struct pmt_trace_run *tr, struct pmt_bpf *b, uint64_t now_ns, FILE *json)
{
	uint64_t limit = NEVER_ENDS_MIN_NS, med = median_dur(tr), seq;

	if (!tr->attached)
		return;
	if (med * 50 > limit)
		limit = med * 50;
	if (now_ns - tr->last_end_ns < limit)
		return;
	seq = pmt_bpf_cur_seq(b);
	if (seq < tr->from + 1) {
		/* Waiting for a window that has not begun: try again later. */
		if (tr->verbose)
			fprintf(stderr, "pmtrace: no frame for %.1f s before the traced frames: "
				"probes removed until frames come again\n",
				(now_ns - tr->last_end_ns) / 1e9);
		detach_window(tr, b);
		tr->window_cost = 0;
		return;
	}
	/* The game stopped presenting: keep what the open frame counted. */
	if (seq >= tr->from + 1 && seq < tr->to + 1) {
		struct pmt_frame f = { 0 };

		f.index = seq - 1;
		f.duration_ns = now_ns - tr->last_end_ns;
		collect(tr, b, &f, false, json);
	}
	if (tr->verbose)
		fprintf(stderr, "pmtrace: no frame ended for %.1f s while tracing: probes removed\n",
			(now_ns - tr->last_end_ns) / 1e9);
	end_window(tr, b, now_ns, tr->window_cost, NULL);
	tr->window_cost = 0;
}

void pmt_trace_run_report(struct pmt_trace_run *tr, bool final, FILE *text, FILE *json)
{
	struct pmt_trace_summary s = {
		.final = final,
		.enabled = tr->enabled,
		.why = tr->plan_ok ? NULL : tr->why,
		.frames = final ? tr->frames_traced : tr->interval_traced,
		.sites = final ? &tr->all_sites : &tr->interval_sites,
		.names = tr->names,
		.top_n = tr->top_n,
		.plan = tr->plan,
		.total_frames = tr->frames_traced,
		.incomplete = tr->incomplete,
		.missed = tr->missed,
		.allocs = tr->allocs,
		.alloc_bytes = tr->alloc_bytes,
		.frees = tr->frees,
		.churn = tr->churn,
		.churn_bytes = tr->churn_bytes,
		.inline_allocs = tr->inline_allocs,
		.size_unknown = tr->size_unknown,
		.ptr_unknown = tr->ptr_unknown,
		.cost_ns = tr->cost_ns,
		.overhead_pct = pmt_trace_sched_overhead(&tr->sched),
		.every = tr->sched.every,
		.eff_every = tr->sched.eff_every,
		.max_overhead = tr->sched.max_overhead,
		.spikes_skipped = tr->sched.spikes_skipped,
		.no_room = tr->no_room,
	};

	if (!tr->enabled)
		return;
	if (text && (final || s.frames))
		pmt_text_trace_summary(text, &s);
	if (json && final)
		pmt_json_trace_summary(json, &s);
	if (!final) {
		pmt_trace_sites_clear(&tr->interval_sites);
		tr->interval_traced = 0;
	}
}
