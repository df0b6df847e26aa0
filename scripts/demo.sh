#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The README's first command: set up a fresh Debian 12 machine, build, and
# profile the bundled demo game (headless) from its first frame, the object
# pool analyzer on (its engine sparks are worth pooling). Ends with
# the HTML report in build/demo.html (rewritten during the run, so a browser
# opened on it early follows the game) and a Perfetto trace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make
rc=0
build/pmtrace-bpf --interval 3 --pools --json build/demo.jsonl --html build/demo.html \
	--perfetto build/demo.trace.json -- \
	/usr/bin/python3 scripts/demo_game.py --seconds "${DEMO_SECONDS:-12}" || rc=$?
if [ "$rc" -eq 0 ]; then
	echo
	echo "demo: the HTML report is $(pwd)/build/demo.html (open it in a browser);"
	echo "      the JSON Lines are build/demo.jsonl (read them back: build/pmtrace-bpf report build/demo.jsonl),"
	echo "      the Perfetto trace build/demo.trace.json (open it in ui.perfetto.dev)"
fi
exit "$rc"
