// SPDX-License-Identifier: BSD-2-Clause
/*
 * outfile.c - atomic replacement of an output file: a temporary file in
 * the same directory (so rename() stays on one file system), written,
 * flushed, given the mode fopen() would give, then renamed. All of it as
 * the invoking user (os/user_file.h): the file is theirs, and one they
 * could not write themselves is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/outfile.h"
#include "os/user_file.h"

/* An existing @path the user could not write: -EACCES (their own mv could replace it,
 * but a tool should not replace what its user was not allowed to change). */
static int writable(const char *path, char *err, size_t errlen)
{
	/* AT_EACCESS: the filesystem ids set for the user, not the real ones. */
	if (access(path, F_OK) || !faccessat(AT_FDCWD, path, W_OK, AT_EACCESS))
		return 0;
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(EACCES));
	return -EACCES;
}

static int write_file(const char *path, pmt_outfile_fn fn, void *ctx, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	FILE *f = NULL;
	mode_t mask;
	int fd = -1, rc;

	if (!tmp) {
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) {
		rc = -errno;
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		goto fail;
	}
	fd = -1;
	rc = fn(f, ctx);
	if (!rc && (fflush(f) || ferror(f)))
		rc = errno ? -errno : -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	f = NULL;
	if (rc)
		goto fail;
	if (rename(tmp, path)) {
		rc = -errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}

static int check_file(const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	int fd, rc = 0;

	if (!tmp) {
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	} else {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int pmt_outfile_write(const char *path, pmt_outfile_fn fn, void *ctx, char *err, size_t errlen)
{
	struct pmt_user_scope us;
	int rc;

	pmt_user_scope_begin(&us);
	rc = writable(path, err, errlen);
	if (!rc)
		rc = write_file(path, fn, ctx, err, errlen);
	pmt_user_scope_end(&us);
	return rc;
}

int pmt_outfile_check(const char *path, char *err, size_t errlen)
{
	struct pmt_user_scope us;
	int rc;

	pmt_user_scope_begin(&us);
	rc = writable(path, err, errlen);
	if (!rc)
		rc = check_file(path, err, errlen);
	pmt_user_scope_end(&us);
	return rc;
}
