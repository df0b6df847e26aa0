// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - pmtrace-bpf entry point: options, signals, exit status.
 */
#include <signal.h>
#include <string.h>

#include <stdio.h>

#include "run/budget_run.h"
#include "run/exit_codes.h"
#include "run/options.h"
#include "run/report_cmd.h"
#include "run/snapshot_run.h"
#include "run/tracer.h"

/* `pmtrace-bpf platforms`: the embedded profiles as a table. */
static int list_platforms(void)
{
	struct pmt_platforms ps;
	char err[256];

	if (pmt_platforms_load(&ps, err, sizeof(err))) {
		fprintf(stderr, "pmtrace-bpf: platform data: %s\n", err);
		return PMT_EXIT_ERROR;
	}
	pmt_platform_list(stdout, &ps);
	pmt_platforms_free(&ps);
	return PMT_EXIT_OK;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		pmt_snapshot_requested = 1;
	else
		pmt_exiting = 1;
}

int main(int argc, char **argv)
{
	struct pmt_options o;
	struct sigaction sa;

	if (argc >= 2 && !strcmp(argv[1], "report"))
		return pmt_report_cmd(argc - 1, argv + 1);
	pmt_options_parse(argc, argv, &o);
	if (o.list_platforms)
		return list_platforms();
	signal(SIGPIPE, SIG_IGN);
	if (o.snapshot_cmd)
		return pmt_snapshot_command(&o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return pmt_tracer_run(&o);
}
