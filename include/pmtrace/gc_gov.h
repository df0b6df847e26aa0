/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gc_gov.h - how much of the game's time timing its garbage collections
 * may cost, and when the timing probes are in.
 *
 * Each timed collection costs the game two probe hits (start and end). A
 * game that collects rarely pays nothing it can feel; a loop that collects
 * every frame at thousands of frames a second would pay more for the
 * timing than for everything else the tool does. The rule: timing may
 * cost at most `budget` of the game's time (default 1 %): estimated cost =
 * collections a second x hits a collection x one hit's measured cost. When
 * the estimate is above the budget the probes are in for ON_NS and out for
 * as long as keeps the average within it (at most MAX_OFF_NS; a duty above
 * 90 % keeps them in); collections
 * are still counted at every frame from the interpreter's own statistics.
 * A frame is timed only when the probes were in for the whole of it.
 */
#ifndef PMTRACE_GC_GOV_H
#define PMTRACE_GC_GOV_H

#include <stdbool.h>
#include <stdint.h>

#define PMT_GC_GOV_BUDGET   0.01                 /* share of the game's time */
#define PMT_GC_GOV_WINDOW   (500ULL * 1000000)   /* rate measured over 0.5 s of frames */
#define PMT_GC_GOV_ON_NS    (100ULL * 1000000)   /* a sampled period's length */
#define PMT_GC_GOV_MAX_OFF  (10ULL * 1000000000) /* longest pause between periods */
#define PMT_GC_GOV_MIN_HIT  200.0                /* ns: no trap costs less (a failed measurement) */
#define PMT_GC_GOV_MAX_HIT  20000.0              /* ns: none costs more; a rate within the budget at
						    this cost needs no measurement */
#define PMT_GC_GOV_SPANS    32

enum pmt_gc_gov_act {
	PMT_GC_GOV_NONE,
	PMT_GC_GOV_MEASURE, /* call pmt_gc_gov_set_hit_ns() with a hit's cost */
	PMT_GC_GOV_ATTACH,  /* put the probes in, then pmt_gc_gov_attached() */
	PMT_GC_GOV_DETACH,  /* take them out (pmt_gc_gov_detached() first) */
};

struct pmt_gc_gov {
	double budget;
	double hits_per_gc;
	double hit_ns;       /* 0: not measured */
	bool on;             /* the probes are in */
	uint64_t since_ns;   /* when they went in or out */
	/* the collection rate */
	uint64_t win_start_ns, win_colls;
	double rate;         /* collections a second over the last window; < 0: none yet */
	/* periods with the probes in: [a, b), b == UINT64_MAX while open */
	struct { uint64_t a, b; } span[PMT_GC_GOV_SPANS];
	unsigned nspan;      /* ring: the last PMT_GC_GOV_SPANS */
	uint64_t periods_off; /* times the probes were taken out */
};

/* Start with the probes in since @now_ns (@on) or out; @hits_per_gc is 2 for start+end probes. */
void pmt_gc_gov_init(struct pmt_gc_gov *g, double budget, double hits_per_gc, bool on,
		     uint64_t now_ns);
/* Whether the probes were in for all of [@start_ns, @end_ns]. */
bool pmt_gc_gov_covers(const struct pmt_gc_gov *g, uint64_t start_ns, uint64_t end_ns);
/* A frame ended at @end_ns with @collections collections in it. */
void pmt_gc_gov_frame(struct pmt_gc_gov *g, uint64_t end_ns, uint64_t collections);
/* What to do now. */
enum pmt_gc_gov_act pmt_gc_gov_tick(struct pmt_gc_gov *g, uint64_t now_ns);
void pmt_gc_gov_set_hit_ns(struct pmt_gc_gov *g, double hit_ns);
/* The probes are in since @now_ns (after they were placed). */
void pmt_gc_gov_attached(struct pmt_gc_gov *g, uint64_t now_ns);
/* The probes are out from @now_ns (before they are removed). */
void pmt_gc_gov_detached(struct pmt_gc_gov *g, uint64_t now_ns);
/* The share of time the probes are kept in at the current rate (1: always). */
double pmt_gc_gov_duty(const struct pmt_gc_gov *g);

#endif /* PMTRACE_GC_GOV_H */
