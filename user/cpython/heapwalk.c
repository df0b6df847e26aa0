// SPDX-License-Identifier: BSD-2-Clause
/*
 * heapwalk.c - a live CPython heap read from outside: the collector's
 * generation lists, types, sizes and referents, over chunked copies of
 * the process's memory (os/memcache.c), every pointer checked.
 *
 * Referents follow what each type's traverse function visits in CPython
 * (list_traverse, dict_traverse, subtype_traverse...), so that each
 * reported edge is one strong reference: the cycle analysis counts them
 * against reference counts (core/heapgraph.c). Where a version keeps
 * references the traverse function does not visit (3.13's inline values
 * shared with a materialised dict) the walker follows the version.
 * Kinds come from the static base type of each class, recognised by its
 * tp_name and by where it lives (CPython's own types in the runtime
 * file, numpy's in numpy...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpython/heapwalk.h"
#include "os/clock.h"

/* Offsets every supported version shares. */
#define OB_REFCNT 0
#define OB_TYPE 8
#define OB_SIZE 16
#define LIST_ITEMS 24
#define LIST_ALLOCATED 32
#define TUPLE_ITEMS 24
#define DICT_USED 16
#define DICT_KEYS 32
#define DICT_VALUES 40
#define SET_MASK 32
#define SET_TABLE 40
#define SET_SMALLTABLE 64
#define CELL_REF 16
#define METHOD_FUNC 16
#define METHOD_SELF 24
#define MODULE_DICT 16
#define BYTEARRAY_ALLOC 24
#define BYTEARRAY_BYTES 32
#define ARRAY_ITEMS 24
#define ARRAY_ALLOCATED 32
#define ARRAY_DESCR 40
#define ARRAYDESCR_ITEMSIZE 4
#define ARRAY_SIZEOF 64       /* sizeof(arrayobject) */
#define NDARRAY_DATA 16
#define NDARRAY_ND 24
#define NDARRAY_DIMS 32
#define NDARRAY_BASE 48
#define NDARRAY_DESCR 56
#define NDARRAY_FLAGS 64
#define NDARRAY_OWNDATA 0x4
#define NUMPY_DESCR_ELSIZE 32 /* PyArray_Descr.elsize, numpy 1.x */
#define GC_HEAD 16
#define TYPE_READ 352         /* bytes of a type object read (up to tp_mro) */

#define F_HEAPTYPE (1ul << 9)
#define F_READY (1ul << 12)
#define F_HAVE_GC (1ul << 14)
#define F_TYPE_SUBCLASS (1ul << 31)
#define T_OBJECT_EX 16
#define MAX_ITEMS (1u << 26)  /* longer containers are not believed (a bound on any one object's work) */
#define MAX_DICT_LOG2 27
#define MAX_CHAIN 64          /* base classes followed */
#define ITEM_BATCH 512        /* pointers read at a time */

enum { DK_GENERAL = 0 };

static bool ptr_ok(uint64_t p)
{
	return p >= 4096 && p < (1ULL << 47) && !(p & 7);
}

/* pmt_heapwalk_read - bytes through the walk's copies. */
int pmt_heapwalk_read(struct pmt_heapwalk *hw, uint64_t addr, void *buf, size_t len)
{
	int err = pmt_memcache_read(&hw->mem, addr, buf, len);

	if (err)
		hw->bad_reads++;
	return err;
}

static int rd64(struct pmt_heapwalk *hw, uint64_t addr, uint64_t *v)
{
	const void *p = pmt_memcache_peek(&hw->mem, addr, 8);

	if (p) {
		memcpy(v, p, 8);
		return 0;
	}
	return pmt_heapwalk_read(hw, addr, v, 8);
}

static int rd32(struct pmt_heapwalk *hw, uint64_t addr, uint32_t *v)
{
	return pmt_heapwalk_read(hw, addr, v, 4);
}

/* The mapping holding @addr, or NULL (maps are sorted by address). */
static const struct pmt_mapping *mapping(const struct pmt_heapwalk *hw, uint64_t addr)
{
	size_t lo = 0, hi = hw->maps.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pmt_mapping *m = &hw->maps.v[mid];

		if (addr < m->start)
			hi = mid;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

/* pmt_heapwalk_static - @addr lies in a file mapping (static data). */
bool pmt_heapwalk_static(const struct pmt_heapwalk *hw, uint64_t addr)
{
	const struct pmt_mapping *m = mapping(hw, addr);

	return m && m->path && m->path[0] == '/';
}

static bool in_runtime(const struct pmt_heapwalk *hw, uint64_t addr)
{
	const struct pmt_mapping *m = mapping(hw, addr);

	return m && m->path && !strcmp(m->path, hw->py.map_path);
}

/* ---- set-up ---------------------------------------------------------------- */

/* pmt_heapwalk_open - a walker for @pid; see heapwalk.h. */
int pmt_heapwalk_open(struct pmt_heapwalk *hw, pid_t pid, const struct pmt_python *py,
		      size_t cache_limit)
{
	int err;

	memset(hw, 0, sizeof(*hw));
	hw->pid = pid;
	hw->py = *py;
	hw->cache_limit = cache_limit;
	if (!py->gc_stats_addr)
		return -EAGAIN;
	hw->ol = pmt_pyobjlayout_for(py->minor);
	if (py->major != 3 || !hw->ol)
		return -ENOTSUP;
	err = pmt_pylayout_for(py->major, py->minor, &hw->pyl);
	if (err)
		return err;
	if (py->minor >= 13)
		pmt_pylayout_read_debug(pid, py->runtime_addr, &hw->pyl);
	/* generation_stats follow generations[3], generation0 and the permanent generation. */
	hw->gens = py->gc_stats_addr - 104;
	return 0;
}

static void types_drop(struct pmt_heapwalk *hw)
{
	size_t i;

	for (i = 0; i < hw->ntypes; i++) {
		free(hw->types[i]->slot_off);
		free(hw->types[i]->slot_name);
		free(hw->types[i]);
	}
	hw->ntypes = 0;
	if (hw->tkeys)
		memset(hw->tkeys, 0, hw->tcap * sizeof(*hw->tkeys));
}

/* pmt_heapwalk_close - release everything. */
void pmt_heapwalk_close(struct pmt_heapwalk *hw)
{
	types_drop(hw);
	free(hw->types);
	free(hw->tkeys);
	free(hw->tvals);
	pmt_memcache_free(&hw->mem);
	pmt_maps_free(&hw->maps);
	memset(hw, 0, sizeof(*hw));
}

/* pmt_heapwalk_begin - fresh maps and copies; wait out a collection. */
int pmt_heapwalk_begin(struct pmt_heapwalk *hw)
{
	uint64_t until = pmt_mono_ns() + 200000000ULL;
	struct pmt_maps m;
	int32_t collecting = 0;
	int err;

	types_drop(hw);
	err = pmt_maps_read(hw->pid, &m);
	if (err)
		return err;
	pmt_maps_free(&hw->maps);
	hw->maps = m;
	if (!hw->mem.slots) {
		err = pmt_memcache_init(&hw->mem, hw->pid, &hw->maps, hw->cache_limit);
		if (err)
			return err;
	} else {
		pmt_memcache_clear(&hw->mem);
		hw->mem.maps = &hw->maps;
		hw->mem.bytes = hw->mem.syscalls = hw->mem.failures = 0;
	}
	hw->bad_reads = hw->list_breaks = hw->gc_waits = 0;
	hw->partial = false;
	hw->type_type = 0;
	for (;;) {
		/* collecting: right after generation_stats (3 x 3 Py_ssize_t). */
		err = pmt_mem_read(hw->pid, hw->py.gc_stats_addr + 72, &collecting,
				   sizeof(collecting));
		if (err)
			return err == -EFAULT && !pmt_pid_alive(hw->pid) ? -ESRCH : err;
		if (!collecting) {
			int64_t lived[2] = { 0, 0 };
			int32_t gen0 = 0;

			/* long_lived_total and _pending follow collecting, garbage, callbacks */
			pmt_mem_read(hw->pid, hw->py.gc_stats_addr + 96, lived, sizeof(lived));
			pmt_mem_read(hw->pid, hw->gens + 20, &gen0, sizeof(gen0));
			hw->estimate = 0;
			if (lived[0] > 0 && lived[0] < (1LL << 32))
				hw->estimate += (uint64_t)lived[0];
			if (lived[1] > 0 && lived[1] < (1LL << 32))
				hw->estimate += (uint64_t)lived[1];
			if (gen0 > 0)
				hw->estimate += (uint64_t)gen0;
			return 0;
		}
		if (pmt_mono_ns() > until)
			return -EBUSY;
		hw->gc_waits++;
		usleep(1000);
	}
}

/* ---- the GC lists ---------------------------------------------------------- */

#define LIST_RESTARTS 3 /* walks of one GC list that may be restarted when it changed */

/* pmt_heapwalk_gc_objects - every object on the collector's lists; see heapwalk.h. */
long pmt_heapwalk_gc_objects(struct pmt_heapwalk *hw, pmt_heapwalk_obj_fn fn, void *ctx,
			     size_t max)
{
	static const uint32_t heads[] = { 0, 24, 48, 80 }; /* gen 0-2, permanent */
	long count = 0;
	size_t g;

	for (g = 0; g < sizeof(heads) / sizeof(heads[0]); g++) {
		uint64_t head = hw->gens + heads[g], prev = head, cur;
		int restarts = 0;

		if (rd64(hw, head, &cur))
			return -EFAULT;
		while (cur != head) {
			uint64_t hdr[2];
			int r;

			if (max && (size_t)count >= max) {
				hw->partial = true;
				return count;
			}
			const uint64_t *hp = (cur & 15) || !ptr_ok(cur) ? NULL :
					     pmt_memcache_peek(&hw->mem, cur, 16);

			if (hp) {
				hdr[0] = hp[0];
				hdr[1] = hp[1];
			} else {
				hw->bad_reads++;
			}
			if (!hp || (hdr[1] & ~(uint64_t)3) != prev) {
				/*
				 * The list changed under us (an object freed, a collection
				 * moving objects between generations): walk it again from its
				 * head over fresh copies. Objects seen already are seen again
				 * (callers keep one of each); objects moved to an older
				 * generation are met there.
				 */
				hw->list_breaks++;
				if (restarts++ == LIST_RESTARTS) {
					hw->partial = true;
					break;
				}
				pmt_memcache_clear(&hw->mem);
				prev = head;
				if (rd64(hw, head, &cur))
					return -EFAULT;
				continue;
			}
			r = fn(ctx, cur + GC_HEAD);
			if (r)
				return r;
			count++;
			prev = cur;
			cur = hdr[0];
		}
	}
	return count;
}

/* ---- strings and ints ------------------------------------------------------ */

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp >= 0xdc80 && cp <= 0xdcff) { /* surrogateescape: the original byte */
		o[0] = (char)(cp - 0xdc00);
		return 1;
	}
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A str's length, kind (1, 2, 4) and data address; -EINVAL when not plausible. */
static int str_info(struct pmt_heapwalk *hw, uint64_t addr, uint64_t *len, uint32_t *kind,
		    uint64_t *data, bool *ascii)
{
	const struct pmt_pylayout *l = &hw->pyl;
	uint32_t state;

	if (!ptr_ok(addr) || rd64(hw, addr + l->str_length, len) ||
	    rd32(hw, addr + l->str_state, &state))
		return -EFAULT;
	*kind = (state >> l->str_kind_shift) & 7;
	if (*len > (1u << 30) || (*kind != 1 && *kind != 2 && *kind != 4))
		return -EINVAL;
	*ascii = (state >> l->str_ascii_bit) & 1;
	if (*ascii)
		*data = addr + hw->ol->str_ascii_size;
	else if ((state >> l->str_compact_bit) & 1)
		*data = addr + hw->ol->str_compact_size;
	else if (rd64(hw, addr + hw->ol->str_compact_size, data) || !ptr_ok(*data))
		return -EINVAL;
	return 0;
}

/* pmt_heapwalk_str - a str object as UTF-8; see heapwalk.h. */
int pmt_heapwalk_str(struct pmt_heapwalk *hw, uint64_t addr, char *buf, size_t len)
{
	uint8_t raw[1024];
	uint64_t n, data;
	uint32_t kind;
	size_t i, o = 0, count;
	bool ascii;
	int err;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	err = str_info(hw, addr, &n, &kind, &data, &ascii);
	if (err)
		return err;
	count = n < sizeof(raw) / kind ? (size_t)n : sizeof(raw) / kind;
	if (count && pmt_heapwalk_read(hw, data, raw, count * kind))
		return -EFAULT;
	for (i = 0; i < count; i++) {
		uint32_t cp;
		char tmp[4];
		size_t k;

		if (kind == 1) {
			cp = raw[i];
		} else if (kind == 2) {
			uint16_t c;

			memcpy(&c, raw + 2 * i, 2);
			cp = c;
		} else {
			memcpy(&cp, raw + 4 * i, 4);
		}
		k = put_utf8(tmp, cp);
		if (o + k >= len)
			break;
		memcpy(buf + o, tmp, k);
		o += k;
	}
	buf[o] = 0;
	return 0;
}

/* Whether str @addr equals @s (ASCII or Latin-1 names only: attribute names). */
static bool str_eq(struct pmt_heapwalk *hw, uint64_t addr, const char *s)
{
	char buf[128];

	return !pmt_heapwalk_str(hw, addr, buf, sizeof(buf)) && !strcmp(buf, s);
}

/* pmt_heapwalk_int - an int object's value (63 bits); see heapwalk.h. */
int pmt_heapwalk_int(struct pmt_heapwalk *hw, uint64_t addr, int64_t *v)
{
	uint64_t tag, n;
	uint32_t d[3] = { 0 };
	bool neg;
	unsigned __int128 x = 0;
	int i;

	if (!ptr_ok(addr) || rd64(hw, addr + OB_SIZE, &tag))
		return -EFAULT;
	if (hw->ol->long_tagged) {
		n = tag >> 3;
		neg = (tag & 3) == 2;
	} else {
		neg = (int64_t)tag < 0;
		n = neg ? (uint64_t)(-(int64_t)tag) : tag;
	}
	if (n > 3)
		return -EINVAL;
	if (n && pmt_heapwalk_read(hw, addr + 24, d, n * 4))
		return -EFAULT;
	for (i = (int)n - 1; i >= 0; i--)
		x = (x << 30) | (d[i] & 0x3fffffff);
	if (x > INT64_MAX)
		return -EINVAL;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

/* ---- types ------------------------------------------------------------------ */

static size_t thash(uint64_t k, size_t cap)
{
	return (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static struct pmt_pytype *type_cached(const struct pmt_heapwalk *hw, uint64_t addr)
{
	size_t i;

	if (!hw->tcap)
		return NULL;
	for (i = thash(addr, hw->tcap); hw->tkeys[i]; i = (i + 1) & (hw->tcap - 1))
		if (hw->tkeys[i] == addr)
			return hw->tvals[i];
	return NULL;
}

static int type_store(struct pmt_heapwalk *hw, uint64_t addr, struct pmt_pytype *t)
{
	size_t i;

	if ((hw->ntypes + 1) * 2 > hw->tcap) {
		size_t cap = hw->tcap ? hw->tcap * 2 : 1024, k;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		struct pmt_pytype **vals = malloc(cap * sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (k = 0; k < hw->tcap; k++) {
			if (!hw->tkeys[k])
				continue;
			for (i = thash(hw->tkeys[k], cap); keys[i]; i = (i + 1) & (cap - 1))
				;
			keys[i] = hw->tkeys[k];
			vals[i] = hw->tvals[k];
		}
		free(hw->tkeys);
		free(hw->tvals);
		hw->tkeys = keys;
		hw->tvals = vals;
		hw->tcap = cap;
	}
	if (hw->ntypes == hw->types_cap) {
		size_t cap = hw->types_cap ? hw->types_cap * 2 : 256;
		struct pmt_pytype **v = realloc(hw->types, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		hw->types = v;
		hw->types_cap = cap;
	}
	for (i = thash(addr, hw->tcap); hw->tkeys[i]; i = (i + 1) & (hw->tcap - 1))
		;
	hw->tkeys[i] = addr;
	hw->tvals[i] = t;
	t->id = (uint32_t)hw->ntypes;
	hw->types[hw->ntypes++] = t;
	return 0;
}

/* &PyType_Type: the fixed point of the type-of chain from any object. */
static uint64_t find_type_type(struct pmt_heapwalk *hw, uint64_t obj)
{
	uint64_t t = obj, next;
	char name[8];
	int i;

	for (i = 0; i < 6; i++) {
		if (rd64(hw, t + OB_TYPE, &next) || !ptr_ok(next))
			return 0;
		if (next == t)
			break;
		t = next;
	}
	if (next != t || rd64(hw, t + hw->ol->tp_name, &next) ||
	    pmt_heapwalk_read(hw, next, name, 5) || memcmp(name, "type", 5))
		return 0;
	return t;
}

/* Whether @addr is a type: its own type is `type`, or a metaclass deriving from it. */
static bool is_type_object(struct pmt_heapwalk *hw, uint64_t addr, int depth)
{
	uint64_t meta, flags;

	if (!ptr_ok(addr) || rd64(hw, addr + OB_TYPE, &meta) || !ptr_ok(meta))
		return false;
	if (!hw->type_type)
		hw->type_type = find_type_type(hw, addr);
	if (!hw->type_type)
		return false;
	if (meta == hw->type_type)
		return true;
	if (depth > 4 || rd64(hw, meta + hw->ol->tp_flags, &flags) || !(flags & F_TYPE_SUBCLASS))
		return false;
	return is_type_object(hw, meta, depth + 1);
}

/* The value of key @name in dict @dict (str keys compared), or 0. */
static uint64_t dict_get(struct pmt_heapwalk *hw, uint64_t dict, const char *name);

static void read_cstr(struct pmt_heapwalk *hw, uint64_t addr, char *buf, size_t len)
{
	size_t i;

	buf[0] = 0;
	for (i = 0; i + 1 < len; i++) {
		const char *p = pmt_memcache_peek(&hw->mem, addr + i, 1);

		if (!p || !*p)
			break;
		buf[i] = *p;
	}
	buf[i] = 0;
}

static const struct {
	const char *name;
	uint32_t kind;
	int where; /* 0: the runtime file; 1: any file named by match */
	const char *match;
} static_kinds[] = {
	{ "type", PMT_OBJ_TYPE, 0, NULL },
	{ "list", PMT_OBJ_LIST, 0, NULL },
	{ "tuple", PMT_OBJ_TUPLE, 0, NULL },
	{ "dict", PMT_OBJ_DICT, 0, NULL },
	{ "set", PMT_OBJ_SET, 0, NULL },
	{ "frozenset", PMT_OBJ_SET, 0, NULL },
	{ "str", PMT_OBJ_STR, 0, NULL },
	{ "bytes", PMT_OBJ_BYTES, 0, NULL },
	{ "bytearray", PMT_OBJ_BYTEARRAY, 0, NULL },
	{ "int", PMT_OBJ_INT, 0, NULL },
	{ "bool", PMT_OBJ_INT, 0, NULL },
	{ "module", PMT_OBJ_MODULE, 0, NULL },
	{ "cell", PMT_OBJ_CELL, 0, NULL },
	{ "method", PMT_OBJ_METHOD, 0, NULL },
	{ "function", PMT_OBJ_FUNCTION, 0, NULL },
	{ "frame", PMT_OBJ_FRAME, 0, NULL },
	{ "generator", PMT_OBJ_GEN, 0, NULL },
	{ "coroutine", PMT_OBJ_GEN, 0, NULL },
	{ "async_generator", PMT_OBJ_GEN, 0, NULL },
	{ "array.array", PMT_OBJ_ARRAY, 1, "array" },
	{ "numpy.ndarray", PMT_OBJ_NDARRAY, 1, "numpy" },
	{ "_ctypes._Pointer", PMT_OBJ_CTYPES_PTR, 1, "_ctypes" },
};

static uint32_t kind_of_static(struct pmt_heapwalk *hw, uint64_t addr, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(static_kinds) / sizeof(static_kinds[0]); i++) {
		const struct pmt_mapping *m;

		if (strcmp(static_kinds[i].name, name))
			continue;
		if (in_runtime(hw, addr))
			return static_kinds[i].kind;
		m = mapping(hw, addr);
		if (static_kinds[i].where == 1 && m && m->path &&
		    strstr(m->path, static_kinds[i].match))
			return static_kinds[i].kind;
		return PMT_OBJ_OTHER;
	}
	return PMT_OBJ_OTHER;
}

/* The __slots__ members of heap type @h (T_OBJECT_EX), appended to @t's. */
static int add_slots(struct pmt_heapwalk *hw, uint64_t h, struct pmt_pytype *t)
{
	const struct pmt_pyobjlayout *ol = hw->ol;
	uint64_t n, meta, members;
	int64_t meta_basic;
	uint64_t i;

	if (rd64(hw, h + OB_SIZE, &n) || n > 4096 || rd64(hw, h + OB_TYPE, &meta) ||
	    pmt_heapwalk_read(hw, meta + ol->tp_basicsize, &meta_basic, 8) || meta_basic <= 0 ||
	    meta_basic > 65536)
		return -EFAULT;
	members = h + (uint64_t)meta_basic;
	for (i = 0; i < n; i++) {
		uint8_t m[40];
		uint64_t name;
		int32_t type;
		int64_t off;
		void *p;

		if (pmt_heapwalk_read(hw, members + i * ol->member_size, m, sizeof(m)))
			return -EFAULT;
		memcpy(&name, m, 8);
		memcpy(&type, m + ol->member_type, 4);
		memcpy(&off, m + ol->member_offset, 8);
		if (type != T_OBJECT_EX || off < 16 || off > 1 << 20)
			continue;
		p = realloc(t->slot_off, (t->nslots + 1) * sizeof(*t->slot_off));
		if (!p)
			return -ENOMEM;
		t->slot_off = p;
		p = realloc(t->slot_name, (t->nslots + 1) * sizeof(*t->slot_name));
		if (!p)
			return -ENOMEM;
		t->slot_name = p;
		t->slot_off[t->nslots] = (uint32_t)off;
		read_cstr(hw, name, t->slot_name[t->nslots], sizeof(t->slot_name[0]));
		t->nslots++;
	}
	return 0;
}

static struct pmt_pytype *type_read(struct pmt_heapwalk *hw, uint64_t addr, int depth)
{
	const struct pmt_pyobjlayout *ol = hw->ol;
	uint8_t buf[TYPE_READ];
	struct pmt_pytype *t, *b;
	uint64_t name_ptr, h;
	char tpname[PMT_PYTYPE_NAME];
	int i;

#define FIELD(off, dst) memcpy(&(dst), buf + (off), sizeof(dst))
	if (depth > MAX_CHAIN || !is_type_object(hw, addr, 0) ||
	    pmt_heapwalk_read(hw, addr, buf, sizeof(buf)))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->addr = addr;
	FIELD(ol->tp_flags, t->flags);
	FIELD(ol->tp_basicsize, t->basicsize);
	FIELD(ol->tp_itemsize, t->itemsize);
	FIELD(ol->tp_dictoffset, t->dictoffset);
	FIELD(ol->tp_base, t->base);
	FIELD(ol->tp_dict, t->dict);
	FIELD(ol->tp_name, name_ptr);
	if (!(t->flags & F_READY) || t->basicsize < 16 || t->basicsize > (1 << 20) ||
	    t->itemsize < 0 || t->itemsize > 4096)
		goto bad;
	t->heap = t->flags & F_HEAPTYPE;
	t->gc = t->flags & F_HAVE_GC;
	read_cstr(hw, name_ptr, tpname, sizeof(tpname));
	if (t->heap) {
		uint64_t qual = 0, mod;
		char q[PMT_PYTYPE_NAME / 2], m[PMT_PYTYPE_NAME / 2];

		rd64(hw, addr + ol->ht_qualname, &qual);
		rd64(hw, addr + ol->ht_cached_keys, &t->cached_keys);
		if (pmt_heapwalk_str(hw, qual, q, sizeof(q)))
			snprintf(q, sizeof(q), "%s", tpname);
		mod = t->dict ? dict_get(hw, t->dict, "__module__") : 0;
		if (!mod || pmt_heapwalk_str(hw, mod, m, sizeof(m)) || !strcmp(m, "builtins"))
			snprintf(t->name, sizeof(t->name), "%s", q);
		else
			snprintf(t->name, sizeof(t->name), "%s.%s", m, q);
	} else {
		snprintf(t->name, sizeof(t->name), "%s", tpname);
	}
	/* The heap chain: slots of each class, the first static base. */
	h = addr;
	b = t;
	for (i = 0; i < MAX_CHAIN && b && b->heap; i++) {
		if (add_slots(hw, h, t) == -ENOMEM)
			goto bad;
		if (!strcmp(b->name, "_ctypes._Pointer"))
			t->kind = PMT_OBJ_CTYPES_PTR;
		h = b->base;
		b = h ? (struct pmt_pytype *)pmt_heapwalk_type(hw, h) : NULL;
	}
	if (!t->heap) {
		t->static_base = addr;
		t->kind = kind_of_static(hw, addr, tpname);
	} else if (b) {
		t->static_base = b->addr;
		if (!t->kind)
			t->kind = b->kind;
		/* 3.10+ make array.array a heap type (its static base is object) */
		if (t->kind == PMT_OBJ_OTHER && !strcmp(t->name, "array.array") &&
		    t->basicsize == ARRAY_SIZEOF)
			t->kind = PMT_OBJ_ARRAY;
		t->dict_added = !(t->flags & ol->f_managed_dict) && t->dictoffset &&
				t->dictoffset != b->dictoffset;
	}
	/* Which engine asset its instances own. */
	if (t->kind == PMT_OBJ_CTYPES_PTR)
		t->engine = pmt_engine_match(tpname, NULL, false);
	else if (t->heap)
		t->engine = pmt_engine_match(t->name, NULL, true);
	if (!t->engine && t->static_base) {
		const struct pmt_pytype *sb = t->heap ? pmt_heapwalk_type(hw, t->static_base) : t;
		const struct pmt_mapping *mp = mapping(hw, t->static_base);

		if (sb && mp && mp->path) {
			const struct pmt_engine_row *r = pmt_engine_match(sb->name, mp->path, false);

			if (r && (r->holder == PMT_ENGINE_C_FIELD || r->holder == PMT_ENGINE_C_INLINE ||
				  r->holder == PMT_ENGINE_CAPSULE))
				t->engine = r;
		}
	}
	if (type_store(hw, addr, t))
		goto bad;
	return t;
bad:
	free(t->slot_off);
	free(t->slot_name);
	free(t);
	return NULL;
#undef FIELD
}

/* pmt_heapwalk_type - the type at @addr, read once per walk. */
const struct pmt_pytype *pmt_heapwalk_type(struct pmt_heapwalk *hw, uint64_t addr)
{
	struct pmt_pytype *t = type_cached(hw, addr);

	return t ? t : type_read(hw, addr, 0);
}

/* pmt_heapwalk_type_of - the type of @obj and its reference count. */
const struct pmt_pytype *pmt_heapwalk_type_of(struct pmt_heapwalk *hw, uint64_t obj,
					      uint64_t *refcnt)
{
	uint64_t hdr[2];
	const void *p;

	if (!ptr_ok(obj))
		return NULL;
	p = pmt_memcache_peek(&hw->mem, obj, 16);
	if (p)
		memcpy(hdr, p, 16);
	else if (pmt_heapwalk_read(hw, obj, hdr, 16))
		return NULL;
	if (!ptr_ok(hdr[1]) || hdr[0] == 0)
		return NULL;
	if (refcnt)
		*refcnt = hdr[0];
	return pmt_heapwalk_type(hw, hdr[1]);
}

/* ---- dicts -------------------------------------------------------------------- */

/* Where a dict's keys keep their entries. */
struct dkeys {
	uint64_t entries;    /* first entry */
	uint64_t nentries;
	uint64_t size;       /* slots of the index table */
	uint32_t esize;      /* bytes an entry takes */
	uint32_t key_off, value_off;
	uint64_t bytes;      /* the keys object's allocation */
};

static int dkeys_read(struct pmt_heapwalk *hw, uint64_t keys, struct dkeys *k)
{
	memset(k, 0, sizeof(*k));
	if (!ptr_ok(keys))
		return -EINVAL;
	if (hw->ol->dk_kind == PMT_DK_38) {
		uint64_t h[5], ix;

		if (pmt_heapwalk_read(hw, keys, h, sizeof(h)))
			return -EFAULT;
		k->size = h[1];
		k->nentries = h[4];
		if (!k->size || (k->size & (k->size - 1)) || k->size > (1ULL << MAX_DICT_LOG2) ||
		    k->nentries > k->size)
			return -EINVAL;
		ix = k->size <= 0xff ? 1 : k->size <= 0xffff ? 2 : k->size <= 0xffffffff ? 4 : 8;
		k->entries = keys + 40 + ix * k->size;
		k->esize = 24;
		k->key_off = 8;
		k->value_off = 16;
		k->bytes = 40 + ix * k->size + 24 * ((k->size << 1) / 3);
		return 0;
	} else {
		uint8_t h[32];
		uint8_t log2, log2ix, kind;
		uint64_t usable;

		if (pmt_heapwalk_read(hw, keys, h, sizeof(h)))
			return -EFAULT;
		log2 = h[8];
		log2ix = h[9];
		kind = h[10];
		memcpy(&k->nentries, h + 24, 8);
		if (log2 > MAX_DICT_LOG2 || log2ix > MAX_DICT_LOG2 + 3 || kind > 2)
			return -EINVAL;
		k->size = 1ULL << log2;
		usable = (k->size << 1) / 3;
		if (k->nentries > usable)
			return -EINVAL;
		k->entries = keys + 32 + (1ULL << log2ix);
		k->esize = kind == DK_GENERAL ? 24 : 16;
		k->key_off = kind == DK_GENERAL ? 8 : 0;
		k->value_off = k->key_off + 8;
		k->bytes = 32 + (1ULL << log2ix) + k->esize * usable;
		return 0;
	}
}

/* Read entries [i, i + n) of @k into @buf (n * esize bytes). */
static int dkeys_entries(struct pmt_heapwalk *hw, const struct dkeys *k, uint64_t i, uint64_t n,
			 uint8_t *buf)
{
	return pmt_heapwalk_read(hw, k->entries + i * k->esize, buf, n * k->esize);
}

/* A dict's fields. */
struct dictinfo {
	uint64_t used, keys, values;
	struct dkeys k;
	bool split;
	bool embedded; /* 3.13: values live in (and belong to) the owner object */
};

static int dict_info(struct pmt_heapwalk *hw, uint64_t dict, struct dictinfo *d)
{
	uint64_t h[6];
	int err;

	memset(d, 0, sizeof(*d));
	if (pmt_heapwalk_read(hw, dict, h, sizeof(h)))
		return -EFAULT;
	d->used = h[DICT_USED / 8];
	d->keys = h[DICT_KEYS / 8];
	d->values = h[DICT_VALUES / 8];
	err = dkeys_read(hw, d->keys, &d->k);
	if (err)
		return err;
	d->split = d->values != 0;
	if (d->split && !ptr_ok(d->values))
		return -EINVAL;
	if (d->split && hw->ol->managed == PMT_MANAGED_313) {
		uint8_t vh[4];

		if (pmt_heapwalk_read(hw, d->values, vh, 4))
			return -EFAULT;
		d->embedded = vh[2];
	}
	return 0;
}

/* pmt_heapwalk_dict_get - the value under str key @name in dict @dict; see heapwalk.h. */
uint64_t pmt_heapwalk_dict_get(struct pmt_heapwalk *hw, uint64_t dict, const char *name)
{
	const struct pmt_pytype *t = pmt_heapwalk_type_of(hw, dict, NULL);

	return t && t->kind == PMT_OBJ_DICT ? dict_get(hw, dict, name) : 0;
}

static uint64_t dict_get(struct pmt_heapwalk *hw, uint64_t dict, const char *name)
{
	struct dictinfo d;
	uint8_t e[24 * 64];
	uint64_t i, n;

	if (dict_info(hw, dict, &d) || d.split)
		return 0;
	for (i = 0; i < d.k.nentries; i += n) {
		uint64_t j;

		n = d.k.nentries - i < 64 ? d.k.nentries - i : 64;
		if (dkeys_entries(hw, &d.k, i, n, e))
			return 0;
		for (j = 0; j < n; j++) {
			uint64_t key, value;

			memcpy(&key, e + j * d.k.esize + d.k.key_off, 8);
			memcpy(&value, e + j * d.k.esize + d.k.value_off, 8);
			if (value && ptr_ok(key) && str_eq(hw, key, name))
				return value;
		}
	}
	return 0;
}

/* ---- referents ---------------------------------------------------------------- */

struct emitter {
	struct pmt_heapwalk *hw;
	pmt_heapwalk_ref_fn fn;
	void *ctx;
	bool statics; /* report objects in mapped files too (values read by name) */
};

/* Report @ref unless it is no heap object (null, implausible, static data). */
static int emit(struct emitter *e, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	const struct pmt_mapping *m;

	if (!ref)
		return 0;
	if (!ptr_ok(ref)) {
		e->hw->bad_reads++;
		return 0;
	}
	m = mapping(e->hw, ref);
	if (!m) {
		e->hw->bad_reads++;
		return 0;
	}
	if (m->path && m->path[0] == '/' && !e->statics)
		return 0;
	return e->fn(e->ctx, ref, zero, l);
}

static int emit_field(struct emitter *e, uint64_t ref, bool zero, const char *name)
{
	struct pmt_reflabel l = { .kind = PMT_REF_FIELD, .name = name };

	return emit(e, ref, zero, &l);
}

/* Items [0, n) of the pointer array at @items, labelled [i]. */
static int emit_items(struct emitter *e, uint64_t items, uint64_t n, uint32_t kind)
{
	uint64_t buf[ITEM_BATCH], i, k;
	int r;

	if (n > MAX_ITEMS || (n && !ptr_ok(items))) {
		e->hw->bad_reads++;
		return -EFAULT;
	}
	for (i = 0; i < n; i += k) {
		k = n - i < ITEM_BATCH ? n - i : ITEM_BATCH;
		if (pmt_heapwalk_read(e->hw, items + 8 * i, buf, 8 * k))
			return -EFAULT;
		for (uint64_t j = 0; j < k; j++) {
			struct pmt_reflabel l = { .kind = kind, .index = i + j };

			r = emit(e, buf[j], false, &l);
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * Values of a split table or of instance values (@vals, @n slots) whose
 * names are the unicode entries of @keys, labelled as attributes when
 * @attrs (an instance's) or as dict values.
 */
static int emit_split(struct emitter *e, uint64_t keys, uint64_t vals, uint64_t n, bool attrs)
{
	struct pmt_heapwalk *hw = e->hw;
	struct dkeys k;
	uint64_t v[64], names[64 * 3];
	uint64_t i, c;
	int r;

	if (dkeys_read(hw, keys, &k))
		return -EFAULT;
	if (n > k.nentries)
		n = k.nentries;
	for (i = 0; i < n; i += c) {
		uint8_t ent[24 * 64];

		c = n - i < 64 ? n - i : 64;
		if (pmt_heapwalk_read(hw, vals + 8 * i, v, 8 * c) || dkeys_entries(hw, &k, i, c, ent))
			return -EFAULT;
		for (uint64_t j = 0; j < c; j++) {
			struct pmt_reflabel l = { .kind = attrs ? PMT_REF_ATTR : PMT_REF_KEY };

			memcpy(&names[j], ent + j * k.esize + k.key_off, 8);
			l.obj = names[j];
			r = emit(e, v[j], false, &l);
			if (r)
				return r;
		}
	}
	return 0;
}

static int emit_dict(struct emitter *e, uint64_t dict)
{
	struct pmt_heapwalk *hw = e->hw;
	struct dictinfo d;
	uint8_t ent[24 * 64];
	uint64_t i, c;
	int r;

	if (dict_info(hw, dict, &d))
		return -EFAULT;
	if (d.split) {
		if (d.embedded)
			return 0; /* 3.13: the owner object holds (and visits) them */
		return emit_split(e, d.keys, d.values + hw->ol->values_off, d.k.nentries, false);
	}
	for (i = 0; i < d.k.nentries; i += c) {
		c = d.k.nentries - i < 64 ? d.k.nentries - i : 64;
		if (dkeys_entries(hw, &d.k, i, c, ent))
			return -EFAULT;
		for (uint64_t j = 0; j < c; j++) {
			uint64_t key, value;
			struct pmt_reflabel l = { .kind = PMT_REF_DICTKEY };

			memcpy(&key, ent + j * d.k.esize + d.k.key_off, 8);
			memcpy(&value, ent + j * d.k.esize + d.k.value_off, 8);
			if (!value)
				continue; /* a deleted entry */
			r = emit(e, key, false, &l);
			if (r)
				return r;
			l.kind = PMT_REF_KEY;
			l.obj = key;
			r = emit(e, value, false, &l);
			if (r)
				return r;
		}
	}
	return 0;
}

static int emit_set(struct emitter *e, uint64_t set)
{
	uint64_t mask, table, i;
	uint64_t ent[2 * 64];
	int r;

	if (rd64(e->hw, set + SET_MASK, &mask) || rd64(e->hw, set + SET_TABLE, &table) ||
	    mask > MAX_ITEMS || ((mask + 1) & mask) || !ptr_ok(table))
		return -EFAULT;
	for (i = 0; i <= mask; i += 64) {
		uint64_t c = mask + 1 - i < 64 ? mask + 1 - i : 64;

		if (pmt_heapwalk_read(e->hw, table + 16 * i, ent, 16 * c))
			return -EFAULT;
		for (uint64_t j = 0; j < c; j++) {
			struct pmt_reflabel l = { .kind = PMT_REF_ITEM };

			/* The dummy of deleted entries is static: emit() skips it. */
			r = emit(e, ent[2 * j], false, &l);
			if (r)
				return r;
		}
	}
	return 0;
}

/* A tuple's item @i (a str: a name), or 0. */
static uint64_t tuple_item(struct pmt_heapwalk *hw, uint64_t tup, uint64_t i)
{
	uint64_t n, v;

	if (!ptr_ok(tup) || rd64(hw, tup + OB_SIZE, &n) || i >= n ||
	    rd64(hw, tup + TUPLE_ITEMS + 8 * i, &v))
		return 0;
	return v;
}

/* 3.8-3.10 frame objects: the locals, named by co_varnames. */
static int emit_frame38(struct emitter *e, uint64_t frame)
{
	struct pmt_heapwalk *hw = e->hw;
	uint64_t code, names, v, i;
	int32_t n;
	int r;

	if (rd64(hw, frame + hw->pyl.frame_code, &code) || !ptr_ok(code) ||
	    rd32(hw, code + hw->ol->co_nlocals, (uint32_t *)&n) || n < 0 || n > 65536 ||
	    rd64(hw, code + hw->ol->co_varnames, &names))
		return -EFAULT;
	for (i = 0; i < (uint64_t)n; i++) {
		struct pmt_reflabel l = { .kind = PMT_REF_ATTR };

		if (rd64(hw, frame + hw->ol->frame_localsplus + 8 * i, &v))
			return -EFAULT;
		l.obj = tuple_item(hw, names, i);
		r = emit(e, v, false, &l);
		if (r)
			return r;
	}
	return 0;
}

/* An instance's attributes: __slots__, its dict or values, its class. */
static int emit_instance(struct emitter *e, uint64_t obj, const struct pmt_pytype *t)
{
	struct pmt_heapwalk *hw = e->hw;
	const struct pmt_pyobjlayout *ol = hw->ol;
	uint32_t i;
	int r;

	for (i = 0; i < t->nslots; i++) {
		struct pmt_reflabel l = { .kind = PMT_REF_SLOT, .name = t->slot_name[i] };
		uint64_t v;

		if (rd64(hw, obj + t->slot_off[i], &v))
			return -EFAULT;
		r = emit(e, v, false, &l);
		if (r)
			return r;
	}
	if (t->flags & ol->f_managed_dict) {
		uint64_t w = 0, vals = 0, dict = 0, keys;

		if (ol->managed == PMT_MANAGED_313 && (t->flags & ol->f_inline_values)) {
			uint8_t vh[4];

			vals = obj + 16;
			if (pmt_heapwalk_read(hw, vals, vh, 4))
				return -EFAULT;
			if (vh[3]) /* valid: the object owns them */
				r = emit_split(e, t->cached_keys, vals + ol->values_off, vh[0], true);
			else if (!rd64(hw, obj - 24, &dict))
				r = emit_field(e, dict, true, "__dict__");
			else
				r = -EFAULT;
		} else {
			if (rd64(hw, obj - 24, &w))
				return -EFAULT;
			if (ol->managed == PMT_MANAGED_311) {
				dict = w;
				if (rd64(hw, obj - 32, &vals))
					return -EFAULT;
			} else if (ol->managed == PMT_MANAGED_312 && (w & 1)) {
				vals = w + 1;
			} else {
				dict = w;
			}
			r = 0;
			if (vals && ptr_ok(vals)) {
				struct dkeys k;

				keys = t->cached_keys;
				r = dkeys_read(hw, keys, &k);
				if (!r)
					r = emit_split(e, keys, vals, k.nentries, true);
			} else if (dict) {
				r = emit_field(e, dict, true, "__dict__");
			}
		}
		if (r)
			return r;
	} else if (t->dict_added) {
		uint64_t at, dict;

		if (t->dictoffset > 0) {
			at = obj + (uint64_t)t->dictoffset;
		} else {
			int64_t size, n;

			if (rd64(hw, obj + OB_SIZE, (uint64_t *)&n))
				return -EFAULT;
			if (n < 0)
				n = -n;
			size = (t->basicsize + n * t->itemsize + 7) & ~7;
			at = obj + (uint64_t)(size + t->dictoffset);
		}
		if (rd64(hw, at, &dict))
			return -EFAULT;
		r = emit_field(e, dict, true, "__dict__");
		if (r)
			return r;
	}
	return emit_field(e, t->addr, false, "__class__");
}

/* pmt_heapwalk_referents - what @obj holds, as its traverse function sees it. */
int pmt_heapwalk_referents(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t,
			   pmt_heapwalk_ref_fn fn, void *ctx)
{
	const struct pmt_pyobjlayout *ol = hw->ol;
	struct emitter e = { hw, fn, ctx, false };
	uint64_t a, b, n;
	int r = 0;

	switch (t->kind) {
	case PMT_OBJ_LIST:
		if (rd64(hw, obj + OB_SIZE, &n) || rd64(hw, obj + LIST_ITEMS, &a))
			return -EFAULT;
		r = emit_items(&e, a, n, PMT_REF_INDEX);
		break;
	case PMT_OBJ_TUPLE:
		if (rd64(hw, obj + OB_SIZE, &n))
			return -EFAULT;
		r = emit_items(&e, obj + TUPLE_ITEMS, n, PMT_REF_INDEX);
		break;
	case PMT_OBJ_DICT:
		r = emit_dict(&e, obj);
		break;
	case PMT_OBJ_SET:
		r = emit_set(&e, obj);
		break;
	case PMT_OBJ_MODULE:
		if (rd64(hw, obj + MODULE_DICT, &a))
			return -EFAULT;
		r = emit_field(&e, a, true, "__dict__");
		break;
	case PMT_OBJ_CELL:
		if (rd64(hw, obj + CELL_REF, &a))
			return -EFAULT;
		r = emit_field(&e, a, false, "cell_contents");
		break;
	case PMT_OBJ_METHOD:
		if (rd64(hw, obj + METHOD_FUNC, &a) || rd64(hw, obj + METHOD_SELF, &b))
			return -EFAULT;
		r = emit_field(&e, a, false, "__func__");
		if (!r)
			r = emit_field(&e, b, false, "__self__");
		break;
	case PMT_OBJ_FUNCTION: {
		static const char *const names[] = { "__globals__", "__defaults__",
						     "__kwdefaults__", "__closure__", "__dict__" };
		uint32_t offs[] = { ol->func_globals, ol->func_defaults, ol->func_kwdefaults,
				    ol->func_closure, ol->func_dict };

		for (int i = 0; i < 5 && !r; i++) {
			if (rd64(hw, obj + offs[i], &a))
				return -EFAULT;
			r = emit_field(&e, a, i == 4, names[i]);
		}
		break;
	}
	case PMT_OBJ_FRAME:
		if (ol->co_varnames != PMT_NOFF) /* 3.8-3.10 frame objects hold their locals */
			r = emit_frame38(&e, obj);
		break;
	case PMT_OBJ_TYPE: {
			const struct pmt_pytype *self = pmt_heapwalk_type(hw, obj);

			if (!self || !self->heap)
				break;
			r = emit_field(&e, self->dict, true, "__dict__");
			if (!r && !rd64(hw, obj + ol->tp_mro, &a))
				r = emit_field(&e, a, false, "__mro__");
			if (!r && !rd64(hw, obj + ol->tp_bases, &a))
				r = emit_field(&e, a, false, "__bases__");
			if (!r)
				r = emit_field(&e, self->base, false, "__base__");
			break;
	}
	case PMT_OBJ_NDARRAY:
		if (rd64(hw, obj + NDARRAY_BASE, &a))
			return -EFAULT;
		r = emit_field(&e, a, false, "base");
		break;
	default:
		break;
	}
	if (r || !t->heap)
		return r;
	return emit_instance(&e, obj, t);
}

/* ---- sizes ---------------------------------------------------------------------- */

/* The block the allocator gives for @n bytes: pymalloc's 16-byte classes, else malloc's chunk. */
static uint64_t block(struct pmt_heapwalk *hw, uint64_t start, uint64_t n)
{
	uint64_t want, hdr;

	if (n <= 512)
		return n ? (n + 15) & ~15ULL : 16;
	want = (n + 8 + 15) & ~15ULL;
	/* glibc's chunk header: the real size, when it is believable. */
	if (start && !rd64(hw, start - 8, &hdr)) {
		uint64_t real = hdr & ~7ULL;

		if (real >= want && real <= 2 * want + 4096)
			return real;
	}
	return want;
}

/* Bytes of the values block of a 3.11/3.12 split table or instance values at @vals. */
static uint64_t values_bytes(struct pmt_heapwalk *hw, uint64_t vals, uint64_t keys)
{
	uint8_t prefix;
	uint64_t h[4];

	if (!ptr_ok(keys) || pmt_heapwalk_read(hw, vals - 1, &prefix, 1) ||
	    pmt_heapwalk_read(hw, keys, h, sizeof(h)))
		return 0;
	/* size = usable + nentries of the shared keys, as at allocation */
	return block(hw, vals - prefix, prefix + 8 * (h[2] + h[3]));
}

static uint64_t dict_extra(struct pmt_heapwalk *hw, uint64_t dict)
{
	struct dictinfo d;
	uint64_t bytes = 0;

	if (dict_info(hw, dict, &d))
		return 0;
	if (!d.split) {
		bytes += block(hw, d.keys, d.k.bytes);
	} else if (hw->ol->managed == PMT_MANAGED_313) {
		uint8_t cap;

		if (!d.embedded && !pmt_heapwalk_read(hw, d.values, &cap, 1))
			bytes += block(hw, d.values, ((cap + 7) & ~7u) + 8 * ((uint64_t)cap + 1));
	} else if (hw->ol->dk_kind == PMT_DK_38) {
		bytes += block(hw, d.values, 8 * ((d.k.size << 1) / 3));
	} else {
		bytes += values_bytes(hw, d.values, d.keys);
	}
	return bytes;
}

static uint64_t str_bytes(struct pmt_heapwalk *hw, uint64_t obj)
{
	uint64_t len, data, bytes, utf8 = 0, ulen = 0;
	uint32_t kind;
	bool ascii;

	if (str_info(hw, obj, &len, &kind, &data, &ascii))
		return 0;
	if (ascii)
		return block(hw, obj, hw->ol->str_ascii_size + len + 1);
	if (data == obj + hw->ol->str_compact_size)
		bytes = block(hw, obj, hw->ol->str_compact_size + (len + 1) * kind);
	else /* legacy: the object and its data */
		bytes = block(hw, obj, 80) + block(hw, data, (len + 1) * kind);
	if (!rd64(hw, obj + hw->ol->str_utf8, &utf8) && utf8 && utf8 != data &&
	    !rd64(hw, obj + hw->ol->str_utf8_length, &ulen) && ulen < (1ULL << 32))
		bytes += block(hw, utf8, ulen + 1);
	return bytes;
}

/* pmt_heapwalk_size - the object's block and its own buffers; see heapwalk.h. */
uint64_t pmt_heapwalk_size(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t)
{
	const struct pmt_pyobjlayout *ol = hw->ol;
	uint64_t pre = t->gc ? GC_HEAD : 0, n = 0, a = 0, b = 0, size, extra = 0;

	if (t->flags & (ol->f_managed_dict | ol->f_managed_weakref))
		pre += 16;
	switch (t->kind) {
	case PMT_OBJ_STR:
		if (!t->heap)
			return str_bytes(hw, obj);
		break;
	case PMT_OBJ_INT:
		if (ol->long_tagged && !t->heap) {
			if (rd64(hw, obj + OB_SIZE, &n))
				return 0;
			n >>= 3;
			return block(hw, obj, 24 + 4 * (n ? n : 1));
		}
		break;
	case PMT_OBJ_LIST:
		if (!rd64(hw, obj + LIST_ALLOCATED, &n) && n && n < MAX_ITEMS &&
		    !rd64(hw, obj + LIST_ITEMS, &a))
			extra += block(hw, a, 8 * n);
		break;
	case PMT_OBJ_DICT:
		extra += dict_extra(hw, obj);
		break;
	case PMT_OBJ_SET:
		if (!rd64(hw, obj + SET_TABLE, &a) && a != obj + SET_SMALLTABLE &&
		    !rd64(hw, obj + SET_MASK, &n) && n < MAX_ITEMS)
			extra += block(hw, a, 16 * (n + 1));
		break;
	case PMT_OBJ_BYTEARRAY:
		if (!rd64(hw, obj + BYTEARRAY_BYTES, &a) && a &&
		    !rd64(hw, obj + BYTEARRAY_ALLOC, &n) && n < (1ULL << 40))
			extra += block(hw, a, n);
		break;
	case PMT_OBJ_ARRAY: {
		uint32_t isz = 0;

		if (!rd64(hw, obj + ARRAY_ITEMS, &a) && a &&
		    !rd64(hw, obj + ARRAY_ALLOCATED, &n) && !rd64(hw, obj + ARRAY_DESCR, &b) &&
		    ptr_ok(b) && !rd32(hw, b + ARRAYDESCR_ITEMSIZE, &isz) && isz <= 16 &&
		    n < (1ULL << 40))
			extra += block(hw, a, n * isz);
		break;
	}
	case PMT_OBJ_NDARRAY: {
		uint32_t flags = 0, nd = 0, elsize = 0;
		uint64_t dims[32], total = 1;

		if (!rd32(hw, obj + NDARRAY_FLAGS, &flags) && (flags & NDARRAY_OWNDATA) &&
		    !rd32(hw, obj + NDARRAY_ND, &nd) && nd <= 32 &&
		    !rd64(hw, obj + NDARRAY_DIMS, &a) && !rd64(hw, obj + NDARRAY_DESCR, &b) &&
		    ptr_ok(b) && !rd32(hw, b + NUMPY_DESCR_ELSIZE, &elsize) &&
		    (!nd || !pmt_heapwalk_read(hw, a, dims, 8 * nd))) {
			for (uint32_t i = 0; i < nd && total < (1ULL << 40); i++)
				total *= dims[i];
			if (total < (1ULL << 40) && elsize < (1u << 20) &&
			    !rd64(hw, obj + NDARRAY_DATA, &a))
				extra += block(hw, a, total * elsize);
		}
		break;
	}
	default:
		break;
	}
	size = (uint64_t)t->basicsize;
	if (t->itemsize && (t->kind == PMT_OBJ_GEN ||
			    (t->kind == PMT_OBJ_FRAME && ol->co_stacksize != PMT_NOFF))) {
		/*
		 * 3.11+ generators and frame objects hold an interpreter frame sized
		 * by its code (no ob_size): locals and stack, and for frame objects
		 * the frame's own fields (9 words).
		 */
		uint64_t frame = 0, code = 0;
		int32_t nl = 0, st = 0;

		if (t->kind == PMT_OBJ_GEN)
			frame = obj + ol->gen_frame;
		else
			rd64(hw, obj + 24, &frame); /* f_frame */
		if (ol->co_stacksize != PMT_NOFF && ptr_ok(frame) &&
		    !rd64(hw, frame + hw->pyl.frame_code, &code) && ptr_ok(code) &&
		    !rd32(hw, code + ol->co_nlocalsplus, (uint32_t *)&nl) &&
		    !rd32(hw, code + ol->co_stacksize, (uint32_t *)&st) && nl >= 0 && st >= 0 &&
		    nl + st < 65536)
			size += (uint64_t)(nl + st + (t->kind == PMT_OBJ_FRAME ? 9 : 0)) *
				(uint64_t)t->itemsize;
	} else if (t->itemsize) {
		int64_t items = 0;

		if (pmt_heapwalk_read(hw, obj + OB_SIZE, &items, 8))
			return 0;
		if (t->kind == PMT_OBJ_INT && ol->long_tagged)
			items = (int64_t)((uint64_t)items >> 3); /* 3.12+: lv_tag */
		else if (items < 0)
			items = -items;
		if ((uint64_t)items > MAX_ITEMS || (uint64_t)items * (uint64_t)t->itemsize > (1ULL << 36)) {
			hw->bad_reads++; /* not an item count: the object's own size only */
			items = 0;
		}
		/* PyType_GenericAlloc (classes, and `type` making them) allocates one more. */
		if (t->heap || t->kind == PMT_OBJ_TYPE)
			items++;
		size = (size + (uint64_t)items * (uint64_t)t->itemsize + 7) & ~7ULL;
	}
	if (t->heap && (t->flags & ol->f_managed_dict)) {
		if (ol->managed == PMT_MANAGED_313 && (t->flags & ol->f_inline_values)) {
			uint8_t cap;

			if (!pmt_heapwalk_read(hw, obj + 16, &cap, 1))
				size += ((cap + 7) & ~7u) + 8 * ((uint64_t)cap + 1);
		} else {
			uint64_t w = 0, vals = 0;

			if (!rd64(hw, obj - 24, &w)) {
				if (ol->managed == PMT_MANAGED_311)
					rd64(hw, obj - 32, &vals);
				else if (ol->managed == PMT_MANAGED_312 && (w & 1))
					vals = w + 1;
			}
			if (vals && ptr_ok(vals))
				extra += values_bytes(hw, vals, t->cached_keys);
		}
	}
	return block(hw, obj - pre, pre + size) + extra;
}

/* ---- lengths, attributes, names ----------------------------------------------- */

/* pmt_heapwalk_len - a container's length; see heapwalk.h. */
int pmt_heapwalk_len(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t,
		     int64_t *len)
{
	uint64_t v;

	switch (t->kind) {
	case PMT_OBJ_LIST:
	case PMT_OBJ_TUPLE:
	case PMT_OBJ_BYTES:
		if (rd64(hw, obj + OB_SIZE, &v))
			return -EFAULT;
		break;
	case PMT_OBJ_BYTEARRAY:
		if (rd64(hw, obj + OB_SIZE, &v))
			return -EFAULT;
		break;
	case PMT_OBJ_DICT:
		if (rd64(hw, obj + DICT_USED, &v))
			return -EFAULT;
		break;
	case PMT_OBJ_SET:
		if (rd64(hw, obj + 24, &v)) /* used */
			return -EFAULT;
		break;
	case PMT_OBJ_STR:
		if (rd64(hw, obj + hw->pyl.str_length, &v))
			return -EFAULT;
		break;
	default:
		return -EINVAL;
	}
	if (v > MAX_ITEMS * 16ULL)
		return -EINVAL;
	*len = (int64_t)v;
	return 0;
}

struct attr_find {
	struct pmt_heapwalk *hw;
	const char *name;
	uint64_t found, dict;
};

static int attr_cb(void *ctx, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	struct attr_find *f = ctx;

	if (zero && l->kind == PMT_REF_FIELD && !strcmp(l->name, "__dict__")) {
		f->dict = ref;
		return 0;
	}
	if ((l->kind == PMT_REF_SLOT && !strcmp(l->name, f->name)) ||
	    (l->kind == PMT_REF_ATTR && str_eq(f->hw, l->obj, f->name))) {
		f->found = ref;
		return 1;
	}
	return 0;
}

/* pmt_heapwalk_attr - an instance attribute by name, or 0. */
uint64_t pmt_heapwalk_attr(struct pmt_heapwalk *hw, uint64_t obj, const char *name)
{
	struct attr_find f = { hw, name, 0, 0 };
	const struct pmt_pytype *t = pmt_heapwalk_type_of(hw, obj, NULL);
	struct emitter e = { hw, attr_cb, &f, true }; /* small ints live in the runtime from 3.12 */

	if (!t || !t->heap)
		return 0;
	emit_instance(&e, obj, t);
	if (!f.found && f.dict)
		f.found = dict_get(hw, f.dict, name);
	return f.found;
}

/* pmt_heapwalk_module_name - a module's __name__. */
int pmt_heapwalk_module_name(struct pmt_heapwalk *hw, uint64_t module, char *buf, size_t len)
{
	uint64_t dict, name;

	if (rd64(hw, module + MODULE_DICT, &dict) || !ptr_ok(dict))
		return -EINVAL;
	name = dict_get(hw, dict, "__name__");
	return name ? pmt_heapwalk_str(hw, name, buf, len) : -EINVAL;
}

/* ---- threads' frames -------------------------------------------------------------- */

#define MAX_LOCALS 256
#define MAX_FRAMES 128
#define MAX_THREADS 4096

/* pmt_heapwalk_frames - every thread's frames and their locals; see heapwalk.h. */
int pmt_heapwalk_frames(struct pmt_heapwalk *hw, pmt_heapwalk_frame_fn fn, void *ctx)
{
	const struct pmt_pylayout *l = &hw->pyl;
	const struct pmt_pyobjlayout *ol = hw->ol;
	struct pmt_pylocal *locals = malloc(MAX_LOCALS * sizeof(*locals));
	uint64_t interp, ts;
	int thread = 0, err = 0, r = 0;

	if (!locals)
		return -ENOMEM;
	if (rd64(hw, hw->py.runtime_addr + l->runtime_interp_main, &interp) || !ptr_ok(interp) ||
	    rd64(hw, interp + l->interp_threads_head, &ts)) {
		err = -EFAULT;
		goto cleanup;
	}
	for (; ptr_ok(ts) && thread < MAX_THREADS && !r; thread++) {
		uint64_t f, tid = 0;
		int depth;

		if (l->tstate_native_thread_id != PMT_PYOFF_NONE)
			rd64(hw, ts + l->tstate_native_thread_id, &tid);
		if (rd64(hw, ts + l->tstate_frame, &f))
			break;
		if (l->cframe_current_frame != PMT_PYOFF_NONE && ptr_ok(f) &&
		    rd64(hw, f + l->cframe_current_frame, &f))
			break;
		for (depth = 0; ptr_ok(f) && depth < MAX_FRAMES && !r; depth++) {
			uint64_t code, prev, names, name_obj;
			uint8_t owner = 0;
			int32_t n = 0;
			size_t k = 0;
			char func[96];

			if (rd64(hw, f + l->frame_code, &code) ||
			    rd64(hw, f + l->frame_previous, &prev))
				break;
			if (l->frame_owner != PMT_PYOFF_NONE)
				pmt_heapwalk_read(hw, f + l->frame_owner, &owner, 1);
			if ((l->frame_owner_cstack != PMT_PYOFF_NONE &&
			     owner == l->frame_owner_cstack) || !ptr_ok(code)) {
				f = prev;
				continue;
			}
			if (ol->co_nlocalsplus != PMT_NOFF) {
				if (rd32(hw, code + ol->co_nlocalsplus, (uint32_t *)&n) ||
				    rd64(hw, code + ol->co_localsplusnames, &names))
					break;
			} else if (rd32(hw, code + ol->co_nlocals, (uint32_t *)&n) ||
				   rd64(hw, code + ol->co_varnames, &names)) {
				break;
			}
			if (n < 0 || n > 65536)
				break;
			name_obj = 0;
			rd64(hw, code + (l->code_qualname != PMT_PYOFF_NONE ? l->code_qualname :
					 l->code_name), &name_obj);
			if (pmt_heapwalk_str(hw, name_obj, func, sizeof(func)))
				snprintf(func, sizeof(func), "?");
			for (int32_t i = 0; i < n && k < MAX_LOCALS; i++) {
				uint64_t v;

				if (rd64(hw, f + ol->frame_localsplus + 8 * (uint64_t)i, &v))
					break;
				if (!v || !ptr_ok(v) || pmt_heapwalk_static(hw, v))
					continue;
				locals[k].value = v;
				if (pmt_heapwalk_str(hw, tuple_item(hw, names, (uint64_t)i),
						     locals[k].name, sizeof(locals[k].name)))
					snprintf(locals[k].name, sizeof(locals[k].name), "%d", i);
				k++;
			}
			r = fn(ctx, f, func, thread, tid, locals, k);
			f = prev;
		}
		if (rd64(hw, ts + l->tstate_next, &ts))
			break;
	}
	err = r;
cleanup:
	free(locals);
	return err;
}
