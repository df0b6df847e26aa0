/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_cmd.h - `pmtrace-bpf report RUN.jsonl`: a run read back, as the
 * text report the live run printed, an HTML report and a Perfetto trace.
 */
#ifndef PMT_REPORT_CMD_H
#define PMT_REPORT_CMD_H

/*
 * Run the report command; @argv[0] is "report". Returns an enum pmt_exit
 * value (PMT_EXIT_BAD_RUN for an unreadable or corrupt run file).
 */
int pmt_report_cmd(int argc, char **argv);

#endif
