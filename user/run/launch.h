/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * launch.h - starting the command to profile: forked early, already the
 * invoking user (unless --run-as-root), held at a gate until the tool's
 * probes are in place, then exec'd with the user's environment.
 */
#ifndef PMT_LAUNCH_H
#define PMT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "os/privilege.h"

struct pmt_launch {
	pid_t pid;
	int gate;   /* write end: one byte lets the child exec; closing it ends the child */
	int status; /* read end: the child's reports (see launch.c) */
	const char *cmd;
};

/*
 * True when @cmd (searched in PATH unless it has a '/') is an executable
 * file for @u (NULL: the process itself).
 */
bool pmt_launch_command_exists(const char *cmd, const struct pmt_invoker *u);

/*
 * Fork @argv[0]. The child becomes @as (NULL: stays who the tool is) and
 * waits at the gate; it inherits nothing of the tool's privilege. Returns
 * once it has become @as: the caller may then judge whose process it is.
 * @envp is the child's environment (NULL: the tool's). The child is never
 * left behind: closing the gate (pmt_launch_abort()) ends it. Returns 0, or
 * -errno with a one-line reason in @err.
 */
int pmt_launch_start(struct pmt_launch *l, char *const *argv, const struct pmt_invoker *as,
		     char *const *envp, char *err, size_t errlen);

/*
 * Open the gate and wait until the child has exec'd the command. Returns 0,
 * or -errno why the child could not become the user or exec (it has then
 * exited with status 127).
 */
int pmt_launch_go(struct pmt_launch *l);

/* Close the gate unopened (the child exits without running) and the pipes. */
void pmt_launch_abort(struct pmt_launch *l);

#endif
