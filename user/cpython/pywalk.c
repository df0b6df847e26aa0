// SPDX-License-Identifier: BSD-2-Clause
/*
 * pywalk.c - the BPF stack walker's configuration from a CPython layout.
 */
#include <errno.h>
#include <string.h>

#include "probes/bpf_backend.h"
#include "os/proc.h"
#include "cpython/pywalk.h"

int pmt_pywalk_setup(pid_t pid, const struct pmt_python *py, struct pmt_bpf *b,
		     struct pmt_pylayout *l)
{
	struct pmt_pywalk_cfg c;
	uint64_t interp = 0;
	int err;

	err = pmt_pylayout_for(py->major, py->minor, l);
	if (err)
		return err;
	if (py->minor >= 13)
		pmt_pylayout_read_debug(pid, py->runtime_addr, l);
	err = pmt_mem_read(pid, py->runtime_addr + l->runtime_interp_main, &interp,
			   sizeof(interp));
	if (err)
		return err;
	if (!interp)
		return -EAGAIN; /* not initialised yet */
	memset(&c, 0, sizeof(c));
	c.interp_addr = interp;
	c.threads_head = l->interp_threads_head;
	c.tstate_next = l->tstate_next;
	c.tstate_native_tid = l->tstate_native_thread_id;
	c.tstate_thread_id = l->tstate_thread_id;
	c.tstate_frame = l->tstate_frame;
	c.cframe_current = l->cframe_current_frame;
	c.frame_previous = l->frame_previous;
	c.frame_code = l->frame_code;
	c.frame_pos = l->frame_pos;
	c.frame_owner = l->frame_owner;
	c.owner_cstack = l->frame_owner_cstack;
	c.pos_is_ptr = l->pos_kind == PMT_PYPOS_INSTR_PTR;
	pmt_bpf_set_pywalk(b, &c);
	return 0;
}
