// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget.c - memory budgets: the budget file parser, the budget tree with
 * its derived paths, subtree categories and load warnings, usage over a
 * sample, and the state tracker that reports changes only.
 *
 * Parsing uses inih through ini_parse_stream() with our own line reader
 * rather than ini_parse_string(): inih only passes line numbers to the
 * handler when built with INI_HANDLER_LINENO (Debian's is not) and never
 * reports section headers, so the reader numbers the lines, sees every
 * [section] (empty and repeated ones included), strips comments and
 * leading blanks (so no line is taken as a continuation, whatever inih's
 * runtime options say) and rejects what inih would silently truncate.
 *
 * A parse or an add is atomic: new budgets are staged, validated against
 * the staged ones and the set, then committed by building a whole new
 * budget array with every derived field, and only swapped in when all of
 * it was allocated; a failure leaves the set exactly as it was. Derived
 * data (paths, subtree masks and globs, warnings) is rebuilt from scratch
 * on every commit: sets are small and change only at load time.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "pmtrace/assets.h"
#include "pmtrace/budget.h"

typedef unsigned __int128 u128;

struct pmt_budget {
	/* defined by the file or pmt_budgets_add() */
	char *name;
	char *description; /* NULL when none */
	char *origin;      /* "FILE:LINE", NULL when added by the program */
	char **globs;      /* own asset globs */
	size_t nglobs;
	uint64_t limit;
	uint32_t mask; /* own categories */
	unsigned int warn_pct;
	int eviction; /* enum pmt_evict_strategy or PMT_BUDGET_NO_EVICTION */
	int parent;   /* index, -1 for a root */
	/* derived from the whole set by rebuild() */
	char *path;
	const char **sub_globs; /* subtree's globs, pointing into its budgets' globs */
	size_t nsub_globs;
	uint32_t sub_mask; /* subtree's categories */
	unsigned int depth;
	/* the tracker */
	enum pmt_budget_state state;
};

struct pmt_budget_priority {
	char *glob;
	int32_t value;
};

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

static void *xalloc(const struct pmt_budgets *b, size_t size)
{
	return b->realloc_fn(b->alloc_ctx, NULL, size ? size : 1);
}

/* An array of @n elements of @size, or NULL (also on overflow). */
static void *xalloc_array(const struct pmt_budgets *b, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return xalloc(b, n * size);
}

static void *xrealloc_array(const struct pmt_budgets *b, void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return b->realloc_fn(b->alloc_ctx, ptr, n && size ? n * size : 1);
}

static void xfree(const struct pmt_budgets *b, void *ptr)
{
	if (ptr)
		b->realloc_fn(b->alloc_ctx, ptr, 0);
}

static char *xstrndup(const struct pmt_budgets *b, const char *s, size_t len)
{
	char *d = xalloc(b, len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static char *xstrdup(const struct pmt_budgets *b, const char *s)
{
	return xstrndup(b, s, strlen(s));
}

/* A new string formatted like printf, or NULL. */
__attribute__((format(printf, 2, 3))) static char *xasprintf(const struct pmt_budgets *b,
							      const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = xalloc(b, (size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

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

bool pmt_budget_path_match(const char *glob, const char *path)
{
	const char *p;

	if (!glob || !path)
		return false;
	if (fnmatch(glob, path, 0) == 0)
		return true;
	if (glob[0] == '/')
		return false;
	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (fnmatch(glob, p + 1, 0) == 0)
			return true;
	return false;
}

/* The category named by the @len bytes at @name (case-insensitive), or -1. */
static int cat_lookup(const char *name, size_t len)
{
	const char *cn;
	int c;

	for (c = 0; c < PMT_CAT_COUNT; c++) {
		cn = pmt_category_name((enum pmt_category)c);
		if (strlen(cn) == len && strncasecmp(name, cn, len) == 0)
			return c;
	}
	return -1;
}

/* ---- numbers ------------------------------------------------------------- */

#define FRAC_DIGITS_MAX 18 /* fraction digits kept: 10^18 fits in 64 bits */

/*
 * A non-negative decimal at *@p: digits, optionally '.' and digits, at
 * least one digit in all. Integer part in @ip (saturating above 2^64, then
 * *@big is set), fraction as @fnum / @fden. Advances *@p; false when there
 * is no number.
 */
static bool scan_decimal(const char **p, u128 *ip, uint64_t *fnum, uint64_t *fden, bool *big)
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

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
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

#define UNITS_LIST "B, KB, KiB, MB, MiB, GB, GiB, TB or TiB"

enum size_err {
	SIZE_OK = 0,
	SIZE_NUMBER,  /* no number where it should start (or a sign) */
	SIZE_NO_UNIT, /* a number alone */
	SIZE_UNIT,    /* an unknown unit, at *unit */
	SIZE_RANGE,   /* above UINT64_MAX */
};

static enum size_err size_scan(const char *s, uint64_t *out, const char **unit)
{
	const char *p = skip_blanks(s), *u, *end;
	uint64_t fnum, fden;
	size_t i, len;
	u128 ip, total;
	bool big;

	if (!scan_decimal(&p, &ip, &fnum, &fden, &big))
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
	switch (size_scan(s, &v, &unit)) {
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

/* A whole percent 1..100, optionally followed by '%'; false otherwise. */
static bool parse_percent(const char *s, unsigned int *out)
{
	const char *p = skip_blanks(s);
	unsigned int v = 0;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 3)
			return false;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	p = skip_blanks(p);
	if (*p == '%')
		p = skip_blanks(p + 1);
	if (!digits || *p || v < 1 || v > 100)
		return false;
	*out = v;
	return true;
}

/* A decimal integer within int32_t, optionally signed; false otherwise. */
static bool parse_int32(const char *s, int32_t *out)
{
	const char *p = skip_blanks(s);
	bool neg = false;
	int64_t v = 0;
	int digits = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	p = skip_blanks(p);
	if (!digits || *p)
		return false;
	if (neg)
		v = -v;
	if (v < INT32_MIN || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

/* A non-negative decimal weight (at most 10^9), nothing after it; false otherwise. */
static bool parse_weight(const char *s, double *out)
{
	const char *p = skip_blanks(s);
	uint64_t fnum, fden;
	u128 ip;
	bool big;

	if (!scan_decimal(&p, &ip, &fnum, &fden, &big) || big || ip > 1000000000)
		return false;
	if (*skip_blanks(p))
		return false;
	*out = (double)(uint64_t)ip + (double)fnum / (double)fden;
	return true;
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

static void free_defined(const struct pmt_budgets *b, struct pmt_budget *it)
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
		free_defined(b, &b->items[i]);
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

/*
 * A budget being defined: by the file (with its parent still a name) or
 * by pmt_budgets_add() (parent already resolved).
 */
struct staged {
	struct pmt_budget b;
	char *parent_name;
	unsigned int line;        /* its section's line */
	unsigned int parent_line; /* line of its parent key */
	unsigned int keys;        /* KEY_* bits given */
};

/*
 * Add @n staged budgets (parents resolved to indices in the merged set),
 * @np priority rules and, when @hybrid is not NULL, new hybrid weights to
 * @b. All or nothing: -ENOMEM leaves @b as it was and the staged data
 * owned by the caller; on success @b owns the budgets' defined fields and
 * the rules' globs.
 */
static int commit(struct pmt_budgets *b, const struct staged *st, size_t n,
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
	struct staged st;
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
	err = commit(b, &st, 1, NULL, 0, NULL);
	if (err)
		xfree(b, st.b.name);
	return err;
}

/* ---- the parser ---------------------------------------------------------- */

enum section_kind { SEC_NONE, SEC_BUDGET, SEC_PRIORITIES, SEC_HYBRID };

/* Budget keys, in the order the messages list them. */
enum {
	KEY_LIMIT,
	KEY_WARN,
	KEY_PARENT,
	KEY_CATEGORIES,
	KEY_EVICTION,
	KEY_DESCRIPTION,
	KEYS,
};
static const char *const key_names[KEYS] = {
	"limit", "warn", "parent", "categories", "eviction", "description",
};

/* [hybrid] keys, in the order of the messages. */
static const char *const weight_names[] = { "lru", "lfu", "priority", "size", "age" };
#define WEIGHTS (sizeof(weight_names) / sizeof(weight_names[0]))

struct parse_ctx {
	struct pmt_budgets *set;
	const char *file;
	const char *p;     /* start of the next line */
	unsigned int line; /* number of the line last read */
	enum section_kind kind;
	size_t cur; /* staged index of the budget being read */
	struct staged *st;
	size_t nst, cap;
	struct pmt_budget_priority *prios;
	size_t nprios, pcap;
	unsigned int priorities_line; /* of [priorities], 0 if none */
	unsigned int hybrid_line;     /* of [hybrid], 0 if none */
	unsigned int hybrid_keys;     /* bits of weight_names given */
	double weights[WEIGHTS];
	int rc; /* 0, -EINVAL or -ENOMEM: the first failure wins */
	unsigned int err_line;
	char msg[512];
};

__attribute__((format(printf, 3, 4))) static void fail(struct parse_ctx *c, unsigned int line,
							const char *fmt, ...)
{
	va_list ap;

	if (c->rc)
		return;
	c->rc = -EINVAL;
	c->err_line = line;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

static void oom(struct parse_ctx *c)
{
	if (!c->rc)
		c->rc = -ENOMEM;
}

static void section_begin(struct parse_ctx *c, const char *name)
{
	struct staged *st;
	size_t i;
	int old;

	if (strcasecmp(name, "priorities") == 0) {
		if (c->priorities_line)
			fail(c, c->line, "[priorities] appears twice (first at line %u)",
			     c->priorities_line);
		c->priorities_line = c->line;
		c->kind = SEC_PRIORITIES;
		return;
	}
	if (strcasecmp(name, "hybrid") == 0) {
		if (c->hybrid_line)
			fail(c, c->line, "[hybrid] appears twice (first at line %u)",
			     c->hybrid_line);
		c->hybrid_line = c->line;
		c->kind = SEC_HYBRID;
		return;
	}
	if (!*name) {
		fail(c, c->line, "empty budget name []");
		return;
	}
	if (strchr(name, '/')) {
		fail(c, c->line, "budget name '%s' may not contain '/'", name);
		return;
	}
	for (i = 0; i < c->nst; i++) {
		if (strcmp(c->st[i].b.name, name) == 0) {
			fail(c, c->line, "duplicate budget [%s] (first defined at line %u)", name,
			     c->st[i].line);
			return;
		}
	}
	old = pmt_budgets_find(c->set, name);
	if (old >= 0) {
		const char *origin = c->set->items[old].origin;

		fail(c, c->line, "duplicate budget [%s] (already defined %s%s)", name,
		     origin ? "at " : "outside this file", origin ? origin : "");
		return;
	}
	if (c->set->count + c->nst >= INT_MAX) {
		fail(c, c->line, "too many budgets");
		return;
	}
	if (c->nst == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;

		st = xrealloc_array(c->set, c->st, cap, sizeof(*st));
		if (!st) {
			oom(c);
			return;
		}
		c->st = st;
		c->cap = cap;
	}
	st = &c->st[c->nst];
	memset(st, 0, sizeof(*st));
	st->line = c->line;
	st->b.warn_pct = PMT_BUDGET_WARN_DEFAULT;
	st->b.eviction = PMT_BUDGET_NO_EVICTION;
	st->b.parent = -1;
	st->b.name = xstrdup(c->set, name);
	st->b.origin = xasprintf(c->set, "%s:%u", c->file, c->line);
	if (!st->b.name || !st->b.origin) {
		xfree(c->set, st->b.name);
		xfree(c->set, st->b.origin);
		oom(c);
		return;
	}
	c->cur = c->nst++;
	c->kind = SEC_BUDGET;
}

/*
 * inih's reader: copy the next line into @str for inih, after numbering
 * it, dropping a UTF-8 byte order mark, comments (';' or '#' at the start
 * or after a blank) and surrounding blanks, and seeing section headers.
 * NULL ends the parse: at the end of the text or after a failure.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *start, *end, *q;
	size_t len;

	if (c->rc || !*c->p)
		return NULL;
	start = c->p;
	end = strchr(start, '\n');
	if (!end)
		end = start + strlen(start);
	c->p = *end ? end + 1 : end;
	c->line++;
	if (c->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	start = skip_blanks(start);
	if (*start == ';' || *start == '#')
		end = start;
	for (q = start + 1; q < end; q++) {
		if ((*q == ';' || *q == '#') && (q[-1] == ' ' || q[-1] == '\t')) {
			end = q;
			break;
		}
	}
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	len = (size_t)(end - start);
	if (num < 3 || len > (size_t)num - 2) {
		fail(c, c->line, "line is longer than %d characters", num - 2);
		return NULL;
	}
	if (len && *start == '[') {
		const char *close = memchr(start, ']', len);
		char name[256];
		const char *n0 = start + 1, *n1;

		if (!close) {
			fail(c, c->line, "missing ']' in section header");
			return NULL;
		}
		if (close != end - 1) {
			fail(c, c->line, "unexpected text after ']'");
			return NULL;
		}
		n0 = skip_blanks(n0);
		n1 = close;
		while (n1 > n0 && (n1[-1] == ' ' || n1[-1] == '\t'))
			n1--;
		if ((size_t)(n1 - n0) >= sizeof(name)) {
			fail(c, c->line, "section name is longer than %zu characters",
			     sizeof(name) - 1);
			return NULL;
		}
		memcpy(name, n0, (size_t)(n1 - n0));
		name[n1 - n0] = '\0';
		section_begin(c, name);
		if (c->rc)
			return NULL;
	} else if (len && !memchr(start, '=', len) && !memchr(start, ':', len)) {
		fail(c, c->line, "expected [section], key = value or a comment");
		return NULL;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	return str;
}

static void size_error(struct parse_ctx *c, enum size_err e, const char *value, const char *unit)
{
	switch (e) {
	case SIZE_NO_UNIT:
		fail(c, c->line, "size '%s' has no unit (" UNITS_LIST ")", value);
		break;
	case SIZE_UNIT:
		fail(c, c->line, "unknown unit '%s' in size '%s' (use " UNITS_LIST ")", unit,
		     value);
		break;
	case SIZE_RANGE:
		fail(c, c->line, "size '%s' is too large", value);
		break;
	default:
		fail(c, c->line, "bad size '%s': expected a positive number and a unit, like 256MiB",
		     value);
		break;
	}
}

/* Add asset glob @g (length @len) to budget @it unless it has it already. */
static void add_glob(struct parse_ctx *c, struct pmt_budget *it, const char *g, size_t len)
{
	char **grown;
	size_t i;

	for (i = 0; i < it->nglobs; i++)
		if (strlen(it->globs[i]) == len && strncmp(it->globs[i], g, len) == 0)
			return;
	grown = xrealloc_array(c->set, it->globs, it->nglobs + 1, sizeof(*grown));
	if (!grown) {
		oom(c);
		return;
	}
	it->globs = grown;
	it->globs[it->nglobs] = xstrndup(c->set, g, len);
	if (!it->globs[it->nglobs]) {
		oom(c);
		return;
	}
	it->nglobs++;
}

/* The comma-separated list @value, added to budget @it's categories and globs. */
static void parse_categories(struct parse_ctx *c, struct pmt_budget *it, const char *value)
{
	const char *p = value;

	while (!c->rc) {
		const char *e = strchr(p, ',');
		const char *a = skip_blanks(p), *z = e ? e : p + strlen(p);
		int cat;

		while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
			z--;
		if (z == a) {
			fail(c, c->line, "empty entry in the categories of [%s]", it->name);
			return;
		}
		if ((size_t)(z - a) >= 7 && strncasecmp(a, "assets:", 7) == 0) {
			const char *g = skip_blanks(a + 7);

			if (g >= z) { /* blanks only: skipping them may pass z */
				fail(c, c->line, "no glob after 'assets:' in the categories of [%s]",
				     it->name);
				return;
			}
			add_glob(c, it, g, (size_t)(z - g));
		} else {
			cat = cat_lookup(a, (size_t)(z - a));
			if (cat < 0) {
				fail(c, c->line,
				     "unknown category '%.*s' (expected rss, python_heap, native_heap, "
				     "textures, surfaces, text, audio, music, fonts, gpu_buffers or "
				     "assets:GLOB)",
				     (int)(z - a), a);
				return;
			}
			it->mask |= PMT_BUDGET_CAT(cat);
		}
		if (!e)
			return;
		p = e + 1;
	}
}

static void budget_key(struct parse_ctx *c, const char *key, const char *value)
{
	struct staged *st = &c->st[c->cur];
	struct pmt_budget *it = &st->b;
	enum size_err se;
	const char *unit = NULL;
	enum pmt_evict_strategy ev;
	int k;

	for (k = 0; k < KEYS; k++)
		if (strcasecmp(key, key_names[k]) == 0)
			break;
	if (k == KEYS) {
		fail(c, c->line,
		     "unknown key '%s' in [%s] (expected limit, warn, parent, categories, "
		     "eviction or description)",
		     key, it->name);
		return;
	}
	if ((st->keys & (1u << k)) && k != KEY_CATEGORIES) {
		fail(c, c->line, "'%s' is given twice in [%s]", key_names[k], it->name);
		return;
	}
	st->keys |= 1u << k;
	switch (k) {
	case KEY_LIMIT:
		se = size_scan(value, &it->limit, &unit);
		if (se != SIZE_OK)
			size_error(c, se, value, unit);
		else if (!it->limit)
			fail(c, c->line, "the limit of [%s] must be more than 0 bytes", it->name);
		break;
	case KEY_WARN:
		if (!parse_percent(value, &it->warn_pct))
			fail(c, c->line,
			     "bad percent '%s': expected a whole number from 1 to 100, like 85%%",
			     value);
		break;
	case KEY_PARENT:
		if (!*value) {
			fail(c, c->line, "empty parent in [%s]", it->name);
			break;
		}
		st->parent_line = c->line;
		st->parent_name = xstrdup(c->set, value);
		if (!st->parent_name)
			oom(c);
		break;
	case KEY_CATEGORIES:
		parse_categories(c, it, value);
		break;
	case KEY_EVICTION:
		if (strcasecmp(value, "none") == 0)
			it->eviction = PMT_BUDGET_NO_EVICTION;
		else if (pmt_evict_strategy_parse(value, &ev) == 0)
			it->eviction = (int)ev;
		else
			fail(c, c->line,
			     "unknown eviction strategy '%s' (expected lru, lfu, priority, size, "
			     "age, hybrid or none)",
			     value);
		break;
	case KEY_DESCRIPTION:
		it->description = xstrdup(c->set, value);
		if (!it->description)
			oom(c);
		break;
	}
}

static void priority_key(struct parse_ctx *c, const char *glob, const char *value)
{
	struct pmt_budget_priority *pr;
	int32_t v;
	size_t i;

	if (!*glob) {
		fail(c, c->line, "empty glob in [priorities]");
		return;
	}
	if (!parse_int32(value, &v)) {
		fail(c, c->line, "priority '%s' for '%s' is not an integer", value, glob);
		return;
	}
	for (i = 0; i < c->nprios; i++) {
		if (strcmp(c->prios[i].glob, glob) == 0) {
			fail(c, c->line, "priority for '%s' is given twice", glob);
			return;
		}
	}
	for (i = 0; i < c->set->nprios; i++) {
		if (strcmp(c->set->prios[i].glob, glob) == 0) {
			fail(c, c->line, "priority for '%s' is already set", glob);
			return;
		}
	}
	if (c->nprios == c->pcap) {
		size_t cap = c->pcap ? c->pcap * 2 : 8;

		pr = xrealloc_array(c->set, c->prios, cap, sizeof(*pr));
		if (!pr) {
			oom(c);
			return;
		}
		c->prios = pr;
		c->pcap = cap;
	}
	pr = &c->prios[c->nprios];
	pr->value = v;
	pr->glob = xstrdup(c->set, glob);
	if (!pr->glob) {
		oom(c);
		return;
	}
	c->nprios++;
}

static void hybrid_key(struct parse_ctx *c, const char *key, const char *value)
{
	size_t k;

	for (k = 0; k < WEIGHTS; k++)
		if (strcasecmp(key, weight_names[k]) == 0)
			break;
	if (k == WEIGHTS) {
		fail(c, c->line,
		     "unknown key '%s' in [hybrid] (expected lru, lfu, priority, size or age)",
		     key);
		return;
	}
	if (c->hybrid_keys & (1u << k)) {
		fail(c, c->line, "'%s' is given twice in [hybrid]", weight_names[k]);
		return;
	}
	c->hybrid_keys |= 1u << k;
	if (!parse_weight(value, &c->weights[k]))
		fail(c, c->line,
		     "bad weight '%s' for %s: expected a number from 0 to 1000000000, like 0.5",
		     value, weight_names[k]);
}

/* inih's handler: one key = value pair of the line just read. */
static int on_pair(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *c = user;

	(void)section; /* the reader tracks sections, empty ones too */
	if (c->rc)
		return 0;
	switch (c->kind) {
	case SEC_NONE:
		fail(c, c->line, "'%s' is outside any [section]", key);
		break;
	case SEC_BUDGET:
		budget_key(c, key, value);
		break;
	case SEC_PRIORITIES:
		priority_key(c, key, value);
		break;
	case SEC_HYBRID:
		hybrid_key(c, key, value);
		break;
	}
	return c->rc == 0;
}

/* Budget limits, then parents resolved to indices in the merged set. */
static void check_budgets(struct parse_ctx *c)
{
	size_t i, j, old = c->set->count;

	for (i = 0; i < c->nst && !c->rc; i++) {
		struct staged *st = &c->st[i];

		if (!(st->keys & (1u << KEY_LIMIT))) {
			fail(c, st->line, "budget [%s] has no limit", st->b.name);
			break;
		}
		if (!st->parent_name)
			continue;
		for (j = 0; j < c->nst; j++)
			if (strcmp(c->st[j].b.name, st->parent_name) == 0)
				break;
		if (j < c->nst)
			st->b.parent = (int)(old + j);
		else
			st->b.parent = pmt_budgets_find(c->set, st->parent_name);
		if (st->b.parent < 0)
			fail(c, st->parent_line, "parent '%s' of [%s] is not a budget",
			     st->parent_name, st->b.name);
	}
}

/* Parents among the staged budgets that form a cycle: the first one's parent line. */
static void check_cycles(struct parse_ctx *c)
{
	size_t i, steps, old = c->set->count;
	int me, a;

	for (i = 0; i < c->nst && !c->rc; i++) {
		me = (int)(old + i);
		a = c->st[i].b.parent;
		for (steps = 0; a >= (int)old && a != me && steps < c->nst; steps++)
			a = c->st[a - (int)old].b.parent;
		if (a != me)
			continue;
		{
			char chain[400];
			size_t pos = 0;
			int n;

			n = snprintf(chain, sizeof(chain), "%s", c->st[i].b.name);
			pos = n > 0 ? (size_t)n : 0;
			a = c->st[i].b.parent;
			for (;;) {
				if (pos >= sizeof(chain))
					break;
				n = snprintf(chain + pos, sizeof(chain) - pos, " -> %s",
					     c->st[a - (int)old].b.name);
				pos += n > 0 ? (size_t)n : 0;
				if (a == me)
					break;
				a = c->st[a - (int)old].b.parent;
			}
			fail(c, c->st[i].parent_line, "parents form a cycle: %s", chain);
		}
	}
}

static void ctx_free(struct parse_ctx *c, bool committed)
{
	size_t i;

	for (i = 0; i < c->nst; i++) {
		if (!committed)
			free_defined(c->set, &c->st[i].b);
		xfree(c->set, c->st[i].parent_name);
	}
	xfree(c->set, c->st);
	if (!committed)
		for (i = 0; i < c->nprios; i++)
			xfree(c->set, c->prios[i].glob);
	xfree(c->set, c->prios);
}

int pmt_budgets_parse(const char *text, const char *filename, struct pmt_budgets *out,
		      char *err, size_t errlen)
{
	struct pmt_evict_weights w;
	struct parse_ctx c;
	int ret;

	if (!filename)
		filename = "<budgets>";
	if (err && errlen)
		err[0] = '\0';
	if (!text || !out) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no text or no budget set", filename);
		return -EINVAL;
	}
	if (!out->realloc_fn) /* zero-filled */
		pmt_budgets_init(out);
	memset(&c, 0, sizeof(c));
	c.set = out;
	c.file = filename;
	c.p = text;
	ret = ini_parse_stream(read_line, &c, on_pair, &c);
	if (!c.rc && ret == -2)
		oom(&c);
	else if (!c.rc && ret)
		fail(&c, ret > 0 ? (unsigned int)ret : c.line,
		     "expected [section], key = value or a comment");
	if (!c.rc)
		check_budgets(&c);
	if (!c.rc)
		check_cycles(&c);
	if (!c.rc && c.hybrid_line) {
		w.lru = c.weights[0];
		w.lfu = c.weights[1];
		w.priority = c.weights[2];
		w.size = c.weights[3];
		w.age = c.weights[4];
		if (!(w.lru + w.lfu + w.priority + w.size + w.age > 0))
			fail(&c, c.hybrid_line, "all [hybrid] weights are 0");
	}
	if (!c.rc)
		c.rc = commit(out, c.st, c.nst, c.prios, c.nprios, c.hybrid_line ? &w : NULL);
	ctx_free(&c, c.rc == 0);
	if (c.rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", filename);
	else if (c.rc && err && errlen)
		snprintf(err, errlen, "%s:%u: %s", filename, c.err_line, c.msg);
	return c.rc;
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

bool pmt_budgets_priority(const struct pmt_budgets *b, const char *path, int32_t *prio)
{
	size_t i;

	if (!b || !path)
		return false;
	for (i = 0; i < b->nprios; i++) {
		if (pmt_budget_path_match(b->prios[i].glob, path)) {
			if (prio)
				*prio = b->prios[i].value;
			return true;
		}
	}
	return false;
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
