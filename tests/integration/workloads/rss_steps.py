# SPDX-License-Identifier: BSD-2-Clause
"""A process whose memory grows in planted steps, with plateaus in between,
for the procfs backend (pmtrace-bpf --backend procfs): no game loop, no
frames, only memory and threads that change at known times.

Plateau 0 is the start (after --start-delay); each later plateau k begins
once --mib MiB more have been allocated and touched (kept until the end);
at plateau --threads-at, --threads more threads start and sleep until the
end. Each plateau lasts --hold seconds. At the start of each plateau (after
the step, before the hold) the workload records its own truth, read from
the kernel exactly as a sampler would read it: RssAnon, RssFile, RssShmem,
VmHWM and Threads from /proc/self/status, minflt and majflt from
/proc/self/stat, with CLOCK_MONOTONIC timestamps around the reading and at
the end of the plateau. Nothing allocates during the hold: the counters
stay as read until the next step.

  rss_steps.py --steps 4 --mib 32 --hold 0.6 --truth FILE [--threads-at 2 --threads 3]
               [--identity FILE] [--start-delay S] [--frame-file FILE]
"""
import argparse
import json
import os
import platform
import threading
import time

from planted_common import write_identity


def status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem", "VmHWM", "VmSwap"):
                out[key] = int(value.split()[0]) * 1024
            elif key == "Threads":
                out[key] = int(value)
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    out["minflt"] = int(fields[7])   # field 10
    out["majflt"] = int(fields[9])   # field 12
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--hold", type=float, default=0.6)
    ap.add_argument("--threads-at", type=int, default=-1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--start-delay", type=float, default=0.0)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--identity")
    args = ap.parse_args()

    if args.identity:
        write_identity(args.identity)
    stop = threading.Event()
    threads, kept, plateaus = [], [], []
    time.sleep(args.start_delay)
    # Everything the loop needs exists before the first reading.
    size = args.mib << 20
    page = os.sysconf("SC_PAGE_SIZE")
    for k in range(args.steps + 1):
        t_step = time.monotonic_ns()
        if k:
            block = bytearray(size)            # calloc: touched by the memset
            block[::page] = b"\x01" * (size // page)
            kept.append(block)
        if k == args.threads_at:
            for _ in range(args.threads):
                t = threading.Thread(target=stop.wait)
                t.start()
                threads.append(t)
        t0 = time.monotonic_ns()
        st = status()
        t1 = time.monotonic_ns()
        time.sleep(args.hold)
        plateaus.append({"step_ns": t_step, "ts_ns": t0, "ts_after_ns": t1,
                         "end_ns": time.monotonic_ns(), "status": st})
    stop.set()
    for t in threads:
        t.join()
    with open(args.truth, "w") as f:
        json.dump({"pid": os.getpid(), "python": platform.python_version(),
                   "page_size": page, "mib": args.mib,
                   "threads_at": args.threads_at, "threads": args.threads,
                   "plateaus": plateaus}, f)


if __name__ == "__main__":
    main()
