// SPDX-License-Identifier: BSD-2-Clause
/*
 * markers.c - the frame-marker candidate table and probe-site resolution.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "os/elf_file.h"
#include "probes/markers.h"

/*
 * Presenting calls, outermost first: a game calls one of the SDL ones and
 * SDL may call the GL ones underneath, so the first of these that is called
 * is the game's own frame boundary.
 */
const struct pmt_marker_cand pmt_marker_table[] = {
	{ "libSDL2-2", "SDL_RenderPresent" },
	{ "libSDL2-2", "SDL_UpdateWindowSurface" },
	{ "libSDL2-2", "SDL_UpdateWindowSurfaceRects" },
	{ "libSDL2-2", "SDL_GL_SwapWindow" },
	{ "libGLX.so", "glXSwapBuffers" },
	{ "libGL.so", "glXSwapBuffers" },
	{ "libEGL.so", "eglSwapBuffers" },
};
const int pmt_marker_table_len = sizeof(pmt_marker_table) / sizeof(pmt_marker_table[0]);

static uint64_t load_base(struct pmt_elf *e, const struct pmt_maps *maps, const char *map_path)
{
	return pmt_elf_is_dyn(e) == 1 ? pmt_maps_file_addr(maps, map_path, 0) : 0;
}

/*
 * Place the probe for the function at target address @addr of mapping @m
 * on the first emulated instruction of its straight-line entry, or on the
 * entry itself when that cannot be found.
 */
static int place_on(pid_t pid, const struct pmt_mapping *m, uint64_t addr, struct pmt_site *s)
{
	bool walk = !s->entry_only;
	uint8_t code[64];
	struct pmt_insn in;
	size_t n = sizeof(code);
	long off;

	if (addr + n > m->end)
		n = m->end - addr;
	if (pmt_mem_read(pid, addr, code, n))
		return -EFAULT;
	off = walk ? pmt_insn_find_cheap(code, n, &in) : -1;
	if (off >= 0) {
		s->skipped = (unsigned)off;
		addr += (uint64_t)off;
	} else {
		pmt_insn_decode(code, n, &in);
		s->skipped = 0;
	}
	snprintf(s->map_path, sizeof(s->map_path), "%s", m->path);
	snprintf(s->file, sizeof(s->file), "/proc/%d/root%s", (int)pid, m->path);
	s->offset = addr - m->start + m->offset;
	s->insn = in.kind;
	return 0;
}

/* Follow the trampoline slot if it is initialised. 1 followed, 0 not yet. */
static int follow_slot(pid_t pid, const struct pmt_maps *maps, struct pmt_site *s)
{
	const struct pmt_mapping *m;
	uint64_t val;

	if (pmt_mem_read(pid, s->slot_addr, &val, sizeof(val)))
		return 0;
	if (val == s->slot_default)
		return 0;
	m = pmt_maps_find_addr(maps, val);
	if (!m || !m->path || m->perms[2] != 'x')
		return 0;
	if (place_on(pid, m, val, s))
		return 0;
	s->followed = true;
	s->slot_pending = false;
	return 1;
}

int pmt_site_resolve(pid_t pid, const struct pmt_maps *maps, const char *map_path,
		     const char *symbol, bool entry_only, struct pmt_site *s)
{
	char file[PATH_MAX + 32];
	const struct pmt_mapping *m;
	struct pmt_elf *e;
	uint64_t vaddr, base, addr, addend;
	uint8_t code[16];
	struct pmt_insn in;
	int err;

	memset(s, 0, sizeof(*s));
	s->entry_only = entry_only;
	snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
	snprintf(file, sizeof(file), "/proc/%d/root%s", (int)pid, map_path);
	e = pmt_elf_open(file);
	if (!e)
		return -errno;
	err = pmt_elf_symbol(e, symbol, &vaddr, NULL);
	if (err)
		goto out;
	base = load_base(e, maps, map_path);
	addr = base + vaddr;
	m = pmt_maps_find_addr(maps, addr);
	if (!m) {
		err = -ENOENT;
		goto out;
	}
	err = pmt_elf_read(e, vaddr, code, sizeof(code));
	if (err)
		goto out;
	pmt_insn_decode(code, sizeof(code), &in);
	if (in.kind == PMT_INSN_JMP_INDIRECT_RIP) {
		uint64_t slot_vaddr = vaddr + in.len + (uint64_t)in.rip_disp;

		s->slot_addr = base + slot_vaddr;
		s->slot_default = pmt_elf_relative_addend(e, slot_vaddr, &addend) ? 0 : base + addend;
		if (follow_slot(pid, maps, s))
			goto out;
		s->slot_pending = true;
	}
	err = place_on(pid, m, addr, s);
out:
	pmt_elf_close(e);
	return err;
}

int pmt_site_refresh(pid_t pid, const struct pmt_maps *maps, struct pmt_site *s)
{
	if (!s->slot_pending)
		return 0;
	return follow_slot(pid, maps, s);
}
