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
LDLIBS := -lbpf -lelf -lz -lm -lpthread -linih -ljson-c -lcapstone -lmicrohttpd

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

.PHONY: all clean test unit integration bench demo pystack-check
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

$(OUT)/obj/%.o: %.c include/pmtrace/*.h $(wildcard user/*/*.h) | $(OUT)/pmtrace.skel.h
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

integration: $(OUT)/pmtrace-bpf $(OUT)/pystack_check
	tests/integration/run.sh

test: all unit unit-asan integration

demo: $(OUT)/pmtrace-bpf
	scripts/demo.sh

bench: $(OUT)/pmtrace-bpf
	scripts/bench/overhead.sh

clean:
	rm -rf $(OUT)

# The backend embeds the skeleton: rebuild it when the BPF side changes.
$(OUT)/obj/user/probes/bpf_backend.o: $(OUT)/pmtrace.skel.h

# Manual check of the Python stack walker against a live process:
#   build/pystack_check PID [TID]   or   build/pystack_check --run PYTHON
$(OUT)/pystack_check: tests/pystack_check.c user/cpython/pystack.c user/cpython/pylayout.c user/cpython/python.c \
		user/os/proc.c user/os/elf_file.c
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -lelf -o $@

pystack-check: $(OUT)/pystack_check
