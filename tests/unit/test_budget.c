// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_budget.c - unit tests of memory budgets: the budget file of the
 * design (exact values, paths, masks, globs, defaults), sizes and their
 * units, every parse error with its exact message and line, comments and
 * line endings, usage sums over the tree with known samples (overlap and
 * rss counted once), asset globs through a test callback, the tracker's
 * transitions, hysteresis and pending events, the children-exceed-parent
 * warning, budgets added by the program, atomic parses, and every
 * allocation failed in turn.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/assets.h"
#include "pmtrace/budget.h"
#include "suites.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define BIT(c) PMT_BUDGET_CAT(c)

/* The example of the design, 24 lines. */
static const char example[] = "[total_game]\n"                             /* 1 */
			      "limit = 512MiB\n"                           /* 2 */
			      "categories = rss\n"                         /* 3 */
			      "\n"                                         /* 4 */
			      "[graphics]\n"                               /* 5 */
			      "parent = total_game\n"                      /* 6 */
			      "limit = 256MiB\n"                           /* 7 */
			      "warn = 85%\n"                               /* 8 */
			      "categories = textures, surfaces, gpu_buffers\n" /* 9 */
			      "eviction = lru\n"                           /* 10 */
			      "\n"                                         /* 11 */
			      "[sounds]\n"                                 /* 12 */
			      "parent = total_game\n"                      /* 13 */
			      "limit = 64MiB\n"                            /* 14 */
			      "categories = audio, music, assets:sounds/*.ogg\n" /* 15 */
			      "\n"                                         /* 16 */
			      "[priorities]\n"                             /* 17 */
			      "assets/ui/* = 100\n"                        /* 18 */
			      "assets/levels/* = 10\n"                     /* 19 */
			      "\n"                                         /* 20 */
			      "[hybrid]\n"                                 /* 21 */
			      "lru = 0.5\n"                                /* 22 */
			      "size = 0.3\n"                               /* 23 */
			      "priority = 0.2\n";                          /* 24 */

/* Parse @text as "budgets.ini" into a fresh set, which must succeed. */
static void parse_ok(struct pmt_budgets *b, const char *text)
{
	char err[512];
	int rc;

	pmt_budgets_init(b);
	rc = pmt_budgets_parse(text, "budgets.ini", b, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		CU_FAIL(err);
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* Parse @text as "t.ini", which must fail with exactly @want; the set stays empty. */
static void parse_fails(const char *text, const char *want)
{
	struct pmt_budgets b;
	char err[512];

	pmt_budgets_init(&b);
	memset(err, 'x', sizeof(err));
	CU_ASSERT_EQUAL(pmt_budgets_parse(text, "t.ini", &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_budgets_priority_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);
	pmt_budgets_free(&b);
}

static int find(const struct pmt_budgets *b, const char *name)
{
	int i = pmt_budgets_find(b, name);

	CU_ASSERT_FATAL(i >= 0);
	return i;
}

static void test_parse_example(void)
{
	struct pmt_evict_weights w;
	struct pmt_budgets b;
	int32_t prio = 0;
	int t, g, s;

	parse_ok(&b, example);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_count(&b), 3);
	t = find(&b, "total_game");
	g = find(&b, "graphics");
	s = find(&b, "sounds");
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(g, 1);
	CU_ASSERT_EQUAL(s, 2);

	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, t), "total_game");
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, g), "total_game/graphics");
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, s), "total_game/sounds");
	CU_ASSERT_STRING_EQUAL(pmt_budget_name(&b, g), "graphics");
	CU_ASSERT_STRING_EQUAL(pmt_budget_origin(&b, t), "budgets.ini:1");
	CU_ASSERT_STRING_EQUAL(pmt_budget_origin(&b, g), "budgets.ini:5");
	CU_ASSERT_STRING_EQUAL(pmt_budget_origin(&b, s), "budgets.ini:12");
	CU_ASSERT_PTR_NULL(pmt_budget_description(&b, t));

	CU_ASSERT_EQUAL(pmt_budget_parent(&b, t), -1);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, g), t);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, s), t);
	CU_ASSERT_EQUAL(pmt_budget_depth(&b, t), 0);
	CU_ASSERT_EQUAL(pmt_budget_depth(&b, g), 1);

	CU_ASSERT_EQUAL(pmt_budget_limit(&b, t), 512 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_limit(&b, g), 256 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_limit(&b, s), 64 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, t), 90);
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, g), 85);
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, s), 90);

	CU_ASSERT_EQUAL(pmt_budget_categories(&b, t), BIT(PMT_CAT_RSS));
	CU_ASSERT_EQUAL(pmt_budget_categories(&b, g), BIT(PMT_CAT_TEXTURES) |
							      BIT(PMT_CAT_SURFACES) |
							      BIT(PMT_CAT_GPU_BUFFERS));
	CU_ASSERT_EQUAL(pmt_budget_categories(&b, s), BIT(PMT_CAT_AUDIO) | BIT(PMT_CAT_MUSIC));
	CU_ASSERT_EQUAL(pmt_budget_glob_count(&b, t), 0);
	CU_ASSERT_EQUAL(pmt_budget_glob_count(&b, g), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_budget_glob_count(&b, s), 1);
	CU_ASSERT_STRING_EQUAL(pmt_budget_glob(&b, s, 0), "sounds/*.ogg");
	CU_ASSERT_PTR_NULL(pmt_budget_glob(&b, s, 1));

	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, t), PMT_BUDGET_NO_EVICTION);
	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, g), PMT_EVICT_LRU);
	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, s), PMT_BUDGET_NO_EVICTION);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, g), PMT_BUDGET_OK);

	CU_ASSERT_EQUAL_FATAL(pmt_budgets_priority_count(&b), 2);
	CU_ASSERT_STRING_EQUAL(pmt_budgets_priority_glob(&b, 0), "assets/ui/*");
	CU_ASSERT_EQUAL(pmt_budgets_priority_value(&b, 0), 100);
	CU_ASSERT_STRING_EQUAL(pmt_budgets_priority_glob(&b, 1), "assets/levels/*");
	CU_ASSERT_EQUAL(pmt_budgets_priority_value(&b, 1), 10);
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/home/me/game/assets/ui/button.png", &prio));
	CU_ASSERT_EQUAL(prio, 100);

	pmt_budgets_hybrid(&b, &w);
	CU_ASSERT_DOUBLE_EQUAL(w.lru, 0.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w.size, 0.3, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w.priority, 0.2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w.lfu, 0.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(w.age, 0.0, 0);

	/* 256 + 64 <= 512: no warning. */
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);

	/* Out of range. */
	CU_ASSERT_PTR_NULL(pmt_budget_path(&b, 3));
	CU_ASSERT_PTR_NULL(pmt_budget_name(&b, -1));
	CU_ASSERT_EQUAL(pmt_budget_limit(&b, 3), 0);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, 7), -1);
	CU_ASSERT_EQUAL(pmt_budgets_find(&b, "Graphics"), -ENOENT);
	pmt_budgets_free(&b);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 0);
	pmt_budgets_free(&b); /* twice is fine */
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		int rc;
		uint64_t want;
	} cases[] = {
		{ "512MiB", 0, 512 * MIB },
		{ "1.5GiB", 0, 3 * GIB / 2 },
		{ "1000KB", 0, 1000000 },
		{ "7B", 0, 7 },
		{ "1KiB", 0, 1024 },
		{ "1MB", 0, 1000000 },
		{ "2GB", 0, 2000000000 },
		{ "3TB", 0, UINT64_C(3000000000000) },
		{ "2TiB", 0, UINT64_C(2) << 40 },
		{ " 64 mib ", 0, 64 * MIB },
		{ "0.5KiB", 0, 512 },
		{ ".25 KiB", 0, 256 },
		{ "0.1KiB", 0, 102 },  /* 102.4 rounds down */
		{ "0.0015KB", 0, 2 },  /* 1.5 rounds up */
		{ "1.000000000000000000001GiB", 0, GIB }, /* digits past 18 ignored */
		{ "0B", 0, 0 },
		{ "16777215TiB", 0, UINT64_C(16777215) << 40 },
		{ "18446744073709551615B", 0, UINT64_MAX },
		{ "18446744073709551616B", -ERANGE, 0 },
		{ "16777216TiB", -ERANGE, 0 },
		{ "99999999999999999999999TB", -ERANGE, 0 },
		{ "12XB", -EINVAL, 0 },
		{ "-5MiB", -EINVAL, 0 },
		{ "+5MiB", -EINVAL, 0 },
		{ "512", -EINVAL, 0 },
		{ "MiB", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ ".MiB", -EINVAL, 0 },
		{ "1.2.3MiB", -EINVAL, 0 },
		{ "1e6B", -EINVAL, 0 },
		{ "1,5GiB", -EINVAL, 0 },
		{ "5 MiB extra", -EINVAL, 0 },
		{ "5K", -EINVAL, 0 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < PMT_ARRAY_SIZE(cases); i++) {
		v = 12345;
		CU_ASSERT_EQUAL(pmt_budget_parse_size(cases[i].text, &v), cases[i].rc);
		CU_ASSERT_EQUAL(v, cases[i].rc ? 12345 : cases[i].want);
		if (pmt_budget_parse_size(cases[i].text, &v) != cases[i].rc)
			CU_FAIL(cases[i].text);
	}
	CU_ASSERT_EQUAL(pmt_budget_parse_size(NULL, &v), -EINVAL);
}

static void test_format_size(void)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0 B" },
		{ 7, "7 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1000000, "976.56 KiB" },
		{ 256 * MIB, "256 MiB" },
		{ 3 * GIB / 2, "1.5 GiB" },
		{ 320 * MIB, "320 MiB" },
		{ UINT64_MAX, "16 EiB" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < PMT_ARRAY_SIZE(cases); i++) {
		pmt_budget_format_size(cases[i].bytes, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
	}
}

/* Every kind of error, with its exact message and line. */
static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[a]\nlimit = 1MiB\ncolour = red\n",
		  "t.ini:3: unknown key 'colour' in [a] (expected limit, warn, parent, categories, "
		  "eviction or description)" },
		{ "[a]\nlimit = 12XB\n",
		  "t.ini:2: unknown unit 'XB' in size '12XB' (use B, KB, KiB, MB, MiB, GB, GiB, TB "
		  "or TiB)" },
		{ "[a]\n\nlimit = -5MiB\n",
		  "t.ini:3: bad size '-5MiB': expected a positive number and a unit, like 256MiB" },
		{ "[a]\nlimit = 512\n",
		  "t.ini:2: size '512' has no unit (B, KB, KiB, MB, MiB, GB, GiB, TB or TiB)" },
		{ "[a]\nlimit = 20000000TiB\n", "t.ini:2: size '20000000TiB' is too large" },
		{ "[a]\nlimit = 0B\n", "t.ini:2: the limit of [a] must be more than 0 bytes" },
		{ "[a]\nlimit = 1MiB\nwarn = 150%\n",
		  "t.ini:3: bad percent '150%': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB\nwarn = 0%\n",
		  "t.ini:3: bad percent '0%': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB\nwarn = 85.5%\n",
		  "t.ini:3: bad percent '85.5%': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB\nwarn = high\n",
		  "t.ini:3: bad percent 'high': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB\ncategories = rss, texture\n",
		  "t.ini:3: unknown category 'texture' (expected rss, python_heap, native_heap, "
		  "textures, surfaces, text, audio, music, fonts, gpu_buffers or assets:GLOB)" },
		{ "[a]\nlimit = 1MiB\ncategories = rss,,audio\n",
		  "t.ini:3: empty entry in the categories of [a]" },
		{ "[a]\nlimit = 1MiB\ncategories = audio, assets: \n",
		  "t.ini:3: no glob after 'assets:' in the categories of [a]" },
		/* found by fuzzing: the blanks after 'assets:' ran past the entry's end */
		{ "[a]\nlimit = 1MiB\ncategories = textures, assets: ,gpu_buffers\n",
		  "t.ini:3: no glob after 'assets:' in the categories of [a]" },
		{ "[a]\nlimit = 1MiB\neviction = fifo\n",
		  "t.ini:3: unknown eviction strategy 'fifo' (expected lru, lfu, priority, size, "
		  "age, hybrid or none)" },
		{ "[a]\nlimit = 1MiB\n\n[b]\nparent = a\n", "t.ini:4: budget [b] has no limit" },
		{ "[a]\n[b]\nlimit = 1MiB\n", "t.ini:1: budget [a] has no limit" },
		{ "[a]\nlimit = 1MiB\n[b]\nlimit = 1MiB\n[a]\nlimit = 2MiB\n",
		  "t.ini:5: duplicate budget [a] (first defined at line 1)" },
		{ "[a]\nlimit = 1MiB\n[b]\nlimit = 1MiB\nparent = c\n",
		  "t.ini:5: parent 'c' of [b] is not a budget" },
		{ "[root]\nlimit = 1MiB\n[a]\nlimit = 1MiB\nparent = b\n[b]\nlimit = 1MiB\n"
		  "parent = a\n",
		  "t.ini:5: parents form a cycle: a -> b -> a" },
		{ "[a]\nlimit = 1MiB\nparent = a\n", "t.ini:3: parents form a cycle: a -> a" },
		/* x hangs below the cycle; the cycle's first budget in the file is a. */
		{ "[x]\nlimit = 1MiB\nparent = a\n[a]\nlimit = 1MiB\nparent = c\n[b]\nparent = a\n"
		  "limit = 1MiB\n[c]\nlimit = 1MiB\nparent = b\n",
		  "t.ini:6: parents form a cycle: a -> c -> b -> a" },
		{ "[priorities]\nassets/ui/* = 100\nassets/levels/* = high\n",
		  "t.ini:3: priority 'high' for 'assets/levels/*' is not an integer" },
		{ "[priorities]\nassets/ui/* = 1.5\n",
		  "t.ini:2: priority '1.5' for 'assets/ui/*' is not an integer" },
		{ "[priorities]\nassets/ui/* = 99999999999\n",
		  "t.ini:2: priority '99999999999' for 'assets/ui/*' is not an integer" },
		{ "[priorities]\nassets/ui/* =\n",
		  "t.ini:2: priority '' for 'assets/ui/*' is not an integer" },
		{ "[priorities]\na/* = 1\na/* = 2\n", "t.ini:3: priority for 'a/*' is given twice" },
		{ "[priorities]\na = 1\n[priorities]\nb = 2\n",
		  "t.ini:3: [priorities] appears twice (first at line 1)" },
		{ "limit = 1MiB\n[a]\nlimit = 1MiB\n", "t.ini:1: 'limit' is outside any [section]" },
		{ "[a]\nlimit = 1MiB\njust words\n",
		  "t.ini:3: expected [section], key = value or a comment" },
		{ "[a\nlimit = 1MiB\n", "t.ini:1: missing ']' in section header" },
		{ "[a] x\nlimit = 1MiB\n", "t.ini:1: unexpected text after ']'" },
		{ "[a]\nlimit = 1MiB\nlimit = 2MiB\n", "t.ini:3: 'limit' is given twice in [a]" },
		{ "[a]\nlimit = 1MiB\nwarn = 80%\nWARN = 85%\n",
		  "t.ini:4: 'warn' is given twice in [a]" },
		{ "[a/b]\nlimit = 1MiB\n", "t.ini:1: budget name 'a/b' may not contain '/'" },
		{ "[ ]\nlimit = 1MiB\n", "t.ini:1: empty budget name []" },
		{ "[a]\nlimit = 1MiB\nparent =\n", "t.ini:3: empty parent in [a]" },
		{ "[hybrid]\nlru = lots\n",
		  "t.ini:2: bad weight 'lots' for lru: expected a number from 0 to 1000000000, "
		  "like 0.5" },
		{ "[hybrid]\nage = -1\n",
		  "t.ini:2: bad weight '-1' for age: expected a number from 0 to 1000000000, "
		  "like 0.5" },
		{ "[hybrid]\nfifo = 1\n",
		  "t.ini:2: unknown key 'fifo' in [hybrid] (expected lru, lfu, priority, size or "
		  "age)" },
		{ "[hybrid]\nlru = 1\nlru = 2\n", "t.ini:3: 'lru' is given twice in [hybrid]" },
		{ "[a]\nlimit = 1MiB\n[hybrid]\nlru = 0\nsize = 0.0\n",
		  "t.ini:3: all [hybrid] weights are 0" },
		{ "[hybrid]\nlru = 1\n[Hybrid]\n",
		  "t.ini:3: [hybrid] appears twice (first at line 1)" },
		/* The first error in the file wins, line errors before budget checks. */
		{ "[a]\nparent = nowhere\n[b]\nlimit = 1MiB\nbogus = 1\nalso = 2\n",
		  "t.ini:5: unknown key 'bogus' in [b] (expected limit, warn, parent, categories, "
		  "eviction or description)" },
		{ "[a]\nparent = nowhere\n[b]\nlimit = 1MiB\n", "t.ini:1: budget [a] has no limit" },
		{ "[a]\nlimit = 1MiB\nparent = nowhere\n[b]\n",
		  "t.ini:3: parent 'nowhere' of [a] is not a budget" },
		/* Windows line endings and a byte order mark do not move line numbers. */
		{ "\xEF\xBB\xBF[a]\r\nlimit = 1MiB\r\n\r\nwarn = 101\r\n",
		  "t.ini:4: bad percent '101': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB\n   colour = red   ; comment\n",
		  "t.ini:3: unknown key 'colour' in [a] (expected limit, warn, parent, categories, "
		  "eviction or description)" },
		{ "[a]\nlimit = 1MiB\n\n\n\n\n\n\n\n\n\n\nwarn = 1000\n",
		  "t.ini:13: bad percent '1000': expected a whole number from 1 to 100, like 85%" },
		{ "[a]\nlimit = 1MiB # too big ; really\nwarn = 90 %\neviction = LRU\n"
		  "categories = Textures\nlimit2 = 1\n",
		  "t.ini:6: unknown key 'limit2' in [a] (expected limit, warn, parent, categories, "
		  "eviction or description)" },
	};
	size_t i;

	for (i = 0; i < PMT_ARRAY_SIZE(cases); i++)
		parse_fails(cases[i].text, cases[i].want);
}

static void test_error_edges(void)
{
	struct pmt_budgets b;
	char text[512], err[64];
	size_t n;

	/* A line inih would cut (its buffer holds 198 characters and the newline). */
	n = (size_t)snprintf(text, sizeof(text), "[a]\nlimit = 1MiB\ndescription = ");
	memset(text + n, 'x', 200);
	strcpy(text + n + 200, "\n");
	parse_fails(text, "t.ini:3: line is longer than 198 characters");
	/* 198 characters exactly fit. */
	n = (size_t)snprintf(text, sizeof(text), "[a]\nlimit = 1MiB\ndescription = ");
	memset(text + n, 'x', 198 - 14);
	strcpy(text + 198 + 4 + 13, "\n");
	parse_ok(&b, text);
	CU_ASSERT_EQUAL(strlen(pmt_budget_description(&b, 0)), 198 - 14);
	pmt_budgets_free(&b);

	/* No file name; a short error buffer is cut, NUL-terminated. */
	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_parse("[a]\n", NULL, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "<budgets>:1: budget [a] has no limit");
	CU_ASSERT_EQUAL(pmt_budgets_parse("[a]\nlimit = 1MiB\ncolour = red\n", "t.ini", &b, err,
					  16),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "t.ini:3: unknow");
	CU_ASSERT_EQUAL(pmt_budgets_parse("[a]\n", "t.ini", &b, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_parse(NULL, "t.ini", &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_parse("", "t.ini", NULL, err, sizeof(err)), -EINVAL);
	/* Empty text, or comments only: no budgets, no error. */
	CU_ASSERT_EQUAL(pmt_budgets_parse("", "t.ini", &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_parse("# nothing\n; here\n\n", "t.ini", &b, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 0);
	pmt_budgets_free(&b);
}

/* Comments, blanks, case, repeated categories, forward parents, no final newline. */
static void test_format(void)
{
	static const char text[] =
		"\xEF\xBB\xBF# A comment\r\n"
		"; another\r\n"
		"  [ child ]   # the section name is trimmed\r\n"
		"  Parent = root\r\n"
		"  LIMIT = 1.5 GiB ; decimals\r\n"
		"  Warn = 75 %\r\n"
		"  categories = Fonts, assets:ui/*.png\r\n"
		"  categories = text, assets:ui/*.png, assets:hud/*\r\n"
		"  eviction = Hybrid\r\n"
		"  description = HUD and menus; text;drawn #each frame\r\n"
		"[root]\r\n"
		"limit=2GiB\r\n"
		"categories=rss\r\n"
		"eviction = none";
	struct pmt_evict_weights w, def;
	struct pmt_budgets b;
	int c, r;

	parse_ok(&b, text);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_count(&b), 2);
	c = find(&b, "child");
	r = find(&b, "root");
	CU_ASSERT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, c), r);
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, c), "root/child");
	CU_ASSERT_STRING_EQUAL(pmt_budget_origin(&b, c), "budgets.ini:3");
	CU_ASSERT_EQUAL(pmt_budget_limit(&b, c), 3 * GIB / 2);
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, c), 75);
	CU_ASSERT_EQUAL(pmt_budget_categories(&b, c), BIT(PMT_CAT_FONTS) | BIT(PMT_CAT_TEXT));
	CU_ASSERT_EQUAL_FATAL(pmt_budget_glob_count(&b, c), 2);
	CU_ASSERT_STRING_EQUAL(pmt_budget_glob(&b, c, 0), "ui/*.png");
	CU_ASSERT_STRING_EQUAL(pmt_budget_glob(&b, c, 1), "hud/*");
	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, c), PMT_EVICT_HYBRID);
	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, r), PMT_BUDGET_NO_EVICTION);
	/* ';' and '#' start a comment only after a blank. */
	CU_ASSERT_STRING_EQUAL(pmt_budget_description(&b, c), "HUD and menus; text;drawn");
	/* No [hybrid]: the eviction module's defaults. */
	pmt_budgets_hybrid(&b, &w);
	pmt_evict_weights_default(&def);
	CU_ASSERT_EQUAL(memcmp(&w, &def, sizeof(w)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);
	pmt_budgets_free(&b);
}

/* A sample with every category at 0 and no asset callback. */
static struct pmt_budget_sample mksample(void)
{
	struct pmt_budget_sample s;

	memset(&s, 0, sizeof(s));
	return s;
}

static void test_usage_tree(void)
{
	struct pmt_budget_sample s = mksample();
	struct pmt_budgets b;
	int t, g, snd;

	/* Disjoint categories: a parent is its own plus its children's usage. */
	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "game", NULL, GIB, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "gfx", "game", 512 * MIB, 0, BIT(PMT_CAT_TEXTURES)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "fonts", "gfx", 8 * MIB, 0, BIT(PMT_CAT_FONTS)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "sfx", "game", 64 * MIB, 0,
					BIT(PMT_CAT_AUDIO) | BIT(PMT_CAT_MUSIC)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "py", "game", 64 * MIB, 0,
					BIT(PMT_CAT_PYTHON_HEAP)),
			0);
	s.bytes[PMT_CAT_RSS] = 900 * MIB; /* counted by no budget */
	s.bytes[PMT_CAT_TEXTURES] = 100 * MIB;
	s.bytes[PMT_CAT_FONTS] = 3 * MIB;
	s.bytes[PMT_CAT_AUDIO] = 20 * MIB;
	s.bytes[PMT_CAT_MUSIC] = 5 * MIB;
	s.bytes[PMT_CAT_PYTHON_HEAP] = 40 * MIB;
	s.bytes[PMT_CAT_SURFACES] = 77 * MIB; /* counted by no budget */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "fonts"), &s), 3 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "gfx"), &s), 103 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "sfx"), &s), 25 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "py"), &s), 40 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "game"), &s), 168 * MIB);
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, find(&b, "fonts")), "game/gfx/fonts");
	CU_ASSERT_EQUAL(pmt_budget_depth(&b, find(&b, "fonts")), 2);

	/* A second budget also counting textures: the root still counts them once. */
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "atlas", "game", 256 * MIB, 0,
					BIT(PMT_CAT_TEXTURES) | BIT(PMT_CAT_FONTS)),
			0);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "atlas"), &s), 103 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, find(&b, "game"), &s), 168 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, 99, &s), 0);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, 0, NULL), 0);
	pmt_budgets_free(&b);

	/*
	 * The design's example: rss at the root already holds surfaces, audio
	 * and music, so the root is rss plus the GPU-side textures and buffers.
	 */
	parse_ok(&b, example);
	t = find(&b, "total_game");
	g = find(&b, "graphics");
	snd = find(&b, "sounds");
	s = mksample();
	s.bytes[PMT_CAT_RSS] = 300 * MIB;
	s.bytes[PMT_CAT_TEXTURES] = 100 * MIB;
	s.bytes[PMT_CAT_SURFACES] = 20 * MIB;
	s.bytes[PMT_CAT_GPU_BUFFERS] = 10 * MIB;
	s.bytes[PMT_CAT_AUDIO] = 30 * MIB;
	s.bytes[PMT_CAT_MUSIC] = 5 * MIB;
	s.bytes[PMT_CAT_PYTHON_HEAP] = 50 * MIB; /* inside rss */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, g, &s), 130 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, snd, &s), 35 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, t, &s), 410 * MIB);
	/* Saturation. */
	s.bytes[PMT_CAT_TEXTURES] = UINT64_MAX - 1;
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, g, &s), UINT64_MAX);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, t, &s), UINT64_MAX);
	pmt_budgets_free(&b);
}

/* Live assets for the glob callback. */
struct fake_asset {
	const char *path;
	int cat;
	uint64_t bytes;
};

struct glob_ctx {
	const struct fake_asset *assets;
	size_t n;
	unsigned int calls;
	size_t last_n;       /* globs of the last call */
	uint32_t last_counted;
};

/* What the tool's callback does: live assets matching a glob, not counted already. */
static uint64_t glob_bytes(void *ctx, const char *const *globs, size_t n, uint32_t counted)
{
	struct glob_ctx *g = ctx;
	uint64_t sum = 0;
	size_t i, j;

	g->calls++;
	g->last_n = n;
	g->last_counted = counted;
	for (i = 0; i < g->n; i++) {
		if (counted & BIT(g->assets[i].cat))
			continue;
		for (j = 0; j < n; j++) {
			if (pmt_budget_path_match(globs[j], g->assets[i].path)) {
				sum += g->assets[i].bytes;
				break;
			}
		}
	}
	return sum;
}

static void test_usage_globs(void)
{
	static const struct fake_asset assets[] = {
		{ "/home/me/game/sounds/jump.ogg", PMT_CAT_AUDIO, 1 * MIB },
		{ "/home/me/game/sounds/theme.ogg", PMT_CAT_MUSIC, 4 * MIB },
		{ "/home/me/game/gfx/boss_1.png", PMT_CAT_TEXTURES, 16 * MIB },
		{ "/home/me/game/gfx/boss_1.png", PMT_CAT_SURFACES, 8 * MIB },
		{ "/home/me/game/gfx/hero.png", PMT_CAT_TEXTURES, 2 * MIB },
		{ "/home/me/game/levels/boss_arena.png", PMT_CAT_SURFACES, 32 * MIB },
	};
	static const char text[] = "[game]\n"
				   "limit = 1GiB\n"
				   "[bosses]\n"
				   "parent = game\n"
				   "limit = 64MiB\n"
				   "categories = assets:gfx/boss_*, assets:*/boss_*\n"
				   "[arena]\n"
				   "parent = bosses\n"
				   "limit = 40MiB\n"
				   "categories = surfaces, assets:gfx/boss_*\n"
				   "[sfx]\n"
				   "parent = game\n"
				   "limit = 8MiB\n"
				   "categories = audio, assets:sounds/*.ogg\n";
	struct glob_ctx ctx = { assets, PMT_ARRAY_SIZE(assets), 0, 0, 0 };
	struct pmt_budget_sample s = mksample();
	struct pmt_budgets b;
	int game, bosses, arena, sfx;

	parse_ok(&b, text);
	game = find(&b, "game");
	bosses = find(&b, "bosses");
	arena = find(&b, "arena");
	sfx = find(&b, "sfx");
	s.bytes[PMT_CAT_SURFACES] = 100 * MIB;
	s.bytes[PMT_CAT_AUDIO] = 10 * MIB;
	s.bytes[PMT_CAT_MUSIC] = 4 * MIB;
	s.asset_bytes = glob_bytes;
	s.ctx = &ctx;

	/* Globs only: boss_1 texture and surface, the arena surface; hero does not match. */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, bosses, &s), 100 * MIB + 16 * MIB);
	CU_ASSERT_EQUAL(ctx.calls, 1);
	CU_ASSERT_EQUAL(ctx.last_n, 2); /* gfx/boss_* once for the subtree */
	CU_ASSERT_EQUAL(ctx.last_counted, BIT(PMT_CAT_SURFACES));
	/* arena: surfaces (100) + boss textures (16); boss surfaces are in surfaces. */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, arena, &s), 116 * MIB);
	/* sfx: audio (10) + theme.ogg as music (4); jump.ogg is audio already. */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, sfx, &s), 14 * MIB);
	/* game: surfaces, audio, then the globs of all, excluding both. */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, game, &s), 100 * MIB + 10 * MIB + 16 * MIB + 4 * MIB);
	CU_ASSERT_EQUAL(ctx.last_n, 3);
	CU_ASSERT_EQUAL(ctx.last_counted, BIT(PMT_CAT_SURFACES) | BIT(PMT_CAT_AUDIO));
	/* No callback: globs count 0. */
	s.asset_bytes = NULL;
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, bosses, &s), 100 * MIB);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, sfx, &s), 10 * MIB);
	pmt_budgets_free(&b);

	/* Under rss, the CPU-side categories are counted too: only GPU assets match. */
	parse_ok(&b, "[all]\nlimit = 1GiB\ncategories = rss, assets:*.png, assets:*.ogg\n");
	ctx.calls = 0;
	s = mksample();
	s.bytes[PMT_CAT_RSS] = 500 * MIB;
	s.asset_bytes = glob_bytes;
	s.ctx = &ctx;
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, 0, &s), 500 * MIB + 18 * MIB);
	CU_ASSERT_EQUAL(ctx.last_counted, BIT(PMT_CAT_RSS) | PMT_BUDGET_CATS_IN_RSS);
	pmt_budgets_free(&b);

	/* Budgets without globs never call back. */
	parse_ok(&b, example);
	ctx.calls = 0;
	pmt_budget_usage(&b, find(&b, "graphics"), &s);
	CU_ASSERT_EQUAL(ctx.calls, 0);
	pmt_budgets_free(&b);
}

static void test_path_match(void)
{
	CU_ASSERT_TRUE(pmt_budget_path_match("sounds/*.ogg", "sounds/jump.ogg"));
	CU_ASSERT_TRUE(pmt_budget_path_match("sounds/*.ogg", "/home/me/game/sounds/jump.ogg"));
	CU_ASSERT_TRUE(pmt_budget_path_match("sounds/*.ogg", "/g/sounds/sfx/jump.ogg"));
	CU_ASSERT_FALSE(pmt_budget_path_match("sounds/*.ogg", "/g/oldsounds/jump.ogg"));
	CU_ASSERT_FALSE(pmt_budget_path_match("sounds/*.ogg", "/g/sounds/jump.wav"));
	CU_ASSERT_TRUE(pmt_budget_path_match("*.png", "/a/b/c.png"));
	CU_ASSERT_TRUE(pmt_budget_path_match("/g/*.png", "/g/x/y.png"));
	CU_ASSERT_FALSE(pmt_budget_path_match("/g/*.png", "/h/g/y.png"));
	CU_ASSERT_TRUE(pmt_budget_path_match("level[0-9].tmx", "/g/maps/level3.tmx"));
	CU_ASSERT_FALSE(pmt_budget_path_match("level[0-9].tmx", "/g/maps/levelX.tmx"));
	CU_ASSERT_TRUE(pmt_budget_path_match("hero?.png", "hero2.png"));
	CU_ASSERT_FALSE(pmt_budget_path_match("hero.png", "superhero.png"));
	CU_ASSERT_FALSE(pmt_budget_path_match(NULL, "a"));
	CU_ASSERT_FALSE(pmt_budget_path_match("a", NULL));
}

static void test_priorities(void)
{
	static const char text[] = "[priorities]\n"
				   "assets/ui/cursor.png = 1000\n"
				   "assets/ui/* = 100\n"
				   "*.ogg = -5\n"
				   "assets/* = +3\n";
	struct pmt_budgets b;
	int32_t p;

	parse_ok(&b, text);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_budgets_priority_count(&b), 4);
	p = 7;
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/g/assets/ui/cursor.png", &p));
	CU_ASSERT_EQUAL(p, 1000);
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/g/assets/ui/button.png", &p));
	CU_ASSERT_EQUAL(p, 100);
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/g/assets/ui/click.ogg", &p));
	CU_ASSERT_EQUAL(p, 100); /* the first match wins */
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/g/assets/music/a.ogg", &p));
	CU_ASSERT_EQUAL(p, -5);
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "assets/levels/1.tmx", &p));
	CU_ASSERT_EQUAL(p, 3);
	p = 7;
	CU_ASSERT_FALSE(pmt_budgets_priority(&b, "/g/data/x.png", &p));
	CU_ASSERT_EQUAL(p, 7);
	CU_ASSERT_FALSE(pmt_budgets_priority(&b, NULL, &p));
	CU_ASSERT_PTR_NULL(pmt_budgets_priority_glob(&b, 4));
	pmt_budgets_free(&b);
}

/* One check with textures at @usage; returns the event count, events in @ev. */
static int check(struct pmt_budgets *b, uint64_t usage, uint64_t frame,
		 struct pmt_budget_event *ev, size_t max)
{
	struct pmt_budget_sample s = mksample();

	s.bytes[PMT_CAT_TEXTURES] = usage;
	return pmt_budgets_check(b, &s, frame, frame * 16000000, ev, max);
}

static void expect_event(const struct pmt_budget_event *ev, uint64_t usage, uint64_t frame,
			 enum pmt_budget_state from, enum pmt_budget_state to, uint32_t pct)
{
	CU_ASSERT_EQUAL(ev->usage, usage);
	CU_ASSERT_EQUAL(ev->limit, 1000);
	CU_ASSERT_EQUAL(ev->frame, frame);
	CU_ASSERT_EQUAL(ev->ts_ns, frame * 16000000);
	CU_ASSERT_EQUAL(ev->from, from);
	CU_ASSERT_EQUAL(ev->to, to);
	CU_ASSERT_EQUAL(ev->percent, pct);
	CU_ASSERT_EQUAL(ev->idx, 1);
	CU_ASSERT_STRING_EQUAL(ev->path, "root/gfx");
}

static void test_transitions(void)
{
	struct pmt_budget_event ev[4];
	struct pmt_budgets b;

	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_set_hysteresis(&b, 0), 0);
	/* The root counts nothing of its own and has room: it never changes. */
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "root", NULL, GIB, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "gfx", "root", 1000, 80, BIT(PMT_CAT_TEXTURES)), 0);

	CU_ASSERT_EQUAL(check(&b, 100, 1, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 799, 2, ev, 4), 0);
	/* Approaching at exactly 80 %. */
	CU_ASSERT_EQUAL_FATAL(check(&b, 800, 3, ev, 4), 1);
	expect_event(&ev[0], 800, 3, PMT_BUDGET_OK, PMT_BUDGET_WARNING, 80);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 1), PMT_BUDGET_WARNING);
	/* Still approaching: no new event, frame after frame. */
	CU_ASSERT_EQUAL(check(&b, 900, 4, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 1000, 5, ev, 4), 0); /* at the limit is not over it */
	CU_ASSERT_EQUAL_FATAL(check(&b, 1001, 6, ev, 4), 1);
	expect_event(&ev[0], 1001, 6, PMT_BUDGET_WARNING, PMT_BUDGET_EXCEEDED, 100);
	CU_ASSERT_EQUAL(check(&b, 5000, 7, ev, 4), 0);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 1), PMT_BUDGET_EXCEEDED);
	CU_ASSERT_EQUAL_FATAL(check(&b, 950, 8, ev, 4), 1);
	expect_event(&ev[0], 950, 8, PMT_BUDGET_EXCEEDED, PMT_BUDGET_WARNING, 95);
	CU_ASSERT_EQUAL(check(&b, 800, 9, ev, 4), 0);
	CU_ASSERT_EQUAL_FATAL(check(&b, 799, 10, ev, 4), 1);
	expect_event(&ev[0], 799, 10, PMT_BUDGET_WARNING, PMT_BUDGET_OK, 79);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 1), PMT_BUDGET_OK);
	/* States may be skipped, in one event. */
	CU_ASSERT_EQUAL_FATAL(check(&b, 3000, 11, ev, 4), 1);
	expect_event(&ev[0], 3000, 11, PMT_BUDGET_OK, PMT_BUDGET_EXCEEDED, 300);
	CU_ASSERT_EQUAL_FATAL(check(&b, 0, 12, ev, 4), 1);
	expect_event(&ev[0], 0, 12, PMT_BUDGET_EXCEEDED, PMT_BUDGET_OK, 0);
	/* Reset: reported again. */
	CU_ASSERT_EQUAL(check(&b, 900, 13, ev, 4), 1);
	pmt_budgets_reset_states(&b);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 1), PMT_BUDGET_OK);
	CU_ASSERT_EQUAL_FATAL(check(&b, 900, 14, ev, 4), 1);
	expect_event(&ev[0], 900, 14, PMT_BUDGET_OK, PMT_BUDGET_WARNING, 90);
	pmt_budgets_free(&b);
}

static void test_hysteresis(void)
{
	struct pmt_budget_event ev[4];
	struct pmt_budgets b;

	pmt_budgets_init(&b); /* default hysteresis: 2 points */
	CU_ASSERT_EQUAL(pmt_budgets_set_hysteresis(&b, 51), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "root", NULL, GIB, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "gfx", "root", 1000, 90, BIT(PMT_CAT_TEXTURES)), 0);

	CU_ASSERT_EQUAL_FATAL(check(&b, 905, 1, ev, 4), 1);
	expect_event(&ev[0], 905, 1, PMT_BUDGET_OK, PMT_BUDGET_WARNING, 90);
	/* Jitter around 90 %: nothing until 88 % or less. */
	CU_ASSERT_EQUAL(check(&b, 895, 2, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 901, 3, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 881, 4, ev, 4), 0);
	CU_ASSERT_EQUAL_FATAL(check(&b, 880, 5, ev, 4), 1);
	expect_event(&ev[0], 880, 5, PMT_BUDGET_WARNING, PMT_BUDGET_OK, 88);
	/* Going up needs no margin. */
	CU_ASSERT_EQUAL_FATAL(check(&b, 1001, 6, ev, 4), 1);
	expect_event(&ev[0], 1001, 6, PMT_BUDGET_OK, PMT_BUDGET_EXCEEDED, 100);
	CU_ASSERT_EQUAL(check(&b, 999, 7, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 1002, 8, ev, 4), 0);
	CU_ASSERT_EQUAL(check(&b, 981, 9, ev, 4), 0);
	CU_ASSERT_EQUAL_FATAL(check(&b, 980, 10, ev, 4), 1);
	expect_event(&ev[0], 980, 10, PMT_BUDGET_EXCEEDED, PMT_BUDGET_WARNING, 98);
	/* From exceeded straight to ok when far enough below both. */
	CU_ASSERT_EQUAL(check(&b, 1200, 11, ev, 4), 1);
	CU_ASSERT_EQUAL_FATAL(check(&b, 500, 12, ev, 4), 1);
	expect_event(&ev[0], 500, 12, PMT_BUDGET_EXCEEDED, PMT_BUDGET_OK, 50);
	pmt_budgets_free(&b);
}

/* More changes than room: the rest stay pending for the next check. */
static void test_check_pending(void)
{
	struct pmt_budget_sample s = mksample();
	struct pmt_budget_event ev[2];
	struct pmt_budgets b;

	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "a", NULL, 100, 50, BIT(PMT_CAT_AUDIO)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "b", NULL, 100, 50, BIT(PMT_CAT_MUSIC)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "c", NULL, 100, 50, BIT(PMT_CAT_FONTS)), 0);
	s.bytes[PMT_CAT_AUDIO] = 60;
	s.bytes[PMT_CAT_MUSIC] = 200;
	s.bytes[PMT_CAT_FONTS] = 70;
	CU_ASSERT_EQUAL(pmt_budgets_check(&b, &s, 1, 10, NULL, 0), 0);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 0), PMT_BUDGET_OK);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_check(&b, &s, 2, 20, ev, 2), 2);
	CU_ASSERT_EQUAL(ev[0].idx, 0);
	CU_ASSERT_EQUAL(ev[0].to, PMT_BUDGET_WARNING);
	CU_ASSERT_EQUAL(ev[1].idx, 1);
	CU_ASSERT_EQUAL(ev[1].to, PMT_BUDGET_EXCEEDED);
	CU_ASSERT_EQUAL(ev[1].percent, 200);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, 2), PMT_BUDGET_OK);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_check(&b, &s, 3, 30, ev, 2), 1);
	CU_ASSERT_EQUAL(ev[0].idx, 2);
	CU_ASSERT_EQUAL(ev[0].frame, 3);
	CU_ASSERT_STRING_EQUAL(ev[0].path, "c");
	CU_ASSERT_EQUAL(pmt_budgets_check(&b, &s, 4, 40, ev, 2), 0);
	CU_ASSERT_EQUAL(pmt_budgets_check(NULL, &s, 4, 40, ev, 2), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_check(&b, NULL, 4, 40, ev, 2), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_check(&b, &s, 4, 40, NULL, 2), -EINVAL);
	/* Percent saturates. */
	s.bytes[PMT_CAT_MUSIC] = UINT64_MAX;
	s.bytes[PMT_CAT_AUDIO] = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_check(&b, &s, 5, 50, ev, 2), 1);
	CU_ASSERT_EQUAL(ev[0].idx, 0);
	s.bytes[PMT_CAT_MUSIC] = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_check(&b, &s, 6, 60, ev, 2), 1);
	CU_ASSERT_EQUAL(ev[0].idx, 1);
	CU_ASSERT_EQUAL(ev[0].to, PMT_BUDGET_OK);
	pmt_budgets_reset_states(&b);
	s.bytes[PMT_CAT_FONTS] = UINT64_MAX;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_check(&b, &s, 7, 70, ev, 2), 1);
	CU_ASSERT_EQUAL(ev[0].percent, UINT32_MAX);
	pmt_budgets_free(&b);
}

static void test_warnings(void)
{
	static const char text[] = "[game]\n"
				   "limit = 256MiB\n"
				   "categories = rss\n"
				   "[gfx]\n"
				   "parent = game\n"
				   "limit = 200MiB\n"
				   "[sfx]\n"
				   "parent = game\n"
				   "limit = 120MiB\n"
				   "categories = audio\n"
				   "[tex]\n"
				   "parent = gfx\n"
				   "limit = 100MiB\n"
				   "categories = textures\n"
				   "[empty]\n"
				   "limit = 1MiB\n";
	struct pmt_budgets b;

	parse_ok(&b, text);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_warning_count(&b), 2);
	CU_ASSERT_STRING_EQUAL(pmt_budgets_warning(&b, 0),
			       "budgets.ini:1: game: its children's limits add up to 320 MiB "
			       "(335544320 bytes), more than its own limit of 256 MiB "
			       "(268435456 bytes)");
	CU_ASSERT_STRING_EQUAL(pmt_budgets_warning(&b, 1),
			       "budgets.ini:15: empty: counts nothing (no categories, in it or "
			       "below it)");
	CU_ASSERT_PTR_NULL(pmt_budgets_warning(&b, 2));
	/* gfx counts its child's textures: no warning for it. */
	pmt_budgets_free(&b);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);

	/* Added budgets: no origin; warnings follow every change. */
	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "switch", NULL, 3 * GIB, 0, BIT(PMT_CAT_RSS)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "pool", "switch", 2 * GIB, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_warning_count(&b), 1);
	CU_ASSERT_STRING_EQUAL(pmt_budgets_warning(&b, 0),
			       "switch/pool: counts nothing (no categories, in it or below it)");
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "gpu", "pool", 3 * GIB / 2, 0,
					BIT(PMT_CAT_TEXTURES)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "cpu", "switch", 3 * GIB / 2, 0,
					BIT(PMT_CAT_PYTHON_HEAP)),
			0);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_warning_count(&b), 1);
	CU_ASSERT_STRING_EQUAL(pmt_budgets_warning(&b, 0),
			       "switch: its children's limits add up to 3.5 GiB (3758096384 "
			       "bytes), more than its own limit of 3 GiB (3221225472 bytes)");
	pmt_budgets_free(&b);
}

static void test_add(void)
{
	static const char file[] = "[graphics]\n"
				   "parent = platform\n"
				   "limit = 1GiB\n"
				   "categories = textures\n"
				   "[hud]\n"
				   "parent = graphics\n"
				   "limit = 64MiB\n"
				   "categories = text\n";
	struct pmt_budgets b;
	char err[256];
	int p, g;

	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "platform", NULL, 4 * GIB, 0, BIT(PMT_CAT_RSS)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "vram", "platform", GIB, 95,
					BIT(PMT_CAT_TEXTURES) | BIT(PMT_CAT_GPU_BUFFERS)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 2);
	p = find(&b, "platform");
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, p), 90);
	CU_ASSERT_EQUAL(pmt_budget_warn_pct(&b, 1), 95);
	CU_ASSERT_EQUAL(pmt_budget_limit(&b, 1), GIB);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, 1), p);
	CU_ASSERT_EQUAL(pmt_budget_categories(&b, 1),
			BIT(PMT_CAT_TEXTURES) | BIT(PMT_CAT_GPU_BUFFERS));
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, 1), "platform/vram");
	CU_ASSERT_PTR_NULL(pmt_budget_origin(&b, 1));
	CU_ASSERT_EQUAL(pmt_budget_eviction(&b, 1), PMT_BUDGET_NO_EVICTION);
	CU_ASSERT_EQUAL(pmt_budget_glob_count(&b, 1), 0);

	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "vram", NULL, GIB, 0, 0), -EEXIST);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "x", "nope", GIB, 0, 0), -ENOENT);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "x", NULL, 0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "x", NULL, GIB, 101, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "x", NULL, GIB, 0, 1u << PMT_CAT_COUNT), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "", NULL, GIB, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "a/b", NULL, GIB, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "Hybrid", NULL, GIB, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, NULL, NULL, GIB, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_add(NULL, "x", NULL, GIB, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 2);

	/* A budget file hung below the platform's root. */
	CU_ASSERT_EQUAL(pmt_budgets_parse(file, "game.ini", &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_count(&b), 4);
	g = find(&b, "graphics");
	CU_ASSERT_EQUAL(g, 2);
	CU_ASSERT_EQUAL(pmt_budget_parent(&b, g), p);
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, 3), "platform/graphics/hud");
	CU_ASSERT_STRING_EQUAL(pmt_budget_origin(&b, 3), "game.ini:5");
	/* Names are unique across the set. */
	CU_ASSERT_EQUAL(pmt_budgets_parse("[vram]\nlimit = 1MiB\n", "x.ini", &b, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err,
			       "x.ini:1: duplicate budget [vram] (already defined outside this file)");
	CU_ASSERT_EQUAL(pmt_budgets_parse("[hud]\nlimit = 1MiB\n", "x.ini", &b, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err,
			       "x.ini:1: duplicate budget [hud] (already defined at game.ini:5)");
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "hud", NULL, GIB, 0, 0), -EEXIST);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "hud2", "hud", MIB, 0, BIT(PMT_CAT_FONTS)), 0);
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, 4), "platform/graphics/hud/hud2");
	/* Uninitialised but zero-filled sets work too. */
	pmt_budgets_free(&b);
	memset(&b, 0, sizeof(b));
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "z", NULL, MIB, 0, 0), 0);
	pmt_budgets_free(&b);
	memset(&b, 0, sizeof(b));
	pmt_budgets_free(&b);
}

/* A failed parse leaves a set with budgets, rules and states as it was. */
static void test_parse_atomic(void)
{
	struct pmt_budget_sample s = mksample();
	struct pmt_budget_event ev[4];
	struct pmt_budgets b;
	char err[256];
	int32_t p;

	parse_ok(&b, example);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "extra", "graphics", 512 * MIB, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 2);
	s.bytes[PMT_CAT_AUDIO] = 60 * MIB;
	CU_ASSERT_EQUAL(pmt_budgets_check(&b, &s, 1, 1, ev, 4), 1);
	CU_ASSERT_EQUAL(pmt_budgets_parse("[priorities]\nx = 1\n[new]\nlimit = 1MiB\n"
					  "parent = sounds\n[bad]\nparent = new\n",
					  "more.ini", &b, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "more.ini:6: budget [bad] has no limit");
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 4);
	CU_ASSERT_EQUAL(pmt_budgets_priority_count(&b), 2);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 2);
	CU_ASSERT_EQUAL(pmt_budgets_find(&b, "new"), -ENOENT);
	CU_ASSERT_EQUAL(pmt_budget_state(&b, find(&b, "sounds")), PMT_BUDGET_WARNING);
	/* A good one adds to it, states kept. */
	CU_ASSERT_EQUAL(pmt_budgets_parse("[priorities]\n*.ttf = 7\n[new]\nlimit = 1MiB\n"
					  "parent = sounds\ncategories = fonts\n",
					  "more.ini", &b, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(pmt_budgets_count(&b), 5);
	CU_ASSERT_EQUAL(pmt_budgets_priority_count(&b), 3);
	CU_ASSERT_TRUE(pmt_budgets_priority(&b, "/f/a.ttf", &p));
	CU_ASSERT_EQUAL(p, 7);
	CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, 4), "total_game/sounds/new");
	CU_ASSERT_EQUAL(pmt_budget_state(&b, find(&b, "sounds")), PMT_BUDGET_WARNING);
	CU_ASSERT_EQUAL(pmt_budgets_parse("[priorities]\n*.ttf = 8\n", "more.ini", &b, err,
					  sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "more.ini:2: priority for '*.ttf' is already set");
	CU_ASSERT_EQUAL(pmt_budgets_set_allocator(&b, NULL, NULL), -EBUSY);
	pmt_budgets_free(&b);
}

/* Allocation counting, and failure of the @fail_at-th allocation (-1: none). */
struct fail_alloc {
	long fail_at;
	long calls;
	long live;
};

static void *fail_realloc(void *ctx, void *ptr, size_t size)
{
	struct fail_alloc *fa = ctx;
	void *p;

	if (!size) {
		if (ptr) {
			fa->live--;
			free(ptr);
		}
		return NULL;
	}
	if (fa->calls++ == fa->fail_at)
		return NULL;
	p = realloc(ptr, size);
	if (p && !ptr)
		fa->live++;
	return p;
}

static void test_alloc_failure(void)
{
	static const char more[] = "[new]\nparent = graphics\nlimit = 300MiB\n"
				   "categories = fonts, assets:a/*, assets:b/*\n"
				   "[priorities]\nx/* = 1\n[hybrid]\nage = 1\n";
	struct fail_alloc fa = { -1, 0, 0 };
	struct pmt_budgets b;
	long total, k;
	char err[128];
	int rc;

	/* Parse into an empty set. */
	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_set_allocator(&b, fail_realloc, &fa), 0);
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err)), 0);
	total = fa.calls;
	CU_ASSERT(total > 10);
	pmt_budgets_free(&b);
	CU_ASSERT_EQUAL(fa.live, 0);
	for (k = 0; k < total; k++) {
		fa.fail_at = k;
		fa.calls = 0;
		rc = pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err));
		CU_ASSERT_EQUAL(rc, -ENOMEM);
		CU_ASSERT_STRING_EQUAL(err, "b.ini: out of memory");
		CU_ASSERT_EQUAL(pmt_budgets_count(&b), 0);
		CU_ASSERT_EQUAL(fa.live, 0);
		pmt_budgets_free(&b);
	}

	/* Parse and add into a set with budgets: unchanged on failure. */
	fa.fail_at = -1;
	fa.calls = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err)), 0);
	fa.calls = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(more, "m.ini", &b, err, sizeof(err)), 0);
	total = fa.calls;
	pmt_budgets_free(&b);
	for (k = 0; k < total; k++) {
		fa.fail_at = -1;
		CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err)), 0);
		fa.fail_at = k;
		fa.calls = 0;
		CU_ASSERT_EQUAL(pmt_budgets_parse(more, "m.ini", &b, err, sizeof(err)), -ENOMEM);
		CU_ASSERT_EQUAL(pmt_budgets_count(&b), 3);
		CU_ASSERT_EQUAL(pmt_budgets_priority_count(&b), 2);
		CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);
		CU_ASSERT_STRING_EQUAL(pmt_budget_path(&b, 2), "total_game/sounds");
		pmt_budgets_free(&b);
		CU_ASSERT_EQUAL(fa.live, 0);
	}

	/* Add into a set with budgets (here adding two warnings). */
	fa.fail_at = -1;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err)), 0);
	fa.calls = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_budgets_add(&b, "p", "sounds", GIB, 0, 0), 0);
	total = fa.calls;
	CU_ASSERT(total > 5);
	CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 2);
	pmt_budgets_free(&b);
	for (k = 0; k < total; k++) {
		fa.fail_at = -1;
		CU_ASSERT_EQUAL_FATAL(pmt_budgets_parse(example, "b.ini", &b, err, sizeof(err)), 0);
		fa.fail_at = k;
		fa.calls = 0;
		CU_ASSERT_EQUAL(pmt_budgets_add(&b, "p", "sounds", GIB, 0, 0), -ENOMEM);
		CU_ASSERT_EQUAL(pmt_budgets_count(&b), 3);
		CU_ASSERT_EQUAL(pmt_budgets_warning_count(&b), 0);
		CU_ASSERT_EQUAL(pmt_budgets_find(&b, "p"), -ENOENT);
		pmt_budgets_free(&b);
		CU_ASSERT_EQUAL(fa.live, 0);
	}
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(pmt_budget_state_name(PMT_BUDGET_OK), "ok");
	CU_ASSERT_STRING_EQUAL(pmt_budget_state_name(PMT_BUDGET_WARNING), "warning");
	CU_ASSERT_STRING_EQUAL(pmt_budget_state_name(PMT_BUDGET_EXCEEDED), "exceeded");
	CU_ASSERT_STRING_EQUAL(pmt_budget_state_name(PMT_BUDGET_STATES), "unknown");
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_SURFACE), PMT_CAT_SURFACES);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_TEXT), PMT_CAT_TEXT);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_TEXTURE), PMT_CAT_TEXTURES);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_AUDIO), PMT_CAT_AUDIO);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_MUSIC), PMT_CAT_MUSIC);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_FONT), PMT_CAT_FONTS);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_GPU_BUFFER), PMT_CAT_GPU_BUFFERS);
	CU_ASSERT_EQUAL(pmt_budget_cat_of_asset(PMT_ASSET_TYPES), -EINVAL);
	CU_ASSERT_EQUAL(PMT_BUDGET_CATS_IN_RSS & (BIT(PMT_CAT_RSS) | BIT(PMT_CAT_TEXTURES) |
						  BIT(PMT_CAT_GPU_BUFFERS)),
			0);
}

/* pmt_test_register_budget - add the memory budgets suite. */
/* Bytes charged to budgets directly add up through the tree, with categories. */
static void test_usage_own_bytes(void)
{
	struct pmt_budgets b;
	struct pmt_budget_sample s = mksample();
	uint64_t own[4] = { 0 };
	int game, gfx, audio, ui;

	pmt_budgets_init(&b);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "game", NULL, 1000, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "graphics", "game", 500, 0, 0), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "audio", "game", 200, 0,
					PMT_BUDGET_CAT(PMT_CAT_AUDIO)), 0);
	CU_ASSERT_EQUAL(pmt_budgets_add(&b, "ui", "graphics", 100, 0, 0), 0);
	game = pmt_budgets_find(&b, "game");
	gfx = pmt_budgets_find(&b, "graphics");
	audio = pmt_budgets_find(&b, "audio");
	ui = pmt_budgets_find(&b, "ui");
	own[gfx] = 300;
	own[ui] = 40;
	own[audio] = 7;
	own[game] = 1;
	s.bytes[PMT_CAT_AUDIO] = 50;
	/* without own bytes: categories only */
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, game, &s), 50);
	s.own_bytes = own;
	s.n_own = 4;
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, ui, &s), 40);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, gfx, &s), 340);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, audio, &s), 57);
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, game, &s), 1 + 340 + 57);
	/* fewer entries than budgets: the rest count 0 */
	s.n_own = 2;
	CU_ASSERT_EQUAL(pmt_budget_usage(&b, game, &s), 1 + 300 + 50);
	pmt_budgets_free(&b);
}

void pmt_test_register_budget(void)
{
	static const struct pmt_test tests[] = {
		{ "usage with bytes charged to budgets", test_usage_own_bytes },
		{ "the design's example file", test_parse_example },
		{ "sizes and units", test_sizes },
		{ "sizes for people", test_format_size },
		{ "every error, its message and line", test_errors },
		{ "long lines, no file name, short buffers", test_error_edges },
		{ "comments, blanks, case, CRLF, BOM", test_format },
		{ "usage sums over the tree", test_usage_tree },
		{ "asset globs through the callback", test_usage_globs },
		{ "glob matching of asset paths", test_path_match },
		{ "priorities: first match wins", test_priorities },
		{ "transitions ok/warning/exceeded", test_transitions },
		{ "hysteresis", test_hysteresis },
		{ "events beyond max stay pending", test_check_pending },
		{ "load warnings", test_warnings },
		{ "budgets added by the program", test_add },
		{ "a failed parse changes nothing", test_parse_atomic },
		{ "every allocation failed in turn", test_alloc_failure },
		{ "names and asset categories", test_names },
	};

	pmt_test_add_suite("budget", tests, PMT_ARRAY_SIZE(tests));
}
