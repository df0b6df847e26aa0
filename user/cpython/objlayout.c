// SPDX-License-Identifier: BSD-2-Clause
/*
 * objlayout.c - the object layout rows of CPython 3.8-3.13, as printed by
 * offsetof() compiled against each pyenv version's headers (with
 * Py_BUILD_CORE and the internal headers) and against Debian's
 * /usr/include/python3.11, which agrees with pyenv's 3.11 row. Offsets
 * every version shares (ob_refcnt 0, ob_type 8, ob_size 16, list ob_item
 * 24 and allocated 32, tuple items 24, dict ma_used 16 / ma_keys 32 /
 * ma_values 40, set mask 32 / table 40 / smalltable 64, cell 16, bound
 * method 16 and 24, module md_dict 16, bytearray ob_alloc 24 and ob_bytes
 * 32) are constants in heapwalk.c.
 */
#include <stddef.h>

#include "cpython/objlayout.h"

#define N PMT_NOFF

#define TYPE_COMMON                                                                         \
	.tp_name = 24, .tp_basicsize = 32, .tp_itemsize = 40, .tp_flags = 168,              \
	.tp_members = 240, .tp_base = 256, .tp_dict = 264, .tp_dictoffset = 288,           \
	.tp_bases = 336, .tp_mro = 344, .member_size = 40, .member_type = 8,               \
	.member_offset = 16

static const struct pmt_pyobjlayout rows[] = {
	{
		.minor = 8, TYPE_COMMON,
		.ht_name = 848, .ht_qualname = 864, .ht_cached_keys = 872,
		.dk_kind = PMT_DK_38, .values_off = 0, .managed = PMT_MANAGED_NONE,
		.func_globals = 24, .func_defaults = 32, .func_kwdefaults = 40,
		.func_closure = 48, .func_dict = 72,
		.str_ascii_size = 48, .str_compact_size = 72, .str_utf8_length = 48, .str_utf8 = 56,
		.co_nlocals = 28, .co_varnames = 72, .co_nlocalsplus = N, .co_localsplusnames = N,
		.co_stacksize = N,
		.frame_localsplus = 360, .gen_frame = 16,
	},
	{
		.minor = 9, TYPE_COMMON,
		.ht_name = 840, .ht_qualname = 856, .ht_cached_keys = 864,
		.dk_kind = PMT_DK_38, .values_off = 0, .managed = PMT_MANAGED_NONE,
		.func_globals = 24, .func_defaults = 32, .func_kwdefaults = 40,
		.func_closure = 48, .func_dict = 72,
		.str_ascii_size = 48, .str_compact_size = 72, .str_utf8_length = 48, .str_utf8 = 56,
		.co_nlocals = 28, .co_varnames = 72, .co_nlocalsplus = N, .co_localsplusnames = N,
		.co_stacksize = N,
		.frame_localsplus = 360, .gen_frame = 16,
	},
	{
		.minor = 10, TYPE_COMMON,
		.ht_name = 848, .ht_qualname = 864, .ht_cached_keys = 872,
		.dk_kind = PMT_DK_38, .values_off = 0, .managed = PMT_MANAGED_NONE,
		.func_globals = 16, .func_defaults = 56, .func_kwdefaults = 64,
		.func_closure = 72, .func_dict = 88,
		.str_ascii_size = 48, .str_compact_size = 72, .str_utf8_length = 48, .str_utf8 = 56,
		.co_nlocals = 28, .co_varnames = 72, .co_nlocalsplus = N, .co_localsplusnames = N,
		.co_stacksize = N,
		.frame_localsplus = 352, .gen_frame = 16,
	},
	{
		.minor = 11, TYPE_COMMON,
		.ht_name = 848, .ht_qualname = 864, .ht_cached_keys = 872,
		.f_managed_dict = 1u << 4,
		.dk_kind = PMT_DK_311, .values_off = 0, .managed = PMT_MANAGED_311,
		.func_globals = 16, .func_defaults = 56, .func_kwdefaults = 64,
		.func_closure = 72, .func_dict = 88,
		.str_ascii_size = 48, .str_compact_size = 72, .str_utf8_length = 48, .str_utf8 = 56,
		.co_nlocals = 80, .co_varnames = N, .co_nlocalsplus = 76, .co_localsplusnames = 96,
		.co_stacksize = 68,
		.frame_localsplus = 72, .gen_frame = 80,
	},
	{
		.minor = 12, TYPE_COMMON,
		.ht_name = 856, .ht_qualname = 872, .ht_cached_keys = 880,
		.f_managed_dict = 1u << 4, .f_managed_weakref = 1u << 3,
		.dk_kind = PMT_DK_311, .values_off = 0, .managed = PMT_MANAGED_312,
		.func_globals = 16, .func_defaults = 56, .func_kwdefaults = 64,
		.func_closure = 72, .func_dict = 88,
		.str_ascii_size = 40, .str_compact_size = 56, .str_utf8_length = 40, .str_utf8 = 48,
		.co_nlocals = 80, .co_varnames = N, .co_nlocalsplus = 72, .co_localsplusnames = 96,
		.co_stacksize = 64,
		.frame_localsplus = 72, .gen_frame = 72, .long_tagged = 1,
	},
	{
		.minor = 13, TYPE_COMMON,
		.ht_name = 856, .ht_qualname = 872, .ht_cached_keys = 880,
		.f_managed_dict = 1u << 4, .f_managed_weakref = 1u << 3, .f_inline_values = 1u << 2,
		.dk_kind = PMT_DK_311, .values_off = 8, .managed = PMT_MANAGED_313,
		.func_globals = 16, .func_defaults = 56, .func_kwdefaults = 64,
		.func_closure = 72, .func_dict = 88,
		.str_ascii_size = 40, .str_compact_size = 56, .str_utf8_length = 40, .str_utf8 = 48,
		.co_nlocals = 80, .co_varnames = N, .co_nlocalsplus = 72, .co_localsplusnames = 96,
		.co_stacksize = 64,
		.frame_localsplus = 72, .gen_frame = 72, .long_tagged = 1,
	},
};

/* pmt_pyobjlayout_for - the row of 3.@minor, or NULL. */
const struct pmt_pyobjlayout *pmt_pyobjlayout_for(int minor)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].minor == minor)
			return &rows[i];
	return NULL;
}
