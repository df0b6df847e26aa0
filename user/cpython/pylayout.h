/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pylayout.h - where CPython 3.8-3.13 keeps what a stack walker needs: the
 * path from &_PyRuntime to the thread states, from a thread state to its
 * innermost frame, along the frame chain, and into code and str objects.
 *
 * One struct of byte offsets per minor version (x86_64, default release
 * build, GIL build), so that the BPF walker can take it as rodata and user
 * space can decode what the walker recorded. Everything is a __u32-sized
 * field (no pointers, bool or long) so the struct can move unchanged into
 * include/pmtrace/ when the BPF side needs it. docs/pylayout.md explains
 * each field and how the numbers were obtained.
 */
#ifndef PMT_PYLAYOUT_H
#define PMT_PYLAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An offset or value that does not exist in this version. */
#define PMT_PYOFF_NONE 0xffffffffu

/* What a frame's recorded position means. */
enum pmt_pypos_kind {
	PMT_PYPOS_LASTI_BYTES = 1, /* 3.8, 3.9: int f_lasti, byte offset in co_code */
	PMT_PYPOS_LASTI_UNITS = 2, /* 3.10: int f_lasti, index of a 2-byte code unit */
	PMT_PYPOS_INSTR_PTR = 3,   /* 3.11+: address of a code unit in co_code_adaptive */
};

/* Encoding of the table that maps instruction offsets to lines. */
enum pmt_pylines_kind {
	PMT_PYLINES_LNOTAB = 1,    /* 3.8, 3.9: co_lnotab */
	PMT_PYLINES_310 = 2,       /* 3.10: co_linetable, (bytes, line delta) pairs */
	PMT_PYLINES_LOCATIONS = 3, /* 3.11+: co_linetable, location entries */
};

/* flags */
#define PMT_PYLAYOUT_F_DEBUG_OFFSETS 0x1u /* read from the target's _Py_DebugOffsets */

struct pmt_pylayout {
	uint32_t major, minor;
	uint32_t flags;
	uint32_t pos_kind;    /* enum pmt_pypos_kind: 4-byte int or 8-byte pointer */
	uint32_t lines_kind;  /* enum pmt_pylines_kind */
	/* _PyRuntimeState */
	uint32_t runtime_interp_head; /* interpreters.head (newest interpreter) */
	uint32_t runtime_interp_main; /* interpreters.main */
	/* PyInterpreterState */
	uint32_t interp_next;
	uint32_t interp_threads_head; /* threads.head (3.11+) / tstate_head */
	/* PyThreadState */
	uint32_t tstate_next;
	uint32_t tstate_interp;
	uint32_t tstate_thread_id;        /* unsigned long: pthread_self() of the thread */
	uint32_t tstate_native_thread_id; /* kernel tid, 3.11+; NONE before */
	uint32_t tstate_frame;            /* frame (3.8-3.10), cframe (3.11, 3.12),
					     current_frame (3.13) */
	uint32_t cframe_current_frame;    /* in _PyCFrame (3.11, 3.12); NONE otherwise */
	/* PyFrameObject (3.8-3.10) or _PyInterpreterFrame (3.11+) */
	uint32_t frame_previous;      /* f_back / previous */
	uint32_t frame_code;          /* f_code / f_executable */
	uint32_t frame_pos;           /* f_lasti / prev_instr / instr_ptr */
	uint32_t frame_owner;         /* char owner (3.11+); NONE before */
	uint32_t frame_owner_cstack;  /* owner value of C-stack shim frames; NONE if none */
	/* PyCodeObject */
	uint32_t code_filename;       /* str */
	uint32_t code_name;           /* str */
	uint32_t code_qualname;       /* str, 3.11+; NONE before */
	uint32_t code_firstlineno;    /* int */
	uint32_t code_linetable;      /* bytes: co_lnotab (3.8, 3.9) / co_linetable */
	uint32_t code_code_adaptive;  /* inline instructions, 3.11+; NONE before */
	uint32_t code_firsttraceable; /* int, 3.11+; NONE before (or unknown) */
	/* Generic objects */
	uint32_t obj_type;            /* ob_type */
	uint32_t type_name;           /* tp_name (const char *) */
	uint32_t bytes_size;          /* ob_size */
	uint32_t bytes_data;          /* ob_sval */
	uint32_t str_length;          /* code points */
	uint32_t str_state;           /* 32-bit word of state bit fields */
	uint32_t str_ascii_data;      /* sizeof(PyASCIIObject): compact ASCII data */
	uint32_t str_compact_data;    /* sizeof(PyCompactUnicodeObject): other compact
					 data, or the data pointer of a legacy str */
	uint32_t str_kind_shift;      /* state >> shift & 7: bytes per code point */
	uint32_t str_compact_bit;
	uint32_t str_ascii_bit;
};

_Static_assert(sizeof(struct pmt_pylayout) == 38 * 4, "pmt_pylayout is all u32");

/*
 * Fill @out with the built-in layout of CPython @major.@minor. Returns 0,
 * or -ENOTSUP for a version outside 3.8-3.13.
 */
int pmt_pylayout_for(int major, int minor, struct pmt_pylayout *out);

/* Bytes of the _Py_DebugOffsets (3.13) that pmt_pylayout_parse_debug() reads. */
#define PMT_PY_DEBUG_OFFSETS_SIZE 584

/*
 * Overlay the offsets found in a copy of the target's _Py_DebugOffsets
 * (@buf, @len bytes from &_PyRuntime) onto @l, which must hold the table
 * layout of the same version. Pure. Returns the number of fields whose
 * value differed from @l (so 0 means the table was right), -ENOTSUP when
 * @l is older than 3.13 or the build is free-threaded, -EPROTO when the
 * cookie, version or an offset is implausible (@l is then unchanged).
 */
int pmt_pylayout_parse_debug(const void *buf, size_t len, struct pmt_pylayout *l);

/*
 * Read the _Py_DebugOffsets of @pid at @runtime_addr and apply them with
 * pmt_pylayout_parse_debug(). Same returns, plus -errno of the read.
 */
int pmt_pylayout_read_debug(pid_t pid, uint64_t runtime_addr, struct pmt_pylayout *l);

#endif
