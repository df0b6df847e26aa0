// SPDX-License-Identifier: BSD-2-Clause
/*
 * pyheap.c - pymalloc's arenas in a live interpreter: recognising its
 * state by shape and counting the arenas it holds (see pyheap.h). Every
 * check is a shape the interpreter itself maintains, so a wrong address
 * (a stale symbol, a misdecoded instruction) is refused, not measured.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/pyheap.h"

#define MEASURE_TRIES 4

int pmt_pyheap_geometry(int major, int minor, uint64_t *arena_size, uint64_t *pool_size)
{
	if (major != 3 || minor < 8 || minor > 13)
		return -ENOTSUP;
	/* 3.10 added the radix tree, and with it large arenas and pools. */
	*arena_size = minor >= 10 ? 1u << 20 : 1u << 18;
	*pool_size = minor >= 10 ? 1u << 14 : 1u << 12;
	return 0;
}

static bool plausible(uint64_t p)
{
	return p >= 0x10000 && p < (1ULL << 47);
}

bool pmt_pyheap_used_shape(const uint64_t *ent, uint64_t addr, uint64_t pool_size)
{
	int i;

	for (i = 0; i < PMT_PYHEAP_USED_ENTRIES / 2; i++) {
		uint64_t n = ent[2 * i], p = ent[2 * i + 1], head = addr + 16 * (uint64_t)i - 16;

		if (n == head || p == head) {
			if (n != p)
				return false;
			continue;
		}
		if (!plausible(n) || !plausible(p) || ((n | p) & (pool_size - 1)))
			return false;
	}
	return true;
}

long pmt_pyheap_scan_used(const uint8_t *buf, size_t len, uint64_t base, uint64_t pool_size,
			  size_t from)
{
	uint64_t ent[PMT_PYHEAP_USED_ENTRIES];
	size_t o;

	for (o = (from + 7) & ~(size_t)7; o + PMT_PYHEAP_USED_BYTES <= len; o += 8) {
		uint64_t first;

		/* Cheap filter first: class 0's nextpool is its head or a pool. */
		memcpy(&first, buf + o, 8);
		if (first != base + o - 16 && (!plausible(first) || (first & (pool_size - 1))))
			continue;
		memcpy(ent, buf + o, sizeof(ent));
		if (pmt_pyheap_used_shape(ent, base + o, pool_size))
			return (long)o;
	}
	return -1;
}

int pmt_pyheap_check_used(pmt_pyheap_read_fn rd, void *ctx, uint64_t addr, uint64_t pool_size,
			  unsigned int *nused)
{
	uint64_t ent[PMT_PYHEAP_USED_ENTRIES], prev, next;
	unsigned int n = 0;
	int i, err;

	err = rd(ctx, addr, ent, sizeof(ent));
	if (err)
		return err;
	if (!pmt_pyheap_used_shape(ent, addr, pool_size))
		return -ENOENT;
	for (i = 0; i < PMT_PYHEAP_USED_ENTRIES / 2; i++) {
		uint64_t head = addr + 16 * (uint64_t)i - 16;

		if (ent[2 * i] == head)
			continue;
		err = rd(ctx, ent[2 * i] + PMT_PYHEAP_POOL_PREVPOOL, &prev, sizeof(prev));
		if (!err)
			err = rd(ctx, ent[2 * i + 1] + PMT_PYHEAP_POOL_NEXTPOOL, &next, sizeof(next));
		if (err)
			return err == -EFAULT ? -ENOENT : err;
		if (prev != head || next != head)
			return -ENOENT;
		n++;
	}
	if (nused)
		*nused = n;
	return 0;
}

int pmt_pyheap_check_arenas(pmt_pyheap_read_fn rd, void *ctx, const struct pmt_pyheap_layout *l)
{
	uint64_t ent[PMT_PYHEAP_USED_ENTRIES], arenas;
	uint32_t maxarenas, idx;
	int i, err, checked = 0;

	if ((err = rd(ctx, l->usedpools, ent, sizeof(ent))) ||
	    (err = rd(ctx, l->arenas_addr, &arenas, sizeof(arenas))) ||
	    (err = rd(ctx, l->maxarenas_addr, &maxarenas, sizeof(maxarenas))))
		return err;
	if (maxarenas > PMT_PYHEAP_MAX_ARENAS || (maxarenas && !plausible(arenas)))
		return -ENOENT;
	for (i = 0; i < PMT_PYHEAP_USED_ENTRIES; i++) {
		uint64_t pool = ent[i], ao[PMT_PYHEAP_ARENA_OBJ / 8];
		uint32_t nfree, ntotal;

		/* Each used class's first and last pool. */
		if (pool == l->usedpools + 16 * (uint64_t)(i / 2) - 16 || (i & 1 && pool == ent[i - 1]))
			continue;
		err = rd(ctx, pool + PMT_PYHEAP_POOL_ARENAINDEX, &idx, sizeof(idx));
		if (err)
			return err == -EFAULT ? -ENOENT : err;
		if (idx >= maxarenas)
			return -ENOENT;
		err = rd(ctx, arenas + (uint64_t)idx * PMT_PYHEAP_ARENA_OBJ, ao, sizeof(ao));
		if (err)
			return err == -EFAULT ? -ENOENT : err;
		memcpy(&nfree, (uint8_t *)ao + 16, 4);
		memcpy(&ntotal, (uint8_t *)ao + 20, 4);
		if (!ao[0] || pool < ao[0] || pool >= ao[0] + l->arena_size ||
		    ntotal > l->arena_size / l->pool_size || nfree > ntotal)
			return -ENOENT;
		checked++;
	}
	return checked ? 0 : -EAGAIN;
}

uint64_t pmt_pyheap_count(const uint8_t *arenas, uint32_t n)
{
	uint64_t c = 0, a;
	uint32_t i;

	for (i = 0; i < n; i++) {
		memcpy(&a, arenas + (size_t)i * PMT_PYHEAP_ARENA_OBJ, 8);
		c += a != 0;
	}
	return c;
}

int pmt_pyheap_measure(pmt_pyheap_read_fn rd, void *ctx, const struct pmt_pyheap_layout *l,
		       uint8_t **buf, size_t *cap, uint64_t *bytes)
{
	uint64_t arenas, again;
	uint32_t maxarenas, max2;
	int t, err, aerr;

	for (t = 0; t < MEASURE_TRIES; t++) {
		size_t need;

		if ((err = rd(ctx, l->arenas_addr, &arenas, sizeof(arenas))) ||
		    (err = rd(ctx, l->maxarenas_addr, &maxarenas, sizeof(maxarenas))))
			return err;
		if (maxarenas > PMT_PYHEAP_MAX_ARENAS || (maxarenas && !arenas))
			return -ENOENT;
		if (!maxarenas) {
			*bytes = 0; /* nothing allocated yet, or pymalloc not in use */
			return 0;
		}
		need = (size_t)maxarenas * PMT_PYHEAP_ARENA_OBJ;
		if (need > *cap) {
			uint8_t *n = realloc(*buf, need);

			if (!n)
				return -ENOMEM;
			*buf = n;
			*cap = need;
		}
		aerr = rd(ctx, arenas, *buf, need);
		if (aerr && aerr != -EFAULT)
			return aerr;
		if ((err = rd(ctx, l->arenas_addr, &again, sizeof(again))) ||
		    (err = rd(ctx, l->maxarenas_addr, &max2, sizeof(max2))))
			return err;
		if (again != arenas || max2 != maxarenas)
			continue; /* the array moved while we read it */
		if (aerr)
			return aerr;
		*bytes = pmt_pyheap_count(*buf, maxarenas) * l->arena_size;
		return 0;
	}
	return -EAGAIN;
}
