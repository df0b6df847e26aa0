/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_priv.h - what the platform modules share: platform.c (profiles,
 * fit, advice: portable) and platform_json.c (the data file parser, json-c,
 * linked by the eBPF tool only).
 */
#ifndef PMTRACE_PLATFORM_PRIV_H
#define PMTRACE_PLATFORM_PRIV_H

#include <stdint.h>

#include "pmtrace/category.h"
#include "pmtrace/platform.h"

#define ALL_CATS ((uint32_t)((1u << PMT_CAT_COUNT) - 1))
#define CAT_BIT(c) (1u << (c))
#define RGBA8_BPP_X100 3200u

/* @a * @b / @c without intermediate overflow; saturates below PMT_BYTES_UNKNOWN. */
static inline uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
	if (c == 0)
		return 0;
#ifdef __SIZEOF_INT128__
	{
		unsigned __int128 r = (unsigned __int128)a * b / c;

		return r >= PMT_BYTES_UNKNOWN ? PMT_BYTES_UNKNOWN - 1 : (uint64_t)r;
	}
#else
	{
		long double r = (long double)a * (long double)b / (long double)c;

		if (r >= (long double)(PMT_BYTES_UNKNOWN - 1))
			return PMT_BYTES_UNKNOWN - 1;
		return (uint64_t)r;
	}
#endif
}

#endif /* PMTRACE_PLATFORM_PRIV_H */
