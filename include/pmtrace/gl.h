/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gl.h - OpenGL textures and buffers as assets: what an upload call holds.
 *
 * The BPF side records the calls as they are (glTexImage2D's target, level,
 * internal format, width and height, the texture name bound to that target
 * on that thread); this module turns them into bytes. A texture's bytes are
 * the sum of its levels (the mip chain) and cube faces, each w x h x bytes
 * per pixel of its internal format (or the imageSize of a compressed
 * upload); glTexStorage2D allocates the whole chain at once. Uploading
 * level 0 with other dimensions starts the texture anew. A buffer's bytes
 * are the size of its last glBufferData.
 *
 * Pure C: no I/O, no globals. The name table belongs to the caller.
 */
#ifndef PMTRACE_GL_H
#define PMTRACE_GL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMT_GL_LEVELS 16 /* mip levels tracked: 32768 x 32768 and below */
#define PMT_GL_FACES 6   /* cube map faces */

/* The GL enums pmtrace interprets. */
#define PMT_GL_TEXTURE_2D 0x0DE1u
#define PMT_GL_PROXY_TEXTURE_2D 0x8064u
#define PMT_GL_TEXTURE_RECTANGLE 0x84F5u
#define PMT_GL_PROXY_TEXTURE_RECTANGLE 0x84F7u
#define PMT_GL_TEXTURE_CUBE_MAP 0x8513u
#define PMT_GL_TEXTURE_CUBE_MAP_POSITIVE_X 0x8515u /* .. NEGATIVE_Z 0x851A */
#define PMT_GL_PROXY_TEXTURE_CUBE_MAP 0x851Bu
#define PMT_GL_PROXY_TEXTURE_1D_ARRAY 0x8C19u
#define PMT_GL_TEXTURE0 0x84C0u

/*
 * Bytes of one w x h image of internal format @ifmt: w x h x bytes per
 * pixel, or whole 4x4 blocks for the compressed formats it knows. 0 for a
 * format it does not know (the asset's size is then unknown).
 */
uint64_t pmt_gl_image_bytes(uint32_t ifmt, uint32_t w, uint32_t h);

/* Bits per pixel of @ifmt (compressed: of its blocks, spread), 0 unknown. */
uint32_t pmt_gl_format_bits(uint32_t ifmt);

/* One texture's storage, as the calls seen so far made it. Zero it for a new one. */
struct pmt_gl_texture {
	uint64_t bytes[PMT_GL_LEVELS][PMT_GL_FACES];
	uint32_t width, height; /* of level 0 */
	uint32_t ifmt;          /* of the last upload */
	bool immutable;         /* made by glTexStorage2D: further storage calls fail */
};

/* Total bytes of @t: every level of every face. */
uint64_t pmt_gl_texture_bytes(const struct pmt_gl_texture *t);

/*
 * glTexImage2D(target, level, ifmt, w, h, ...), or glCompressedTexImage2D
 * with @image_size (0: compute it from the format). Proxy targets, levels
 * outside 0..PMT_GL_LEVELS-1 and calls on immutable textures change nothing
 * (GL rejects or ignores them) and return false; true when @t changed.
 */
bool pmt_gl_tex_image(struct pmt_gl_texture *t, uint32_t target, int32_t level, uint32_t ifmt,
		      uint32_t w, uint32_t h, uint64_t image_size);

/*
 * glTexStorage2D(target, levels, ifmt, w, h): every level allocated, with
 * 6 faces for a cube map. Returns false (nothing changed) where GL
 * refuses the call: an immutable texture, 0 levels or more than the chain
 * of w x h has, a zero dimension; or a proxy target.
 */
bool pmt_gl_tex_storage(struct pmt_gl_texture *t, uint32_t target, uint32_t levels, uint32_t ifmt,
			uint32_t w, uint32_t h);

/*
 * The stubs GLVND's libraries (libGL.so.1, libOpenGL.so.0, libGLESv2.so.2,
 * and libGLdispatch.so.0's for glXGetProcAddress) run for every GL call on
 * x86-64 jump through the current thread's dispatch table:
 *   mov disp32(%rip),%rax ; mov %fs:(%rax),%r11 ; jmp *slot(%r11)
 * If @code starts with such a stub, store the table offset it jumps
 * through in *@slot and return true.
 */
bool pmt_gl_stub_slot(const uint8_t *code, size_t n, uint32_t *slot);

/*
 * Offset in @code of the stub jumping through table offset @slot, looked
 * for at every 16-byte boundary; -1 when none or more than one.
 */
long pmt_gl_stub_find(const uint8_t *code, size_t n, uint32_t slot);

/* Reads @n bytes of the game's memory at @addr into @buf: 0 or a negative errno. */
typedef int (*pmt_gl_read_fn)(void *ctx, uint64_t addr, void *buf, size_t n);

#define PMT_GL_MAX_HOPS 4 /* stubs followed at most: GLVND's, then Mesa's libglapi's */

/*
 * Where a call to @addr goes on the thread whose TLS block starts at
 * @fsbase (its %fs base): through every dispatch stub on the way (GLVND's,
 * then a vendor's own such as Mesa's libglapi), each of which loads its TLS
 * offset from the GOT, reads that thread's table pointer and jumps through
 * the slot (a stub carrying a uprobe, whose first byte reads as int3, is
 * still one). Stores the first address that is not such a stub in *@out and
 * the stubs passed in *@hops. Returns 0; -ENOENT when a table is NULL or a
 * slot empty (no context current); -ELOOP past PMT_GL_MAX_HOPS stubs; or
 * the reader's error.
 */
int pmt_gl_follow(uint64_t addr, uint64_t fsbase, pmt_gl_read_fn rd, void *ctx, uint64_t *out,
		  int *hops);

/*
 * GL names map to asset keys of their own, which never collide with object
 * addresses (user space is below 2^47): bit 63, the kind, the name.
 */
enum pmt_gl_kind { PMT_GL_KIND_TEXTURE = 1, PMT_GL_KIND_BUFFER = 2 };

static inline uint64_t pmt_gl_key(enum pmt_gl_kind kind, uint32_t name)
{
	return (UINT64_C(1) << 63) | (uint64_t)kind << 32 | name;
}

/*
 * Textures by key: an open-addressing table of struct pmt_gl_texture.
 * Zero-initialise; pmt_gl_textures_free() releases it.
 */
struct pmt_gl_textures {
	uint64_t *keys; /* 0: empty */
	struct pmt_gl_texture *tex;
	size_t cap, count;
};

/* The texture under @key, created zeroed when @create; NULL if absent or out of memory. */
struct pmt_gl_texture *pmt_gl_textures_get(struct pmt_gl_textures *tab, uint64_t key, bool create);

/* Forget @key (deleted). */
void pmt_gl_textures_del(struct pmt_gl_textures *tab, uint64_t key);

void pmt_gl_textures_free(struct pmt_gl_textures *tab);

#endif /* PMTRACE_GL_H */
