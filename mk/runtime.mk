# runtime: the sandbox runtimes (native: runc + OCI bundles; docker: the Docker Engine API through
# libcurl) as $(BUILD)/libsbxruntime.a, linked by
# sandboxd, and $(BUILD)/rtctl, a command-line driver of the same interface (tests, benchmarks).
# sandboxd's link line must add $(RUNTIME_LDLIBS).

RUNTIME_SRCS := $(filter-out server/sandboxd/runtime_ctl%.c, \
	$(wildcard server/sandboxd/runtime_*.c server/sandboxd/net*.c \
	           server/sandboxd/image*.c server/sandboxd/bundle*.c))
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(BUILD)/obj/%.o)
RUNTIME_LDLIBS := -lcurl -ljansson -lpthread
RTCTL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard server/sandboxd/runtime_ctl*.c))

$(BUILD)/libsbxruntime.a: $(RUNTIME_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/rtctl: $(RTCTL_OBJS) $(BUILD)/libsbxruntime.a
	$(CC) $(LDFLAGS) -o $@ $(RTCTL_OBJS) $(BUILD)/libsbxruntime.a $(RUNTIME_LDLIBS)

ALL += $(BUILD)/libsbxruntime.a $(BUILD)/rtctl

# Unit tests: tests/unit/test_runtime_*.c, linked with the library.
RUNTIME_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_runtime_*.c))
$(BUILD)/obj/tests/unit/test_runtime_%.o: CFLAGS += -Iserver/sandboxd

$(BUILD)/tests/test_runtime_%: $(BUILD)/obj/tests/unit/test_runtime_%.o $(BUILD)/libsbxruntime.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libsbxruntime.a $(RUNTIME_LDLIBS)

UNIT_TESTS += $(RUNTIME_TESTS)
