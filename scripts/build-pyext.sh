#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build pymemtrace's C extension in the source tree for one interpreter:
#   scripts/build-pyext.sh PYTHON CC CFLAGS PIC_CORE_OBJECTS...
# compiles python/src/*.c against PYTHON's headers into build/pyext/TAG/ and
# links them with the core's position-independent objects (compiled once by
# make for every interpreter) into python/pymemtrace/_pymemtrace$EXT_SUFFIX.
# Needs no setuptools (pyenv's 3.12 and 3.13 have none). Does nothing when
# the module is newer than everything it is made of.
set -eu

py=$1 cc=$2 cflags=$3
shift 3

inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
tag=${suffix#.}
tag=${tag%.so}
out=python/pymemtrace/_pymemtrace$suffix
objdir=build/pyext/$tag

# the list of core objects linked is part of what the module is made of
mkdir -p "$objdir"
inputs="$*"
if [ -f "$out" ] && [ "$(cat "$objdir/inputs" 2>/dev/null)" = "$inputs" ] &&
	[ -z "$(find python/src include core/*.h "$@" -newer "$out" 2>/dev/null | head -1)" ]; then
	exit 0
fi
objs=
for src in python/src/*.c; do
	obj=$objdir/$(basename "$src" .c).o
	# shellcheck disable=SC2086 # CFLAGS is a list of words
	$cc $cflags -I"$inc" -c "$src" -o "$obj"
	objs="$objs $obj"
done
# shellcheck disable=SC2086
$cc -shared $cflags $objs "$@" -o "$out.tmp"
mv "$out.tmp" "$out"
printf '%s\n' "$inputs" >"$objdir/inputs"
printf '  %-8s %s\n' PYEXT "$out"
