#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Pool analyzer cost benchmark (see pools.py), then the report benchmark
# (pools_analysis.sh). Usage: sudo scripts/bench/pools.sh [--python PY] [--reps N]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
/usr/bin/python3 scripts/bench/pools.py "$@"
exec scripts/bench/pools_analysis.sh
