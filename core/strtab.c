// SPDX-License-Identifier: BSD-2-Clause
/*
 * strtab.c - string interning with an open-addressing index (FNV-1a).
 */
#include <stdlib.h>
#include <string.h>

#include "pmtrace/strtab.h"

void pmt_strtab_init(struct pmt_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

static void *tab_realloc(struct pmt_strtab *t, void *p, size_t n)
{
	if (t->realloc_fn)
		return t->realloc_fn(t->alloc_ctx, p, n);
	if (!n) {
		free(p);
		return NULL;
	}
	return realloc(p, n);
}

static void tab_free(struct pmt_strtab *t, void *p)
{
	if (p)
		tab_realloc(t, p, 0);
}

void pmt_strtab_free(struct pmt_strtab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		tab_free(t, t->strs[i]);
	tab_free(t, t->strs);
	tab_free(t, t->slots);
	memset(t, 0, sizeof(*t));
}

static uint32_t hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int grow(struct pmt_strtab *t)
{
	uint32_t n = t->nslots ? t->nslots * 2 : 64, i;
	uint32_t *slots = tab_realloc(t, NULL, n * sizeof(*slots));

	if (!slots)
		return -1;
	memset(slots, 0, n * sizeof(*slots));
	for (i = 0; i < t->n; i++) {
		uint32_t j = hash(t->strs[i], strlen(t->strs[i])) & (n - 1);

		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = i + 1;
	}
	tab_free(t, t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

uint32_t pmt_strtab_intern(struct pmt_strtab *t, const char *s, size_t len)
{
	uint32_t j;
	char *copy;

	if ((t->n + 1) * 2 > t->nslots && grow(t))
		return 0;
	j = hash(s, len) & (t->nslots - 1);
	for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
		const char *c = t->strs[t->slots[j] - 1];

		if (strlen(c) == len && !memcmp(c, s, len))
			return t->slots[j];
	}
	if (t->n == t->cap) {
		uint32_t nc = t->cap ? t->cap * 2 : 64;
		char **ns = tab_realloc(t, t->strs, nc * sizeof(*ns));

		if (!ns)
			return 0;
		t->strs = ns;
		t->cap = nc;
	}
	copy = tab_realloc(t, NULL, len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = 0;
	t->strs[t->n++] = copy;
	t->slots[j] = t->n;
	return t->n;
}

const char *pmt_strtab_get(const struct pmt_strtab *t, uint32_t id)
{
	return id && id <= t->n ? t->strs[id - 1] : NULL;
}
