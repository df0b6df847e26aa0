/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stacknames.h - deep Python stacks by id, resolved to names once.
 *
 * The BPF programs store each distinct stack in a kernel table under its
 * hash (py_stack_id()); records carry only the id. The first time an id
 * is asked for, its frames are read from the table and the target's code
 * objects and turned into "function (file:line)" strings, which are kept
 * here; the kernel entry is then removed, so the table holds only stacks
 * not yet seen by userspace.
 */
#ifndef PMT_STACKNAMES_H
#define PMT_STACKNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/events.h"
#include "pmtrace/strtab.h"
#include "cpython/pylayout.h"
#include "cpython/pystack.h"

struct pmt_bpf;

/* One resolved stack. */
struct pmt_stackname {
	uint64_t id;
	uint32_t depth;                   /* frames in @frames */
	uint32_t flags;                   /* PMT_PYF_* of the walk */
	uint32_t frames[PMT_STACK_DEPTH]; /* string ids, innermost first */
	uint32_t key;                     /* string id of all frames joined: equal
					     names give equal keys */
};

struct pmt_stacknames {
	bool ready;
	struct pmt_strtab strs;
	struct pmt_pystack_cache pyc;
	struct pmt_stackname *v; /* by index */
	size_t n, cap;
	uint64_t *slot_id;       /* open addressing: id -> index + 1 */
	uint32_t *slot_ix;
	size_t nslots;
	uint64_t unresolved;     /* ids whose stack was not in the table */
};

/* Prepare for @pid with @l. 0 or -ENOMEM. A zeroed struct is "not ready". */
int pmt_stacknames_init(struct pmt_stacknames *sn, pid_t pid, const struct pmt_pylayout *l);
void pmt_stacknames_free(struct pmt_stacknames *sn);

/*
 * The resolved stack of @id (taken from @b's table the first time), or
 * NULL when it is unknown (never stored: the table was full). @id 0 is
 * not a stack (no Python frame was current): NULL.
 */
const struct pmt_stackname *pmt_stacknames_get(struct pmt_stacknames *sn, struct pmt_bpf *b,
					       uint64_t id);

/* The stack of @id if already resolved, else NULL. */
const struct pmt_stackname *pmt_stacknames_find(const struct pmt_stacknames *sn, uint64_t id);

/* A string of @sn (a frame or a key); "" for an unknown id. */
const char *pmt_stacknames_str(const struct pmt_stacknames *sn, uint32_t sid);

#endif
