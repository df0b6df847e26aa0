/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * host.h - the machine the game runs on: OS and architecture, total and
 * available memory, the memory limit of the game's cgroup when it runs in
 * a container, and the game's share of what it may use.
 */
#ifndef PMT_HOST_H
#define PMT_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct pmt_host {
	char os[65], arch[65], kernel[65];
	uint64_t total_bytes;      /* MemTotal */
	uint64_t available_bytes;  /* MemAvailable */
	uint64_t cgroup_limit;     /* memory.max of the game's cgroup, 0 if none */
	uint64_t cgroup_usage;     /* memory.current, 0 if unknown */
	uint64_t game_rss;
	double game_share;         /* game RSS / (cgroup limit or total) */
	bool critical;             /* under 10 % available, or within 10 % of the limit */
};

/* game_rss over the cgroup limit (when below the total) or the total; 0 when unknown. */
double pmt_host_game_share(const struct pmt_host *h);

/* Read the host's state now, for game @pid using @rss bytes. */
int pmt_host_read(pid_t pid, uint64_t rss, struct pmt_host *h);

void pmt_host_text(FILE *f, const struct pmt_host *h);
void pmt_host_json(FILE *f, const struct pmt_host *h);

/* Size of the glibc heap (the [heap] mapping) of @pid, 0 if none. */
uint64_t pmt_native_heap_bytes(pid_t pid);

#endif
