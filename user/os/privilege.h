/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * privilege.h - who pmtrace-bpf works for, and holding no more privilege
 * than its job needs.
 *
 * The invoking user is the one behind sudo (SUDO_UID, SUDO_GID), pkexec
 * (PKEXEC_UID) or doas (DOAS_USER) when the tool runs with real uid 0, else
 * the real user itself (root, or a user running a binary given file
 * capabilities with setcap). The game the tool launches runs as that user,
 * with their groups and an environment like the one a command of theirs
 * would get; files the tool writes are opened with their rights
 * (user_file.h); after start-up the tool itself runs under their uid and
 * keeps only the capabilities the caller names (pmt_privilege_reduce()).
 * docs/usage.md ("Privileges") says which and why.
 */
#ifndef PMT_PRIVILEGE_H
#define PMT_PRIVILEGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum pmt_via {
	PMT_VIA_SELF = 0, /* not started through a privilege tool: the real user */
	PMT_VIA_SUDO,
	PMT_VIA_PKEXEC,
	PMT_VIA_DOAS,
};

struct pmt_invoker {
	uid_t uid;
	gid_t gid;
	gid_t *groups;   /* supplementary groups as initgroups() gives them (gid included) */
	int ngroups;
	enum pmt_via via;
	bool other;      /* not the real user the process started as (sudo & co) */
	char name[64];   /* "" when the uid has no passwd entry (PMT_VIA_SELF only) */
	char home[PATH_MAX];
	char shell[PATH_MAX];
};

/* A capability as a bit of a 64-bit mask (CAP_* numbers are below 64). */
#define PMT_CAP(c) (1ULL << (c))

/*
 * Find the invoking user (see above) into @u and remember it for the whole
 * process (pmt_invoker()). Variables naming the user are trusted only when
 * the real uid is 0: a user cannot name anybody else. Returns 0, or -EINVAL
 * with a one-line reason in @err (a malformed or unknown user).
 */
int pmt_invoker_find(struct pmt_invoker *u, char *err, size_t errlen);
void pmt_invoker_free(struct pmt_invoker *u);

/* The invoker pmt_invoker_find() found, or NULL before it ran. */
const struct pmt_invoker *pmt_invoker(void);

/* True when the invoker is not who the process runs as now (sudo & co). */
bool pmt_invoker_is_other(const struct pmt_invoker *u);

/* "sudo", "pkexec", "doas" or "self". */
const char *pmt_via_name(enum pmt_via v);

/*
 * Take the invoker's supplementary groups now, while keeping uid 0: files
 * opened as the user (user_file.h) are then checked against the user's
 * groups, not root's. Nothing to do unless pmt_invoker_is_other(). 0 or
 * -errno.
 */
int pmt_invoker_adopt_groups(const struct pmt_invoker *u);

/*
 * The environment a command of the invoker gets, as a NULL-terminated array
 * owned by the caller (pmt_environ_free()): the current one with HOME,
 * USER, LOGNAME and SHELL from the user's passwd entry, MAIL moved to
 * theirs, the privilege tool's own variables (SUDO_*, PKEXEC_UID,
 * DOAS_USER) removed, and XDG_RUNTIME_DIR kept only if it is the user's
 * (else /run/user/UID when that is theirs). DISPLAY, WAYLAND_DISPLAY,
 * XAUTHORITY, PATH, locale and the rest pass unchanged. A copy of the
 * current environment when the invoker is the process's own user. NULL
 * with errno on failure.
 */
char **pmt_invoker_environ(const struct pmt_invoker *u);
void pmt_environ_free(char **env);

/*
 * In a child between fork() and exec(): become the invoker for good
 * (supplementary groups, gid, uid: real, effective and saved), which also
 * clears every capability. Async-signal-safe. 0 (also when already the
 * invoker) or -errno.
 */
int pmt_invoker_become(const struct pmt_invoker *u);

/* The calling thread's effective and permitted capability sets. */
uint64_t pmt_caps_effective(void);
uint64_t pmt_caps_permitted(void);

/* "CAP_BPF, CAP_PERFMON" for the bits of @mask into @buf; returns @buf. */
const char *pmt_caps_names(uint64_t mask, char *buf, size_t len);

/*
 * Capabilities BPF needs that the calling thread lacks: CAP_BPF and
 * CAP_PERFMON (CAP_SYS_ADMIN stands for both, as the kernel lets it), and
 * CAP_DAC_READ_SEARCH when the tracepoint ids in tracefs are not readable
 * without it (tracefs is root-only on many systems). 0: nothing missing.
 */
uint64_t pmt_caps_missing_for_bpf(void);

/*
 * After start-up, for the rest of the run: become the invoker (groups, gid,
 * then uid: real, effective and saved) keeping the capabilities of @keep
 * that are in the permitted set, and nothing else (inheritable and ambient
 * sets cleared). When the invoker is the process's own user (root itself,
 * or a setcap'd binary) only the capability sets shrink. The caller must
 * be single-threaded: capabilities belong to threads, so a thread started
 * before would keep the old ones (-EBUSY). Returns 0, or -errno with a
 * one-line reason in @err.
 */
int pmt_privilege_reduce(const struct pmt_invoker *u, uint64_t keep, char *err, size_t errlen);

/* The calling thread's capabilities in libcap's text form ("cap_bpf,...=ep", or "="). */
const char *pmt_caps_text(char *buf, size_t len);

/*
 * What reading process @pid needs beyond running as @uid, @gid: bits of
 * PMT_PID_* (0: nothing, it is theirs through and through). The kernel lets
 * a process read another's memory and mappings without CAP_SYS_PTRACE only
 * when all of the other's uids and gids are its own and the other holds no
 * capability it lacks; files of another user may be unreadable without
 * CAP_DAC_READ_SEARCH. -errno when @pid cannot be read.
 */
#define PMT_PID_OTHER_UID 1 /* a uid (real, effective, saved, fs) is not @uid */
#define PMT_PID_OTHER_GID 2 /* the same for gids */
#define PMT_PID_HAS_CAPS 4  /* it holds capabilities (root's processes do) */
int pmt_pid_foreign(pid_t pid, uid_t uid, gid_t gid);

#endif
