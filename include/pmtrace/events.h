/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events.h - records that cross the BPF/userspace boundary.
 *
 * Pure ABI: fixed-size integers, #define limits and enums only, largest
 * fields first. The BPF side publishes cumulative counters (since attach)
 * with every frame-marker hit; userspace turns consecutive samples into
 * per-frame deltas. Keeping the kernel side cumulative makes a lost record
 * cost one frame's resolution, never a wrong total.
 */
#ifndef PMTRACE_EVENTS_H
#define PMTRACE_EVENTS_H

#ifdef __BPF__
/* vmlinux.h provides __u64 and friends */
#elif defined(__linux__)
#include <linux/types.h>
#else
/* Elsewhere (the core built for the Python extension on macOS or Windows). */
#include <stdint.h>
typedef uint8_t __u8;
typedef int8_t __s8;
typedef uint16_t __u16;
typedef int16_t __s16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
typedef int64_t __s64;
#endif

#define PMT_MAX_MARKERS 16 /* frame-marker probe slots (candidates) */
#define PMT_GC_GENERATIONS 3
#define PMT_GC_STAT_FIELDS 3 /* collections, collected, uncollectable */

/* Indices into pmt_sample.rss_pages, as the kernel's NR_MM_COUNTERS. */
enum pmt_rss_kind {
	PMT_RSS_FILE = 0,
	PMT_RSS_ANON = 1,
	PMT_RSS_SWAP = 2,
	PMT_RSS_SHMEM = 3,
	PMT_RSS_KINDS = 4,
};

enum pmt_event_kind {
	PMT_EV_FRAME = 1,  /* a frame marker was called */
	PMT_EV_DLOPEN = 2, /* the dynamic linker changed the link map */
	PMT_EV_STUB = 3,   /* launch mode: a trampoline probe was hit first */
	PMT_EV_ASSET = 4,  /* an asset function was called (struct pmt_asset_event) */
	PMT_EV_STACK = 5,  /* detection: a candidate's hit and its stack (struct pmt_stack_event) */
};

/* Bytes of the user stack a detection record copies (above the stack pointer). */
#define PMT_DETECT_STACK 4096
#define PMT_DETECT_STACKS_PER_SLOT 8 /* stack records a candidate sends while detecting */

/*
 * While the frame marker is being chosen, each candidate hit also sends the
 * thread's stack: return addresses in it say which other candidates are
 * active, i.e. which candidate this call is nested in.
 */
struct pmt_stack_event {
	__u64 ts_ns;
	__u32 kind; /* PMT_EV_STACK */
	__u32 tid;
	__u64 sp;   /* user stack pointer at the hit */
	__u32 marker;
	__u32 len;  /* bytes of stack[] read (0: unreadable) */
	__u8 stack[PMT_DETECT_STACK];
};

/* Cookie of a marker probe: slot | alias << 8 | flags. */
#define PMT_COOKIE_STUB (1u << 16) /* the probe sits on a jump-table trampoline */

/* Flags in pmt_event.flags. */
#define PMT_EVF_GC_VALID (1u << 0) /* gc[][] holds the interpreter's stats */
#define PMT_EVF_COUNTED (1u << 1)  /* a frame: seq counts the hits of every counted slot */

/* Cumulative counters since attach, maintained by the BPF programs. */
struct pmt_counters {
	__u64 faults;         /* page-fault exceptions on user addresses, all threads */
	__u64 faults_frame;   /* the same, frame thread only */
	__u64 mapped_bytes;   /* successful mmap and mremap growth */
	__u64 unmapped_bytes; /* munmap and mremap shrink */
	__s64 brk_bytes;      /* net program break movement */
	__u64 gc_ns;          /* time inside the cyclic GC, frame thread */
	__u64 gc_runs;        /* collections timed */
};

/*
 * A marker call (PMT_EV_FRAME: every field filled) or a control record
 * (PMT_EV_DLOPEN, PMT_EV_STUB: ts_ns, kind, tid, marker only). Every
 * record in the ring buffer starts with ts_ns, kind, tid.
 */
struct pmt_event {
	__u64 ts_ns;                     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u32 kind;                      /* enum pmt_event_kind */
	__u32 tid;                       /* thread that hit the probe */
	__u64 seq;                       /* hits of this marker slot, 1-based; with
					    PMT_EVF_COUNTED, hits of every counted slot */
	__u64 rss_pages[PMT_RSS_KINDS];  /* mm counters at the hit */
	struct pmt_counters c;           /* cumulative since attach */
	__u64 thread_minflt;             /* frame thread's own min_flt, maj_flt */
	__u64 thread_majflt;
	__u64 thread_stime_ns;           /* frame thread's system time (tick-sampled) */
	__s64 gc[PMT_GC_GENERATIONS][PMT_GC_STAT_FIELDS]; /* raw gc stats */
	__u32 marker;                    /* marker slot (cookie low byte) */
	__u32 flags;                     /* PMT_EVF_* */
	__u64 growth_epoch;              /* marker hits counted so far, this one
					    included (see struct pmt_growth_key) */
};

/* ---- assets ---------------------------------------------------------------- */

#define PMT_ASSET_ROWS 128  /* rows of the asset probe table */
#define PMT_ASSET_STR 160   /* bytes of a path argument kept */

/* What the BPF side reads for a row (pmt_asset_row.read). */
enum pmt_asset_read {
	PMT_READ_NONE = 0,
	PMT_READ_SURFACE_RET,  /* SDL_Surface *ret: w, h, pitch, flags */
	PMT_READ_SURFACE_ARG1, /* SDL_Surface *args[1]: w, h, pitch, flags */
	PMT_READ_CHUNK_RET,    /* Mix_Chunk *ret: alen */
	/* OpenGL (pmt_gl_call): entry probes on GLVND's dispatch stubs */
	PMT_READ_GL_ACTIVE,    /* glActiveTexture(unit): this thread's unit, no record */
	PMT_READ_GL_BIND_TEX,  /* glBindTexture(target, name): bound name, no record */
	PMT_READ_GL_BIND_BUF,  /* glBindBuffer(target, name): bound name, no record */
	PMT_READ_GL_TEX,       /* upload to the bound texture: reads[] = name, known,
				  7th argument (stack), unit; Python stack */
	PMT_READ_GL_BUF,       /* glBufferData on the bound buffer: reads[] = name,
				  known; Python stack */
	PMT_READ_GL_NAMES,     /* glDelete*(n, names): names in str[] (u32 each,
				  PMT_GL_NAMES a record, several records if needed),
				  reads[0] = n, reads[1] = index of the first */
	PMT_READ_USE,          /* a use (blit, render copy): the calling Python code,
				  PMT_PY_USE_DEPTH frames */
};

#define PMT_GL_NAMES (PMT_ASSET_STR / 4) /* names a deletion record carries */
#define PMT_GL_NAME_RECORDS 16          /* records a deletion call sends at most */

/*
 * The name bound to a target, per thread and texture unit (buffers: unit
 * 0), in pmt_gl_bound. A GL context is current on one thread at a time, so
 * the thread stands for its context here; cube-map faces are looked up
 * under GL_TEXTURE_CUBE_MAP.
 */
struct pmt_gl_bind_key {
	__u32 tid;
	__u32 unit;
	__u32 target;
	__u32 pad;
};

/*
 * Cookie of a GL probe (pmt_gl_call): row | flags | stack offset << 32.
 * A probe on the vendor's function may sit past pushes: the return address
 * is then PMT_GL_COOKIE_SP(cookie) bytes above the stack pointer.
 */
#define PMT_GL_COOKIE_ROW 0xffffu
#define PMT_GL_COOKIE_VENDOR (1u << 16) /* on the vendor's function, not a GLVND stub */
#define PMT_GL_COOKIE_SP(c) ((__u32)((c) >> 32) & 0xff8u)

/* Per-row instructions for the BPF programs, in the pmt_asset_rows map. */
struct pmt_asset_row {
	__u32 read;    /* enum pmt_asset_read */
	__s32 str_arg; /* argument holding a path string, or -1 */
};

/* Offsets in SDL2's public structs (stable ABI since 2.0). */
#define PMT_SDL_SURFACE_FLAGS 0
#define PMT_SDL_SURFACE_W 16
#define PMT_SDL_SURFACE_H 20
#define PMT_SDL_SURFACE_PITCH 24
#define PMT_MIX_CHUNK_ALEN 16

/* ---- Python stacks -------------------------------------------------------- */

#define PMT_PY_DEPTH 8          /* Python frames kept per asset record */
#define PMT_PY_USE_DEPTH 1      /* per use record: the innermost frame names the site */
#define PMT_PYOFF_NONE_U32 0xffffffffu

/*
 * What the BPF walker needs to find the current thread's Python frames
 * (offsets from user/cpython/pylayout.c, addresses resolved in userspace). Set at
 * run time; interp_addr 0 turns the walk off.
 */
struct pmt_pywalk_cfg {
	__u64 interp_addr;         /* the main PyInterpreterState */
	__u32 threads_head;        /* interp -> first PyThreadState */
	__u32 tstate_next;
	__u32 tstate_native_tid;   /* 3.11+: kernel tid; NONE before */
	__u32 tstate_thread_id;    /* 3.8-3.10: pthread_t == %fs base */
	__u32 tstate_frame;        /* frame / cframe / current_frame */
	__u32 cframe_current;      /* _PyCFrame.current_frame (3.11, 3.12) or NONE */
	__u32 frame_previous;
	__u32 frame_code;
	__u32 frame_pos;
	__u32 frame_owner;         /* NONE before 3.11 */
	__u32 owner_cstack;        /* owner of C-stack shim frames, or NONE */
	__u32 pos_is_ptr;          /* 1: 8-byte instruction pointer; 0: 4-byte int */
};

/*
 * A deep Python stack, stored once in the pmt_pystacks map under its hash
 * (the id other records carry; 0: no Python frame was current).
 */
#define PMT_STACK_DEPTH 32
#define PMT_STACK_ENTRIES 16384 /* distinct stacks kept */
struct pmt_pystack {
	__u64 code[PMT_STACK_DEPTH]; /* code objects, innermost first */
	__u64 pos[PMT_STACK_DEPTH];  /* their positions */
	__u32 depth;
	__u32 flags;                 /* PMT_PYF_* */
};

#define PMT_PYF_NO_THREAD (1u << 0) /* no thread state for this thread */
#define PMT_PYF_TRUNCATED (1u << 1) /* more frames than PMT_PY_DEPTH */
#define PMT_PYF_FAULT (1u << 2)     /* a read failed: the stack is partial */

/*
 * An asset call (PMT_EV_ASSET): a creating function returned (ret set) or
 * a freeing/using function was entered (ret 0).
 */
struct pmt_asset_event {
	__u64 ts_ns;
	__u32 kind;        /* PMT_EV_ASSET */
	__u32 tid;
	__u64 ret;         /* value returned, for creating functions */
	__u64 args[6];     /* arguments at entry */
	__u64 caller;      /* return address at entry: who called it */
	__u64 reads[4];    /* per pmt_asset_read: w, h, pitch, flags / alen */
	__u64 py_code[PMT_PY_DEPTH]; /* code objects, innermost first */
	__u64 py_pos[PMT_PY_DEPTH];  /* their positions (f_lasti or instruction pointer) */
	__u32 py_depth;    /* frames in py_code/py_pos */
	__u32 py_flags;    /* PMT_PYF_* */
	__u32 row;         /* row of the asset probe table */
	__u32 str_len;     /* bytes in str (0: none) */
	char str[PMT_ASSET_STR];
};

/* ---- trace mode: every allocation of chosen frames ---------------------- */

#define PMT_ALLOC_SITES 4096 /* allocator probe descriptors */
#define PMT_TRACE_RING 64    /* frames whose totals the kernel keeps */
#define PMT_HIST_SMALL 32    /* pymalloc size classes: 16, 32, ... 512 bytes */
#define PMT_HIST_BINS 56     /* + large blocks by power of two: 1K, 2K, ... */
#define PMT_REG_NONE 0xff    /* pmt_alloc_site: a constant, not a register */
#define PMT_REG_MEM 0xfe     /* pmt_alloc_site.check_reg: compare memory at check_addr */

enum pmt_alloc_kind {
	PMT_AK_MALLOC = 1,  /* a = size */
	PMT_AK_CALLOC = 2,  /* a = count, b = element size */
	PMT_AK_REALLOC = 3, /* a = pointer, b = size */
	PMT_AK_FREE = 4,    /* a = pointer */
};

#define PMT_ASF_RAW (1u << 0)    /* the raw domain (PyMem_RawMalloc...) */
#define PMT_ASF_INLINE (1u << 1) /* a fast path inlined by the compiler: the
				    probe sits on the branch that picks it */
#define PMT_ASF_NOSIZE (1u << 2) /* an inlined site whose arguments did not
				    decode: counted, size unknown */

/*
 * One allocator probe, by cookie. Arguments come from registers (indices
 * into struct pt_regs, as 8-byte words) plus an offset, or are constants
 * (reg PMT_REG_NONE: the offset is the value). A table function's entry
 * has them in %rsi/%rdx (after ctx); an inlined site wherever the
 * compiler left them, found by decoding its code (user/probes/alloc_sites.c).
 */
struct pmt_alloc_site {
	__u64 check_val; /* INLINE: the fast path runs iff check_reg holds this */
	__u64 check_addr; /* check_reg PMT_REG_MEM: the 8 bytes compared */
	__s64 a_off;
	__s64 b_off;
	__u8 kind;       /* enum pmt_alloc_kind */
	__u8 flags;      /* PMT_ASF_* */
	__u8 check_reg;  /* PMT_REG_NONE: no check */
	__u8 a_reg;
	__u8 b_reg;
	__u8 mask32;     /* bit 0: a is a 32-bit value, bit 1: b is */
	__u8 pad[2];
};

/* One traced frame's totals (slot seq % PMT_TRACE_RING of pmt_trace_tot). */
struct pmt_trace_totals {
	__u64 seq;          /* marker hit that began the frame (0: slot unused) */
	__u64 allocs, alloc_bytes;
	__u64 frees, free_bytes;   /* free_bytes: frees of blocks whose size is known */
	__u64 churn, churn_bytes;  /* allocated and freed within this frame */
	__u64 reallocs;
	__u64 by_inline;    /* allocations counted at inlined fast paths */
	__u64 ptr_unknown;  /* allocations whose address is not known (inlined) */
	__u64 ptr_unknown_bytes;
	__u64 native;       /* allocations with no Python frame current */
	__u64 partial;      /* allocations whose stack is partial */
	__u64 live_full;    /* addresses not remembered: pmt_live was full */
	__u64 sites_full;   /* allocations not attributed: pmt_trace_sites was full */
	__u64 size_unknown; /* allocations counted at sites whose size is not read */
	__u64 hits;         /* probe hits, counted or not */
	__u64 prog_ns;      /* time inside the programs */
	__u64 hist_count[PMT_HIST_BINS];
	__u64 hist_bytes[PMT_HIST_BINS];
};

/* Allocations of one frame by Python stack. */
struct pmt_trace_site_key {
	__u64 stack_id; /* py_stack_id(); 0: native code */
	__u64 seq;      /* the frame */
};
struct pmt_trace_site_val {
	__u64 allocs;
	__u64 bytes;
};

/* ---- growth sites ---------------------------------------------------------- */

/*
 * Memory growth by Python stack: page faults on user addresses and the
 * bytes of successful mmap/mremap/brk growth, added up per (stack, epoch)
 * in the pmt_growth map. The epoch is the number of marker hits counted
 * before the event, so the frame ended by a marker record with
 * growth_epoch E, after one with P, holds the entries of epochs P..E-1.
 * Keying by epoch rather than keeping one cumulative counter per stack
 * lets userspace read the table tens of milliseconds late (it collects
 * frame records in batches) and still split it between frames exactly;
 * entries of finished epochs are removed as they are read.
 */
#define PMT_GROWTH_ENTRIES 8192 /* (stack, epoch) pairs held until read */
#define PMT_GROWTH_NATIVE 0ULL   /* stack id of growth with no Python frame */

struct pmt_growth_key {
	__u64 stack_id; /* py_stack_id(), PMT_GROWTH_NATIVE: no Python frame */
	__u64 epoch;
};

struct pmt_growth_val {
	__u64 faults;       /* page faults on user addresses */
	__u64 mapped_bytes; /* mmap + mremap growth + brk growth */
};

/* ---- the pool analyzer (pools.bpf.c) ------------------------------------ */

/*
 * In sampled windows of frames, every creation of an instance through
 * PyType_GenericAlloc (a return probe) and every destruction through
 * subtype_dealloc or a watched type's own tp_dealloc (entry probes) is one
 * record in the pools ring buffer, in order, with the young generation's
 * counter read at it. Built-in types' destructions are only counted, per
 * frame. Probe cookies: the index of a dealloc function (0:
 * subtype_dealloc), PMT_POOL_COOKIE_BUILTIN + the built-in's index, or
 * PMT_POOL_COOKIE_ALLOC for the creation probe.
 */
#define PMT_POOL_DEALLOCS 32          /* dealloc functions probed (cookies 0..31) */
#define PMT_POOL_BUILTINS 4           /* list, tuple, dict, float */
#define PMT_POOL_COOKIE_BUILTIN 0x100u
#define PMT_POOL_COOKIE_ALLOC 0x200u
#define PMT_POOL_RING 64              /* frames whose built-in counts the kernel keeps */
#define PMT_POOL_TYPES 16384          /* types the kernel remembers */
#define PMT_POOL_RB_BYTES (8 * 1024 * 1024)
#define PMT_POOL_NO_COUNT (-2147483647 - 1) /* pmt_pool_event.count: not read */

/* CPython's PyTypeObject (x86-64, 3.8-3.13: the same offsets). */
#define PMT_TYPEOFF_NAME 24
#define PMT_TYPEOFF_BASICSIZE 32
#define PMT_TYPEOFF_ITEMSIZE 40
#define PMT_TYPEOFF_DEALLOC 48
#define PMT_TYPEOFF_FLAGS 168
#define PMT_TYPEOFF_DICT 264
#define PMT_TYPEOFF_ALLOC 304
#define PMT_PYTPF_HEAPTYPE (1ULL << 9)
#define PMT_PYTPF_HAVE_GC (1ULL << 14)

enum pmt_pool_ev_kind {
	PMT_POOL_EV_CREATE = 1,
	PMT_POOL_EV_DESTROY = 2,
};

struct pmt_pool_event {
	__u64 obj;          /* the instance */
	__u64 type;         /* its type */
	__u64 seq;          /* marker hit that began the frame in progress */
	__u64 stack_id;     /* creations: py_stack_id() (0: no Python frame) */
	__u64 collections;  /* the collector's collections so far, all generations */
	__s32 count;        /* generation 0's count (PMT_POOL_NO_COUNT: not read) */
	__u32 kind;         /* enum pmt_pool_ev_kind */
};

/* What userspace decided for a type the fast path does not know. */
#define PMT_POOL_T_PENDING 0u   /* seen, not yet looked at */
#define PMT_POOL_T_TRACKED 1u   /* record its creations; destructions at its dealloc */
#define PMT_POOL_T_IGNORED 2u   /* not watched (built-ins, no dealloc probe) */

struct pmt_pool_type {
	__u64 dealloc;  /* its tp_dealloc, as read at the first sight */
	__u32 state;    /* PMT_POOL_T_* */
	__u32 cookie;   /* TRACKED: the cookie of its dealloc probe */
};

/* Built-in destructions of one frame (slot seq % PMT_POOL_RING). */
struct pmt_pool_bcount {
	__u64 seq;
	__u64 n[PMT_POOL_BUILTINS];
};

#endif /* PMTRACE_EVENTS_H */
