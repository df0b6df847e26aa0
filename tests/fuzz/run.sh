#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer targets and run them in parallel for SECONDS each on a
# copy of the seed corpus (tests/fuzz/corpus/TARGET/: real runs' JSON Lines,
# budget files). Called by `make fuzz` (and `make test`).
#   tests/fuzz/run.sh [SECONDS]       (default 45)
# Prints SKIP and exits 0 when clang cannot link -fsanitize=fuzzer (Debian:
# libclang-rt-14-dev). Exits 1 when a target crashed, leaked or timed out:
# the input that did it is kept under build/fuzz/artifacts/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-45}
out=$root/build/fuzz
cc=${FUZZ_CC:-clang}
targets="runfile budget"

cd "$root" || exit 1
mkdir -p "$out"
probe=$out/probe.c
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe"
if ! "$cc" -fsanitize=fuzzer,address "$probe" -o "$out/probe" 2>/dev/null; then
	echo "SKIP fuzz: $cc cannot link -fsanitize=fuzzer (install libclang-rt-14-dev)"
	exit 0
fi
for t in $targets; do
	make -s -j2 "build/fuzz/fuzz_$t" || { echo "FAIL fuzz: cannot build fuzz_$t"; exit 1; }
done
rm -rf "$out/artifacts" "$out/work"
mkdir -p "$out/artifacts"
pids=""
for t in $targets; do
	mkdir -p "$out/work/$t"
	cp "$here/corpus/$t"/* "$out/work/$t/"
	# -rss_limit_mb: the reader holds the input's frames; -max_len: real runs are long lines.
	ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "$out/work/$t" \
		>"$out/$t.log" 2>&1 &
	pids="$pids $!"
done
rc=0
set -- $targets
for p in $pids; do
	if ! wait "$p"; then
		echo "FAIL fuzz_$1: see $out/$1.log and $out/artifacts/"
		tail -30 "$out/$1.log"
		rc=1
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$1.log")
		echo "fuzz_$1: ${runs:-?} inputs in ${secs} s, no crash (log: $out/$1.log)"
	fi
	shift
done
exit $rc
