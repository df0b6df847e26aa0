# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers of the pymemtrace tests: ground truth read from the OS, and
running a specification example with the game functions a test plants."""

import contextlib
import io
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The in-tree build, unless PYTHONPATH names another (an installed or instrumented build).
if os.path.join(ROOT, "python") not in sys.path:
    sys.path.append(os.path.join(ROOT, "python"))

MIB = 1024 * 1024


def rss_bytes():
    """The process's resident memory from /proc (Linux), independent of pymemtrace."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_example(code, namespace):
    """Run specification example @code as written in @namespace; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<spec example>", "exec"), namespace)
    return out.getvalue()


@pytest.fixture
def linux_only():
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc for ground truth")
