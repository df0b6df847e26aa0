/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * outputs.h - where a run's records go: text reports to stdout, JSON Lines
 * to --json FILE (opened as the invoking user: see os/user_file.h) or to
 * stdout with "-" (the text then goes to stderr).
 */
#ifndef PMT_OUTPUTS_H
#define PMT_OUTPUTS_H

#include <stdio.h>

#include "os/privilege.h"

struct pmt_outputs {
	FILE *text;
	FILE *json; /* NULL: no --json */
};

/*
 * Open what --json @path (NULL: none) asks for, as @u. Returns 0, or -errno
 * with a one-line reason in @err (a file the user could not write).
 */
int pmt_outputs_open(struct pmt_outputs *out, const char *path, const struct pmt_invoker *u,
		     char *err, size_t errlen);
/* Close the JSON file (not stdout). */
void pmt_outputs_close(struct pmt_outputs *out);

#endif
