// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget.c - memory budgets: the budget tree with its derived paths,
 * subtree categories and load warnings, sizes, usage over a sample, and
 * the state tracker that reports changes only. Portable C: the budget file
 * parser (inih) is budget_ini.c and asset path globs (fnmatch) are
 * budget_glob.c, which only the eBPF tool links.
 *
 * A parse or an add is atomic: new budgets are staged, validated against
 * the staged ones and the set, then committed by building a whole new
 * budget array with every derived field, and only swapped in when all of
 * it was allocated; a failure leaves the set exactly as it was. Derived
 * data (paths, subtree masks and globs, warnings) is rebuilt from scratch
 * on every commit: sets are small and change only at load time.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmtrace/assets.h"
#include "pmtrace/budget.h"
#include "budget_priv.h"

/* ---- allocation ---------------------------------------------------------- */

static void *default_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (!size) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- categories ---------------------------------------------------------- */

/* ---- categories and globs ------------------------------------------------ */

int pmt_budget_cat_of_asset(uint32_t asset_type)
{
	static const int cats[PMT_ASSET_TYPES] = {
		[PMT_ASSET_SURFACE] = PMT_CAT_SURFACES, [PMT_ASSET_TEXT] = PMT_CAT_TEXT,
		[PMT_ASSET_TEXTURE] = PMT_CAT_TEXTURES, [PMT_ASSET_AUDIO] = PMT_CAT_AUDIO,
		[PMT_ASSET_MUSIC] = PMT_CAT_MUSIC,      [PMT_ASSET_FONT] = PMT_CAT_FONTS,
		[PMT_ASSET_GPU_BUFFER] = PMT_CAT_GPU_BUFFERS,
	};

	if (asset_type >= PMT_ASSET_TYPES)
		return -EINVAL;
	return cats[asset_type];
}

/* ---- numbers ------------------------------------------------------------- */

#define FRAC_DIGITS_MAX 18 /* fraction digits kept: 10^18 fits in 64 bits */

bool pmt_budget_scan_decimal(const char **p, u128 *ip, uint64_t *fnum, uint64_t *fden, bool *big)
{
	const char *s = *p;
	bool digits = false;
	unsigned int kept = 0;

	*ip = 0;
	*fnum = 0;
	*fden = 1;
	*big = false;
	for (; *s >= '0' && *s <= '9'; s++) {
		digits = true;
		if (*ip > UINT64_MAX)
			*big = true;
		else
			*ip = *ip * 10 + (unsigned int)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			digits = true;
			if (kept < FRAC_DIGITS_MAX) {
				*fnum = *fnum * 10 + (uint64_t)(*s - '0');
				*fden *= 10;
				kept++;
			}
		}
	}
	if (*ip > UINT64_MAX)
		*big = true;
	*p = s;
	return digits;
}

static const struct {
	const char *name;
	uint64_t mult;
} units[] = {
	{ "B", 1 },
	{ "KB", UINT64_C(1000) },
	{ "MB", UINT64_C(1000000) },
	{ "GB", UINT64_C(1000000000) },
	{ "TB", UINT64_C(1000000000000) },
	{ "KiB", UINT64_C(1) << 10 },
	{ "MiB", UINT64_C(1) << 20 },
	{ "GiB", UINT64_C(1) << 30 },
	{ "TiB", UINT64_C(1) << 40 },
};

enum size_err pmt_budget_size_scan(const char *s, uint64_t *out, const char **unit)
{
	const char *p = skip_blanks(s), *u, *end;
	uint64_t fnum, fden;
	size_t i, len;
	u128 ip, total;
	bool big;

	if (!pmt_budget_scan_decimal(&p, &ip, &fnum, &fden, &big))
		return SIZE_NUMBER;
	u = skip_blanks(p);
	end = u + strlen(u);
	while (end > u && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - u);
	if (!len)
		return SIZE_NO_UNIT;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) != len || strncasecmp(u, units[i].name, len) != 0)
			continue;
		if (big)
			return SIZE_RANGE;
		total = ip * units[i].mult + ((u128)fnum * units[i].mult + fden / 2) / fden;
		if (total > UINT64_MAX)
			return SIZE_RANGE;
		*out = (uint64_t)total;
		return SIZE_OK;
	}
	*unit = u;
	return SIZE_UNIT;
}

int pmt_budget_parse_size(const char *s, uint64_t *out)
{
	const char *unit;
	uint64_t v;

	if (!s || !out)
		return -EINVAL;
	switch (pmt_budget_size_scan(s, &v, &unit)) {
	case SIZE_OK:
		*out = v;
		return 0;
	case SIZE_RANGE:
		return -ERANGE;
	default:
		return -EINVAL;
	}
}

int pmt_budget_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int i = 0;
	uint64_t unit = 1;
	u128 hundredths;
	uint64_t whole;
	unsigned int frac;

	while (i + 1 < sizeof(names) / sizeof(names[0]) && bytes / 1024 >= unit) {
		unit *= 1024;
		i++;
	}
	hundredths = ((u128)bytes * 100 + unit / 2) / unit;
	whole = (uint64_t)(hundredths / 100);
	frac = (unsigned int)(hundredths % 100);
	if (!frac)
		return snprintf(buf, len, "%llu %s", (unsigned long long)whole, names[i]);
	if (frac % 10 == 0)
		return snprintf(buf, len, "%llu.%u %s", (unsigned long long)whole, frac / 10,
				names[i]);
	return snprintf(buf, len, "%llu.%02u %s", (unsigned long long)whole, frac, names[i]);
}


/* ---- the set ------------------------------------------------------------- */

void pmt_budgets_init(struct pmt_budgets *b)
{
	memset(b, 0, sizeof(*b));
	pmt_evict_weights_default(&b->hybrid);
	b->hysteresis_pct = PMT_BUDGET_HYSTERESIS_DEFAULT;
	b->realloc_fn = default_realloc;
}

int pmt_budgets_set_allocator(struct pmt_budgets *b, pmt_budget_realloc_fn fn, void *ctx)
{
	if (b->count || b->nprios || b->nwarnings || b->items || b->prios || b->warnings)
		return -EBUSY;
	b->realloc_fn = fn ? fn : default_realloc;
	b->alloc_ctx = fn ? ctx : NULL;
	return 0;
}

int pmt_budgets_set_hysteresis(struct pmt_budgets *b, unsigned int pct)
{
	if (pct > 50)
		return -EINVAL;
	b->hysteresis_pct = pct;
	return 0;
}

void pmt_budget_free_defined(const struct pmt_budgets *b, struct pmt_budget *it)
{
	size_t i;

	xfree(b, it->name);
	xfree(b, it->description);
	xfree(b, it->origin);
	for (i = 0; i < it->nglobs; i++)
		xfree(b, it->globs[i]);
	xfree(b, it->globs);
}

static void free_derived(const struct pmt_budgets *b, struct pmt_budget *it)
{
	xfree(b, it->path);
	xfree(b, it->sub_globs);
	it->path = NULL;
	it->sub_globs = NULL;
	it->nsub_globs = 0;
}

static void free_warnings(const struct pmt_budgets *b, char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		xfree(b, w[i]);
	xfree(b, w);
}

void pmt_budgets_free(struct pmt_budgets *b)
{
	pmt_budget_realloc_fn fn;
	unsigned int hyst;
	void *ctx;
	size_t i;

	if (!b)
		return;
	if (!b->realloc_fn) { /* zero-filled, never initialised: holds nothing */
		pmt_budgets_init(b);
		return;
	}
	for (i = 0; i < b->count; i++) {
		pmt_budget_free_defined(b, &b->items[i]);
		free_derived(b, &b->items[i]);
	}
	xfree(b, b->items);
	for (i = 0; i < b->nprios; i++)
		xfree(b, b->prios[i].glob);
	xfree(b, b->prios);
	free_warnings(b, b->warnings, b->nwarnings);
	fn = b->realloc_fn;
	ctx = b->alloc_ctx;
	hyst = b->hysteresis_pct;
	pmt_budgets_init(b);
	b->realloc_fn = fn;
	b->alloc_ctx = ctx;
	b->hysteresis_pct = hyst;
}

/* ---- derived data and commits -------------------------------------------- */

/* Append @w to the warning list (@w NULL: out of memory). */
static int push_warning(const struct pmt_budgets *b, char ***list, size_t *n, char *w)
{
	char **grown;

	if (!w)
		return -ENOMEM;
	grown = xrealloc_array(b, *list, *n + 1, sizeof(**list));
	if (!grown) {
		xfree(b, w);
		return -ENOMEM;
	}
	grown[(*n)++] = w;
	*list = grown;
	return 0;
}

static int build_warnings(const struct pmt_budgets *b, const struct pmt_budget *items, size_t n,
			  char ***out, size_t *nout)
{
	char lim[32], sum[32];
	char **list = NULL;
	size_t nlist = 0, i, j;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		const struct pmt_budget *it = &items[i];
		const char *o = it->origin ? it->origin : "", *sep = it->origin ? ": " : "";
		uint64_t children = 0;
		bool any = false;

		for (j = 0; j < n; j++) {
			if (items[j].parent == (int)i) {
				children = sat_add(children, items[j].limit);
				any = true;
			}
		}
		if (any && children > it->limit) {
			pmt_budget_format_size(children, sum, sizeof(sum));
			pmt_budget_format_size(it->limit, lim, sizeof(lim));
			err = push_warning(
				b, &list, &nlist,
				xasprintf(b,
					  "%s%s%s: its children's limits add up to %s (%llu bytes), "
					  "more than its own limit of %s (%llu bytes)",
					  o, sep, it->path, sum, (unsigned long long)children, lim,
					  (unsigned long long)it->limit));
		}
		if (!err && !it->sub_mask && !it->nsub_globs)
			err = push_warning(b, &list, &nlist,
					   xasprintf(b,
						     "%s%s%s: counts nothing (no categories, "
						     "in it or below it)",
						     o, sep, it->path));
	}
	if (err) {
		free_warnings(b, list, nlist);
		return err;
	}
	*out = list;
	*nout = nlist;
	return 0;
}

/*
 * Fill the derived fields of @items (which must be NULL/0) from their
 * defined ones, and build the warnings. On failure, every derived field
 * made is released again.
 */
static int rebuild(const struct pmt_budgets *b, struct pmt_budget *items, size_t n,
		   char ***warnings, size_t *nwarnings)
{
	size_t i, j, g, k;
	int a, err = -ENOMEM;

	for (i = 0; i < n; i++) {
		size_t len = 0, pos;

		items[i].depth = 0;
		items[i].sub_mask = 0;
		items[i].nsub_globs = 0; /* first used as the capacity count */
		for (a = (int)i; a >= 0; a = items[a].parent) {
			len += strlen(items[a].name) + 1;
			if (a != (int)i)
				items[i].depth++;
		}
		items[i].path = xalloc(b, len);
		if (!items[i].path)
			goto fail;
		pos = len - 1;
		items[i].path[pos] = '\0';
		for (a = (int)i; a >= 0; a = items[a].parent) {
			size_t nl = strlen(items[a].name);

			pos -= nl;
			memcpy(items[i].path + pos, items[a].name, nl);
			if (pos)
				items[i].path[--pos] = '/';
		}
	}
	for (j = 0; j < n; j++) {
		for (a = (int)j; a >= 0; a = items[a].parent) {
			items[a].sub_mask |= items[j].mask;
			items[a].nsub_globs += items[j].nglobs;
		}
	}
	for (i = 0; i < n; i++) {
		if (!items[i].nsub_globs)
			continue;
		items[i].sub_globs = xalloc_array(b, items[i].nsub_globs, sizeof(char *));
		if (!items[i].sub_globs)
			goto fail;
		items[i].nsub_globs = 0;
	}
	for (j = 0; j < n; j++) {
		for (a = (int)j; a >= 0; a = items[a].parent) {
			struct pmt_budget *an = &items[a];

			for (g = 0; g < items[j].nglobs; g++) {
				for (k = 0; k < an->nsub_globs; k++)
					if (strcmp(an->sub_globs[k], items[j].globs[g]) == 0)
						break;
				if (k == an->nsub_globs)
					an->sub_globs[an->nsub_globs++] = items[j].globs[g];
			}
		}
	}
	err = build_warnings(b, items, n, warnings, nwarnings);
	if (!err)
		return 0;
fail:
	for (i = 0; i < n; i++)
		free_derived(b, &items[i]);
	return err;
}


/* pmt_budgets_commit - see budget_priv.h. */
int pmt_budgets_commit(struct pmt_budgets *b, const struct pmt_budget_staged *st, size_t n,
		       const struct pmt_budget_priority *prios, size_t np,
		       const struct pmt_evict_weights *hybrid)
{
	size_t total = b->count + n, i;
	struct pmt_budget_priority *rules = NULL;
	struct pmt_budget *items;
	char **warnings = NULL;
	size_t nwarnings = 0;

	if (np) {
		rules = xalloc_array(b, b->nprios + np, sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		if (b->nprios)
			memcpy(rules, b->prios, b->nprios * sizeof(*rules));
		memcpy(rules + b->nprios, prios, np * sizeof(*rules));
	}
	items = xalloc_array(b, total, sizeof(*items));
	if (!items) {
		xfree(b, rules);
		return -ENOMEM;
	}
	for (i = 0; i < total; i++) {
		items[i] = i < b->count ? b->items[i] : st[i - b->count].b;
		items[i].path = NULL;
		items[i].sub_globs = NULL;
		items[i].nsub_globs = 0;
	}
	if (rebuild(b, items, total, &warnings, &nwarnings)) {
		xfree(b, items);
		xfree(b, rules);
		return -ENOMEM;
	}
	for (i = 0; i < b->count; i++)
		free_derived(b, &b->items[i]);
	xfree(b, b->items);
	free_warnings(b, b->warnings, b->nwarnings);
	b->items = items;
	b->count = total;
	b->warnings = warnings;
	b->nwarnings = nwarnings;
	if (np) {
		xfree(b, b->prios);
		b->prios = rules;
		b->nprios += np;
	}
	if (hybrid)
		b->hybrid = *hybrid;
	return 0;
}

int pmt_budgets_find(const struct pmt_budgets *b, const char *name)
{
	size_t i;

	if (!b || !name)
		return -ENOENT;
	for (i = 0; i < b->count; i++)
		if (strcmp(b->items[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static bool reserved_name(const char *name)
{
	return strcasecmp(name, "priorities") == 0 || strcasecmp(name, "hybrid") == 0;
}

int pmt_budgets_add(struct pmt_budgets *b, const char *name, const char *parent, uint64_t limit,
		    unsigned int warn_pct, uint32_t category_mask)
{
	struct pmt_budget_staged st;
	int p = -1, err;

	if (b && !b->realloc_fn) /* zero-filled */
		pmt_budgets_init(b);
	if (!b || !name || !*name || strchr(name, '/') || reserved_name(name) || !limit ||
	    warn_pct > 100 || (category_mask & ~PMT_BUDGET_CATS_ALL) || b->count >= INT_MAX)
		return -EINVAL;
	if (pmt_budgets_find(b, name) >= 0)
		return -EEXIST;
	if (parent) {
		p = pmt_budgets_find(b, parent);
		if (p < 0)
			return -ENOENT;
	}
	memset(&st, 0, sizeof(st));
	st.b.name = xstrdup(b, name);
	if (!st.b.name)
		return -ENOMEM;
	st.b.limit = limit;
	st.b.warn_pct = warn_pct ? warn_pct : PMT_BUDGET_WARN_DEFAULT;
	st.b.mask = category_mask;
	st.b.eviction = PMT_BUDGET_NO_EVICTION;
	st.b.parent = p;
	err = pmt_budgets_commit(b, &st, 1, NULL, 0, NULL);
	if (err)
		xfree(b, st.b.name);
	return err;
}

/* ---- accessors ----------------------------------------------------------- */

static const struct pmt_budget *budget_at(const struct pmt_budgets *b, int idx)
{
	if (!b || idx < 0 || (size_t)idx >= b->count)
		return NULL;
	return &b->items[idx];
}

size_t pmt_budgets_count(const struct pmt_budgets *b)
{
	return b ? b->count : 0;
}

const char *pmt_budget_name(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->name : NULL;
}

const char *pmt_budget_path(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->path : NULL;
}

const char *pmt_budget_origin(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->origin : NULL;
}

const char *pmt_budget_description(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->description : NULL;
}

int pmt_budget_parent(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->parent : -1;
}

unsigned int pmt_budget_depth(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->depth : 0;
}

uint64_t pmt_budget_limit(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->limit : 0;
}

unsigned int pmt_budget_warn_pct(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->warn_pct : 0;
}

uint32_t pmt_budget_categories(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->mask : 0;
}

size_t pmt_budget_glob_count(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->nglobs : 0;
}

const char *pmt_budget_glob(const struct pmt_budgets *b, int idx, size_t i)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it && i < it->nglobs ? it->globs[i] : NULL;
}

int pmt_budget_eviction(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->eviction : PMT_BUDGET_NO_EVICTION;
}

size_t pmt_budgets_warning_count(const struct pmt_budgets *b)
{
	return b ? b->nwarnings : 0;
}

const char *pmt_budgets_warning(const struct pmt_budgets *b, size_t i)
{
	return b && i < b->nwarnings ? b->warnings[i] : NULL;
}

size_t pmt_budgets_priority_count(const struct pmt_budgets *b)
{
	return b ? b->nprios : 0;
}

const char *pmt_budgets_priority_glob(const struct pmt_budgets *b, size_t i)
{
	return b && i < b->nprios ? b->prios[i].glob : NULL;
}

int32_t pmt_budgets_priority_value(const struct pmt_budgets *b, size_t i)
{
	return b && i < b->nprios ? b->prios[i].value : 0;
}


void pmt_budgets_hybrid(const struct pmt_budgets *b, struct pmt_evict_weights *out)
{
	if (b && b->realloc_fn)
		*out = b->hybrid;
	else
		pmt_evict_weights_default(out);
}

/* ---- usage and the tracker ----------------------------------------------- */

uint64_t pmt_budget_usage(const struct pmt_budgets *b, int idx, const struct pmt_budget_sample *s)
{
	const struct pmt_budget *it = budget_at(b, idx);
	uint32_t mask, counted;
	uint64_t sum = 0;
	int cat;

	if (!it || !s)
		return 0;
	mask = it->sub_mask;
	counted = mask;
	if (mask & PMT_BUDGET_CAT(PMT_CAT_RSS)) {
		counted |= PMT_BUDGET_CATS_IN_RSS;
		mask &= ~PMT_BUDGET_CATS_IN_RSS;
	}
	for (cat = 0; cat < PMT_CAT_COUNT; cat++)
		if (mask & PMT_BUDGET_CAT(cat))
			sum = sat_add(sum, s->bytes[cat]);
	if (it->nsub_globs && s->asset_bytes)
		sum = sat_add(sum, s->asset_bytes(s->ctx, it->sub_globs, it->nsub_globs, counted));
	if (s->own_bytes) {
		size_t j;

		for (j = 0; j < s->n_own && j < b->count; j++) {
			int a;

			if (!s->own_bytes[j])
				continue;
			for (a = (int)j; a >= 0 && a != idx; a = b->items[a].parent)
				;
			if (a == idx)
				sum = sat_add(sum, s->own_bytes[j]);
		}
	}
	return sum;
}

const char *pmt_budget_state_name(enum pmt_budget_state s)
{
	switch (s) {
	case PMT_BUDGET_OK:
		return "ok";
	case PMT_BUDGET_WARNING:
		return "warning";
	case PMT_BUDGET_EXCEEDED:
		return "exceeded";
	case PMT_BUDGET_STATES:
		break;
	}
	return "unknown";
}

enum pmt_budget_state pmt_budget_state(const struct pmt_budgets *b, int idx)
{
	const struct pmt_budget *it = budget_at(b, idx);

	return it ? it->state : PMT_BUDGET_OK;
}

/* Whether @usage is at most @pct percent of @limit. */
static bool at_most_pct(uint64_t usage, uint64_t limit, unsigned int pct)
{
	return (u128)usage * 100 <= (u128)limit * pct;
}

static enum pmt_budget_state next_state(const struct pmt_budget *it, uint64_t usage,
					unsigned int hyst)
{
	enum pmt_budget_state raw;
	unsigned int down;

	if (usage > it->limit)
		raw = PMT_BUDGET_EXCEEDED;
	else if ((u128)usage * 100 >= (u128)it->limit * it->warn_pct)
		raw = PMT_BUDGET_WARNING;
	else
		raw = PMT_BUDGET_OK;
	if (raw >= it->state)
		return raw;
	if (it->state == PMT_BUDGET_EXCEEDED && !at_most_pct(usage, it->limit, 100 - hyst))
		return PMT_BUDGET_EXCEEDED;
	down = it->warn_pct > hyst ? it->warn_pct - hyst : 0;
	return at_most_pct(usage, it->limit, down) ? PMT_BUDGET_OK : PMT_BUDGET_WARNING;
}

int pmt_budgets_check(struct pmt_budgets *b, const struct pmt_budget_sample *s, uint64_t frame,
		      uint64_t ts_ns, struct pmt_budget_event *out, size_t max)
{
	size_t i, n = 0;

	if (!b || !s || (!out && max))
		return -EINVAL;
	for (i = 0; i < b->count; i++) {
		struct pmt_budget *it = &b->items[i];
		uint64_t usage = pmt_budget_usage(b, (int)i, s);
		enum pmt_budget_state to = next_state(it, usage, b->hysteresis_pct);
		struct pmt_budget_event *ev;
		u128 pct;

		if (to == it->state || n == max)
			continue;
		ev = &out[n++];
		pct = (u128)usage * 100 / it->limit;
		ev->usage = usage;
		ev->limit = it->limit;
		ev->frame = frame;
		ev->ts_ns = ts_ns;
		ev->path = it->path;
		ev->idx = (int)i;
		ev->percent = pct > UINT32_MAX ? UINT32_MAX : (uint32_t)pct;
		ev->from = it->state;
		ev->to = to;
		it->state = to;
	}
	return (int)n;
}

void pmt_budgets_reset_states(struct pmt_budgets *b)
{
	size_t i;

	for (i = 0; b && i < b->count; i++)
		b->items[i].state = PMT_BUDGET_OK;
}
