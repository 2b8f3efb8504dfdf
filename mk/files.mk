# files/ subtree of sandboxfs: fs/files*.c here; backend/execd_files*.c reach build/libsandbox.a
# through mk/sandboxfs.mk's backend/*.c.
FILES_FS_SRCS := fs/files.c fs/files_cache.c fs/files_io.c
FILES_BACKEND_SRCS := backend/execd_fileinfo.c backend/execd_files.c backend/execd_files_cmd.c \
	backend/execd_files_upload.c
SANDBOXFS_SRCS += $(FILES_FS_SRCS)
CFLAGS_fs += $(shell pkg-config --cflags fuse3)

# Compile-only target for this subtree (the objects link into build/sandboxfs).
.PHONY: files-objs
files-objs: $(patsubst %.c,$(BUILD)/obj/%.o,$(FILES_FS_SRCS) $(FILES_BACKEND_SRCS))

# Unit test of the pure FileInfo → struct stat parser.
$(BUILD)/tests/test_files_fileinfo: $(BUILD)/obj/tests/unit/test_files_fileinfo.o \
		$(BUILD)/obj/backend/execd_fileinfo.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson
UNIT_TESTS += $(BUILD)/tests/test_files_fileinfo

# The file API client against a real execd ($EXECD; skips when it is not built).
$(BUILD)/tests/test_files_client: $(BUILD)/obj/tests/unit/test_files_client.o $(BUILD)/libsandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
UNIT_TESTS += $(BUILD)/tests/test_files_client
