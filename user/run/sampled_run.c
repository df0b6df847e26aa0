// SPDX-License-Identifier: BSD-2-Clause
/*
 * sampled_run.c - a run on a sampling backend: no probes, no frames. The
 * target is read at a fixed rate (--sample-rate) through the backend's
 * ops; each reading becomes a sample (pmtrace/sample.h), written as a
 * "sample" record and checked against the budgets; interval and final
 * summaries, platform fit and host follow as in a frame run.
 *
 * Launch mode: the command runs as the invoking user, as with BPF. The
 * "attached" record waits, for at most PY_WAIT_NS, until the command's
 * CPython runtime is mapped (a launcher script execs it), so it can say
 * which Python runs; samples read meanwhile are written after it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpython/python.h"
#include "os/privilege.h"
#include "os/proc.h"
#include "report/report.h"
#include "run/budget_run.h"
#include "run/exit_codes.h"
#include "run/launch.h"
#include "run/outputs.h"
#include "run/sampled_run.h"
#include "run/tracer.h"
#include "os/clock.h"

#define PY_WAIT_NS 2000000000ULL  /* launch mode: look for the runtime this long */
#define PY_RETRY_NS 200000000ULL  /* between looks */

enum end_reason { RUNNING = 0, END_TARGET, END_INTERRUPT, END_DURATION };

struct srun {
	const struct pmt_options *o;
	const struct pmt_sampler_ops *ops;
	const struct pmt_invoker *inv;
	char **env;
	void *src;
	struct pmt_launch launch;
	pid_t pid;
	bool launched;
	int child_status;
	bool child_reaped;
	struct pmt_outputs out;
	struct pmt_budget_run budget;
	bool budget_ready;
	struct pmt_sample_series series;
	struct pmt_python py;
	bool py_found;
	char py_ver[32];
	bool attached_said;
	uint64_t py_next_ns;
	struct pmt_sample *held; /* samples read before the attached record */
	size_t nheld, capheld;
	uint64_t start_ns, last_report_ns;
	enum end_reason end;
};

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pmtrace-bpf: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static void verbose(const struct srun *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void verbose(const struct srun *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->o->verbose)
		return;
	va_start(ap, fmt);
	fputs("pmtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * Look for the target's CPython runtime. Any version will do: samples need
 * no layout. 0 when found, -EACCES when the mappings are not readable,
 * -ENOENT when none (yet).
 */
static int find_python(struct srun *r)
{
	struct pmt_maps m;
	int err = pmt_maps_read(r->pid, &m);

	if (err)
		return err == -EPERM ? -EACCES : err;
	err = pmt_python_find(r->pid, &m, &r->py);
	pmt_maps_free(&m);
	/* A version frame runs refuse (-ENOTSUP) is fine: samples need no layout. */
	if (err && err != -ENOTSUP)
		return -ENOENT;
	r->py_found = true;
	if (r->py.major)
		pmt_python_version_str(&r->py, r->py_ver, sizeof(r->py_ver));
	else
		snprintf(r->py_ver, sizeof(r->py_ver), "unknown");
	return 0;
}

static void say_attached(struct srun *r)
{
	struct pmt_attach_info a;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.pid = r->pid;
	a.mode = r->launched ? "launch" : "attach";
	a.backend = r->ops->name;
	a.sample_rate_hz = r->o->sample_rate;
	if (r->py_found) {
		a.py_version = r->py_ver;
		a.py_build = r->py.shared ? "shared" : "static";
		a.py_path = r->py.map_path;
	}
	a.gc_timing = "none";
	a.ts_ns = pmt_mono_ns();
	r->attached_said = true;
	if (r->out.json)
		pmt_json_attached(r->out.json, &a);
	pmt_text_sampled_attached(r->out.text, &a);
	for (i = 0; i < r->nheld && r->out.json; i++)
		pmt_json_sample(r->out.json, &r->held[i]);
	for (i = 0; i < r->nheld; i++)
		pmt_budget_run_sample(&r->budget, r->held[i].rss_bytes, r->held[i].index,
				      r->held[i].ts_ns, r->out.text, r->out.json, pmt_mono_ns());
	free(r->held);
	r->held = NULL;
	r->nheld = r->capheld = 0;
}

static void hold(struct srun *r, const struct pmt_sample *x)
{
	if (r->nheld == r->capheld) {
		size_t nc = r->capheld ? r->capheld * 2 : 64;
		struct pmt_sample *n = realloc(r->held, nc * sizeof(*n));

		if (!n)
			return; /* the sample is in the summaries still */
		r->held = n;
		r->capheld = nc;
	}
	r->held[r->nheld++] = *x;
}

static void report_interval(struct srun *r)
{
	struct pmt_sample_summary s;

	pmt_sample_series_take_interval(&r->series, &s);
	if (!s.samples)
		return;
	if (r->out.json)
		pmt_json_sample_report(r->out.json, &s);
	if (!r->o->quiet)
		pmt_text_sample_summary(r->out.text, "interval", &s);
	pmt_budget_run_report(&r->budget, NULL, s.rss_last_bytes, s.rss_peak_bytes, false,
			      r->o->quiet ? NULL : r->out.text, r->out.json);
}

static void report_final(struct srun *r)
{
	static const char *const reasons[] = { "running", "target_exited", "interrupted",
					       "duration" };
	struct pmt_sample_summary s;
	struct pmt_final_info fi = {
		.exit_reason = reasons[r->end],
		.target_exit_code = -1,
	};

	pmt_sample_acc_get(&r->series.total, &s);
	fi.samples = &s;
	if (r->child_reaped && WIFEXITED(r->child_status))
		fi.target_exit_code = WEXITSTATUS(r->child_status);
	pmt_text_sample_summary(r->out.text, "final", &s);
	/* The peak: VmHWM counts what happened between samples too. */
	pmt_budget_run_report(&r->budget, NULL, s.rss_last_bytes,
			      s.hwm_bytes > s.rss_peak_bytes ? s.hwm_bytes : s.rss_peak_bytes, true,
			      r->out.text, r->out.json);
	if (r->out.json)
		pmt_json_final(r->out.json, NULL, NULL, &fi);
}

/* True once the target has exited; a launched child is reaped then. */
static bool target_gone(struct srun *r)
{
	if (r->launched) {
		pid_t w = waitpid(r->pid, &r->child_status, WNOHANG);

		if (w == r->pid && (WIFEXITED(r->child_status) || WIFSIGNALED(r->child_status))) {
			r->child_reaped = true;
			return true;
		}
		return w < 0 && errno == ECHILD;
	}
	return !pmt_pid_alive(r->pid);
}

/*
 * The target is gone or going: an exiting process loses its memory (its
 * status reads as gone) before its parent can reap it. Wait a little for a
 * launched child's exit status.
 */
static void reap(struct srun *r)
{
	int i;

	for (i = 0; r->launched && !r->child_reaped && i < 200; i++) {
		if (target_gone(r))
			break;
		usleep(5000);
	}
}

static int take_sample(struct srun *r)
{
	struct pmt_proc_reading rd;
	struct pmt_sample x;
	int err;

	memset(&rd, 0, sizeof(rd));
	err = r->ops->read(r->src, &rd);
	if (err)
		return err;
	if (pmt_sample_series_add(&r->series, &rd, &x))
		return 0;
	if (!r->attached_said) {
		hold(r, &x);
		return 0;
	}
	if (r->out.json)
		pmt_json_sample(r->out.json, &x);
	pmt_budget_run_sample(&r->budget, x.rss_bytes, x.index, x.ts_ns, r->out.text, r->out.json,
			      pmt_mono_ns());
	return 0;
}

static int loop(struct srun *r)
{
	uint64_t period = (uint64_t)(1e9 / r->o->sample_rate);
	uint64_t interval = (uint64_t)(r->o->interval_s * 1e9);
	uint64_t duration = (uint64_t)(r->o->duration_s * 1e9);
	uint64_t next = pmt_mono_ns();
	int err;

	r->last_report_ns = next;
	while (!r->end) {
		uint64_t now;

		err = take_sample(r);
		if (err == -ESRCH || (err && target_gone(r))) {
			reap(r);
			r->end = END_TARGET;
			break;
		}
		if (err)
			return fail(PMT_EXIT_ERROR, "reading process %d: %s", (int)r->pid,
				    strerror(-err));
		now = pmt_mono_ns();
		if (!r->attached_said && now >= r->py_next_ns) {
			r->py_next_ns = now + PY_RETRY_NS;
			if (!find_python(r) || now - r->start_ns >= PY_WAIT_NS)
				say_attached(r);
		}
		if (r->attached_said && interval && now - r->last_report_ns >= interval) {
			report_interval(r);
			r->last_report_ns = now;
		}
		if (duration && now - r->start_ns >= duration) {
			r->end = END_DURATION;
			break;
		}
		/* A fixed schedule; a late sample does not bring the next ones closer. */
		next += period;
		if (next < now)
			next = now + period - (now - next) % period;
		for (;;) {
			struct timespec ts = { (time_t)(next / 1000000000ULL),
					       (long)(next % 1000000000ULL) };

			if (pmt_exiting) {
				r->end = END_INTERRUPT;
				break;
			}
			if (!clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
				break;
		}
	}
	if (!r->attached_said)
		say_attached(r);
	return PMT_EXIT_OK;
}

/*
 * Under the user's uid, keep only what reading the target needs: nothing
 * for the user's own process; CAP_SYS_PTRACE for one of another user or
 * holding capabilities (a root process), CAP_DAC_READ_SEARCH for another
 * user's files.
 */
static int reduce_privileges(struct srun *r)
{
	int foreign = pmt_pid_foreign(r->pid, r->inv->uid, r->inv->gid);
	uint64_t keep = 0;
	char err[256], caps[256];

	/* Samples need nothing; finding the Python runtime reads the mappings
	 * and the interpreter's file. */
	if (foreign)
		keep |= PMT_CAP(CAP_SYS_PTRACE);
	if (foreign < 0 || (foreign & PMT_PID_OTHER_UID))
		keep |= PMT_CAP(CAP_DAC_READ_SEARCH);
	if (r->launched && r->o->run_as_root && r->inv->uid != 0)
		keep |= PMT_CAP(CAP_KILL);
	if (pmt_privilege_reduce(r->inv, keep, err, sizeof(err)))
		return fail(PMT_EXIT_ERROR, "%s", err);
	verbose(r, "privileges: uid %u (%s, via %s), gid %u; capabilities kept: %s",
		(unsigned)getuid(), r->inv->name[0] ? r->inv->name : "?", pmt_via_name(r->inv->via),
		(unsigned)getgid(), pmt_caps_text(caps, sizeof(caps)));
	return 0;
}

static int start_target(struct srun *r)
{
	const struct pmt_invoker *as = r->o->run_as_root ? NULL : r->inv;
	char err[256];
	int e;

	if (!r->o->cmd) {
		r->pid = r->o->pid;
		if (!pmt_pid_alive(r->pid))
			return fail(PMT_EXIT_NO_PROCESS, "no such process: %d", (int)r->pid);
		return 0;
	}
	if (!pmt_launch_command_exists(r->o->cmd[0], as))
		return fail(PMT_EXIT_NO_PROCESS, "command not found%s: %s",
			    as && as->other ? " or not executable by its user" : "", r->o->cmd[0]);
	e = pmt_launch_start(&r->launch, r->o->cmd, as, as ? r->env : NULL, err, sizeof(err));
	if (e)
		return fail(PMT_EXIT_ERROR, "%s", err);
	r->pid = r->launch.pid;
	r->launched = true;
	return 0;
}

static int run(struct srun *r)
{
	char err[PATH_MAX + 128];
	int e, rc;

	if (pmt_budget_run_init(&r->budget, r->o, err, sizeof(err)))
		return fail(PMT_EXIT_CONFIG, "%s", err);
	r->budget_ready = true;
	r->budget.hook_env = r->env;
	if (pmt_outputs_open(&r->out, r->o->json_path, r->inv, err, sizeof(err)))
		return fail(PMT_EXIT_USAGE, "%s", err);
	rc = start_target(r);
	if (rc)
		return rc;
	r->budget.pid = r->pid;
	rc = reduce_privileges(r);
	if (rc)
		return rc;
	e = r->ops->open(r->pid, &r->src);
	if (e == -ESRCH)
		return fail(PMT_EXIT_NO_PROCESS, "no such process: %d", (int)r->pid);
	if (e)
		return fail(e == -EACCES ? PMT_EXIT_PRIVILEGE : PMT_EXIT_ERROR,
			    "cannot read process %d from /proc: %s", (int)r->pid, strerror(-e));
	if (!r->launched) {
		e = find_python(r);
		if (e == -EACCES)
			return fail(PMT_EXIT_PRIVILEGE, "cannot read the mappings of process %d: it "
				    "is not yours (needs CAP_SYS_PTRACE, e.g. through sudo)",
				    (int)r->pid);
		if (e)
			return fail(PMT_EXIT_NOT_PYTHON, "process %d is not a Python process (no "
				    "CPython runtime in its mappings)", (int)r->pid);
	} else {
		e = pmt_launch_go(&r->launch);
		if (e)
			return fail(PMT_EXIT_NO_PROCESS, "cannot run %s: %s", r->o->cmd[0],
				    strerror(-e));
	}
	r->start_ns = pmt_mono_ns();
	r->py_next_ns = r->start_ns;
	if (r->py_found)
		say_attached(r);
	rc = loop(r);
	if (rc)
		return rc;
	report_final(r);
	if (r->o->fail_on_violation && r->budget.any_exceeded)
		return PMT_EXIT_BUDGET;
	return PMT_EXIT_OK;
}

int pmt_sampled_run(const struct pmt_options *o, const struct pmt_sampler_ops *ops)
{
	struct srun r = { .o = o, .ops = ops };
	int rc;

	pmt_sample_series_init(&r.series);
	r.launch.gate = r.launch.status = -1;
	r.inv = pmt_invoker();
	r.env = pmt_invoker_environ(r.inv);
	if (!r.env)
		return fail(PMT_EXIT_ERROR, "out of memory");
	rc = run(&r);
	pmt_launch_abort(&r.launch); /* an unopened gate: the child exits without running */
	if (r.launched && rc && rc != PMT_EXIT_BUDGET && !r.child_reaped)
		kill(r.pid, SIGTERM); /* we started it for nothing */
	ops->close(r.src);
	pmt_outputs_close(&r.out);
	if (r.budget_ready)
		pmt_budget_run_free(&r.budget);
	free(r.held);
	pmt_environ_free(r.env);
	return rc;
}
