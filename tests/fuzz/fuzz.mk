# fuzz.mk: builds the libFuzzer targets (tests/fuzz/fuzz_*.c) into
# build-fuzz/, against every library module compiled with the fuzzer's
# coverage instrumentation and ASan/UBSan. Driven by tests/fuzz/run.sh;
# kept apart from the main Makefile so `make` never needs clang.
FUZZ_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
SAN        := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Iinclude -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter $(SAN)

# Every module of every folder but the programs' mains (src/*/ptyshim*.c).
# src/ctrd needs the generated protobuf code: it has its own rules below.
LIB_SRCS   := $(filter-out src/%/ptyshim.c src/%/ptyshim-attach.c src/%/ptyshim-logs.c src/ctrd/%,$(wildcard src/*/*.c))
LIB_OBJS   := $(LIB_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
# The containerd shim's ttrpc parser, with the protobuf code it decodes with.
PB_DIR     := $(FUZZ_BUILD)/pb
include src/ctrd/pb.mk
.DEFAULT_GOAL := all
CTRD_OBJS  := $(FUZZ_BUILD)/obj/ctrd/ttrpc.o $(PB_SRCS:.c=.o)
LIB        := $(FUZZ_BUILD)/libptyshim-fuzz.a
TARGETS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all
all: $(TARGETS)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/obj/ctrd/%.o: src/ctrd/%.c | $(PB_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(PB_DIR) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(PB_DIR)/%.pb-c.o: $(PB_DIR)/%.pb-c.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(PB_DIR) -fsanitize=fuzzer-no-link -c -o $@ $<

$(LIB): $(LIB_OBJS) $(CTRD_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB) | $(PB_STAMP)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(PB_DIR) -fsanitize=fuzzer -MMD -MP -o $@ $< $(LIB) -lutil -ljson-c -lm -ltsm -lprotobuf-c

-include $(wildcard $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/*.d)
