// SPDX-License-Identifier: BSD-2-Clause
/*
 * options.c - argp definitions and value parsing for pmtrace-bpf.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_prom.h"
#include "run/exit_codes.h"
#include "run/options.h"
#include "run/prom_server.h"

const char *argp_program_version = "pmtrace-bpf " PMT_VERSION;
const char *argp_program_bug_address = NULL;
error_t argp_err_exit_status = PMT_EXIT_USAGE;

static const char doc[] =
	"Profile the memory of a running Python game, frame by frame.\n"
	"\n"
	"USAGE: pmtrace-bpf [OPTIONS] --pid PID\n"
	"       pmtrace-bpf [OPTIONS] -- COMMAND [ARGS...]\n"
	"       pmtrace-bpf platforms\n"
	"       pmtrace-bpf report [-o report.html] [--perfetto FILE] RUN.jsonl\n"
	"       pmtrace-bpf snapshot --pid PID      (heap snapshot, printed; no BPF)\n"
	"\n"
	"EXAMPLES:\n"
	"  sudo pmtrace-bpf --pid $(pgrep -f mygame.py)     # attach; Ctrl-C to stop\n"
	"  sudo pmtrace-bpf --interval 5 --json run.jsonl -- python3 mygame.py\n"
	"  sudo pmtrace-bpf -p 1234 --frame-marker libSDL2-2.0.so.0:SDL_GL_SwapWindow\n"
	"  sudo pmtrace-bpf -p 1234 --duration 30 --target-fps 30 --quiet --json -\n"
	"  sudo pmtrace-bpf --budget budgets.ini --platform switch --pid 1234\n"
	"  sudo pmtrace-bpf --html live.html --prometheus 9464 --label rig=qa7 -p 1234\n"
	"  pmtrace-bpf report run.jsonl -o report.html --perfetto run.trace.json\n"
	"  sudo pmtrace-bpf -p 1234 --snapshot-every 30    # kill -USR1 <tool> for one more\n"
	"  sudo pmtrace-bpf snapshot --pid 1234 --json -\n"
	"  pmtrace-bpf --backend procfs --json run.jsonl -- python3 mygame.py  # no privilege\n"
	"\n"
	"Started through sudo (or pkexec, doas), the game runs as you, files are\n"
	"written as yours, and after start-up the tool keeps only CAP_BPF,\n"
	"CAP_PERFMON and CAP_SYS_PTRACE under your uid (--verbose says which).\n"
	"  sudo pmtrace-bpf --pools --pid 1234              # which classes to pool\n"
	"\n"
	"Exit status: 0 ok (also when the game exits), 1 internal error, 2 usage,\n"
	"3 no such process, 4 not a Python process, 5 unsupported Python version,\n"
	"6 no frame marker found, 7 insufficient privilege, 8 BPF load/attach refused,\n"
	"9 bad budget file or platform, 10 budget exceeded (--fail-on-violation),\n"
	"11 (report) run file unreadable or corrupt.\n"
	"\vOPTIONS:";

enum {
	OPT_TARGET_FPS = 1000,
	OPT_SPIKE_THRESHOLD,
	OPT_SPIKE_FLOOR,
	OPT_HISTORY,
	OPT_MARKER_TIMEOUT,
	OPT_NO_ASSETS,
	OPT_NO_GL_ASSETS,
	OPT_TRACK_USE,
	OPT_TOP,
	OPT_BUDGET,
	OPT_PLATFORM,
	OPT_EVICTION,
	OPT_ON_VIOLATION,
	OPT_FAIL_ON_VIOLATION,
	OPT_TRACE_EVERY,
	OPT_TRACE_ON_SPIKE,
	OPT_TRACE_FRAMES,
	OPT_TRACE_ALL,
	OPT_MAX_OVERHEAD,
	OPT_TRACE_DEPTH,
	OPT_NO_GROWTH_SITES,
	OPT_HTML,
	OPT_PERFETTO,
	OPT_PROMETHEUS,
	OPT_PROMETHEUS_LINGER,
	OPT_LABEL,
	OPT_NO_GC_TIMING,
	OPT_NO_SNAPSHOT,
	OPT_SNAPSHOT_EVERY,
	OPT_SNAPSHOT_BUDGET,
	OPT_SNAPSHOT_MAX_MIB,
	OPT_RUN_AS_ROOT,
	OPT_BACKEND,
	OPT_SAMPLE_RATE,
	OPT_POOLS,
	OPT_POOLS_WINDOW,
	OPT_POOLS_EVERY,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Attach to this running process", 0 },
	{ "interval", 'i', "SECONDS", 0, "Periodic report interval (default 5, 0 = none)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long (default: until the end)", 0 },
	{ "quiet", 'q', NULL, 0, "No periodic text reports (the final one still prints)", 0 },
	{ "verbose", 'v', NULL, 0, "Explain probe placement; libbpf warnings", 0 },
	{ "frame-marker", 'm', "auto|[LIB:]SYMBOL", 0,
	  "Function called once per frame (default auto)", 0 },
	{ "target-fps", OPT_TARGET_FPS, "N", 0, "Frame rate the game aims for (default 60; a game steadily slower is judged against its own pace unless this is given)", 0 },
	{ "spike-threshold", OPT_SPIKE_THRESHOLD, "FRACTION", 0,
	  "Spike when above the baseline by this fraction (default 0.1)", 0 },
	{ "spike-floor", OPT_SPIKE_FLOOR, "BYTES", 0,
	  "Memory growth in one frame below this is never a spike (default 1048576)", 0 },
	{ "max-frame-history", OPT_HISTORY, "N", 0, "Frames kept in memory (default 1000)", 0 },
	{ "marker-timeout", OPT_MARKER_TIMEOUT, "SECONDS", 0,
	  "Give up when no frame marker is called for this long (default 10; 60 when launching)",
	  0 },
	{ "json", 'j', "FILE", 0, "Write JSON Lines records to FILE ('-' for stdout)", 0 },
	{ "top", OPT_TOP, "N", 0, "Largest assets listed in reports (default 10)", 0 },
	{ "track-use", OPT_TRACK_USE, NULL, 0,
	  "Also probe blits and render copies, to find assets never used (costs per call)", 0 },
	{ "no-assets", OPT_NO_ASSETS, NULL, 0, "Do not track surfaces, sounds, fonts...", 0 },
	{ "no-gl-assets", OPT_NO_GL_ASSETS, NULL, 0,
	  "Do not track OpenGL textures and buffers (their bind probes cost ~22 us a call)", 0 },
	{ "no-growth-sites", OPT_NO_GROWTH_SITES, NULL, 0,
	  "Do not walk the Python stack at page faults and mmap/brk growth", 0 },
	{ "no-gc-timing", OPT_NO_GC_TIMING, NULL, 0,
	  "Do not time garbage collections (two probe hits a collection)", 0 },
	{ "budget", OPT_BUDGET, "FILE", 0, "Memory budgets (INI; see scripts/budgets.example.ini)", 0 },
	{ "platform", OPT_PLATFORM, "ID", 0,
	  "Budget for a platform profile (list: pmtrace-bpf platforms)", 0 },
	{ "eviction-strategy", OPT_EVICTION, "S", 0,
	  "lru, lfu, priority, size, age or hybrid, for budgets naming none (default lru)", 0 },
	{ "on-violation", OPT_ON_VIOLATION, "CMD", 0,
	  "Run CMD (sh -c) when a budget changes state; details in PMT_* variables", 0 },
	{ "fail-on-violation", OPT_FAIL_ON_VIOLATION, NULL, 0,
	  "Exit 10 when a budget was exceeded (for CI soak runs)", 0 },
	{ "trace-every", OPT_TRACE_EVERY, "N", 0,
	  "Trace every allocation of every N-th frame, with its Python stack", 0 },
	{ "trace-on-spike", OPT_TRACE_ON_SPIKE, "K", 0,
	  "Trace the K frames after a memory spike or a memory-caused drop (default 3, 0 = off)",
	  0 },
	{ "trace-frames", OPT_TRACE_FRAMES, "A-B", 0, "Trace frames A to B (frame numbers)", 0 },
	{ "trace-all", OPT_TRACE_ALL, NULL, 0, "Trace every frame (short deep dives)", 0 },
	{ "trace-depth", OPT_TRACE_DEPTH, "N", 0,
	  "Python frames kept per allocation site, 0 to 32 (default 32; 0: no stacks)", 0 },
	{ "max-overhead", OPT_MAX_OVERHEAD, "PERCENT", 0,
	  "Keep what tracing costs the game under this share of its time (default 5)", 0 },
	{ "html", OPT_HTML, "FILE", 0,
	  "HTML report, rewritten at each report interval and at the end (open it in a browser)", 0 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0,
	  "Perfetto / Chrome trace (Trace Event JSON) written at the end", 0 },
	{ "prometheus", OPT_PROMETHEUS, "[ADDR:]PORT", 0,
	  "Serve Prometheus metrics at http://ADDR:PORT/metrics (ADDR defaults to 127.0.0.1)", 0 },
	{ "prometheus-linger", OPT_PROMETHEUS_LINGER, "SECONDS", 0,
	  "At the end, keep serving until one more scrape, up to this long (0)", 0 },
	{ "label", OPT_LABEL, "KEY=VALUE", 0,
	  "A label on every metric (repeatable, up to 8), e.g. machine=qa-07", 0 },
	{ "no-snapshot", OPT_NO_SNAPSHOT, NULL, 0,
	  "No heap snapshot at attach and at the end (SIGUSR1 still takes one)", 0 },
	{ "snapshot-every", OPT_SNAPSHOT_EVERY, "SECONDS", 0,
	  "Take a heap snapshot this often (types, growth, holders, assets, cycles)", 0 },
	{ "snapshot-budget", OPT_SNAPSHOT_BUDGET, "MS", 0,
	  "Time a heap snapshot may take before it is reported partial (default 2000)", 0 },
	{ "snapshot-max-mib", OPT_SNAPSHOT_MAX_MIB, "MIB", 0,
	  "Memory a snapshot's copies of the heap may take (default 2048)", 0 },
	{ "run-as-root", OPT_RUN_AS_ROOT, NULL, 0,
	  "Launch the game as root, not as the user who ran sudo (pkexec, doas)", 0 },
	{ "backend", OPT_BACKEND, "bpf|procfs", 0,
	  "bpf (default): frames and probes; procfs: sample memory from /proc, no privilege, "
	  "no frames", 0 },
	{ "sample-rate", OPT_SAMPLE_RATE, "HZ", 0,
	  "procfs backend: samples a second (default 10)", 0 },
	{ "pools", OPT_POOLS, NULL, 0,
	  "Object pool analyzer: which classes to pool, how big, what it saves", 0 },
	{ "pools-window", OPT_POOLS_WINDOW, "N", 0,
	  "Frames a pools window samples, 17 to 1024 (default 32)", 0 },
	{ "pools-every", OPT_POOLS_EVERY, "N", 0,
	  "A pools window every N frames at most (default 300; governed by --max-overhead)", 0 },
	{},
};

static void usage_error(struct argp_state *st, const char *fmt, const char *arg)
{
	fprintf(stderr, "pmtrace-bpf: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see --help)\n");
	(void)st;
	exit(PMT_EXIT_USAGE);
}

static double parse_double(struct argp_state *st, const char *name, const char *arg, double lo,
			   double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < lo || v > hi) {
		char msg[160];

		snprintf(msg, sizeof(msg), "invalid %s '%%s' (expected %g to %g)", name, lo, hi);
		usage_error(st, msg, arg);
	}
	return v;
}

static unsigned long parse_ulong(struct argp_state *st, const char *name, const char *arg,
				 unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi) {
		char msg[160];

		snprintf(msg, sizeof(msg), "invalid %s '%%s' (expected %lu to %lu)", name, lo, hi);
		usage_error(st, msg, arg);
	}
	return v;
}

/* --label KEY=VALUE: a valid Prometheus label name that pmtrace does not use itself. */
static void parse_label(struct argp_state *st, struct pmt_options *o, char *arg)
{
	static const char *const taken[] = { "pid", "executable", "le", "cause", "kind", "generation",
					     "type", "budget", "state", "python_version",
					     "frame_marker", "job", "instance" };
	char *eq = strchr(arg, '=');
	size_t i, n = eq ? (size_t)(eq - arg) : 0;

	if (!eq || !pmt_prom_label_name_ok(arg, n) || strlen(eq + 1) >= PMT_PROM_VALUE_LEN)
		usage_error(st, "invalid --label '%s' (KEY=VALUE, KEY of letters, digits and _)", arg);
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (strlen(taken[i]) == n && !strncmp(arg, taken[i], n))
			usage_error(st, "--label '%s': pmtrace sets that label itself", arg);
	for (i = 0; i < o->nlabels; i++)
		if (strlen(o->labels[i].name) == n && !strncmp(arg, o->labels[i].name, n))
			usage_error(st, "--label '%s' given twice", arg);
	if (o->nlabels == PMT_MAX_LABELS)
		usage_error(st, "--label '%s': at most 8 labels", arg);
	*eq = 0;
	o->labels[o->nlabels].name = arg;
	o->labels[o->nlabels++].value = eq + 1;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct pmt_options *o = st->input;

	switch (key) {
	case 'p':
		o->pid = (pid_t)parse_ulong(st, "PID", arg, 1, INT_MAX);
		break;
	case 'i':
		o->interval_s = parse_double(st, "interval", arg, 0, 86400);
		break;
	case 'd':
		o->duration_s = parse_double(st, "duration", arg, 0.001, 31 * 86400.0);
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'm':
		if (!*arg || arg[strlen(arg) - 1] == ':')
			usage_error(st, "invalid frame marker '%s' (auto or [LIB:]SYMBOL)", arg);
		o->marker = strcmp(arg, "auto") ? arg : NULL;
		break;
	case OPT_TARGET_FPS:
		o->target_fps = parse_double(st, "target fps", arg, 1, 1000);
		o->target_fps_set = true;
		break;
	case OPT_SPIKE_THRESHOLD:
		o->spike_threshold = parse_double(st, "spike threshold", arg, 0, 100);
		break;
	case OPT_SPIKE_FLOOR:
		o->spike_floor = parse_ulong(st, "spike floor", arg, 1, 1UL << 40);
		break;
	case OPT_HISTORY:
		o->history = parse_ulong(st, "frame history", arg, 1, 10000000);
		break;
	case OPT_MARKER_TIMEOUT:
		o->marker_timeout_s = parse_double(st, "marker timeout", arg, 0.1, 86400);
		break;
	case 'j':
		o->json_path = arg;
		break;
	case OPT_TOP:
		o->top_n = parse_ulong(st, "top", arg, 0, 50);
		break;
	case OPT_TRACK_USE:
		o->track_use = true;
		break;
	case OPT_NO_ASSETS:
		o->no_assets = true;
		break;
	case OPT_NO_GL_ASSETS:
		o->no_gl_assets = true;
		break;
	case OPT_NO_GC_TIMING:
		o->no_gc_timing = true;
		break;
	case OPT_NO_GROWTH_SITES:
		o->no_growth_sites = true;
		break;
	case OPT_BUDGET:
		o->budget_file = arg;
		break;
	case OPT_PLATFORM:
		o->platform = arg;
		break;
	case OPT_EVICTION:
		o->eviction = arg;
		break;
	case OPT_ON_VIOLATION:
		o->on_violation = arg;
		break;
	case OPT_FAIL_ON_VIOLATION:
		o->fail_on_violation = true;
		break;
	case OPT_TRACE_EVERY:
		o->trace_every = parse_ulong(st, "trace interval", arg, 1, 100000000);
		break;
	case OPT_TRACE_ON_SPIKE:
		o->trace_on_spike = parse_ulong(st, "frames traced after a spike", arg, 0, 1000);
		break;
	case OPT_TRACE_FRAMES: {
		unsigned long a, b;
		int n = -1;

		if (sscanf(arg, "%lu-%lu%n", &a, &b, &n) != 2 || n != (int)strlen(arg) || b < a ||
		    arg[0] == '-')
			usage_error(st, "invalid frame range '%s' (expected A-B, A <= B)", arg);
		o->trace_from = a;
		o->trace_to = b + 1;
		break;
	}
	case OPT_TRACE_ALL:
		o->trace_all = true;
		break;
	case OPT_TRACE_DEPTH:
		o->trace_depth = parse_ulong(st, "trace depth", arg, 0, 32);
		break;
	case OPT_POOLS:
		o->pools = true;
		break;
	case OPT_POOLS_WINDOW:
		o->pools_window = parse_ulong(st, "pools window", arg, 17, 1024);
		o->pools = true;
		break;
	case OPT_POOLS_EVERY:
		o->pools_every = parse_ulong(st, "pools interval", arg, 1, 100000000);
		o->pools = true;
		break;
	case OPT_MAX_OVERHEAD:
		o->max_overhead = parse_double(st, "maximum overhead", arg, 0.01, 100);
		break;
	case OPT_HTML:
		o->html_path = arg;
		break;
	case OPT_PERFETTO:
		o->perfetto_path = arg;
		break;
	case OPT_PROMETHEUS: {
		char err[200];

		if (pmt_prom_addr_check(arg, err, sizeof(err))) {
			fprintf(stderr, "pmtrace-bpf: %s (see --help)\n", err);
			exit(PMT_EXIT_USAGE);
		}
		o->prometheus = arg;
		break;
	}
	case OPT_PROMETHEUS_LINGER:
		o->prometheus_linger = parse_double(st, "linger", arg, 0, 3600);
		break;
	case OPT_LABEL:
		parse_label(st, o, arg);
		break;
	case OPT_NO_SNAPSHOT:
		o->no_snapshot = true;
		break;
	case OPT_SNAPSHOT_EVERY:
		o->snapshot_every_s = parse_double(st, "snapshot interval", arg, 0.1, 86400);
		break;
	case OPT_SNAPSHOT_BUDGET:
		o->snapshot_budget_ms = parse_double(st, "snapshot budget", arg, 1, 3600000);
		break;
	case OPT_SNAPSHOT_MAX_MIB:
		o->snapshot_max_mib = parse_ulong(st, "snapshot memory", arg, 16, 1UL << 20);
		break;
	case OPT_RUN_AS_ROOT:
		o->run_as_root = true;
		break;
	case OPT_BACKEND:
		if (strcmp(arg, "bpf") && strcmp(arg, "procfs"))
			usage_error(st, "unknown backend '%s' (bpf or procfs)", arg);
		o->backend = arg;
		break;
	case OPT_SAMPLE_RATE:
		o->sample_rate = parse_double(st, "sample rate", arg, 0.1, 1000);
		o->sample_rate_set = true;
		break;
	case ARGP_KEY_ARG:
		if (!o->pid && !o->cmd && !strcmp(arg, "platforms") && st->next == st->argc) {
			o->list_platforms = true;
			break;
		}
		/* `snapshot` as the first word: the one-shot command. */
		if (!o->cmd && !o->snapshot_cmd && !strcmp(arg, "snapshot") && st->next == 2) {
			o->snapshot_cmd = true;
			break;
		}
		/* The first non-option starts the command to launch. */
		o->cmd = &st->argv[st->next - 1];
		st->next = st->argc;
		break;
	case ARGP_KEY_END:
		if (o->list_platforms)
			break;
		if (o->snapshot_cmd) {
			if (!o->pid || o->cmd)
				usage_error(st, "%s", "snapshot needs --pid PID and no command");
			break;
		}
		/* A game being launched may load for a while before its first frame. */
		if (!o->marker_timeout_s)
			o->marker_timeout_s = o->cmd ? 60 : 10;
		if (!o->pid && !o->cmd)
			usage_error(st, "%s", "give --pid PID or -- COMMAND");
		if (o->pid && o->cmd)
			usage_error(st, "%s", "give either --pid or a command, not both");
		if (o->sample_rate_set && strcmp(o->backend, "procfs"))
			usage_error(st, "%s", "--sample-rate needs --backend procfs");
		if (!strcmp(o->backend, "procfs") && (o->html_path || o->perfetto_path ||
						      o->prometheus))
			usage_error(st, "%s", "--html, --perfetto and --prometheus show frames: "
				    "--backend procfs has none (its --json records are samples)");
		if (!strcmp(o->backend, "procfs") && o->pools)
			usage_error(st, "%s", "--pools places probes in the game: it needs --backend bpf");
		if (o->run_as_root && !o->cmd)
			usage_error(st, "%s", "--run-as-root is for launching a command");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void pmt_options_parse(int argc, char **argv, struct pmt_options *o)
{
	static const struct argp argp = { opts, parse_opt, NULL, doc, NULL, NULL, NULL };

	memset(o, 0, sizeof(*o));
	o->interval_s = 5;
	o->marker_timeout_s = 0; /* auto: 10 s attaching, 60 s launching (see below) */
	o->target_fps = 60;
	o->spike_threshold = 0.1;
	o->spike_floor = 1UL << 20;
	o->history = 1000;
	o->top_n = 10;
	o->trace_on_spike = 3;
	o->max_overhead = 5;
	o->trace_depth = 32;
	o->snapshot_budget_ms = 2000;
	o->snapshot_max_mib = 2048;
	o->backend = "bpf";
	o->sample_rate = PMT_SAMPLE_RATE_DEFAULT;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, o))
		exit(PMT_EXIT_USAGE);
}
