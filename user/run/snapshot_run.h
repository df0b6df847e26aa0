/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snapshot_run.h - heap snapshots in a run: at attach (assets found then
 * enter the asset table as loaded before attach), on SIGUSR1, every
 * --snapshot-every seconds, at the end; and the one-shot command
 * `pmtrace-bpf snapshot --pid PID`, which prints one and exits.
 */
#ifndef PMT_SNAPSHOT_RUN_H
#define PMT_SNAPSHOT_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpython/python.h"
#include "cpython/snapshot.h"
#include "probes/asset_track.h"
#include "run/options.h"

/* Set by SIGUSR1: take a snapshot at the next tick. */
extern volatile sig_atomic_t pmt_snapshot_requested;

struct pmt_snapshot_run {
	const struct pmt_options *o;
	pid_t pid;
	bool ready;          /* the snapper knows the interpreter */
	bool failed;         /* it cannot (unsupported, gone): said once */
	struct pmt_snapper snapper;
	uint64_t next_ns;    /* next --snapshot-every one */
	uint64_t taken;
	bool held;           /* a snapshot taken, its report held (pmt_snapshot_run_flush()) */
	struct pmt_snapshot hold;
	/* SIGUSR1 and --snapshot-every ones are taken by a thread: the run goes on. */
	pthread_t thread;
	bool running;        /* a thread is taking one */
	atomic_bool done;    /* it has finished */
	struct pmt_snapshot bg;
	int bg_err;
	const char *bg_trigger;
	long long bg_frame;  /* the frame in progress when it started */
	bool bg_text;        /* report it as text too */
};

/* Set up from the options; nothing is read yet. */
void pmt_snapshot_run_init(struct pmt_snapshot_run *r, const struct pmt_options *o, pid_t pid);
void pmt_snapshot_run_free(struct pmt_snapshot_run *r);

/*
 * Take a snapshot now (@trigger: "attach", "signal", "every", "end") of
 * the interpreter @py (GC state resolved), report it as text (unless
 * @text is NULL) and JSON (unless @json is NULL), for frame @frame (-1:
 * none yet). With @assets (the attach snapshot), the assets found enter
 * the asset table as loaded before attach, at @frame. Returns 0 or
 * -errno (said on stderr once when it cannot snapshot at all).
 */
int pmt_snapshot_run_take(struct pmt_snapshot_run *r, const struct pmt_python *py,
			  const char *trigger, struct pmt_asset_track *assets, long long frame,
			  FILE *text, FILE *json);

/*
 * The same, but the report is held until pmt_snapshot_run_flush() (the
 * attach snapshot is taken before the tool has chosen its frame marker,
 * and reported after the `attached` record).
 */
int pmt_snapshot_run_take_held(struct pmt_snapshot_run *r, const struct pmt_python *py,
			       const char *trigger, struct pmt_asset_track *assets);

/* Report the held snapshot, if any, as text (unless NULL) and JSON (unless NULL). */
void pmt_snapshot_run_flush(struct pmt_snapshot_run *r, long long frame, FILE *text, FILE *json);

/*
 * Called by the event loop every tick: reports a snapshot a thread has
 * finished; a SIGUSR1 or the --snapshot-every interval starts one in a
 * thread (one at a time: requests meanwhile wait for it), so the run's
 * frames, traces and reports go on while the heap is read. Periodic ones
 * print no text with --quiet. Returns 1 when one was reported, else 0.
 */
int pmt_snapshot_run_tick(struct pmt_snapshot_run *r, const struct pmt_python *py,
			  uint64_t now_ns, long long frame, FILE *text, FILE *json);

/* Wait for a snapshot a thread is taking and report it (before the end's). */
void pmt_snapshot_run_finish(struct pmt_snapshot_run *r, FILE *text, FILE *json);

/* `pmtrace-bpf snapshot --pid PID`: one snapshot printed; returns an exit status. */
int pmt_snapshot_command(const struct pmt_options *o);

#endif
