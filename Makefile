# pbr - policy routing for Linux. See README.md.
VERSION   := 0.1.0
PREFIX    ?= /usr
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/vendor-completions
IPROUTE2_USR ?= $(DATADIR)/iproute2
IPROUTE2_ETC ?= /etc/iproute2
DESTDIR   ?=

# Build directory; `make SAN=1` builds with AddressSanitizer + UBSan into build-san/.
SAN       ?=
BUILD     ?= $(if $(SAN),build-san,build)
BIN       ?= $(if $(SAN),pbr-san,pbr)

PKGS      := libmnl libnftnl libcap
CC        ?= cc
CFLAGS    ?= -O2 -g
WERROR    ?= -Werror
WARN      := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla $(WERROR)
SAN_ON    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS  := $(if $(SAN),$(SAN_ON))
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -DPBR_VERSION='"$(VERSION)"' \
             -Ilib -Icmd $(PKG_CFLAGS) -MMD -MP

LIB_SRC   := $(wildcard lib/*.c)
CMD_SRC   := $(wildcard cmd/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ   := $(CMD_SRC:%.c=$(BUILD)/%.o)
OBJECTS   := table mark nat sysctl anyip relay show explain check

.PHONY: all deps test-deps check unit demo install uninstall clean fuzz bench

# libFuzzer targets (clang): tests/fuzz/NAME.c against the lib/ code it names.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME  ?= 600
FUZZ_NAMES := dhcp argv batch lease prefix
FUZZERS    := $(FUZZ_NAMES:%=$(BUILD)/fuzz-%)
# The command-line fuzzers take every object's code but main().
FUZZ_CMD   := $(filter-out cmd/main.c,$(CMD_SRC))

all: deps $(BIN)

# Installs the build dependencies on a fresh Debian machine when missing.
deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

$(BIN): $(CMD_OBJ) $(BUILD)/libpbr.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libpbr.a $(PKG_LIBS)

$(BUILD)/libpbr.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests: parsers and encoders, no root needed.
$(BUILD)/unit: tests/unit/unit.c $(BUILD)/libpbr.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libpbr.a $(PKG_LIBS)

unit: $(BUILD)/unit
	$(BUILD)/unit

# The relay's pure packet code: unit tests, no root needed.
$(BUILD)/unit-dhcp: tests/unit/dhcp.c $(BUILD)/libpbr.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libpbr.a $(PKG_LIBS)

$(BUILD)/fuzz-dhcp: tests/fuzz/dhcp.c lib/dhcp.c lib/dhcp.h | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) -D_GNU_SOURCE -Ilib -o $@ tests/fuzz/dhcp.c lib/dhcp.c

FUZZ_BUILD = @mkdir -p $(dir $@) && $(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) -D_GNU_SOURCE \
             -DPBR_VERSION='"$(VERSION)"' -Ilib -Icmd $(PKG_CFLAGS) -o $@

$(BUILD)/fuzz-argv: tests/fuzz/argv.c $(FUZZ_CMD) $(LIB_SRC) | deps
	$(FUZZ_BUILD) $< $(FUZZ_CMD) $(LIB_SRC) $(PKG_LIBS)

$(BUILD)/fuzz-batch: tests/fuzz/batch.c $(FUZZ_CMD) $(LIB_SRC) | deps
	$(FUZZ_BUILD) $< $(FUZZ_CMD) $(LIB_SRC) $(PKG_LIBS)

$(BUILD)/fuzz-lease: tests/fuzz/lease.c $(LIB_SRC) | deps
	$(FUZZ_BUILD) $< $(LIB_SRC) $(PKG_LIBS)

$(BUILD)/fuzz-prefix: tests/fuzz/prefix.c $(LIB_SRC) | deps
	$(FUZZ_BUILD) $< $(LIB_SRC) $(PKG_LIBS)

# Long fuzzing runs, FUZZ_TIME seconds each (make check runs each for a few
# seconds: tests/ns/fuzz.sh, tests/ns/relay_fuzz.sh).
fuzz: $(FUZZERS)
	@for f in $(FUZZ_NAMES); do \
		d=$$(mktemp -d) && cp tests/fuzz/corpus/$$f/* $$d/ && \
		echo "fuzz-$$f: $(FUZZ_TIME) s" && \
		$(BUILD)/fuzz-$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $$d >$$d.log 2>&1; \
		rc=$$?; grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' $$d.log; \
		rm -rf $$d $$d.log; [ $$rc = 0 ] || exit $$rc; \
	done

# The suite twice: plain, then under ASan + UBSan (scripts/check.sh).
check: all test-deps $(BUILD)/unit $(BUILD)/unit-dhcp $(FUZZERS)
	scripts/check.sh

# Relay benchmark: pbr relay vs isc-dhcp-relay vs dnsmasq, side by side (root).
bench: all test-deps
	bench/relay.sh

demo: all test-deps
	scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(IPROUTE2_USR)/rt_protos.d $(DESTDIR)$(IPROUTE2_ETC)/rt_protos.d
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/pbr
	for o in $(OBJECTS); do ln -sf pbr $(DESTDIR)$(SBINDIR)/pbr-$$o; done
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completions/pbr.bash $(DESTDIR)$(BASHCOMPDIR)/pbr
	for o in $(OBJECTS); do ln -sf pbr $(DESTDIR)$(BASHCOMPDIR)/pbr-$$o; done
	install -m 0644 completions/_pbr $(DESTDIR)$(ZSHCOMPDIR)/_pbr
	# iproute2 >= 6.5 reads /usr/share/iproute2; older ones (Debian 12: 6.1) only /etc.
	install -m 0644 man/pbr.conf $(DESTDIR)$(IPROUTE2_USR)/rt_protos.d/pbr.conf
	install -m 0644 man/pbr.conf $(DESTDIR)$(IPROUTE2_ETC)/rt_protos.d/pbr.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/pbr
	for o in $(OBJECTS); do rm -f $(DESTDIR)$(SBINDIR)/pbr-$$o $(DESTDIR)$(BASHCOMPDIR)/pbr-$$o; done
	for m in man/*.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$${m#man/}; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/pbr $(DESTDIR)$(ZSHCOMPDIR)/_pbr
	rm -f $(DESTDIR)$(IPROUTE2_USR)/rt_protos.d/pbr.conf $(DESTDIR)$(IPROUTE2_ETC)/rt_protos.d/pbr.conf

clean:
	rm -rf build build-san pbr pbr-san

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
