/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * proc.h - reading a live process through /proc and process_vm_readv:
 * its mappings, its memory and its RSS, without stopping it.
 */
#ifndef PMT_PROC_H
#define PMT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pmt_mapping {
	uint64_t start, end, offset;
	uint64_t inode;
	char perms[5];
	char *path; /* NULL for anonymous mappings */
};

struct pmt_maps {
	struct pmt_mapping *v;
	size_t n;
};

/* Parse /proc/PID/maps. Returns 0, -ESRCH when the process is gone, -errno. */
int pmt_maps_read(pid_t pid, struct pmt_maps *maps);
void pmt_maps_free(struct pmt_maps *maps);

/*
 * First file-backed mapping whose path's basename starts with @prefix
 * (e.g. "libSDL2-2.0.so"), or NULL.
 */
const struct pmt_mapping *pmt_maps_find_lib(const struct pmt_maps *maps, const char *prefix);

/* Mapping holding address @addr, or NULL. */
const struct pmt_mapping *pmt_maps_find_addr(const struct pmt_maps *maps, uint64_t addr);

/*
 * Runtime address of file offset @off of the file mapped as @path, or 0
 * when no mapping of that file covers it.
 */
uint64_t pmt_maps_file_addr(const struct pmt_maps *maps, const char *path, uint64_t off);

/* Copy @len bytes at @addr of the target. Returns 0 or -errno (-EFAULT). */
int pmt_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* True when @pid exists and is not a zombie. */
bool pmt_pid_alive(pid_t pid);

/* The state letter of /proc/PID/stat ('R', 'S', 'T'...), or 0 if gone. */
char pmt_pid_state(pid_t pid);

/* readlink /proc/PID/exe into @buf. */
int pmt_pid_exe(pid_t pid, char *buf, size_t len);

/*
 * /proc/PID/cmdline into @buf, arguments joined by spaces (cut to fit).
 * Returns 0 or -errno (-ESRCH when the process is gone).
 */
int pmt_pid_cmdline(pid_t pid, char *buf, size_t len);

#endif
