// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_platform.c - unit tests of the platform profiles: the embedded data
 * file parsed (34 profiles, values checked against the shared data), the
 * schema errors, the defaults, the one allocation failed, verdicts at
 * exact boundaries, the bank split on PS3 (separate budgets) and Xbox
 * Series X (placement only), advice numbers worked out by hand, texture
 * format costs, the category names and the table's width.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/category.h"
#include "pmtrace/platform.h"
#include "suites.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define ALL_CATS ((uint32_t)((1u << PMT_CAT_COUNT) - 1))
#define BIT(c) (1u << (c))

static char errbuf[256];

/* Parse the embedded data file; fatal on failure. */
static void load_real(struct pmt_platforms *ps)
{
	int rc = pmt_platforms_parse(pmt_platform_json, pmt_platform_json_len, ps, errbuf,
				     sizeof(errbuf));

	if (rc)
		fprintf(stderr, "platform data: %s\n", errbuf);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static int parse_str(const char *json, struct pmt_platforms *ps)
{
	return pmt_platforms_parse(json, strlen(json), ps, errbuf, sizeof(errbuf));
}

static void test_category_names(void)
{
	static const char *const names[] = { "rss",  "python_heap", "native_heap", "textures",
					     "surfaces", "text", "audio", "music", "fonts",
					     "gpu_buffers" };
	int c;

	CU_ASSERT_EQUAL(PMT_CAT_COUNT, 10);
	for (c = 0; c < PMT_CAT_COUNT; c++) {
		CU_ASSERT_STRING_EQUAL(pmt_category_name((enum pmt_category)c), names[c]);
		CU_ASSERT_EQUAL(pmt_category_from_name(names[c]), c);
	}
	CU_ASSERT_PTR_NULL(pmt_category_name(PMT_CAT_COUNT));
	CU_ASSERT_EQUAL(pmt_category_from_name("texture"), -EINVAL);
	CU_ASSERT_EQUAL(pmt_category_from_name("RSS"), -EINVAL);
	CU_ASSERT_EQUAL(pmt_category_from_name(NULL), -EINVAL);
}

static void test_parse_real(void)
{
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	struct pmt_texture_format tf;
	size_t i, k;

	load_real(&ps);
	CU_ASSERT_EQUAL(ps.n, 34);
	CU_ASSERT_EQUAL(ps.schema_version, 1);
	CU_ASSERT_STRING_EQUAL(ps.v[0].id, "ps5");

	p = pmt_platform_find(&ps, "ps3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->name, "PlayStation 3");
	CU_ASSERT_STRING_EQUAL(p->family, "console");
	CU_ASSERT_STRING_EQUAL(p->memory_model, "split");
	CU_ASSERT_EQUAL(p->total_bytes, 536870912);
	CU_ASSERT_EQUAL(p->game_available_bytes, 484442112);
	CU_ASSERT_EQUAL(p->recommended_bytes, 387553689);
	CU_ASSERT_EQUAL(p->budgets, PMT_BANKS_SEPARATE);
	CU_ASSERT_EQUAL_FATAL(p->n_banks, 2);
	CU_ASSERT_STRING_EQUAL(p->banks[0].name, "XDR main memory");
	CU_ASSERT_EQUAL(p->banks[0].bytes, 268435456);
	CU_ASSERT_EQUAL(p->banks[0].game_bytes, 223346688);
	CU_ASSERT_STRING_EQUAL(p->banks[1].name, "GDDR3 video memory");
	CU_ASSERT_EQUAL(p->banks[1].game_bytes, 261095424);
	CU_ASSERT_EQUAL(p->banks[1].holds, BIT(PMT_CAT_TEXTURES) | BIT(PMT_CAT_GPU_BUFFERS));
	CU_ASSERT_EQUAL(p->banks[0].holds, ALL_CATS & ~p->banks[1].holds);
	CU_ASSERT_EQUAL(p->main_bank, 0);
	CU_ASSERT_PTR_NULL(p->form_factor);

	p = pmt_platform_find(&ps, "steam-deck");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->game_available_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->recommended_bytes, 8589934592);
	CU_ASSERT_STRING_EQUAL(p->form_factor, "handheld");
	CU_ASSERT_EQUAL(p->banks[0].game_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->banks[0].limit, 17179869184);
	CU_ASSERT_EQUAL(p->banks[0].recommended, 8589934592); /* recommended/total scale */

	p = pmt_platform_find(&ps, "ps5");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->n_sources, 6);
	CU_ASSERT_STRING_EQUAL(p->sources[0],
			       "https://www.eurogamer.net/amp/digitalfoundry-2020-"
			       "playstation-5-the-mark-cerny-tech-deep-dive");
	CU_ASSERT_EQUAL(p->banks[1].game_bytes, 0);
	CU_ASSERT_EQUAL(p->banks[1].holds, 0);
	CU_ASSERT_EQUAL(p->n_techniques, 5);

	p = pmt_platform_find(&ps, "ios-6gb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->game_available_bytes, 3120000000);
	CU_ASSERT_STRING_EQUAL(p->confidence, "low");
	CU_ASSERT_EQUAL(p->n_examples, 1);

	p = pmt_platform_find(&ps, "xbox-uwp-game");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->total_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->n_banks, 3);

	p = pmt_platform_find(&ps, "wii");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->budgets, PMT_BANKS_PLACEMENT);
	CU_ASSERT_EQUAL(p->banks[2].holds, 0);

	p = pmt_platform_find(&ps, "web-mobile-conservative");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->game_available_bytes, 402653184);

	CU_ASSERT_PTR_NULL(pmt_platform_find(&ps, "ps6"));
	CU_ASSERT_PTR_NULL(pmt_platform_find(&ps, NULL));
	CU_ASSERT_PTR_NULL(pmt_platform_find(NULL, "ps3"));

	/* Invariants over every profile. */
	for (i = 0; i < ps.n; i++) {
		uint32_t seen = 0;
		size_t held = 0;

		p = &ps.v[i];
		CU_ASSERT(p->n_sources > 0);
		CU_ASSERT(p->n_techniques > 0);
		CU_ASSERT(p->banks[p->main_bank].holds & BIT(PMT_CAT_RSS));
		for (k = 0; k < p->n_banks; k++) {
			CU_ASSERT_EQUAL(seen & p->banks[k].holds, 0);
			seen |= p->banks[k].holds;
			held += p->banks[k].holds != 0;
			CU_ASSERT(p->banks[k].recommended <= p->banks[k].limit);
		}
		CU_ASSERT_EQUAL(seen, ALL_CATS);
		CU_ASSERT_EQUAL(held == 1, p->budgets == PMT_BANKS_SINGLE);
		/* a single bank with the profile's limit gets the profile's target */
		if (p->budgets == PMT_BANKS_SINGLE &&
		    p->banks[p->main_bank].game_bytes == p->game_available_bytes &&
		    p->game_available_bytes != PMT_BYTES_UNKNOWN)
			CU_ASSERT_EQUAL(p->banks[p->main_bank].recommended, p->recommended_bytes);
		CU_ASSERT_EQUAL(pmt_platform_texture_format(p, &tf), 0);
	}
	pmt_platforms_free(&ps);
	CU_ASSERT_PTR_NULL(ps.v);
	pmt_platforms_free(&ps);
	pmt_platforms_free(NULL);
}

/* One bad document and the start of the error it must give. */
struct bad_case {
	const char *json;
	const char *err;
};

#define PROFILE_HEAD "\"name\":\"N\",\"family\":\"pc\",\"memory_model\":\"unified\""
#define PROFILE_TAIL "\"texture_formats\":[],\"techniques\":[],\"sources\":[\"s\"]"
#define ONE_BANK "\"banks\":[{\"name\":\"b\",\"bytes\":100}]"

static void test_parse_errors(void)
{
	static const struct bad_case cases[] = {
		{ "{", "not JSON: text ends" },
		{ "{\"profiles\":[}", "not JSON" },
		{ "{} x", "not JSON" },
		{ "[1,2]", "the top level is not an object" },
		{ "{}", "no profiles array" },
		{ "{\"profiles\":[]}", "no profiles array" },
		{ "{\"schema_version\":2,\"profiles\":[{}]}", "unsupported schema_version 2" },
		{ "{\"profiles\":[7]}", "profile 0: not an object" },
		{ "{\"profiles\":[{" PROFILE_HEAD "," ONE_BANK "," PROFILE_TAIL "}]}",
		  "profile 0: missing id" },
		{ "{\"profiles\":[{\"id\":\"\"}]}", "profile 0: id is not a non-empty string" },
		{ "{\"profiles\":[{\"id\":\"a\",\"family\":\"pc\"}]}",
		  "profile 0 (a): missing name" },
		{ "{\"profiles\":[{\"id\":\"a\"},{\"id\":\"a\"}]}",
		  "profile 1 (a): duplicate id (profile 0)" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"total_bytes\":-1}]}",
		  "profile 0 (a): total_bytes is negative" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"total_bytes\":1.5}]}",
		  "profile 0 (a): total_bytes is not an integer" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"total_bytes\":\"8GB\"}]}",
		  "profile 0 (a): total_bytes is not an integer" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"game_available_bytes\":10,\"recommended_bytes\":11}]}",
		  "profile 0 (a): recommended_bytes above game_available_bytes" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD "," PROFILE_TAIL "}]}",
		  "profile 0 (a): missing banks" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"banks\":[]}]}",
		  "profile 0 (a): 0 banks" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"banks\":[{\"name\":\"b\"}]}]}",
		  "profile 0 (a): bank 0: missing bytes" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"banks\":[{\"name\":\"b\",\"bytes\":1,\"holds\":[\"rss\",\"vram\"]}]}]}",
		  "profile 0 (a): bank 0: unknown category \"vram\"" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"banks\":[{\"name\":\"b\",\"bytes\":1,\"holds\":[\"rss\",\"rss\"]}]}]}",
		  "profile 0 (a): bank 0: rss listed twice" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"banks\":[{\"name\":\"b\",\"bytes\":1,\"holds\":[\"rss\",\"fonts\"]},"
		  "{\"name\":\"c\",\"bytes\":1,\"holds\":[\"fonts\"]}]}]}",
		  "profile 0 (a): bank 1: a category it holds is in an earlier bank" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"banks\":[{\"name\":\"b\",\"bytes\":1,\"holds\":[\"textures\"]}]}]}",
		  "profile 0 (a): no bank holds rss" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
		  ",\"banks\":[{\"name\":\"b\",\"bytes\":1,\"game_bytes\":0}]}]}",
		  "profile 0 (a): bank 0 holds categories but has no game memory" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"bank_budgets\":\"separate\","
		  ONE_BANK "}]}",
		  "profile 0 (a): bank_budgets separate but 1 banks hold categories" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD ",\"bank_budgets\":\"shared\","
		  ONE_BANK "}]}",
		  "profile 0 (a): unknown bank_budgets \"shared\"" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD "," ONE_BANK
		  ",\"texture_formats\":[1],\"techniques\":[],\"sources\":[]}]}",
		  "profile 0 (a): texture_formats[0] is not a string" },
		{ "{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD "," ONE_BANK
		  ",\"texture_formats\":[],\"techniques\":[]}]}",
		  "profile 0 (a): missing sources" },
	};
	struct pmt_platforms ps;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ps, 0x5a, sizeof(ps));
		CU_ASSERT_EQUAL(parse_str(cases[i].json, &ps), -EINVAL);
		if (strncmp(errbuf, cases[i].err, strlen(cases[i].err)) != 0) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, errbuf,
				cases[i].err);
			CU_FAIL("error message");
		}
		CU_ASSERT_PTR_NULL(ps.v);
		CU_ASSERT_EQUAL(ps.n, 0);
		pmt_platforms_free(&ps);
	}
	/* A length that stops short of the end is an incomplete document. */
	CU_ASSERT_EQUAL(pmt_platforms_parse(pmt_platform_json, pmt_platform_json_len - 2, &ps,
					    errbuf, sizeof(errbuf)),
			-EINVAL);
	/* No error buffer is fine. */
	CU_ASSERT_EQUAL(pmt_platforms_parse("{", 1, &ps, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(pmt_platforms_parse(NULL, 0, &ps, errbuf, sizeof(errbuf)), -EINVAL);
}

static void test_parse_defaults(void)
{
	struct pmt_platforms ps;
	const struct pmt_platform *p;

	/* No holds anywhere: the first bank holds everything; nulls are unknown. */
	CU_ASSERT_EQUAL_FATAL(parse_str("{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
					",\"total_bytes\":null,\"banks\":["
					"{\"name\":\"m\",\"bytes\":1000,\"game_bytes\":null},"
					"{\"name\":\"v\",\"bytes\":50}]," PROFILE_TAIL "}]}",
					&ps),
			      0);
	p = &ps.v[0];
	CU_ASSERT_EQUAL(p->total_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->game_available_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->recommended_bytes, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(p->banks[0].holds, ALL_CATS);
	CU_ASSERT_EQUAL(p->banks[1].holds, 0);
	CU_ASSERT_EQUAL(p->banks[0].limit, 1000);
	CU_ASSERT_EQUAL(p->banks[0].recommended, 800); /* no profile ratio: 80 % */
	CU_ASSERT_EQUAL(p->budgets, PMT_BANKS_SINGLE);
	CU_ASSERT_STRING_EQUAL(p->generation, "");
	CU_ASSERT_STRING_EQUAL(p->banks[0].purpose, "");
	CU_ASSERT_PTR_NULL(p->form_factor);
	CU_ASSERT_EQUAL(p->n_examples, 0);
	pmt_platforms_free(&ps);

	/* Unlisted categories go to the main bank; two held banks default to separate. */
	CU_ASSERT_EQUAL_FATAL(parse_str("{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD
					",\"game_available_bytes\":300,\"recommended_bytes\":150,"
					"\"banks\":["
					"{\"name\":\"v\",\"bytes\":100,\"holds\":[\"audio\"]},"
					"{\"name\":\"m\",\"bytes\":200,\"holds\":[\"rss\"]}],"
					PROFILE_TAIL "}]}",
					&ps),
			      0);
	p = &ps.v[0];
	CU_ASSERT_EQUAL(p->main_bank, 1);
	CU_ASSERT_EQUAL(p->banks[0].holds, BIT(PMT_CAT_AUDIO));
	CU_ASSERT_EQUAL(p->banks[1].holds, ALL_CATS & ~BIT(PMT_CAT_AUDIO));
	CU_ASSERT_EQUAL(p->budgets, PMT_BANKS_SEPARATE);
	CU_ASSERT_EQUAL(p->banks[0].recommended, 50);  /* 100 * 150 / 300 */
	CU_ASSERT_EQUAL(p->banks[1].recommended, 100); /* 200 * 150 / 300 */
	pmt_platforms_free(&ps);

	/* The shared file's form, without holds, parses too (first bank is main). */
	CU_ASSERT_EQUAL_FATAL(parse_str("{\"schema_version\":1,\"profiles\":[{\"id\":\"a\","
					PROFILE_HEAD "," ONE_BANK ",\"form_factor\":\"tablet\","
					"\"examples\":[\"x\",\"y\"]," PROFILE_TAIL "}]} \n",
					&ps),
			      0);
	CU_ASSERT_STRING_EQUAL(ps.v[0].form_factor, "tablet");
	CU_ASSERT_EQUAL(ps.v[0].n_examples, 2);
	CU_ASSERT_STRING_EQUAL(ps.v[0].examples[1], "y");
	pmt_platforms_free(&ps);
}

static size_t alloc_calls;

static void *fail_alloc(size_t n)
{
	(void)n;
	alloc_calls++;
	return NULL;
}

static void *count_alloc(size_t n)
{
	alloc_calls++;
	return malloc(n);
}

static void test_parse_enomem(void)
{
	struct pmt_platforms ps;

	alloc_calls = 0;
	CU_ASSERT_EQUAL(pmt_platforms_parse_alloc(pmt_platform_json, pmt_platform_json_len, &ps,
						  errbuf, sizeof(errbuf), fail_alloc),
			-ENOMEM);
	CU_ASSERT_EQUAL(alloc_calls, 1);
	CU_ASSERT_PTR_NULL(ps.v);
	CU_ASSERT_EQUAL(ps.n, 0);
	CU_ASSERT_NSTRING_EQUAL(errbuf, "out of memory", 13);
	pmt_platforms_free(&ps);

	/* The one allocation is the only one: nothing else to fail. */
	alloc_calls = 0;
	CU_ASSERT_EQUAL_FATAL(pmt_platforms_parse_alloc(pmt_platform_json, pmt_platform_json_len,
							&ps, errbuf, sizeof(errbuf), count_alloc),
			      0);
	CU_ASSERT_EQUAL(alloc_calls, 1);
	CU_ASSERT_EQUAL(ps.n, 34);
	pmt_platforms_free(&ps);
}

/* Fit @peak (as peak_rss only) on @p and return the total verdict, filling @f. */
static enum pmt_fit_verdict fit_peak(const struct pmt_platform *p, uint64_t peak,
				     struct pmt_fit *f)
{
	struct pmt_measured m;

	memset(&m, 0, sizeof(m));
	m.peak_rss = peak;
	pmt_platform_fit(p, &m, f);
	return f->total.verdict;
}

static void test_fit_boundaries(void)
{
	struct pmt_platforms ps, mine;
	const struct pmt_platform *p;
	struct pmt_measured m;
	struct pmt_fit f;

	CU_ASSERT_EQUAL_FATAL(parse_str("{\"profiles\":[{\"id\":\"t\"," PROFILE_HEAD
					",\"game_available_bytes\":1000,\"recommended_bytes\":800,"
					ONE_BANK "," PROFILE_TAIL "},{\"id\":\"none\","
					PROFILE_HEAD "," ONE_BANK "," PROFILE_TAIL "}]}",
					&mine),
			      0);
	p = &mine.v[0];
	CU_ASSERT_EQUAL(fit_peak(p, 0, &f), PMT_FIT_RECOMMENDED);
	CU_ASSERT_EQUAL(fit_peak(p, 800, &f), PMT_FIT_RECOMMENDED);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 200);
	CU_ASSERT_EQUAL(f.total.above_recommended_bytes, 0);
	CU_ASSERT_EQUAL(fit_peak(p, 801, &f), PMT_FIT_FITS);
	CU_ASSERT_EQUAL(f.total.above_recommended_bytes, 1);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 199);
	CU_ASSERT_EQUAL(fit_peak(p, 1000, &f), PMT_FIT_FITS);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 0);
	CU_ASSERT_EQUAL(f.total.over_bytes, 0);
	CU_ASSERT_EQUAL(fit_peak(p, 1001, &f), PMT_FIT_OVER);
	CU_ASSERT_EQUAL(f.total.over_bytes, 1);
	CU_ASSERT_DOUBLE_EQUAL(f.total.over_pct, 0.1, 1e-9);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 0);
	CU_ASSERT_EQUAL(f.total.above_recommended_bytes, 201);
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_OVER);
	CU_ASSERT_EQUAL(fit_peak(p, 1500, &f), PMT_FIT_OVER);
	CU_ASSERT_DOUBLE_EQUAL(f.total.over_pct, 50.0, 1e-9);
	CU_ASSERT_EQUAL(f.banks[0].used, 1500);
	CU_ASSERT_EQUAL(f.banks[0].limit, 100); /* the bank's bytes: no game_bytes given */

	/* No limit, no target. */
	CU_ASSERT_EQUAL(fit_peak(&mine.v[1], 5, &f), PMT_FIT_UNKNOWN);
	CU_ASSERT_EQUAL(f.total.limit, PMT_BYTES_UNKNOWN);
	CU_ASSERT_EQUAL(f.total.recommended, PMT_BYTES_UNKNOWN);

	/* The footprint: the larger of peak_rss and the rss category, else the parts. */
	memset(&m, 0, sizeof(m));
	m.peak_by_cat[PMT_CAT_RSS] = 900;
	m.peak_rss = 850;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.total.used, 900);
	m.peak_rss = 0;
	m.peak_by_cat[PMT_CAT_RSS] = 0;
	m.peak_by_cat[PMT_CAT_TEXTURES] = 300;
	m.peak_by_cat[PMT_CAT_PYTHON_HEAP] = 600;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.total.used, 900);
	CU_ASSERT_EQUAL(f.total.verdict, PMT_FIT_FITS);
	pmt_platforms_free(&mine);

	/* The real data, at its exact numbers. */
	load_real(&ps);
	p = pmt_platform_find(&ps, "ios-3gb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(fit_peak(p, 1167694233, &f), PMT_FIT_RECOMMENDED);
	CU_ASSERT_EQUAL(fit_peak(p, 1167694234, &f), PMT_FIT_FITS);
	CU_ASSERT_EQUAL(fit_peak(p, 1459617792, &f), PMT_FIT_FITS);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 0);
	CU_ASSERT_EQUAL(fit_peak(p, 1459617793, &f), PMT_FIT_OVER);
	CU_ASSERT_EQUAL(f.total.over_bytes, 1);
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_OVER);
	CU_ASSERT_EQUAL(f.n_banks, 1);
	CU_ASSERT_EQUAL(f.banks[0].verdict, PMT_FIT_OVER);

	/* No fixed limit: only the recommended target can be judged. */
	p = pmt_platform_find(&ps, "steam-deck");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(fit_peak(p, 8 * GiB, &f), PMT_FIT_RECOMMENDED);
	CU_ASSERT_EQUAL(f.total.headroom_bytes, 0);
	CU_ASSERT_EQUAL(fit_peak(p, 8 * GiB + 1, &f), PMT_FIT_UNKNOWN);
	CU_ASSERT_EQUAL(f.total.above_recommended_bytes, 1);
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_UNKNOWN);

	CU_ASSERT_STRING_EQUAL(pmt_fit_verdict_name(PMT_FIT_RECOMMENDED), "fits-recommended");
	CU_ASSERT_STRING_EQUAL(pmt_fit_verdict_name(PMT_FIT_OVER), "over");
	CU_ASSERT_PTR_NULL(pmt_fit_verdict_name((enum pmt_fit_verdict)9));
	CU_ASSERT_STRING_EQUAL(pmt_bank_budgets_name(PMT_BANKS_PLACEMENT), "placement");
	pmt_platforms_free(&ps);
}

/*
 * PS3: XDR 223346688 game bytes (target 223346688 * 387553689 / 484442112 =
 * 178677350), GDDR3 261095424 (target 208876338).
 */
static void test_fit_banks_separate(void)
{
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	struct pmt_measured m;
	struct pmt_fit f;

	load_real(&ps);
	p = pmt_platform_find(&ps, "ps3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->banks[0].recommended, 178677350);
	CU_ASSERT_EQUAL(p->banks[1].recommended, 208876338);

	memset(&m, 0, sizeof(m));
	m.peak_rss = 400 * MiB;
	m.peak_by_cat[PMT_CAT_TEXTURES] = 200 * MiB;
	m.peak_by_cat[PMT_CAT_GPU_BUFFERS] = 30 * MiB;
	m.peak_by_cat[PMT_CAT_SURFACES] = 50 * MiB;
	m.peak_by_cat[PMT_CAT_PYTHON_HEAP] = 100 * MiB;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.n_banks, 2);
	/* video memory: textures + gpu_buffers; main: the rest of the peak */
	CU_ASSERT_EQUAL(f.banks[1].used, 230 * MiB);
	CU_ASSERT_EQUAL(f.banks[1].verdict, PMT_FIT_FITS); /* 241172480 > 208876338 */
	CU_ASSERT_EQUAL(f.banks[1].above_recommended_bytes, 241172480 - 208876338);
	CU_ASSERT_EQUAL(f.banks[0].used, 170 * MiB);
	CU_ASSERT_EQUAL(f.banks[0].verdict, PMT_FIT_RECOMMENDED); /* 178257920 <= 178677350 */
	CU_ASSERT_EQUAL(f.banks[0].headroom_bytes, 223346688 - 178257920);
	CU_ASSERT_EQUAL(f.total.used, 400 * MiB);
	CU_ASSERT_EQUAL(f.total.verdict, PMT_FIT_FITS); /* 419430400 > 387553689 */
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_FITS);

	/* Textures up to 260 MiB: the total still fits, video memory does not. */
	m.peak_by_cat[PMT_CAT_TEXTURES] = 260 * MiB;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.total.verdict, PMT_FIT_FITS);
	CU_ASSERT_EQUAL(f.banks[1].used, 290 * MiB);
	CU_ASSERT_EQUAL(f.banks[1].verdict, PMT_FIT_OVER);
	CU_ASSERT_EQUAL(f.banks[1].over_bytes, 304087040 - 261095424);
	CU_ASSERT_DOUBLE_EQUAL(f.banks[1].over_pct, 42991616.0 * 100.0 / 261095424.0, 1e-9);
	CU_ASSERT_EQUAL(f.banks[0].used, 110 * MiB);
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_OVER);

	/* Categories beyond the peak leave the main bank at 0, never below. */
	m.peak_rss = 100 * MiB;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.banks[0].used, 0);
	CU_ASSERT_EQUAL(f.banks[1].used, 290 * MiB);
	pmt_platforms_free(&ps);
}

/* Xbox Series X: banks advise placement; only the total decides. */
static void test_fit_banks_placement(void)
{
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	struct pmt_measured m;
	struct pmt_fit f;

	load_real(&ps);
	p = pmt_platform_find(&ps, "xbox-series-x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->budgets, PMT_BANKS_PLACEMENT);
	CU_ASSERT_EQUAL(p->main_bank, 1);
	memset(&m, 0, sizeof(m));
	m.peak_rss = 12 * GiB;
	m.peak_by_cat[PMT_CAT_TEXTURES] = 11 * GiB;
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.banks[0].verdict, PMT_FIT_OVER);
	CU_ASSERT_EQUAL(f.banks[0].over_bytes, GiB);
	CU_ASSERT_EQUAL(f.banks[1].used, GiB);
	CU_ASSERT_EQUAL(f.total.verdict, PMT_FIT_FITS); /* 12 GiB of 13.5, target 11596411699 */
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_FITS);

	/* Unused banks are not judged (PS5's SSD cache). */
	p = pmt_platform_find(&ps, "ps5");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.banks[0].used, 12 * GiB);
	CU_ASSERT_EQUAL(f.banks[1].used, 0);
	CU_ASSERT_EQUAL(f.banks[1].verdict, PMT_FIT_UNKNOWN);
	CU_ASSERT_EQUAL(f.total.verdict, PMT_FIT_FITS);
	pmt_platforms_free(&ps);
}

static void test_texture_formats(void)
{
	struct pmt_platforms ps, mine;
	struct pmt_texture_format tf;

	load_real(&ps);
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "ios-3gb"), &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "ASTC 6x6");
	CU_ASSERT_EQUAL(tf.bpp_x100, 356);
	CU_ASSERT_STRING_EQUAL(tf.alt_label, "ASTC 4x4");
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "ps5"), &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "BC1");
	CU_ASSERT_EQUAL(tf.bpp_x100, 400);
	CU_ASSERT_EQUAL(tf.alt_bpp_x100, 800);
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "ps-vita"), &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "PVRTC 4bpp");
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "ps3"), &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "DXT1");
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "web-wasm32-4gb"), &tf),
			0);
	CU_ASSERT_EQUAL(tf.bpp_x100, 800);
	CU_ASSERT_EQUAL(pmt_platform_texture_format(pmt_platform_find(&ps, "wii"), &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "CMPR");
	pmt_platforms_free(&ps);

	/* Storage-only and non-colour formats are skipped; ASTC block sizes are read. */
	CU_ASSERT_EQUAL_FATAL(parse_str("{\"profiles\":[{\"id\":\"a\"," PROFILE_HEAD "," ONE_BANK
					",\"texture_formats\":[\"BCPack\",\"BC5\",\"ASTC 8x8\"],"
					"\"techniques\":[],\"sources\":[\"s\"]},"
					"{\"id\":\"b\"," PROFILE_HEAD "," ONE_BANK
					",\"texture_formats\":[\"RDO-encoded BCn\",\"BC4\"],"
					"\"techniques\":[],\"sources\":[\"s\"]}]}",
					&mine),
			      0);
	CU_ASSERT_EQUAL(pmt_platform_texture_format(&mine.v[0], &tf), 0);
	CU_ASSERT_STRING_EQUAL(tf.label, "ASTC 8x8");
	CU_ASSERT_EQUAL(tf.bpp_x100, 200);
	CU_ASSERT_EQUAL(pmt_platform_texture_format(&mine.v[1], &tf), -ENOENT);
	pmt_platforms_free(&mine);

	CU_ASSERT_EQUAL(pmt_texture_bytes(805306368, 356), 89590333);
	CU_ASSERT_EQUAL(pmt_texture_bytes(GiB, 400), GiB / 8);
	CU_ASSERT_EQUAL(pmt_texture_bytes(GiB, 3200), GiB);
	CU_ASSERT_EQUAL(pmt_texture_bytes(UINT64_C(1) << 62, 800), UINT64_C(1) << 60);
}

/*
 * iOS 3 GB, worked by hand: available 1459617792 (1392 MiB = 1.36 GiB),
 * recommended 1167694233 (1.09 GiB). Peak 1536 MiB = 1610612736 B (1.50 GiB):
 * over by 150994944 = 144 MiB, 10.34 % of the limit; 442918503 B (422 MiB,
 * 27.5 % of peak) above the target. Images 512 + 256 = 768 MiB = 805306368 B
 * (50 % of peak) as ASTC 6x6: 805306368 * 356 / 3200 = 89590333 B (85.4 MiB),
 * saving 715716035 B = 682.56 MiB; as ASTC 4x4: 192 MiB, saving 576 MiB.
 */
static void test_advice_numbers(void)
{
	char lines[8][PMT_ADVICE_LINE];
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	struct pmt_measured m;
	struct pmt_fit f;
	size_t n;

	load_real(&ps);
	p = pmt_platform_find(&ps, "ios-3gb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(&m, 0, sizeof(m));
	m.peak_rss = 1536 * MiB;
	m.peak_by_cat[PMT_CAT_TEXTURES] = 512 * MiB;
	m.peak_by_cat[PMT_CAT_SURFACES] = 256 * MiB;
	m.peak_by_cat[PMT_CAT_PYTHON_HEAP] = 300 * MiB;
	m.peak_by_cat[PMT_CAT_AUDIO] = 64 * MiB;
	pmt_platform_fit(p, &m, &f);
	n = pmt_platform_advice(p, &m, &f, lines, 8);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_STRING_EQUAL(lines[0], "peak 1.50 GiB is over ios-3gb's 1.36 GiB game limit by "
					 "144 MiB (10.3 %): cut at least 422 MiB (28 % of peak) "
					 "to reach the recommended 1.09 GiB");
	CU_ASSERT_STRING_EQUAL(lines[1], "cut textures first: 512 MiB, 33 % of peak (lower "
					 "resolution, fewer textures, unload per scene)");
	CU_ASSERT_STRING_EQUAL(lines[2], "textures and surfaces are 50 % of peak (768 MiB as "
					 "RGBA8); on ios-3gb compressing them to ASTC 6x6 (3.56 "
					 "bits/px) takes 85.4 MiB and saves about 683 MiB; ASTC "
					 "4x4 (8 bits/px) saves 576 MiB");
	/* techniques: the one about images (textures), then the one about caches (python_heap) */
	CU_ASSERT_STRING_EQUAL(lines[3], "ios-3gb tip: Remember a decoded image costs width x "
					 "height x 4 bytes no matter how small the PNG/JPEG file "
					 "is; downscale or use ASTC for GPU textures.");
	CU_ASSERT_NSTRING_EQUAL(lines[4], "ios-3gb tip: Handle memory warnings", 35);

	/* Room for two lines: the verdict comes first. */
	CU_ASSERT_EQUAL(pmt_platform_advice(p, &m, &f, lines, 2), 2);
	CU_ASSERT_NSTRING_EQUAL(lines[0], "peak 1.50 GiB is over", 21);
	CU_ASSERT_EQUAL(pmt_platform_advice(p, &m, &f, lines, 0), 0);

	/* Within the target, the largest category is reported, not ordered cut. */
	p = pmt_platform_find(&ps, "xbox-series-x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(f.worst, PMT_FIT_RECOMMENDED);
	CU_ASSERT_EQUAL_FATAL(pmt_platform_advice(p, &m, &f, lines, 8), 7);
	CU_ASSERT_STRING_EQUAL(lines[0], "peak 1.50 GiB fits xbox-series-x: under the recommended "
					 "10.8 GiB, 12.0 GiB below the 13.5 GiB game limit");
	CU_ASSERT_STRING_EQUAL(lines[1], "GPU-optimal GDDR6 (textures+gpu_buffers): 512 MiB of its "
					 "10.0 GiB, under its recommended 8.00 GiB");
	CU_ASSERT_NSTRING_EQUAL(lines[3], "largest category: textures, 512 MiB, 33 % of peak", 49);
	/* BC1 first in the list: 768 MiB at 4 bits/px = 96 MiB, saving 672 MiB */
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[4], "to BC1 (4 bits/px) takes 96.0 MiB and saves about "
						"672 MiB; BC3/BC7 (8 bits/px) saves 576 MiB"));

	/* Nothing measured. */
	p = pmt_platform_find(&ps, "ios-3gb");
	memset(&m, 0, sizeof(m));
	pmt_platform_fit(p, &m, &f);
	CU_ASSERT_EQUAL(pmt_platform_advice(p, &m, &f, lines, 8), 1);
	CU_ASSERT_STRING_EQUAL(lines[0], "nothing measured to compare with ios-3gb");
	pmt_platforms_free(&ps);
}

/* PS3 with video memory over (see test_fit_banks_separate): a line per bank. */
static void test_advice_banks(void)
{
	char lines[8][PMT_ADVICE_LINE];
	struct pmt_platforms ps;
	const struct pmt_platform *p;
	struct pmt_measured m;
	struct pmt_fit f;
	size_t n;

	load_real(&ps);
	p = pmt_platform_find(&ps, "ps3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(&m, 0, sizeof(m));
	m.peak_rss = 400 * MiB;
	m.peak_by_cat[PMT_CAT_TEXTURES] = 260 * MiB;
	m.peak_by_cat[PMT_CAT_GPU_BUFFERS] = 30 * MiB;
	pmt_platform_fit(p, &m, &f);
	n = pmt_platform_advice(p, &m, &f, lines, 8);
	CU_ASSERT_FATAL(n >= 4);
	/* 400 MiB of 462 MiB: 62.0 MiB headroom, 30.4 MiB (7.6 % of peak) above 370 MiB */
	CU_ASSERT_STRING_EQUAL(lines[0], "peak 400 MiB fits ps3's 462 MiB game limit (62.0 MiB "
					 "headroom) but is 30.4 MiB above the recommended 370 MiB: "
					 "cut 8 % of peak for a safe margin");
	CU_ASSERT_STRING_EQUAL(lines[1], "XDR main memory (everything else): 110 MiB of its "
					 "213 MiB, under its recommended 170 MiB");
	CU_ASSERT_STRING_EQUAL(lines[2], "GDDR3 video memory (textures+gpu_buffers): 290 MiB of "
					 "its 249 MiB, over by 41.0 MiB (16.5 %)");
	CU_ASSERT_NSTRING_EQUAL(lines[3], "cut textures first: 260 MiB, 65 % of peak", 41);
	pmt_platforms_free(&ps);
}

/* Every profile, a large measurement: lines fit, and end cleanly when cut. */
static void test_advice_all_profiles(void)
{
	char lines[16][PMT_ADVICE_LINE];
	struct pmt_platforms ps;
	struct pmt_measured m;
	struct pmt_fit f;
	size_t i, k, n;
	int c;

	load_real(&ps);
	memset(&m, 0, sizeof(m));
	m.peak_rss = 20 * GiB;
	for (c = 1; c < PMT_CAT_COUNT; c++)
		m.peak_by_cat[c] = (uint64_t)c * 100 * MiB;
	for (i = 0; i < ps.n; i++) {
		pmt_platform_fit(&ps.v[i], &m, &f);
		memset(lines, 0x7f, sizeof(lines));
		n = pmt_platform_advice(&ps.v[i], &m, &f, lines, 16);
		CU_ASSERT(n >= 4);
		for (k = 0; k < n; k++) {
			size_t len = strnlen(lines[k], PMT_ADVICE_LINE);

			CU_ASSERT(len > 0 && len < PMT_ADVICE_LINE);
			if (len == PMT_ADVICE_LINE - 1)
				CU_ASSERT_STRING_EQUAL(lines[k] + len - 3, "...");
		}
	}
	pmt_platforms_free(&ps);
}

/* Lines longer than PMT_ADVICE_LINE: techniques cut at a clause, others with "...". */
static void test_advice_cut(void)
{
	char json[2048], id[81], clause[400], words[400], lines[8][PMT_ADVICE_LINE];
	struct pmt_platforms ps;
	struct pmt_measured m;
	struct pmt_fit f;
	size_t n, i;

	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	for (i = 0; i < 30; i++)
		memcpy(words + i * 10, "memory ok ", 10);
	words[299] = '\0';
	snprintf(clause, sizeof(clause), "%.59s; %.150s", words, words);
	snprintf(json, sizeof(json),
		 "{\"profiles\":[{\"id\":\"%s\"," PROFILE_HEAD ",\"game_available_bytes\":1000,"
		 "\"recommended_bytes\":800," ONE_BANK ",\"texture_formats\":[],"
		 "\"techniques\":[\"%s\",\"%s\"],\"sources\":[\"s\"]}]}",
		 id, clause, words);
	CU_ASSERT_EQUAL_FATAL(parse_str(json, &ps), 0);
	memset(&m, 0, sizeof(m));
	m.peak_rss = 2000;
	pmt_platform_fit(&ps.v[0], &m, &f);
	n = pmt_platform_advice(&ps.v[0], &m, &f, lines, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	/* the verdict with an 80-character id is too long: cut at a word, "..." */
	CU_ASSERT(strlen(lines[0]) <= PMT_ADVICE_LINE - 1);
	CU_ASSERT_STRING_EQUAL(lines[0] + strlen(lines[0]) - 3, "...");
	/* the first technique ends at its "; ", with a full stop */
	CU_ASSERT_EQUAL(strlen(lines[1]), 80 + strlen(" tip: ") + 59 + 1);
	CU_ASSERT_STRING_EQUAL(lines[1] + strlen(lines[1]) - 4, " ok.");
	/* the second has no clause: cut at a word */
	CU_ASSERT_STRING_EQUAL(lines[2] + strlen(lines[2]) - 3, "...");
	pmt_platforms_free(&ps);
}

static void test_list(void)
{
	struct pmt_platforms ps;
	char *buf = NULL, *line, *save = NULL;
	size_t size = 0, n = 0;
	bool ps3_seen = false, wii_seen = false;
	FILE *f;

	load_real(&ps);
	f = open_memstream(&buf, &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	pmt_platform_list(f, &ps);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		CU_ASSERT(strlen(line) < 100);
		if (strncmp(line, "ps3 ", 4) == 0) {
			ps3_seen = true;
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "PlayStation 3"));
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "462 MiB"));
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "370 MiB"));
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "213M+249M sep"));
		}
		if (strncmp(line, "wii ", 4) == 0) {
			wii_seen = true;
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "24M+48M adv"));
		}
		n++;
	}
	CU_ASSERT(ps3_seen && wii_seen);
	CU_ASSERT_EQUAL(n, 1 + 34 + 1); /* header, profiles, legend */
	free(buf);
	pmt_platforms_free(&ps);
}

/* Two strings equal, both NULL included. */
static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!same_str(a[i], b[i]))
			return false;
	return true;
}

/* The compiled-in table (platform_table.c) is the data file as parsed, field by field. */
static void test_builtin_table(void)
{
	struct pmt_platforms ps, bi;
	char err[256];
	size_t i, b;

	CU_ASSERT_EQUAL_FATAL(pmt_platforms_parse(pmt_platform_json, pmt_platform_json_len, &ps,
						  err, sizeof(err)), 0);
	pmt_platforms_builtin(&bi);
	CU_ASSERT_EQUAL_FATAL(bi.n, ps.n);
	CU_ASSERT_EQUAL(bi.schema_version, ps.schema_version);
	for (i = 0; i < ps.n; i++) {
		const struct pmt_platform *p = &ps.v[i], *q = &bi.v[i];

		CU_ASSERT(same_str(p->id, q->id));
		CU_ASSERT(same_str(p->name, q->name));
		CU_ASSERT(same_str(p->family, q->family));
		CU_ASSERT(same_str(p->generation, q->generation));
		CU_ASSERT(same_str(p->form_factor, q->form_factor));
		CU_ASSERT(same_str(p->memory_model, q->memory_model));
		CU_ASSERT(same_str(p->game_available_basis, q->game_available_basis));
		CU_ASSERT(same_str(p->recommended_rule, q->recommended_rule));
		CU_ASSERT(same_str(p->confidence, q->confidence));
		CU_ASSERT(same_str(p->notes, q->notes));
		CU_ASSERT_EQUAL(p->total_bytes, q->total_bytes);
		CU_ASSERT_EQUAL(p->game_available_bytes, q->game_available_bytes);
		CU_ASSERT_EQUAL(p->recommended_bytes, q->recommended_bytes);
		CU_ASSERT_EQUAL(p->budgets, q->budgets);
		CU_ASSERT_EQUAL(p->main_bank, q->main_bank);
		CU_ASSERT_EQUAL_FATAL(p->n_banks, q->n_banks);
		for (b = 0; b < p->n_banks; b++) {
			CU_ASSERT(same_str(p->banks[b].name, q->banks[b].name));
			CU_ASSERT(same_str(p->banks[b].purpose, q->banks[b].purpose));
			CU_ASSERT_EQUAL(p->banks[b].bytes, q->banks[b].bytes);
			CU_ASSERT_EQUAL(p->banks[b].game_bytes, q->banks[b].game_bytes);
			CU_ASSERT_EQUAL(p->banks[b].limit, q->banks[b].limit);
			CU_ASSERT_EQUAL(p->banks[b].recommended, q->banks[b].recommended);
			CU_ASSERT_EQUAL(p->banks[b].holds, q->banks[b].holds);
		}
		CU_ASSERT(same_list(p->texture_formats, p->n_texture_formats, q->texture_formats,
				    q->n_texture_formats));
		CU_ASSERT(same_list(p->techniques, p->n_techniques, q->techniques, q->n_techniques));
		CU_ASSERT(same_list(p->sources, p->n_sources, q->sources, q->n_sources));
		CU_ASSERT(same_list(p->examples, p->n_examples, q->examples, q->n_examples));
	}
	CU_ASSERT_PTR_NOT_NULL(pmt_platform_find(&bi, "switch"));
	pmt_platforms_free(&bi); /* accepted, frees nothing */
	pmt_platforms_free(&ps);
}

/* Single format names: compressed ones from the platform table, uncompressed ones. */
static void test_format_cost(void)
{
	unsigned int b = 7;

	CU_ASSERT_EQUAL(pmt_texture_format_cost("RGBA", &b), 0);
	CU_ASSERT_EQUAL(b, 3200);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("rgb", &b), 0);
	CU_ASSERT_EQUAL(b, 2400);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("RGB565", &b), 0);
	CU_ASSERT_EQUAL(b, 1600);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("DXT1", &b), 0);
	CU_ASSERT_EQUAL(b, 400);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("bc7", &b), 0);
	CU_ASSERT_EQUAL(b, 800);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("ASTC 8x8", &b), 0);
	CU_ASSERT_EQUAL(b, 200);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("ASTC_4X4", &b), 0);
	CU_ASSERT_EQUAL(b, 800);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("ASTC", &b), 0);
	CU_ASSERT_EQUAL(b, 356);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("RGBA32F", &b), 0);
	CU_ASSERT_EQUAL(b, 12800);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("DEPTH24_STENCIL8", &b), 0);
	CU_ASSERT_EQUAL(b, 3200);
	b = 7;
	CU_ASSERT_EQUAL(pmt_texture_format_cost("YUV420", &b), -ENOENT);
	CU_ASSERT_EQUAL(pmt_texture_format_cost("RGBAX", &b), -ENOENT);
	CU_ASSERT_EQUAL(pmt_texture_format_cost(NULL, &b), -ENOENT);
	CU_ASSERT_EQUAL(b, 7);
}

void pmt_test_register_platform(void)
{
	static const struct pmt_test tests[] = {
		{ "category names", test_category_names },
		{ "parse the data file", test_parse_real },
		{ "parse errors", test_parse_errors },
		{ "parse defaults", test_parse_defaults },
		{ "parse out of memory", test_parse_enomem },
		{ "fit boundaries", test_fit_boundaries },
		{ "fit separate banks (ps3)", test_fit_banks_separate },
		{ "fit placement banks (xbox-series-x)", test_fit_banks_placement },
		{ "texture formats", test_texture_formats },
		{ "advice numbers (ios-3gb)", test_advice_numbers },
		{ "advice per bank (ps3)", test_advice_banks },
		{ "advice on every profile", test_advice_all_profiles },
		{ "advice lines cut", test_advice_cut },
		{ "platform list", test_list },
		{ "built-in table equals the parsed data", test_builtin_table },
		{ "texture format costs", test_format_cost },
	};

	pmt_test_add_suite("platform", tests, PMT_ARRAY_SIZE(tests));
}
