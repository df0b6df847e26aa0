/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * exit_codes.h - the process exit status of pmtrace-bpf, one per kind of
 * failure. Documented in docs/usage.md; only main() maps errors to these.
 */
#ifndef PMT_EXIT_CODES_H
#define PMT_EXIT_CODES_H

enum pmt_exit {
	PMT_EXIT_OK = 0,            /* ran and reported (target exit included) */
	PMT_EXIT_ERROR = 1,         /* unexpected internal or system error */
	PMT_EXIT_USAGE = 2,         /* bad option or option value */
	PMT_EXIT_NO_PROCESS = 3,    /* no such PID, or the command failed to start */
	PMT_EXIT_NOT_PYTHON = 4,    /* the process has no CPython runtime */
	PMT_EXIT_UNSUPPORTED = 5,   /* CPython version or layout not supported */
	PMT_EXIT_NO_MARKER = 6,     /* no frame marker found or called */
	PMT_EXIT_PRIVILEGE = 7,     /* needs root or CAP_BPF + CAP_PERFMON */
	PMT_EXIT_BPF = 8,           /* the kernel refused to load or attach BPF */
	PMT_EXIT_CONFIG = 9,        /* bad budget file or unknown platform */
	PMT_EXIT_BUDGET = 10,       /* --fail-on-violation: a budget was exceeded */
	PMT_EXIT_BAD_RUN = 11,      /* report: the run file is unreadable or corrupt */
};

#endif /* PMT_EXIT_CODES_H */
