/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cycles.h - reference cycles in a directed graph: which nodes (assets)
 * hold each other alive. Every strongly connected component with a cycle
 * (two nodes or more, or a node referring to itself) gives one cycle to
 * show: the shortest path from its smallest node back to itself.
 *
 * Pure C: the caller builds the edges (asset A refers to asset B, directly
 * or through objects that are not assets) and prints the names.
 */
#ifndef PMTRACE_CYCLES_H
#define PMTRACE_CYCLES_H

#include <stddef.h>
#include <stdint.h>

struct pmt_edge {
	uint32_t from, to;
};

struct pmt_cycle_set {
	uint32_t *nodes; /* the cycles' nodes, one cycle after another */
	size_t *start;   /* cycle i is nodes[start[i] .. start[i + 1]) */
	size_t count;    /* cycles */
	size_t scc_nodes; /* nodes in all the cyclic components (a cycle shows some) */
};

/*
 * Find the cycles of the graph of @n nodes (0..n-1) and @nedges @edges
 * (duplicates allowed) into @out, ordered by their first node. A cycle
 * [a, b, c] means a -> b -> c -> a; a self-reference is [a]. Returns 0,
 * -EINVAL (a node >= n, NULL arrays with counts), or -ENOMEM; @out is
 * empty (safe to free) on error.
 */
int pmt_find_cycles(uint32_t n, const struct pmt_edge *edges, size_t nedges,
		    struct pmt_cycle_set *out);

/* Release @c; accepts an empty or zeroed set. */
void pmt_cycle_set_free(struct pmt_cycle_set *c);

#endif /* PMTRACE_CYCLES_H */
