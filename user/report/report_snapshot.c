// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_snapshot.c - heap snapshots as text (under 100 columns: the
 * largest types, what grew and who holds it, survivors, the assets alive
 * with their holders and files, reference cycles) and as a
 * {"type":"snapshot"} record (docs/json.md).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define TEXT_TYPES 15

static const char *name_of(const struct pmt_snapshot *s, uint32_t id)
{
	const char *n = pmt_strtab_get(s->names, id);

	return n ? n : "?";
}

/* The end of a long string: its tail matters most. */
static const char *tail(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > max ? s + n - max : s;
}

static void signed_count(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%+" PRId64, v);
}

void pmt_text_snapshot(FILE *f, const struct pmt_snapshot *s, size_t top, long long frame)
{
	char b1[32], b2[32], b3[32], c1[32], c2[32];
	size_t i, shown = 0;

	fprintf(f, "heap snapshot #%" PRIu64 " (%s", s->seq, s->trigger);
	if (frame >= 0)
		fprintf(f, ", frame %lld", frame);
	fputc(')', f);
	fprintf(f, ": %" PRIu64 " objects, %s (%" PRIu64 " tracked, %" PRIu64 " untracked), "
		"%" PRIu64 " types\n", s->objects, pmt_fmt_bytes(b1, sizeof(b1), (double)s->bytes, 0),
		s->tracked, s->untracked, s->types);
	fprintf(f, "  read in %.1f ms (%.1f ms of CPU), game not paused; %s copied, %" PRIu64
		" reads skipped%s%s\n", s->duration_ns / 1e6, s->cpu_ns / 1e6,
		pmt_fmt_bytes(b1, sizeof(b1), (double)s->copied_bytes, 0), s->bad_reads,
		s->partial ? "; PARTIAL: " : "", s->partial ? s->partial_why : "");
	fprintf(f, "  %-44s %10s %10s", "type", "objects", "bytes");
	if (s->has_prev)
		fprintf(f, " %9s %10s", "since prev", "(bytes)");
	fputc('\n', f);
	for (i = 0; i < s->ndeltas && shown < TEXT_TYPES; i++) {
		const struct pmt_heapdelta *d = &s->deltas[i];

		if (!d->count)
			continue;
		shown++;
		fprintf(f, "  %-44.44s %10" PRIu64 " %10s", tail(name_of(s, d->name), 44), d->count,
			pmt_fmt_bytes(b1, sizeof(b1), (double)d->bytes, 0));
		if (s->has_prev) {
			signed_count(c1, sizeof(c1), d->dcount_prev);
			fprintf(f, " %9s %10s", c1,
				pmt_fmt_bytes(b2, sizeof(b2), (double)d->dbytes_prev, 1));
		}
		fputc('\n', f);
	}
	if (s->has_prev) {
		if (!s->ngrowth)
			fprintf(f, "  grew since the previous snapshot: nothing\n");
		for (i = 0; i < s->ngrowth; i++) {
			const struct pmt_snap_growth *g = &s->growth[i];

			signed_count(c1, sizeof(c1), g->d.dcount_prev);
			signed_count(c2, sizeof(c2), g->d.dcount_first);
			fprintf(f, "  grew: %s %s (%s) since previous, %s (%s) since first",
				tail(g->name, 40), c1,
				pmt_fmt_bytes(b1, sizeof(b1), (double)g->d.dbytes_prev, 1), c2,
				pmt_fmt_bytes(b2, sizeof(b2), (double)g->d.dbytes_first, 1));
			if (g->d.streak > 1)
				fprintf(f, ", %u snapshots in a row", g->d.streak);
			fputc('\n', f);
			if (s->survivors_known)
				fprintf(f, "        %" PRIu64 " (%s) of those new at the previous "
					"snapshot survived\n", g->d.surv_count,
					pmt_fmt_bytes(b3, sizeof(b3), (double)g->d.surv_bytes, 0));
			for (size_t k = 0; k < g->nholders; k++)
				fprintf(f, "        held by %s: %" PRIu64 " (%s)\n",
					tail(g->holders[k].path, 70), g->holders[k].count,
					pmt_fmt_bytes(b1, sizeof(b1), (double)g->holders[k].bytes, 0));
		}
	}
	if (s->nassets) {
		fprintf(f, "  assets in the heap: %zu, %s\n", s->nassets,
			pmt_fmt_bytes(b1, sizeof(b1), (double)s->asset_bytes, 0));
		for (i = 0; i < s->nassets && i < top; i++) {
			const struct pmt_snap_asset *a = &s->assets[i];

			char dims[32] = "-";

			if (a->a.width || a->a.height)
				snprintf(dims, sizeof(dims), "%ux%u", a->a.width, a->a.height);
			fprintf(f, "    %-7s %11s %10s  %s%s\n", pmt_asset_type_name(a->a.type), dims,
				pmt_fmt_bytes(b1, sizeof(b1), (double)a->a.bytes, 0),
				a->file[0] ? tail(a->file, 60) : a->type_name,
				a->cyclic ? "  (held only by a reference cycle)" : "");
			if (a->holder[0])
				fprintf(f, "            held by %s\n", tail(a->holder, 80));
		}
	}
	if (s->cycles_analysed && s->cyclic_objects) {
		fprintf(f, "  kept alive only by reference cycles: %" PRIu64 " objects, %s\n",
			s->cyclic_objects, pmt_fmt_bytes(b1, sizeof(b1), (double)s->cyclic_bytes, 0));
		for (i = 0; i < s->ncycles; i++) {
			const struct pmt_snap_cycle *c = &s->cycles[i];

			if (c->count > 1)
				fprintf(f, "    %" PRIu64 " cycles, %" PRIu64 " objects (%s)", c->count,
					c->objects, pmt_fmt_bytes(b1, sizeof(b1), (double)c->bytes, 0));
			else
				fprintf(f, "    %" PRIu64 " objects (%s)", c->objects,
					pmt_fmt_bytes(b1, sizeof(b1), (double)c->bytes, 0));
			if (c->assets)
				fprintf(f, ", %" PRIu64 " assets (%s)", c->assets,
					pmt_fmt_bytes(b2, sizeof(b2), (double)c->asset_bytes, 0));
			fprintf(f, ":\n      %s\n", c->cycle);
		}
	}
	fflush(f);
}

static void delta_members(FILE *f, const struct pmt_snapshot *s, const struct pmt_heapdelta *d)
{
	fprintf(f, "\"count\":%" PRIu64 ",\"bytes\":%" PRIu64, d->count, d->bytes);
	if (s->has_prev)
		fprintf(f, ",\"count_delta\":%" PRId64 ",\"bytes_delta\":%" PRId64
			",\"count_since_first\":%" PRId64 ",\"bytes_since_first\":%" PRId64
			",\"grew_streak\":%u", d->dcount_prev, d->dbytes_prev, d->dcount_first,
			d->dbytes_first, d->streak);
	if (s->survivors_known)
		fprintf(f, ",\"survivors\":%" PRIu64 ",\"survivor_bytes\":%" PRIu64, d->surv_count,
			d->surv_bytes);
}

static void json_str_or_null(FILE *f, const char *s)
{
	if (s && *s)
		pmt_json_str(f, s);
	else
		fputs("null", f);
}

void pmt_json_snapshot(FILE *f, const struct pmt_snapshot *s, long long frame)
{
	size_t i;
	int first = 1;

	fprintf(f, "{\"type\":\"snapshot\",\"schema_version\":%d,\"seq\":%" PRIu64 ",\"trigger\":",
		PMT_SCHEMA_VERSION, s->seq);
	pmt_json_str(f, s->trigger);
	if (frame >= 0)
		fprintf(f, ",\"frame\":%lld", frame);
	else
		fputs(",\"frame\":null", f);
	fprintf(f, ",\"ts_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu64 ",\"walk_ns\":%" PRIu64
		",\"cpu_ns\":%" PRIu64 ",\"paused_ns\":0,\"partial\":%s,\"partial_reason\":",
		s->ts_ns, s->duration_ns, s->walk_ns, s->cpu_ns, s->partial ? "true" : "false");
	json_str_or_null(f, s->partial_why);
	fprintf(f, ",\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"tracked\":%" PRIu64
		",\"untracked\":%" PRIu64 ",\"type_count\":%" PRIu64 ",\"reads\":{\"copied_bytes\":%"
		PRIu64 ",\"syscalls\":%" PRIu64 ",\"skipped\":%" PRIu64 ",\"list_breaks\":%" PRIu64
		",\"gc_waits\":%" PRIu64 "},\"tool_bytes\":%" PRIu64 ",\"roots\":{\"modules\":%" PRIu64
		",\"frames\":%" PRIu64 "},\"has_previous\":%s,\"survivors_known\":%s,\"types\":[",
		s->objects, s->bytes, s->tracked, s->untracked, s->types, s->copied_bytes, s->reads,
		s->bad_reads, s->list_breaks, s->gc_waits, s->tool_bytes, s->roots_modules,
		s->roots_frames, s->has_prev ? "true" : "false", s->survivors_known ? "true" : "false");
	for (i = 0; i < s->ndeltas; i++) {
		const struct pmt_heapdelta *d = &s->deltas[i];

		if (!d->count && !d->dcount_prev)
			continue;
		fprintf(f, "%s{\"name\":", first ? "" : ",");
		first = 0;
		pmt_json_str(f, name_of(s, d->name));
		fputc(',', f);
		delta_members(f, s, d);
		fputc('}', f);
	}
	fputs("],\"growth\":", f);
	if (!s->has_prev) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (i = 0; i < s->ngrowth; i++) {
			const struct pmt_snap_growth *g = &s->growth[i];

			fprintf(f, "%s{\"name\":", i ? "," : "");
			pmt_json_str(f, g->name);
			fputc(',', f);
			delta_members(f, s, &g->d);
			fputs(",\"holders\":[", f);
			for (size_t k = 0; k < g->nholders; k++) {
				fprintf(f, "%s{\"path\":", k ? "," : "");
				pmt_json_str(f, g->holders[k].path);
				fprintf(f, ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
					g->holders[k].count, g->holders[k].bytes);
			}
			fputs("]}", f);
		}
		fputc(']', f);
	}
	fprintf(f, ",\"asset_bytes\":%" PRIu64 ",\"assets\":[", s->asset_bytes);
	for (i = 0; i < s->nassets; i++) {
		const struct pmt_snap_asset *a = &s->assets[i];

		fprintf(f, "%s{\"key\":\"0x%" PRIx64 "\",\"type\":", i ? "," : "", a->a.key);
		pmt_json_str(f, pmt_asset_type_name(a->a.type));
		fputs(",\"engine\":", f);
		json_str_or_null(f, a->engine);
		fputs(",\"class\":", f);
		pmt_json_str(f, a->type_name);
		fprintf(f, ",\"object\":\"0x%" PRIx64 "\",\"bytes\":%" PRIu64 ",\"width\":%u,"
			"\"height\":%u,\"file\":", a->obj, a->a.bytes, a->a.width, a->a.height);
		json_str_or_null(f, a->file);
		fputs(",\"file_source\":", f);
		json_str_or_null(f, a->file_source);
		fputs(",\"holder\":", f);
		json_str_or_null(f, a->holder);
		fputs(",\"family\":", f);
		json_str_or_null(f, a->family);
		fprintf(f, ",\"cyclic\":%s,\"loaded_before_attach\":%s}", a->cyclic ? "true" : "false",
			a->stored ? "true" : "false");
	}
	fputs("],\"cycles\":", f);
	if (!s->cycles_analysed) {
		fputs("null", f);
	} else {
		fprintf(f, "{\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"list\":[",
			s->cyclic_objects, s->cyclic_bytes);
		for (i = 0; i < s->ncycles; i++) {
			const struct pmt_snap_cycle *c = &s->cycles[i];

			fprintf(f, "%s{\"cycle\":", i ? "," : "");
			pmt_json_str(f, c->cycle);
			fprintf(f, ",\"length\":%" PRIu64 ",\"count\":%" PRIu64 ",\"objects\":%" PRIu64
				",\"bytes\":%" PRIu64 ",\"assets\":%" PRIu64 ",\"asset_bytes\":%" PRIu64 "}",
				c->length, c->count, c->objects, c->bytes, c->assets, c->asset_bytes);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
	fflush(f);
}
