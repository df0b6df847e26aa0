// SPDX-License-Identifier: BSD-2-Clause
/*
 * launch.c - fork, become the user, wait at the gate, exec; exec failures
 * come back over a close-on-exec pipe, so "could not run" is told apart
 * from "ran and exited".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/user_file.h"
#include "run/launch.h"

static bool executable(const char *path, const struct pmt_invoker *u)
{
	if (u)
		return pmt_user_access(path, X_OK) == 0;
	return access(path, X_OK) == 0;
}

bool pmt_launch_command_exists(const char *cmd, const struct pmt_invoker *u)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return executable(cmd, u);
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, cmd);
		if (executable(buf, u))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* The child: only async-signal-safe calls (the tool may have threads). */
static void child(int gate, int status, char *const *argv, const struct pmt_invoker *as,
		  char *const *envp)
{
	int err;
	char c;

	err = pmt_invoker_become(as);
	if (err) {
		err = -err;
		goto fail;
	}
	if (read(gate, &c, 1) != 1)
		_exit(127); /* the tool gave up: nothing to say */
	close(gate);
	if (envp)
		execvpe(argv[0], argv, envp);
	else
		execvp(argv[0], argv);
	err = errno;
fail:
	if (write(status, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int pmt_launch_start(struct pmt_launch *l, char *const *argv, const struct pmt_invoker *as,
		     char *const *envp, char *err, size_t errlen)
{
	int g[2], s[2];
	pid_t pid;

	memset(l, 0, sizeof(*l));
	l->gate = l->status = -1;
	l->cmd = argv[0];
	if (pipe2(g, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(s, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(g[0]);
		close(g[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		snprintf(err, errlen, "fork: %s", strerror(e));
		close(g[0]);
		close(g[1]);
		close(s[0]);
		close(s[1]);
		return -e;
	}
	if (pid == 0) {
		close(g[1]);
		close(s[0]);
		child(g[0], s[1], argv, as, envp);
	}
	close(g[0]);
	close(s[1]);
	l->pid = pid;
	l->gate = g[1];
	l->status = s[0];
	return 0;
}

int pmt_launch_go(struct pmt_launch *l)
{
	int e = 0;
	ssize_t n;

	if (l->gate < 0)
		return -EBADF;
	n = write(l->gate, "g", 1);
	close(l->gate);
	l->gate = -1;
	if (n != 1)
		e = EPIPE; /* the child is gone already */
	do
		n = read(l->status, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(l->status);
	l->status = -1;
	if (n == (ssize_t)sizeof(e))
		return -(e ? e : EIO);
	return n == 0 && e == 0 ? 0 : -EPIPE;
}

void pmt_launch_abort(struct pmt_launch *l)
{
	if (l->gate >= 0)
		close(l->gate);
	if (l->status >= 0)
		close(l->status);
	l->gate = l->status = -1;
}
