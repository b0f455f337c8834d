# ptyshim build. Every folder of src/ is one static archive; a program is
# its main plus the archives it may use, so an include arrow that points the
# wrong way (the log tool reaching into the daemon, base reaching into
# anything) fails the link instead of hiding in a header.
#
#   base    shared by every program: util diag buf loop sock exitfile …
#   logfmt  log formats, read and written (k8s-file reader, asciicast, time)
#   shim    the daemon (ptyshim) and its log drivers
#   screen  the terminal screen model (libtsm) and the terminal mode scanner
#   client  what the client tools share: the terminal
#   attach  ptyshim-attach
#   logs    ptyshim-logs
#   ctrd    containerd-shim-ptyshim-v1, containerd's runtime v2 shim
#   ctrdpb  C code protoc-c generates at build time from the .proto files
#           Debian installs (containerd's task API, gogo's options, google's
#           well-known types) plus src/ctrd/ttrpc.proto (ttrpc's envelope)
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -Iinclude -D_GNU_SOURCE
BUILD    := build
BIN      := bin
# `make` alone builds everything: the archive rules below come before `all`.
.DEFAULT_GOAL := all

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD   := build-san
endif

# Which archives each program links, in link order (users before what they use).
USES_ptyshim        := shim screen logfmt base
USES_ptyshim-attach := attach client screen base
USES_ptyshim-logs   := logs client screen logfmt base
USES_ptyman         := client screen base
USES_containerd-shim-ptyshim-v1 := ctrd ctrdpb shim screen base
LIBS_ptyshim        := -lutil -ltsm -pthread
LIBS_ptyshim-attach := -lreadline -ljson-c
LIBS_ptyshim-logs   := -ljson-c -lm -ltsm
LIBS_ptyman         := -lreadline -ljson-c -lutil
LIBS_containerd-shim-ptyshim-v1 := -lprotobuf-c -ltsm
# Where each program's main lives.
MAIN_ptyshim        := shim
MAIN_ptyshim-attach := attach
MAIN_ptyshim-logs   := logs
MAIN_containerd-shim-ptyshim-v1 := ctrd

PROGRAMS   := ptyshim ptyshim-attach ptyshim-logs containerd-shim-ptyshim-v1
FOLDERS    := base logfmt screen shim client attach logs ctrd
ALL_LIBS   := ctrd ctrdpb shim attach logs client screen logfmt base
TEST_LIBS  := -lcmocka -lutil -lreadline -ljson-c -lm -ltsm -lsystemd -lprotobuf-c -pthread

lib        = $(BUILD)/lib$(1).a
libs_of    = $(foreach f,$(1),$(call lib,$(f)))
MAIN_SRCS  := $(foreach p,$(PROGRAMS),src/$(MAIN_$(p))/$(p).c)
define folder_rules
SRCS_$(1) := $$(filter-out $$(MAIN_SRCS),$$(wildcard src/$(1)/*.c))
OBJS_$(1) := $$(SRCS_$(1):src/%.c=$$(BUILD)/%.o)
$$(call lib,$(1)): $$(OBJS_$(1))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach f,$(FOLDERS),$(eval $(call folder_rules,$(f))))

# The containerd shim's protobuf code (src/ctrd/pb.mk says how it is made).
PB_DIR     := $(BUILD)/pb
include src/ctrd/pb.mk
PB_OBJS    := $(PB_SRCS:.c=.o)
$(PB_DIR)/%.pb-c.o: $(PB_DIR)/%.pb-c.c
	$(CC) -I$(PB_DIR) $(CFLAGS) -Wall -Wextra -Werror -c -o $@ $<
$(call lib,ctrdpb): $(PB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
$(OBJS_ctrd) $(BUILD)/ctrd/containerd-shim-ptyshim-v1.o: CPPFLAGS += -I$(PB_DIR)
$(OBJS_ctrd) $(BUILD)/ctrd/containerd-shim-ptyshim-v1.o: | $(PB_STAMP)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS:= $(wildcard tests/helpers/*.c)
HELPER_BINS:= $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
DEMO_SRCS  := $(wildcard demo/*.c)
DEMO_OBJS  := $(DEMO_SRCS:demo/%.c=$(BUILD)/demo/%.o)
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)

BINARIES   := $(PROGRAMS:%=$(BIN)/%)

# bin/ holds one flavour at a time (plain or SANITIZE=1); switching relinks.
FLAVOUR    := $(BIN)/.flavour-$(notdir $(BUILD))

.PHONY: all test unit integration demo bench clean deps fuzz valgrind
all: $(BINARIES) $(HELPER_BINS) demo/bin/ptyman

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(FLAVOUR):
	@mkdir -p $(BIN) && rm -f $(BIN)/.flavour-* && touch $@

.SECONDEXPANSION:
$(BIN)/%: $(BUILD)/$$(MAIN_$$*)/$$*.o $$(call libs_of,$$(USES_$$*)) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $< $(call libs_of,$(USES_$*)) $(LIBS_$*)

$(BUILD)/demo/%.o: demo/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Idemo $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

demo/bin/ptyman: $(DEMO_OBJS) $(call libs_of,$(USES_ptyman)) $(FLAVOUR)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(DEMO_OBJS) $(call libs_of,$(USES_ptyman)) $(LIBS_ptyman)

# Tests and helpers may use every archive: they test the modules one by one.
$(BUILD)/tests/%: tests/unit/%.c $(call libs_of,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(PB_DIR) -Idemo $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(call libs_of,$(ALL_LIBS)) $(LDFLAGS) $(TEST_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c $(call libs_of,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(call libs_of,$(ALL_LIBS)) $(LDFLAGS) -lutil -ljson-c -lm -ltsm -lsystemd -pthread

$(BUILD)/bench/%: tests/bench/%.c $(call libs_of,$(ALL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(call libs_of,$(ALL_LIBS)) $(LDFLAGS) -lutil -ljson-c -lm -ltsm -lsystemd -pthread

deps:
	@tests/deps.sh

# make test: unit tests (cmocka) and integration tests (bats), one summary line.
test: deps all $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run

unit: all $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run unit

integration: all
	@BUILD=$(BUILD) tests/run integration

demo: deps all
	@demo/run-demo.sh

bench: deps all $(BENCH_BINS)
	@BUILD=$(BUILD) tests/bench/run.sh

FUZZ_SECONDS ?= 60
fuzz:
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

valgrind: all
	@tests/valgrind.sh

clean:
	rm -rf build build-san build-fuzz bin demo/bin

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
