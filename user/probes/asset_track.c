// SPDX-License-Identifier: BSD-2-Clause
/*
 * asset_track.c - what to probe for assets, and what each record means.
 *
 * The table is data: adding an engine's function is a row. Creating rows
 * get an entry probe and a return probe at the function's first
 * instruction; freeing and using rows one probe, placed cheaply. Sizes come
 * from the object returned (an SDL_Surface's h x pitch, a Mix_Chunk's
 * alen), the call's arguments (a texture's w x h x bytes per pixel), or the
 * file on disk for objects that stream from it (fonts, music). File names
 * come from path arguments or from the SDL_RWops an SDL_RWFromFile call
 * returned. A surface created from inside SDL_ttf is rendered text. Uses
 * (blits, render copies, with --track-use) are counted per asset and per
 * Python site, from the innermost frame the use record carries.
 *
 * OpenGL textures and buffers: the rows of GL_ROWS() sit on GLVND's
 * dispatch stubs, one probe per library a call can enter by (libGL.so.1,
 * libOpenGL.so.0, libGLESv2.so.2 by their exports; libGLdispatch.so.0,
 * whose unexported stubs glXGetProcAddress and SDL_GL_GetProcAddress hand
 * out, found by the dispatch slot its sibling's export jumps through). A
 * call runs exactly one stub, so nothing is counted twice. Stubs are
 * single-stepped (~22 us a call): once a context is current, the probes
 * move to the vendor's functions the stubs lead to through that thread's
 * dispatch tables (pmt_asset_track_gl_vendor()). Binds are kept
 * in BPF; uploads arrive with the bound name, and core/gl.c
 * turns them into bytes. A GL asset's key is its name (pmt_gl_key()), per
 * process: see docs/assets.md for why not per context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/asset_track.h"
#include "os/elf_file.h"
#include "probes/bpf_backend.h"
#include "probes/markers.h"
#include "cpython/pywalk.h"
#include "pmtrace/engine_assets.h"
#include "pmtrace/x86_sites.h"

enum role { CREATE, FREE, RWFILE, RWALLOC, USE, GLSTATE, GLLOAD, GLFREE };
enum size_rule {
	SZ_NONE, SZ_SURFACE, SZ_TEXTURE_ARGS, SZ_SURFACE_ARG_RGBA, SZ_CHUNK, SZ_FILE,
	SZ_GL_IMAGE,      /* glTexImage2D(target, level, ifmt, w, h, ...) */
	SZ_GL_COMPRESSED, /* glCompressedTexImage2D(..., imageSize, data) */
	SZ_GL_STORAGE,    /* glTexStorage2D(target, levels, ifmt, w, h) */
	SZ_GL_BUFFER,     /* glBufferData(target, size, data, usage) */
};

struct row {
	const char *lib; /* basename prefix */
	const char *sym;
	unsigned char role, type, read, size;
	signed char str_arg, rw_arg, obj_arg; /* -1: none */
	signed char src_arg; /* a source asset whose file the new one inherits, or -1 */
	bool use_only; /* probed with --track-use only */
};

#define SDL "libSDL2-2"
#define IMG "libSDL2_image"
#define MIX "libSDL2_mixer"
#define TTF "libSDL2_ttf"
#define GLDISPATCH "libGLdispatch.so"
#define PYGAME_SURFACE "surface.cpython" /* pygame's surface module */

/* Libraries whose exported gl* functions are GLVND stubs. */
static const char *const gl_stub_libs[] = { "libGL.so", "libOpenGL.so", "libGLESv2.so" };

#define GL_STATE(lib, sym, read) { lib, sym, GLSTATE, 0, read, SZ_NONE, -1, -1, -1, -1, false }
#define GL_LOAD(lib, sym, type, read, size) { lib, sym, GLLOAD, type, read, size, -1, -1, -1, -1, false }
#define GL_FREE(lib, sym, type) { lib, sym, GLFREE, type, PMT_READ_GL_NAMES, SZ_NONE, -1, -1, -1, -1, false }
#define GL_TEX PMT_ASSET_TEXTURE
#define GL_BUF PMT_ASSET_GPU_BUFFER
#define GL_ROWS(lib)                                                                        \
	GL_STATE(lib, "glActiveTexture", PMT_READ_GL_ACTIVE),                               \
	GL_STATE(lib, "glActiveTextureARB", PMT_READ_GL_ACTIVE),                            \
	GL_STATE(lib, "glBindTexture", PMT_READ_GL_BIND_TEX),                               \
	GL_STATE(lib, "glBindTextureEXT", PMT_READ_GL_BIND_TEX),                            \
	GL_STATE(lib, "glBindBuffer", PMT_READ_GL_BIND_BUF),                                \
	GL_STATE(lib, "glBindBufferARB", PMT_READ_GL_BIND_BUF),                             \
	GL_LOAD(lib, "glTexImage2D", GL_TEX, PMT_READ_GL_TEX, SZ_GL_IMAGE),                  \
	GL_LOAD(lib, "glCompressedTexImage2D", GL_TEX, PMT_READ_GL_TEX, SZ_GL_COMPRESSED),   \
	GL_LOAD(lib, "glCompressedTexImage2DARB", GL_TEX, PMT_READ_GL_TEX, SZ_GL_COMPRESSED), \
	GL_LOAD(lib, "glTexStorage2D", GL_TEX, PMT_READ_GL_TEX, SZ_GL_STORAGE),              \
	GL_LOAD(lib, "glTexStorage2DEXT", GL_TEX, PMT_READ_GL_TEX, SZ_GL_STORAGE),           \
	GL_FREE(lib, "glDeleteTextures", GL_TEX),                                           \
	GL_FREE(lib, "glDeleteTexturesEXT", GL_TEX),                                        \
	GL_LOAD(lib, "glBufferData", GL_BUF, PMT_READ_GL_BUF, SZ_GL_BUFFER),                 \
	GL_LOAD(lib, "glBufferDataARB", GL_BUF, PMT_READ_GL_BUF, SZ_GL_BUFFER),              \
	GL_FREE(lib, "glDeleteBuffers", GL_BUF),                                            \
	GL_FREE(lib, "glDeleteBuffersARB", GL_BUF)

static const struct row rows[] = {
	{ SDL, "SDL_CreateRGBSurface", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, -1, false },
	{ SDL, "SDL_CreateRGBSurfaceWithFormat", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, -1, false },
	{ SDL, "SDL_CreateRGBSurfaceFrom", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, -1, false },
	{ SDL, "SDL_CreateRGBSurfaceWithFormatFrom", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, -1, false },
	{ SDL, "SDL_ConvertSurface", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, 0, false },
	{ SDL, "SDL_ConvertSurfaceFormat", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, 0, false },
	{ SDL, "SDL_DuplicateSurface", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, -1, -1, 0, false },
	{ SDL, "SDL_FreeSurface", FREE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, false },
	{ SDL, "SDL_CreateTexture", CREATE, PMT_ASSET_TEXTURE, PMT_READ_NONE, SZ_TEXTURE_ARGS, -1, -1, -1, -1, false },
	{ SDL, "SDL_CreateTextureFromSurface", CREATE, PMT_ASSET_TEXTURE, PMT_READ_SURFACE_ARG1, SZ_SURFACE_ARG_RGBA, -1, -1, -1, 1, false },
	{ SDL, "SDL_DestroyTexture", FREE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, false },
	{ SDL, "SDL_RWFromFile", RWFILE, 0, PMT_READ_NONE, SZ_NONE, 0, -1, -1, -1, false },
	/* Every SDL_RWops is made here (pygame's file-object ones too): a new one
	 * at a freed one's address must not inherit its file name. */
	{ SDL, "SDL_AllocRW", RWALLOC, 0, PMT_READ_NONE, SZ_NONE, -1, -1, -1, -1, false },
	{ SDL, "SDL_UpperBlit", USE, 0, PMT_READ_USE, SZ_NONE, -1, -1, 0, -1, true },
	{ SDL, "SDL_UpperBlitScaled", USE, 0, PMT_READ_USE, SZ_NONE, -1, -1, 0, -1, true },
	{ SDL, "SDL_RenderCopy", USE, 0, PMT_READ_USE, SZ_NONE, -1, -1, 1, -1, true },
	{ SDL, "SDL_RenderCopyEx", USE, 0, PMT_READ_USE, SZ_NONE, -1, -1, 1, -1, true },
	/* pygame 2 blits sources with alpha or a colour key itself, past SDL_UpperBlit */
	{ PYGAME_SURFACE, "pygame_Blit", USE, 0, PMT_READ_USE, SZ_NONE, -1, -1, 0, -1, true },
	{ IMG, "IMG_LoadTyped_RW", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, -1, 0, -1, -1, false },
	{ IMG, "IMG_Load", CREATE, PMT_ASSET_SURFACE, PMT_READ_SURFACE_RET, SZ_SURFACE, 0, -1, -1, -1, false },
	{ IMG, "IMG_LoadTexture", CREATE, PMT_ASSET_TEXTURE, PMT_READ_NONE, SZ_NONE, 1, -1, -1, -1, false },
	{ IMG, "IMG_LoadTextureTyped_RW", CREATE, PMT_ASSET_TEXTURE, PMT_READ_NONE, SZ_NONE, -1, 1, -1, -1, false },
	{ MIX, "Mix_LoadWAV_RW", CREATE, PMT_ASSET_AUDIO, PMT_READ_CHUNK_RET, SZ_CHUNK, -1, 0, -1, -1, false },
	{ MIX, "Mix_QuickLoad_WAV", CREATE, PMT_ASSET_AUDIO, PMT_READ_CHUNK_RET, SZ_CHUNK, -1, -1, -1, -1, false },
	{ MIX, "Mix_QuickLoad_RAW", CREATE, PMT_ASSET_AUDIO, PMT_READ_CHUNK_RET, SZ_CHUNK, -1, -1, -1, -1, false },
	{ MIX, "Mix_FreeChunk", FREE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, false },
	{ MIX, "Mix_LoadMUS", CREATE, PMT_ASSET_MUSIC, PMT_READ_NONE, SZ_FILE, 0, -1, -1, -1, false },
	{ MIX, "Mix_LoadMUS_RW", CREATE, PMT_ASSET_MUSIC, PMT_READ_NONE, SZ_FILE, -1, 0, -1, -1, false },
	{ MIX, "Mix_LoadMUSType_RW", CREATE, PMT_ASSET_MUSIC, PMT_READ_NONE, SZ_FILE, -1, 0, -1, -1, false },
	{ MIX, "Mix_FreeMusic", FREE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, false },
	{ TTF, "TTF_OpenFont", CREATE, PMT_ASSET_FONT, PMT_READ_NONE, SZ_FILE, 0, -1, -1, -1, false },
	{ TTF, "TTF_OpenFontIndex", CREATE, PMT_ASSET_FONT, PMT_READ_NONE, SZ_FILE, 0, -1, -1, -1, false },
	{ TTF, "TTF_OpenFontRW", CREATE, PMT_ASSET_FONT, PMT_READ_NONE, SZ_FILE, -1, 0, -1, -1, false },
	{ TTF, "TTF_OpenFontIndexRW", CREATE, PMT_ASSET_FONT, PMT_READ_NONE, SZ_FILE, -1, 0, -1, -1, false },
	{ TTF, "TTF_CloseFont", FREE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, false },
	GL_ROWS("libGL.so"),
	GL_ROWS("libOpenGL.so"),
	GL_ROWS("libGLESv2.so"),
	GL_ROWS(GLDISPATCH),
};

#define PMT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NROWS ((int)PMT_ARRAY_LEN(rows))
_Static_assert(sizeof(rows) / sizeof(rows[0]) <= PMT_ASSET_ROWS, "asset rows");

int pmt_asset_track_init(struct pmt_asset_track *at, pid_t pid, bool track_use, bool gl)
{
	struct pmt_asset_config cfg;

	memset(at, 0, sizeof(*at));
	pmt_asset_config_default(&cfg);
	at->store = pmt_asset_store_new(&cfg);
	at->rw_cap = 256;
	at->rw_keys = calloc(at->rw_cap, sizeof(*at->rw_keys));
	at->rw_vals = calloc(at->rw_cap, sizeof(*at->rw_vals));
	if (!at->store || !at->rw_keys || !at->rw_vals) {
		pmt_asset_track_free(at);
		return -ENOMEM;
	}
	pmt_strtab_init(&at->strs);
	at->pid = pid;
	at->track_use = track_use;
	at->gl = gl;
	return 0;
}

void pmt_asset_track_free(struct pmt_asset_track *at)
{
	if (at->py_ready)
		pmt_pystack_cache_free(&at->pyc);
	pmt_asset_store_free(at->store);
	pmt_gl_textures_free(&at->gltex);
	pmt_strtab_free(&at->strs);
	free(at->files);
	free(at->rw_keys);
	free(at->rw_vals);
	memset(at, 0, sizeof(*at));
}

/* A small direct-mapped cache is enough: an RWops lives from open to load. */
static void rw_put(struct pmt_asset_track *at, uint64_t rw, uint32_t path)
{
	uint32_t i = (uint32_t)(rw >> 4) & (at->rw_cap - 1);

	at->rw_keys[i] = rw;
	at->rw_vals[i] = path;
}

static uint32_t rw_get(const struct pmt_asset_track *at, uint64_t rw)
{
	uint32_t i = (uint32_t)(rw >> 4) & (at->rw_cap - 1);

	return at->rw_keys[i] == rw ? at->rw_vals[i] : PMT_NO_ID;
}

/* Creating rows that need nothing from the call's arguments get a return
 * probe only. */
static enum pmt_asset_attach how_to_attach(const struct row *r)
{
	if (r->role == RWALLOC)
		return PMT_ATTACH_RETURN;
	if (r->role != CREATE && r->role != RWFILE)
		return PMT_ATTACH_CALL;
	if (r->str_arg < 0 && r->rw_arg < 0 && r->src_arg < 0 && r->size != SZ_TEXTURE_ARGS &&
	    r->read != PMT_READ_SURFACE_ARG1)
		return PMT_ATTACH_RETURN;
	return PMT_ATTACH_ENTRY_RETURN;
}

static bool is_gl(const struct row *r)
{
	return r->role == GLSTATE || r->role == GLLOAD || r->role == GLFREE;
}

/* libGLdispatch's executable code, read once per attach pass. */
struct gl_text {
	const struct pmt_mapping *m;
	uint8_t *code;
	size_t len;
};

/*
 * The dispatch slot GLVND's export of @sym jumps through, from the first
 * stub library that has it: one the game maps, else one installed next to
 * libGLdispatch (@dir). Slots are fixed per libglvnd build, so any of its
 * stub libraries tells the slot of libGLdispatch's stub.
 */
static int gl_slot(pid_t pid, const struct pmt_maps *maps, const char *dispatch_path,
		   const char *sym, uint32_t *slot)
{
	static const char *const siblings[] = { "libGL.so.1", "libOpenGL.so.0", "libGLESv2.so.2" };
	char file[PATH_MAX + 64];
	size_t i, dirlen;
	const char *slash = strrchr(dispatch_path, '/');

	dirlen = slash ? (size_t)(slash - dispatch_path) : 0;
	for (i = 0; i < 2 * PMT_ARRAY_LEN(siblings); i++) {
		size_t k = i % PMT_ARRAY_LEN(siblings);
		const struct pmt_mapping *m = NULL;
		struct pmt_elf *e;
		uint64_t vaddr;
		uint8_t code[32];
		bool ok;

		if (i < PMT_ARRAY_LEN(siblings)) {
			m = pmt_maps_find_lib(maps, gl_stub_libs[k]);
			if (!m)
				continue;
			snprintf(file, sizeof(file), "/proc/%d/root%s", (int)pid, m->path);
		} else {
			snprintf(file, sizeof(file), "/proc/%d/root%.*s/%s", (int)pid, (int)dirlen,
				 dispatch_path, siblings[k]);
		}
		e = pmt_elf_open(file);
		if (!e)
			continue;
		ok = !pmt_elf_symbol(e, sym, &vaddr, NULL) &&
		     !pmt_elf_read(e, vaddr, code, sizeof(code)) &&
		     pmt_gl_stub_slot(code, sizeof(code), slot);
		pmt_elf_close(e);
		if (ok)
			return 0;
	}
	return -ENOENT;
}

/*
 * The probe site of GL row @r in library mapping @m: the exported stub's
 * entry, or for libGLdispatch (no exports) its stub through the same slot.
 * The probe stays on the stub's first instruction (a mov: single-stepped),
 * the only one of the three every call runs that is not an indirect jump.
 */
static int gl_site(pid_t pid, const struct pmt_maps *maps, const struct pmt_mapping *m,
		   const struct row *r, struct gl_text *text, struct pmt_site *site)
{
	struct pmt_insn in;
	uint32_t slot;
	size_t i;
	long off;

	if (strncmp(r->lib, GLDISPATCH, strlen(GLDISPATCH)))
		return pmt_site_resolve(pid, maps, m->path, r->sym, true, site);
	if (gl_slot(pid, maps, m->path, r->sym, &slot))
		return -ENOENT;
	if (!text->code) {
		for (i = 0; i < maps->n; i++) {
			const struct pmt_mapping *x = &maps->v[i];

			if (x->path && !strcmp(x->path, m->path) && x->perms[2] == 'x')
				break;
		}
		if (i == maps->n)
			return -ENOENT;
		text->m = &maps->v[i];
		text->len = text->m->end - text->m->start;
		text->code = malloc(text->len);
		if (!text->code || pmt_mem_read(pid, text->m->start, text->code, text->len)) {
			free(text->code);
			text->code = NULL;
			return -EFAULT;
		}
	}
	off = pmt_gl_stub_find(text->code, text->len, slot);
	if (off < 0)
		return -ENOENT;
	memset(site, 0, sizeof(*site));
	pmt_insn_decode(text->code + off, text->len - (size_t)off, &in);
	snprintf(site->symbol, sizeof(site->symbol), "%s", r->sym);
	snprintf(site->map_path, sizeof(site->map_path), "%s", m->path);
	snprintf(site->file, sizeof(site->file), "/proc/%d/root%s", (int)pid, m->path);
	site->offset = text->m->offset + (uint64_t)off;
	site->insn = in.kind;
	site->entry_only = true;
	return 0;
}

/* GL rows found in one stub library, attached together (one uprobe_multi link). */
struct gl_batch {
	char file[PATH_MAX + 32];
	const char *lib, *path; /* row library, its mapped path */
	int n, rows[NROWS];
	uint64_t offsets[NROWS], cookies[NROWS], addrs[NROWS];
	enum pmt_insn_kind insn[NROWS];
};

static int gl_flush(struct pmt_asset_track *at, struct pmt_bpf *b, struct gl_batch *g,
		    bool verbose)
{
	int i, n = g->n;

	g->n = 0;
	if (!n || pmt_bpf_attach_gl(b, false, g->file, g->offsets, g->cookies, n))
		return 0;
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[g->rows[i]];

		snprintf(at->attached[g->rows[i]], sizeof(at->attached[0]), "%s", g->path);
		at->gl_stub_addr[g->rows[i]] = g->addrs[i];
		at->gl_stubs++;
		at->rows_attached++;
		if (verbose)
			fprintf(stderr, "pmtrace: asset probe %s in %s at 0x%llx (%s)\n", r->sym,
				r->lib, (unsigned long long)g->offsets[i], pmt_insn_name(g->insn[i]));
	}
	return n;
}

int pmt_asset_track_attach(struct pmt_asset_track *at, struct pmt_bpf *b,
			   const struct pmt_maps *maps, bool verbose)
{
	struct gl_text text = { 0 };
	struct gl_batch *gl = calloc(1, sizeof(*gl));
	int i, added = 0;

	at->pending = false;
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct pmt_mapping *m;
		struct pmt_asset_row br = { r->read, r->str_arg };
		bool ret = r->role == CREATE || r->role == RWFILE || r->role == RWALLOC;
		struct pmt_site site;

		if (gl && gl->n && gl->lib != r->lib)
			added += gl_flush(at, b, gl, verbose);
		if ((r->use_only && !at->track_use) || (is_gl(r) && (!at->gl || at->gl_vendor)) ||
		    at->attached[i][0])
			continue;
		m = pmt_maps_find_lib(maps, r->lib);
		if (!m)
			continue;
		if (is_gl(r)) {
			if (!gl || gl_site(at->pid, maps, m, r, &text, &site))
				continue; /* not in this library, or not a stub we know */
			if (pmt_bpf_set_asset_row(b, i, &br))
				continue;
			snprintf(gl->file, sizeof(gl->file), "%s", site.file);
			gl->lib = r->lib;
			gl->path = m->path;
			gl->rows[gl->n] = i;
			gl->offsets[gl->n] = site.offset;
			gl->cookies[gl->n] = (uint64_t)i;
			gl->addrs[gl->n] = pmt_maps_file_addr(maps, m->path, site.offset);
			gl->insn[gl->n++] = site.insn;
			continue;
		}
		if (pmt_site_resolve(at->pid, maps, m->path, r->sym, ret, &site))
			continue; /* not in this version of the library */
		if (site.slot_pending) {
			at->pending = true; /* SDL not initialised yet: later */
			continue;
		}
		if (pmt_bpf_set_asset_row(b, i, &br) ||
		    pmt_bpf_attach_asset(b, i, site.file, site.offset, how_to_attach(r)))
			continue;
		snprintf(at->attached[i], sizeof(at->attached[i]), "%s", m->path);
		at->rows_attached++;
		added++;
		if (verbose)
			fprintf(stderr, "pmtrace: asset probe %s%s at 0x%llx (%s)\n", r->sym,
				!ret ? "" : how_to_attach(r) == PMT_ATTACH_RETURN ? " (return)" :
				" (entry+return)", (unsigned long long)site.offset,
				pmt_insn_name(site.insn));
	}
	if (gl)
		added += gl_flush(at, b, gl, verbose);
	free(gl);
	free(text.code);
	return added;
}

/* ---- GL: from GLVND's stubs to the vendor's functions ----------------------- */

/* Libraries made of dispatch stubs and no-op tables, never a GL implementation. */
static bool gl_dispatch_lib(const char *path)
{
	static const char *const libs[] = { "libGL.so", "libOpenGL.so", "libGLESv2.so",
					    "libGLESv1_CM.so", "libGLX.so", GLDISPATCH,
					    "libglapi.so" };
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < PMT_ARRAY_LEN(libs); i++)
		if (!strncmp(base, libs[i], strlen(libs[i])))
			return true;
	return false;
}

static int gl_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	return pmt_mem_read(*(pid_t *)ctx, addr, buf, n);
}

/* Argument registers a GL row's BPF program reads (struct pmt_x86 masks). */
static uint32_t gl_arg_regs(const struct row *r)
{
	switch (r->read) {
	case PMT_READ_GL_ACTIVE:
		return PMT_X86_ARG_REGS(1);
	case PMT_READ_GL_TEX:
		return PMT_X86_ARG_REGS(5); /* target, level, format, w, h */
	default:
		return PMT_X86_ARG_REGS(2);
	}
}

/* One vendor function, and the GL rows (by name) that lead to it. */
struct gl_fn {
	uint64_t addr;
	int row;      /* the row its probe serves: the first name leading here */
	char names[160];
};

#define GL_MAX_FNS 32

static bool gl_same_role(const struct row *a, const struct row *b)
{
	return a->role == b->role && a->read == b->read && a->size == b->size &&
	       a->type == b->type;
}

/* Note once per name why it gets no probe of its own. */
static void gl_skip(char *skipped, size_t len, const char *sym, const char *why, bool verbose)
{
	char key[136];
	size_t k = strlen(skipped);

	snprintf(key, sizeof(key), " %s ", sym);
	if (strstr(skipped, key))
		return;
	snprintf(skipped + k, len - k, "%s", k ? key + 1 : key);
	if (verbose)
		fprintf(stderr, "pmtrace: GL: %s %s: not probed there\n", sym, why);
}

/*
 * Where every probed GL name leads on thread @tid (%fs base @fs): fills
 * @fns, one per vendor function, or says in at->gl_why why not. The
 * implementation (@impl) is where glBindTexture leads: when that is a
 * dispatch library's no-op, no context is current there. Names leading
 * elsewhere are skipped: a no-op (the vendor lacks the function), or a
 * wrapper calling back through the dispatch table (libGLX_mesa's
 * glDeleteTexturesEXT), whose callee sees the call. So are functions that
 * several kinds of call share (a no-op for what the context lacks).
 */
static int gl_vendor_fns(struct pmt_asset_track *at, const struct pmt_maps *maps, uint32_t tid,
			 uint64_t fs, struct gl_fn *fns, char *impl, size_t impl_len, bool verbose)
{
	uint64_t dest[NROWS];
	char skipped[1024] = "", why[PATH_MAX + 64];
	int i, j, n = 0, hops, pass;
	const struct pmt_mapping *m;
	pid_t pid = at->pid;

	memset(dest, 0, sizeof(dest));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NROWS; i++) {
			bool bind = !strcmp(rows[i].sym, "glBindTexture");
			int err;

			if (!at->gl_stub_addr[i] || bind != !pass)
				continue;
			err = pmt_gl_follow(at->gl_stub_addr[i], fs, gl_read, &pid, &dest[i], &hops);
			m = err ? NULL : pmt_maps_find_addr(maps, dest[i]);
			if (m && m->path && m->perms[2] == 'x' && !gl_dispatch_lib(m->path) &&
			    (!impl[0] || !strcmp(m->path, impl))) {
				if (!impl[0])
					snprintf(impl, impl_len, "%s", m->path);
				continue;
			}
			dest[i] = 0;
			if (bind) {
				snprintf(at->gl_why, sizeof(at->gl_why),
					 "glBindTexture leads to %s on thread %u: no context current",
					 err ? strerror(-err) : m && m->path ? m->path : "no code",
					 tid);
				return -EAGAIN;
			}
			snprintf(why, sizeof(why), "leads to %s, not %s",
				 err ? strerror(-err) : m && m->path ? m->path : "no code", impl);
			gl_skip(skipped, sizeof(skipped), rows[i].sym, why, verbose);
		}
	}
	if (!impl[0]) {
		snprintf(at->gl_why, sizeof(at->gl_why), "glBindTexture is not probed");
		return -EAGAIN;
	}
	for (i = 0; i < NROWS; i++) {
		struct gl_fn *f = NULL;

		if (!dest[i])
			continue;
		for (j = 0; j < n; j++)
			if (fns[j].addr == dest[i])
				f = &fns[j];
		if (f && (f->row < 0 || !gl_same_role(&rows[f->row], &rows[i]))) {
			if (f->row >= 0)
				gl_skip(skipped, sizeof(skipped), rows[f->row].sym,
					"shares its function with other calls", verbose);
			gl_skip(skipped, sizeof(skipped), rows[i].sym,
				"shares its function with other calls", verbose);
			f->row = -1; /* a shared no-op */
			continue;
		}
		if (!f) {
			if (n == GL_MAX_FNS)
				return -ENOSPC;
			f = &fns[n++];
			f->addr = dest[i];
			f->row = i;
			f->names[0] = 0;
		}
		if (!strstr(f->names, rows[i].sym)) {
			size_t len = strlen(f->names);

			snprintf(f->names + len, sizeof(f->names) - len, "%s%s", len ? ", " : "",
				 rows[i].sym);
		}
	}
	return n;
}

int pmt_asset_track_gl_vendor(struct pmt_asset_track *at, struct pmt_bpf *b,
			      const struct pmt_maps *maps, bool verbose)
{
	struct gl_fn fns[GL_MAX_FNS];
	uint64_t offsets[GL_MAX_FNS], cookies[GL_MAX_FNS];
	char impl[PATH_MAX] = "", task[64], file[PATH_MAX + 32];
	int i, n, probes = 0, emulated = 0, err;
	uint64_t fs;
	uint32_t tid;

	if (!pmt_asset_track_gl_waiting(at))
		return at->gl_vendor ? 1 : 0;
	if (pmt_bpf_gl_thread(b, &tid, &fs)) {
		snprintf(at->gl_why, sizeof(at->gl_why), "no GL call seen yet");
		return 0;
	}
	snprintf(task, sizeof(task), "/proc/%d/task/%u", (int)at->pid, tid);
	if (access(task, F_OK)) {
		snprintf(at->gl_why, sizeof(at->gl_why), "thread %u (last GL call) has ended", tid);
		return 0;
	}
	n = gl_vendor_fns(at, maps, tid, fs, fns, impl, sizeof(impl), verbose);
	if (n == -EAGAIN)
		return 0;
	if (access(task, F_OK)) /* its TLS may have been reused while read */
		return 0;
	err = n < 0 ? n : 0;
	for (i = 0; i < n && !err; i++) {
		const struct pmt_mapping *m = pmt_maps_find_addr(maps, fns[i].addr);
		struct pmt_entry_probe ep;
		uint8_t code[96];
		size_t len = sizeof(code);

		if (fns[i].row < 0)
			continue;
		if (m->end - fns[i].addr < len)
			len = (size_t)(m->end - fns[i].addr);
		err = pmt_mem_read(at->pid, fns[i].addr, code, len);
		if (!err)
			err = pmt_x86_entry_probe_regs(code, len, fns[i].addr,
						       gl_arg_regs(&rows[fns[i].row]), 256, &ep);
		if (err)
			break;
		snprintf(file, sizeof(file), "/proc/%d/root%s", (int)at->pid, m->path);
		offsets[probes] = m->offset + (ep.addr - m->start);
		cookies[probes++] = (uint64_t)fns[i].row | PMT_GL_COOKIE_VENDOR |
				    (uint64_t)ep.sp_delta << 32;
		emulated += ep.emulated;
		if (verbose)
			fprintf(stderr, "pmtrace: GL probe %s on the vendor's function %s+0x%llx "
				"at +%llu (%s, stack +%u)\n", fns[i].names, impl,
				(unsigned long long)(m->offset + (fns[i].addr - m->start)),
				(unsigned long long)(ep.addr - fns[i].addr),
				ep.emulated ? "emulated" : "single-stepped", ep.sp_delta);
	}
	if (!err && probes)
		err = pmt_bpf_attach_gl(b, true, file, offsets, cookies, probes);
	if (err || !probes) {
		pmt_bpf_gl_moving(b, false);
		at->gl_vendor_failed = true;
		snprintf(at->gl_why, sizeof(at->gl_why), "probing %s failed (%s)", impl,
			 strerror(err ? -err : ENOENT));
		if (verbose)
			fprintf(stderr, "pmtrace: GL probes stay on GLVND's stubs "
				"(single-stepped, ~22 us a call): %s\n", at->gl_why);
		return err ? err : -ENOENT;
	}
	/* From now on the vendor's probes count and the stubs' return at once;
	 * a call straddling the switch is counted by its stub only. Marks are
	 * left only once the vendor's probes are in place to take them. */
	pmt_bpf_gl_moving(b, true);
	pmt_bpf_gl_use_vendor(b, true);
	pmt_bpf_gl_drop(b, false);
	at->gl_vendor = true;
	at->gl_why[0] = 0;
	if (verbose)
		fprintf(stderr, "pmtrace: GL probes moved from GLVND's %d stub probes to %d in %s "
			"(%d on emulated instructions), read from thread %u's dispatch table\n",
			at->gl_stubs, probes, impl, emulated, tid);
	return 1;
}

int pmt_asset_track_set_python(struct pmt_asset_track *at, struct pmt_bpf *b,
			       const struct pmt_python *py)
{
	int err;

	if (at->py_ready)
		return 0;
	err = pmt_pywalk_setup(at->pid, py, b, &at->pyl);
	if (err)
		return err;
	err = pmt_pystack_cache_init(&at->pyc, at->pid, &at->pyl, 4096);
	if (err)
		return err;
	at->py_ready = true;
	return 0;
}

/* Size of @path (made absolute by intern_path()) as the game sees it. */
static uint64_t file_size(pid_t pid, const char *path)
{
	char buf[PATH_MAX + 32];
	struct stat st;

	if (!path)
		return 0;
	snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, path);
	return stat(buf, &st) ? 0 : (uint64_t)st.st_size;
}

/* Basename of the file mapped at @addr. */
static const char *lib_of(const struct pmt_maps *maps, uint64_t addr)
{
	const struct pmt_mapping *m = pmt_maps_find_addr(maps, addr);
	const char *b;

	if (!m || !m->path)
		return "?";
	b = strrchr(m->path, '/');
	return b ? b + 1 : m->path;
}

/* "image" for "image.cpython-311-x86_64-linux-gnu.so", "libSDL2_ttf" for
 * "libSDL2_ttf-2.0.so.0": the module or library a call came from. */
static int module_len(const char *lib)
{
	const char *dot = strchr(lib, '.'), *dash = strstr(lib, "-2.0.so");
	const char *end = dash && (!dot || dash < dot) ? dash : dot;

	return end ? (int)(end - lib) : (int)strlen(lib);
}

/*
 * Intern a path argument, made absolute against the game's working
 * directory (read now: loads are rare, and a game seldom changes it).
 */
static uint32_t intern_path(struct pmt_asset_track *at, const char *p, size_t len)
{
	char cwd[PATH_MAX], link[64], buf[2 * PATH_MAX];
	ssize_t n;
	int k;

	if (!len || p[0] == '/')
		return pmt_strtab_intern(&at->strs, p, len);
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)at->pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return pmt_strtab_intern(&at->strs, p, len);
	cwd[n] = 0;
	if (len > 2 && p[0] == '.' && p[1] == '/') {
		p += 2;
		len -= 2;
	}
	k = snprintf(buf, sizeof(buf), "%s/%.*s", cwd, (int)len, p);
	return pmt_strtab_intern(&at->strs, buf, k < (int)sizeof(buf) ? (size_t)k : sizeof(buf) - 1);
}

/* Remember a load read from a file (not a conversion of one). */
static void note_file(struct pmt_asset_track *at, const struct pmt_asset_load *l)
{
	struct pmt_loaded_file *f;

	if (l->path_id > at->nfiles) {
		uint32_t n = l->path_id + 64;
		struct pmt_loaded_file *nf = realloc(at->files, n * sizeof(*nf));

		if (!nf)
			return;
		memset(nf + at->nfiles, 0, (n - at->nfiles) * sizeof(*nf));
		at->files = nf;
		at->nfiles = n;
	}
	f = &at->files[l->path_id - 1];
	if (!f->loads) {
		f->first_frame = l->frame;
		f->site_id = l->site_id;
	}
	f->loads++;
	f->bytes = l->bytes;
	f->type = l->type;
	f->width = l->width;
	f->height = l->height;
}

/* "function (file:line)" of the innermost Python frame; false if none. */
static bool python_site(struct pmt_asset_track *at, const struct pmt_asset_event *ev, char *buf,
			size_t len)
{
	struct pmt_pyframe pf;

	if (!at->py_ready || !ev->py_depth ||
	    pmt_pystack_cache_resolve(&at->pyc, ev->py_code[0], ev->py_pos[0], &pf))
		return false;
	snprintf(buf, len, "%s (%s:%d)", pf.func, pf.file, pf.line);
	return true;
}


/* "glTexImage2D@_ctypes": the GL call and the module that made it, without a Python frame. */
static uint32_t site_of_call(struct pmt_asset_track *at, const struct pmt_maps *maps,
			     const struct row *r, const struct pmt_asset_event *ev)
{
	char site[PMT_PYFUNC_MAX + PMT_PYFILE_MAX + 16];
	const char *caller;

	if (!python_site(at, ev, site, sizeof(site))) {
		caller = lib_of(maps, ev->caller);
		snprintf(site, sizeof(site), "%s@%.*s", r->sym, module_len(caller), caller);
	}
	return pmt_strtab_intern(&at->strs, site, strlen(site));
}

/*
 * The site of a use, as site_of_call() names it. Uses repeat from a few
 * places every frame, so the id is cached by the innermost frame's code
 * object and position (by row and caller without a Python frame); entries
 * are trusted as the code object cache's are.
 */
static uint32_t use_site(struct pmt_asset_track *at, const struct pmt_maps *maps,
			 const struct row *r, const struct pmt_asset_event *ev)
{
	uint64_t k0 = ev->py_depth ? ev->py_code[0] : ev->row;
	uint64_t k1 = ev->py_depth ? ev->py_pos[0] : ev->caller;
	uint32_t i = (uint32_t)(((k0 ^ k1 * 31) * UINT64_C(0x9E3779B97F4A7C15)) >> 56) &
		     (PMT_USE_SITE_CACHE - 1);

	if (!at->use_ids[i] || at->use_keys[i][0] != k0 || at->use_keys[i][1] != k1) {
		at->use_ids[i] = site_of_call(at, maps, r, ev);
		at->use_keys[i][0] = k0;
		at->use_keys[i][1] = k1;
	}
	return at->use_ids[i];
}

/*
 * An upload to the bound texture or buffer. The first one that gives a
 * name storage creates the asset (its site, frame, time); later ones (mip
 * levels, re-specification, a new glBufferData) change its bytes only.
 * GL arguments are 32-bit except a buffer's size: the upper halves of
 * their registers are undefined, hence the casts.
 */
static void gl_load(struct pmt_asset_track *at, const struct pmt_maps *maps, const struct row *r,
		    const struct pmt_asset_event *ev, uint64_t frame)
{
	bool tex = r->type == PMT_ASSET_TEXTURE;
	uint64_t key = pmt_gl_key(tex ? PMT_GL_KIND_TEXTURE : PMT_GL_KIND_BUFFER,
				  (uint32_t)ev->reads[0]);
	struct pmt_asset_load l;

	if (!ev->reads[1]) {
		at->gl_unbound++; /* bound before attach: which object is unknown */
		return;
	}
	memset(&l, 0, sizeof(l));
	if (tex) {
		struct pmt_gl_texture *t = pmt_gl_textures_get(&at->gltex, key, true);
		uint32_t target = (uint32_t)ev->args[0], ifmt = (uint32_t)ev->args[2];
		uint32_t w = (uint32_t)ev->args[3], h = (uint32_t)ev->args[4];
		bool changed;

		if (!t)
			return;
		if (r->size == SZ_GL_STORAGE)
			changed = pmt_gl_tex_storage(t, target, (uint32_t)ev->args[1], ifmt, w, h);
		else
			changed = pmt_gl_tex_image(t, target, (int32_t)ev->args[1], ifmt, w, h,
						   r->size == SZ_GL_COMPRESSED ?
						   (uint32_t)ev->reads[2] : 0);
		if (!changed) {
			if (!pmt_asset_get(at->store, key))
				pmt_gl_textures_del(&at->gltex, key);
			return;
		}
		l.bytes = pmt_gl_texture_bytes(t);
		l.width = t->width;
		l.height = t->height;
	} else {
		l.bytes = ev->args[1]; /* GLsizeiptr: 64-bit */
	}
	l.obj = key;
	l.ts_ns = ev->ts_ns;
	l.frame = frame;
	l.type = r->type;
	if (!pmt_asset_get(at->store, key)) {
		l.loader_id = pmt_strtab_intern(&at->strs, r->sym, strlen(r->sym));
		l.site_id = site_of_call(at, maps, r, ev);
	}
	pmt_asset_loaded(at->store, &l);
}

/* glDeleteTextures / glDeleteBuffers: names that never held storage are no assets. */
static void gl_delete(struct pmt_asset_track *at, const struct row *r,
		      const struct pmt_asset_event *ev, uint64_t frame)
{
	bool tex = r->type == PMT_ASSET_TEXTURE;
	uint32_t names[PMT_GL_NAMES], n = ev->str_len / 4, i;

	if (n > PMT_GL_NAMES)
		n = PMT_GL_NAMES;
	memcpy(names, ev->str, n * 4);
	if (ev->reads[1] == (uint64_t)(PMT_GL_NAME_RECORDS - 1) * PMT_GL_NAMES &&
	    ev->reads[0] > ev->reads[1] + n)
		at->gl_names_lost += ev->reads[0] - ev->reads[1] - n; /* past the last record */
	for (i = 0; i < n; i++) {
		uint64_t key = pmt_gl_key(tex ? PMT_GL_KIND_TEXTURE : PMT_GL_KIND_BUFFER, names[i]);

		if (!names[i])
			continue; /* GL ignores name 0 */
		if (tex)
			pmt_gl_textures_del(&at->gltex, key);
		if (pmt_asset_get(at->store, key))
			pmt_asset_freed(at->store, key, frame, ev->ts_ns);
	}
}

void pmt_asset_track_event(struct pmt_asset_track *at, const struct pmt_maps *maps,
			   const struct pmt_asset_event *ev, uint64_t frame)
{
	const struct row *r;
	struct pmt_asset_load l;
	char site[PMT_PYFUNC_MAX + PMT_PYFILE_MAX + 16];
	const char *caller;

	if (ev->row >= (unsigned)NROWS)
		return;
	r = &rows[ev->row];
	at->events++;
	switch (r->role) {
	case FREE:
		pmt_asset_freed(at->store, ev->args[r->obj_arg], frame, ev->ts_ns);
		return;
	case USE:
		pmt_asset_used(at->store, ev->args[r->obj_arg], frame, use_site(at, maps, r, ev));
		return;
	case RWFILE:
		if (ev->ret && ev->str_len)
			rw_put(at, ev->ret, intern_path(at, ev->str, ev->str_len));
		return;
	case RWALLOC:
		if (ev->ret && rw_get(at, ev->ret) != PMT_NO_ID)
			rw_put(at, ev->ret, PMT_NO_ID);
		return;
	case GLLOAD:
		gl_load(at, maps, r, ev, frame);
		return;
	case GLFREE:
		gl_delete(at, r, ev, frame);
		return;
	case GLSTATE:
		return; /* kept in BPF, never sent */
	default:
		break;
	}
	memset(&l, 0, sizeof(l));
	l.obj = ev->ret;
	l.ts_ns = ev->ts_ns;
	l.frame = frame;
	l.type = r->type;
	caller = lib_of(maps, ev->caller);
	if (l.type == PMT_ASSET_SURFACE && !strncmp(caller, TTF, strlen(TTF)))
		l.type = PMT_ASSET_TEXT;
	if (r->str_arg >= 0 && ev->str_len) {
		l.path_id = intern_path(at, ev->str, ev->str_len);
	} else if (r->rw_arg >= 0) {
		l.path_id = rw_get(at, ev->args[r->rw_arg]);
	} else if (r->src_arg >= 0) {
		/* A converted or uploaded image still comes from its file. */
		const struct pmt_asset *src = pmt_asset_get(at->store, ev->args[r->src_arg]);

		if (src)
			l.path_id = src->l.path_id;
	}
	switch (r->size) {
	case SZ_SURFACE:
		l.width = (uint32_t)ev->reads[0];
		l.height = (uint32_t)ev->reads[1];
		/* h x pitch also for surfaces over caller-owned pixels (SDL_ttf hands
		 * its own buffer over that way; pygame's frombuffer keeps it alive). */
		l.bytes = ev->reads[1] * ev->reads[2];
		break;
	case SZ_SURFACE_ARG_RGBA:
		l.width = (uint32_t)ev->reads[0];
		l.height = (uint32_t)ev->reads[1];
		l.bytes = ev->reads[0] * ev->reads[1] * 4;
		break;
	case SZ_TEXTURE_ARGS:
		l.width = (uint32_t)ev->args[3];
		l.height = (uint32_t)ev->args[4];
		l.bytes = (uint64_t)l.width * l.height * pmt_sdl_bytes_per_pixel(ev->args[1]);
		break;
	case SZ_CHUNK:
		l.bytes = ev->reads[0];
		break;
	case SZ_FILE:
		l.bytes = file_size(at->pid, pmt_strtab_get(&at->strs, l.path_id));
		break;
	default:
		break;
	}
	l.loader_id = pmt_strtab_intern(&at->strs, r->sym, strlen(r->sym));
	if (!python_site(at, ev, site, sizeof(site)))
		snprintf(site, sizeof(site), "%s@%.*s", r->sym, module_len(caller), caller);
	l.site_id = pmt_strtab_intern(&at->strs, site, strlen(site));
	pmt_asset_loaded(at->store, &l);
	if (l.path_id && (r->str_arg >= 0 || r->rw_arg >= 0))
		note_file(at, &l);
}

int pmt_asset_track_preloaded(struct pmt_asset_track *at, uint64_t key, uint32_t type,
			      uint64_t bytes, uint32_t width, uint32_t height, const char *path,
			      uint64_t frame, uint64_t ts_ns)
{
	static const char loader[] = "heap snapshot";
	struct pmt_asset_load l;
	int err;

	if (pmt_asset_get(at->store, key))
		return 0; /* a probe saw it since attach */
	memset(&l, 0, sizeof(l));
	l.obj = key;
	l.type = type;
	l.bytes = bytes;
	l.width = width;
	l.height = height;
	l.frame = frame;
	l.ts_ns = ts_ns;
	l.flags = PMT_ASSET_F_BEFORE_ATTACH;
	l.loader_id = pmt_strtab_intern(&at->strs, loader, sizeof(loader) - 1);
	if (path && *path)
		l.path_id = intern_path(at, path, strlen(path));
	err = pmt_asset_loaded(at->store, &l);
	return err ? err : 1;
}
