/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - reporters: they only format. Text for people (fits 100
 * columns), JSON Lines for machines (schema in docs/json.md).
 */
#ifndef PMT_REPORT_H
#define PMT_REPORT_H

#include <stdio.h>

#include "pmtrace/assets.h"
#include "pmtrace/frame.h"
#include "pmtrace/runfile.h"
#include "pmtrace/sample.h"
#include "pmtrace/strtab.h"
#include "probes/asset_track.h"
#include "run/growth_track.h"
#include "cpython/snapshot.h"

#define PMT_SCHEMA_VERSION 2

struct pmt_options;

#define PMT_ATTACH_PROBES 16

struct pmt_attach_info {
	int pid;
	const char *mode;          /* "attach" or "launch" */
	const char *backend;       /* "bpf" (NULL means it too) or a sampler's name */
	double sample_rate_hz;     /* sampling backends; 0 for bpf */
	const char *py_version;    /* NULL: not known (a sampling backend: python is null) */
	const char *py_build;      /* "shared" or "static" */
	const char *py_path;
	const char *marker_lib;    /* NULL: no frame marker (sampling backends) */
	const char *marker_symbol;
	const char *marker_function;  /* the function the game calls */
	unsigned long long marker_offset;
	const char *marker_insn;
	const char *counts_also[PMT_ATTACH_PROBES]; /* other game-called presenters counted */
	int n_also;
	const char *nested;           /* called candidates found nested (", "-separated) */
	struct pmt_attach_probe {
		const char *function;     /* the function whose probe it is */
		const char *library;      /* the file the probe sits in */
		unsigned long long offset; /* file offset of the probe */
		unsigned entry_offset;    /* bytes past the probed function's entry */
		const char *insn;         /* the instruction under the probe */
	} probes[PMT_ATTACH_PROBES];
	int n_probes;
	int gc_state;              /* GC stats located */
	const char *gc_timing;     /* "usdt", "uprobe" or "none" */
	unsigned long long ts_ns;
	const char *executable;    /* the target's /proc/PID/exe, or NULL */
	const char *cmdline;       /* its command line, or NULL */
	unsigned int frame_tid;    /* thread calling the frame marker; 0 unknown */
	const struct pmt_options *options; /* the run's options, or NULL */
};

/* Frames to list in a report: spikes and drops of the interval. */
struct pmt_report_frames {
	const struct pmt_frame_ring *ring;
	unsigned long long first_index; /* frames with index >= this */
};

/* "12.3 MiB" style (bytes without decimals), signed when @sign; returns @buf. */
const char *pmt_fmt_bytes(char *buf, size_t len, double v, int sign);
/* "func (/long/path/file.py:12)" as "func (file.py:12)" in @buf, or @fr itself. */
const char *pmt_short_frame(char *buf, size_t len, const char *fr);

void pmt_text_attached(FILE *f, const struct pmt_attach_info *a);
void pmt_text_summary(FILE *f, const char *title, const struct pmt_summary *s,
		      const struct pmt_report_frames *rf, unsigned long long lost);

void pmt_json_attached(FILE *f, const struct pmt_attach_info *a);

/* Assets at a frame's end, by type: live now, and loaded and freed in the frame. */
struct pmt_frame_assets {
	uint64_t live[PMT_ASSET_TYPES], bytes[PMT_ASSET_TYPES];
	uint64_t loads[PMT_ASSET_TYPES], frees[PMT_ASSET_TYPES];
};

/*
 * @g: the frame's growth sites, NULL when growth was not attributed;
 * @a: its assets, NULL when assets are not tracked.
 */
void pmt_json_frame(FILE *f, const struct pmt_frame *fr, const struct pmt_growth_view *g,
		    const struct pmt_frame_assets *a);
struct pmt_final_info {
	unsigned long long frames;
	unsigned long long lost_events; /* ring-buffer records dropped */
	unsigned long long lost_frames; /* frames whose record never arrived */
	const char *exit_reason;        /* "target_exited", "interrupted", "duration" */
	int target_exit_code;           /* launch mode; -1 when not known */
	const struct pmt_growth_view *growth; /* the run's growth sites, or NULL */
	const struct pmt_sample_summary *samples; /* sampling backends: the run's samples */
};

void pmt_json_report(FILE *f, const struct pmt_summary *s, const struct pmt_report_frames *rf,
		     unsigned long long lost);
/* @s NULL (sampling backends: no frames): "summary" is null. */
void pmt_json_final(FILE *f, const struct pmt_summary *s, const struct pmt_report_frames *rf,
		    const struct pmt_final_info *fi);

/* Sampling backends (report_sample.c): the timeline, one record a sample. */
void pmt_json_sample(FILE *f, const struct pmt_sample *x);
/* "sample_report": the samples of an interval. */
void pmt_json_sample_report(FILE *f, const struct pmt_sample_summary *s);
/* The members of a sample summary (no braces), for final's "samples". */
void pmt_json_sample_summary(FILE *f, const struct pmt_sample_summary *s);
void pmt_text_sampled_attached(FILE *f, const struct pmt_attach_info *a);
void pmt_text_sample_summary(FILE *f, const char *title, const struct pmt_sample_summary *s);
/* What an assets report shows. */
struct pmt_asset_view {
	const struct pmt_asset_store *store; /* NULL: asset tracking off */
	const struct pmt_strtab *strs;
	uint64_t frames;   /* frames so far */
	uint64_t lost;     /* asset records the ring buffer dropped */
	size_t top_n;
	bool track_use;
	const struct pmt_loaded_file *files; /* by path id - 1 */
	uint32_t nfiles;
	uint64_t gl_unbound;    /* GL uploads to objects bound before attach */
	uint64_t gl_names_lost; /* deleted GL names not read */
};

void pmt_text_assets(FILE *f, const struct pmt_asset_view *v);
/* The same text from an assets record. */
void pmt_text_assets_rec(FILE *f, const struct pmt_run_assets *a);
/* @scope: "report" or "final". */
void pmt_json_assets(FILE *f, const struct pmt_asset_view *v, const char *scope);

/* Growth sites (report_growth.c). "growth_sites":[...] or null, no comma. */
void pmt_json_growth_sites(FILE *f, const struct pmt_growth_view *g, bool frames);
/* The run's top growth sites, and the top site of each spike frame listed. */
void pmt_text_growth(FILE *f, const struct pmt_growth_view *g);
void pmt_text_growth_spikes(FILE *f, const struct pmt_growth_spike *const *sp, size_t n);

/* Budgets, alerts and platform fit (report_budget.c); @f NULL: nothing. */
void pmt_text_alert(FILE *f, const struct pmt_run_alert *a);
void pmt_text_budgets(FILE *f, const struct pmt_run_budgets *b);
void pmt_text_platforms(FILE *f, const struct pmt_run_platforms *p);

/*
 * The text report of a run read back (report_replay.c): its header, budget
 * alerts and final report, as the live run printed them. 0 or -ENOMEM.
 */
int pmt_replay_text(FILE *f, const struct pmt_run *r);
/*
 * Heap snapshots (report_snapshot.c): text (@top assets listed) and a
 * {"type":"snapshot"} record; @frame is the frame in progress, -1 when
 * there is none (the one-shot command, before the first frame).
 */
void pmt_text_snapshot(FILE *f, const struct pmt_snapshot *s, size_t top, long long frame);
void pmt_json_snapshot(FILE *f, const struct pmt_snapshot *s, long long frame);

/* Write @s as a JSON string (quoted, escaped). */
void pmt_json_str(FILE *f, const char *s);

#endif
