# SPDX-License-Identifier: BSD-2-Clause
"""Build pymemtrace's C extension with setuptools (pip install .).

The extension is python/src/*.c plus the pure C core (core/*.c) less the
files that need the eBPF tool's libraries: the same list as the Makefile's
CORE_TOOL_ONLY (tests/python/test_build.py checks they agree). Metadata is
in pyproject.toml.
"""

import glob
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CORE_TOOL_ONLY = {"budget_ini.c", "budget_glob.c", "platform_json.c", "runfile.c", "x86_sites.c", "callgraph.c",
                  "marker_choice.c"}


def rel(pattern):
    return sorted(os.path.relpath(p, HERE) for p in glob.glob(os.path.join(HERE, pattern)))


CORE = [p for p in rel("core/*.c") if os.path.basename(p) not in CORE_TOOL_ONLY]
SOURCES = rel("python/src/*.c") + CORE


class BuildExt(build_ext):
    """C11 with GNU extensions on gcc/clang (the core uses __int128 and
    statement attributes); MSVC is not supported yet (mingw-w64 is checked)."""

    def build_extensions(self):
        if self.compiler.compiler_type != "msvc":
            for ext in self.extensions:
                ext.extra_compile_args += ["-std=gnu11", "-fvisibility=hidden"]
                if sys.platform.startswith("linux"):
                    ext.define_macros.append(("_GNU_SOURCE", None))
        super().build_extensions()


setup(
    ext_modules=[
        Extension(
            "pymemtrace._pymemtrace",
            sources=SOURCES,
            include_dirs=[os.path.join(HERE, "include"), os.path.join(HERE, "python", "src")],
            depends=rel("include/pmtrace/*.h") + rel("core/*.h") + rel("python/src/*.h"),
        )
    ],
    cmdclass={"build_ext": BuildExt},
)
