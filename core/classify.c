// SPDX-License-Identifier: BSD-2-Clause
/*
 * classify.c - spikes, drops and their memory-related causes.
 *
 * A spike is a frame that is abnormal for this game (against the rolling
 * baseline); a drop is a frame that missed the target frame rate (against
 * the budget). Only drops get a cause, and a cause is named only when a
 * measured time (GC or fault handling) explains a given share of the time
 * over the normal frame, so a slow frame spent on the CPU stays "none".
 * The exact rules are in frame.h above pmt_frame_classify().
 */
#include <stddef.h>

#include "pmtrace/frame.h"

#define PMT_NS_PER_SEC 1e9

static const char *const cause_names[] = {
	[PMT_CAUSE_NONE] = NULL,
	[PMT_CAUSE_GC] = "gc",
	[PMT_CAUSE_PAGE_FAULTS] = "page_faults",
	[PMT_CAUSE_HEAP_GROWTH] = "heap_growth",
	[PMT_CAUSE_PROFILER] = "profiler",
};

/*
 * pmt_analysis_config_default - fill @cfg with the defaults: 60 fps,
 * spike threshold 0.1, spike floor 1 MiB, time_floor_ns 0 (the effective
 * time floor is never below half the frame budget, 8.33 ms at 60 fps),
 * drop factor 1.25, cause share 0.5, a 60-frame baseline usable from 4.
 */
void pmt_analysis_config_default(struct pmt_analysis_config *cfg)
{
	cfg->target_fps = 60.0;
	cfg->spike_threshold = 0.1;
	cfg->spike_floor_bytes = 1024 * 1024;
	cfg->time_floor_ns = 0;
	cfg->drop_factor = 1.25;
	cfg->cause_share = 0.5;
	cfg->baseline_window = 60;
	cfg->baseline_min = 4;
	cfg->auto_pace = false;
}

/* Oldest generation collected in @f, or -1 (also when GC stats are unknown). */
static int oldest_generation(const struct pmt_frame *f)
{
	int g;

	if (!f->gc_known)
		return -1;
	for (g = PMT_GENS - 1; g >= 0; g--)
		if (f->gc_collections[g] > 0)
			return g;
	return -1;
}

/*
 * Spike bits for @f against a baseline of @base_dur and @base_growth.
 * Doubles keep the arithmetic free of overflow; byte and nanosecond counts
 * below 2^53 are exact in them.
 */
static uint8_t spike_kind(const struct pmt_analysis_config *cfg, double budget,
			  const struct pmt_frame *f, uint64_t base_dur, int64_t base_growth)
{
	double g_base = base_growth > 0 ? (double)base_growth : 0.0;
	int64_t growth = f->peak_growth_bytes > 0 && f->peak_growth_bytes > f->rss_delta_bytes ?
				 f->peak_growth_bytes : f->rss_delta_bytes;
	double grown = (double)growth - g_base;
	double over = (double)f->duration_ns - (double)base_dur;
	double tfloor = budget / 2;
	uint8_t kind = 0;

	if ((double)cfg->time_floor_ns > tfloor)
		tfloor = (double)cfg->time_floor_ns;
	if (grown >= (double)cfg->spike_floor_bytes + g_base * cfg->spike_threshold)
		kind |= PMT_SPIKE_MEMORY;
	if (over > (double)base_dur * cfg->spike_threshold && over >= tfloor)
		kind |= PMT_SPIKE_TIME;
	return kind;
}

/* Net address-space growth of @f reaches the spike floor. */
static bool mapped_growth(const struct pmt_analysis_config *cfg, const struct pmt_frame *f)
{
	double net = (double)f->mapped_bytes - (double)f->unmapped_bytes +
		     (double)f->brk_delta_bytes;

	return net >= (double)cfg->spike_floor_bytes;
}

/*
 * Cause of the dropped frame @f, whose normal duration is @ref ns. Memory
 * is the cause when the time it measurably took (GC pauses plus estimated
 * fault handling) covers cause_share of the excess; the cause named is the
 * larger of the two.
 */
static enum pmt_cause drop_cause(const struct pmt_analysis_config *cfg,
				 const struct pmt_frame *f, double ref)
{
	double need = ((double)f->duration_ns - ref) * cfg->cause_share;
	double gc = f->gc_timed ? (double)f->gc_ns : 0.0;
	double faults = (double)f->fault_ns;

	if (gc + faults > 0 && gc + faults >= need) {
		if (gc >= faults)
			return PMT_CAUSE_GC;
		if ((f->spike_kind & PMT_SPIKE_MEMORY) || mapped_growth(cfg, f))
			return PMT_CAUSE_HEAP_GROWTH;
		return PMT_CAUSE_PAGE_FAULTS;
	}
	/* No GC clock: a full or middle collection is the likely culprit. */
	if (f->gc_known && !f->gc_timed && f->gc_generation >= 1)
		return PMT_CAUSE_GC;
	return PMT_CAUSE_NONE;
}

/*
 * Whether frames as slow as @f are common in the recent frames: more than
 * PMT_RHYTHM_SHARE of them lasted at least halfway from the baseline
 * (@base_dur) to @f.
 */
static bool common_slow(const struct pmt_baseline *b, uint64_t base_dur, const struct pmt_frame *f)
{
	uint32_t n = pmt_baseline_recent(b);
	uint64_t like = base_dur + (f->duration_ns - base_dur) / 2;

	return n >= PMT_RHYTHM_MIN &&
	       (double)pmt_baseline_recent_at_least(b, like) > PMT_RHYTHM_SHARE * n;
}

/*
 * pmt_frame_classify - fill the classification fields of @f and feed the
 * baseline @b (see frame.h for the rules).
 *
 * The budget is 1e9 / target_fps ns; a target_fps <= 0 disables drops.
 * gc_generation is set for every frame, partial ones included. A partial
 * frame is never a spike nor a drop and never enters the baseline. Until
 * @b holds max(baseline_min, 1) frames no frame is a spike, drops are
 * still decided, with the budget as the normal duration for the cause,
 * and every non-partial frame enters @b. After that, spikes stay out of
 * @b so they cannot raise it. A cause is only named for a drop, and a
 * measured time must be positive to be a cause. gc_ns is trusted when
 * gc_timed (GC time is measured even when the interpreter's counters are
 * not); the generation fallback needs gc_known and !gc_timed.
 */
void pmt_frame_classify(const struct pmt_analysis_config *cfg, struct pmt_baseline *b,
			struct pmt_frame *f)
{
	double budget = cfg->target_fps > 0 ? PMT_NS_PER_SEC / cfg->target_fps : 0.0;
	uint32_t n = pmt_baseline_count(b);
	bool warm = n > 0 && n >= cfg->baseline_min;
	uint64_t base_dur = 0;
	double ref = budget;
	bool judge;

	f->spike = false;
	f->spike_kind = 0;
	f->dropped = false;
	f->prof_cost_ns = 0;
	f->prof_slow = false;
	f->cause = PMT_CAUSE_NONE;
	f->paced = false;
	f->gc_generation = oldest_generation(f);
	if (warm && budget > 0 && cfg->auto_pace) {
		/* A game steadily slower than the target paces itself (it caps its
		 * own rate): its frames are judged against that pace. */
		uint64_t pace = pmt_baseline_pace(b);

		if ((double)pace > budget * PMT_PACE_OVER) {
			budget = (double)pace;
			ref = budget;
			f->paced = !f->partial;
		}
	}
	/* Judged against its own pace, a game's first frames (before the
	 * baseline could show one) cannot be judged: no drop is called then. */
	judge = !(cfg->auto_pace && n < PMT_PACE_MIN_FRAMES);
	f->budget_ns = judge ? (uint64_t)budget : 0;
	if (f->partial)
		return;

	if (warm) {
		base_dur = pmt_baseline_duration(b);
		f->spike_kind = spike_kind(cfg, budget, f, base_dur, pmt_baseline_growth(b));
		if ((f->spike_kind & PMT_SPIKE_TIME) && common_slow(b, base_dur, f))
			f->spike_kind &= (uint8_t)~PMT_SPIKE_TIME; /* the game's rhythm */
		f->spike = f->spike_kind != 0;
		if ((double)base_dur < ref)
			ref = (double)base_dur;
	}
	f->dropped = judge && budget > 0 && (double)f->duration_ns > budget * cfg->drop_factor;
	if (f->prof) {
		/* The profiler's doing, never the game's: counted apart. */
		f->prof_cost_ns = (double)f->duration_ns > ref ? (uint64_t)((double)f->duration_ns - ref) :
								0;
		f->prof_slow = (f->spike_kind & PMT_SPIKE_TIME) != 0;
		f->spike_kind &= (uint8_t)~PMT_SPIKE_TIME;
		f->spike = f->spike_kind != 0;
		if (f->dropped)
			f->cause = PMT_CAUSE_PROFILER;
		return;
	}
	if (f->dropped)
		f->cause = drop_cause(cfg, f, ref);
	pmt_baseline_note(b, f->duration_ns);
	if (!f->spike)
		pmt_baseline_add(b, f->duration_ns, f->rss_delta_bytes);
}

/*
 * pmt_cause_name - the stable name of @c used in reports and JSON:
 * "gc", "page_faults", "heap_growth"; NULL for PMT_CAUSE_NONE or an
 * unknown value.
 */
const char *pmt_cause_name(enum pmt_cause c)
{
	if ((unsigned int)c >= sizeof(cause_names) / sizeof(cause_names[0]))
		return NULL;
	return cause_names[c];
}

/* pmt_fault_time_estimate - see frame.h: the larger of the fault-cost and the capped kernel-time estimates. */
uint64_t pmt_fault_time_estimate(uint64_t faults, uint64_t sys_ns, double ns_per_fault,
				 uint64_t cap_ns)
{
	uint64_t est = (uint64_t)((double)faults * ns_per_fault);
	uint64_t cap = faults * cap_ns;
	uint64_t kern = sys_ns < cap ? sys_ns : cap;

	return kern > est ? kern : est;
}
