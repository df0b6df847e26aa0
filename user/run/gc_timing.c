// SPDX-License-Identifier: BSD-2-Clause
/*
 * gc_timing.c - the GC timing probes and their governor; see gc_timing.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probes/bpf_backend.h"
#include "run/gc_timing.h"
#include "os/clock.h"

#define GC_DETACH_TAIL_NS 5000000ULL

/* --verbose lines, as the tracer's other controllers print them. */
#define say(g, fmt, ...)                                                              \
	do {                                                                          \
		if ((g)->verbose)                                                     \
			fprintf(stderr, "pmtrace: " fmt "\n", ##__VA_ARGS__);         \
	} while (0)

/* Place the probes the way start-up found; 0 or -errno. */
static int place(struct pmt_gc_timing *g, struct pmt_bpf *b)
{
	int i, err = -ENOENT;

	if (!strcmp(g->how, "usdt"))
		return pmt_bpf_attach_gc_usdt(b, g->file);
	for (i = 0; i < g->n_off; i++) {
		err = pmt_bpf_attach_gc_uprobe(b, g->file, g->off[i]);
		if (err)
			break;
	}
	return err;
}

void pmt_gc_timing_start(struct pmt_gc_timing *g, struct pmt_bpf *b, const struct pmt_python *py,
			 bool off, struct pmt_prof_log *prof, bool verbose)
{
	uint64_t now = pmt_mono_ns();
	int i;

	memset(g, 0, sizeof(*g));
	g->how = "none";
	g->prof = prof;
	g->verbose = verbose;
	if (off) {
		say(g, "gc timing: off (--no-gc-timing)");
		pmt_gc_gov_init(&g->gov, PMT_GC_GOV_BUDGET, 2, false, now);
		return;
	}
	snprintf(g->file, sizeof(g->file), "%s", py->file);
	if (!pmt_bpf_attach_gc_usdt(b, g->file)) {
		g->how = "usdt";
	} else {
		for (i = 0; i < py->n_gc_funcs && i < PMT_GC_FUNCS; i++) {
			if (pmt_bpf_attach_gc_uprobe(b, g->file, py->gc_func_off[i]))
				break;
			g->off[g->n_off++] = py->gc_func_off[i];
			g->how = "uprobe";
		}
	}
	pmt_gc_gov_init(&g->gov, PMT_GC_GOV_BUDGET, 2, strcmp(g->how, "none") != 0, pmt_mono_ns());
	say(g, "gc timing: %s", g->how);
}

bool pmt_gc_timing_covers(const struct pmt_gc_timing *g, uint64_t start_ns, uint64_t end_ns)
{
	return pmt_gc_gov_covers(&g->gov, start_ns, end_ns);
}

void pmt_gc_timing_frame(struct pmt_gc_timing *g, const struct pmt_frame *f)
{
	uint64_t n = 0;
	int i;

	if (!f->gc_known || f->partial)
		return;
	for (i = 0; i < PMT_GENS; i++)
		n += f->gc_collections[i];
	pmt_gc_gov_frame(&g->gov, f->ts_ns, n);
}

void pmt_gc_timing_tick(struct pmt_gc_timing *g, struct pmt_bpf *b, uint64_t now_ns)
{
	uint64_t t0, t1;
	double hit;
	int err;

	if (!strcmp(g->how, "none"))
		return;
	switch (pmt_gc_gov_tick(&g->gov, now_ns)) {
	case PMT_GC_GOV_MEASURE:
		hit = pmt_bpf_measure_hit_ns(b);
		pmt_gc_gov_set_hit_ns(&g->gov, hit);
		say(g, "gc timing: %.0f collections a second; a probe hit costs %.2f us%s; "
		       "timing kept in %.1f %% of the time", g->gov.rate, g->gov.hit_ns / 1e3,
		    hit < 0 ? " (not measured: the floor taken)" : "",
		    100 * pmt_gc_gov_duty(&g->gov));
		break;
	case PMT_GC_GOV_DETACH:
		t0 = pmt_mono_ns();
		pmt_gc_gov_detached(&g->gov, t0);
		pmt_bpf_detach_gc(b);
		/* Removing these two showed no stall in the game (placing them
		 * did, 0.2-4 ms): a short tail for the background removal. */
		pmt_prof_log_add(g->prof, t0, pmt_mono_ns() + GC_DETACH_TAIL_NS);
		break;
	case PMT_GC_GOV_ATTACH:
		t0 = pmt_mono_ns();
		pmt_bpf_gc_valid_from(b, t0);
		err = place(g, b);
		t1 = pmt_mono_ns();
		pmt_prof_log_add(g->prof, t0, t1);
		if (err) {
			say(g, "gc timing: cannot place the probes again (%s): off", strerror(-err));
			pmt_bpf_detach_gc(b);
			g->how = "none";
			break;
		}
		pmt_gc_gov_attached(&g->gov, t1);
		break;
	default:
		break;
	}
}
