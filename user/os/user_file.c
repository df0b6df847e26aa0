// SPDX-License-Identifier: BSD-2-Clause
/*
 * user_file.c - open and access as the invoking user: filesystem uid and gid
 * set to theirs (setfsuid(2): the calling thread only), and the
 * capabilities that bypass file permissions lowered meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "os/privilege.h"
#include "os/user_file.h"

static const cap_value_t bypass[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };

void pmt_user_scope_begin(struct pmt_user_scope *s)
{
	const struct pmt_invoker *u = pmt_invoker();
	uid_t uid = u ? u->uid : getuid();
	gid_t gid = u ? u->gid : getgid();
	cap_t c;
	size_t i;
	bool any = false;

	memset(s, 0, sizeof(*s));
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		/* Leaving fsuid 0 also drops the bypassing capabilities (kernel). */
		s->old_fsgid = (gid_t)setfsgid(gid);
		s->old_fsuid = (uid_t)setfsuid(uid);
		s->fs_switched = true;
	}
	if (uid == 0)
		return; /* root working for root: root's own rights */
	c = cap_get_proc();
	if (!c)
		return;
	for (i = 0; i < sizeof(bypass) / sizeof(bypass[0]); i++) {
		cap_flag_value_t f = CAP_CLEAR;

		if (!cap_get_flag(c, bypass[i], CAP_EFFECTIVE, &f) && f == CAP_SET)
			any = true;
	}
	if (any) {
		cap_t saved = cap_dup(c);

		cap_set_flag(c, CAP_EFFECTIVE, sizeof(bypass) / sizeof(bypass[0]), bypass,
			     CAP_CLEAR);
		if (!saved || cap_set_proc(c)) {
			cap_free(saved);
			saved = NULL;
		}
		s->saved_caps = saved;
	}
	cap_free(c);
}

void pmt_user_scope_end(struct pmt_user_scope *s)
{
	int e = errno;

	if (s->saved_caps) {
		cap_set_proc((cap_t)s->saved_caps);
		cap_free(s->saved_caps);
		s->saved_caps = NULL;
	}
	if (s->fs_switched) {
		setfsuid(s->old_fsuid);
		setfsgid(s->old_fsgid);
	}
	errno = e;
}

int pmt_user_open(const char *path, int flags, mode_t mode)
{
	struct pmt_user_scope s;
	int fd;

	pmt_user_scope_begin(&s);
	fd = open(path, flags | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
	pmt_user_scope_end(&s);
	return fd;
}

FILE *pmt_user_fopen(const char *path, const char *mode)
{
	bool plus = strchr(mode, '+') != NULL;
	int flags, fd;
	FILE *f;

	switch (mode[0]) {
	case 'r':
		flags = plus ? O_RDWR : O_RDONLY;
		break;
	case 'w':
		flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	fd = pmt_user_open(path, flags, 0666);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, mode[0] == 'r' ? (plus ? "r+" : "r") : mode[0] == 'w' ? (plus ? "w+" : "w")
							      : (plus ? "a+" : "a"));
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

int pmt_user_access(const char *path, int amode)
{
	struct pmt_user_scope s;
	int r;

	pmt_user_scope_begin(&s);
	r = faccessat(AT_FDCWD, path, amode, AT_EACCESS) ? -errno : 0;
	pmt_user_scope_end(&s);
	return r;
}
