// SPDX-License-Identifier: BSD-2-Clause
/*
 * snapshot_run.c - when heap snapshots are taken in a run, where they
 * go, and the one-shot `snapshot` command (no BPF: it only reads the
 * process's memory, so ptrace access is all it needs).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/user_file.h"
#include "report/report.h"
#include "run/exit_codes.h"
#include "run/snapshot_run.h"

volatile sig_atomic_t pmt_snapshot_requested;

static void conf_of(const struct pmt_options *o, struct pmt_snapconf *c)
{
	memset(c, 0, sizeof(*c));
	c->budget_ns = (uint64_t)(o->snapshot_budget_ms * 1e6);
	c->cache_limit = (size_t)o->snapshot_max_mib << 20;
	c->top = o->top_n ? o->top_n : 10;
	c->keep_objects = true;
}

/* pmt_snapshot_run_init - see snapshot_run.h. */
void pmt_snapshot_run_init(struct pmt_snapshot_run *r, const struct pmt_options *o, pid_t pid)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->pid = pid;
}

/* pmt_snapshot_run_free - see snapshot_run.h. */
void pmt_snapshot_run_free(struct pmt_snapshot_run *r)
{
	if (r->running) {
		pthread_join(r->thread, NULL);
		if (!r->bg_err)
			pmt_snapshot_free(&r->bg);
	}
	if (r->held)
		pmt_snapshot_free(&r->hold);
	if (r->ready)
		pmt_snapper_free(&r->snapper);
	memset(r, 0, sizeof(*r));
}

static int prepare(struct pmt_snapshot_run *r, const struct pmt_python *py)
{
	struct pmt_snapconf c;
	int err;

	if (r->ready)
		return 0;
	if (r->failed)
		return -ENOTSUP;
	conf_of(r->o, &c);
	err = pmt_snapper_init(&r->snapper, r->pid, py, &c);
	if (err) {
		pmt_snapper_free(&r->snapper);
		if (err != -EAGAIN) {
			r->failed = true;
			fprintf(stderr, "pmtrace: heap snapshots are not possible here: %s\n",
				strerror(-err));
		}
		return err;
	}
	r->ready = true;
	return 0;
}

/* Enter the assets found into the asset table, as loaded before attach. */
static void feed_assets(struct pmt_snapshot *s, struct pmt_asset_track *at, long long frame)
{
	size_t i;

	for (i = 0; i < s->nassets; i++) {
		struct pmt_snap_asset *a = &s->assets[i];

		if (pmt_asset_track_preloaded(at, a->a.key, a->a.type, a->a.bytes, a->a.width,
					      a->a.height, a->file, frame < 0 ? 0 : (uint64_t)frame,
					      s->ts_ns) == 1)
			a->stored = true;
	}
}

static int take(struct pmt_snapshot_run *r, const struct pmt_python *py, const char *trigger,
		struct pmt_asset_track *assets, long long frame, struct pmt_snapshot *s)
{
	int err = prepare(r, py);

	if (err)
		return err;
	err = pmt_snapper_take(&r->snapper, trigger, s);
	if (err) {
		fprintf(stderr, "pmtrace: heap snapshot (%s) failed: %s\n", trigger,
			strerror(-err));
		return err;
	}
	r->taken++;
	if (assets && assets->store)
		feed_assets(s, assets, frame);
	return 0;
}

static void report(struct pmt_snapshot_run *r, struct pmt_snapshot *s, long long frame,
		   FILE *text, FILE *json)
{
	if (json)
		pmt_json_snapshot(json, s, frame);
	if (text)
		pmt_text_snapshot(text, s, r->o->top_n ? r->o->top_n : 10, frame);
}

/* pmt_snapshot_run_take - one snapshot, reported; see snapshot_run.h. */
int pmt_snapshot_run_take(struct pmt_snapshot_run *r, const struct pmt_python *py,
			  const char *trigger, struct pmt_asset_track *assets, long long frame,
			  FILE *text, FILE *json)
{
	struct pmt_snapshot s;
	int err = take(r, py, trigger, assets, frame, &s);

	if (err)
		return err;
	report(r, &s, frame, text, json);
	pmt_snapshot_free(&s);
	return 0;
}

/* pmt_snapshot_run_take_held - one snapshot, its report held; see snapshot_run.h. */
int pmt_snapshot_run_take_held(struct pmt_snapshot_run *r, const struct pmt_python *py,
			       const char *trigger, struct pmt_asset_track *assets)
{
	int err;

	if (r->held)
		return -EBUSY;
	err = take(r, py, trigger, assets, -1, &r->hold);
	if (!err)
		r->held = true;
	return err;
}

/* pmt_snapshot_run_flush - report the held snapshot; see snapshot_run.h. */
void pmt_snapshot_run_flush(struct pmt_snapshot_run *r, long long frame, FILE *text, FILE *json)
{
	if (!r->held)
		return;
	report(r, &r->hold, frame, text, json);
	pmt_snapshot_free(&r->hold);
	r->held = false;
}

static void *bg_take(void *arg)
{
	struct pmt_snapshot_run *r = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main loop's */
	r->bg_err = pmt_snapper_take(&r->snapper, r->bg_trigger, &r->bg);
	atomic_store(&r->done, true);
	return NULL;
}

/* Report a finished background snapshot; wait for it when @wait. Returns 1 if reported. */
static int bg_collect(struct pmt_snapshot_run *r, bool wait, FILE *text, FILE *json)
{
	if (!r->running || (!wait && !atomic_load(&r->done)))
		return 0;
	pthread_join(r->thread, NULL);
	r->running = false;
	if (r->bg_err) {
		fprintf(stderr, "pmtrace: heap snapshot (%s) failed: %s\n", r->bg_trigger,
			strerror(-r->bg_err));
		return 0;
	}
	r->taken++;
	report(r, &r->bg, r->bg_frame, r->bg_text ? text : NULL, json);
	pmt_snapshot_free(&r->bg);
	return 1;
}

static void bg_start(struct pmt_snapshot_run *r, const struct pmt_python *py, const char *trigger,
		     long long frame, bool with_text)
{
	if (prepare(r, py))
		return;
	r->bg_trigger = trigger;
	r->bg_frame = frame;
	r->bg_text = with_text;
	r->bg_err = 0;
	atomic_store(&r->done, false);
	if (pthread_create(&r->thread, NULL, bg_take, r)) {
		fprintf(stderr, "pmtrace: heap snapshot (%s): no thread\n", trigger);
		return;
	}
	r->running = true;
}

/* pmt_snapshot_run_tick - finished snapshots reported, new ones started; see snapshot_run.h. */
int pmt_snapshot_run_tick(struct pmt_snapshot_run *r, const struct pmt_python *py,
			  uint64_t now_ns, long long frame, FILE *text, FILE *json)
{
	int reported = bg_collect(r, false, text, json);

	if (r->running)
		return reported;
	/* the first periodic one an interval after the first tick (the first frame) */
	if (!r->next_ns && r->o->snapshot_every_s > 0)
		r->next_ns = now_ns + (uint64_t)(r->o->snapshot_every_s * 1e9);
	if (pmt_snapshot_requested) {
		pmt_snapshot_requested = 0;
		bg_start(r, py, "signal", frame, true);
	} else if (r->next_ns && now_ns >= r->next_ns) {
		r->next_ns = now_ns + (uint64_t)(r->o->snapshot_every_s * 1e9);
		bg_start(r, py, "every", frame, !r->o->quiet);
	}
	return reported;
}

/* pmt_snapshot_run_finish - report the one being taken, if any; see snapshot_run.h. */
void pmt_snapshot_run_finish(struct pmt_snapshot_run *r, FILE *text, FILE *json)
{
	bg_collect(r, true, text, json);
}

/* pmt_snapshot_command - one snapshot of --pid, printed; see snapshot_run.h. */
int pmt_snapshot_command(const struct pmt_options *o)
{
	struct pmt_snapshot_run r;
	struct pmt_python py;
	struct pmt_maps maps = { 0 };
	FILE *json = NULL, *text = stdout;
	int err, rc = PMT_EXIT_OK, tries;

	if (!pmt_pid_alive(o->pid)) {
		fprintf(stderr, "pmtrace-bpf: no such process: %d\n", (int)o->pid);
		return PMT_EXIT_NO_PROCESS;
	}
	err = pmt_maps_read(o->pid, &maps);
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr, "pmtrace-bpf: cannot read process %d: run as root, as its user, or "
			"with CAP_SYS_PTRACE\n", (int)o->pid);
		return PMT_EXIT_PRIVILEGE;
	}
	if (err) {
		fprintf(stderr, "pmtrace-bpf: cannot read process %d: %s\n", (int)o->pid,
			strerror(-err));
		return PMT_EXIT_NO_PROCESS;
	}
	err = pmt_python_find(o->pid, &maps, &py);
	if (err == -ENOTSUP) {
		char ver[32];

		pmt_python_version_str(&py, ver, sizeof(ver));
		fprintf(stderr, "pmtrace-bpf: process %d runs Python %s, which is not supported "
			"(supported: CPython 3.%d to 3.%d)\n", (int)o->pid, py.major ? ver : "(unknown)",
			PMT_PY_MIN_MINOR, PMT_PY_MAX_MINOR);
		rc = PMT_EXIT_UNSUPPORTED;
		goto cleanup;
	}
	if (err) {
		fprintf(stderr, "pmtrace-bpf: process %d is not a Python process (no CPython runtime "
			"in its mappings)\n", (int)o->pid);
		rc = PMT_EXIT_NOT_PYTHON;
		goto cleanup;
	}
	for (tries = 0; (err = pmt_python_resolve_gc(o->pid, &maps, &py)) == -EAGAIN && tries < 20;
	     tries++)
		usleep(50000);
	if (err) {
		fprintf(stderr, "pmtrace-bpf: process %d: the interpreter's GC state was not found "
			"(%s)\n", (int)o->pid, strerror(-err));
		rc = err == -EACCES || err == -EPERM ? PMT_EXIT_PRIVILEGE : PMT_EXIT_UNSUPPORTED;
		goto cleanup;
	}
	if (o->json_path) {
		if (!strcmp(o->json_path, "-")) {
			json = stdout;
			text = stderr;
		} else if (!(json = pmt_user_fopen(o->json_path, "we"))) {
			fprintf(stderr, "pmtrace-bpf: cannot write %s: %s\n", o->json_path,
				strerror(errno));
			rc = PMT_EXIT_USAGE;
			goto cleanup;
		}
	}
	pmt_snapshot_run_init(&r, o, o->pid);
	err = pmt_snapshot_run_take(&r, &py, "command", NULL, -1, o->quiet ? NULL : text, json);
	pmt_snapshot_run_free(&r);
	if (err == -ESRCH)
		rc = PMT_EXIT_NO_PROCESS;
	else if (err == -EPERM || err == -EACCES)
		rc = PMT_EXIT_PRIVILEGE;
	else if (err)
		rc = PMT_EXIT_ERROR;
cleanup:
	if (json && json != stdout)
		fclose(json);
	pmt_maps_free(&maps);
	return rc;
}
