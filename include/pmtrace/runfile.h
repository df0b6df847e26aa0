/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runfile.h - a run read back: the JSON Lines records a run wrote
 * (docs/json.md), parsed one line at a time into structs that the text,
 * HTML, Perfetto and Prometheus reporters read.
 *
 * The reader is strict and safe. A line that is not a JSON object, that
 * lacks "type" or "schema_version", or a record of a known type whose
 * fields have the wrong type or are missing, is corrupt: the feed fails
 * with a one-line reason (the caller adds the file and line number). A
 * record of an unknown type, or of a schema_version newer than this
 * reader's, is counted and skipped. An unfinished last line (the tool was
 * killed while writing it) is skipped and said. Nothing the input holds
 * can make it read out of bounds or run out of memory by more than the
 * input's own size in structs.
 *
 * The same reader runs inside a live run: the tool's own records are fed
 * to it as they are written, so the HTML report, the Perfetto trace and
 * the Prometheus endpoint show a live run and a file read back alike.
 *
 * Pure C over json-c: no file I/O, no clock, no globals.
 */
#ifndef PMTRACE_RUNFILE_H
#define PMTRACE_RUNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmtrace/assets.h"
#include "pmtrace/frame.h"
#include "pmtrace/strtab.h"

/* Newest schema_version this reader understands; newer records are skipped. */
#define PMT_RUN_SCHEMA_MAX 2
#define PMT_RUN_NONE UINT32_MAX
#define PMT_RUN_TYPES_SEEN 8 /* unknown record types named in the note */

/* Record types the reader keeps as their JSON text only (documented by
 * the issues that add them; the HTML report shows them as tables). */
#define PMT_RUN_GENERIC_TYPES { "pools", "snapshot" }

/* ---- records ------------------------------------------------------------ */

/* {"type":"attached"} */
struct pmt_run_attached {
	bool present;
	int pid;
	const char *mode, *py_version, *py_build, *py_path;
	const char *marker_lib, *marker_symbol, *marker_insn;
	const char *marker_function; /* the function the game calls (NULL: an older run) */
	uint64_t marker_offset;
	bool gc_state;
	const char *gc_timing;
	uint64_t ts_ns;
	const char *executable;   /* NULL in files written before it was recorded */
	const char *cmdline;      /* the command line, arguments joined by spaces, or NULL */
	uint32_t frame_tid;       /* thread calling the frame marker; 0 unknown */
	uint64_t history;         /* options.max_frame_history (1000 when absent) */
	uint64_t top_n;           /* options.top (10 when absent) */
	bool track_use;           /* options.track_use */
	double interval_s;        /* options.interval (0 when absent) */
	const char *json;         /* the whole record, as written */
};

/* One growth site of a frame or of the run; the stack is a stack id. */
struct pmt_run_growth {
	uint32_t stack;           /* pmt_run_stack() */
	uint64_t faults, fault_bytes, mapped_bytes;
	uint64_t frames;          /* run sites only */
	bool partial;
};

/* Per-frame asset state (the frame record's "assets"), by asset type. */
struct pmt_run_asset_sample {
	uint64_t live[PMT_ASSET_TYPES];
	uint64_t bytes[PMT_ASSET_TYPES];
	uint32_t loads[PMT_ASSET_TYPES]; /* in the frame */
	uint32_t frees[PMT_ASSET_TYPES];
};

/* {"type":"frame"}, as the session produced it, and what came with it. */
struct pmt_run_frame {
	struct pmt_frame f;
	uint32_t growth_first;    /* into run->growth */
	uint32_t growth_n;
	uint32_t assets;          /* into run->asset_samples, or PMT_RUN_NONE */
	uint32_t trace;           /* into run->traces, or PMT_RUN_NONE */
	bool growth_known;        /* growth_sites was not null */
};

/* A top/orphan asset of an assets record. */
struct pmt_run_asset {
	uint64_t bytes, load_frame, load_ts_ns, age_frames, uses;
	uint32_t type;            /* enum pmt_asset_type */
	uint32_t width, height;
	const char *path;         /* NULL: no file */
	const char *site, *loader; /* "" when unknown */
	bool before_attach;       /* found alive by the attach snapshot (loaded_before_attach) */
};

struct pmt_run_leak {
	const char *site;
	uint32_t type;
	uint64_t live, live_bytes, loads, frees;
	uint64_t history[PMT_LEAK_WINDOW]; /* oldest first */
	uint32_t history_len;
};

struct pmt_run_dup {
	const char *path;
	uint32_t type;
	uint64_t copies, bytes, wasted_bytes;
};

struct pmt_run_use_site {
	const char *site;
	uint64_t uses, live_assets, live_bytes;
};

struct pmt_run_type_stats {
	uint64_t live, bytes, peak_bytes, loads, frees, churn_frames, churn, churn_bytes;
};

/* {"type":"assets"}: the lists are the record's, in its order. */
struct pmt_run_assets {
	bool present, final;
	uint64_t frame, live;
	struct pmt_run_type_stats by_type[PMT_ASSET_TYPES];
	struct pmt_run_asset *top, *orphans;
	size_t ntop, norphans;
	bool has_orphans;         /* use was tracked */
	struct pmt_run_leak *leaks;
	size_t nleaks;
	struct pmt_run_dup *dups;
	size_t ndups;
	struct pmt_run_use_site *use_sites;
	size_t nuse_sites;
	bool has_use_sites;
	uint64_t unknown_frees, untracked, lost_events, gl_unbound, gl_names_lost;
	const char *json;
};

/* Asset bytes by type at an assets record (the heatmap of older files). */
struct pmt_run_asset_point {
	uint64_t frame;
	uint64_t bytes[PMT_ASSET_TYPES];
};

struct pmt_run_budget {
	const char *path, *state;
	uint64_t usage, limit;
	unsigned int warn_pct;
};

/* {"type":"budgets"} */
struct pmt_run_budgets {
	uint64_t frame;           /* frames read before it */
	uint64_t violations;
	struct pmt_run_budget *v;
	size_t n;
};

struct pmt_run_release {
	uint64_t bytes, load_frame;
	const char *type, *path, *site; /* path NULL: none */
	int priority;
};

/* {"type":"budget_violation"} */
struct pmt_run_alert {
	const char *budget, *state, *from;
	uint64_t usage, limit, frame, ts_ns;
	bool sampled;                       /* frame is a sample's index (--backend procfs) */
	unsigned int percent;
	bool has_plan;
	const char *strategy, *status;
	bool use_tracking;
	uint64_t bytes_needed, bytes_freed, usage_after;
	struct pmt_run_release *release;
	size_t nrelease;
};

struct pmt_run_bank {
	const char *name, *verdict;
	uint64_t used;
};

struct pmt_run_profile {
	const char *id, *verdict;
	uint64_t used, available, recommended, over; /* UINT64_MAX: unknown */
	struct pmt_run_bank *banks;
	size_t nbanks;
};

/* {"type":"platforms"} */
struct pmt_run_platforms {
	bool present;
	uint64_t peak_bytes, python_heap_peak_bytes;
	struct pmt_run_profile *profiles;
	size_t n;
	const char *platform, *platform_name; /* --platform, or NULL */
	const char **advice;
	size_t nadvice;
	const char *json;
};

/* {"type":"host"} */
struct pmt_run_host {
	bool present;
	const char *os, *arch, *kernel;
	uint64_t total_bytes, available_bytes, cgroup_limit, cgroup_usage, game_rss;
	double game_share;
	bool critical;
	const char *json;
};

struct pmt_run_tsite {
	uint32_t stack;           /* pmt_run_stack(); a one-frame stack for "<native code...>" */
	uint64_t allocs, bytes;
	bool partial, truncated;
};

/* {"type":"trace"} (the fields reporters show) */
struct pmt_run_trace {
	uint64_t frame, duration_ns, allocs, alloc_bytes, frees;
	const char *trigger;
	bool complete;
	double cost_ns;
	const char *json;
};

/* {"type":"trace_summary"} */
struct pmt_run_trace_summary {
	bool present, enabled;
	const char *off_reason;
	uint64_t missed, frames_traced, incomplete, allocs, alloc_bytes, frees;
	uint64_t churn, churn_bytes, every, governed_every, spikes_skipped;
	double cost_ns, overhead_pct, max_overhead_pct;
	struct pmt_run_tsite *top_by_bytes, *top_by_count;
	size_t ntop_bytes, ntop_count;
	bool has_probes;
	uint32_t probe_functions, probe_inlined, probe_nosize, probe_stepped;
	bool has_coverage;
	uint64_t at_inlined_copies, size_unknown; /* allocations over every traced frame */
	const char *json;
};

/* {"type":"final"} */
struct pmt_run_final {
	bool present;
	uint64_t frames, lost_events, lost_frames;
	const char *exit_reason;
	int target_exit_code;     /* -1: null */
	bool growth_known;
	uint32_t growth_first, growth_n; /* into run->growth */
	uint64_t growth_dropped, growth_unresolved;
	struct pmt_summary summary; /* as recorded */
	const char *json;
};

/* A record kept as its JSON text only (PMT_RUN_GENERIC_TYPES). */
struct pmt_run_generic {
	const char *type;
	uint64_t frame;           /* frames read before it */
	const char *json;
};

/* {"type":"report"}: an interval, as recorded. */
struct pmt_run_report {
	struct pmt_summary s;
	uint64_t lost_events;
};

/* ---- totals: what the Prometheus endpoint serves ------------------------ */

#define PMT_RUN_DUR_BUCKETS 10  /* frame time histogram, plus +Inf */
#define PMT_RUN_GROWTH_BUCKETS 8 /* per-frame RSS growth histogram, plus +Inf */
#define PMT_RUN_BUDGETS 32      /* budgets exported */
#define PMT_RUN_BUDGET_PATH 128

/* Upper bounds of the histogram buckets: seconds, and bytes. */
extern const double pmt_run_dur_bounds[PMT_RUN_DUR_BUCKETS];
extern const double pmt_run_growth_bounds[PMT_RUN_GROWTH_BUCKETS];

/* A copyable summary of everything seen so far (fixed size, no pointers). */
struct pmt_run_totals {
	uint64_t frames, partial_frames;
	uint64_t spikes[3];              /* memory, time, memory+time */
	uint64_t dropped[4];             /* by enum pmt_cause */
	uint64_t dur_count[PMT_RUN_DUR_BUCKETS + 1]; /* non-cumulative; last is +Inf */
	double dur_sum_s;
	uint64_t growth_count[PMT_RUN_GROWTH_BUCKETS + 1];
	double growth_sum;
	uint64_t rss, rss_peak;
	bool python_heap_known;
	uint64_t python_heap;
	bool gc_known, gc_timed;
	uint64_t gc_collections[PMT_GENS];
	uint64_t gc_ns[PMT_GENS];        /* time of frames whose oldest collection was gen N */
	uint64_t gc_collected;
	uint64_t minflt, majflt, mapped, unmapped;
	bool assets_known;
	uint64_t asset_live[PMT_ASSET_TYPES], asset_bytes[PMT_ASSET_TYPES];
	uint64_t asset_loads[PMT_ASSET_TYPES], asset_frees[PMT_ASSET_TYPES];
	uint64_t lost_events;
	uint64_t budget_violations;
	size_t nbudgets;
	struct {
		char path[PMT_RUN_BUDGET_PATH];
		uint64_t usage, limit;
		int state;                  /* 0 ok, 1 approaching, 2 exceeded */
	} budgets[PMT_RUN_BUDGETS];
	bool ended;                      /* the final record was read */
};

/* ---- the run ------------------------------------------------------------ */

typedef void *(*pmt_run_realloc_fn)(void *ctx, void *ptr, size_t size);

struct pmt_run_config {
	bool keep_frames;         /* keep every frame (reports); false: totals only */
	pmt_run_realloc_fn realloc_fn; /* NULL: realloc() and free() */
	void *alloc_ctx;
};

struct pmt_run {
	struct pmt_run_config cfg;
	struct pmt_strtab strs;   /* every string, interned */
	struct pmt_strtab stacks; /* stacks: frame strings joined by '\x1f' */

	struct pmt_run_attached attached;
	struct pmt_run_frame *frames;
	size_t nframes, capframes;
	struct pmt_frame last;    /* the last frame read (also without keep_frames) */
	bool have_last;
	struct pmt_run_growth *growth;
	size_t ngrowth, capgrowth;
	struct pmt_run_asset_sample *asset_samples;
	size_t nsamples, capsamples;
	struct pmt_run_report *reports;
	size_t nreports, capreports;
	struct pmt_run_assets assets;       /* the last assets record */
	struct pmt_run_asset_point *asset_points;
	size_t npoints, cappoints;
	struct pmt_run_budgets *budgets;    /* every budgets record */
	size_t nbudgets, capbudgets;
	struct pmt_run_alert *alerts;
	size_t nalerts, capalerts;
	struct pmt_run_platforms platforms;
	struct pmt_run_host host;           /* the last one */
	struct pmt_run_trace *traces;
	size_t ntraces, captraces;
	size_t trace_json_bytes;            /* trace record text kept */
	struct pmt_run_trace_summary trace_summary;
	struct pmt_run_final final;
	struct pmt_run_generic *generic;
	size_t ngeneric, capgeneric;
	struct pmt_run_totals totals;

	/* What was skipped, for the caller to say. */
	uint64_t lines;
	uint64_t skipped_unknown, skipped_newer;
	int64_t newest_schema;              /* highest schema_version skipped */
	const char *unknown_types[PMT_RUN_TYPES_SEEN];
	size_t nunknown_types;
	bool truncated;                     /* pmt_run_parse(): unfinished last line skipped */
	uint64_t err_line;                  /* pmt_run_parse(): line of the error */
	char err[200];                      /* why the last feed failed */
};

/*
 * Set up an empty run. @cfg may be NULL (keep frames, default allocator).
 * Never fails; nothing is allocated until the first feed.
 */
void pmt_run_init(struct pmt_run *r, const struct pmt_run_config *cfg);
/* Release everything; accepts a zeroed or freed run. */
void pmt_run_free(struct pmt_run *r);

/*
 * Read one line (@len bytes, without its newline). Returns 0 when the
 * record was taken, 1 when it was skipped (blank line, unknown type, newer
 * schema_version: counted in the run), -EINVAL when it is corrupt (reason
 * in r->err; the run is unchanged), -ENOMEM (the run is unchanged).
 */
int pmt_run_feed(struct pmt_run *r, const char *line, size_t len);

/*
 * Read the last line of a file when it has no newline: the writer may have
 * been stopped in the middle of it. As pmt_run_feed(), except that a line
 * that does not parse sets r->truncated and returns 2 (skipped).
 */
int pmt_run_feed_unfinished(struct pmt_run *r, const char *line, size_t len);

/*
 * Read a whole file's bytes: every line through pmt_run_feed(), the last
 * one through pmt_run_feed_unfinished() when it has no newline. Returns 0
 * (r->err_line is the skipped line when r->truncated), or the first feed's
 * error with r->err_line set (1-based) and the lines before it taken.
 */
int pmt_run_parse(struct pmt_run *r, const char *buf, size_t len);

/*
 * The frames of stack @id (innermost first) into @out (at most @max),
 * pointing into the run. Returns how many; 0 for an unknown id.
 */
size_t pmt_run_stack(const struct pmt_run *r, uint32_t id, const char **out, size_t max,
		     char *scratch, size_t scratch_len);

/*
 * The summary of frames with index >= @first_index, recomputed from the
 * frames read (the same accumulator the live run used). Returns 0, or
 * -ENOENT when frames were not kept or none qualifies.
 */
int pmt_run_summary(const struct pmt_run *r, uint64_t first_index, struct pmt_summary *out);

/* The frame ring a live run with history @cap would hold at the end. 0 or -ENOMEM. */
int pmt_run_ring(const struct pmt_run *r, size_t cap, struct pmt_frame_ring *ring);

/* Index in r->frames of frame number @index, or -1. */
long pmt_run_find_frame(const struct pmt_run *r, uint64_t index);

/* The asset type named @name, or -1. */
int pmt_run_asset_type(const char *name);

#endif /* PMTRACE_RUNFILE_H */
