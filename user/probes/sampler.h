/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sampler.h - a backend that samples a process instead of probing it: one
 * small ops struct, one file per mechanism (procfs_sampler.c: /proc on
 * Linux). The sampled run (run/sampled_run.c) reads it at a fixed rate and
 * turns the readings into the memory timeline (pmtrace/sample.h). It is
 * what pmtrace-bpf falls back on where BPF cannot run: it needs no
 * privilege for the user's own processes.
 */
#ifndef PMT_SAMPLER_H
#define PMT_SAMPLER_H

#include <sys/types.h>

#include "pmtrace/sample.h"

struct pmt_sampler_ops {
	const char *name; /* as --backend names it, and "backend" in JSON */
	/*
	 * Start sampling process @pid: *@state is the backend's. 0, or -ESRCH
	 * (no such process), -EACCES (not readable by this process), -errno.
	 */
	int (*open)(pid_t pid, void **state);
	/*
	 * One reading, now (ts_ns: CLOCK_MONOTONIC). 0, -ESRCH when the process
	 * has exited (or is a zombie), -errno.
	 */
	int (*read)(void *state, struct pmt_proc_reading *out);
	void (*close)(void *state); /* accepts NULL */
};

extern const struct pmt_sampler_ops pmt_procfs_sampler;

#endif
