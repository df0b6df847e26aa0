# SPDX-License-Identifier: BSD-2-Clause
"""How the package is built: pip install . in a virtual environment (Debian's
python3: setuptools and venv from Debian, no PyPI), and one list of the core
files the extension leaves out, the same in setup.py and the Makefile."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def test_setup_and_makefile_agree():
    with open(os.path.join(ROOT, "setup.py")) as f:
        setup = f.read()
    with open(os.path.join(ROOT, "Makefile")) as f:
        make = f.read()
    listed = re.search(r"CORE_TOOL_ONLY = \{([^}]*)\}", setup).group(1)
    in_setup = {x.strip() for x in listed.replace('"', "").split(",")}
    value = re.search(r"^CORE_TOOL_ONLY := ((?:.*\\\n)*.*)$", make, re.M).group(1)
    in_make = {os.path.basename(p) for p in value.replace("\\\n", " ").split()}
    assert in_setup == in_make
    # each really needs a library the extension does without, or (through its
    # own header) a core file that does
    for name in in_setup:
        with open(os.path.join(ROOT, "core", name)) as f:
            src = f.read()
        own = os.path.join(ROOT, "include", "pmtrace", name[:-2] + ".h")
        if os.path.exists(own):
            with open(own) as f:
                src += f.read()
        others = ['#include "pmtrace/%s.h"' % n[:-2] for n in in_setup if n != name]
        assert (re.search(r"#include <(ini|fnmatch|json-c/json|capstone/capstone)\.h>", src) or
                any(h in src for h in others)), name
    # and every other core file builds without them
    for name in os.listdir(os.path.join(ROOT, "core")):
        if name.endswith(".c") and name not in in_setup:
            with open(os.path.join(ROOT, "core", name)) as f:
                src = f.read()
            assert not re.search(r"#include <(ini|fnmatch|json-c/json|capstone/capstone)\.h>", src), name


def test_pip_install_in_a_venv(tmp_path):
    if sys.executable != "/usr/bin/python3" and os.path.realpath(sys.executable) != "/usr/bin/python3.11":
        pytest.skip("pip install is checked with Debian's python3 (setuptools from Debian)")
    try:
        import setuptools  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        pytest.skip("python3-setuptools / python3-venv not installed")
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env)], check=True)
    py = str(env / "bin" / "python")
    p = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--no-build-isolation", "--no-index",
                        ROOT], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert p.returncode == 0, p.stdout.decode(errors="replace")[-3000:]
    code = ("import pymemtrace, os\n"
            "assert 'site-packages' in pymemtrace.__file__, pymemtrace.__file__\n"
            "p = pymemtrace.FrameMemoryProfiler()\n"
            "with p.frame():\n"
            "    x = [bytearray(100) for _ in range(100)]\n"
            "s = p.get_frame_stats()\n"
            "assert s.python_allocations >= 200, s\n"
            "print('ok', pymemtrace.os_name())\n")
    p = subprocess.run([py, "-c", code], cwd=str(tmp_path), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, env=dict(os.environ, PYTHONPATH=""))
    assert p.returncode == 0 and p.stdout.decode().startswith("ok linux"), p.stdout.decode()
