// SPDX-License-Identifier: BSD-2-Clause
/*
 * proc.c - /proc/PID readers and cross-process memory reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/proc.h"

int pmt_maps_read(pid_t pid, struct pmt_maps *maps)
{
	char fname[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;
	int err = 0;

	maps->v = NULL;
	maps->n = 0;
	snprintf(fname, sizeof(fname), "/proc/%d/maps", (int)pid);
	f = fopen(fname, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &cap, f) > 0) {
		struct pmt_mapping m = {};
		unsigned long long s, e, off, ino;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %n", &s, &e, perms, &off, &ino, &pos) < 5)
			continue;
		if (maps->n == alloc) {
			size_t na = alloc ? alloc * 2 : 128;
			struct pmt_mapping *nv = realloc(maps->v, na * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			maps->v = nv;
			alloc = na;
		}
		m.start = s;
		m.end = e;
		m.offset = off;
		m.inode = ino;
		memcpy(m.perms, perms, 4);
		if (pos && line[pos] == '/') {
			line[strcspn(line, "\n")] = 0;
			m.path = strdup(line + pos);
			if (!m.path) {
				err = -ENOMEM;
				break;
			}
		}
		maps->v[maps->n++] = m;
	}
	free(line);
	fclose(f);
	if (err)
		pmt_maps_free(maps);
	else if (!maps->n && !pmt_pid_alive(pid))
		err = -ESRCH;
	return err;
}

void pmt_maps_free(struct pmt_maps *maps)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < maps->n; i++)
		free(maps->v[i].path);
	free(maps->v);
	maps->v = NULL;
	maps->n = 0;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

const struct pmt_mapping *pmt_maps_find_lib(const struct pmt_maps *maps, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < maps->n; i++) {
		const struct pmt_mapping *m = &maps->v[i];

		if (m->path && !strncmp(basename_of(m->path), prefix, n))
			return m;
	}
	return NULL;
}

const struct pmt_mapping *pmt_maps_find_addr(const struct pmt_maps *maps, uint64_t addr)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		if (addr >= maps->v[i].start && addr < maps->v[i].end)
			return &maps->v[i];
	return NULL;
}

uint64_t pmt_maps_file_addr(const struct pmt_maps *maps, const char *path, uint64_t off)
{
	size_t i;

	for (i = 0; i < maps->n; i++) {
		const struct pmt_mapping *m = &maps->v[i];

		if (!m->path || strcmp(m->path, path))
			continue;
		if (off >= m->offset && off < m->offset + (m->end - m->start))
			return m->start + (off - m->offset);
	}
	return 0;
}

int pmt_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EFAULT;
}

char pmt_pid_state(pid_t pid)
{
	char fname[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(fname, sizeof(fname), "/proc/%d/stat", (int)pid);
	fd = open(fname, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

bool pmt_pid_alive(pid_t pid)
{
	char st = pmt_pid_state(pid);

	return st && st != 'Z' && st != 'X';
}

int pmt_pid_exe(pid_t pid, char *buf, size_t len)
{
	char fname[64];
	ssize_t n;

	snprintf(fname, sizeof(fname), "/proc/%d/exe", (int)pid);
	n = readlink(fname, buf, len - 1);
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf[n] = 0;
	return 0;
}

int pmt_pid_cmdline(pid_t pid, char *buf, size_t len)
{
	char fname[64];
	ssize_t n, i;
	int fd;

	if (!len)
		return -EINVAL;
	snprintf(fname, sizeof(fname), "/proc/%d/cmdline", (int)pid);
	fd = open(fname, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == 0)
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = ' ';
	buf[n] = 0;
	return 0;
}
