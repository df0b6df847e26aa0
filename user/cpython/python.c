// SPDX-License-Identifier: BSD-2-Clause
/*
 * python.c - CPython discovery in a running process.
 *
 * The runtime is the mapped file that defines _PyRuntime (3.7+; read from 3.8 on): either a
 * shared libpython or the interpreter executable itself. The version comes
 * from Py_Version (3.11+) or the file name. GC statistics are found by
 * scanning the runtime (and the main interpreter it points to, for 3.9 and
 * 3.10 where that is heap-allocated) for the gc state's shape: three list
 * heads {next, prev, threshold, count} followed by a pointer to the first.
 * The stats array follows the permanent generation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/elf_file.h"
#include "cpython/python.h"

#define GEN_SIZE 24                              /* PyGC_Head + threshold + count */
#define GEN0_PTR_OFF (3 * GEN_SIZE)              /* PyGC_Head *generation0 */
#define STATS_OFF (GEN0_PTR_OFF + 8 + GEN_SIZE)  /* after permanent_generation */
#define STATS_SIZE (3 * 3 * 8)
#define INTERP_SCAN_BYTES (256 * 1024)

static const char *const gc_func_names[] = {
	"gc_collect_main", "collect", "collect.constprop.0", "collect.constprop.1",
};

static int version_from_name(const char *path, int *major, int *minor)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (sscanf(b, "libpython%d.%d", major, minor) == 2)
		return 0;
	if (sscanf(b, "python%d.%d", major, minor) == 2)
		return 0;
	return -ENOENT;
}

static void root_path(pid_t pid, const char *path, char *out, size_t len)
{
	snprintf(out, len, "/proc/%d/root%s", (int)pid, path);
}

/* Is @path the runtime? Fills the runtime address fields when it is. */
static int try_runtime_file(pid_t pid, const struct pmt_maps *maps, const char *path,
			    struct pmt_python *py)
{
	uint64_t vaddr, size, ver;
	struct pmt_elf *e;
	char file[sizeof(py->file)];
	int is_python = 0, err;


	root_path(pid, path, file, sizeof(file));
	e = pmt_elf_open(file);
	if (!e)
		return -ENOENT;
	if (pmt_elf_symbol(e, "_PyRuntime", &vaddr, &size)) {
		/* Python 2 and 3.6 have no _PyRuntime: recognise, then refuse. */
		uint64_t v2, s2;

		if (!pmt_elf_symbol(e, "Py_Initialize", &v2, &s2))
			is_python = 1;
		err = -ENOENT;
		if (is_python) {
			snprintf(py->map_path, sizeof(py->map_path), "%s", path);
			py->micro = -1;
			if (version_from_name(path, &py->major, &py->minor)) {
				py->major = 0;
				py->minor = 0;
			}
			err = -ENOTSUP;
		}
		pmt_elf_close(e);
		return err;
	}
	snprintf(py->map_path, sizeof(py->map_path), "%s", path);
	snprintf(py->file, sizeof(py->file), "%s", file);
	py->shared = pmt_elf_is_dyn(e) == 1 && strstr(path, "libpython");
	py->runtime_size = size;
	if (pmt_elf_is_dyn(e) == 1) {
		/* .bss may lie past the file image: find the mapping by address. */
		uint64_t base = pmt_maps_file_addr(maps, path, 0);

		py->runtime_addr = base + vaddr; /* libraries are linked at 0 */
	} else {
		py->runtime_addr = vaddr;
	}
	py->micro = -1;
	if (!pmt_elf_symbol(e, "Py_Version", &ver, NULL)) {
		uint32_t hex;

		if (!pmt_elf_read(e, ver, &hex, sizeof(hex))) {
			py->major = hex >> 24;
			py->minor = (hex >> 16) & 0xff;
			py->micro = (hex >> 8) & 0xff;
		}
	}
	if (py->micro < 0 && version_from_name(path, &py->major, &py->minor)) {
		char exe[PATH_MAX];

		if (pmt_pid_exe(pid, exe, sizeof(exe)) ||
		    version_from_name(exe, &py->major, &py->minor))
			py->major = py->minor = 0;
	}
	py->n_gc_funcs = 0;
	for (size_t i = 0; i < sizeof(gc_func_names) / sizeof(gc_func_names[0]); i++) {
		uint64_t fv, fo;

		if (py->n_gc_funcs < PMT_GC_FUNCS && !pmt_elf_symbol(e, gc_func_names[i], &fv, NULL) &&
		    !pmt_elf_vaddr_to_offset(e, fv, &fo))
			py->gc_func_off[py->n_gc_funcs++] = fo;
		if (i == 0 && py->n_gc_funcs)
			break; /* gc_collect_main is the one, when present */
	}
	pmt_elf_close(e);
	return 0;
}

int pmt_python_find(pid_t pid, const struct pmt_maps *maps, struct pmt_python *py)
{
	char exe[PATH_MAX];
	int err = -ENOENT, e2;
	size_t i;

	memset(py, 0, sizeof(*py));
	/* A shared libpython first: the executable is then a small launcher. */
	for (i = 0; i < maps->n; i++) {
		const char *p = maps->v[i].path, *b;

		if (!p || !(b = strrchr(p, '/')) || strncmp(b + 1, "libpython", 9))
			continue;
		err = try_runtime_file(pid, maps, p, py);
		if (err != -ENOENT)
			break;
	}
	if (err == -ENOENT) {
		e2 = pmt_pid_exe(pid, exe, sizeof(exe));
		if (e2)
			return e2;
		/* Paths in maps are the target's; /proc/PID/exe may say (deleted). */
		for (i = 0; i < maps->n; i++)
			if (maps->v[i].path && maps->v[i].offset == 0 &&
			    !strncmp(maps->v[i].path, exe, strlen(maps->v[i].path))) {
				err = try_runtime_file(pid, maps, maps->v[i].path, py);
				break;
			}
	}
	if (err)
		return err;
	if (py->major != 3 || py->minor < PMT_PY_MIN_MINOR || py->minor > PMT_PY_MAX_MINOR)
		return -ENOTSUP;
	return 0;
}

static bool plausible_ptr(uint64_t p)
{
	return p >= 0x10000 && p < (1ULL << 47) && !(p & 7);
}

/* Scan @buf (target address @base) for the gc state; returns offset or -1. */
static long scan_gc(const uint8_t *buf, size_t len, uint64_t base)
{
	size_t o;

	for (o = 0; o + STATS_OFF + STATS_SIZE <= len; o += 8) {
		const uint64_t *g = (const uint64_t *)(buf + o);
		const int64_t *st;
		int i, ok = 1;

		if (g[GEN0_PTR_OFF / 8] != base + o)
			continue;
		for (i = 0; i < 3 && ok; i++) {
			const uint8_t *gen = buf + o + i * GEN_SIZE;
			uint64_t next, prev;
			int32_t thr, cnt;

			memcpy(&next, gen, 8);
			memcpy(&prev, gen + 8, 8);
			memcpy(&thr, gen + 16, 4);
			memcpy(&cnt, gen + 20, 4);
			ok = plausible_ptr(next) && plausible_ptr(prev) && thr >= 0 && cnt >= 0;
		}
		st = (const int64_t *)(buf + o + STATS_OFF);
		for (i = 0; i < 9 && ok; i++)
			ok = st[i] >= 0 && st[i] < (1LL << 48);
		if (ok)
			return (long)o;
	}
	return -1;
}

static int scan_region(pid_t pid, uint64_t addr, size_t len, uint64_t *stats, uint64_t *gens)
{
	uint8_t *buf = malloc(len);
	long o;
	int err;

	if (!buf)
		return -ENOMEM;
	err = pmt_mem_read(pid, addr, buf, len);
	if (!err) {
		o = scan_gc(buf, len, addr);
		if (o >= 0) {
			*stats = addr + (uint64_t)o + STATS_OFF;
			*gens = addr + (uint64_t)o;
		}
		else
			err = -EAGAIN;
	}
	free(buf);
	return err;
}

int pmt_python_resolve_gc(pid_t pid, const struct pmt_maps *maps, struct pmt_python *py)
{
	uint64_t head[32];
	size_t len = py->runtime_size, i;
	int err;

	if (!py->runtime_addr)
		return -EINVAL;
	if (len < 512 || len > (8u << 20))
		len = 64 * 1024;
	/* 3.8, 3.11+: the gc state is inside _PyRuntime. */
	err = scan_region(pid, py->runtime_addr, len, &py->gc_stats_addr, &py->gc_gens_addr);
	if (err != -EAGAIN)
		return err;
	/* 3.9, 3.10: follow the pointers at the start of _PyRuntime. */
	err = pmt_mem_read(pid, py->runtime_addr, head, sizeof(head));
	if (err)
		return err;
	for (i = 0; i < 32; i++) {
		const struct pmt_mapping *m;
		uint64_t n;

		if (!plausible_ptr(head[i]) || !(m = pmt_maps_find_addr(maps, head[i])) ||
		    m->perms[0] != 'r' || m->perms[1] != 'w')
			continue;
		n = m->end - head[i];
		if (n > INTERP_SCAN_BYTES)
			n = INTERP_SCAN_BYTES;
		if (!scan_region(pid, head[i], n, &py->gc_stats_addr, &py->gc_gens_addr))
			return 0;
	}
	return -EAGAIN;
}

void pmt_python_version_str(const struct pmt_python *py, char *buf, size_t len)
{
	if (py->micro >= 0)
		snprintf(buf, len, "%d.%d.%d", py->major, py->minor, py->micro);
	else
		snprintf(buf, len, "%d.%d", py->major, py->minor);
}
