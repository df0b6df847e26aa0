// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_heapgraph.c - unit tests of the heap snapshot graph on hand-built
 * heaps: address lookup (page map and odd addresses, growth past the first
 * sizes, reset), edges in node order, shortest paths from roots in order
 * of preference with an owner's __dict__ as no step, what only reference
 * cycles keep alive (reference counts against edges, objects held from
 * outside, counts that cannot be trusted), strongly connected components,
 * a shortest cycle through a node, and which cycle holds what.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/heapgraph.h"
#include "suites.h"

#define BASE UINT64_C(0x7f0000001000)

static uint32_t node(struct pmt_heapgraph *g, uint64_t addr, uint64_t refcnt)
{
	uint32_t i = PMT_HG_NONE;

	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_add(g, addr, 0, PMT_HG_TRACKED | PMT_HG_DONE, &i), 1);
	g->refcnt[i] = refcnt;
	return i;
}

static void test_add_find(void)
{
	struct pmt_heapgraph g;
	uint32_t i, j, k;

	pmt_heapgraph_init(&g);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE), PMT_HG_NONE);
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, 0, 0, 0, &i), -EINVAL);
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, BASE, 3, PMT_HG_TRACKED, &i), 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, BASE, 4, PMT_HG_ASSET, &j), 0);
	CU_ASSERT_EQUAL(i, j);
	CU_ASSERT_EQUAL(g.type[i], 3); /* the first add's type stays */
	CU_ASSERT_EQUAL(g.flags[i], PMT_HG_TRACKED | PMT_HG_ASSET);
	/* an odd address (not 16-byte aligned) and its 16-byte neighbour are two nodes */
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, BASE + 8, 0, 0, &k), 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, BASE + 16, 0, 0, &j), 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE + 8), k);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE + 16), j);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE + 32), PMT_HG_NONE);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE + 24), PMT_HG_NONE);
	CU_ASSERT_EQUAL(g.n, 3);
	pmt_heapgraph_free(&g);
	pmt_heapgraph_free(&g); /* twice: harmless */
}

/* Many objects over many pages and odd addresses: every one found again, after growth. */
static void test_many(void)
{
	struct pmt_heapgraph g;
	uint32_t i, idx;

	pmt_heapgraph_init(&g);
	for (i = 0; i < 200000; i++) {
		uint64_t a = BASE + (uint64_t)i * 48 + (i % 7 == 0 ? 8 : 0);

		CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_add(&g, a, i, 0, &idx), 1);
		CU_ASSERT_EQUAL_FATAL(idx, i);
	}
	for (i = 0; i < 200000; i++) {
		uint64_t a = BASE + (uint64_t)i * 48 + (i % 7 == 0 ? 8 : 0);

		if (pmt_heapgraph_find(&g, a) != i) {
			CU_FAIL("lost a node");
			break;
		}
	}
	/* reset: empty, the memory kept */
	pmt_heapgraph_reset(&g);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE), PMT_HG_NONE);
	CU_ASSERT_TRUE(g.cap >= 200000);
	CU_ASSERT_EQUAL(pmt_heapgraph_add(&g, BASE + 48, 0, 0, &idx), 1);
	CU_ASSERT_EQUAL(idx, 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_reserve(&g, 1000000, 4000000), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_find(&g, BASE + 48), 0);
	pmt_heapgraph_free(&g);
}

static void test_edges_in_order(void)
{
	struct pmt_heapgraph g;
	const uint32_t *e;
	uint32_t a, b, c;

	pmt_heapgraph_init(&g);
	a = node(&g, BASE, 1);
	b = node(&g, BASE + 64, 1);
	c = node(&g, BASE + 128, 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, b, c, false), 0); /* a closed with no edge */
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, a, c, false), -EINVAL);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, b, 99, false), -EINVAL);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, b, a, true), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_close(&g, b), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_close(&g, a), -EINVAL);
	pmt_heapgraph_seal(&g);
	CU_ASSERT_EQUAL(pmt_heapgraph_edges(&g, a, &e), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_edges(&g, b, &e), 2);
	CU_ASSERT_EQUAL(e[0], c);
	CU_ASSERT_EQUAL(PMT_HG_EDGE_NODE(e[1]), a);
	CU_ASSERT_TRUE(e[1] & PMT_HG_ZERO_EDGE);
	CU_ASSERT_EQUAL(pmt_heapgraph_edges(&g, c, &e), 0);
	pmt_heapgraph_free(&g);
}

/*
 * module game.level -> (its __dict__) -> class Level -> (its __dict__) ->
 * list tiles -> Surface; also main()'s frame -> a list -> a dict -> Surface:
 * the module path is 3 steps, the frame's 3 too: the module, an earlier root,
 * wins; a second surface is nearer the frame.
 */
static void test_paths(void)
{
	struct pmt_heapgraph g;
	uint32_t mod, mdict, cls, cdict, tiles, surf, frame, l2, d2, surf2, lost;
	uint32_t roots[2], parent[16], dist[16], path[8];
	size_t n;

	pmt_heapgraph_init(&g);
	mod = node(&g, BASE, 1);
	mdict = node(&g, BASE + 0x100, 1);
	cls = node(&g, BASE + 0x200, 1);
	cdict = node(&g, BASE + 0x300, 1);
	tiles = node(&g, BASE + 0x400, 1);
	surf = node(&g, BASE + 0x500, 2);
	frame = node(&g, BASE + 0x600, 1);
	l2 = node(&g, BASE + 0x700, 1);
	d2 = node(&g, BASE + 0x800, 1);
	surf2 = node(&g, BASE + 0x900, 1);
	lost = node(&g, BASE + 0xa00, 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, mod, mdict, true), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, mdict, cls, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, cls, cdict, true), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, cdict, tiles, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, tiles, surf, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, frame, l2, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, frame, surf2, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, l2, d2, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, d2, surf, false), 0);
	pmt_heapgraph_seal(&g);
	roots[0] = mod;
	roots[1] = frame;
	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_paths(&g, roots, 2, parent, dist), 0);
	CU_ASSERT_EQUAL(dist[mdict], 0);
	CU_ASSERT_EQUAL(dist[cls], 1);
	CU_ASSERT_EQUAL(dist[cdict], 1);
	CU_ASSERT_EQUAL(dist[tiles], 2);
	CU_ASSERT_EQUAL(dist[surf], 3);
	CU_ASSERT_EQUAL(parent[surf], tiles); /* the module's path, not the frame's */
	CU_ASSERT_EQUAL(parent[surf2], frame);
	CU_ASSERT_EQUAL(dist[surf2], 1);
	CU_ASSERT_EQUAL(parent[mod], PMT_HG_ROOT);
	CU_ASSERT_EQUAL(parent[lost], PMT_HG_NONE);
	CU_ASSERT_EQUAL(dist[lost], UINT32_MAX);
	n = pmt_heapgraph_path(parent, surf, path, 8);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	CU_ASSERT_EQUAL(path[0], mod);
	CU_ASSERT_EQUAL(path[1], mdict);
	CU_ASSERT_EQUAL(path[2], cls);
	CU_ASSERT_EQUAL(path[5], surf);
	/* cut: the first max - 1 nodes, then the node itself */
	n = pmt_heapgraph_path(parent, surf, path, 3);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(path[0], mod);
	CU_ASSERT_EQUAL(path[1], mdict);
	CU_ASSERT_EQUAL(path[2], surf);
	CU_ASSERT_EQUAL(pmt_heapgraph_path(parent, lost, path, 8), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_path(parent, mod, path, 8), 1);
	/* with the frame first, the surface is nearer through it: 3 steps either way, frame wins */
	roots[0] = frame;
	roots[1] = mod;
	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_paths(&g, roots, 2, parent, dist), 0);
	CU_ASSERT_EQUAL(parent[surf], d2);
	pmt_heapgraph_free(&g);
}

/*
 * R (held from outside) -> X; cycle C1 <-> C2, C1 -> S; Y held 3 times, one
 * edge; Z: a count below its edges (read while it changed); W: not walked.
 */
static void test_unreachable(void)
{
	struct pmt_heapgraph g;
	uint32_t r, x, c1, c2, s, y, z, w, t;
	bool alive[16];

	pmt_heapgraph_init(&g);
	r = node(&g, BASE, 1);         /* no edge in: held from outside */
	x = node(&g, BASE + 0x40, 1);
	c1 = node(&g, BASE + 0x80, 1);
	c2 = node(&g, BASE + 0xc0, 1);
	s = node(&g, BASE + 0x100, 1);
	y = node(&g, BASE + 0x140, 3);
	z = node(&g, BASE + 0x180, 1); /* two edges in */
	w = node(&g, BASE + 0x1c0, 1);
	t = node(&g, BASE + 0x200, 1); /* held by w only */
	g.flags[w] &= (uint8_t)~PMT_HG_DONE;
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, r, x, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c1, c2, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c1, s, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c1, z, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c2, c1, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c2, y, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c2, z, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, w, t, false), 0);
	pmt_heapgraph_seal(&g);
	CU_ASSERT_EQUAL(pmt_heapgraph_unreachable(&g, alive), 3);
	CU_ASSERT_TRUE(alive[r]);
	CU_ASSERT_TRUE(alive[x]);
	CU_ASSERT_FALSE(alive[c1]);
	CU_ASSERT_FALSE(alive[c2]);
	CU_ASSERT_FALSE(alive[s]);
	CU_ASSERT_TRUE(alive[y]); /* held from outside as well */
	CU_ASSERT_TRUE(alive[z]); /* not to be trusted: alive */
	CU_ASSERT_TRUE(alive[w]); /* not walked: alive */
	CU_ASSERT_TRUE(alive[t]); /* its holder is alive */
	/* the cycle held from outside too: everything alive */
	g.refcnt[c2] = 2;
	CU_ASSERT_EQUAL(pmt_heapgraph_unreachable(&g, alive), 0);
	CU_ASSERT_TRUE(alive[s]);
	g.refcnt[c2] = 1;
	g.flags[c1] |= PMT_HG_STATIC;
	CU_ASSERT_EQUAL(pmt_heapgraph_unreachable(&g, alive), 0);
	pmt_heapgraph_free(&g);
}

/* a -> b -> c -> a, a -> c (c -> a: the shortest cycle through a is a c);
 * d -> d; e -> f (no cycle); g <-> h. */
static void test_scc_and_cycles(void)
{
	struct pmt_heapgraph g;
	uint32_t a, b, c, d, e, f, gg, h, comp[16], cyc[8], holder[16];
	bool in[16], cyclic[16], alive[16];
	long n, len;
	int k;

	pmt_heapgraph_init(&g);
	a = node(&g, BASE, 1);
	b = node(&g, BASE + 0x40, 1);
	c = node(&g, BASE + 0x80, 1);
	d = node(&g, BASE + 0xc0, 1);
	e = node(&g, BASE + 0x100, 1);
	f = node(&g, BASE + 0x140, 1);
	gg = node(&g, BASE + 0x180, 1);
	h = node(&g, BASE + 0x1c0, 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, a, b, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, a, c, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, b, c, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c, a, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, c, f, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, d, d, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, e, f, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, gg, h, false), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_edge(&g, h, gg, false), 0);
	pmt_heapgraph_seal(&g);
	for (k = 0; k < 16; k++)
		in[k] = k != (int)h; /* h left out: g's cycle is broken */
	n = pmt_heapgraph_scc(&g, in, comp, cyclic);
	CU_ASSERT_EQUAL_FATAL(n, 5); /* {a,b,c} {d} {e} {f} {g}; h left out */
	CU_ASSERT_EQUAL(comp[a], comp[b]);
	CU_ASSERT_EQUAL(comp[a], comp[c]);
	CU_ASSERT_NOT_EQUAL(comp[a], comp[d]);
	CU_ASSERT_EQUAL(comp[h], PMT_HG_NONE);
	CU_ASSERT_TRUE(cyclic[comp[a]]);
	CU_ASSERT_TRUE(cyclic[comp[d]]);  /* a self reference */
	CU_ASSERT_FALSE(cyclic[comp[e]]);
	CU_ASSERT_FALSE(cyclic[comp[f]]);
	CU_ASSERT_FALSE(cyclic[comp[gg]]);
	len = pmt_heapgraph_cycle(&g, comp, a, cyc, 8);
	CU_ASSERT_EQUAL_FATAL(len, 2);
	CU_ASSERT_EQUAL(cyc[0], a);
	CU_ASSERT_EQUAL(cyc[1], c);
	len = pmt_heapgraph_cycle(&g, comp, b, cyc, 8);
	CU_ASSERT_EQUAL_FATAL(len, 3);
	CU_ASSERT_EQUAL(cyc[0], b);
	CU_ASSERT_EQUAL(cyc[1], c);
	CU_ASSERT_EQUAL(cyc[2], a);
	CU_ASSERT_EQUAL(pmt_heapgraph_cycle(&g, comp, d, cyc, 8), 1);
	CU_ASSERT_EQUAL(pmt_heapgraph_cycle(&g, comp, e, cyc, 8), 0);
	CU_ASSERT_EQUAL(pmt_heapgraph_cycle(&g, comp, h, cyc, 8), 0);
	/* holders: a, b, c, f are garbage of the cycle {a,b,c}; d its own; e not reached */
	for (k = 0; k < 16; k++)
		alive[k] = !(k == (int)a || k == (int)b || k == (int)c || k == (int)d ||
			     k == (int)e || k == (int)f);
	for (k = 0; k < 16; k++)
		in[k] = !alive[k];
	n = pmt_heapgraph_scc(&g, in, comp, cyclic);
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_cycle_holders(&g, alive, comp, cyclic, holder), 0);
	CU_ASSERT_EQUAL(holder[a], a);
	CU_ASSERT_EQUAL(holder[b], b);
	CU_ASSERT_EQUAL(holder[c], c);
	CU_ASSERT_EQUAL(comp[holder[f]], comp[a]);
	CU_ASSERT_EQUAL(holder[d], d);
	CU_ASSERT_EQUAL(holder[e], PMT_HG_NONE);
	CU_ASSERT_EQUAL(holder[gg], PMT_HG_NONE); /* alive */
	pmt_heapgraph_free(&g);
}

/* A long chain: the iterative walks do not recurse. */
static void test_deep(void)
{
	struct pmt_heapgraph g;
	uint32_t i, n = 100000, *parent, *dist, *comp, root = 0, cyc[4];
	bool *in, *cyclic;

	pmt_heapgraph_init(&g);
	for (i = 0; i < n; i++)
		node(&g, BASE + (uint64_t)i * 32, 1);
	for (i = 0; i + 1 < n; i++)
		CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_edge(&g, i, i + 1, false), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_heapgraph_edge(&g, n - 1, 0, false), 0);
	pmt_heapgraph_seal(&g);
	parent = malloc(n * sizeof(*parent));
	dist = malloc(n * sizeof(*dist));
	comp = malloc(n * sizeof(*comp));
	in = malloc(n * sizeof(*in));
	cyclic = calloc(n, sizeof(*cyclic));
	CU_ASSERT_FATAL(parent && dist && comp && in && cyclic);
	CU_ASSERT_EQUAL(pmt_heapgraph_paths(&g, &root, 1, parent, dist), 0);
	CU_ASSERT_EQUAL(dist[n - 1], n - 1);
	for (i = 0; i < n; i++)
		in[i] = true;
	CU_ASSERT_EQUAL(pmt_heapgraph_scc(&g, in, comp, cyclic), 1);
	CU_ASSERT_TRUE(cyclic[0]);
	CU_ASSERT_EQUAL(pmt_heapgraph_cycle(&g, comp, 0, cyc, 4), (long)n);
	CU_ASSERT_EQUAL(cyc[0], 0);
	CU_ASSERT_EQUAL(cyc[3], 3);
	free(parent);
	free(dist);
	free(comp);
	free(in);
	free(cyclic);
	pmt_heapgraph_free(&g);
}

/* pmt_test_register_heapgraph - add the "heapgraph" suite. */
void pmt_test_register_heapgraph(void)
{
	static const struct pmt_test tests[] = {
		{ "add and find, odd addresses", test_add_find },
		{ "200,000 objects, reset, reserve", test_many },
		{ "edges in node order", test_edges_in_order },
		{ "shortest paths, __dict__ no step, root order", test_paths },
		{ "kept alive only by cycles", test_unreachable },
		{ "components, cycles, holders", test_scc_and_cycles },
		{ "a 100,000-long cycle", test_deep },
	};

	pmt_test_add_suite("heapgraph", tests, PMT_ARRAY_SIZE(tests));
}
