// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine_assets.c - the engine type table (which heap objects own assets
 * and how to read them) and the sizes and keys that follow from what was
 * read. Adding an engine's type is a row; the reader in
 * user/cpython/snapshot.c follows the row's holder and read kinds.
 *
 * pygame 2 (pygame/include/_pygame.h, pygame_mixer.h, pygame_font.h):
 * pgSurfaceObject {PyObject_HEAD; SDL_Surface *surf; ...}, pgSoundObject
 * {PyObject_HEAD; Mix_Chunk *chunk; ...}, PyFontObject {PyObject_HEAD;
 * TTF_Font *font; ...}: the pointer right after the 16-byte header; none
 * of them is tracked by the collector (they are found as referents).
 * pygame._sdl2.video.Texture is a Cython class: {PyObject_HEAD; vtable;
 * SDL_Texture *_tex; Color _color; Renderer renderer; int width, height}.
 * PySDL2 and ctypes games hold POINTER(SDL_Surface) and the like:
 * ctypes pointer instances named LP_<struct>, whose b_ptr points at the
 * pointer value. pyglet keeps GL names and sizes in Python attributes.
 *
 * pygame.freetype.Font (tp_name "_freetype.Font") keeps FreeType's open
 * arguments inline: a path (FT_OPEN_PATHNAME), a stream over a Python file
 * (FT_OPEN_STREAM, its size set from the file) or memory. Its bytes are
 * the file's (the stream's) size, the rule pygame.font.Font has: what
 * FreeType maps and reads the face from. Not counted: the glyph caches
 * FreeType and pygame allocate as text is rendered (they grow and shrink
 * with use, and are not read from the game). Keyed by the object's
 * address: no probe sees FreeType open or close a face.
 *
 * pygame.mixer.music has no Python object: mixer_music keeps its
 * Mix_Music pointers in statics, and exports their addresses as the
 * capsules _MUSIC_POINTER and _QUEUE_POINTER (module globals), which the
 * capsule rows follow. Its bytes are the streamed file's size (the rule
 * of the Mix_LoadMUS* probes); the reader finds the file among the game's
 * open descriptors, where SDL_mixer keeps it open while it streams.
 *
 * Ren'Py 8 (gl2, renpy/gl2/gl2texture.pxd and gl2model.pxd) draws with
 * Cython GLTexture objects (instances of its Python subclass Texture):
 * {PyObject_HEAD; vtab; int width, height; Mesh mesh; Matrix forward,
 * reverse; tuple shaders; dict uniforms, properties; cached_texture} then
 * {unsigned number; bint loaded; surface; loader; int texture_width,
 * texture_height}: the GL name at 88, the texture's size at 112 and 116,
 * properties at 72. Textures are RGBA8 (glTexImage2D GL_RGBA,
 * GL_UNSIGNED_BYTE) and allocate_texture() specifies every mip level down
 * to 1 x 1 (config.max_mipmap_level, 1000 by default) unless the
 * texture's properties say "mipmap": False (text, dissolves, movies).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "pmtrace/assets.h"
#include "pmtrace/engine_assets.h"
#include "pmtrace/gl.h"

#define C_ROW(name, where, read, asset, off, engine) \
	{ name, where, PMT_ENGINE_C_FIELD, read, asset, off, -1, -1, NULL, NULL, NULL, NULL, engine, \
	  0, NULL }
#define CAPSULE_ROW(prefix, read, asset, engine) \
	{ "PyCapsule", prefix, PMT_ENGINE_CAPSULE, read, asset, 0, -1, -1, NULL, NULL, NULL, NULL, \
	  engine, 0, NULL }
#define CTYPES_ROW(name, read, asset) \
	{ name, NULL, PMT_ENGINE_CTYPES_PTR, read, asset, 0, -1, -1, NULL, NULL, NULL, NULL, "ctypes/PySDL2", \
	  0, NULL }
#define GL_TEX_ROW(name, engine) \
	{ name, NULL, PMT_ENGINE_PY_ATTRS, PMT_ENGINE_GL_TEXTURE, PMT_ASSET_TEXTURE, 0, -1, -1, \
	  "id", "width", "height", NULL, engine, 0, NULL }
#define GL_BUF_ROW(name, engine) \
	{ name, NULL, PMT_ENGINE_PY_ATTRS, PMT_ENGINE_GL_BUFFER, PMT_ASSET_GPU_BUFFER, 0, -1, -1, \
	  "id", NULL, NULL, "size", engine, 0, NULL }

static const struct pmt_engine_row rows[] = {
	C_ROW("pygame.Surface", "pygame/surface", PMT_ENGINE_SDL_SURFACE, PMT_ASSET_SURFACE, 16,
	      "pygame"),
	C_ROW("Sound", "pygame/mixer", PMT_ENGINE_MIX_CHUNK, PMT_ASSET_AUDIO, 16, "pygame"),
	C_ROW("pygame.mixer.Sound", "pygame/mixer", PMT_ENGINE_MIX_CHUNK, PMT_ASSET_AUDIO, 16,
	      "pygame"),
	C_ROW("pygame.font.Font", "pygame/font", PMT_ENGINE_TTF_FONT, PMT_ASSET_FONT, 16, "pygame"),
	{ "_freetype.Font", "pygame/_freetype", PMT_ENGINE_C_INLINE, PMT_ENGINE_FT_FONT,
	  PMT_ASSET_FONT, 0, -1, -1, NULL, NULL, NULL, NULL, "pygame", 0, NULL },
	CAPSULE_ROW("pygame.music_mixer.", PMT_ENGINE_MIX_MUSIC, PMT_ASSET_MUSIC, "pygame"),
	{ "pygame._sdl2.video.Texture", "pygame/_sdl2/video", PMT_ENGINE_C_FIELD,
	  PMT_ENGINE_SDL_TEXTURE, PMT_ASSET_TEXTURE, 24, 48, 52, NULL, NULL, NULL, NULL,
	  "pygame", 0, NULL },
	CTYPES_ROW("LP_SDL_Surface", PMT_ENGINE_SDL_SURFACE, PMT_ASSET_SURFACE),
	CTYPES_ROW("LP_Mix_Chunk", PMT_ENGINE_MIX_CHUNK, PMT_ASSET_AUDIO),
	CTYPES_ROW("LP_TTF_Font", PMT_ENGINE_TTF_FONT, PMT_ASSET_FONT),
	CTYPES_ROW("LP_SDL_Texture", PMT_ENGINE_SDL_TEXTURE, PMT_ASSET_TEXTURE),
	/* pyglet 1.5 and 2: Texture and its kinds that own their GL name
	 * (TextureRegion shares its owner's and is not listed). */
	GL_TEX_ROW("pyglet.image.Texture", "pyglet"),
	GL_TEX_ROW("pyglet.image.Texture3D", "pyglet"),
	GL_TEX_ROW("pyglet.image.TileableTexture", "pyglet"),
	GL_TEX_ROW("pyglet.image.DepthTexture", "pyglet"),
	GL_BUF_ROW("pyglet.graphics.vertexbuffer.VertexBufferObject", "pyglet"),
	GL_BUF_ROW("pyglet.graphics.vertexbuffer.MappableVertexBufferObject", "pyglet"),
	GL_BUF_ROW("pyglet.graphics.vertexbuffer.BufferObject", "pyglet"),
	GL_BUF_ROW("pyglet.graphics.vertexbuffer.BackedBufferObject", "pyglet"),
	/* Ren'Py 8 gl2: Texture(GLTexture) */
	{ "renpy.gl2.gl2texture.GLTexture", "renpy/gl2/gl2texture", PMT_ENGINE_C_INLINE,
	  PMT_ENGINE_GL_TEXTURE, PMT_ASSET_TEXTURE, 88, 112, 116, NULL, NULL, NULL, NULL, "renpy",
	  72, "mipmap" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* pmt_engine_rows - the table. */
const struct pmt_engine_row *pmt_engine_rows(size_t *n)
{
	*n = NROWS;
	return rows;
}

/* pmt_engine_match - the row for a type, or NULL; see engine_assets.h. */
const struct pmt_engine_row *pmt_engine_match(const char *name, const char *path, bool heap)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < NROWS; i++) {
		const struct pmt_engine_row *r = &rows[i];

		if (strcmp(r->type_name, name))
			continue;
		switch (r->holder) {
		case PMT_ENGINE_C_FIELD:
		case PMT_ENGINE_C_INLINE:
			if (!heap && path && strstr(path, r->where))
				return r;
			break;
		case PMT_ENGINE_CAPSULE:
			if (!heap)
				return r; /* the reader checks the capsule's name */
			break;
		case PMT_ENGINE_CTYPES_PTR:
			return r; /* the caller checked it is a ctypes pointer type */
		case PMT_ENGINE_PY_ATTRS:
			if (heap)
				return r;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* pmt_engine_rgba8_bytes - bytes of an RGBA8 texture, with its mipmaps; see engine_assets.h. */
uint64_t pmt_engine_rgba8_bytes(uint64_t w, uint64_t h, bool mipmaps)
{
	uint64_t sum = w * h * 4;

	if (!w || !h)
		return 0;
	while (mipmaps && (w > 1 || h > 1)) {
		w = w > 1 ? w >> 1 : 1;
		h = h > 1 ? h >> 1 : 1;
		sum += w * h * 4;
	}
	return sum;
}

/* pmt_sdl_bytes_per_pixel - bytes a pixel of SDL pixel format @format takes. */
uint64_t pmt_sdl_bytes_per_pixel(uint64_t format)
{
	uint64_t b = format & 0xff;

	return (format >> 28) == 1 ? (b ? b : 1) : 2;
}

static bool dim_ok(int64_t v)
{
	return v > 0 && v <= PMT_SDL_MAX_DIM;
}

/* pmt_engine_asset - key, bytes and dimensions from what was read; see engine_assets.h. */
int pmt_engine_asset(const struct pmt_engine_row *r, const struct pmt_engine_fields *f,
		     struct pmt_engine_asset *out)
{
	memset(out, 0, sizeof(*out));
	out->type = r->asset;
	switch (r->read) {
	case PMT_ENGINE_SDL_SURFACE:
		/* A 0 x 0 surface is legal (pygame makes some); its size is 0. */
		if (!f->ptr || f->w < 0 || f->h < 0 || f->w > PMT_SDL_MAX_DIM ||
		    f->h > PMT_SDL_MAX_DIM || f->pitch < 0 || (f->h && f->pitch < f->w) ||
		    f->pitch > 16 * (f->w + 16))
			return -EINVAL;
		out->key = f->ptr;
		out->width = (uint32_t)f->w;
		out->height = (uint32_t)f->h;
		out->bytes = (uint64_t)f->h * (uint64_t)f->pitch;
		return 0;
	case PMT_ENGINE_MIX_CHUNK:
		if (!f->ptr || f->alen > (1ULL << 36))
			return -EINVAL;
		out->key = f->ptr;
		out->bytes = f->alen;
		return 0;
	case PMT_ENGINE_TTF_FONT:
		if (!f->ptr || f->stream_size > (1ULL << 32))
			return -EINVAL;
		out->key = f->ptr;
		out->bytes = f->stream_size;
		return 0;
	case PMT_ENGINE_SDL_TEXTURE:
		if (!f->ptr || !dim_ok(f->w) || !dim_ok(f->h))
			return -EINVAL;
		if ((f->obj_w >= 0 && f->obj_w != f->w) || (f->obj_h >= 0 && f->obj_h != f->h))
			return -EINVAL;
		out->key = f->ptr;
		out->width = (uint32_t)f->w;
		out->height = (uint32_t)f->h;
		out->bytes = (uint64_t)f->w * (uint64_t)f->h * pmt_sdl_bytes_per_pixel(f->format);
		return 0;
	case PMT_ENGINE_GL_TEXTURE:
		if (f->gl_name <= 0 || f->gl_name > UINT32_MAX || !dim_ok(f->w) || !dim_ok(f->h))
			return -EINVAL;
		out->key = pmt_gl_key(PMT_GL_KIND_TEXTURE, (uint32_t)f->gl_name);
		out->width = (uint32_t)f->w;
		out->height = (uint32_t)f->h;
		out->bytes = pmt_engine_rgba8_bytes((uint64_t)f->w, (uint64_t)f->h, f->mipmaps);
		return 0;
	case PMT_ENGINE_FT_FONT:
	case PMT_ENGINE_MIX_MUSIC:
		if (!f->ptr || f->file_size > (1ULL << 36))
			return -EINVAL;
		out->key = f->ptr;
		out->bytes = f->file_size;
		return 0;
	case PMT_ENGINE_GL_BUFFER:
		if (f->gl_name <= 0 || f->gl_name > UINT32_MAX || f->size < 0 ||
		    f->size > (1LL << 40))
			return -EINVAL;
		out->key = pmt_gl_key(PMT_GL_KIND_BUFFER, (uint32_t)f->gl_name);
		out->bytes = (uint64_t)f->size;
		return 0;
	default:
		return -EINVAL;
	}
}

/* pmt_engine_file_class - what kind of asset file @s names, by its extension. */
enum pmt_file_class pmt_engine_file_class(const char *s, size_t len)
{
	static const struct {
		const char *ext;
		enum pmt_file_class cls;
	} ext[] = {
		{ ".png", PMT_FILE_IMAGE }, { ".jpg", PMT_FILE_IMAGE }, { ".jpeg", PMT_FILE_IMAGE },
		{ ".bmp", PMT_FILE_IMAGE }, { ".gif", PMT_FILE_IMAGE }, { ".tga", PMT_FILE_IMAGE },
		{ ".tif", PMT_FILE_IMAGE }, { ".tiff", PMT_FILE_IMAGE }, { ".webp", PMT_FILE_IMAGE },
		{ ".pcx", PMT_FILE_IMAGE }, { ".xpm", PMT_FILE_IMAGE }, { ".pnm", PMT_FILE_IMAGE },
		{ ".ppm", PMT_FILE_IMAGE }, { ".lbm", PMT_FILE_IMAGE }, { ".svg", PMT_FILE_IMAGE },
		{ ".dds", PMT_FILE_IMAGE }, { ".ktx", PMT_FILE_IMAGE },
		{ ".wav", PMT_FILE_SOUND }, { ".ogg", PMT_FILE_SOUND }, { ".mp3", PMT_FILE_SOUND },
		{ ".flac", PMT_FILE_SOUND }, { ".opus", PMT_FILE_SOUND }, { ".mod", PMT_FILE_SOUND },
		{ ".xm", PMT_FILE_SOUND }, { ".s3m", PMT_FILE_SOUND }, { ".it", PMT_FILE_SOUND },
		{ ".mid", PMT_FILE_SOUND }, { ".midi", PMT_FILE_SOUND }, { ".voc", PMT_FILE_SOUND },
		{ ".aiff", PMT_FILE_SOUND },
		{ ".ttf", PMT_FILE_FONT }, { ".otf", PMT_FILE_FONT }, { ".fon", PMT_FILE_FONT },
		{ ".fnt", PMT_FILE_FONT }, { ".pcf", PMT_FILE_FONT },
	};
	size_t i, k;

	if (!len || len > 4096)
		return PMT_FILE_NONE;
	for (i = 0; i < len; i++)
		if (!s[i] || s[i] == '\n')
			return PMT_FILE_NONE;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t el = strlen(ext[i].ext);

		if (len <= el)
			continue;
		for (k = 0; k < el; k++)
			if (tolower((unsigned char)s[len - el + k]) != ext[i].ext[k])
				break;
		if (k == el)
			return ext[i].cls;
	}
	return PMT_FILE_NONE;
}

/* pmt_engine_file_like - @s ends in an asset file extension; see engine_assets.h. */
bool pmt_engine_file_like(const char *s, size_t len)
{
	return pmt_engine_file_class(s, len) != PMT_FILE_NONE;
}

/* pmt_engine_type_file_class - the kind of file an asset of @type comes from. */
enum pmt_file_class pmt_engine_type_file_class(uint32_t type)
{
	switch (type) {
	case PMT_ASSET_SURFACE:
	case PMT_ASSET_TEXT:
	case PMT_ASSET_TEXTURE:
		return PMT_FILE_IMAGE;
	case PMT_ASSET_AUDIO:
	case PMT_ASSET_MUSIC:
		return PMT_FILE_SOUND;
	case PMT_ASSET_FONT:
		return PMT_FILE_FONT;
	default:
		return PMT_FILE_NONE;
	}
}
