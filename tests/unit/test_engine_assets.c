// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_engine_assets.c - unit tests of the engine type table: which types
 * match (a C type by name and defining file, a class by its exact
 * qualified name, a ctypes pointer by name), the keys and sizes that follow
 * from what was read (the probes' keys and rules), what is not believed,
 * and file names by kind.
 */
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/assets.h"
#include "pmtrace/engine_assets.h"
#include "pmtrace/gl.h"
#include "suites.h"

#define SURFACE_SO "/usr/lib/python3/dist-packages/pygame/surface.cpython-311-x86_64-linux-gnu.so"

static void test_match(void)
{
	const struct pmt_engine_row *r;
	size_t n, i;

	r = pmt_engine_match("pygame.Surface", SURFACE_SO, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->holder, PMT_ENGINE_C_FIELD);
	CU_ASSERT_EQUAL(r->read, PMT_ENGINE_SDL_SURFACE);
	CU_ASSERT_EQUAL(r->asset, PMT_ASSET_SURFACE);
	CU_ASSERT_EQUAL(r->ptr_off, 16);
	/* the same name defined elsewhere, or a class of that name: not pygame's */
	CU_ASSERT_PTR_NULL(pmt_engine_match("pygame.Surface", "/opt/other/surface.so", false));
	CU_ASSERT_PTR_NULL(pmt_engine_match("pygame.Surface", NULL, false));
	CU_ASSERT_PTR_NULL(pmt_engine_match("pygame.Surface", SURFACE_SO, true));
	r = pmt_engine_match("Sound", "/x/pygame/mixer.cpython-311-x86_64-linux-gnu.so", false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->read, PMT_ENGINE_MIX_CHUNK);
	r = pmt_engine_match("pygame.font.Font", "/x/pygame/font.cpython-39.so", false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->asset, PMT_ASSET_FONT);
	r = pmt_engine_match("pygame._sdl2.video.Texture", "/x/pygame/_sdl2/video.so", false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->ptr_off, 24);
	CU_ASSERT_EQUAL(r->obj_w_off, 48);
	r = pmt_engine_match("LP_SDL_Surface", NULL, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->holder, PMT_ENGINE_CTYPES_PTR);
	r = pmt_engine_match("pyglet.image.Texture", NULL, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->read, PMT_ENGINE_GL_TEXTURE);
	CU_ASSERT_STRING_EQUAL(r->attr_name, "id");
	CU_ASSERT_PTR_NULL(pmt_engine_match("pyglet.image.Texture", NULL, false));
	CU_ASSERT_PTR_NULL(pmt_engine_match("pyglet.image.TextureRegion", NULL, true));
	CU_ASSERT_PTR_NULL(pmt_engine_match("list", NULL, false));
	CU_ASSERT_PTR_NULL(pmt_engine_match(NULL, NULL, false));
	/* every row is whole */
	r = pmt_engine_rows(&n);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_NOT_NULL(r[i].type_name);
		CU_ASSERT_PTR_NOT_NULL(r[i].engine);
		CU_ASSERT_TRUE(r[i].asset < PMT_ASSET_TYPES);
		if (r[i].holder == PMT_ENGINE_C_FIELD || r[i].holder == PMT_ENGINE_C_INLINE ||
		    r[i].holder == PMT_ENGINE_CAPSULE)
			CU_ASSERT_PTR_NOT_NULL(r[i].where);
		if (r[i].holder == PMT_ENGINE_PY_ATTRS)
			CU_ASSERT_PTR_NOT_NULL(r[i].attr_name);
	}
}

static const struct pmt_engine_row *row(const char *name, const char *path, bool heap)
{
	const struct pmt_engine_row *r = pmt_engine_match(name, path, heap);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static void test_sizes(void)
{
	struct pmt_engine_fields f;
	struct pmt_engine_asset a;
	const struct pmt_engine_row *surf = row("LP_SDL_Surface", NULL, false);
	const struct pmt_engine_row *tex = row("pygame._sdl2.video.Texture", "pygame/_sdl2/video",
					      false);

	memset(&f, 0, sizeof(f));
	f.obj_w = f.obj_h = -1;
	f.ptr = 0x55550000a000;
	f.w = 33;
	f.h = 17;
	f.pitch = 132;
	CU_ASSERT_EQUAL_FATAL(pmt_engine_asset(surf, &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, 0x55550000a000);
	CU_ASSERT_EQUAL(a.bytes, 17 * 132);
	CU_ASSERT_EQUAL(a.width, 33);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_SURFACE);
	f.w = f.h = f.pitch = 0; /* pygame makes empty surfaces */
	CU_ASSERT_EQUAL(pmt_engine_asset(surf, &f, &a), 0);
	CU_ASSERT_EQUAL(a.bytes, 0);
	f.w = 33;
	f.h = 17;
	f.pitch = 20; /* below the width: not a surface */
	CU_ASSERT_EQUAL(pmt_engine_asset(surf, &f, &a), -EINVAL);
	f.pitch = 132;
	f.h = 70000;
	CU_ASSERT_EQUAL(pmt_engine_asset(surf, &f, &a), -EINVAL);
	f.h = 17;
	f.ptr = 0;
	CU_ASSERT_EQUAL(pmt_engine_asset(surf, &f, &a), -EINVAL);

	memset(&f, 0, sizeof(f));
	f.ptr = 0x1000;
	f.alen = 88200;
	CU_ASSERT_EQUAL(pmt_engine_asset(row("LP_Mix_Chunk", NULL, false), &f, &a), 0);
	CU_ASSERT_EQUAL(a.bytes, 88200);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_AUDIO);
	f.stream_size = 270264;
	CU_ASSERT_EQUAL(pmt_engine_asset(row("LP_TTF_Font", NULL, false), &f, &a), 0);
	CU_ASSERT_EQUAL(a.bytes, 270264);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_FONT);

	memset(&f, 0, sizeof(f));
	f.ptr = 0x2000;
	f.w = 64;
	f.h = 32;
	f.format = 0x16362004; /* SDL_PIXELFORMAT_ARGB8888 */
	f.obj_w = 64;
	f.obj_h = 32;
	CU_ASSERT_EQUAL(pmt_engine_asset(tex, &f, &a), 0);
	CU_ASSERT_EQUAL(a.bytes, 64 * 32 * 4);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_TEXTURE);
	f.obj_w = 65; /* the object disagrees: not its texture */
	CU_ASSERT_EQUAL(pmt_engine_asset(tex, &f, &a), -EINVAL);

	memset(&f, 0, sizeof(f));
	f.gl_name = 7;
	f.w = 256;
	f.h = 128;
	CU_ASSERT_EQUAL(pmt_engine_asset(row("pyglet.image.Texture", NULL, true), &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, pmt_gl_key(PMT_GL_KIND_TEXTURE, 7));
	CU_ASSERT_EQUAL(a.bytes, 256 * 128 * 4);
	f.gl_name = 0;
	CU_ASSERT_EQUAL(pmt_engine_asset(row("pyglet.image.Texture", NULL, true), &f, &a), -EINVAL);
	f.gl_name = 3;
	f.size = 4096;
	CU_ASSERT_EQUAL(pmt_engine_asset(row("pyglet.graphics.vertexbuffer.BufferObject", NULL, true),
					 &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, pmt_gl_key(PMT_GL_KIND_BUFFER, 3));
	CU_ASSERT_EQUAL(a.bytes, 4096);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_GPU_BUFFER);
}

/* Ren'Py's GL textures, pygame.freetype fonts, pygame's music capsule. */
static void test_inline_rows(void)
{
	const struct pmt_engine_row *r;
	struct pmt_engine_fields f;
	struct pmt_engine_asset a;

	r = row("renpy.gl2.gl2texture.GLTexture",
		"/usr/lib/python3/dist-packages/renpy/gl2/gl2texture.cpython-311-x86_64-linux-gnu.so",
		false);
	CU_ASSERT_EQUAL(r->holder, PMT_ENGINE_C_INLINE);
	CU_ASSERT_EQUAL(r->ptr_off, 88);
	CU_ASSERT_EQUAL(r->obj_w_off, 112);
	CU_ASSERT_EQUAL(r->obj_h_off, 116);
	CU_ASSERT_EQUAL(r->mip_dict_off, 72);
	CU_ASSERT_STRING_EQUAL(r->engine, "renpy");
	CU_ASSERT_PTR_NULL(pmt_engine_match("renpy.gl2.gl2texture.GLTexture", "/x/other.so", false));
	CU_ASSERT_PTR_NULL(pmt_engine_match("renpy.gl2.gl2texture.GLTexture", NULL, true));
	memset(&f, 0, sizeof(f));
	f.gl_name = 4;
	f.w = 300;
	f.h = 200;
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, pmt_gl_key(PMT_GL_KIND_TEXTURE, 4));
	CU_ASSERT_EQUAL(a.bytes, 300 * 200 * 4);
	f.mipmaps = 1; /* 300x200, 150x100, 75x50, 37x25, 18x12, 9x6, 4x3, 2x1, 1x1 */
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), 0);
	CU_ASSERT_EQUAL(a.bytes, 319840);
	CU_ASSERT_EQUAL(a.height, 200);
	CU_ASSERT_EQUAL(a.width, 300);
	f.gl_name = 0; /* not loaded yet */
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), -EINVAL);
	CU_ASSERT_EQUAL(pmt_engine_rgba8_bytes(1, 1, true), 4);
	CU_ASSERT_EQUAL(pmt_engine_rgba8_bytes(1, 4, true), 4 * (4 + 2 + 1));
	CU_ASSERT_EQUAL(pmt_engine_rgba8_bytes(0, 4, true), 0);

	r = row("_freetype.Font", "/x/pygame/_freetype.cpython-311-x86_64-linux-gnu.so", false);
	CU_ASSERT_EQUAL(r->read, PMT_ENGINE_FT_FONT);
	CU_ASSERT_EQUAL(r->asset, PMT_ASSET_FONT);
	memset(&f, 0, sizeof(f));
	f.ptr = 0x7f0000001000;
	f.file_size = 270264;
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, 0x7f0000001000);
	CU_ASSERT_EQUAL(a.bytes, 270264);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_FONT);
	f.ptr = 0;
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), -EINVAL);

	r = row("PyCapsule", "/usr/bin/python3.11", false);
	CU_ASSERT_EQUAL(r->holder, PMT_ENGINE_CAPSULE);
	CU_ASSERT_STRING_EQUAL(r->where, "pygame.music_mixer.");
	CU_ASSERT_PTR_NULL(pmt_engine_match("PyCapsule", NULL, true));
	memset(&f, 0, sizeof(f));
	f.ptr = 0x2bb34850; /* the Mix_Music, as Mix_LoadMUS* and Mix_FreeMusic key it */
	f.file_size = 352844;
	CU_ASSERT_EQUAL(pmt_engine_asset(r, &f, &a), 0);
	CU_ASSERT_EQUAL(a.key, 0x2bb34850);
	CU_ASSERT_EQUAL(a.bytes, 352844);
	CU_ASSERT_EQUAL(a.type, PMT_ASSET_MUSIC);
}

static void test_pixels(void)
{
	CU_ASSERT_EQUAL(pmt_sdl_bytes_per_pixel(0x16362004), 4); /* ARGB8888 */
	CU_ASSERT_EQUAL(pmt_sdl_bytes_per_pixel(0x17101803), 3); /* RGB24 */
	CU_ASSERT_EQUAL(pmt_sdl_bytes_per_pixel(0x15151002), 2); /* RGB565 */
	CU_ASSERT_EQUAL(pmt_sdl_bytes_per_pixel(0x32315659), 2); /* YV12: FourCC */
}

static void test_files(void)
{
	static const struct {
		const char *s;
		enum pmt_file_class c;
	} cases[] = {
		{ "images/ship.png", PMT_FILE_IMAGE }, { "BOSS.PNG", PMT_FILE_IMAGE },
		{ "/a/b/t.jpeg", PMT_FILE_IMAGE }, { "x.bmp", PMT_FILE_IMAGE },
		{ "s.wav", PMT_FILE_SOUND }, { "music.OGG", PMT_FILE_SOUND },
		{ "f.ttf", PMT_FILE_FONT }, { "f.otf", PMT_FILE_FONT },
		{ "png", PMT_FILE_NONE }, { ".png", PMT_FILE_NONE }, { "a.png\n", PMT_FILE_NONE },
		{ "readme.txt", PMT_FILE_NONE }, { "", PMT_FILE_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(pmt_engine_file_class(cases[i].s, strlen(cases[i].s)), cases[i].c);
	CU_ASSERT_EQUAL(pmt_engine_file_class("a\0b.png", 7), PMT_FILE_NONE);
	CU_ASSERT_TRUE(pmt_engine_file_like("a.png", 5));
	CU_ASSERT_FALSE(pmt_engine_file_like("a.png", 4));
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_SURFACE), PMT_FILE_IMAGE);
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_TEXTURE), PMT_FILE_IMAGE);
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_AUDIO), PMT_FILE_SOUND);
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_MUSIC), PMT_FILE_SOUND);
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_FONT), PMT_FILE_FONT);
	CU_ASSERT_EQUAL(pmt_engine_type_file_class(PMT_ASSET_GPU_BUFFER), PMT_FILE_NONE);
}

/* pmt_test_register_engine_assets - add the "engine_assets" suite. */
void pmt_test_register_engine_assets(void)
{
	static const struct pmt_test tests[] = {
		{ "which types match", test_match },
		{ "keys and sizes, and what is not believed", test_sizes },
		{ "Ren'Py textures, freetype fonts, music", test_inline_rows },
		{ "SDL bytes per pixel", test_pixels },
		{ "file names by kind", test_files },
	};

	pmt_test_add_suite("engine_assets", tests, PMT_ARRAY_SIZE(tests));
}
