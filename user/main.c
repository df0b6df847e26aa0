// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - pmtrace-bpf entry point: options, signals, exit status.
 */
#include <signal.h>
#include <string.h>

#include "options.h"
#include "tracer.h"

static void on_signal(int sig)
{
	(void)sig;
	pmt_exiting = 1;
}

int main(int argc, char **argv)
{
	struct pmt_options o;
	struct sigaction sa;

	pmt_options_parse(argc, argv, &o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return pmt_tracer_run(&o);
}
