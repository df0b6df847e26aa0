/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * markers.h - frame-marker candidates and probe sites.
 *
 * A probe site is a (file, offset) pair a uprobe attaches to, chosen so the
 * probe lands on an instruction the kernel emulates: the straight-line
 * entry code before the first push/call/jmp/jcc is skipped (every call runs
 * it exactly once), and a jump-table trampoline (SDL's dynamic API exports every function as
 * `jmp *slot(%rip)`) is followed to the function it jumps to, read from the
 * slot in the target's memory once the library has initialised it.
 */
#ifndef PMT_MARKERS_H
#define PMT_MARKERS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/insn.h"
#include "os/proc.h"

struct pmt_marker_cand {
	const char *lib_prefix; /* basename prefix of the library */
	const char *symbol;
};

/* Auto-detection candidates, most preferred first. */
extern const struct pmt_marker_cand pmt_marker_table[];
extern const int pmt_marker_table_len;

struct pmt_site {
	char map_path[PATH_MAX];  /* library as the target maps it */
	char file[PATH_MAX + 32]; /* attachable path (/proc/PID/root/...) */
	char symbol[128];
	uint64_t offset;          /* file offset of the probe */
	enum pmt_insn_kind insn;  /* instruction at the probe */
	unsigned skipped;         /* bytes of straight-line entry code skipped */
	bool entry_only;          /* keep the probe on the entry (return probes) */
	bool followed;            /* reached through a trampoline's slot */
	bool slot_pending;        /* trampoline whose slot is not yet set */
	uint64_t slot_addr;       /* slot address in the target (trampolines) */
	uint64_t slot_default;    /* slot value before initialisation */
};

/*
 * Resolve @symbol in the library mapped as @map_path in @pid into a cheap
 * probe site, or into the function's first instruction when @entry_only
 * (a return probe must sit there, where the return address is on top of
 * the stack). Returns 0, -ENOENT when the symbol is missing, or -errno.
 */
int pmt_site_resolve(pid_t pid, const struct pmt_maps *maps, const char *map_path,
		     const char *symbol, bool entry_only, struct pmt_site *site);

/*
 * For a site still on a trampoline: re-read the slot. Returns 1 and updates
 * @site when it now points to the real function, 0 when unchanged.
 */
int pmt_site_refresh(pid_t pid, const struct pmt_maps *maps, struct pmt_site *site);

#endif
