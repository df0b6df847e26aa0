#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Trace-mode cost benchmark (see trace.py). Usage: sudo scripts/bench/trace.sh [--python PY] [--reps N]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/trace.py "$@"
