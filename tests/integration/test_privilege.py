# SPDX-License-Identifier: BSD-2-Clause
"""Least privilege (docs/usage.md, "Privileges"). An unprivileged test user
(created once, see pmt_it.test_user) starts the tool through a simulated
sudo (SUDO_UID, SUDO_GID, SUDO_USER and the rest of the environment sudo
gives a root command; pkexec's PKEXEC_UID and doas's DOAS_USER too):

- the launched game records its own uid, gid, groups, capabilities and
  environment: the user's, none, and the user's HOME/USER/LOGNAME/SHELL;
- the JSON file belongs to the user; an existing file the user could not
  write is refused, unchanged;
- /proc/<tool>/task/*/status after start-up: every thread of the tool runs
  under the user's uid and gid with exactly CAP_BPF, CAP_PERFMON and
  CAP_SYS_PTRACE (effective = permitted, nothing inheritable or ambient);
- an --on-violation command runs as the user with no capability at all;
- frames (checked frame by frame against the workload's truth, as
  test_launch does), trace mode, assets and GL assets (test_trace's,
  test_assets' and test_gl_assets' own checks) all work in that state:
  libraries loaded later, hundreds of trace probes, asset probes, GL probes
  moving, memory reads all happen after the drop;
- attach mode: the user's own game, and a root game whose interpreter the
  user cannot read (then CAP_DAC_READ_SEARCH is kept, and needed);
- setcap mode: the binary given the capabilities, run by the user on their
  own game, and the errors naming a missing capability;
- --run-as-root: the game is root's, the tool still the user's.
"""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import pmt_it as it
import test_assets
import test_gl_assets
import test_launch
import test_trace

PW = None          # the test user
WL = None          # workloads the user can read
BASE_CAPS = it.cap_mask("CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE")
if not it.kernel_at_least(6, 6):
    # no uprobe_multi links: uprobes are perf events, CAP_SYS_ADMIN's
    BASE_CAPS |= it.cap_mask("CAP_SYS_ADMIN")


def setUpModule():
    global PW, WL
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to simulate sudo")
    if not shutil.which("setpriv"):
        raise unittest.SkipTest("setpriv not found (util-linux)")
    PW, why = it.test_user()
    if PW is None:
        raise unittest.SkipTest(why)
    WL = it.user_workloads(PW)


def caps(st, key):
    return int(st[key], 16)


def ids(st, key):
    return [int(x) for x in st[key].split()]


def run_watching(cmd, json_path, env, timeout=120):
    """Run the tool; as soon as its JSON holds the attached record (start-up
    done) read /proc/<tool>/task/*/status. Returns (rc, stdout, stderr,
    [status of each thread] or None)."""
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, universal_newlines=True,
                                start_new_session=True, env=env)
        statuses, end = None, time.time() + timeout
        while proc.poll() is None and time.time() < end:
            if statuses is None and it.has_attached(json_path):
                statuses = [s for s in (it.proc_status(proc.pid, t) for t in it.tasks(proc.pid))
                            if s]
            time.sleep(0.05)
        if proc.poll() is None:
            it.kill_group(proc)
        rc = proc.wait()
        it.kill_group(proc)
        fo.seek(0)
        fe.seek(0)
        return rc, fo.read(), fe.read(), statuses


class LeastPrivilegeTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        self.pygame_wl = os.path.join(WL, "planted_pygame.py")

    def check_reduced(self, statuses, keep=BASE_CAPS):
        self.assertTrue(statuses, "the tool's status was never read after start-up")
        for st in statuses:
            who = "thread %s" % st.get("Pid")
            self.assertEqual(ids(st, "Uid"), [PW.pw_uid] * 4, who)
            self.assertEqual(ids(st, "Gid"), [PW.pw_gid] * 4, who)
            self.assertEqual(sorted(ids(st, "Groups")), it.user_groups(PW), who)
            self.assertEqual(caps(st, "CapEff"), keep, "%s: CapEff %s" % (who, st["CapEff"]))
            self.assertEqual(caps(st, "CapPrm"), keep, "%s: CapPrm %s" % (who, st["CapPrm"]))
            self.assertEqual(caps(st, "CapInh"), 0, who)
            self.assertEqual(caps(st, "CapAmb"), 0, who)

    def check_game_identity(self, ident, uid=None, gid=None, groups=None, home=None):
        uid = PW.pw_uid if uid is None else uid
        gid = PW.pw_gid if gid is None else gid
        self.assertEqual(ident["resuid"], [uid] * 3)
        self.assertEqual(ident["resgid"], [gid] * 3)
        self.assertEqual(ident["groups"], it.user_groups(PW) if groups is None else groups)
        for k in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
            if uid:
                self.assertEqual(int(ident["caps"][k], 16), 0, "the game's %s" % k)
        env = ident["env"]
        if uid == PW.pw_uid:
            self.assertEqual(env["HOME"], PW.pw_dir)
            self.assertEqual(env["USER"], PW.pw_name)
            self.assertEqual(env["LOGNAME"], PW.pw_name)
            self.assertEqual(env["SHELL"], PW.pw_shell)
            self.assertEqual(env["MAIL"], "/var/mail/" + PW.pw_name)
            for k in ("SUDO_UID", "SUDO_GID", "SUDO_USER", "SUDO_COMMAND", "PKEXEC_UID",
                      "DOAS_USER"):
                self.assertIsNone(env[k], k)
            # root's runtime directory is not the user's
            self.assertNotEqual(env["XDG_RUNTIME_DIR"], "/run/user/0")
            # what a game needs to present passes unchanged
            given = it.sudo_env(PW)
            self.assertEqual(env["DISPLAY"], given["DISPLAY"])
            self.assertEqual(env["XAUTHORITY"], given["XAUTHORITY"])

    def test_launch_as_user(self):
        """Frames as test_launch checks them; the game, the files and the tool
        belong to the user; the tool keeps three capabilities."""
        tmp = it.Tmp("lp-launch", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, truth_path, ident = tmp("out.jsonl"), tmp("truth.json"), tmp("identity.json")
        html = tmp("live.html")
        cmd = [it.TOOL, "--quiet", "--json", out, "--html", html, "--", it.DEBIAN_PY,
               self.pygame_wl,
               "--frames", str(test_launch.FRAMES), "--truth", truth_path, "--plan", it.PLAN,
               "--identity", ident]
        old = os.umask(0o022)
        try:
            rc, sout, serr, statuses = run_watching(cmd, out, it.sudo_env(PW))
            self.assertEqual(rc, 0, it.describe(rc, sout, serr))
            rc, rout, rerr = it.run([it.TOOL, "report", "-q", "-o", tmp("report.html"), out],
                                    timeout=60, env=it.sudo_env(PW))
            self.assertEqual(rc, 0, it.describe(rc, rout, rerr))
        finally:
            os.umask(old)
        self.check_reduced(statuses)
        # `report` through sudo (above): the user's too, written with no capability
        report = tmp("report.html")
        for path in (out, html, report, truth_path, ident):
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (PW.pw_uid, PW.pw_gid), path)
        for path in (out, html, report):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644, path)
        with open(ident) as f:
            self.check_game_identity(json.load(f))
        with open(truth_path) as f:
            truth = json.load(f)
        test_launch.LaunchTest.check(self, it.load_jsonl(out), truth)

    def test_on_violation_as_user(self):
        """The --on-violation command: the user's uid, gid and groups, no
        capability in any set, the user's environment."""
        tmp = it.Tmp("lp-hook", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, ini, hook = tmp("out.jsonl"), tmp("b.ini"), tmp("hook.txt")
        with open(ini, "w") as f:
            f.write("[game]\nlimit = 1MiB\ncategories = rss\n")
        os.chmod(ini, 0o644)
        cmd = [it.TOOL, "--quiet", "--json", out, "--budget", ini, "--on-violation",
               "{ id -u; id -g; id -G; grep ^Cap /proc/self/status; echo HOME=$HOME; "
               "echo USER=$USER; echo PMT_STATE=$PMT_STATE; } > %s" % hook,
               "--", it.DEBIAN_PY, self.pygame_wl, "--frames", "40"]
        rc, sout, serr = it.run(cmd, timeout=60, env=it.sudo_env(PW))
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.assertTrue(it.wait_for(lambda: os.path.exists(hook) and "PMT_STATE=" in
                                    open(hook).read(), 10), "the hook never ran")
        lines = open(hook).read().split("\n")
        self.assertEqual(int(lines[0]), PW.pw_uid)
        self.assertEqual(int(lines[1]), PW.pw_gid)
        self.assertEqual(sorted(int(g) for g in lines[2].split()), it.user_groups(PW))
        capl = dict(l.split(":\t") for l in lines if l.startswith("Cap"))
        for k in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            self.assertEqual(int(capl[k], 16), 0, "%s of the hook: %s" % (k, capl[k]))
        self.assertIn("HOME=%s" % PW.pw_dir, lines)
        self.assertIn("USER=%s" % PW.pw_name, lines)
        self.assertIn("PMT_STATE=exceeded", lines)
        self.assertEqual(os.stat(hook).st_uid, PW.pw_uid)

    def _run_as_user(self, case, patches):
        """Run another module's test method with the tool started through a
        simulated sudo by the test user and workloads the user can read."""
        saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
        for mod, name, value in patches:
            setattr(mod, name, value)
        result = unittest.TestResult()
        try:
            with it.as_user(PW):
                case.run(result)
        finally:
            for mod, name, value in saved:
                setattr(mod, name, value)
        if result.skipped:
            self.skipTest(result.skipped[0][1])
        problems = result.failures + result.errors
        if problems:
            self.fail("%s as user %s:\n%s" % (case.id(), PW.pw_name, problems[0][1]))
        self.assertEqual(result.testsRun, 1)

    def test_trace_as_user(self):
        """test_trace's Debian test: trace windows place hundreds of probes
        (uprobe_multi links) and read the game's memory, all after the drop."""
        name = "test_trace_debian"
        if not hasattr(test_trace.TraceTest, name):
            self.skipTest("%s absent" % name)
        self._run_as_user(test_trace.TraceTest(name),
                          [(test_trace, "WORKLOAD", os.path.join(WL, "trace_alloc.py"))])

    def test_assets_as_user(self):
        """test_assets' planted test: asset probes, SDL's jump table, pygame
        loaded after the drop."""
        self._run_as_user(test_assets.AssetsTest("test_planted_assets"),
                          [(test_assets, "ASSETS_PYGAME", os.path.join(WL, "assets_pygame.py"))])

    def test_gl_assets_as_user(self):
        """test_gl_assets: GL probes placed on GLVND's stubs, then moved to the
        vendor's functions once a context is current: after the drop."""
        self._run_as_user(test_gl_assets.GlAssetsTest("test_gl_textures_and_buffers"),
                          [(test_gl_assets, "WORKLOAD", os.path.join(WL, "assets_gl.py"))])

    def test_attach_as_user(self):
        """Attach to the user's own game: frames, the game untouched, the tool
        reduced the same way."""
        tmp = it.Tmp("lp-attach", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, ff = tmp("out.jsonl"), tmp("frames")
        game = it.spawn(it.as_user_cmd(PW, [it.DEBIAN_PY, self.pygame_wl, "--frames", "0",
                                            "--frame-file", ff]))
        self.addCleanup(it.stop, game)
        self.assertTrue(it.wait_frames(ff, 5, 30), "the game did not start")
        cmd = [it.TOOL, "--quiet", "--duration", "3", "--json", out, "--pid", str(game.pid)]
        rc, sout, serr, statuses = run_watching(cmd, out, it.sudo_env(PW), timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.check_reduced(statuses)
        frames = it.records_of(it.load_jsonl(out), "frame")
        # the game's rate is the machine's business: frames come, numbered
        self.assertGreaterEqual(len(frames), 5, "frames in 3 s of a 60 fps game")
        self.assertEqual([f["frame"] for f in frames], list(range(len(frames))))
        self.assertIsNone(game.poll(), "the game died")
        self.assertEqual(ids(it.proc_status(game.pid), "Uid"), [PW.pw_uid] * 4)
        self.assertEqual(os.stat(out).st_uid, PW.pw_uid)

    def test_attach_root_game_unreadable_to_user(self):
        """A game of root's whose interpreter the user cannot read: the tool
        keeps CAP_DAC_READ_SEARCH for its files, and frames come."""
        if not it.has_sdl2():
            self.skipTest("libSDL2 not found")
        py = None
        for v, exe in sorted(it.pyenv_pythons().items()):
            if tuple(int(x) for x in v.split(".")) >= it.SUPPORTED_MIN and \
                    not it.user_can_read(PW, exe):
                py = exe
        if not py:
            self.skipTest("no supported interpreter here that %s cannot read" % PW.pw_name)
        tmp = it.Tmp("lp-attach-root", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, ff = tmp("out.jsonl"), tmp("frames")
        game = it.spawn([py, it.PLANTED_SDL, "--frames", "0", "--frame-file", ff])
        self.addCleanup(it.stop, game)
        self.assertTrue(it.wait_frames(ff, 5, 30), "the game did not start")
        cmd = [it.TOOL, "--quiet", "--duration", "3", "--json", out, "--pid", str(game.pid)]
        rc, sout, serr, statuses = run_watching(cmd, out, it.sudo_env(PW), timeout=60)
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.check_reduced(statuses, BASE_CAPS | it.cap_mask("CAP_DAC_READ_SEARCH"))
        frames = it.records_of(it.load_jsonl(out), "frame")
        self.assertGreaterEqual(len(frames), 5, "frames in 3 s of a 60 fps game")
        self.assertTrue(any(f["gc_collections"] is not None for f in frames),
                        "the interpreter's state was never read")
        self.assertIsNone(game.poll(), "the game died")

    def test_unwritable_output_refused(self):
        tmp = it.Tmp("lp-refuse", owner=PW)
        self.addCleanup(tmp.cleanup)
        out = tmp("root.jsonl")
        with open(out, "w") as f:
            f.write("root's data\n")
        os.chmod(out, 0o644)  # root's, not writable by the user
        cmd = [it.TOOL, "--quiet", "--json", out, "--", it.DEBIAN_PY, self.pygame_wl,
               "--frames", "5"]
        rc, sout, serr = it.run(cmd, timeout=30, env=it.sudo_env(PW))
        self.assertEqual(rc, it.EXIT["usage"], it.describe(rc, sout, serr))
        lines = it.stderr_lines(serr)
        self.assertEqual(len(lines), 1, serr)
        self.assertIn(out, lines[0])
        self.assertIn("as user %s" % PW.pw_name, lines[0])
        with open(out) as f:
            self.assertEqual(f.read(), "root's data\n")
        self.assertEqual(os.stat(out).st_uid, 0)

    def test_run_as_root(self):
        """--run-as-root: the game is root's; the tool is still the user's,
        with CAP_KILL (stop and resume root's game) and CAP_DAC_READ_SEARCH
        (its files) besides."""
        tmp = it.Tmp("lp-root", owner=PW)
        self.addCleanup(tmp.cleanup)
        out, ident = tmp("out.jsonl"), tmp("identity.json")
        cmd = [it.TOOL, "--quiet", "--run-as-root", "--json", out, "--", it.DEBIAN_PY,
               self.pygame_wl, "--frames", "120", "--identity", ident]
        rc, sout, serr, statuses = run_watching(cmd, out, it.sudo_env(PW))
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        self.check_reduced(statuses, BASE_CAPS | it.cap_mask("CAP_KILL", "CAP_DAC_READ_SEARCH"))
        with open(ident) as f:
            ident = json.load(f)
        self.assertEqual(ident["resuid"], [0, 0, 0])
        self.assertEqual(ident["env"]["HOME"], "/root")
        self.assertEqual(len(it.records_of(it.load_jsonl(out), "frame")), 119)

    def test_pkexec_and_doas(self):
        """PKEXEC_UID and DOAS_USER name the user as SUDO_UID does (procfs
        backend: quick, and the tool then keeps no capability at all)."""
        for how in ("pkexec", "doas"):
            tmp = it.Tmp("lp-" + how, owner=PW)
            self.addCleanup(tmp.cleanup)
            out, truth, ident = tmp("out.jsonl"), tmp("truth.json"), tmp("identity.json")
            cmd = [it.TOOL, "--backend", "procfs", "--quiet", "--json", out, "--",
                   it.DEBIAN_PY, os.path.join(WL, "rss_steps.py"), "--steps", "1", "--mib", "1",
                   "--hold", "1", "--truth", truth, "--identity", ident]
            rc, sout, serr, statuses = run_watching(cmd, out, it.sudo_env(PW, how=how))
            self.assertEqual(rc, 0, "%s: %s" % (how, it.describe(rc, sout, serr)))
            self.check_reduced(statuses, 0)
            with open(ident) as f:
                self.check_game_identity(json.load(f))
            self.assertEqual(os.stat(out).st_uid, PW.pw_uid)


class SetcapTest(unittest.TestCase):
    """The binary given capabilities with setcap, run by the user (no sudo)."""

    def setUp(self):
        if not shutil.which("setcap"):
            self.skipTest("setcap not found (libcap2-bin)")
        if not os.access(it.DEBIAN_PY, os.X_OK) or not it.has_pygame():
            self.skipTest("pygame not importable by %s" % it.DEBIAN_PY)
        self.tmp = it.Tmp("lp-setcap", owner=PW)
        self.addCleanup(self.tmp.cleanup)
        self.bindir = tempfile.mkdtemp(prefix="pmt-it-setcap-")
        self.addCleanup(shutil.rmtree, self.bindir, True)
        os.chmod(self.bindir, 0o755)
        self.tool = os.path.join(self.bindir, "pmtrace-bpf")
        shutil.copy(it.TOOL, self.tool)
        os.chmod(self.tool, 0o755)

    def setcap(self, spec):
        r = subprocess.run(["setcap", spec, self.tool], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        if r.returncode:
            self.skipTest("setcap %s failed: %s" % (spec, r.stdout.strip()))

    def launch(self, extra=()):
        out = self.tmp("out.jsonl")
        cmd = it.as_user_cmd(PW, [self.tool, "--quiet", "--json", out] + list(extra) +
                             ["--", it.DEBIAN_PY, os.path.join(WL, "planted_pygame.py"),
                              "--frames", "150"])
        env = dict(os.environ)
        for k in ("SUDO_UID", "SUDO_GID", "SUDO_USER", "PKEXEC_UID", "DOAS_USER"):
            env.pop(k, None)
        return out, run_watching(cmd, out, env)

    def test_setcap_mode(self):
        tracefs_root_only = not it.user_can_read(
            PW, "/sys/kernel/tracing/events/exceptions/page_fault_user/id")
        # without CAP_PERFMON: the error names it
        self.setcap("cap_bpf,cap_sys_ptrace,cap_dac_read_search+ep")
        out, (rc, sout, serr, _) = self.launch()
        self.assertEqual(rc, it.EXIT["privilege"], it.describe(rc, sout, serr))
        self.assertEqual(len(it.stderr_lines(serr)), 1, serr)
        self.assertIn("CAP_PERFMON", serr)
        self.assertNotIn("CAP_BPF,", serr)
        # the three the issue names: enough where tracefs is readable
        self.setcap("cap_bpf,cap_perfmon,cap_sys_ptrace+ep")
        out, (rc, sout, serr, statuses) = self.launch()
        if tracefs_root_only:
            self.assertEqual(rc, it.EXIT["privilege"], it.describe(rc, sout, serr))
            self.assertIn("CAP_DAC_READ_SEARCH", serr)
            self.assertEqual(len(it.stderr_lines(serr)), 1, serr)
            # tracefs is root's here: the tracepoint ids need it at start-up
            self.setcap("cap_bpf,cap_perfmon,cap_sys_ptrace,cap_dac_read_search+ep")
            out, (rc, sout, serr, statuses) = self.launch()
        self.assertEqual(rc, 0, it.describe(rc, sout, serr))
        # start-up's CAP_DAC_READ_SEARCH is gone: the user's own game needs none
        LeastPrivilegeTest.check_reduced(self, statuses)
        recs = it.load_jsonl(out)
        self.assertEqual(recs[0]["type"], "attached")
        self.assertEqual(len(it.records_of(recs, "frame")), 149)
        self.assertEqual(os.stat(out).st_uid, PW.pw_uid)
