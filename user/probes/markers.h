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

/* Auto-detection candidates: the presenting functions of the libraries. */
extern const struct pmt_marker_cand pmt_marker_table[];
extern const int pmt_marker_table_len;

/*
 * Engine-level presenters: Python functions implemented in C that a game
 * calls to present (pygame's display.flip() and display.update()). They
 * are static functions, found through the extension module's own tables:
 * its PyInit_ function names its PyModuleDef, whose m_methods array gives
 * each method's C function (read from the file and its relocations, so it
 * works before the dynamic linker has relocated the module).
 */
struct pmt_engine_module {
	const char *path_part; /* part of the module file's path */
	const char *init;      /* its PyInit_ function */
	const char *module;    /* m_name of its PyModuleDef */
	const char *prefix;    /* how Python code names its functions */
	const char *methods[4]; /* the presenting methods, NULL-terminated */
};
extern const struct pmt_engine_module pmt_engine_table[];
extern const int pmt_engine_table_len;

struct pmt_engine_fn {
	char name[64];  /* e.g. "pygame.display.flip" */
	uint64_t vaddr; /* the C function (ml_meth), a virtual address of the file */
};

/*
 * The presenting methods of engine module @em found in @file (an
 * attachable path). Returns how many were written to @out (at most @max),
 * or -errno (-ENOENT: not this module's tables).
 */
int pmt_engine_presenters(const char *file, const struct pmt_engine_module *em,
			  struct pmt_engine_fn *out, int max);

struct pmt_site {
	char map_path[PATH_MAX];  /* library as the target maps it */
	char file[PATH_MAX + 32]; /* attachable path (/proc/PID/root/...) */
	char symbol[128];
	char probe_path[PATH_MAX]; /* library the probe sits in (a forwarder's target) */
	uint64_t entry_addr;      /* the probed function's entry, in the target */
	uint64_t probe_addr;      /* the probe's address, in the target */
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
 * A probe site for the function at file virtual address @vaddr of the
 * library mapped as @map_path (engine presenters: static functions),
 * named @name. Returns 0 or -errno.
 */
int pmt_site_at(pid_t pid, const struct pmt_maps *maps, const char *map_path, uint64_t vaddr,
		const char *name, struct pmt_site *site);

/*
 * For a site still on a trampoline: re-read the slot. Returns 1 and updates
 * @site when it now points to the real function, 0 when unchanged.
 */
int pmt_site_refresh(pid_t pid, const struct pmt_maps *maps, struct pmt_site *site);

#endif
