// SPDX-License-Identifier: BSD-2-Clause
/*
 * pyheap.c - pymalloc's arenas in a live process (the python_heap budget
 * category). Found once, then read with process_vm_readv at frame ends.
 *
 * usedpools: the "usedpools" symbol (pyenv 3.8-3.11, full .symtab), the
 * static "obmalloc_state_main" (3.13: the main interpreter's state), the
 * inlined fast path of the exported PyObject_Malloc (stripped LTO builds
 * such as Debian's python3.11), else a scan of the runtime's writable data
 * for its shape (3.12 keeps it inside _PyRuntime's main interpreter).
 * arenas and maxarenas: 3.12+ fields that follow usedpools in struct
 * _obmalloc_state; up to 3.11 the "arenas"/"maxarenas" symbols, else the
 * globals the exported _Py_GetAllocatedBlocks loads (it walks the arenas).
 * Whatever the method, the result is only used once the live pools agree
 * with it (pmt_pyheap_check_used(), pmt_pyheap_check_arenas()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/elf_file.h"
#include "pmtrace/x86_sites.h"
#include "cpython/pyheap.h"

#define CODE_BYTES 256
#define SCAN_MAX (64u << 20)
#define MAX_LOADS 8

static int rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return pmt_mem_read(*(pid_t *)ctx, addr, buf, len);
}

static uint64_t sym_addr(struct pmt_elf *e, uint64_t bias, const char *name)
{
	uint64_t v, s;

	return pmt_elf_symbol(e, name, &v, &s) ? 0 : bias + v;
}

static bool used_ok(struct pmt_pyheap *h, uint64_t addr)
{
	return addr && !pmt_pyheap_check_used(rd, &h->pid, addr, h->l.pool_size, NULL);
}

/* usedpools by its shape in the runtime's writable mappings (and its .bss). */
static uint64_t scan_used(struct pmt_pyheap *h, const struct pmt_maps *maps,
			  const struct pmt_python *py)
{
	uint64_t found = 0;
	size_t i;

	for (i = 0; i < maps->n && !found; i++) {
		const struct pmt_mapping *m = &maps->v[i], *p = i ? &maps->v[i - 1] : NULL;
		bool ours = m->path && !strcmp(m->path, py->map_path);
		bool bss = !m->path && p && p->path && !strcmp(p->path, py->map_path) &&
			   p->end == m->start;
		size_t len = m->end - m->start, from = 0;
		uint8_t *buf;
		long o;

		if (!(ours || bss) || m->perms[1] != 'w' || len > SCAN_MAX)
			continue;
		buf = malloc(len);
		if (!buf || pmt_mem_read(h->pid, m->start, buf, len)) {
			free(buf);
			continue;
		}
		while ((o = pmt_pyheap_scan_used(buf, len, m->start, h->l.pool_size, from)) >= 0) {
			if (used_ok(h, m->start + (uint64_t)o)) {
				found = m->start + (uint64_t)o;
				break;
			}
			from = (size_t)o + 8;
		}
		free(buf);
	}
	return found;
}

static int find_used(struct pmt_pyheap *h, struct pmt_elf *e, uint64_t bias, bool dyn,
		     const struct pmt_maps *maps, const struct pmt_python *py)
{
	uint8_t code[CODE_BYTES];
	uint64_t a, v, s;

	if (used_ok(h, a = sym_addr(e, bias, "usedpools"))) {
		h->used_how = "symbol usedpools";
	} else if (used_ok(h, a = sym_addr(e, bias, "obmalloc_state_main"))) {
		h->used_how = "symbol obmalloc_state_main";
	} else if (!dyn && !pmt_elf_symbol(e, "PyObject_Malloc", &v, &s) &&
		   !pmt_elf_read(e, v, code, sizeof(code)) &&
		   !pmt_x86_usedpools(code, sizeof(code), v, &a) && used_ok(h, a)) {
		h->used_how = "decoded PyObject_Malloc";
	} else if ((a = scan_used(h, maps, py))) {
		h->used_how = "shape scan";
	} else {
		return -ENOENT;
	}
	h->l.usedpools = a;
	return 0;
}

/* Try @arenas/@maxarenas: 0 when the live pools agree. */
static int try_arenas(struct pmt_pyheap *h, uint64_t arenas, uint64_t maxarenas)
{
	if (!arenas || !maxarenas)
		return -ENOENT;
	h->l.arenas_addr = arenas;
	h->l.maxarenas_addr = maxarenas;
	return pmt_pyheap_check_arenas(rd, &h->pid, &h->l);
}

static int find_arenas(struct pmt_pyheap *h, struct pmt_elf *e, uint64_t bias, int minor)
{
	struct pmt_x86_load ld[MAX_LOADS];
	uint8_t code[CODE_BYTES];
	uint64_t v, s, maxa = 0;
	int n, i, err;

	if (minor >= 12) {
		h->arenas_how = "struct _obmalloc_state";
		return try_arenas(h, h->l.usedpools + PMT_PYHEAP_MGMT_ARENAS,
				  h->l.usedpools + PMT_PYHEAP_MGMT_MAXARENAS);
	}
	h->arenas_how = "symbols arenas, maxarenas";
	err = try_arenas(h, sym_addr(e, bias, "arenas"), sym_addr(e, bias, "maxarenas"));
	if (err != -ENOENT)
		return err;
	h->arenas_how = "decoded _Py_GetAllocatedBlocks";
	if (pmt_elf_symbol(e, "_Py_GetAllocatedBlocks", &v, &s))
		return -ENOENT;
	if (s && s < sizeof(code))
		memset(code + s, 0xcc, sizeof(code) - s);
	if (pmt_elf_read(e, v, code, s && s < sizeof(code) ? s : sizeof(code)))
		return -ENOENT;
	n = pmt_x86_global_loads(code, s && s < sizeof(code) ? s : sizeof(code), v, ld, MAX_LOADS);
	for (i = 0; i < n && !maxa; i++)
		if (ld[i].size == 4)
			maxa = bias + ld[i].addr;
	for (i = 0, err = -ENOENT; i < n && err == -ENOENT; i++)
		if (ld[i].size == 8)
			err = try_arenas(h, bias + ld[i].addr, maxa);
	return err;
}

int pmt_pyheap_init(struct pmt_pyheap *h, pid_t pid, const struct pmt_maps *maps,
		    const struct pmt_python *py, char *why, size_t len)
{
	uint64_t bias = 0;
	struct pmt_elf *e;
	bool dyn;
	int err;

	h->pid = pid;
	h->ready = false;
	err = pmt_pyheap_geometry(py->major, py->minor, &h->l.arena_size, &h->l.pool_size);
	if (err) {
		snprintf(why, len, "Python %d.%d: pymalloc layout unknown", py->major, py->minor);
		return err;
	}
	e = pmt_elf_open(py->file);
	if (!e) {
		snprintf(why, len, "cannot read %s", py->map_path);
		return -errno;
	}
	dyn = pmt_elf_is_dyn(e) == 1;
	if (dyn)
		bias = pmt_maps_file_addr(maps, py->map_path, 0);
	err = find_used(h, e, bias, dyn, maps, py);
	if (err) {
		snprintf(why, len, "pymalloc's usedpools not found in %s", py->map_path);
		goto out;
	}
	err = find_arenas(h, e, bias, py->minor);
	if (err == -EAGAIN)
		snprintf(why, len, "no pymalloc pool in use yet");
	else if (err)
		snprintf(why, len, "pymalloc's arenas not found in %s (%s)", py->map_path,
			 h->arenas_how);
	h->ready = !err;
out:
	pmt_elf_close(e);
	return err;
}

int pmt_pyheap_read(struct pmt_pyheap *h, uint64_t *bytes)
{
	if (!h->ready)
		return -EAGAIN;
	return pmt_pyheap_measure(rd, &h->pid, &h->l, &h->buf, &h->cap, bytes);
}

void pmt_pyheap_free(struct pmt_pyheap *h)
{
	free(h->buf);
	h->buf = NULL;
	h->cap = 0;
	h->ready = false;
}
