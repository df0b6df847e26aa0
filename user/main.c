// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - pmtrace-bpf entry point: options, the invoking user, signals,
 * the backend, exit status.
 */
#include <sys/capability.h>
#include <signal.h>
#include <string.h>

#include <stdio.h>

#include "os/privilege.h"
#include "probes/sampler.h"
#include "run/budget_run.h"
#include "run/exit_codes.h"
#include "run/options.h"
#include "run/report_cmd.h"
#include "run/snapshot_run.h"
#include "run/sampled_run.h"
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
	struct pmt_invoker inv;
	struct pmt_options o;
	struct sigaction sa;
	char err[256];
	int rc;

	/* Who the run is for (sudo & co), and their groups from now on. */
	if (pmt_invoker_find(&inv, err, sizeof(err))) {
		fprintf(stderr, "pmtrace-bpf: %s\n", err);
		return PMT_EXIT_PRIVILEGE;
	}
	if (pmt_invoker_adopt_groups(&inv)) {
		fprintf(stderr, "pmtrace-bpf: cannot take the groups of user %s\n", inv.name);
		rc = PMT_EXIT_ERROR;
		goto out;
	}
	if (argc >= 2 && !strcmp(argv[1], "report")) {
		/* Reading a recorded run and writing reports needs no privilege. */
		if (pmt_privilege_reduce(&inv, 0, err, sizeof(err))) {
			fprintf(stderr, "pmtrace-bpf: %s\n", err);
			rc = PMT_EXIT_ERROR;
			goto out;
		}
		rc = pmt_report_cmd(argc - 1, argv + 1);
		goto out;
	}
	pmt_options_parse(argc, argv, &o);
	if (o.list_platforms) {
		rc = list_platforms();
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.snapshot_cmd) {
		/* Reading the game's memory needs ptrace access to it, nothing more. */
		if (pmt_privilege_reduce(&inv, PMT_CAP(CAP_SYS_PTRACE), err, sizeof(err))) {
			fprintf(stderr, "pmtrace-bpf: %s\n", err);
			rc = PMT_EXIT_ERROR;
			goto out;
		}
		rc = pmt_snapshot_command(&o);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(o.backend, "procfs"))
		rc = pmt_sampled_run(&o, &pmt_procfs_sampler);
	else
		rc = pmt_tracer_run(&o);
out:
	pmt_invoker_free(&inv);
	return rc;
}
