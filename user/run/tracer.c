// SPDX-License-Identifier: BSD-2-Clause
/*
 * tracer.c - one profiling run: find the target's CPython runtime and
 * presenting libraries, place the probes, pick the frame marker, turn the
 * event stream into frames and reports, and leave the target as it was.
 *
 * Auto-detection attaches every candidate marker present (the libraries'
 * presenting functions and engine-level ones such as pygame's display.flip
 * and display.update) and buffers their records, each hit with the stack
 * it was made on. Once a candidate has been called a few times, the
 * candidates the game calls itself are kept: those no other called
 * candidate reaches, read from the code (callgraph.h) and from the return
 * addresses on the hits' stacks. Their buffered records are replayed in
 * order and every other candidate is removed, so each present costs one
 * probe hit. In launch mode the target is stopped at each dynamic-linker
 * event until the probes of newly loaded libraries are in place, so the
 * first frame is never missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probes/asset_track.h"
#include "probes/bpf_backend.h"
#include "run/budget_run.h"
#include "cpython/pyheap.h"
#include "os/elf_file.h"
#include "run/exit_codes.h"
#include "pmtrace/marker_choice.h"
#include "os/fault_cost.h"
#include "os/privilege.h"
#include "run/gc_timing.h"
#include "run/growth_track.h"
#include "run/launch.h"
#include "run/live_out.h"
#include "run/outputs.h"
#include "probes/markers.h"
#include "pmtrace/callgraph.h"
#include "pmtrace/session.h"
#include "cpython/python.h"
#include "cpython/pywalk.h"
#include "report/report.h"
#include "cpython/stacknames.h"
#include "run/snapshot_run.h"
#include "run/pool_run.h"
#include "run/trace_run.h"
#include "run/tracer.h"
#include "os/clock.h"

#define TICK_MS 50
#define GL_RETRY_NS 100000000ULL /* 0.1 s between tries to move the GL probes */
#define DETECT_HITS 3      /* records from one candidate before choosing */
#define DETECT_HITS_ENGINE 8 /* ... while an engine presenter has not been called */
#define DETECT_BUF 4096    /* records buffered per candidate while detecting */
#define DETECT_STACKS 64   /* stack records kept while detecting */
#define PMT_ALIAS_MUTED 2  /* an alias no probe has: the slot counts nothing */
#define GROWTH_FRAME_TOP 5 /* growth sites listed per frame, by faults and by bytes */
#define WALKER_RETRY_NS 100000000ULL /* until the interpreter exists */
#define PYHEAP_TRIES 10   /* looks for pymalloc's arenas, one a second */

volatile sig_atomic_t pmt_exiting;

enum end_reason { RUNNING = 0, END_TARGET, END_INTERRUPT, END_DURATION };

struct slot {
	bool used;
	int cand;   /* row of pmt_marker_table, -1 for --frame-marker */
	int engine; /* row of pmt_engine_table, -1 for a library's function */
	bool kept;  /* chosen: its hits are frames */
	char name[96]; /* the function the game calls */
	struct pmt_site site;
	int alias;
	struct pmt_event *buf;
	size_t nbuf;
};

struct tracer {
	const struct pmt_options *o;
	const struct pmt_invoker *inv; /* who the run is for (privilege.h) */
	char **env;     /* the environment of commands run for them */
	struct pmt_launch launch;
	pid_t pid;
	bool launched;
	int child_status;
	struct pmt_bpf *bpf;
	struct pmt_maps maps;
	bool py_found;
	struct pmt_python py;
	bool gc_resolved;
	struct pmt_gc_timing gct; /* GC timing probes and their governor */
	struct slot slots[PMT_MAX_MARKERS];
	int chosen;
	struct pmt_session session;
	struct pmt_asset_track assets;
	struct pmt_budget_run budget;
	struct pmt_trace_run trace;
	struct pmt_snapshot_run snaps;   /* heap snapshots */
	bool snap_attach_pending;        /* the attach snapshot waits for the GC state */
	struct pmt_pool_run pools;
	struct pmt_pylayout pyl;
	bool pywalk_ready; /* the BPF stack walker knows the interpreter */
	bool assets_on;
	uint64_t asset_loads[PMT_ASSET_TYPES], asset_frees[PMT_ASSET_TYPES]; /* at the last frame */
	struct pmt_asset_event *apend; /* asset records of the frame in progress */
	size_t napend, capend;
	uint64_t assets_retry_ns; /* next time to look for asset functions */
	uint64_t gl_retry_ns;     /* next time to try moving the GL probes */
	char gl_why_said[192];    /* the last reason --verbose gave for not moving them */
	struct pmt_stacknames stacks; /* deep stacks by id, named once (growth sites) */
	bool growth_ready;        /* growth sites are attributed */
	uint64_t growth_retry_ns;
	struct pmt_growth_track growth;
	struct pmt_pyheap pyheap;   /* python_heap: pymalloc's arenas */
	uint64_t pyheap_retry_ns;   /* next time to look for them */
	int pyheap_tries;
	bool pyheap_known;          /* the last read, reused for 2 ms (read_pyheap) */
	uint64_t pyheap_bytes, pyheap_read_ns;
	FILE *json;      /* where records go: the --json file, or the live outputs' stream */
	FILE *json_file; /* the --json file (or stdout), or NULL */
	struct pmt_live *live; /* --html, --perfetto, --prometheus */
	FILE *text;
	bool need_rescan;
	bool stub_stop; /* the target stopped at its first trampoline call */
	int stub_slot;  /* the slot whose trampoline it called */
	bool closing;   /* reports are written: frames now only time the detach */
	bool markers_gone; /* the marker probes were removed */
	bool linger;       /* the run ended: serve metrics a little longer */
	bool frame_seen; /* a marker record arrived since frame_seen was cleared */
	struct pmt_stack_event *stk; /* detection stack records */
	size_t nstk;
	bool choosing;  /* the kept slots count; records still arriving are sorted */
	struct pmt_event *held; /* counted records seen while choosing */
	size_t nheld;
	uint64_t frame_offset; /* frames numbered from detection records */
	char nested[256];      /* called candidates found nested, for reports */
	bool trace_plan_due;   /* build trace mode's plan once the marker is chosen */
	struct pmt_prof_log prof; /* when the tool placed or removed probes */
	int cg_fd;             /* the file whose code the call-graph walk reads */
	const char *cg_path;
	uint64_t start_ns, last_report_ns, last_marker_ns;
	uint64_t interval_first;
	enum end_reason end;
	bool unsupported; /* launch mode: the command runs an unsupported CPython */
	bool end_target_gone;
	int fatal;        /* exit code when an error ends the run */
};

static void verbose(const struct tracer *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void verbose(const struct tracer *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->o->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "pmtrace: [%5.0f ms] ", (pmt_mono_ns() - t->start_ns) / 1e6);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int fail(struct tracer *t, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct tracer *t, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pmtrace-bpf: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	t->fatal = code;
	return code;
}

static int unsupported_error(struct tracer *t)
{
	char ver[32];

	pmt_python_version_str(&t->py, ver, sizeof(ver));
	return fail(t, PMT_EXIT_UNSUPPORTED,
		    "process %d runs Python %s, which is not supported (supported: CPython 3.%d "
		    "to 3.%d)", (int)t->pid, t->py.major ? ver : "(unknown version)",
		    PMT_PY_MIN_MINOR, PMT_PY_MAX_MINOR);
}

/* 0, or the one-line error naming the capabilities BPF needs and we lack. */
static int check_privilege(struct tracer *t)
{
	uint64_t missing = pmt_caps_missing_for_bpf();
	char names[96];

	if (!missing)
		return 0;
	return fail(t, PMT_EXIT_PRIVILEGE,
		    "not enough privilege for BPF: missing %s (run through sudo, or see "
		    "\"Privileges\" in docs/usage.md); --backend procfs samples memory without it",
		    pmt_caps_names(missing, names, sizeof(names)));
}

/*
 * After start-up: run under the invoking user's uid with only what the rest
 * of the run needs (docs/usage.md, "Privileges"): CAP_BPF and CAP_PERFMON
 * for the probes still to come (libraries loaded later, trace windows, GL
 * probes moving) and CAP_SYS_PTRACE to read the game's memory; when the
 * target is not the user's own process, CAP_DAC_READ_SEARCH to read its
 * files (/proc/PID/root/...), and for a game launched as root, CAP_KILL to
 * resume it at dynamic-linker stops and end it when start-up fails.
 */
static int reduce_privileges(struct tracer *t)
{
	uint64_t perm = pmt_caps_permitted();
	uint64_t keep = PMT_CAP(CAP_BPF) | PMT_CAP(CAP_PERFMON) | PMT_CAP(CAP_SYS_PTRACE);
	char err[256], caps[256], names[128], why[256] = "";
	int foreign = pmt_pid_foreign(t->pid, t->inv->uid, t->inv->gid);

	/* Before Linux 6.6 uprobes are perf events, which need CAP_SYS_ADMIN;
	 * before 5.8 there is no CAP_BPF: BPF is CAP_SYS_ADMIN's. */
	if (pmt_bpf_uprobes_need_sys_admin(t->bpf) || !(perm & PMT_CAP(CAP_BPF))) {
		keep |= PMT_CAP(CAP_SYS_ADMIN);
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "; CAP_SYS_ADMIN: no uprobe_multi links in this kernel");
	}
	if (foreign < 0 || (foreign & PMT_PID_OTHER_UID)) {
		keep |= PMT_CAP(CAP_DAC_READ_SEARCH);
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "; CAP_DAC_READ_SEARCH: the target runs as another user");
	}
	if (t->launched && t->o->run_as_root && t->inv->uid != 0) {
		keep |= PMT_CAP(CAP_KILL);
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "; CAP_KILL: the game runs as root (--run-as-root)");
	}
	if (pmt_privilege_reduce(t->inv, keep, err, sizeof(err)))
		return fail(t, PMT_EXIT_ERROR, "%s", err);
	verbose(t, "privileges: uid %u (%s, via %s), gid %u, %d group(s); capabilities kept: "
		   "%s [%s]%s", (unsigned)getuid(), t->inv->name[0] ? t->inv->name : "?",
		pmt_via_name(t->inv->via), (unsigned)getgid(), t->inv->ngroups,
		pmt_caps_names(pmt_caps_effective(), names, sizeof(names)),
		pmt_caps_text(caps, sizeof(caps)), why);
	return 0;
}

/* ---- the profiler's own activity -------------------------------------------- */

/* Note that the tool placed or removed probes in the game between @t0 and @t1. */
static void pmt_profiler_note(struct tracer *t, uint64_t t0, uint64_t t1, unsigned kind)
{
	(void)kind;
	pmt_prof_log_add(&t->prof, t0, t1);
}

/*
 * What the profiler did in the frame that ends at @ev: PMT_PROF_* bits.
 * The frame began at the previous marker call (the session's last record).
 */
static unsigned frame_prof(struct tracer *t, const struct pmt_event *ev)
{
	uint64_t start = t->session.prev.seq ? t->session.prev.ts_ns : ev->ts_ns;
	unsigned prof = pmt_trace_run_prof(&t->trace, start, ev->ts_ns, ev->seq - 2) |
			pmt_pool_run_prof(&t->pools, start, ev->ts_ns, ev->seq - 2);

	if (pmt_prof_log_overlaps(&t->prof, start, ev->ts_ns))
		prof |= PMT_PROF_PROBES;
	return prof;
}

/* ---- frames --------------------------------------------------------------- */

/* Apply the asset records held for the frame that just ended (@frame). */
/* Apply the asset records held up to @end_ns (all: UINT64_MAX) to @frame. */
static void apply_assets(struct tracer *t, uint64_t frame, uint64_t end_ns)
{
	size_t i, k = 0;

	for (i = 0; i < t->napend; i++) {
		if (t->apend[i].ts_ns <= end_ns)
			pmt_asset_track_event(&t->assets, &t->maps, &t->apend[i], frame);
		else
			t->apend[k++] = t->apend[i]; /* a later frame's (replayed frames) */
	}
	t->napend = k;
}

static int refresh_maps(struct tracer *t);

/*
 * python_heap at the end of frame @f: pymalloc's arenas, read from the
 * target now (records reach us up to 50 ms after the marker call). The
 * arenas are looked for at the first frames, then every second, up to
 * PYHEAP_TRIES times.
 */
/*
 * Look for pymalloc's arenas (see read_pyheap): 0 when they are known.
 * Also called as soon as the GC state is found, so that the first frames,
 * which come right after the marker is chosen, do not wait for the scan.
 */
static int pyheap_try_init(struct tracer *t, uint64_t now)
{
	char why[256];
	int err;

	if (t->pyheap.ready)
		return 0;
	if (!t->py_found || t->pyheap_tries >= PYHEAP_TRIES || now < t->pyheap_retry_ns)
		return -EAGAIN;
	t->pyheap_retry_ns = now + 1000000000ULL;
	refresh_maps(t);
	err = pmt_pyheap_init(&t->pyheap, t->pid, &t->maps, &t->py, why, sizeof(why));
	if (err) {
		verbose(t, "python_heap: %s", why);
		if (++t->pyheap_tries == PYHEAP_TRIES || err == -ENOTSUP) {
			t->pyheap_tries = PYHEAP_TRIES;
			if (t->budget.counts_python_heap)
				fprintf(t->text, "pmtrace: python_heap is not measured (%s): "
					"budgets counting it see 0\n", why);
		}
		return err;
	}
	verbose(t, "python_heap: usedpools at 0x%llx (%s), arenas at 0x%llx, maxarenas at "
		"0x%llx (%s), %llu KiB arenas", (unsigned long long)t->pyheap.l.usedpools,
		t->pyheap.used_how, (unsigned long long)t->pyheap.l.arenas_addr,
		(unsigned long long)t->pyheap.l.maxarenas_addr, t->pyheap.arenas_how,
		(unsigned long long)(t->pyheap.l.arena_size >> 10));
	return 0;
}

static void read_pyheap(struct tracer *t, struct pmt_frame *f)
{
	if (!t->pyheap.ready && pyheap_try_init(t, t->last_marker_ns))
		return;
	/*
	 * Records arrive in batches (every 50 ms): one read serves the frames
	 * of a batch, or of 2 ms when each frame wakes us (a budget counts
	 * python_heap), so a game at thousands of frames a second does not
	 * make the tool read its memory thousands of times.
	 */
	if (t->pyheap_known && t->last_marker_ns - t->pyheap_read_ns < 2000000ULL) {
		f->python_heap_known = true;
		f->python_heap_bytes = t->pyheap_bytes;
		return;
	}
	f->python_heap_known = !pmt_pyheap_read(&t->pyheap, &f->python_heap_bytes);
	t->pyheap_known = f->python_heap_known;
	t->pyheap_bytes = f->python_heap_bytes;
	t->pyheap_read_ns = t->last_marker_ns;
}

/* The frame record's assets: live by type, and what the frame loaded and freed. */
static const struct pmt_frame_assets *frame_assets(struct tracer *t, struct pmt_frame_assets *a)
{
	int k;

	if (!t->assets_on || !t->assets.store)
		return NULL;
	for (k = 0; k < PMT_ASSET_TYPES; k++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(t->assets.store, k);

		a->live[k] = ts->live;
		a->bytes[k] = ts->live_bytes;
		a->loads[k] = ts->loads - t->asset_loads[k];
		a->frees[k] = ts->frees - t->asset_frees[k];
		t->asset_loads[k] = ts->loads;
		t->asset_frees[k] = ts->frees;
	}
	return a;
}

static void emit_frame(struct tracer *t, const struct pmt_event *ev)
{
	const struct pmt_growth_view *gv;
	struct pmt_frame_assets fa;
	struct pmt_frame f;
	int r;

	/* Timed when the GC probes were in for all of it (the frame began at
	 * the previous record). */
	t->session.gc_timed = t->session.prev.seq &&
			      pmt_gc_timing_covers(&t->gct, t->session.prev.ts_ns, ev->ts_ns);
	r = pmt_session_add_prof(&t->session, ev, frame_prof(t, ev), &f);
	if (r < 0)
		return;
	gv = pmt_growth_track_frame(&t->growth, ev, r ? NULL : &f);
	if (r)
		return;
	t->last_marker_ns = pmt_mono_ns();
	pmt_gc_timing_frame(&t->gct, &f);
	/* Trace mode's room rule follows the budget frames are judged against. */
	if (f.budget_ns && !f.partial)
		t->trace.drop_ns = (double)f.budget_ns * t->session.cfg.drop_factor;
	read_pyheap(t, &f);
	if (t->assets_on) {
		apply_assets(t, f.index, ev->ts_ns);
		pmt_asset_frame_end(t->assets.store, f.index);
	}
	if (t->json)
		pmt_json_frame(t->json, &f, gv, frame_assets(t, &fa));
	pmt_budget_run_frame(&t->budget, &f, t->assets_on ? &t->assets : NULL, t->text, t->json,
			     t->last_marker_ns);
	pmt_trace_run_frame(&t->trace, t->bpf, &f, t->last_marker_ns, t->text, t->json);
	pmt_pool_run_frame(&t->pools, t->bpf, &t->maps, &f, t->last_marker_ns, t->trace.attached,
			   t->text);
}

/*
 * Asset records are held until the marker call that ends their frame: that
 * call numbers the frame, and when the game exits instead, what it freed
 * after its last frame is its teardown, not part of any frame.
 */
static void on_asset_event(void *ctx, const struct pmt_asset_event *ev)
{
	struct tracer *t = ctx;

	if (!t->assets_on || t->closing)
		return;
	/* While the marker is chosen too: the replayed frames number them. */
	if (t->napend == t->capend) {
		size_t nc = t->capend ? t->capend * 2 : 64;
		struct pmt_asset_event *n = realloc(t->apend, nc * sizeof(*n));

		if (!n) {
			pmt_asset_track_event(&t->assets, &t->maps, ev, t->session.frames);
			return;
		}
		t->apend = n;
		t->capend = nc;
	}
	t->apend[t->napend++] = *ev;
}

/* A counted record: its frame number follows the replayed detection records. */
static void emit_counted(struct tracer *t, const struct pmt_event *ev)
{
	struct pmt_event e = *ev;

	e.seq += t->frame_offset;
	emit_frame(t, &e);
}

static void on_event(void *ctx, const struct pmt_event *ev)
{
	struct tracer *t = ctx;
	struct slot *s;

	if (ev->kind == PMT_EV_DLOPEN) {
		t->need_rescan = true;
		return;
	}
	if (ev->kind == PMT_EV_STUB) {
		t->stub_stop = true;
		t->stub_slot = (int)ev->marker;
		return;
	}
	if (ev->kind == PMT_EV_STACK) {
		if (t->chosen < 0 && !t->choosing && t->nstk < DETECT_STACKS && t->stk)
			t->stk[t->nstk++] = *(const struct pmt_stack_event *)ev;
		return;
	}
	if (ev->kind != PMT_EV_FRAME || ev->marker >= PMT_MAX_MARKERS)
		return;
	t->frame_seen = true;
	if (t->closing)
		return;
	if (ev->flags & PMT_EVF_COUNTED) {
		if (t->chosen >= 0) {
			emit_counted(t, ev);
		} else if (t->choosing && t->nheld < DETECT_BUF) {
			t->held[t->nheld++] = *ev;
		}
		return;
	}
	if (t->chosen >= 0)
		return; /* a removed candidate's last hits */
	s = &t->slots[ev->marker];
	if (!s->used)
		return;
	if (!s->buf) {
		s->buf = calloc(DETECT_BUF, sizeof(*s->buf));
		if (!s->buf)
			return;
	}
	if (s->nbuf < DETECT_BUF)
		s->buf[s->nbuf++] = *ev;
}

/* ---- discovery and probes ------------------------------------------------- */

static int refresh_maps(struct tracer *t)
{
	struct pmt_maps m;
	int err = pmt_maps_read(t->pid, &m);

	if (err)
		return err;
	pmt_maps_free(&t->maps);
	t->maps = m;
	t->cg_path = NULL; /* pointed into the old maps */
	if (t->cg_fd >= 0)
		close(t->cg_fd);
	t->cg_fd = -1;
	return 0;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Find the runtime and the GC state; -errno when the process is not usable. */
static int discover_python(struct tracer *t)
{
	int err;

	if (!t->py_found) {
		err = pmt_python_find(t->pid, &t->maps, &t->py);
		if (err)
			return err;
		t->py_found = true;
		verbose(t, "runtime in %s (_PyRuntime at 0x%llx)", t->py.map_path,
			(unsigned long long)t->py.runtime_addr);
		pmt_gc_timing_start(&t->gct, t->bpf, &t->py, t->o->no_gc_timing, &t->prof,
				    t->o->verbose);
	}
	if (!t->pywalk_ready && !pmt_pywalk_setup(t->pid, &t->py, t->bpf, &t->pyl) &&
	    !pmt_stacknames_init(&t->stacks, t->pid, &t->pyl)) {
		t->pywalk_ready = true;
		/* Trace mode's plan (decoding the interpreter's allocator sites, ~0.1 s
		 * of CPU) waits until the marker is chosen: attaching comes first. */
		t->trace_plan_due = true;
	}
	if (!t->gc_resolved && !pmt_python_resolve_gc(t->pid, &t->maps, &t->py)) {
		t->gc_resolved = true;
		pmt_bpf_set_gc_addr(t->bpf, t->py.gc_stats_addr);
		verbose(t, "gc statistics at 0x%llx", (unsigned long long)t->py.gc_stats_addr);
		pyheap_try_init(t, pmt_mono_ns()); /* the interpreter is up: before the first frame */
	}
	return 0;
}

static int free_slot(struct tracer *t)
{
	int i;

	for (i = 0; i < PMT_MAX_MARKERS; i++)
		if (!t->slots[i].used)
			return i;
	return -1;
}

static bool site_known(const struct tracer *t, const char *map_path, const char *symbol)
{
	int i;

	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		const struct slot *s = &t->slots[i];

		if (s->used && (!strcmp(s->site.symbol, symbol) || !strcmp(s->name, symbol)) &&
		    !strcmp(s->site.map_path, map_path))
			return true;
	}
	return false;
}

/* The slot whose probe sits at @site's place already, or -1. */
static int same_probe(const struct tracer *t, const struct pmt_site *site)
{
	int i;

	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		const struct slot *s = &t->slots[i];

		if (s->used && !s->site.slot_pending && !site->slot_pending &&
		    s->site.offset == site->offset && !strcmp(s->site.probe_path, site->probe_path))
			return i;
	}
	return -1;
}

/* Attach candidate @site (resolved) as @name; 0 or -errno. */
static int add_site(struct tracer *t, int cand, int engine, const char *map_path, const char *name,
		    struct pmt_site *site)
{
	struct slot *s;
	int i, err;

	i = same_probe(t, site);
	if (i >= 0) {
		/* A forwarder to a candidate already probed (libGL's glXSwapBuffers
		 * jumps to libGLX's): one probe; the name is the wrapper's, the
		 * library games link against. */
		if (site->followed) {
			snprintf(t->slots[i].name, sizeof(t->slots[i].name), "%s", name);
			snprintf(t->slots[i].site.map_path, sizeof(t->slots[i].site.map_path), "%s",
				 map_path);
		}
		verbose(t, "marker candidate %s in %s: the same probe as %s", name, map_path,
			t->slots[i].name);
		return 0;
	}
	i = free_slot(t);
	if (i < 0)
		return -ENOSPC;
	err = pmt_bpf_attach_marker(t->bpf, i, 0, site->file, site->offset, site->slot_pending);
	if (err)
		return err;
	s = &t->slots[i];
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->cand = cand;
	s->engine = engine;
	s->site = *site;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->site.map_path, sizeof(s->site.map_path), "%s", map_path);
	verbose(t, "marker candidate %s in %s: probe at offset 0x%llx of %s (entry +%u), %s%s%s",
		name, map_path, (unsigned long long)site->offset, site->probe_path, site->skipped,
		pmt_insn_name(site->insn), site->followed ? ", through its forwarder" : "",
		site->slot_pending ? ", jump slot not yet set: will move" : "");
	return 0;
}

static int add_marker(struct tracer *t, int cand, const char *map_path, const char *symbol)
{
	struct pmt_site site;
	int err;

	if (site_known(t, map_path, symbol))
		return 0;
	err = pmt_site_resolve(t->pid, &t->maps, map_path, symbol, false, &site);
	if (err)
		return err;
	/* Keep the symbol and library the user knows, even when followed. */
	snprintf(site.symbol, sizeof(site.symbol), "%s", symbol);
	return add_site(t, cand, -1, map_path, symbol, &site);
}

/* Engine-level presenters (pygame's display.flip and display.update). */
static void scan_engines(struct tracer *t)
{
	struct pmt_engine_fn fns[4];
	char file[PATH_MAX + 32];
	size_t i;
	int r, n, k;

	for (r = 0; r < pmt_engine_table_len; r++) {
		const struct pmt_engine_module *em = &pmt_engine_table[r];

		for (i = 0; i < t->maps.n; i++) {
			const struct pmt_mapping *m = &t->maps.v[i];

			if (!m->path || m->offset != 0 || !strstr(m->path, em->path_part))
				continue;
			snprintf(file, sizeof(file), "/proc/%d/root%s", (int)t->pid, m->path);
			n = pmt_engine_presenters(file, em, fns, 4);
			for (k = 0; k < n; k++) {
				struct pmt_site site;

				if (site_known(t, m->path, fns[k].name) ||
				    pmt_site_at(t->pid, &t->maps, m->path, fns[k].vaddr, fns[k].name,
						&site))
					continue;
				add_site(t, -1, r, m->path, fns[k].name, &site);
			}
			break;
		}
	}
}

/* Attach the marker candidates present now. */
static void scan_markers(struct tracer *t)
{
	char lib[PATH_MAX];
	const char *sym, *colon;
	size_t i;
	int r;

	if (t->o->marker) {
		colon = strrchr(t->o->marker, ':');
		sym = colon ? colon + 1 : t->o->marker;
		if (colon)
			snprintf(lib, sizeof(lib), "%.*s", (int)(colon - t->o->marker),
				 t->o->marker);
		for (i = 0; i < t->maps.n; i++) {
			const struct pmt_mapping *m = &t->maps.v[i];

			if (!m->path || m->offset != 0)
				continue;
			if (colon && strcmp(m->path, lib) &&
			    strncmp(basename_of(m->path), lib, strlen(lib)))
				continue;
			if (site_known(t, m->path, sym))
				return;
			r = add_marker(t, -1, m->path, sym);
			if (!r)
				return;
		}
		return;
	}
	scan_engines(t);
	for (r = 0; r < pmt_marker_table_len; r++) {
		const struct pmt_mapping *m = pmt_maps_find_lib(&t->maps, pmt_marker_table[r].lib_prefix);

		if (m)
			add_marker(t, r, m->path, pmt_marker_table[r].symbol);
	}
}

/*
 * Move the chosen marker's probe off a trampoline to the function once the
 * slot is set. Only the chosen one: attaching and detaching uprobes takes
 * milliseconds of synchronisation each, time the event stream must not wait.
 */
static void migrate_pending(struct tracer *t)
{
	int i;

	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		struct slot *s = &t->slots[i];
		struct pmt_site old;
		int next;

		if (!s->used || !s->site.slot_pending || !s->kept)
			continue;
		old = s->site;
		if (pmt_site_refresh(t->pid, &t->maps, &s->site) != 1)
			continue;
		next = 1 - s->alias;
		if (pmt_bpf_attach_marker(t->bpf, i, next, s->site.file, s->site.offset, false)) {
			s->site = old;
			s->site.slot_pending = false; /* stay where we are */
			continue;
		}
		pmt_bpf_set_active_alias(t->bpf, i, next);
		pmt_bpf_detach_marker(t->bpf, i, s->alias);
		s->alias = next;
		snprintf(s->site.map_path, sizeof(s->site.map_path), "%s", old.map_path);
		verbose(t, "marker %s moved to offset 0x%llx (entry +%u) in %s (%s)", s->site.symbol,
			(unsigned long long)s->site.offset, s->site.skipped, s->site.file,
			pmt_insn_name(s->site.insn));
	}
}

/*
 * Once the BPF stack walker knows the interpreter (discover_python()),
 * start attributing growth to Python stacks (unless --no-growth-sites).
 */
static void start_growth(struct tracer *t)
{
	if (t->growth_ready || t->o->no_growth_sites)
		return;
	t->growth_retry_ns = pmt_mono_ns() + WALKER_RETRY_NS;
	if (!t->pywalk_ready)
		return;
	t->growth_ready = true;
	pmt_growth_track_start(&t->growth, t->bpf, &t->stacks);
	verbose(t, "growth sites: Python stacks walked at page faults and mmap/brk growth");
}

/*
 * GL probes start on GLVND's stubs (single-stepped): move them to the
 * vendor's functions as soon as a thread with a current context has made a
 * GL call, and tell --verbose why not, once per reason.
 */
static void move_gl(struct tracer *t)
{
	if (!pmt_asset_track_gl_waiting(&t->assets))
		return;
	t->gl_retry_ns = pmt_mono_ns() + GL_RETRY_NS;
	if (pmt_asset_track_gl_vendor(&t->assets, t->bpf, &t->maps, t->o->verbose) == 0 &&
	    strcmp(t->gl_why_said, t->assets.gl_why)) {
		snprintf(t->gl_why_said, sizeof(t->gl_why_said), "%s", t->assets.gl_why);
		verbose(t, "GL probes on GLVND's stubs for now (single-stepped): %s",
			t->assets.gl_why);
	}
}

static void attach_assets(struct tracer *t)
{
	if (!t->assets_on)
		return;
	if (t->py_found && !t->assets.py_ready)
		pmt_asset_track_set_python(&t->assets, t->bpf, &t->py);
	pmt_asset_track_attach(&t->assets, t->bpf, &t->maps, t->o->verbose);
	t->assets_retry_ns = pmt_mono_ns() + 500000000ULL;
	move_gl(t);
}

/*
 * Launch mode, the game stopped at its first call through a trampoline
 * (frames.bpf.c): move every pending probe to its real function, and remove
 * the trampoline probe it called before it runs on (the others, not being
 * called, are removed in the background). The stop, one uprobe removal
 * (~0.1 s), happens before frame 0 begins: it delays the start of the game,
 * never a frame.
 */
static void move_while_stopped(struct tracer *t)
{
	int slots[PMT_MAX_MARKERS], aliases[PMT_MAX_MARKERS], n = 0, i, waited;

	t->stub_stop = false;
	for (waited = 0; pmt_pid_state(t->pid) != 'T' && waited < 200; waited++)
		usleep(1000);
	if (!refresh_maps(t)) {
		for (i = 0; i < PMT_MAX_MARKERS; i++) {
			struct slot *s = &t->slots[i];
			struct pmt_site old = s->site;
			int next = 1 - s->alias;

			if (!s->used || !s->site.slot_pending ||
			    pmt_site_refresh(t->pid, &t->maps, &s->site) != 1)
				continue;
			if (pmt_bpf_attach_marker(t->bpf, i, next, s->site.file, s->site.offset,
						  false)) {
				s->site = old;
				continue;
			}
			pmt_bpf_set_active_alias(t->bpf, i, next);
			if (i == t->stub_slot) { /* the one the game calls: now */
				slots[n] = i;
				aliases[n++] = s->alias;
			} else {
				pmt_bpf_detach_marker(t->bpf, i, s->alias);
			}
			s->alias = next;
			snprintf(s->site.map_path, sizeof(s->site.map_path), "%s", old.map_path);
			verbose(t, "marker %s moved to offset 0x%llx (entry +%u) in %s (%s) "
				"while the game was stopped", s->site.symbol,
				(unsigned long long)s->site.offset, s->site.skipped, s->site.file,
				pmt_insn_name(s->site.insn));
		}
	}
	attach_assets(t); /* SDL's jump table is set now */
	pmt_bpf_detach_markers_now(t->bpf, slots, aliases, n);
	kill(t->pid, SIGCONT);
}

static bool chosen_pending(const struct tracer *t)
{
	int i;

	for (i = 0; t->chosen >= 0 && i < PMT_MAX_MARKERS; i++)
		if (t->slots[i].kept && t->slots[i].site.slot_pending)
			return true;
	return false;
}

static void rescan(struct tracer *t)
{
	t->need_rescan = false;
	if (refresh_maps(t))
		return;
	attach_assets(t);
	if ((t->launched || t->py_found) && discover_python(t) == -ENOTSUP)
		t->unsupported = true;
	start_growth(t);
	if (t->chosen < 0)
		scan_markers(t);
	migrate_pending(t);
}

/* ---- heap snapshots --------------------------------------------------------- */

/*
 * Attach mode: a heap snapshot before the first frame, whose assets enter
 * the asset table as loaded before attach (the asset probes are in place
 * by then, so their frees match). Reported once the marker is chosen.
 */
static void snapshot_at_attach(struct tracer *t)
{
	if (!t->snap_attach_pending || !t->gc_resolved)
		return;
	t->snap_attach_pending = false;
	if (pmt_snapshot_run_take_held(&t->snaps, &t->py, "attach",
				       t->assets_on ? &t->assets : NULL) == 0)
		verbose(t, "heap snapshot at attach: %.1f ms, %llu objects, %zu assets",
			t->snaps.hold.duration_ns / 1e6, (unsigned long long)t->snaps.hold.objects,
			t->snaps.hold.nassets);
	if (t->chosen >= 0) /* the marker was chosen meanwhile */
		pmt_snapshot_run_flush(&t->snaps, (long long)t->session.frames,
				       t->o->quiet ? NULL : t->text, t->json);
}

/* SIGUSR1 and --snapshot-every, once the marker is chosen (records follow `attached`). */
static void snapshot_tick(struct tracer *t)
{
	if (!t->gc_resolved || t->closing || t->chosen < 0)
		return;
	pmt_snapshot_run_tick(&t->snaps, &t->py, pmt_mono_ns(),
			      t->chosen >= 0 ? (long long)t->session.frames : -1, t->text, t->json);
}

/* ---- reports -------------------------------------------------------------- */

static void fill_attach_info(struct tracer *t, struct pmt_attach_info *a, char *ver, size_t len)
{
	static char exe[PATH_MAX], cmd[1024];
	const struct slot *s = NULL;
	int i;

	/* The kept presenter the game called most names the marker. */
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		if (t->slots[i].kept && (!s || t->slots[i].nbuf > s->nbuf))
			s = &t->slots[i];
	pmt_python_version_str(&t->py, ver, len);
	memset(a, 0, sizeof(*a));
	a->pid = t->pid;
	a->mode = t->launched ? "launch" : "attach";
	a->py_version = ver;
	a->py_build = t->py.shared ? "shared" : "static";
	a->py_path = t->py.map_path;
	a->marker_lib = s->site.map_path;
	a->marker_symbol = s->name;
	a->marker_function = s->name;
	a->marker_offset = s->site.offset;
	a->marker_insn = pmt_insn_name(s->site.insn);
	a->nested = t->nested;
	for (i = 0; i < PMT_MAX_MARKERS && a->n_probes < PMT_ATTACH_PROBES; i++) {
		const struct slot *k = &t->slots[i];
		struct pmt_attach_probe *p;

		if (!k->kept)
			continue;
		if (k != s)
			a->counts_also[a->n_also++] = k->name;
		p = &a->probes[a->n_probes++];
		p->function = k->name;
		p->library = k->site.probe_path;
		p->offset = k->site.offset;
		p->entry_offset = k->site.skipped;
		p->insn = pmt_insn_name(k->site.insn);
	}
	a->gc_state = t->gc_resolved;
	a->gc_timing = t->gct.how;
	a->ts_ns = pmt_mono_ns();
	a->executable = pmt_pid_exe(t->pid, exe, sizeof(exe)) ? NULL : exe;
	a->cmdline = pmt_pid_cmdline(t->pid, cmd, sizeof(cmd)) ? NULL : cmd;
	a->frame_tid = s->nbuf ? s->buf[0].tid : 0;
	a->options = t->o;
}

static void report_assets(struct tracer *t, const char *scope)
{
	struct pmt_asset_view v = {
		.store = t->assets_on ? t->assets.store : NULL,
		.strs = &t->assets.strs,
		.frames = t->session.frames,
		.lost = pmt_bpf_asset_lost(t->bpf),
		.top_n = t->o->top_n,
		.track_use = t->o->track_use,
		.files = t->assets.files,
		.nfiles = t->assets.nfiles,
		.gl_unbound = t->assets.gl_unbound,
		.gl_names_lost = t->assets.gl_names_lost,
	};

	if (!v.store)
		return;
	if (t->json)
		pmt_json_assets(t->json, &v, scope);
	if (!t->o->quiet || !strcmp(scope, "final"))
		pmt_text_assets(t->text, &v);
}

static void text_growth_spikes(struct tracer *t, uint64_t first)
{
	const struct pmt_growth_spike *sp[PMT_GROWTH_SPIKES];
	size_t n = pmt_growth_track_spikes(&t->growth, first, sp);

	pmt_text_growth_spikes(t->text, sp, n);
}

static void report_interval(struct tracer *t)
{
	struct pmt_report_frames rf = { &t->session.ring, t->interval_first };
	struct pmt_summary s;

	pmt_session_take_interval(&t->session, &s);
	t->interval_first = t->session.frames;
	if (t->json)
		pmt_json_report(t->json, &s, &rf, pmt_bpf_lost(t->bpf));
	if (!t->o->quiet) {
		pmt_text_summary(t->text, "interval", &s, &rf, pmt_bpf_lost(t->bpf));
		text_growth_spikes(t, rf.first_index);
	}
	if (t->assets_on)
		pmt_asset_interval_end(t->assets.store);
	report_assets(t, "report");
	pmt_budget_run_report(&t->budget, t->assets_on ? &t->assets : NULL, s.rss_last_bytes,
			      s.rss_peak_bytes, false, t->o->quiet ? NULL : t->text, t->json);
	pmt_trace_run_report(&t->trace, false, t->o->quiet ? NULL : t->text, NULL);
	pmt_pool_run_report(&t->pools, t->bpf, &t->maps, false, t->o->quiet ? NULL : t->text,
			    t->json);
}

static void report_final(struct tracer *t)
{
	static const char *const reasons[] = { "running", "target_exited", "interrupted",
					       "duration" };
	struct pmt_report_frames rf = { &t->session.ring, 0 };
	struct pmt_final_info fi = {
		.frames = t->session.frames,
		.lost_events = pmt_bpf_lost(t->bpf),
		.lost_frames = t->session.lost_frames,
		.exit_reason = reasons[t->end],
		.target_exit_code = -1,
	};
	struct pmt_summary s;

	if (t->launched && t->end == END_TARGET && WIFEXITED(t->child_status))
		fi.target_exit_code = WEXITSTATUS(t->child_status);
	/* A snapshot at the end, while the game still runs (not after it exited). */
	pmt_snapshot_run_finish(&t->snaps, t->text, t->json);
	if (!t->o->no_snapshot && t->gc_resolved && t->end != END_TARGET &&
	    pmt_pid_alive(t->pid))
		pmt_snapshot_run_take(&t->snaps, &t->py, "end", NULL, (long long)t->session.frames,
				      t->text, t->json);
	pmt_summary_acc_get(&t->session.total, &s);
	if (t->assets_on) {
		/* The game exited: what it freed after its last frame was teardown. */
		if (t->end == END_TARGET)
			verbose(t, "%zu asset records after the last frame (teardown) not applied",
				t->napend);
		else
			apply_assets(t, t->session.frames, UINT64_MAX);
		t->napend = 0;
	}
	fi.growth = pmt_growth_track_run(&t->growth);
	pmt_text_summary(t->text, "final", &s, &rf, fi.lost_events);
	text_growth_spikes(t, 0);
	pmt_text_growth(t->text, fi.growth);
	report_assets(t, "final"); /* before the final record, which ends the file */
	pmt_budget_run_report(&t->budget, t->assets_on ? &t->assets : NULL, s.rss_last_bytes,
			      s.rss_peak_bytes, true, t->text, t->json);
	pmt_trace_run_report(&t->trace, true, t->text, t->json);
	if (t->end == END_TARGET)
		pmt_pool_run_target_gone(&t->pools);
	pmt_pool_run_report(&t->pools, t->bpf, &t->maps, true, t->text, t->json);
	if (t->json)
		pmt_json_final(t->json, &s, &rf, &fi);
}

/* ---- detection ------------------------------------------------------------ */

/*
 * Code is read from the mapped files, data from the target's memory: the
 * target's copy of code pages holds the int3 of every uprobe in place
 * (ours, and any other tool's).
 */
static int cg_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	struct tracer *t = ctx;
	const struct pmt_mapping *m = pmt_maps_find_addr(&t->maps, addr);
	char file[PATH_MAX + 32];
	ssize_t got;

	if (!m || !m->path || m->perms[2] != 'x' || m->path[0] != '/' || addr + n > m->end)
		return pmt_mem_read(t->pid, addr, buf, n);
	if (!t->cg_path || strcmp(t->cg_path, m->path)) {
		if (t->cg_fd >= 0)
			close(t->cg_fd);
		snprintf(file, sizeof(file), "/proc/%d/root%s", (int)t->pid, m->path);
		t->cg_fd = open(file, O_RDONLY | O_CLOEXEC);
		t->cg_path = m->path;
		if (t->cg_fd < 0) {
			t->cg_path = NULL;
			return pmt_mem_read(t->pid, addr, buf, n);
		}
	}
	got = pread(t->cg_fd, buf, n, (off_t)(addr - m->start + m->offset));
	return got == (ssize_t)n ? 0 : -EFAULT;
}

/* Walks descend only into the libraries holding candidates: the presenting
 * paths run there, and the interpreter or libc would only spend the budget. */
static bool cg_follow(void *ctx, uint64_t addr)
{
	struct tracer *t = ctx;
	const struct pmt_mapping *m = pmt_maps_find_addr(&t->maps, addr);
	int i;

	if (!m || !m->path || m->perms[2] != 'x')
		return false;
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		if (t->slots[i].used && (!strcmp(m->path, t->slots[i].site.probe_path) ||
					 !strcmp(m->path, t->slots[i].site.map_path)))
			return true;
	return false;
}

static void say_verbose(void *ctx, const char *msg)
{
	verbose(ctx, "%s", msg);
}

/* Which candidates the game calls itself (marker_choice.c): @kept, by slot. */
static int pick_kept(struct tracer *t, bool *kept)
{
	struct pmt_cg_io io = { cg_read, cg_follow, t };
	struct pmt_choice_cand c[PMT_MAX_MARKERS];
	int a, n;

	memset(c, 0, sizeof(c));
	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		struct slot *s = &t->slots[a];

		if (s->used && s->site.slot_pending)
			pmt_site_refresh(t->pid, &t->maps, &s->site);
		c[a].used = s->used;
		c[a].engine = s->engine;
		c[a].name = s->name;
		c[a].lib = s->site.map_path;
		c[a].entry = s->used && !s->site.slot_pending ? s->site.entry_addr : 0;
		c[a].hits = s->nbuf;
	}
	n = pmt_marker_choose(&io, c, t->stk, t->nstk, t->nested, sizeof(t->nested), say_verbose,
			      t);
	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		struct slot *s = &t->slots[a];
		int f = c[a].takes_over;

		kept[a] = c[a].kept;
		if (f >= 0) { /* the forwarder's name: the function the game calls */
			snprintf(s->name, sizeof(s->name), "%s", t->slots[f].name);
			snprintf(s->site.map_path, sizeof(s->site.map_path), "%s",
				 t->slots[f].site.map_path);
		}
	}
	return n;
}

static int by_ts(const void *x, const void *y)
{
	const struct pmt_event *a = x, *b = y;

	return a->ts_ns < b->ts_ns ? -1 : a->ts_ns > b->ts_ns;
}

/* Kept slots' detection records in call order, numbered 1, 2, ... */
static size_t merge_kept(struct tracer *t, struct pmt_event **out)
{
	size_t n = 0, k;
	int i;

	for (i = 0; i < PMT_MAX_MARKERS; i++)
		if (t->slots[i].kept)
			n += t->slots[i].nbuf;
	*out = n ? calloc(n, sizeof(**out)) : NULL;
	if (!*out)
		return 0;
	n = 0;
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		for (k = 0; t->slots[i].kept && k < t->slots[i].nbuf; k++)
			(*out)[n++] = t->slots[i].buf[k];
	qsort(*out, n, sizeof(**out), by_ts);
	for (k = 0; k < n; k++)
		(*out)[k].seq = k + 1;
	return n;
}

static void choose(struct tracer *t)
{
	int gone_slots[PMT_MAX_MARKERS], gone_alias[2 * PMT_MAX_MARKERS], ng = 0, i;
	int gone_slots2[2 * PMT_MAX_MARKERS];
	bool kept[PMT_MAX_MARKERS];
	struct pmt_attach_info a;
	struct pmt_event *merged = NULL;
	uint64_t t0, t1;
	char ver[32];
	size_t k, n;

	t0 = pmt_mono_ns();
	if (!pick_kept(t, kept))
		return;
	verbose(t, "call graph and stacks read in %.1f ms (%.0f ms after start)",
		(pmt_mono_ns() - t0) / 1e6, (pmt_mono_ns() - t->start_ns) / 1e6);
	pmt_bpf_detect_stacks(t->bpf, false);
	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		t->slots[i].kept = kept[i];
		if (t->slots[i].used && !kept[i])
			pmt_bpf_set_active_alias(t->bpf, i, PMT_ALIAS_MUTED);
	}
	/* Count the kept slots from now on; records already made are sorted in. */
	t->held = calloc(DETECT_BUF, sizeof(*t->held));
	t->choosing = true;
	pmt_bpf_count_slots(t->bpf, kept);
	pmt_bpf_poll(t->bpf, 0);
	n = merge_kept(t, &merged);
	t->frame_offset = n;
	pmt_bpf_set_frame_offset(t->bpf, n);
	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		if (kept[i]) {
			t->chosen = t->chosen < 0 ? i : t->chosen;
			continue;
		}
		if (t->slots[i].used)
			gone_slots[ng++] = i;
	}
	pmt_bpf_set_stop_on_dlopen(t->bpf, false);
	/* A python_heap budget is judged at each frame's end: read it then. */
	if (t->budget.counts_python_heap)
		pmt_bpf_wake_each_frame(t->bpf, PMT_WAKE_BUDGET, true);
	fill_attach_info(t, &a, ver, sizeof(ver));
	if (t->json)
		pmt_json_attached(t->json, &a);
	if (!t->o->quiet)
		pmt_text_attached(t->text, &a);
	for (i = 0; i < a.n_probes; i++)
		verbose(t, "frame marker %s: probe in %s at offset 0x%llx (entry +%u, %s)",
			a.probes[i].function, a.probes[i].library, a.probes[i].offset,
			a.probes[i].entry_offset, a.probes[i].insn);
	/* The attach snapshot, taken before the marker was known. */
	pmt_snapshot_run_flush(&t->snaps, 0, t->o->quiet ? NULL : t->text, t->json);
	for (k = 0; k < n; k++)
		emit_frame(t, &merged[k]);
	for (k = 0; k < t->nheld; k++)
		emit_counted(t, &t->held[k]);
	t->choosing = false;
	free(merged);
	free(t->held);
	t->held = NULL;
	t->nheld = 0;
	/*
	 * Every other candidate goes now (one grace period, in parallel): a
	 * nested one would cost the game a probe hit at every present. Removing
	 * a probe being hit can hold the game for that long once: the frames
	 * this overlaps are marked as the profiler's (probes removed).
	 */
	for (i = 0; i < ng; i++) {
		gone_slots2[2 * i] = gone_slots2[2 * i + 1] = gone_slots[i];
		gone_alias[2 * i] = 0;
		gone_alias[2 * i + 1] = 1;
	}
	t0 = pmt_mono_ns();
	pmt_bpf_detach_markers_now(t->bpf, gone_slots2, gone_alias, 2 * ng);
	t1 = pmt_mono_ns();
	if (ng)
		pmt_profiler_note(t, t0, t1 + PMT_PROF_TAIL_NS, PMT_PROF_PROBES);
	verbose(t, "%d other candidate(s) removed in %.1f ms", ng, (t1 - t0) / 1e6);
	for (i = 0; i < PMT_MAX_MARKERS; i++) {
		struct slot *s = &t->slots[i];

		free(s->buf);
		s->buf = NULL;
		s->nbuf = 0;
		if (s->used && !kept[i])
			s->used = false;
	}
	free(t->stk);
	t->stk = NULL;
	t->nstk = 0;
	t->last_report_ns = pmt_mono_ns();
}

/* Pick the marker once a candidate has been called often enough. */
static void maybe_choose(struct tracer *t, bool force)
{
	size_t most = 0;
	int i;

	if (t->chosen >= 0 || !t->py_found)
		return;
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		if (t->slots[i].used && t->slots[i].nbuf > most)
			most = t->slots[i].nbuf;
	if (!most || (most < DETECT_HITS && !force))
		return;
	/* pygame's set_mode() presents inside SDL before the game's first
	 * display.flip(): give an engine presenter a few frames to show up. */
	if (!force && most < DETECT_HITS_ENGINE) {
		bool engine = false, engine_called = false;

		for (i = 0; i < PMT_MAX_MARKERS; i++) {
			if (!t->slots[i].used || t->slots[i].engine < 0)
				continue;
			engine = true;
			engine_called |= t->slots[i].nbuf > 0;
		}
		if (engine && !engine_called)
			return;
	}
	choose(t);
}

/* What was tried: the --frame-marker given, else every candidate. */
static void tried_list(const struct tracer *t, char *buf, size_t len)
{
	size_t off = 0;
	int r;

	buf[0] = 0;
	if (t->o->marker) {
		snprintf(buf, len, "--frame-marker %s", t->o->marker);
		return;
	}
	for (r = 0; r < pmt_engine_table_len && off < len; r++)
		off += snprintf(buf + off, len - off, "%s%sflip/update", r ? ", " : "",
				pmt_engine_table[r].prefix);
	for (r = 0; r < pmt_marker_table_len && off < len; r++)
		off += snprintf(buf + off, len - off, ", %.*s:%s",
				(int)strcspn(pmt_marker_table[r].lib_prefix, ".-"),
				pmt_marker_table[r].lib_prefix, pmt_marker_table[r].symbol);
}

/* ---- target lifetime ------------------------------------------------------ */

static bool target_gone(struct tracer *t)
{
	if (t->launched) {
		int st;
		pid_t r = waitpid(t->pid, &st, WNOHANG);

		if (r == t->pid && (WIFEXITED(st) || WIFSIGNALED(st))) {
			t->child_status = st;
			return true;
		}
		return r < 0 && errno == ECHILD;
	}
	return !pmt_pid_alive(t->pid);
}

static int find_ldso(struct tracer *t, char *file, size_t len, uint64_t *off)
{
	const struct pmt_mapping *m = pmt_maps_find_lib(&t->maps, "ld-linux");
	struct pmt_elf *e;
	uint64_t vaddr;
	int err;

	if (!m)
		m = pmt_maps_find_lib(&t->maps, "ld-");
	if (!m)
		return -ENOENT;
	snprintf(file, len, "/proc/%d/root%s", (int)t->pid, m->path);
	e = pmt_elf_open(file);
	if (!e)
		return -errno;
	err = pmt_elf_symbol(e, "_dl_debug_state", &vaddr, NULL);
	if (!err)
		err = pmt_elf_vaddr_to_offset(e, vaddr, off);
	pmt_elf_close(e);
	return err;
}

/* Load BPF and attach what does not depend on the libraries loaded. */
static int start_bpf(struct tracer *t)
{
	char ld[PATH_MAX + 32];
	uint64_t off;
	int err;

	t->bpf = pmt_bpf_open(t->pid, t->o->verbose, on_event, on_asset_event, t);
	if (!t->bpf) {
		err = errno;
		if (err == EPERM || err == EACCES)
			return fail(t, PMT_EXIT_PRIVILEGE,
				    "the kernel refused to load BPF programs (%s): run through sudo, "
				    "or see \"Privileges\" in docs/usage.md; --backend procfs samples "
				    "memory without BPF", strerror(err));
		return fail(t, PMT_EXIT_BPF, "cannot load the BPF programs: %s; --backend procfs "
			    "samples memory without BPF", strerror(err));
	}
	t->stk = calloc(DETECT_STACKS, sizeof(*t->stk));
	pmt_bpf_detect_stacks(t->bpf, t->stk != NULL);
	err = pmt_bpf_attach_memory(t->bpf);
	if (err)
		return fail(t, PMT_EXIT_BPF, "cannot attach the memory probes: %s; --backend procfs "
			    "samples memory without BPF", strerror(-err));
	if (!t->o->no_assets) {
		if (pmt_asset_track_init(&t->assets, t->pid, t->o->track_use, !t->o->no_gl_assets))
			return fail(t, PMT_EXIT_ERROR, "out of memory");
		t->assets_on = true;
	}
	err = find_ldso(t, ld, sizeof(ld), &off);
	if (!err)
		err = pmt_bpf_attach_dlopen(t->bpf, ld, off);
	if (err)
		verbose(t, "no dynamic-linker hook (%s): libraries loaded later are found by polling",
			strerror(-err));
	return 0;
}

static int launch(struct tracer *t)
{
	const struct pmt_invoker *as = t->o->run_as_root ? NULL : t->inv;
	char err[256];

	if (pmt_launch_start(&t->launch, t->o->cmd, as, as ? t->env : NULL, err, sizeof(err)))
		return fail(t, PMT_EXIT_ERROR, "%s", err);
	t->pid = t->launch.pid;
	t->launched = true;
	return 0;
}

/* Checks and set-up for --pid: everything that can fail before BPF. */
static int prepare_attach(struct tracer *t)
{
	int err;

	t->pid = t->o->pid;
	if (!pmt_pid_alive(t->pid) || (kill(t->pid, 0) == -1 && errno == ESRCH))
		return fail(t, PMT_EXIT_NO_PROCESS, "no such process: %d", (int)t->pid);
	err = refresh_maps(t);
	if (err == -EACCES || err == -EPERM)
		return fail(t, PMT_EXIT_PRIVILEGE,
			    "cannot read process %d: run as root or with CAP_BPF, CAP_PERFMON "
			    "and ptrace access", (int)t->pid);
	if (err)
		return fail(t, PMT_EXIT_NO_PROCESS, "cannot read process %d: %s", (int)t->pid,
			    strerror(-err));
	err = pmt_python_find(t->pid, &t->maps, &t->py);
	if (err == -ENOTSUP)
		return unsupported_error(t);
	if (err)
		return fail(t, PMT_EXIT_NOT_PYTHON, "process %d is not a Python process "
			    "(no CPython runtime in its mappings)", (int)t->pid);
	return check_privilege(t);
}

/*
 * Remove the marker probes right after a frame: a uprobe removed while the
 * game hits it stalls the game for a grace period, and right after a frame
 * the next hit is a frame away.
 */
static void detach_markers_between_frames(struct tracer *t)
{
	uint64_t until = pmt_mono_ns() + 250000000ULL;

	if (!t->bpf || t->markers_gone)
		return;
	t->markers_gone = true;
	t->closing = true;
	if (t->chosen >= 0 && !t->end_target_gone) {
		t->frame_seen = false;
		pmt_bpf_wake_each_frame(t->bpf, PMT_WAKE_CLOSING, true);
		while (!t->frame_seen && pmt_mono_ns() < until)
			pmt_bpf_poll(t->bpf, 10);
	}
	pmt_bpf_detach_all_markers_now(t->bpf);
}

static void cleanup(struct tracer *t)
{
	int i;

	pmt_trace_run_free(&t->trace, t->bpf);
	pmt_snapshot_run_free(&t->snaps);
	pmt_pool_run_free(&t->pools, t->bpf);
	detach_markers_between_frames(t);
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		free(t->slots[i].buf);
	free(t->stk);
	free(t->held);
	if (t->cg_fd >= 0)
		close(t->cg_fd);
	pmt_bpf_close(t->bpf); /* every probe goes with its link */
	if (t->launched && t->end != END_TARGET)
		kill(t->pid, SIGCONT); /* never leave it stopped */
	pmt_session_free(&t->session);
	pmt_growth_track_free(&t->growth);
	pmt_pyheap_free(&t->pyheap);
	pmt_stacknames_free(&t->stacks);
	pmt_budget_run_free(&t->budget);
	if (t->assets_on)
		pmt_asset_track_free(&t->assets);
	free(t->apend);
	pmt_maps_free(&t->maps);
	if (t->linger)
		pmt_live_linger(t->live, t->o->prometheus_linger, &pmt_exiting);
	pmt_live_close(t->live); /* its last bytes go to the --json file first */
	if (t->json_file && t->json_file != stdout)
		fclose(t->json_file);
}

static int open_outputs(struct tracer *t)
{
	struct pmt_outputs out;
	char err[PATH_MAX + 128];

	if (pmt_outputs_open(&out, t->o->json_path, t->inv, err, sizeof(err)))
		return fail(t, PMT_EXIT_USAGE, "%s", err);
	t->text = out.text;
	t->json_file = out.json;
	t->json = t->json_file;
	return 0;
}

/*
 * --html, --perfetto, --prometheus: set up once privileges are reduced, so
 * their files are checked and written as the invoking user, and the
 * metrics server's thread, which reads the network, never holds root's
 * capabilities (nor could the reduction, which needs one thread, happen
 * after it started).
 */
static int open_live(struct tracer *t)
{
	char err[512];

	if (pmt_live_open(&t->live, t->o, t->json_file, t->text, err, sizeof(err)))
		return fail(t, PMT_EXIT_USAGE, "%s", err);
	if (t->live)
		t->json = pmt_live_stream(t->live);
	return 0;
}

static int init_session(struct tracer *t)
{
	struct pmt_analysis_config cfg;
	int err;

	pmt_analysis_config_default(&cfg);
	cfg.target_fps = t->o->target_fps;
	cfg.auto_pace = !t->o->target_fps_set;
	cfg.spike_threshold = t->o->spike_threshold;
	cfg.spike_floor_bytes = t->o->spike_floor;
	err = pmt_session_init(&t->session, &cfg, t->o->history, (uint64_t)sysconf(_SC_PAGESIZE));
	if (err)
		return fail(t, PMT_EXIT_ERROR, "out of memory");
	t->session.ns_per_fault = pmt_fault_cost_ns(); /* ~10-30 ms here */
	verbose(t, "a page fault costs %.0f ns here", t->session.ns_per_fault);
	if (pmt_growth_track_init(&t->growth, GROWTH_FRAME_TOP, t->o->top_n,
				  (uint64_t)sysconf(_SC_PAGESIZE)))
		return fail(t, PMT_EXIT_ERROR, "out of memory");
	return 0;
}

static int event_loop(struct tracer *t)
{
	uint64_t timeout = (uint64_t)(t->o->marker_timeout_s * 1e9);
	uint64_t interval = (uint64_t)(t->o->interval_s * 1e9);
	uint64_t duration = (uint64_t)(t->o->duration_s * 1e9);
	char tried[512];
	int err;

	while (!t->end) {
		err = pmt_bpf_poll(t->bpf, TICK_MS);
		if (err < 0 && err != -EINTR)
			return fail(t, PMT_EXIT_ERROR, "reading events: %s", strerror(-err));
		if (pmt_exiting) {
			t->end = END_INTERRUPT;
			break;
		}
		if (t->stub_stop)
			move_while_stopped(t);
		if (t->need_rescan || (t->chosen < 0 && !t->launched) || chosen_pending(t) ||
		    (t->py_found && !t->gc_resolved) ||
		    (t->assets_on && (t->assets.pending || (t->py_found && !t->assets.py_ready)) &&
		     pmt_mono_ns() > t->assets_retry_ns))
			rescan(t);
		else if (pmt_asset_track_gl_waiting(&t->assets) && pmt_mono_ns() > t->gl_retry_ns)
			move_gl(t); /* the maps of the last rescan: a new library brings one */
		else if (t->py_found &&
			 (!t->pywalk_ready || (!t->growth_ready && !t->o->no_growth_sites)) &&
			 pmt_mono_ns() > t->growth_retry_ns) {
			t->growth_retry_ns = pmt_mono_ns() + WALKER_RETRY_NS;
			discover_python(t); /* the interpreter may exist now */
			start_growth(t);
		}
		if (t->unsupported)
			return unsupported_error(t);
		if (t->launched && t->chosen < 0)
			kill(t->pid, SIGCONT); /* resume after a dynamic-linker stop */
		maybe_choose(t, false);
		if (target_gone(t)) {
			pmt_bpf_poll(t->bpf, 0); /* drain what is already there */
			maybe_choose(t, true);
			t->end = END_TARGET;
			t->end_target_gone = true;
			break;
		}
		if (t->chosen < 0 && pmt_mono_ns() - t->start_ns > timeout) {
			maybe_choose(t, true);
			if (t->chosen >= 0)
				break;
			tried_list(t, tried, sizeof(tried));
			if (!t->py_found)
				return fail(t, PMT_EXIT_NOT_PYTHON,
					    "process %d is not a Python process (no CPython "
					    "runtime after %.1f s)", (int)t->pid,
					    t->o->marker_timeout_s);
			if (t->o->marker)
				return fail(t, PMT_EXIT_NO_MARKER,
					    "the frame marker %s was not called in %.1f s",
					    t->o->marker, t->o->marker_timeout_s);
			return fail(t, PMT_EXIT_NO_MARKER,
				    "no frame marker called in %.1f s; tried %s; name one with "
				    "--frame-marker LIB:SYMBOL", t->o->marker_timeout_s, tried);
		}
		if (t->chosen >= 0 && t->trace_plan_due) {
			t->trace_plan_due = false;
			pmt_trace_run_python(&t->trace, t->bpf, &t->maps, &t->py, &t->stacks);
			pmt_pool_run_python(&t->pools, t->bpf, &t->maps, &t->py, &t->pyl, &t->stacks);
		}
		if (t->chosen >= 0) {
			pmt_gc_timing_tick(&t->gct, t->bpf, pmt_mono_ns());
			pmt_trace_run_tick(&t->trace, t->bpf, pmt_mono_ns(), t->json);
			pmt_pool_run_tick(&t->pools, t->bpf, &t->maps, pmt_mono_ns());
		}
		snapshot_at_attach(t);
		snapshot_tick(t);
		if (t->chosen >= 0 && interval && pmt_mono_ns() - t->last_report_ns >= interval) {
			report_interval(t);
			pmt_live_report(t->live);
			t->last_report_ns = pmt_mono_ns();
		}
		pmt_live_tick(t->live);
		if (duration && pmt_mono_ns() - t->start_ns >= duration)
			t->end = END_DURATION;
	}
	if (t->chosen < 0) {
		tried_list(t, tried, sizeof(tried));
		if (t->launched && !t->py_found)
			return fail(t, PMT_EXIT_NOT_PYTHON,
				    "%s is not a Python process (it exited without a CPython runtime)",
				    t->o->cmd[0]);
		if (t->end == END_TARGET)
			return fail(t, PMT_EXIT_NO_MARKER,
				    "the target exited before presenting a frame (tried %s)", tried);
		if (t->end == END_INTERRUPT || t->end == END_DURATION)
			return fail(t, PMT_EXIT_NO_MARKER,
				    "stopped before a frame marker was called (tried %s)", tried);
	}
	return PMT_EXIT_OK;
}

int pmt_tracer_run(const struct pmt_options *o)
{
	struct tracer t = { .o = o, .chosen = -1, .gct = { .how = "none" }, .cg_fd = -1 };
	char err[512];
	int rc, e;

	t.start_ns = pmt_mono_ns();
	t.launch.gate = t.launch.status = -1;
	t.inv = pmt_invoker();
	t.env = pmt_invoker_environ(t.inv);
	if (!t.env) {
		fprintf(stderr, "pmtrace-bpf: out of memory\n");
		return PMT_EXIT_ERROR;
	}
	if (pmt_budget_run_init(&t.budget, o, err, sizeof(err))) {
		fprintf(stderr, "pmtrace-bpf: %s\n", err);
		rc = PMT_EXIT_CONFIG;
		goto out;
	}
	t.budget.hook_env = t.env;
	rc = open_outputs(&t);
	if (rc)
		goto out;
	if (o->cmd) {
		if (!pmt_launch_command_exists(o->cmd[0], o->run_as_root ? NULL : t.inv)) {
			rc = fail(&t, PMT_EXIT_NO_PROCESS, "command not found%s: %s",
				  t.inv->other && !o->run_as_root ? " or not executable by its user" :
								    "", o->cmd[0]);
			goto out;
		}
		rc = check_privilege(&t);
		if (!rc)
			rc = launch(&t);
		if (!rc)
			rc = refresh_maps(&t) ? fail(&t, PMT_EXIT_NO_PROCESS, "child vanished") : 0;
	} else {
		rc = prepare_attach(&t);
	}
	if (rc)
		goto out;
	t.budget.pid = t.pid;
	pmt_trace_run_init(&t.trace, o, t.pid);
	pmt_snapshot_run_init(&t.snaps, o, t.pid);
	t.snap_attach_pending = !t.launched && !o->no_snapshot;
	pmt_pool_run_init(&t.pools, o, t.pid);
	rc = init_session(&t);
	if (!rc)
		rc = start_bpf(&t);
	if (!rc)
		rc = reduce_privileges(&t);
	if (!rc)
		rc = open_live(&t);
	if (rc)
		goto out;
	if (t.launched) {
		pmt_bpf_set_stop_on_dlopen(t.bpf, true);
		pmt_bpf_set_stop_on_stub(t.bpf, true);
		e = pmt_launch_go(&t.launch);
		if (e) {
			rc = fail(&t, PMT_EXIT_NO_PROCESS, "cannot run %s: %s", o->cmd[0],
				  strerror(-e));
			goto out;
		}
	} else {
		discover_python(&t);
		start_growth(&t);
		scan_markers(&t);
		attach_assets(&t);
		snapshot_at_attach(&t);
		/* --duration and --marker-timeout count from here: the snapshot is set-up */
		t.start_ns = pmt_mono_ns();
	}
	rc = event_loop(&t);
	if (rc == PMT_EXIT_OK) {
		report_final(&t);
		if (o->fail_on_violation && t.budget.any_exceeded)
			rc = PMT_EXIT_BUDGET;
		/* The game goes on without probes while the last outputs are written. */
		if (t.live)
			detach_markers_between_frames(&t);
		if (pmt_live_finish(t.live) && rc == PMT_EXIT_OK)
			rc = PMT_EXIT_ERROR;
		t.linger = true; /* in cleanup(), once every probe is gone */
	}
out:
	pmt_launch_abort(&t.launch); /* an unopened gate: the child exits without running */
	if (t.launched && t.fatal && t.end != END_TARGET)
		kill(t.pid, SIGTERM); /* we started it for nothing */
	cleanup(&t);
	pmt_environ_free(t.env);
	return rc;
}
