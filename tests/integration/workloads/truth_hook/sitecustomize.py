# SPDX-License-Identifier: BSD-2-Clause
"""Ground truth from inside an unmodified game (put this directory on
PYTHONPATH and set PMT_TRUTH): on SIGUSR2 the game's main thread, between
two bytecodes, lists every pygame Surface, Sound and Font reachable from the
collector's objects and the running frames, through the interpreter's own
traverse functions (gc.get_referents: untracked tuples and dicts included),
writes them to $PMT_TRUTH, and holds the game still until $PMT_TRUTH.release
exists (60 s at most), so a tool can read the same heap meanwhile."""
import os
import signal

def _pmt_truth(sig, frm):
    import gc, json, sys, time
    import pygame
    kinds = [(pygame.Surface, "surface")]
    try:
        import pygame.mixer
        kinds.append((pygame.mixer.Sound, "audio"))
    except Exception:
        pass
    try:
        import pygame.font
        kinds.append((pygame.font.Font, "font"))
    except Exception:
        pass
    found = {}

    def see(o):
        for cls, k in kinds:
            if isinstance(o, cls):
                found[id(o)] = (k, o)

    # everything reachable from the collector's objects and the running frames,
    # through every referent the interpreter's own traverse functions report
    # (untracked tuples and dicts included: a tuple of surfaces is untracked)
    todo = gc.get_objects()
    for f in sys._current_frames().values():
        while f is not None:
            todo.append(dict(f.f_locals))
            f = f.f_back
    seen = set()
    while todo:
        o = todo.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        see(o)
        todo.extend(gc.get_referents(o))
    del todo, seen
    out = []
    for k, o in found.values():
        if k == "surface":
            out.append({"type": k, "w": o.get_width(), "h": o.get_height(),
                        "bytes": o.get_height() * o.get_pitch()})
        elif k == "audio":
            out.append({"type": k, "bytes": len(o.get_raw())})
        else:
            out.append({"type": k})
    path = os.environ["PMT_TRUTH"]
    with open(path + ".tmp", "w") as fh:
        json.dump({"assets": out}, fh)
    os.rename(path + ".tmp", path)
    found.clear()
    release = path + ".release"
    end = time.time() + 60
    while not os.path.exists(release) and time.time() < end:
        time.sleep(0.05)

if os.environ.get("PMT_TRUTH"):
    signal.signal(signal.SIGUSR2, _pmt_truth)
