// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_runfile.c - unit tests of the run file reader: every field of a
 * frame record read back, the other record types, the records skipped
 * (unknown type, newer schema, blank line, unfinished last line) and
 * counted, corrupt lines refused with a reason and the run unchanged,
 * the summary recomputed exactly as the live accumulator computes it,
 * the history ring, the Prometheus totals, stacks, and every allocation
 * of the reader failed in turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/runfile.h"
#include "suites.h"

#define MIB (UINT64_C(1) << 20)

/* A frame record as the tool writes it; @extra is spliced before the closing brace. */
static char *frame_line(char *buf, size_t len, unsigned long long index, unsigned long long ts,
			unsigned long long dur, unsigned long long rss, long long delta,
			const char *spike_kind, const char *cause, const char *extra)
{
	snprintf(buf, len,
		 "{\"type\":\"frame\",\"schema_version\":2,\"frame\":%llu,\"ts_ns\":%llu,"
		 "\"duration_ns\":%llu,\"rss_bytes\":%llu,\"rss_anon_bytes\":1,\"rss_file_bytes\":2,"
		 "\"rss_shmem_bytes\":3,\"swap_bytes\":4,\"rss_delta_bytes\":%lld,\"minflt\":5,"
		 "\"majflt\":6,\"fault_time_est_ns\":7,\"sys_ns\":8,\"mapped_bytes\":9,"
		 "\"unmapped_bytes\":10,\"brk_delta_bytes\":-11,\"gc_collections\":[1,0,1],"
		 "\"gc_collected\":12,\"gc_uncollectable\":13,\"python_heap_bytes\":14,\"gc_ns\":15,"
		 "\"partial\":false,\"spike\":%s,\"spike_kind\":%s,\"dropped\":%s,\"cause\":%s,"
		 "\"gc_generation\":2,\"growth_sites\":[]%s}",
		 index, ts, dur, rss, delta, spike_kind ? "true" : "false",
		 spike_kind ? spike_kind : "null", cause ? "true" : "false", cause ? cause : "null",
		 extra ? extra : "");
	return buf;
}

static int feed(struct pmt_run *r, const char *line)
{
	return pmt_run_feed(r, line, strlen(line));
}

static void test_frame_fields(void)
{
	struct pmt_run r;
	char b[2048];
	const struct pmt_frame *f;

	pmt_run_init(&r, NULL);
	frame_line(b, sizeof(b), 7, 1000000000, 16000000, 100 * MIB, -4096, "\"memory+time\"",
		   "\"gc\"", ",\"assets\":{\"surface\":{\"live\":3,\"bytes\":300,\"loads\":1,"
		   "\"frees\":2},\"newtype\":{\"live\":1,\"bytes\":1}}");
	CU_ASSERT_EQUAL_FATAL(feed(&r, b), 0);
	CU_ASSERT_EQUAL_FATAL(r.nframes, 1);
	f = &r.frames[0].f;
	CU_ASSERT_EQUAL(f->index, 7);
	CU_ASSERT_EQUAL(f->ts_ns, 1000000000);
	CU_ASSERT_EQUAL(f->duration_ns, 16000000);
	CU_ASSERT_EQUAL(f->rss_bytes, 100 * MIB);
	CU_ASSERT_EQUAL(f->rss_anon_bytes, 1);
	CU_ASSERT_EQUAL(f->rss_file_bytes, 2);
	CU_ASSERT_EQUAL(f->rss_shmem_bytes, 3);
	CU_ASSERT_EQUAL(f->swap_bytes, 4);
	CU_ASSERT_EQUAL(f->rss_delta_bytes, -4096);
	CU_ASSERT_EQUAL(f->minflt, 5);
	CU_ASSERT_EQUAL(f->majflt, 6);
	CU_ASSERT_EQUAL(f->fault_ns, 7);
	CU_ASSERT_EQUAL(f->sys_ns, 8);
	CU_ASSERT_EQUAL(f->mapped_bytes, 9);
	CU_ASSERT_EQUAL(f->unmapped_bytes, 10);
	CU_ASSERT_EQUAL(f->brk_delta_bytes, -11);
	CU_ASSERT_TRUE(f->gc_known);
	CU_ASSERT_EQUAL(f->gc_collections[0], 1);
	CU_ASSERT_EQUAL(f->gc_collections[1], 0);
	CU_ASSERT_EQUAL(f->gc_collections[2], 1);
	CU_ASSERT_EQUAL(f->gc_collected, 12);
	CU_ASSERT_EQUAL(f->gc_uncollectable, 13);
	CU_ASSERT_TRUE(f->python_heap_known);
	CU_ASSERT_EQUAL(f->python_heap_bytes, 14);
	CU_ASSERT_TRUE(f->gc_timed);
	CU_ASSERT_EQUAL(f->gc_ns, 15);
	CU_ASSERT_FALSE(f->partial);
	CU_ASSERT_TRUE(f->spike);
	CU_ASSERT_EQUAL(f->spike_kind, PMT_SPIKE_MEMORY | PMT_SPIKE_TIME);
	CU_ASSERT_TRUE(f->dropped);
	CU_ASSERT_EQUAL(f->cause, PMT_CAUSE_GC);
	CU_ASSERT_EQUAL(f->gc_generation, 2);
	CU_ASSERT_TRUE(r.frames[0].growth_known);
	CU_ASSERT_EQUAL(r.frames[0].growth_n, 0);
	CU_ASSERT_EQUAL_FATAL(r.frames[0].assets, 0);
	CU_ASSERT_EQUAL(r.asset_samples[0].live[PMT_ASSET_SURFACE], 3);
	CU_ASSERT_EQUAL(r.asset_samples[0].bytes[PMT_ASSET_SURFACE], 300);
	CU_ASSERT_EQUAL(r.asset_samples[0].loads[PMT_ASSET_SURFACE], 1);
	CU_ASSERT_EQUAL(r.asset_samples[0].frees[PMT_ASSET_SURFACE], 2);
	CU_ASSERT_EQUAL(r.frames[0].trace, PMT_RUN_NONE);
	pmt_run_free(&r);
}

/* Nulls where the tool writes them: GC not located, heap not read, growth off. */
static void test_frame_nulls(void)
{
	static const char line[] =
		"{\"type\":\"frame\",\"schema_version\":2,\"frame\":0,\"ts_ns\":5,\"duration_ns\":5,"
		"\"rss_bytes\":4096,\"rss_delta_bytes\":0,\"minflt\":0,\"majflt\":0,"
		"\"mapped_bytes\":0,\"unmapped_bytes\":0,\"brk_delta_bytes\":0,"
		"\"gc_collections\":null,\"gc_collected\":null,\"gc_uncollectable\":null,"
		"\"python_heap_bytes\":null,\"gc_ns\":null,\"partial\":true,\"spike\":false,"
		"\"spike_kind\":null,\"dropped\":false,\"cause\":\"solar_flare\",\"gc_generation\":null,"
		"\"growth_sites\":null,\"assets\":null,\"traced\":true}";
	struct pmt_run r;
	const struct pmt_frame *f;

	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL_FATAL(feed(&r, line), 0);
	f = &r.frames[0].f;
	CU_ASSERT_FALSE(f->gc_known);
	CU_ASSERT_FALSE(f->python_heap_known);
	CU_ASSERT_FALSE(f->gc_timed);
	CU_ASSERT_TRUE(f->partial);
	CU_ASSERT_EQUAL(f->gc_generation, -1);
	CU_ASSERT_EQUAL(f->cause, PMT_CAUSE_NONE); /* a cause newer than the reader */
	CU_ASSERT_FALSE(r.frames[0].growth_known);
	CU_ASSERT_EQUAL(r.frames[0].assets, PMT_RUN_NONE);
	CU_ASSERT_FALSE(r.totals.gc_known);
	CU_ASSERT_FALSE(r.totals.assets_known);
	pmt_run_free(&r);
}

static void test_growth_and_stacks(void)
{
	struct pmt_run r;
	char b[2048], scratch[256];
	const char *fr[8];
	const struct pmt_run_growth *g;

	pmt_run_init(&r, NULL);
	snprintf(b, sizeof(b),
		 "{\"type\":\"frame\",\"schema_version\":2,\"frame\":3,\"ts_ns\":9,\"duration_ns\":9,"
		 "\"rss_bytes\":8192,\"rss_delta_bytes\":4096,\"minflt\":1,\"majflt\":0,"
		 "\"mapped_bytes\":0,\"unmapped_bytes\":0,\"brk_delta_bytes\":0,\"partial\":false,"
		 "\"spike\":false,\"spike_kind\":null,\"dropped\":false,\"cause\":null,"
		 "\"growth_sites\":[{\"stack\":[\"f (a.py:1)\",\"g (b.py:2)\"],\"faults\":2,"
		 "\"fault_bytes\":8192,\"mapped_bytes\":0,\"partial\":true},{\"stack\":[\"f (a.py:1)\","
		 "\"g (b.py:2)\"],\"faults\":1,\"fault_bytes\":4096,\"mapped_bytes\":65536,"
		 "\"partial\":false}]}");
	CU_ASSERT_EQUAL_FATAL(feed(&r, b), 0);
	CU_ASSERT_EQUAL_FATAL(r.frames[0].growth_n, 2);
	g = &r.growth[r.frames[0].growth_first];
	CU_ASSERT_EQUAL(g[0].faults, 2);
	CU_ASSERT_EQUAL(g[0].fault_bytes, 8192);
	CU_ASSERT_TRUE(g[0].partial);
	CU_ASSERT_EQUAL(g[1].mapped_bytes, 65536);
	CU_ASSERT_EQUAL(g[0].stack, g[1].stack); /* interned once */
	CU_ASSERT_EQUAL_FATAL(pmt_run_stack(&r, g[0].stack, fr, 8, scratch, sizeof(scratch)), 2);
	CU_ASSERT_STRING_EQUAL(fr[0], "f (a.py:1)");
	CU_ASSERT_STRING_EQUAL(fr[1], "g (b.py:2)");
	CU_ASSERT_EQUAL(pmt_run_stack(&r, 999, fr, 8, scratch, sizeof(scratch)), 0);
	pmt_run_free(&r);
}

/* One of each other record type, as the tool writes it (shortened). */
static const char *const records[] = {
	"{\"type\":\"attached\",\"schema_version\":2,\"ts_ns\":1,\"pid\":42,\"mode\":\"launch\","
	"\"backend\":\"bpf\",\"python\":{\"version\":\"3.11.2\",\"build\":\"static\",\"path\":\"/py\"},"
	"\"frame_marker\":{\"library\":\"/lib/SDL\",\"symbol\":\"SDL_UpdateWindowSurface\","
	"\"offset\":123,\"instruction\":\"jcc\"},\"gc_state\":true,\"gc_timing\":\"usdt\","
	"\"executable\":\"/usr/bin/python3.11\",\"cmdline\":\"python3 game.py\",\"frame_tid\":43,"
	"\"options\":{\"max_frame_history\":50,\"top\":3,\"track_use\":true,\"interval\":2.5}}",
	"{\"type\":\"assets\",\"schema_version\":2,\"scope\":\"final\",\"frame\":10,\"live\":2,"
	"\"by_type\":{\"surface\":{\"live\":2,\"bytes\":2048,\"peak_bytes\":4096,\"loads\":3,"
	"\"frees\":1,\"churn_frames\":0,\"churn\":0,\"churn_bytes\":0}},\"top\":[{\"bytes\":1024,"
	"\"type\":\"surface\",\"width\":16,\"height\":16,\"path\":\"/art/a.png\",\"site\":\"load (g.py:1)\","
	"\"loader\":\"IMG_Load_RW\",\"load_frame\":2,\"load_ts_ns\":5,\"age_frames\":8,\"uses\":0,"
	"\"state\":\"loaded\",\"loaded_before_attach\":true,\"use_sites\":null,"
	"\"use_sites_other\":null}],\"leaks\":[{\"site\":\"s\","
	"\"type\":\"text\",\"live\":9,\"live_bytes\":900,\"loads\":9,\"frees\":0,"
	"\"live_history\":[1,4,9]}],\"files\":[],\"duplicates\":[{\"path\":\"/art/a.png\","
	"\"type\":\"surface\",\"copies\":2,\"bytes\":2048,\"wasted_bytes\":1024}],\"orphans\":[],"
	"\"use_sites\":null,\"unknown_frees\":1,\"untracked\":0,\"lost_events\":0,"
	"\"gl_unbound_uploads\":0,\"gl_names_lost\":0}",
	"{\"type\":\"budget_violation\",\"schema_version\":2,\"budget\":\"total\",\"state\":\"exceeded\","
	"\"from\":\"approaching\",\"usage_bytes\":300,\"limit_bytes\":200,\"percent\":150,\"frame\":9,"
	"\"ts_ns\":9,\"eviction_plan\":{\"strategy\":\"lru\",\"status\":\"enough\",\"use_tracking\":false,"
	"\"bytes_needed\":100,\"bytes_freed\":1024,\"usage_after\":0,\"release\":[{\"bytes\":1024,"
	"\"type\":\"surface\",\"path\":null,\"site\":\"\",\"load_frame\":2,\"priority\":-3}]}}",
	"{\"type\":\"budgets\",\"schema_version\":2,\"violations\":1,\"budgets\":[{\"path\":\"total\","
	"\"usage_bytes\":300,\"limit_bytes\":200,\"warn_percent\":90,\"state\":\"exceeded\"}]}",
	"{\"type\":\"platforms\",\"schema_version\":2,\"peak_bytes\":500,\"python_heap_peak_bytes\":0,"
	"\"profiles\":[{\"id\":\"wii\",\"verdict\":\"over\",\"used_bytes\":500,\"available_bytes\":400,"
	"\"over_bytes\":100,\"banks\":[{\"name\":\"MEM1\",\"used_bytes\":500,\"verdict\":\"over\"}]}],"
	"\"platform\":\"wii\",\"platform_name\":\"Nintendo Wii\",\"advice\":[\"cut 100 B\"]}",
	"{\"type\":\"host\",\"schema_version\":2,\"os\":\"Linux\",\"arch\":\"x86_64\",\"kernel\":\"6\","
	"\"total_bytes\":1000,\"available_bytes\":500,\"cgroup_limit_bytes\":null,"
	"\"cgroup_usage_bytes\":null,\"game_rss_bytes\":100,\"game_share\":0.1,\"critical\":false}",
	"{\"type\":\"pools\",\"schema_version\":2,\"pools\":[{\"type\":\"Bullet\",\"size\":64}]}",
	"{\"type\":\"trace_summary\",\"schema_version\":2,\"enabled\":true,\"off_reason\":null,"
	"\"missed\":0,\"frames_traced\":2,\"incomplete\":0,\"allocs\":10,\"alloc_bytes\":100,"
	"\"frees\":5,\"churn\":{\"count\":4,\"bytes\":40},\"cost_ns\":7,\"overhead_pct\":1.234,"
	"\"max_overhead_pct\":5,\"every\":0,\"governed_every\":0,\"spikes_skipped\":0,"
	"\"top_by_bytes\":[{\"stack\":[\"<native code: no Python frame>\"],\"allocs\":3,\"bytes\":30,"
	"\"partial\":false,\"truncated\":false}],\"top_by_count\":[],\"probes\":{\"functions\":8,"
	"\"inlined_copies\":5,\"inlined_size_unknown\":0,\"single_stepped\":0},"
	"\"coverage\":{\"at_inlined_copies\":6,\"size_unknown\":1}}",
	"{\"type\":\"final\",\"schema_version\":2,\"frames\":1,\"lost_events\":3,\"lost_frames\":0,"
	"\"exit_reason\":\"target_exited\",\"target_exit_code\":0,\"growth_sites\":[{\"stack\":"
	"[\"f (a.py:1)\"],\"faults\":1,\"fault_bytes\":4096,\"mapped_bytes\":0,\"frames\":1,"
	"\"partial\":false}],\"growth_dropped\":0,\"growth_unresolved\":0,\"summary\":{\"interval\":"
	"{\"first_frame\":0,\"frames\":1,\"seconds\":0.016},\"frames\":1,\"fps\":60,\"frame_time_ns\":"
	"{\"mean\":1,\"p50\":1,\"p95\":1,\"p99\":1,\"max\":1},\"rss_bytes\":1,\"rss_peak_bytes\":1,"
	"\"rss_growth_bytes\":0,\"growth_per_frame_bytes\":0.0,\"gc_collections\":[1,2,3],"
	"\"gc_collected\":0,\"gc_ns\":0,\"minflt\":0,\"majflt\":0,\"mapped_bytes\":0,"
	"\"unmapped_bytes\":0,\"brk_bytes\":0,\"spikes\":0,\"dropped\":0,\"causes\":{\"gc\":0,"
	"\"page_faults\":0,\"heap_growth\":0,\"none\":0},\"lost_events\":3,\"spike_frames\":[],"
	"\"drops\":[]}}",
};

static void test_records(void)
{
	struct pmt_run r;
	size_t i;

	pmt_run_init(&r, NULL);
	for (i = 0; i < PMT_ARRAY_SIZE(records); i++) {
		int rc = feed(&r, records[i]);

		if (rc)
			fprintf(stderr, "record %zu: %s\n", i, r.err);
		CU_ASSERT_EQUAL(rc, 0);
	}
	CU_ASSERT_TRUE(r.attached.present);
	CU_ASSERT_EQUAL(r.attached.pid, 42);
	CU_ASSERT_STRING_EQUAL(r.attached.marker_symbol, "SDL_UpdateWindowSurface");
	CU_ASSERT_STRING_EQUAL(r.attached.cmdline, "python3 game.py");
	CU_ASSERT_EQUAL(r.attached.frame_tid, 43);
	CU_ASSERT_EQUAL(r.attached.history, 50);
	CU_ASSERT_EQUAL(r.attached.top_n, 3);
	CU_ASSERT_TRUE(r.attached.track_use);
	CU_ASSERT_DOUBLE_EQUAL(r.attached.interval_s, 2.5, 1e-12);
	CU_ASSERT_TRUE(r.assets.present && r.assets.final);
	CU_ASSERT_EQUAL(r.assets.by_type[PMT_ASSET_SURFACE].peak_bytes, 4096);
	CU_ASSERT_EQUAL_FATAL(r.assets.ntop, 1);
	CU_ASSERT_STRING_EQUAL(r.assets.top[0].path, "/art/a.png");
	CU_ASSERT_EQUAL(r.assets.top[0].width, 16);
	CU_ASSERT_TRUE(r.assets.top[0].before_attach);
	CU_ASSERT_EQUAL_FATAL(r.assets.nleaks, 1);
	CU_ASSERT_EQUAL(r.assets.leaks[0].history_len, 3);
	CU_ASSERT_EQUAL(r.assets.leaks[0].history[2], 9);
	CU_ASSERT_EQUAL(r.assets.leaks[0].type, PMT_ASSET_TEXT);
	CU_ASSERT_EQUAL(r.assets.ndups, 1);
	CU_ASSERT_TRUE(r.assets.has_orphans);
	CU_ASSERT_FALSE(r.assets.has_use_sites);
	CU_ASSERT_EQUAL(r.npoints, 1);
	CU_ASSERT_EQUAL_FATAL(r.nalerts, 1);
	CU_ASSERT_TRUE(r.alerts[0].has_plan);
	CU_ASSERT_FALSE(r.alerts[0].use_tracking);
	CU_ASSERT_EQUAL_FATAL(r.alerts[0].nrelease, 1);
	CU_ASSERT_PTR_NULL(r.alerts[0].release[0].path);
	CU_ASSERT_EQUAL(r.alerts[0].release[0].priority, -3);
	CU_ASSERT_EQUAL_FATAL(r.nbudgets, 1);
	CU_ASSERT_EQUAL(r.budgets[0].v[0].warn_pct, 90);
	CU_ASSERT_EQUAL(r.totals.nbudgets, 1);
	CU_ASSERT_EQUAL(r.totals.budgets[0].state, 2);
	CU_ASSERT_EQUAL(r.totals.budget_violations, 1);
	CU_ASSERT_TRUE(r.platforms.present);
	CU_ASSERT_EQUAL(r.platforms.profiles[0].over, 100);
	CU_ASSERT_EQUAL(r.platforms.profiles[0].recommended, UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(r.platforms.platform_name, "Nintendo Wii");
	CU_ASSERT_EQUAL(r.platforms.nadvice, 1);
	CU_ASSERT_TRUE(r.host.present);
	CU_ASSERT_EQUAL(r.host.cgroup_limit, 0);
	CU_ASSERT_EQUAL_FATAL(r.ngeneric, 1);
	CU_ASSERT_STRING_EQUAL(r.generic[0].type, "pools");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.generic[0].json, "Bullet"));
	CU_ASSERT_TRUE(r.trace_summary.present);
	CU_ASSERT_TRUE(r.trace_summary.has_coverage);
	CU_ASSERT_EQUAL(r.trace_summary.at_inlined_copies, 6);
	CU_ASSERT_DOUBLE_EQUAL(r.trace_summary.overhead_pct, 1.234, 1e-12);
	CU_ASSERT_EQUAL(r.trace_summary.ntop_bytes, 1);
	CU_ASSERT_TRUE(r.final.present);
	CU_ASSERT_EQUAL(r.final.lost_events, 3);
	CU_ASSERT_EQUAL(r.final.target_exit_code, 0);
	CU_ASSERT_EQUAL(r.final.growth_n, 1);
	CU_ASSERT_EQUAL(r.final.summary.gc_collections[2], 3);
	CU_ASSERT_EQUAL(r.final.summary.span_ns, 16000000); /* from seconds when span_ns is absent */
	CU_ASSERT_TRUE(r.totals.ended);
	CU_ASSERT_EQUAL(r.totals.lost_events, 3);
	CU_ASSERT_EQUAL(r.skipped_unknown, 0);
	pmt_run_free(&r);
}

static void test_skipped(void)
{
	struct pmt_run r;

	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"telemetry\",\"schema_version\":2,\"x\":1}"), 1);
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"telemetry\",\"schema_version\":2}"), 1);
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"other\",\"schema_version\":1}"), 1);
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"frame\",\"schema_version\":3,\"frame\":\"new\"}"), 1);
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"frame\",\"schema_version\":7}"), 1);
	CU_ASSERT_EQUAL(feed(&r, "   "), 1);
	CU_ASSERT_EQUAL(feed(&r, ""), 1);
	CU_ASSERT_EQUAL(r.skipped_unknown, 3);
	CU_ASSERT_EQUAL(r.nunknown_types, 2);
	CU_ASSERT_STRING_EQUAL(r.unknown_types[0], "telemetry");
	CU_ASSERT_STRING_EQUAL(r.unknown_types[1], "other");
	CU_ASSERT_EQUAL(r.skipped_newer, 2);
	CU_ASSERT_EQUAL(r.newest_schema, 7);
	CU_ASSERT_EQUAL(r.nframes, 0);
	pmt_run_free(&r);
}

static void test_corrupt(void)
{
	static const char *const bad[] = {
		"{\"type\":\"frame\"",                          /* not finished */
		"not json",
		"[1,2,3]",
		"{\"schema_version\":2}",
		"{\"type\":5,\"schema_version\":2}",
		"{\"type\":\"frame\"}",
		"{\"type\":\"frame\",\"schema_version\":\"2\"}",
		"{\"type\":\"frame\",\"schema_version\":0}",
		"{\"type\":\"host\",\"schema_version\":2} trailing",
		"{\"type\":\"host\",\"schema_version\":2}{}",
		"{'type':'host'}",
		"{\"type\":\"host\",\"schema_version\":2,\"total_bytes\":NaN}",
		"{\"type\":\"host\",\"schema_version\":2}",   /* total_bytes missing */
		"{\"type\":\"host\",\"schema_version\":2,\"total_bytes\":-1,\"available_bytes\":1,"
		"\"game_rss_bytes\":1}",
		"{\"type\":\"host\",\"schema_version\":2,\"total_bytes\":1.5,\"available_bytes\":1,"
		"\"game_rss_bytes\":1}",
		"{\"type\":\"host\",\"schema_version\":2,\"total_bytes\":1,\"available_bytes\":1,"
		"\"game_rss_bytes\":1,\"os\":7}",
		"{\"type\":\"attached\",\"schema_version\":2,\"pid\":-4,\"mode\":\"x\",\"python\":{},"
		"\"frame_marker\":{}}",
		"{\"type\":\"budgets\",\"schema_version\":2,\"budgets\":[1]}",
		"{\"type\":\"assets\",\"schema_version\":2,\"scope\":\"final\",\"frame\":1,\"live\":0,"
		"\"by_type\":{},\"top\":[{\"bytes\":1,\"type\":\"hologram\"}]}",
		"{\"type\":\"final\",\"schema_version\":2,\"frames\":1,\"lost_events\":0,"
		"\"exit_reason\":\"x\",\"target_exit_code\":300,\"summary\":{}}",
	};
	struct pmt_run r;
	char b[2048];
	size_t i;

	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL_FATAL(feed(&r, frame_line(b, sizeof(b), 5, 10, 10, 4096, 0, NULL, NULL,
						  NULL)), 0);
	for (i = 0; i < PMT_ARRAY_SIZE(bad); i++) {
		int rc = feed(&r, bad[i]);

		if (rc != -EINVAL)
			fprintf(stderr, "bad line %zu taken (%d)\n", i, rc);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT(r.err[0] != 0);
	}
	/* Frames of the wrong shape, and out of order. */
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 5, 20, 10, 4096, 0, NULL, NULL, NULL)),
			-EINVAL); /* repeats frame 5 */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "frame 5 follows frame 5"));
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 6, 20, 10, 4096, 0, "\"sideways\"", NULL,
					    NULL)), -EINVAL);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 6, 20, 10, 4096, 0, NULL, NULL,
					    ",\"gc_collections\":[1,2]")), -EINVAL);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 6, 20, 10, 4096, 0, NULL, NULL,
					    ",\"growth_sites\":[{\"stack\":[1]}]")), -EINVAL);
	/* A sampling backend's run (samples, no frames) is refused, saying so. */
	CU_ASSERT_EQUAL(feed(&r, "{\"type\":\"attached\",\"schema_version\":2,\"pid\":4,"
				 "\"mode\":\"launch\",\"backend\":\"procfs\",\"python\":null,"
				 "\"frame_marker\":null}"), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--backend procfs run"));
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 6, 20, 10, 4096, 0, NULL, NULL,
					    ",\"assets\":{\"surface\":{\"live\":\"3\",\"bytes\":1}}")),
			-EINVAL);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 6, 20, 10, 4096,
					    0, NULL, NULL, ",\"rss_delta_bytes\":18446744073709551615")),
			-EINVAL);
	/* The run is as it was: one frame, one record. */
	CU_ASSERT_EQUAL(r.nframes, 1);
	CU_ASSERT_EQUAL(r.totals.frames, 1);
	CU_ASSERT_FALSE(r.host.present);
	CU_ASSERT_FALSE(r.attached.present);
	CU_ASSERT_EQUAL(r.nbudgets, 0);
	CU_ASSERT_FALSE(r.assets.present);
	CU_ASSERT_FALSE(r.final.present);
	CU_ASSERT_EQUAL(r.lines, 1);
	pmt_run_free(&r);
}

static void test_parse_buffer(void)
{
	struct pmt_run r;
	char a[1024], b[1024], buf[4096];
	int n;

	frame_line(a, sizeof(a), 0, 10, 10, 4096, 0, NULL, NULL, NULL);
	frame_line(b, sizeof(b), 1, 20, 10, 8192, 4096, NULL, NULL, NULL);
	/* An unfinished last line: skipped and said. */
	n = snprintf(buf, sizeof(buf), "%s\n%s\n%.40s", a, b, b);
	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL(pmt_run_parse(&r, buf, (size_t)n), 0);
	CU_ASSERT_TRUE(r.truncated);
	CU_ASSERT_EQUAL(r.err_line, 3);
	CU_ASSERT_EQUAL(r.nframes, 2);
	pmt_run_free(&r);
	/* A complete last line without its newline is read. */
	n = snprintf(buf, sizeof(buf), "%s\n%s", a, b);
	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL(pmt_run_parse(&r, buf, (size_t)n), 0);
	CU_ASSERT_FALSE(r.truncated);
	CU_ASSERT_EQUAL(r.nframes, 2);
	pmt_run_free(&r);
	/* A corrupt line in the middle: its number, the lines before it kept. */
	n = snprintf(buf, sizeof(buf), "%s\n\n{\"type\":\"frame\",\"schema_version\":2}\n%s\n", a, b);
	pmt_run_init(&r, NULL);
	CU_ASSERT_EQUAL(pmt_run_parse(&r, buf, (size_t)n), -EINVAL);
	CU_ASSERT_EQUAL(r.err_line, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "'frame' is missing"));
	CU_ASSERT_EQUAL(r.nframes, 1);
	pmt_run_free(&r);
}

/* The recomputed summary is the live accumulator's, bit for bit. */
static void test_summary_recomputed(void)
{
	struct pmt_summary_acc *acc = calloc(1, sizeof(*acc));
	struct pmt_summary want, got;
	struct pmt_run r;
	char b[2048];
	uint64_t ts = 1000000000, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	pmt_run_init(&r, NULL);
	pmt_summary_acc_reset(acc);
	for (i = 0; i < 500; i++) {
		uint64_t dur = 16000000 + (i * 7919) % 3000000 + (i % 97 == 0 ? 40000000 : 0);
		bool spike = i % 97 == 0;

		ts += dur;
		frame_line(b, sizeof(b), i, ts, dur, 100 * MIB + i * 4096, i ? 4096 : 0,
			   spike ? "\"time\"" : NULL, spike ? "\"gc\"" : NULL, NULL);
		CU_ASSERT_EQUAL_FATAL(feed(&r, b), 0);
		pmt_summary_acc_add(acc, &r.frames[r.nframes - 1].f);
	}
	pmt_summary_acc_get(acc, &want);
	CU_ASSERT_EQUAL_FATAL(pmt_run_summary(&r, 0, &got), 0);
	CU_ASSERT_EQUAL(memcmp(&want, &got, sizeof(want)), 0);
	CU_ASSERT_EQUAL(got.frames, 500);
	CU_ASSERT_EQUAL(got.spikes, 6);
	CU_ASSERT_EQUAL(got.spikes_time, 6);
	CU_ASSERT_EQUAL(got.causes[PMT_CAUSE_GC], 6);
	CU_ASSERT_EQUAL(pmt_run_summary(&r, 400, &got), 0);
	CU_ASSERT_EQUAL(got.frames, 100);
	CU_ASSERT_EQUAL(got.first_index, 400);
	CU_ASSERT_EQUAL(pmt_run_summary(&r, 500, &got), -ENOENT);
	/* Totals: the Prometheus view of the same frames. */
	CU_ASSERT_EQUAL(r.totals.frames, 500);
	CU_ASSERT_EQUAL(r.totals.spikes[1], 6);
	CU_ASSERT_EQUAL(r.totals.dropped[PMT_CAUSE_GC], 6);
	CU_ASSERT_EQUAL(r.totals.gc_collections[0], 500);
	CU_ASSERT_EQUAL(r.totals.gc_collections[2], 500);
	CU_ASSERT_EQUAL(r.totals.gc_ns[2], 500 * 15);
	CU_ASSERT_EQUAL(r.totals.rss_peak, 100 * MIB + 499 * 4096);
	CU_ASSERT_EQUAL(r.totals.growth_count[0], 1); /* frame 0 did not grow */
	CU_ASSERT_EQUAL(r.totals.growth_count[1], 499); /* 4096 <= 4096 */
	{
		uint64_t n = 0;
		int k;

		for (k = 0; k <= PMT_RUN_DUR_BUCKETS; k++)
			n += r.totals.dur_count[k];
		CU_ASSERT_EQUAL(n, 500);
		CU_ASSERT_EQUAL(r.totals.dur_count[PMT_RUN_DUR_BUCKETS - 4], 6); /* 56-59 ms: <= 0.1 s */
	}
	free(acc);
	pmt_run_free(&r);
}

static void test_ring(void)
{
	struct pmt_frame_ring ring;
	struct pmt_run r;
	char b[2048];
	uint64_t i;

	pmt_run_init(&r, NULL);
	for (i = 0; i < 30; i++)
		CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), i * 2, 10 + i, 1, 4096, 0, NULL,
						    NULL, NULL)), 0);
	CU_ASSERT_EQUAL(pmt_run_find_frame(&r, 20), 10);
	CU_ASSERT_EQUAL(pmt_run_find_frame(&r, 21), -1);
	CU_ASSERT_EQUAL_FATAL(pmt_run_ring(&r, 8, &ring), 0);
	CU_ASSERT_EQUAL(ring.len, 8);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&ring, 0)->index, 44);
	CU_ASSERT_EQUAL(pmt_frame_ring_get(&ring, 7)->index, 58);
	pmt_frame_ring_free(&ring);
	pmt_run_free(&r);
}

/* Without keep_frames only the totals and the last frame are kept. */
static void test_totals_only(void)
{
	struct pmt_run_config cfg = { .keep_frames = false };
	struct pmt_run r;
	char b[2048];

	pmt_run_init(&r, &cfg);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 0, 10, 10, 4096, 0, "\"memory\"", NULL,
					    NULL)), 0);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 1, 20, 10, 4096, 0, NULL, NULL, NULL)), 0);
	CU_ASSERT_EQUAL(r.nframes, 0);
	CU_ASSERT_PTR_NULL(r.frames);
	CU_ASSERT_EQUAL(r.totals.frames, 2);
	CU_ASSERT_EQUAL(r.totals.spikes[0], 1);
	CU_ASSERT_EQUAL(r.last.index, 1);
	CU_ASSERT_EQUAL(feed(&r, frame_line(b, sizeof(b), 1, 30, 10, 4096, 0, NULL, NULL, NULL)),
			-EINVAL); /* order is still checked */
	pmt_run_free(&r);
}

/* ---- allocation failures ------------------------------------------------------ */

struct fail_alloc {
	long calls, fail_at, failed, blocks;
};

static void *fail_realloc(void *ctx, void *ptr, size_t size)
{
	struct fail_alloc *fa = ctx;
	void *q;

	if (size == 0) {
		if (ptr)
			fa->blocks--;
		free(ptr);
		return NULL;
	}
	if (fa->calls++ == fa->fail_at) {
		fa->failed++;
		return NULL;
	}
	q = realloc(ptr, size);
	if (q && !ptr)
		fa->blocks++;
	return q;
}

/* Feed a run of every record type; 0 or the first -ENOMEM. */
static int feed_all(struct pmt_run *r)
{
	char b[2048];
	size_t i;
	int rc;

	for (i = 0; i < 40; i++) {
		const char *extra = i % 3 ? ",\"assets\":{\"text\":{\"live\":1,\"bytes\":10}}" : NULL;

		rc = feed(r, frame_line(b, sizeof(b), i, 100 + i, 1, 4096 * (i + 1), 4096,
					i % 7 ? NULL : "\"memory\"", NULL, extra));
		if (rc)
			return rc;
	}
	for (i = 0; i < PMT_ARRAY_SIZE(records); i++) {
		rc = feed(r, records[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void test_alloc_failures(void)
{
	struct fail_alloc fa = { .fail_at = -1 };
	struct pmt_run_config cfg = { .keep_frames = true, .realloc_fn = fail_realloc,
				      .alloc_ctx = &fa };
	struct pmt_run r;
	long total, k;

	pmt_run_init(&r, &cfg);
	CU_ASSERT_EQUAL_FATAL(feed_all(&r), 0);
	pmt_run_free(&r);
	CU_ASSERT_EQUAL(fa.blocks, 0);
	total = fa.calls;
	CU_ASSERT(total > 20);
	for (k = 0; k < total; k++) {
		int rc;

		fa = (struct fail_alloc){ .fail_at = k };
		pmt_run_init(&r, &cfg);
		rc = feed_all(&r);
		CU_ASSERT_EQUAL(fa.failed, 1);
		CU_ASSERT_EQUAL(rc, -ENOMEM);
		CU_ASSERT_STRING_EQUAL(r.err, "out of memory");
		pmt_run_free(&r);
		CU_ASSERT_EQUAL(fa.blocks, 0); /* nothing leaked */
	}
}

void pmt_test_register_runfile(void)
{
	static const struct pmt_test tests[] = {
		{ "frame record: every field", test_frame_fields },
		{ "frame record: nulls and newer values", test_frame_nulls },
		{ "growth sites and stacks", test_growth_and_stacks },
		{ "every other record type", test_records },
		{ "unknown types, newer schemas, blank lines skipped", test_skipped },
		{ "corrupt lines refused, run unchanged", test_corrupt },
		{ "a file: unfinished last line, error line numbers", test_parse_buffer },
		{ "summary recomputed as the live run did", test_summary_recomputed },
		{ "the frame ring and frame lookup", test_ring },
		{ "totals only (no frames kept)", test_totals_only },
		{ "every allocation failed in turn", test_alloc_failures },
	};

	pmt_test_add_suite("runfile", tests, PMT_ARRAY_SIZE(tests));
}
