/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clock.h - the tool's one clock: CLOCK_MONOTONIC in ns, the clock the
 * kernel stamps frame records with (bpf_ktime_get_ns).
 */
#ifndef PMT_OS_CLOCK_H
#define PMT_OS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pmt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* PMT_OS_CLOCK_H */
