#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Growth-site cost per page fault (see growth.py).
# Usage: sudo scripts/bench/growth.sh [--python PY] [--depth N] [--pages N]
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s
exec /usr/bin/python3 scripts/bench/growth.py "$@"
