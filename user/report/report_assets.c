// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_assets.c - the assets section of reports: live assets by type
 * (the heatmap), churn, the largest assets, leaking sites, duplicates,
 * orphans and, with --track-use, the Python sites that use them; as text
 * (under 100 columns) and as a {"type":"assets"} record.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define LIST 50
#define USE_SITES 20 /* use sites in a JSON record */

static const char *str_or(const struct pmt_strtab *t, uint32_t id, const char *dflt)
{
	const char *s = pmt_strtab_get(t, id);

	return s ? s : dflt;
}

/* "func (/long/path/file.py:12)" as "func (file.py:12)" into @buf. */
static const char *short_site(char *buf, size_t len, const char *site)
{
	const char *open = strrchr(site, '('), *slash;

	if (!open || !(slash = strrchr(open, '/'))) {
		snprintf(buf, len, "%s", site);
		return buf;
	}
	snprintf(buf, len, "%.*s%s", (int)(open - site + 1), site, slash + 1);
	return buf;
}

/* Keep the end of a long path: the file name matters most. */
static const char *tail(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > max ? s + n - max : s;
}

void pmt_text_assets(FILE *f, const struct pmt_asset_view *v)
{
	struct pmt_asset top[LIST];
	struct pmt_site_stats leaks[8];
	struct pmt_duplicate dups[8];
	char b1[32], b2[32], sb[160];
	size_t i, n;
	int t, col;

	if (!v->store)
		return;
	col = fprintf(f, "  assets: %" PRIu64 " live", pmt_asset_live_count(v->store));
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(v->store, t);
		char item[64];
		int w;

		if (!ts->live && !ts->loads)
			continue;
		w = snprintf(item, sizeof(item), ", %s %" PRIu64 " (%s)", pmt_asset_type_name(t),
			     ts->live, pmt_fmt_bytes(b1, sizeof(b1), (double)ts->live_bytes, 0));
		if (col + w > 99) {
			fputs("\n         ", f);
			col = 9;
		}
		fputs(item, f);
		col += w;
	}
	fputc('\n', f);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(v->store, t);

		if (!ts->churn_frames || !v->frames)
			continue;
		fprintf(f, "  churn : %s created and freed in the same frame: %.1f/frame, %s/frame, "
			   "in %.0f %% of frames\n",
			pmt_asset_type_name(t), (double)ts->churn_total / (double)v->frames,
			pmt_fmt_bytes(b1, sizeof(b1), (double)ts->churn_total_bytes / (double)v->frames, 0),
			100.0 * (double)ts->churn_frames / (double)v->frames);
	}
	n = pmt_asset_top(v->store, top, v->top_n < LIST ? v->top_n : LIST);
	for (i = 0; i < n; i++) {
		const struct pmt_asset *a = &top[i];

		char dims[24] = "";

		if (a->l.width || a->l.height)
			snprintf(dims, sizeof(dims), "%ux%u", a->l.width, a->l.height);
		fprintf(f, "  %s %9s %-7s %-9s %-26s %.34s\n", i ? "      " : "top   :",
			pmt_fmt_bytes(b1, sizeof(b1), (double)a->l.bytes, 0), pmt_asset_type_name(a->l.type),
			dims, tail(str_or(v->strs, a->l.path_id, "-"), 26),
			short_site(sb, sizeof(sb), str_or(v->strs, a->l.site_id, "-")));
	}
	n = pmt_asset_leaks(v->store, leaks, 8);
	for (i = 0; i < n; i++)
		fprintf(f, "  leak  : %s: %" PRIu64 " live (%s), was %" PRIu64 " %d intervals ago\n",
			short_site(sb, sizeof(sb), str_or(v->strs, leaks[i].site_id, "?")), leaks[i].live,
			pmt_fmt_bytes(b1, sizeof(b1), (double)leaks[i].live_bytes, 0),
			leaks[i].live_history[0], (int)leaks[i].history_len - 1);
	n = pmt_asset_duplicates(v->store, dups, 8);
	for (i = 0; i < n; i++)
		fprintf(f, "  dup   : %s held %" PRIu64 " times (%s, %s wasted)\n",
			tail(str_or(v->strs, dups[i].path_id, "?"), 50), dups[i].copies,
			pmt_fmt_bytes(b1, sizeof(b1), (double)dups[i].bytes, 0),
			pmt_fmt_bytes(b2, sizeof(b2), (double)dups[i].wasted_bytes, 0));
	if (v->track_use) {
		struct pmt_use_site_stats us[4];

		n = pmt_asset_top_use_sites(v->store, us, 4);
		for (i = 0; i < n; i++)
			fprintf(f, "  %s %9" PRIu64 " uses, %3" PRIu64 " assets live (%9s) %.40s\n",
				i ? "      " : "used  :", us[i].uses, us[i].live_assets,
				pmt_fmt_bytes(b1, sizeof(b1), (double)us[i].live_bytes, 0),
				short_site(sb, sizeof(sb), str_or(v->strs, us[i].site_id, "?")));
		n = pmt_asset_orphans(v->store, top, 4);
		for (i = 0; i < n; i++)
			fprintf(f, "  orphan: %9s %-7s %-36s never used since frame %" PRIu64 "\n",
				pmt_fmt_bytes(b1, sizeof(b1), (double)top[i].l.bytes, 0),
				pmt_asset_type_name(top[i].l.type),
				tail(str_or(v->strs, top[i].l.path_id, "-"), 36), top[i].l.frame);
	}
	if (pmt_asset_unknown_frees(v->store) || pmt_asset_dropped(v->store) || v->lost)
		fprintf(f, "  note  : %" PRIu64 " frees of assets loaded before attach, %" PRIu64
			   " not tracked (table full), %" PRIu64 " asset records lost\n",
			pmt_asset_unknown_frees(v->store), pmt_asset_dropped(v->store), v->lost);
	if (v->gl_unbound || v->gl_names_lost)
		fprintf(f, "  note  : %" PRIu64 " GL uploads to objects bound before attach, %" PRIu64
			   " deleted GL names not read\n", v->gl_unbound, v->gl_names_lost);
	fflush(f);
}

static void json_asset(FILE *f, const struct pmt_asset_view *v, const struct pmt_asset *a)
{
	fprintf(f, "{\"bytes\":%" PRIu64 ",\"type\":\"%s\",\"width\":%u,\"height\":%u,\"path\":",
		a->l.bytes, pmt_asset_type_name(a->l.type), a->l.width, a->l.height);
	if (a->l.path_id)
		pmt_json_str(f, pmt_strtab_get(v->strs, a->l.path_id));
	else
		fputs("null", f);
	fputs(",\"site\":", f);
	pmt_json_str(f, str_or(v->strs, a->l.site_id, ""));
	fputs(",\"loader\":", f);
	pmt_json_str(f, str_or(v->strs, a->l.loader_id, ""));
	fprintf(f, ",\"load_frame\":%" PRIu64 ",\"load_ts_ns\":%" PRIu64 ",\"age_frames\":%" PRIu64
		   ",\"uses\":%" PRIu64 ",\"state\":\"%s\"",
		a->l.frame, a->l.ts_ns, v->frames > a->l.frame ? v->frames - a->l.frame : 0, a->uses,
		a->uses ? "in_use" : "loaded");
	if (v->track_use) {
		struct pmt_use_site us[PMT_USE_SITES];
		uint64_t other;
		size_t i, n = pmt_asset_use_sites(v->store, a->l.obj, us, PMT_USE_SITES, &other);

		fputs(",\"use_sites\":[", f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%s{\"site\":", i ? "," : "");
			pmt_json_str(f, str_or(v->strs, us[i].site_id, ""));
			fprintf(f, ",\"uses\":%" PRIu64 "}", us[i].uses);
		}
		fprintf(f, "],\"use_sites_other\":%" PRIu64 "}", other);
	} else {
		fputs(",\"use_sites\":null,\"use_sites_other\":null}", f);
	}
}

/* The sites that use assets most, across assets: the game's systems by what they draw. */
static void json_use_sites(FILE *f, const struct pmt_asset_view *v)
{
	struct pmt_use_site_stats us[USE_SITES];
	size_t i, n;
	int t, k;

	if (!v->track_use) {
		fputs(",\"use_sites\":null", f);
		return;
	}
	fputs(",\"use_sites\":[", f);
	n = pmt_asset_top_use_sites(v->store, us, USE_SITES);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"site\":", i ? "," : "");
		pmt_json_str(f, str_or(v->strs, us[i].site_id, ""));
		fprintf(f, ",\"uses\":%" PRIu64 ",\"live_assets\":%" PRIu64 ",\"live_bytes\":%" PRIu64
			   ",\"by_type\":{",
			us[i].uses, us[i].live_assets, us[i].live_bytes);
		for (t = 0, k = 0; t < PMT_ASSET_TYPES; t++)
			if (us[i].type_uses[t])
				fprintf(f, "%s\"%s\":%" PRIu64, k++ ? "," : "",
					pmt_asset_type_name(t), us[i].type_uses[t]);
		fputs("}}", f);
	}
	fputc(']', f);
}

/* Every file the game loaded assets from, with the copies it holds now. */
static void json_files(FILE *f, const struct pmt_asset_view *v)
{
	size_t n = pmt_asset_live_count(v->store), i;
	struct pmt_asset *all = n ? malloc(n * sizeof(*all)) : NULL;
	uint64_t *live = v->nfiles ? calloc(v->nfiles, sizeof(*live)) : NULL;
	uint32_t p;
	int k = 0;

	if (all && live) {
		n = pmt_asset_live_list(v->store, all, n);
		for (i = 0; i < n; i++)
			if (all[i].l.path_id && all[i].l.path_id <= v->nfiles)
				live[all[i].l.path_id - 1]++;
	}
	fputs(",\"files\":[", f);
	for (p = 0; p < v->nfiles; p++) {
		const struct pmt_loaded_file *lf = &v->files[p];

		if (!lf->loads)
			continue;
		fprintf(f, "%s{\"path\":", k++ ? "," : "");
		pmt_json_str(f, pmt_strtab_get(v->strs, p + 1));
		fprintf(f, ",\"type\":\"%s\",\"loads\":%" PRIu64 ",\"live_copies\":%" PRIu64
			   ",\"bytes\":%" PRIu64 ",\"width\":%u,\"height\":%u,\"first_frame\":%" PRIu64
			   ",\"site\":",
			pmt_asset_type_name(lf->type), lf->loads, live ? live[p] : 0, lf->bytes,
			lf->width, lf->height, lf->first_frame);
		pmt_json_str(f, str_or(v->strs, lf->site_id, ""));
		fputc('}', f);
	}
	fputc(']', f);
	free(all);
	free(live);
}

void pmt_json_assets(FILE *f, const struct pmt_asset_view *v, const char *scope)
{
	struct pmt_asset list[LIST];
	struct pmt_site_stats leaks[LIST];
	struct pmt_duplicate dups[LIST];
	size_t i, n;
	int t;

	if (!v->store)
		return;
	fprintf(f, "{\"type\":\"assets\",\"schema_version\":%d,\"scope\":\"%s\",\"frame\":%" PRIu64
		   ",\"live\":%" PRIu64 ",\"by_type\":{",
		PMT_SCHEMA_VERSION, scope, v->frames, pmt_asset_live_count(v->store));
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(v->store, t);

		fprintf(f, "%s\"%s\":{\"live\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"peak_bytes\":%" PRIu64
			   ",\"loads\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"churn_frames\":%" PRIu64
			   ",\"churn\":%" PRIu64 ",\"churn_bytes\":%" PRIu64 "}",
			t ? "," : "", pmt_asset_type_name(t), ts->live, ts->live_bytes, ts->peak_bytes,
			ts->loads, ts->frees, ts->churn_frames, ts->churn_total, ts->churn_total_bytes);
	}
	fputs("},\"top\":[", f);
	n = pmt_asset_top(v->store, list, v->top_n < LIST ? v->top_n : LIST);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_asset(f, v, &list[i]);
	}
	fputs("],\"leaks\":[", f);
	n = pmt_asset_leaks(v->store, leaks, LIST);
	for (i = 0; i < n; i++) {
		uint32_t h;

		fprintf(f, "%s{\"site\":", i ? "," : "");
		pmt_json_str(f, str_or(v->strs, leaks[i].site_id, ""));
		fprintf(f, ",\"type\":\"%s\",\"live\":%" PRIu64 ",\"live_bytes\":%" PRIu64
			   ",\"loads\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"live_history\":[",
			pmt_asset_type_name(leaks[i].type), leaks[i].live, leaks[i].live_bytes,
			leaks[i].loads, leaks[i].frees);
		for (h = 0; h < leaks[i].history_len; h++)
			fprintf(f, "%s%" PRIu64, h ? "," : "", leaks[i].live_history[h]);
		fputs("]}", f);
	}
	fputc(']', f);
	if (!strcmp(scope, "final"))
		json_files(f, v);
	fputs(",\"duplicates\":[", f);
	n = pmt_asset_duplicates(v->store, dups, LIST);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"path\":", i ? "," : "");
		pmt_json_str(f, str_or(v->strs, dups[i].path_id, ""));
		fprintf(f, ",\"type\":\"%s\",\"copies\":%" PRIu64 ",\"bytes\":%" PRIu64
			   ",\"wasted_bytes\":%" PRIu64 "}",
			pmt_asset_type_name(dups[i].type), dups[i].copies, dups[i].bytes,
			dups[i].wasted_bytes);
	}
	fputs("]", f);
	if (v->track_use) {
		fputs(",\"orphans\":[", f);
		n = pmt_asset_orphans(v->store, list, LIST);
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', f);
			json_asset(f, v, &list[i]);
		}
		fputs("]", f);
	} else {
		fputs(",\"orphans\":null", f);
	}
	json_use_sites(f, v);
	fprintf(f, ",\"unknown_frees\":%" PRIu64 ",\"untracked\":%" PRIu64 ",\"lost_events\":%" PRIu64
		   ",\"gl_unbound_uploads\":%" PRIu64 ",\"gl_names_lost\":%" PRIu64 "}\n",
		pmt_asset_unknown_frees(v->store), pmt_asset_dropped(v->store), v->lost,
		v->gl_unbound, v->gl_names_lost);
	fflush(f);
}
