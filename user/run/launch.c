// SPDX-License-Identifier: BSD-2-Clause
/*
 * launch.c - fork, become the user, wait at the gate, exec. The child
 * reports over a close-on-exec pipe: an int once it is the user (0) or why
 * it could not become them, then an errno only if exec fails (EOF: the
 * command runs). So "could not run" is told apart from "ran and exited",
 * and the tool knows whose process it probes before it opens the gate.
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

	err = -pmt_invoker_become(as);
	if (write(status, &err, sizeof(err)) != sizeof(err) || err)
		_exit(127);
	if (read(gate, &c, 1) != 1)
		_exit(127); /* the tool gave up: nothing to say */
	close(gate);
	if (envp)
		execvpe(argv[0], argv, envp);
	else
		execvp(argv[0], argv);
	err = errno;
	if (write(status, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* One int from @fd: 0, or -EPIPE at EOF or on a short read. */
static int read_int(int fd, int *v)
{
	ssize_t n;

	do
		n = read(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*v) ? 0 : -EPIPE;
}

int pmt_launch_start(struct pmt_launch *l, char *const *argv, const struct pmt_invoker *as,
		     char *const *envp, char *err, size_t errlen)
{
	int g[2], s[2], e;
	pid_t pid;

	memset(l, 0, sizeof(*l));
	l->gate = l->status = -1;
	l->cmd = argv[0];
	if (pipe2(g, O_CLOEXEC)) {
		e = errno;
		snprintf(err, errlen, "pipe: %s", strerror(e));
		return -e;
	}
	if (pipe2(s, O_CLOEXEC)) {
		e = errno;
		snprintf(err, errlen, "pipe: %s", strerror(e));
		close(g[0]);
		close(g[1]);
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
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
	/* Wait until the child is who it will run as. */
	if (read_int(l->status, &e) != 0) {
		snprintf(err, errlen, "the child for %s vanished", argv[0]);
		return -ECHILD;
	}
	if (e) {
		snprintf(err, errlen, "cannot run %s as user %s: %s", argv[0],
			 as && as->name[0] ? as->name : "?", strerror(e));
		return -e;
	}
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
	if (n != 1) {
		close(l->status);
		l->status = -1;
		return -EPIPE; /* the child is gone already */
	}
	do
		n = read(l->status, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(l->status);
	l->status = -1;
	if (n == (ssize_t)sizeof(e))
		return -(e ? e : EIO); /* exec failed: the child exits 127 */
	return n == 0 ? 0 : -EPIPE;
}

void pmt_launch_abort(struct pmt_launch *l)
{
	if (l->gate >= 0)
		close(l->gate);
	if (l->status >= 0)
		close(l->status);
	l->gate = l->status = -1;
}
