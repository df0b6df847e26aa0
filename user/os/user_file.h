/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * user_file.h - opening files for the invoking user, with their rights and
 * as their own.
 *
 * Every file pmtrace-bpf writes (JSON Lines today; HTML, Perfetto traces and
 * any other output tomorrow) and every file a user names for it to read (a
 * budget file) is opened through these functions, never with a bare open()
 * or fopen(). Whether the tool still runs as root (start-up, before
 * pmt_privilege_reduce()), runs under the user's uid keeping a capability
 * such as CAP_DAC_READ_SEARCH, or runs from a setcap'd binary, the
 * permission checks are the invoking user's (uid, gid, supplementary groups,
 * no capability that bypasses them), and a file created belongs to them,
 * with the mode 0666 masked by the umask, as their own shell would make it.
 * A file they could not write themselves is refused (EACCES), not
 * overwritten as root. The switch (setfsuid/setfsgid, and lowering the
 * capabilities that bypass file permissions) applies to the calling thread
 * only and is undone before returning.
 */
#ifndef PMT_USER_FILE_H
#define PMT_USER_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* open(2) as the invoking user; O_CLOEXEC is added. A descriptor or -errno. */
int pmt_user_open(const char *path, int flags, mode_t mode);

/*
 * fopen(3) as the invoking user: @mode "r", "w", "a", optionally with '+'
 * (created files: 0666 & ~umask). NULL with errno on failure.
 */
FILE *pmt_user_fopen(const char *path, const char *mode);

/* access(2) as the invoking user (R_OK, W_OK, X_OK). 0 or -errno. */
int pmt_user_access(const char *path, int amode);

/*
 * The scope the functions above open and close around one call, for code
 * that makes files itself (mkstemp, fchmod, rename: os/outfile.c): between
 * pmt_user_scope_begin() and pmt_user_scope_end() the calling thread's
 * file operations are checked as the invoking user's and what it creates
 * is theirs. errno is kept across pmt_user_scope_end().
 */
struct pmt_user_scope {
	bool fs_switched;
	uid_t old_fsuid;
	gid_t old_fsgid;
	void *saved_caps; /* the capabilities before lowering, or NULL */
};
void pmt_user_scope_begin(struct pmt_user_scope *s);
void pmt_user_scope_end(struct pmt_user_scope *s);

#endif
