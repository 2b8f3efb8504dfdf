# sandboxfs: top-level build. Everything goes to $(BUILD) (build/, or build/asan with SAN=1).
# Components add their rules in mk/*.mk and append to ALL (binaries) and UNIT_TESTS (TAP programs).

BUILD ?= build
SAN ?= 0
CC ?= gcc
PREFIX ?= /usr/local

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wno-format-truncation
CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP -Icommon $(EXTRA_CFLAGS)
LDFLAGS := $(EXTRA_LDFLAGS)
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ALL :=
UNIT_TESTS :=
FUZZERS :=

.PHONY: all check deps run bench fuzz format install clean
all: build-all

include $(sort $(wildcard mk/*.mk))

build-all: $(ALL) $(UNIT_TESTS) $(FUZZERS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CFLAGS_$(firstword $(subst /, ,$<))) -c -o $@ $<

deps:
	bash scripts/deps.sh

# The whole test suite: plain build, then ASan+UBSan build, each run by prove.
check: deps
	bash scripts/run-tests.sh

run: deps all
	bash scripts/run.sh

bench: all
	DEPS_BENCH=1 bash scripts/deps.sh
	bash bench/run.sh

fuzz:
	bash scripts/fuzz.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

install: all
	install -D -m 0755 $(BUILD)/sandboxfs $(DESTDIR)$(PREFIX)/bin/sandboxfs
	install -D -m 0755 $(BUILD)/sandboxd $(DESTDIR)$(PREFIX)/bin/sandboxd
	install -D -m 0755 $(BUILD)/execd $(DESTDIR)$(PREFIX)/bin/execd
	install -D -m 0644 docs/sandboxfs.1 $(DESTDIR)$(PREFIX)/share/man/man1/sandboxfs.1
	install -D -m 0644 server/sandboxd/sandboxd.service $(DESTDIR)/etc/systemd/system/sandboxd.service
	mkdir -p $(DESTDIR)/sbin
	ln -sf $(PREFIX)/bin/sandboxfs $(DESTDIR)/sbin/mount.fuse.sandboxfs
