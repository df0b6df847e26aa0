/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * budget_priv.h - what the budget modules share and nobody else sees: the
 * budget and priority records, the set's allocation helpers, the size
 * scanner and the commit of staged budgets. budget.c is the portable part
 * (the set, usage, the tracker); budget_ini.c parses budget files (inih);
 * budget_glob.c matches asset paths (fnmatch). Only the eBPF tool links the
 * last two: the Python extension needs neither library.
 */
#ifndef PMTRACE_BUDGET_PRIV_H
#define PMTRACE_BUDGET_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/*
 * A budget being defined: by the file (with its parent still a name) or
 * by pmt_budgets_add() (parent already resolved).
 */
struct pmt_budget_staged {
	struct pmt_budget b;
	char *parent_name;
	unsigned int line;        /* its section's line */
	unsigned int parent_line; /* line of its parent key */
	unsigned int keys;        /* KEY_* bits given */
};

/* ---- allocation through the set's allocator ------------------------------ */

static inline void *xalloc(const struct pmt_budgets *b, size_t size)
{
	return b->realloc_fn(b->alloc_ctx, NULL, size ? size : 1);
}

/* An array of @n elements of @size, or NULL (also on overflow). */
static inline void *xalloc_array(const struct pmt_budgets *b, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return xalloc(b, n * size);
}

static inline void *xrealloc_array(const struct pmt_budgets *b, void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return b->realloc_fn(b->alloc_ctx, ptr, n && size ? n * size : 1);
}

static inline void xfree(const struct pmt_budgets *b, void *ptr)
{
	if (ptr)
		b->realloc_fn(b->alloc_ctx, ptr, 0);
}

static inline char *xstrndup(const struct pmt_budgets *b, const char *s, size_t len)
{
	char *d = xalloc(b, len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static inline char *xstrdup(const struct pmt_budgets *b, const char *s)
{
	return xstrndup(b, s, strlen(s));
}

/* A new string formatted like printf, or NULL. */
__attribute__((format(printf, 2, 3))) static inline char *
xasprintf(const struct pmt_budgets *b, const char *fmt, ...)
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

static inline const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

#define UNITS_LIST "B, KB, KiB, MB, MiB, GB, GiB, TB or TiB"

enum size_err {
	SIZE_OK = 0,
	SIZE_NUMBER,  /* no number where it should start (or a sign) */
	SIZE_NO_UNIT, /* a number alone */
	SIZE_UNIT,    /* an unknown unit, at *unit */
	SIZE_RANGE,   /* above UINT64_MAX */
};

/*
 * A non-negative decimal at *@p: digits, optionally '.' and digits, at
 * least one digit in all. Integer part in @ip (saturating above 2^64, then
 * *@big is set), fraction as @fnum / @fden. Advances *@p; false when there
 * is no number.
 */
bool pmt_budget_scan_decimal(const char **p, u128 *ip, uint64_t *fnum, uint64_t *fden, bool *big);

/*
 * Scan size @s ("512MiB") into *@out; SIZE_OK, or the error, with *@unit
 * at the unknown unit for SIZE_UNIT.
 */
enum size_err pmt_budget_size_scan(const char *s, uint64_t *out, const char **unit);

/* Release the defined fields (name, description, origin, globs) of @it. */
void pmt_budget_free_defined(const struct pmt_budgets *b, struct pmt_budget *it);

/*
 * Add @n staged budgets (parents resolved to indices in the merged set),
 * @np priority rules and, when @hybrid is not NULL, new hybrid weights to
 * @b. All or nothing: -ENOMEM leaves @b as it was and the staged data
 * owned by the caller; on success @b owns the budgets' defined fields and
 * the rules' globs.
 */
int pmt_budgets_commit(struct pmt_budgets *b, const struct pmt_budget_staged *st, size_t n,
		       const struct pmt_budget_priority *prios, size_t np,
		       const struct pmt_evict_weights *hybrid);

#endif /* PMTRACE_BUDGET_PRIV_H */
