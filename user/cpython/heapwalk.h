/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heapwalk.h - walking a live CPython heap from outside the process: the
 * objects on the collector's generation lists, each object's type (name,
 * module-qualified, sizes, flags), its size as the allocator holds it, and
 * its referents (what its type's traverse function would visit), with a
 * label saying how each is held (`[3]`, `.tiles`, `['key']`).
 *
 * Nothing is injected and the process is never stopped: memory is copied
 * with process_vm_readv in 64 KiB chunks (os/memcache.h) and every
 * pointer is checked before it is followed (inside a readable mapping,
 * aligned; a type is a type when its own type chain ends at `type`; a
 * list's next node points back at it). What fails is counted and skipped.
 *
 * Reusable: a heap snapshot (cpython/snapshot.c) walks everything; a pool
 * finder can walk the GC lists for lists of one class and read their
 * lengths. Usage:
 *
 *   struct pmt_heapwalk hw;
 *   pmt_heapwalk_open(&hw, pid, &py, 0);
 *   pmt_heapwalk_begin(&hw);                    // fresh maps and copies
 *   pmt_heapwalk_gc_objects(&hw, on_obj, ctx);  // every tracked object
 *   ... pmt_heapwalk_type_of(&hw, obj, &refcnt), pmt_heapwalk_len(),
 *       pmt_heapwalk_referents(&hw, obj, type, on_ref, ctx) ...
 *   pmt_heapwalk_close(&hw);
 *
 * Supported: CPython 3.8-3.13, x86-64, release GIL builds (user/cpython/
 * objlayout.c and pylayout.c hold the layouts; docs/pylayout.md says how
 * they were obtained).
 */
#ifndef PMT_HEAPWALK_H
#define PMT_HEAPWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpython/objlayout.h"
#include "cpython/pylayout.h"
#include "cpython/python.h"
#include "os/memcache.h"
#include "os/proc.h"
#include "pmtrace/engine_assets.h"

#define PMT_PYTYPE_NAME 160 /* bytes of a qualified type name, with NUL */

/* What an object is, by the layout its static base type gives it. */
enum pmt_objkind {
	PMT_OBJ_OTHER = 0,
	PMT_OBJ_TYPE,      /* a class (an instance of type or a metaclass) */
	PMT_OBJ_LIST,
	PMT_OBJ_TUPLE,
	PMT_OBJ_DICT,
	PMT_OBJ_SET,       /* set, frozenset */
	PMT_OBJ_STR,
	PMT_OBJ_BYTES,
	PMT_OBJ_BYTEARRAY,
	PMT_OBJ_INT,
	PMT_OBJ_MODULE,
	PMT_OBJ_CELL,
	PMT_OBJ_METHOD,    /* a bound method */
	PMT_OBJ_FUNCTION,
	PMT_OBJ_FRAME,     /* 3.8-3.10 frame objects */
	PMT_OBJ_ARRAY,     /* array.array */
	PMT_OBJ_NDARRAY,   /* numpy.ndarray */
	PMT_OBJ_CTYPES_PTR,/* a ctypes pointer instance */
	PMT_OBJ_GEN,       /* generator, coroutine, async generator */
};

/* A type, read once per walk. */
struct pmt_pytype {
	uint64_t addr;
	uint64_t flags;            /* tp_flags */
	int64_t basicsize, itemsize, dictoffset;
	uint64_t base, dict, cached_keys;
	uint64_t static_base;      /* the first non-heap type of its base chain */
	uint32_t kind;             /* enum pmt_objkind, from the static base */
	uint32_t id;               /* its index among the walk's types */
	bool heap, gc;
	bool dict_added;           /* its heap chain added the instance dict (subtype_traverse visits it) */
	char name[PMT_PYTYPE_NAME];/* "module.Qualname" (classes), tp_name (others; builtins bare) */
	const struct pmt_engine_row *engine; /* when its instances own assets */
	/* __slots__ of its heap chain (T_OBJECT_EX members). */
	uint32_t nslots;
	uint32_t *slot_off;
	char (*slot_name)[48];
};

/* How a referent is held. */
enum pmt_ref_kind {
	PMT_REF_INDEX = 1, /* [index] of a list or tuple, or a local's index */
	PMT_REF_KEY,       /* a dict value under key object @obj */
	PMT_REF_DICTKEY,   /* a dict key itself */
	PMT_REF_ATTR,      /* an attribute named by str object @obj */
	PMT_REF_SLOT,      /* a __slots__ member: @name */
	PMT_REF_FIELD,     /* a named field: @name (.__dict__, .__class__, .__self__...) */
	PMT_REF_ITEM,      /* a set member */
};

struct pmt_reflabel {
	uint32_t kind;     /* enum pmt_ref_kind */
	uint64_t index;
	uint64_t obj;      /* key or attribute name object */
	const char *name;  /* valid during the callback */
};

/*
 * Called per referent; @zero: the owner's own __dict__. Return 0 to go on,
 * anything else to stop (returned by the enumerator).
 */
typedef int (*pmt_heapwalk_ref_fn)(void *ctx, uint64_t ref, bool zero,
				   const struct pmt_reflabel *l);

/* Called per object of the GC lists; return non-zero to stop. */
typedef int (*pmt_heapwalk_obj_fn)(void *ctx, uint64_t obj);

struct pmt_heapwalk {
	pid_t pid;
	struct pmt_python py;            /* a copy */
	struct pmt_pylayout pyl;
	const struct pmt_pyobjlayout *ol;
	struct pmt_maps maps;
	struct pmt_memcache mem;
	size_t cache_limit;
	uint64_t gens;                   /* &generations[0] */
	uint64_t type_type;              /* &PyType_Type, found from the objects */
	const struct pmt_mapping *runtime_maps[8]; /* mappings of the runtime file */
	/* Types read in this walk: by address (open addressing) and by id. */
	uint64_t *tkeys;
	struct pmt_pytype **tvals;
	size_t tcap;
	struct pmt_pytype **types;
	size_t ntypes, types_cap;
	uint64_t estimate;       /* tracked objects by the collector's counts (a hint) */
	/* Statistics of the walk. */
	uint64_t bad_reads;      /* reads that failed or disagreed: skipped */
	uint64_t list_breaks;    /* GC lists that changed under the walk */
	uint64_t gc_waits;       /* waits for a collection in progress to end */
	bool partial;            /* a GC list could not be walked to its end */
};

/*
 * Prepare a walker for @pid running @py (gc_stats_addr resolved), keeping
 * at most @cache_limit bytes of copies (0: no limit). Returns 0, -ENOTSUP
 * for a version without a layout, -EAGAIN when the GC state is not known
 * yet, -ENOMEM.
 */
int pmt_heapwalk_open(struct pmt_heapwalk *hw, pid_t pid, const struct pmt_python *py,
		      size_t cache_limit);
void pmt_heapwalk_close(struct pmt_heapwalk *hw);

/*
 * Start a walk: read the mappings again, drop the copies and types of the
 * last walk, and wait (up to 200 ms) while a collection is running.
 * Returns 0, -ESRCH when the process is gone, -EBUSY when the collector
 * kept running, or -errno.
 */
int pmt_heapwalk_begin(struct pmt_heapwalk *hw);

/*
 * Call @fn for each object on the collector's lists (generations 0-2 and
 * the permanent one), stopping after @max objects (0: no limit). A list
 * whose links disagree is read again once; if it still does, the rest of
 * it is skipped and hw->partial set. Returns the number of objects, or
 * the callback's non-zero value, or -errno.
 */
long pmt_heapwalk_gc_objects(struct pmt_heapwalk *hw, pmt_heapwalk_obj_fn fn, void *ctx,
			     size_t max);

/*
 * The type of @obj (its reference count into *@refcnt, may be NULL), or
 * NULL when the object's header or type cannot be read or is not a type.
 */
const struct pmt_pytype *pmt_heapwalk_type_of(struct pmt_heapwalk *hw, uint64_t obj,
					      uint64_t *refcnt);

/* The type at @addr, read and checked once per walk; NULL when not a type. */
const struct pmt_pytype *pmt_heapwalk_type(struct pmt_heapwalk *hw, uint64_t addr);

/*
 * Bytes @obj of type @t holds, as the allocator holds them: its block
 * (the collector's header and 3.11+'s pre-header included, pymalloc's
 * 16-byte classes up to 512 bytes, malloc's chunk above) and the blocks of
 * its own buffers (a list's items, a dict's table and values, a set's
 * table, bytearray, array.array and numpy data, a str's UTF-8 copy).
 * Reads that fail give what could be computed.
 */
uint64_t pmt_heapwalk_size(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t);

/*
 * Call @fn for each referent of @obj (type @t) that its type's traverse
 * function visits, plus a heap type instance's reference to its class:
 * each call is one strong reference. Referents outside the heap (objects
 * in a mapped file: static types, 3.12+'s immortal singletons) are
 * skipped. Returns 0, the callback's non-zero value, or -EFAULT when the
 * object could not be read (what was read before was reported).
 */
int pmt_heapwalk_referents(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t,
			   pmt_heapwalk_ref_fn fn, void *ctx);

/* Length of a list, tuple, dict (items), set, str, bytes or bytearray; -EINVAL otherwise. */
int pmt_heapwalk_len(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_pytype *t,
		     int64_t *len);

/* The str object @addr as UTF-8 into @buf (cut to fit). Returns 0 or -EINVAL/-EFAULT. */
int pmt_heapwalk_str(struct pmt_heapwalk *hw, uint64_t addr, char *buf, size_t len);

/* The value of int object @addr (it must fit 63 bits). Returns 0 or -EINVAL/-EFAULT. */
int pmt_heapwalk_int(struct pmt_heapwalk *hw, uint64_t addr, int64_t *v);

/* The attribute @name of instance @obj (its __dict__, inline values or slots), or 0. */
uint64_t pmt_heapwalk_attr(struct pmt_heapwalk *hw, uint64_t obj, const char *name);

/* The value under the str key @name of the dict @dict (a dict object, else 0), or 0. */
uint64_t pmt_heapwalk_dict_get(struct pmt_heapwalk *hw, uint64_t dict, const char *name);

/* A module's __name__ into @buf. Returns 0 or -EINVAL. */
int pmt_heapwalk_module_name(struct pmt_heapwalk *hw, uint64_t module, char *buf, size_t len);

/* True when @addr lies in a mapped file (static data, not the heap). */
bool pmt_heapwalk_static(const struct pmt_heapwalk *hw, uint64_t addr);

/* One local variable of a running frame. */
struct pmt_pylocal {
	uint64_t value;
	char name[64];
};

/*
 * Called per Python frame of each thread, innermost first: @frame is its
 * address (a frame object on 3.8-3.10, an interpreter frame after), @func
 * its function's name, @thread the thread's index (0: the newest thread
 * state, usually not the main thread; @tid its native id when known, else
 * 0), and its locals that hold an object. Return non-zero to stop.
 */
typedef int (*pmt_heapwalk_frame_fn)(void *ctx, uint64_t frame, const char *func, int thread,
				     uint64_t tid, const struct pmt_pylocal *locals, size_t n);

/* Walk every thread's frames. Returns 0, the callback's value, or -errno. */
int pmt_heapwalk_frames(struct pmt_heapwalk *hw, pmt_heapwalk_frame_fn fn, void *ctx);

/* Copy @len bytes at @addr through the walk's copies. 0 or -errno. */
int pmt_heapwalk_read(struct pmt_heapwalk *hw, uint64_t addr, void *buf, size_t len);

#endif
