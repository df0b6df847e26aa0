/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alloc_sites.h - where trace mode's allocator probes go in one target:
 * the functions its allocator tables point to now (read from its memory),
 * and, in a non-PIE LTO build, every inlined copy of them (found in its
 * code with x86_sites.h).
 */
#ifndef PMT_ALLOC_SITES_H
#define PMT_ALLOC_SITES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/events.h"
#include "pmtrace/insn.h"
#include "os/proc.h"
#include "cpython/python.h"

#define PMT_ALLOC_FILES 8

struct pmt_alloc_plan {
	char files[PMT_ALLOC_FILES][PATH_MAX + 32]; /* reachable from here */
	int nfiles;
	struct pmt_alloc_site site[PMT_ALLOC_SITES]; /* by cookie */
	uint64_t off[PMT_ALLOC_SITES];  /* file offset of each probe */
	uint8_t file[PMT_ALLOC_SITES];  /* index into files */
	bool ret[PMT_ALLOC_SITES];      /* a return probe too (functions) */
	uint32_t n;
	/* What was found, for --verbose and the reports. */
	uint64_t table[3];              /* raw, mem, obj tables in the target */
	uint64_t usedpools;             /* pymalloc's usedpools, when inlined copies need it */
	uint32_t n_funcs, n_inline, n_nosize, n_direct, n_bad;
	uint32_t n_expensive;           /* probes on single-stepped instructions */
};

/*
 * Build the plan for @pid running @py. Returns 0, or -errno with a reason
 * in @why (e.g. the tables could not be found).
 */
int pmt_alloc_plan_build(pid_t pid, const struct pmt_maps *maps, const struct pmt_python *py,
			 struct pmt_alloc_plan *plan, char *why, size_t len);

/*
 * Where to probe function @fn of @pid: on the first emulated instruction
 * before the stack or an argument changes; for a return probe (@ret) only
 * if nothing in the function jumps back there, else on its first
 * instruction. The probe's address, whether its instruction is emulated
 * (not single-stepped), its instruction kind and @fn's mapping; 0 or
 * -ENOENT (not code, unreadable, no place).
 */
int pmt_entry_probe(pid_t pid, const struct pmt_maps *maps, uint64_t fn, bool ret,
		    uint64_t *probe, bool *emulated, enum pmt_insn_kind *insn,
		    const struct pmt_mapping **map);

#endif
