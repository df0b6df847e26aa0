/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heapdiff.h - heap snapshots over time: objects counted by type, and what
 * changed between snapshots: which types grew since the previous snapshot
 * and since the first, for how many snapshots in a row, and how many of
 * the objects that were new at the previous snapshot are still alive (the
 * classic three-snapshot leak hunt: born between snapshots 1 and 2, still
 * there at 3).
 *
 * Types are named by the caller's interned ids (a qualified name each; two
 * types of one name count as one). Objects are identified by address and
 * type name: an object freed and another of the same type allocated at its
 * address reads as a survivor, one of another type does not.
 *
 * Pure C: no I/O.
 */
#ifndef PMTRACE_HEAPDIFF_H
#define PMTRACE_HEAPDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Objects of one type name in one snapshot. */
struct pmt_typestat {
	uint32_t name;
	uint64_t count, bytes;
};

/* One object of a snapshot, for the survivor analysis. */
struct pmt_objkey {
	uint64_t addr;
	uint32_t name;
	uint32_t bytes; /* capped at UINT32_MAX */
};

/* One type name, now against the earlier snapshots. */
struct pmt_heapdelta {
	uint32_t name;
	uint64_t count, bytes;               /* now */
	int64_t dcount_prev, dbytes_prev;    /* since the previous snapshot */
	int64_t dcount_first, dbytes_first;  /* since the first */
	uint64_t surv_count, surv_bytes;     /* new at the previous snapshot, alive now */
	uint32_t streak;                     /* snapshots in a row it grew in (count or bytes) */
};

struct pmt_heaphistory {
	uint64_t snapshots;              /* added so far */
	struct pmt_typestat *first, *prev;
	size_t nfirst, nprev;
	struct pmt_objkey *prev_all;     /* objects of the previous snapshot, by address */
	struct pmt_objkey *prev_new;     /* those not in the one before it */
	size_t nprev_all, nprev_new;
	bool surv_counted;               /* survivors were counted at the last add */
	uint32_t *streak;                /* by name id */
	size_t streak_cap;
};

/*
 * Count the objects of a snapshot by type name: node i has type index
 * @type[i] and @bytes[i]; @type_name maps type indexes (below @ntypes) to
 * name ids. Into *@out (malloc'ed, sorted by name, one entry per name
 * present) and *@nout. Returns 0, -EINVAL for a type index out of range,
 * -ENOMEM.
 */
int pmt_typestats_count(const uint32_t *type, const uint64_t *bytes, size_t n,
			const uint32_t *type_name, size_t ntypes, struct pmt_typestat **out,
			size_t *nout);

/* Sort @keys by address (then name). */
void pmt_objkeys_sort(struct pmt_objkey *keys, size_t n);

/* Whether @key (address and name) is among the @n sorted @keys. */
bool pmt_objkeys_find(const struct pmt_objkey *keys, size_t n, const struct pmt_objkey *key);

void pmt_heaphistory_init(struct pmt_heaphistory *h);
void pmt_heaphistory_free(struct pmt_heaphistory *h);

/*
 * Add a snapshot: its type counts @stats (sorted by name, as
 * pmt_typestats_count() makes them) and its objects @keys (sorted by
 * address, or NULL when not kept: no survivors then). The history takes
 * ownership of both arrays (malloc'ed), also on failure. Into *@out
 * (malloc'ed) and *@nout: one entry per name present now or in the
 * previous snapshot, sorted by name. Survivors are counted from the third
 * snapshot on (pmt_heaphistory_survivors_known()). Returns 0 or -ENOMEM
 * (the history is then unchanged but for the arrays, freed).
 */
int pmt_heaphistory_add(struct pmt_heaphistory *h, struct pmt_typestat *stats, size_t nstats,
			struct pmt_objkey *keys, size_t nkeys, struct pmt_heapdelta **out,
			size_t *nout);

/* True once the last snapshot added had survivors counted. */
bool pmt_heaphistory_survivors_known(const struct pmt_heaphistory *h);

/*
 * Order @d by growth since the previous snapshot: most bytes first, then
 * most objects, then lower name id.
 */
void pmt_heapdelta_sort_growth(struct pmt_heapdelta *d, size_t n);

/* Order @d by bytes now: most first, then most objects, then lower name id. */
void pmt_heapdelta_sort_bytes(struct pmt_heapdelta *d, size_t n);

#endif /* PMTRACE_HEAPDIFF_H */
