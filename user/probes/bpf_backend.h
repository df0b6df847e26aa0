/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpf_backend.h - the eBPF backend: loads the programs for one target,
 * attaches probes on request and delivers the event stream.
 *
 * Every attachment is a perf-event or BPF link owned by this process's file
 * descriptors: nothing is pinned, so the kernel removes every probe when
 * the tool exits, however it exits (SIGKILL included).
 */
#ifndef PMT_BPF_BACKEND_H
#define PMT_BPF_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/events.h"

struct pmt_bpf;

/* Marker and control records; PMT_EV_STACK records are struct pmt_stack_event. */
typedef void (*pmt_event_fn)(void *ctx, const struct pmt_event *ev);
typedef void (*pmt_asset_fn)(void *ctx, const struct pmt_asset_event *ev);

/* Open and load the programs for target @tgid. NULL with errno on failure
 * (EPERM/EACCES: privileges). @verbose routes libbpf's messages to stderr.
 * @fn gets marker and control records, @afn asset records. */
struct pmt_bpf *pmt_bpf_open(pid_t tgid, bool verbose, pmt_event_fn fn, pmt_asset_fn afn,
			     void *ctx);
void pmt_bpf_close(struct pmt_bpf *b);

/*
 * True when uprobes attach as perf events (a kernel without uprobe_multi
 * links, before 6.6), which the kernel creates only for CAP_SYS_ADMIN;
 * false when they are uprobe_multi links, for which CAP_BPF, CAP_PERFMON
 * and ptrace access suffice.
 */
bool pmt_bpf_uprobes_need_sys_admin(const struct pmt_bpf *b);

/* Page-fault and mmap/munmap/mremap/brk programs. 0 or -errno. */
int pmt_bpf_attach_memory(struct pmt_bpf *b);
/* The dynamic linker hook (_dl_debug_state) in @file at @offset. */
int pmt_bpf_attach_dlopen(struct pmt_bpf *b, const char *file, uint64_t offset);
/* Frame marker in slot @slot under alias @alias (0 or 1); @stub when the
 * probe sits on a jump-table trampoline (see pmt_bpf_set_stop_on_stub). */
int pmt_bpf_attach_marker(struct pmt_bpf *b, int slot, int alias, const char *file,
			  uint64_t offset, bool stub);
/* Detach in the background (see bpf_backend.c). */
void pmt_bpf_detach_marker(struct pmt_bpf *b, int slot, int alias);
/* Detach these probes now, in parallel, and return when all are gone. */
void pmt_bpf_detach_markers_now(struct pmt_bpf *b, const int *slots, const int *aliases, int n);
/* Launch mode: the first hit of a trampoline probe stops the target. */
void pmt_bpf_set_stop_on_stub(struct pmt_bpf *b, bool on);
/* Make @alias the one counted for @slot (see frames.bpf.c). */
void pmt_bpf_set_active_alias(struct pmt_bpf *b, int slot, int alias);
/* GC timing through the interpreter's USDT notes, or a uprobe pair. */
int pmt_bpf_attach_gc_usdt(struct pmt_bpf *b, const char *file);
int pmt_bpf_attach_gc_uprobe(struct pmt_bpf *b, const char *file, uint64_t offset);
/* Take the GC timing probes out (in the background); attach again with the above. */
void pmt_bpf_detach_gc(struct pmt_bpf *b);
/* Collections whose start was recorded before @ns (CLOCK_MONOTONIC) are not timed. */
void pmt_bpf_gc_valid_from(struct pmt_bpf *b, uint64_t ns);
/* One probe hit's cost on this machine, in ns of the hit thread's CPU: a
 * probe like the GC timing ones placed on a nop in the tool itself. -errno. */
double pmt_bpf_measure_hit_ns(struct pmt_bpf *b);

/* Wake the reader at every frame while any reason wants it (PMT_WAKE_*),
 * else only when the buffer fills: each wake-up costs the game a little. */
#define PMT_WAKE_TRACE 2u     /* a trace window is open */
#define PMT_WAKE_BUDGET 4u    /* a budget needs values read at frame end */
#define PMT_WAKE_CLOSING 8u   /* the last frame before detaching */
#define PMT_WAKE_POOLS 16u    /* a pools window is open */
void pmt_bpf_wake_each_frame(struct pmt_bpf *b, unsigned reason, bool on);
/* Detach every marker probe now, in parallel. */
void pmt_bpf_detach_all_markers_now(struct pmt_bpf *b);

/* Asset probes: row instructions, then an entry (+ return) probe. */
int pmt_bpf_set_asset_row(struct pmt_bpf *b, int row, const struct pmt_asset_row *r);
enum pmt_asset_attach {
	PMT_ATTACH_CALL,        /* one probe at @offset (frees, uses) */
	PMT_ATTACH_ENTRY_RETURN, /* entry + return probes at the function's entry */
	PMT_ATTACH_RETURN,      /* a return probe alone (no argument needed) */
	PMT_ATTACH_GL,          /* GL rows: pmt_bpf_attach_gl() */
};
int pmt_bpf_attach_asset(struct pmt_bpf *b, int row, const char *file, uint64_t offset,
			 enum pmt_asset_attach how);
/*
 * GL probes (pmt_gl_call) at @n file offsets of @file, cookies as in
 * PMT_GL_COOKIE_*: on GLVND's stubs, or on the vendor's functions
 * (@vendor), which count only after pmt_bpf_gl_use_vendor(b, true) mutes
 * the stubs. One uprobe_multi link where the kernel has them.
 */
int pmt_bpf_attach_gl(struct pmt_bpf *b, bool vendor, const char *file, const uint64_t *offsets,
		      const uint64_t *cookies, int n);
void pmt_bpf_gl_use_vendor(struct pmt_bpf *b, bool on);
/* Set while both kinds are attached: a call counted by its stub is not
 * counted again by its vendor probe. Cleared once the stubs are removed. */
void pmt_bpf_gl_moving(struct pmt_bpf *b, bool on);
/* The thread of the last call a stub probe saw, and its %fs base; -EAGAIN if none yet. */
int pmt_bpf_gl_thread(const struct pmt_bpf *b, uint32_t *tid, uint64_t *fsbase);
/* Remove the stub (or vendor) GL probes, in the background. */
void pmt_bpf_gl_drop(struct pmt_bpf *b, bool vendor);
uint64_t pmt_bpf_asset_lost(const struct pmt_bpf *b);
/* Where the BPF side finds Python frames (interp_addr 0: nowhere). */
void pmt_bpf_set_pywalk(struct pmt_bpf *b, const struct pmt_pywalk_cfg *cfg);

/*
 * Copy the deep Python stack stored under @id (see py_stack_id()) into
 * @out and remove it from the kernel's table: the caller keeps what it
 * resolved, and the program stores the stack again if it recurs.
 * 0 or -errno (-ENOENT: not stored).
 */
int pmt_bpf_stack_take(struct pmt_bpf *b, uint64_t id, struct pmt_pystack *out);
/* Stacks the kernel could not store (table full). */
uint64_t pmt_bpf_stacks_dropped(const struct pmt_bpf *b);

/* ---- trace mode (alloc.bpf.c) ---- */
/* Probe descriptor @idx (the cookie of its probes). 0 or -errno. */
int pmt_bpf_set_alloc_site(struct pmt_bpf *b, uint32_t idx, const struct pmt_alloc_site *s);
/* One uprobe_multi link: @n probes in @file at @offsets with @cookies;
 * @ret: return probes. 0 or -errno (-EINVAL/-EOPNOTSUPP: kernel before 6.6). */
int pmt_bpf_attach_alloc(struct pmt_bpf *b, const char *file, const uint64_t *offsets,
			 const uint64_t *cookies, int n, bool ret);
/* Remove every trace-mode probe (one grace period per link). */
void pmt_bpf_detach_alloc(struct pmt_bpf *b);
/* Python frames kept per deep stack (0: none; at most PMT_STACK_DEPTH). */
void pmt_bpf_set_stack_depth(struct pmt_bpf *b, unsigned depth);
/* pymalloc's usedpools (LTO builds): inlined allocations get their address. */
void pmt_bpf_set_usedpools(struct pmt_bpf *b, uint64_t addr);
/*
 * The marker slots whose hits are frames (@counted, PMT_MAX_MARKERS flags):
 * from now on their hits share one count (records flagged PMT_EVF_COUNTED).
 */
void pmt_bpf_count_slots(struct pmt_bpf *b, const bool *counted);
/* Those counted hits are numbered after the @offset frames userspace
 * numbered from detection records (trace ranges and pmt_bpf_cur_seq() use
 * userspace's numbering). */
void pmt_bpf_set_frame_offset(struct pmt_bpf *b, uint64_t offset);
uint64_t pmt_bpf_frame_offset(const struct pmt_bpf *b);
/* While choosing the marker: uncounted hits send their stack (PMT_EV_STACK). */
void pmt_bpf_detect_stacks(struct pmt_bpf *b, bool on);
/* The last counted hit: the frame in progress began there. */
uint64_t pmt_bpf_cur_seq(const struct pmt_bpf *b);
/* Count allocations of frames begun by hits [from, to); 0, 0: none. */
void pmt_bpf_set_trace_range(struct pmt_bpf *b, uint64_t from, uint64_t to);
/* Totals of the frame begun by hit @seq; -ENOENT when overwritten or never traced. */
int pmt_bpf_trace_totals(struct pmt_bpf *b, uint64_t seq, struct pmt_trace_totals *out);
/* Hand the per-stack sums of frame @seq to @fn and delete them (and any
 * older ones left). Returns how many. */
typedef void (*pmt_trace_site_fn)(void *ctx, uint64_t stack_id, uint64_t allocs, uint64_t bytes);
int pmt_bpf_trace_sites_take(struct pmt_bpf *b, uint64_t seq, pmt_trace_site_fn fn, void *ctx);
/* After detaching: forget remembered addresses and threads' call depths. */
void pmt_bpf_trace_forget_live(struct pmt_bpf *b);

/* ---- the pool analyzer (pools.bpf.c) ---- */
typedef void (*pmt_pool_fn)(void *ctx, const struct pmt_pool_event *ev);
/* Deliver pools records to @fn; a frame's are delivered before its record.
 * 0, or -EOPNOTSUPP without uprobe_multi (the programs are not loaded). */
int pmt_bpf_set_pool_fn(struct pmt_bpf *b, pmt_pool_fn fn, void *ctx);
/* Deliver the pools records waiting now. */
void pmt_bpf_pools_consume(struct pmt_bpf *b);
/* One uprobe_multi link: @ret: return probes of PyType_GenericAlloc (cookie
 * PMT_POOL_COOKIE_ALLOC), else dealloc entry probes (cookies: see events.h). */
int pmt_bpf_attach_pools(struct pmt_bpf *b, const char *file, const uint64_t *offsets,
			 const uint64_t *cookies, int n, bool ret);
/* Remove every pool probe (one grace period per link). */
void pmt_bpf_detach_pools(struct pmt_bpf *b);
/* Pool links attached now. */
int pmt_bpf_pools_attached(const struct pmt_bpf *b);
/* Record frames begun by marker hits [from, to); 0, 0: none. */
void pmt_bpf_set_pools_range(struct pmt_bpf *b, uint64_t from, uint64_t to);
/* subtype_dealloc (0: unknown), &generations[0], the built-in types counted
 * (PMT_POOL_BUILTINS, 0: none), and whether to walk stacks at creations. */
void pmt_bpf_set_pools_config(struct pmt_bpf *b, uint64_t subtype_dealloc, uint64_t gen0_addr,
			      const uint64_t *builtins, bool stacks);
struct pmt_bpf_pool_stats {
	uint64_t lost, hits, prog_ns, types_full;
};
void pmt_bpf_pools_stats(const struct pmt_bpf *b, struct pmt_bpf_pool_stats *out);
/* Every type the kernel remembers, to @fn. Returns how many. */
typedef void (*pmt_pool_type_fn)(void *ctx, uint64_t type, const struct pmt_pool_type *v);
int pmt_bpf_pool_types(struct pmt_bpf *b, pmt_pool_type_fn fn, void *ctx);
int pmt_bpf_pool_type_set(struct pmt_bpf *b, uint64_t type, const struct pmt_pool_type *v);
/* Heap types' dealloc functions and the distinct types voting for each. */
int pmt_bpf_pool_votes(struct pmt_bpf *b, uint64_t *dealloc, uint64_t *votes, int max);
/* Built-in destructions of the frame begun by hit @seq (PMT_POOL_BUILTINS
 * counts); -ENOENT when none was counted (or the slot was reused). */
int pmt_bpf_pool_builtins(struct pmt_bpf *b, uint64_t seq, uint64_t *n);

/* Attribute growth (faults, mmap/mremap/brk bytes) to Python stacks. */
void pmt_bpf_set_growth(struct pmt_bpf *b, bool on);
/* Marker hits counted so far: entries of lower epochs are complete. */
uint64_t pmt_bpf_growth_epoch(const struct pmt_bpf *b);
/* Growth events the kernel could not attribute (table full). */
uint64_t pmt_bpf_growth_dropped(const struct pmt_bpf *b);
typedef void (*pmt_growth_fn)(void *ctx, const struct pmt_growth_key *k,
			      const struct pmt_growth_val *v);
/*
 * Hand every growth entry of an epoch below @below to @fn and remove it
 * from the kernel's table (entries of later epochs may still be added to,
 * so they stay). Returns the entries handed over or -errno.
 */
int pmt_bpf_growth_drain(struct pmt_bpf *b, uint64_t below, pmt_growth_fn fn, void *ctx);

void pmt_bpf_set_gc_addr(struct pmt_bpf *b, uint64_t addr);
void pmt_bpf_set_stop_on_dlopen(struct pmt_bpf *b, bool on);
uint64_t pmt_bpf_lost(const struct pmt_bpf *b);

/* Deliver pending events; waits up to @timeout_ms. Returns events or -errno. */
int pmt_bpf_poll(struct pmt_bpf *b, int timeout_ms);

#endif
