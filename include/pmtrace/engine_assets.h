/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine_assets.h - which objects of a game's heap own an asset, and how
 * to read it: the table of engine types (a pygame Surface holds an
 * SDL_Surface pointer at offset 16; a PySDL2/ctypes LP_Mix_Chunk points at
 * a Mix_Chunk; a pyglet Texture names its GL texture in its `id`
 * attribute...), the C structs' fields the reader needs, and the sizes and
 * keys that follow from what was read.
 *
 * Keys are those the asset probes use (user/probes/asset_track.c), so an
 * asset found in the heap at attach and freed later is matched by the
 * probe of its free: the SDL_Surface, SDL_Texture, Mix_Chunk or TTF_Font
 * address, or pmt_gl_key() of a GL name. Sizes follow the probes' rules:
 * h x pitch for surfaces, alen for chunks, w x h x bytes per pixel for SDL
 * textures, the file's size (the FreeType stream's) for fonts, the
 * file's size for streamed music (Mix_Music), w x h x 4 for GL textures
 * (RGBA8), their whole mipmap chain when the engine allocated one.
 *
 * Pure C: the reading is done by the caller (user/cpython/snapshot.c),
 * which fills a struct pmt_engine_fields.
 */
#ifndef PMTRACE_ENGINE_ASSETS_H
#define PMTRACE_ENGINE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the object holds its asset. */
enum pmt_engine_holder {
	PMT_ENGINE_C_FIELD = 1,  /* a C pointer at ptr_off in the object (C extension types) */
	PMT_ENGINE_CTYPES_PTR,   /* a ctypes pointer instance: the pointer is *b_ptr */
	PMT_ENGINE_PY_ATTRS,     /* a Python class: attributes name the GL object and its size */
	PMT_ENGINE_C_INLINE,     /* C fields of the object itself (Cython classes, FT_Open_Args) */
	PMT_ENGINE_CAPSULE,      /* a PyCapsule named where... pointing at a static C pointer */
};

/* What the pointer or attributes lead to. */
enum pmt_engine_read {
	PMT_ENGINE_SDL_SURFACE = 1, /* SDL_Surface: h x pitch */
	PMT_ENGINE_MIX_CHUNK,       /* Mix_Chunk: alen */
	PMT_ENGINE_TTF_FONT,        /* TTF_Font: its FreeType stream's size */
	PMT_ENGINE_SDL_TEXTURE,     /* SDL_Texture: w x h x bytes per pixel */
	PMT_ENGINE_GL_TEXTURE,      /* attributes: GL name, width, height: w x h x 4 (RGBA8) */
	PMT_ENGINE_GL_BUFFER,       /* attributes: GL name, size in bytes */
	PMT_ENGINE_FT_FONT,         /* pygame.freetype: how FreeType opens the face: the file's size */
	PMT_ENGINE_MIX_MUSIC,       /* Mix_Music: the streamed file's size */
};

struct pmt_engine_row {
	const char *type_name; /* C types: tp_name; classes: module.qualname; ctypes: the pointer type's name */
	const char *where;     /* C types: a substring of the path of the file defining the type;
				* capsules: the start of the capsule's name */
	uint8_t holder;        /* enum pmt_engine_holder */
	uint8_t read;          /* enum pmt_engine_read */
	uint8_t asset;         /* enum pmt_asset_type */
	uint32_t ptr_off;      /* PMT_ENGINE_C_FIELD: offset of the pointer */
	int32_t obj_w_off, obj_h_off; /* ints in the object that must equal the struct's w, h; -1 none */
	const char *attr_name, *attr_w, *attr_h, *attr_size; /* PMT_ENGINE_PY_ATTRS */
	const char *engine;    /* "pygame", "ctypes/PySDL2", "pyglet", "renpy" */
	/* PMT_ENGINE_C_INLINE GL textures: the u32 GL name at ptr_off, the
	 * texture's int width and height at obj_w_off, obj_h_off; mip_dict_off
	 * (> 0) holds a dict (or None) whose mip_key says whether the texture
	 * has its whole mipmap chain (absent: it has). */
	int32_t mip_dict_off;
	const char *mip_key;
};

/*
 * The C structs, as SDL 2, SDL_mixer 2, SDL_ttf 2 and FreeType 2 lay them
 * out on x86-64 (stable ABI; SDL_Texture is SDL's private struct, checked
 * by its magic and by the object's own width and height where it has them).
 */
#define PMT_SDL_SURFACE_FLAGS 0
#define PMT_SDL_SURFACE_W 16
#define PMT_SDL_SURFACE_H 20
#define PMT_SDL_SURFACE_PITCH 24
#define PMT_SDL_SURFACE_PIXELS 32
#define PMT_SDL_SURFACE_READ 40      /* bytes read from an SDL_Surface */
#define PMT_MIX_CHUNK_ALEN 16
#define PMT_MIX_CHUNK_READ 24
#define PMT_TTF_FONT_FACE 0          /* FT_Face, first field of TTF_Font */
#define PMT_FT_FACE_FAMILY 40        /* FT_FaceRec.family_name */
#define PMT_FT_FACE_STREAM 192       /* FT_FaceRec.stream */
#define PMT_FT_STREAM_SIZE 8         /* FT_StreamRec.size */
#define PMT_SDL_TEXTURE_MAGIC 0
#define PMT_SDL_TEXTURE_FORMAT 8
#define PMT_SDL_TEXTURE_W 16
#define PMT_SDL_TEXTURE_H 20
#define PMT_SDL_TEXTURE_READ 24
#define PMT_CTYPES_B_PTR 16          /* CDataObject.b_ptr */
#define PMT_CAPSULE_POINTER 16       /* PyCapsule.pointer */
#define PMT_CAPSULE_NAME 24          /* PyCapsule.name */
/* pygame 2's pgFontObject (src_c/freetype.h): {PyObject_HEAD; pgFontId id
 * {FT_Long font_index; FT_Open_Args open_args}; PyObject *path; ...} */
#define PMT_PGFT_FLAGS 24            /* open_args.flags: FT_OPEN_MEMORY 1, _STREAM 2, _PATHNAME 4 */
#define PMT_PGFT_MEMORY_SIZE 40      /* open_args.memory_size */
#define PMT_PGFT_PATHNAME 48         /* open_args.pathname (char *) */
#define PMT_PGFT_STREAM 56           /* open_args.stream (FT_Stream) */
#define PMT_PGFT_PATH 88             /* path: a str, or None */
#define PMT_PGFT_INTERNALS 200       /* _internals: NULL once the font is closed */
#define PMT_FT_OPEN_MEMORY 1
#define PMT_FT_OPEN_STREAM 2
#define PMT_FT_OPEN_PATHNAME 4
#define PMT_SDL_MAX_DIM 65536        /* larger surfaces or textures are not believed */

/* What the reader found: the fields a row's size and key need. */
struct pmt_engine_fields {
	uint64_t ptr;          /* the C object (SDL_Surface *...), 0 for PY_ATTRS */
	int64_t w, h, pitch;   /* surfaces, textures; classes: width, height */
	int64_t obj_w, obj_h;  /* the Python object's own copy of w, h (obj_w_off), or -1 */
	uint64_t format;       /* SDL_Texture's pixel format */
	uint64_t alen;         /* Mix_Chunk */
	uint64_t stream_size;  /* TTF_Font's FreeType stream */
	int64_t gl_name;       /* PY_ATTRS */
	int64_t size;          /* PY_ATTRS: buffer bytes */
	uint64_t file_size;    /* FT_FONT, MIX_MUSIC: the bytes of the file, stream or memory */
	uint8_t mipmaps;       /* GL_TEXTURE: the whole mipmap chain is allocated */
};

/* One asset found in the heap. */
struct pmt_engine_asset {
	uint64_t key;   /* as the asset probes key it */
	uint64_t bytes;
	uint32_t type;  /* enum pmt_asset_type */
	uint32_t width, height;
};

/* The table, for documentation and tests: *@n rows. */
const struct pmt_engine_row *pmt_engine_rows(size_t *n);

/*
 * The row for a type: @name is its tp_name (C and ctypes types) or
 * module.qualname (Python classes, @heap true), @path the file that maps
 * the type object (C types; NULL when unknown). A C type is matched on
 * name and file, a class on its exact qualified name, a ctypes pointer
 * type on its name. NULL when no row matches.
 */
const struct pmt_engine_row *pmt_engine_match(const char *name, const char *path, bool heap);

/*
 * The asset @r's object owns, from the fields read: key, bytes, type,
 * dimensions. Returns 0, or -EINVAL when the fields are not plausible
 * (a null pointer, dimensions out of range, a pitch below the width, a
 * texture whose size disagrees with the object's own, GL name 0).
 */
int pmt_engine_asset(const struct pmt_engine_row *r, const struct pmt_engine_fields *f,
		     struct pmt_engine_asset *out);

/*
 * Bytes of a @w x @h RGBA8 texture, with its whole mipmap chain (every
 * level down to 1 x 1, each half the last, at least 1) when @mipmaps.
 */
uint64_t pmt_engine_rgba8_bytes(uint64_t w, uint64_t h, bool mipmaps);

/* Bytes per pixel of an SDL_PIXELFORMAT value (FourCC formats: YUV, 2). */
uint64_t pmt_sdl_bytes_per_pixel(uint64_t format);

/* What an asset file holds, by its name's extension. */
enum pmt_file_class {
	PMT_FILE_NONE = 0,
	PMT_FILE_IMAGE, /* .png, .jpg, .bmp, .gif, .tga, .webp... */
	PMT_FILE_SOUND, /* .wav, .ogg, .mp3, .flac, .mod, .mid... */
	PMT_FILE_FONT,  /* .ttf, .otf, .fon... */
};

/*
 * The class of the file @s (@len bytes, not NUL-terminated) names, by its
 * extension (case-insensitive); PMT_FILE_NONE when it names no asset file
 * or holds a NUL or a newline.
 */
enum pmt_file_class pmt_engine_file_class(const char *s, size_t len);

/* Whether @s names an asset file: pmt_engine_file_class() is not NONE. */
bool pmt_engine_file_like(const char *s, size_t len);

/* The class of file an asset of type @type (enum pmt_asset_type) is loaded from. */
enum pmt_file_class pmt_engine_type_file_class(uint32_t type);

#endif /* PMTRACE_ENGINE_ASSETS_H */
