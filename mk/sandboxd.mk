# sandboxd: the Lifecycle API server (server/sandboxd/, except the runtime's files, which
# mk/runtime.mk builds into $(BUILD)/libsbxruntime.a).
SBXD_RT_PATTERNS := server/sandboxd/runtime_% server/sandboxd/net% server/sandboxd/image% \
	server/sandboxd/bundle%
SBXD_SRCS := $(filter-out $(SBXD_RT_PATTERNS),$(wildcard server/sandboxd/*.c))
SBXD_OBJS := $(SBXD_SRCS:%.c=$(BUILD)/obj/%.o)
SBXD_LIBS := $(shell pkg-config --libs libmicrohttpd sqlite3 jansson 2>/dev/null) -lpthread

# Objects the unit tests link (no runtime, no HTTP server).
SBXD_PURE := util validate config httpmsg routes_match store log
SBXD_PURE_OBJS := $(SBXD_PURE:%=$(BUILD)/obj/server/sandboxd/%.o)

ifneq ($(wildcard mk/runtime.mk),)
ALL += $(BUILD)/sandboxd
endif

$(BUILD)/sandboxd: $(SBXD_OBJS) $(BUILD)/libsbxruntime.a
	$(CC) $(LDFLAGS) -o $@ $(SBXD_OBJS) $(BUILD)/libsbxruntime.a $(SBXD_LIBS) $(RUNTIME_LDLIBS)

SBXD_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_sandboxd_*.c))
UNIT_TESTS += $(SBXD_UNIT)

$(SBXD_UNIT): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SBXD_PURE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SBXD_LIBS)

# Only sandboxd's unit test objects see sandboxd's headers (execd has headers of the same names).
$(BUILD)/obj/tests/unit/test_sandboxd_%.o: CFLAGS += -Iserver/sandboxd

# Fuzz target of sandboxd's parsers with a replay main that also runs deterministic mutations
# (tests/integration/057 replays the corpus in make check). `make fuzz` may link the same target
# with libFuzzer instead of sandboxd_replay.o.
FUZZERS += $(BUILD)/fuzz/sandboxd_fuzz_parsers
$(BUILD)/fuzz/sandboxd_fuzz_parsers: $(BUILD)/obj/tests/fuzz/sandboxd_fuzz_parsers.o \
		$(BUILD)/obj/tests/fuzz/sandboxd_replay.o $(SBXD_PURE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SBXD_LIBS)
$(BUILD)/obj/tests/fuzz/sandboxd_%.o: CFLAGS += -Iserver/sandboxd
