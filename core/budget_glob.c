// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget_glob.c - asset path globs of budgets and [priorities] rules,
 * matched with fnmatch(3). Linked by the eBPF tool only: the Python
 * extension names assets itself and runs where fnmatch does not exist.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <string.h>

#include "pmtrace/budget.h"
#include "budget_priv.h"

bool pmt_budget_path_match(const char *glob, const char *path)
{
	const char *p;

	if (!glob || !path)
		return false;
	if (fnmatch(glob, path, 0) == 0)
		return true;
	if (glob[0] == '/')
		return false;
	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (fnmatch(glob, p + 1, 0) == 0)
			return true;
	return false;
}


bool pmt_budgets_priority(const struct pmt_budgets *b, const char *path, int32_t *prio)
{
	size_t i;

	if (!b || !path)
		return false;
	for (i = 0; i < b->nprios; i++) {
		if (pmt_budget_path_match(b->prios[i].glob, path)) {
			if (prio)
				*prio = b->prios[i].value;
			return true;
		}
	}
	return false;
}
