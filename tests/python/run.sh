#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run pymemtrace's tests (tests/python) with pytest on each interpreter given
# (default: scripts/pythons.sh), against the in-tree build (make python).
# Debian's python3 has Debian's pytest; the pyenv builds have none, so they
# get the same pytest (pure Python) through a folder of links to it and its
# dependencies in build/pytest-path, added to PYTHONPATH. An interpreter whose
# extension is not built, or that cannot import that pytest, is skipped with
# the reason printed. Exits non-zero when any run fails.
set -u
cd "$(dirname "$0")/../.."

[ $# -gt 0 ] || set -- $(scripts/pythons.sh)
dist=/usr/lib/python3/dist-packages
links=build/pytest-path
mkdir -p "$links"
for m in pytest _pytest py.py py pluggy iniconfig packaging attr exceptiongroup tomli; do
	[ -e "$dist/$m" ] && ln -sfn "$dist/$m" "$links/$m"
done

failed=0 ran=0
for py in "$@"; do
	suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null) || {
		echo "python-test: SKIPPED $py: does not run"
		continue
	}
	if [ ! -f "python/pymemtrace/_pymemtrace$suffix" ]; then
		echo "python-test: SKIPPED $py: extension not built (make python)"
		continue
	fi
	path=python
	[ "$py" = /usr/bin/python3 ] || path=python:$links
	if ! PYTHONPATH=$path "$py" -c 'import pytest' 2>/dev/null; then
		echo "python-test: SKIPPED $py: cannot import Debian's pytest (apt-get install python3-pytest)"
		continue
	fi
	echo "python-test: $py"
	ran=$((ran + 1))
	# (pytest 7.2 on 3.12+ warns about its own use of old ast names: not ours)
	PYTHONPATH=$path PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -q -p no:cacheprovider \
		-W "ignore::DeprecationWarning:_pytest.assertion.rewrite" tests/python ||
		failed=$((failed + 1))
done
echo "python-test: $ran interpreter(s) run, $failed failed"
[ "$failed" -eq 0 ] && [ "$ran" -gt 0 ]
