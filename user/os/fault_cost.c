// SPDX-License-Identifier: BSD-2-Clause
/*
 * fault_cost.c - measure the cost of a first-touch anonymous page fault
 * in this process (a few milliseconds at start-up).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "os/fault_cost.h"

#define TRIALS 3
#define BYTES (1u << 20) /* 256 pages a trial */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double pmt_fault_cost_ns(void)
{
	long page = sysconf(_SC_PAGESIZE);
	double v[TRIALS];
	int t;

	for (t = 0; t < TRIALS; t++) {
		struct timespec a, b;
		volatile char *p;
		size_t off;

		p = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1000.0; /* a conservative microsecond */
		madvise((void *)p, BYTES, MADV_NOHUGEPAGE);
		/* Wall time: what a fault costs a frame on this machine now, the
		 * hypervisor's share and the machine's load included. */
		clock_gettime(CLOCK_MONOTONIC, &a);
		/* Write whole pages, as a program filling new memory does. */
		for (off = 0; off < BYTES; off += sizeof(long))
			*(volatile long *)(p + off) = 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		munmap((void *)p, BYTES);
		v[t] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (BYTES / page);
	}
	qsort(v, TRIALS, sizeof(v[0]), cmp_double);
	return v[TRIALS / 2];
}
