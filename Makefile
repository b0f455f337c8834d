# ptyshim build. Every module in src/ (except the mains, src/ptyshim*.c) goes
# into one static archive; each binary links only the members it uses.
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -Iinclude -D_GNU_SOURCE
BUILD    := build
BIN      := bin

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD   := build-san
endif

MAINS      := src/ptyshim.c src/ptyshim-attach.c src/ptyshim-logs.c
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard src/*.c))
LIB_OBJS   := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libptyshim.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS:= $(wildcard tests/helpers/*.c)
HELPER_BINS:= $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
DEMO_SRCS  := $(wildcard demo/*.c)
DEMO_BINS  := $(DEMO_SRCS:demo/%.c=demo/bin/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

BINARIES   := $(patsubst src/%.c,$(BIN)/%,$(wildcard $(MAINS)))

# bin/ holds one flavour at a time (plain or SANITIZE=1); switching relinks.
FLAVOUR    := $(BIN)/.flavour-$(notdir $(BUILD))

.PHONY: all test unit integration demo bench clean deps fuzz valgrind
all: $(BINARIES) $(HELPER_BINS) $(DEMO_BINS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FLAVOUR):
	@mkdir -p $(BIN) && rm -f $(BIN)/.flavour-* && touch $@

$(BIN)/ptyshim: $(BUILD)/ptyshim.o $(LIB) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/ptyshim.o $(LIB) -lutil

$(BIN)/ptyshim-attach: $(BUILD)/ptyshim-attach.o $(LIB) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/ptyshim-attach.o $(LIB) -lreadline -ljson-c

$(BIN)/ptyshim-logs: $(BUILD)/ptyshim-logs.o $(LIB) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/ptyshim-logs.o $(LIB) -ljson-c -lm

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) -lcmocka -lutil -lreadline -ljson-c -lm

$(BUILD)/helpers/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) -lutil -ljson-c -lm

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) -lutil -ljson-c -lm

demo/bin/%: demo/%.c $(LIB) $(FLAVOUR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-missing-prototypes -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) -lreadline -ljson-c -lutil

deps:
	@scripts/deps.sh

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
	@BUILD=$(BUILD) bench/run.sh

FUZZ_SECONDS ?= 60
fuzz:
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

valgrind: all
	@tests/valgrind.sh

clean:
	rm -rf build build-san build-fuzz bin demo/bin

-include $(wildcard $(BUILD)/*.d $(BUILD)/*/*.d demo/bin/*.d)
