// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_sample.c - unit tests of the sampled memory timeline: the parsers of
 * /proc/PID/status and /proc/PID/stat text (units, missing fields, command
 * names holding spaces and parentheses, negative fields, text that is not
 * NUL-terminated), readings to samples (deltas, the first sample, counters
 * that go backwards, time that goes backwards) and the summaries.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pmtrace/sample.h"
#include "suites.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024ULL)

/* A /proc/PID/status as Linux 6.x writes it (abridged where it does not matter). */
static const char status_text[] =
	"Name:\tpython3\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t4242\n"
	"Pid:\t4242\n"
	"Uid:\t1000\t1000\t1000\t1000\n"
	"VmPeak:\t  612340 kB\n"
	"VmSize:\t  601112 kB\n"
	"VmLck:\t       0 kB\n"
	"VmHWM:\t  123456 kB\n"
	"VmRSS:\t  100000 kB\n"
	"RssAnon:\t   70000 kB\n"
	"RssFile:\t   29000 kB\n"
	"RssShmem:\t    1000 kB\n"
	"VmData:\t  300000 kB\n"
	"VmSwap:\t      12 kB\n"
	"HugetlbPages:\t       0 kB\n"
	"Threads:\t7\n"
	"SigQ:\t0/95000\n";

static void test_status_parse(void)
{
	struct pmt_proc_reading r;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(pmt_proc_status_parse(status_text, strlen(status_text), &r), 0);
	CU_ASSERT_EQUAL(r.rss_anon_bytes, 70000 * KIB);
	CU_ASSERT_EQUAL(r.rss_file_bytes, 29000 * KIB);
	CU_ASSERT_EQUAL(r.rss_shmem_bytes, 1000 * KIB);
	CU_ASSERT_EQUAL(r.swap_bytes, 12 * KIB);
	CU_ASSERT_EQUAL(r.hwm_bytes, 123456 * KIB);
	CU_ASSERT_EQUAL(r.threads, 7);
}

/* Only @len bytes count: a field cut off past them is not read. */
static void test_status_not_terminated(void)
{
	const char *cut = strstr(status_text, "Threads:");
	struct pmt_proc_reading r;
	char buf[sizeof(status_text)];

	memcpy(buf, status_text, sizeof(buf));
	memset(&r, 0, sizeof(r));
	/* Everything up to (not including) the Threads line: no thread count. */
	CU_ASSERT_EQUAL(pmt_proc_status_parse(buf, (size_t)(cut - status_text), &r), -ENOENT);
	/* Up to the digit of Threads, no newline, no NUL: still read. */
	buf[cut - status_text + 9] = '9';
	CU_ASSERT_EQUAL(pmt_proc_status_parse(buf, (size_t)(cut - status_text) + 10, &r), 0);
	CU_ASSERT_EQUAL(r.threads, 9);
}

/* A zombie's status has no Rss* lines: the process has no memory left. */
static void test_status_zombie(void)
{
	static const char z[] = "Name:\tpython3\nState:\tZ (zombie)\nThreads:\t1\n";
	struct pmt_proc_reading r;

	CU_ASSERT_EQUAL(pmt_proc_status_parse(z, strlen(z), &r), -ENOENT);
}

/* "RssAnonX:" or "XRssAnon:" is not RssAnon. */
static void test_status_exact_keys(void)
{
	static const char t[] = "XRssAnon:\t5 kB\nRssAnonX:\t6 kB\nRssAnon:\t7 kB\nThreads:\t1\n";
	struct pmt_proc_reading r;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(pmt_proc_status_parse(t, strlen(t), &r), 0);
	CU_ASSERT_EQUAL(r.rss_anon_bytes, 7 * KIB);
	CU_ASSERT_EQUAL(r.rss_file_bytes, 0);
}

static void test_stat_parse(void)
{
	/* comm "my) game (x" holds spaces and both parentheses; tpgid is -1. */
	static const char t[] = "4242 (my) game (x) R 1 4242 4242 0 -1 4194560 1234 0 56 0 "
				"10 2 0 0 20 0 7 0 123 456 789\n";
	struct pmt_proc_reading r;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(pmt_proc_stat_parse(t, strlen(t), &r), 0);
	CU_ASSERT_EQUAL(r.minflt, 1234);
	CU_ASSERT_EQUAL(r.majflt, 56);
}

static void test_stat_bad(void)
{
	static const char no_paren[] = "4242 python3 R 1 2 3 4 5 6 7 8 9\n";
	static const char short_[] = "4242 (python3) R 1 2 3 4 5 6\n";
	struct pmt_proc_reading r;

	CU_ASSERT_EQUAL(pmt_proc_stat_parse(no_paren, strlen(no_paren), &r), -EINVAL);
	CU_ASSERT_EQUAL(pmt_proc_stat_parse(short_, strlen(short_), &r), -EINVAL);
}

static struct pmt_proc_reading reading(uint64_t ts_ms, uint64_t anon_mib, uint64_t file_mib,
				       uint64_t minflt, uint64_t majflt, uint32_t threads)
{
	struct pmt_proc_reading r;

	memset(&r, 0, sizeof(r));
	r.ts_ns = ts_ms * 1000000ULL;
	r.rss_anon_bytes = anon_mib * MIB;
	r.rss_file_bytes = file_mib * MIB;
	r.hwm_bytes = (anon_mib + file_mib) * MIB;
	r.minflt = minflt;
	r.majflt = majflt;
	r.threads = threads;
	return r;
}

static void test_series_deltas(void)
{
	struct pmt_sample_series s;
	struct pmt_proc_reading r;
	struct pmt_sample x;

	pmt_sample_series_init(&s);
	r = reading(1000, 10, 5, 500, 3, 1);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), 0);
	/* The first sample: values, no deltas. */
	CU_ASSERT_EQUAL(x.index, 0);
	CU_ASSERT_EQUAL(x.rss_bytes, 15 * MIB);
	CU_ASSERT_EQUAL(x.interval_ns, 0);
	CU_ASSERT_EQUAL(x.rss_delta_bytes, 0);
	CU_ASSERT_EQUAL(x.minflt, 0);
	CU_ASSERT_EQUAL(x.majflt, 0);
	r = reading(1100, 42, 5, 8692, 4, 3);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), 0);
	CU_ASSERT_EQUAL(x.index, 1);
	CU_ASSERT_EQUAL(x.interval_ns, 100000000ULL);
	CU_ASSERT_EQUAL(x.rss_delta_bytes, (int64_t)(32 * MIB));
	CU_ASSERT_EQUAL(x.minflt, 8192);
	CU_ASSERT_EQUAL(x.majflt, 1);
	CU_ASSERT_EQUAL(x.threads, 3);
	r = reading(1200, 20, 5, 8700, 4, 2);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), 0);
	CU_ASSERT_EQUAL(x.rss_delta_bytes, -(int64_t)(22 * MIB));
}

/* Counters never go down for one process: a lower reading is no negative delta. */
static void test_series_counters_back(void)
{
	struct pmt_sample_series s;
	struct pmt_proc_reading r;
	struct pmt_sample x;

	pmt_sample_series_init(&s);
	r = reading(0, 1, 0, 100, 5, 1);
	pmt_sample_series_add(&s, &r, &x);
	r = reading(10, 1, 0, 90, 4, 1);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), 0);
	CU_ASSERT_EQUAL(x.minflt, 0);
	CU_ASSERT_EQUAL(x.majflt, 0);
}

/* A reading older than the previous one is refused and changes nothing. */
static void test_series_time_back(void)
{
	struct pmt_sample_series s;
	struct pmt_proc_reading r;
	struct pmt_sample x;

	pmt_sample_series_init(&s);
	r = reading(100, 1, 0, 100, 0, 1);
	pmt_sample_series_add(&s, &r, &x);
	r = reading(50, 9, 0, 900, 0, 1);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), -EINVAL);
	CU_ASSERT_EQUAL(s.count, 1);
	r = reading(200, 2, 0, 150, 0, 1);
	CU_ASSERT_EQUAL(pmt_sample_series_add(&s, &r, &x), 0);
	CU_ASSERT_EQUAL(x.index, 1);
	CU_ASSERT_EQUAL(x.minflt, 50);
	CU_ASSERT_EQUAL(x.rss_delta_bytes, (int64_t)MIB);
}

static void test_series_summaries(void)
{
	static const uint64_t anon[] = { 10, 30, 20, 50, 40 };
	static const uint32_t threads[] = { 1, 4, 2, 2, 3 };
	struct pmt_sample_summary sum;
	struct pmt_sample_series s;
	struct pmt_proc_reading r;
	struct pmt_sample x;
	size_t i;

	pmt_sample_series_init(&s);
	for (i = 0; i < 5; i++) {
		r = reading(1000 + 250 * i, anon[i], 0, 100 * (i + 1), i, threads[i]);
		r.hwm_bytes = 64 * MIB; /* a peak between samples */
		pmt_sample_series_add(&s, &r, &x);
		if (i == 1) {
			pmt_sample_series_take_interval(&s, &sum);
			CU_ASSERT_EQUAL(sum.samples, 2);
			CU_ASSERT_EQUAL(sum.first_index, 0);
			CU_ASSERT_EQUAL(sum.span_ns, 250000000ULL);
			CU_ASSERT_EQUAL(sum.rss_growth_bytes, (int64_t)(20 * MIB));
			/* +20 MiB over the 0.25 s since the first reading */
			CU_ASSERT_DOUBLE_EQUAL(sum.growth_per_s, 80.0 * MIB, 1.0);
		}
	}
	pmt_sample_series_take_interval(&s, &sum);
	CU_ASSERT_EQUAL(sum.samples, 3);
	CU_ASSERT_EQUAL(sum.first_index, 2);
	CU_ASSERT_EQUAL(sum.rss_first_bytes, 20 * MIB);
	CU_ASSERT_EQUAL(sum.rss_last_bytes, 40 * MIB);
	CU_ASSERT_EQUAL(sum.rss_min_bytes, 20 * MIB);
	CU_ASSERT_EQUAL(sum.rss_peak_bytes, 50 * MIB);
	CU_ASSERT_EQUAL(sum.hwm_bytes, 64 * MIB);
	/* From the reading before the interval (30 MiB) to the last (40 MiB),
	 * over the 0.75 s from that reading to the last. */
	CU_ASSERT_EQUAL(sum.rss_growth_bytes, (int64_t)(10 * MIB));
	CU_ASSERT_DOUBLE_EQUAL(sum.growth_per_s, 10.0 * MIB / 0.75, 1.0);
	CU_ASSERT_EQUAL(sum.minflt, 300);
	CU_ASSERT_EQUAL(sum.majflt, 3);
	CU_ASSERT_EQUAL(sum.threads_last, 3);
	CU_ASSERT_EQUAL(sum.threads_max, 3);
	/* The whole run. */
	pmt_sample_acc_get(&s.total, &sum);
	CU_ASSERT_EQUAL(sum.samples, 5);
	CU_ASSERT_EQUAL(sum.span_ns, 1000000000ULL);
	CU_ASSERT_EQUAL(sum.rss_growth_bytes, (int64_t)(30 * MIB));
	CU_ASSERT_DOUBLE_EQUAL(sum.growth_per_s, 30.0 * MIB, 1.0);
	CU_ASSERT_EQUAL(sum.minflt, 400);
	CU_ASSERT_EQUAL(sum.threads_max, 4);
	/* Nothing since the last take: all zero. */
	pmt_sample_series_take_interval(&s, &sum);
	CU_ASSERT_EQUAL(sum.samples, 0);
	CU_ASSERT_EQUAL(sum.rss_peak_bytes, 0);
}

void pmt_test_register_sample(void)
{
	static const struct pmt_test tests[] = {
		{ "status fields in bytes", test_status_parse },
		{ "status text not NUL-terminated", test_status_not_terminated },
		{ "status of a zombie", test_status_zombie },
		{ "status keys matched exactly", test_status_exact_keys },
		{ "stat faults after a tricky comm", test_stat_parse },
		{ "stat malformed", test_stat_bad },
		{ "series deltas", test_series_deltas },
		{ "series counters going back", test_series_counters_back },
		{ "series time going back", test_series_time_back },
		{ "series summaries", test_series_summaries },
	};

	pmt_test_add_suite("sample", tests, PMT_ARRAY_SIZE(tests));
}
