# SPDX-License-Identifier: BSD-2-Clause
"""Shared loop of the planted workloads: frames with known, planted behaviour.

A workload script provides a frame marker (one call that ends a frame, e.g.
pygame.display.flip() or SDL_UpdateWindowSurface) and optional per-frame
drawing; this module paces the frames, plants events and records the ground
truth the integration tests compare the tool's output with.

Frame i (0-based) is the loop iteration that ends with the i-th marker call.
Just before that call, with the collector disabled so that nothing can run in
between, it reads cumulative gc.get_stats(), RSS from /proc/self/statm and
minflt/majflt from /proc/self/stat, and a CLOCK_MONOTONIC timestamp (ts_ns);
ts_after_ns is read when the marker call returns.

Planted events (--plan, comma separated):
  alloc:F:MIB  frame F allocates MIB MiB of touched memory and keeps it
  gc:F[:N]     frame F drops N objects (default 300000) held in reference
               cycles since start-up and runs gc.collect() (tens of ms)
  slow:F:MS    frame F busy-loops MS milliseconds on small integers only:
               no gc-tracked object, no allocation
Planted frames skip the regular light per-frame work, so they do nothing else.

Written to also run (without GC statistics) on Python 2.7 and 3.6+, so that a
tool can be pointed at interpreters it does not support.
"""
from __future__ import print_function

import argparse
import gc
import json
import os
import signal
import sys
import time

DEFAULT_GC_OBJECTS = 300000
# Surviving gc-tracked objects a regular frame adds: enough for a natural
# gen0 collection every few frames (threshold 700, 2000 on 3.13).
KEEP_PER_FRAME = 100
KEEP_MAX_FRAMES = 400

if hasattr(time, "monotonic_ns"):
    def now_ns():
        return time.monotonic_ns()
elif hasattr(time, "monotonic"):
    def now_ns():
        return int(time.monotonic() * 1e9)
else:  # Python 2.7: no monotonic clock in the stdlib
    def now_ns():
        return int(time.time() * 1e9)

clock = getattr(time, "monotonic", time.time)  # seconds, for pacing


def parse_plan(spec):
    """'alloc:40:64,gc:80,slow:120:40' -> {frame: (kind, arg)}."""
    plan = {}
    if not spec:
        return plan
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        parts = item.split(":")
        kind = parts[0]
        try:
            frame = int(parts[1])
            if kind == "alloc":
                arg = int(parts[2])
            elif kind == "gc":
                arg = int(parts[2]) if len(parts) > 2 else DEFAULT_GC_OBJECTS
            elif kind == "slow":
                arg = int(parts[2])
            else:
                raise ValueError("unknown kind")
            if len(parts) > 3 or frame < 0 or arg <= 0:
                raise ValueError("bad value")
        except (IndexError, ValueError) as exc:
            raise SystemExit("bad --plan item %r (%s); expected alloc:FRAME:MIB, "
                             "gc:FRAME[:OBJECTS] or slow:FRAME:MS" % (item, exc))
        if frame in plan:
            raise SystemExit("bad --plan: two events at frame %d" % frame)
        plan[frame] = (kind, arg)
    return plan


def parse_args(argv=None, description=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--frames", type=int, default=0,
                    help="total frames (0: run until SIGTERM/SIGINT)")
    ap.add_argument("--truth", help="write the ground truth JSON here at exit")
    ap.add_argument("--plan", default="",
                    help="planted events, e.g. alloc:40:64,gc:80,slow:120:40")
    ap.add_argument("--fps", type=float, default=60.0,
                    help="frames per second, paced with sleep (0: uncapped)")
    ap.add_argument("--frame-file",
                    help="rewrite the number of frames done to this file every frame")
    ap.add_argument("--start-delay", type=float, default=0.0,
                    help="seconds to sleep before the first frame")
    ap.add_argument("--identity",
                    help="write who this process runs as (ids, groups, capabilities, "
                    "environment) to this file at start")
    args = ap.parse_args(argv)
    args.plan_events = parse_plan(args.plan)
    return args


class _ProcReader(object):
    """Reads /proc/self/statm and /proc/self/stat through kept descriptors."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.statm = os.open("/proc/self/statm", os.O_RDONLY)
        self.stat = os.open("/proc/self/stat", os.O_RDONLY)

    def _read(self, fd):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 4096)

    def rss(self):
        return int(self._read(self.statm).split()[1]) * self.page

    def faults(self):
        data = self._read(self.stat)
        fields = data[data.rindex(b")") + 2:].split()
        # fields[0] is field 3 (state): minflt is field 10, majflt field 12
        return int(fields[7]), int(fields[9])


def identity():
    """Who this process runs as, with what, in what environment: the
    ground truth of the least-privilege tests (the game must be the user)."""
    caps = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.startswith("Cap"):
                caps[key] = value.strip()
    env = dict((k, os.environ.get(k)) for k in (
        "HOME", "USER", "LOGNAME", "SHELL", "PATH", "MAIL", "DISPLAY", "XAUTHORITY",
        "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "SUDO_UID", "SUDO_GID", "SUDO_USER",
        "SUDO_COMMAND", "PKEXEC_UID", "DOAS_USER"))
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
            "egid": os.getegid(), "groups": sorted(os.getgroups()),
            "resuid": list(os.getresuid()), "resgid": list(os.getresgid()),
            "caps": caps, "env": env}


def write_identity(path):
    with open(path, "w") as f:
        json.dump(identity(), f)


def _gc_stats():
    if not hasattr(gc, "get_stats"):
        return None
    st = gc.get_stats()
    return ([s["collections"] for s in st], [s["collected"] for s in st],
            [s["uncollectable"] for s in st])


def _build_cycles(n):
    """n objects in 2-object reference cycles, reachable only through the
    returned holder list."""
    holder = []
    for _ in range(n // 2):
        a = []
        b = [a]
        a.append(b)
        holder.append(a)
    return holder


def _busy_small_ints(ms):
    """CPU-only: small-integer arithmetic (cached ints: no allocation, no
    gc-tracked object), checking the clock every few thousand steps."""
    end = now_ns() + ms * 1000000
    x = 0
    while now_ns() < end:
        i = 0
        while i < 128:  # every value stays within the small-int cache
            x = (x + i) & 63
            i += 1
    return x


class Workload(object):
    def __init__(self, name, marker, draw=None, pump=None, argv=None,
                 first_marker=None):
        """marker(): the frame marker call; draw(frame): optional drawing
        before it; pump(): optional event pumping. first_marker(): if given,
        a set-up call that itself calls the marker exactly once (pygame's
        display.set_mode() calls SDL_UpdateWindowSurface): it ends frame 0,
        whose truth is read just before it, and frame 0 draws nothing; the rest
        of that call (pygame: most of set_mode) then falls in frame 1."""
        self.name = name
        self.marker = marker
        self.first_marker = first_marker
        self.draw = draw
        self.pump = pump
        self.args = parse_args(argv, description="planted %s workload" % name)
        self.stop = False
        self.stop_signal = None
        self.frames_done = 0
        self.records = [] if self.args.truth else None
        self.keep = []
        self.kept_alloc = []
        self.planted_ns = {}
        self.cycles = {}
        self.proc = _ProcReader()

    def _on_signal(self, signum, _frame):
        self.stop = True
        self.stop_signal = signum

    def _write_frame_file(self):
        path = self.args.frame_file
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, ("%d\n" % self.frames_done).encode())
        finally:
            os.close(fd)
        os.rename(tmp, path)

    def _light_work(self, frame):
        # A few small allocations a frame; some survive (gen0 collections
        # now and then), the rest dies at once.
        tmp = {"frame": frame, "items": [(frame, j) for j in range(16)]}
        self.keep.append([[frame, j] for j in range(KEEP_PER_FRAME - 1)])
        if len(self.keep) > KEEP_MAX_FRAMES:
            self.keep = []
        return len(tmp)

    def _planted(self, frame, kind, arg):
        t0 = now_ns()
        if kind == "alloc":
            # b'x' * n is malloc + memset: every page is touched; kept.
            self.kept_alloc.append(b"x" * (arg << 20))
        elif kind == "gc":
            self.cycles[frame] = None  # the cycles become unreachable
            gc.collect()
        elif kind == "slow":
            _busy_small_ints(arg)
        self.planted_ns[frame] = now_ns() - t0

    def _end_frame(self, frame, planted, marker):
        """Read the truth and call the marker, no collection in between."""
        was_enabled = gc.isenabled()
        gc.disable()
        gc.isenabled()  # run any collection scheduled before disable() (3.12+)
        stats = _gc_stats()
        rss = self.proc.rss()
        minflt, majflt = self.proc.faults()
        ts = now_ns()
        marker()
        ts_after = now_ns()
        if was_enabled:
            gc.enable()
        self.frames_done += 1
        if self.records is not None:
            self.records.append((frame, ts, ts_after, rss, minflt, majflt, stats, planted))

    def _sleep(self, seconds):
        end = clock() + seconds
        while not self.stop:
            left = end - clock()
            if left <= 0:
                break
            time.sleep(min(left, 0.05))

    def run(self):
        args = self.args
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if args.identity:
            write_identity(args.identity)
        for frame, (kind, arg) in sorted(args.plan_events.items()):
            if kind == "gc":
                self.cycles[frame] = _build_cycles(arg)
        if self.cycles:
            gc.collect()  # everything in the oldest generation, none pending
        if args.start_delay > 0:
            self._sleep(args.start_delay)
        period = 1.0 / args.fps if args.fps > 0 else 0.0
        last_end = clock()
        frame = 0
        while not self.stop and (args.frames <= 0 or frame < args.frames):
            event = args.plan_events.get(frame)
            marker = self.marker
            if frame == 0 and self.first_marker is not None:
                marker = self.first_marker
            elif self.pump is not None:
                self.pump()
            if event is None:
                self._light_work(frame)
                if self.draw is not None and marker is self.marker:
                    self.draw(frame)
            else:
                self._planted(frame, event[0], event[1])
            if period:
                left = last_end + period - clock()
                if left > 0:
                    time.sleep(left)
            self._end_frame(frame, event[0] if event else None, marker)
            last_end = clock()
            if args.frame_file:
                self._write_frame_file()
            frame += 1
        if args.truth:
            self.write_truth()
        return 0

    def write_truth(self):
        prev = None
        per_frame = []
        for frame, ts, ts_after, rss, minflt, majflt, stats, planted in self.records:
            rec = {"frame": frame, "ts_ns": ts, "ts_after_ns": ts_after, "rss_bytes": rss,
                   "minflt": minflt, "majflt": majflt, "planted": planted,
                   "gc_collections": None, "gc_collected": None,
                   "gc_uncollectable": None,
                   "gc_collections_delta": None, "gc_collected_delta": None}
            if stats is not None:
                rec["gc_collections"] = stats[0]
                rec["gc_collected"] = stats[1]
                rec["gc_uncollectable"] = stats[2]
                if prev is not None:
                    rec["gc_collections_delta"] = [a - b for a, b in zip(stats[0], prev[0])]
                    rec["gc_collected_delta"] = [a - b for a, b in zip(stats[1], prev[1])]
            if planted is not None:
                rec["planted_ns"] = self.planted_ns.get(frame)
            per_frame.append(rec)
            prev = stats
        plan = [{"frame": f, "kind": k, "arg": a,
                 "unit": {"alloc": "MiB", "gc": "objects", "slow": "ms"}[k]}
                for f, (k, a) in sorted(self.args.plan_events.items())]
        truth = {
            "workload": self.name,
            "pid": os.getpid(),
            "python": {"version": "%d.%d.%d" % sys.version_info[:3],
                       "executable": sys.executable,
                       "implementation": getattr(getattr(sys, "implementation", None),
                                                 "name", "cpython")},
            "page_size": self.proc.page,
            "fps": self.args.fps,
            "frame0_marker": "setup" if self.first_marker is not None else "marker",
            # frames holding start-up work (frame 0: interpreter start-up;
            # with a set-up marker, frame 1 also holds the rest of the set-up
            # call after its marker call): not steady-state frames
            "warmup_frames": 2 if self.first_marker is not None else 1,
            "frames": self.frames_done,
            "frames_requested": self.args.frames,
            "stopped_by_signal": self.stop_signal,
            "plan_spec": self.args.plan,
            "plan": plan,
            "per_frame": per_frame,
        }
        tmp = self.args.truth + ".tmp"
        with open(tmp, "w") as f:
            json.dump(truth, f, indent=None, separators=(",", ":"))
            f.write("\n")
        os.rename(tmp, self.args.truth)
