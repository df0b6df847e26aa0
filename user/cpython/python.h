/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * python.h - find the CPython runtime in a live process: which file holds
 * it (a shared libpython3.X.so or a statically linked interpreter), its
 * version, and where the cyclic GC keeps its per-generation statistics.
 */
#ifndef PMT_PYTHON_H
#define PMT_PYTHON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "os/proc.h"

#define PMT_PY_MIN_MINOR 8  /* oldest 3.x whose layout pmtrace reads */
#define PMT_PY_MAX_MINOR 13 /* newest 3.x whose layout pmtrace reads */
#define PMT_GC_FUNCS 4

struct pmt_python {
	char map_path[PATH_MAX];  /* runtime file as the target maps it */
	char file[PATH_MAX + 32]; /* the same, reachable from here (/proc/PID/root) */
	bool shared;              /* libpython3.X.so rather than the executable */
	int major, minor, micro;  /* micro -1 when unknown */
	uint64_t runtime_addr;    /* &_PyRuntime in the target */
	uint64_t runtime_size;
	uint64_t gc_stats_addr;   /* &generation_stats[0] in the target, 0 if unknown */
	uint64_t gc_gens_addr;    /* &generations[0] (threshold at +16, count at +20) */
	/* GC timing: file offsets of the collector's main function(s). */
	uint64_t gc_func_off[PMT_GC_FUNCS];
	int n_gc_funcs;
	bool gc_usdt;             /* gc__start/gc__done USDT notes present */
};

/*
 * Identify the CPython runtime of @pid from its @maps. Returns 0 for a
 * supported CPython, -ENOENT when the process is not CPython, -ENOTSUP for
 * a CPython whose version is outside the supported range (@py's version
 * fields say which), or another -errno.
 */
int pmt_python_find(pid_t pid, const struct pmt_maps *maps, struct pmt_python *py);

/*
 * Locate the GC statistics inside the interpreter's state by their shape
 * (the generation list heads followed by the generation0 pointer to the
 * first of them), so no per-build offset table is needed. Returns 0 and
 * sets py->gc_stats_addr, or -EAGAIN while the interpreter is not yet
 * initialised, or -errno.
 */
int pmt_python_resolve_gc(pid_t pid, const struct pmt_maps *maps, struct pmt_python *py);

/* "3.11.2" or "3.10" into @buf. */
void pmt_python_version_str(const struct pmt_python *py, char *buf, size_t len);

#endif
