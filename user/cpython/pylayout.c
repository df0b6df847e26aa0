// SPDX-License-Identifier: BSD-2-Clause
/*
 * pylayout.c - the CPython 3.8-3.13 layout table, and its check against
 * the _Py_DebugOffsets that 3.13 keeps at the start of _PyRuntime.
 *
 * The rows were taken from the release headers (Include/cpython/pystate.h,
 * Include/internal/pycore_{runtime,interp,frame}.h, Include/cpython/code.h,
 * Include/cpython/unicodeobject.h of v3.8.18 ... v3.13.0) by compiling
 * offsetof() against each installed interpreter's headers, then checked by
 * walking live interpreters (tests/pystack_check.c). They hold for every
 * micro release of a minor version: CPython keeps these structs stable
 * within one. Debug (Py_DEBUG, Py_TRACE_REFS) and free-threaded builds
 * differ and are not covered; 3.13's debug offsets tell the latter apart.
 */
#include <errno.h>
#include <string.h>

#include "os/proc.h"
#include "cpython/pylayout.h"

#define NONE PMT_PYOFF_NONE

/* Shared by every row: object headers, bytes, str state bits. */
#define COMMON_OBJECTS                                                    \
	.obj_type = 8, .type_name = 24, .bytes_size = 16, .bytes_data = 32, \
	.str_length = 16, .str_state = 32, .str_kind_shift = 2,             \
	.str_compact_bit = 5, .str_ascii_bit = 6

static const struct pmt_pylayout layouts[] = {
	{
		.major = 3, .minor = 8,
		.pos_kind = PMT_PYPOS_LASTI_BYTES, .lines_kind = PMT_PYLINES_LNOTAB,
		.runtime_interp_head = 32, .runtime_interp_main = 40,
		.interp_next = 0, .interp_threads_head = 8,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = NONE, .tstate_frame = 24,
		.cframe_current_frame = NONE,
		.frame_previous = 24, .frame_code = 32, .frame_pos = 104,
		.frame_owner = NONE, .frame_owner_cstack = NONE,
		.code_filename = 104, .code_name = 112, .code_qualname = NONE,
		.code_firstlineno = 40, .code_linetable = 120,
		.code_code_adaptive = NONE, .code_firsttraceable = NONE,
		.str_ascii_data = 48, .str_compact_data = 72,
		COMMON_OBJECTS,
	},
	{
		.major = 3, .minor = 9,
		.pos_kind = PMT_PYPOS_LASTI_BYTES, .lines_kind = PMT_PYLINES_LNOTAB,
		.runtime_interp_head = 32, .runtime_interp_main = 40,
		.interp_next = 0, .interp_threads_head = 8,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = NONE, .tstate_frame = 24,
		.cframe_current_frame = NONE,
		.frame_previous = 24, .frame_code = 32, .frame_pos = 104,
		.frame_owner = NONE, .frame_owner_cstack = NONE,
		.code_filename = 104, .code_name = 112, .code_qualname = NONE,
		.code_firstlineno = 40, .code_linetable = 120,
		.code_code_adaptive = NONE, .code_firsttraceable = NONE,
		.str_ascii_data = 48, .str_compact_data = 72,
		COMMON_OBJECTS,
	},
	{
		.major = 3, .minor = 10,
		.pos_kind = PMT_PYPOS_LASTI_UNITS, .lines_kind = PMT_PYLINES_310,
		.runtime_interp_head = 32, .runtime_interp_main = 40,
		.interp_next = 0, .interp_threads_head = 8,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = NONE, .tstate_frame = 24,
		.cframe_current_frame = NONE,
		.frame_previous = 24, .frame_code = 32, .frame_pos = 96,
		.frame_owner = NONE, .frame_owner_cstack = NONE,
		.code_filename = 104, .code_name = 112, .code_qualname = NONE,
		.code_firstlineno = 40, .code_linetable = 120,
		.code_code_adaptive = NONE, .code_firsttraceable = NONE,
		.str_ascii_data = 48, .str_compact_data = 72,
		COMMON_OBJECTS,
	},
	{
		.major = 3, .minor = 11,
		.pos_kind = PMT_PYPOS_INSTR_PTR, .lines_kind = PMT_PYLINES_LOCATIONS,
		.runtime_interp_head = 40, .runtime_interp_main = 48,
		.interp_next = 0, .interp_threads_head = 16,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 152,
		.tstate_native_thread_id = 160, .tstate_frame = 56,
		.cframe_current_frame = 8,
		.frame_previous = 48, .frame_code = 32, .frame_pos = 56,
		.frame_owner = 69, .frame_owner_cstack = NONE,
		.code_filename = 112, .code_name = 120, .code_qualname = 128,
		.code_firstlineno = 72, .code_linetable = 136,
		.code_code_adaptive = 184, .code_firsttraceable = 168,
		.str_ascii_data = 48, .str_compact_data = 72,
		COMMON_OBJECTS,
	},
	{
		.major = 3, .minor = 12,
		.pos_kind = PMT_PYPOS_INSTR_PTR, .lines_kind = PMT_PYLINES_LOCATIONS,
		.runtime_interp_head = 40, .runtime_interp_main = 48,
		.interp_next = 0, .interp_threads_head = 72,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 136,
		.tstate_native_thread_id = 144, .tstate_frame = 56,
		.cframe_current_frame = 0,
		.frame_previous = 8, .frame_code = 0, .frame_pos = 56,
		.frame_owner = 70, .frame_owner_cstack = 3,
		.code_filename = 112, .code_name = 120, .code_qualname = 128,
		.code_firstlineno = 68, .code_linetable = 136,
		.code_code_adaptive = 192, .code_firsttraceable = 176,
		.str_ascii_data = 40, .str_compact_data = 56,
		COMMON_OBJECTS,
	},
	{
		.major = 3, .minor = 13,
		.pos_kind = PMT_PYPOS_INSTR_PTR, .lines_kind = PMT_PYLINES_LOCATIONS,
		.runtime_interp_head = 632, .runtime_interp_main = 640,
		.interp_next = 7264, .interp_threads_head = 7344,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 152,
		.tstate_native_thread_id = 160, .tstate_frame = 72,
		.cframe_current_frame = NONE,
		.frame_previous = 8, .frame_code = 0, .frame_pos = 56,
		.frame_owner = 70, .frame_owner_cstack = 3,
		.code_filename = 112, .code_name = 120, .code_qualname = 128,
		.code_firstlineno = 68, .code_linetable = 136,
		.code_code_adaptive = 200, .code_firsttraceable = 184,
		.str_ascii_data = 40, .str_compact_data = 56,
		COMMON_OBJECTS,
	},
};

int pmt_pylayout_for(int major, int minor, struct pmt_pylayout *out)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if ((int)layouts[i].major == major && (int)layouts[i].minor == minor) {
			*out = layouts[i];
			return 0;
		}
	return -ENOTSUP;
}

/*
 * Word indexes into the 3.13 _Py_DebugOffsets (all uint64_t). Its layout
 * is fixed for the life of a minor version and changes in 3.14.
 */
enum {
	DO_VERSION = 1, DO_FREE_THREADED = 2,
	DO_RUNTIME_SIZE = 3, DO_INTERP_HEAD = 5,
	DO_INTERP_SIZE = 6, DO_INTERP_NEXT = 8, DO_THREADS_HEAD = 9,
	DO_TSTATE_SIZE = 19, DO_TSTATE_NEXT = 21, DO_TSTATE_INTERP = 22,
	DO_TSTATE_FRAME = 23, DO_TSTATE_THREAD_ID = 24, DO_TSTATE_NATIVE_ID = 25,
	DO_FRAME_SIZE = 28, DO_FRAME_PREVIOUS = 29, DO_FRAME_EXECUTABLE = 30,
	DO_FRAME_INSTR_PTR = 31, DO_FRAME_OWNER = 33,
	DO_CODE_SIZE = 34, DO_CODE_FILENAME = 35, DO_CODE_NAME = 36,
	DO_CODE_QUALNAME = 37, DO_CODE_LINETABLE = 38, DO_CODE_FIRSTLINENO = 39,
	DO_CODE_ADAPTIVE = 43,
	DO_OBJ_SIZE = 44, DO_OBJ_TYPE = 45,
	DO_TYPE_SIZE = 46, DO_TYPE_NAME = 47,
	DO_BYTES_SIZE = 64, DO_BYTES_OB_SIZE = 65, DO_BYTES_SVAL = 66,
	DO_STR_SIZE = 67, DO_STR_STATE = 68, DO_STR_LENGTH = 69, DO_STR_ASCII_SIZE = 70,
	DO_WORDS = 73,
};

_Static_assert(DO_WORDS * 8 == PMT_PY_DEBUG_OFFSETS_SIZE, "debug offsets size");

struct debug_field {
	unsigned char word;      /* index of the offset */
	unsigned char size_word; /* index of the enclosing struct's size */
	size_t field;            /* offsetof(struct pmt_pylayout, ...) */
};

#define F(w, s, name) { w, s, offsetof(struct pmt_pylayout, name) }
static const struct debug_field debug_fields[] = {
	F(DO_INTERP_HEAD, DO_RUNTIME_SIZE, runtime_interp_head),
	F(DO_INTERP_NEXT, DO_INTERP_SIZE, interp_next),
	F(DO_THREADS_HEAD, DO_INTERP_SIZE, interp_threads_head),
	F(DO_TSTATE_NEXT, DO_TSTATE_SIZE, tstate_next),
	F(DO_TSTATE_INTERP, DO_TSTATE_SIZE, tstate_interp),
	F(DO_TSTATE_FRAME, DO_TSTATE_SIZE, tstate_frame),
	F(DO_TSTATE_THREAD_ID, DO_TSTATE_SIZE, tstate_thread_id),
	F(DO_TSTATE_NATIVE_ID, DO_TSTATE_SIZE, tstate_native_thread_id),
	F(DO_FRAME_PREVIOUS, DO_FRAME_SIZE, frame_previous),
	F(DO_FRAME_EXECUTABLE, DO_FRAME_SIZE, frame_code),
	F(DO_FRAME_INSTR_PTR, DO_FRAME_SIZE, frame_pos),
	F(DO_FRAME_OWNER, DO_FRAME_SIZE, frame_owner),
	F(DO_CODE_FILENAME, DO_CODE_SIZE, code_filename),
	F(DO_CODE_NAME, DO_CODE_SIZE, code_name),
	F(DO_CODE_QUALNAME, DO_CODE_SIZE, code_qualname),
	F(DO_CODE_LINETABLE, DO_CODE_SIZE, code_linetable),
	F(DO_CODE_FIRSTLINENO, DO_CODE_SIZE, code_firstlineno),
	F(DO_CODE_ADAPTIVE, DO_CODE_SIZE, code_code_adaptive),
	F(DO_OBJ_TYPE, DO_OBJ_SIZE, obj_type),
	F(DO_TYPE_NAME, DO_TYPE_SIZE, type_name),
	F(DO_BYTES_OB_SIZE, DO_BYTES_SIZE, bytes_size),
	F(DO_BYTES_SVAL, DO_BYTES_SIZE, bytes_data),
	F(DO_STR_STATE, DO_STR_SIZE, str_state),
	F(DO_STR_LENGTH, DO_STR_SIZE, str_length),
	F(DO_STR_ASCII_SIZE, DO_STR_SIZE, str_ascii_data),
};
#undef F

int pmt_pylayout_parse_debug(const void *buf, size_t len, struct pmt_pylayout *l)
{
	uint64_t w[DO_WORDS];
	struct pmt_pylayout n = *l;
	int diff = 0;

	if (l->major != 3 || l->minor != 13)
		return -ENOTSUP;
	if (len < sizeof(w))
		return -EPROTO;
	memcpy(w, buf, sizeof(w));
	if (memcmp(w, "xdebugpy", 8) || (w[DO_VERSION] >> 24) != l->major ||
	    ((w[DO_VERSION] >> 16) & 0xff) != l->minor)
		return -EPROTO;
	if (w[DO_FREE_THREADED])
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof(debug_fields) / sizeof(debug_fields[0]); i++) {
		const struct debug_field *f = &debug_fields[i];
		uint64_t v = w[f->word], size = w[f->size_word];
		uint32_t *dst = (uint32_t *)((char *)&n + f->field);

		/* A field lies inside its struct (PyASCIIObject inside PyUnicodeObject). */
		if (size > (1u << 24) || v >= size)
			return -EPROTO;
		if (*dst != v)
			diff++;
		*dst = (uint32_t)v;
	}
	/* PyCompactUnicodeObject adds utf8_length and utf8 (3.12+). */
	n.str_compact_data = n.str_ascii_data + 16;
	if (n.str_compact_data != l->str_compact_data)
		diff++;
	n.flags |= PMT_PYLAYOUT_F_DEBUG_OFFSETS;
	*l = n;
	return diff;
}

int pmt_pylayout_read_debug(pid_t pid, uint64_t runtime_addr, struct pmt_pylayout *l)
{
	uint8_t buf[PMT_PY_DEBUG_OFFSETS_SIZE];
	int err;

	if (l->major != 3 || l->minor < 13)
		return -ENOTSUP;
	err = pmt_mem_read(pid, runtime_addr, buf, sizeof(buf));
	if (err)
		return err;
	return pmt_pylayout_parse_debug(buf, sizeof(buf), l);
}
