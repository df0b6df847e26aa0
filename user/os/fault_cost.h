/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault_cost.h - what one first-touch page fault costs on this machine.
 *
 * Tracepoints count faults but cannot time them, so the time a frame spent
 * faulting is estimated as its fault count times this measured cost.
 */
#ifndef PMT_FAULT_COST_H
#define PMT_FAULT_COST_H

/* Median ns per anonymous first-touch fault, page written in full, over
 * three 1 MiB trials (768 faults: about 10 ms here, at ~12 us a fault). */
double pmt_fault_cost_ns(void);

#endif
