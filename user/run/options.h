/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * options.h - the command line of pmtrace-bpf, parsed with argp into one
 * struct of defaults. Numbers are range-checked; errors exit with
 * PMT_EXIT_USAGE.
 */
#ifndef PMT_OPTIONS_H
#define PMT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PMT_VERSION "0.1"
#define PMT_MAX_LABELS 8

struct pmt_label {
	const char *name;  /* a Prometheus label name */
	const char *value;
};

struct pmt_options {
	pid_t pid;            /* 0 when launching */
	char **cmd;           /* NULL when attaching */
	double interval_s;    /* periodic reports; 0 = none */
	double duration_s;    /* 0 = until the target exits or Ctrl-C */
	double marker_timeout_s;
	bool quiet;
	bool verbose;
	const char *marker;   /* NULL or "auto": detect */
	double target_fps;
	bool target_fps_set;   /* given: no judging against the game's own pace */
	double spike_threshold;
	unsigned long spike_floor;
	size_t history;
	const char *json_path; /* NULL: none; "-": stdout */
	bool no_assets;       /* do not track assets */
	bool no_gl_assets;    /* do not track OpenGL textures and buffers */
	bool track_use;       /* probe blits and render copies (orphans) */
	bool no_growth_sites; /* do not attribute growth to Python stacks */
	bool no_gc_timing;    /* no GC timing probes */
	size_t top_n;         /* assets listed in reports */
	const char *budget_file;
	const char *platform;     /* --platform ID */
	const char *eviction;     /* --eviction-strategy */
	const char *on_violation; /* command run on a budget change of state */
	bool fail_on_violation;
	bool list_platforms;      /* `pmtrace-bpf platforms` */
	/* Heap snapshots. */
	bool snapshot_cmd;        /* `pmtrace-bpf snapshot --pid PID`: one, printed */
	bool no_snapshot;         /* none at attach and at the end */
	double snapshot_every_s;  /* 0: not periodic */
	double snapshot_budget_ms; /* time one may take before it is partial */
	unsigned long snapshot_max_mib; /* memory copies one may hold */
	/* Trace mode: every allocation of chosen frames. */
	unsigned long trace_every;   /* trace every N-th frame; 0: off */
	unsigned long trace_on_spike; /* frames traced after a spike or drop; 0: off */
	unsigned long trace_from, trace_to; /* --trace-frames A-B (to inclusive); to 0: none */
	bool trace_all;
	double max_overhead;         /* percent of run time tracing may cost */
	unsigned long trace_depth;   /* Python frames kept per stack (0: none) */
	/* Reports people look at (live_out.c). */
	const char *html_path;       /* --html: rewritten each report interval */
	const char *perfetto_path;   /* --perfetto: written at the end */
	const char *prometheus;      /* --prometheus [ADDR:]PORT, or NULL */
	double prometheus_linger;    /* seconds to wait for a last scrape at the end */
	struct pmt_label labels[PMT_MAX_LABELS]; /* --label KEY=VALUE */
	size_t nlabels;
	/* Privileges and backends. */
	bool run_as_root;     /* launch the game as root even when started through sudo */
	const char *backend;  /* "bpf" (default) or "procfs" */
	double sample_rate;   /* procfs: samples a second */
	bool sample_rate_set; /* --sample-rate given */
	/* The pool analyzer. */
	bool pools;                  /* --pools */
	unsigned long pools_window;  /* frames a window (0: default 32) */
	unsigned long pools_every;   /* a window every N frames (0: default 300) */
};

#define PMT_SAMPLE_RATE_DEFAULT 10.0 /* procfs: 100 ms resolution, ~60 us of the tool's CPU each */

/* Parse argv; on error prints one line and exits PMT_EXIT_USAGE. */
void pmt_options_parse(int argc, char **argv, struct pmt_options *o);

#endif
