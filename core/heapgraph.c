// SPDX-License-Identifier: BSD-2-Clause
/*
 * heapgraph.c - the object graph of a heap snapshot and its analyses:
 * shortest reference paths from roots (0-1 breadth-first search: an
 * owner's own __dict__ is no step), what only reference cycles keep alive
 * (reference counts against the edges into each node, as CPython's
 * collector does), strongly connected components (iterative Tarjan), a
 * shortest cycle through a node, and which cycle holds each node kept
 * alive only by cycles.
 *
 * Nodes live in parallel arrays, edges in compressed rows filled node by
 * node. Addresses map to nodes through their 4 KiB page: a small hash of
 * pages (Fibonacci hashing, linear probing, at most half full) gives a
 * block of 256 node indexes, one per 16-byte slot of the page, so objects
 * next to each other share cache lines (a hash keyed by address missed
 * the cache and the TLB on nearly every lookup: most of a snapshot's time
 * at a million objects). Addresses not 16-byte aligned go to a plain
 * hash. Sized for a million objects and several million references: about
 * 33 bytes a node, 4 an edge, 1 KiB per heap page holding objects; no
 * allocation per node or edge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/heapgraph.h"

#define MIN_CAP 1024

/* Fibonacci hashing: the top bits of the product. */
static size_t hash_home(uint64_t key, size_t cap)
{
	unsigned int bits = (unsigned int)__builtin_ctzll(cap);

	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
}

/* pmt_heapgraph_init - an empty graph. */
void pmt_heapgraph_init(struct pmt_heapgraph *g)
{
	memset(g, 0, sizeof(*g));
}

/* pmt_heapgraph_set_alloc - the allocator of the graph's arrays; see heapgraph.h. */
void pmt_heapgraph_set_alloc(struct pmt_heapgraph *g, pmt_hg_realloc_fn fn, void *ctx)
{
	g->realloc_fn = fn;
	g->alloc_ctx = ctx;
}

/* The graph's arrays: realloc() semantics, through the configured allocator. */
static void *g_realloc(const struct pmt_heapgraph *g, void *ptr, size_t n, size_t elem)
{
	if (elem && n > SIZE_MAX / elem)
		return NULL;
	if (g->realloc_fn)
		return g->realloc_fn(g->alloc_ctx, ptr, n * elem);
	if (!n || !elem) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, n * elem);
}

static void g_free(const struct pmt_heapgraph *g, void *ptr)
{
	if (ptr)
		g_realloc(g, ptr, 0, 0);
}

/* pmt_heapgraph_reset - no nodes or edges, the memory kept for the next graph. */
void pmt_heapgraph_reset(struct pmt_heapgraph *g)
{
	if (g->hash)
		memset(g->hash, 0, g->hcap * sizeof(*g->hash));
	if (g->pages)
		memset(g->pages, 0, g->pcap * sizeof(*g->pages));
	g->n = g->m = g->closed = g->hn = g->npages = 0;
	if (g->off)
		g->off[0] = 0;
}

/* pmt_heapgraph_free - release the arrays of @g and leave it empty. */
void pmt_heapgraph_free(struct pmt_heapgraph *g)
{
	pmt_hg_realloc_fn fn = g->realloc_fn;
	void *ctx = g->alloc_ctx;

	g_free(g, g->addr);
	g_free(g, g->bytes);
	g_free(g, g->refcnt);
	g_free(g, g->type);
	g_free(g, g->flags);
	g_free(g, g->off);
	g_free(g, g->tgt);
	g_free(g, g->hash);
	g_free(g, g->pages);
	g_free(g, g->blocks);
	memset(g, 0, sizeof(*g));
	g->realloc_fn = fn;
	g->alloc_ctx = ctx;
}

/* Node arrays for @cap nodes (at least double the current, within the limit). */
static int grow_nodes_to(struct pmt_heapgraph *g, size_t cap)
{
	void *p;

	if (cap < (g->cap ? g->cap * 2 : MIN_CAP))
		cap = g->cap ? g->cap * 2 : MIN_CAP;
	if (cap > PMT_HG_MAX_NODES)
		cap = PMT_HG_MAX_NODES;
	if (cap <= g->cap)
		return -E2BIG;
#define GROW(field, extra)                                                        \
	p = g_realloc(g, g->field, cap + (extra), sizeof(*g->field));             \
	if (!p)                                                                   \
		return -ENOMEM;                                                   \
	g->field = p;
	GROW(addr, 0)
	GROW(bytes, 0)
	GROW(refcnt, 0)
	GROW(type, 0)
	GROW(flags, 0)
	GROW(off, 1)
#undef GROW
	if (!g->cap)
		g->off[0] = 0;
	g->cap = cap;
	return 0;
}

static int grow_nodes(struct pmt_heapgraph *g)
{
	return grow_nodes_to(g, 0);
}

/* The slots of @old (@ocap) rehashed into a new table of @cap (a power of two). */
static struct pmt_hg_slot *rehash(const struct pmt_heapgraph *g, const struct pmt_hg_slot *old,
				  size_t ocap, size_t cap)
{
	struct pmt_hg_slot *h = g_realloc(g, NULL, cap, sizeof(*h));
	size_t i, j;

	if (!h)
		return NULL;
	memset(h, 0, cap * sizeof(*h));
	for (i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		for (j = hash_home(old[i].key, cap); h[j].key; j = (j + 1) & (cap - 1))
			;
		h[j] = old[i];
	}
	return h;
}

static int grow_hash(struct pmt_heapgraph *g)
{
	size_t cap = g->hcap ? g->hcap * 2 : 64;
	struct pmt_hg_slot *h = rehash(g, g->hash, g->hcap, cap);

	if (!h)
		return -ENOMEM;
	g_free(g, g->hash);
	g->hash = h;
	g->hcap = cap;
	return 0;
}

/* A page table of at least @cap slots (a power of two, at least double). */
static int grow_pages_to(struct pmt_heapgraph *g, size_t cap)
{
	size_t c = g->pcap ? g->pcap * 2 : 256;
	struct pmt_hg_slot *h;

	while (c < cap)
		c *= 2;
	h = rehash(g, g->pages, g->pcap, c);
	if (!h)
		return -ENOMEM;
	g_free(g, g->pages);
	g->pages = h;
	g->pcap = c;
	return 0;
}

/* Room for @n blocks of PMT_HG_BLOCK indexes. */
static int grow_blocks_to(struct pmt_heapgraph *g, size_t n)
{
	size_t c = g->bcap ? g->bcap * 2 : 64;
	uint32_t *b;

	while (c < n)
		c *= 2;
	b = g_realloc(g, g->blocks, c * PMT_HG_BLOCK, sizeof(*b));
	if (!b)
		return -ENOMEM;
	g->blocks = b;
	g->bcap = c;
	return 0;
}

/* pmt_heapgraph_reserve - room for @nodes nodes and @edges edges; see heapgraph.h. */
int pmt_heapgraph_reserve(struct pmt_heapgraph *g, size_t nodes, size_t edges)
{
	int err;

	if (nodes > PMT_HG_MAX_NODES || edges > UINT32_MAX)
		return -E2BIG;
	if (g->cap < nodes) {
		err = grow_nodes_to(g, nodes);
		if (err)
			return err;
	}
	/* a 4 KiB page holds tens of small objects: blocks for one page in 32 nodes (they grow if not) */
	if (g->pcap < nodes / 16) {
		err = grow_pages_to(g, nodes / 16);
		if (err)
			return err;
	}
	if (g->bcap < nodes / 32) {
		err = grow_blocks_to(g, nodes / 32);
		if (err)
			return err;
	}
	if (g->mcap < edges) {
		uint32_t *t = g_realloc(g, g->tgt, edges, sizeof(*t));

		if (!t)
			return -ENOMEM;
		g->tgt = t;
		g->mcap = edges;
	}
	return 0;
}

/* The page table's slot for page key @pg: its own, or the empty one it would take. */
static struct pmt_hg_slot *page_slot(const struct pmt_heapgraph *g, uint64_t pg)
{
	size_t i;

	for (i = hash_home(pg, g->pcap); g->pages[i].key; i = (i + 1) & (g->pcap - 1))
		if (g->pages[i].key == pg)
			break;
	return &g->pages[i];
}

/* Where the node index of @addr is kept, or NULL when nothing is kept for it. */
static uint32_t *index_of(const struct pmt_heapgraph *g, uint64_t addr)
{
	const struct pmt_hg_slot *p;
	size_t i;

	if (addr & 15) {
		if (!g->hcap)
			return NULL;
		for (i = hash_home(addr, g->hcap); g->hash[i].key; i = (i + 1) & (g->hcap - 1))
			if (g->hash[i].key == addr)
				return (uint32_t *)&g->hash[i].val;
		return NULL;
	}
	if (!g->pcap)
		return NULL;
	p = page_slot(g, (addr >> 12) + 1);
	if (!p->key)
		return NULL;
	return &g->blocks[p->val * PMT_HG_BLOCK + ((addr & 4095) >> 4)];
}

/* pmt_heapgraph_find - the node of @addr, or PMT_HG_NONE. */
uint32_t pmt_heapgraph_find(const struct pmt_heapgraph *g, uint64_t addr)
{
	const uint32_t *v = addr ? index_of(g, addr) : NULL;

	return v ? *v : PMT_HG_NONE;
}

/* The slot for @addr's node index, made when new (holding PMT_HG_NONE); NULL: no memory. */
static uint32_t *index_make(struct pmt_heapgraph *g, uint64_t addr)
{
	struct pmt_hg_slot *p;
	size_t i;

	if (addr & 15) {
		if ((g->hn + 1) * 2 > g->hcap && grow_hash(g))
			return NULL;
		for (i = hash_home(addr, g->hcap); g->hash[i].key; i = (i + 1) & (g->hcap - 1))
			if (g->hash[i].key == addr)
				return (uint32_t *)&g->hash[i].val;
		g->hash[i].key = addr;
		g->hash[i].val = PMT_HG_NONE;
		g->hn++;
		return (uint32_t *)&g->hash[i].val;
	}
	if ((g->npages + 1) * 2 > g->pcap && grow_pages_to(g, 0))
		return NULL;
	p = page_slot(g, (addr >> 12) + 1);
	if (!p->key) {
		if (g->npages == g->bcap && grow_blocks_to(g, g->npages + 1))
			return NULL;
		memset(&g->blocks[g->npages * PMT_HG_BLOCK], 0xff, PMT_HG_BLOCK * sizeof(uint32_t));
		p->key = (addr >> 12) + 1;
		p->val = g->npages++;
	}
	return &g->blocks[p->val * PMT_HG_BLOCK + ((addr & 4095) >> 4)];
}

/* pmt_heapgraph_add - the node of @addr, added when new; see heapgraph.h. */
int pmt_heapgraph_add(struct pmt_heapgraph *g, uint64_t addr, uint32_t type, uint8_t flags,
		      uint32_t *idx)
{
	uint32_t *slot;
	int err;

	if (!addr)
		return -EINVAL;
	if (g->n == g->cap) {
		err = grow_nodes(g);
		if (err)
			return err;
	}
	slot = index_make(g, addr);
	if (!slot)
		return -ENOMEM;
	if (*slot != PMT_HG_NONE) {
		*idx = *slot;
		g->flags[*idx] |= flags;
		return 0;
	}
	*slot = (uint32_t)g->n;
	g->addr[g->n] = addr;
	g->bytes[g->n] = 0;
	g->refcnt[g->n] = 0;
	g->type[g->n] = type;
	g->flags[g->n] = flags;
	*idx = (uint32_t)g->n++;
	return 1;
}

/* Close nodes closed .. @upto - 1 with no further edges. */
static void close_upto(struct pmt_heapgraph *g, size_t upto)
{
	while (g->closed < upto)
		g->off[++g->closed] = (uint32_t)g->m;
}

/* pmt_heapgraph_edge - a reference from @src to @dst; nodes in index order. */
int pmt_heapgraph_edge(struct pmt_heapgraph *g, uint32_t src, uint32_t dst, bool zero)
{
	if (src >= g->n || dst >= g->n || src < g->closed)
		return -EINVAL;
	if (g->m == g->mcap) {
		size_t cap = g->mcap ? g->mcap * 2 : 4 * MIN_CAP;
		uint32_t *t;

		if (cap > UINT32_MAX)
			return -E2BIG;
		t = g_realloc(g, g->tgt, cap, sizeof(*t));
		if (!t)
			return -ENOMEM;
		g->tgt = t;
		g->mcap = cap;
	}
	close_upto(g, src);
	g->tgt[g->m++] = dst | (zero ? PMT_HG_ZERO_EDGE : 0);
	return 0;
}

/* pmt_heapgraph_close - node @src (and every open node before it) has its edges. */
int pmt_heapgraph_close(struct pmt_heapgraph *g, uint32_t src)
{
	if (src >= g->n || src < g->closed)
		return -EINVAL;
	close_upto(g, (size_t)src + 1);
	return 0;
}

/* pmt_heapgraph_seal - close every node still open. */
void pmt_heapgraph_seal(struct pmt_heapgraph *g)
{
	close_upto(g, g->n);
}

/* ---- shortest paths ------------------------------------------------------ */

/* A growable double-ended queue of node indexes. */
struct deque {
	uint32_t *v;
	size_t cap, head, len; /* cap a power of two */
};

static int dq_grow(struct deque *q)
{
	size_t cap = q->cap ? q->cap * 2 : MIN_CAP, i;
	uint32_t *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < q->len; i++)
		v[i] = q->v[(q->head + i) & (q->cap - 1)];
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static int dq_push_back(struct deque *q, uint32_t x)
{
	if (q->len == q->cap && dq_grow(q))
		return -ENOMEM;
	q->v[(q->head + q->len++) & (q->cap - 1)] = x;
	return 0;
}

static int dq_push_front(struct deque *q, uint32_t x)
{
	if (q->len == q->cap && dq_grow(q))
		return -ENOMEM;
	q->head = (q->head - 1) & (q->cap - 1);
	q->v[q->head] = x;
	q->len++;
	return 0;
}

static uint32_t dq_pop_front(struct deque *q)
{
	uint32_t x = q->v[q->head];

	q->head = (q->head + 1) & (q->cap - 1);
	q->len--;
	return x;
}

/* pmt_heapgraph_paths - 0-1 BFS from @roots; see heapgraph.h. */
int pmt_heapgraph_paths(const struct pmt_heapgraph *g, const uint32_t *roots, size_t nroots,
			uint32_t *parent, uint32_t *dist)
{
	struct deque q = { 0 };
	size_t i;
	int err = 0;

	if (g->closed != g->n)
		return -EINVAL;
	for (i = 0; i < g->n; i++) {
		parent[i] = PMT_HG_NONE;
		dist[i] = UINT32_MAX;
	}
	for (i = 0; i < nroots; i++) {
		uint32_t r = roots[i];

		if (r >= g->n || dist[r] == 0)
			continue;
		dist[r] = 0;
		parent[r] = PMT_HG_ROOT;
		err = dq_push_back(&q, r);
		if (err)
			goto cleanup;
	}
	while (q.len) {
		uint32_t u = dq_pop_front(&q);
		const uint32_t *e;
		size_t k, ne = pmt_heapgraph_edges(g, u, &e);

		for (k = 0; k < ne; k++) {
			uint32_t v = PMT_HG_EDGE_NODE(e[k]);
			bool zero = e[k] & PMT_HG_ZERO_EDGE;
			uint32_t d = dist[u] + (zero ? 0 : 1);

			if (d >= dist[v])
				continue;
			dist[v] = d;
			parent[v] = u;
			err = zero ? dq_push_front(&q, v) : dq_push_back(&q, v);
			if (err)
				goto cleanup;
		}
	}
cleanup:
	free(q.v);
	return err;
}

/* pmt_heapgraph_path - the nodes from @i's root to @i; see heapgraph.h. */
size_t pmt_heapgraph_path(const uint32_t *parent, uint32_t i, uint32_t *out, size_t max)
{
	size_t len = 0, k;
	uint32_t x;

	if (parent[i] == PMT_HG_NONE || max < 2)
		return 0;
	for (x = i; x != PMT_HG_ROOT; x = parent[x])
		len++;
	/* Walk again, storing the root end first. */
	k = len;
	for (x = i; x != PMT_HG_ROOT; x = parent[x]) {
		k--;
		if (k < max - 1)
			out[k] = x;
	}
	if (len > max)
		out[max - 1] = i;
	return len;
}

/* ---- what only cycles keep alive ---------------------------------------- */

/* pmt_heapgraph_unreachable - mark what is alive for a reason other than a cycle. */
long pmt_heapgraph_unreachable(const struct pmt_heapgraph *g, bool *alive_out)
{
	uint32_t *indeg = calloc(g->n ? g->n : 1, sizeof(*indeg));
	uint32_t *stack = malloc((g->n ? g->n : 1) * sizeof(*stack));
	size_t i, top = 0;
	long dead = 0;

	if (!indeg || !stack) {
		free(indeg);
		free(stack);
		return -ENOMEM;
	}
	for (i = 0; i < g->m; i++) {
		uint32_t v = PMT_HG_EDGE_NODE(g->tgt[i]);

		if (indeg[v] < UINT32_MAX)
			indeg[v]++;
	}
	for (i = 0; i < g->n; i++) {
		/* Held from outside; or not read completely (static, not walked,
		 * a count below the edges seen): alive, to err on that side. */
		bool ext = g->refcnt[i] != indeg[i] || (g->flags[i] & PMT_HG_STATIC) ||
			   !(g->flags[i] & PMT_HG_DONE) || i >= g->closed;

		alive_out[i] = ext;
		if (ext)
			stack[top++] = (uint32_t)i;
	}
	while (top) {
		uint32_t u = stack[--top];
		const uint32_t *e;
		size_t k, ne;

		if (u >= g->closed)
			continue;
		ne = pmt_heapgraph_edges(g, u, &e);
		for (k = 0; k < ne; k++) {
			uint32_t v = PMT_HG_EDGE_NODE(e[k]);

			if (!alive_out[v]) {
				alive_out[v] = true;
				stack[top++] = v;
			}
		}
	}
	for (i = 0; i < g->n; i++)
		dead += !alive_out[i];
	free(indeg);
	free(stack);
	return dead;
}

/* ---- strongly connected components (iterative Tarjan) ------------------- */

/* pmt_heapgraph_scc - components of the nodes with @in set; see heapgraph.h. */
long pmt_heapgraph_scc(const struct pmt_heapgraph *g, const bool *in, uint32_t *comp_out,
		       bool *cyclic_out)
{
	size_t n = g->n ? g->n : 1;
	uint32_t *index = malloc(n * sizeof(*index)), *low = malloc(n * sizeof(*low));
	uint32_t *stack = malloc(n * sizeof(*stack)), *call = malloc(n * sizeof(*call));
	uint32_t *edge = malloc(n * sizeof(*edge));
	bool *onstack = calloc(n, sizeof(*onstack));
	uint32_t next = 0, ncomp = 0;
	size_t sp = 0, cp, s;
	long ret = 0;

	if (!index || !low || !stack || !call || !edge || !onstack) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (s = 0; s < g->n; s++) {
		index[s] = UINT32_MAX;
		comp_out[s] = PMT_HG_NONE;
	}
	for (s = 0; s < g->n; s++) {
		if (!in[s] || index[s] != UINT32_MAX || s >= g->closed)
			continue;
		cp = 0;
		call[cp] = (uint32_t)s;
		edge[cp++] = 0;
		index[s] = low[s] = next++;
		stack[sp++] = (uint32_t)s;
		onstack[s] = true;
		while (cp) {
			uint32_t u = call[cp - 1];
			const uint32_t *e;
			size_t ne = pmt_heapgraph_edges(g, u, &e);

			if (edge[cp - 1] < ne) {
				uint32_t v = PMT_HG_EDGE_NODE(e[edge[cp - 1]++]);

				if (!in[v] || v >= g->closed)
					continue;
				if (index[v] == UINT32_MAX) {
					index[v] = low[v] = next++;
					stack[sp++] = v;
					onstack[v] = true;
					call[cp] = v;
					edge[cp++] = 0;
				} else if (onstack[v] && index[v] < low[u]) {
					low[u] = index[v];
				}
				continue;
			}
			/* u is finished. */
			if (low[u] == index[u]) {
				uint32_t w, size = 0;
				bool self = false;

				do {
					w = stack[--sp];
					onstack[w] = false;
					comp_out[w] = ncomp;
					size++;
				} while (w != u);
				if (size == 1) {
					size_t k;

					for (k = 0; k < ne; k++)
						self |= PMT_HG_EDGE_NODE(e[k]) == u;
				}
				if (cyclic_out)
					cyclic_out[ncomp] = size > 1 || self;
				ncomp++;
			}
			cp--;
			if (cp) {
				uint32_t p = call[cp - 1];

				if (low[u] < low[p])
					low[p] = low[u];
			}
		}
	}
	ret = ncomp;
cleanup:
	free(index);
	free(low);
	free(stack);
	free(call);
	free(edge);
	free(onstack);
	return ret;
}

/* pmt_heapgraph_cycle - a shortest cycle through @start inside its component. */
long pmt_heapgraph_cycle(const struct pmt_heapgraph *g, const uint32_t *comp, uint32_t start,
			 uint32_t *out, size_t max)
{
	uint32_t *parent, c, last = PMT_HG_NONE;
	struct deque q = { 0 };
	size_t i;
	long len = 0;

	if (start >= g->n || comp[start] == PMT_HG_NONE || start >= g->closed || !max)
		return 0;
	c = comp[start];
	parent = malloc(g->n * sizeof(*parent));
	if (!parent)
		return -ENOMEM;
	for (i = 0; i < g->n; i++)
		parent[i] = PMT_HG_NONE;
	if (dq_push_back(&q, start)) {
		len = -ENOMEM;
		goto cleanup;
	}
	parent[start] = PMT_HG_ROOT;
	while (q.len && last == PMT_HG_NONE) {
		uint32_t u = dq_pop_front(&q);
		const uint32_t *e;
		size_t k, ne = pmt_heapgraph_edges(g, u, &e);

		for (k = 0; k < ne; k++) {
			uint32_t v = PMT_HG_EDGE_NODE(e[k]);

			if (v >= g->closed || comp[v] != c)
				continue;
			if (v == start) {
				last = u;
				break;
			}
			if (parent[v] != PMT_HG_NONE)
				continue;
			parent[v] = u;
			if (dq_push_back(&q, v)) {
				len = -ENOMEM;
				goto cleanup;
			}
		}
	}
	if (last == PMT_HG_NONE)
		goto cleanup;
	for (c = last; c != PMT_HG_ROOT; c = parent[c])
		len++;
	i = (size_t)len;
	for (c = last; c != PMT_HG_ROOT; c = parent[c]) {
		i--;
		if (i < max)
			out[i] = c;
	}
cleanup:
	free(q.v);
	free(parent);
	return len;
}

/* pmt_heapgraph_cycle_holders - the cycle nearest to each node not alive. */
int pmt_heapgraph_cycle_holders(const struct pmt_heapgraph *g, const bool *alive,
				const uint32_t *comp, const bool *cyclic, uint32_t *holder_out)
{
	struct deque q = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; i < g->n; i++) {
		holder_out[i] = PMT_HG_NONE;
		if (alive[i] || comp[i] == PMT_HG_NONE || !cyclic[comp[i]])
			continue;
		holder_out[i] = (uint32_t)i;
		err = dq_push_back(&q, (uint32_t)i);
		if (err)
			goto cleanup;
	}
	while (q.len) {
		uint32_t u = dq_pop_front(&q);
		const uint32_t *e;
		size_t k, ne;

		if (u >= g->closed)
			continue;
		ne = pmt_heapgraph_edges(g, u, &e);
		for (k = 0; k < ne; k++) {
			uint32_t v = PMT_HG_EDGE_NODE(e[k]);

			if (alive[v] || holder_out[v] != PMT_HG_NONE)
				continue;
			holder_out[v] = holder_out[u];
			err = dq_push_back(&q, v);
			if (err)
				goto cleanup;
		}
	}
cleanup:
	free(q.v);
	return err;
}
