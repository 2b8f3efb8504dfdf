# sandboxfs (fs/) and its client library libsandbox (backend/).
SANDBOXFS_PKGS := fuse3 libcurl jansson
SANDBOXFS_CFLAGS := $(shell pkg-config --cflags $(SANDBOXFS_PKGS) 2>/dev/null)
SANDBOXFS_LIBS := $(shell pkg-config --libs $(SANDBOXFS_PKGS) 2>/dev/null) -lpthread
CFLAGS_fs = $(SANDBOXFS_CFLAGS)
CFLAGS_backend = $(SANDBOXFS_CFLAGS)

LIBSANDBOX_SRCS := $(wildcard backend/*.c)
LIBSANDBOX_OBJS := $(LIBSANDBOX_SRCS:%.c=$(BUILD)/obj/%.o)
# Every fs/*.c is part of the daemon; every backend/*.c of the library (no list to keep).
SANDBOXFS_SRCS := $(wildcard fs/*.c)
SANDBOXFS_OBJS := $(SANDBOXFS_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/libsandbox.a: $(LIBSANDBOX_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/sandboxfs: $(SANDBOXFS_OBJS) $(BUILD)/libsandbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)

ALL += $(BUILD)/libsandbox.a $(BUILD)/sandboxfs

# Unit tests: the parsers, linked with just the objects they test.
SFS_PARSE_OBJS := $(addprefix $(BUILD)/obj/fs/,node_parse.o util.o templates.o log.o)
$(BUILD)/tests/test_sandboxfs_parse: $(BUILD)/obj/tests/unit/test_sandboxfs_parse.o $(SFS_PARSE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
CFLAGS_tests += $(SANDBOXFS_CFLAGS)
UNIT_TESTS += $(BUILD)/tests/test_sandboxfs_parse

# The spliced GET (backend/http_splice.c) against canned answers over real TCP.
$(BUILD)/tests/test_http_splice: $(BUILD)/obj/tests/unit/test_http_splice.o $(BUILD)/libsandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
UNIT_TESTS += $(BUILD)/tests/test_http_splice

$(BUILD)/fuzz/sandboxfs_template: $(BUILD)/obj/tests/fuzz/sandboxfs_template.o $(SFS_PARSE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
FUZZERS += $(BUILD)/fuzz/sandboxfs_template

# What sandboxfs makes of execd's command answers: the list delta parser and merge, the event
# stream splitter (tests/integration/190 replays the corpus).
$(BUILD)/fuzz/sandboxfs_commands: $(BUILD)/obj/tests/fuzz/sandboxfs_commands.o \
		$(BUILD)/obj/tests/fuzz/execd_replay_main.o $(BUILD)/obj/fs/command_merge.o \
		$(BUILD)/libsandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
FUZZERS += $(BUILD)/fuzz/sandboxfs_commands

# Text from a server, checked before it goes into a request or a curl config.
$(BUILD)/tests/test_http_text: $(BUILD)/obj/tests/unit/test_http_text.o $(BUILD)/libsandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
UNIT_TESTS += $(BUILD)/tests/test_http_text
