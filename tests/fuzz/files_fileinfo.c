/* Fuzz target: the FileInfo and directory listing parsers (backend/execd_fileinfo.c), the JSON
 * scanner under the listing parser (backend/json_scan.c) and the RFC 3339 time parser. The
 * scanner must accept exactly what jansson accepts, and a listing must come out the same as
 * from a jansson tree (the parser it replaced, kept here as the reference): any difference
 * aborts. A replay main runs every file given (or every file of the directories given); with
 * -DLIBFUZZER, libFuzzer's main. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../backend/execd_files.h"
#include "../../backend/json_scan.h"

/* One known difference is left out: after a number or a literal, jansson 2.14 drops one NUL byte
 * (its stream buffer takes NUL for "empty" once a byte is put back), so "[1\0]" loads as
 * [1]. The scanner refuses every NUL outside a string, as RFC 8259 does. */
static bool has_nul;

static void differ(const char *what)
{
    if (has_nul) return;
    fprintf(stderr, "files_fileinfo: %s differs from jansson\n", what);
    abort();
}

/* The scanner checks a whole document as jansson does (any top value). */
static void check_scanner(const char *text, size_t size)
{
    struct jscan s;
    struct jscan_value v;
    char *scratch = malloc(size + 1);
    json_t *j = json_loadb(text, size, JSON_DECODE_ANY, NULL);
    if (!scratch) abort();
    jscan_init(&s, text, size, scratch);
    int r = jscan_value(&s, &v, true, 1);
    if (r == 0) r = jscan_end(&s);
    if ((r == 0) != (j != NULL)) differ("validity");
    if (r == 0 && v.kind == JSCAN_STRING &&
        (v.len != json_string_length(j) || memcmp(v.str, json_string_value(j), v.len)))
        differ("a top-level string");
    if (r == 0 && v.kind == JSCAN_INT && v.num != json_integer_value(j))
        differ("a top-level integer");
    json_decref(j);
    free(scratch);
}

/* The reference: the listing through a jansson tree. */
static int reference_list(const char *text, size_t size, struct sbx_dirlist *ret)
{
    json_t *a = json_loadb(text, size, 0, NULL), *o;
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    size_t i;
    int r = !json_is_array(a) ? -EINVAL : json_array_size(a) > SBX_LIST_MAX ? -EFBIG : 0;
    ret->n = 0;
    ret->e = r ? NULL : calloc(json_array_size(a) + 1, sizeof *ret->e);
    json_array_foreach(r ? NULL : a, i, o)
    {
        const char *p = json_string_value(json_object_get(o, "path")), *slash;
        if (!p) continue;
        slash = strrchr(p, '/');
        p = slash ? slash + 1 : p;
        if (!*p || !strcmp(p, ".") || !strcmp(p, "..") || strlen(p) > SBX_NAME_MAX) continue;
        if (sbx_fileinfo_from_json(o, fi)) continue;
        ret->e[ret->n].name = strdup(p);
        ret->e[ret->n++].st = fi->st;
    }
    json_decref(a);
    free(fi);
    return r;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_mode == b->st_mode && a->st_size == b->st_size && a->st_uid == b->st_uid &&
           a->st_gid == b->st_gid && a->st_nlink == b->st_nlink && a->st_ino == b->st_ino &&
           a->st_rdev == b->st_rdev && a->st_blocks == b->st_blocks &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void check_listing(const char *text, size_t size)
{
    struct sbx_dirlist l = {0}, ref = {0};
    int r = sbx_dirlist_parse(text, size, &l), rr = reference_list(text, size, &ref);
    if (r != rr) differ("a listing's result");
    for (size_t i = 0; r == 0 && i < l.n; i++)
        if (l.n != ref.n || strcmp(l.e[i].name, ref.e[i].name) ||
            !same_stat(&l.e[i].st, &ref.e[i].st))
            differ("a listing's entries");
    if (r == 0 && l.n != ref.n) differ("a listing's length");
    sbx_dirlist_free(&l);
    sbx_dirlist_free(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    struct timespec ts;
    char *text = malloc(size + 1);
    if (fi && text) {
        memcpy(text, data, size);
        text[size] = 0;
        has_nul = memchr(text, 0, size) != NULL;
        sbx_fileinfo_parse(text, size, fi);
        check_scanner(text, size);
        check_listing(text, size);
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
