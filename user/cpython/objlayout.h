/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * objlayout.h - where CPython 3.8-3.13 keeps what a heap walker reads in
 * objects: type objects (name, sizes, flags, members, base, dict),
 * heap types' qualified names and cached keys, the collector's header
 * before each object, lists, tuples, dicts and their keys and values in
 * each version's layout, instance attributes (a __dict__, 3.11's and
 * 3.12's managed dict or values, 3.13's inline values), __slots__
 * members, sets, functions, cells, bound methods, modules, frames' local
 * variables, and the str and int layouts the sizes need.
 *
 * One row per minor version (x86-64 release builds, GIL; Debian's 3.11 is
 * the pyenv 3.11 row), taken from offsetof() against each version's
 * installed headers (docs/pylayout.md, "Objects").
 */
#ifndef PMT_OBJLAYOUT_H
#define PMT_OBJLAYOUT_H

#include <stdint.h>

#define PMT_NOFF 0xffffffffu /* no such field in this version */

/* How dict keys are laid out. */
enum pmt_dictkeys_kind {
	PMT_DK_38 = 1, /* 3.8-3.10: dk_size, dk_lookup, dk_usable, dk_nentries, indices at 40 */
	PMT_DK_311,    /* 3.11+: log2 sizes and a kind byte, indices at 32 */
};

/* Where an instance with a managed dict keeps its attributes. */
enum pmt_managed_kind {
	PMT_MANAGED_NONE = 0, /* 3.8-3.10: tp_dictoffset only */
	PMT_MANAGED_311,      /* dict pointer at -24, values pointer at -32 (one of them set) */
	PMT_MANAGED_312,      /* one word at -24: a dict, or values - 1 (tagged with bit 0) */
	PMT_MANAGED_313,      /* dict pointer at -24; inline values after the header when INLINE_VALUES */
};

struct pmt_pyobjlayout {
	int minor;
	/* PyTypeObject */
	uint32_t tp_name, tp_basicsize, tp_itemsize, tp_flags, tp_members, tp_base, tp_dict,
		tp_dictoffset, tp_bases, tp_mro;
	/* PyHeapTypeObject */
	uint32_t ht_name, ht_qualname, ht_cached_keys;
	/* tp_flags bits (0 when the version lacks them) */
	uint64_t f_managed_dict, f_managed_weakref, f_inline_values;
	/* PyMemberDef */
	uint32_t member_size, member_type, member_offset;
	/* dict */
	uint32_t dk_kind;       /* enum pmt_dictkeys_kind */
	uint32_t values_off;    /* PyDictValues.values */
	uint32_t managed;       /* enum pmt_managed_kind */
	/* function */
	uint32_t func_globals, func_defaults, func_kwdefaults, func_closure, func_dict;
	/* str */
	uint32_t str_ascii_size, str_compact_size, str_utf8_length, str_utf8;
	/* code */
	uint32_t co_nlocals, co_varnames, co_nlocalsplus, co_localsplusnames, co_stacksize;
	/* frames: PyFrameObject.f_localsplus (3.8-3.10) or _PyInterpreterFrame.localsplus */
	uint32_t frame_localsplus;
	uint32_t gen_frame;     /* 3.8-3.10: gi_frame (a pointer); 3.11+: gi_iframe (embedded) */
	/* int: 3.12+ keep the digit count in lv_tag >> 3 */
	uint32_t long_tagged;
};

/* The row for CPython 3.@minor, or NULL outside 3.8-3.13. */
const struct pmt_pyobjlayout *pmt_pyobjlayout_for(int minor);

#endif
