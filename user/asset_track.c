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
 * returned. A surface created from inside SDL_ttf is rendered text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asset_track.h"
#include "bpf_backend.h"
#include "markers.h"
#include "pywalk.h"

enum role { CREATE, FREE, RWFILE, USE };
enum size_rule { SZ_NONE, SZ_SURFACE, SZ_TEXTURE_ARGS, SZ_SURFACE_ARG_RGBA, SZ_CHUNK, SZ_FILE };

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
	{ SDL, "SDL_UpperBlit", USE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, true },
	{ SDL, "SDL_UpperBlitScaled", USE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 0, -1, true },
	{ SDL, "SDL_RenderCopy", USE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 1, -1, true },
	{ SDL, "SDL_RenderCopyEx", USE, 0, PMT_READ_NONE, SZ_NONE, -1, -1, 1, -1, true },
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
};

#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))
_Static_assert(sizeof(rows) / sizeof(rows[0]) <= PMT_ASSET_ROWS, "asset rows");

int pmt_asset_track_init(struct pmt_asset_track *at, pid_t pid, bool track_use)
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
	return 0;
}

void pmt_asset_track_free(struct pmt_asset_track *at)
{
	if (at->py_ready)
		pmt_pystack_cache_free(&at->pyc);
	pmt_asset_store_free(at->store);
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
	if (r->role != CREATE && r->role != RWFILE)
		return PMT_ATTACH_CALL;
	if (r->str_arg < 0 && r->rw_arg < 0 && r->src_arg < 0 && r->size != SZ_TEXTURE_ARGS &&
	    r->read != PMT_READ_SURFACE_ARG1)
		return PMT_ATTACH_RETURN;
	return PMT_ATTACH_ENTRY_RETURN;
}

int pmt_asset_track_attach(struct pmt_asset_track *at, struct pmt_bpf *b,
			   const struct pmt_maps *maps, bool verbose)
{
	int i, added = 0;

	at->pending = false;
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct pmt_mapping *m;
		struct pmt_asset_row br = { r->read, r->str_arg };
		bool ret = r->role == CREATE || r->role == RWFILE;
		struct pmt_site site;

		if ((r->use_only && !at->track_use) || at->attached[i][0])
			continue;
		m = pmt_maps_find_lib(maps, r->lib);
		if (!m)
			continue;
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
	return added;
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

/* Bytes per pixel of an SDL_PIXELFORMAT value (FourCC formats: YUV, ~2). */
static uint64_t bytes_per_pixel(uint64_t format)
{
	uint64_t b = format & 0xff;

	return (format >> 28) == 1 ? (b ? b : 1) : 2;
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
		pmt_asset_used(at->store, ev->args[r->obj_arg], frame);
		return;
	case RWFILE:
		if (ev->ret && ev->str_len)
			rw_put(at, ev->ret, intern_path(at, ev->str, ev->str_len));
		return;
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
		l.bytes = (uint64_t)l.width * l.height * bytes_per_pixel(ev->args[1]);
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
