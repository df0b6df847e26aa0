// SPDX-License-Identifier: BSD-2-Clause
/*
 * markers.c - the frame-marker candidate tables and probe-site resolution.
 *
 * A candidate's probe goes where every call of it passes once, on an
 * instruction the kernel emulates: past straight-line entry code, and
 * through forwarders (SDL's `jmp *slot` trampolines, libGL's jump into
 * libGLX) to the function they reach, found by reading the code and the
 * pointers it loads from the target's memory (callgraph.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "os/elf_file.h"
#include "pmtrace/callgraph.h"
#include "probes/markers.h"

/*
 * Presenting calls of the libraries. Which of them nest in which is read
 * from their code when they are called (see tracer.c), not from this order.
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

const struct pmt_engine_module pmt_engine_table[] = {
	{ "/pygame/display.", "PyInit_display", "display", "pygame.display.",
	  { "flip", "update", NULL } },
};
const int pmt_engine_table_len = sizeof(pmt_engine_table) / sizeof(pmt_engine_table[0]);

/* A pointer stored at @vaddr of the file: its R_X86_64_RELATIVE addend. */
static int file_ptr(struct pmt_elf *e, uint64_t vaddr, uint64_t *to)
{
	return pmt_elf_relative_addend(e, vaddr, to);
}

static int file_str(struct pmt_elf *e, uint64_t vaddr, char *buf, size_t len)
{
	int err = pmt_elf_read(e, vaddr, buf, len - 1);

	buf[len - 1] = 0;
	return err;
}

/* PyModuleDef: PyModuleDef_Base (40 bytes), m_name, m_doc, m_size, m_methods. */
#define PYMODDEF_NAME 40
#define PYMODDEF_METHODS 64
#define PYMETHODDEF_SIZE 32 /* ml_name, ml_meth, ml_flags, ml_doc */

int pmt_engine_presenters(const char *file, const struct pmt_engine_module *em,
			  struct pmt_engine_fn *out, int max)
{
	struct pmt_elf *e = pmt_elf_open(file);
	uint64_t init, def = 0, methods = 0, p;
	uint8_t code[1024];
	char name[64];
	int i, k, n = 0, err;

	if (!e)
		return -errno;
	err = pmt_elf_symbol(e, em->init, &init, NULL);
	if (!err)
		err = pmt_elf_read(e, init, code, sizeof(code));
	if (err)
		goto cleanup;
	/* The init function passes &module_def: a lea disp32(%rip) to it. */
	for (i = 0; i + 7 <= (int)sizeof(code) && !methods; i++) {
		int32_t disp;

		if ((code[i] & 0xfb) != 0x48 || code[i + 1] != 0x8d || (code[i + 2] & 0xc7) != 0x05)
			continue;
		memcpy(&disp, code + i + 3, 4);
		def = init + (uint64_t)i + 7 + (uint64_t)(int64_t)disp;
		if (file_ptr(e, def + PYMODDEF_NAME, &p) || file_str(e, p, name, sizeof(name)) ||
		    strcmp(name, em->module) || file_ptr(e, def + PYMODDEF_METHODS, &methods))
			methods = 0;
	}
	if (!methods) {
		err = -ENOENT;
		goto cleanup;
	}
	for (i = 0; i < 256 && n < max; i++) {
		uint64_t at = methods + (uint64_t)i * PYMETHODDEF_SIZE, fn;

		if (file_ptr(e, at, &p))
			break; /* the terminating entry: no name */
		if (file_str(e, p, name, sizeof(name)) || file_ptr(e, at + 8, &fn))
			continue;
		for (k = 0; em->methods[k]; k++) {
			if (strcmp(name, em->methods[k]))
				continue;
			snprintf(out[n].name, sizeof(out[n].name), "%s%s", em->prefix, name);
			out[n++].vaddr = fn;
		}
	}
	err = 0;
cleanup:
	pmt_elf_close(e);
	return err ? err : n;
}

struct mem_io {
	pid_t pid;
};

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	return pmt_mem_read(((struct mem_io *)ctx)->pid, addr, buf, n);
}

/*
 * Where the function at @addr forwards to, up to three forwarders deep
 * (a trampoline to a wrapper to the function), or @addr itself.
 */
static uint64_t forward_target(pid_t pid, const struct pmt_maps *maps, uint64_t addr)
{
	struct mem_io mio = { pid };
	struct pmt_cg_io io = { mem_read, NULL, &mio };
	const struct pmt_mapping *m;
	uint64_t to;
	int k;

	for (k = 0; k < 3; k++) {
		if (pmt_cg_forward(&io, addr, &to) || to == addr)
			break;
		m = pmt_maps_find_addr(maps, to);
		if (!m || !m->path || m->perms[2] != 'x')
			break;
		addr = to;
	}
	return addr;
}

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
	s->entry_addr = addr;
	off = walk ? pmt_insn_find_cheap(code, n, &in) : -1;
	if (off >= 0) {
		s->skipped = (unsigned)off;
		addr += (uint64_t)off;
	} else {
		pmt_insn_decode(code, n, &in);
		s->skipped = 0;
	}
	snprintf(s->map_path, sizeof(s->map_path), "%s", m->path);
	snprintf(s->probe_path, sizeof(s->probe_path), "%s", m->path);
	snprintf(s->file, sizeof(s->file), "/proc/%d/root%s", (int)pid, m->path);
	s->probe_addr = addr;
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
	} else if (!entry_only) {
		uint64_t to = forward_target(pid, maps, addr);

		if (to != addr) {
			const struct pmt_mapping *tm = pmt_maps_find_addr(maps, to);

			err = place_on(pid, tm, to, s);
			if (!err) {
				s->followed = true;
				goto out;
			}
		}
	}
	err = place_on(pid, m, addr, s);
out:
	pmt_elf_close(e);
	return err;
}

int pmt_site_at(pid_t pid, const struct pmt_maps *maps, const char *map_path, uint64_t vaddr,
		const char *name, struct pmt_site *s)
{
	char file[PATH_MAX + 32];
	const struct pmt_mapping *m;
	struct pmt_elf *e;
	uint64_t base;
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->symbol, sizeof(s->symbol), "%s", name);
	snprintf(file, sizeof(file), "/proc/%d/root%s", (int)pid, map_path);
	e = pmt_elf_open(file);
	if (!e)
		return -errno;
	base = load_base(e, maps, map_path);
	pmt_elf_close(e);
	m = pmt_maps_find_addr(maps, base + vaddr);
	if (!m || !m->path || m->perms[2] != 'x')
		return -ENOENT;
	err = place_on(pid, m, base + vaddr, s);
	return err;
}

int pmt_site_refresh(pid_t pid, const struct pmt_maps *maps, struct pmt_site *s)
{
	if (!s->slot_pending)
		return 0;
	return follow_slot(pid, maps, s);
}
