/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform.h - target platform memory profiles (consoles, phones, browsers,
 * PC tiers) and whether a game's measured memory would fit them.
 *
 * The profiles are data (data/platforms.json, embedded in the tool as
 * pmt_platform_json by scripts/gen-platform-data.sh, and as C tables by
 * scripts/gen_platform_table.c for builds without json-c): each gives the memory
 * a game may use, a recommended target, its memory banks and which measured
 * categories each bank holds, texture formats and memory techniques.
 *
 * The model of a fit: the measured peak is the game's whole footprint,
 * its GPU resources included, and each category peak is a part of it. A
 * unified profile has one bank holding everything. On a split profile
 * (PS3, Vita, Xbox Series X, Wii) a bank's usage is the sum of the category
 * peaks it holds, and the main bank (the one holding "rss") gets the peak
 * minus the other banks' usage. Category peaks need not be simultaneous, so
 * this errs towards the non-main banks.
 *
 * Pure C: parsing (platform_json.c, json-c) takes the JSON text, the fit and the advice fill caller
 * storage; only pmt_platform_list() writes to a stream.
 */
#ifndef PMTRACE_PLATFORM_H
#define PMTRACE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pmtrace/category.h"

/* The data file, embedded at build time; pmt_platform_json[len] is a NUL. */
extern const char pmt_platform_json[];
extern const size_t pmt_platform_json_len;

#define PMT_BYTES_UNKNOWN UINT64_MAX /* a null or absent size in the data */
#define PMT_PLATFORM_MAX_BANKS 8
#define PMT_ADVICE_LINE 200          /* bytes per advice line, NUL included */

/* How a profile's banks are budgeted ("bank_budgets" in the data). */
enum pmt_bank_budgets {
	PMT_BANKS_SINGLE = 0, /* one bank holds every category */
	PMT_BANKS_SEPARATE,   /* each bank is a hard budget of its own (PS3, Vita) */
	PMT_BANKS_PLACEMENT,  /* banks say where data goes; only the total is hard */
};

struct pmt_platform_bank {
	const char *name;
	const char *purpose;  /* "" when absent */
	uint64_t bytes;       /* installed size, PMT_BYTES_UNKNOWN never (required) */
	uint64_t game_bytes;  /* game's share, or PMT_BYTES_UNKNOWN */
	/*
	 * Derived at parse time: limit is game_bytes, or bytes when that is
	 * unknown; recommended scales limit by the profile's own ratio
	 * (recommended/available, else recommended/total, else 80 %).
	 */
	uint64_t limit;
	uint64_t recommended;
	uint32_t holds;       /* bit (1u << enum pmt_category) per category held */
};

/*
 * One profile. Strings are NUL-terminated and never NULL ("" when the data
 * has none) except form_factor, NULL when null. Sizes are bytes or
 * PMT_BYTES_UNKNOWN. Everything points into the owning pmt_platforms.
 */
struct pmt_platform {
	const char *id;
	const char *name;
	const char *family;          /* pc | mobile | console | web */
	const char *generation;      /* current | last | legacy */
	const char *form_factor;     /* handheld | hybrid | tablet | NULL */
	const char *memory_model;    /* unified, split, split-bandwidth, ... (free text) */
	const char *game_available_basis;
	const char *recommended_rule;
	const char *confidence;      /* high | medium | low */
	const char *notes;
	uint64_t total_bytes;
	uint64_t game_available_bytes;
	uint64_t recommended_bytes;
	enum pmt_bank_budgets budgets;
	size_t main_bank;            /* index of the bank holding PMT_CAT_RSS */
	size_t n_banks;              /* 1..PMT_PLATFORM_MAX_BANKS */
	struct pmt_platform_bank banks[PMT_PLATFORM_MAX_BANKS];
	const char *const *texture_formats; /* preferred first */
	size_t n_texture_formats;
	const char *const *techniques;
	size_t n_techniques;
	const char *const *sources;
	size_t n_sources;
	const char *const *examples;
	size_t n_examples;
};

/* Every profile, in data order; one block of memory owns them all. */
struct pmt_platforms {
	struct pmt_platform *v;
	size_t n;
	int schema_version;
	void *block;
};

/*
 * Parse @len bytes of JSON text @json (no NUL needed) into @out, which the
 * caller releases with pmt_platforms_free(). Returns 0, or:
 *  -EINVAL  not JSON, or a profile breaks the schema: a required field
 *           (id, name, family, memory_model, banks with name and bytes,
 *           texture_formats, techniques, sources) missing or of the wrong
 *           type, a duplicate id, a size that is not a non-negative
 *           integer, recommended above available, an unknown category in
 *           a holds list, a category in two banks, no bank holding "rss",
 *           a held bank with no game memory, or a bank_budgets mode that
 *           does not match the number of banks holding something;
 *  -ENOMEM  out of memory.
 * On error @out is empty (safe to free) and @err (if @errlen > 0) says
 * where and what, e.g. "profile 3 (ps3): bank 1: missing bytes".
 * Defaults: absent or null sizes are PMT_BYTES_UNKNOWN; without any
 * "holds" the first bank holds everything; categories no bank lists go to
 * the main bank; a missing bank_budgets is single with one holding bank,
 * else separate.
 */
int pmt_platforms_parse(const char *json, size_t len, struct pmt_platforms *out, char *err,
			size_t errlen);

/*
 * As pmt_platforms_parse(), with @alloc_fn (malloc when NULL) for the one
 * block of memory the result takes; it must return memory free() releases.
 * Tests use it to fail the allocation.
 */
int pmt_platforms_parse_alloc(const char *json, size_t len, struct pmt_platforms *out,
			      char *err, size_t errlen, void *(*alloc_fn)(size_t));

/*
 * The same profiles without parsing: @out points at the compiled-in tables
 * of core/platform_table.c, which scripts/gen_platform_table.c generates
 * from pmt_platforms_parse() of the embedded data (so every field, derived
 * ones included, is what parsing gives). Nothing to free, though
 * pmt_platforms_free() accepts it; never write through @out->v. For code
 * built without json-c (the Python extension).
 */
void pmt_platforms_builtin(struct pmt_platforms *out);

/* Release what pmt_platforms_parse() filled; accepts NULL and empty sets, twice too. */
void pmt_platforms_free(struct pmt_platforms *ps);

/* The profile with id @id (exact match), or NULL; valid until the set is freed. */
const struct pmt_platform *pmt_platform_find(const struct pmt_platforms *ps, const char *id);

/* The budgets mode's data name: "single", "separate", "placement"; NULL if out of range. */
const char *pmt_bank_budgets_name(enum pmt_bank_budgets b);

/*
 * What was measured. peak_rss is the process's peak; peak_by_cat[] the peak
 * of each category (0 when not measured). The footprint used is the larger
 * of peak_rss and peak_by_cat[PMT_CAT_RSS], or when both are 0 the sum of
 * the other categories.
 */
struct pmt_measured {
	uint64_t peak_rss;
	uint64_t peak_by_cat[PMT_CAT_COUNT];
};

/* Ordered from best to worst after UNKNOWN. */
enum pmt_fit_verdict {
	PMT_FIT_UNKNOWN = 0,    /* no limit known, and above any recommended target */
	PMT_FIT_RECOMMENDED,    /* used <= recommended (and <= the limit) */
	PMT_FIT_FITS,           /* recommended < used <= limit */
	PMT_FIT_OVER,           /* used > limit */
};

/* "unknown", "fits-recommended", "fits", "over"; NULL if out of range. */
const char *pmt_fit_verdict_name(enum pmt_fit_verdict v);

/* One budget judged: the whole game, or one bank. */
struct pmt_fit_part {
	uint64_t used;
	uint64_t limit;          /* PMT_BYTES_UNKNOWN when none is known */
	uint64_t recommended;    /* PMT_BYTES_UNKNOWN when none is known */
	uint64_t over_bytes;     /* used - limit when OVER, else 0 */
	double over_pct;         /* over_bytes * 100 / limit (0 for a limit of 0) */
	uint64_t above_recommended_bytes; /* used - recommended when above it, else 0 */
	uint64_t headroom_bytes; /* limit - used when within a known limit, else 0 */
	enum pmt_fit_verdict verdict;
};

struct pmt_fit {
	struct pmt_fit_part total;  /* footprint vs game_available/recommended_bytes */
	size_t n_banks;             /* == p->n_banks */
	/* Aligned with p->banks; a bank holding nothing has used 0, verdict UNKNOWN. */
	struct pmt_fit_part banks[PMT_PLATFORM_MAX_BANKS];
	/*
	 * The total's verdict, made worse by any bank's OVER or FITS when the
	 * banks are separate budgets (placement banks are advice only).
	 */
	enum pmt_fit_verdict worst;
};

/*
 * Judge @m against @p into @out (fully overwritten). A part with a known
 * limit is OVER above it, else FITS above its recommended target, else
 * RECOMMENDED; without a limit it is RECOMMENDED up to a known
 * recommended target and UNKNOWN above (or without one). Sums saturate.
 */
void pmt_platform_fit(const struct pmt_platform *p, const struct pmt_measured *m,
		      struct pmt_fit *out);

/* A GPU texture format's memory cost, as bits per pixel times 100. */
struct pmt_texture_format {
	const char *label;           /* e.g. "ASTC 6x6", "BC1" */
	unsigned int bpp_x100;       /* 356 for ASTC 6x6 */
	/*
	 * The alternative worth a number, or NULL: the full-alpha format for
	 * one with 1-bit or no alpha (BC1 -> BC3/BC7, ETC2 RGB -> RGBA), the
	 * 4x4 block for a larger ASTC block (UI and detailed art).
	 */
	const char *alt_label;
	unsigned int alt_bpp_x100; /* its cost, 0 when none */
};

/*
 * The preferred memory format of @p: the first of its texture_formats with
 * a known cost (storage-only formats such as BCPack, and single- or
 * two-channel ones such as BC4/BC5, are skipped; a bare "ASTC" is taken as
 * 6x6). Returns 0 with @out filled, or -ENOENT.
 */
int pmt_platform_texture_format(const struct pmt_platform *p, struct pmt_texture_format *out);

/*
 * The memory cost of pixel format @name in bits per pixel times 100, into
 * *@bpp_x100: the compressed formats pmt_platform_texture_format() knows
 * (by the name's first word: "BC1", "DXT5", "ETC2", "ASTC 8x8"; a bare
 * "ASTC" is 6x6) and the usual uncompressed ones ("RGBA"/"RGBA8"/"BGRA"
 * 3200, "RGB" 2400, "RGB565"/"RGBA4444"/"LA"/"RG" 1600, "R8"/"L"/"A"/"P"
 * 800, "RGBA16F" 6400, "RGBA32F" 12800...). Case-insensitive. Returns 0,
 * or -ENOENT (@bpp_x100 untouched) for an unknown name or NULL.
 */
int pmt_texture_format_cost(const char *name, unsigned int *bpp_x100);

/* The bytes of images measured as RGBA8 (32 bits/px) once stored at @bpp_x100 / 100 bits/px. */
uint64_t pmt_texture_bytes(uint64_t rgba8_bytes, unsigned int bpp_x100);

/*
 * Recommendations for @m on @p with its fit @f, one per line into @lines
 * (at most @max; each NUL-terminated, cut with "..." when longer): what the
 * verdict means in bytes and what to cut to reach the recommended target;
 * over or tight banks on split profiles; the largest category to cut
 * first; what the images (textures + surfaces, measured as RGBA8) would
 * take in the profile's preferred compressed format; one or two of the
 * profile's techniques, chosen for the largest categories. Returns the
 * number of lines written.
 */
size_t pmt_platform_advice(const struct pmt_platform *p, const struct pmt_measured *m,
			   const struct pmt_fit *f, char lines[][PMT_ADVICE_LINE], size_t max);

/*
 * Print the profile table of `pmtrace-bpf platforms` to @f: id, name,
 * family, game-available and recommended sizes, and the banks ("single",
 * or the held banks' limits and "sep"/"adv"), each line under 100 columns.
 */
void pmt_platform_list(FILE *f, const struct pmt_platforms *ps);

#endif /* PMTRACE_PLATFORM_H */
