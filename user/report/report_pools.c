// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_pools.c - the pools record and text block (see report_pools.h and
 * docs/json.md, docs/pools.md).
 */
#include <inttypes.h>
#include <string.h>

#include "report/report.h"
#include "report/report_pools.h"
#include "run/pool_run.h"

#define CLASSES_REPORT 30  /* classes in a periodic record */
#define CLASSES_FINAL 200  /* in the final one */
#define RULE "pool size = p99 + max(2, ceil(p99 / 4)) of the demand: the most instances " \
	     "younger than 16 frames in use at once, per sampled frame"

static const char *const COVERAGE_BUILTINS =
	"counted in one sampled window of four (per_frame covers those frames); "
	"destructions through the type's tp_dealloc only; creations are not counted (free "
	"lists and inlined constructors skip any probe-able function); from 3.11 most float "
	"frees are made by specialized instructions that skip float's tp_dealloc";
static const char *const COVERAGE_POOLED =
	"by the game's free lists: walks of the collector's lists find lists holding instances "
	"of one class only (2 or more), their lengths read at frame ends between windows; a "
	"class is already pooled when such a list grew and shrank by 4 or more in all and by at "
	"least 4 times what the class's sampled creations and destructions explain (free_list "
	"of the class); pools kept in other containers (deque, dict, set, attributes) or empty "
	"at every walk are not found";

static void json_quant(FILE *f, const char *name, const struct pmt_pool_quant *q, bool mean)
{
	fprintf(f, "\"%s\":{", name);
	if (mean)
		fprintf(f, "\"mean\":%.3f,", q->mean);
	fprintf(f, "\"p50\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}", q->p50, q->p99,
		q->max);
}

static const char *site_name(const struct pmt_pool_run *pr, uint32_t key)
{
	const char *s;

	if (!key)
		return "<native code: no Python frame>";
	if (key == UINT32_MAX)
		return "<stack lost: table full>";
	s = pr->names ? pmt_stacknames_str(pr->names, key) : NULL;
	return s && *s ? s : "<unknown>";
}

static double fraction(const struct pmt_pool_run *pr)
{
	return pr->frames_run ? (double)pr->track.frames_sampled / (double)pr->frames_run : 0;
}

static void json_class(FILE *f, const struct pmt_pool_run *pr, const struct pmt_pool_result *r)
{
	const struct pmt_pool_class *c = &pr->track.cls[r->cls];
	bool builtin = c->flags & PMT_PCF_BUILTIN;
	uint32_t i;

	fputs("{\"name\":", f);
	pmt_json_str(f, c->name ? c->name : "?");
	fprintf(f, ",\"type_address\":\"0x%" PRIx64 "\",\"builtin\":%s,\"gc\":%s,\"instance_bytes\":",
		c->id, builtin ? "true" : "false", (c->flags & PMT_PCF_GC) ? "true" : "false");
	if (c->instance_bytes)
		fprintf(f, "%" PRIu64, c->instance_bytes);
	else
		fputs("null", f);
	if (builtin) {
		fputs(",\"created\":null", f);
	} else {
		fprintf(f, ",\"created\":{\"total\":%" PRIu64 ",", c->created);
		json_quant(f, "per_frame", &r->created, true);
		fputc('}', f);
	}
	fprintf(f, ",\"destroyed\":{\"total\":%" PRIu64 ",\"born_unseen\":", c->destroyed);
	if (builtin)
		fputs("null,", f);
	else
		fprintf(f, "%" PRIu64 ",", c->destroyed_unseen);
	json_quant(f, "per_frame", &r->destroyed, true);
	fputc('}', f);
	if (builtin) {
		fputs(",\"live_at_frame_end\":null,\"lifetimes\":null,\"lifetimes_censored\":null,"
		      "\"lifetimes_unknown\":null,\"kind\":null,\"demand\":null", f);
	} else {
		fputc(',', f);
		json_quant(f, "live_at_frame_end", &r->live, false);
		fputs(",\"lifetimes\":{", f);
		for (i = 0; i < PMT_LIFE_BINS; i++)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
				pmt_pool_life_name((enum pmt_pool_life)i), r->life[i]);
		fprintf(f, "},\"lifetimes_censored\":%" PRIu64 ",\"lifetimes_unknown\":%" PRIu64
			",\"kind\":", c->censored, c->life_unknown);
		pmt_json_str(f, pmt_pool_kind_name(r->kind));
		fputc(',', f);
		json_quant(f, "demand", &r->demand, false);
	}
	fprintf(f, ",\"gen0_weight\":%.3f,\"gen0_weight_measured\":%s,\"gen0_windows\":%" PRIu64
		",\"gen0_windows_skipped\":%" PRIu64, r->weight, r->weight_measured ? "true" : "false",
		c->gen0_windows, c->gen0_skipped);
	fprintf(f, ",\"pool\":{\"recommended\":%s,\"size\":", r->recommended ? "true" : "false");
	if (r->pool_size)
		fprintf(f, "%" PRIu64, r->pool_size);
	else
		fputs("null", f);
	fputs(",\"reason\":", f);
	if (r->reason)
		pmt_json_str(f, r->reason);
	else
		fputs("null", f);
	fprintf(f, ",\"allocs_avoided_per_s\":%.1f,\"frees_avoided_per_s\":%.1f,"
		"\"bytes_churned_per_s\":%.0f,\"gen0_collections_avoided_per_s\":%.4f,"
		"\"gen0_collections_per_s\":%.4f,\"time_saved_us_per_s\":%.1f}",
		r->sav.allocs_per_s, r->sav.frees_per_s, r->sav.bytes_per_s, r->sav.gen0_per_s,
		r->sav.gen0_seen_per_s, r->sav.time_ns_per_s / 1e3);
	fputs(",\"free_list\":", f);
	if (c->freelist.readings) {
		const struct pmt_pool_freelist *fl = &c->freelist;

		fprintf(f, "{\"lists\":%u,\"readings\":%" PRIu64 ",\"frames\":[%" PRIu64 ",%" PRIu64
			"],\"length\":{\"min\":%" PRIu64 ",\"max\":%" PRIu64 ",\"last\":%" PRIu64
			"},\"moved\":%" PRIu64 ",\"rises\":%" PRIu64 ",\"falls\":%" PRIu64
			",\"reuse\":%s}", c->freelists, fl->readings, fl->first_frame, fl->last_frame,
			fl->len_min, fl->len_max, fl->len_last, fl->moved, fl->rises, fl->falls,
			r->reuse_freelist ? "true" : "false");
	} else {
		fputs("null", f);
	}
	fputs(",\"sites\":[", f);
	for (i = 0; i < r->n_top_sites; i++) {
		const struct pmt_pool_site *s = &c->sites[r->top_sites[i]];

		fputs(i ? ",{\"site\":" : "{\"site\":", f);
		pmt_json_str(f, site_name(pr, s->key));
		fprintf(f, ",\"creations\":%" PRIu64 "}", s->n);
	}
	fprintf(f, "],\"sites_other\":%" PRIu64 "}", c->sites_other);
}

static void json_probe(FILE *f, const char *name, const struct pmt_pool_probe *p, uint64_t fn)
{
	fprintf(f, "\"%s\":{\"address\":\"0x%" PRIx64 "\",\"offset\":%" PRIu64 ",\"instruction\":",
		name, fn, p->off);
	pmt_json_str(f, pmt_insn_name(p->insn));
	fputc('}', f);
}

void pmt_json_pools(FILE *f, const struct pmt_pools_view *v)
{
	const struct pmt_pool_run *pr = v->pr;
	const struct pmt_pool_track *t = &pr->track;
	const struct pmt_pool_plan *p = pr->plan;
	size_t i, listed = 0, max = v->final ? CLASSES_FINAL : CLASSES_REPORT;
	bool any = false;

	fprintf(f, "{\"type\":\"pools\",\"schema_version\":%d,\"scope\":\"%s\",\"enabled\":%s,"
		"\"off_reason\":", PMT_SCHEMA_VERSION, v->final ? "final" : "report",
		pr->plan_ok || t->windows_done ? "true" : "false");
	if (pr->plan_ok)
		fputs("null", f);
	else
		pmt_json_str(f, pr->why);
	fprintf(f, ",\"sampling\":{\"window_frames\":%" PRIu64 ",\"every\":%" PRIu64
		",\"governed_every\":%" PRIu64 ",\"windows\":%" PRIu64 ",\"partial_windows\":%" PRIu64
		",\"frames_sampled\":%" PRIu64 ",\"frames_run\":%" PRIu64 ",\"fraction\":%.4f"
		",\"seconds_sampled\":%.3f,\"in_window\":%s,\"discovery_frames\":%" PRIu64
		",\"cost_ns\":%.0f,\"overhead_pct\":%.3f,\"max_overhead_pct\":%.2f,\"ranges\":[",
		pr->window_frames, pr->sched.every, pr->sched.eff_every, t->windows_done,
		t->windows_partial, t->frames_sampled, pr->frames_run, fraction(pr), t->seconds,
		pr->attached && !pr->discovering ? "true" : "false", pr->discovery_frames,
		pr->cost_ns, pmt_trace_sched_overhead(&pr->sched), pr->sched.max_overhead);
	for (i = 0; i < pr->nranges; i++)
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", pr->ranges[i][0],
			pr->ranges[i][1]);
	fprintf(f, "],\"ranges_more\":%" PRIu64 "}", pr->ranges_more);
	fprintf(f, ",\"gc\":{\"threshold\":%d,\"enabled\":%s,\"collections_in_sampled_frames\":%"
		PRIu64 ",\"collections_seen\":%.3f,\"collections_replayed\":%.3f,\"windows_replayed\":%"
		PRIu64 ",\"windows_not_replayed\":%" PRIu64 ",\"ns_per_collection\":",
		t->threshold, t->gc_enabled ? "true" : "false", pr->coll_sampled, t->gen0_seen,
		t->gen0_replayed, t->gen0_windows, t->gen0_unreplayed);
	if (pr->gc_count > 0)
		fprintf(f, "%.0f}", pr->gc_ns / pr->gc_count);
	else
		fputs("null}", f);
	fprintf(f, ",\"coverage\":{\"creations\":\"PyType_GenericAlloc (Python classes, and "
		"extension types that allocate through it)\",\"destructions\":\"subtype_dealloc "
		"(Python classes) and the tp_dealloc of watched extension types\",\"events_lost\":%"
		PRIu64 ",\"readings_missing\":%" PRIu64 ",\"lives_not_kept\":%" PRIu64
		",\"lives_followed\":%zu,\"follow_checks\":%" PRIu64 ",\"teardown_events\":%" PRIu64
		",\"types_watched\":%" PRIu64
		",\"types_not_watched\":%" PRIu64 ",\"types_no_probe_slot\":%" PRIu64
		",\"types_unreadable\":%" PRIu64 ",\"types_table_full\":%" PRIu64 ",\"builtins\":",
		pr->st.lost + pr->pend_lost, t->readings_missing, t->lives_not_kept, t->nfollow, pr->follow_checks,
		pr->teardown_events, pr->types_tracked, pr->types_ignored, pr->types_no_slot, pr->type_errors,
		pr->st.types_full);
	pmt_json_str(f, COVERAGE_BUILTINS);
	fputs(",\"already_pooled\":", f);
	pmt_json_str(f, COVERAGE_POOLED);
	fprintf(f, ",\"free_lists\":{\"walks\":%" PRIu64 ",\"walks_failed\":%" PRIu64
		",\"walks_partial\":%" PRIu64 ",\"walk_error\":", pr->fl.walks, pr->fl.walks_failed,
		pr->fl.walks_partial);
	if (pr->fl.err)
		pmt_json_str(f, strerror(-pr->fl.err));
	else
		fputs("null", f);
	fprintf(f, ",\"objects_last_walk\":%" PRIu64 ",\"lists_last_walk\":%" PRIu64
		",\"one_class_lists_last_walk\":%" PRIu64 ",\"walk_ms_last\":%.1f,\"walk_ms_total\":%.1f"
		",\"lists_followed\":%zu,\"lists_dropped\":%" PRIu64 ",\"lists_restarted\":%" PRIu64
		",\"readings\":%" PRIu64 "}}",
		pr->fl.objects_last, pr->fl.lists_last, pr->fl.candidates_last, pr->fl.walk_ms_last,
		pr->fl.walk_ms_total, pr->fl.n, pr->fl.dropped, pr->fl.restarts, pr->fl.readings);
	fputs(",\"probes\":", f);
	if (p) {
		fputc('{', f);
		json_probe(f, "alloc", &p->alloc, p->alloc_fn);
		fputs(",\"subtype_dealloc\":", f);
		if (p->subtype_dealloc) {
			fprintf(f, "{\"address\":\"0x%" PRIx64 "\",\"instruction\":", p->subtype_dealloc);
			pmt_json_str(f, pmt_insn_name(p->dealloc[0].insn));
			fputs(",\"how\":", f);
			pmt_json_str(f, p->subtype_how);
			fprintf(f, ",\"symbol_agrees\":%s}",
				pr->subtype_checked ? (pr->subtype_matches ? "true" : "false") : "null");
		} else {
			fputs("null", f);
		}
		fprintf(f, ",\"watched_deallocs\":%d,\"builtins\":[", p->ndealloc - 1);
		for (i = 0; i < PMT_POOL_BUILTINS; i++)
			if (p->builtin_ok[i]) {
				fprintf(f, "%s", any ? "," : "");
				pmt_json_str(f, pmt_pool_builtin_names[i]);
				any = true;
			}
		fprintf(f, "],\"single_stepped\":%u,\"hits\":%" PRIu64 ",\"prog_ns\":%" PRIu64 "}",
			p->n_expensive, pr->st.hits, pr->st.prog_ns);
	} else {
		fputs("null", f);
	}
	fputs(",\"rule\":", f);
	pmt_json_str(f, RULE);
	fputs(",\"classes\":[", f);
	for (i = 0; i < pr->nres && listed < max; i++) {
		const struct pmt_pool_result *r = &pr->res[i];

		if (!r->churn && !(pr->track.cls[r->cls].flags & PMT_PCF_BUILTIN) &&
		    r->kind != PMT_POOL_ALREADY_POOLED)
			continue;
		if (listed++)
			fputc(',', f);
		json_class(f, pr, r);
	}
	fprintf(f, "],\"classes_more\":%zu,\"ranking\":[", pr->nres > listed ? pr->nres - listed : 0);
	for (i = 0; i < pr->nrec; i++) {
		const struct pmt_pool_result *r = &pr->res[i];

		fprintf(f, "%s{\"rank\":%zu,\"class\":", i ? "," : "", i + 1);
		pmt_json_str(f, t->cls[r->cls].name ? t->cls[r->cls].name : "?");
		fprintf(f, ",\"kind\":\"%s\",\"pool_size\":%" PRIu64 ",\"allocs_avoided_per_s\":%.1f,"
			"\"bytes_churned_per_s\":%.0f,\"gen0_collections_avoided_per_s\":%.4f,"
			"\"time_saved_us_per_s\":%.1f}", pmt_pool_kind_name(r->kind), r->pool_size,
			r->sav.allocs_per_s, r->sav.bytes_per_s, r->sav.gen0_per_s,
			r->sav.time_ns_per_s / 1e3);
	}
	fputs("]}\n", f);
	fflush(f);
}

/* A class name fit for a text column: control characters shown as '?'. */
static const char *text_name(char *buf, size_t len, const char *s)
{
	size_t i;

	snprintf(buf, len, "%s", s ? s : "?");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

void pmt_text_pools(FILE *f, const struct pmt_pools_view *v)
{
	const struct pmt_pool_run *pr = v->pr;
	const struct pmt_pool_track *t = &pr->track;
	char name[40], bytes[32], site[96];
	size_t i, shown = 0;
	double gen0_s = t->seconds > 0 ? t->gen0_seen / t->seconds : 0;

	if (!pr->plan_ok && !t->windows_done) {
		fprintf(f, "pools: off (%s)\n", pr->why);
		return;
	}
	fprintf(f, "pools%s: %" PRIu64 " window%s of %" PRIu64 " frames (%" PRIu64 " of %" PRIu64
		" frames, %.1f %%%s), %u classes; young collections %.2f/s (threshold %d%s)\n",
		v->final ? " (final)" : "", t->windows_done, t->windows_done == 1 ? "" : "s",
		pr->window_frames, t->frames_sampled, pr->frames_run, 100 * fraction(pr),
		t->windows_partial ? ", a partial window" : "", t->ncls, gen0_s, t->threshold,
		t->gc_enabled ? "" : ", collector disabled");
	if (pr->nrec) {
		fprintf(f, "  %-4s %-30s %6s %9s %7s %10s  %s\n", "rank", "pool this class", "size",
			"allocs/s", "coll/s", "churn/s", "where most are made");
		for (i = 0; i < pr->nrec && i < v->top_n; i++) {
			const struct pmt_pool_result *r = &pr->res[i];
			const struct pmt_pool_class *c = &t->cls[r->cls];

			pmt_fmt_bytes(bytes, sizeof(bytes), r->sav.bytes_per_s, 0);
			fprintf(f, "  %-4zu %-30.30s %6" PRIu64 " %9.0f %7.2f %10s  %s\n", i + 1,
				text_name(name, sizeof(name), c->name), r->pool_size, r->sav.allocs_per_s,
				r->sav.gen0_per_s, bytes,
				r->n_top_sites ? pmt_short_frame(site, sizeof(site),
								 site_name(pr, c->sites[r->top_sites[0]].key)) :
						 "-");
		}
	} else {
		fputs("  no class to pool yet\n", f);
	}
	fprintf(f, "  %-30s %-12s %15s %8s %15s  %s\n", "class", "kind", "made/f mean/max",
		"freed/f", "live p50/p99/max", "lives 0|1|2-3|4-15|16-255|>|alive");
	for (i = 0; i < pr->nres && shown < v->top_n; i++) {
		const struct pmt_pool_result *r = &pr->res[i];
		const struct pmt_pool_class *c = &t->cls[r->cls];
		char made[24], live[32];

		if (!r->churn && r->kind != PMT_POOL_ALREADY_POOLED)
			continue;
		shown++;
		if (c->flags & PMT_PCF_BUILTIN) {
			fprintf(f, "  %-30.30s %-12s %15s %8.0f %15s  %s\n",
				text_name(name, sizeof(name), c->name), "built-in", "-",
				r->destroyed.mean, "-", "destructions only");
			continue;
		}
		snprintf(made, sizeof(made), "%.1f/%" PRIu64, r->created.mean, r->created.max);
		snprintf(live, sizeof(live), "%" PRIu64 "/%" PRIu64 "/%" PRIu64, r->live.p50,
			 r->live.p99, r->live.max);
		fprintf(f, "  %-30.30s %-12s %15s %8.1f %15s  %" PRIu64 "|%" PRIu64 "|%" PRIu64
			"|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "\n",
			text_name(name, sizeof(name), c->name), pmt_pool_kind_name(r->kind), made,
			r->destroyed.mean, live, r->life[0], r->life[1], r->life[2], r->life[3],
			r->life[4], r->life[5], r->life[6]);
	}
	for (i = 0; i < pr->nres; i++) {
		const struct pmt_pool_result *r = &pr->res[i];
		const struct pmt_pool_class *c = &t->cls[r->cls];

		if (!r->reuse_freelist)
			continue;
		fprintf(f, "  already pooled: %s (a list of %" PRIu64 "-%" PRIu64 " of its instances "
			"grew and shrank by %" PRIu64 " over frames %" PRIu64 "-%" PRIu64 "; %" PRIu64
			" made in sampled frames)\n", text_name(name, sizeof(name), c->name),
			c->freelist.len_min, c->freelist.len_max, c->freelist.moved,
			c->freelist.first_frame, c->freelist.last_frame, c->created);
	}
	if (pr->st.lost)
		fprintf(f, "  %" PRIu64 " records lost to a full ring buffer: counts are short\n",
			pr->st.lost);
}
