/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pywalk.h - telling the BPF stack walker where the target's Python frames
 * are: the layout of its CPython version and its main interpreter.
 */
#ifndef PMT_PYWALK_H
#define PMT_PYWALK_H

#include <sys/types.h>

#include "cpython/pylayout.h"
#include "cpython/python.h"

struct pmt_bpf;

/*
 * Fill @l with the layout of @py (3.13: from its _Py_DebugOffsets) and give
 * the BPF walker its configuration. Returns 0, -EAGAIN while the runtime
 * has no interpreter yet, -ENOTSUP for a version without a layout, or
 * -errno of a read.
 */
int pmt_pywalk_setup(pid_t pid, const struct pmt_python *py, struct pmt_bpf *b,
		     struct pmt_pylayout *l);

#endif
