#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Integration tests: the real tool (build/pmtrace-bpf) against real Python
# workloads with planted behaviour. Called by `make integration`.
#   tests/integration/run.sh [PATTERN...]   (run only tests whose id contains a PATTERN)
# Needs root (or CAP_BPF+CAP_PERFMON) and a kernel that loads BPF: otherwise
# prints SKIP and exits 0. Ends with one line `N passed, N failed, N skipped`.
# PMT_IT_KEEP=1 keeps the scratch directories; PMT_IT_TOOL overrides the tool.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
tool=${PMT_IT_TOOL:-$root/build/pmtrace-bpf}

if [ ! -x "$py" ]; then
	echo "SKIP integration: $py not found (the harness runs on Debian's python3)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

skip_all() {
	echo "SKIP integration: $1"
	n=$("$py" "$here/runner.py" --count 2>/dev/null || echo 1)
	echo "0 passed, 0 failed, $n skipped"
	exit 0
}

# root, or both capabilities in the effective set (CAP_PERFMON 38, CAP_BPF 39)
if [ "$(id -u)" != 0 ]; then
	capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status 2>/dev/null)
	if [ -z "$capeff" ] || [ $(( (0x$capeff >> 38) & 3 )) -ne 3 ]; then
		skip_all "needs root (CAP_BPF+CAP_PERFMON)"
	fi
fi
why=$("$py" "$here/runner.py" --check-bpf 2>&1) || skip_all "BPF does not work here ($why)"

if [ ! -x "$tool" ]; then
	echo "FAIL integration: $tool not built (run make)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy PYGAME_HIDE_SUPPORT_PROMPT=1 PYTHONDONTWRITEBYTECODE=1
cd "$root" || exit 1
exec "$py" -B "$here/runner.py" "$@"
