// SPDX-License-Identifier: BSD-2-Clause
/*
 * pystack_check.c - verify the Python stack walker and frame resolver on a
 * real interpreter. Not part of the unit suite: it needs root (or ptrace
 * rights over the target) and a CPython to run.
 *
 *   pystack_check PID [TID]     print the Python stack of a thread
 *                               (default: the main thread), innermost first
 *   pystack_check --run PYTHON  start PYTHON on a planted script whose two
 *                               threads block in time.sleep() under known
 *                               nested calls (method, lambda, comprehension,
 *                               generator, C -> Python calls, non-ASCII
 *                               names), then check the walk of each thread
 *                               against what traceback saw, and the line,
 *                               name and file of every instruction of up to
 *                               4000 code objects against co_lines()
 *
 * Build: cc -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser tests/pystack_check.c
 *        user/cpython/pystack.c user/cpython/pylayout.c user/cpython/python.c user/os/proc.c
 *        user/os/elf_file.c -lelf -o /tmp/pystack_check
 * Exit: 0 all checks passed, 1 a check failed, 2 usage, 3 setup failed.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "os/proc.h"
#include "cpython/pylayout.h"
#include "cpython/pystack.h"
#include "cpython/python.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_SETUP 3
#define MAX_FRAMES 64
#define MAX_THREADS 8
#define SCRIPT_NAME "pmt_pystack_t\xc3\xabst.py" /* a non-ASCII file name */

struct target {
	pid_t pid;
	struct pmt_python py;
	struct pmt_pylayout layout;
	struct pmt_pystack_cache cache;
};

/* The planted script; its expectations come from traceback and co_lines(). */
static const char script[] =
	"# pystack_check target: known nested calls, then a block in time.sleep().\n"
	"import gc, os, sys, threading, time, traceback, types\n"
	"\n"
	"OUT = sys.argv[1]\n"
	"stacks = []\n"
	"worker_ready = threading.Event()\n"
	"KEEP = []\n"
	"\n"
	"\n"
	"def frames_from(f):\n"
	"    summary = traceback.extract_stack(f)\n"
	"    chain = []\n"
	"    while f is not None:\n"
	"        chain.append(f)\n"
	"        f = f.f_back\n"
	"    chain.reverse()\n"
	"    rows = []\n"
	"    for fr, s in zip(chain, summary):\n"
	"        code = fr.f_code\n"
	"        assert s.name == code.co_name and s.lineno == fr.f_lineno\n"
	"        rows.append((getattr(code, \"co_qualname\", code.co_name), s.filename, s.lineno))\n"
	"    rows.reverse()\n"
	"    return rows\n"
	"\n"
	"\n"
	"def record_worker(f):\n"
	"    stacks.append((threading.get_native_id(), frames_from(f)))\n"
	"    worker_ready.set()\n"
	"\n"
	"\n"
	"def record_main(f):\n"
	"    worker_ready.wait()\n"
	"    stacks.append((threading.get_native_id(), frames_from(f)))\n"
	"    write_expectations(f)\n"
	"\n"
	"\n"
	"def unit_lines(co):\n"
	"    n = len(co.co_code) // 2\n"
	"    lines = [-2] * n\n"
	"    if hasattr(co, \"co_lines\"):\n"
	"        for start, end, line in co.co_lines():\n"
	"            for off in range(start, min(end, 2 * n), 2):\n"
	"                lines[off // 2] = -1 if line is None else line\n"
	"    else:\n"
	"        import dis\n"
	"        starts = list(dis.findlinestarts(co))\n"
	"        k, line = 0, co.co_firstlineno\n"
	"        for u in range(n):\n"
	"            while k < len(starts) and starts[k][0] <= 2 * u:\n"
	"                line = starts[k][1]\n"
	"                k += 1\n"
	"            lines[u] = line\n"
	"    return lines\n"
	"\n"
	"\n"
	"def code_objects(extra, limit=4000):\n"
	"    seen = {}\n"
	"    todo = list(extra)\n"
	"    todo += [o.__code__ for o in gc.get_objects() if isinstance(o, types.FunctionType)]\n"
	"    while todo and len(seen) < limit:\n"
	"        c = todo.pop()\n"
	"        if id(c) not in seen:\n"
	"            seen[id(c)] = c\n"
	"            todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))\n"
	"    return list(seen.values())\n"
	"\n"
	"\n"
	"def write_expectations(f):\n"
	"    chain = []\n"
	"    while f is not None:\n"
	"        chain.append(f.f_code)\n"
	"        f = f.f_back\n"
	"    KEEP.extend(code_objects(chain))\n"
	"    with open(OUT + \".tmp\", \"w\", encoding=\"utf-8\", errors=\"surrogateescape\") as out:\n"
	"        for tid, rows in stacks:\n"
	"            out.write(\"T %d\\n\" % tid)\n"
	"            for name, filename, line in rows:\n"
	"                out.write(\"F %d %s %s\\n\" % (line, name, filename))\n"
	"        for c in KEEP:\n"
	"            name = getattr(c, \"co_qualname\", c.co_name)\n"
	"            out.write(\"C %d %d %s %s\\n\" % (id(c), c.co_firstlineno, name, c.co_filename))\n"
	"            out.write(\"L %s\\n\" % \" \".join(map(str, unit_lines(c))))\n"
	"    os.rename(OUT + \".tmp\", OUT)\n"
	"\n"
	"\n"
	"class Game:\n"
	"    def run(self, done):\n"
	"        return list(map(lambda n: self.λ_tick(n, done), [1]))\n"
	"\n"
	"    def λ_tick(self, n, done):\n"
	"        return [deep_𠀀(done) for _ in range(n)]\n"
	"\n"
	"\n"
	"def deep_𠀀(done):\n"
	"    g = (inner(done) for _ in (1,))\n"
	"    return next(g)\n"
	"\n"
	"\n"
	"def inner(done):\n"
	"    done(sys._getframe()); time.sleep(3600)\n"
	"\n"
	"\n"
	"def outer(done):\n"
	"    return Game().run(done)\n"
	"\n"
	"\n"
	"if __name__ == \"__main__\":\n"
	"    threading.Thread(target=outer, args=(record_worker,), daemon=True).start()\n"
	"    outer(record_main)\n";

static int target_open(struct target *t, pid_t pid, bool verbose)
{
	struct pmt_maps maps;
	char ver[32];
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	err = pmt_maps_read(pid, &maps);
	if (err)
		return err;
	err = pmt_python_find(pid, &maps, &t->py);
	pmt_maps_free(&maps);
	if (err)
		return err;
	err = pmt_pylayout_for(t->py.major, t->py.minor, &t->layout);
	if (err)
		return err;
	pmt_python_version_str(&t->py, ver, sizeof(ver));
	if (verbose)
		printf("python %s in %s (%s), _PyRuntime at 0x%llx\n", ver, t->py.map_path,
		       t->py.shared ? "shared" : "static", (unsigned long long)t->py.runtime_addr);
	err = pmt_pylayout_read_debug(pid, t->py.runtime_addr, &t->layout);
	if (err >= 0 && verbose)
		printf("_Py_DebugOffsets: %d field(s) differ from the built-in table\n", err);
	else if (err != -ENOTSUP)
		return err;
	return pmt_pystack_cache_init(&t->cache, pid, &t->layout, 8192);
}

static void print_stack(struct target *t, pid_t tid)
{
	struct pmt_pyframe_raw raw[MAX_FRAMES];
	int n = pmt_pystack_walk_user(t->pid, &t->layout, t->py.runtime_addr, tid, raw, MAX_FRAMES);

	if (n < 0) {
		printf("thread %d: %s\n", (int)tid, strerror(-n));
		return;
	}
	printf("thread %d: %d frame(s)\n", (int)tid, n);
	for (int i = 0; i < n; i++) {
		struct pmt_pyframe f;
		int err = pmt_pystack_cache_resolve(&t->cache, raw[i].code_addr, raw[i].pos, &f);

		if (err)
			printf("  #%-2d ? (code 0x%llx: %s)\n", i,
			       (unsigned long long)raw[i].code_addr, strerror(-err));
		else
			printf("  #%-2d %s (%s:%d)\n", i, f.func, f.file, f.line);
	}
}

/* @got equals @want, or is the form of it that pystack cut to fit. */
static bool same_text(const char *got, const char *want)
{
	size_t g = strlen(got), w = strlen(want);

	if (!strcmp(got, want))
		return true;
	if (g > 3 && !strncmp(got, "...", 3) && w >= g - 3)
		return !strcmp(want + w - (g - 3), got + 3); /* file: tail kept */
	if (g > 3 && !strcmp(got + g - 3, "...") && w >= g - 3)
		return !strncmp(want, got, g - 3); /* function: head kept */
	return false;
}

struct expect_frame {
	int line;
	char func[512], file[4096];
};

/* "line func file" or, with @id, "id firstlineno func file" into @f. */
static int parse_named(const char *s, long long *id, struct expect_frame *f)
{
	int pos = 0;

	if (id && sscanf(s, "%lld %n", id, &pos) >= 1)
		s += pos;
	else if (id)
		return -EINVAL;
	pos = 0;
	if (sscanf(s, "%d %511s %n", &f->line, f->func, &pos) < 2 || !pos)
		return -EINVAL;
	snprintf(f->file, sizeof(f->file), "%s", s + pos);
	f->file[strcspn(f->file, "\n")] = 0;
	return 0;
}

struct stats {
	int threads, thread_bad, frames, frame_bad;
	long codes, code_bad, units, unit_bad;
};

static void check_thread(struct target *t, pid_t tid, const struct expect_frame *want, int nwant,
			 struct stats *st)
{
	struct pmt_pyframe_raw raw[MAX_FRAMES];
	int n = pmt_pystack_walk_user(t->pid, &t->layout, t->py.runtime_addr, tid, raw, MAX_FRAMES);
	bool bad = n != nwant;

	st->threads++;
	printf("thread %d: walked %d frame(s), traceback saw %d\n", (int)tid, n, nwant);
	if (n < 0) {
		printf("  walk failed: %s\n", strerror(-n));
		st->thread_bad++;
		return;
	}
	for (int i = 0; i < n || i < nwant; i++) {
		struct pmt_pyframe f = { .func = "-", .file = "-", .line = 0 };
		bool ok = false;
		int err = 0;

		if (i < n)
			err = pmt_pystack_cache_resolve(&t->cache, raw[i].code_addr, raw[i].pos, &f);
		if (err)
			snprintf(f.func, sizeof(f.func), "? %s", strerror(-err));
		if (i < n && i < nwant)
			ok = !err && f.line == want[i].line && same_text(f.func, want[i].func) &&
			     same_text(f.file, want[i].file);
		st->frames++;
		if (!ok) {
			st->frame_bad++;
			bad = true;
		}
		printf("  %s #%-2d %s (%s:%d)\n", ok ? "ok " : "BAD", i, f.func, f.file, f.line);
		if (!ok && i < nwant)
			printf("         want %s (%s:%d)\n", want[i].func, want[i].file, want[i].line);
	}
	if (bad)
		st->thread_bad++;
}

/* Every code unit of one code object: line, name and file. */
static void check_code(struct target *t, uint64_t code, const struct expect_frame *want,
		       const char *lines, struct stats *st)
{
	const struct pmt_pylayout *l = &t->layout;
	bool bad = false;
	char *end;
	int reported = 0;

	st->codes++;
	for (long u = 0;; u++) {
		struct pmt_pyframe f;
		long exp = strtol(lines, &end, 10);
		uint64_t pos;
		int err;

		if (end == lines)
			break;
		lines = end;
		if (exp == -2)
			continue; /* co_lines() said nothing about this unit */
		if (l->pos_kind == PMT_PYPOS_LASTI_BYTES)
			pos = (uint64_t)(u * 2);
		else if (l->pos_kind == PMT_PYPOS_LASTI_UNITS)
			pos = (uint64_t)u;
		else
			pos = code + l->code_code_adaptive + (uint64_t)(u * 2);
		st->units++;
		err = pmt_pystack_cache_resolve(&t->cache, code, pos, &f);
		if (!err && f.line == exp && (u || (same_text(f.func, want->func) &&
						     same_text(f.file, want->file))))
			continue;
		st->unit_bad++;
		bad = true;
		if (reported++ < 3)
			printf("  BAD code 0x%llx unit %ld: got %s (%s:%d) err %d, want %s (%s:%ld)\n",
			       (unsigned long long)code, u, err ? "?" : f.func, err ? "?" : f.file,
			       err ? 0 : f.line, err, want->func, want->file, exp);
	}
	if (bad)
		st->code_bad++;
}

static int check_expectations(struct target *t, const char *path)
{
	struct expect_frame *want = calloc(MAX_FRAMES, sizeof(*want)), cur;
	struct stats st = {};
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	pid_t tid = 0;
	int nwant = 0, rc = EXIT_SETUP;
	long long num;
	uint64_t code = 0;

	if (!f || !want)
		goto cleanup;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == 'T' || line[0] == 'C') {
			if (tid)
				check_thread(t, tid, want, nwant, &st);
			tid = 0;
			nwant = 0;
		}
		if (line[0] == 'T') {
			tid = (pid_t)atoi(line + 2);
		} else if (line[0] == 'F' && nwant < MAX_FRAMES) {
			if (parse_named(line + 2, NULL, &want[nwant]))
				goto cleanup;
			nwant++;
		} else if (line[0] == 'C') {
			if (parse_named(line + 2, &num, &cur))
				goto cleanup;
			code = (uint64_t)num;
		} else if (line[0] == 'L' && code) {
			check_code(t, code, &cur, line + 2, &st);
			code = 0;
		}
	}
	if (tid)
		check_thread(t, tid, want, nwant, &st);
	printf("stacks: %d/%d thread(s) right, %d/%d frame(s) right\n",
	       st.threads - st.thread_bad, st.threads, st.frames - st.frame_bad, st.frames);
	printf("line tables: %ld/%ld code object(s) right, %ld/%ld instruction(s) right\n",
	       st.codes - st.code_bad, st.codes, st.units - st.unit_bad, st.units);
	printf("cache: %llu hit(s), %llu miss(es)\n", (unsigned long long)t->cache.hits,
	       (unsigned long long)t->cache.misses);
	rc = st.threads >= 2 && !st.thread_bad && st.codes && !st.code_bad ? 0 : EXIT_FAIL;
cleanup:
	free(line);
	free(want);
	if (f)
		fclose(f);
	return rc;
}

static int run_planted(const char *python)
{
	char dir[] = "/tmp/pmt_pystack.XXXXXX", spath[128], epath[128], tpath[140];
	struct target t = {};
	struct stat sb;
	pid_t child = -1;
	int rc = EXIT_SETUP, err, status;
	FILE *f;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return EXIT_SETUP;
	}
	snprintf(spath, sizeof(spath), "%s/%s", dir, SCRIPT_NAME);
	snprintf(epath, sizeof(epath), "%s/expect.txt", dir);
	snprintf(tpath, sizeof(tpath), "%s.tmp", epath);
	f = fopen(spath, "we");
	if (!f || fputs(script, f) < 0 || fclose(f)) {
		perror(spath);
		goto cleanup;
	}
	child = fork();
	if (child == 0) {
		execl(python, python, "-B", spath, epath, (char *)NULL);
		perror(python);
		_exit(127);
	}
	if (child < 0)
		goto cleanup;
	for (int i = 0; i < 600 && stat(epath, &sb); i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "%s exited before blocking\n", python);
			child = -1;
			goto cleanup;
		}
		nanosleep(&ts, NULL);
	}
	err = target_open(&t, child, true);
	if (err) {
		fprintf(stderr, "pid %d: %s\n", (int)child, strerror(-err));
		goto cleanup;
	}
	rc = check_expectations(&t, epath);
cleanup:
	pmt_pystack_cache_free(&t.cache);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	unlink(tpath);
	unlink(epath);
	unlink(spath);
	rmdir(dir);
	return rc;
}

static long parse_id(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v < (1L << 22) ? v : -1;
}

int main(int argc, char **argv)
{
	struct target t;
	long pid, tid;
	int err;

	if (argc == 3 && !strcmp(argv[1], "--run"))
		return run_planted(argv[2]);
	if (argc < 2 || argc > 3 || (pid = parse_id(argv[1])) < 0 ||
	    (tid = argc == 3 ? parse_id(argv[2]) : pid) < 0) {
		fprintf(stderr, "usage: %s PID [TID] | --run PYTHON\n", argv[0]);
		return EXIT_USAGE;
	}
	err = target_open(&t, (pid_t)pid, true);
	if (err) {
		fprintf(stderr, "pid %ld: %s\n", pid,
			err == -ENOENT ? "not a CPython process" :
			err == -ENOTSUP ? "CPython version not supported" : strerror(-err));
		return EXIT_SETUP;
	}
	print_stack(&t, (pid_t)tid);
	pmt_pystack_cache_free(&t.cache);
	return 0;
}
