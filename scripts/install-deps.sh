#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install every Debian package pmtrace needs to build, run the demo and run
# the tests. Idempotent: does nothing when everything is already there.
#   scripts/install-deps.sh [--tests]
# --tests adds what only some tests use and can do without (they skip with
# the reason): Ren'Py, ~0.5 GB with its media libraries; its failure to
# install is reported, not fatal.
set -euo pipefail

TEST_ONLY=(
	renpy                                 # a real Ren'Py engine: its textures in heap snapshots
)

PKGS=(
	make gcc clang llvm pkg-config        # build; clang's BPF target
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libinih-dev libjson-c-dev             # budget files, platform profiles
	libcapstone-dev                       # x86 decoding: inlined allocator sites
	libcap-dev                            # capabilities: the tool keeps only what BPF needs
	libcunit1-dev                         # unit tests
	python3-dev python3-setuptools python3-venv  # the pymemtrace extension, pip install .
	python3-pytest python3-exceptiongroup python3-tomli  # its tests (pyenv builds too)
	gcc-mingw-w64-x86-64                  # the extension's core cross-compiled for Windows
	python3 python3-pygame libsdl2-2.0-0  # demo game and workloads
	util-linux procps                     # setpriv, pgrep for the tests
	solarwolf                             # a real pygame game for the asset tests
	xvfb libgl1 libglx-mesa0 libgl1-mesa-dri  # a headless GL context (llvmpipe): GL asset test
	libegl1 libegl-mesa0                  # surfaceless EGL: the eglSwapBuffers marker test
	libmicrohttpd-dev                     # --prometheus: the metrics endpoint
	libclang-rt-14-dev                    # libFuzzer (clang -fsanitize=fuzzer): make fuzz
	chromium                              # the HTML report's browser test (headless)
	prometheus                            # the metrics endpoint's test: a real server scrapes it
	python3-pyglet                        # pyglet's GL textures and buffers in heap snapshots
)

optional=()
if [ "${1:-}" = --tests ]; then
	for p in "${TEST_ONLY[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			optional+=("$p")
	done
fi
install_optional() {
	[ ${#optional[@]} -eq 0 ] && return 0
	echo "install-deps: installing ${optional[*]} (for some tests only)"
	apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null ||
		echo "install-deps: ${optional[*]} not installed: the tests that need it will skip" >&2
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0  # optional ones only: the tests skip
	echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -eq 0 ]; then
	apt-get update -qq || true
	install_optional
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_optional
# Debian starts the prometheus service it installs; the tests start their own
# server on a free port, so a service we just installed is stopped again.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null &&
	systemctl is-active --quiet prometheus 2>/dev/null; then
	systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
echo "install-deps: done"
