#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Print the CPython interpreters pymemtrace is built and tested for, one a
# line: Debian's /usr/bin/python3, then the newest patch release of each
# pyenv CPython 3.8 to 3.13 present (pyenv root, $PYENV_ROOT or ~/.pyenv,
# as tests/integration/pmt_it.py finds it). Nothing is printed for what is
# absent.
set -eu

[ -x /usr/bin/python3 ] && echo /usr/bin/python3

root=
if command -v pyenv >/dev/null 2>&1; then
	root=$(pyenv root 2>/dev/null || true)
fi
[ -n "$root" ] && [ -d "$root" ] || root=${PYENV_ROOT:-}
[ -n "$root" ] && [ -d "$root" ] || root=$HOME/.pyenv
[ -d "$root/versions" ] || exit 0

for minor in 8 9 10 11 12 13; do
	best= bestpatch=-1
	for d in "$root"/versions/3."$minor".*; do
		[ -d "$d" ] || continue
		patch=${d##*/3.$minor.}
		case $patch in *[!0-9]*|'') continue ;; esac
		exe=$d/bin/python3.$minor
		[ -x "$exe" ] || continue
		if [ "$patch" -gt "$bestpatch" ]; then
			best=$exe bestpatch=$patch
		fi
	done
	[ -n "$best" ] && echo "$best"
done
exit 0
