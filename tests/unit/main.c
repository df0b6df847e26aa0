// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - the unit-test runner: registers every suite, runs them with the
 * basic interface and exits 1 when any assertion failed (CUnit's own
 * return value only reports framework errors) or the registry failed.
 */
#include <stddef.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "suites.h"

/* Suites in run order; add a module's register function here. */
static void (*const registrations[])(void) = {
	pmt_test_register_frame_ring,
	pmt_test_register_baseline,
	pmt_test_register_classify,
	pmt_test_register_summary,
	pmt_test_register_insn,
	pmt_test_register_session,
	pmt_test_register_assets,
	pmt_test_register_platform,
	pmt_test_register_evict,
	pmt_test_register_budget,
	pmt_test_register_x86_sites,
	pmt_test_register_trace,
	pmt_test_register_growth,
	pmt_test_register_gl,
	pmt_test_register_pyheap,
	pmt_test_register_runfile,
	pmt_test_register_callgraph,
	pmt_test_register_marker_choice,
	pmt_test_register_heapgraph,
	pmt_test_register_heapdiff,
	pmt_test_register_engine_assets,
	pmt_test_register_pools,
	pmt_test_register_pool_track,
	pmt_test_register_blockmap,
	pmt_test_register_cycles,
	pmt_test_register_sample,
	pmt_test_register_gc_gov,
};

/*
 * pmt_test_add_suite - add suite @name with the @n tests of @tests.
 * Stops at the first registry error, which stays in CU_get_error().
 */
void pmt_test_add_suite(const char *name, const struct pmt_test *tests, size_t n)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);
	size_t i;

	if (!suite)
		return;
	for (i = 0; i < n; i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			return;
}

/* main - run every suite; 0 when all pass, 1 on a failure, 2 on a registry error. */
int main(void)
{
	unsigned int failures;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < PMT_ARRAY_SIZE(registrations); i++) {
		registrations[i]();
		if (CU_get_error() != CUE_SUCCESS)
			goto registry_error;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto registry_error;
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures > 0 ? 1 : 0;

registry_error:
	CU_cleanup_registry();
	return 2;
}
