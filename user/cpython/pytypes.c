// SPDX-License-Identifier: BSD-2-Clause
/*
 * pytypes.c - type objects of a live CPython process (see pytypes.h).
 *
 * PyTypeObject's public fields sit at the same offsets in 3.8-3.13 on
 * x86-64 (events.h names the ones the BPF side reads). What follows them
 * in a heap type does not: __qualname__'s offset in PyHeapTypeObject,
 * measured with ctypes on each version, is in heap_qualname(). A type's
 * dict is a combined table whose layout changed in 3.11: entries of
 * {hash, key, value} after an index table of dk_size 1-8 byte slots
 * (3.8-3.10), or of {key, value} for str-only tables after 2^log2 bytes
 * of index (3.11+).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/pystack.h"
#include "cpython/pytypes.h"
#include "os/proc.h"
#include "pmtrace/events.h"
#include "pmtrace/pools.h"
#include "pmtrace/pyheap.h"

#define DICT_KEYS 32          /* PyDictObject.ma_keys */
#define DICT_VALUES 40        /* PyDictObject.ma_values */
#define DICT_MAX_ENTRIES 4096 /* a type's dict: more is garbage */
#define TPF_MANAGED_WEAKREF (1ULL << 3)
#define TPF_MANAGED_DICT (1ULL << 4)
#define POOL_OVERHEAD 48      /* sizeof(struct pool_header), 16-aligned */
#define POOL_SZIDX 36

static bool user_ptr(uint64_t p)
{
	return p >= 0x1000 && p < (1ULL << 47);
}

static uint32_t heap_qualname(uint32_t minor)
{
	switch (minor) {
	case 8:
	case 10:
	case 11:
		return 864;
	case 9:
		return 856;
	case 12:
	case 13:
		return 872;
	default:
		return 0;
	}
}

/* The value of str key @key in the dict at @dict, or 0. */
static uint64_t dict_find(pid_t pid, const struct pmt_pylayout *l, uint64_t dict, const char *key)
{
	uint64_t keys = 0, values = 0, n, ents, want = strlen(key), v = 0;
	uint8_t hdr[40], *buf = NULL;
	size_t esz, koff, i;
	char s[PMT_PYCLASS_NAME_MAX];

	if (pmt_mem_read(pid, dict + DICT_KEYS, &keys, 8) ||
	    pmt_mem_read(pid, dict + DICT_VALUES, &values, 8) || !user_ptr(keys) || values ||
	    pmt_mem_read(pid, keys, hdr, sizeof(hdr)))
		return 0;
	if (l->minor <= 10) {
		uint64_t size, ixb;

		memcpy(&size, hdr + 8, 8);
		memcpy(&n, hdr + 32, 8);
		if (size > (1u << 20) || (size & (size - 1)))
			return 0;
		ixb = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffULL ? 4 : 8;
		ents = keys + 40 + size * ixb;
		esz = 24;
		koff = 8;
	} else {
		uint8_t log2_ix = hdr[9], kind = hdr[10];

		memcpy(&n, hdr + 24, 8);
		if (log2_ix > 24)
			return 0;
		ents = keys + 32 + (1ULL << log2_ix);
		esz = kind == 0 ? 24 : 16; /* DICT_KEYS_GENERAL, or str keys */
		koff = kind == 0 ? 8 : 0;
	}
	if (!n || n > DICT_MAX_ENTRIES)
		return 0;
	buf = malloc(n * esz);
	if (!buf || pmt_mem_read(pid, ents, buf, n * esz))
		goto out;
	for (i = 0; i < n && !v; i++) {
		uint64_t k, val;

		memcpy(&k, buf + i * esz + koff, 8);
		memcpy(&val, buf + i * esz + koff + 8, 8);
		if (!user_ptr(k) || !user_ptr(val))
			continue;
		if (!pmt_pystr_read(pid, l, k, s, sizeof(s)) && strlen(s) == want && !strcmp(s, key))
			v = val;
	}
out:
	free(buf);
	return v;
}

/* A NUL-terminated C string at @addr into @out. */
static int read_cstr(pid_t pid, uint64_t addr, char *out, size_t size)
{
	size_t i;
	int err;

	if (!user_ptr(addr))
		return -EINVAL;
	err = pmt_mem_read(pid, addr, out, size - 1);
	if (err) {
		/* Near the end of a mapping: a shorter read. */
		for (i = 0; i < size - 1; i++)
			if (pmt_mem_read(pid, addr + i, out + i, 1))
				break;
		if (!i)
			return err;
		out[i] = 0;
	}
	out[size - 1] = 0;
	return 0;
}

int pmt_pyclass_read(pid_t pid, const struct pmt_pylayout *l, uint64_t addr, struct pmt_pyclass *out)
{
	uint8_t t[PMT_TYPEOFF_DICT + 8];
	uint64_t name = 0, dict = 0, q = 0, mod;
	char qual[PMT_PYCLASS_NAME_MAX], modname[PMT_PYCLASS_NAME_MAX];
	uint32_t qoff = heap_qualname(l->minor);
	int err;

	memset(out, 0, sizeof(*out));
	if (!user_ptr(addr))
		return -EINVAL;
	err = pmt_mem_read(pid, addr, t, sizeof(t));
	if (err)
		return err;
	out->addr = addr;
	memcpy(&name, t + PMT_TYPEOFF_NAME, 8);
	memcpy(&out->basicsize, t + PMT_TYPEOFF_BASICSIZE, 8);
	memcpy(&out->itemsize, t + PMT_TYPEOFF_ITEMSIZE, 8);
	memcpy(&out->dealloc, t + PMT_TYPEOFF_DEALLOC, 8);
	memcpy(&out->flags, t + PMT_TYPEOFF_FLAGS, 8);
	memcpy(&dict, t + PMT_TYPEOFF_DICT, 8);
	if (out->basicsize < 16 || out->basicsize > (1u << 24) || out->itemsize > (1u << 16))
		return -EINVAL;
	out->heap = out->flags & PMT_PYTPF_HEAPTYPE;
	out->gc = out->flags & PMT_PYTPF_HAVE_GC;
	err = read_cstr(pid, name, out->name, sizeof(out->name));
	if (err)
		return -EINVAL;
	if (!out->heap || !qoff)
		return 0;
	/* A class: __module__ from its dict, __qualname__ from the heap type. */
	qual[0] = 0;
	if (!pmt_mem_read(pid, addr + qoff, &q, 8) && user_ptr(q))
		pmt_pystr_read(pid, l, q, qual, sizeof(qual));
	if (!qual[0])
		snprintf(qual, sizeof(qual), "%s", out->name);
	modname[0] = 0;
	mod = user_ptr(dict) ? dict_find(pid, l, dict, "__module__") : 0;
	if (mod)
		pmt_pystr_read(pid, l, mod, modname, sizeof(modname));
	if (modname[0] && strcmp(modname, "builtins"))
		snprintf(out->name, sizeof(out->name), "%.*s.%s", (int)(sizeof(out->name) / 2),
			 modname, qual);
	else
		snprintf(out->name, sizeof(out->name), "%s", qual);
	return 0;
}

uint64_t pmt_pyclass_preheader(const struct pmt_pylayout *l, const struct pmt_pyclass *t)
{
	uint64_t pre = t->gc ? 16 : 0;

	if (l->minor == 11 && (t->flags & TPF_MANAGED_DICT))
		pre += 16;
	else if (l->minor >= 12 && (t->flags & (TPF_MANAGED_DICT | TPF_MANAGED_WEAKREF)))
		pre += 16;
	return pre;
}

uint64_t pmt_pyclass_block_bytes(pid_t pid, const struct pmt_pylayout *l, const struct pmt_pyclass *t,
				uint64_t obj, bool *from_pool)
{
	uint64_t pre = pmt_pyclass_preheader(l, t), arena, pool_size, block = obj - pre, pool, sz;
	uint32_t szidx = 0;

	*from_pool = false;
	if (!pmt_pyheap_geometry((int)l->major, (int)l->minor, &arena, &pool_size) && obj > pre) {
		pool = block & ~(pool_size - 1);
		if (block - pool >= POOL_OVERHEAD &&
		    !pmt_mem_read(pid, pool + POOL_SZIDX, &szidx, sizeof(szidx)) && szidx < 32) {
			sz = (uint64_t)(szidx + 1) << 4;
			if (sz >= pre + t->basicsize && (block - pool - POOL_OVERHEAD) % sz == 0) {
				*from_pool = true;
				return sz;
			}
		}
	}
	return pmt_pool_block_bytes(pre + t->basicsize, false);
}
