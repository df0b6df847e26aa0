// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool_run.c - the pool analyzer's controller (see pool_run.h).
 *
 * Windows are placed like trace mode's: the probes go in before the first
 * frame of the window begins and the BPF side records only frames begun by
 * marker hits in the window, so a window's frames are seen whole. The
 * first window of a run may be a short discovery: until subtype_dealloc is
 * known, the creation probe only collects the dealloc functions of the
 * classes it sees (the most common one is subtype_dealloc). Between
 * windows nothing is probed: lives still open are followed by reading the
 * instance's header in the game's memory at each frame end (a freed block
 * no longer holds a plausible reference count and type).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpython/heapwalk.h"
#include "cpython/pytypes.h"
#include "os/proc.h"
#include "report/report_pools.h"
#include "run/pool_run.h"
#include "os/clock.h"

#define NEVER_ENDS_MIN_NS 2000000000ULL /* a window with no frame for this long ends */
#define DISCOVERY_FRAMES 2
#define FOLLOW_MAX 4096               /* followed lives checked a frame, at most */
#define SEQ_NONE UINT64_MAX

static struct pmt_bpf *g_bpf; /* the backend the pool records come from (one run) */

void pmt_pool_run_init(struct pmt_pool_run *pr, const struct pmt_options *o, pid_t pid)
{
	memset(pr, 0, sizeof(*pr));
	pr->enabled = o->pools;
	pr->verbose = o->verbose;
	pr->quiet = o->quiet;
	pr->pid = pid;
	pr->window_frames = o->pools_window ? o->pools_window : 32;
	pr->top_n = o->top_n ? o->top_n : 10;
	pmt_trace_sched_init(&pr->sched, o->pools_every ? o->pools_every : 300, 0, 0, 0, false,
			     o->max_overhead);
	pmt_pool_track_init(&pr->track, NULL);
	pmt_pool_fl_init(&pr->fl, pid, NULL);
	pr->last_whole = SEQ_NONE;
	snprintf(pr->why, sizeof(pr->why), "%s", "CPython not found yet");
}

static void detach(struct pmt_pool_run *pr, struct pmt_bpf *b)
{
	pmt_bpf_set_pools_range(b, 0, 0);
	pmt_bpf_detach_pools(b);
	/* The kernel finishes removing them after the call returns. */
	pmt_prof_log_end(&pr->spans, pmt_mono_ns() + PMT_PROF_TAIL_NS);
	pmt_bpf_pools_consume(b); /* what the window wrote, in order */
	pmt_bpf_wake_each_frame(b, PMT_WAKE_POOLS, false);
	pr->attached = false;
}

void pmt_pool_run_free(struct pmt_pool_run *pr, struct pmt_bpf *b)
{
	if (pr->attached && b)
		detach(pr, b);
	free(pr->plan);
	free(pr->res);
	free(pr->pend);
	free(pr->before);
	pmt_pool_track_free(&pr->track);
	pmt_pool_fl_free(&pr->fl);
	g_bpf = NULL;
}

/* ---- classes ----------------------------------------------------------------- */

/* The class of type @type, described from the game's memory on first sight. */
static long class_of(struct pmt_pool_run *pr, uint64_t type, uint64_t obj)
{
	long ix = pmt_pool_track_class(&pr->track, type);
	struct pmt_pyclass t;
	char name[64];
	bool from_pool;
	uint64_t bytes = 0;

	if (ix < 0 || (pr->track.cls[ix].flags & PMT_PCF_NAMED))
		return ix;
	if (pmt_pyclass_read(pr->pid, &pr->pyl, type, &t)) {
		pr->type_errors++;
		snprintf(name, sizeof(name), "<type at 0x%" PRIx64 ">", type);
		pmt_pool_track_describe(&pr->track, (uint32_t)ix, name, 0, 0);
		return ix;
	}
	if (obj)
		bytes = pmt_pyclass_block_bytes(pr->pid, &pr->pyl, &t, obj, &from_pool);
	pmt_pool_track_describe(&pr->track, (uint32_t)ix, t.name, t.gc ? PMT_PCF_GC : 0, bytes);
	return ix;
}

/* The innermost frame of a creation's stack names its site. */
static uint32_t site_of(struct pmt_pool_run *pr, struct pmt_bpf *b, uint64_t stack_id)
{
	const struct pmt_stackname *s;

	if (!stack_id || !pr->names)
		return 0;
	s = pmt_stacknames_get(pr->names, b, stack_id);
	return s && s->depth ? s->frames[0] : UINT32_MAX;
}

/* Hold a record until its frame ends (see pmt_pool_run_frame). */
static void on_pool_event(void *ctx, const struct pmt_pool_event *ev)
{
	struct pmt_pool_run *pr = ctx;

	if (pr->npend == pr->cappend) {
		size_t nc = pr->cappend ? pr->cappend * 2 : 4096;
		struct pmt_pool_event *n = realloc(pr->pend, nc * sizeof(*n));

		if (!n) {
			pr->pend_lost++;
			return;
		}
		pr->pend = n;
		pr->cappend = nc;
	}
	pr->pend[pr->npend++] = *ev;
}

static void apply_event(struct pmt_pool_run *pr, const struct pmt_pool_event *ev)
{
	struct pmt_pool_reading r = { 0 };
	uint64_t frame;
	long ix;

	if (!ev->seq || !pr->track.in_window)
		return;
	frame = ev->seq - 1;
	r.valid = ev->count != PMT_POOL_NO_COUNT;
	r.count = ev->count;
	r.collections = ev->collections;
	ix = class_of(pr, ev->type, ev->kind == PMT_POOL_EV_CREATE ? ev->obj : 0);
	if (ix < 0)
		return;
	/* A class seen first at a destruction gets its block size at a creation. */
	if (ev->kind == PMT_POOL_EV_CREATE) {
		struct pmt_pool_class *c = &pr->track.cls[ix];

		if (!c->instance_bytes) {
			struct pmt_pyclass t;
			bool fp;

			if (!pmt_pyclass_read(pr->pid, &pr->pyl, ev->type, &t))
				c->instance_bytes = pmt_pyclass_block_bytes(pr->pid, &pr->pyl, &t,
									   ev->obj, &fp);
		}
		pmt_pool_track_create(&pr->track, frame, (uint32_t)ix, ev->obj,
				      site_of(pr, g_bpf, ev->stack_id), &r);
	} else {
		pmt_pool_track_destroy(&pr->track, frame, (uint32_t)ix, ev->obj, &r);
	}
}

/* Feed the held records of frames up to @last (all: UINT64_MAX) to the window. */
static void flush(struct pmt_pool_run *pr, uint64_t last)
{
	size_t i, o = 0;

	for (i = 0; i < pr->npend; i++) {
		if (pr->pend[i].seq && pr->pend[i].seq - 1 > last)
			pr->pend[o++] = pr->pend[i];
		else
			apply_event(pr, &pr->pend[i]);
	}
	pr->npend = o;
}

void pmt_pool_run_target_gone(struct pmt_pool_run *pr)
{
	pr->target_gone = true;
}

/* ---- the plan ------------------------------------------------------------------ */

void pmt_pool_run_python(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			 const struct pmt_python *py, const struct pmt_pylayout *pyl,
			 struct pmt_stacknames *names)
{
	struct pmt_pool_plan *p;
	int err, i;
	long ix;

	if (!pr->enabled || pr->plan_tried)
		return;
	pr->plan_tried = true;
	pr->py = py;
	pr->pyl = *pyl;
	pr->names = names;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(pr->why, sizeof(pr->why), "out of memory");
		return;
	}
	err = pmt_pool_plan_build(pr->pid, maps, py, p, pr->why, sizeof(pr->why));
	if (!err)
		err = pmt_bpf_set_pool_fn(b, on_pool_event, pr);
	if (err) {
		if (err == -EOPNOTSUPP)
			snprintf(pr->why, sizeof(pr->why), "this kernel has no uprobe_multi links "
				 "(Linux 6.6+)");
		fprintf(stderr, "pmtrace-bpf: pools off: %s\n", pr->why);
		free(p);
		return;
	}
	g_bpf = b;
	pr->plan = p;
	pr->plan_ok = true;
	pr->fl.py = py;
	pr->why[0] = 0;
	/* The built-ins counted at destruction are classes of their own. */
	for (i = 0; i < PMT_POOL_BUILTINS; i++) {
		if (!p->builtin_ok[i])
			continue;
		ix = pmt_pool_track_class(&pr->track, p->builtin_type[i]);
		if (ix >= 0)
			pmt_pool_track_describe(&pr->track, (uint32_t)ix, pmt_pool_builtin_names[i],
						PMT_PCF_BUILTIN | (i == 3 ? 0 : PMT_PCF_GC), 0);
	}
	/* subtype_dealloc is always read from the classes themselves (the first
	 * window discovers it); a build with a symbol table checks the answer. */
	if (pr->verbose)
		fprintf(stderr, "pmtrace: pools: PyType_GenericAlloc at 0x%" PRIx64 " (return probe "
			"on %s); %d of %d built-in deallocs placed\n",
			p->alloc_fn, pmt_insn_name(p->alloc.insn),
			p->builtin_ok[0] + p->builtin_ok[1] + p->builtin_ok[2] + p->builtin_ok[3],
			PMT_POOL_BUILTINS);
}

/* ---- windows ------------------------------------------------------------------- */

static void follow(struct pmt_pool_run *pr, struct pmt_bpf *b);
static void commit_gone(struct pmt_pool_run *pr, uint64_t cur);

static int attach_group(struct pmt_pool_run *pr, struct pmt_bpf *b, bool discovery)
{
	const struct pmt_pool_plan *p = pr->plan;
	uint64_t off[PMT_POOL_DEALLOCS + PMT_POOL_BUILTINS], ck[PMT_POOL_DEALLOCS + PMT_POOL_BUILTINS];
	int f, i, n, err;

	/* The creation probe, a return probe: one link. */
	off[0] = p->alloc.off;
	ck[0] = p->alloc.cookie;
	err = pmt_bpf_attach_pools(b, p->files[p->alloc.file], off, ck, 1, true);
	/* Benchmarks only (scripts/bench/pools.py): creations without destructions. */
	if (err || discovery || getenv("PMT_BENCH_POOLS_ALLOC_ONLY"))
		return err;
	for (f = 0; f < p->nfiles && !err; f++) {
		n = 0;
		for (i = p->subtype_dealloc ? 0 : 1; i < p->ndealloc; i++)
			if (p->dealloc[i].file == f) {
				off[n] = p->dealloc[i].off;
				ck[n++] = p->dealloc[i].cookie;
			}
		for (i = 0; i < PMT_POOL_BUILTINS && pr->builtin_window; i++)
			if (p->builtin_ok[i] && p->builtin[i].file == f) {
				off[n] = p->builtin[i].off;
				ck[n++] = p->builtin[i].cookie;
			}
		if (n)
			err = pmt_bpf_attach_pools(b, p->files[f], off, ck, n, false);
	}
	return err;
}

/* The collector's threshold and switch, read from the game now. */
static void read_gc_params(struct pmt_pool_run *pr, struct pmt_gen0_params *gc)
{
	int32_t thr = 700, en = 1;
	uint64_t g = pr->py ? pr->py->gc_gens_addr : 0;

	gc->threshold = 700;
	gc->enabled = true;
	if (!g)
		return;
	if (!pmt_mem_read(pr->pid, g + 16, &thr, sizeof(thr)) && thr >= 0)
		gc->threshold = thr;
	/* int enabled sits 12 bytes before generations[0] (then debug, padding). */
	if (!pmt_mem_read(pr->pid, g - 12, &en, sizeof(en)) && (en == 0 || en == 1))
		gc->enabled = en;
}

static void attach_window(struct pmt_pool_run *pr, struct pmt_bpf *b, uint64_t from, uint64_t to)
{
	bool discovery = !pr->plan->subtype_dealloc;
	struct pmt_gen0_params gc;
	uint64_t cur;
	int err, tries;

	if (discovery)
		to = from + DISCOVERY_FRAMES;
	/* Lives gone by now are gone for the window: checked here, ended at its
	 * first frame's end (a frame began since: the game was not exiting). */
	follow(pr, b);
	/* Built-ins die by the thousand a frame: counted in one window of four. */
	pr->builtin_window = !discovery && pr->windows_begun % PMT_POOL_BUILTIN_EVERY == 0;
	/* Benchmarks only: PMT_BENCH_POOLS_NO_STACKS measures the site's cost. */
	pmt_bpf_set_pools_config(b, pr->plan->subtype_dealloc, pr->py->gc_gens_addr,
				 pr->plan->builtin_type, !getenv("PMT_BENCH_POOLS_NO_STACKS"));
	pmt_prof_log_add(&pr->spans, pmt_mono_ns(), UINT64_MAX);
	err = attach_group(pr, b, discovery);
	if (err && !pmt_pid_alive(pr->pid)) {
		pmt_bpf_detach_pools(b); /* the game is exiting */
		pmt_prof_log_end(&pr->spans, pmt_mono_ns());
		return;
	}
	if (err) {
		pmt_bpf_detach_pools(b);
		pmt_prof_log_end(&pr->spans, pmt_mono_ns());
		snprintf(pr->why, sizeof(pr->why),
			 "the kernel refused the pool probes (%s); uprobe_multi needs Linux 6.6",
			 strerror(-err));
		fprintf(stderr, "pmtrace-bpf: pools off: %s\n", pr->why);
		pr->plan_ok = false;
		return;
	}
	/* The first frame that can be seen whole begins at the next hit. */
	for (tries = 0; tries < 4; tries++) {
		cur = pmt_bpf_cur_seq(b);
		if (from < cur) {
			to += cur - from;
			from = cur;
		}
		pmt_bpf_set_pools_range(b, from + 1, to + 1);
		if (pmt_bpf_cur_seq(b) < from + 1)
			break;
	}
	pr->attached = true;
	pr->discovering = discovery;
	pr->from = from;
	pr->to = to;
	pr->last_whole = SEQ_NONE;
	pr->last_end_ns = pmt_mono_ns();
	pr->window_cost = 0;
	pmt_bpf_wake_each_frame(b, PMT_WAKE_POOLS, true);
	if (!discovery) {
		pr->windows_begun++;
		read_gc_params(pr, &gc);
		pmt_pool_track_window_begin(&pr->track, from, to - from, &gc);
		if (pr->nranges < PMT_POOL_RANGES) {
			pr->ranges[pr->nranges][0] = from;
			pr->ranges[pr->nranges++][1] = from;
		} else {
			pr->ranges_more++;
		}
	}
	if (pr->verbose)
		fprintf(stderr, "pmtrace: pools: %s frames %" PRIu64 " to %" PRIu64 "\n",
			discovery ? "discovering subtype_dealloc in" : "sampling", from, to - 1);
}

/* subtype_dealloc: the dealloc function most heap types voted for. */
/* ---- subtype_dealloc from the heap ------------------------------------------------ */

#define HEAP_VOTE_READ 64       /* classes read for their tp_dealloc */
#define HEAP_VOTE_OBJECTS 400000

struct heap_vote {
	struct pmt_heapwalk *hw;
	uint64_t *type, *count; /* by the walker's type id (pmt_pytype.id) */
	size_t cap;
	bool oom;
};

static int heap_vote_obj(void *ctx, uint64_t obj)
{
	struct heap_vote *hv = ctx;
	const struct pmt_pytype *t = pmt_heapwalk_type_of(hv->hw, obj, NULL);

	if (!t || !t->heap || hv->oom)
		return 0;
	if (t->id >= hv->cap) {
		size_t cap = hv->cap ? hv->cap * 2 : 256, i;
		uint64_t *ty, *co;

		while (cap <= t->id)
			cap *= 2;
		ty = realloc(hv->type, cap * sizeof(*ty));
		if (ty)
			hv->type = ty;
		co = ty ? realloc(hv->count, cap * sizeof(*co)) : NULL;
		if (!co) {
			hv->oom = true;
			return 0;
		}
		hv->count = co;
		for (i = hv->cap; i < cap; i++)
			hv->count[i] = 0;
		hv->cap = cap;
	}
	hv->type[t->id] = t->addr;
	hv->count[t->id]++;
	return 0;
}

/*
 * When no window saw a class make an instance (a game idling in a menu
 * makes few), the classes of the objects alive in the heap vote instead:
 * every class a class statement makes has subtype_dealloc as tp_dealloc,
 * so the dealloc most of them hold is it (extension heap types each have
 * their own). One walk of the collector's lists, read from outside.
 */
static uint64_t heap_vote(struct pmt_pool_run *pr, uint64_t *votes, uint64_t *classes)
{
	struct heap_vote hv = { 0 };
	uint64_t d[HEAP_VOTE_READ], v[HEAP_VOTE_READ], best = 0, bv = 0;
	struct pmt_heapwalk hw;
	size_t i, j, nd = 0, k;

	*votes = *classes = 0;
	if (!pr->fl.py || pmt_heapwalk_open(&hw, pr->pid, pr->fl.py, 64u << 20))
		return 0;
	hv.hw = &hw;
	if (!pmt_heapwalk_begin(&hw))
		pmt_heapwalk_gc_objects(&hw, heap_vote_obj, &hv, HEAP_VOTE_OBJECTS);
	pmt_heapwalk_close(&hw);
	/* The classes with most instances read, HEAP_VOTE_READ of them. */
	for (k = 0; k < HEAP_VOTE_READ; k++) {
		struct pmt_pyclass c;
		size_t top = 0;

		for (i = 1; i < hv.cap; i++)
			if (hv.count[i] > hv.count[top])
				top = i;
		if (!hv.cap || !hv.count[top])
			break;
		hv.count[top] = 0; /* read once */
		if (pmt_pyclass_read(pr->pid, &pr->pyl, hv.type[top], &c) || !c.heap || !c.dealloc)
			continue;
		(*classes)++;
		for (j = 0; j < nd && d[j] != c.dealloc; j++)
			;
		if (j == nd) {
			d[nd] = c.dealloc;
			v[nd++] = 0;
		}
		v[j]++;
	}
	free(hv.type);
	free(hv.count);
	for (j = 0; j < nd; j++)
		if (v[j] > bv) {
			best = d[j];
			bv = v[j];
		}
	/* a majority, and of more than one class */
	if (bv < 2 || bv * 2 <= *classes)
		return 0;
	*votes = bv;
	return best;
}

static void discover(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps)
{
	uint64_t d[256], v[256], best = 0, bv = 0, total = 0;
	char how[96];
	int n, i;

	n = pmt_bpf_pool_votes(b, d, v, 256);
	for (i = 0; i < n; i++) {
		total += v[i];
		if (v[i] > bv || (v[i] == bv && d[i] < best)) {
			best = d[i];
			bv = v[i];
		}
	}
	pr->discoveries++;
	if (!best && pr->discoveries == 2) {
		/* Two windows and no class made an instance: the heap's classes vote. */
		best = heap_vote(pr, &bv, &total);
		if (best) {
			snprintf(how, sizeof(how), "tp_dealloc of %" PRIu64 " of the %" PRIu64
				 " classes alive in the heap", bv, total);
			goto found;
		}
	}
	if (!best)
		return; /* no class made an instance: next window tries again */
	snprintf(how, sizeof(how), "tp_dealloc of %" PRIu64 " of the %" PRIu64 " classes seen", bv,
		 total);
found:
	if (pmt_pool_plan_subtype(pr->pid, maps, pr->plan, best, how))
		return;
	if (pr->plan->symbol_subtype_dealloc) {
		pr->subtype_checked = true;
		pr->subtype_matches = best == pr->plan->symbol_subtype_dealloc;
	}
	if (pr->verbose)
		fprintf(stderr, "pmtrace: pools: subtype_dealloc at 0x%" PRIx64 " (%s, probe on %s)%s\n",
			best, how, pmt_insn_name(pr->plan->dealloc[0].insn),
			pr->subtype_checked ? (pr->subtype_matches ? "; the symbol agrees" :
								     "; the symbol DISAGREES") : "");
}

struct types_ctx {
	struct pmt_pool_run *pr;
	struct pmt_bpf *b;
	const struct pmt_maps *maps;
};

/* A type the kernel saw first: watch it (its own dealloc probed) or not. */
static void decide_type(void *ctx, uint64_t type, const struct pmt_pool_type *v)
{
	struct types_ctx *c = ctx;
	struct pmt_pool_run *pr = c->pr;
	struct pmt_pool_type nv = *v;
	int cookie;

	if (v->state != PMT_POOL_T_PENDING)
		return;
	/* A class with subtype_dealloc: the fast path records it now. */
	if (v->dealloc && v->dealloc == pr->plan->subtype_dealloc)
		return;
	if (!pr->plan->subtype_dealloc)
		return; /* decided once it is known */
	cookie = v->dealloc ? pmt_pool_plan_dealloc(pr->pid, c->maps, pr->plan, v->dealloc) : -ENOENT;
	if (cookie > 0) {
		nv.state = PMT_POOL_T_TRACKED;
		nv.cookie = (uint32_t)cookie;
		pr->types_tracked++;
	} else {
		nv.state = PMT_POOL_T_IGNORED;
		if (cookie == -ENOSPC)
			pr->types_no_slot++;
		else
			pr->types_ignored++;
	}
	pmt_bpf_pool_type_set(c->b, type, &nv);
}

static uint64_t median_dur(const struct pmt_pool_run *pr)
{
	uint64_t v[64], x;
	unsigned i, j, n = pr->ndur;

	if (n < 8)
		return 0;
	memcpy(v, pr->dur, n * sizeof(v[0]));
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/* ---- the game's own pools ------------------------------------------------------- */

static size_t fl_count(const struct pmt_pool_run *pr, uint64_t item_type)
{
	size_t i, n = 0;

	for (i = 0; i < pr->fl.n; i++)
		n += pr->fl.fl[i].item_type == item_type;
	return n;
}

/*
 * The readings of a list of one class's instances, to its class. A class
 * never made or destroyed in a sampled frame is added only when its list
 * shows reuse (a list of level tiles is no news).
 */
static void fl_note(struct pmt_pool_run *pr, const struct pmt_pool_flist *l, size_t lists)
{
	long ix = pmt_pool_track_find(&pr->track, l->item_type);

	if (ix < 0) {
		if (!pr->track.frames_sampled || !pmt_pool_reuse_seen(&l->f, 0))
			return;
		ix = class_of(pr, l->item_type, l->item);
		if (ix < 0)
			return;
	}
	pmt_pool_track_freelist(&pr->track, (uint32_t)ix, &l->f, (uint32_t)lists);
}

static void fl_done(void *ctx, const struct pmt_pool_flist *l, bool gone)
{
	struct pmt_pool_run *pr = ctx;

	fl_note(pr, l, fl_count(pr, l->item_type) - gone);
}

static void fl_sync(struct pmt_pool_run *pr)
{
	size_t i;

	for (i = 0; i < pr->fl.n; i++)
		fl_note(pr, &pr->fl.fl[i], fl_count(pr, pr->fl.fl[i].item_type));
}

/* Rank now; a class new in the top says so at once. */
static void rank_and_tell(struct pmt_pool_run *pr, FILE *text)
{
	struct pmt_pool_report_config cfg = { 0, 0 };
	uint64_t now[PMT_POOL_TOP];
	size_t i, k;
	long e;

	fl_sync(pr);
	if (!pr->track.ncls)
		return;
	if (pr->nres < pr->track.ncls) {
		struct pmt_pool_result *n = realloc(pr->res, pr->track.ncls * sizeof(*n));

		if (!n)
			return;
		pr->res = n;
	}
	pr->nres = pr->track.ncls;
	cfg.ns_per_collection = pr->gc_count > 0 ? pr->gc_ns / pr->gc_count : 0;
	pr->nrec = pmt_pool_track_results(&pr->track, &cfg, pr->res);
	k = pr->nrec < PMT_POOL_TOP ? pr->nrec : PMT_POOL_TOP;
	for (i = 0; i < k; i++)
		now[i] = pr->track.cls[pr->res[i].cls].id;
	e = pmt_pool_rank_entered(pr->top, pr->ntop, now, k);
	if (e >= 0 && text && !pr->quiet) {
		const struct pmt_pool_result *r = &pr->res[e];

		fprintf(text, "pmtrace: pools: %s enters the top %d to pool (#%ld): a pool of %" PRIu64
			" would avoid %.0f allocations and %.2f young collections a second\n",
			pr->track.cls[r->cls].name ? pr->track.cls[r->cls].name : "?", PMT_POOL_TOP,
			e + 1, r->pool_size, r->sav.allocs_per_s, r->sav.gen0_per_s);
		fflush(text);
	}
	memcpy(pr->top, now, k * sizeof(now[0]));
	pr->ntop = k;
}

static bool instance_there(const struct pmt_pool_run *pr, uint64_t addr, uint32_t cls);

struct before_ctx {
	struct pmt_pool_run *pr;
	uint64_t *gone;
	size_t n, cap;
};

static void before_one(void *ctx, uint64_t addr, uint32_t cls)
{
	struct before_ctx *c = ctx;

	if (instance_there(c->pr, addr, cls) || c->n == c->cap)
		return;
	c->gone[c->n++] = addr;
}

/*
 * At a window's end, before its live counts are final: a life of an
 * earlier window whose instance is gone now died before the window (its
 * destruction in the window would have been seen), so it leaves them.
 */
static void check_before(struct pmt_pool_run *pr, struct pmt_bpf *b)
{
	struct before_ctx c = { pr, NULL, 0, pr->track.nfollow };

	pr->nbefore = 0;
	pr->before_seq = pmt_bpf_cur_seq(b);
	if (!c.cap)
		return;
	c.gone = realloc(pr->before, c.cap * sizeof(*c.gone));
	if (!c.gone)
		return;
	pr->before = c.gone;
	pmt_pool_track_follow(&pr->track, c.cap, before_one, &c);
	pr->nbefore = c.n;
}

/*
 * The window's numbers are final: lives found gone at its end leave its
 * live counts (@apply: a frame began after the check, so the game was
 * running then, not tearing itself down), then it is closed and ranked.
 */
static void finalize(struct pmt_pool_run *pr, bool apply)
{
	size_t i;

	if (apply)
		for (i = 0; i < pr->nbefore; i++)
			pmt_pool_track_gone_before(&pr->track, pr->before[i]);
	if (apply)
		pr->follow_gone += pr->nbefore;
	pr->nbefore = 0;
	pmt_pool_track_window_end(&pr->track, pr->fin_last, pr->fin_partial);
	pr->closing = false;
	rank_and_tell(pr, pr->text);
}

static void end_window(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
		       uint64_t now_ns, bool partial, FILE *text)
{
	struct types_ctx tc = { pr, b, maps };
	uint64_t last;

	detach(pr, b);
	/* Records of a frame that never ended: its work so far, or the game's teardown. */
	if (pr->target_gone && partial) {
		pr->teardown_events += pr->npend;
		pr->npend = 0;
	} else {
		flush(pr, UINT64_MAX);
	}
	if (pr->discovering) {
		pr->discovery_frames += pr->to - pr->from;
		discover(pr, b, maps);
	} else {
		last = pr->last_whole != SEQ_NONE ? pr->last_whole : pr->from - 1;
		if (pr->last_whole == SEQ_NONE)
			partial = true;
		pr->fin_last = last;
		pr->fin_partial = partial || last + 1 < pr->to;
		if (pr->nranges && pr->ranges[pr->nranges - 1][0] == pr->from)
			pr->ranges[pr->nranges - 1][1] = pr->last_whole == SEQ_NONE ? pr->from : last;
		/* Lives of earlier windows gone by now died before this one:
		 * confirmed once a frame begins after the check. */
		if (!pr->target_gone) {
			check_before(pr, b);
			pr->closing = true;
		}
	}
	pmt_bpf_pool_types(b, decide_type, &tc);
	pmt_trace_sched_done(&pr->sched, PMT_TRIG_EVERY, pr->from, pr->to);
	pmt_trace_sched_account(&pr->sched, pr->window_cost, (double)(now_ns - pr->last_account_ns));
	pr->cost_ns += pr->window_cost;
	pr->last_account_ns = now_ns;
	pr->window_cost = 0;
	pmt_bpf_pools_stats(b, &pr->st);
	pr->text = text ? text : pr->text;
	if (!pr->discovering && !pr->closing)
		finalize(pr, false);
	pr->discovering = false;
}

/* ---- following lives between windows ---------------------------------------------- */

struct follow_ctx {
	struct pmt_pool_run *pr;
	uint64_t frame;
	size_t n;
};

/*
 * Is the instance at @addr, of @cls, still there? Its header holds a
 * reference count and its type while alive; pymalloc writes a free-list
 * pointer over the count when the block is freed, malloc its own words.
 * A life found gone is held until a later frame begins: the game was then
 * still running, not tearing itself down (a read made while it exits sees
 * every instance freed).
 */
static bool instance_there(const struct pmt_pool_run *pr, uint64_t addr, uint32_t cls)
{
	uint64_t hdr[2];

	((struct pmt_pool_run *)pr)->follow_checks++;
	return !pmt_mem_read(pr->pid, addr, hdr, sizeof(hdr)) && hdr[0] && hdr[0] < (1ULL << 32) &&
	       hdr[1] == pr->track.cls[cls].id;
}

static void follow_one(void *ctx, uint64_t addr, uint32_t cls)
{
	struct follow_ctx *c = ctx;
	struct pmt_pool_run *pr = c->pr;
	size_t i;

	if (instance_there(pr, addr, cls))
		return;
	for (i = 0; i < pr->ngone; i++)
		if (pr->gone[i].addr == addr)
			return;

	if (pr->ngone < FOLLOW_MAX) {
		pr->gone[pr->ngone].addr = addr;
		pr->gone[pr->ngone++].frame = c->frame;
	}
}

/* Lives found gone while frame @cur was in progress, and a later one began: ended. */
static void commit_gone(struct pmt_pool_run *pr, uint64_t cur)
{
	size_t i, o = 0;

	for (i = 0; i < pr->ngone; i++) {
		if (pr->gone[i].frame < cur) {
			pmt_pool_track_gone(&pr->track, pr->gone[i].addr, pr->gone[i].frame);
			pr->follow_gone++;
		} else {
			pr->gone[o++] = pr->gone[i];
		}
	}
	pr->ngone = o;
}

static void follow(struct pmt_pool_run *pr, struct pmt_bpf *b)
{
	struct follow_ctx c;
	uint64_t seq = pmt_bpf_cur_seq(b);

	if (!seq)
		return;
	commit_gone(pr, seq - 1);
	if (!pr->track.nfollow)
		return;
	/* Found gone now: it died at the latest in the frame in progress. */
	c.pr = pr;
	c.frame = seq - 1;
	c.n = 0;
	pmt_pool_track_follow(&pr->track, FOLLOW_MAX, follow_one, &c);
}

/* ---- frames ---------------------------------------------------------------------- */

bool pmt_pool_run_sampling(const struct pmt_pool_run *pr, uint64_t frame)
{
	return pr->attached && frame >= pr->from && frame < pr->to;
}

unsigned pmt_pool_run_prof(const struct pmt_pool_run *pr, uint64_t start_ns, uint64_t end_ns,
			   uint64_t index)
{
	unsigned prof = 0;

	if (!pr->enabled)
		return 0;
	if (pmt_pool_run_sampling(pr, index))
		prof |= PMT_PROF_TRACED;
	if (pmt_prof_log_overlaps(&pr->spans, start_ns, end_ns))
		prof |= PMT_PROF_PROBES;
	return prof;
}

void pmt_pool_run_frame(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			const struct pmt_frame *f, uint64_t now_ns, bool busy, FILE *text)
{
	uint64_t first, from, to, med, n[PMT_POOL_BUILTINS];
	bool in;
	int i;

	if (!pr->enabled)
		return;
	pr->text = text;
	if (pr->closing && pmt_bpf_cur_seq(b) > pr->before_seq)
		finalize(pr, true);
	if (!pr->first_seen) {
		pr->first_seen = true;
		pr->first_frame = f->index;
	}
	pr->frames_run++;
	if (f->gc_timed && f->gc_known) {
		pr->gc_ns += (double)f->gc_ns;
		pr->gc_count += (double)(f->gc_collections[0] + f->gc_collections[1] +
					 f->gc_collections[2]);
	}
	if (!pr->last_account_ns)
		pr->last_account_ns = now_ns - f->duration_ns;
	/* The game's free lists: read now, in the frame in progress (frame
	 * records come in batches between windows, one by one in them). */
	if (pmt_bpf_cur_seq(b))
		pmt_pool_fl_read(&pr->fl, pmt_bpf_cur_seq(b) - 1, fl_done, pr);
	if (pr->attached) {
		in = f->index >= pr->from && f->index < pr->to;
		med = median_dur(pr);
		if (med && f->duration_ns > med)
			pr->window_cost += (double)(f->duration_ns - med);
		if (in && !pr->discovering) {
			pmt_bpf_pools_consume(b);
			commit_gone(pr, f->index);
			flush(pr, f->index);
			/* The game's own second: a sampled frame counts at the median
			 * duration of unsampled ones (the probes slow it down). */
			pmt_pool_track_frame_time(&pr->track, f->index,
						  med ? med : f->duration_ns);
			if (f->gc_known)
				pr->coll_sampled += f->gc_collections[0] + f->gc_collections[1] +
						    f->gc_collections[2];
			if (pr->builtin_window) {
				if (pmt_bpf_pool_builtins(b, f->index + 1, n))
					memset(n, 0, sizeof(n));
				for (i = 0; i < PMT_POOL_BUILTINS; i++) {
					long ix = pr->plan->builtin_ok[i] ?
							  pmt_pool_track_class(&pr->track,
									       pr->plan->builtin_type[i]) :
							  -1;

					if (ix >= 0)
						pmt_pool_track_count(&pr->track, f->index, (uint32_t)ix,
								     n[i]);
				}
			}
			pr->last_whole = f->index;
		}
		pr->last_end_ns = now_ns;
		if (f->index + 1 >= pr->to)
			end_window(pr, b, maps, now_ns, false, text);
		return;
	}
	pr->dur[pr->dur_head] = f->duration_ns;
	pr->dur_head = (pr->dur_head + 1) % 64;
	if (pr->ndur < 64)
		pr->ndur++;
	follow(pr, b);
	if (pr->plan_ok && !pr->closing && !pr->target_gone && pr->track.windows_done &&
	    pmt_pool_fl_due(&pr->fl, now_ns)) {
		pmt_pool_fl_walk(&pr->fl, now_ns);
		if (pr->verbose)
			fprintf(stderr, "pmtrace: pools: heap walk %" PRIu64 ": %" PRIu64 " objects, %"
				PRIu64 " lists, %" PRIu64 " of one class's instances, %zu followed "
				"(%.1f ms; %d)\n", pr->fl.walks, pr->fl.objects_last,
				pr->fl.lists_last, pr->fl.candidates_last, pr->fl.n,
				pr->fl.walk_ms_last, pr->fl.err);
	}
	if (!pr->plan_ok || busy || pr->closing)
		return; /* another mode's probes are in: one at a time */
	first = pmt_bpf_cur_seq(b);
	if (first < f->index + 2)
		first = f->index + 2;
	if (pmt_trace_sched_next(&pr->sched, first, &from, &to) != PMT_TRIG_NONE)
		attach_window(pr, b, from, from + pr->window_frames);
}

void pmt_pool_run_tick(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
		       uint64_t now_ns)
{
	uint64_t limit = NEVER_ENDS_MIN_NS, med = median_dur(pr);

	if (pr->closing && now_ns - pr->last_end_ns >= limit)
		finalize(pr, false); /* no frame since: the check stays unconfirmed */
	if (!pr->attached)
		return;
	if (med * 50 > limit)
		limit = med * 50;
	if (now_ns - pr->last_end_ns < limit)
		return;
	if (pr->verbose)
		fprintf(stderr, "pmtrace: pools: no frame for %.1f s: the window ends (partial)\n",
			(now_ns - pr->last_end_ns) / 1e9);
	end_window(pr, b, maps, now_ns, true, pr->text);
}

/* ---- reports ---------------------------------------------------------------------- */

void pmt_pool_run_report(struct pmt_pool_run *pr, struct pmt_bpf *b, const struct pmt_maps *maps,
			 bool final, FILE *text, FILE *json)
{
	struct pmt_pools_view v;

	if (!pr->enabled)
		return;
	/* The game exited or the run ends mid-window: what it saw is kept, partial. */
	if (final && pr->attached && b)
		end_window(pr, b, maps, pmt_mono_ns(), true, NULL);
	if (final && pr->closing)
		finalize(pr, !pr->target_gone);
	if (b && pr->plan_ok)
		pmt_bpf_pools_stats(b, &pr->st);
	if (pr->track.ncls && !final)
		rank_and_tell(pr, NULL);
	else if (final)
		rank_and_tell(pr, NULL);
	memset(&v, 0, sizeof(v));
	v.final = final;
	v.pr = pr;
	v.top_n = pr->top_n;
	if (text && (final || pr->track.windows_done))
		pmt_text_pools(text, &v);
	if (json)
		pmt_json_pools(json, &v);
}
