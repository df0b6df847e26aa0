# SPDX-License-Identifier: BSD-2-Clause
"""Cut a real run's JSON Lines down to a fuzzing seed: every record that is
not a frame (at most 2 trace records, at most 2 of each other repeated type),
the first FRAMES frame records and up to FRAMES more that carry growth sites,
a spike or a drop; lines stay byte for byte as the tool wrote them.

    python3 tests/fuzz/trim_run.py RUN.jsonl SEED.jsonl [FRAMES]
"""
import json
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    keep_frames = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    out, seen, first, marked = [], {}, 0, 0
    for line in open(src):
        rec = json.loads(line)
        t = rec["type"]
        if t == "frame":
            interesting = rec.get("growth_sites") or rec.get("spike") or rec.get("dropped")
            if first < keep_frames:
                first += 1
            elif interesting and marked < keep_frames:
                marked += 1
            else:
                continue
        else:
            seen[t] = seen.get(t, 0) + 1
            if t not in ("attached", "final", "platforms", "trace_summary") and seen[t] > (1 if t == "trace" else 2):
                continue
        out.append(line if line.endswith("\n") else line + "\n")
    open(dst, "w").write("".join(out))


if __name__ == "__main__":
    main()
