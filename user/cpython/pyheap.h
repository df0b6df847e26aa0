/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pyheap.h - the python_heap category in a live process: where pymalloc
 * keeps its arenas (found once, per CPython version and build), and the
 * memory they hold, read at each frame end without stopping the target.
 */
#ifndef PMT_PYHEAP_H
#define PMT_PYHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/pyheap.h"
#include "os/proc.h"
#include "cpython/python.h"

struct pmt_pyheap {
	pid_t pid;
	bool ready;                  /* layout found and checked */
	struct pmt_pyheap_layout l;
	const char *used_how;        /* how usedpools was found */
	const char *arenas_how;      /* how arenas and maxarenas were found */
	uint8_t *buf;                /* scratch: the arena objects */
	size_t cap;
};

/*
 * Find pymalloc's state in @pid (runtime @py, mappings @maps) and check it
 * against the live pools. Returns 0 (h->ready), -EAGAIN when the
 * interpreter has no pool in use yet to check against (try again later),
 * -ENOTSUP for a version out of range, -ENOENT when it is not found (with a
 * reason in @why), or -errno. Call again after a failure; free with
 * pmt_pyheap_free() in any case.
 */
int pmt_pyheap_init(struct pmt_pyheap *h, pid_t pid, const struct pmt_maps *maps,
		    const struct pmt_python *py, char *why, size_t len);

/* The memory pymalloc holds now, in bytes. Returns 0 or -errno. */
int pmt_pyheap_read(struct pmt_pyheap *h, uint64_t *bytes);

/* Release the scratch space; accepts a zeroed struct. */
void pmt_pyheap_free(struct pmt_pyheap *h);

#endif
