// SPDX-License-Identifier: BSD-2-Clause
/*
 * pool_sites.c - the pool analyzer's probes for one target (see pool_sites.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/elf_file.h"
#include "pmtrace/x86_sites.h"
#include "probes/alloc_sites.h"
#include "probes/pool_sites.h"


const char *const pmt_pool_builtin_names[PMT_POOL_BUILTINS] = { "list", "tuple", "dict", "float" };
static const char *const builtin_syms[PMT_POOL_BUILTINS] = {
	"PyList_Type", "PyTuple_Type", "PyDict_Type", "PyFloat_Type",
};

static int add_file(struct pmt_pool_plan *p, pid_t pid, const char *map_path)
{
	char f[PATH_MAX + 32];
	int i;

	snprintf(f, sizeof(f), "/proc/%d/root%s", (int)pid, map_path);
	for (i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[i], f))
			return i;
	if (p->nfiles == PMT_POOL_FILES)
		return -ENOSPC;
	snprintf(p->files[p->nfiles], sizeof(p->files[0]), "%s", f);
	return p->nfiles++;
}

/* Place a probe on function @fn (see pmt_entry_probe). */
static int place(pid_t pid, const struct pmt_maps *maps, struct pmt_pool_plan *p, uint64_t fn,
		 bool ret, uint64_t cookie, struct pmt_pool_probe *out)
{
	const struct pmt_mapping *m;
	uint64_t probe;
	bool emulated;
	enum pmt_insn_kind insn;
	int f;

	if (pmt_entry_probe(pid, maps, fn, ret, &probe, &emulated, &insn, &m))
		return -ENOENT;
	f = add_file(p, pid, m->path);
	if (f < 0)
		return f;
	out->fn = fn;
	out->off = probe - m->start + m->offset;
	out->cookie = cookie;
	out->file = f;
	out->insn = insn;
	out->emulated = emulated;
	if (!emulated)
		p->n_expensive++;
	return 0;
}

static uint64_t sym_addr(struct pmt_elf *e, uint64_t bias, const char *name, bool *found)
{
	uint64_t v;

	*found = !pmt_elf_symbol(e, name, &v, NULL);
	return *found ? v + bias : 0;
}

int pmt_pool_plan_build(pid_t pid, const struct pmt_maps *maps, const struct pmt_python *py,
			struct pmt_pool_plan *p, char *why, size_t len)
{
	struct pmt_elf *e;
	uint64_t bias = 0;
	size_t i;
	bool found;
	int err, b;

	memset(p, 0, sizeof(*p));
	p->ndealloc = 1; /* cookie 0 is subtype_dealloc's, once known */
	e = pmt_elf_open(py->file);
	if (!e) {
		snprintf(why, len, "cannot read %s", py->map_path);
		return -ENOENT;
	}
	if (pmt_elf_is_dyn(e) == 1)
		bias = pmt_maps_file_addr(maps, py->map_path, 0);
	for (i = 0; i < maps->n; i++) {
		const struct pmt_mapping *m = &maps->v[i];

		if (!m->path || strcmp(m->path, py->map_path))
			continue;
		if (!p->runtime_lo || m->start < p->runtime_lo)
			p->runtime_lo = m->start;
		if (m->end > p->runtime_hi)
			p->runtime_hi = m->end;
	}
	p->alloc_fn = sym_addr(e, bias, "PyType_GenericAlloc", &found);
	p->symbol_subtype_dealloc = sym_addr(e, bias, "subtype_dealloc", &found);
	for (b = 0; b < PMT_POOL_BUILTINS; b++)
		p->builtin_type[b] = sym_addr(e, bias, builtin_syms[b], &found);
	pmt_elf_close(e);
	if (!p->alloc_fn) {
		snprintf(why, len, "PyType_GenericAlloc is not exported by %s", py->map_path);
		return -ENOENT;
	}
	err = place(pid, maps, p, p->alloc_fn, true, PMT_POOL_COOKIE_ALLOC, &p->alloc);
	if (err) {
		snprintf(why, len, "PyType_GenericAlloc at 0x%llx does not decode",
			 (unsigned long long)p->alloc_fn);
		return err;
	}
	for (b = 0; b < PMT_POOL_BUILTINS; b++) {
		uint64_t fn = 0;

		if (!p->builtin_type[b] ||
		    pmt_mem_read(pid, p->builtin_type[b] + PMT_TYPEOFF_DEALLOC, &fn, sizeof(fn)) || !fn)
			continue;
		p->builtin_ok[b] = !place(pid, maps, p, fn, false,
					  PMT_POOL_COOKIE_BUILTIN + (uint64_t)b, &p->builtin[b]);
	}
	return 0;
}

int pmt_pool_plan_subtype(pid_t pid, const struct pmt_maps *maps, struct pmt_pool_plan *p,
			  uint64_t fn, const char *how)
{
	int err = place(pid, maps, p, fn, false, 0, &p->dealloc[0]);

	if (err)
		return err;
	p->subtype_dealloc = fn;
	snprintf(p->subtype_how, sizeof(p->subtype_how), "%s", how);
	return 0;
}

int pmt_pool_plan_dealloc(pid_t pid, const struct pmt_maps *maps, struct pmt_pool_plan *p,
			  uint64_t fn)
{
	int i, err;

	if (fn >= p->runtime_lo && fn < p->runtime_hi)
		return -EPERM;
	for (i = 1; i < p->ndealloc; i++)
		if (p->dealloc[i].fn == fn)
			return i;
	if (p->ndealloc >= PMT_POOL_DEALLOCS)
		return -ENOSPC;
	err = place(pid, maps, p, fn, false, (uint64_t)p->ndealloc, &p->dealloc[p->ndealloc]);
	if (err)
		return err;
	return p->ndealloc++;
}
