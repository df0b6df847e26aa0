/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * osmem.h - the Python extension's one platform layer: the process's
 * resident memory, its peak and page faults, the system's memory, and a
 * monotonic clock, on Linux (/proc, getrusage), macOS (task_info, sysctl,
 * host_statistics64) and Windows (GetProcessMemoryInfo,
 * GlobalMemoryStatusEx, QueryPerformanceCounter). Plain C, no Python: the
 * Windows cross-compile check (make cross-windows) builds it with mingw-w64.
 *
 * Every reader returns 0 or a negative errno and never blocks for long; a
 * field a platform cannot give is 0 and its *_known flag false.
 */
#ifndef PMT_OSMEM_H
#define PMT_OSMEM_H

#include <stdbool.h>
#include <stdint.h>

/* Per-process reader state (Linux keeps /proc/self/statm open). */
struct pmt_os {
	int statm_fd; /* Linux: -1 when closed */
	uint64_t page_size;
};

struct pmt_os_proc {
	uint64_t rss_bytes;      /* resident now: Linux RSS, macOS phys_footprint, Windows working set */
	uint64_t peak_rss_bytes; /* the process's lifetime peak of the same measure */
	uint64_t minflt;         /* process page faults served without I/O (Windows: all faults) */
	uint64_t majflt;         /* faults that needed I/O (0 on Windows) */
};

struct pmt_os_thread {
	uint64_t minflt, majflt; /* the calling thread's faults (the process's off Linux) */
	uint64_t sys_ns;         /* the calling thread's kernel time (tick-sampled on Linux) */
	bool per_thread;         /* true when the fault counts are the thread's own */
};

struct pmt_os_system {
	uint64_t total_bytes;     /* physical memory */
	uint64_t available_bytes; /* what new allocations can get without swapping */
};

/* Open the reader state. Returns 0 or -errno (@os is then still safe to close). */
int pmt_os_open(struct pmt_os *os);
/* Release it; accepts a closed or zeroed-and-opened-failed state. */
void pmt_os_close(struct pmt_os *os);

/* The process's memory and faults now. */
int pmt_os_process(struct pmt_os *os, struct pmt_os_proc *out);
/* The calling thread's faults and kernel time now. */
int pmt_os_thread(struct pmt_os_thread *out);
/*
 * Both at once, cheaper: @proc's resident and peak bytes (its fault counts
 * are left 0) and @th. On Linux one pread of statm and one
 * getrusage(RUSAGE_THREAD), whose ru_maxrss is the process's peak.
 */
int pmt_os_sample(struct pmt_os *os, struct pmt_os_proc *proc, struct pmt_os_thread *th);
/* The system's memory now. */
int pmt_os_system(struct pmt_os_system *out);
/* Monotonic nanoseconds (never goes back; the origin is unspecified). */
uint64_t pmt_os_now_ns(void);
/* "linux", "macos", "windows" or "unknown": the OS this was built for. */
const char *pmt_os_name(void);
/* The page size, in bytes. */
uint64_t pmt_os_page_size(void);

#endif /* PMT_OSMEM_H */
