/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * records.h - the read-only result objects of the API (MemoryHeatmap,
 * MemoryLeak, BudgetViolation, PlatformStatus): a fixed set of attributes
 * each, filled once by the C code that computes them.
 */
#ifndef PMT_RECORDS_H
#define PMT_RECORDS_H

#include "pmt_module.h"

#define PMT_RECORD_MAX 16

typedef struct {
	PyObject_HEAD
	PyObject *v[PMT_RECORD_MAX];
} PmtRecord;

/*
 * A new record of type @tp with the @n values that follow (new references,
 * stolen, in the type's attribute order). When any is NULL the others are
 * released and NULL is returned (the exception that made it NULL stays).
 */
PyObject *pmt_record_new(PyTypeObject *tp, int n, ...);

/* The record's attribute @i (borrowed). */
static inline PyObject *pmt_record_get(PyObject *r, int i)
{
	return ((PmtRecord *)r)->v[i];
}

/* Attribute indices. */
enum { HM_TOTAL, HM_COUNT, HM_HOTSPOTS, HM_BY_TYPE, HM_COUNT_BY_TYPE, HM_PEAK_BY_TYPE, HM_BY_STATE,
       HM_TOP, HM_FIELDS };
enum { LK_KIND, LK_ASSET, LK_SIZE, LK_TYPE, LK_DETAIL, LK_CYCLE, LK_SITE, LK_FIELDS };
enum { BV_BUDGET, BV_MESSAGE, BV_STATE, BV_PREVIOUS, BV_USAGE, BV_LIMIT, BV_PERCENT, BV_EVICTED,
       BV_FREED, BV_USAGE_AFTER, BV_STRATEGY, BV_ENOUGH, BV_TRIGGER, BV_FIELDS };
enum { PS_PLATFORM, PS_PROFILE, PS_PROCESS, PS_PEAK, PS_TOTAL, PS_AVAILABLE, PS_PERCENT,
       PS_CRITICAL, PS_RECOMMENDATIONS, PS_LIMIT, PS_VERDICT, PS_PYTHON, PS_FIELDS };

#endif /* PMT_RECORDS_H */
