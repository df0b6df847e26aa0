#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Heap snapshot cost per object count (see snapshot.py).
# Usage: sudo scripts/bench/snapshot.sh [--python PY]... [--sizes 10000,100000,1000000] [--reps N]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/snapshot.py "$@"
