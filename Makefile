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
OBJECTS   := table mark nat sysctl

.PHONY: all deps test-deps check unit demo install uninstall clean fuzz bench

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

check: all test-deps $(BUILD)/unit
	tests/run

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
