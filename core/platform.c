// SPDX-License-Identifier: BSD-2-Clause
/*
 * platform.c - platform memory profiles: judging a measured game against a
 * profile, and turning the verdict into advice with numbers. Portable C:
 * the data file parser (json-c) is platform_json.c, which only the eBPF
 * tool links; the Python extension takes the same profiles from the table
 * generated from it (platform_table.c).
 *
 * Sizes stay integers throughout: bank targets scale by the profile's own
 * recommended/available ratio with a 128-bit multiply, and texture costs
 * are bits per pixel times 100, so boundary tests are exact.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/category.h"
#include "pmtrace/platform.h"
#include "platform_priv.h"

/* ---- small helpers ---- */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > PMT_BYTES_UNKNOWN - 1 - b ? PMT_BYTES_UNKNOWN - 1 : a + b;
}

/* ---- profiles ---- */

static const char *const budgets_names[] = {
	[PMT_BANKS_SINGLE] = "single",
	[PMT_BANKS_SEPARATE] = "separate",
	[PMT_BANKS_PLACEMENT] = "placement",
};

/* pmt_bank_budgets_name - the data name of @b, NULL when out of range. */
const char *pmt_bank_budgets_name(enum pmt_bank_budgets b)
{
	return (unsigned int)b < sizeof(budgets_names) / sizeof(budgets_names[0]) ?
		       budgets_names[b] : NULL;
}

/* pmt_platforms_free - release the set's block; NULL and empty sets are fine. */
void pmt_platforms_free(struct pmt_platforms *ps)
{
	if (!ps)
		return;
	free(ps->block);
	memset(ps, 0, sizeof(*ps));
}

/* pmt_platform_find - the profile called @id, or NULL. */
const struct pmt_platform *pmt_platform_find(const struct pmt_platforms *ps, const char *id)
{
	size_t i;

	if (!ps || !id)
		return NULL;
	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].id, id) == 0)
			return &ps->v[i];
	return NULL;
}

/* ---- fit ---- */

static const char *const verdict_names[] = {
	[PMT_FIT_UNKNOWN] = "unknown",
	[PMT_FIT_RECOMMENDED] = "fits-recommended",
	[PMT_FIT_FITS] = "fits",
	[PMT_FIT_OVER] = "over",
};

/* pmt_fit_verdict_name - the name of @v, NULL when out of range. */
const char *pmt_fit_verdict_name(enum pmt_fit_verdict v)
{
	return (unsigned int)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ?
		       verdict_names[v] : NULL;
}

/* The footprint: see struct pmt_measured. */
static uint64_t footprint(const struct pmt_measured *m)
{
	uint64_t peak = m->peak_rss > m->peak_by_cat[PMT_CAT_RSS] ? m->peak_rss :
								    m->peak_by_cat[PMT_CAT_RSS];
	int c;

	if (peak)
		return peak;
	for (c = PMT_CAT_RSS + 1; c < PMT_CAT_COUNT; c++)
		peak = sat_add(peak, m->peak_by_cat[c]);
	return peak;
}

static void judge(struct pmt_fit_part *part, uint64_t used, uint64_t limit, uint64_t rec)
{
	memset(part, 0, sizeof(*part));
	part->used = used;
	part->limit = limit;
	part->recommended = rec;
	if (rec != PMT_BYTES_UNKNOWN && used > rec)
		part->above_recommended_bytes = used - rec;
	if (limit == PMT_BYTES_UNKNOWN) {
		part->verdict = rec != PMT_BYTES_UNKNOWN && used <= rec ? PMT_FIT_RECOMMENDED :
									  PMT_FIT_UNKNOWN;
	} else if (used > limit) {
		part->verdict = PMT_FIT_OVER;
		part->over_bytes = used - limit;
		part->over_pct = limit ? (double)part->over_bytes * 100.0 / (double)limit : 0.0;
	} else {
		part->headroom_bytes = limit - used;
		part->verdict = rec == PMT_BYTES_UNKNOWN || used > rec ? PMT_FIT_FITS :
									 PMT_FIT_RECOMMENDED;
	}
}

/* pmt_platform_fit - judge @m against @p; see platform.h. */
void pmt_platform_fit(const struct pmt_platform *p, const struct pmt_measured *m,
		      struct pmt_fit *out)
{
	uint64_t peak = footprint(m), others = 0, main_used;
	size_t i, n = p->n_banks < PMT_PLATFORM_MAX_BANKS ? p->n_banks : PMT_PLATFORM_MAX_BANKS;

	memset(out, 0, sizeof(*out));
	judge(&out->total, peak, p->game_available_bytes, p->recommended_bytes);
	out->n_banks = n;
	for (i = 0; i < n; i++) {
		const struct pmt_platform_bank *b = &p->banks[i];
		uint64_t used = 0;
		int c;

		if (i == p->main_bank)
			continue;
		for (c = PMT_CAT_RSS + 1; c < PMT_CAT_COUNT; c++)
			if (b->holds & CAT_BIT(c))
				used = sat_add(used, m->peak_by_cat[c]);
		others = sat_add(others, used);
		judge(&out->banks[i], used, b->limit, b->recommended);
		if (!b->holds) {
			/* holds nothing: nothing to judge */
			memset(&out->banks[i], 0, sizeof(out->banks[i]));
			out->banks[i].limit = b->limit;
			out->banks[i].recommended = b->recommended;
		}
	}
	if (p->main_bank < n) {
		main_used = peak > others ? peak - others : 0;
		judge(&out->banks[p->main_bank], main_used, p->banks[p->main_bank].limit,
		      p->banks[p->main_bank].recommended);
	}

	out->worst = out->total.verdict;
	if (p->budgets != PMT_BANKS_SEPARATE)
		return;
	for (i = 0; i < n; i++) {
		if (!p->banks[i].holds)
			continue;
		if (out->banks[i].verdict == PMT_FIT_OVER)
			out->worst = PMT_FIT_OVER;
		else if (out->banks[i].verdict == PMT_FIT_FITS && out->worst == PMT_FIT_RECOMMENDED)
			out->worst = PMT_FIT_FITS;
	}
}

/* ---- texture formats ---- */

struct format_row {
	const char *token;  /* the entry's first word */
	struct pmt_texture_format f;
};

/* Memory cost per leading word of a texture_formats entry; bpp 0 = skip the entry. */
static const struct format_row format_rows[] = {
	{ "BC1", { "BC1", 400, "BC3/BC7", 800 } },
	{ "BCn", { "BC1", 400, "BC3/BC7", 800 } },
	{ "S3TC", { "BC1/DXT1", 400, "BC3/DXT5", 800 } },
	{ "DXT1", { "DXT1", 400, "DXT5", 800 } },
	{ "BC2", { "BC2", 800, NULL, 0 } },
	{ "BC3", { "BC3", 800, NULL, 0 } },
	{ "BC7", { "BC7", 800, NULL, 0 } },
	{ "DXT3", { "DXT3", 800, NULL, 0 } },
	{ "DXT5", { "DXT5", 800, NULL, 0 } },
	{ "ETC1", { "ETC1", 400, NULL, 0 } },
	{ "ETC2", { "ETC2 RGB", 400, "ETC2 RGBA", 800 } },
	{ "PVRTC", { "PVRTC 4bpp", 400, NULL, 0 } },
	{ "CMPR", { "CMPR", 400, NULL, 0 } },
	{ "KTX2", { "KTX2/Basis as BC7/ASTC 4x4", 800, NULL, 0 } },
	{ "Basis", { "KTX2/Basis as BC7/ASTC 4x4", 800, NULL, 0 } },
	{ "RGBA8", { "RGBA8", 3200, NULL, 0 } },
};

/* ASTC block sizes: 128 bits per block whatever its footprint. */
static const struct {
	const char *block;
	const char *label;
	unsigned int bpp_x100;
} astc_blocks[] = {
	{ "4x4", "ASTC 4x4", 800 },   { "5x5", "ASTC 5x5", 512 },
	{ "6x6", "ASTC 6x6", 356 },   { "8x8", "ASTC 8x8", 200 },
	{ "10x10", "ASTC 10x10", 128 }, { "12x12", "ASTC 12x12", 89 },
};

/* Length of the word starting at @s (letters and digits). */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

/*
 * An "ASTC ..." entry: the block size when the next word is one, else 6x6
 * (the middle of the range platforms suggest for most art); 4x4 is the
 * higher-quality alternative.
 */
static void astc_format(const char *rest, struct pmt_texture_format *out)
{
	size_t i, n;

	while (*rest == ' ')
		rest++;
	n = word_len(rest);
	*out = (struct pmt_texture_format){ "ASTC 6x6", 356, "ASTC 4x4", 800 };
	for (i = 0; i < sizeof(astc_blocks) / sizeof(astc_blocks[0]); i++) {
		if (n != strlen(astc_blocks[i].block) || strncmp(rest, astc_blocks[i].block, n))
			continue;
		out->label = astc_blocks[i].label;
		out->bpp_x100 = astc_blocks[i].bpp_x100;
		if (out->bpp_x100 >= out->alt_bpp_x100) {
			out->alt_label = NULL;
			out->alt_bpp_x100 = 0;
		}
	}
}

/* pmt_platform_texture_format - the first entry of @p's formats with a known cost. */
int pmt_platform_texture_format(const struct pmt_platform *p, struct pmt_texture_format *out)
{
	size_t i, r;

	for (i = 0; i < p->n_texture_formats; i++) {
		const char *s = p->texture_formats[i];
		size_t n = word_len(s);

		if (n == 4 && strncmp(s, "ASTC", 4) == 0) {
			astc_format(s + 4, out);
			return 0;
		}
		for (r = 0; r < sizeof(format_rows) / sizeof(format_rows[0]); r++) {
			if (n == strlen(format_rows[r].token) &&
			    strncmp(s, format_rows[r].token, n) == 0) {
				*out = format_rows[r].f;
				return 0;
			}
		}
	}
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

/* Uncompressed pixel formats, for pmt_texture_format_cost() only. */
static const struct {
	const char *name;
	unsigned int bpp_x100;
} raw_formats[] = {
	{ "RGBA", 3200 },    { "RGBA8", 3200 },   { "BGRA", 3200 },    { "BGRA8", 3200 },
	{ "ARGB", 3200 },    { "ABGR", 3200 },    { "RGBX", 3200 },    { "SRGB8_ALPHA8", 3200 },
	{ "RGB", 2400 },     { "RGB8", 2400 },    { "BGR", 2400 },     { "SRGB8", 2400 },
	{ "RGB565", 1600 },  { "RGBA4444", 1600 }, { "RGBA4", 1600 },  { "RGB5A1", 1600 },
	{ "RGBA5551", 1600 }, { "RGB5A3", 1600 }, { "RG", 1600 },      { "RG8", 1600 },
	{ "LA", 1600 },      { "LA8", 1600 },     { "IA8", 1600 },     { "R16F", 1600 },
	{ "R", 800 },        { "R8", 800 },       { "L", 800 },        { "L8", 800 },
	{ "A", 800 },        { "A8", 800 },       { "ALPHA", 800 },    { "LUMINANCE", 800 },
	{ "P", 800 },        { "P8", 800 },       { "I8", 800 },       { "C8", 800 },
	{ "RG16F", 3200 },   { "R32F", 3200 },    { "DEPTH24_STENCIL8", 3200 },
	{ "RGBA16F", 6400 }, { "RGBA16", 6400 },  { "RG32F", 6400 },   { "RGB16F", 4800 },
	{ "RGBA32F", 12800 }, { "RGB32F", 9600 }, { "I4", 400 },       { "C4", 400 },
	{ "IA4", 800 },
};

/* Length of the format name at @s: letters, digits and '_'. */
static size_t name_len(const char *s)
{
	size_t n = word_len(s);

	while (s[n] == '_' || word_len(s + n))
		n += s[n] == '_' ? 1 : word_len(s + n);
	return n;
}

static bool same_ci(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return false;
	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'a' && x <= 'z')
			x = (char)(x - 'a' + 'A');
		if (x != y)
			return false;
	}
	return true;
}

/* pmt_texture_format_cost - the bits per pixel (x100) of format @name; see platform.h. */
int pmt_texture_format_cost(const char *name, unsigned int *bpp_x100)
{
	struct pmt_texture_format tf;
	size_t n, r;

	if (!name)
		return -ENOENT;
	while (*name == ' ')
		name++;
	n = name_len(name);
	for (r = 0; r < sizeof(raw_formats) / sizeof(raw_formats[0]); r++) {
		if (same_ci(name, n, raw_formats[r].name)) {
			*bpp_x100 = raw_formats[r].bpp_x100;
			return 0;
		}
	}
	n = word_len(name);
	if (same_ci(name, n, "ASTC")) {
		const char *rest = name + 4;
		char block[8];
		size_t k = 0;

		while (*rest == ' ' || *rest == '_' || *rest == '-')
			rest++;
		/* "8x8" or "8X8" */
		while (k + 1 < sizeof(block) && rest[k] && rest[k] != ' ') {
			block[k] = rest[k] == 'X' ? 'x' : rest[k];
			k++;
		}
		block[k] = '\0';
		astc_format(block, &tf);
		*bpp_x100 = tf.bpp_x100;
		return 0;
	}
	for (r = 0; r < sizeof(format_rows) / sizeof(format_rows[0]); r++) {
		if (same_ci(name, n, format_rows[r].token)) {
			*bpp_x100 = format_rows[r].f.bpp_x100;
			return 0;
		}
	}
	return -ENOENT;
}

/* pmt_texture_bytes - @rgba8_bytes re-costed at @bpp_x100 / 100 bits per pixel. */
uint64_t pmt_texture_bytes(uint64_t rgba8_bytes, unsigned int bpp_x100)
{
	return muldiv(rgba8_bytes, bpp_x100, RGBA8_BPP_X100);
}

/* ---- advice ---- */

/* @b with three significant digits: "462 MiB", "1.36 GiB", "12.5 GiB", "900 B". */
static const char *fmt_bytes(char *buf, size_t n, uint64_t b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1023.5 && u < 6) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, n, "%.*f %s", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, units[u]);
	return buf;
}

/* Bits per pixel from hundredths without trailing zeros: "3.56", "4", "2.5". */
static const char *fmt_bpp(char *buf, size_t n, unsigned int x100)
{
	if (x100 % 100 == 0)
		snprintf(buf, n, "%u", x100 / 100);
	else if (x100 % 10 == 0)
		snprintf(buf, n, "%u.%u", x100 / 100, x100 / 10 % 10);
	else
		snprintf(buf, n, "%u.%02u", x100 / 100, x100 % 100);
	return buf;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 100.0 / (double)whole : 0.0;
}

/* Where advice goes: the caller's lines and how many are used. */
struct out_lines {
	char (*lines)[PMT_ADVICE_LINE];
	size_t max, n;
};

/* Cut @s (a full buffer) at its last space so that "..." fits, if it was truncated. */
static void ellipsize(char *s)
{
	size_t end = PMT_ADVICE_LINE - 4;

	while (end > PMT_ADVICE_LINE / 2 && s[end] != ' ')
		end--;
	memcpy(s + end, "...", 4);
}

static void add_line(struct out_lines *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(struct out_lines *o, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (o->n >= o->max)
		return;
	va_start(ap, fmt);
	len = vsnprintf(o->lines[o->n], PMT_ADVICE_LINE, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len >= PMT_ADVICE_LINE)
		ellipsize(o->lines[o->n]);
	o->n++;
}

static void advise_total(struct out_lines *o, const struct pmt_platform *p,
			 const struct pmt_fit_part *t)
{
	char used[24], lim[24], rec[24], d1[24], d2[24];

	fmt_bytes(used, sizeof(used), t->used);
	fmt_bytes(lim, sizeof(lim), t->limit);
	fmt_bytes(rec, sizeof(rec), t->recommended);
	switch (t->verdict) {
	case PMT_FIT_OVER:
		if (t->recommended != PMT_BYTES_UNKNOWN)
			add_line(o, "peak %s is over %s's %s game limit by %s (%.1f %%): cut at "
				 "least %s (%.0f %% of peak) to reach the recommended %s",
				 used, p->id, lim, fmt_bytes(d1, sizeof(d1), t->over_bytes),
				 t->over_pct, fmt_bytes(d2, sizeof(d2), t->above_recommended_bytes),
				 pct(t->above_recommended_bytes, t->used), rec);
		else
			add_line(o, "peak %s is over %s's %s game limit by %s (%.1f %%)", used,
				 p->id, lim, fmt_bytes(d1, sizeof(d1), t->over_bytes), t->over_pct);
		break;
	case PMT_FIT_FITS:
		if (t->recommended != PMT_BYTES_UNKNOWN)
			add_line(o, "peak %s fits %s's %s game limit (%s headroom) but is %s "
				 "above the recommended %s: cut %.0f %% of peak for a safe margin",
				 used, p->id, lim, fmt_bytes(d1, sizeof(d1), t->headroom_bytes),
				 fmt_bytes(d2, sizeof(d2), t->above_recommended_bytes), rec,
				 pct(t->above_recommended_bytes, t->used));
		else
			add_line(o, "peak %s fits %s's %s game limit (%s headroom)", used, p->id,
				 lim, fmt_bytes(d1, sizeof(d1), t->headroom_bytes));
		break;
	case PMT_FIT_RECOMMENDED:
		if (t->limit != PMT_BYTES_UNKNOWN)
			add_line(o, "peak %s fits %s: under the recommended %s, %s below the %s "
				 "game limit", used, p->id, rec,
				 fmt_bytes(d1, sizeof(d1), t->headroom_bytes), lim);
		else
			add_line(o, "peak %s is under %s's recommended %s (%s below it; no fixed "
				 "game limit is known)", used, p->id, rec,
				 fmt_bytes(d1, sizeof(d1), t->recommended - t->used));
		break;
	case PMT_FIT_UNKNOWN:
		if (t->recommended != PMT_BYTES_UNKNOWN)
			add_line(o, "no fixed game limit is known for %s; peak %s is %s above the "
				 "recommended %s (%s)", p->id, used,
				 fmt_bytes(d1, sizeof(d1), t->above_recommended_bytes), rec,
				 p->recommended_rule);
		else
			add_line(o, "no memory limit is known for %s; peak %s", p->id, used);
		break;
	}
}

/* "textures+gpu_buffers" for a non-main bank, "everything else" for the main one. */
static void holds_text(char *buf, size_t n, const struct pmt_platform *p, size_t bank)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	if (bank == p->main_bank) {
		snprintf(buf, n, "everything else");
		return;
	}
	for (c = PMT_CAT_RSS + 1; c < PMT_CAT_COUNT; c++) {
		int w;

		if (!(p->banks[bank].holds & CAT_BIT(c)))
			continue;
		w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "",
			     pmt_category_name((enum pmt_category)c));
		if (w < 0 || (size_t)w >= n - len)
			return;
		len += (size_t)w;
	}
}

static void advise_banks(struct out_lines *o, const struct pmt_platform *p,
			 const struct pmt_fit *f)
{
	const char *tail = p->budgets == PMT_BANKS_PLACEMENT ?
				   " (placement guide: only the total is a hard limit)" : "";
	size_t i;

	for (i = 0; i < f->n_banks; i++) {
		const struct pmt_fit_part *b = &f->banks[i];
		char holds[160], used[24], lim[24], rec[24], d[24];

		if (!p->banks[i].holds)
			continue;
		holds_text(holds, sizeof(holds), p, i);
		fmt_bytes(used, sizeof(used), b->used);
		fmt_bytes(lim, sizeof(lim), b->limit);
		fmt_bytes(rec, sizeof(rec), b->recommended);
		if (b->verdict == PMT_FIT_OVER)
			add_line(o, "%s (%s): %s of its %s, over by %s (%.1f %%)%s",
				 p->banks[i].name, holds, used, lim,
				 fmt_bytes(d, sizeof(d), b->over_bytes), b->over_pct, tail);
		else if (b->verdict == PMT_FIT_FITS)
			add_line(o, "%s (%s): %s of its %s, %s above its recommended %s%s",
				 p->banks[i].name, holds, used, lim,
				 fmt_bytes(d, sizeof(d), b->above_recommended_bytes), rec, tail);
		else
			add_line(o, "%s (%s): %s of its %s, under its recommended %s",
				 p->banks[i].name, holds, used, lim, rec);
	}
}

/* What to do about each category when it is the largest. */
static const char *const cat_hints[PMT_CAT_COUNT] = {
	[PMT_CAT_PYTHON_HEAP] = "fewer live objects: drop caches, __slots__ or arrays for "
				"many small objects",
	[PMT_CAT_NATIVE_HEAP] = "look for large buffers and caches in extensions and decoders",
	[PMT_CAT_TEXTURES] = "lower resolution, fewer textures, unload per scene",
	[PMT_CAT_SURFACES] = "a decoded image costs w x h x 4 bytes: load per scene, "
			     "downscale, share copies",
	[PMT_CAT_TEXT] = "cache rendered strings instead of rendering them again",
	[PMT_CAT_AUDIO] = "shorter, mono or lower-rate samples; stream long ones",
	[PMT_CAT_MUSIC] = "stream music instead of loading whole tracks",
	[PMT_CAT_FONTS] = "fewer font faces and sizes loaded at once",
	[PMT_CAT_GPU_BUFFERS] = "smaller or shared vertex and index buffers",
};

/* Words that make a technique relevant to a category (lower case; NULL ends). */
static const char *const cat_words[PMT_CAT_COUNT][5] = {
	[PMT_CAT_PYTHON_HEAP] = { "python", "interpreter", "caches", "heap", NULL },
	[PMT_CAT_NATIVE_HEAP] = { "pool", "alloc", "heap", NULL },
	[PMT_CAT_TEXTURES] = { "textur", "mip", "image", NULL },
	[PMT_CAT_SURFACES] = { "image", "surface", "textur", NULL },
	[PMT_CAT_AUDIO] = { "audio", "sound", "effects", NULL },
	[PMT_CAT_MUSIC] = { "music", "audio", NULL },
	[PMT_CAT_GPU_BUFFERS] = { "vertex", "buffer", "gpu", NULL },
};

/* Does @hay contain the lower-case @needle, ignoring the case of @hay? */
static bool contains_word(const char *hay, const char *needle)
{
	size_t i, k, n = strlen(needle);

	for (i = 0; hay[i]; i++) {
		for (k = 0; k < n; k++) {
			char ch = hay[i + k];

			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (ch != needle[k])
				break;
		}
		if (k == n)
			return true;
	}
	return false;
}

/* Categories other than rss with bytes, largest first (ties: enum order); returns count. */
static size_t rank_categories(const struct pmt_measured *m, int order[PMT_CAT_COUNT])
{
	size_t n = 0, i, j;
	int c;

	for (c = PMT_CAT_RSS + 1; c < PMT_CAT_COUNT; c++) {
		if (!m->peak_by_cat[c])
			continue;
		for (i = n; i > 0 && m->peak_by_cat[order[i - 1]] < m->peak_by_cat[c]; i--)
			order[i] = order[i - 1];
		order[i] = c;
		n++;
	}
	for (j = n; j < PMT_CAT_COUNT; j++)
		order[j] = -1;
	return n;
}

static void advise_images(struct out_lines *o, const struct pmt_platform *p,
			  const struct pmt_measured *m, uint64_t peak)
{
	uint64_t tex = m->peak_by_cat[PMT_CAT_TEXTURES], surf = m->peak_by_cat[PMT_CAT_SURFACES];
	uint64_t images = sat_add(tex, surf), packed;
	struct pmt_texture_format tf;
	char what[32], img[24], pk[24], saved[24], bpp[16], alt[96] = "";

	if (!images || pmt_platform_texture_format(p, &tf) != 0 || tf.bpp_x100 >= RGBA8_BPP_X100)
		return;
	snprintf(what, sizeof(what), "%s", tex && surf ? "textures and surfaces" :
						       tex ? "textures" : "surfaces");
	packed = pmt_texture_bytes(images, tf.bpp_x100);
	if (tf.alt_label) {
		char a_saved[24], a_bpp[16];

		snprintf(alt, sizeof(alt), "; %s (%s bits/px) saves %s", tf.alt_label,
			 fmt_bpp(a_bpp, sizeof(a_bpp), tf.alt_bpp_x100),
			 fmt_bytes(a_saved, sizeof(a_saved),
				   images - pmt_texture_bytes(images, tf.alt_bpp_x100)));
	}
	add_line(o, "%s are %.0f %% of peak (%s as RGBA8); on %s compressing them to %s "
		 "(%s bits/px) takes %s and saves about %s%s",
		 what, pct(images, peak), fmt_bytes(img, sizeof(img), images),
		 p->id, tf.label, fmt_bpp(bpp, sizeof(bpp), tf.bpp_x100),
		 fmt_bytes(pk, sizeof(pk), packed),
		 fmt_bytes(saved, sizeof(saved), images - packed), alt);
}

/* Add technique @t, cut at a clause ("; ") rather than mid-word when too long. */
static void add_technique(struct out_lines *o, const struct pmt_platform *p, const char *t)
{
	char prefix[PMT_ADVICE_LINE];
	size_t room, plen, len = strlen(t);

	snprintf(prefix, sizeof(prefix), "%s tip: ", p->id);
	plen = strlen(prefix);
	room = plen < PMT_ADVICE_LINE - 1 ? PMT_ADVICE_LINE - 1 - plen : 0;
	if (len > room) {
		const char *semi = NULL, *s;

		for (s = t; (s = strstr(s, "; ")) && (size_t)(s - t) < room; s++)
			semi = s;
		if (semi && (size_t)(semi - t) >= room / 3) {
			add_line(o, "%s%.*s.", prefix, (int)(semi - t), t);
			return;
		}
	}
	add_line(o, "%s%s", prefix, t);
}

static void advise_techniques(struct out_lines *o, const struct pmt_platform *p,
			      const int order[PMT_CAT_COUNT], size_t ranked)
{
	size_t picked[2], n_picked = 0, i, k, t;

	for (i = 0; i < ranked && n_picked < 2; i++) {
		const char *const *words = cat_words[order[i]];

		for (t = 0; t < p->n_techniques && n_picked < 2; t++) {
			bool hit = false, dup = false;

			for (k = 0; k < n_picked; k++)
				dup |= picked[k] == t;
			for (k = 0; words[k] && !hit; k++)
				hit = contains_word(p->techniques[t], words[k]);
			if (hit && !dup) {
				picked[n_picked++] = t;
				break;
			}
		}
	}
	for (t = 0; t < p->n_techniques && n_picked < 2; t++) {
		bool dup = false;

		for (k = 0; k < n_picked; k++)
			dup |= picked[k] == t;
		if (!dup)
			picked[n_picked++] = t;
	}
	for (k = 0; k < n_picked; k++)
		add_technique(o, p, p->techniques[picked[k]]);
}

/* pmt_platform_advice - recommendations for @m on @p; see platform.h. */
size_t pmt_platform_advice(const struct pmt_platform *p, const struct pmt_measured *m,
			   const struct pmt_fit *f, char lines[][PMT_ADVICE_LINE], size_t max)
{
	struct out_lines o = { .lines = lines, .max = max, .n = 0 };
	int order[PMT_CAT_COUNT];
	uint64_t peak = f->total.used;
	size_t ranked;

	if (!lines || max == 0)
		return 0;
	if (peak == 0) {
		add_line(&o, "nothing measured to compare with %s", p->id);
		return o.n;
	}
	advise_total(&o, p, &f->total);
	if (p->budgets != PMT_BANKS_SINGLE)
		advise_banks(&o, p, f);
	ranked = rank_categories(m, order);
	if (ranked) {
		char b[24];
		int top = order[0];

		add_line(&o, f->total.verdict == PMT_FIT_RECOMMENDED ?
				     "largest category: %s, %s, %.0f %% of peak (%s)" :
				     "cut %s first: %s, %.0f %% of peak (%s)",
			 pmt_category_name((enum pmt_category)top),
			 fmt_bytes(b, sizeof(b), m->peak_by_cat[top]),
			 pct(m->peak_by_cat[top], peak), cat_hints[top]);
	}
	advise_images(&o, p, m, peak);
	advise_techniques(&o, p, order, ranked);
	return o.n;
}

/* ---- the table ---- */

/* @b in at most 5 characters: "213M", "3.5G", "10G", "-" when unknown. */
static const char *fmt_short(char *buf, size_t n, uint64_t b)
{
	static const char units[] = "BKMGTPE";
	double v = (double)b;
	int u = 0;

	if (b == PMT_BYTES_UNKNOWN) {
		snprintf(buf, n, "-");
		return buf;
	}
	while (v >= 999.5 && u < 6) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, n, "%.3g%c", v, units[u]);
	return buf;
}

/* The name without a trailing " (...)" and cut to @w columns with "...". */
static void short_name(char *buf, size_t w, const char *name)
{
	const char *paren = strstr(name, " (");
	size_t len = paren ? (size_t)(paren - name) : strlen(name);

	if (len > w) {
		snprintf(buf, w + 1, "%.*s...", (int)(w - 3), name);
		return;
	}
	snprintf(buf, w + 1, "%.*s", (int)len, name);
}

/* pmt_platform_list - the `pmtrace-bpf platforms` table of @ps on @f. */
void pmt_platform_list(FILE *f, const struct pmt_platforms *ps)
{
	size_t i, k;

	fprintf(f, "%-23s  %-28s  %-7s  %9s  %9s  %s\n", "ID", "NAME", "FAMILY", "AVAILABLE",
		"RECOMMEND", "BANKS");
	for (i = 0; ps && i < ps->n; i++) {
		const struct pmt_platform *p = &ps->v[i];
		char name[29], avail[24], rec[24], banks[64] = "single", s[16];
		size_t len = 0;

		short_name(name, 28, p->name);
		if (p->budgets != PMT_BANKS_SINGLE) {
			for (k = 0; k < p->n_banks; k++) {
				if (!p->banks[k].holds)
					continue;
				len += (size_t)snprintf(banks + len, sizeof(banks) - len, "%s%s",
							len ? "+" : "",
							fmt_short(s, sizeof(s), p->banks[k].limit));
				if (len >= sizeof(banks))
					break;
			}
			if (len < sizeof(banks))
				snprintf(banks + len, sizeof(banks) - len, " %s",
					 p->budgets == PMT_BANKS_SEPARATE ? "sep" : "adv");
		}
		fprintf(f, "%-23.23s  %-28s  %-7.7s  %9s  %9s  %.13s\n", p->id, name, p->family,
			p->game_available_bytes == PMT_BYTES_UNKNOWN ?
				"-" : fmt_bytes(avail, sizeof(avail), p->game_available_bytes),
			p->recommended_bytes == PMT_BYTES_UNKNOWN ?
				"-" : fmt_bytes(rec, sizeof(rec), p->recommended_bytes),
			banks);
	}
	fprintf(f, "banks: single = one pool; sep = separate budgets; adv = placement advice, "
		   "the total is the limit\n");
}
