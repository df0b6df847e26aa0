// SPDX-License-Identifier: BSD-2-Clause
/*
 * outputs.c - the text and JSON Lines streams of a run.
 */
#include <errno.h>
#include <string.h>

#include "os/user_file.h"
#include "run/outputs.h"

int pmt_outputs_open(struct pmt_outputs *out, const char *path, const struct pmt_invoker *u,
		     char *err, size_t errlen)
{
	int e;

	out->text = stdout;
	out->json = NULL;
	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		out->json = stdout;
		out->text = stderr;
		return 0;
	}
	/* As the invoking user: theirs, and never a file they could not write. */
	out->json = pmt_user_fopen(path, "w");
	if (out->json)
		return 0;
	e = errno;
	if (e == EACCES && pmt_invoker_is_other(u))
		snprintf(err, errlen, "cannot write %s: %s (as user %s)", path, strerror(e),
			 u->name);
	else
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	return -e;
}

void pmt_outputs_close(struct pmt_outputs *out)
{
	if (out->json && out->json != stdout)
		fclose(out->json);
	out->json = NULL;
}
