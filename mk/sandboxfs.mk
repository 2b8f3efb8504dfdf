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
