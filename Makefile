# SPDX-License-Identifier: BSD-2-Clause
# pmtrace build: BPF objects -> linked object -> skeleton -> userspace tool.
# Products go to build/ (ignored). `make V=1` shows the commands.

OUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes
INCLUDES := -Iinclude -I$(OUT) -Iuser
ALL_CFLAGS := $(CFLAGS) $(WARN) $(INCLUDES) -std=gnu11 -D_GNU_SOURCE $(EXTRA_CFLAGS)
LDLIBS := -lbpf -lelf -lz -lm -lpthread -linih -ljson-c -lcapstone -lmicrohttpd -lcap

# frames.bpf.c defines the shared maps and globals: it links first.
BPF_SRCS := bpf/frames.bpf.c $(filter-out bpf/frames.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))

# The pure core (no I/O, no BPF, no Python): one static library that the
# tool, the unit tests and the Python extension link.
CORE_SRCS := $(wildcard core/*.c)
CORE_LIB := $(OUT)/libpmtcore.a
TOOL_SRCS := $(wildcard user/*.c user/*/*.c)
CORE_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(CORE_SRCS))
TOOL_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(TOOL_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(UNIT_SRCS))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean test unit integration bench demo pystack-check fuzz install python python-test \
	cross-windows
.DELETE_ON_ERROR:

all: $(OUT)/pmtrace-bpf

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h include/pmtrace/*.h vendor/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__BPF__ \
		-Iinclude -Ivendor -Ibpf -I/usr/include/$(shell uname -m)-linux-gnu -c $< -o $@

$(OUT)/pmtrace.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/pmtrace.skel.h: $(OUT)/pmtrace.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name pmtrace_bpf > $@

$(OUT)/obj/%.o: %.c include/pmtrace/*.h $(wildcard core/*.h user/*/*.h) | $(OUT)/pmtrace.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS) $(OUT)/obj/platform_data.o
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# The HTML report's script and style sheet are compiled into the binary.
HTML_EMBED_OBJS := $(OUT)/obj/html_js.o $(OUT)/obj/html_css.o

$(OUT)/html_js.c: user/report/html/report.js scripts/gen-embed.sh
	$(call msg,GEN,$@)
	$(Q)sh scripts/gen-embed.sh $< $@ pmt_html_js

$(OUT)/html_css.c: user/report/html/report.css scripts/gen-embed.sh
	$(call msg,GEN,$@)
	$(Q)sh scripts/gen-embed.sh $< $@ pmt_html_css

$(OUT)/obj/html_%.o: $(OUT)/html_%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/pmtrace-bpf: $(TOOL_OBJS) $(HTML_EMBED_OBJS) $(CORE_LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

# The platform profiles (data/platforms.json) are compiled into the binary.
$(OUT)/platform_data.c: data/platforms.json scripts/gen-platform-data.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(OUT)
	$(Q)sh scripts/gen-platform-data.sh $< $@

# The same profiles as C tables, for builds without json-c (the Python
# extension): generated with the tool's own parser, committed so that
# `pip install .` needs no generator, regenerated here when the data changes.
core/platform_table.c: data/platforms.json scripts/gen_platform_table.c core/platform_json.c
	$(Q)$(MAKE) --no-print-directory $(OUT)/gen_platform_table
	$(call msg,GEN,$@)
	$(Q)$(OUT)/gen_platform_table $@

$(OUT)/gen_platform_table: scripts/gen_platform_table.c $(OUT)/obj/core/platform_json.o \
		$(OUT)/obj/core/platform.o $(OUT)/obj/platform_data.o
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -ljson-c -o $@

$(OUT)/obj/platform_data.o: $(OUT)/platform_data.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/test_unit: $(UNIT_OBJS) $(CORE_LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -lcunit -linih -ljson-c -lcapstone -lm -o $@

$(OUT)/bpf:
	$(Q)mkdir -p $@

unit: $(OUT)/test_unit
	$(OUT)/test_unit

# Unit tests again under ASan/UBSan, in their own build folder.
unit-asan:
	$(MAKE) OUT=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" build/asan/test_unit
	ASAN_OPTIONS=detect_leaks=1 build/asan/test_unit

# ---- the Python extension (pymemtrace) -----------------------------------------
# The extension compiles the same core sources, less the few that need the
# tool's libraries (inih, fnmatch, json-c, capstone; setup.py lists the same
# ones), position-independent, once for every interpreter.
CORE_TOOL_ONLY := core/budget_ini.c core/budget_glob.c core/platform_json.c core/runfile.c core/callgraph.c \
	core/marker_choice.c \
	core/x86_sites.c
CORE_PORTABLE := $(filter-out $(CORE_TOOL_ONLY),$(CORE_SRCS))
PIC_OBJS := $(patsubst %.c,$(OUT)/pic/%.o,$(CORE_PORTABLE))
PYEXT_CFLAGS := $(CFLAGS) $(WARN) -Iinclude -Ipython/src -std=gnu11 -D_GNU_SOURCE -fPIC \
	-fvisibility=hidden $(EXTRA_CFLAGS)
PYTHONS ?= $(shell scripts/pythons.sh)

$(OUT)/pic/%.o: %.c include/pmtrace/*.h $(wildcard core/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(PYEXT_CFLAGS) -c $< -o $@

# In-tree builds for Debian's python3 and each pyenv CPython 3.8-3.13 present.
python: $(PIC_OBJS)
	$(Q)for py in $(PYTHONS); do \
		scripts/build-pyext.sh "$$py" "$(CC)" "$(PYEXT_CFLAGS)" $(PIC_OBJS) || exit 1; \
	done

# The package's tests on every interpreter built (tests/python/run.sh).
python-test: python
	tests/python/run.sh $(PYTHONS)

# The platform layer and the extension's C core, cross-compiled for Windows
# (mingw-w64) and linked into a small program, so that port does not rot.
WIN_CC ?= x86_64-w64-mingw32-gcc
cross-windows:
	$(Q)if command -v $(WIN_CC) >/dev/null 2>&1; then \
		mkdir -p $(OUT)/win64 && \
		$(WIN_CC) -O2 $(WARN) -Iinclude -Ipython/src -std=gnu11 $(CORE_PORTABLE) \
			python/src/osmem.c tests/cross/core_check.c -o $(OUT)/win64/core_check.exe && \
		printf '  %-8s %s\n' WIN64 $(OUT)/win64/core_check.exe; \
	else \
		echo "cross-windows: SKIPPED: $(WIN_CC) not found (scripts/install-deps.sh installs it)"; \
	fi

integration: $(OUT)/pmtrace-bpf $(OUT)/pystack_check
	tests/integration/run.sh

# Fuzzing: libFuzzer targets for the run file reader (with every reporter
# that reads runs) and the budget file loader, built with clang
# -fsanitize=fuzzer,address,undefined (Debian's libclang-rt-14-dev), run in
# parallel for FUZZ_SECONDS each on the seed corpus in tests/fuzz/corpus/.
FUZZ_OUT := $(OUT)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 45
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_CFLAGS := $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) $(INCLUDES) -std=gnu11 -D_GNU_SOURCE
FUZZ_LIB_SRCS := $(CORE_SRCS) user/report/report_text.c user/report/report_replay.c \
	user/report/report_assets.c user/report/report_growth.c user/report/report_budget.c \
	user/report/report_html.c user/report/report_perfetto.c user/report/report_prom.c \
	user/report/report_trace_text.c user/report/report_json.c user/report/report_sample.c \
	user/os/host.c
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_LIB_SRCS)) \
	$(FUZZ_OUT)/obj/gen/platform_data.o $(FUZZ_OUT)/obj/gen/html_js.o $(FUZZ_OUT)/obj/gen/html_css.o

$(FUZZ_OUT)/obj/%.o: %.c include/pmtrace/*.h $(wildcard user/*/*.h)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OUT)/obj/gen/%.o: $(OUT)/%.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) -g -O1 -c $< -o $@

# An archive, so each target links only the objects it uses.
$(FUZZ_OUT)/libfuzz.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OUT)/libfuzz.a
	$(call msg,FUZZER,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -linih -ljson-c -lz -lm -o $@

fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

test: all unit unit-asan fuzz cross-windows python-test integration

demo: $(OUT)/pmtrace-bpf
	scripts/demo.sh

bench: $(OUT)/pmtrace-bpf
	scripts/bench/overhead.sh

# make install [PREFIX=/usr/local] [DESTDIR=...]: the tool and its man page.
PREFIX ?= /usr/local
install: $(OUT)/pmtrace-bpf
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(OUT)/pmtrace-bpf $(DESTDIR)$(PREFIX)/bin/pmtrace-bpf
	install -m 0644 docs/pmtrace-bpf.1 $(DESTDIR)$(PREFIX)/share/man/man1/pmtrace-bpf.1

clean:
	rm -rf $(OUT) python/pymemtrace/*.so python/pymemtrace.egg-info

# The backend embeds the skeleton: rebuild it when the BPF side changes.
$(OUT)/obj/user/probes/bpf_backend.o: $(OUT)/pmtrace.skel.h

# Manual check of the Python stack walker against a live process:
#   build/pystack_check PID [TID]   or   build/pystack_check --run PYTHON
$(OUT)/pystack_check: tests/pystack_check.c user/cpython/pystack.c user/cpython/pylayout.c user/cpython/python.c \
		user/os/proc.c user/os/elf_file.c
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -lelf -o $@

pystack-check: $(OUT)/pystack_check
