// SPDX-License-Identifier: BSD-2-Clause
/*
 * privilege.c - the invoking user (sudo, pkexec, doas or the real user),
 * their environment, becoming them, and keeping only the capabilities the
 * run needs (libcap; PR_SET_KEEPCAPS across the change of uid).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/privilege.h"

extern char **environ;

static const struct pmt_invoker *g_invoker;

static const char *const via_names[] = { "self", "sudo", "pkexec", "doas" };

const char *pmt_via_name(enum pmt_via v)
{
	return (unsigned)v < sizeof(via_names) / sizeof(via_names[0]) ? via_names[v] : "?";
}

const struct pmt_invoker *pmt_invoker(void)
{
	return g_invoker;
}

/* A uid or gid in decimal, nothing else; false when malformed. */
static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out < 0xffffffffUL;
}

/* The passwd entry by uid (@name NULL) or by name into @u. 0 or -ENOENT. */
static int passwd_of(struct pmt_invoker *u, const char *name)
{
	struct passwd pwbuf, *pw = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf = malloc(sz > 0 ? (size_t)sz : 16384);
	int err = -ENOENT;

	if (!buf)
		return -ENOMEM;
	if (name)
		getpwnam_r(name, &pwbuf, buf, sz > 0 ? (size_t)sz : 16384, &pw);
	else
		getpwuid_r(u->uid, &pwbuf, buf, sz > 0 ? (size_t)sz : 16384, &pw);
	if (pw) {
		u->uid = pw->pw_uid;
		if (u->via != PMT_VIA_SUDO || u->gid == (gid_t)-1)
			u->gid = pw->pw_gid;
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir ? pw->pw_dir : "/");
		snprintf(u->shell, sizeof(u->shell), "%s",
			 pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
		err = 0;
	}
	free(buf);
	return err;
}

/* The groups initgroups() would give @u (the invoker), or the process's own. */
static int find_groups(struct pmt_invoker *u)
{
	int n = 32;

	for (;;) {
		gid_t *g = realloc(u->groups, (size_t)n * sizeof(*g));
		int got = n;

		if (!g)
			return -ENOMEM;
		u->groups = g;
		if (u->via == PMT_VIA_SELF) {
			got = getgroups(n, g);
			if (got >= 0) {
				u->ngroups = got;
				return 0;
			}
			if (errno != EINVAL)
				return -errno;
			got = getgroups(0, NULL);
			if (got < 0)
				return -errno;
			n = got + 1;
			continue;
		}
		if (getgrouplist(u->name, u->gid, g, &got) >= 0) {
			u->ngroups = got;
			return 0;
		}
		if (got <= n)
			n *= 2;
		else
			n = got;
		if (n > 65536)
			return -E2BIG;
	}
}

int pmt_invoker_find(struct pmt_invoker *u, char *err, size_t errlen)
{
	const char *v, *from = NULL, *byname = NULL;
	unsigned long id;
	int e;

	memset(u, 0, sizeof(*u));
	u->uid = getuid();
	u->gid = getgid();
	u->via = PMT_VIA_SELF;
	/* Only real root can have been started by sudo & co: a user naming
	 * somebody in these variables names nobody. */
	if (getuid() == 0) {
		if ((v = getenv("SUDO_UID")) && *v) {
			from = "SUDO_UID";
			u->via = PMT_VIA_SUDO;
			if (!parse_id(v, &id))
				goto bad;
			u->uid = (uid_t)id;
			u->gid = (gid_t)-1;
			v = getenv("SUDO_GID");
			if (v && *v) {
				from = "SUDO_GID";
				if (!parse_id(v, &id))
					goto bad;
				u->gid = (gid_t)id;
			}
		} else if ((v = getenv("PKEXEC_UID")) && *v) {
			from = "PKEXEC_UID";
			u->via = PMT_VIA_PKEXEC;
			if (!parse_id(v, &id))
				goto bad;
			u->uid = (uid_t)id;
		} else if ((v = getenv("DOAS_USER")) && *v) {
			from = "DOAS_USER";
			u->via = PMT_VIA_DOAS;
			byname = v;
		}
	}
	e = passwd_of(u, byname);
	if (e && u->via != PMT_VIA_SELF) {
		snprintf(err, errlen, "the invoking user (%s=%s) has no passwd entry", from,
			 getenv(from));
		return -EINVAL;
	}
	u->other = u->uid != getuid();
	e = find_groups(u);
	if (e) {
		snprintf(err, errlen, "cannot list the groups of user %s: %s",
			 u->name[0] ? u->name : "?", strerror(-e));
		return -EINVAL;
	}
	g_invoker = u;
	return 0;
bad:
	snprintf(err, errlen, "%s=%s is not a numeric id", from, getenv(from));
	return -EINVAL;
}

void pmt_invoker_free(struct pmt_invoker *u)
{
	if (!u)
		return;
	if (g_invoker == u)
		g_invoker = NULL;
	free(u->groups);
	u->groups = NULL;
	u->ngroups = 0;
}

bool pmt_invoker_is_other(const struct pmt_invoker *u)
{
	return u && u->other;
}

int pmt_invoker_adopt_groups(const struct pmt_invoker *u)
{
	if (!pmt_invoker_is_other(u))
		return 0;
	return setgroups((size_t)u->ngroups, u->groups) ? -errno : 0;
}

/* ---- environment ----------------------------------------------------------- */

static bool env_is(const char *e, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(e, name, n) && e[n] == '=';
}

/* Variables set afresh for the user, or belonging to the privilege tool. */
static bool env_replaced(const char *e)
{
	static const char *const names[] = { "HOME", "USER", "LOGNAME", "SHELL", "MAIL",
					     "XDG_RUNTIME_DIR", "PKEXEC_UID", "DOAS_USER" };
	size_t i;

	if (!strncmp(e, "SUDO_", 5))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (env_is(e, names[i]))
			return true;
	return false;
}

static bool dir_of(const char *path, uid_t uid)
{
	struct stat st;

	return path && *path == '/' && !stat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == uid;
}

static int env_add(char **env, size_t *n, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;

	env[*n] = malloc(len);
	if (!env[*n])
		return -ENOMEM;
	snprintf(env[*n], len, "%s=%s", name, value);
	(*n)++;
	return 0;
}

char **pmt_invoker_environ(const struct pmt_invoker *u)
{
	bool other = pmt_invoker_is_other(u), had_mail = false;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t ne = 0, n = 0, i;
	char run[64], **env;

	while (environ && environ[ne])
		ne++;
	env = calloc(ne + 8, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < ne; i++) {
		if (other && env_replaced(environ[i])) {
			had_mail |= env_is(environ[i], "MAIL");
			continue;
		}
		env[n] = strdup(environ[i]);
		if (!env[n++])
			goto nomem;
	}
	if (!other)
		return env;
	if (env_add(env, &n, "HOME", u->home) || env_add(env, &n, "USER", u->name) ||
	    env_add(env, &n, "LOGNAME", u->name) || env_add(env, &n, "SHELL", u->shell))
		goto nomem;
	if (had_mail) {
		char mail[128];

		snprintf(mail, sizeof(mail), "/var/mail/%s", u->name);
		if (env_add(env, &n, "MAIL", mail))
			goto nomem;
	}
	/* The user's session (Wayland, audio, D-Bus) lives there: theirs only. */
	snprintf(run, sizeof(run), "/run/user/%u", (unsigned)u->uid);
	if (!dir_of(xdg, u->uid))
		xdg = dir_of(run, u->uid) ? run : NULL;
	if (xdg && env_add(env, &n, "XDG_RUNTIME_DIR", xdg))
		goto nomem;
	if (!getenv("PATH") && env_add(env, &n, "PATH", "/usr/local/bin:/usr/bin:/bin"))
		goto nomem;
	return env;
nomem:
	pmt_environ_free(env);
	errno = ENOMEM;
	return NULL;
}

void pmt_environ_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

int pmt_invoker_become(const struct pmt_invoker *u)
{
	uid_t r, e, s;

	if (!pmt_invoker_is_other(u))
		return 0;
	if (setgroups((size_t)u->ngroups, u->groups) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (getresuid(&r, &e, &s) || r != u->uid || e != u->uid || s != u->uid)
		return -EPERM;
	return 0;
}

/* ---- capabilities ---------------------------------------------------------- */

static uint64_t caps_of(cap_flag_t which)
{
	cap_t c = cap_get_proc();
	uint64_t mask = 0;
	cap_value_t v;

	if (!c)
		return 0;
	for (v = 0; v < 64 && v <= CAP_LAST_CAP; v++) {
		cap_flag_value_t f = CAP_CLEAR;

		if (!cap_get_flag(c, v, which, &f) && f == CAP_SET)
			mask |= PMT_CAP(v);
	}
	cap_free(c);
	return mask;
}

uint64_t pmt_caps_effective(void)
{
	return caps_of(CAP_EFFECTIVE);
}

uint64_t pmt_caps_permitted(void)
{
	return caps_of(CAP_PERMITTED);
}

const char *pmt_caps_names(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	cap_value_t v;

	buf[0] = 0;
	for (v = 0; v < 64 && off < len; v++) {
		char *name;
		size_t k;

		if (!(mask & PMT_CAP(v)))
			continue;
		name = cap_to_name(v);
		off += (size_t)snprintf(buf + off, len - off, "%s", off ? ", " : "");
		for (k = 0; name && name[k] && off + 1 < len; k++)
			buf[off++] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
		if (off < len)
			buf[off] = 0;
		cap_free(name);
	}
	return buf;
}

/* -EACCES when tracefs exists but this process may not read its ids. */
static int tracefs_ids(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/exceptions/page_fault_user/id",
		"/sys/kernel/debug/tracing/events/exceptions/page_fault_user/id",
	};
	int i, err = -ENOENT;

	for (i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno == EACCES || errno == EPERM)
			err = -EACCES;
	}
	return err;
}

uint64_t pmt_caps_missing_for_bpf(void)
{
	uint64_t eff = pmt_caps_effective(), missing = 0;

	if (!(eff & PMT_CAP(CAP_SYS_ADMIN))) {
		if (!(eff & PMT_CAP(CAP_BPF)))
			missing |= PMT_CAP(CAP_BPF);
		if (!(eff & PMT_CAP(CAP_PERFMON)))
			missing |= PMT_CAP(CAP_PERFMON);
	}
	if (tracefs_ids() == -EACCES)
		missing |= PMT_CAP(CAP_DAC_READ_SEARCH);
	return missing;
}

static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int pmt_privilege_reduce(const struct pmt_invoker *u, uint64_t keep, char *err, size_t errlen)
{
	uint64_t perm = pmt_caps_permitted();
	cap_t c = NULL;
	uid_t r, e, s;
	cap_value_t v;
	int n, rc = 0;

	n = thread_count();
	if (n != 1) {
		snprintf(err, errlen, "cannot drop privileges: %d threads are running (capabilities "
			 "belong to each thread)", n);
		return -EBUSY;
	}
	keep &= perm;
	if (pmt_invoker_is_other(u)) {
		/* Keep the permitted set across the change of uid, then pick. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
		    setgroups((size_t)u->ngroups, u->groups) ||
		    setresgid(u->gid, u->gid, u->gid) || setresuid(u->uid, u->uid, u->uid)) {
			rc = -errno;
			snprintf(err, errlen, "cannot become user %s (uid %u): %s", u->name,
				 (unsigned)u->uid, strerror(errno));
			goto out;
		}
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		if (getresuid(&r, &e, &s) || r != u->uid || e != u->uid || s != u->uid) {
			rc = -EPERM;
			snprintf(err, errlen, "cannot become user %s (uid %u)", u->name,
				 (unsigned)u->uid);
			goto out;
		}
	}
	c = cap_init();
	if (!c) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (v = 0; v < 64; v++) {
		if (!(keep & PMT_CAP(v)))
			continue;
		if (cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) ||
		    cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET)) {
			rc = -EINVAL;
			snprintf(err, errlen, "capability %d unknown to libcap", (int)v);
			goto out;
		}
	}
	if (cap_set_proc(c)) {
		rc = -errno;
		snprintf(err, errlen, "cannot reduce capabilities: %s", strerror(errno));
		goto out;
	}
	cap_reset_ambient(); /* fails harmlessly where there are none */
	if (pmt_caps_permitted() != keep || pmt_caps_effective() != keep) {
		rc = -EPERM;
		snprintf(err, errlen, "capabilities not reduced as asked");
	}
out:
	if (c)
		cap_free(c);
	return rc;
}

const char *pmt_caps_text(char *buf, size_t len)
{
	cap_t c = cap_get_proc();
	char *t = c ? cap_to_text(c, NULL) : NULL;

	snprintf(buf, len, "%s", t ? t : "?");
	if (t)
		cap_free(t);
	if (c)
		cap_free(c);
	return buf;
}

int pmt_pid_foreign(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], line[256];
	unsigned a, b, c, d;
	unsigned long long prm;
	int flags = 0, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %u %u %u %u", &a, &b, &c, &d) == 4) {
			seen |= 1;
			if (a != uid || b != uid || c != uid || d != uid)
				flags |= PMT_PID_OTHER_UID;
		} else if (sscanf(line, "Gid: %u %u %u %u", &a, &b, &c, &d) == 4) {
			seen |= 2;
			if (a != gid || b != gid || c != gid || d != gid)
				flags |= PMT_PID_OTHER_GID;
		} else if (sscanf(line, "CapPrm: %llx", &prm) == 1) {
			seen |= 4;
			if (prm)
				flags |= PMT_PID_HAS_CAPS;
		}
	}
	fclose(f);
	return seen == 7 ? flags : -ESRCH;
}
