// SPDX-License-Identifier: BSD-2-Clause
/*
 * heapdiff.c - counting a snapshot's objects by type name, and comparing
 * snapshots: growth since the previous and the first, growth streaks, and
 * survivors (objects new at the previous snapshot still alive now), by a
 * merge of address-sorted object lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/heapdiff.h"

static int stat_by_name(const void *a, const void *b)
{
	const struct pmt_typestat *x = a, *y = b;

	return x->name < y->name ? -1 : x->name > y->name;
}

/* pmt_typestats_count - objects by type name; see heapdiff.h. */
int pmt_typestats_count(const uint32_t *type, const uint64_t *bytes, size_t n,
			const uint32_t *type_name, size_t ntypes, struct pmt_typestat **out,
			size_t *nout)
{
	struct pmt_typestat *per = calloc(ntypes ? ntypes : 1, sizeof(*per));
	size_t i, k = 0;

	*out = NULL;
	*nout = 0;
	if (!per)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (type[i] >= ntypes) {
			free(per);
			return -EINVAL;
		}
		per[type[i]].count++;
		per[type[i]].bytes += bytes[i];
	}
	for (i = 0; i < ntypes; i++) {
		if (!per[i].count)
			continue;
		per[k] = per[i];
		per[k++].name = type_name[i];
	}
	qsort(per, k, sizeof(*per), stat_by_name);
	/* Merge types that share a name. */
	for (i = 0, n = 0; i < k; i++) {
		if (n && per[n - 1].name == per[i].name) {
			per[n - 1].count += per[i].count;
			per[n - 1].bytes += per[i].bytes;
		} else {
			per[n++] = per[i];
		}
	}
	*out = per;
	*nout = n;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct pmt_objkey *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* pmt_objkeys_sort - sort by address, then name. */
void pmt_objkeys_sort(struct pmt_objkey *keys, size_t n)
{
	qsort(keys, n, sizeof(*keys), key_cmp);
}

/* pmt_objkeys_find - @key among the sorted @keys. */
bool pmt_objkeys_find(const struct pmt_objkey *keys, size_t n, const struct pmt_objkey *key)
{
	return n && bsearch(key, keys, n, sizeof(*keys), key_cmp) != NULL;
}

/* pmt_heaphistory_init - an empty history. */
void pmt_heaphistory_init(struct pmt_heaphistory *h)
{
	memset(h, 0, sizeof(*h));
}

/* pmt_heaphistory_free - release what @h holds. */
void pmt_heaphistory_free(struct pmt_heaphistory *h)
{
	free(h->first);
	if (h->prev != h->first)
		free(h->prev);
	free(h->prev_all);
	free(h->prev_new);
	free(h->streak);
	memset(h, 0, sizeof(*h));
}

/* pmt_heaphistory_survivors_known - survivors were counted at the last add. */
bool pmt_heaphistory_survivors_known(const struct pmt_heaphistory *h)
{
	return h->surv_counted;
}

static const struct pmt_typestat *find_stat(const struct pmt_typestat *s, size_t n, uint32_t name)
{
	struct pmt_typestat key = { .name = name };

	return n ? bsearch(&key, s, n, sizeof(*s), stat_by_name) : NULL;
}

/* a \ b (both sorted): into @out, returns the count. */
static size_t keys_minus(const struct pmt_objkey *a, size_t na, const struct pmt_objkey *b,
			 size_t nb, struct pmt_objkey *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na) {
		int c = j < nb ? key_cmp(&a[i], &b[j]) : -1;

		if (c < 0)
			out[k++] = a[i++];
		else if (c > 0)
			j++;
		else
			i++, j++;
	}
	return k;
}

static int delta_by_name(const void *a, const void *b)
{
	const struct pmt_heapdelta *x = a, *y = b;

	return x->name < y->name ? -1 : x->name > y->name;
}

/* Add the survivors (cur ∩ prev_new) to their names' entries in @d (sorted by name). */
static void count_survivors(const struct pmt_heaphistory *h, const struct pmt_objkey *cur,
			    size_t ncur, struct pmt_heapdelta *d, size_t nd)
{
	size_t i = 0, j = 0;

	while (i < ncur && j < h->nprev_new) {
		int c = key_cmp(&cur[i], &h->prev_new[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			struct pmt_heapdelta key = { .name = cur[i].name }, *e;

			e = bsearch(&key, d, nd, sizeof(*d), delta_by_name);
			if (e) {
				e->surv_count++;
				e->surv_bytes += cur[i].bytes;
			}
			i++;
			j++;
		}
	}
}

static int grow_streaks(struct pmt_heaphistory *h, uint32_t name)
{
	size_t cap = h->streak_cap ? h->streak_cap : 256;
	uint32_t *s;

	if (name < h->streak_cap)
		return 0;
	while (cap <= name)
		cap *= 2;
	s = realloc(h->streak, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + h->streak_cap, 0, (cap - h->streak_cap) * sizeof(*s));
	h->streak = s;
	h->streak_cap = cap;
	return 0;
}

/* pmt_heaphistory_add - a new snapshot against the earlier ones; see heapdiff.h. */
int pmt_heaphistory_add(struct pmt_heaphistory *h, struct pmt_typestat *stats, size_t nstats,
			struct pmt_objkey *keys, size_t nkeys, struct pmt_heapdelta **out,
			size_t *nout)
{
	struct pmt_heapdelta *d = NULL;
	struct pmt_objkey *fresh = NULL;
	size_t i = 0, j = 0, nd = 0, nfresh = 0;
	uint32_t maxname = 0;
	int err = -ENOMEM;

	*out = NULL;
	*nout = 0;
	d = calloc(nstats + h->nprev + 1, sizeof(*d));
	if (keys)
		fresh = malloc((nkeys ? nkeys : 1) * sizeof(*fresh));
	if (!d || (keys && !fresh))
		goto fail;
	for (i = 0; i < nstats; i++)
		if (stats[i].name > maxname)
			maxname = stats[i].name;
	for (i = 0; i < h->nprev; i++)
		if (h->prev[i].name > maxname)
			maxname = h->prev[i].name;
	if (grow_streaks(h, maxname))
		goto fail;
	/* Union of the names now and before, by merge. */
	i = 0;
	while (i < nstats || j < h->nprev) {
		struct pmt_heapdelta *e = &d[nd++];
		const struct pmt_typestat *now = NULL, *was = NULL, *first;

		if (j >= h->nprev || (i < nstats && stats[i].name < h->prev[j].name)) {
			now = &stats[i++];
		} else if (i >= nstats || h->prev[j].name < stats[i].name) {
			was = &h->prev[j++];
		} else {
			now = &stats[i++];
			was = &h->prev[j++];
		}
		e->name = now ? now->name : was->name;
		e->count = now ? now->count : 0;
		e->bytes = now ? now->bytes : 0;
		if (h->snapshots) {
			e->dcount_prev = (int64_t)e->count - (int64_t)(was ? was->count : 0);
			e->dbytes_prev = (int64_t)e->bytes - (int64_t)(was ? was->bytes : 0);
			first = find_stat(h->first, h->nfirst, e->name);
			e->dcount_first = (int64_t)e->count - (int64_t)(first ? first->count : 0);
			e->dbytes_first = (int64_t)e->bytes - (int64_t)(first ? first->bytes : 0);
			if (e->dcount_prev > 0 || e->dbytes_prev > 0)
				h->streak[e->name]++;
			else
				h->streak[e->name] = 0;
		}
		e->streak = h->streak[e->name];
	}
	if (keys && h->prev_all)
		nfresh = keys_minus(keys, nkeys, h->prev_all, h->nprev_all, fresh);
	h->surv_counted = keys && h->snapshots >= 2 && h->prev_new;
	if (h->surv_counted)
		count_survivors(h, keys, nkeys, d, nd);

	if (h->prev != h->first)
		free(h->prev);
	if (!h->first) {
		h->first = stats;
		h->nfirst = nstats;
	}
	h->prev = stats;
	h->nprev = nstats;
	free(h->prev_all);
	free(h->prev_new);
	h->prev_all = keys;
	h->nprev_all = keys ? nkeys : 0;
	/* The first snapshot's objects are not "new": survivors start at the third. */
	h->prev_new = h->snapshots && keys ? fresh : NULL;
	h->nprev_new = h->prev_new ? nfresh : 0;
	if (!h->prev_new)
		free(fresh);
	h->snapshots++;
	*out = d;
	*nout = nd;
	return 0;
fail:
	free(d);
	free(fresh);
	if (stats != h->first && stats != h->prev)
		free(stats);
	free(keys);
	return err;
}

static int growth_cmp(const void *a, const void *b)
{
	const struct pmt_heapdelta *x = a, *y = b;

	if (x->dbytes_prev != y->dbytes_prev)
		return x->dbytes_prev > y->dbytes_prev ? -1 : 1;
	if (x->dcount_prev != y->dcount_prev)
		return x->dcount_prev > y->dcount_prev ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int bytes_cmp(const void *a, const void *b)
{
	const struct pmt_heapdelta *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* pmt_heapdelta_sort_growth - most growth since the previous snapshot first. */
void pmt_heapdelta_sort_growth(struct pmt_heapdelta *d, size_t n)
{
	qsort(d, n, sizeof(*d), growth_cmp);
}

/* pmt_heapdelta_sort_bytes - most bytes now first. */
void pmt_heapdelta_sort_bytes(struct pmt_heapdelta *d, size_t n)
{
	qsort(d, n, sizeof(*d), bytes_cmp);
}
