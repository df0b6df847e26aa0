#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Asset store report benchmark (see assets_bench.c); prints JSON, medians in us.
# Usage: scripts/bench/assets.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench
${CC:-cc} -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-std=gnu11 -D_GNU_SOURCE -Iinclude scripts/bench/assets_bench.c core/assets.c \
	-o build/bench/assets_bench
exec build/bench/assets_bench "$@"
