// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget_ini.c - the budget file parser (format: scripts/budgets.example.ini):
 * budgets, [priorities] and [hybrid] into a struct pmt_budgets. Linked by
 * the eBPF tool only (it needs inih); the set itself is budget.c.
 *
 * Parsing uses inih through ini_parse_stream() with our own line reader
 * rather than ini_parse_string(): inih only passes line numbers to the
 * handler when built with INI_HANDLER_LINENO (Debian's is not) and never
 * reports section headers, so the reader numbers the lines, sees every
 * [section] (empty and repeated ones included), strips comments and
 * leading blanks (so no line is taken as a continuation, whatever inih's
 * runtime options say) and rejects what inih would silently truncate.
 * Budgets are staged and committed all at once (pmt_budgets_commit()).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "pmtrace/budget.h"
#include "budget_priv.h"

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

	if (!pmt_budget_scan_decimal(&p, &ip, &fnum, &fden, &big) || big || ip > 1000000000)
		return false;
	if (*skip_blanks(p))
		return false;
	*out = (double)(uint64_t)ip + (double)fnum / (double)fden;
	return true;
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
	struct pmt_budget_staged *st;
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
	struct pmt_budget_staged *st;
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
	struct pmt_budget_staged *st = &c->st[c->cur];
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
		se = pmt_budget_size_scan(value, &it->limit, &unit);
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
		struct pmt_budget_staged *st = &c->st[i];

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
			pmt_budget_free_defined(c->set, &c->st[i].b);
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
		c.rc = pmt_budgets_commit(out, c.st, c.nst, c.prios, c.nprios, c.hybrid_line ? &w : NULL);
	ctx_free(&c, c.rc == 0);
	if (c.rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", filename);
	else if (c.rc && err && errlen)
		snprintf(err, errlen, "%s:%u: %s", filename, c.err_line, c.msg);
	return c.rc;
}

