# SPDX-License-Identifier: BSD-2-Clause
"""Helpers shared by the integration tests: where things are, running the
tool, reading its JSON Lines, BPF program and text-integrity checks.
Standard library only; runs on Debian's /usr/bin/python3."""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOL = os.environ.get("PMT_IT_TOOL") or os.path.join(REPO, "build", "pmtrace-bpf")
WORKLOADS = os.path.join(HERE, "workloads")
PLANTED_PYGAME = os.path.join(WORKLOADS, "planted_pygame.py")
PLANTED_SDL = os.path.join(WORKLOADS, "planted_sdl.py")
DEBIAN_PY = "/usr/bin/python3"
SCHEMA_VERSION = 2
PLAN = "alloc:40:64,gc:80,slow:120:40"
# Oldest CPython the tool is expected to support; older ones must give exit 5.
SUPPORTED_MIN = (3, 8)

EXIT = {"ok": 0, "error": 1, "usage": 2, "no_process": 3, "not_python": 4,
        "unsupported": 5, "no_marker": 6, "privilege": 7, "bpf": 8}

WORKLOAD_ENV = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
for _k, _v in WORKLOAD_ENV.items():
    os.environ.setdefault(_k, _v)


# --------------------------------------------------------------------------
# interpreters

def pyenv_root():
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, universal_newlines=True,
                                 timeout=20).stdout.strip()
            if out and os.path.isdir(out):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    env = os.environ.get("PYENV_ROOT")
    if env and os.path.isdir(env):
        return env
    home = os.path.expanduser("~/.pyenv")
    return home if os.path.isdir(home) else None


def pyenv_pythons():
    """{'3.11': '/…/versions/3.11.7/bin/python3.11', …}: the newest patch
    release of each minor version present under pyenv (CPython only)."""
    root = pyenv_root()
    found = {}
    if not root:
        return found
    for d in glob.glob(os.path.join(root, "versions", "*")):
        m = re.match(r"^(\d+)\.(\d+)\.(\d+)$", os.path.basename(d))
        if not m:
            continue
        major, minor, patch = (int(x) for x in m.groups())
        exe = os.path.join(d, "bin", "python%d.%d" % (major, minor))
        if not os.access(exe, os.X_OK):
            continue
        key = "%d.%d" % (major, minor)
        if key not in found or found[key][0] < patch:
            found[key] = (patch, exe)
    return {k: v[1] for k, v in found.items()}


def has_pygame(py=DEBIAN_PY):
    if not os.access(py, os.X_OK):
        return False
    r = subprocess.run([py, "-c", "import pygame"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def has_sdl2():
    import ctypes
    import ctypes.util
    for name in (ctypes.util.find_library("SDL2"), "libSDL2-2.0.so.0"):
        if not name:
            continue
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            pass
    return False


# --------------------------------------------------------------------------
# running things

class Tmp(object):
    """A scratch directory, removed unless PMT_IT_KEEP is set; the test
    user's while tool runs simulate sudo (AS_USER)."""

    def __init__(self, tag, owner=None):
        self.path = tempfile.mkdtemp(prefix="pmt-it-%s-" % tag)
        self.owner = owner or AS_USER
        if self.owner:
            os.chown(self.path, self.owner.pw_uid, self.owner.pw_gid)

    def mkdir(self, name):
        """A subdirectory (the directory's owner's too); its path."""
        path = self(name)
        os.makedirs(path, exist_ok=True)
        if self.owner:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        return path

    def __call__(self, name):
        return os.path.join(self.path, name)

    def cleanup(self):
        if os.environ.get("PMT_IT_KEEP"):
            print("    (kept %s)" % self.path)
            return
        shutil.rmtree(self.path, ignore_errors=True)


def kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run(cmd, timeout=120, **kw):
    """Run cmd in its own process group, output to files (no pipe a
    leftover child could hold open); on timeout kill the group, and kill
    whatever of the group outlives cmd. Returns (returncode or None on
    timeout, stdout, stderr)."""
    _as_user(cmd, kw)
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, universal_newlines=True,
                                start_new_session=True, **kw)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
            rc = None
        kill_group(proc)
        fo.seek(0)
        fe.seek(0)
        return rc, fo.read(), fe.read()


def spawn(cmd, **kw):
    """Start a background process in its own group, output discarded."""
    kw.setdefault("stdout", subprocess.DEVNULL)
    kw.setdefault("stderr", subprocess.DEVNULL)
    _as_user(cmd, kw)
    return subprocess.Popen(cmd, start_new_session=True, **kw)


def stop(proc, timeout=10):
    if proc.poll() is None:
        kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
    return proc.returncode


def tail(text, n=15):
    lines = (text or "").rstrip().splitlines()
    return "\n".join(lines[-n:])


def describe(rc, out, err):
    return "exit %r\n--- stderr (tail) ---\n%s\n--- stdout (tail) ---\n%s" % (
        rc, tail(err), tail(out))


def stderr_lines(err):
    return [l for l in (err or "").splitlines() if l.strip()]


def read_frame_file(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or "0")
    except (OSError, ValueError):
        return None


def wait_for(pred, timeout, step=0.05):
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() >= end:
            return v
        time.sleep(step)


def wait_frames(path, at_least, timeout=30):
    return wait_for(lambda: (read_frame_file(path) or 0) >= at_least, timeout)


# --------------------------------------------------------------------------
# JSON Lines

def load_jsonl(path, partial_last_line=False):
    """Parse the tool's JSON Lines; every line must parse and carry type and
    schema_version (AssertionError otherwise). partial_last_line: tolerate an
    unfinished last line (a file read while the tool writes it)."""
    recs = []
    with open(path) as f:
        data = f.read()
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines and partial_last_line:
        lines.pop()
    for n, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise AssertionError("%s:%d: not JSON (%s): %.200s" % (path, n, exc, line))
        if not isinstance(rec, dict):
            raise AssertionError("%s:%d: not an object: %.200s" % (path, n, line))
        for key in ("type", "schema_version"):
            if key not in rec:
                raise AssertionError("%s:%d: no %r: %.200s" % (path, n, key, line))
        if rec["schema_version"] != SCHEMA_VERSION:
            raise AssertionError("%s:%d: schema_version %r, expected %d"
                                 % (path, n, rec["schema_version"], SCHEMA_VERSION))
        recs.append(rec)
    return recs


def records_of(recs, kind):
    return [r for r in recs if r["type"] == kind]


def has_attached(path):
    try:
        return any(r["type"] == "attached" for r in load_jsonl(path, True))
    except (OSError, AssertionError):
        return False


# --------------------------------------------------------------------------
# BPF programs

def bpftool():
    for c in (shutil.which("bpftool"), "/usr/sbin/bpftool", "/sbin/bpftool"):
        if c and os.access(c, os.X_OK):
            return c
    return None


def pmt_progs():
    """[{id, name, pids}] of loaded BPF programs whose name starts with pmt_,
    or None if bpftool is missing or fails."""
    exe = bpftool()
    if not exe:
        return None
    try:
        r = subprocess.run([exe, "-j", "prog", "show"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, universal_newlines=True, timeout=30)
        progs = json.loads(r.stdout or "[]")
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    out = []
    for p in progs:
        name = p.get("name") or ""
        if name.startswith("pmt_"):
            out.append({"id": p.get("id"), "name": name,
                        "pids": [x.get("pid") for x in p.get("pids", [])]})
    return out


def leaked_progs(baseline_ids, our_pids, timeout=3.0):
    """pmt_ programs not in baseline_ids that are still loaded after
    `timeout` s, ignoring those held by processes that are not ours (another
    pmtrace run on the machine). None if bpftool is unusable."""
    def leaks():
        progs = pmt_progs()
        if progs is None:
            return None
        return [p for p in progs if p["id"] not in baseline_ids and
                (not p["pids"] or any(pid in our_pids for pid in p["pids"]))]
    end = time.time() + timeout
    while True:
        cur = leaks()
        if not cur or time.time() >= end:
            return cur
        time.sleep(0.1)


def progs_of(pid):
    progs = pmt_progs() or []
    return [p for p in progs if pid in p["pids"]]


# --------------------------------------------------------------------------
# code integrity: executable file mappings equal their files

def text_differences(pid, limit=10):
    """Compare every executable file-backed mapping of pid with the bytes of
    its file (uprobes write int3 into the process's copy of the page; after
    detach the original bytes must be back). Returns a list of strings."""
    diffs = []
    try:
        with open("/proc/%d/maps" % pid) as f:
            maps = f.read().splitlines()
        mem = open("/proc/%d/mem" % pid, "rb", buffering=0)
    except OSError as exc:
        return ["cannot read /proc/%d: %s" % (pid, exc)]
    with mem:
        for line in maps:
            parts = line.split(None, 5)
            if len(parts) < 6 or "x" not in parts[1]:
                continue
            path = parts[5]
            if not path.startswith("/") or path.endswith("(deleted)"):
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            offset = int(parts[2], 16)
            try:
                with open(path, "rb") as f:
                    f.seek(offset)
                    want = f.read(end - start)
                mem.seek(start)
                have = mem.read(len(want))
            except OSError:
                continue
            if have != want:
                at = first_difference(have, want)
                diffs.append("%s: mapping %x differs at +0x%x (file offset 0x%x)"
                             % (path, start, at, offset + max(at, 0)))
                if len(diffs) >= limit:
                    break
    return diffs


def first_difference(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return -1


# --------------------------------------------------------------------------
# privileges: an unprivileged test user, and sudo simulated for the tool

TEST_USER = "pmtrace-it"      # a system user: no home, no password, no login
TEST_GROUP = "pmtrace-it-g"   # its supplementary group
# While set (a pwd entry), the tool started by run() and spawn() gets the
# environment sudo gives a command run by that user (sudo_env()), and
# Tmp() directories belong to the user.
AS_USER = None


def test_user():
    """(pwd entry, None) of the test user, created with its own group and a
    supplementary one when absent (root only; left in place afterwards, so
    that parallel runs never remove it from under each other), or (None,
    reason)."""
    try:
        return pwd.getpwnam(TEST_USER), None
    except KeyError:
        pass
    if os.geteuid() != 0:
        return None, "user %s absent and not root to create it" % TEST_USER
    for exe in ("groupadd", "useradd"):
        if not shutil.which(exe):
            return None, "%s not found (package passwd)" % exe
    try:
        grp.getgrnam(TEST_GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", TEST_GROUP], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    r = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent/" + TEST_USER, "--shell",
                        "/usr/sbin/nologin", "--groups", TEST_GROUP, TEST_USER],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    try:
        return pwd.getpwnam(TEST_USER), None
    except KeyError:
        return None, "useradd failed: %s" % r.stdout.strip()


def user_groups(pw):
    """The groups initgroups() gives the user (primary group included)."""
    return sorted(set(os.getgrouplist(pw.pw_name, pw.pw_gid)))


def sudo_env(pw, base=None, how="sudo"):
    """The environment `sudo CMD` (Debian's defaults: env_reset, a secure
    PATH, HOME of the target) gives a root command started by user pw, plus
    variables a desktop session has that sudo keeps (DISPLAY, XAUTHORITY)
    and one it should not pass to the user's game (root's XDG_RUNTIME_DIR).
    how: "sudo", "pkexec" (PKEXEC_UID) or "doas" (DOAS_USER)."""
    env = dict(base if base is not None else os.environ)
    for k in list(env):
        if k.startswith("SUDO_") or k in ("PKEXEC_UID", "DOAS_USER"):
            del env[k]
    env.update({"HOME": "/root", "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash",
                "MAIL": "/var/mail/root",
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "XDG_RUNTIME_DIR": "/run/user/0"})
    env.setdefault("DISPLAY", ":97")
    env.setdefault("XAUTHORITY", "/nonexistent/.Xauthority")
    if how == "sudo":
        env.update({"SUDO_UID": str(pw.pw_uid), "SUDO_GID": str(pw.pw_gid),
                    "SUDO_USER": pw.pw_name, "SUDO_COMMAND": TOOL})
    elif how == "pkexec":
        env["PKEXEC_UID"] = str(pw.pw_uid)
    elif how == "doas":
        env["DOAS_USER"] = pw.pw_name
    return env


def _as_user(cmd, kw):
    if AS_USER is not None and cmd and cmd[0] == TOOL:
        kw["env"] = sudo_env(AS_USER, kw.get("env"))


class as_user(object):
    """with as_user(pw): tool runs simulate `sudo` started by pw."""

    def __init__(self, pw):
        self.pw = pw

    def __enter__(self):
        global AS_USER
        AS_USER = self.pw
        return self.pw

    def __exit__(self, *exc):
        global AS_USER
        AS_USER = None
        return False


def as_user_cmd(pw, cmd):
    """cmd run as pw with no privilege (setpriv): ids, groups, no capabilities."""
    return [shutil.which("setpriv") or "setpriv", "--reuid=%d" % pw.pw_uid,
            "--regid=%d" % pw.pw_gid, "--init-groups"] + list(cmd)


def proc_status(pid, task=None):
    """{field: value} of /proc/PID/status (or of one of its threads), or None."""
    path = "/proc/%d/status" % pid if task is None else "/proc/%d/task/%d/status" % (pid, task)
    try:
        with open(path) as f:
            return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
    except OSError:
        return None


def tasks(pid):
    try:
        return [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except OSError:
        return []


CAP = {"CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_DAC_OVERRIDE": 1,
       "CAP_DAC_READ_SEARCH": 2, "CAP_SYS_PTRACE": 19, "CAP_SYS_ADMIN": 21,
       "CAP_SYS_RESOURCE": 24, "CAP_PERFMON": 38, "CAP_BPF": 39}


def cap_mask(*names):
    m = 0
    for n in names:
        m |= 1 << CAP[n]
    return m


_USER_WORKLOADS = {}


def user_can_read(pw, path):
    """True when user pw (no privilege) can read path."""
    r = subprocess.run(as_user_cmd(pw, ["test", "-r", path]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def user_workloads(pw):
    """A directory of the workloads that user pw can read: WORKLOADS itself,
    or (a checkout under a private home) a copy removed at exit."""
    if pw.pw_uid in _USER_WORKLOADS:
        return _USER_WORKLOADS[pw.pw_uid]
    path = WORKLOADS
    if not user_can_read(pw, os.path.join(WORKLOADS, "planted_common.py")):
        import atexit
        path = tempfile.mkdtemp(prefix="pmt-it-workloads-")
        os.chmod(path, 0o755)
        for name in os.listdir(WORKLOADS):
            src = os.path.join(WORKLOADS, name)
            if os.path.isfile(src):
                shutil.copy(src, os.path.join(path, name))
                os.chmod(os.path.join(path, name), 0o644)
        if not os.environ.get("PMT_IT_KEEP"):
            atexit.register(shutil.rmtree, path, True)
    _USER_WORKLOADS[pw.pw_uid] = path
    return path


def kernel_at_least(major, minor):
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (major, minor)
