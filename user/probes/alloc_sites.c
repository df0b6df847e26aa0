// SPDX-License-Identifier: BSD-2-Clause
/*
 * alloc_sites.c - trace mode's allocator probes for one target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/alloc_sites.h"
#include "os/elf_file.h"
#include "pmtrace/pyheap.h"
#include "pmtrace/x86_sites.h"

#define PT_RSI 13
#define PT_RDX 12
#define WRAPPER_BYTES 256
#define BODY_BYTES 4096 /* of a function checked for jumps back to its probe */

enum { T_RAW, T_MEM, T_OBJ };

static const char *const wrappers[3] = { "PyMem_RawMalloc", "PyMem_Malloc", "PyObject_Malloc" };
static const uint8_t field_kind[4] = { PMT_AK_MALLOC, PMT_AK_CALLOC, PMT_AK_REALLOC, PMT_AK_FREE };

/* The table behind wrapper @name: its address in the target, or 0. */
static uint64_t find_table(pid_t pid, struct pmt_elf *e, uint64_t bias, const char *name)
{
	uint8_t code[WRAPPER_BYTES];
	struct pmt_slot_ref ref;
	uint64_t vaddr, size, slot, ptr;

	if (pmt_elf_symbol(e, name, &vaddr, &size) || pmt_elf_read(e, vaddr, code, sizeof(code)) ||
	    pmt_x86_wrapper_slot(code, sizeof(code), vaddr, &ref))
		return 0;
	slot = ref.addr + bias;
	if (ref.deref) {
		if (pmt_mem_read(pid, slot, &ptr, sizeof(ptr)) || !ptr)
			return 0;
		slot = ptr + (uint64_t)ref.off;
	}
	return slot - 8; /* ctx, then malloc: the slot is the malloc field */
}

static int add_file(struct pmt_alloc_plan *p, pid_t pid, const char *map_path)
{
	int i;

	for (i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[i] + strlen(p->files[i]) - strlen(map_path), map_path))
			return i;
	if (p->nfiles == PMT_ALLOC_FILES)
		return -1;
	snprintf(p->files[p->nfiles], sizeof(p->files[0]), "/proc/%d/root%s", (int)pid, map_path);
	return p->nfiles++;
}

static int add_probe(struct pmt_alloc_plan *p, const struct pmt_alloc_site *s, int file,
		     uint64_t off, bool ret)
{
	if (p->n >= PMT_ALLOC_SITES)
		return -ENOSPC;
	p->site[p->n] = *s;
	p->file[p->n] = (uint8_t)file;
	p->off[p->n] = off;
	p->ret[p->n] = ret;
	p->n++;
	return 0;
}

int pmt_entry_probe(pid_t pid, const struct pmt_maps *maps, uint64_t fn, bool ret,
		    uint64_t *probe, bool *emulated, enum pmt_insn_kind *insn,
		    const struct pmt_mapping **map)
{
	const struct pmt_mapping *m = pmt_maps_find_addr(maps, fn);
	struct pmt_insn in;
	uint8_t code[64];

	if (!m || !m->path || m->perms[2] != 'x' || pmt_mem_read(pid, fn, code, sizeof(code)) ||
	    pmt_x86_entry_probe(code, sizeof(code), fn, probe, emulated))
		return -ENOENT;
	if (ret && *probe != fn) {
		size_t len = m->end - fn < BODY_BYTES ? (size_t)(m->end - fn) : BODY_BYTES;
		uint8_t *body = malloc(len);

		if (!body || pmt_mem_read(pid, fn, body, len) ||
		    pmt_x86_jumps_to(body, len, fn, *probe))
			*probe = fn;
		free(body);
	}
	pmt_insn_decode(code + (*probe - fn), sizeof(code) - (*probe - fn), &in);
	*emulated = in.emulated;
	*insn = in.kind;
	*map = m;
	return 0;
}

/* A table function at @fn (in the target): entry (and return) probe. */
static int add_function(struct pmt_alloc_plan *p, pid_t pid, const struct pmt_maps *maps,
			uint64_t fn, uint8_t kind, bool raw)
{
	const struct pmt_mapping *m;
	struct pmt_alloc_site s;
	uint64_t probe;
	bool emulated;
	enum pmt_insn_kind insn;
	int f;

	if (pmt_entry_probe(pid, maps, fn, kind != PMT_AK_FREE, &probe, &emulated, &insn, &m))
		return -ENOENT;
	f = add_file(p, pid, m->path);
	if (f < 0)
		return -ENOSPC;
	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.flags = raw ? PMT_ASF_RAW : 0;
	s.check_reg = PMT_REG_NONE;
	s.a_reg = PT_RSI; /* after ctx */
	s.b_reg = kind == PMT_AK_CALLOC || kind == PMT_AK_REALLOC ? PT_RDX : PMT_REG_NONE;
	if (!emulated)
		p->n_expensive++;
	p->n_funcs++;
	return add_probe(p, &s, f, probe - m->start + m->offset, kind != PMT_AK_FREE);
}

/* Every inlined copy of @fn in the non-PIE executable @e. */
static void add_inlined(struct pmt_alloc_plan *p, int file, struct pmt_elf *e, const uint8_t *text,
			uint64_t text_addr, uint64_t text_size, uint64_t fn, uint8_t kind, bool raw)
{
	uint64_t cmps[1024];
	size_t n, i;
	int nargs = kind == PMT_AK_CALLOC || kind == PMT_AK_REALLOC ? 2 : 1;

	if (fn >> 31)
		return; /* not an imm32 */
	n = pmt_x86_find_cmps(text, text_size, text_addr, (uint32_t)fn, cmps, 1024);
	for (i = 0; i < n; i++) {
		struct pmt_inline_site is;
		struct pmt_alloc_site s;
		uint64_t off;
		int rc = pmt_x86_inline_site(text, text_size, text_addr, cmps[i], fn, nargs, &is);

		if (rc == PMT_INLINE_DIRECT_CALL) {
			p->n_direct++;
			continue;
		}
		if (rc != PMT_INLINE_OK && rc != PMT_INLINE_ARGS_UNKNOWN) {
			p->n_bad++;
			continue;
		}
		if (pmt_elf_vaddr_to_offset(e, is.branch, &off))
			continue;
		memset(&s, 0, sizeof(s));
		s.kind = kind;
		s.flags = PMT_ASF_INLINE | (raw ? PMT_ASF_RAW : 0);
		s.check_reg = is.check_reg;
		s.check_addr = is.check_addr;
		s.check_val = fn;
		if (rc == PMT_INLINE_OK) {
			s.a_reg = is.arg[0].reg;
			s.a_off = is.arg[0].off;
			s.b_reg = nargs > 1 ? is.arg[1].reg : PMT_REG_NONE;
			s.b_off = nargs > 1 ? is.arg[1].off : 0;
			s.mask32 = (is.arg[0].mask32 ? 1 : 0) | (nargs > 1 && is.arg[1].mask32 ? 2 : 0);
		} else {
			s.flags |= PMT_ASF_NOSIZE;
			s.a_reg = s.b_reg = PMT_REG_NONE;
			p->n_nosize++;
		}
		if (!add_probe(p, &s, file, off, false))
			p->n_inline++;
	}
}

static int read_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return pmt_mem_read(*(pid_t *)ctx, addr, buf, len);
}

/*
 * usedpools of a non-PIE LTO build, where inlined copies allocate: the
 * address the exported PyObject_Malloc indexes, used only once its live
 * pools confirm it (pmt_pyheap_check_used(), as python_heap does).
 */
static uint64_t find_usedpools(pid_t pid, struct pmt_elf *e, const struct pmt_python *py)
{
	uint8_t code[WRAPPER_BYTES];
	uint64_t vaddr, size, u, arena_size, pool_size;

	if (pmt_pyheap_geometry(py->major, py->minor, &arena_size, &pool_size) ||
	    pmt_elf_symbol(e, "PyObject_Malloc", &vaddr, &size) ||
	    pmt_elf_read(e, vaddr, code, sizeof(code)) ||
	    pmt_x86_usedpools(code, sizeof(code), vaddr, &u) ||
	    pmt_pyheap_check_used(read_target, &pid, u, pool_size, NULL))
		return 0;
	return u;
}

int pmt_alloc_plan_build(pid_t pid, const struct pmt_maps *maps, const struct pmt_python *py,
			 struct pmt_alloc_plan *p, char *why, size_t len)
{
	uint64_t tab[3][5], bias = 0, seen[12], text_addr, text_size;
	struct pmt_elf *e;
	uint8_t *text = NULL;
	int t, f, nseen = 0, i, dyn, exe_file = -1;

	memset(p, 0, sizeof(*p));
	e = pmt_elf_open(py->file);
	if (!e) {
		snprintf(why, len, "cannot read %s", py->map_path);
		return -errno;
	}
	dyn = pmt_elf_is_dyn(e) == 1;
	if (dyn)
		bias = pmt_maps_file_addr(maps, py->map_path, 0);
	for (t = 0; t < 3; t++) {
		p->table[t] = find_table(pid, e, bias, wrappers[t]);
		if (!p->table[t] || pmt_mem_read(pid, p->table[t], tab[t], sizeof(tab[t]))) {
			snprintf(why, len, "the %s allocator table was not found in %s", wrappers[t],
				 py->map_path);
			pmt_elf_close(e);
			return -ENOENT;
		}
	}
	/* The functions the tables point to now, each probed once. */
	for (t = 0; t < 3; t++) {
		for (f = 0; f < 4; f++) {
			uint64_t fn = tab[t][1 + f];
			bool raw = t == T_RAW;

			for (i = 0; i < nseen && seen[i] != fn; i++)
				;
			if (i < nseen || !fn)
				continue;
			/* Shared with another domain (PYTHONMALLOC=malloc): not raw-only. */
			if (raw && (fn == tab[T_MEM][1 + f] || fn == tab[T_OBJ][1 + f]))
				raw = false;
			seen[nseen++] = fn;
			add_function(p, pid, maps, fn, field_kind[f], raw);
		}
	}
	/* LTO copies: compared against the function's address as an imm32. */
	if (!dyn && !pmt_elf_exec_segment(e, &text_addr, &text_size) && text_size < (256u << 20)) {
		text = malloc(text_size);
		if (text && !pmt_elf_read(e, text_addr, text, text_size)) {
			for (i = 0; i < p->nfiles; i++)
				if (strstr(p->files[i], py->map_path))
					exe_file = i;
			if (exe_file < 0)
				exe_file = add_file(p, pid, py->map_path);
			for (i = 0; i < nseen && exe_file >= 0; i++) {
				for (t = 0; t < 3; t++)
					for (f = 0; f < 4; f++)
						if (tab[t][1 + f] == seen[i])
							goto found;
				continue;
found:
				add_inlined(p, exe_file, e, text, text_addr, text_size, seen[i],
					    field_kind[f], t == T_RAW && seen[i] != tab[T_OBJ][1 + f]);
			}
		}
		free(text);
	}
	if (p->n_inline)
		p->usedpools = find_usedpools(pid, e, py);
	pmt_elf_close(e);
	if (!p->n) {
		snprintf(why, len, "no allocator function could be probed in %s", py->map_path);
		return -ENOENT;
	}
	return 0;
}
