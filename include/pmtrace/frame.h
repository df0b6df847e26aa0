/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * frame.h - one game frame as userspace sees it, and the pure analyses over
 * frames: the history ring, the rolling baseline, spike and drop
 * classification with memory-related causes, and interval summaries.
 *
 * Everything declared here is pure C: no I/O, no clock, no globals, no BPF.
 * A frame is the work between two calls of the frame marker; a frame whose
 * records were lost in between is marked partial (never a spike or drop).
 */
#ifndef PMTRACE_FRAME_H
#define PMTRACE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMT_GENS 3

enum pmt_cause {
	PMT_CAUSE_NONE = 0,    /* not dropped, or memory did not cause it */
	PMT_CAUSE_GC,          /* time in the cyclic GC explains the drop */
	PMT_CAUSE_PAGE_FAULTS, /* fault handling explains it, no net growth */
	PMT_CAUSE_HEAP_GROWTH, /* the frame grew memory by a spike's worth */
	PMT_CAUSE_PROFILER,    /* the profiler itself slowed the frame (see pmt_frame.prof) */
};
#define PMT_CAUSES 5

/* What the profiler did to the game during a frame (pmt_frame.prof). */
#define PMT_PROF_TRACED (1u << 0) /* its allocations were traced (trace mode) */
#define PMT_PROF_PROBES (1u << 1) /* probes were placed, removed or waited in place */

#define PMT_SPIKE_MEMORY (1u << 0)
#define PMT_SPIKE_TIME (1u << 1)

struct pmt_frame {
	uint64_t index;       /* 0-based: frame 0 ends at the 2nd marker call seen */
	uint64_t ts_ns;       /* CLOCK_MONOTONIC at the marker call ending it */
	uint64_t duration_ns; /* since the previous marker call */
	uint64_t rss_bytes;   /* anon + file + shmem at frame end */
	uint64_t rss_anon_bytes;
	uint64_t rss_file_bytes;
	uint64_t rss_shmem_bytes;
	uint64_t swap_bytes;
	int64_t rss_delta_bytes; /* rss_bytes minus the previous frame's */
	int64_t peak_growth_bytes; /* in-process: from the frame's start to its
				    * peak, when measured; 0 otherwise */
	uint64_t minflt;         /* during the frame, all threads */
	uint64_t majflt;         /* during the frame, frame thread */
	uint64_t fault_ns;       /* frame thread's fault time, estimated (see session.h) */
	uint64_t sys_ns;         /* frame thread's kernel time (tick-sampled) */
	uint64_t mapped_bytes;   /* mmap and mremap growth during the frame */
	uint64_t unmapped_bytes; /* munmap and mremap shrink */
	int64_t brk_delta_bytes; /* program break movement */
	uint64_t gc_collections[PMT_GENS]; /* collections per generation */
	uint64_t gc_collected;             /* objects collected */
	uint64_t gc_uncollectable;
	uint64_t gc_ns; /* time in the GC during the frame (0 if untimed) */
	uint64_t python_heap_bytes; /* pymalloc's arenas at frame end (see pyheap.h) */
	bool gc_known;  /* gc_* fields are real (interpreter state resolved) */
	bool python_heap_known; /* python_heap_bytes was read */
	bool gc_timed;  /* gc_ns is measured */
	bool partial;   /* spans lost records: more than one frame */
	uint8_t prof;   /* PMT_PROF_* bits, set by the caller before classifying */

	/* Filled by pmt_frame_classify(). */
	bool spike;
	uint8_t spike_kind; /* PMT_SPIKE_* bits */
	bool dropped;
	enum pmt_cause cause;
	uint64_t budget_ns; /* the budget it was judged against (0: drops are off) */
	bool paced;         /* budget_ns is the game's own pace, not the target's */
	int gc_generation; /* oldest generation collected, -1 if none */
	uint64_t prof_cost_ns; /* prof frames: duration above the normal frame */
	bool prof_slow;        /* prof frames: slow enough to be a time spike */
};

struct pmt_analysis_config {
	double target_fps;          /* frame budget is 1/target_fps */
	double spike_threshold;     /* fraction above the baseline */
	uint64_t spike_floor_bytes; /* memory growth below this is no spike */
	uint64_t time_floor_ns;     /* excess below max(this, budget/2) is no spike */
	double drop_factor;         /* dropped if duration > budget * factor */
	double cause_share;         /* a cause must explain this share of the excess */
	uint32_t baseline_window;   /* frames in the rolling baseline */
	uint32_t baseline_min;      /* frames needed before classifying */
	bool auto_pace;             /* a game steadily slower than the target is judged
				     * against its own pace (pmt_baseline_pace()) */
};

#define PMT_PACE_MIN_FRAMES 10  /* baseline frames needed to see a pace; with auto_pace,
				 * no drop is called before */
#define PMT_PACE_SPREAD 0.05    /* p10 and p90 within this share of the median */
#define PMT_PACE_OVER 1.1       /* a pace this much slower than the target's budget */
/* A slow frame is a time spike only when it is rare: at most this share of
 * the recent frames (spikes included, at least PMT_RHYTHM_MIN of them) lasted
 * halfway from the baseline to it or longer (a hitch every 5th frame or rarer
 * stays a spike). A game that presents twice a loop (angrydd:
 * 0.3 ms, 16.6 ms, 0.3 ms, ...) or that has slowed down for good has slow
 * frames as its rhythm, not as spikes. */
#define PMT_RHYTHM_SHARE 0.25
#define PMT_RHYTHM_MIN 8

/*
 * Fill @cfg with the documented defaults: 60 fps, threshold 0.1, floor
 * 1 MiB, time_floor_ns 0 (so the time floor is half the frame budget),
 * drop_factor 1.25, cause_share 0.5, window 60, baseline_min 4.
 */
void pmt_analysis_config_default(struct pmt_analysis_config *cfg);

/* ---- frame history ring ------------------------------------------------ */

struct pmt_frame_ring {
	struct pmt_frame *frames;
	size_t cap;
	size_t len;
	size_t head;    /* slot of the next push */
	uint64_t total; /* frames ever pushed */
};

/* Allocate room for @cap frames (cap >= 1). Returns 0 or -ENOMEM/-EINVAL. */
int pmt_frame_ring_init(struct pmt_frame_ring *ring, size_t cap);
/* Release the storage; accepts a zeroed or already freed ring. */
void pmt_frame_ring_free(struct pmt_frame_ring *ring);
/* Copy @f in, evicting the oldest frame when full. */
void pmt_frame_ring_push(struct pmt_frame_ring *ring, const struct pmt_frame *f);
/* The @i-th oldest frame kept (0 = oldest), or NULL when i >= len. */
const struct pmt_frame *pmt_frame_ring_get(const struct pmt_frame_ring *ring, size_t i);

/* ---- rolling baseline --------------------------------------------------- */

/*
 * Medians of frame duration and memory growth over the last @window
 * frames that were not spikes, so one spike does not raise the baseline.
 */
struct pmt_baseline {
	uint64_t *durations;
	int64_t *growths;
	uint64_t *sorted_dur;    /* the window's durations, sorted */
	uint64_t *sorted_growth; /* its growths as sign-flipped u64, sorted */
	uint32_t window;
	uint32_t len;
	uint32_t head;
	/* Every recent frame's duration, spikes included (the baseline keeps
	 * spikes out): how common a slow frame is in the game's rhythm. */
	uint64_t *recent;
	uint32_t rlen, rhead;
};

int pmt_baseline_init(struct pmt_baseline *b, uint32_t window);
/* The @k-th smallest of @n values (k < n), reordering @v: quickselect. */
uint64_t pmt_select_u64(uint64_t *v, size_t n, size_t k);
void pmt_baseline_free(struct pmt_baseline *b);
/* Add a frame's duration and RSS growth. */
void pmt_baseline_add(struct pmt_baseline *b, uint64_t duration_ns, int64_t growth);
uint32_t pmt_baseline_count(const struct pmt_baseline *b);
/* Medians; 0 when empty. */
uint64_t pmt_baseline_duration(const struct pmt_baseline *b);
/*
 * The game's own frame pace: the median duration when the baseline holds at
 * least PMT_PACE_MIN_FRAMES frames whose 10th and 90th percentiles are
 * within PMT_PACE_SPREAD of it (a game capping itself, e.g. Clock.tick(40));
 * else 0.
 */
uint64_t pmt_baseline_pace(const struct pmt_baseline *b);
int64_t pmt_baseline_growth(const struct pmt_baseline *b);
/* Note a frame's duration in the recent window (every non-partial frame of the game). */
void pmt_baseline_note(struct pmt_baseline *b, uint64_t duration_ns);
/* Recent frames noted, and how many of them lasted at least @ns. */
uint32_t pmt_baseline_recent(const struct pmt_baseline *b);
uint32_t pmt_baseline_recent_at_least(const struct pmt_baseline *b, uint64_t ns);

/* ---- classification ----------------------------------------------------- */

/*
 * Decide spike, dropped and cause for @f against the baseline as it stands
 * before @f, then feed @f to the baseline unless it is a spike or partial.
 * Rules (documented in docs/measurements.md):
 *  memory spike: growth - max(base_growth, 0) * (1 + threshold) >= floor,
 *                growth being rss_delta_bytes, or peak_growth_bytes when
 *                that is positive and larger (a peak within the frame)
 *  time spike:   duration > base * (1 + threshold) and
 *                duration - base >= max(time_floor, budget / 2)
 *  (no spike of either kind until the baseline holds baseline_min frames)
 *  dropped:      duration > budget * drop_factor
 *  cause:        excess = duration - min(base, budget), base = budget while
 *                the baseline is warming up; memory is the cause when
 *                gc_ns (if timed) + fault_ns covers cause_share of the
 *                excess: gc if gc_ns >= fault_ns, else heap_growth if the
 *                frame is a memory spike (or mapped - unmapped + brk growth
 *                reaches the floor), else page_faults. Otherwise none,
 *                except that without GC timing a collection of generation
 *                1 or 2 in the frame counts as gc.
 *  profiler:     a frame the profiler acted in (prof != 0) is never the
 *                game's time spike nor the game's drop: its slowness is
 *                prof_slow, a drop gets cause profiler, prof_cost_ns is its
 *                duration above the normal one, and it stays out of the
 *                baseline. Its memory spike stays the game's.
 */
void pmt_frame_classify(const struct pmt_analysis_config *cfg, struct pmt_baseline *b,
			struct pmt_frame *f);

/*
 * The time a frame spent handling @faults page faults: @faults times
 * @ns_per_fault (the measured cost of one), or the thread's kernel time
 * @sys_ns in the frame when that is larger, counted up to @cap_ns per fault
 * (so a frame's system calls are not taken for fault handling). The rule
 * behind fault_ns (see session.h).
 */
uint64_t pmt_fault_time_estimate(uint64_t faults, uint64_t sys_ns, double ns_per_fault,
				 uint64_t cap_ns);

/* "gc", "page_faults", "heap_growth" or NULL for PMT_CAUSE_NONE. */
const char *pmt_cause_name(enum pmt_cause c);

/* ---- summaries ---------------------------------------------------------- */

/*
 * Log-linear histogram of durations for whole-run percentiles: values below
 * 128 are exact, each power of two above is cut into 128 equal buckets, so
 * a reported value is at most 1/128 (0.8 %) above the truth up to 2^40 ns
 * (about 1100 s); larger values share the last bucket.
 */
#define PMT_HIST_SUB_BITS 7
#define PMT_HIST_BUCKETS ((40 - PMT_HIST_SUB_BITS + 1) << PMT_HIST_SUB_BITS)
struct pmt_hist {
	uint64_t counts[PMT_HIST_BUCKETS];
	uint64_t n;
	uint64_t max;
};
void pmt_hist_add(struct pmt_hist *h, uint64_t v);
/*
 * Value at quantile q in [0,1]: the upper bound (clamped to the maximum) of
 * the first bucket at which ceil(q * n) samples are reached; exact max for
 * q == 1; 0 when empty.
 */
uint64_t pmt_hist_quantile(const struct pmt_hist *h, double q);

struct pmt_summary {
	uint64_t frames;
	uint64_t first_index;
	uint64_t span_ns; /* from the first frame's start to the last's end */
	double fps;
	uint64_t dur_mean_ns, dur_p50_ns, dur_p95_ns, dur_p99_ns, dur_max_ns;
	uint64_t rss_first_bytes, rss_last_bytes, rss_peak_bytes;
	int64_t rss_growth_bytes;   /* sum of rss_delta_bytes */
	double growth_per_frame;    /* bytes */
	uint64_t minflt, majflt;
	uint64_t mapped_bytes, unmapped_bytes;
	int64_t brk_bytes;
	uint64_t gc_collections[PMT_GENS];
	uint64_t gc_collected;
	uint64_t gc_ns;
	uint64_t gc_timed_frames; /* frames whose gc_ns was measured (GC timing on all of them) */
	uint64_t spikes, spikes_memory, spikes_time;
	uint64_t dropped;   /* the game's drops (cause profiler excluded) */
	uint64_t causes[PMT_CAUSES]; /* dropped frames per enum pmt_cause */
	/* Frames the profiler acted in, counted apart from the game's. */
	uint64_t prof_frames, prof_traced, prof_dropped, prof_slow;
	uint64_t prof_cost_ns;
	/* Frames judged against the game's own pace (auto_pace), and the last pace. */
	uint64_t paced_frames;
	uint64_t pace_ns;
};

/*
 * Running summary: feed frames with pmt_summary_acc_add() and read the
 * result with pmt_summary_acc_get(). Percentiles come from a histogram, so
 * memory stays constant however long the game runs. Partial frames count in
 * frames and in every sum, but not in the duration statistics, and the span
 * (hence fps) starts at the first non-partial frame's start.
 */
struct pmt_summary_acc {
	struct pmt_summary s;
	struct pmt_hist hist;
	uint64_t dur_sum;
	uint64_t start_ns;
	uint64_t span_frames; /* frames ending inside span_ns, for fps */
};
void pmt_summary_acc_reset(struct pmt_summary_acc *acc);
void pmt_summary_acc_add(struct pmt_summary_acc *acc, const struct pmt_frame *f);
void pmt_summary_acc_get(const struct pmt_summary_acc *acc, struct pmt_summary *out);

#endif /* PMTRACE_FRAME_H */
