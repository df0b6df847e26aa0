/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * outfile.h - output files written whole and renamed into place, so a
 * reader (a browser left open on an HTML report, a file watcher) never sees
 * half a file.
 */
#ifndef PMT_OUTFILE_H
#define PMT_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the whole content to @f; 0 or a negative errno. */
typedef int (*pmt_outfile_fn)(FILE *f, void *ctx);

/*
 * Write @path atomically: @fn writes a temporary file in the same
 * directory, which is flushed and renamed over @path. The file gets mode
 * 0666 less the umask, like fopen(), and belongs to the invoking user: all
 * of it runs with their rights (os/user_file.h), and an existing @path
 * they could not write is refused (-EACCES). Returns 0, or a negative
 * errno with a one-line reason in @err (the temporary file is removed).
 */
int pmt_outfile_write(const char *path, pmt_outfile_fn fn, void *ctx, char *err, size_t errlen);

/*
 * Check that @path can be written the same way (a temporary file can be
 * made beside it, as the invoking user), without touching @path. 0, or a negative errno with a
 * one-line reason in @err.
 */
int pmt_outfile_check(const char *path, char *err, size_t errlen);

#endif
