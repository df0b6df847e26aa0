// SPDX-License-Identifier: BSD-2-Clause
/*
 * snapshot.c - one heap snapshot: walk the collector's lists and every
 * referent reachable from them into a graph (core/heapgraph.c), count the
 * objects by type (core/heapdiff.c, against the earlier snapshots), read
 * the engine assets the objects own (core/engine_assets.c's table), name
 * who holds them by a shortest path from a root (modules first, then the
 * threads' running frames), and find what only reference cycles keep
 * alive.
 *
 * Labels are not stored with the edges: a path's labels are found again
 * by enumerating each step's referents while the copies of the walk are
 * still held, so the graph costs 4 bytes an edge.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpython/snapshot.h"
#include "pmtrace/assets.h"
#include "pmtrace/heapgraph.h"
#include "os/clock.h"

#define DEADLINE_EVERY 1024   /* objects between clock checks */
#define PATH_NODES 32         /* nodes of a path printed at most */
#define ASSET_PATHS_MAX 2000  /* assets given a holder path (and a file) at most */
#define HOLDER_SCAN_MAX 200000 /* instances looked at per growing type */

/* A running frame whose locals are roots. */
struct froot {
	uint32_t node;
	char label[112];          /* "func()" or "thread N: func()" */
	struct pmt_pylocal *locals; /* 3.11+: the pseudo node's referents */
	size_t nlocals;
	bool pseudo;              /* not an object (3.11+ interpreter frames) */
};

struct build {
	struct pmt_snapper *s;
	struct pmt_heapwalk *hw;
	struct pmt_heapgraph g;
	uint64_t deadline;
	uint64_t counter;
	const char *why;          /* why partial, or NULL */
	int err;
	uint32_t cur;
	struct froot *froots;
	size_t nfroots, cap_froots;
	bool multi_thread;
	int first_thread;
};

static uint64_t cpu_ns(void);

/* PMT_SNAPSHOT_DEBUG=1: each phase's end on stderr (ms since the start). */
static uint64_t phase_cpu0;

static void phase(const struct build *b, const char *what, uint64_t t0)
{
	static int on = -1;

	if (on < 0)
		on = getenv("PMT_SNAPSHOT_DEBUG") != NULL;
	if (on)
		fprintf(stderr, "pmtrace: snapshot %s done at %.1f ms, CPU %.1f ms (%zu nodes, %zu "
			"edges, %llu reads)\n", what, (double)(pmt_mono_ns() - t0) / 1e6, (cpu_ns() - phase_cpu0) / 1e6,
			b->g.n, b->g.m, (unsigned long long)b->hw->mem.syscalls);
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define MAP_HEADER 64

/*
 * The graph's arrays (tens of MB at a million objects) are mapped and
 * grown with mremap, their new pages populated by the kernel in one call:
 * touching fresh pages one fault at a time cost a fifth of a snapshot's
 * time on a VM. The mapped length is kept in a header before each array.
 */
static void *populated_realloc(void *ctx, void *ptr, size_t size)
{
	size_t page = 4096, len = (size + MAP_HEADER + page - 1) & ~(page - 1), old;
	uint8_t *h;

	(void)ctx;
	if (!ptr && !size)
		return NULL;
	if (ptr) {
		h = (uint8_t *)ptr - MAP_HEADER;
		memcpy(&old, h, sizeof(old));
		if (!size) {
			munmap(h, old);
			return NULL;
		}
		if (len <= old)
			return ptr;
		h = mremap(h, old, len, MREMAP_MAYMOVE);
		if (h == MAP_FAILED)
			return NULL;
		madvise(h + old, len - old, MADV_POPULATE_WRITE); /* best effort */
	} else {
		h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			 -1, 0);
		if (h == MAP_FAILED)
			return NULL;
	}
	memcpy(h, &len, sizeof(len));
	return h + MAP_HEADER;
}

/* pmt_snapper_init - see snapshot.h. */
int pmt_snapper_init(struct pmt_snapper *s, pid_t pid, const struct pmt_python *py,
		     const struct pmt_snapconf *conf)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->conf = *conf;
	if (!s->conf.top)
		s->conf.top = 10;
	err = pmt_heapwalk_open(&s->hw, pid, py, conf->cache_limit);
	if (err)
		return err;
	pmt_strtab_init(&s->names);
	pmt_heaphistory_init(&s->hist);
	pmt_heapgraph_init(&s->graph);
	pmt_heapgraph_set_alloc(&s->graph, populated_realloc, NULL);
	return 0;
}

/* pmt_snapper_free - release everything. */
void pmt_snapper_free(struct pmt_snapper *s)
{
	pmt_heapwalk_close(&s->hw);
	pmt_heapgraph_free(&s->graph);
	pmt_strtab_free(&s->names);
	pmt_heaphistory_free(&s->hist);
	memset(s, 0, sizeof(*s));
}

/* pmt_snapshot_free - release a snapshot's arrays. */
void pmt_snapshot_free(struct pmt_snapshot *snap)
{
	free(snap->deltas);
	free(snap->growth);
	free(snap->assets);
	free(snap->cycles);
	memset(snap, 0, sizeof(*snap));
}

/* ---- building the graph ---------------------------------------------------- */

static bool over_budget(struct build *b)
{
	if (b->why)
		return true;
	if (++b->counter % DEADLINE_EVERY)
		return false;
	if (b->deadline && pmt_mono_ns() > b->deadline)
		b->why = "time budget";
	else if (b->hw->mem.over_limit)
		b->why = "memory budget";
	return b->why != NULL;
}

static int on_gc_object(void *ctx, uint64_t obj)
{
	struct build *b = ctx;
	uint32_t idx;
	int r;

	if (over_budget(b))
		return 1;
	r = pmt_heapgraph_add(&b->g, obj, 0, PMT_HG_TRACKED, &idx);
	if (r < 0) {
		b->err = r;
		return 1;
	}
	return 0;
}

static int on_ref(void *ctx, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	struct build *b = ctx;
	uint32_t idx;
	int r;

	(void)l;
	if (b->s->conf.max_objects && b->g.n >= b->s->conf.max_objects &&
	    pmt_heapgraph_find(&b->g, ref) == PMT_HG_NONE) {
		b->why = "object limit";
		return 1;
	}
	r = pmt_heapgraph_add(&b->g, ref, 0, 0, &idx);
	if (r >= 0)
		r = pmt_heapgraph_edge(&b->g, b->cur, idx, zero);
	if (r < 0) {
		b->err = r;
		return 1;
	}
	return 0;
}

static int on_frame(void *ctx, uint64_t frame, const char *func, int thread, uint64_t tid,
		    const struct pmt_pylocal *locals, size_t n)
{
	struct build *b = ctx;
	struct froot *f;
	uint32_t idx;
	bool pseudo = b->hw->ol->co_nlocalsplus != PMT_NOFF;
	int r;

	(void)tid;
	if (b->nfroots == b->cap_froots) {
		size_t cap = b->cap_froots ? 2 * b->cap_froots : 16;
		struct froot *v = realloc(b->froots, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->froots = v;
		b->cap_froots = cap;
	}
	if (!b->nfroots)
		b->first_thread = thread;
	else if (thread != b->first_thread)
		b->multi_thread = true;
	/* 3.8-3.10 frames are objects; 3.11+ interpreter frames get a node of their own. */
	r = pmt_heapgraph_add(&b->g, frame, 0, pseudo ? PMT_HG_STATIC : 0, &idx);
	if (r < 0)
		return r;
	f = &b->froots[b->nfroots];
	memset(f, 0, sizeof(*f));
	f->node = idx;
	f->pseudo = pseudo;
	snprintf(f->label, sizeof(f->label), "%d:%s()", thread, func);
	if (pseudo && n) {
		f->locals = malloc(n * sizeof(*f->locals));
		if (!f->locals)
			return -ENOMEM;
		memcpy(f->locals, locals, n * sizeof(*locals));
		f->nlocals = n;
	}
	b->nfroots++;
	return 0;
}

static const struct froot *froot_of(const struct build *b, uint32_t node)
{
	size_t i;

	for (i = 0; i < b->nfroots; i++)
		if (b->froots[i].node == node)
			return &b->froots[i];
	return NULL;
}

/* Enumerate every node's referents, adding the new ones: the heap's closure. */
static void enumerate(struct build *b)
{
	struct pmt_heapgraph *g = &b->g;
	uint32_t i;

	for (i = 0; i < g->n && !b->err; i++) {
		const struct pmt_pytype *t;
		const struct froot *f = (g->flags[i] & PMT_HG_STATIC) ? froot_of(b, i) : NULL;
		uint64_t refcnt;

		if (over_budget(b))
			break;
		b->cur = i;
		if (f) {
			for (size_t k = 0; k < f->nlocals && !b->err && !b->why; k++)
				on_ref(b, f->locals[k].value, false, NULL);
			pmt_heapgraph_close(g, i);
			continue;
		}
		t = pmt_heapwalk_type_of(b->hw, g->addr[i], &refcnt);
		if (!t) {
			g->flags[i] |= PMT_HG_STATIC; /* unreadable: counted nowhere */
			g->type[i] = UINT32_MAX;
			b->hw->bad_reads++;
			pmt_heapgraph_close(g, i);
			continue;
		}
		g->type[i] = t->id;
		g->refcnt[i] = refcnt;
		g->bytes[i] = pmt_heapwalk_size(b->hw, g->addr[i], t);
		if (t->engine)
			g->flags[i] |= PMT_HG_ASSET;
		pmt_heapwalk_referents(b->hw, g->addr[i], t, on_ref, b);
		if (b->err || b->why)
			break; /* node i stays open: its edges are incomplete */
		g->flags[i] |= PMT_HG_DONE;
		pmt_heapgraph_close(g, i);
	}
	pmt_heapgraph_seal(g);
}

/* A node counted in the type statistics: read, and a heap object. */
static bool counted(const struct pmt_heapgraph *g, uint32_t i)
{
	return (g->flags[i] & PMT_HG_DONE) && !(g->flags[i] & PMT_HG_STATIC) &&
	       g->type[i] != UINT32_MAX;
}

/* ---- labels and paths ---------------------------------------------------------- */

struct label_find {
	uint64_t target;
	bool zero;
	struct pmt_reflabel l;
	char name[96];
	bool found;
};

static int label_cb(void *ctx, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	struct label_find *f = ctx;

	if (ref != f->target)
		return 0;
	f->found = true;
	f->zero = zero;
	f->l = *l;
	if (l->name)
		snprintf(f->name, sizeof(f->name), "%s", l->name);
	f->l.name = f->name;
	return 1;
}

/* How node @u holds node @v: into @f. */
static bool edge_label(struct build *b, uint32_t u, uint32_t v, struct label_find *f)
{
	const struct froot *fr = (b->g.flags[u] & PMT_HG_STATIC) ? froot_of(b, u) : NULL;
	const struct pmt_pytype *t;

	memset(f, 0, sizeof(*f));
	f->target = b->g.addr[v];
	if (fr) {
		for (size_t k = 0; k < fr->nlocals; k++) {
			if (fr->locals[k].value == f->target) {
				f->found = true;
				f->l.kind = PMT_REF_SLOT;
				snprintf(f->name, sizeof(f->name), "%s", fr->locals[k].name);
				f->l.name = f->name;
				return true;
			}
		}
		return false;
	}
	t = pmt_heapwalk_type_of(b->hw, b->g.addr[u], NULL);
	if (!t)
		return false;
	pmt_heapwalk_referents(b->hw, b->g.addr[u], t, label_cb, f);
	return f->found;
}

static bool identifier(const char *s)
{
	size_t i;

	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || (unsigned char)s[i] >= 0x80))
			return false;
	return true;
}

/* Append to @out (@len bytes) at *@pos. */
static void put(char *out, size_t len, size_t *pos, const char *fmt, const char *a)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(out + *pos, len - *pos, fmt, a);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len - 1;
}

/* The text of a hop held as @f, after a zero edge when @owned (an owner's own dict). */
static void put_label(struct build *b, const struct label_find *f, bool owned, char *out,
		      size_t len, size_t *pos)
{
	char key[80], num[32];
	const struct pmt_pytype *kt;

	switch (f->l.kind) {
	case PMT_REF_INDEX:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)f->l.index);
		put(out, len, pos, "[%s]", num);
		return;
	case PMT_REF_SLOT:
	case PMT_REF_FIELD:
		if (!f->zero)
			put(out, len, pos, ".%s", f->name);
		return;
	case PMT_REF_ATTR:
		if (pmt_heapwalk_str(b->hw, f->l.obj, key, sizeof(key)))
			snprintf(key, sizeof(key), "?");
		put(out, len, pos, ".%s", key);
		return;
	case PMT_REF_ITEM:
		put(out, len, pos, "%s", "{item}");
		return;
	case PMT_REF_DICTKEY:
		put(out, len, pos, "%s", "(a key)");
		return;
	case PMT_REF_KEY:
		kt = pmt_heapwalk_type_of(b->hw, f->l.obj, NULL);
		if (kt && kt->kind == PMT_OBJ_STR && !kt->heap &&
		    !pmt_heapwalk_str(b->hw, f->l.obj, key, sizeof(key))) {
			if (owned && identifier(key))
				put(out, len, pos, ".%s", key);
			else
				put(out, len, pos, "['%s']", key);
		} else if (kt && kt->kind == PMT_OBJ_INT && !kt->heap) {
			int64_t v;

			if (!pmt_heapwalk_int(b->hw, f->l.obj, &v)) {
				snprintf(num, sizeof(num), "%lld", (long long)v);
				put(out, len, pos, "[%s]", num);
			} else {
				put(out, len, pos, "%s", "[int]");
			}
		} else {
			put(out, len, pos, "[<%s>]", kt ? kt->name : "?");
		}
		return;
	default:
		put(out, len, pos, "%s", "?");
	}
}

/* The root's name: a module's, or a frame's "func() local". */
static void put_root(struct build *b, uint32_t r, char *out, size_t len, size_t *pos)
{
	const struct froot *f = froot_of(b, r);
	char name[128];

	if (f) {
		const char *colon = strchr(f->label, ':');

		put(out, len, pos, "%s", b->multi_thread ? f->label : colon + 1);
		put(out, len, pos, "%s", " local ");
		return;
	}
	if (pmt_heapwalk_module_name(b->hw, b->g.addr[r], name, sizeof(name)))
		snprintf(name, sizeof(name), "<module>");
	put(out, len, pos, "%s", name);
}

/* The reference path to node @i as text into @out; "" when none. */
static void path_text(struct build *b, const uint32_t *parent, uint32_t i, char *out, size_t len)
{
	uint32_t nodes[PATH_NODES];
	size_t n = pmt_heapgraph_path(parent, i, nodes, PATH_NODES), k, pos = 0;
	bool owned = false, first = true;

	out[0] = 0;
	if (!n)
		return;
	put_root(b, nodes[0], out, len, &pos);
	for (k = 1; k < (n < PATH_NODES ? n : PATH_NODES); k++) {
		struct label_find f;
		uint32_t u = nodes[k - 1], v = nodes[k];

		if (n > PATH_NODES && k == PATH_NODES - 1) {
			put(out, len, &pos, "%s", "…");
			u = parent[v];
		}
		if (!edge_label(b, u, v, &f)) {
			put(out, len, &pos, "%s", "→?");
			owned = false;
			continue;
		}
		if (first && froot_of(b, nodes[0]) && (f.l.kind == PMT_REF_ATTR ||
						      f.l.kind == PMT_REF_SLOT)) {
			/* "main() local game": the local's bare name */
			char name[96];

			if (f.l.kind == PMT_REF_ATTR &&
			    pmt_heapwalk_str(b->hw, f.l.obj, name, sizeof(name)))
				snprintf(name, sizeof(name), "?");
			put(out, len, &pos, "%s", f.l.kind == PMT_REF_ATTR ? name : f.name);
		} else if (k == 2 && froot_of(b, nodes[0]) && f.l.kind == PMT_REF_FIELD &&
			   !strcmp(f.name, "cell_contents")) {
			/* a local captured by a closure lives in a cell: the variable is the value */
		} else {
			put_label(b, &f, owned, out, len, &pos);
		}
		first = false;
		owned = f.zero;
	}
}

/* ---- assets ---------------------------------------------------------------------- */

static int rd64(struct pmt_heapwalk *hw, uint64_t a, uint64_t *v)
{
	return pmt_heapwalk_read(hw, a, v, 8);
}

/* @name made absolute against the game's directory when it is a file there. */
static bool resolve_file(pid_t pid, const char *name, char *out, size_t len)
{
	char cwd[PATH_MAX], link[64], full[PATH_MAX + 64];
	struct stat st;
	ssize_t n;

	if (name[0] == '/') {
		snprintf(out, len, "%s", name);
	} else {
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
		n = readlink(link, cwd, sizeof(cwd) - 1);
		if (n <= 0)
			return false;
		cwd[n] = 0;
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		if ((size_t)snprintf(out, len, "%s/%s", cwd, name) >= len)
			return false;
	}
	snprintf(full, sizeof(full), "/proc/%d/root%s", (int)pid, out);
	return !stat(full, &st) && S_ISREG(st.st_mode);
}

/* The size of @path (absolute, in the game's mount namespace), or 0. */
static uint64_t file_size(pid_t pid, const char *path)
{
	char full[PATH_MAX + 64];
	struct stat st;

	snprintf(full, sizeof(full), "/proc/%d/root%s", (int)pid, path);
	return !stat(full, &st) && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

/* A C string of the game's at @a into @out (cut to fit); "" when unreadable. */
static void read_cstring(struct pmt_heapwalk *hw, uint64_t a, char *out, size_t len)
{
	size_t k;

	for (k = 0; a && k + 1 < len; k++)
		if (pmt_heapwalk_read(hw, a + k, &out[k], 1) || !out[k])
			break;
	out[k] = 0;
}

/*
 * pygame.freetype.Font: how FreeType opens its face (a path: the file's
 * size; a stream over a Python file: the stream's size; memory: its size)
 * and its file (the path, or the str the object keeps in .path).
 */
static int read_ft_font(struct pmt_heapwalk *hw, uint64_t obj, struct pmt_engine_fields *f,
			char *file, size_t flen)
{
	char name[PATH_MAX];
	uint64_t internals, a, pathobj;
	uint32_t flags;

	if (rd64(hw, obj + PMT_PGFT_INTERNALS, &internals) || !internals)
		return -EINVAL; /* never opened, or closed */
	if (pmt_heapwalk_read(hw, obj + PMT_PGFT_FLAGS, &flags, 4))
		return -EFAULT;
	f->ptr = obj;
	name[0] = 0;
	if (flags & PMT_FT_OPEN_PATHNAME) {
		if (rd64(hw, obj + PMT_PGFT_PATHNAME, &a))
			return -EFAULT;
		read_cstring(hw, a, name, sizeof(name));
		if (name[0] && resolve_file(hw->pid, name, file, flen))
			f->file_size = file_size(hw->pid, file);
		else
			file[0] = 0;
		return 0;
	}
	if (flags & PMT_FT_OPEN_STREAM) {
		if (rd64(hw, obj + PMT_PGFT_STREAM, &a) || !a ||
		    rd64(hw, a + PMT_FT_STREAM_SIZE, &f->file_size))
			return -EFAULT;
	} else if (flags & PMT_FT_OPEN_MEMORY) {
		if (rd64(hw, obj + PMT_PGFT_MEMORY_SIZE, &f->file_size))
			return -EFAULT;
	} else {
		return -EINVAL;
	}
	/* a file object's name, kept in .path */
	if (!rd64(hw, obj + PMT_PGFT_PATH, &pathobj) &&
	    !pmt_heapwalk_str(hw, pathobj, name, sizeof(name)) &&
	    pmt_engine_file_class(name, strlen(name)) == PMT_FILE_FONT &&
	    resolve_file(hw->pid, name, file, flen))
		return 0;
	file[0] = 0;
	return 0;
}

/*
 * Read what row @r needs from object @obj into @f; the file the object
 * itself names into @file ("" when it names none).
 */
static int read_fields(struct pmt_heapwalk *hw, uint64_t obj, const struct pmt_engine_row *r,
		       struct pmt_engine_fields *f, char *family, size_t flen, char *file,
		       size_t file_len)
{
	uint8_t buf[PMT_SDL_SURFACE_READ];
	uint64_t p = 0;
	int32_t i32[2];
	uint32_t u32;

	memset(f, 0, sizeof(*f));
	f->obj_w = f->obj_h = -1;
	family[0] = 0;
	file[0] = 0;
	if (r->holder == PMT_ENGINE_C_INLINE && r->read == PMT_ENGINE_FT_FONT)
		return read_ft_font(hw, obj, f, file, file_len);
	if (r->holder == PMT_ENGINE_C_INLINE && r->read == PMT_ENGINE_GL_TEXTURE) {
		uint64_t props, v;
		int64_t mip = 1;

		if (pmt_heapwalk_read(hw, obj + r->ptr_off, &u32, 4) ||
		    pmt_heapwalk_read(hw, obj + (uint64_t)r->obj_w_off, &i32[0], 4) ||
		    pmt_heapwalk_read(hw, obj + (uint64_t)r->obj_h_off, &i32[1], 4))
			return -EFAULT;
		f->gl_name = u32;
		f->w = i32[0];
		f->h = i32[1];
		if (r->mip_dict_off > 0 && r->mip_key &&
		    !rd64(hw, obj + (uint64_t)r->mip_dict_off, &props) &&
		    (v = pmt_heapwalk_dict_get(hw, props, r->mip_key)) &&
		    pmt_heapwalk_int(hw, v, &mip))
			mip = 1; /* not a bool or an int: Ren'Py takes its truth; we say it has */
		f->mipmaps = r->mip_dict_off > 0 && mip != 0;
		return 0;
	}
	if (r->holder == PMT_ENGINE_CAPSULE) {
		char name[96];
		uint64_t a;

		if (rd64(hw, obj + PMT_CAPSULE_NAME, &a))
			return -EFAULT;
		read_cstring(hw, a, name, sizeof(name));
		if (strncmp(name, r->where, strlen(r->where)) ||
		    rd64(hw, obj + PMT_CAPSULE_POINTER, &a) || rd64(hw, a, &f->ptr))
			return -EINVAL;
		return f->ptr ? 0 : -EINVAL; /* no music loaded */
	}
	if (r->holder == PMT_ENGINE_PY_ATTRS) {
		uint64_t v;

		v = pmt_heapwalk_attr(hw, obj, r->attr_name);
		if (!v || pmt_heapwalk_int(hw, v, &f->gl_name))
			return -EINVAL;
		if (r->attr_w && (!(v = pmt_heapwalk_attr(hw, obj, r->attr_w)) ||
				  pmt_heapwalk_int(hw, v, &f->w)))
			return -EINVAL;
		if (r->attr_h && (!(v = pmt_heapwalk_attr(hw, obj, r->attr_h)) ||
				  pmt_heapwalk_int(hw, v, &f->h)))
			return -EINVAL;
		if (r->attr_size && (!(v = pmt_heapwalk_attr(hw, obj, r->attr_size)) ||
				     pmt_heapwalk_int(hw, v, &f->size)))
			return -EINVAL;
		return 0;
	}
	if (r->holder == PMT_ENGINE_CTYPES_PTR) {
		uint64_t bptr;

		if (rd64(hw, obj + PMT_CTYPES_B_PTR, &bptr) || rd64(hw, bptr, &p))
			return -EFAULT;
	} else if (rd64(hw, obj + r->ptr_off, &p)) {
		return -EFAULT;
	}
	if (!p)
		return -EINVAL;
	f->ptr = p;
	switch (r->read) {
	case PMT_ENGINE_SDL_SURFACE:
		if (pmt_heapwalk_read(hw, p, buf, PMT_SDL_SURFACE_READ))
			return -EFAULT;
		memcpy(i32, buf + PMT_SDL_SURFACE_W, 8);
		f->w = i32[0];
		f->h = i32[1];
		memcpy(i32, buf + PMT_SDL_SURFACE_PITCH, 4);
		f->pitch = i32[0];
		return 0;
	case PMT_ENGINE_MIX_CHUNK:
		if (pmt_heapwalk_read(hw, p + PMT_MIX_CHUNK_ALEN, &u32, 4))
			return -EFAULT;
		f->alen = u32;
		return 0;
	case PMT_ENGINE_TTF_FONT: {
		uint64_t face, stream, fam;
		size_t k;

		if (rd64(hw, p + PMT_TTF_FONT_FACE, &face) ||
		    rd64(hw, face + PMT_FT_FACE_STREAM, &stream) ||
		    rd64(hw, stream + PMT_FT_STREAM_SIZE, &f->stream_size))
			return -EFAULT;
		if (!rd64(hw, face + PMT_FT_FACE_FAMILY, &fam) && fam) {
			for (k = 0; k + 1 < flen; k++)
				if (pmt_heapwalk_read(hw, fam + k, &family[k], 1) || !family[k])
					break;
			family[k] = 0;
		}
		return 0;
	}
	case PMT_ENGINE_SDL_TEXTURE: {
		uint64_t magic;
		const struct pmt_mapping *m;

		if (pmt_heapwalk_read(hw, p, buf, PMT_SDL_TEXTURE_READ))
			return -EFAULT;
		memcpy(&magic, buf + PMT_SDL_TEXTURE_MAGIC, 8);
		/* SDL's texture_magic: in libSDL2's data, or its .bss right after it */
		m = pmt_maps_find_addr(&hw->maps, magic);
		if (m && !m->path && m > hw->maps.v && m[-1].end == m->start)
			m--;
		if (!m || !m->path || !strstr(m->path, "libSDL2"))
			return -EINVAL; /* not an SDL_Texture */
		memcpy(&u32, buf + PMT_SDL_TEXTURE_FORMAT, 4);
		f->format = u32;
		memcpy(i32, buf + PMT_SDL_TEXTURE_W, 8);
		f->w = i32[0];
		f->h = i32[1];
		if (r->obj_w_off >= 0 && r->holder == PMT_ENGINE_C_FIELD &&
		    !pmt_heapwalk_read(hw, obj + (uint64_t)r->obj_w_off, i32, 4))
			f->obj_w = i32[0];
		if (r->obj_h_off >= 0 && r->holder == PMT_ENGINE_C_FIELD &&
		    !pmt_heapwalk_read(hw, obj + (uint64_t)r->obj_h_off, i32, 4))
			f->obj_h = i32[0];
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* A str object naming an existing file of class @cls: its absolute path into @out. */
static bool file_str(struct build *b, uint64_t obj, enum pmt_file_class cls, char *out,
		     size_t len)
{
	const struct pmt_pytype *t = pmt_heapwalk_type_of(b->hw, obj, NULL);
	char s[PATH_MAX];

	if (!t || t->kind != PMT_OBJ_STR || t->heap ||
	    pmt_heapwalk_str(b->hw, obj, s, sizeof(s)) ||
	    pmt_engine_file_class(s, strlen(s)) != cls)
		return false;
	return resolve_file(b->s->pid, s, out, len);
}

/* The name of a label (an attribute, slot or str key), or "" */
static void label_name(struct build *b, const struct pmt_reflabel *l, char *out, size_t len)
{
	out[0] = 0;
	if (l->kind == PMT_REF_SLOT && l->name)
		snprintf(out, len, "%s", l->name);
	else if ((l->kind == PMT_REF_ATTR || l->kind == PMT_REF_KEY) &&
		 pmt_heapwalk_str(b->hw, l->obj, out, len))
		out[0] = 0;
}

struct sibling_find {
	struct build *b;
	uint64_t asset_obj;
	enum pmt_file_class cls;
	bool by_key;
	char own[64];              /* the asset's name in the holder (.sprite) */
	char path[PATH_MAX];       /* the candidate chosen so far */
	char cand_name[64];
	int candidates;            /* files of the right class next to it */
	bool found;                /* by key, or by a name that starts like the asset's */
};

static int sibling_cb(void *ctx, uint64_t ref, bool zero, const struct pmt_reflabel *l)
{
	struct sibling_find *f = ctx;
	char name[64], path[PATH_MAX];

	(void)zero;
	if (ref == f->asset_obj) {
		if (f->by_key && l->kind == PMT_REF_KEY &&
		    file_str(f->b, l->obj, f->cls, f->path, sizeof(f->path))) {
			f->found = true; /* a dict keyed by its file */
			return 1;
		}
		label_name(f->b, l, f->own, sizeof(f->own));
		return 0;
	}
	if (f->by_key || l->kind == PMT_REF_DICTKEY || !file_str(f->b, ref, f->cls, path, sizeof(path)))
		return 0;
	label_name(f->b, l, name, sizeof(name));
	if (!f->candidates++ || (f->own[0] && !strncmp(name, f->own, strlen(f->own)))) {
		snprintf(f->path, sizeof(f->path), "%s", path);
		snprintf(f->cand_name, sizeof(f->cand_name), "%s", name);
	}
	return 0;
}

/*
 * The file an asset object comes from, where a holder says it: a dict
 * keyed by its file name, a tuple or an instance holding the name of a
 * file of its kind next to it (the only one, or the one whose name starts
 * like the asset's: .sprite_file next to .sprite). @holders are the nodes
 * referring to it.
 */
static const char *asset_file(struct build *b, uint64_t obj, uint32_t type,
			      const uint32_t *holders, size_t n, char *out, size_t len)
{
	static const char *const sources[] = { "dict_key", "tuple", "attribute" };
	enum pmt_file_class cls = pmt_engine_type_file_class(type);
	int pass;
	size_t k;

	out[0] = 0;
	if (cls == PMT_FILE_NONE)
		return NULL;
	for (pass = 0; pass < 3; pass++) {
		for (k = 0; k < n; k++) {
			uint64_t h = b->g.addr[holders[k]];
			const struct pmt_pytype *t;
			struct sibling_find *f;
			const char *src = NULL;

			if ((b->g.flags[holders[k]] & PMT_HG_STATIC))
				continue;
			t = pmt_heapwalk_type_of(b->hw, h, NULL);
			if (!t || (pass == 0 && t->kind != PMT_OBJ_DICT) ||
			    (pass == 1 && t->kind != PMT_OBJ_TUPLE) ||
			    (pass == 2 && !(t->heap && t->kind == PMT_OBJ_OTHER) &&
			     t->kind != PMT_OBJ_DICT))
				continue;
			f = calloc(1, sizeof(*f));
			if (!f)
				return NULL;
			f->b = b;
			f->asset_obj = obj;
			f->cls = cls;
			f->by_key = pass == 0;
			/* pass 2 takes an instance or its __dict__: its other values */
			pmt_heapwalk_referents(b->hw, h, t, sibling_cb, f);
			if (f->found || f->candidates == 1 ||
			    (f->candidates > 1 && f->own[0] &&
			     !strncmp(f->cand_name, f->own, strlen(f->own)))) {
				snprintf(out, len, "%s", f->path);
				src = sources[pass];
			}
			free(f);
			if (src)
				return src;
		}
	}
	return NULL;
}

static int asset_cmp(const void *x, const void *y)
{
	const struct pmt_snap_asset *a = x, *b = y;

	if (a->a.bytes != b->a.bytes)
		return a->a.bytes > b->a.bytes ? -1 : 1;
	return a->a.key < b->a.key ? -1 : a->a.key > b->a.key;
}

/*
 * Streamed music: SDL_mixer keeps the file of a Mix_Music open while it
 * exists (OGG, MP3, FLAC, WAV; not MOD/MIDI, read whole), and sounds are
 * decoded whole and their files closed. So when the heap holds one
 * Mix_Music and the game has one sound file open, that file is the
 * music's, and its size the music's bytes (the Mix_LoadMUS* probes' rule).
 * Otherwise the music is listed with 0 bytes and no file.
 */
static void music_file(struct build *b, struct pmt_snapshot *out)
{
	char link[64], path[PATH_MAX], found[PATH_MAX];
	struct pmt_snap_asset *music = NULL;
	struct dirent *de;
	int nfiles = 0;
	size_t i;
	DIR *d;

	for (i = 0; i < out->nassets; i++) {
		if (out->assets[i].a.type != PMT_ASSET_MUSIC || out->assets[i].file[0])
			continue;
		if (music && music->a.key != out->assets[i].a.key)
			return; /* two: which file is whose is not known */
		music = &out->assets[i];
	}
	if (!music)
		return;
	snprintf(link, sizeof(link), "/proc/%d/fd", (int)b->s->pid);
	d = opendir(link);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char fd[sizeof(link) + sizeof(de->d_name) + 2];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof(fd), "%s/%s", link, de->d_name);
		n = readlink(fd, path, sizeof(path) - 1);
		if (n <= 0 || path[0] != '/')
			continue;
		path[n] = 0;
		if (pmt_engine_file_class(path, (size_t)n) != PMT_FILE_SOUND ||
		    !file_size(b->s->pid, path) || (nfiles && !strcmp(found, path)))
			continue;
		snprintf(found, sizeof(found), "%s", path);
		nfiles++;
	}
	closedir(d);
	if (nfiles != 1)
		return;
	for (i = 0; i < out->nassets; i++) {
		if (out->assets[i].a.key != music->a.key)
			continue;
		snprintf(out->assets[i].file, sizeof(out->assets[i].file), "%s", found);
		out->assets[i].file_source = "open_file";
		out->assets[i].a.bytes = file_size(b->s->pid, found);
	}
}

/* The assets owned by the nodes; one per key. */
static int collect_assets(struct build *b, struct pmt_snapshot *out, uint32_t **asset_nodes)
{
	struct pmt_heapgraph *g = &b->g;
	size_t cap = 0, i;
	uint32_t *nodes = NULL;

	*asset_nodes = NULL;
	for (i = 0; i < g->n; i++) {
		const struct pmt_pytype *t;
		struct pmt_engine_fields f;
		struct pmt_snap_asset *sa;
		char family[64], file[PATH_MAX];

		if (!(g->flags[i] & PMT_HG_ASSET) || !counted(g, (uint32_t)i))
			continue;
		t = pmt_heapwalk_type_of(b->hw, g->addr[i], NULL);
		if (!t || !t->engine || read_fields(b->hw, g->addr[i], t->engine, &f, family,
						    sizeof(family), file, sizeof(file)))
			continue;
		if (out->nassets == cap) {
			size_t nc = cap ? 2 * cap : 64;
			void *v = realloc(out->assets, nc * sizeof(*out->assets));
			void *w;

			if (!v)
				return -ENOMEM;
			out->assets = v;
			w = realloc(nodes, nc * sizeof(*nodes));
			if (!w)
				return -ENOMEM;
			nodes = w;
			*asset_nodes = nodes;
			cap = nc;
		}
		sa = &out->assets[out->nassets];
		memset(sa, 0, sizeof(*sa));
		if (pmt_engine_asset(t->engine, &f, &sa->a))
			continue;
		sa->obj = g->addr[i];
		snprintf(sa->type_name, sizeof(sa->type_name), "%s", t->name);
		sa->engine = t->engine->engine;
		snprintf(sa->family, sizeof(sa->family), "%s", family);
		if (file[0]) {
			snprintf(sa->file, sizeof(sa->file), "%s", file);
			sa->file_source = "object";
		}
		nodes[out->nassets++] = (uint32_t)i;
	}
	music_file(b, out);
	return 0;
}

/* Sort key for dropping a second Python object over the same asset. */
struct keyed {
	uint64_t key;
	uint32_t node, idx;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

/* One asset per key (the first object found over it). */
static int dedupe_assets(struct pmt_snapshot *out, uint32_t *nodes)
{
	struct keyed *k = malloc((out->nassets + 1) * sizeof(*k));
	bool *keep = calloc(out->nassets + 1, sizeof(*keep));
	size_t i, n = 0;

	if (!k || !keep) {
		free(k);
		free(keep);
		return -ENOMEM;
	}
	for (i = 0; i < out->nassets; i++) {
		k[i].key = out->assets[i].a.key;
		k[i].node = nodes[i];
		k[i].idx = (uint32_t)i;
	}
	qsort(k, out->nassets, sizeof(*k), keyed_cmp);
	for (i = 0; i < out->nassets; i++)
		keep[k[i].idx] = !i || k[i].key != k[i - 1].key;
	for (i = 0; i < out->nassets; i++) {
		if (!keep[i])
			continue;
		out->assets[n] = out->assets[i];
		nodes[n++] = nodes[i];
	}
	out->nassets = n;
	free(k);
	free(keep);
	return 0;
}

/* ---- growth holders -------------------------------------------------------------- */

struct holder_count {
	uint32_t node;     /* the holding node */
	uint64_t count, bytes;
};

static int hc_cmp(const void *x, const void *y)
{
	const struct holder_count *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

/* Who holds the instances of type name @name: their nearest holders, most first. */
static void growth_holders(struct build *b, const uint32_t *parent, const uint32_t *type_name,
			   size_t ntypes, const bool *is_new, struct pmt_snap_growth *gr)
{
	struct pmt_heapgraph *g = &b->g;
	struct holder_count *hc = NULL;
	size_t n = 0, cap = 0, i, seen = 0, k;

	for (i = 0; i < g->n && seen < HOLDER_SCAN_MAX; i++) {
		uint32_t p;

		if (!counted(g, (uint32_t)i) || g->type[i] >= ntypes ||
		    type_name[g->type[i]] != gr->d.name || (is_new && !is_new[i]))
			continue;
		seen++;
		p = parent[i];
		if (p == PMT_HG_NONE || p == PMT_HG_ROOT)
			continue;
		for (k = 0; k < n; k++)
			if (hc[k].node == p)
				break;
		if (k == n) {
			if (n == cap) {
				size_t nc = cap ? 2 * cap : 16;
				void *v = realloc(hc, nc * sizeof(*hc));

				if (!v)
					break;
				hc = v;
				cap = nc;
			}
			if (n >= 4096)
				continue; /* enough distinct holders */
			hc[n].node = p;
			hc[n].count = hc[n].bytes = 0;
			n++;
		}
		hc[k].count++;
		hc[k].bytes += g->bytes[i];
	}
	qsort(hc, n, sizeof(*hc), hc_cmp);
	for (k = 0; k < n && gr->nholders < PMT_SNAP_HOLDERS; k++) {
		struct pmt_snap_holder *h = &gr->holders[gr->nholders++];
		size_t pos;

		path_text(b, parent, hc[k].node, h->path, sizeof(h->path));
		pos = strlen(h->path);
		/* how the holder holds them: one instance's label, as a pattern */
		for (i = 0; i < g->n; i++) {
			struct label_find f;

			if (parent[i] != hc[k].node || !counted(g, (uint32_t)i) ||
			    g->type[i] >= ntypes || type_name[g->type[i]] != gr->d.name ||
			    (is_new && !is_new[i]))
				continue;
			if (edge_label(b, hc[k].node, (uint32_t)i, &f)) {
				if (f.l.kind == PMT_REF_INDEX || f.l.kind == PMT_REF_KEY ||
				    f.l.kind == PMT_REF_ITEM)
					put(h->path, sizeof(h->path), &pos, "%s", "[*]");
				else
					put_label(b, &f, false, h->path, sizeof(h->path), &pos);
			}
			break;
		}
		h->count = hc[k].count;
		h->bytes = hc[k].bytes;
	}
	free(hc);
}

/* ---- cycles ---------------------------------------------------------------------- */

static int cycle_cmp(const void *x, const void *y)
{
	const struct pmt_snap_cycle *a = x, *b = y;

	if (a->asset_bytes != b->asset_bytes)
		return a->asset_bytes > b->asset_bytes ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return strcmp(a->cycle, b->cycle);
}

static int cycle_text_cmp(const void *x, const void *y)
{
	const struct pmt_snap_cycle *a = x, *b = y;

	return strcmp(a->cycle, b->cycle);
}

/* The short name of node @i's type, for cycles. */
static const char *node_type(struct build *b, uint32_t i)
{
	const struct pmt_pytype *t = pmt_heapwalk_type_of(b->hw, b->g.addr[i], NULL);

	return t ? t->name : "?";
}

/*
 * The cycle through @nodes (@n of its @len_total) as "Type .attr -> Type
 * .attr -> (back)"; an owner's own __dict__ is folded into the owner.
 */
static void cycle_text(struct build *b, const uint32_t *cyc, size_t n, size_t len_total,
		       char *out, size_t len)
{
	uint32_t nodes[16];
	size_t k, pos = 0, start = 0;
	bool owned = false;

	out[0] = 0;
	/* Start at a node not entered through a zero edge (not an owner's __dict__). */
	if (n == len_total) {
		for (k = 0; k < n; k++) {
			struct label_find f;

			if (edge_label(b, cyc[(k + n - 1) % n], cyc[k], &f) && !f.zero) {
				start = k;
				break;
			}
		}
	}
	for (k = 0; k < n && k < 16; k++)
		nodes[k] = cyc[(start + k) % n];
	for (k = 0; k < n; k++) {
		struct label_find f;
		uint32_t next = k + 1 < n ? nodes[k + 1] : nodes[0];

		if (!owned)
			put(out, len, &pos, k ? " -> %s " : "%s ", node_type(b, nodes[k]));
		if (k + 1 == n && len_total > n) {
			put(out, len, &pos, "%s", "...");
			return;
		}
		if (edge_label(b, nodes[k], next, &f))
			put_label(b, &f, owned, out, len, &pos);
		owned = f.zero;
	}
	put(out, len, &pos, "%s", " -> (back)");
}

static int find_cycles(struct build *b, struct pmt_snapshot *out, const uint32_t *asset_nodes)
{
	struct pmt_heapgraph *g = &b->g;
	bool *alive = malloc(g->n * sizeof(*alive)), *dead = NULL, *cyclic = NULL;
	uint32_t *comp = NULL, *holder = NULL;
	struct pmt_snap_cycle *cyc = NULL;
	uint32_t *comp_cycle = NULL; /* component -> index in cyc, or none */
	size_t ncyc = 0, i;
	long ncomp, ndead;
	int err = -ENOMEM;

	if (!alive)
		goto cleanup;
	ndead = pmt_heapgraph_unreachable(g, alive);
	if (ndead < 0)
		goto cleanup;
	out->cycles_analysed = true;
	for (i = 0; i < g->n; i++) {
		if (alive[i] || !counted(g, (uint32_t)i))
			continue;
		out->cyclic_objects++;
		out->cyclic_bytes += g->bytes[i];
	}
	err = 0;
	if (!ndead)
		goto cleanup;
	err = -ENOMEM;
	dead = malloc(g->n * sizeof(*dead));
	comp = malloc(g->n * sizeof(*comp));
	cyclic = calloc(g->n, sizeof(*cyclic));
	holder = malloc(g->n * sizeof(*holder));
	if (!dead || !comp || !cyclic || !holder)
		goto cleanup;
	for (i = 0; i < g->n; i++)
		dead[i] = !alive[i];
	ncomp = pmt_heapgraph_scc(g, dead, comp, cyclic);
	if (ncomp < 0 || pmt_heapgraph_cycle_holders(g, alive, comp, cyclic, holder))
		goto cleanup;
	comp_cycle = malloc((size_t)(ncomp ? ncomp : 1) * sizeof(*comp_cycle));
	if (!comp_cycle)
		goto cleanup;
	for (i = 0; i < (size_t)ncomp; i++)
		comp_cycle[i] = UINT32_MAX;
	/* Group what each cycle keeps alive. */
	for (i = 0; i < g->n; i++) {
		uint32_t c;
		struct pmt_snap_cycle *sc;

		if (holder[i] == PMT_HG_NONE || !counted(g, (uint32_t)i))
			continue;
		c = comp[holder[i]];
		if (comp_cycle[c] == UINT32_MAX) {
			void *v = realloc(cyc, (ncyc + 1) * sizeof(*cyc));
			long len;
			uint32_t nodes[16];

			if (!v)
				goto cleanup;
			cyc = v;
			sc = &cyc[ncyc];
			memset(sc, 0, sizeof(*sc));
			comp_cycle[c] = (uint32_t)ncyc++;
			len = pmt_heapgraph_cycle(g, comp, holder[i], nodes, 16);
			if (len < 0)
				goto cleanup;
			sc->length = (uint64_t)len;
			/* cycle text later: paths need the copies, which are still here */
			cycle_text(b, nodes, (size_t)(len < 16 ? len : 16), (size_t)len, sc->cycle,
				   sizeof(sc->cycle));
		}
		sc = &cyc[comp_cycle[c]];
		sc->objects++;
		sc->bytes += g->bytes[i];
	}
	for (i = 0; i < out->nassets; i++) {
		uint32_t n = asset_nodes[i];
		struct pmt_snap_cycle *sc;

		if (alive[n])
			continue;
		out->assets[i].cyclic = true;
		if (holder[n] == PMT_HG_NONE || comp_cycle[comp[holder[n]]] == UINT32_MAX)
			continue;
		sc = &cyc[comp_cycle[comp[holder[n]]]];
		sc->assets++;
		sc->asset_bytes += out->assets[i].a.bytes;
	}
	/* One entry per form: many cycles of one shape read as one finding. */
	for (i = 0; i < ncyc; i++)
		cyc[i].count = 1;
	qsort(cyc, ncyc, sizeof(*cyc), cycle_text_cmp);
	{
		size_t k = 0;

		for (i = 0; i < ncyc; i++) {
			if (k && !strcmp(cyc[k - 1].cycle, cyc[i].cycle)) {
				cyc[k - 1].count++;
				cyc[k - 1].objects += cyc[i].objects;
				cyc[k - 1].bytes += cyc[i].bytes;
				cyc[k - 1].assets += cyc[i].assets;
				cyc[k - 1].asset_bytes += cyc[i].asset_bytes;
			} else {
				cyc[k++] = cyc[i];
			}
		}
		ncyc = k;
	}
	qsort(cyc, ncyc, sizeof(*cyc), cycle_cmp);
	if (ncyc > b->s->conf.top)
		ncyc = b->s->conf.top;
	out->cycles = cyc;
	out->ncycles = ncyc;
	cyc = NULL;
	err = 0;
cleanup:
	free(alive);
	free(dead);
	free(comp);
	free(cyclic);
	free(holder);
	free(comp_cycle);
	free(cyc);
	return err;
}

/* ---- the snapshot ------------------------------------------------------------------ */

/* A module root and its name, for sorting. */
struct modroot {
	uint32_t node;
	char name[120];
};

static int modroot_cmp(const void *x, const void *y)
{
	const struct modroot *a = x, *b = y;
	int ma = !strcmp(a->name, "__main__"), mb = !strcmp(b->name, "__main__");

	if (ma != mb)
		return ma ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Roots in order of preference: modules (__main__ first, then by name), then frames. */
static uint32_t *roots_of(struct build *b, size_t *n, struct pmt_snapshot *out)
{
	struct pmt_heapgraph *g = &b->g;
	uint32_t *r = malloc((g->n + 1) * sizeof(*r));
	struct modroot *mods = NULL;
	size_t k = 0, i, cap = 0;

	if (!r)
		return NULL;
	for (i = 0; i < g->n; i++) {
		const struct pmt_pytype *t;

		if (!counted(g, (uint32_t)i))
			continue;
		t = pmt_heapwalk_type_of(b->hw, g->addr[i], NULL);
		if (!t || t->kind != PMT_OBJ_MODULE)
			continue;
		if (k == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct modroot *v = realloc(mods, nc * sizeof(*v));

			if (!v) {
				free(mods);
				free(r);
				return NULL;
			}
			mods = v;
			cap = nc;
		}
		mods[k].node = (uint32_t)i;
		if (pmt_heapwalk_module_name(b->hw, g->addr[i], mods[k].name, sizeof(mods[k].name)))
			mods[k].name[0] = 0;
		k++;
	}
	qsort(mods, k, sizeof(*mods), modroot_cmp);
	for (i = 0; i < k; i++)
		r[i] = mods[i].node;
	free(mods);
	out->roots_modules = k;
	for (i = 0; i < b->nfroots; i++)
		r[k++] = b->froots[i].node;
	out->roots_frames = b->nfroots;
	*n = k;
	return r;
}

static int growth_cmp(const void *x, const void *y)
{
	const struct pmt_snap_growth *a = x, *b = y;

	if (a->d.dbytes_prev != b->d.dbytes_prev)
		return a->d.dbytes_prev > b->d.dbytes_prev ? -1 : 1;
	return a->d.name < b->d.name ? -1 : a->d.name > b->d.name;
}

/* Type statistics, the history, growth and its holders. */
static int analyse_types(struct build *b, struct pmt_snapshot *out, const uint32_t *parent)
{
	struct pmt_heapgraph *g = &b->g;
	struct pmt_heapwalk *hw = b->hw;
	uint32_t *type_name = calloc(hw->ntypes + 1, sizeof(*type_name));
	uint32_t *types = malloc((g->n + 1) * sizeof(*types));
	uint64_t *bytes = malloc((g->n + 1) * sizeof(*bytes));
	struct pmt_objkey *keys = NULL;
	struct pmt_typestat *stats = NULL;
	bool *is_new = NULL;
	size_t nstats = 0, k = 0, i, nkeys = 0;
	int err = -ENOMEM;

	if (!type_name || !types || !bytes)
		goto cleanup;
	if (b->s->conf.keep_objects && !(keys = malloc((g->n + 1) * sizeof(*keys))))
		goto cleanup;
	for (i = 0; i < hw->ntypes; i++) {
		type_name[i] = pmt_strtab_intern(&b->s->names, hw->types[i]->name,
						 strlen(hw->types[i]->name));
		if (!type_name[i])
			goto cleanup;
	}
	for (i = 0; i < g->n; i++) {
		if (!counted(g, (uint32_t)i))
			continue;
		types[k] = g->type[i];
		bytes[k++] = g->bytes[i];
		out->objects++;
		out->bytes += g->bytes[i];
		if (g->flags[i] & PMT_HG_TRACKED)
			out->tracked++;
		if (keys) {
			keys[nkeys].addr = g->addr[i];
			keys[nkeys].name = type_name[g->type[i]];
			keys[nkeys++].bytes = g->bytes[i] > UINT32_MAX ? UINT32_MAX :
					      (uint32_t)g->bytes[i];
		}
	}
	out->untracked = out->objects - out->tracked;
	/* Which objects are new since the previous snapshot: their holders are the growth's. */
	if (b->s->hist.prev_all) {
		is_new = malloc((g->n + 1) * sizeof(*is_new));
		if (!is_new)
			goto cleanup;
		for (i = 0; i < g->n; i++) {
			struct pmt_objkey key;

			is_new[i] = false;
			if (!counted(g, (uint32_t)i))
				continue;
			key.addr = g->addr[i];
			key.name = type_name[g->type[i]];
			is_new[i] = !pmt_objkeys_find(b->s->hist.prev_all, b->s->hist.nprev_all, &key);
		}
	}
	err = pmt_typestats_count(types, bytes, k, type_name, hw->ntypes, &stats, &nstats);
	if (err)
		goto cleanup;
	out->types = nstats;
	out->has_prev = b->s->hist.snapshots > 0;
	if (keys)
		pmt_objkeys_sort(keys, nkeys);
	err = pmt_heaphistory_add(&b->s->hist, stats, nstats, keys, nkeys, &out->deltas,
				  &out->ndeltas);
	keys = NULL;
	if (err)
		goto cleanup;
	out->survivors_known = pmt_heaphistory_survivors_known(&b->s->hist);
	out->names = &b->s->names;
	/* Growth, before sorting by bytes. */
	if (out->has_prev) {
		size_t ng = 0;

		out->growth = calloc(b->s->conf.top + 1, sizeof(*out->growth));
		if (!out->growth)
			goto cleanup;
		pmt_heapdelta_sort_growth(out->deltas, out->ndeltas);
		for (i = 0; i < out->ndeltas && ng < b->s->conf.top; i++) {
			if (out->deltas[i].dbytes_prev <= 0)
				break;
			out->growth[ng].d = out->deltas[i];
			out->growth[ng].name = pmt_strtab_get(&b->s->names, out->deltas[i].name);
			growth_holders(b, parent, type_name, hw->ntypes, is_new, &out->growth[ng]);
			ng++;
		}
		out->ngrowth = ng;
		qsort(out->growth, ng, sizeof(*out->growth), growth_cmp);
	}
	pmt_heapdelta_sort_bytes(out->deltas, out->ndeltas);
	err = 0;
cleanup:
	free(type_name);
	free(types);
	free(bytes);
	free(keys);
	free(is_new);
	return err;
}

/* Referrers of the asset nodes (one pass over the edges), for their files. */
static void asset_files(struct build *b, struct pmt_snapshot *out, const uint32_t *asset_nodes)
{
	struct pmt_heapgraph *g = &b->g;
	uint32_t *holders, nh;
	size_t i, e, limit = ASSET_PATHS_MAX;
	uint32_t *node_asset;

	if (!out->nassets)
		return;
	node_asset = malloc(g->n * sizeof(*node_asset));
	holders = malloc(out->nassets * 8 * sizeof(*holders));
	if (!node_asset || !holders)
		goto cleanup;
	for (i = 0; i < g->n; i++)
		node_asset[i] = UINT32_MAX;
	for (i = 0; i < out->nassets && i < limit; i++)
		node_asset[asset_nodes[i]] = (uint32_t)i;
	/* up to 8 referrers per asset */
	memset(holders, 0xff, out->nassets * 8 * sizeof(*holders));
	for (i = 0; i < g->n; i++) {
		for (e = g->off[i]; e < g->off[i + 1]; e++) {
			uint32_t a = node_asset[PMT_HG_EDGE_NODE(g->tgt[e])];

			if (a == UINT32_MAX)
				continue;
			for (nh = 0; nh < 8 && holders[8 * a + nh] != UINT32_MAX; nh++)
				if (holders[8 * a + nh] == i)
					break;
			if (nh < 8 && holders[8 * a + nh] == UINT32_MAX)
				holders[8 * a + nh] = (uint32_t)i;
		}
	}
	for (i = 0; i < out->nassets && i < limit; i++) {
		if (out->assets[i].file[0])
			continue; /* the object names its file (a font's path, music's open file) */
		for (nh = 0; nh < 8 && holders[8 * i + nh] != UINT32_MAX; nh++)
			;
		out->assets[i].file_source = asset_file(b, out->assets[i].obj,
							out->assets[i].a.type, &holders[8 * i], nh,
							out->assets[i].file,
							sizeof(out->assets[i].file));
	}
cleanup:
	free(node_asset);
	free(holders);
}

/* pmt_snapper_take - one snapshot; see snapshot.h. */
int pmt_snapper_take(struct pmt_snapper *s, const char *trigger, struct pmt_snapshot *out)
{
	struct build b = { .s = s, .hw = &s->hw };
	uint32_t *roots = NULL, *parent = NULL, *dist = NULL, *asset_nodes = NULL;
	uint64_t t0 = pmt_mono_ns(), c0 = cpu_ns();

	phase_cpu0 = c0;
	size_t nroots = 0, i;
	long got;
	int err;

	memset(out, 0, sizeof(*out));
	out->trigger = trigger;
	out->ts_ns = t0;
	out->seq = s->seq + 1;
	b.g = s->graph; /* the last snapshot's memory, already touched */
	pmt_heapgraph_reset(&b.g);
	if (s->conf.budget_ns)
		b.deadline = t0 + s->conf.budget_ns;
	err = pmt_heapwalk_begin(&s->hw);
	if (!err && s->hw.estimate)
		err = pmt_heapgraph_reserve(&b.g, 2 * s->hw.estimate + 4096, 4 * s->hw.estimate);
	if (err)
		goto cleanup;
	got = pmt_heapwalk_gc_objects(&s->hw, on_gc_object, &b, s->conf.max_objects);
	if (b.err || got < 0) {
		err = b.err ? b.err : (int)got;
		goto cleanup;
	}
	if (s->hw.partial && !b.why)
		b.why = s->conf.max_objects && (size_t)got >= s->conf.max_objects ?
			"object limit" : "GC lists changed";
	/* Untracked referents roughly match the tracked objects; edges are a few per object. */
	err = pmt_heapgraph_reserve(&b.g, 2 * (size_t)got + 4096, 4 * (size_t)got + 16384);
	if (err)
		goto cleanup;
	phase(&b, "gc lists", t0);
	err = pmt_heapwalk_frames(&s->hw, on_frame, &b);
	if (err < 0 && err != -EFAULT)
		goto cleanup;
	enumerate(&b);
	phase(&b, "referents", t0);
	if (b.err) {
		err = b.err;
		goto cleanup;
	}
	out->walk_ns = pmt_mono_ns() - t0;
	err = -ENOMEM;
	roots = roots_of(&b, &nroots, out);
	parent = malloc((b.g.n + 1) * sizeof(*parent));
	dist = malloc((b.g.n + 1) * sizeof(*dist));
	if (!roots || !parent || !dist)
		goto cleanup;
	err = pmt_heapgraph_paths(&b.g, roots, nroots, parent, dist);
	phase(&b, "paths", t0);
	if (!err)
		err = analyse_types(&b, out, parent);
	phase(&b, "types", t0);
	if (!err)
		err = collect_assets(&b, out, &asset_nodes);
	if (!err && out->nassets)
		err = dedupe_assets(out, asset_nodes);
	if (err)
		goto cleanup;
	/* Paths and files of the largest assets; the order of asset_nodes follows assets. */
	{
		size_t n = out->nassets, limit = ASSET_PATHS_MAX;
		uint32_t *order = malloc((n + 1) * sizeof(*order));
		struct pmt_snap_asset *sorted = malloc((n + 1) * sizeof(*sorted));

		if (!order || !sorted) {
			free(order);
			free(sorted);
			err = -ENOMEM;
			goto cleanup;
		}
		for (i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		/* sort indexes by the assets' order */
		for (i = 1; i < n; i++) {
			uint32_t x = order[i];
			size_t j;

			for (j = i; j > 0 && asset_cmp(&out->assets[order[j - 1]], &out->assets[x]) > 0; j--)
				order[j] = order[j - 1];
			order[j] = x;
		}
		for (i = 0; i < n; i++)
			sorted[i] = out->assets[order[i]];
		for (i = 0; i < n; i++)
			order[i] = asset_nodes[order[i]];
		memcpy(out->assets, sorted, n * sizeof(*sorted));
		memcpy(asset_nodes, order, n * sizeof(*order));
		free(order);
		free(sorted);
		for (i = 0; i < n; i++) {
			out->asset_bytes += out->assets[i].a.bytes;
			if (i < limit)
				path_text(&b, parent, asset_nodes[i], out->assets[i].holder,
					  sizeof(out->assets[i].holder));
		}
	}
	asset_files(&b, out, asset_nodes);
	phase(&b, "assets", t0);
	if (!b.why) {
		err = find_cycles(&b, out, asset_nodes);
		if (err)
			goto cleanup;
	}
	phase(&b, "cycles", t0);
	err = 0;
cleanup:
	out->partial = b.why != NULL;
	out->partial_why = b.why;
	out->bad_reads = s->hw.bad_reads;
	out->list_breaks = s->hw.list_breaks;
	out->gc_waits = s->hw.gc_waits;
	out->copied_bytes = s->hw.mem.bytes;
	out->reads = s->hw.mem.syscalls;
	out->tool_bytes = pmt_memcache_held(&s->hw.mem) +
			  b.g.cap * (8 + 8 + 8 + 4 + 1 + 4 + 8) + b.g.mcap * 4 +
			  b.g.hcap * sizeof(*b.g.hash) +
			  b.g.pcap * sizeof(*b.g.pages) + b.g.bcap * PMT_HG_BLOCK * 4;
	out->duration_ns = pmt_mono_ns() - t0;
	out->cpu_ns = cpu_ns() - c0;
	for (i = 0; i < b.nfroots; i++)
		free(b.froots[i].locals);
	free(b.froots);
	free(roots);
	free(parent);
	free(dist);
	free(asset_nodes);
	s->graph = b.g;
	/* Drop the copies now: the next snapshot reads afresh. */
	pmt_memcache_clear(&s->hw.mem);
	if (!err)
		s->seq++;
	else
		pmt_snapshot_free(out);
	return err;
}
