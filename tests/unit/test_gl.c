// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_gl.c - unit tests of the GL size rules: bytes per format (plain,
 * float, depth, compressed blocks), mip chains built level by level,
 * cube faces, level-0 re-uploads in new dimensions, glTexStorage2D chains
 * and immutability, proxies; the GLVND stub decoder on the bytes of
 * Debian 12's libGL.so.1; and the texture table through growth and
 * deletions. Expected bytes are worked out by hand in the comments.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/gl.h"
#include "suites.h"

#define GL_RGBA 0x1908u
#define GL_RGB 0x1907u
#define GL_RGBA8 0x8058u
#define GL_RGB8 0x8051u
#define GL_LUMINANCE 0x1909u
#define GL_RED 0x1903u
#define GL_RG8 0x822Bu
#define GL_RGBA32F 0x8814u
#define GL_RGBA16F 0x881Au
#define GL_DEPTH24_STENCIL8 0x88F0u
#define GL_DEPTH_COMPONENT16 0x81A5u
#define GL_DXT1 0x83F0u
#define GL_DXT5 0x83F3u

static void test_format_bytes(void)
{
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGBA8, 64, 32), 64 * 32 * 4);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGBA, 64, 32), 8192);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGB8, 10, 10), 300);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGB, 10, 10), 300);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_LUMINANCE, 7, 3), 21);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RED, 7, 3), 21);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RG8, 7, 3), 42);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGBA32F, 16, 16), 16 * 16 * 16);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGBA16F, 16, 16), 16 * 16 * 8);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_DEPTH24_STENCIL8, 640, 480), 640 * 480 * 4);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_DEPTH_COMPONENT16, 640, 480), 640 * 480 * 2);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(4, 2, 2), 16); /* legacy "4 components" */
	/* 4x4 blocks: 256x256 DXT1 = 64 x 64 blocks x 8 bytes; partial blocks round up */
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_DXT1, 256, 256), 32768);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_DXT5, 5, 1), 2 * 1 * 16);
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_DXT1, 1, 1), 8);
	CU_ASSERT_EQUAL(pmt_gl_format_bits(GL_DXT1), 4);
	CU_ASSERT_EQUAL(pmt_gl_format_bits(GL_DXT5), 8);
	CU_ASSERT_EQUAL(pmt_gl_format_bits(GL_RGBA32F), 128);
	/* unknown format: unknown size */
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(0x1234, 64, 64), 0);
	CU_ASSERT_EQUAL(pmt_gl_format_bits(0x1234), 0);
	/* no overflow at the largest sizes */
	CU_ASSERT_EQUAL(pmt_gl_image_bytes(GL_RGBA32F, 65536, 65536), UINT64_C(68719476736));
}

static void test_mip_chain(void)
{
	struct pmt_gl_texture t;

	memset(&t, 0, sizeof(t));
	/* 64x64 RGBA8 with levels 1..6 uploaded one by one:
	 * 16384 + 4096 + 1024 + 256 + 64 + 16 + 4 = 21844 */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 0, GL_RGBA8, 64, 64, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 16384);
	for (int l = 1; l <= 6; l++)
		CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, l, GL_RGBA8, 64 >> l,
						64 >> l, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 21844);
	CU_ASSERT_EQUAL(t.width, 64);
	CU_ASSERT_EQUAL(t.height, 64);
	/* the same level again in the same size replaces it: no change */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 2, GL_RGBA8, 16, 16, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 21844);
	/* level 0 re-uploaded in the same size: chain kept */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 0, GL_RGBA8, 64, 64, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 21844);
	/* level 0 in a new size: a new image, the old chain goes (32x16x3 = 1536) */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 0, GL_RGB8, 32, 16, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 1536);
	CU_ASSERT_EQUAL(t.width, 32);
	CU_ASSERT_EQUAL(t.height, 16);
	/* levels out of range, proxies: nothing */
	CU_ASSERT_FALSE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, -1, GL_RGBA8, 4, 4, 0));
	CU_ASSERT_FALSE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, PMT_GL_LEVELS, GL_RGBA8, 4, 4, 0));
	CU_ASSERT_FALSE(pmt_gl_tex_image(&t, PMT_GL_PROXY_TEXTURE_2D, 0, GL_RGBA8, 4096, 4096, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 1536);
	/* a compressed level 1 with its imageSize */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 1, GL_DXT1, 16, 8, 64));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 1600);
}

static void test_cube_faces(void)
{
	struct pmt_gl_texture t;
	int f;

	memset(&t, 0, sizeof(t));
	for (f = 0; f < 6; f++)
		CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X + f, 0, GL_RGBA8,
						32, 32, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 6 * 4096);
	/* a face re-uploaded in the same size replaces only itself */
	CU_ASSERT_TRUE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X + 3, 0, GL_RGBA8, 32,
					32, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 6 * 4096);
}

static void test_storage(void)
{
	struct pmt_gl_texture t;

	memset(&t, 0, sizeof(t));
	/* 256x128 RGBA8, 9 levels: 256x128 128x64 64x32 32x16 16x8 8x4 4x2 2x1 1x1
	 * = (32768 + 8192 + 2048 + 512 + 128 + 32 + 8 + 2 + 1) x 4 = 174764 */
	CU_ASSERT_TRUE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 9, GL_RGBA8, 256, 128));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 174764);
	CU_ASSERT_TRUE(t.immutable);
	/* immutable: no re-specification */
	CU_ASSERT_FALSE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 1, GL_RGBA8, 4, 4));
	CU_ASSERT_FALSE(pmt_gl_tex_image(&t, PMT_GL_TEXTURE_2D, 0, GL_RGBA8, 4, 4, 0));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 174764);

	/* a cube map: six faces a level; 16x16 RGBA16F 2 levels = (2048 + 512) x 6 */
	memset(&t, 0, sizeof(t));
	CU_ASSERT_TRUE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_CUBE_MAP, 2, GL_RGBA16F, 16, 16));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 15360);

	/* compressed storage: 64x64 DXT5, 3 levels: 4096 + 1024 + 256 */
	memset(&t, 0, sizeof(t));
	CU_ASSERT_TRUE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 3, GL_DXT5, 64, 64));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 5376);

	/* GL refuses 0 levels and more levels than the chain has (2x2: 2) */
	memset(&t, 0, sizeof(t));
	CU_ASSERT_FALSE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 0, GL_RGBA8, 4, 4));
	CU_ASSERT_FALSE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 3, GL_RGBA8, 2, 2));
	CU_ASSERT_FALSE(t.immutable);
	CU_ASSERT_TRUE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 2, GL_RGBA8, 2, 2));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 16 + 4);
	/* 1x1024: 11 levels, 1 pixel wide throughout: 4 x (1024 + 512 + ... + 1) */
	memset(&t, 0, sizeof(t));
	CU_ASSERT_TRUE(pmt_gl_tex_storage(&t, PMT_GL_TEXTURE_2D, 11, GL_RGBA8, 1, 1024));
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(&t), 4 * 2047);
}

static void test_stub_decoder(void)
{
	/* glTexImage2D in Debian 12's libGL.so.1.7.0 (0x5a540) and the next stub */
	static const uint8_t stubs[64] = {
		0x48, 0x8b, 0x05, 0x69, 0xaa, 0x02, 0x00, 0x64, 0x4c, 0x8b, 0x18, 0x41, 0xff, 0xa3,
		0xc0, 0x51, 0x00, 0x00, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x0f, 0x1f, 0x00,
		0x48, 0x8b, 0x05, 0x49, 0xaa, 0x02, 0x00, 0x64, 0x4c, 0x8b, 0x18, 0x41, 0xff, 0xa3,
		0xc8, 0x51, 0x00, 0x00, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x0f, 0x1f, 0x00,
	};
	static const uint8_t endbr_push[8] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5 };
	uint32_t slot = 0;

	CU_ASSERT_TRUE(pmt_gl_stub_slot(stubs, sizeof(stubs), &slot));
	CU_ASSERT_EQUAL(slot, 0x51c0);
	CU_ASSERT_TRUE(pmt_gl_stub_slot(stubs + 32, 32, &slot));
	CU_ASSERT_EQUAL(slot, 0x51c8);
	CU_ASSERT_FALSE(pmt_gl_stub_slot(stubs, 17, &slot));
	CU_ASSERT_FALSE(pmt_gl_stub_slot(endbr_push, sizeof(endbr_push), &slot));
	CU_ASSERT_EQUAL(pmt_gl_stub_find(stubs, sizeof(stubs), 0x51c8), 32);
	CU_ASSERT_EQUAL(pmt_gl_stub_find(stubs, sizeof(stubs), 0x51c0), 0);
	CU_ASSERT_EQUAL(pmt_gl_stub_find(stubs, sizeof(stubs), 0x51d0), -1);
	/* two stubs through one slot: ambiguous, refused */
	{
		uint8_t two[64];

		memcpy(two, stubs, 32);
		memcpy(two + 32, stubs, 32);
		CU_ASSERT_EQUAL(pmt_gl_stub_find(two, sizeof(two), 0x51c0), -1);
	}
}

/* A fake address space: [base, base + sizeof(mem)). */
struct fake_mem {
	uint64_t base;
	uint8_t mem[0x400];
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	struct fake_mem *m = ctx;

	if (addr < m->base || addr + n > m->base + sizeof(m->mem))
		return -EFAULT;
	memcpy(buf, m->mem + (addr - m->base), n);
	return 0;
}

static void put64(struct fake_mem *m, uint64_t addr, uint64_t v)
{
	memcpy(m->mem + (addr - m->base), &v, 8);
}

/* The stub at @at: mov got(%rip),%rax; mov %fs:(%rax),%r11; jmp *slot(%r11). */
static void put_stub(struct fake_mem *m, uint64_t at, uint64_t got, uint32_t slot)
{
	uint8_t *c = m->mem + (at - m->base);
	int32_t disp = (int32_t)(got - (at + 7));
	static const uint8_t tls[7] = { 0x64, 0x4c, 0x8b, 0x18, 0x41, 0xff, 0xa3 };

	c[0] = 0x48, c[1] = 0x8b, c[2] = 0x05;
	memcpy(c + 3, &disp, 4);
	memcpy(c + 7, tls, sizeof(tls));
	memcpy(c + 14, &slot, 4);
}

static void test_follow(void)
{
	static struct fake_mem m = { .base = 0x10000 };
	const uint64_t fs = 0x10300; /* TLS below it: offsets -0x28 and -0x38 */
	uint64_t out = 0;
	int hops = -1;

	memset(m.mem, 0xcc, sizeof(m.mem));
	/* GLVND's stub (slot 0x2c8) -> Mesa's libglapi stub (slot 0x998) -> 0x10200 */
	put_stub(&m, 0x10000, 0x10100, 0x2c8);
	put64(&m, 0x10100, (uint64_t)-0x28);
	put64(&m, fs - 0x28, 0x10140 - 0x2c8);   /* GLVND's table */
	put64(&m, 0x10140, 0x10040);
	put_stub(&m, 0x10040, 0x10108, 0x998);
	put64(&m, 0x10108, (uint64_t)-0x38);
	put64(&m, fs - 0x38, 0x10150 - 0x998);   /* Mesa's table */
	put64(&m, 0x10150, 0x10200);
	m.mem[0x200] = 0x55;                     /* push %rbp */
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10000, fs, fake_read, &m, &out, &hops), 0);
	CU_ASSERT_EQUAL(out, 0x10200);
	CU_ASSERT_EQUAL(hops, 2);
	/* the same with a uprobe on GLVND's stub: its first byte reads as int3 */
	m.mem[0] = 0xcc;
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10000, fs, fake_read, &m, &out, &hops), 0);
	CU_ASSERT_EQUAL(out, 0x10200);
	m.mem[0] = 0x48;
	/* a function is its own end */
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10200, fs, fake_read, &m, &out, &hops), 0);
	CU_ASSERT_EQUAL(out, 0x10200);
	CU_ASSERT_EQUAL(hops, 0);
	/* no context current on that thread: a NULL table */
	put64(&m, fs - 0x38, 0);
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10000, fs, fake_read, &m, &out, &hops), -ENOENT);
	/* unreadable memory */
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10000, 0x90000, fake_read, &m, &out, &hops), -EFAULT);
	/* a stub leading to itself */
	put64(&m, fs - 0x38, 0x10150 - 0x998);
	put64(&m, 0x10150, 0x10040);
	CU_ASSERT_EQUAL(pmt_gl_follow(0x10000, fs, fake_read, &m, &out, &hops), -ELOOP);
}

static void test_table(void)
{
	struct pmt_gl_textures tab;
	struct pmt_gl_texture *t;
	uint32_t n;

	memset(&tab, 0, sizeof(tab));
	CU_ASSERT_PTR_NULL(pmt_gl_textures_get(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, 1), false));
	for (n = 0; n < 1000; n++) {
		t = pmt_gl_textures_get(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, n), true);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		t->width = n;
	}
	CU_ASSERT_EQUAL(tab.count, 1000);
	/* delete the odd ones; the even ones keep their state */
	for (n = 1; n < 1000; n += 2)
		pmt_gl_textures_del(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, n));
	pmt_gl_textures_del(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, 1)); /* twice: no-op */
	CU_ASSERT_EQUAL(tab.count, 500);
	for (n = 0; n < 1000; n++) {
		t = pmt_gl_textures_get(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, n), false);
		if (n & 1) {
			CU_ASSERT_PTR_NULL(t);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(t);
			CU_ASSERT_EQUAL(t->width, n);
		}
	}
	/* a new texture under a freed name starts from zero */
	t = pmt_gl_textures_get(&tab, pmt_gl_key(PMT_GL_KIND_TEXTURE, 3), true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->width, 0);
	CU_ASSERT_EQUAL(pmt_gl_texture_bytes(t), 0);
	/* keys never collide with user-space addresses, nor kinds with each other */
	CU_ASSERT_TRUE(pmt_gl_key(PMT_GL_KIND_TEXTURE, 0) > (UINT64_C(1) << 47));
	CU_ASSERT_NOT_EQUAL(pmt_gl_key(PMT_GL_KIND_TEXTURE, 5), pmt_gl_key(PMT_GL_KIND_BUFFER, 5));
	pmt_gl_textures_free(&tab);
	pmt_gl_textures_free(&tab); /* twice is fine */
}

static const struct pmt_test tests[] = {
	{ "bytes per format, blocks, unknown", test_format_bytes },
	{ "mip chain level by level, re-uploads, proxies", test_mip_chain },
	{ "cube faces", test_cube_faces },
	{ "glTexStorage2D chains and immutability", test_storage },
	{ "GLVND stub decoder", test_stub_decoder },
	{ "following stubs through TLS dispatch tables", test_follow },
	{ "texture table", test_table },
};

/* pmt_test_register_gl - add the GL size suite. */
void pmt_test_register_gl(void)
{
	pmt_test_add_suite("gl", tests, PMT_ARRAY_SIZE(tests));
}
