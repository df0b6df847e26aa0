// SPDX-License-Identifier: BSD-2-Clause
/*
 * osmem.c - the platform layer of osmem.h: one section per OS, chosen at
 * compile time. Linux reads /proc/self/statm (kept open: one pread a call)
 * and getrusage(); macOS asks the Mach kernel (task_info TASK_VM_INFO,
 * host_statistics64) and sysctl hw.memsize; Windows asks psapi and
 * kernel32. No allocation, no Python, no globals.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* RUSAGE_THREAD */
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osmem.h"

#if defined(_WIN32)
#define PSAPI_VERSION 2 /* GetProcessMemoryInfo is K32GetProcessMemoryInfo: kernel32 only */
#include <windows.h>
#include <psapi.h>
#elif defined(__APPLE__)
#include <mach/mach.h>
#include <sys/resource.h>
#include <sys/sysctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#elif defined(__linux__)
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#endif

/* ---- Linux ---------------------------------------------------------------- */
#if defined(__linux__)

const char *pmt_os_name(void)
{
	return "linux";
}

uint64_t pmt_os_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

int pmt_os_open(struct pmt_os *os)
{
	os->page_size = pmt_os_page_size();
	os->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	return os->statm_fd < 0 ? -errno : 0;
}

void pmt_os_close(struct pmt_os *os)
{
	if (os->statm_fd >= 0)
		close(os->statm_fd);
	os->statm_fd = -1;
}

int pmt_os_process(struct pmt_os *os, struct pmt_os_proc *out)
{
	struct rusage ru;
	char buf[128];
	unsigned long long size = 0, resident = 0;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (os->statm_fd < 0)
		return -EBADF;
	n = pread(os->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EIO;
	out->rss_bytes = (uint64_t)resident * os->page_size;
	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	out->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024; /* KiB here */
	if (out->peak_rss_bytes < out->rss_bytes)
		out->peak_rss_bytes = out->rss_bytes;
	out->minflt = (uint64_t)ru.ru_minflt;
	out->majflt = (uint64_t)ru.ru_majflt;
	return 0;
}

int pmt_os_thread(struct pmt_os_thread *out)
{
	struct rusage ru;

	memset(out, 0, sizeof(*out));
	if (getrusage(RUSAGE_THREAD, &ru))
		return -errno;
	out->minflt = (uint64_t)ru.ru_minflt;
	out->majflt = (uint64_t)ru.ru_majflt;
	out->sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
		      (uint64_t)ru.ru_stime.tv_usec * 1000ull;
	out->per_thread = true;
	return 0;
}

int pmt_os_sample(struct pmt_os *os, struct pmt_os_proc *proc, struct pmt_os_thread *th)
{
	struct rusage ru;
	char buf[128];
	unsigned long long size = 0, resident = 0;
	ssize_t n;

	memset(proc, 0, sizeof(*proc));
	memset(th, 0, sizeof(*th));
	if (os->statm_fd < 0)
		return -EBADF;
	n = pread(os->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EIO;
	proc->rss_bytes = (uint64_t)resident * os->page_size;
	if (getrusage(RUSAGE_THREAD, &ru))
		return -errno;
	/* the mm's high-water mark: the process's, asked from any thread */
	proc->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
	if (proc->peak_rss_bytes < proc->rss_bytes)
		proc->peak_rss_bytes = proc->rss_bytes;
	th->minflt = (uint64_t)ru.ru_minflt;
	th->majflt = (uint64_t)ru.ru_majflt;
	th->sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
		     (uint64_t)ru.ru_stime.tv_usec * 1000ull;
	th->per_thread = true;
	return 0;
}

/* The value in kB of @key in /proc/meminfo's text @buf, or -1. */
static long long meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	long long v;

	if (!p || sscanf(p + strlen(key), " %lld", &v) != 1)
		return -1;
	return v;
}

int pmt_os_system(struct pmt_os_system *out)
{
	char buf[4096];
	long long total, avail;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof(*out));
	fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	total = meminfo_kb(buf, "MemTotal:");
	avail = meminfo_kb(buf, "MemAvailable:");
	if (total < 0)
		return -EIO;
	if (avail < 0) /* kernels before 3.14 */
		avail = meminfo_kb(buf, "MemFree:");
	out->total_bytes = (uint64_t)total * 1024;
	out->available_bytes = avail > 0 ? (uint64_t)avail * 1024 : 0;
	return 0;
}

uint64_t pmt_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- macOS ---------------------------------------------------------------- */
#elif defined(__APPLE__)

const char *pmt_os_name(void)
{
	return "macos";
}

uint64_t pmt_os_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 16384;
}

int pmt_os_open(struct pmt_os *os)
{
	os->statm_fd = -1;
	os->page_size = pmt_os_page_size();
	return 0;
}

void pmt_os_close(struct pmt_os *os)
{
	os->statm_fd = -1;
}

int pmt_os_process(struct pmt_os *os, struct pmt_os_proc *out)
{
	task_vm_info_data_t vm;
	mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
	struct rusage ru;

	(void)os;
	memset(out, 0, sizeof(*out));
	if (task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&vm, &count) != KERN_SUCCESS)
		return -EIO;
	out->rss_bytes = vm.resident_size;
	out->peak_rss_bytes = vm.resident_size_peak;
	if (out->peak_rss_bytes < out->rss_bytes)
		out->peak_rss_bytes = out->rss_bytes;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		out->minflt = (uint64_t)ru.ru_minflt;
		out->majflt = (uint64_t)ru.ru_majflt;
	}
	return 0;
}

int pmt_os_thread(struct pmt_os_thread *out)
{
	struct rusage ru;
	mach_port_t self;
	thread_basic_info_data_t bi;
	mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;

	memset(out, 0, sizeof(*out));
	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	out->minflt = (uint64_t)ru.ru_minflt;
	out->majflt = (uint64_t)ru.ru_majflt;
	out->per_thread = false;
	self = mach_thread_self();
	if (thread_info(self, THREAD_BASIC_INFO, (thread_info_t)&bi, &count) == KERN_SUCCESS)
		out->sys_ns = (uint64_t)bi.system_time.seconds * 1000000000ull +
			      (uint64_t)bi.system_time.microseconds * 1000ull;
	mach_port_deallocate(mach_task_self(), self);
	return 0;
}

int pmt_os_sample(struct pmt_os *os, struct pmt_os_proc *proc, struct pmt_os_thread *th)
{
	int err = pmt_os_process(os, proc);

	pmt_os_thread(th);
	return err;
}

int pmt_os_system(struct pmt_os_system *out)
{
	vm_statistics64_data_t vs;
	mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
	uint64_t total = 0;
	size_t len = sizeof(total);
	vm_size_t page = 0;

	memset(out, 0, sizeof(*out));
	if (sysctlbyname("hw.memsize", &total, &len, NULL, 0))
		return -errno;
	out->total_bytes = total;
	if (host_page_size(mach_host_self(), &page) != KERN_SUCCESS || !page)
		page = (vm_size_t)pmt_os_page_size();
	if (host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&vs, &count) ==
	    KERN_SUCCESS)
		out->available_bytes =
			((uint64_t)vs.free_count + (uint64_t)vs.inactive_count) * (uint64_t)page;
	return 0;
}

uint64_t pmt_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- Windows -------------------------------------------------------------- */
#elif defined(_WIN32)

const char *pmt_os_name(void)
{
	return "windows";
}

uint64_t pmt_os_page_size(void)
{
	SYSTEM_INFO si;

	GetSystemInfo(&si);
	return si.dwPageSize ? si.dwPageSize : 4096;
}

int pmt_os_open(struct pmt_os *os)
{
	os->statm_fd = -1;
	os->page_size = pmt_os_page_size();
	return 0;
}

void pmt_os_close(struct pmt_os *os)
{
	os->statm_fd = -1;
}

int pmt_os_process(struct pmt_os *os, struct pmt_os_proc *out)
{
	PROCESS_MEMORY_COUNTERS pmc;

	(void)os;
	memset(out, 0, sizeof(*out));
	memset(&pmc, 0, sizeof(pmc));
	pmc.cb = sizeof(pmc);
	if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc)))
		return -EIO;
	out->rss_bytes = pmc.WorkingSetSize;
	out->peak_rss_bytes = pmc.PeakWorkingSetSize;
	out->minflt = pmc.PageFaultCount;
	return 0;
}

int pmt_os_thread(struct pmt_os_thread *out)
{
	PROCESS_MEMORY_COUNTERS pmc;
	FILETIME created, exited, kernel, user;

	memset(out, 0, sizeof(*out));
	memset(&pmc, 0, sizeof(pmc));
	pmc.cb = sizeof(pmc);

	if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc)))
		return -EIO;
	out->minflt = pmc.PageFaultCount;
	out->per_thread = false;
	if (GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user))
		out->sys_ns = (((uint64_t)kernel.dwHighDateTime << 32) | kernel.dwLowDateTime) * 100;
	return 0;
}

int pmt_os_sample(struct pmt_os *os, struct pmt_os_proc *proc, struct pmt_os_thread *th)
{
	int err = pmt_os_process(os, proc);

	pmt_os_thread(th);
	return err;
}

int pmt_os_system(struct pmt_os_system *out)
{
	MEMORYSTATUSEX ms;

	memset(out, 0, sizeof(*out));
	memset(&ms, 0, sizeof(ms));
	ms.dwLength = sizeof(ms);
	if (!GlobalMemoryStatusEx(&ms))
		return -EIO;
	out->total_bytes = ms.ullTotalPhys;
	out->available_bytes = ms.ullAvailPhys;
	return 0;
}

uint64_t pmt_os_now_ns(void)
{
	LARGE_INTEGER c, f;
	uint64_t q, r;

	QueryPerformanceCounter(&c);
	QueryPerformanceFrequency(&f);
	q = (uint64_t)c.QuadPart / (uint64_t)f.QuadPart;
	r = (uint64_t)c.QuadPart % (uint64_t)f.QuadPart;
	return q * 1000000000ull + r * 1000000000ull / (uint64_t)f.QuadPart;
}

/* ---- anything else -------------------------------------------------------- */
#else

const char *pmt_os_name(void)
{
	return "unknown";
}

uint64_t pmt_os_page_size(void)
{
	return 4096;
}

int pmt_os_open(struct pmt_os *os)
{
	os->statm_fd = -1;
	os->page_size = 4096;
	return -ENOSYS;
}

void pmt_os_close(struct pmt_os *os)
{
	os->statm_fd = -1;
}

int pmt_os_process(struct pmt_os *os, struct pmt_os_proc *out)
{
	(void)os;
	memset(out, 0, sizeof(*out));
	return -ENOSYS;
}

int pmt_os_thread(struct pmt_os_thread *out)
{
	memset(out, 0, sizeof(*out));
	return -ENOSYS;
}

int pmt_os_sample(struct pmt_os *os, struct pmt_os_proc *proc, struct pmt_os_thread *th)
{
	int err = pmt_os_process(os, proc);

	pmt_os_thread(th);
	return err;
}

int pmt_os_system(struct pmt_os_system *out)
{
	memset(out, 0, sizeof(*out));
	return -ENOSYS;
}

uint64_t pmt_os_now_ns(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif
