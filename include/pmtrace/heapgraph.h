/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heapgraph.h - a snapshot of a Python heap as a graph, and the analyses
 * over it: who holds an object (shortest reference paths from roots), and
 * what is kept alive only by reference cycles.
 *
 * Nodes are objects (their address, a caller-defined type index, their
 * bytes and reference count as read); edges are strong references, each
 * one reference (a list holding an object twice has two edges). Edges are
 * added node by node, in node order (compressed rows), while the caller
 * walks the heap: enumerating node i's referents may add new nodes at the
 * end, which are enumerated in turn.
 *
 * An edge may be marked "zero": an owner's reference to its own attribute
 * dictionary (a module's, a class's or an instance's __dict__), which a
 * path does not count as a step, so `game.level.Level.tiles[3]` is as long
 * on every CPython whether instance attributes live in a dict or inline.
 *
 * Cycles are found as CPython's collector finds garbage: a node whose
 * reference count exceeds the edges into it is held from outside the graph
 * (C code, a running frame, a root); everything reachable from such nodes
 * is alive for a reason other than a cycle; what is left is kept alive
 * only by reference cycles. A missing edge (a referent the walker cannot
 * see) only makes more nodes look held from outside: the analysis errs
 * towards reporting fewer cycles, never a false one, as long as every edge
 * given is a real reference.
 *
 * Pure C: no I/O. Every function returns 0 or a negative errno.
 */
#ifndef PMTRACE_HEAPGRAPH_H
#define PMTRACE_HEAPGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMT_HG_NONE UINT32_MAX       /* no node, no parent */
#define PMT_HG_ROOT (UINT32_MAX - 1) /* parent of a root */
#define PMT_HG_MAX_NODES (1u << 30)  /* node indexes fit 30 bits */
#define PMT_HG_BLOCK 256             /* 16-byte slots of a 4 KiB page */

/* Node flags. */
#define PMT_HG_TRACKED 0x01u  /* on the collector's lists */
#define PMT_HG_DONE 0x02u     /* its referents were enumerated */
#define PMT_HG_STATIC 0x04u   /* not a heap object (lives in a mapped file) */
#define PMT_HG_ASSET 0x08u    /* owns an engine asset */

/*
 * The allocator of the graph's arrays: @ptr resized to @size bytes (a new
 * block when @ptr is NULL; NULL on failure, @ptr untouched); @size 0 frees
 * @ptr. A caller may give one that maps large arrays pre-faulted.
 */
typedef void *(*pmt_hg_realloc_fn)(void *ctx, void *ptr, size_t size);

struct pmt_heapgraph {
	pmt_hg_realloc_fn realloc_fn; /* NULL: realloc() and free() */
	void *alloc_ctx;
	/* Nodes, by index. */
	uint64_t *addr;
	uint64_t *bytes;
	uint64_t *refcnt;
	uint32_t *type;
	uint8_t *flags;
	size_t n, cap;
	/* Edges: node i's targets are tgt[off[i]] .. tgt[off[i + 1] - 1]; bit 31 marks a zero edge. */
	uint32_t *off;     /* cap + 1 entries; off[i + 1] is valid once node i is closed */
	uint32_t *tgt;
	size_t m, mcap;
	size_t closed;     /* nodes 0 .. closed - 1 have their edges */
	/*
	 * Address -> index: 16-byte aligned addresses through their 4 KiB
	 * page (pages: open addressing by page number + 1, giving a block of
	 * PMT_HG_BLOCK indexes), others through a hash by address.
	 */
	struct pmt_hg_slot {
		uint64_t key;
		uint64_t val;
	} *hash, *pages;
	size_t hcap, hn, pcap, npages;
	uint32_t *blocks;
	size_t bcap;
};

#define PMT_HG_ZERO_EDGE 0x80000000u
#define PMT_HG_EDGE_NODE(e) ((e) & ~PMT_HG_ZERO_EDGE)

/* An empty graph. */
void pmt_heapgraph_init(struct pmt_heapgraph *g);
/* Empty @g, keeping its memory for the next graph (no fresh pages to touch). */
void pmt_heapgraph_reset(struct pmt_heapgraph *g);
/* Use @fn (with @ctx) for the graph's arrays from now on; before the first add. */
void pmt_heapgraph_set_alloc(struct pmt_heapgraph *g, pmt_hg_realloc_fn fn, void *ctx);
/* Release what @g holds (the allocator stays set); accepts an initialised or zeroed graph. */
void pmt_heapgraph_free(struct pmt_heapgraph *g);

/*
 * The node of object @addr, added with @type and @flags when new (bytes
 * and refcnt 0). Stores its index in *@idx. Returns 1 when added, 0 when
 * it was there (its flags gain @flags), -EINVAL for address 0, -E2BIG past
 * PMT_HG_MAX_NODES, -ENOMEM.
 */
int pmt_heapgraph_add(struct pmt_heapgraph *g, uint64_t addr, uint32_t type, uint8_t flags,
		      uint32_t *idx);

/*
 * Make room for @nodes nodes and @edges edges at once (a walker that knows
 * the heap's size saves the copies of growing step by step). Returns 0,
 * -E2BIG, -ENOMEM.
 */
int pmt_heapgraph_reserve(struct pmt_heapgraph *g, size_t nodes, size_t edges);

/* Index of object @addr, or PMT_HG_NONE. */
uint32_t pmt_heapgraph_find(const struct pmt_heapgraph *g, uint64_t addr);

/*
 * Add a reference from node @src to node @dst (@zero: an owner's own
 * __dict__). @src must be the first node not yet closed: nodes are given
 * their edges in index order. Returns 0, -EINVAL (out of order or out of
 * range), -E2BIG, -ENOMEM.
 */
int pmt_heapgraph_edge(struct pmt_heapgraph *g, uint32_t src, uint32_t dst, bool zero);

/*
 * Node @src has all its edges: close it (and any node before it still
 * open, with none). Returns 0 or -EINVAL.
 */
int pmt_heapgraph_close(struct pmt_heapgraph *g, uint32_t src);

/* Close every node still open (with no edges): call before the analyses. */
void pmt_heapgraph_seal(struct pmt_heapgraph *g);

/* Node @i's edges: *@first .. *@first + count - 1 (raw, with PMT_HG_ZERO_EDGE). */
static inline size_t pmt_heapgraph_edges(const struct pmt_heapgraph *g, uint32_t i,
					 const uint32_t **first)
{
	*first = g->tgt + g->off[i];
	return g->off[i + 1] - g->off[i];
}

/*
 * Shortest paths from @roots (given in order of preference: at equal
 * length the path from the earlier root wins, then the earlier edge),
 * counting zero edges as no step. Fills @parent (n entries: PMT_HG_ROOT
 * for a root, PMT_HG_NONE when unreachable) and @dist (n entries, steps
 * from the nearest root; UINT32_MAX when unreachable). The graph must be
 * sealed. Returns 0, -EINVAL, -ENOMEM.
 */
int pmt_heapgraph_paths(const struct pmt_heapgraph *g, const uint32_t *roots, size_t nroots,
			uint32_t *parent, uint32_t *dist);

/*
 * The path to node @i from its root, as node indexes, root first, into
 * @out (@max >= 2). Returns the path's length L, or 0 when @i is
 * unreachable. When L > @max, the first @max - 1 nodes and @i are stored.
 */
size_t pmt_heapgraph_path(const uint32_t *parent, uint32_t i, uint32_t *out, size_t max);

/*
 * Nodes kept alive only by reference cycles: @alive_out[i] (n entries) is
 * set false for them, true for the others. A node is held from outside
 * when its reference count exceeds the edges into it (or cannot be
 * trusted: below them); every node reachable from one is alive. Returns
 * the number of nodes not alive, or -ENOMEM.
 */
long pmt_heapgraph_unreachable(const struct pmt_heapgraph *g, bool *alive_out);

/*
 * Strongly connected components of the subgraph of nodes with @in[i] true
 * (edges between such nodes only). @comp_out[i] gets a component id
 * (0 .. return - 1) for those, PMT_HG_NONE for the others; @cyclic_out
 * (may be NULL; as many entries as nodes) is set true for components that
 * hold a cycle (two nodes or more, or a self reference), indexed by
 * component id. Returns the number of components, or -ENOMEM.
 */
long pmt_heapgraph_scc(const struct pmt_heapgraph *g, const bool *in, uint32_t *comp_out,
		       bool *cyclic_out);

/*
 * A shortest cycle through node @start inside its component (@comp from
 * pmt_heapgraph_scc()): the nodes in order, @start first, into @out (at
 * most @max); returns the cycle's length (1 for a self reference), or 0
 * when @start is on no cycle. Returns -ENOMEM on allocation failure.
 */
long pmt_heapgraph_cycle(const struct pmt_heapgraph *g, const uint32_t *comp, uint32_t start,
			 uint32_t *out, size_t max);

/*
 * For every node not alive (@alive from pmt_heapgraph_unreachable()), the
 * nearest node of a cyclic component that reaches it through nodes not
 * alive (a node of a cyclic component is its own): @holder_out[i] (n
 * entries; PMT_HG_NONE for nodes alive or reached by no cycle). @comp and
 * @cyclic come from pmt_heapgraph_scc() over the nodes not alive; at equal
 * distance the component of lower node index wins. Returns 0 or -ENOMEM.
 */
int pmt_heapgraph_cycle_holders(const struct pmt_heapgraph *g, const bool *alive,
				const uint32_t *comp, const bool *cyclic, uint32_t *holder_out);

#endif /* PMTRACE_HEAPGRAPH_H */
