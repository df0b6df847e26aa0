// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_backend.c - loading, attaching and reading the BPF side.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "os/elf_file.h"
#include "os/proc.h"
#include "probes/bpf_backend.h"
#include "pmtrace.skel.h"

/*
 * A probe's link: a uprobe_multi link (a BPF link file descriptor, made
 * with the raw bpf() call: Debian 12's libbpf 1.1 predates them) where the
 * kernel has them (6.6+), else a libbpf perf-event link. Removing a
 * uprobe_multi link waits for one grace period whatever it holds; removing
 * a perf-event uprobe waits for several.
 */
struct plink {
	struct bpf_link *l;
	int fd; /* > 0: a uprobe_multi link */
};

static bool plink_live(const struct plink *p)
{
	return p->l || p->fd > 0;
}

static void plink_destroy(struct plink *p)
{
	if (p->fd > 0)
		close(p->fd);
	bpf_link__destroy(p->l);
	p->fd = 0;
	p->l = NULL;
}

#define MAX_GC_LINKS 8
#define MAX_ASSET_LINKS (2 * PMT_ASSET_ROWS * 2)
#define MAX_RETIRED 64
#define MAX_GL_LINKS PMT_ASSET_ROWS

/*
 * Removing a uprobe waits for an RCU grace period, about 120 ms on the
 * machines measured: detaching on the event loop would let the ring buffer
 * overflow. Retired links are destroyed by a worker thread instead; a link
 * still attached meanwhile is inactive (its slot's alias is no longer
 * counted) and costs the game one early-returning probe hit.
 */
struct retirer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct plink links[MAX_RETIRED];
	int n;
	bool stop;
	bool running;
};

#define MAX_ALLOC_LINKS 16
#define PMT_TRACE_UPROBE_MULTI 48 /* enum bpf_attach_type, Linux 6.6 */
#define PMT_BPF_LINK_CREATE 28
#define PMT_UPROBE_MULTI_RETURN 1u

/* GL probes: uprobe_multi links (one per library), or single uprobes. */
struct gl_links {
	int fds[MAX_GL_LINKS];
	int n_fds;
	struct plink links[MAX_GL_LINKS];
	int n_links;
};

struct pmt_bpf {
	struct pmtrace_bpf *skel;
	struct ring_buffer *rb;
	pid_t tgid;
	pmt_event_fn fn;
	pmt_asset_fn afn;
	void *ctx;
	struct plink assets[MAX_ASSET_LINKS];
	int n_assets;
	struct gl_links gl[2];   /* GL probes: on GLVND's stubs, on the vendor's functions */
	struct gl_links gl_dropped; /* being removed by gl_dropper */
	pthread_t gl_dropper;
	bool gl_dropping;
	struct plink markers[PMT_MAX_MARKERS][2];
	struct plink dlopen;
	struct plink gc[MAX_GC_LINKS];
	int n_gc;
	struct retirer ret;
	int alloc_fds[MAX_ALLOC_LINKS]; /* trace mode's uprobe_multi links */
	bool no_trace;                  /* no uprobe_multi: trace mode's programs not loaded */
	unsigned wake_reasons;          /* PMT_WAKE_* bits wanting each frame at once */
	int n_alloc_fds;
	uint64_t frame_offset;          /* frames numbered before the kernel counted them */
	int pool_fds[MAX_ALLOC_LINKS];  /* the pool analyzer's uprobe_multi links */
	int n_pool_fds;
	struct ring_buffer *pool_rb;    /* the pools ring (pmt_bpf_set_pool_fn) */
	pmt_pool_fn pool_fn;
	void *pool_ctx;
	bool in_frame_cb;               /* on_ring is delivering a frame record */
	struct pmt_growth_key growth_keys[PMT_GROWTH_ENTRIES]; /* drain scratch */
};

static void *retire_worker(void *arg)
{
	struct retirer *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->n && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->n && r->stop)
			break;
		struct plink l = r->links[--r->n];

		pthread_mutex_unlock(&r->lock);
		plink_destroy(&l);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void retire(struct pmt_bpf *b, struct plink *l)
{
	struct retirer *r = &b->ret;

	if (!plink_live(l))
		return;
	pthread_mutex_lock(&r->lock);
	/* Started at the first link retired, not at open: the tool reduces its
	 * capabilities after loading BPF, and a thread started before would
	 * keep root's (capabilities belong to each thread). */
	if (!r->running && !r->stop)
		r->running = !pthread_create(&r->thread, NULL, retire_worker, r);
	if (r->running && r->n < MAX_RETIRED) {
		r->links[r->n++] = *l;
		memset(l, 0, sizeof(*l));
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	plink_destroy(l); /* no worker: do it here */
}

static void retirer_init(struct retirer *r)
{
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
}

static void retirer_stop(struct retirer *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->running) {
		r->stop = true;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
}

static bool g_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || !g_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int on_ring(void *ctx, void *data, size_t len)
{
	struct pmt_bpf *b = ctx;
	const struct pmt_event *ev = data;

	if (len < 16)
		return 0;
	if (ev->kind == PMT_EV_ASSET) {
		if (len >= sizeof(struct pmt_asset_event) && b->afn)
			b->afn(b->ctx, data);
	} else if (len >= sizeof(struct pmt_event)) {
		/* A frame's pool records go first: they were written before it ended. */
		if (ev->kind == PMT_EV_FRAME && b->pool_rb)
			ring_buffer__consume(b->pool_rb);
		b->fn(b->ctx, data);
	}
	return 0;
}

static int on_pool_ring(void *ctx, void *data, size_t len)
{
	struct pmt_bpf *b = ctx;
	struct pmt_pool_event ev;

	if (len < sizeof(ev) || !b->pool_fn)
		return 0;
	/* In the tool's numbering of frames, as every other record. */
	memcpy(&ev, data, sizeof(ev));
	if (ev.seq)
		ev.seq += b->frame_offset;
	b->pool_fn(b->pool_ctx, &ev);
	return 0;
}

/* Tracepoint ids live in tracefs: mount it when nothing has. */
static void ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return;
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static int open_and_load(struct pmt_bpf *b, pid_t tgid, bool with_trace)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	int err;

	if (b->skel)
		pmtrace_bpf__destroy(b->skel);
	/*
	 * CO-RE against the kernel's own BTF only: a relocation without a
	 * candidate there (a fallback flavour for old kernels) otherwise makes
	 * libbpf list the modules' BTF, which the kernel allows CAP_SYS_ADMIN
	 * only, and the load fails with the capabilities alone (setcap mode).
	 */
	if (!access(VMLINUX_BTF, R_OK))
		opts.btf_custom_path = VMLINUX_BTF;
	b->skel = pmtrace_bpf__open_opts(&opts);
	if (!b->skel)
		return -errno;
	b->skel->rodata->pmt_target_tgid = (__u32)tgid;
	/* Trace mode's programs attach through uprobe_multi links only. */
	bpf_program__set_expected_attach_type(b->skel->progs.pmt_alloc_enter,
					      (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(b->skel->progs.pmt_alloc_return,
					      (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(b->skel->progs.pmt_gl_call_multi,
					      (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	/* With uprobe_multi, every uprobe program is attached through such links. */
	if (with_trace) {
		struct bpf_program *multi[] = {
			b->skel->progs.pmt_marker,	  b->skel->progs.pmt_dlopen,
			b->skel->progs.pmt_asset_call,	  b->skel->progs.pmt_asset_enter,
			b->skel->progs.pmt_asset_return, b->skel->progs.pmt_asset_return_only,
			b->skel->progs.pmt_gc_enter,	  b->skel->progs.pmt_gc_exit,
			/* tail-called by the asset programs: a tail call needs the
			 * same attach type on both sides */
			b->skel->progs.pmt_asset_walk,
		};
		size_t i;

		for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
			bpf_program__set_expected_attach_type(
				multi[i], (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	}
	bpf_program__set_autoload(b->skel->progs.pmt_alloc_enter, with_trace);
	bpf_program__set_autoload(b->skel->progs.pmt_alloc_return, with_trace);
	bpf_program__set_autoload(b->skel->progs.pmt_gl_call_multi, with_trace);
	bpf_program__set_autoload(b->skel->progs.pmt_gl_call, !with_trace); /* one of the two */
	bpf_program__set_expected_attach_type(b->skel->progs.pmt_pool_alloc_ret,
					      (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(b->skel->progs.pmt_pool_dealloc,
					      (enum bpf_attach_type)PMT_TRACE_UPROBE_MULTI);
	bpf_program__set_autoload(b->skel->progs.pmt_pool_alloc_ret, with_trace);
	bpf_program__set_autoload(b->skel->progs.pmt_pool_dealloc, with_trace);
	b->no_trace = !with_trace;
	err = pmtrace_bpf__load(b->skel);
	if (err) {
		pmtrace_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return err;
}

struct pmt_bpf *pmt_bpf_open(pid_t tgid, bool verbose, pmt_event_fn fn, pmt_asset_fn afn,
			     void *ctx)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct pmt_bpf *b;
	int err;

	g_verbose = verbose;
	libbpf_set_print(print_libbpf);
	setrlimit(RLIMIT_MEMLOCK, &rl); /* older kernels charge memlock */
	ensure_tracefs();
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->tgid = tgid;
	b->fn = fn;
	b->afn = afn;
	retirer_init(&b->ret);
	b->ctx = ctx;
	err = open_and_load(b, tgid, true);
	if (err && err != -EPERM && err != -EACCES) {
		/* A kernel before 6.6 may refuse uprobe_multi programs: all but trace mode. */
		err = open_and_load(b, tgid, false);
		if (!err && verbose)
			fprintf(stderr, "pmtrace: this kernel has no uprobe_multi: trace mode off\n");
	}
	if (err)
		goto err;
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.pmt_events), on_ring, b, NULL);
	if (!b->rb) {
		err = -errno;
		goto err;
	}
	return b;
err:
	pmt_bpf_close(b);
	errno = -err;
	return NULL;
}

struct destroyer {
	struct plink *links;
	int n, stride, first;
};

static void *destroy_some(void *arg)
{
	struct destroyer *d = arg;
	int i;

	for (i = d->first; i < d->n; i += d->stride)
		plink_destroy(&d->links[i]);
	return NULL;
}

/*
 * Destroy @n links on up to 16 threads: each uprobe removal waits for its
 * own grace period, so one after the other, tens of probes would keep the
 * tool from exiting for seconds.
 */
static void destroy_links(struct plink *links, int n)
{
	enum { THREADS = 16 };
	struct destroyer d[THREADS];
	pthread_t th[THREADS];
	bool started[THREADS] = {};
	int i, k = n < THREADS ? n : THREADS;

	for (i = 0; i < k; i++) {
		d[i] = (struct destroyer){ links, n, k, i };
		started[i] = !pthread_create(&th[i], NULL, destroy_some, &d[i]);
		if (!started[i])
			destroy_some(&d[i]);
	}
	for (i = 0; i < k; i++)
		if (started[i])
			pthread_join(th[i], NULL);
}

static struct plink from_libbpf(struct bpf_link *l)
{
	struct plink p = { l, 0 };

	return p;
}

void pmt_bpf_close(struct pmt_bpf *b)
{
	struct plink all[2 * PMT_MAX_MARKERS + MAX_GC_LINKS + MAX_ASSET_LINKS + 2 * MAX_GL_LINKS +
			 2 * MAX_ALLOC_LINKS + 2 * MAX_GL_LINKS + 1 + 16];
	struct gl_links *g;
	int i, j, n = 0;

	if (!b)
		return;
	retirer_stop(&b->ret);
	if (b->gl_dropping)
		pthread_join(b->gl_dropper, NULL);
	b->gl_dropping = false;
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		for (j = 0; j < 2; j++)
			if (plink_live(&b->markers[i][j]))
				all[n++] = b->markers[i][j];
	for (i = 0; i < b->n_gc; i++)
		all[n++] = b->gc[i];
	for (i = 0; i < b->n_assets; i++)
		all[n++] = b->assets[i];
	for (g = b->gl; g < b->gl + 2; g++) {
		for (i = 0; i < g->n_links; i++)
			all[n++] = g->links[i];
		for (i = 0; i < g->n_fds; i++)
			all[n++] = (struct plink){ NULL, g->fds[i] };
	}
	if (plink_live(&b->dlopen))
		all[n++] = b->dlopen;
	for (i = 0; i < b->n_alloc_fds; i++)
		all[n++] = (struct plink){ NULL, b->alloc_fds[i] };
	for (i = 0; i < b->n_pool_fds; i++)
		all[n++] = (struct plink){ NULL, b->pool_fds[i] };
	/* The tracepoint links too: each perf-event close waits ~40 ms here. */
	if (b->skel) {
		struct bpf_link **tp[] = {
			&b->skel->links.pmt_fault_user,	  &b->skel->links.pmt_fault_kernel,
			&b->skel->links.pmt_mmap_enter,	  &b->skel->links.pmt_mmap_exit,
			&b->skel->links.pmt_munmap_enter, &b->skel->links.pmt_mremap_enter,
			&b->skel->links.pmt_mremap_exit,  &b->skel->links.pmt_brk_enter,
			&b->skel->links.pmt_brk_exit,
		};
		size_t k;

		for (k = 0; k < sizeof(tp) / sizeof(tp[0]); k++)
			if (*tp[k]) {
				all[n++] = from_libbpf(*tp[k]);
				*tp[k] = NULL;
			}
	}
	/* Every link at once: each waits for its own grace period, in parallel. */
	destroy_links(all, n);
	ring_buffer__free(b->pool_rb);
	ring_buffer__free(b->rb);
	pmtrace_bpf__destroy(b->skel);
	free(b);
}

int pmt_bpf_attach_memory(struct pmt_bpf *b)
{
	struct pmtrace_bpf *s = b->skel;
	struct bpf_program *progs[] = {
		s->progs.pmt_fault_user,   s->progs.pmt_fault_kernel,  s->progs.pmt_mmap_enter,
		s->progs.pmt_mmap_exit,    s->progs.pmt_munmap_enter, s->progs.pmt_mremap_enter,
		s->progs.pmt_mremap_exit,  s->progs.pmt_brk_enter,    s->progs.pmt_brk_exit,
	};
	struct bpf_link **links[] = {
		&s->links.pmt_fault_user,  &s->links.pmt_fault_kernel,  &s->links.pmt_mmap_enter,
		&s->links.pmt_mmap_exit,   &s->links.pmt_munmap_enter, &s->links.pmt_mremap_enter,
		&s->links.pmt_mremap_exit, &s->links.pmt_brk_enter,    &s->links.pmt_brk_exit,
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		*links[i] = bpf_program__attach(progs[i]);
		if (!*links[i])
			return -errno;
	}
	return 0;
}

/*
 * union bpf_attr for BPF_LINK_CREATE of a uprobe_multi link, as in the
 * kernel's uapi from 6.6 (libbpf 1.1 and the installed headers predate it).
 */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint8_t zero[128 - 60]; /* the rest of union bpf_attr */
};

/*
 * One uprobe_multi link of @n probes in @file for process @pid, with USDT
 * semaphores at file offsets @ref_ctrs (NULL: none); its fd or -errno.
 */
static int multi_link_pid(struct bpf_program *prog, bool ret, const char *file,
			  const uint64_t *offsets, const uint64_t *cookies, const uint64_t *ref_ctrs,
			  int n, pid_t pid)
{
	struct link_create_uprobe_multi a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)bpf_program__fd(prog);
	a.attach_type = PMT_TRACE_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)file;
	a.offsets = (uint64_t)(uintptr_t)offsets;
	a.cookies = (uint64_t)(uintptr_t)cookies;
	a.ref_ctr_offsets = (uint64_t)(uintptr_t)ref_ctrs;
	a.cnt = (uint32_t)n;
	a.multi_flags = ret ? PMT_UPROBE_MULTI_RETURN : 0;
	a.pid = (uint32_t)pid;
	fd = (int)syscall(__NR_bpf, PMT_BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/* The same in the target (@b's process). */
static int multi_link_ref(struct pmt_bpf *b, struct bpf_program *prog, bool ret,
			  const char *file, const uint64_t *offsets, const uint64_t *cookies,
			  const uint64_t *ref_ctrs, int n)
{
	return multi_link_pid(prog, ret, file, offsets, cookies, ref_ctrs, n, b->tgid);
}

/* One uprobe_multi link of @n probes in @file; its fd or -errno. */
static int multi_link(struct pmt_bpf *b, struct bpf_program *prog, bool ret, const char *file,
		      const uint64_t *offsets, const uint64_t *cookies, int n)
{
	return multi_link_ref(b, prog, ret, file, offsets, cookies, NULL, n);
}

/*
 * Perf-event uprobes (a kernel without uprobe_multi links, before 6.6) are
 * created for CAP_SYS_ADMIN only; uprobe_multi links for CAP_BPF and
 * CAP_PERFMON with ptrace access to the target (measured on 6.18: the
 * former EACCES with those three, the latter made).
 */
bool pmt_bpf_uprobes_need_sys_admin(const struct pmt_bpf *b)
{
	return b->no_trace;
}

/* One probe: a uprobe_multi link where the kernel has them. 0 or -errno. */
static int attach_uprobe(struct pmt_bpf *b, struct bpf_program *prog, bool ret, const char *file,
			 uint64_t offset, uint64_t cookie, struct plink *out)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);

	memset(out, 0, sizeof(*out));
	if (!b->no_trace) {
		int fd = multi_link(b, prog, ret, file, &offset, &cookie, 1);

		if (fd < 0)
			return fd;
		out->fd = fd;
		return 0;
	}
	out->l = bpf_program__attach_uprobe_opts(prog, b->tgid, file, (size_t)offset, &opts);
	return out->l ? 0 : -errno;
}

int pmt_bpf_attach_dlopen(struct pmt_bpf *b, const char *file, uint64_t offset)
{
	return attach_uprobe(b, b->skel->progs.pmt_dlopen, false, file, offset, 0, &b->dlopen);
}

int pmt_bpf_attach_marker(struct pmt_bpf *b, int slot, int alias, const char *file,
			  uint64_t offset, bool stub)
{
	struct plink l;
	int err;

	if (slot < 0 || slot >= PMT_MAX_MARKERS || alias < 0 || alias > 1)
		return -EINVAL;
	err = attach_uprobe(b, b->skel->progs.pmt_marker, false, file, offset,
			    (uint64_t)slot | (uint64_t)alias << 8 | (stub ? PMT_COOKIE_STUB : 0), &l);
	if (err)
		return err;
	retire(b, &b->markers[slot][alias]);
	b->markers[slot][alias] = l;
	return 0;
}

void pmt_bpf_detach_marker(struct pmt_bpf *b, int slot, int alias)
{
	if (slot < 0 || slot >= PMT_MAX_MARKERS || alias < 0 || alias > 1)
		return;
	retire(b, &b->markers[slot][alias]);
}

void pmt_bpf_detach_markers_now(struct pmt_bpf *b, const int *slots, const int *aliases, int n)
{
	struct plink links[2 * PMT_MAX_MARKERS];
	int i, k = 0;

	for (i = 0; i < n && k < 2 * PMT_MAX_MARKERS; i++) {
		struct plink *l;

		if (slots[i] < 0 || slots[i] >= PMT_MAX_MARKERS || aliases[i] < 0 || aliases[i] > 1)
			continue;
		l = &b->markers[slots[i]][aliases[i]];
		if (plink_live(l))
			links[k++] = *l;
		memset(l, 0, sizeof(*l));
	}
	destroy_links(links, k);
}

void pmt_bpf_detach_all_markers_now(struct pmt_bpf *b)
{
	int slots[2 * PMT_MAX_MARKERS], aliases[2 * PMT_MAX_MARKERS], n = 0, i, j;

	for (i = 0; i < PMT_MAX_MARKERS; i++)
		for (j = 0; j < 2; j++)
			if (plink_live(&b->markers[i][j])) {
				slots[n] = i;
				aliases[n++] = j;
			}
	pmt_bpf_detach_markers_now(b, slots, aliases, n);
}

void pmt_bpf_wake_each_frame(struct pmt_bpf *b, unsigned reason, bool on)
{
	if (on)
		b->wake_reasons |= reason;
	else
		b->wake_reasons &= ~reason;
	__atomic_store_n(&b->skel->bss->pmt_wake_next, b->wake_reasons ? 1 : 0, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_stop_on_stub(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_stop_on_stub, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_active_alias(struct pmt_bpf *b, int slot, int alias)
{
	if (slot >= 0 && slot < PMT_MAX_MARKERS)
		__atomic_store_n(&b->skel->bss->pmt_active_alias[slot], (__u32)alias,
				 __ATOMIC_SEQ_CST);
}

/*
 * gc__start and gc__done as uprobe_multi links: the two uprobe programs at
 * the notes' locations, the kernel counting the semaphores that make the
 * interpreter reach them. Neither reads a USDT argument, so libbpf's USDT
 * machinery, which makes perf-event uprobes (CAP_SYS_ADMIN's), is not
 * needed: this works after the tool has dropped to the invoking user.
 */
static int attach_gc_usdt_multi(struct pmt_bpf *b, const char *file)
{
	uint64_t loc[2], sema[2], zero = 0;
	struct pmt_elf *e = pmt_elf_open(file);
	int fds[2], err = 0, i;

	if (!e)
		return -errno;
	if (pmt_elf_usdt(e, "python", "gc__start", &loc[0], &sema[0]) ||
	    pmt_elf_usdt(e, "python", "gc__done", &loc[1], &sema[1]))
		err = -ENOENT;
	pmt_elf_close(e);
	if (err)
		return err;
	for (i = 0; i < 2; i++) {
		/* pmt_gc_exit reads no return value: at gc__done it is an entry probe. */
		fds[i] = multi_link_ref(b, i ? b->skel->progs.pmt_gc_exit :
					       b->skel->progs.pmt_gc_enter,
					false, file, &loc[i], &zero, sema[i] ? &sema[i] : NULL, 1);
		if (fds[i] < 0) {
			err = fds[i];
			if (i)
				close(fds[0]);
			return err;
		}
	}
	for (i = 0; i < 2; i++) {
		memset(&b->gc[b->n_gc], 0, sizeof(b->gc[b->n_gc]));
		b->gc[b->n_gc++].fd = fds[i];
	}
	return 0;
}

int pmt_bpf_attach_gc_usdt(struct pmt_bpf *b, const char *file)
{
	struct bpf_link *start, *done;

	if (b->n_gc + 2 > MAX_GC_LINKS)
		return -ENOSPC;
	if (!b->no_trace)
		return attach_gc_usdt_multi(b, file);
	start = bpf_program__attach_usdt(b->skel->progs.pmt_gc_usdt_start, b->tgid, file,
					 "python", "gc__start", NULL);
	if (!start)
		return -errno;
	done = bpf_program__attach_usdt(b->skel->progs.pmt_gc_usdt_done, b->tgid, file, "python",
					"gc__done", NULL);
	if (!done) {
		int err = -errno;

		bpf_link__destroy(start);
		return err;
	}
	b->gc[b->n_gc++] = from_libbpf(start);
	b->gc[b->n_gc++] = from_libbpf(done);
	return 0;
}

int pmt_bpf_attach_gc_uprobe(struct pmt_bpf *b, const char *file, uint64_t offset)
{
	struct plink enter, exit_;
	int err;

	if (b->n_gc + 2 > MAX_GC_LINKS)
		return -ENOSPC;
	err = attach_uprobe(b, b->skel->progs.pmt_gc_enter, false, file, offset, 0, &enter);
	if (err)
		return err;
	err = attach_uprobe(b, b->skel->progs.pmt_gc_exit, true, file, offset, 0, &exit_);
	if (err) {
		plink_destroy(&enter);
		return err;
	}
	b->gc[b->n_gc++] = enter;
	b->gc[b->n_gc++] = exit_;
	return 0;
}

void pmt_bpf_detach_gc(struct pmt_bpf *b)
{
	int i;

	for (i = 0; i < b->n_gc; i++)
		retire(b, &b->gc[i]);
	b->n_gc = 0;
}

void pmt_bpf_gc_valid_from(struct pmt_bpf *b, uint64_t ns)
{
	__atomic_store_n(&b->skel->bss->pmt_gc_valid_from, ns, __ATOMIC_SEQ_CST);
}

/* The instruction a hit is measured on: a nop, like the interpreter's USDT notes. */
__attribute__((noinline)) static void hit_site(void)
{
	__asm__ volatile(".globl pmt_hit_nop\npmt_hit_nop: nop" ::: "memory");
}
extern char pmt_hit_nop[];

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return (a > c) - (a < c);
}

/* The median over @BATCHES of one call of hit_site(), in ns of this thread's CPU. */
static double call_ns(void)
{
	enum { BATCHES = 5, CALLS = 200 };
	double per[BATCHES];
	int k, c;

	for (k = 0; k < BATCHES; k++) {
		uint64_t t0 = thread_cpu_ns();

		for (c = 0; c < CALLS; c++)
			hit_site();
		per[k] = (double)(thread_cpu_ns() - t0) / CALLS;
	}
	qsort(per, BATCHES, sizeof(per[0]), cmp_double);
	return per[BATCHES / 2];
}

double pmt_bpf_measure_hit_ns(struct pmt_bpf *b)
{
	const struct pmt_mapping *m;
	uint64_t off, zero = 0;
	struct pmt_maps maps;
	double bare, hit;
	int fd;

	if (b->no_trace || pmt_maps_read(getpid(), &maps))
		return -ENOTSUP;
	m = pmt_maps_find_addr(&maps, (uint64_t)(uintptr_t)pmt_hit_nop);
	off = m && m->path ? (uint64_t)(uintptr_t)pmt_hit_nop - m->start + m->offset : 0;
	pmt_maps_free(&maps);
	if (!off)
		return -ENOENT;
	bare = call_ns();
	fd = multi_link_pid(b->skel->progs.pmt_gc_enter, false, "/proc/self/exe", &off, &zero,
			    NULL, 1, getpid());
	if (fd < 0)
		return fd;
	hit = call_ns();
	close(fd);
	return hit > bare ? hit - bare : 0;
}

int pmt_bpf_set_asset_row(struct pmt_bpf *b, int row, const struct pmt_asset_row *r)
{
	__u32 key = (__u32)row;

	if (row < 0 || row >= PMT_ASSET_ROWS)
		return -EINVAL;
	if (bpf_map__update_elem(b->skel->maps.pmt_asset_rows, &key, sizeof(key), r, sizeof(*r),
				 BPF_ANY))
		return -errno;
	return 0;
}

int pmt_bpf_attach_asset(struct pmt_bpf *b, int row, const char *file, uint64_t offset,
			 enum pmt_asset_attach how)
{
	struct plink a, r = { 0 };
	int err;

	if (b->n_assets + 2 > MAX_ASSET_LINKS)
		return -ENOSPC;
	if (how == PMT_ATTACH_RETURN)
		err = attach_uprobe(b, b->skel->progs.pmt_asset_return_only, true, file, offset,
				    (uint64_t)row, &a);
	else if (how == PMT_ATTACH_GL)
		return -EINVAL; /* pmt_bpf_attach_gl() */
	else
		err = attach_uprobe(b, how == PMT_ATTACH_ENTRY_RETURN ?
					       b->skel->progs.pmt_asset_enter :
					       b->skel->progs.pmt_asset_call,
				    false, file, offset, (uint64_t)row, &a);
	if (err)
		return err;
	if (how == PMT_ATTACH_ENTRY_RETURN) {
		err = attach_uprobe(b, b->skel->progs.pmt_asset_return, true, file, offset,
				    (uint64_t)row, &r);
		if (err) {
			plink_destroy(&a);
			return err;
		}
	}
	b->assets[b->n_assets++] = a;
	if (plink_live(&r))
		b->assets[b->n_assets++] = r;
	return 0;
}

int pmt_bpf_attach_gl(struct pmt_bpf *b, bool vendor, const char *file, const uint64_t *offsets,
		      const uint64_t *cookies, int n)
{
	struct gl_links *g = &b->gl[vendor];
	int fd, i, k = g->n_links;

	if (n <= 0)
		return 0;
	if (g->n_fds == MAX_GL_LINKS || g->n_links + n > MAX_GL_LINKS)
		return -ENOSPC;
	if (!b->no_trace) {
		fd = multi_link(b, b->skel->progs.pmt_gl_call_multi, false, file, offsets, cookies, n);
		if (fd >= 0) {
			g->fds[g->n_fds++] = fd;
			return 0;
		}
		return fd;
	}
	/* before Linux 6.6: one uprobe each */
	for (i = 0; i < n; i++) {
		int err = attach_uprobe(b, b->skel->progs.pmt_gl_call, false, file, offsets[i],
					cookies[i], &g->links[g->n_links]);

		if (err) {
			destroy_links(g->links + k, g->n_links - k);
			g->n_links = k;
			return err;
		}
		g->n_links++;
	}
	return 0;
}

void pmt_bpf_gl_use_vendor(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_gl_vendor, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void pmt_bpf_gl_moving(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_gl_moving, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

int pmt_bpf_gl_thread(const struct pmt_bpf *b, uint32_t *tid, uint64_t *fsbase)
{
	uint32_t t = __atomic_load_n(&b->skel->bss->pmt_gl_tid, __ATOMIC_SEQ_CST);
	uint64_t fs = __atomic_load_n(&b->skel->bss->pmt_gl_fsbase, __ATOMIC_SEQ_CST);

	/* Written one after the other: a thread switch in between shows. */
	if (!t || !fs || t != __atomic_load_n(&b->skel->bss->pmt_gl_tid, __ATOMIC_SEQ_CST))
		return -EAGAIN;
	*tid = t;
	*fsbase = fs;
	return 0;
}

/* Close or destroy every probe of @g. */
static void gl_links_remove(struct gl_links *g)
{
	int i;

	for (i = 0; i < g->n_fds; i++)
		close(g->fds[i]);
	destroy_links(g->links, g->n_links);
	g->n_fds = 0;
	g->n_links = 0;
}

static void *gl_drop_worker(void *arg)
{
	struct pmt_bpf *b = arg;

	gl_links_remove(&b->gl_dropped);
	pmt_bpf_gl_moving(b, false); /* no stub probe left to count a call */
	return NULL;
}

/*
 * A muted stub probe still costs its single-step until it is gone, and each
 * removal waits for a grace period (~0.1 s here): remove them away from the
 * event loop, a library's uprobe_multi link at a time, single probes in
 * parallel.
 */
void pmt_bpf_gl_drop(struct pmt_bpf *b, bool vendor)
{
	struct gl_links *g = &b->gl[vendor];

	if (b->gl_dropping) {
		pthread_join(b->gl_dropper, NULL);
		b->gl_dropping = false;
	}
	b->gl_dropped = *g;
	memset(g, 0, sizeof(*g));
	b->gl_dropping = !pthread_create(&b->gl_dropper, NULL, gl_drop_worker, b);
	if (!b->gl_dropping)
		gl_drop_worker(b);
}

void pmt_bpf_set_pywalk(struct pmt_bpf *b, const struct pmt_pywalk_cfg *cfg)
{
	/* interp_addr last: the walker only starts once the rest is in place. */
	struct pmt_pywalk_cfg *dst = &b->skel->bss->pmt_pywalk;

	dst->interp_addr = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*dst = *cfg;
	dst->interp_addr = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&dst->interp_addr, cfg->interp_addr, __ATOMIC_SEQ_CST);
}

int pmt_bpf_stack_take(struct pmt_bpf *b, uint64_t id, struct pmt_pystack *out)
{
	int fd = bpf_map__fd(b->skel->maps.pmt_pystacks);

	if (bpf_map_lookup_elem(fd, &id, out))
		return -errno;
	bpf_map_delete_elem(fd, &id);
	return 0;
}

uint64_t pmt_bpf_stacks_dropped(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_stacks_dropped, __ATOMIC_RELAXED);
}

int pmt_bpf_attach_alloc(struct pmt_bpf *b, const char *file, const uint64_t *offsets,
			 const uint64_t *cookies, int n, bool ret)
{
	struct bpf_program *p = ret ? b->skel->progs.pmt_alloc_return :
				      b->skel->progs.pmt_alloc_enter;
	int fd;

	if (b->no_trace)
		return -EOPNOTSUPP;
	if (b->n_alloc_fds >= MAX_ALLOC_LINKS)
		return -ENOSPC;
	if (n <= 0)
		return 0;
	fd = multi_link(b, p, ret, file, offsets, cookies, n);
	if (fd < 0)
		return fd;
	b->alloc_fds[b->n_alloc_fds++] = fd;
	return 0;
}

void pmt_bpf_detach_alloc(struct pmt_bpf *b)
{
	int i;

	for (i = 0; i < b->n_alloc_fds; i++)
		close(b->alloc_fds[i]);
	b->n_alloc_fds = 0;
}

int pmt_bpf_set_alloc_site(struct pmt_bpf *b, uint32_t idx, const struct pmt_alloc_site *s)
{
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.pmt_alloc_sites), &idx, s, BPF_ANY))
		return -errno;
	return 0;
}

void pmt_bpf_set_stack_depth(struct pmt_bpf *b, unsigned depth)
{
	__atomic_store_n(&b->skel->data->pmt_stack_depth, depth, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_usedpools(struct pmt_bpf *b, uint64_t addr)
{
	__atomic_store_n(&b->skel->bss->pmt_usedpools, addr, __ATOMIC_SEQ_CST);
}

void pmt_bpf_count_slots(struct pmt_bpf *b, const bool *counted)
{
	int i;

	__atomic_store_n(&b->skel->bss->pmt_frames, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_cur_seq, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < PMT_MAX_MARKERS; i++)
		__atomic_store_n(&b->skel->bss->pmt_counted[i], counted[i] ? 1 : 0,
				 __ATOMIC_SEQ_CST);
}

void pmt_bpf_detect_stacks(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_detect_stack, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_frame_offset(struct pmt_bpf *b, uint64_t offset)
{
	b->frame_offset = offset;
}

uint64_t pmt_bpf_frame_offset(const struct pmt_bpf *b)
{
	return b->frame_offset;
}

uint64_t pmt_bpf_cur_seq(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_cur_seq, __ATOMIC_SEQ_CST) + b->frame_offset;
}

void pmt_bpf_set_trace_range(struct pmt_bpf *b, uint64_t from, uint64_t to)
{
	/* In the kernel's numbering: frames counted since pmt_bpf_count_slots(). */
	from = from > b->frame_offset ? from - b->frame_offset : 0;
	to = to > b->frame_offset ? (to == UINT64_MAX ? to : to - b->frame_offset) : 0;
	/* Close first, then open: never a moment with a wrong wide range. */
	__atomic_store_n(&b->skel->bss->pmt_trace_to, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_trace_from, from, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_trace_to, to, __ATOMIC_SEQ_CST);
}

int pmt_bpf_trace_totals(struct pmt_bpf *b, uint64_t seq, struct pmt_trace_totals *out)
{
	uint32_t k;

	if (seq <= b->frame_offset)
		return -ENOENT;
	seq -= b->frame_offset;
	k = (uint32_t)(seq % PMT_TRACE_RING);

	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.pmt_trace_tot), &k, out))
		return -errno;
	return out->seq == seq ? 0 : -ENOENT;
}

int pmt_bpf_trace_sites_take(struct pmt_bpf *b, uint64_t seq, pmt_trace_site_fn fn, void *ctx)
{
	int fd = bpf_map__fd(b->skel->maps.pmt_trace_sites);
	struct pmt_trace_site_key k, next, *prev = NULL;
	struct pmt_trace_site_val v;
	int n = 0;

	if (seq <= b->frame_offset)
		return 0;
	seq -= b->frame_offset;
	/* Deleting the key just visited would restart the walk: delete after. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.seq == seq && !bpf_map_lookup_elem(fd, &next, &v)) {
			fn(ctx, next.stack_id, v.allocs, v.bytes);
			n++;
		}
		if (prev && prev->seq <= seq)
			bpf_map_delete_elem(fd, prev);
		k = next;
		prev = &k;
	}
	if (prev && prev->seq <= seq)
		bpf_map_delete_elem(fd, prev);
	return n;
}

void pmt_bpf_trace_forget_live(struct pmt_bpf *b)
{
	int fd = bpf_map__fd(b->skel->maps.pmt_live);
	uint64_t keys[4096], k, *in = NULL;
	uint32_t count;
	struct { uint64_t seq, size; } vals[4096];
	int err;

	/* The probes are gone: nothing writes the map while it is drained. */
	do {
		count = 4096;
		err = bpf_map_lookup_and_delete_batch(fd, in, &k, keys, vals, &count, NULL);
		in = &k;
	} while (!err && count);
	/* Threads' call depths go too: calls in flight at detach never return here. */
	fd = bpf_map__fd(b->skel->maps.pmt_alloc_threads);
	{
		uint32_t tid;

		while (!bpf_map_get_next_key(fd, NULL, &tid))
			bpf_map_delete_elem(fd, &tid);
	}
}

uint64_t pmt_bpf_asset_lost(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_asset_lost, __ATOMIC_RELAXED);
}

void pmt_bpf_set_growth(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_growth_on, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

uint64_t pmt_bpf_growth_epoch(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_growth_epoch, __ATOMIC_SEQ_CST);
}

uint64_t pmt_bpf_growth_dropped(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_growth_dropped, __ATOMIC_RELAXED);
}

/*
 * Keys are listed first, then read and removed: deleting while walking
 * with get_next_key would restart the walk. The table only holds what grew
 * since the last drain, so this is a handful of system calls.
 */
int pmt_bpf_growth_drain(struct pmt_bpf *b, uint64_t below, pmt_growth_fn fn, void *ctx)
{
	struct pmt_growth_key *keys = b->growth_keys;
	int fd = bpf_map__fd(b->skel->maps.pmt_growth), n = 0, i, got = 0;
	struct pmt_growth_key k, *prev = NULL;
	struct pmt_growth_val v;

	while (n < PMT_GROWTH_ENTRIES && !bpf_map_get_next_key(fd, prev, &k)) {
		keys[n] = k;
		prev = &keys[n++];
	}
	for (i = 0; i < n; i++) {
		if (keys[i].epoch >= below || bpf_map_lookup_elem(fd, &keys[i], &v))
			continue;
		bpf_map_delete_elem(fd, &keys[i]);
		fn(ctx, &keys[i], &v);
		got++;
	}
	return got;
}

void pmt_bpf_set_gc_addr(struct pmt_bpf *b, uint64_t addr)
{
	__atomic_store_n(&b->skel->bss->pmt_gc_stats_addr, addr, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_stop_on_dlopen(struct pmt_bpf *b, bool on)
{
	__atomic_store_n(&b->skel->bss->pmt_stop_on_dlopen, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

uint64_t pmt_bpf_lost(const struct pmt_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->pmt_lost, __ATOMIC_RELAXED);
}

int pmt_bpf_poll(struct pmt_bpf *b, int timeout_ms)
{
	int n = ring_buffer__poll(b->rb, timeout_ms), m;

	/* Frame records do not wake us (see frames.bpf.c): collect them. */
	m = ring_buffer__consume(b->rb);
	if (b->pool_rb)
		ring_buffer__consume(b->pool_rb);
	if (n < 0)
		return n;
	return m < 0 ? m : n + m;
}

/* ---- the pool analyzer (pools.bpf.c) ---- */

int pmt_bpf_set_pool_fn(struct pmt_bpf *b, pmt_pool_fn fn, void *ctx)
{
	if (b->no_trace)
		return -EOPNOTSUPP;
	b->pool_fn = fn;
	b->pool_ctx = ctx;
	if (b->pool_rb)
		return 0;
	b->pool_rb = ring_buffer__new(bpf_map__fd(b->skel->maps.pmt_pool_events), on_pool_ring, b,
				      NULL);
	return b->pool_rb ? 0 : -errno;
}

void pmt_bpf_pools_consume(struct pmt_bpf *b)
{
	if (b->pool_rb)
		ring_buffer__consume(b->pool_rb);
}

int pmt_bpf_attach_pools(struct pmt_bpf *b, const char *file, const uint64_t *offsets,
			 const uint64_t *cookies, int n, bool ret)
{
	struct link_create_uprobe_multi a;
	struct bpf_program *p = ret ? b->skel->progs.pmt_pool_alloc_ret :
				      b->skel->progs.pmt_pool_dealloc;
	int fd;

	if (b->no_trace)
		return -EOPNOTSUPP;
	if (b->n_pool_fds >= MAX_ALLOC_LINKS)
		return -ENOSPC;
	if (n <= 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)bpf_program__fd(p);
	a.attach_type = PMT_TRACE_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)file;
	a.offsets = (uint64_t)(uintptr_t)offsets;
	a.cookies = (uint64_t)(uintptr_t)cookies;
	a.cnt = (uint32_t)n;
	a.multi_flags = ret ? PMT_UPROBE_MULTI_RETURN : 0;
	a.pid = (uint32_t)b->tgid;
	fd = (int)syscall(__NR_bpf, PMT_BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	b->pool_fds[b->n_pool_fds++] = fd;
	return 0;
}

void pmt_bpf_detach_pools(struct pmt_bpf *b)
{
	int i;

	for (i = 0; i < b->n_pool_fds; i++)
		close(b->pool_fds[i]);
	b->n_pool_fds = 0;
}

int pmt_bpf_pools_attached(const struct pmt_bpf *b)
{
	return b->n_pool_fds;
}

void pmt_bpf_set_pools_range(struct pmt_bpf *b, uint64_t from, uint64_t to)
{
	/* In the kernel's numbering, as pmt_bpf_set_trace_range(). */
	from = from > b->frame_offset ? from - b->frame_offset : 0;
	to = to > b->frame_offset ? to - b->frame_offset : 0;
	__atomic_store_n(&b->skel->bss->pmt_pools_to, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_pools_from, from, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_pools_to, to, __ATOMIC_SEQ_CST);
}

void pmt_bpf_set_pools_config(struct pmt_bpf *b, uint64_t subtype_dealloc, uint64_t gen0_addr,
			      const uint64_t *builtins, bool stacks)
{
	int i;

	__atomic_store_n(&b->skel->bss->pmt_pool_subtype_dealloc, subtype_dealloc,
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->bss->pmt_pool_gen0_addr, gen0_addr, __ATOMIC_SEQ_CST);
	for (i = 0; i < PMT_POOL_BUILTINS; i++)
		__atomic_store_n(&b->skel->bss->pmt_pool_builtin[i], builtins ? builtins[i] : 0,
				 __ATOMIC_SEQ_CST);
	__atomic_store_n(&b->skel->data->pmt_pool_stacks, stacks ? 1u : 0u, __ATOMIC_SEQ_CST);
}

void pmt_bpf_pools_stats(const struct pmt_bpf *b, struct pmt_bpf_pool_stats *out)
{
	out->lost = __atomic_load_n(&b->skel->bss->pmt_pool_lost, __ATOMIC_RELAXED);
	out->hits = __atomic_load_n(&b->skel->bss->pmt_pool_hits, __ATOMIC_RELAXED);
	out->prog_ns = __atomic_load_n(&b->skel->bss->pmt_pool_prog_ns, __ATOMIC_RELAXED);
	out->types_full = __atomic_load_n(&b->skel->bss->pmt_pool_types_full, __ATOMIC_RELAXED);
}

int pmt_bpf_pool_types(struct pmt_bpf *b, pmt_pool_type_fn fn, void *ctx)
{
	int fd = bpf_map__fd(b->skel->maps.pmt_pool_types), n = 0;
	uint64_t k, *prev = NULL, key;
	struct pmt_pool_type v;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		key = k;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		fn(ctx, key, &v);
		n++;
	}
	return n;
}

int pmt_bpf_pool_type_set(struct pmt_bpf *b, uint64_t type, const struct pmt_pool_type *v)
{
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.pmt_pool_types), &type, v, BPF_ANY))
		return -errno;
	return 0;
}

int pmt_bpf_pool_votes(struct pmt_bpf *b, uint64_t *dealloc, uint64_t *votes, int max)
{
	int fd = bpf_map__fd(b->skel->maps.pmt_pool_votes), n = 0;
	uint64_t k, *prev = NULL, key, v;

	while (n < max && !bpf_map_get_next_key(fd, prev, &k)) {
		key = k;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		dealloc[n] = key;
		votes[n++] = v;
	}
	return n;
}

int pmt_bpf_pool_builtins(struct pmt_bpf *b, uint64_t seq, uint64_t *n)
{
	struct pmt_pool_bcount c;
	uint32_t k;

	memset(n, 0, PMT_POOL_BUILTINS * sizeof(*n));
	if (seq <= b->frame_offset)
		return -ENOENT;
	seq -= b->frame_offset;
	k = (uint32_t)(seq % PMT_POOL_RING);

	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.pmt_pool_bcounts), &k, &c))
		return -errno;
	if (c.seq != seq) {
		memset(n, 0, PMT_POOL_BUILTINS * sizeof(*n));
		return -ENOENT;
	}
	memcpy(n, c.n, sizeof(c.n));
	return 0;
}
