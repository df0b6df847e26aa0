#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Pool analyzer report benchmark (see pools_bench.c): 10,000 classes, 1,000,000
# lives tracked; prints JSON. Usage: scripts/bench/pools_analysis.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench
${CC:-cc} -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-std=gnu11 -D_GNU_SOURCE -Iinclude scripts/bench/pools_bench.c core/pool_track.c core/pools.c \
	-lm -o build/bench/pools_bench
exec build/bench/pools_bench "$@"
