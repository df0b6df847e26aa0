/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pystack.h - Python stacks of a live process: walking a thread's frame
 * chain to (code object, position) pairs, and turning such a pair into
 * "function (file:line)" by reading the code object and decoding its line
 * table.
 *
 * The walk is what the BPF walker does in the kernel; pmt_pystack_walk_user()
 * is its user-space reference and the thing tests compare against
 * traceback. Resolution always happens in user space, from the recorded
 * pairs, through a cache keyed by code object address.
 */
#ifndef PMT_PYSTACK_H
#define PMT_PYSTACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpython/pylayout.h"

#define PMT_PYSTACK_MAX_DEPTH 128  /* frames pmt_pystack_walk_user() follows */
#define PMT_PYSTACK_MAX_THREADS 4096 /* thread states it looks at */
#define PMT_PYSTACK_MAX_INTERPS 64   /* interpreters it looks at */
#define PMT_PYFUNC_MAX 128         /* bytes of a resolved function name, with NUL */
#define PMT_PYFILE_MAX 256         /* bytes of a resolved file name, with NUL */
#define PMT_PYLINETABLE_MAX (1u << 20) /* larger line tables are refused */

/* One frame as the walker records it. */
struct pmt_pyframe_raw {
	uint64_t code_addr; /* PyCodeObject * */
	/*
	 * f_lasti sign-extended (3.8-3.10: -1 before the first instruction),
	 * or the prev_instr / instr_ptr pointer (3.11+); see pmt_pypos_kind.
	 */
	uint64_t pos;
};

/* One frame resolved. */
struct pmt_pyframe {
	char func[PMT_PYFUNC_MAX]; /* co_qualname (3.11+) or co_name, UTF-8 */
	char file[PMT_PYFILE_MAX]; /* co_filename, UTF-8; "..." + tail when cut */
	int line;                  /* -1 when the instruction has no line */
	int firstlineno;
};

/*
 * Line of the instruction at byte offset @addr of a code object whose
 * line table (@table, @len bytes, encoded as @kind) starts at
 * @firstlineno. Pure; mirrors PyCode_Addr2Line() of the version: a
 * negative @addr (a frame that has not started) gives @firstlineno, an
 * instruction without a line gives -1, as does an @addr past the table.
 */
int pmt_pystack_addr2line(enum pmt_pylines_kind kind, const uint8_t *table, size_t len,
			  int firstlineno, int64_t addr);

/*
 * Byte offset into the code of @code_addr of the recorded position @pos,
 * as pmt_pystack_addr2line() takes it. Pure.
 */
int64_t pmt_pystack_pos_offset(const struct pmt_pylayout *l, uint64_t code_addr, uint64_t pos);

/*
 * Resolve one frame of @pid without caching: read the code object at
 * @code_addr (checking that its type is "code"), its names, file and line
 * table, and fill @out. Returns 0, -EINVAL when @code_addr is not a code
 * object or its fields are implausible, -E2BIG for an oversized line
 * table, -ENOMEM, or -errno of a read (-ESRCH when @pid is gone).
 */
int pmt_pystack_resolve(pid_t pid, const struct pmt_pylayout *l, uint64_t code_addr,
			uint64_t pos, struct pmt_pyframe *out);

/*
 * Read the str object at @addr of @pid into @out (@size bytes, at least 8)
 * as UTF-8, cut with "..." when longer. Returns 0, -EINVAL when it is not
 * a plausible str, or -errno of a read.
 */
int pmt_pystr_read(pid_t pid, const struct pmt_pylayout *l, uint64_t addr, char *out,
		   size_t size);

struct pmt_pycode; /* one cached code object, private to pystack.c */

/*
 * Code objects already read, by address. Entries are trusted until
 * pmt_pystack_cache_clear(): a code object freed and another allocated at
 * its address would resolve to the old one, so clear the cache when the
 * target may have done that (e.g. after a long gap, or a reload).
 */
struct pmt_pystack_cache {
	pid_t pid;
	struct pmt_pylayout layout; /* a copy */
	struct pmt_pycode *slots;   /* open addressing, @cap a power of two */
	size_t cap, used;
	uint64_t hits, misses;
};

/*
 * Prepare @c for @pid with room for about @capacity code objects (rounded
 * up to a power of two, at least 64). Returns 0 or -ENOMEM.
 */
int pmt_pystack_cache_init(struct pmt_pystack_cache *c, pid_t pid, const struct pmt_pylayout *l,
			   size_t capacity);

/* Release what @c holds; @c may be NULL or zeroed. */
void pmt_pystack_cache_free(struct pmt_pystack_cache *c);

/* Forget every entry, keeping the memory. */
void pmt_pystack_cache_clear(struct pmt_pystack_cache *c);

/*
 * pmt_pystack_resolve() through @c: the code object is read once, later
 * calls only decode its line table. When the cache is full, an entry near
 * the new one's slot is evicted. Same returns as pmt_pystack_resolve().
 */
int pmt_pystack_cache_resolve(struct pmt_pystack_cache *c, uint64_t code_addr, uint64_t pos,
			      struct pmt_pyframe *out);

/*
 * The value that identifies thread @tid in a thread state: the kernel tid
 * itself from 3.11 on (native_thread_id), and before that its pthread_t
 * (thread_id), which on x86_64 is the thread's %fs base. User space reads
 * the tid field of the target's struct pthread to find it, at an offset
 * learnt from this process's own C library (same libc assumed); the BPF
 * walker compares thread_id with task->thread.fsbase instead. Returns 0,
 * -ENOENT when no thread state of @pid belongs to @tid, or -errno.
 */
int pmt_pystack_find_tstate(pid_t pid, const struct pmt_pylayout *l, uint64_t runtime_addr,
			    pid_t tid, uint64_t *tstate);

/*
 * Walk the Python stack of thread @tid of @pid exactly as the BPF walker
 * does: runtime -> interpreters -> the thread state of @tid -> innermost
 * frame -> previous..., skipping frames owned by the C stack, and store
 * up to @max frames innermost first in @frames. The target keeps running,
 * so the thread should be blocked (or the result taken as a sample).
 * Returns the number of frames (0 when the thread runs no Python code),
 * -ENOENT when the thread has no Python thread state, or -errno.
 */
int pmt_pystack_walk_user(pid_t pid, const struct pmt_pylayout *l, uint64_t runtime_addr,
			  pid_t tid, struct pmt_pyframe_raw *frames, int max);

#endif
