#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Reports benchmark (see reports.py): what --html/--perfetto/--prometheus cost a
# run, and how fast a 216,000-frame HTML report is made and drawn.
# Usage: sudo scripts/bench/reports.sh [--python PY] [--seconds S] [--reps N]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/reports.py "$@"
