/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sample.h - the memory timeline of a sampling backend (pmtrace-bpf
 * --backend procfs): readings of a process's counters taken at a fixed
 * rate, turned into samples (deltas against the previous reading) and
 * summaries, and the parsers of the kernel's text those readings come from.
 *
 * Everything here is pure C: no I/O, no clock, no globals. A sample is a
 * point in time, not a frame: there is no frame marker behind it, so no
 * spike, drop or cause is judged from samples.
 */
#ifndef PMTRACE_SAMPLE_H
#define PMTRACE_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One reading of a process; counters are cumulative since it started. */
struct pmt_proc_reading {
	uint64_t ts_ns;           /* CLOCK_MONOTONIC when read */
	uint64_t rss_anon_bytes;  /* RssAnon */
	uint64_t rss_file_bytes;  /* RssFile */
	uint64_t rss_shmem_bytes; /* RssShmem */
	uint64_t swap_bytes;      /* VmSwap */
	uint64_t hwm_bytes;       /* VmHWM: the largest RSS so far, also between readings */
	uint64_t minflt, majflt;  /* page faults of every thread, exited ones included */
	uint32_t threads;
};

/* A reading as the timeline shows it. */
struct pmt_sample {
	uint64_t index;           /* 0-based */
	uint64_t ts_ns;
	uint64_t interval_ns;     /* since the previous sample; 0 for the first */
	uint64_t rss_bytes;       /* anon + file + shmem */
	uint64_t rss_anon_bytes;
	uint64_t rss_file_bytes;
	uint64_t rss_shmem_bytes;
	uint64_t swap_bytes;
	int64_t rss_delta_bytes;  /* against the previous sample; 0 for the first */
	uint64_t hwm_bytes;
	uint64_t minflt, majflt;  /* since the previous sample; 0 for the first */
	uint32_t threads;
};

/* What a report says about a run of samples. */
struct pmt_sample_summary {
	uint64_t samples;
	uint64_t first_index;
	uint64_t span_ns;         /* from the first sample to the last */
	uint64_t rss_first_bytes, rss_last_bytes;
	uint64_t rss_min_bytes, rss_peak_bytes; /* among the samples */
	uint64_t hwm_bytes;       /* VmHWM at the last sample: the peak between samples too */
	int64_t rss_growth_bytes; /* last minus the RSS before the first sample */
	double growth_per_s;      /* rss_growth_bytes over the time it took, bytes a second */
	uint64_t minflt, majflt;
	uint32_t threads_last, threads_max;
};

/* Sums and extremes of samples; zero it to start. */
struct pmt_sample_acc {
	uint64_t samples, first_index, first_ts_ns, last_ts_ns, start_ts_ns;
	uint64_t rss_first_bytes, rss_last_bytes, rss_min_bytes, rss_peak_bytes, hwm_bytes;
	int64_t rss_growth_bytes;
	uint64_t minflt, majflt;
	uint32_t threads_last, threads_max;
};

/* Readings to samples: the series remembers the previous reading. */
struct pmt_sample_series {
	struct pmt_proc_reading prev;
	bool have_prev;
	uint64_t count;            /* samples produced */
	struct pmt_sample_acc interval, total;
};

/* Start an empty series. */
void pmt_sample_series_init(struct pmt_sample_series *s);

/*
 * Turn reading @r into sample @out: deltas against the previous reading,
 * fed to the interval and run summaries. Counters the kernel reports lower
 * than before (they never go down for one process) give a delta of 0.
 * Returns 0, or -EINVAL when @r is older than the previous reading (it is
 * then ignored).
 */
int pmt_sample_series_add(struct pmt_sample_series *s, const struct pmt_proc_reading *r,
			  struct pmt_sample *out);

/* Read and restart the interval summary. */
void pmt_sample_series_take_interval(struct pmt_sample_series *s, struct pmt_sample_summary *out);

/* Count sample @x into @a. */
void pmt_sample_acc_add(struct pmt_sample_acc *a, const struct pmt_sample *x);
/* The summary of what @a counted (all zero when nothing). */
void pmt_sample_acc_get(const struct pmt_sample_acc *a, struct pmt_sample_summary *out);

/*
 * Parse the text of /proc/PID/status (@len bytes, not necessarily
 * NUL-terminated) into @r's RssAnon, RssFile, RssShmem, VmSwap, VmHWM
 * (kB, i.e. KiB, to bytes) and Threads. Returns 0, or -ENOENT when RssAnon
 * or Threads is missing (a kernel thread, a zombie, a kernel before 4.5).
 */
int pmt_proc_status_parse(const char *text, size_t len, struct pmt_proc_reading *r);

/*
 * Parse the text of /proc/PID/stat into @r's minflt and majflt (fields 10
 * and 12; the command name in parentheses may hold spaces and parentheses:
 * fields count from the last ')'). Returns 0 or -EINVAL.
 */
int pmt_proc_stat_parse(const char *text, size_t len, struct pmt_proc_reading *r);

#endif
