/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * suites.h - one registration function per unit-test suite, one suite per
 * pure module. Each adds its suite and tests to the CUnit registry; a
 * registry failure is left in CU_get_error() for the runner to see.
 */
#ifndef PMT_TEST_SUITES_H
#define PMT_TEST_SUITES_H

#include <CUnit/CUnit.h>

/* One test of a suite: the data-driven registration row. */
struct pmt_test {
	const char *name;
	CU_TestFunc fn;
};

/*
 * Add suite @name with the @n tests of @tests; stops at the first registry
 * error, which stays in CU_get_error().
 */
void pmt_test_add_suite(const char *name, const struct pmt_test *tests, size_t n);

void pmt_test_register_frame_ring(void);
void pmt_test_register_baseline(void);
void pmt_test_register_classify(void);
void pmt_test_register_summary(void);
void pmt_test_register_insn(void);
void pmt_test_register_session(void);
void pmt_test_register_assets(void);
void pmt_test_register_platform(void);
void pmt_test_register_evict(void);
void pmt_test_register_budget(void);
void pmt_test_register_x86_sites(void);
void pmt_test_register_trace(void);
void pmt_test_register_growth(void);
void pmt_test_register_gl(void);
void pmt_test_register_pyheap(void);
void pmt_test_register_runfile(void);
void pmt_test_register_callgraph(void);
void pmt_test_register_marker_choice(void);
void pmt_test_register_heapgraph(void);
void pmt_test_register_heapdiff(void);
void pmt_test_register_engine_assets(void);
void pmt_test_register_pools(void);
void pmt_test_register_pool_track(void);
void pmt_test_register_blockmap(void);
void pmt_test_register_cycles(void);
void pmt_test_register_sample(void);
void pmt_test_register_gc_gov(void);

#define PMT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PMT_TEST_SUITES_H */
