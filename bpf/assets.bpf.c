// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * assets.bpf.c - asset loads and frees: SDL surfaces and textures,
 * SDL_image, SDL_mixer and SDL_ttf objects.
 *
 * These calls are rare next to allocations (a few a frame at most, when a
 * game renders text every frame), so every one is recorded. A creating
 * function gets an entry probe, which keeps its arguments, the caller's
 * address and any path argument, and a return probe, which adds the object
 * returned and what the row asks to read from it (a surface's size, a
 * chunk's length). Freeing and using functions get an entry probe only.
 * Which row a probe serves is its cookie; what to read is in pmt_asset_rows.
 */
#include "pmtrace.bpf.h"
#include "pystack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PMT_ASSET_ROWS);
	__type(key, __u32);
	__type(value, struct pmt_asset_row);
} pmt_asset_rows SEC(".maps");

/* Entry state of creating calls in flight, keyed by tid | row << 32. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pmt_asset_event);
} pmt_asset_inflight SEC(".maps");

/* Scratch for building an entry record (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pmt_asset_event);
} pmt_asset_scratch SEC(".maps");

__u64 pmt_asset_lost = 0;

static __always_inline void read_fields(const struct pmt_asset_row *r, struct pmt_asset_event *e)
{
	__u64 obj = 0;
	__u32 v[4] = {};

	if (r->read == PMT_READ_SURFACE_RET)
		obj = e->ret;
	else if (r->read == PMT_READ_SURFACE_ARG1)
		obj = e->args[1];
	if (obj) {
		bpf_probe_read_user(&v[0], 4, (void *)(obj + PMT_SDL_SURFACE_W));
		bpf_probe_read_user(&v[1], 4, (void *)(obj + PMT_SDL_SURFACE_H));
		bpf_probe_read_user(&v[2], 4, (void *)(obj + PMT_SDL_SURFACE_PITCH));
		bpf_probe_read_user(&v[3], 4, (void *)(obj + PMT_SDL_SURFACE_FLAGS));
	} else if (r->read == PMT_READ_CHUNK_RET && e->ret) {
		bpf_probe_read_user(&v[0], 4, (void *)(e->ret + PMT_MIX_CHUNK_ALEN));
	}
	e->reads[0] = v[0];
	e->reads[1] = v[1];
	e->reads[2] = v[2];
	e->reads[3] = v[3];
}

static __always_inline void submit(struct pmt_asset_event *src)
{
	struct pmt_asset_event *e = bpf_ringbuf_reserve(&pmt_events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&pmt_asset_lost, 1);
		return;
	}
	__builtin_memcpy(e, src, sizeof(*e));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/*
 * The row this probe serves and the scratch record, started with what
 * every asset record carries; NULL for other processes or a bad row.
 */
static __always_inline struct pmt_asset_event *start_record(struct pt_regs *ctx,
							    struct pmt_asset_row **r)
{
	__u32 row = (__u32)bpf_get_attach_cookie(ctx), zero = 0;
	struct pmt_asset_event *e;

	if (!pmt_is_target() || row >= PMT_ASSET_ROWS)
		return NULL;
	*r = bpf_map_lookup_elem(&pmt_asset_rows, &row);
	e = bpf_map_lookup_elem(&pmt_asset_scratch, &zero);
	if (!*r || !e)
		return NULL;
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = PMT_EV_ASSET;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->row = row;
	e->ret = 0;
	e->caller = 0;
	e->str_len = 0;
	e->str[0] = 0;
	e->py_depth = 0;
	e->py_flags = 0;
	return e;
}

/* Entry of any asset function. @ret_probe: a return probe completes it. */
static __always_inline int asset_entry(struct pt_regs *ctx, bool ret_probe)
{
	struct pmt_asset_event *e;
	struct pmt_asset_row *r = NULL;
	__u64 key;

	e = start_record(ctx, &r);
	if (!e || !r)
		return 0;
	e->args[0] = PT_REGS_PARM1(ctx);
	e->args[1] = PT_REGS_PARM2(ctx);
	e->args[2] = PT_REGS_PARM3(ctx);
	e->args[3] = PT_REGS_PARM4(ctx);
	e->args[4] = PT_REGS_PARM5(ctx);
	e->args[5] = 0;
	/* At a function's entry the return address is on top of the stack. */
	bpf_probe_read_user(&e->caller, sizeof(e->caller), (void *)PT_REGS_SP(ctx));
	if (r->str_arg >= 0 && r->str_arg < 5) {
		long n = bpf_probe_read_user_str(e->str, sizeof(e->str),
						 (void *)e->args[r->str_arg & 7]);

		e->str_len = n > 0 ? n - 1 : 0;
	}
	if (!ret_probe) {
		read_fields(r, e);
		submit(e);
		return 0;
	}
	/* Who loads it: the Python code running now (creations only). */
	e->py_depth = py_walk(&pmt_pywalk, e->py_code, e->py_pos, &e->py_flags);
	key = (__u64)e->tid | (__u64)e->row << 32;
	bpf_map_update_elem(&pmt_asset_inflight, &key, e, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(pmt_asset_call)
{
	return asset_entry(ctx, false);
}

SEC("uprobe")
int BPF_KPROBE(pmt_asset_enter)
{
	return asset_entry(ctx, true);
}

/*
 * A creating function whose arguments do not matter gets this return probe
 * alone: one uprobe less to place and, above all, to remove (each removal
 * waits for a grace period). At a return probe the instruction pointer is
 * the return address, so the caller is known here too.
 */
SEC("uretprobe")
int BPF_KRETPROBE(pmt_asset_return_only)
{
	struct pmt_asset_event *e;
	struct pmt_asset_row *r = NULL;

	e = start_record(ctx, &r);
	if (!e || !r)
		return 0;
	__builtin_memset(e->args, 0, sizeof(e->args));
	e->ret = PT_REGS_RC(ctx);
	e->caller = PT_REGS_IP(ctx);
	if (!e->ret)
		return 0;
	e->py_depth = py_walk(&pmt_pywalk, e->py_code, e->py_pos, &e->py_flags);
	read_fields(r, e);
	submit(e);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(pmt_asset_return)
{
	__u32 row = (__u32)bpf_get_attach_cookie(ctx);
	struct pmt_asset_event *e;
	struct pmt_asset_row *r;
	__u64 key;

	if (!pmt_is_target() || row >= PMT_ASSET_ROWS)
		return 0;
	key = (__u64)(__u32)bpf_get_current_pid_tgid() | (__u64)row << 32;
	e = bpf_map_lookup_elem(&pmt_asset_inflight, &key);
	r = bpf_map_lookup_elem(&pmt_asset_rows, &row);
	if (!e || !r)
		return 0; /* entered before attach */
	e->ret = PT_REGS_RC(ctx);
	e->ts_ns = bpf_ktime_get_ns();
	if (e->ret) {
		read_fields(r, e);
		submit(e);
	}
	bpf_map_delete_elem(&pmt_asset_inflight, &key);
	return 0;
}
