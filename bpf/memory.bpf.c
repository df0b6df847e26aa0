// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memory.bpf.c - the target's page faults and address-space changes.
 *
 * Kernel events, far rarer than allocations: page faults, and the mmap,
 * munmap, mremap and brk system calls. Every program returns at once
 * for other processes; for the target it does one or two atomic adds and,
 * once userspace turns growth sites on, walks the faulting or mapping
 * thread's Python stack (a few microseconds) to attribute the growth:
 * a cost that follows the growth, not the allocation count.
 */
#include "pmtrace.bpf.h"
#include "pystack.bpf.h"

/*
 * Add @faults and @bytes to the current Python stack's entry for this
 * epoch (PMT_GROWTH_NATIVE when no Python frame is current). A full table
 * is counted in pmt_growth_dropped, never waited for.
 */
static __always_inline void growth_add(__u64 faults, __u64 bytes)
{
	struct pmt_growth_key k = {};
	struct pmt_growth_val zero = {}, *v;

	if (!pmt_growth_on || !pmt_pywalk.interp_addr)
		return;
	k.epoch = pmt_growth_epoch;
	k.stack_id = py_stack_id();
	v = bpf_map_lookup_elem(&pmt_growth, &k);
	if (!v) {
		bpf_map_update_elem(&pmt_growth, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&pmt_growth, &k);
		if (!v) {
			__sync_fetch_and_add(&pmt_growth_dropped, 1);
			return;
		}
	}
	if (faults)
		__sync_fetch_and_add(&v->faults, faults);
	if (bytes)
		__sync_fetch_and_add(&v->mapped_bytes, bytes);
}

/*
 * Fault exceptions on user addresses, from user mode and from the kernel
 * touching user memory (copy_to_user). fentry/fexit would give exact
 * minor/major accounting and timing, but tracing programs are not allowed
 * everywhere; tracepoints are, and cost under 0.1 us a hit.
 */
static __always_inline void count_fault(unsigned long address)
{
	if (!pmt_is_target() || address >= 0x0000800000000000ULL)
		return;
	__sync_fetch_and_add(&pmt_cnt.faults, 1);
	if ((__u32)bpf_get_current_pid_tgid() == pmt_frame_tid)
		__sync_fetch_and_add(&pmt_cnt.faults_frame, 1);
	growth_add(1, 0);
}

SEC("tracepoint/exceptions/page_fault_user")
int pmt_fault_user(struct trace_event_raw_exceptions *ctx)
{
	count_fault(ctx->address);
	return 0;
}

SEC("tracepoint/exceptions/page_fault_kernel")
int pmt_fault_kernel(struct trace_event_raw_exceptions *ctx)
{
	count_fault(ctx->address);
	return 0;
}

static __always_inline __u64 page_round(__u64 len)
{
	return (len + 4095) & ~4095ULL;
}

static __always_inline void remember(__u64 kind, __u64 value)
{
	__u64 key = pmt_start_key(kind);

	bpf_map_update_elem(&pmt_starts, &key, &value, BPF_ANY);
}

static __always_inline bool recall(__u64 kind, __u64 *value)
{
	__u64 key = pmt_start_key(kind), *v;

	v = bpf_map_lookup_elem(&pmt_starts, &key);
	if (!v)
		return false;
	*value = *v;
	bpf_map_delete_elem(&pmt_starts, &key);
	return true;
}

static __always_inline bool failed(long ret)
{
	return ret < 0 && ret > -4096;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int pmt_mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (pmt_is_target())
		remember(PMT_START_MMAP, page_round(ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int pmt_mmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 len;

	if (pmt_is_target() && recall(PMT_START_MMAP, &len) && !failed(ctx->ret)) {
		__sync_fetch_and_add(&pmt_cnt.mapped_bytes, len);
		growth_add(0, len);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int pmt_munmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (pmt_is_target())
		__sync_fetch_and_add(&pmt_cnt.unmapped_bytes, page_round(ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int pmt_mremap_enter(struct trace_event_raw_sys_enter *ctx)
{
	__s64 delta;

	if (!pmt_is_target())
		return 0;
	delta = (__s64)page_round(ctx->args[2]) - (__s64)page_round(ctx->args[1]);
	remember(PMT_START_MREMAP, (__u64)delta);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int pmt_mremap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 v;
	__s64 delta;

	if (!pmt_is_target() || !recall(PMT_START_MREMAP, &v) || failed(ctx->ret))
		return 0;
	delta = (__s64)v;
	if (delta > 0) {
		__sync_fetch_and_add(&pmt_cnt.mapped_bytes, delta);
		growth_add(0, delta);
	} else
		__sync_fetch_and_add(&pmt_cnt.unmapped_bytes, -delta);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_brk")
int pmt_brk_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task;

	if (!pmt_is_target())
		return 0;
	task = bpf_get_current_task_btf();
	remember(PMT_START_BRK, BPF_CORE_READ(task, mm, brk));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_brk")
int pmt_brk_exit(struct trace_event_raw_sys_exit *ctx)
{
	__s64 delta;
	__u64 old;

	if (!pmt_is_target() || !recall(PMT_START_BRK, &old) || !old || ctx->ret <= 0)
		return 0;
	delta = (__s64)ctx->ret - (__s64)old;
	__sync_fetch_and_add(&pmt_cnt.brk_bytes, delta);
	if (delta > 0)
		growth_add(0, delta);
	return 0;
}
