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
 * chunk's length). Freeing and using functions get an entry probe only;
 * a use also carries the Python frame that made it (its site).
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
 * The Python stack of a load is walked by one program, pmt_asset_walk,
 * which the loading probes tail-call with the record in the per-CPU
 * scratch: the kernel verifies the walk once instead of once in each of
 * them (~28 ms each here, most of the time loading these programs took).
 * The walker then sends the record, or keeps it in flight for the return
 * probe when the caller set ASSET_KEEP.
 */
#define ASSET_KEEP (1u << 31) /* in py_flags until the walk: keep in flight */

int pmt_asset_walk(struct pt_regs *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct pt_regs *));
} pmt_asset_walkers SEC(".maps") = {
	.values = { [0] = (void *)&pmt_asset_walk },
};

static __always_inline void keep_in_flight(struct pmt_asset_event *e)
{
	__u64 key = (__u64)e->tid | (__u64)e->row << 32;

	bpf_map_update_elem(&pmt_asset_inflight, &key, e, BPF_ANY);
}

/* Walk the Python stack into the scratch record @e, then send it or keep it (@keep). */
static __always_inline void walk_then(struct pt_regs *ctx, struct pmt_asset_event *e, bool keep)
{
	e->py_flags = keep ? ASSET_KEEP : 0;
	bpf_tail_call(ctx, &pmt_asset_walkers, 0);
	/* Not reached once the walker is in its slot (libbpf puts it there at load). */
	e->py_flags = PMT_PYF_FAULT;
	e->py_depth = 0;
	if (keep)
		keep_in_flight(e);
	else
		submit(e);
}

SEC("uprobe")
int pmt_asset_walk(struct pt_regs *ctx)
{
	struct pmt_asset_event *e;
	__u32 zero = 0;
	bool keep;

	e = bpf_map_lookup_elem(&pmt_asset_scratch, &zero);
	if (!e)
		return 0;
	keep = e->py_flags & ASSET_KEEP;
	e->py_flags = 0;
	e->py_depth = py_walk(&pmt_pywalk, e->py_code, e->py_pos, &e->py_flags);
	if (keep)
		keep_in_flight(e);
	else
		submit(e);
	return 0;
}

/*
 * The row this probe serves and the scratch record, started with what
 * every asset record carries; NULL for other processes or a bad row.
 */
static __always_inline struct pmt_asset_event *start_record(struct pt_regs *ctx,
							    struct pmt_asset_row **r)
{
	__u32 row = (__u32)bpf_get_attach_cookie(ctx) & PMT_GL_COOKIE_ROW, zero = 0;
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
		/* Who uses it: the calling Python frame names the site. */
		if (r->read == PMT_READ_USE)
			e->py_depth = py_walk_max(&pmt_pywalk, e->py_code, e->py_pos,
						  &e->py_flags, PMT_PY_USE_DEPTH);
		read_fields(r, e);
		submit(e);
		return 0;
	}
	/* Who loads it: the Python code running now (creations only). */
	walk_then(ctx, e, true);
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
	read_fields(r, e);
	walk_then(ctx, e, false);
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

/* ---- OpenGL ---------------------------------------------------------------- */

/*
 * GL uploads act on the object bound to a target, so the bind calls keep
 * that state here (the kernel's view of each thread's binding, never sent
 * to userspace): texture unit by thread, bound name by (thread, unit,
 * target). LRU: threads that end leave their entries to be recycled.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} pmt_gl_unit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pmt_gl_bind_key);
	__type(value, __u32);
} pmt_gl_bound SEC(".maps");

#define GL_TEXTURE0 0x84C0
#define GL_TEXTURE_CUBE_MAP 0x8513
#define GL_CUBE_FACE_FIRST 0x8515
#define GL_CUBE_FACE_LAST 0x851A

static __always_inline void gl_bind_key(struct pmt_gl_bind_key *k, __u32 tid, __u64 target,
					bool texture)
{
	__u32 *unit = texture ? bpf_map_lookup_elem(&pmt_gl_unit, &tid) : NULL;

	k->tid = tid;
	k->unit = unit ? *unit : 0;
	k->target = (__u32)target;
	if (k->target >= GL_CUBE_FACE_FIRST && k->target <= GL_CUBE_FACE_LAST)
		k->target = GL_TEXTURE_CUBE_MAP;
	k->pad = 0;
}

/* glDelete*(n, names): the names, PMT_GL_NAMES a record. */
static __always_inline void gl_send_names(struct pmt_asset_event *e)
{
	__s32 n32 = (__s32)e->args[0]; /* GLsizei: the register's upper half is undefined */
	__u64 n, p = e->args[1];
	__u32 i;

	if (n32 <= 0 || !p)
		return;
	n = (__u64)n32;
	e->reads[0] = n;
	for (i = 0; i < PMT_GL_NAME_RECORDS; i++) {
		__u64 first = (__u64)i * PMT_GL_NAMES, cnt;

		if (first >= n)
			break;
		cnt = n - first;
		if (cnt > PMT_GL_NAMES)
			cnt = PMT_GL_NAMES;
		if (bpf_probe_read_user(e->str, cnt * 4, (void *)(p + first * 4)))
			break;
		e->reads[1] = first;
		e->str_len = (__u32)cnt * 4;
		submit(e);
	}
}

/*
 * Which probes count: GLVND's stubs (0), or the vendor's functions the
 * stubs lead to (1), once userspace has found and probed them. Written by
 * userspace; the thread and %fs base of the last call through a stub tell
 * it whose dispatch table to read.
 */
__u32 pmt_gl_vendor = 0;
__u32 pmt_gl_tid = 0;
__u64 pmt_gl_fsbase = 0;

/*
 * While the probes move (pmt_gl_moving), a call may pass a stub probe that
 * counts it and then a vendor probe that counts from then on: the stub
 * leaves its thread here, and the vendor probe that follows on that thread
 * takes the mark instead of counting the call again.
 */
__u32 pmt_gl_moving = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64); /* when the stub counted it */
} pmt_gl_straddle SEC(".maps");

#define PMT_GL_STRADDLE_NS 1000000 /* a stub's jump reaches the vendor well within */

/*
 * Every GL row: an entry probe on a GLVND dispatch stub, which every call
 * through that library's entry point (or through glXGetProcAddress, for
 * libGLdispatch's) runs once, or on the vendor's function every stub leads
 * to (after the stack moved by the cookie's offset). Binds update the
 * state above; uploads look the bound name up and are recorded with the
 * Python code that made them; deletions send the names.
 */
static __always_inline int gl_call(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 sp = PT_REGS_SP(ctx) + PMT_GL_COOKIE_SP(cookie);
	bool vendor = cookie & PMT_GL_COOKIE_VENDOR;
	struct pmt_asset_event *e;
	struct pmt_asset_row *r = NULL;
	struct pmt_gl_bind_key k;
	__u32 *name;
	__u32 tid, v;

	/* While probes move from the stubs to the vendor, one kind counts. */
	if (vendor != (pmt_gl_vendor != 0)) {
		if (vendor && pmt_gl_moving) {
			tid = (__u32)bpf_get_current_pid_tgid();
			bpf_map_delete_elem(&pmt_gl_straddle, &tid);
		}
		return 0;
	}
	if (pmt_gl_moving && pmt_is_target()) {
		__u64 now = bpf_ktime_get_ns(), *ts;

		tid = (__u32)bpf_get_current_pid_tgid();
		if (!vendor) {
			bpf_map_update_elem(&pmt_gl_straddle, &tid, &now, BPF_ANY);
		} else {
			ts = bpf_map_lookup_elem(&pmt_gl_straddle, &tid);
			if (ts) {
				bool mine = now - *ts < PMT_GL_STRADDLE_NS;

				bpf_map_delete_elem(&pmt_gl_straddle, &tid);
				if (mine)
					return 0; /* its stub counted it */
			}
		}
	}
	e = start_record(ctx, &r);
	if (!e || !r)
		return 0;
	tid = e->tid;
	if (!vendor && pmt_gl_tid != tid) {
		struct task_struct *task = bpf_get_current_task_btf();

		pmt_gl_fsbase = BPF_CORE_READ(task, thread.fsbase);
		pmt_gl_tid = tid;
	}
	e->args[0] = PT_REGS_PARM1(ctx);
	e->args[1] = PT_REGS_PARM2(ctx);
	switch (r->read) {
	case PMT_READ_GL_ACTIVE:
		v = (__u32)e->args[0] - GL_TEXTURE0;
		bpf_map_update_elem(&pmt_gl_unit, &tid, &v, BPF_ANY);
		return 0;
	case PMT_READ_GL_BIND_TEX:
	case PMT_READ_GL_BIND_BUF:
		gl_bind_key(&k, tid, e->args[0], r->read == PMT_READ_GL_BIND_TEX);
		v = (__u32)e->args[1];
		bpf_map_update_elem(&pmt_gl_bound, &k, &v, BPF_ANY);
		return 0;
	case PMT_READ_GL_NAMES:
		__builtin_memset(e->reads, 0, sizeof(e->reads));
		gl_send_names(e);
		return 0;
	case PMT_READ_GL_TEX:
	case PMT_READ_GL_BUF:
		break;
	default:
		return 0;
	}
	e->args[2] = PT_REGS_PARM3(ctx);
	e->args[3] = PT_REGS_PARM4(ctx);
	e->args[4] = PT_REGS_PARM5(ctx);
	e->args[5] = ctx->r9; /* x86-64: the 6th argument (no PT_REGS_PARM6 in libbpf 1.1) */
	bpf_probe_read_user(&e->caller, sizeof(e->caller), (void *)sp);
	gl_bind_key(&k, tid, e->args[0], r->read == PMT_READ_GL_TEX);
	name = bpf_map_lookup_elem(&pmt_gl_bound, &k);
	e->reads[0] = name ? *name : 0;
	e->reads[1] = name ? 1 : 0;
	e->reads[2] = 0;
	/* glCompressedTexImage2D's imageSize is its 7th argument: on the stack. */
	if (r->read == PMT_READ_GL_TEX)
		bpf_probe_read_user(&e->reads[2], 4, (void *)(sp + 8));
	e->reads[3] = k.unit;
	walk_then(ctx, e, false);
	return 0;
}

/* The same program for uprobe_multi links (Linux 6.6+): one link per library
 * is removed with one grace period, where single probes take one each. */
SEC("uprobe")
int BPF_KPROBE(pmt_gl_call)
{
	return gl_call(ctx);
}

SEC("uprobe")
int BPF_KPROBE(pmt_gl_call_multi)
{
	return gl_call(ctx);
}
