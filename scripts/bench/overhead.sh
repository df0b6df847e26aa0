#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Default-mode cost benchmark (see overhead.py): per-frame CPU of the game's
# thread for each present path, against one bare uprobe hit.
# Usage: sudo scripts/bench/overhead.sh [--python PY] [--paths a,b] [--reps N] [--games solarwolf,...]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/overhead.py "$@"
