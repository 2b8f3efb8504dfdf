# execd: the in-sandbox daemon. Fully static (runs in any image); dynamic in the SAN=1 build
# because ASan cannot link statically.

EXECD_SRCS := $(wildcard server/execd/*.c)
EXECD_OBJS := $(EXECD_SRCS:%.c=$(BUILD)/obj/%.o)
# Pure parsers, shared by execd, its unit tests and its fuzzers.
EXECD_LIB_SRCS := server/execd/http_parse.c server/execd/direct.c server/execd/multipart.c server/execd/reqparse.c \
	server/execd/fileops.c server/execd/paths.c server/execd/jsonstr.c server/execd/util.c \
	server/execd/conn.c server/execd/sse_event.c server/execd/spool.c server/execd/outmap.c \
	server/execd/textbuf.c
EXECD_LIB_OBJS := $(EXECD_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

ifeq ($(SAN),1)
EXECD_LINK := -pthread
else
EXECD_LINK := -static -pthread
endif

ALL += $(BUILD)/execd

$(BUILD)/execd: $(EXECD_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(EXECD_LINK) -o $@ $^ -ljansson

# Unit tests (TAP).
EXECD_UNITS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_execd_*.c))
UNIT_TESTS += $(EXECD_UNITS:%=$(BUILD)/tests/%)

$(BUILD)/tests/test_execd_%: $(BUILD)/obj/tests/unit/test_execd_%.o $(EXECD_LIB_OBJS) $(BUILD)/obj/tests/fuzz/execd_testcfg.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -ljansson

# Fuzz targets: LLVMFuzzerTestOneInput + a replay main (tests/fuzz/replay_main.c) that runs
# every file of a corpus directory. `make fuzz` builds them with clang -fsanitize=fuzzer.
EXECD_FUZZ := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/execd_fuzz_*.c))
FUZZERS += $(EXECD_FUZZ:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/execd_fuzz_%: $(BUILD)/obj/tests/fuzz/execd_fuzz_%.o $(BUILD)/obj/tests/fuzz/execd_replay_main.o $(EXECD_LIB_OBJS) $(BUILD)/obj/tests/fuzz/execd_testcfg.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -ljansson

# Only execd's test and fuzz objects see execd's headers (pattern-specific, not CFLAGS_tests).
$(BUILD)/obj/tests/unit/test_execd_%.o: CFLAGS += -Iserver/execd
$(BUILD)/obj/tests/fuzz/execd_%.o: CFLAGS += -Iserver/execd
