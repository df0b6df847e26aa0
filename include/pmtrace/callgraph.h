/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callgraph.h - what a function's machine code calls (x86-64, Capstone).
 * Pure: code and data come through a read callback (the target's memory,
 * or a test's buffer); no I/O of its own.
 *
 * Presenting functions nest: SDL's exports are `jmp *slot` trampolines
 * into its dynamic-API table, SDL_UpdateWindowSurface's real function calls
 * SDL_UpdateWindowSurfaceRects' directly, which tail-calls the video
 * driver's framebuffer function through a pointer in the video device;
 * pygame's display.flip() reaches SDL through its PLT; libGL's
 * glXSwapBuffers jumps to libGLX's through a table. A walk of a function's
 * control flow, with a small evaluator that follows loads from fixed
 * addresses and from pointers read so far (the PLT's GOT, SDL's jump table
 * and device struct, GLVND's tables), says which functions it reaches,
 * and where its own call sites return to (return addresses that, found on a
 * thread's stack, say the function is active).
 */
#ifndef PMTRACE_CALLGRAPH_H
#define PMTRACE_CALLGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read @n bytes at address @addr: 0, or -errno when unreadable. */
typedef int (*pmt_cg_read_fn)(void *ctx, uint64_t addr, void *buf, size_t n);
/* Whether the walk may descend into the function at @addr (e.g. only
 * libraries that hold candidates). NULL: every function. */
typedef bool (*pmt_cg_follow_fn)(void *ctx, uint64_t addr);

struct pmt_cg_io {
	pmt_cg_read_fn read;
	pmt_cg_follow_fn follow;
	void *ctx;
};

/* A growable set of addresses (a hash set: v[] holds cap slots, 0 = empty). */
struct pmt_addr_set {
	uint64_t *v;
	size_t n, cap;
	bool has_zero;
};

void pmt_addr_set_free(struct pmt_addr_set *s);
/* 0 or -ENOMEM. */
int pmt_addr_set_add(struct pmt_addr_set *s, uint64_t a);
bool pmt_addr_set_has(const struct pmt_addr_set *s, uint64_t a);

/*
 * One function's body: the instructions reachable from its entry through
 * branches and tail jumps (direct, or indirect through a pointer the
 * evaluator could read), at most @max_insns of them.
 */
struct pmt_cg_body {
	uint64_t entry;
	struct pmt_addr_set insns;   /* addresses of the instructions walked */
	struct pmt_addr_set callees; /* call targets (direct or resolved) */
	struct pmt_addr_set rets;    /* return addresses of its call sites */
	size_t unresolved;           /* indirect calls/jumps it could not follow */
	bool truncated;              /* the instruction budget ran out */
};

/*
 * Walk the function at @entry. Returns 0 (the body filled; free it with
 * pmt_cg_body_free) or -errno (-ENOMEM; -EFAULT when the entry is not
 * readable; -ENOTSUP when Capstone cannot be opened).
 */
int pmt_cg_walk(const struct pmt_cg_io *io, uint64_t entry, size_t max_insns,
		struct pmt_cg_body *out);
void pmt_cg_body_free(struct pmt_cg_body *b);

/*
 * Where the straight-line code at @entry jumps to before any call,
 * conditional branch or return (a trampoline: `jmp *slot(%rip)`, or
 * `mov table(%rip), %rax; jmp *off(%rax)`, or a direct jmp), read through
 * @io. Returns 0 with *@to set, or -ENOENT when the function does not
 * forward unconditionally (or the pointer is unreadable).
 */
int pmt_cg_forward(const struct pmt_cg_io *io, uint64_t entry, uint64_t *to);

/*
 * Which of @targets (@n addresses) the function at @entry reaches through
 * calls and jumps, up to @depth calls deep and @budget instructions in all
 * (breadth first: near callees first). reached[i] is set for each target
 * met as an instruction walked (a tail jump into it) or as a call target.
 * Returns the number reached, or -errno.
 */
int pmt_cg_reaches(const struct pmt_cg_io *io, uint64_t entry, const uint64_t *targets,
		   size_t n, unsigned depth, size_t budget, bool *reached);

#endif
