# SPDX-License-Identifier: BSD-2-Clause
"""The Python stack walker and line tables (user/cpython/pystack.c, the reference the
BPF walker follows) against the interpreter's own view, on every CPython
present: build/pystack_check --run starts a script whose threads block in
nested calls and compares every frame and every instruction's line with
traceback.extract_stack() and co_lines()."""
import os
import unittest

import pmt_it as it

CHECK = os.path.join(it.REPO, "build", "pystack_check")


class PystackTest(unittest.TestCase):
    pass


def _make(py, label):
    def test(self):
        if not os.access(CHECK, os.X_OK):
            self.skipTest("build/pystack_check not built (make pystack-check)")
        rc, out, err = it.run([CHECK, "--run", py], timeout=120)
        self.assertEqual(rc, 0, it.describe(rc, out, err))
        self.assertIn("thread(s) right", out)
    test.__name__ = "test_pystack_" + label
    return test


_pys = []
if os.access(it.DEBIAN_PY, os.X_OK):
    _pys.append((it.DEBIAN_PY, "debian"))
for _v, _exe in sorted(it.pyenv_pythons().items()):
    if tuple(int(x) for x in _v.split(".")[:2]) >= it.SUPPORTED_MIN:
        _pys.append((_exe, "pyenv_" + "_".join(_v.split(".")[:2])))
for _py, _label in _pys:
    setattr(PystackTest, "test_pystack_" + _label, _make(_py, _label))
