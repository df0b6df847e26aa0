// SPDX-License-Identifier: BSD-2-Clause
/*
 * gl.c - OpenGL texture and buffer sizes from the calls that make them
 * (see gl.h), the GLVND stub decoder, and a table of textures by name.
 *
 * Bytes per pixel are the format's nominal size; drivers may pad (an RGB8
 * texture is often stored as RGBX, 4 bytes), which docs/assets.md says.
 * Unsized formats (GL_RGBA, GL_RGB...) count as their 8-bit sized ones,
 * depth 24 as 4 bytes (no driver stores 3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/gl.h"

struct gl_format {
	uint32_t ifmt;
	uint16_t bits;  /* per pixel, uncompressed */
	uint16_t block; /* bytes per 4x4 block, compressed (bits 0) */
};

static const struct gl_format formats[] = {
	/* legacy component counts and unsized formats */
	{ 1, 8, 0 }, { 2, 16, 0 }, { 3, 24, 0 }, { 4, 32, 0 },
	{ 0x1902, 32, 0 }, /* GL_DEPTH_COMPONENT */
	{ 0x1903, 8, 0 },  /* GL_RED */
	{ 0x1906, 8, 0 },  /* GL_ALPHA */
	{ 0x1907, 24, 0 }, /* GL_RGB */
	{ 0x1908, 32, 0 }, /* GL_RGBA */
	{ 0x1909, 8, 0 },  /* GL_LUMINANCE */
	{ 0x190A, 16, 0 }, /* GL_LUMINANCE_ALPHA */
	{ 0x80E1, 32, 0 }, /* GL_BGRA (accepted by some drivers) */
	{ 0x8227, 16, 0 }, /* GL_RG */
	{ 0x84F9, 32, 0 }, /* GL_DEPTH_STENCIL */
	{ 0x8C40, 24, 0 }, /* GL_SRGB */
	{ 0x8C42, 32, 0 }, /* GL_SRGB_ALPHA */
	/* legacy sized */
	{ 0x803C, 8, 0 },  /* GL_ALPHA8 */
	{ 0x8040, 8, 0 },  /* GL_LUMINANCE8 */
	{ 0x8045, 16, 0 }, /* GL_LUMINANCE8_ALPHA8 */
	{ 0x804B, 8, 0 },  /* GL_INTENSITY8 */
	/* sized colour */
	{ 0x8050, 16, 0 }, /* GL_RGB5 */
	{ 0x8051, 24, 0 }, /* GL_RGB8 */
	{ 0x8052, 32, 0 }, /* GL_RGB10 */
	{ 0x8054, 48, 0 }, /* GL_RGB16 */
	{ 0x8056, 16, 0 }, /* GL_RGBA4 */
	{ 0x8057, 16, 0 }, /* GL_RGB5_A1 */
	{ 0x8058, 32, 0 }, /* GL_RGBA8 */
	{ 0x8059, 32, 0 }, /* GL_RGB10_A2 */
	{ 0x805B, 64, 0 }, /* GL_RGBA16 */
	{ 0x8229, 8, 0 },  /* GL_R8 */
	{ 0x822A, 16, 0 }, /* GL_R16 */
	{ 0x822B, 16, 0 }, /* GL_RG8 */
	{ 0x822C, 32, 0 }, /* GL_RG16 */
	{ 0x822D, 16, 0 }, /* GL_R16F */
	{ 0x822E, 32, 0 }, /* GL_R32F */
	{ 0x822F, 32, 0 }, /* GL_RG16F */
	{ 0x8230, 64, 0 }, /* GL_RG32F */
	{ 0x8231, 8, 0 }, { 0x8232, 8, 0 },   /* GL_R8I, GL_R8UI */
	{ 0x8233, 16, 0 }, { 0x8234, 16, 0 }, /* GL_R16I, GL_R16UI */
	{ 0x8235, 32, 0 }, { 0x8236, 32, 0 }, /* GL_R32I, GL_R32UI */
	{ 0x8237, 16, 0 }, { 0x8238, 16, 0 }, /* GL_RG8I, GL_RG8UI */
	{ 0x8239, 32, 0 }, { 0x823A, 32, 0 }, /* GL_RG16I, GL_RG16UI */
	{ 0x823B, 64, 0 }, { 0x823C, 64, 0 }, /* GL_RG32I, GL_RG32UI */
	{ 0x8814, 128, 0 }, /* GL_RGBA32F */
	{ 0x8815, 96, 0 },  /* GL_RGB32F */
	{ 0x881A, 64, 0 },  /* GL_RGBA16F */
	{ 0x881B, 48, 0 },  /* GL_RGB16F */
	{ 0x8C3A, 32, 0 },  /* GL_R11F_G11F_B10F */
	{ 0x8C3D, 32, 0 },  /* GL_RGB9_E5 */
	{ 0x8C41, 24, 0 },  /* GL_SRGB8 */
	{ 0x8C43, 32, 0 },  /* GL_SRGB8_ALPHA8 */
	{ 0x8D62, 16, 0 },  /* GL_RGB565 */
	{ 0x8D70, 128, 0 }, { 0x8D71, 96, 0 }, /* GL_RGBA32UI, GL_RGB32UI */
	{ 0x8D76, 64, 0 }, { 0x8D77, 48, 0 },  /* GL_RGBA16UI, GL_RGB16UI */
	{ 0x8D7C, 32, 0 }, { 0x8D7D, 24, 0 },  /* GL_RGBA8UI, GL_RGB8UI */
	{ 0x8D82, 128, 0 }, { 0x8D83, 96, 0 }, /* GL_RGBA32I, GL_RGB32I */
	{ 0x8D88, 64, 0 }, { 0x8D89, 48, 0 },  /* GL_RGBA16I, GL_RGB16I */
	{ 0x8D8E, 32, 0 }, { 0x8D8F, 24, 0 },  /* GL_RGBA8I, GL_RGB8I */
	{ 0x8F94, 8, 0 }, { 0x8F95, 16, 0 },   /* GL_R8_SNORM, GL_RG8_SNORM */
	{ 0x8F96, 24, 0 }, { 0x8F97, 32, 0 },  /* GL_RGB8_SNORM, GL_RGBA8_SNORM */
	{ 0x906F, 32, 0 },                      /* GL_RGB10_A2UI */
	/* depth and stencil */
	{ 0x81A5, 16, 0 }, /* GL_DEPTH_COMPONENT16 */
	{ 0x81A6, 32, 0 }, /* GL_DEPTH_COMPONENT24 */
	{ 0x81A7, 32, 0 }, /* GL_DEPTH_COMPONENT32 */
	{ 0x88F0, 32, 0 }, /* GL_DEPTH24_STENCIL8 */
	{ 0x8CAC, 32, 0 }, /* GL_DEPTH_COMPONENT32F */
	{ 0x8CAD, 64, 0 }, /* GL_DEPTH32F_STENCIL8 */
	{ 0x8D48, 8, 0 },  /* GL_STENCIL_INDEX8 */
	/* compressed, 4x4 blocks */
	{ 0x83F0, 0, 8 }, { 0x83F1, 0, 8 },   /* S3TC DXT1 RGB, RGBA */
	{ 0x83F2, 0, 16 }, { 0x83F3, 0, 16 }, /* S3TC DXT3, DXT5 */
	{ 0x8C4C, 0, 8 }, { 0x8C4D, 0, 8 },   /* sRGB DXT1 */
	{ 0x8C4E, 0, 16 }, { 0x8C4F, 0, 16 }, /* sRGB DXT3, DXT5 */
	{ 0x8D64, 0, 8 },                      /* ETC1 RGB8 */
	{ 0x8DBB, 0, 8 }, { 0x8DBC, 0, 8 },   /* RGTC1 */
	{ 0x8DBD, 0, 16 }, { 0x8DBE, 0, 16 }, /* RGTC2 */
	{ 0x8E8C, 0, 16 }, { 0x8E8D, 0, 16 }, /* BPTC */
	{ 0x8E8E, 0, 16 }, { 0x8E8F, 0, 16 },
	{ 0x9270, 0, 8 }, { 0x9271, 0, 8 },   /* EAC R11 */
	{ 0x9272, 0, 16 }, { 0x9273, 0, 16 }, /* EAC RG11 */
	{ 0x9274, 0, 8 }, { 0x9275, 0, 8 },   /* ETC2 RGB8, sRGB8 */
	{ 0x9276, 0, 8 }, { 0x9277, 0, 8 },   /* ETC2 punch-through alpha */
	{ 0x9278, 0, 16 }, { 0x9279, 0, 16 }, /* ETC2 RGBA8 EAC, sRGB */
};

static const struct gl_format *format_of(uint32_t ifmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].ifmt == ifmt)
			return &formats[i];
	return NULL;
}

uint32_t pmt_gl_format_bits(uint32_t ifmt)
{
	const struct gl_format *f = format_of(ifmt);

	if (!f)
		return 0;
	return f->bits ? f->bits : f->block / 2; /* 16 pixels a block */
}

uint64_t pmt_gl_image_bytes(uint32_t ifmt, uint32_t w, uint32_t h)
{
	const struct gl_format *f = format_of(ifmt);

	if (!f)
		return 0;
	if (f->block)
		return (((uint64_t)w + 3) / 4) * (((uint64_t)h + 3) / 4) * f->block;
	return (uint64_t)w * h * f->bits / 8;
}

uint64_t pmt_gl_texture_bytes(const struct pmt_gl_texture *t)
{
	uint64_t sum = 0;
	int l, f;

	for (l = 0; l < PMT_GL_LEVELS; l++)
		for (f = 0; f < PMT_GL_FACES; f++)
			sum += t->bytes[l][f];
	return sum;
}

static bool is_proxy(uint32_t target)
{
	return target == PMT_GL_PROXY_TEXTURE_2D || target == PMT_GL_PROXY_TEXTURE_CUBE_MAP ||
	       target == PMT_GL_PROXY_TEXTURE_RECTANGLE || target == PMT_GL_PROXY_TEXTURE_1D_ARRAY;
}

static int face_of(uint32_t target)
{
	if (target >= PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X &&
	    target < PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X + PMT_GL_FACES)
		return (int)(target - PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X);
	return 0;
}

bool pmt_gl_tex_image(struct pmt_gl_texture *t, uint32_t target, int32_t level, uint32_t ifmt,
		      uint32_t w, uint32_t h, uint64_t image_size)
{
	if (is_proxy(target) || level < 0 || level >= PMT_GL_LEVELS || t->immutable)
		return false;
	/* Level 0 in other dimensions: a new image, the old chain goes. */
	if (level == 0 && (w != t->width || h != t->height)) {
		memset(t->bytes, 0, sizeof(t->bytes));
		t->width = w;
		t->height = h;
	}
	t->bytes[level][face_of(target)] = image_size ? image_size : pmt_gl_image_bytes(ifmt, w, h);
	t->ifmt = ifmt;
	return true;
}

bool pmt_gl_tex_storage(struct pmt_gl_texture *t, uint32_t target, uint32_t levels, uint32_t ifmt,
			uint32_t w, uint32_t h)
{
	int faces = target == PMT_GL_TEXTURE_CUBE_MAP ? PMT_GL_FACES : 1;
	uint32_t l, max = 1, big = w > h ? w : h;
	int f;

	while (big >>= 1)
		max++;
	/* GL refuses more levels than the chain has (GL_INVALID_OPERATION). */
	if (is_proxy(target) || !levels || levels > max || !w || !h || t->immutable)
		return false;
	memset(t->bytes, 0, sizeof(t->bytes));
	for (l = 0; l < levels && l < PMT_GL_LEVELS; l++) {
		uint32_t lw = w >> l ? w >> l : 1, lh = h >> l ? h >> l : 1;

		for (f = 0; f < faces; f++)
			t->bytes[l][f] = pmt_gl_image_bytes(ifmt, lw, lh);
	}
	t->width = w;
	t->height = h;
	t->ifmt = ifmt;
	t->immutable = true;
	return true;
}

/* -------------------------------------------------------------------------
 * GLVND stubs
 */

bool pmt_gl_stub_slot(const uint8_t *c, size_t n, uint32_t *slot)
{
	static const uint8_t head[3] = { 0x48, 0x8b, 0x05 };      /* mov disp32(%rip),%rax */
	static const uint8_t tls[4] = { 0x64, 0x4c, 0x8b, 0x18 }; /* mov %fs:(%rax),%r11 */

	if (n < 18 || memcmp(c, head, 3) || memcmp(c + 7, tls, 4))
		return false;
	if (c[11] == 0x41 && c[12] == 0xff && c[13] == 0xa3) { /* jmp *disp32(%r11) */
		*slot = (uint32_t)c[14] | (uint32_t)c[15] << 8 | (uint32_t)c[16] << 16 |
			(uint32_t)c[17] << 24;
		return true;
	}
	if (c[11] == 0x41 && c[12] == 0xff && c[13] == 0x63) { /* jmp *disp8(%r11) */
		*slot = (uint32_t)(int32_t)(int8_t)c[14];
		return true;
	}
	if (c[11] == 0x41 && c[12] == 0xff && c[13] == 0x23) { /* jmp *(%r11): slot 0 */
		*slot = 0;
		return true;
	}
	return false;
}

long pmt_gl_stub_find(const uint8_t *code, size_t n, uint32_t slot)
{
	long found = -1;
	uint32_t s;
	size_t off;

	for (off = 0; off + 18 <= n; off += 16) {
		if (!pmt_gl_stub_slot(code + off, n - off, &s) || s != slot)
			continue;
		if (found >= 0)
			return -1;
		found = (long)off;
	}
	return found;
}

int pmt_gl_follow(uint64_t addr, uint64_t fsbase, pmt_gl_read_fn rd, void *ctx, uint64_t *out,
		  int *hops)
{
	uint8_t code[18];
	uint64_t tpoff, table, fn;
	uint32_t slot;
	int32_t disp;
	int h, err;

	for (h = 0; h <= PMT_GL_MAX_HOPS; h++) {
		err = rd(ctx, addr, code, sizeof(code));
		if (err)
			return err;
		if (code[0] == 0xcc)
			code[0] = 0x48; /* a uprobe's int3 on the stub's REX.W prefix */
		if (!pmt_gl_stub_slot(code, sizeof(code), &slot)) {
			*out = addr;
			*hops = h;
			return 0;
		}
		if (h == PMT_GL_MAX_HOPS)
			break;
		/* mov disp32(%rip),%rax: the GOT entry holding the TLS offset */
		disp = (int32_t)((uint32_t)code[3] | (uint32_t)code[4] << 8 |
				 (uint32_t)code[5] << 16 | (uint32_t)code[6] << 24);
		err = rd(ctx, addr + 7 + (uint64_t)(int64_t)disp, &tpoff, sizeof(tpoff));
		if (!err)
			err = rd(ctx, fsbase + tpoff, &table, sizeof(table));
		if (!err && table)
			err = rd(ctx, table + (uint64_t)(int64_t)(int32_t)slot, &fn, sizeof(fn));
		if (err)
			return err;
		if (!table || !fn)
			return -ENOENT;
		addr = fn;
	}
	return -ELOOP;
}

/* -------------------------------------------------------------------------
 * Textures by key
 */

static size_t home(const struct pmt_gl_textures *tab, uint64_t key)
{
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (tab->cap - 1);
}

static long find(const struct pmt_gl_textures *tab, uint64_t key)
{
	size_t i;

	if (!tab->cap)
		return -1;
	for (i = home(tab, key);; i = (i + 1) & (tab->cap - 1)) {
		if (tab->keys[i] == key)
			return (long)i;
		if (!tab->keys[i])
			return -1;
	}
}

static int rehash(struct pmt_gl_textures *tab, size_t cap)
{
	struct pmt_gl_textures nt = { 0 };
	size_t i;

	nt.keys = calloc(cap, sizeof(*nt.keys));
	nt.tex = calloc(cap, sizeof(*nt.tex));
	if (!nt.keys || !nt.tex) {
		free(nt.keys);
		free(nt.tex);
		return -1;
	}
	nt.cap = cap;
	for (i = 0; i < tab->cap; i++) {
		size_t j;

		if (!tab->keys[i])
			continue;
		for (j = home(&nt, tab->keys[i]); nt.keys[j]; j = (j + 1) & (cap - 1))
			;
		nt.keys[j] = tab->keys[i];
		nt.tex[j] = tab->tex[i];
	}
	nt.count = tab->count;
	free(tab->keys);
	free(tab->tex);
	*tab = nt;
	return 0;
}

struct pmt_gl_texture *pmt_gl_textures_get(struct pmt_gl_textures *tab, uint64_t key, bool create)
{
	long i = key ? find(tab, key) : -1;
	size_t j;

	if (i >= 0)
		return &tab->tex[i];
	if (!create || !key)
		return NULL;
	if ((tab->count + 1) * 2 > tab->cap && rehash(tab, tab->cap ? tab->cap * 2 : 64))
		return NULL;
	for (j = home(tab, key); tab->keys[j]; j = (j + 1) & (tab->cap - 1))
		;
	tab->keys[j] = key;
	memset(&tab->tex[j], 0, sizeof(tab->tex[j]));
	tab->count++;
	return &tab->tex[j];
}

/* Backward-shift deletion: no tombstones. */
void pmt_gl_textures_del(struct pmt_gl_textures *tab, uint64_t key)
{
	long f = key ? find(tab, key) : -1;
	size_t i, j, mask = tab->cap - 1;

	if (f < 0)
		return;
	i = (size_t)f;
	for (j = (i + 1) & mask; tab->keys[j]; j = (j + 1) & mask) {
		size_t h = home(tab, tab->keys[j]);

		/* Move j into the hole at i when its home is not in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			tab->keys[i] = tab->keys[j];
			tab->tex[i] = tab->tex[j];
			i = j;
		}
	}
	tab->keys[i] = 0;
	tab->count--;
}

void pmt_gl_textures_free(struct pmt_gl_textures *tab)
{
	free(tab->keys);
	free(tab->tex);
	memset(tab, 0, sizeof(*tab));
}
