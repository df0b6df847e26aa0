#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The README's first command: set up a fresh Debian 12 machine, build, and
# profile the bundled demo game (headless) from its first frame.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make
exec build/pmtrace-bpf --interval 3 --json build/demo.jsonl -- \
	/usr/bin/python3 scripts/demo_game.py --seconds "${DEMO_SECONDS:-12}"
