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
#define TEXT_LEAKS 8  /* lines in a text report */
#define TEXT_DUPS 8
#define TEXT_USES 4   /* use sites and orphans in a text report */

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

/* @s, or @dflt when @s is NULL or empty (the JSON writes "" for "unknown"). */
static const char *or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* Keep the end of a long path: the file name matters most. */
static const char *tail(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > max ? s + n - max : s;
}

void pmt_text_assets_rec(FILE *f, const struct pmt_run_assets *v)
{
	char b1[32], b2[32], sb[160];
	size_t i, n;
	int t, col;

	if (!v->present)
		return;
	col = fprintf(f, "  assets: %" PRIu64 " live", v->live);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_run_type_stats *ts = &v->by_type[t];
		char item[64];
		int w;

		if (!ts->live && !ts->loads)
			continue;
		w = snprintf(item, sizeof(item), ", %s %" PRIu64 " (%s)", pmt_asset_type_name(t),
			     ts->live, pmt_fmt_bytes(b1, sizeof(b1), (double)ts->bytes, 0));
		if (col + w > 99) {
			fputs("\n         ", f);
			col = 9;
		}
		fputs(item, f);
		col += w;
	}
	fputc('\n', f);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_run_type_stats *ts = &v->by_type[t];

		if (!ts->churn_frames || !v->frame)
			continue;
		fprintf(f, "  churn : %s created and freed in the same frame: %.1f/frame, %s/frame, "
			   "in %.0f %% of frames\n",
			pmt_asset_type_name(t), (double)ts->churn / (double)v->frame,
			pmt_fmt_bytes(b1, sizeof(b1), (double)ts->churn_bytes / (double)v->frame, 0),
			100.0 * (double)ts->churn_frames / (double)v->frame);
	}
	for (i = 0; i < v->ntop; i++) {
		const struct pmt_run_asset *a = &v->top[i];
		char dims[24] = "";

		if (a->width || a->height)
			snprintf(dims, sizeof(dims), "%ux%u", a->width, a->height);
		fprintf(f, "  %s %9s %-7s %-9s %-26s %.34s\n", i ? "      " : "top   :",
			pmt_fmt_bytes(b1, sizeof(b1), (double)a->bytes, 0), pmt_asset_type_name(a->type),
			dims, tail(a->path ? a->path : "-", 26),
			short_site(sb, sizeof(sb), or(a->site, a->before_attach ?
						      "(loaded before attach)" : "-")));
	}
	n = v->nleaks < TEXT_LEAKS ? v->nleaks : TEXT_LEAKS;
	for (i = 0; i < n; i++) {
		const struct pmt_run_leak *l = &v->leaks[i];

		fprintf(f, "  leak  : %s: %" PRIu64 " live (%s), was %" PRIu64 " %d intervals ago\n",
			short_site(sb, sizeof(sb), or(l->site, "?")), l->live,
			pmt_fmt_bytes(b1, sizeof(b1), (double)l->live_bytes, 0),
			l->history_len ? l->history[0] : 0, (int)l->history_len - 1);
	}
	n = v->ndups < TEXT_DUPS ? v->ndups : TEXT_DUPS;
	for (i = 0; i < n; i++)
		fprintf(f, "  dup   : %s held %" PRIu64 " times (%s, %s wasted)\n",
			tail(or(v->dups[i].path, "?"), 50), v->dups[i].copies,
			pmt_fmt_bytes(b1, sizeof(b1), (double)v->dups[i].bytes, 0),
			pmt_fmt_bytes(b2, sizeof(b2), (double)v->dups[i].wasted_bytes, 0));
	if (v->has_use_sites) {
		n = v->nuse_sites < TEXT_USES ? v->nuse_sites : TEXT_USES;
		for (i = 0; i < n; i++) {
			const struct pmt_run_use_site *u = &v->use_sites[i];

			fprintf(f, "  %s %9" PRIu64 " uses, %3" PRIu64 " assets live (%9s) %.40s\n",
				i ? "      " : "used  :", u->uses, u->live_assets,
				pmt_fmt_bytes(b1, sizeof(b1), (double)u->live_bytes, 0),
				short_site(sb, sizeof(sb), or(u->site, "?")));
		}
		n = v->norphans < TEXT_USES ? v->norphans : TEXT_USES;
		for (i = 0; i < n; i++)
			fprintf(f, "  orphan: %9s %-7s %-36s never used since frame %" PRIu64 "\n",
				pmt_fmt_bytes(b1, sizeof(b1), (double)v->orphans[i].bytes, 0),
				pmt_asset_type_name(v->orphans[i].type),
				tail(v->orphans[i].path ? v->orphans[i].path : "-", 36),
				v->orphans[i].load_frame);
	}
	if (v->unknown_frees || v->untracked || v->lost_events)
		fprintf(f, "  note  : %" PRIu64 " frees of assets loaded before attach, %" PRIu64
			   " not tracked (table full), %" PRIu64 " asset records lost\n",
			v->unknown_frees, v->untracked, v->lost_events);
	if (v->gl_unbound || v->gl_names_lost)
		fprintf(f, "  note  : %" PRIu64 " GL uploads to objects bound before attach, %" PRIu64
			   " deleted GL names not read\n", v->gl_unbound, v->gl_names_lost);
	fflush(f);
}

/* An asset of the store as a record entry (strings borrowed from @v). */
static void asset_rec(const struct pmt_asset_view *v, const struct pmt_asset *a,
		      struct pmt_run_asset *x)
{
	memset(x, 0, sizeof(*x));
	x->bytes = a->l.bytes;
	x->type = a->l.type;
	x->width = a->l.width;
	x->height = a->l.height;
	x->path = pmt_strtab_get(v->strs, a->l.path_id);
	x->site = str_or(v->strs, a->l.site_id, "");
	x->loader = str_or(v->strs, a->l.loader_id, "");
	x->load_frame = a->l.frame;
	x->load_ts_ns = a->l.ts_ns;
	x->uses = a->uses;
	x->before_attach = a->l.flags & PMT_ASSET_F_BEFORE_ATTACH;
}

void pmt_text_assets(FILE *f, const struct pmt_asset_view *v)
{
	struct pmt_asset top[LIST], orph[TEXT_USES];
	struct pmt_run_asset rtop[LIST], rorph[TEXT_USES];
	struct pmt_site_stats leaks[TEXT_LEAKS];
	struct pmt_run_leak rleaks[TEXT_LEAKS];
	struct pmt_duplicate dups[TEXT_DUPS];
	struct pmt_run_dup rdups[TEXT_DUPS];
	struct pmt_use_site_stats us[TEXT_USES];
	struct pmt_run_use_site rus[TEXT_USES];
	struct pmt_run_assets a;
	size_t i;
	int t;

	if (!v->store)
		return;
	memset(&a, 0, sizeof(a));
	a.present = true;
	a.frame = v->frames;
	a.live = pmt_asset_live_count(v->store);
	for (t = 0; t < PMT_ASSET_TYPES; t++) {
		const struct pmt_type_stats *ts = pmt_asset_type_stats(v->store, t);

		a.by_type[t] = (struct pmt_run_type_stats){ ts->live, ts->live_bytes, ts->peak_bytes,
							    ts->loads, ts->frees, ts->churn_frames,
							    ts->churn_total, ts->churn_total_bytes };
	}
	a.ntop = pmt_asset_top(v->store, top, v->top_n < LIST ? v->top_n : LIST);
	for (i = 0; i < a.ntop; i++)
		asset_rec(v, &top[i], &rtop[i]);
	a.top = rtop;
	a.nleaks = pmt_asset_leaks(v->store, leaks, TEXT_LEAKS);
	for (i = 0; i < a.nleaks; i++) {
		struct pmt_run_leak *x = &rleaks[i];

		memset(x, 0, sizeof(*x));
		x->site = str_or(v->strs, leaks[i].site_id, "");
		x->type = leaks[i].type;
		x->live = leaks[i].live;
		x->live_bytes = leaks[i].live_bytes;
		x->loads = leaks[i].loads;
		x->frees = leaks[i].frees;
		x->history_len = leaks[i].history_len;
		memcpy(x->history, leaks[i].live_history, sizeof(x->history));
	}
	a.leaks = rleaks;
	a.ndups = pmt_asset_duplicates(v->store, dups, TEXT_DUPS);
	for (i = 0; i < a.ndups; i++)
		rdups[i] = (struct pmt_run_dup){ str_or(v->strs, dups[i].path_id, ""), dups[i].type,
						 dups[i].copies, dups[i].bytes, dups[i].wasted_bytes };
	a.dups = rdups;
	if (v->track_use) {
		a.has_use_sites = a.has_orphans = true;
		a.nuse_sites = pmt_asset_top_use_sites(v->store, us, TEXT_USES);
		for (i = 0; i < a.nuse_sites; i++)
			rus[i] = (struct pmt_run_use_site){ str_or(v->strs, us[i].site_id, ""), us[i].uses,
							    us[i].live_assets, us[i].live_bytes };
		a.use_sites = rus;
		a.norphans = pmt_asset_orphans(v->store, orph, TEXT_USES);
		for (i = 0; i < a.norphans; i++)
			asset_rec(v, &orph[i], &rorph[i]);
		a.orphans = rorph;
	}
	a.unknown_frees = pmt_asset_unknown_frees(v->store);
	a.untracked = pmt_asset_dropped(v->store);
	a.lost_events = v->lost;
	a.gl_unbound = v->gl_unbound;
	a.gl_names_lost = v->gl_names_lost;
	pmt_text_assets_rec(f, &a);
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
		   ",\"uses\":%" PRIu64 ",\"state\":\"%s\",\"loaded_before_attach\":%s",
		a->l.frame, a->l.ts_ns, v->frames > a->l.frame ? v->frames - a->l.frame : 0, a->uses,
		a->uses ? "in_use" : "loaded",
		(a->l.flags & PMT_ASSET_F_BEFORE_ATTACH) ? "true" : "false");
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
