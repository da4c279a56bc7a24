# cascade: build, test and demo entry points.
#   make            build every program and test into build/; when a library
#                   is missing, name its package and stop before compiling
#   make deps       install the Debian packages that are missing
#   make test       install missing packages, build from scratch, run every test
#   make demo       run the two headline scenarios and compare them
#   make bench      speed and memory figures
#   make soak       a minute of load through the chain: fds and memory before/after
#   make asan       every program and test built with ASan/UBSan (build-san/)
#   make test-asan  the whole test suite under ASan/UBSan
#   make test-valgrind  unit and integration tests under valgrind memcheck
#   make clang      every program and test built with clang (build-clang/)
#   make lint       shellcheck on every script (part of make test)
#   make schema-doc rewrite the key tables of scenarios/README.md from lib/schema.c
#   make crosscheck the real chain against the virtual engine (crosscheck.md; minutes)
#   make gallery    every remedy against the incident, ranked (ENGINE=real for the chain)
#   make install    cascade, the programs, scripts and scenarios under PREFIX (/usr/local)
#   make fresh-check    make demo, then make test, on a pristine Debian 12 root
#                   (scripts/fresh-machine.sh; root, minutes); FRESH_REV=<commit>
#                   (default HEAD), FRESH_ARGS=--all for every entry target
# The entry targets (test demo bench soak asan test-asan test-valgrind clang
# crosscheck gallery install, and fuzz, fuzz-build, fuzz-smoke below) install
# what is missing first, then build in a new make: the flags from pkg-config
# are read when a make starts, so only a make started after the install finds
# the libraries.
# Variables: CC (gcc or clang), BUILD (output folder), SAN=1 (sanitizers).

CC      ?= cc
BUILD   ?= build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

PKGS    := libevent libcurl libcjson
CPPFLAGS += -D_GNU_SOURCE -DCASCADE_VERSION='"$(VERSION)"' -Ilib -Icore
CFLAGS  ?= -O2 -g
# -Wformat=2: a format string must be a literal (nothing from outside can
# become one) and every printf-style wrapper must say it is one.
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers -Wformat=2 \
           -fno-omit-frame-pointer $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -levent_extra -lm
# Whether pkg-config finds every library the build links, tests included.
HAVE_LIBS := $(shell pkg-config --exists $(PKGS) criterion 2>/dev/null && echo yes)
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PROGS      := gateway svc_a svc_b dbsim loadgen report live virtual schemadoc lint
# The decision cores (core/) and the shared library (lib/) make one archive.
LIB_SRC    := $(sort $(wildcard core/*.c lib/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A      := $(BUILD)/libcascade.a
# Program modules other than main.c are linked into the tests too.
MOD_SRC    := $(sort $(foreach p,$(PROGS),$(filter-out $(p)/main.c,$(wildcard $(p)/*.c))))
MOD_OBJ    := $(MOD_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
INTEG_SRC  := $(sort $(wildcard tests/integration/*.c))
BINS       := $(PROGS:%=$(BUILD)/bin/%)

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all progs clean deps have-libs test unit integration lint demo bench soak asan test-asan san valgrind \
	test-valgrind clang format fresh-check crosscheck crosscheck-run schema-doc gallery gallery-run install \
	install-run
all: $(BINS) $(BUILD)/bin/unit-tests $(BUILD)/bin/integration-tests
progs: $(BINS)

$(BUILD)/%.o: %.c $(wildcard lib/*.h core/*.h) Makefile | have-libs
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# Each program: its folder's objects + the shared library.
define prog_rule
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(1)/*.c)) $(LIB_A)
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

# The virtual engine writes a run folder's summary with report's own code.
REPORT_MOD_OBJ := $(filter $(BUILD)/report/%,$(MOD_OBJ))
$(BUILD)/virtual/%.o: CPPFLAGS += -Ireport
$(BUILD)/bin/virtual: $(REPORT_MOD_OBJ)

$(BUILD)/bin/unit-tests: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(MOD_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs criterion)

$(BUILD)/bin/integration-tests: $(INTEG_SRC:%.c=$(BUILD)/%.o) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs criterion)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	$(Q)scripts/install-deps.sh

# Before the first object: without the libraries, say which packages are
# missing and how to get them, instead of failing in the compiler or the
# linker.  Nothing to do when pkg-config found them.
have-libs:
ifneq ($(HAVE_LIBS),yes)
	$(Q)scripts/install-deps.sh --check
	@echo "cascade: pkg-config did not find $(PKGS) criterion when this make started" \
	  "(installed since, as by make deps all?): run make again" >&2; exit 1
endif

# The README's test command: missing packages, a build from scratch, every test.
test: deps
	$(Q)rm -rf $(BUILD)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory lint unit integration

# Every shell script, sourced files followed (-x); a second or two.
SCRIPTS := $(wildcard scripts/*.sh bench/*.sh tests/integration/*.sh) .ci/run cascade/cascade
lint:
	@echo "  LINT    $(SCRIPTS)"
	$(Q)shellcheck -x $(SCRIPTS)

unit: $(BUILD)/bin/unit-tests
	$(Q)$(BUILD)/bin/unit-tests -j2

integration: $(BINS) $(BUILD)/bin/integration-tests
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) $(BUILD)/bin/integration-tests -j1
	$(Q)for t in tests/integration/*.sh; do [ -e "$$t" ] || continue; \
	  echo "  TEST    $$t"; CASCADE_BIN=$(abspath $(BUILD)/bin) bash "$$t" || exit 1; done

demo: deps
	$(Q)$(MAKE) --no-print-directory progs
	$(Q)scripts/demo.sh

bench: deps
	$(Q)scripts/install-deps.sh --bench
	$(Q)$(MAKE) --no-print-directory progs $(BUILD)/bin/hammer
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/bench.sh

# The bench's load client (bench/), kept out of `all` and the tests.
$(BUILD)/bin/hammer: $(BUILD)/bench/hammer.o $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lm

soak: deps
	$(Q)$(MAKE) --no-print-directory progs $(BUILD)/bin/hammer
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/soak.sh

asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san SAN=1 all

test-asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san SAN=1 all unit integration

san: test-asan

test-valgrind: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/valgrind.sh

valgrind: test-valgrind

clang: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-clang CC=clang all

# The remedies side by side (scripts/gallery.sh): ENGINE=virtual (default,
# seconds) or ENGINE=real (the chain; a minute or two a scenario).
ENGINE ?= virtual
gallery: deps
	$(Q)$(MAKE) --no-print-directory gallery-run

gallery-run: progs
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/gallery.sh --engine $(ENGINE) -o results/gallery

# cascade and what it runs: PREFIX/bin/cascade, the programs, scripts and
# scenarios in PREFIX/lib/cascade (DESTDIR for staging).
PREFIX ?= /usr/local
INSTALL_DIR := $(DESTDIR)$(PREFIX)/lib/cascade
install: deps
	$(Q)$(MAKE) --no-print-directory install-run

install-run: progs
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(INSTALL_DIR)/bin $(INSTALL_DIR)/scripts \
	  $(INSTALL_DIR)/scenarios/remedies
	$(Q)install -m 755 $(filter-out $(BUILD)/bin/schemadoc,$(BINS)) $(INSTALL_DIR)/bin/
	$(Q)install -m 755 scripts/*.sh $(INSTALL_DIR)/scripts/
	$(Q)install -m 644 scenarios/*.json scenarios/README.md $(INSTALL_DIR)/scenarios/
	$(Q)install -m 644 scenarios/remedies/*.json scenarios/remedies/README.md $(INSTALL_DIR)/scenarios/remedies/
	$(Q)sed -e 's|@ROOT@|$(PREFIX)/lib/cascade|' -e 's|@VERSION@|$(VERSION)|' cascade/cascade \
	  >$(DESTDIR)$(PREFIX)/bin/cascade && chmod 755 $(DESTDIR)$(PREFIX)/bin/cascade
	@echo "  INSTALL $(DESTDIR)$(PREFIX)/bin/cascade, $(INSTALL_DIR)"

# The two engines side by side (scripts/crosscheck.sh writes crosscheck.md;
# minutes of real runs), after checking that the virtual engine built by gcc
# and by clang writes the same records byte for byte.
crosscheck: deps
	$(Q)$(MAKE) --no-print-directory crosscheck-run

crosscheck-run: progs
	$(Q)$(MAKE) --no-print-directory BUILD=build-clang CC=clang progs
	$(Q)scripts/crosscheck.sh --compilers $(BUILD)/bin build-clang/bin
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/crosscheck.sh

# The README's commands on a pristine Debian 12 root (scripts/fresh-machine.sh).
FRESH_REV  ?= HEAD
FRESH_ARGS ?=
fresh-check:
	$(Q)scripts/fresh-machine.sh --rev $(FRESH_REV) $(FRESH_ARGS)

# The classroom maps (scripts/maps.sh, the virtual engine, a minute): the
# HotOS'21 map (load x outage length, by recovery time) and the incident's
# (retries per layer x database slowdown, by database hits per request),
# into results/maps/.  An entry target: what is missing first, then a new make.
.PHONY: maps maps-run
maps: deps
	$(Q)$(MAKE) --no-print-directory maps-run

maps-run: progs
	$(Q)CASCADE_BIN=$(abspath $(BUILD)/bin) scripts/maps.sh -o results/maps

format:
	$(Q)clang-format -i lib/*.[ch] */*.c

# The README's key tables come from the schema; a unit test fails when the
# checked-in ones differ.
schema-doc: $(BUILD)/bin/schemadoc
	$(Q)$(BUILD)/bin/schemadoc scenarios/README.md

clean:
	rm -rf build build-san build-clang

# ---- fuzzing (fuzz/README.md) ---------------------------------------------
#   make fuzz        every libFuzzer harness for FUZZ_SECONDS (60) each, one at a time
#   make fuzz-smoke  the same for 10 s each: CI's short run
#   make fuzz-build  build the harnesses only
# Each installs what is missing first, as the entry targets above do.
# Needs clang and libclang-rt-14-dev.  Objects and binaries go to build-fuzz/;
# each run works on a scratch copy of fuzz/corpus/<harness>/ under
# build-fuzz/corpus/, so nothing is written into the checked-in corpus, and
# crashing inputs land in build-fuzz/artifacts/.  A crash, leak, timeout or
# sanitizer report fails the target.
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB  ?= 1024
FUZZ_NICE    ?= nice -n 10
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer $(filter-out -O% -g -fsanitize%,$(CFLAGS)) $(FUZZ_SAN)
FUZZ_NAMES   := $(sort $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/%)
# Everything a harness may call, instrumented for coverage; the archive
# lets each harness link only what it uses.
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/report/csvread.o
FUZZ_LIB_A   := $(FUZZ_BUILD)/libcascade-fuzz.a

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-bins fuzz-run
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/fuzz/%.o)
fuzz-build: deps
	$(Q)$(MAKE) --no-print-directory fuzz-bins

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-bins: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c $(wildcard lib/*.h core/*.h report/*.h fuzz/*.h) Makefile | have-libs
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Ireport -Ifuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB_A): $(FUZZ_LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/bin/%: $(FUZZ_BUILD)/obj/fuzz/%.o $(FUZZ_LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# One harness after another (the machine has few cores); the first failure
# stops the run with a non-zero status.
fuzz-run: $(FUZZ_BINS)
	$(Q)for h in $(FUZZ_NAMES); do \
	  scratch=$(FUZZ_BUILD)/corpus/$$h; mkdir -p $$scratch $(FUZZ_BUILD)/artifacts; \
	  cp fuzz/corpus/$$h/* $$scratch/; \
	  dict=; [ -f fuzz/$$h.dict ] && dict=-dict=fuzz/$$h.dict; \
	  echo "  FUZZ    $$h ($(FUZZ_SECONDS) s)"; \
	  $(FUZZ_NICE) $(FUZZ_BUILD)/bin/$$h $$scratch $$dict -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- 2>$(FUZZ_BUILD)/$$h.log; \
	  rc=$$?; grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' \
	    $(FUZZ_BUILD)/$$h.log | sed 's/^/          /'; \
	  if [ $$rc -ne 0 ]; then tail -n 40 $(FUZZ_BUILD)/$$h.log; \
	    echo "  FAIL    $$h (exit $$rc; log $(FUZZ_BUILD)/$$h.log)"; exit 1; fi; \
	done

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

.PHONY: fuzz-clean
clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_BUILD)
