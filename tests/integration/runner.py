# SPDX-License-Identifier: BSD-2-Clause
"""Runs the integration tests (tests/integration/test_*.py, unittest) and
prints one summary line `N passed, N failed, N skipped`.

  runner.py [PATTERN...]   run the tests (all, or those whose id contains a PATTERN)
  runner.py --count        print how many tests there are
  runner.py --check-bpf    exit 0 if this process may load a BPF tracing program,
                           else print why and exit 1
"""
import ctypes
import os
import platform
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def check_bpf():
    """Load (and close) a two-instruction BPF_PROG_TYPE_TRACEPOINT program:
    needs CAP_BPF + CAP_PERFMON (or root) and a kernel with BPF."""
    nr = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "loongarch64": 280,
          "ppc64le": 361, "ppc64": 361, "s390x": 351, "i686": 357, "armv7l": 386}
    machine = platform.machine()
    if machine not in nr:
        print("cannot check BPF on %s" % machine)
        return 1
    libc = ctypes.CDLL(None, use_errno=True)
    insns = (ctypes.c_uint64 * 2)(0xb7, 0x95)  # r0 = 0; exit
    license_ = ctypes.create_string_buffer(b"GPL")
    attr = (ctypes.c_uint8 * 128)()

    def put(off, ctype, value):
        ctype.from_buffer(attr, off).value = value
    put(0, ctypes.c_uint32, 5)   # prog_type = BPF_PROG_TYPE_TRACEPOINT
    put(4, ctypes.c_uint32, 2)   # insn_cnt
    put(8, ctypes.c_uint64, ctypes.addressof(insns))
    put(16, ctypes.c_uint64, ctypes.addressof(license_))
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(ctypes.c_long(nr[machine]), ctypes.c_int(5),  # BPF_PROG_LOAD
                      ctypes.byref(attr), ctypes.c_uint(ctypes.sizeof(attr)))
    if fd < 0:
        err = ctypes.get_errno()
        print("BPF_PROG_LOAD failed: %s" % os.strerror(err))
        return 1
    os.close(fd)
    return 0


class Result(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.time()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.writeln("    (%.1f s)" % (time.time() - self._t0))


def all_tests():
    return unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def filtered(suite, patterns):
    if not patterns:
        return suite
    out = unittest.TestSuite()
    for t in flatten(suite):
        if any(p in t.id() for p in patterns):
            out.addTest(t)
    return out


def main(argv):
    if argv[:1] == ["--check-bpf"]:
        return check_bpf()
    suite = all_tests()
    if argv[:1] == ["--count"]:
        print(sum(1 for _ in flatten(suite)))
        return 0
    suite = filtered(suite, argv)
    t0 = time.time()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    res = runner.run(suite)
    # a failing or skipping setUpClass is reported on a holder that
    # testsRun does not count: it counts as one failed/skipped entry
    def real(items):
        return [t for t, _ in items if not isinstance(t, unittest.suite._ErrorHolder)]
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = (res.testsRun - len(real(res.failures)) - len(real(res.errors))
              - len(res.unexpectedSuccesses) - len(real(res.skipped))
              - len(res.expectedFailures))
    if res.skipped:
        print("Skipped:")
        for test, reason in res.skipped:
            print("  SKIP %s: %s" % (test.id(), reason))
    if failed:
        print("Failed:")
        for test, _ in res.failures + res.errors:
            print("  FAIL %s" % test.id())
    print("integration: %.0f s" % (time.time() - t0))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
