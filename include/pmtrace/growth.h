/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * growth.h - growth sites: which code made memory grow, per frame and over
 * a run.
 *
 * The kernel attributes page faults (first touches of memory) and the bytes
 * of mmap/mremap/brk growth to the Python stack current at the time. The
 * caller names each stack by a site id (equal names, equal ids) and feeds
 * samples here; these functions merge them by site and pick the sites to
 * show. Pure C: no I/O, no clock, no globals, no BPF.
 */
#ifndef PMTRACE_GROWTH_H
#define PMTRACE_GROWTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Growth attributed to one site (a sample, or a merged total). */
struct pmt_growth_sample {
	uint64_t faults;       /* page faults on user addresses */
	uint64_t mapped_bytes; /* mmap + mremap growth + brk growth */
	uint64_t frames;       /* frames the site grew in (merged totals only) */
	uint32_t site;         /* the caller's id; any value is valid */
	bool partial;          /* the stack was truncated or partly unreadable */
};

/* A site as reports show it. */
struct pmt_growth_site {
	uint64_t faults;
	uint64_t fault_bytes;  /* faults x page size: bytes touched for the first time */
	uint64_t mapped_bytes;
	uint64_t frames;
	uint32_t site;
	bool partial;
};

/* Samples merged by site. A zeroed struct is an empty table. */
struct pmt_growth_acc {
	struct pmt_growth_sample *v; /* one per site, in order of first sight */
	size_t n, cap;
	uint32_t *slots;             /* open addressing: index + 1, 0 empty */
	size_t nslots;               /* power of two, or 0 */
};

void pmt_growth_acc_init(struct pmt_growth_acc *a);
void pmt_growth_acc_free(struct pmt_growth_acc *a);
/* Forget every site, keeping the memory. */
void pmt_growth_acc_reset(struct pmt_growth_acc *a);

/*
 * Add @s to its site's total (sums; partial is or-ed; frames is added).
 * Returns 0 or -ENOMEM (the table is unchanged then).
 */
int pmt_growth_acc_add(struct pmt_growth_acc *a, const struct pmt_growth_sample *s);

/*
 * Add every site of @frame (one frame's merged samples) to @run, counting
 * one frame for each site that grew. 0 or -ENOMEM (sites added before the
 * failure stay added).
 */
int pmt_growth_acc_merge_frame(struct pmt_growth_acc *run, const struct pmt_growth_acc *frame);

/*
 * The sites to show: the @top_n largest by fault bytes and the @top_n
 * largest by mapped bytes, each once, ordered by fault bytes, then mapped
 * bytes, descending, then by site id ascending. Sites with neither faults
 * nor mapped bytes are never shown. Writes at most 2 x @top_n sites to
 * @out and returns how many.
 */
size_t pmt_growth_top(const struct pmt_growth_acc *a, uint64_t page_size, size_t top_n,
		      struct pmt_growth_site *out);

#endif /* PMTRACE_GROWTH_H */
