#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Default-mode cost benchmark (see overhead.py). Usage: sudo scripts/bench/overhead.sh [--python PY]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/overhead.py "$@"
