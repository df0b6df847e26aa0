// SPDX-License-Identifier: BSD-2-Clause
/*
 * procfs_sampler.c - the procfs backend: /proc/PID/status (RSS by kind,
 * VmHWM, threads) and /proc/PID/stat (page faults), kept open and re-read
 * with pread at each sample. Both files are readable by anyone for any
 * process: no privilege is needed, and the reading costs the target
 * nothing but the kernel's walk of its counters (no stop, no lock it
 * would wait on, no page touched).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "probes/sampler.h"

struct procfs {
	int status, stat;
	char buf[8192];
};

static int procfs_open(pid_t pid, void **state)
{
	struct procfs *p = calloc(1, sizeof(*p));
	char path[64];
	int err;

	if (!p)
		return -ENOMEM;
	p->status = p->stat = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	p->status = open(path, O_RDONLY | O_CLOEXEC);
	if (p->status < 0)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	p->stat = open(path, O_RDONLY | O_CLOEXEC);
	if (p->stat < 0)
		goto fail;
	*state = p;
	return 0;
fail:
	err = errno == ENOENT ? -ESRCH : -errno;
	if (p->status >= 0)
		close(p->status);
	free(p);
	return err;
}

/* The whole file at @fd into p->buf; its length or -errno (-ESRCH: gone). */
static ssize_t slurp(struct procfs *p, int fd)
{
	ssize_t n = pread(fd, p->buf, sizeof(p->buf) - 1, 0);

	if (n < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	if (n == 0)
		return -ESRCH; /* reaped: the files of a gone process read empty */
	p->buf[n] = 0;
	return n;
}

static int procfs_read(void *state, struct pmt_proc_reading *out)
{
	struct procfs *p = state;
	struct timespec ts;
	ssize_t n;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->ts_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	n = slurp(p, p->status);
	if (n < 0)
		return (int)n;
	err = pmt_proc_status_parse(p->buf, (size_t)n, out);
	if (err)
		return err == -ENOENT ? -ESRCH : err; /* a zombie has no memory left */
	n = slurp(p, p->stat);
	if (n < 0)
		return (int)n;
	return pmt_proc_stat_parse(p->buf, (size_t)n, out);
}

static void procfs_close(void *state)
{
	struct procfs *p = state;

	if (!p)
		return;
	close(p->status);
	close(p->stat);
	free(p);
}

const struct pmt_sampler_ops pmt_procfs_sampler = {
	.name = "procfs",
	.open = procfs_open,
	.read = procfs_read,
	.close = procfs_close,
};
