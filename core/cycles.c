// SPDX-License-Identifier: BSD-2-Clause
/*
 * cycles.c - cycles of a directed graph: Tarjan's strongly connected
 * components, iteratively (no recursion however deep the graph), then a
 * breadth-first search inside each cyclic component for the shortest way
 * from its smallest node back to it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/cycles.h"

#define NONE UINT32_MAX

struct graph {
	uint32_t n;
	uint32_t *off; /* n + 1 offsets into adj */
	uint32_t *adj;
};

static int build(struct graph *g, uint32_t n, const struct pmt_edge *e, size_t m)
{
	size_t i;

	g->n = n;
	g->off = calloc((size_t)n + 1, sizeof(*g->off));
	g->adj = malloc((m ? m : 1) * sizeof(*g->adj));
	if (!g->off || !g->adj)
		return -ENOMEM;
	for (i = 0; i < m; i++)
		g->off[e[i].from + 1]++;
	for (i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	{
		uint32_t *fill = malloc(((size_t)n + 1) * sizeof(*fill));

		if (!fill)
			return -ENOMEM;
		memcpy(fill, g->off, ((size_t)n + 1) * sizeof(*fill));
		for (i = 0; i < m; i++)
			g->adj[fill[e[i].from]++] = e[i].to;
		free(fill);
	}
	return 0;
}

/* Append one cycle (@len nodes of @v) to @out. */
static int push_cycle(struct pmt_cycle_set *out, const uint32_t *v, size_t len, size_t *cap_nodes,
		      size_t *cap_cycles)
{
	size_t used = out->count ? out->start[out->count] : 0;

	if (out->count + 2 > *cap_cycles) {
		size_t c = *cap_cycles ? *cap_cycles * 2 : 16;
		size_t *s = realloc(out->start, c * sizeof(*s));

		if (!s)
			return -ENOMEM;
		out->start = s;
		*cap_cycles = c;
	}
	if (used + len > *cap_nodes) {
		size_t c = *cap_nodes ? *cap_nodes * 2 : 64;
		uint32_t *nv;

		while (c < used + len)
			c *= 2;
		nv = realloc(out->nodes, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		out->nodes = nv;
		*cap_nodes = c;
	}
	memcpy(out->nodes + used, v, len * sizeof(*v));
	out->start[out->count] = used;
	out->start[out->count + 1] = used + len;
	out->count++;
	return 0;
}

int pmt_find_cycles(uint32_t n, const struct pmt_edge *edges, size_t nedges,
		    struct pmt_cycle_set *out)
{
	struct graph g = { 0 };
	uint32_t *index = NULL, *low = NULL, *stack = NULL, *comp = NULL, *cstack = NULL;
	uint32_t *citer = NULL, *queue = NULL, *parent = NULL, *path = NULL;
	bool *on = NULL;
	size_t cap_nodes = 0, cap_cycles = 0, i;
	uint32_t next = 0, sp = 0, csp = 0, ncomp = 0, v;
	int err = -ENOMEM;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if ((nedges && !edges))
		return -EINVAL;
	for (i = 0; i < nedges; i++)
		if (edges[i].from >= n || edges[i].to >= n)
			return -EINVAL;
	if (!n)
		return 0;
	if (build(&g, n, edges, nedges))
		goto cleanup;
	index = malloc((size_t)n * sizeof(*index));
	low = malloc((size_t)n * sizeof(*low));
	stack = malloc((size_t)n * sizeof(*stack));
	comp = malloc((size_t)n * sizeof(*comp));
	cstack = malloc((size_t)n * sizeof(*cstack));
	citer = malloc((size_t)n * sizeof(*citer));
	queue = malloc((size_t)n * sizeof(*queue));
	parent = malloc((size_t)n * sizeof(*parent));
	path = malloc((size_t)n * sizeof(*path));
	on = calloc(n, sizeof(*on));
	if (!index || !low || !stack || !comp || !cstack || !citer || !queue || !parent || !path ||
	    !on)
		goto cleanup;
	for (v = 0; v < n; v++)
		index[v] = NONE;

	/* Tarjan, with an explicit call stack (cstack) and edge cursors (citer). */
	for (v = 0; v < n; v++) {
		if (index[v] != NONE)
			continue;
		cstack[csp++] = v;
		index[v] = low[v] = next++;
		citer[v] = g.off[v];
		stack[sp++] = v;
		on[v] = true;
		while (csp) {
			uint32_t u = cstack[csp - 1];

			if (citer[u] < g.off[u + 1]) {
				uint32_t w = g.adj[citer[u]++];

				if (index[w] == NONE) {
					index[w] = low[w] = next++;
					citer[w] = g.off[w];
					stack[sp++] = w;
					on[w] = true;
					cstack[csp++] = w;
				} else if (on[w] && index[w] < low[u]) {
					low[u] = index[w];
				}
				continue;
			}
			csp--;
			if (csp && low[u] < low[cstack[csp - 1]])
				low[cstack[csp - 1]] = low[u];
			if (low[u] == index[u]) {
				uint32_t w;

				do {
					w = stack[--sp];
					on[w] = false;
					comp[w] = ncomp;
				} while (w != u);
				ncomp++;
			}
		}
	}

	/* One cycle per cyclic component, from its smallest node (v ascending). */
	{
		bool *done = calloc(ncomp ? ncomp : 1, sizeof(*done));
		uint32_t *size = calloc(ncomp ? ncomp : 1, sizeof(*size));

		if (!done || !size) {
			free(done);
			free(size);
			goto cleanup;
		}
		for (v = 0; v < n; v++) {
			size[comp[v]]++;
			parent[v] = NONE;
		}
		for (v = 0; v < n; v++) {
			uint32_t c = comp[v], head = 0, tail = 0, u, last = NONE, len = 0;
			size_t k;
			bool self = false;

			if (done[c])
				continue;
			done[c] = true;
			for (k = g.off[v]; k < g.off[v + 1]; k++)
				self |= g.adj[k] == v;
			if (self) {
				/* the shortest cycle: v refers to itself */
				if (push_cycle(out, &v, 1, &cap_nodes, &cap_cycles)) {
					free(done);
					free(size);
					goto cleanup;
				}
				out->scc_nodes += size[c];
				continue;
			}
			if (size[c] < 2)
				continue;
			/* BFS inside the component for a node with an edge back to v */
			queue[tail++] = v;
			parent[v] = v;
			while (head < tail && last == NONE) {
				u = queue[head++];
				for (k = g.off[u]; k < g.off[u + 1]; k++) {
					uint32_t w = g.adj[k];

					if (comp[w] != c)
						continue;
					if (w == v) {
						last = u;
						break;
					}
					if (parent[w] == NONE) {
						parent[w] = u;
						queue[tail++] = w;
					}
				}
			}
			if (last == NONE) { /* cannot happen in a component of 2 or more */
				for (k = 0; k < tail; k++)
					parent[queue[k]] = NONE;
				continue;
			}
			for (u = last; u != v; u = parent[u])
				path[len++] = u;
			path[len++] = v;
			/* reverse: v first */
			for (k = 0; k < len / 2; k++) {
				uint32_t t = path[k];

				path[k] = path[len - 1 - k];
				path[len - 1 - k] = t;
			}
			for (k = 0; k < tail; k++)
				parent[queue[k]] = NONE;
			if (push_cycle(out, path, len, &cap_nodes, &cap_cycles)) {
				free(done);
				free(size);
				goto cleanup;
			}
			out->scc_nodes += size[c];
		}
		free(done);
		free(size);
	}
	err = 0;
cleanup:
	free(g.off);
	free(g.adj);
	free(index);
	free(low);
	free(stack);
	free(comp);
	free(cstack);
	free(citer);
	free(queue);
	free(parent);
	free(path);
	free(on);
	if (err)
		pmt_cycle_set_free(out);
	return err;
}

void pmt_cycle_set_free(struct pmt_cycle_set *c)
{
	if (!c)
		return;
	free(c->nodes);
	free(c->start);
	memset(c, 0, sizeof(*c));
}
