/* Fuzz target: the FileInfo and directory listing parsers (backend/execd_fileinfo.c) and the
 * RFC 3339 time parser. A replay main runs every file given (or every file of the directories
 * given); with -DLIBFUZZER, libFuzzer's main. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../backend/execd_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    struct sbx_dirlist l = {0};
    struct timespec ts;
    char *text = malloc(size + 1);
    if (fi && text) {
        memcpy(text, data, size);
        text[size] = 0;
        sbx_fileinfo_parse(text, size, fi);
        if (sbx_dirlist_parse(text, size, &l) == 0) sbx_dirlist_free(&l);
        sbx_time_parse(text, &ts);
    }
    free(text);
    free(fi);
    return 0;
}

#ifndef LIBFUZZER
static int run_file(const char *path)
{
    static uint8_t buf[1 << 20];
    FILE *f = fopen(path, "rbe");
    size_t n;
    if (!f) return -1;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    int count = 0;
    if (!d) return run_file(dir) == 0;
    for (struct dirent *e; (e = readdir(d));) {
        char p[4096];
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        count += run_file(p) == 0;
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++)
        count += run_dir(argv[i]);
    printf("replayed %d inputs\n", count);
    return 0;
}
#endif
