// SPDX-License-Identifier: BSD-2-Clause
/*
 * host.c - host memory status from /proc and the cgroup v2 files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "os/host.h"
#include "report/report.h"

static uint64_t meminfo(const char *key)
{
	char line[256];
	uint64_t v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoull(line + n + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

static uint64_t read_u64(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strncmp(buf, "max", 3) ? strtoull(buf, NULL, 10) : 0;
}

/* cgroup v2: "0::/path" in /proc/PID/cgroup. */
static void cgroup_memory(pid_t pid, struct pmt_host *h)
{
	char path[512], line[512], file[640];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(file, sizeof(file), "/sys/fs/cgroup%s/memory.max", line + 3);
		h->cgroup_limit = read_u64(file);
		snprintf(file, sizeof(file), "/sys/fs/cgroup%s/memory.current", line + 3);
		h->cgroup_usage = read_u64(file);
		break;
	}
	fclose(f);
}

double pmt_host_game_share(const struct pmt_host *h)
{
	uint64_t cap = h->cgroup_limit && h->cgroup_limit < h->total_bytes ? h->cgroup_limit :
									     h->total_bytes;

	return cap ? (double)h->game_rss / (double)cap : 0;
}

int pmt_host_read(pid_t pid, uint64_t rss, struct pmt_host *h)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	if (!uname(&u)) {
		snprintf(h->os, sizeof(h->os), "%s", u.sysname);
		snprintf(h->arch, sizeof(h->arch), "%s", u.machine);
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	}
	h->total_bytes = meminfo("MemTotal");
	h->available_bytes = meminfo("MemAvailable");
	cgroup_memory(pid, h);
	h->game_rss = rss;
	h->game_share = pmt_host_game_share(h);
	h->critical = (h->total_bytes && h->available_bytes * 10 < h->total_bytes) ||
		      (h->cgroup_limit && h->cgroup_usage * 10 > h->cgroup_limit * 9);
	return h->total_bytes ? 0 : -EIO;
}

void pmt_host_text(FILE *f, const struct pmt_host *h)
{
	fprintf(f, "  host  : %s %s, %.1f GiB total, %.1f GiB available", h->os, h->arch,
		h->total_bytes / 1073741824.0, h->available_bytes / 1073741824.0);
	if (h->cgroup_limit)
		fprintf(f, ", cgroup limit %.1f GiB", h->cgroup_limit / 1073741824.0);
	fprintf(f, "; the game holds %.1f %%%s\n", 100 * h->game_share,
		h->critical ? "  ** memory critical **" : "");
}

void pmt_host_json(FILE *f, const struct pmt_host *h)
{
	fprintf(f, "{\"type\":\"host\",\"schema_version\":%d,\"os\":", PMT_SCHEMA_VERSION);
	pmt_json_str(f, h->os);
	fputs(",\"arch\":", f);
	pmt_json_str(f, h->arch);
	fputs(",\"kernel\":", f);
	pmt_json_str(f, h->kernel);
	fprintf(f, ",\"total_bytes\":%" PRIu64 ",\"available_bytes\":%" PRIu64, h->total_bytes,
		h->available_bytes);
	if (h->cgroup_limit)
		fprintf(f, ",\"cgroup_limit_bytes\":%" PRIu64 ",\"cgroup_usage_bytes\":%" PRIu64,
			h->cgroup_limit, h->cgroup_usage);
	else
		fputs(",\"cgroup_limit_bytes\":null,\"cgroup_usage_bytes\":null", f);
	fprintf(f, ",\"game_rss_bytes\":%" PRIu64 ",\"game_share\":%.4f,\"critical\":%s}\n",
		h->game_rss, h->game_share, h->critical ? "true" : "false");
	fflush(f);
}

uint64_t pmt_native_heap_bytes(pid_t pid)
{
	char path[64], line[512];
	unsigned long long s, e;
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[heap]") && sscanf(line, "%llx-%llx", &s, &e) == 2)
			v += e - s;
	fclose(f);
	return v;
}
