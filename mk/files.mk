# files/ subtree of sandboxfs. Its sources need no list: mk/sandboxfs.mk links every fs/*.c into
# build/sandboxfs and every backend/*.c into build/libsandbox.a (fs/files*.c,
# backend/execd_files*.c, backend/execd_fileinfo.c). Here: its tests and fuzz target.

# Unit test of the pure FileInfo → struct stat parser.
$(BUILD)/tests/test_files_fileinfo: $(BUILD)/obj/tests/unit/test_files_fileinfo.o \
		$(BUILD)/obj/backend/execd_fileinfo.o $(BUILD)/obj/backend/json_scan.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson
UNIT_TESTS += $(BUILD)/tests/test_files_fileinfo

# Unit test of the JSON scanner under the listing parser.
$(BUILD)/tests/test_json_scan: $(BUILD)/obj/tests/unit/test_json_scan.o $(BUILD)/obj/backend/json_scan.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
UNIT_TESTS += $(BUILD)/tests/test_json_scan

# The file API client against a real execd ($EXECD; skips when it is not built).
$(BUILD)/tests/test_files_client: $(BUILD)/obj/tests/unit/test_files_client.o $(BUILD)/libsandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SANDBOXFS_LIBS)
UNIT_TESTS += $(BUILD)/tests/test_files_client

# Fuzz target (replay main; scripts/fuzz.sh builds it with libFuzzer).
$(BUILD)/fuzz/files_fileinfo: $(BUILD)/obj/tests/fuzz/files_fileinfo.o $(BUILD)/obj/backend/execd_fileinfo.o \
		$(BUILD)/obj/backend/json_scan.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson
FUZZERS += $(BUILD)/fuzz/files_fileinfo
